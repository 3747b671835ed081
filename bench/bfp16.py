"""BFP16 datapath on npu2: numerical effect (simulated) and modeled speed.

For bf16 layers on npu2 the compiler can run the matmuls through the BFP16
block-float 8x8x8 datapath (``datapath=bfp16``: operands rounded to bfp16ebs8,
8 values per shared 8-bit exponent, 8-bit mantissas). This benchmark reports:

* **Error** (simulated, attn.sim against the float64 ``attn.reference``): the
  same program compiled with ``datapath=native`` and ``datapath=bfp16`` on a
  seeded sweep (odd lengths, causal both alignments, MHA/GQA/MQA, D 40-128,
  every fold) and on a slice of each bench layer (one kv head's query heads,
  the first ``SLICE`` positions). Errors are relative to ``max(1, |ref|)``
  (absolute where |ref| < 1, relative above): max and mean.
* **Speed** (modeled, cost model over the compiler's space ``attn-tile``): the
  best plan's latency with the native intrinsic and with BFP16, per suite layer.
  Modeled, not measured: no NPU here.

``python bench/bfp16.py`` runs a sample of the sweep (``--full`` all cases) and
writes ``bench/results/bfp16.json``; the markdown tables go to stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from attn import dse, reference
from attn.aie_compile import compile as aie_compile
from attn.sim.host import run_compiled

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import LAYERS  # noqa: E402  (the bench suite)

SEED = 20261206
TARGET = "npu2"
SLICE = 256  # positions of a bench-layer slice
FOLDS = ("online", "full", "partial", "unfolded")
HEAD_DIMS = (40, 64, 80, 96, 128)
HEADS = ((2, 2), (4, 2), (3, 1))
CAUSAL = ("none", "top_left", "bottom_right")


def _bf16(a: np.ndarray) -> np.ndarray:
    import ml_dtypes

    return a.astype(ml_dtypes.bfloat16).astype(np.float32)


def _layer_text(h: int, hkv: int, lq: int, lk: int, d: int, causal: str) -> str:
    def t(n: int, length: int) -> str:
        return f"tensor<1x{n}x{length}x{d}xbf16>"

    extra = f" causal {causal}" if causal != "none" else ""
    return (
        f"func.func @layer(%q: {t(h, lq)}, %k: {t(hkv, lk)}, %v: {t(hkv, lk)}) -> {t(h, lq)} {{\n"
        f"  %o = attn.attention %q, %k, %v{extra} : {t(h, lq)}, {t(hkv, lk)}, {t(hkv, lk)} -> {t(h, lq)}\n"
        f"  return %o : {t(h, lq)}\n}}\n"
    )


def sweep_cases(n: int) -> list[dict[str, Any]]:
    """Seeded shapes: every fold, D 40-128, causal both alignments, MHA/GQA/MQA, odd lengths."""
    rng = np.random.default_rng(SEED)
    cases = []
    for i in range(n):
        fold = FOLDS[i % 4]
        h, hkv = HEADS[(i // 4) % 3]
        lmax = 90 if fold == "online" else 200  # online's V copy runs element by element
        lq = int(rng.integers(1, lmax))
        lk = int(rng.choice([lq, int(rng.integers(1, lmax))]))
        cases.append(
            {
                "name": f"{i:02d}-{fold}-h{h}kv{hkv}-q{lq}k{lk}-d{HEAD_DIMS[i % 5]}-{CAUSAL[(i // 2) % 3]}",
                "fold": fold,
                "h": h,
                "hkv": hkv,
                "lq": lq,
                "lk": lk,
                "d": HEAD_DIMS[i % 5],
                "causal": CAUSAL[(i // 2) % 3],
                "tiles": {"q_tile": 16, "kv_tile": 16, "columns": 2, "cores_per_column": 2},
            }
        )
    return cases


def layer_slices() -> list[dict[str, Any]]:
    """One kv head of each bench layer (its h / hkv query heads), the first SLICE positions."""
    out = []
    for layer in LAYERS:
        length = min(layer.length, SLICE)
        out.append(
            {
                "name": f"{layer.name} slice",
                "fold": "online",
                "h": layer.heads // layer.kv_heads,
                "hkv": 1,
                "lq": length,
                "lk": length,
                "d": layer.head_dim,
                "causal": layer.causal,
                "tiles": {"q_tile": 32, "kv_tile": 32, "columns": 4, "cores_per_column": 4},
            }
        )
    return out


def errors(case: dict[str, Any], seed: int) -> dict[str, Any]:
    """Max / mean error vs the float64 reference of the native and the BFP16 program."""
    rng = np.random.default_rng(seed)
    qs, ks = (1, case["h"], case["lq"], case["d"]), (1, case["hkv"], case["lk"], case["d"])
    q, k, v = (_bf16(rng.standard_normal(s).astype(np.float32)) for s in (qs, ks, ks))
    ref = reference.attention(q.astype(np.float64), k.astype(np.float64), v.astype(np.float64), causal=case["causal"])
    text = _layer_text(case["h"], case["hkv"], case["lq"], case["lk"], case["d"], case["causal"])
    row: dict[str, Any] = {"case": case["name"]}
    for datapath in ("native", "bfp16"):
        program = aie_compile(text, target=TARGET, fold=case["fold"], datapath=datapath, **case["tiles"])
        out = run_compiled(program, q, k, v, timing=False, max_events=0).output
        err = np.abs(out.astype(np.float64) - ref) / np.maximum(1.0, np.abs(ref))
        row[datapath] = {"max": float(err.max()), "mean": float(err.mean())}
    return row


def modeled_speed() -> list[dict[str, Any]]:
    """Best modeled latency per suite layer (compiler space) with each datapath (modeled)."""
    rows = []
    for layer in LAYERS:
        shape = dse.AttentionShape(
            batch=1,
            heads=layer.heads,
            kv_heads=layer.kv_heads,
            query_len=layer.length,
            key_len=layer.length,
            head_dim=layer.head_dim,
            value_dim=layer.head_dim,
            causal=layer.causal,
        )
        native = dse.explore_shape(shape, TARGET, space="attn-tile").best.latency_s
        bfp16 = dse.explore_shape(shape, TARGET, space="attn-tile", intrinsic=(8, 8, 8)).best.latency_s
        rows.append(
            {"layer": layer.name, "native_ms": native * 1e3, "bfp16_ms": bfp16 * 1e3, "speedup": native / bfp16}
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true", help="all 24 sweep cases (default: 8)")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent / "results" / "bfp16.json"))
    args = ap.parse_args(argv)
    sweep = [errors(c, SEED + i) for i, c in enumerate(sweep_cases(24 if args.full else 8))]
    slices = [errors(c, SEED + 100 + i) for i, c in enumerate(layer_slices())]
    speed = modeled_speed()

    def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            dp: {"max": max(r[dp]["max"] for r in rows), "mean": float(np.mean([r[dp]["mean"] for r in rows]))}
            for dp in ("native", "bfp16")
        }

    body = {
        "seed": SEED,
        "target": TARGET,
        "error_kind": "simulated, |out - ref| / max(1, |ref|) vs the float64 reference",
        "sweep": sweep,
        "sweep_summary": summary(sweep),
        "slices": slices,
        "slices_summary": summary(slices),
        "speed_kind": "modeled (cost model, attn-tile space), not measured",
        "speed": speed,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(body, indent=2) + "\n")
    print("| cases | bf16 max | bf16 mean | bfp16 max | bfp16 mean |\n|---|---|---|---|---|")
    for label, s in (("sweep", body["sweep_summary"]), ("bench slices", body["slices_summary"])):
        n, b = s["native"], s["bfp16"]
        print(f"| {label} | {n['max']:.2e} | {n['mean']:.2e} | {b['max']:.2e} | {b['mean']:.2e} |")
    print("\n| layer (npu2, modeled) | native ms | bfp16 ms | speedup |\n|---|---|---|---|")
    for r in speed:
        print(f"| {r['layer']} | {r['native_ms']:.3f} | {r['bfp16_ms']:.3f} | {r['speedup']:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
