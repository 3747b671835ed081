"""Shared pieces of the seeded AIE program sweeps (test_aie_sim_sweep,
test_aie_query_tiles, test_aie_stream, test_aie_cascade,
test_aie_softmax_streamed): the factors they vary, their bf16 inputs, the
simulated program against ``attn.reference``, and the cost model on exactly
the plan a program was compiled with."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aie_host
import ml_dtypes
import numpy as np

from attn import dse, ir, reference

TARGETS = ("npu1", "npu2")
HEAD_DIMS = (40, 64, 80, 96, 128)
HEADS = ((2, 2), (4, 2), (3, 1))  # MHA, GQA, MQA
CAUSAL = ("none", "top_left", "bottom_right")
RTOL = 2.0**-8  # bf16 output rounding (half an ulp)
ATOL = 1e-4  # f32 accumulation and exp
MODEL_TOLERANCE = 0.15  # issue 12: simulator vs cost model within +-15 %
# The plan fields attn-tile chooses (the model is pinned to them).
PLAN_FIELDS = ("q_tile", "kv_tile", "l2_q_block", "l2_kv_block", "columns", "cores_per_column", "depth")


def heads_kind(h: int, hkv: int) -> str:
    """'mha', 'gqa' or 'mqa' for `h` query heads over `hkv` key/value heads."""
    return "mha" if h == hkv else "mqa" if hkv == 1 else "gqa"


def valid_len_id(valid_len: Sequence[int] | None) -> str:
    """The case-id suffix of a runtime valid_len (one length per batch entry)."""
    return f"-vl{'_'.join(map(str, valid_len))}" if valid_len else ""


def bf16(a: np.ndarray) -> np.ndarray:
    """`a` rounded to bf16, as f32."""
    return a.astype(ml_dtypes.bfloat16).astype(np.float32)


def random_qkv(
    rng: np.random.Generator, b: int, h: int, hkv: int, lq: int, lk: int, d: int, *, blhd: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Standard-normal bf16 Q, K, V (drawn in that order) of one layer."""
    qs = (b, lq, h, d) if blhd else (b, h, lq, d)
    ks = (b, lk, hkv, d) if blhd else (b, hkv, lk, d)
    q, k, v = (bf16(rng.standard_normal(s).astype(np.float32)) for s in (qs, ks, ks))
    return q, k, v


def simulate_vs_reference(
    program: Any,
    q: np.ndarray,
    k: np.ndarray,
    v: np.ndarray,
    valid_len: Sequence[int] | None,
    *,
    causal: str,
    layout: str = "bhld",
) -> tuple[np.ndarray, float, float]:
    """Runs `program` in the simulator and compares it with the float64
    reference: (output, max |error|, worst error / (RTOL |ref| + ATOL))."""
    vl = None if valid_len is None else list(valid_len)
    out, _ = aie_host.run(program, q, k, v, vl)
    ref = reference.attention(q, k, v, causal=causal, layout=layout, valid_len=None if vl is None else np.asarray(vl))
    out = aie_host.output(program, out, ref.shape)
    err = np.abs(out - ref)
    return out, float(err.max()), float((err / (RTOL * np.abs(ref) + ATOL)).max())


def compiled_plan(program: Any) -> dict[str, Any]:
    """The plan of the program's first stage device."""
    return program.report["plans"][program.report["stages"][0]["device"]]


def model_of_compiled(
    text: str,
    program: Any,
    target: str,
    fold: str,
    *,
    mapping: str = "fused",
    layout: str = "native",
    fields: Sequence[str] = PLAN_FIELDS,
    allow_illegal: bool = True,
    **pinned: Any,
) -> Any:
    """The cost model's estimate of layer `text` on exactly the plan
    `program` was compiled with: the `fields` attn-tile chose, its intrinsic,
    and what the back end emits (Kᵀ by the kernel, f32 S/P, hidden causal
    tiles skipped; `pinned` adds fields such as ``kv_split``)."""
    plan = compiled_plan(program)
    with ir.Context():
        shape = dse.shape_of(ir.Module.parse(text))
    return dse.estimate_shape(
        shape,
        target,
        fold,
        allow_illegal=allow_illegal,
        **{f: plan[f] for f in fields},
        intrinsic=tuple(plan["intrinsic"]),
        mapping=mapping,
        k_transpose="dma",
        intermediate="f32",
        causal_skip=True,
        layout=layout,
        **pinned,
    )


def array_seconds(est: Any) -> float:
    """An estimate's latency without the per-dispatch host overhead."""
    return est.latency_s - sum(st.dispatch_s for st in est.stages)
