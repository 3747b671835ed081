"""attn-aie demo: compile the bundled attention layers to AIE programs and check them.

Run after `pip install .`:  python examples/demo.py [--out DIR]

For each bundled layer (BERT-base, Llama-3.2-1B prefill) and each target (npu1, npu2):
1. compile it with `attn.compiler.compile` (the attn-to-aie pipeline, fold=auto) and write the
   AIE program (upstream mlir-aie syntax) and its report;
2. print the stages, the DRAM traffic of the emitted program against the compulsory bytes, and
   the cost model's latency (modeled, not measured: there is no NPU here);
3. check the numbers on a slice of the layer (2 query heads of one kv group, 128 tokens):
   the CPU path (MLIR ExecutionEngine) and the simulator running the emitted AIE program,
   both against the float64 reference.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from attn import dse, reference, sim
from attn.compiler import attention_layer, compile, run_on_cpu
from attn.ir import Context, Module

HERE = Path(__file__).resolve().parent
EXAMPLES = ["bert_base_layer.mlir", "llama32_1b_prefill.mlir"]


def layer_facts(module: Module) -> dict:
    """Shape facts of the layer's attn.attention, read from the parsed module."""
    shape = dse.shape_of(module)
    return dict(
        B=shape.batch,
        H=shape.heads,
        Hkv=shape.kv_heads,
        Lq=shape.query_len,
        Lk=shape.key_len,
        D=shape.head_dim,
        Dv=shape.value_dim,
        causal=shape.causal,
    )


def check_slice(facts: dict, target: str) -> tuple[float, float, float]:
    """Max |error| of the CPU path and of the simulated AIE program on a 128-token slice."""
    group = facts["H"] // facts["Hkv"]
    heads = min(group, 2)
    length = 128
    layer = attention_layer(1, heads, 1, length, length, facts["D"], causal=facts["causal"])
    rng = np.random.default_rng(0)
    q = reference.round_to_dtype(rng.standard_normal((1, heads, length, facts["D"])), "bf16")
    k = reference.round_to_dtype(rng.standard_normal((1, 1, length, facts["D"])), "bf16")
    v = reference.round_to_dtype(rng.standard_normal((1, 1, length, facts["Dv"])), "bf16")
    ref = reference.attention(q, k, v, causal=facts["causal"])
    cpu = np.asarray(run_on_cpu(layer, q, k, v, target=target), np.float32)
    run = sim.run(compile(layer, target=target), q, k, v)
    return float(np.abs(cpu - ref).max()), float(np.abs(run.output - ref).max()), run.seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=None, help="where to write the AIE programs and reports")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="attn-aie-demo-"))
    out.mkdir(parents=True, exist_ok=True)
    worst = 0.0
    for name in EXAMPLES:
        module = Module.parse((HERE / name).read_text(), context=Context())
        module.operation.verify()
        facts = layer_facts(module)
        print(f"== {name}: {facts}")
        for target in ("npu1", "npu2"):
            start = time.perf_counter()
            program = compile(module, target=target, fold="auto")
            compile_s = time.perf_counter() - start
            report = program.report
            stem = out / f"{Path(name).stem}.{target}"
            stem.with_suffix(".aie.mlir").write_text(program.text)
            stem.with_suffix(".report.json").write_text(json.dumps(report, indent=1, default=str))
            folds = sorted({s["fold"] for s in report["stages"]})
            plan = next(iter(report["plans"].values()))
            traffic = report["dram_read_bytes"] + report["dram_write_bytes"]
            model = dse.estimate(module, target=target, fold=folds[0], q_tile=plan["q_tile"], kv_tile=plan["kv_tile"])
            print(
                f"  {target}: fold {'/'.join(folds)}, {len(report['stages'])} aie.device(s), "
                f"tiles q {plan['q_tile']} x kv {plan['kv_tile']}, compiled in {compile_s:.2f} s"
            )
            print(
                f"    DRAM {traffic / 1e6:.2f} MB = {traffic / report['compulsory_bytes']:.2f} x compulsory "
                f"({report['compulsory_bytes'] / 1e6:.2f} MB); modeled latency (cost model) "
                f"{model.latency_s * 1e3:.3f} ms, bound by {model.binding}"
            )
            cpu_err, sim_err, sim_s = check_slice(facts, target)
            worst = max(worst, cpu_err, sim_err)
            print(
                f"    128-token slice vs float64 reference: CPU path max |err| {cpu_err:.2e}, "
                f"simulated AIE program max |err| {sim_err:.2e} (simulated {sim_s * 1e6:.1f} us)"
            )
    print(f"AIE programs and reports written to {out}")
    # bf16 output: errors are a rounding of values of magnitude ~max|V|.
    return 0 if worst <= 5e-2 else 1


if __name__ == "__main__":
    sys.exit(main())
