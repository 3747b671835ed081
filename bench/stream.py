"""Stream mapping (MAS-Attention: QK | softmax | PV cores per column) vs fused.

For every bench suite layer (bench/run.py's LAYERS) on npu1 and npu2: the best
plan of the compiler's space (attn-tile's search, native datapath) with
mapping fused and with mapping stream, modeled by the cost model, and which
one the DSE picks when both are searched; for three layers both plans are
compiled and simulated on a slice (SIM_LAYERS). Then IRON's published design (8
pipelines x 3 cores, 64x64 blocks, 16K x 16K, 1 head, D 64, npu2, measured
47.5 ms on hardware) is forced through the compiler, compiled, and a slice is
simulated as bench/run.py does (one round of query tiles against every key,
scaled by computed tile pairs), next to the cost model on the same plan.

    PYTHONPATH=build/dev/python_packages python bench/stream.py [--out bench/stream.json] [--no-sim]

Numbers are modeled (cost model, simulator), never measured on an NPU.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Optional

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench  # noqa: E402

from attn import dse, reference, target  # noqa: E402

IRON = {"length": 16384, "heads": 1, "head_dim": 64, "measured_s": 47.5e-3}
IRON_PLAN = {"q_tile": 64, "kv_tile": 64, "columns": 8, "cores_per_column": 3, "mapping": "stream", "depth": 2}


def _best(shape: Any, tgt: str, mapping: str) -> Optional[dse.Estimate]:
    # Stream pipelines exist for the online fold; its best stream plan (the
    # one-op unfolded stages of the space are fused whatever is asked).
    fold = {"fold": "online"} if mapping == "stream" else {}
    try:
        return dse.explore_shape(shape, tgt, space="attn-tile", mapping=mapping, **fold).best
    except ValueError:
        return None


def _plan(e: dse.Estimate) -> dict[str, Any]:
    p = e.plan
    return {
        "fold": p.fold,
        "q_tile": p.q_tile,
        "kv_tile": p.kv_tile,
        "columns": p.columns,
        "cores_per_column": p.cores_per_column,
        "depth": p.depth,
    }


def compare_layers() -> list[dict[str, Any]]:
    rows = []
    for layer in bench.LAYERS:
        module = bench.build_layer(
            layer.heads, layer.kv_heads, layer.length, layer.length, layer.head_dim, layer.causal
        )
        shape = dse.shape_of(module)
        for tgt in bench.TARGETS:
            fused, stream = _best(shape, tgt, "fused"), _best(shape, tgt, "stream")
            row: dict[str, Any] = {"layer": layer.name, "target": tgt, "label": bench.MODEL_LABEL}
            for name, e in (("fused", fused), ("stream", stream)):
                row[name] = None if e is None else {"latency_s": e.latency_s, "binding": e.binding, "plan": _plan(e)}
            if fused and stream:
                row["picked"] = "stream" if stream.latency_s < fused.latency_s else "fused"
                row["stream_over_fused"] = stream.latency_s / fused.latency_s
            rows.append(row)
    return rows


# Layers whose best fused and best stream plans are also simulated, on a slice
# (one kv head's query heads, Lq = Lk = `length`) small enough for the suite.
SIM_LAYERS = (("bert_base_128", "npu2", 128), ("llama32_1b_prefill", "npu2", 512), ("whisper_base_enc", "npu1", 256))


def simulate_slices(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Best fused vs best stream plan of a layer, both compiled (plan fields
    pinned) and simulated on the same slice; with the cost model on each."""
    compile_fn = bench._compile_fn()
    by_key = {(r["layer"], r["target"]): r for r in rows}
    layers = {layer.name: layer for layer in bench.LAYERS}
    out = []
    for name, tgt, length in SIM_LAYERS:
        layer, row = layers[name], by_key[(name, tgt)]
        g = layer.heads // layer.kv_heads
        module = bench.build_layer(g, 1, length, length, layer.head_dim, layer.causal)
        rng = np.random.default_rng(0)
        q = reference.round_to_dtype(rng.standard_normal((1, g, length, layer.head_dim)), "bf16")
        k, v = (reference.round_to_dtype(rng.standard_normal((1, 1, length, layer.head_dim)), "bf16") for _ in range(2))
        rec: dict[str, Any] = {"layer": name, "target": tgt, "slice": {"heads": g, "kv_heads": 1, "length": length}}
        for mapping in ("fused", "stream"):
            plan = row[mapping]["plan"]
            pins = {k: plan[k] for k in ("q_tile", "kv_tile", "columns", "cores_per_column", "depth")}
            fold = plan["fold"]
            program = compile_fn(module, target=tgt, fold=fold, mapping=mapping, **pins)
            run = bench.simulate(program, {"q": q, "k": k, "v": v})
            cplan = program.report["plans"][program.report["stages"][0]["device"]]
            fixed = {f: cplan[f] for f in ("q_tile", "kv_tile", "l2_q_block", "l2_kv_block", "columns")}
            est = dse.estimate_shape(
                dse.shape_of(module), tgt, fold, **fixed, cores_per_column=cplan["cores_per_column"],
                depth=cplan["depth"], intrinsic=tuple(cplan["intrinsic"]), mapping=mapping, kv_split=1,
                k_transpose="dma", intermediate="f32", causal_skip=True, layout="native",
            )  # fmt: skip
            model_array = est.latency_s - sum(st.dispatch_s for st in est.stages)
            rec[mapping] = {
                "fold": fold,
                "plan": pins,
                "sim_array_s": run["array_s"],
                "model_array_s": model_array,
                "agreement": run["array_s"] / model_array - 1.0,
            }
        rec["stream_over_fused_sim"] = rec["stream"]["sim_array_s"] / rec["fused"]["sim_array_s"]
        rec["stream_over_fused_model"] = rec["stream"]["model_array_s"] / rec["fused"]["model_array_s"]
        out.append(rec)
    return out


def iron_calibration(simulate: bool) -> dict[str, Any]:
    L, D = IRON["length"], IRON["head_dim"]
    compile_fn = bench._compile_fn()
    full = bench.build_layer(1, 1, L, L, D, "none")
    t0 = time.perf_counter()
    compile_fn(full, target="npu2", fold="online", **IRON_PLAN)
    out: dict[str, Any] = {"plan": IRON_PLAN, "measured_s": IRON["measured_s"], "compile_s": time.perf_counter() - t0}
    # The compiled plan exactly: native bf16 intrinsic, one Q tile per lane,
    # K/V blocks of one tile, Kᵀ in the kernel, f32 S/P, causal skipping.
    fixed = {
        **IRON_PLAN,
        "intrinsic": tuple(target.get("npu2").intrinsic("bf16")),
        "l2_q_block": IRON_PLAN["q_tile"],
        "l2_kv_block": IRON_PLAN["kv_tile"],
        "intermediate": "f32",
        "causal_skip": True,
        "layout": "native",
    }
    est = dse.estimate_shape(dse.shape_of(full), "npu2", "online", kv_split=1, k_transpose="dma", **fixed)
    out["model_s"] = est.latency_s
    out["model_binding"] = est.binding
    if not simulate:
        return out
    # One round of query tiles (8 pipelines x 64 rows) against every key.
    lq = IRON_PLAN["q_tile"] * IRON_PLAN["columns"]
    module = bench.build_layer(1, 1, lq, L, D, "none")
    program = compile_fn(module, target="npu2", fold="online", **IRON_PLAN)
    rng = np.random.default_rng(0)
    q = reference.round_to_dtype(rng.standard_normal((1, 1, lq, D)), "bf16")
    k, v = (reference.round_to_dtype(rng.standard_normal((1, 1, L, D)), "bf16") for _ in range(2))
    t0 = time.perf_counter()
    run = bench.simulate(program, {"q": q, "k": k, "v": v})
    ref = reference.attention(q, k, v)
    scale = L / lq
    slice_est = dse.estimate_shape(dse.shape_of(module), "npu2", "online", kv_split=1, k_transpose="dma", **fixed)
    slice_model_array = slice_est.latency_s - sum(st.dispatch_s for st in slice_est.stages)
    out.update(
        {
            "slice": {"heads": 1, "q_len": lq, "kv_len": L},
            "sim_wall_s": time.perf_counter() - t0,
            "max_abs_error": float(np.abs(np.asarray(run["output"], np.float64).reshape(ref.shape) - ref).max()),
            "slice_array_s": run["array_s"],
            "slice_model_array_s": slice_model_array,
            "slice_agreement": run["array_s"] / slice_model_array - 1.0,
            "sim_s": run["array_s"] * scale + run["dispatch_s"],
            "label": bench.SIM_LABEL,
        }
    )
    out["sim_vs_measured"] = out["sim_s"] / IRON["measured_s"] - 1.0
    return out


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent / "stream.json"))
    ap.add_argument("--no-sim", action="store_true", help="skip the simulated IRON slice")
    args = ap.parse_args(argv)
    layers = compare_layers()
    doc = {"layers": layers, "iron": iron_calibration(not args.no_sim)}
    if not args.no_sim:
        doc["simulated_slices"] = simulate_slices(layers)
    Path(args.out).write_text(json.dumps(doc, indent=1) + "\n")
    for r in doc["layers"]:
        f, s = r["fused"], r["stream"]
        fs = f"{f['latency_s'] * 1e3:8.3f} ms" if f else "   n/a"
        ss = f"{s['latency_s'] * 1e3:8.3f} ms" if s else "   n/a"
        ratio = f"{r['stream_over_fused']:.2f}x" if "stream_over_fused" in r else ""
        print(f"{r['layer']:20s} {r['target']}  fused {fs}  stream {ss}  {ratio} picked {r.get('picked')}")
    for r in doc.get("simulated_slices", []):
        print(
            f"sim slice {r['layer']} {r['target']} {r['slice']}: stream/fused simulated "
            f"{r['stream_over_fused_sim']:.2f}x, modeled {r['stream_over_fused_model']:.2f}x; agreement fused "
            f"{r['fused']['agreement'] * 100:+.1f} %, stream {r['stream']['agreement'] * 100:+.1f} %"
        )
    print(json.dumps(doc["iron"], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
