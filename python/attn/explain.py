"""``attn-compile --explain``: a readable account of what the compiler chose and why.

For one compiled layer it puts side by side: the plan the pipeline emitted (fold, tiles, cores,
DMA schedule, the emitted program's DRAM traffic), the cost model's estimate of that plan, the
design-space search (the best plan of every fold, or why no plan of that fold fits, and the
runner-up plans with the reason each lost) and the roofline bound with the resource that binds.
Every latency here is modeled (cost model), not measured: there is no NPU on this machine.
"""

from __future__ import annotations

from typing import Any

from . import dse, ir


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3f} ms"


def _mb(nbytes: float) -> str:
    return f"{nbytes / 1e6:.2f} MB"


def _plan_line(plan: Any) -> str:
    return (
        f"fold {plan.fold}, q_tile {plan.q_tile} x kv_tile {plan.kv_tile}, L2 blocks {plan.l2_q_block} x "
        f"{plan.l2_kv_block}, {plan.columns} columns x {plan.cores_per_column} cores, depth {plan.depth}, "
        f"mapping {plan.mapping}, intrinsic {'x'.join(map(str, plan.intrinsic))}, K transpose {plan.k_transpose}"
    )


def explain(module: ir.Module, program: Any, top: int = 5) -> str:
    """The explanation text for `program` (what ``attn.compiler.compile`` returned for `module`)."""
    report = program.report
    target = report["target"]
    lines = [f"attn-compile --explain: target {target}, pipeline {report['pipeline']}"]
    lines.append("All latencies are modeled by the cost model (docs/cost-model.md), not measured.")
    shape = dse.shape_of(module)
    lines.append(
        f"layer: B={shape.batch} H={shape.heads} Hkv={shape.kv_heads} Lq={shape.query_len} Lk={shape.key_len} "
        f"D={shape.head_dim} Dv={shape.value_dim} {shape.element} causal={shape.causal}"
    )

    lines.append("")
    lines.append("chosen (emitted program):")
    folds = sorted({s["fold"] for s in report["stages"]})
    for stage in report["stages"]:
        plan = report["plans"][stage["device"]]
        sched = report["schedules"][stage["device"]]
        lines.append(
            f"  aie.device @{stage['device']} (stage {stage['name']}, fold {stage['fold']}): "
            f"q_tile {plan['q_tile']} x kv_tile {plan['kv_tile']}, {plan['columns']} columns x "
            f"{plan['cores_per_column']} cores, depth {plan['depth']}; DMA schedule: "
            f"{sched.get('cores_per_group', '?')} cores per K/V broadcast group, "
            f"{sched.get('batches', '?')} runtime batches"
        )
    traffic = report["dram_read_bytes"] + report["dram_write_bytes"]
    lines.append(
        f"  DRAM traffic of the emitted program: {_mb(traffic)} = "
        f"{traffic / report['compulsory_bytes']:.2f} x compulsory ({_mb(report['compulsory_bytes'])})"
    )
    first = next(iter(report["plans"].values()))
    try:
        chosen = dse.estimate(module, target=target, fold=folds[0], q_tile=first["q_tile"], kv_tile=first["kv_tile"])
        lines.append(
            f"  cost model for this fold and these tiles: {_ms(chosen.latency_s)}, bound by {chosen.binding}, "
            f"model DRAM {_mb(chosen.dram_bytes)}"
        )
    except ValueError as exc:
        chosen = None
        lines.append(f"  cost model cannot estimate this plan: {exc}")

    found = dse.explore(module, target=target)
    roof = found.roofline
    lines.append("")
    lines.append(
        f"roofline bound: {_ms(roof.bound_s)} (binding: {roof.binding}; MAC {_ms(roof.mac_s)}, vector "
        f"{_ms(roof.vector_s)}, DRAM {_ms(roof.dram_s)} for {_mb(roof.compulsory_bytes)} compulsory, "
        f"dispatch {_ms(roof.dispatch_s)})"
    )
    lines.append(
        f"design-space search: {found.stats['candidates']} candidates, {found.stats['evaluated']} modeled, "
        f"{found.stats['illegal']} illegal, {found.stats['pruned']} pruned, {found.stats['seconds']:.2f} s"
    )
    ratio = found.latency_s / roof.bound_s
    lines.append(f"  best: {_ms(found.latency_s)} ({ratio:.2f} x roofline), {_plan_line(found.plan)}")
    lines.append("  best per fold:")
    for fold, best in found.per_fold.items():
        if isinstance(best, str):
            lines.append(f"    {fold:9s} {best}")
        else:
            lines.append(
                f"    {fold:9s} {_ms(best.latency_s)}, bound by {best.binding}, DRAM {_mb(best.dram_bytes)}, "
                f"q_tile {best.plan.q_tile} x kv_tile {best.plan.kv_tile}"
            )
    if found.alternatives:
        lines.append(f"  top {min(top, len(found.alternatives))} alternatives and why they lost:")
        for alt in found.alternatives[:top]:
            lines.append(f"    - {alt.reason}")
    if chosen is not None:
        gap = chosen.latency_s / found.latency_s
        verdict = (
            "the emitted plan is the search's best"
            if gap <= 1.0 + 1e-9
            else f"the emitted plan is {gap:.2f} x the search's best (modeled)"
        )
        lines.append("")
        lines.append(verdict)
    return "\n".join(lines) + "\n"
