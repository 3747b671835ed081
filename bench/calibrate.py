"""Calibration of the cost model against published hardware measurements.

Every number the model uses comes from the target table
(include/attn/Target/NPUTarget.h, sources in lib/Target/NPUTarget.cpp); nothing
here is fitted. Each published design is modelled with ITS mapping:

- whole-array GEMM (AIE-TARGET.md "whole-array GEMM, measured"): 4096^3 with
  the datapath the measurement used. The int8 rows and the npu2 bf16 row are
  circular: the table derives those kernel efficiencies from these very
  measurements; they check the GEMM model's overheads, not the efficiency.
- mlir-air flash attention, npu2 (programming_examples/flash_attention/
  kernel_fusion_based/attn_npu2.py): 8 columns x 4 rows, 64x64 tiles, Q chunk
  256 per launch (l2_q_block 64 per column = one q tile per lane), K range
  split over the 4-core cascade (kv_split 4), online softmax, 8x8x8
  BFP16-emulated MMA, causal blocks computed and masked (their causal_skip
  defaults to off).
- IRON fused MHA, npu2 (operators/mha/design.py): 8 pipelines of 3 cores
  (QK | softmax | PV), 64x64 blocks, K/V broadcast to all pipelines, 8x8x8
  BFP16-emulated MMA.
- mlir-air decode attention, npu2 (Xilinx/mlir-air PR #1556,
  attn_decode_npu2.py): Lq 1, 4 kv heads x group 4 (16 query heads), Lk 512,
  d 64; herd 4 kv-parallel columns x 4 cascade stages over the key range,
  matvec kernels (the group's 4 query rows against one K/V stream). This
  project's back end has no matvec kernel nor packing of a GQA group's heads
  into one query tile, so the row is modelled with the plan the DSE picks
  (attn-tile's search space, cascade depth included).

Writes bench/calibration.json (or --out) and prints a table.
Run: PYTHONPATH=build/dev/python_packages python bench/calibrate.py
"""

from __future__ import annotations

import argparse
import itertools
import json
import platform
import time
from pathlib import Path
from typing import Any

from attn import dse, target

GOAL = 0.25  # the calibration goal: within +-25%


def breakdown_cycles(stage: Any) -> dict[str, float]:
    """A modelled stage's cycles by term (matrix, vector, overhead, fill,
    drain, and each DMA hop)."""
    return {
        "matrix": stage.matrix_cycles,
        "vector": stage.vector_cycles,
        "overhead": stage.overhead_cycles,
        "fill": stage.fill_cycles,
        "drain": stage.drain_cycles,
        **{f"dma_{k}": v for k, v in stage.dma_cycles.items()},
    }


def _gemm_rows() -> list[dict[str, Any]]:
    size = 4096
    cases = [
        # target, element, output, intrinsic, published TFLOPS/TOPS, circular
        ("npu1", "bf16", "bf16", None, 3.14, False),
        ("npu1", "i8", "i8", None, 6.76, True),
        ("npu2", "bf16", "bf16", (8, 8, 8), 14.71, True),
        ("npu2", "i8", "i8", None, 38.05, True),
    ]
    rows = []
    for tgt, elem, out, intr, published, circular in cases:
        # The published tilings are not given: take the fastest legal one.
        candidates = []
        for tm, tk, tn in itertools.product((32, 64, 128), repeat=3):
            est = dse.estimate_matmul(size, size, size, tgt, elem, out, tile_m=tm, tile_k=tk, tile_n=tn, intrinsic=intr)
            if not est.violations:
                candidates.append((est.latency_s, (tm, tk, tn), est))
        _, (tm, tk, tn), est = min(candidates, key=lambda c: c[0])
        model = est.ops_per_second / 1e12
        t = target.get(tgt)
        info = t.bf16_via_bfp16 if intr == (8, 8, 8) and elem == "bf16" else t.element(elem)
        rows.append(
            {
                "name": f"GEMM {size}^3 {elem} ({est.datapath['name']} {'x'.join(map(str, info.intrinsic))})",
                "target": tgt,
                "unit": "TFLOP/s" if elem == "bf16" else "TOP/s",
                "published": published,
                "model": model,
                "error": model / published - 1.0,
                "latency_s": est.latency_s,
                "binding": est.binding,
                "circular": circular,
                "kernel_efficiency": info.kernel_efficiency,
                "tiles_mkn": [tm, tk, tn],
                "note": (
                    "kernel efficiency in the table is derived from this measurement"
                    if circular
                    else "table uses the low end (0.45) of the 45-80% single-core range for small attention "
                    "tiles; the measured whole-array GEMM reaches 0.75 of peak"
                ),
                "violations": list(est.violations),
            }
        )
    return rows


def _shape(heads: int, kv_heads: int, length: int, dim: int, causal: bool) -> dse.AttentionShape:
    return dse.AttentionShape(
        batch=1,
        heads=heads,
        kv_heads=kv_heads,
        query_len=length,
        key_len=length,
        head_dim=dim,
        value_dim=dim,
        element="bf16",
        causal="top_left" if causal else "none",
    )


MLIR_AIR = dict(
    q_tile=64,
    kv_tile=64,
    l2_q_block=64,
    l2_kv_block=64,
    intrinsic=(8, 8, 8),
    columns=8,
    cores_per_column=4,
    mapping="fused",
    kv_split=4,
    depth=2,
    k_transpose="dma",
    layout="native",
    intermediate="f32",
    causal_skip=False,
)
IRON = dict(
    q_tile=64,
    kv_tile=64,
    l2_q_block=64,
    l2_kv_block=64,
    intrinsic=(8, 8, 8),
    columns=8,
    cores_per_column=3,
    mapping="stream",
    kv_split=1,
    depth=2,
    k_transpose="dma",
    layout="native",
    intermediate="f32",
    causal_skip=False,
)


def _attention_rows() -> list[dict[str, Any]]:
    cases = [
        (
            "mlir-air FA, Llama-3.2-1B prefill L=2048 causal GQA 32q/8kv d=64",
            _shape(32, 8, 2048, 64, True),
            MLIR_AIR,
            15.4e-3,
        ),
        ("mlir-air FA, 16K x 16K, 2 heads, d=64, non-causal", _shape(2, 2, 16384, 64, False), MLIR_AIR, 40.1e-3),
        ("mlir-air FA, 512 x 512, 2 heads, d=64, non-causal", _shape(2, 2, 512, 64, False), MLIR_AIR, 0.73e-3),
        ("IRON fused MHA, 16K, 1 head, d=64", _shape(1, 1, 16384, 64, False), IRON, 47.5e-3),
    ]
    notes = {
        0: "",
        1: "",
        2: "the published series 2/12/64 heads at 512^2 (0.73/1.22/3.79 ms) has a ~0.6 ms intercept; "
        "the model's fixed cost is one dispatch (75 us) and pipeline fill/drain, so a fixed host/runtime "
        "cost of the measurement is missing from the table",
        3: "",
    }
    rows = []
    for i, (name, shape, plan, published) in enumerate(cases):
        est = dse.estimate_shape(shape, "npu2", "online", allow_illegal=True, **plan)
        (stage,) = est.stages
        rows.append(
            {
                "name": name,
                "target": "npu2",
                "unit": "ms",
                "published": published * 1e3,
                "model": est.latency_s * 1e3,
                "error": est.latency_s / published - 1.0,
                "binding": est.binding,
                "circular": False,
                "breakdown_cycles": breakdown_cycles(stage),
                "dram_bytes": est.dram_bytes,
                "rounds": stage.rounds,
                "note": notes[i],
                # Their kernels keep S and the accumulator in bf16 and share one K/V buffer;
                # under this project's kernel ABI (f32 S / acc) the same tiling exceeds L1.
                "violations_under_our_kernel_abi": list(est.violations),
            }
        )
    return rows


# Decode calibration row: mlir-air PR #1556 on npu2 (Strix), 4 kv heads,
# group 4, Lq 1, Lk 512, d 64: 432 us average per call (428 us min).
MLIR_AIR_DECODE = {"heads": 16, "kv_heads": 4, "query_len": 1, "key_len": 512, "head_dim": 64, "published_s": 432e-6}


def decode_shape() -> dse.AttentionShape:
    """The shape of mlir-air's decode measurement (MLIR_AIR_DECODE)."""
    c = MLIR_AIR_DECODE
    return dse.AttentionShape(
        batch=1,
        heads=c["heads"],
        kv_heads=c["kv_heads"],
        query_len=c["query_len"],
        key_len=c["key_len"],
        head_dim=c["head_dim"],
        value_dim=c["head_dim"],
        element="bf16",
    )


def _decode_rows() -> list[dict[str, Any]]:
    """mlir-air's decode measurement against the model of the DSE's plan."""
    shape = decode_shape()
    best = dse.explore_shape(shape, "npu2", space="attn-tile")
    est = best.best
    (stage,) = est.stages
    published = MLIR_AIR_DECODE["published_s"]
    plan = {**{f: getattr(est.plan, f) for f in ("fold", "q_tile", "kv_tile", "columns", "cores_per_column")}}
    plan["kv_split"] = est.plan.kv_split
    return [
        {
            "name": "mlir-air decode (PR #1556), Lq 1, 4 kv heads x group 4, Lk 512, d=64",
            "target": "npu2",
            "unit": "ms",
            "published": published * 1e3,
            "model": est.latency_s * 1e3,
            "error": est.latency_s / published - 1.0,
            "binding": est.binding,
            "circular": False,
            "plan": plan,
            "breakdown_cycles": breakdown_cycles(stage),
            "dram_bytes": est.dram_bytes,
            "note": "modelled with the DSE's plan (not mlir-air's matvec mapping); the array time is "
            f"{(est.latency_s - stage.dispatch_s) * 1e6:.1f} us of the modelled total, the rest one dispatch "
            "(75 us): the published per-call time includes host/runtime costs the table does not have "
            "(as the 512^2 row's ~0.6 ms intercept)",
        }
    ]


def _dse_rows(plot_dir: str | None) -> list[dict[str, Any]]:
    """What the DSE picks for the same layers with this project's kernels."""
    rows = []
    for name, shape in (
        ("Llama-3.2-1B prefill", _shape(32, 8, 2048, 64, True)),
        ("16K x 16K, 2 heads", _shape(2, 2, 16384, 64, False)),
        ("BERT-base 512, 12 heads", _shape(12, 12, 512, 64, False)),
    ):
        t0 = time.perf_counter()
        res = dse.explore_shape(shape, "npu2")
        seconds = time.perf_counter() - t0
        plot_path = None
        if plot_dir is not None:
            try:
                slug = name.split(" ")[0].lower().replace(".", "").replace("-", "_")
                plot_path = str(Path(plot_dir) / f"dse_{slug}_npu2.png")
                dse.plot(res, path=plot_path)
            except ImportError:
                plot_path = None
        per_fold = {
            fold: (
                {"latency_ms": v.latency_s * 1e3, "dram_bytes": v.dram_bytes, "binding": v.binding}
                if isinstance(v, dse.Estimate)
                else v
            )
            for fold, v in res.per_fold.items()
        }
        unfolded = res.per_fold.get("unfolded")
        rows.append(
            {
                "name": name,
                "best_plan": res.plan.__dict__ | {"intrinsic": list(res.plan.intrinsic)},
                "latency_ms": res.latency_s * 1e3,
                "dram_bytes": res.dram_bytes,
                "binding": res.binding,
                "roofline_ms": res.roofline.bound_s * 1e3,
                "roofline_binding": res.roofline.binding,
                "speedup_vs_best_unfolded": (
                    unfolded.latency_s / res.latency_s if isinstance(unfolded, dse.Estimate) else None
                ),
                "per_fold": per_fold,
                "explore_seconds": seconds,
                "plot": plot_path,
                "stats": dict(res.stats),
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(Path(__file__).with_name("calibration.json")))
    parser.add_argument(
        "--plot-dir", default=str(Path(__file__).parent), help="where to write the explored-space plots (matplotlib)"
    )
    args = parser.parse_args()
    gemm = _gemm_rows()
    attention = _attention_rows() + _decode_rows()
    explored = _dse_rows(args.plot_dir)
    result = {
        "goal": f"within +-{GOAL:.0%}",
        "machine": platform.machine(),
        "gemm": gemm,
        "attention": attention,
        "dse": explored,
    }
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(f"{'case':74} {'published':>10} {'model':>10} {'error':>8}  binding")
    for row in gemm + attention:
        flag = " (circular)" if row["circular"] else ""
        miss = "" if abs(row["error"]) <= GOAL else "  MISS"
        print(
            f"{row['name'][:74]:74} {row['published']:>10.3f} {row['model']:>10.3f} "
            f"{100 * row['error']:>+7.1f}%  {row['binding']} {row['unit']}{flag}{miss}"
        )
    for row in explored:
        print(
            f"DSE {row['name']}: {row['best_plan']['fold']} {row['latency_ms']:.3f} ms "
            f"(roofline {row['roofline_ms']:.3f} ms, {row['roofline_binding']}), "
            f"x{row['speedup_vs_best_unfolded'] or float('nan'):.2f} vs unfolded, "
            f"explored in {row['explore_seconds']:.2f} s"
        )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
