"""Legality of the model's plans through the compiler (issue 12, "Legality").

The design-space search (``attn.dse``) searches only what the AIE back end
emits (``cost::whyNotEmittable`` prunes the rest). Every plan it returns must
therefore compile through the whole ``attn-to-aie`` pipeline (aie-check-limits
last) with every plan field pinned, and come out with exactly that plan; a plan
the predicate rejects must be rejected by the compiler with the same message.
Checked on the DSE's top 20 plans of every bench suite layer (bench/run.py) on
npu1 and npu2, and on the DSE's best plan of the 300 seeded random layers of
test_aie_legality_sweep.py on both targets, plus one plan per random layer
that breaks an emitter rule the compiler can be asked for (stream mapping, a
second query tile per lane, an L2-resident K/V block).

Default run: a covering sample; ``ATTN_FULL_SWEEPS=1`` runs everything and
writes ``$ATTN_BUILD_DIR/plan_legality_report.json``. The negative controls at
the end show the check fails on a model/compiler disagreement.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional

from sweep_sampling import full_sweeps, sample
from test_aie_legality_sweep import LAYERS as RANDOM_LAYERS
from test_aie_legality_sweep import _text

from attn import compiler, dse, ir
from attn import target as npu_target

ROOT = Path(__file__).resolve().parents[2]
TARGETS = ("npu1", "npu2")
TOP = 20
# Plan fields the compiled #attn.plan must carry unchanged.
PINNED = ("q_tile", "kv_tile", "l2_q_block", "l2_kv_block", "columns", "cores_per_column", "depth", "mapping")
REPORT: dict[str, Any] = {}


def _suite() -> Any:
    spec = importlib.util.spec_from_file_location("attn_bench_run_legality", ROOT / "bench" / "run.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


SUITE = _suite()


def check_plan(
    text: str,
    shape: dse.AttentionShape,
    plan: dse.Plan,
    why_fn: Callable[..., Optional[dse.NotEmittable]] = dse.why_not_emittable,
) -> Optional[str]:
    """None when the model (`why_fn`) and the compiler agree on `plan`: it is
    emittable and compiles with every field pinned into exactly that plan, or
    it is not and the compiler's error carries the model's reason. Otherwise
    the disagreement."""
    why = why_fn(shape, plan.target, plan.fold, **plan.options())
    try:
        program = compiler.compile(text, target=plan.target, **dse.compile_options(plan, shape))
    except ValueError as exc:
        error = str(exc)
        if why is None:
            return f"the model emits {plan}; the compiler rejects it: {error.strip().splitlines()[-1][:400]}"
        # The same reason: the emitter rule, or a limit the model also finds
        # broken (the compiler checks capacity before the AIE mapping).
        if why.message not in error and not _same_violation(shape, plan, error):
            return f"the model rejects {plan} ({why.message}); the compiler for another reason: {error[-400:]}"
        return None
    if why is not None:
        return f"the model rejects {plan} ({why.message}); the compiler compiled it"
    for stage in program.report["stages"]:
        got = program.report["plans"][stage["device"]]
        for field in PINNED:
            want = "fused" if field == "mapping" and stage["name"] in ("qk", "softmax", "pv") else getattr(plan, field)
            if got[field] != want:
                return f"{plan}: stage {stage['name']} compiled with {field} {got[field]}, not {want}"
        if tuple(got["intrinsic"]) != tuple(plan.intrinsic):
            return f"{plan}: stage {stage['name']} compiled with intrinsic {got['intrinsic']}"
    return None


def _same_violation(shape: dse.AttentionShape, plan: dse.Plan, error: str) -> bool:
    """Whether the compiler's `error` is an L1/L2 capacity limit the model
    finds broken by `plan` with the same byte count (attn-tile reports the
    buffers without the stack reserve)."""
    est = dse.estimate_shape(shape, plan.target, plan.fold, allow_illegal=True, **plan.options())
    reserve = npu_target.get(plan.target).core_stack_reserve_bytes
    for v in est.violation_kinds:
        if v["kind"] == "l1_bytes" and "L1 needs" in error and f"= {v['needed'] - reserve} B >" in error:
            return True
        if v["kind"] == "l2_bytes" and "L2 needs" in error and f"= {v['needed']} B >" in error:
            return True
    return False


def _layer_text(layer: Any) -> str:
    with ir.Context():
        module = SUITE.build_layer(
            layer.heads, layer.kv_heads, layer.length, layer.length, layer.head_dim, layer.causal
        )
        return str(module)


_EXPLORED: dict[tuple[str, str], tuple[str, dse.AttentionShape, list[dse.Plan]]] = {}


def _top_plans(layer: Any, target: str) -> tuple[str, dse.AttentionShape, list[dse.Plan]]:
    key = (layer.name, target)
    if key not in _EXPLORED:
        text = _layer_text(layer)
        with ir.Context():
            shape = dse.shape_of(ir.Module.parse(text))
        ex = dse.explore_shape(shape, target, max_alternatives=TOP - 1)
        plans = [ex.best.plan, *(a.estimate.plan for a in ex.alternatives)]
        _EXPLORED[key] = (text, shape, plans[:TOP])
    return _EXPLORED[key]


SUITE_CASES = [(layer, t, rank) for layer in SUITE.LAYERS for t in TARGETS for rank in range(TOP)]
SUITE_SAMPLE = sample(
    SUITE_CASES,
    {"layer": lambda c: c[0].name, "target": lambda c: c[1], "rank": lambda c: min(c[2], 2)},
    extra=4,
    seed=12,
)


def test_dse_top_plans_of_the_suite_compile_pinned() -> None:
    disagreements, checked = [], 0
    for layer, target, rank in SUITE_SAMPLE:
        text, shape, plans = _top_plans(layer, target)
        if rank >= len(plans):
            continue
        checked += 1
        problem = check_plan(text, shape, plans[rank])
        if problem:
            disagreements.append(f"{layer.name} {target} #{rank + 1}: {problem}")
    REPORT["suite"] = {"checked": checked, "disagreements": disagreements}
    assert checked > 0
    assert not disagreements, "\n".join(disagreements)


RANDOM_CASES = [(c, t) for c in RANDOM_LAYERS for t in TARGETS]
RANDOM_SAMPLE = sample(
    RANDOM_CASES,
    {
        "target": lambda c: c[1],
        "dtype": lambda c: c[0]["dtype"],
        "causal": lambda c: c[0]["causal"],
        "layout": lambda c: c[0]["blhd"],
        "valid_len": lambda c: c[0]["valid_len"],
    },
    extra=6,
    seed=20261207,
)


def _not_emitted_variant(plan: dse.Plan, shape: dse.AttentionShape, index: int) -> Optional[dse.Plan]:
    """A variant of `plan` breaking one emitter rule the compiler takes an
    option for (rotating over the rules with the case index), or None."""
    lanes = plan.l2_q_block // plan.q_tile
    padded_keys = -(-shape.key_len // plan.kv_tile) * plan.kv_tile
    variants = [
        dataclasses.replace(plan, l2_q_block=2 * plan.l2_q_block),
        dataclasses.replace(plan, l2_kv_block=padded_keys) if padded_keys > plan.kv_tile else None,
        # (kv_split 1: one broken rule, not a stream pipeline of a cascade)
        dataclasses.replace(plan, mapping="stream", cores_per_column=3, l2_q_block=plan.q_tile, kv_split=1)
        if plan.fold == "online" and lanes >= 1
        else None,
    ]
    return variants[index % len(variants)]


def test_random_layers_agree_with_the_compiler() -> None:
    disagreements, compiled, rejected, variants = [], 0, 0, 0
    for index, (case, target) in enumerate(RANDOM_SAMPLE):
        text = "module {\n" + _text(case) + "}\n"
        with ir.Context():
            shape = dse.shape_of(ir.Module.parse(text))
        try:
            plan = dse.explore_shape(shape, target).best.plan
        except ValueError as exc:
            # No plan of the model: the compiler must not compile the layer.
            rejected += 1
            try:
                compiler.compile(text, target=target)
            except ValueError:
                continue
            disagreements.append(f"layer {case['id']} {target}: no model plan ({exc}); the compiler compiled it")
            continue
        problem = check_plan(text, shape, plan)
        if problem:
            disagreements.append(f"layer {case['id']} {target}: {problem}")
            continue
        compiled += 1
        variant = _not_emitted_variant(plan, shape, index)
        if variant is not None and dse.why_not_emittable(shape, target, variant.fold, **variant.options()):
            variants += 1
            problem = check_plan(text, shape, variant)
            if problem:
                disagreements.append(f"layer {case['id']} {target} (not emitted variant): {problem}")
    REPORT["random"] = {
        "cases": len(RANDOM_SAMPLE),
        "of": len(RANDOM_CASES),
        "compiled": compiled,
        "no_model_plan": rejected,
        "not_emitted_variants": variants,
        "disagreements": disagreements,
    }
    assert compiled > 0 and variants > 0
    assert not disagreements, "\n".join(disagreements)


# ---------------------------------------------------------------------------
# Negative controls: the check detects a model/compiler disagreement.
# ---------------------------------------------------------------------------


def _small() -> tuple[str, dse.AttentionShape, dse.Plan]:
    layer = next(x for x in SUITE.LAYERS if x.name == SUITE.QUICK_LAYER)
    text, shape, plans = _top_plans(layer, "npu2")
    return text, shape, plans[0]


def test_negative_control_model_rejects_what_the_compiler_emits() -> None:
    text, shape, plan = _small()
    assert check_plan(text, shape, plan) is None

    def too_strict(*args: Any, **kwargs: Any) -> dse.NotEmittable:
        return dse.NotEmittable("mapping", "mapping", "a rule the compiler does not have")

    problem = check_plan(text, shape, plan, why_fn=too_strict)
    assert problem is not None and "the compiler compiled it" in problem


def test_negative_control_model_emits_what_the_compiler_rejects() -> None:
    text, shape, plan = _small()
    # A K/V block between kv_tile and the padded key length: neither side
    # emits it (the kv_block rule; kv_tile and the whole length are emitted).
    kv = plan.kv_tile // 2
    padded = -(-shape.key_len // kv) * kv
    assert kv < 2 * kv < padded
    stream = dataclasses.replace(plan, kv_tile=kv, l2_kv_block=2 * kv)
    assert check_plan(text, shape, stream) is None  # both reject, same reason

    def too_lax(*args: Any, **kwargs: Any) -> None:
        return None

    problem = check_plan(text, shape, stream, why_fn=too_lax)
    assert problem is not None and "the compiler rejects it" in problem


def test_negative_control_pinned_field_not_honoured() -> None:
    text, shape, plan = _small()
    # A plan whose pinned field the compiler would change is reported: ask the
    # check about one plan while compiling another (q_tile differs).
    other = dataclasses.replace(plan, q_tile=plan.q_tile * 2, l2_q_block=plan.l2_q_block * 2)
    real = dse.compile_options

    def swapped(p: dse.Plan, s: dse.AttentionShape) -> dict[str, Any]:
        return real(plan if p is other else p, s)

    dse.compile_options = swapped
    try:
        problem = check_plan(text, shape, other)
    finally:
        dse.compile_options = real
    assert problem is not None and "compiled with q_tile" in problem


def teardown_module() -> None:
    if not REPORT or not full_sweeps():
        return
    out_dir = Path(os.environ.get("ATTN_BUILD_DIR", "build"))
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "plan_legality_report.json").write_text(json.dumps(REPORT, indent=2) + "\n")
