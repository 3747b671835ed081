"""shadowAttn: int8 pilot scores, per-head top-k and exact sparse attention.

The compiler side is the ``attn-sparsify`` pass, which rewrites an
``attn.attention`` into ``attn.quantize`` (x2) -> ``attn.pilot_qk`` ->
``attn.topk`` -> ``attn.sparse_attention`` (docs/sparse.md). This module
drives it from Python:

* :func:`calibrate` picks per-head keep fractions from sample inputs so that
  the keys the pilot selects hold at least ``target`` of the attention mass;
  :func:`with_head_keep` stores them as the ``attn.head_keep`` attribute that
  ``attn-sparsify`` reads.
* :func:`run` runs a whole sparse layer (pilot, selection, exact sparse
  stage) as compiled code on the CPU (MLIR ExecutionEngine);
  :func:`select` runs only pilot + selection and returns the key indices;
  :func:`sparse_attention` runs only the exact sparse stage on given
  indices.
* :func:`quantize`, :func:`pilot_scores` and :func:`topk` are numpy
  statements of the op semantics (tests compare the compiled ops with them);
  :func:`selection_mask` and :func:`attention_recall` evaluate a selection
  against the float64 reference.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Optional, Union

import numpy as np

from .errors import AttnError
from .reference import CAUSAL_KINDS, DTYPES, visible_keys

__all__ = [
    "TOPK_PASSES",
    "HEAD_KINDS",
    "synthetic_qkv",
    "pipeline",
    "pilot_cost",
    "perfetto_trace",
    "LengthBuckets",
    "NPUPilotRun",
    "npu_pilot",
    "npu_pilot_cost",
    "npu_pilot_program",
    "pilot_rows",
    "HEAD_KEEP_ATTR",
    "attention_probs",
    "attention_recall",
    "budgets_for",
    "calibrate",
    "pilot",
    "pilot_scores",
    "quantize",
    "run",
    "select",
    "select_topk",
    "selection_mask",
    "sparse_attention",
    "sparse_layer",
    "sparsify",
    "topk",
    "with_head_keep",
]

#: The attribute of ``attn.attention`` holding per-head keep fractions.
HEAD_KEEP_ATTR = "attn.head_keep"

_ELEM = {"bf16": "bf16", "f16": "f16", "f32": "f32"}


# ---------------------------------------------------------------------------
# Argument checks
# ---------------------------------------------------------------------------


def _float4d(name: str, x: Any) -> np.ndarray:
    a = np.asarray(x)
    if a.ndim != 4:
        raise AttnError(f"'{name}' must be a 4-D array [B, H, L, D], got shape {a.shape}")
    if a.dtype.kind not in "fV" and a.dtype.name != "bfloat16":
        raise AttnError(f"'{name}' must hold floating-point values, got dtype {a.dtype}")
    a = a.astype(np.float32)
    if not np.all(np.isfinite(a)):
        raise AttnError(f"'{name}' contains NaN or infinite values")
    return a


def _check_qkv(q: np.ndarray, k: np.ndarray, v: Optional[np.ndarray]) -> tuple[int, int, int, int, int, int]:
    b, h, lq, d = q.shape
    bk, hkv, lk, dk = k.shape
    if bk != b:
        raise AttnError(f"batch sizes differ: q {b}, k {bk}")
    if hkv == 0 or h % hkv != 0:
        raise AttnError(f"query heads H = {h} must be a multiple of key/value heads Hkv = {hkv}")
    if dk != d:
        raise AttnError(f"head dim of 'q' ({d}) differs from 'k' ({dk})")
    if d == 0 or lq == 0 or lk == 0 or b == 0 or h == 0:
        raise AttnError(f"empty dimension in q {q.shape} / k {k.shape}")
    if v is not None and (v.shape[0] != b or v.shape[1] != hkv or v.shape[2] != lk):
        raise AttnError(f"'v' of shape {v.shape} does not match 'k' [B, Hkv, Lk] = {(b, hkv, lk)}")
    return b, h, hkv, lq, lk, d


def _check_causal(causal: str) -> None:
    if causal not in CAUSAL_KINDS:
        raise AttnError(f"causal must be one of {CAUSAL_KINDS}, got {causal!r}")


def _check_valid_len(valid_len: Any, batch: int) -> Optional[np.ndarray]:
    if valid_len is None:
        return None
    vl = np.asarray(valid_len)
    if vl.shape != (batch,) or vl.dtype.kind not in "iu":
        raise AttnError(f"'valid_len' must be an integer array of shape ({batch},), got {vl.dtype} {vl.shape}")
    if np.any(vl < 0) or np.any(vl > np.iinfo(np.int32).max):
        raise AttnError("'valid_len' entries must be in [0, 2^31)")
    return vl.astype(np.int32)


def _check_scale(scale: Optional[float], d: int) -> float:
    if scale is None:
        return 1.0 / math.sqrt(d)
    if isinstance(scale, bool) or not isinstance(scale, (int, float, np.floating)):
        raise AttnError(f"scale must be a number, got {scale!r}")
    if not math.isfinite(scale) or scale <= 0:
        raise AttnError(f"scale must be a finite positive number, got {scale}")
    return float(scale)


def _check_block(name: str, block: Any) -> int:
    if isinstance(block, bool) or not isinstance(block, (int, np.integer)) or block <= 0:
        raise AttnError(f"{name} must be a positive integer, got {block!r}")
    return int(block)


def _check_layer_dims(**dims: Any) -> None:
    """Every dimension a positive integer (checked in the order given) and
    ``heads`` a multiple of ``kv_heads``."""
    for name, value in dims.items():
        _check_block(name, value)
    if dims["heads"] % dims["kv_heads"]:
        raise AttnError(f"heads ({dims['heads']}) must be a multiple of kv_heads ({dims['kv_heads']})")


# ---------------------------------------------------------------------------
# Numpy statements of the op semantics
# ---------------------------------------------------------------------------


def quantize(x: Any, block: int) -> tuple[np.ndarray, np.ndarray]:
    """``attn.quantize`` (layout bhld): int8 values and f32 scales
    ``[B, H, ceil(L / block)]``, ``scale = max|x| / 127`` per row block,
    ``q = clip(roundeven(x / scale), -127, 127)`` (0 where the scale is 0)."""
    a = _float4d("x", x)
    block = _check_block("block", block)
    b, h, length, d = a.shape
    nblk = -(-length // block)
    pad = nblk * block - length
    padded = np.pad(np.abs(a), ((0, 0), (0, 0), (0, pad), (0, 0)))
    amax = padded.reshape(b, h, nblk, block * d).max(axis=-1).astype(np.float32)
    scales = (amax / np.float32(127.0)).astype(np.float32)
    per_row = np.repeat(scales, block, axis=2)[:, :, :length, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.round(a / per_row)  # numpy rounds half to even
    r = np.where(per_row > 0, np.clip(r, -127, 127), 0.0)
    return r.astype(np.int8), scales


def pilot_scores(
    q: Any,
    k: Any,
    *,
    causal: str = "none",
    scale: Optional[float] = None,
    valid_len: Any = None,
    q_block: int = 64,
    k_block: int = 64,
) -> np.ndarray:
    """``attn.quantize`` + ``attn.pilot_qk`` in numpy: f32 scores
    ``[B, H, Lq, Lk]``, ``((dot_i32 * qs) * ks) * scale``, -inf where the
    causal rule or ``valid_len`` hides the key."""
    q32, k32 = _float4d("q", q), _float4d("k", k)
    b, h, hkv, lq, lk, d = _check_qkv(q32, k32, None)
    _check_causal(causal)
    s = np.float32(_check_scale(scale, d))
    vl = _check_valid_len(valid_len, b)
    qq, qs = quantize(q32, q_block)
    kq, ks = quantize(k32, k_block)
    group = h // hkv
    kq_full = np.repeat(kq, group, axis=1).astype(np.int64)
    dot = np.einsum("bhqd,bhkd->bhqk", qq.astype(np.int64), kq_full)
    qs_rows = np.repeat(qs, q_block, axis=2)[:, :, :lq, None]
    ks_rows = np.repeat(np.repeat(ks, group, axis=1), k_block, axis=2)[:, :, None, :lk]
    out = ((dot.astype(np.float32) * qs_rows) * ks_rows) * s
    keep = np.broadcast_to(visible_keys(b, lq, lk, causal=causal, valid_len=vl), out.shape)
    return np.where(keep, out, np.float32(-np.inf)).astype(np.float32)


def topk(scores: Any, budgets: Union[int, Sequence[int]]) -> np.ndarray:
    """``attn.topk`` in numpy: per row the ``budgets[h]`` visible keys with
    the largest scores (ties to the lower key), positions in increasing
    order, padded with -1 to ``max(budgets)`` slots."""
    s = np.asarray(scores, dtype=np.float32)
    if s.ndim != 4:
        raise AttnError(f"'scores' must be [B, H, Lq, Lk], got shape {s.shape}")
    b, h, lq, lk = s.shape
    per_head = np.full(h, budgets, dtype=np.int64) if np.isscalar(budgets) else np.asarray(budgets, dtype=np.int64)
    if per_head.shape != (h,) or np.any(per_head <= 0) or np.any(per_head > lk):
        raise AttnError(f"budgets must be one key count in [1, Lk = {lk}] or one per head ({h}), got {budgets!r}")
    n = int(per_head.max())
    out = np.full((b, h, lq, n), -1, dtype=np.int32)
    visible = s > -np.inf  # False for -inf and NaN
    # Rank by score descending, then position ascending (stable sort on -s).
    order = np.argsort(np.where(visible, -s, np.inf), axis=-1, kind="stable")
    for hh in range(h):
        kb = int(per_head[hh])
        chosen = order[:, hh, :, :kb]
        ok = np.take_along_axis(visible[:, hh], chosen, axis=-1)
        pos = np.where(ok, chosen, lk + 1)
        pos = np.sort(pos, axis=-1)
        out[:, hh, :, :kb] = np.where(pos <= lk, pos, -1)
    return out


def selection_mask(indices: Any, kv_len: int) -> np.ndarray:
    """Boolean ``[B, H, Lq, Lk]``: True where the key is listed in ``indices``."""
    idx = np.asarray(indices)
    b, h, lq, _ = idx.shape
    m = np.zeros((b, h, lq, kv_len + 1), dtype=bool)
    np.put_along_axis(m, np.where(idx >= 0, idx, kv_len).astype(np.int64), True, axis=-1)
    return m[..., :kv_len]


def attention_probs(
    q: Any, k: Any, *, causal: str = "none", scale: Optional[float] = None, valid_len: Any = None
) -> np.ndarray:
    """Float64 softmax probabilities ``[B, H, Lq, Lk]`` (0 for hidden keys)."""
    q64, k64 = np.asarray(q, dtype=np.float64), np.asarray(k, dtype=np.float64)
    b, h, hkv, lq, lk, d = _check_qkv(q64, k64, None)
    s = _check_scale(scale, d)
    vl = _check_valid_len(valid_len, b)
    scores = s * np.einsum("bhqd,bhkd->bhqk", q64, np.repeat(k64, h // hkv, axis=1))
    keep = np.broadcast_to(visible_keys(b, lq, lk, causal=causal, valid_len=vl), scores.shape)
    scores = np.where(keep, scores, -np.inf)
    m = scores.max(axis=-1, keepdims=True)
    live = np.isfinite(m)
    w = np.where(live, np.exp(scores - np.where(live, m, 0.0)), 0.0)
    den = w.sum(axis=-1, keepdims=True)
    return np.divide(w, den, out=np.zeros_like(w), where=den > 0)


def attention_recall(probs: np.ndarray, indices: Any) -> np.ndarray:
    """Attention mass held by the selected keys, per ``[B, H, Lq]`` row
    (1 for rows without a visible key)."""
    p = np.asarray(probs, dtype=np.float64)
    sel = selection_mask(indices, p.shape[-1])
    total = p.sum(axis=-1)
    kept = np.where(sel, p, 0.0).sum(axis=-1)
    return np.where(total > 0, kept / np.where(total > 0, total, 1.0), 1.0)


# ---------------------------------------------------------------------------
# Calibration
# ---------------------------------------------------------------------------


def calibrate(
    q: Any,
    k: Any,
    *,
    target: float = 0.95,
    causal: str = "none",
    scale: Optional[float] = None,
    valid_len: Any = None,
    q_block: int = 64,
    k_block: int = 64,
    min_keep: float = 0.0,
) -> np.ndarray:
    """Per-head keep fractions (``[H]`` float64, in (0, 1]) for sample inputs.

    For every query head, the smallest budget ``k_h`` such that the keys the
    int8 pilot ranks highest (exactly the ones ``attn.topk`` selects) hold
    on average over the sample rows at least ``target`` of the float64
    attention mass; the fraction is ``k_h / Lk``, at least ``min_keep``.
    ``q`` may be a subset of query rows (e.g. the last rows, with
    ``causal="bottom_right"``). Store the result with :func:`with_head_keep`
    (the ``attn.head_keep`` attribute ``attn-sparsify`` reads) or pass it to
    :func:`run` as ``head_keep``.
    """
    if isinstance(target, bool) or not isinstance(target, (int, float)) or not 0 < target <= 1:
        raise AttnError(f"target must be a fraction in (0, 1], got {target!r}")
    if not isinstance(min_keep, (int, float)) or not 0 <= min_keep <= 1:
        raise AttnError(f"min_keep must be a fraction in [0, 1], got {min_keep!r}")
    q32, k32 = _float4d("q", q), _float4d("k", k)
    b, h, hkv, lq, lk, d = _check_qkv(q32, k32, None)
    pilot = pilot_scores(q32, k32, causal=causal, scale=scale, valid_len=valid_len, q_block=q_block, k_block=k_block)
    probs = attention_probs(q32, k32, causal=causal, scale=scale, valid_len=valid_len)
    keep = np.empty(h, dtype=np.float64)
    for hh in range(h):
        s, p = pilot[:, hh], probs[:, hh]
        order = np.argsort(np.where(s > -np.inf, -s, np.inf), axis=-1, kind="stable")
        ranked = np.take_along_axis(p, order, axis=-1)
        total = p.sum(axis=-1, keepdims=True)
        cum = np.cumsum(ranked, axis=-1) / np.where(total > 0, total, 1.0)
        cum = np.where(total > 0, cum, 1.0)
        mean = cum.reshape(-1, lk).mean(axis=0)  # recall of budget j+1
        reach = np.nonzero(mean >= target - 1e-12)[0]
        kh = int(reach[0]) + 1 if reach.size else lk
        keep[hh] = max(kh / lk, min_keep)
    return keep


def budgets_for(keep: Union[float, Sequence[float]], heads: int, kv_len: int) -> np.ndarray:
    """Per-head key budgets ``clamp(ceil(keep_h * Lk), 1, Lk)`` (the rule of
    attn-sparsify)."""
    r = np.full(heads, keep, dtype=np.float64) if np.isscalar(keep) else np.asarray(keep, dtype=np.float64)
    if r.shape != (heads,) or not np.all(np.isfinite(r)) or np.any(r <= 0) or np.any(r > 1):
        raise AttnError(f"keep must be one fraction in (0, 1] or one per head ({heads}), got {keep!r}")
    return np.clip(np.ceil(r * kv_len).astype(np.int64), 1, kv_len)


# ---------------------------------------------------------------------------
# IR
# ---------------------------------------------------------------------------


def _tensor(shape: Sequence[Optional[int]], elem: str) -> str:
    return "tensor<" + "".join(("?" if s is None else str(s)) + "x" for s in shape) + elem + ">"


def sparse_layer(
    q_shape: Sequence[int],
    k_shape: Sequence[int],
    v_shape: Sequence[int],
    *,
    dtype: str = "f32",
    causal: str = "none",
    scale: Optional[float] = None,
    mask: Optional[tuple[Sequence[int], str]] = None,
    bias: Optional[Sequence[int]] = None,
    valid_len: bool = False,
    head_keep: Optional[Sequence[float]] = None,
    dynamic: bool = False,
) -> str:
    """MLIR text of ``@attention`` holding one ``attn.attention`` (layout
    bhld) with arguments q, k, v[, mask][, bias][, valid_len].

    ``mask`` is ``(shape, "bool" | "additive")``; ``bias`` a shape; both
    broadcast to ``[B, H, Lq, Lk]``. ``head_keep`` becomes the
    ``attn.head_keep`` attribute; ``dynamic`` makes Lq and Lk ``?``.
    """
    if dtype not in DTYPES:
        raise AttnError(f"dtype must be one of {DTYPES}, got {dtype!r}")
    _check_causal(causal)
    et = _ELEM[dtype]

    def shape_of(s: Sequence[int]) -> list[Optional[int]]:
        out: list[Optional[int]] = [int(x) for x in s]
        if dynamic:
            out[2] = None
        return out

    qt, kt, vt = (_tensor(shape_of(s), et) for s in (q_shape, k_shape, v_shape))
    args = [f"%q: {qt}", f"%k: {kt}", f"%v: {vt}"]
    extras = []
    if mask is not None:
        mshape, kind = mask
        if kind not in ("bool", "additive"):
            raise AttnError(f"mask kind must be 'bool' or 'additive', got {kind!r}")
        mt = _tensor(list(mshape), "i1" if kind == "bool" else et)
        args.append(f"%mask: {mt}")
        extras.append(f"mask(%mask : {mt})")
    if bias is not None:
        bt = _tensor(list(bias), et)
        args.append(f"%bias: {bt}")
        extras.append(f"bias(%bias : {bt})")
    if valid_len:
        vlt = f"tensor<{int(q_shape[0])}xi32>"
        args.append(f"%valid_len: {vlt}")
        extras.append(f"valid_len(%valid_len : {vlt})")
    if causal != "none":
        extras.append(f"causal {causal}")
    if scale is not None:
        extras.append(f"scale {float(scale)!r}")
    attr = ""
    if head_keep is not None:
        attr = " {" + HEAD_KEEP_ATTR + " = array<f64: " + ", ".join(repr(float(x)) for x in head_keep) + ">}"
    return (
        f"func.func @attention({', '.join(args)}) -> {qt} {{\n"
        f"  %o = attn.attention %q, %k, %v {' '.join(extras)}{attr} : {qt}, {kt}, {vt} -> {qt}\n"
        f"  return %o : {qt}\n"
        "}\n"
    )


def _module_text(module: Any) -> str:
    if isinstance(module, str):
        return module
    op = getattr(module, "operation", None)
    if op is None:
        raise AttnError(f"module must be an attn.ir.Module or MLIR text, got {type(module).__name__}")
    return str(op)


def with_head_keep(module: Any, head_keep: Sequence[float]) -> str:
    """``module`` (text or Module) with ``attn.head_keep`` set on every
    ``attn.attention``: the per-head keep fractions ``attn-sparsify`` reads."""
    from .ir import Attribute, Context, Module

    r = np.asarray(head_keep, dtype=np.float64)
    if r.ndim != 1 or r.size == 0 or not np.all(np.isfinite(r)) or np.any(r <= 0) or np.any(r > 1):
        raise AttnError(f"head_keep must be a non-empty list of fractions in (0, 1], got {head_keep!r}")
    text = _module_text(module)
    with Context():
        m = Module.parse(text)
        attr = Attribute.parse("array<f64: " + ", ".join(repr(float(x)) for x in r) + ">")
        found = 0

        def visit(op: Any) -> None:
            nonlocal found
            if op.name == "attn.attention":
                op.attributes[HEAD_KEEP_ATTR] = attr
                found += 1
            for region in op.regions:
                for block in region.blocks:
                    for inner in block.operations:
                        visit(inner.operation)

        visit(m.operation)
        if not found:
            raise AttnError("with_head_keep: the module has no attn.attention")
        return str(m.operation)


def _sparsify_pipeline(keep: Any, budget: Any, q_block: int, k_block: int) -> str:
    opts = [f"q-block={_check_block('q_block', q_block)}", f"k-block={_check_block('k_block', k_block)}"]
    if keep is not None and budget is not None:
        raise AttnError("give keep or budget, not both")
    if keep is not None:
        if isinstance(keep, bool) or not isinstance(keep, (int, float)) or not 0 < keep <= 1:
            raise AttnError(f"keep must be a fraction in (0, 1], got {keep!r}")
        opts.append(f"keep={float(keep)!r}")
    if budget is not None:
        if isinstance(budget, bool) or not isinstance(budget, (int, np.integer)) or budget <= 0:
            raise AttnError(f"budget must be a positive key count, got {budget!r}")
        opts.append(f"budget={int(budget)}")
    return "attn-sparsify{" + " ".join(opts) + "}"


def sparsify(
    module: Any,
    *,
    keep: Optional[float] = None,
    budget: Optional[int] = None,
    q_block: int = 64,
    k_block: int = 64,
) -> str:
    """Run ``attn-sparsify`` on ``module`` and return the rewritten text.
    Without ``keep``/``budget`` the pass reads ``attn.head_keep``."""
    from .ir import Context, Module
    from .passmanager import PassManager

    text = _module_text(module)
    pipeline = _sparsify_pipeline(keep, budget, q_block, k_block)
    with Context():
        m = Module.parse(text)
        PassManager.parse(f"builtin.module({pipeline})").run(m.operation)
        return str(m.operation)


# ---------------------------------------------------------------------------
# Running on the CPU (compiled code, MLIR ExecutionEngine)
# ---------------------------------------------------------------------------


def _run(text: str, *arrays: Any) -> np.ndarray:
    from .compiler import run_on_cpu

    return run_on_cpu(text, *arrays, fold=None, target=None)


def _check_common(q: Any, k: Any, v: Any, causal: str, valid_len: Any, dtype: str):
    if dtype not in DTYPES:
        raise AttnError(f"dtype must be one of {DTYPES}, got {dtype!r}")
    _check_causal(causal)
    q32, k32 = _float4d("q", q), _float4d("k", k)
    v32 = _float4d("v", v) if v is not None else None
    dims = _check_qkv(q32, k32, v32)
    vl = _check_valid_len(valid_len, dims[0])
    return q32, k32, v32, dims, vl


def _mask_arg(mask: Any, dtype: str) -> tuple[Optional[np.ndarray], Optional[tuple[tuple[int, ...], str]]]:
    if mask is None:
        return None, None
    m = np.asarray(mask)
    if m.dtype == np.bool_:
        return m, (m.shape, "bool")
    m32 = np.asarray(m, dtype=np.float32)
    if np.any(np.isnan(m32)):
        raise AttnError("'mask' contains NaN values")
    return m32, (m.shape, "additive")


def run(
    q: Any,
    k: Any,
    v: Any,
    *,
    keep: Optional[float] = None,
    budget: Optional[int] = None,
    head_keep: Optional[Sequence[float]] = None,
    causal: str = "none",
    scale: Optional[float] = None,
    mask: Any = None,
    bias: Any = None,
    valid_len: Any = None,
    dtype: str = "f32",
    q_block: int = 64,
    k_block: int = 64,
    npu_pilot: Optional[str] = None,
) -> np.ndarray:
    """A whole shadowAttn layer on the CPU: ``attn.attention`` ->
    ``attn-sparsify`` -> ``attn-lower-to-cpu`` -> ExecutionEngine.

    ``npu_pilot="npu1"|"npu2"``: the pilot scores come from the AIE program
    of that target run in the simulator (:func:`npu_pilot`); the selection
    (``attn.topk``) and the exact sparse stage then run as compiled CPU code
    on them (:func:`select_topk`, :func:`sparse_attention`). Where the
    selection runs on the device is a cost choice (:func:`pilot_cost`,
    :func:`npu_pilot_cost`); its result is the same either way.

    Exactly one of ``keep`` (fraction of Lk per row), ``budget`` (keys per
    row) and ``head_keep`` (per-head fractions, e.g. from :func:`calibrate`)
    sets the budgets. Arrays are bhld (``q [B, H, Lq, D]``, ``k``/``v``
    ``[B, Hkv, Lk, D]``), rounded to ``dtype``; ``mask`` (bool keep-mask or
    additive) and ``bias`` broadcast to ``[B, H, Lq, Lk]``. Returns
    ``[B, H, Lq, D]`` (float32 for f32/f16, bf16 as attn.compiler returns).
    """
    sources = sum(x is not None for x in (keep, budget, head_keep))
    if sources != 1:
        raise AttnError("give exactly one of keep, budget and head_keep")
    q32, k32, v32, (b, h, hkv, lq, lk, d), vl = _check_common(q, k, v, causal, valid_len, dtype)
    _check_scale(scale, d)
    m, mspec = _mask_arg(mask, dtype)
    bias_arr = None if bias is None else np.asarray(bias, dtype=np.float32)
    if bias_arr is not None and not np.all(np.isfinite(bias_arr)):
        raise AttnError("'bias' contains NaN or infinite values")
    if head_keep is not None:
        budgets_for(head_keep, h, lk)  # checks the fractions
    if npu_pilot is not None:
        return _run_with_npu_pilot(
            q32,
            k32,
            v32,
            npu_pilot,
            keep=keep,
            budget=budget,
            head_keep=head_keep,
            causal=causal,
            scale=scale,
            mask=mask,
            bias=bias,
            valid_len=vl,
            dtype=dtype,
            q_block=q_block,
            k_block=k_block,
        )
    text = sparse_layer(
        q32.shape,
        k32.shape,
        v32.shape,
        dtype=dtype,
        causal=causal,
        scale=scale,
        mask=mspec,
        bias=None if bias_arr is None else bias_arr.shape,
        valid_len=vl is not None,
        head_keep=head_keep,
    )
    sparse_text = sparsify(text, keep=keep, budget=budget, q_block=q_block, k_block=k_block)
    arrays = [q32, k32, v32] + [a for a in (m, bias_arr, vl) if a is not None]
    return _run(sparse_text, *arrays)


def _run_with_npu_pilot(
    q32,
    k32,
    v32,
    target: str,
    *,
    keep,
    budget,
    head_keep,
    causal,
    scale,
    mask,
    bias,
    valid_len,
    dtype,
    q_block,
    k_block,
) -> np.ndarray:
    """sparse.run with the pilot from the simulated AIE program."""
    if not isinstance(target, str):
        raise AttnError(f"npu_pilot must be a target name such as 'npu1' or 'npu2', got {target!r}")
    h, lk = q32.shape[1], k32.shape[2]
    if budget is not None:
        if isinstance(budget, bool) or not isinstance(budget, (int, np.integer)) or budget <= 0:
            raise AttnError(f"budget must be a positive key count, got {budget!r}")
        per_head = np.full(h, min(int(budget), lk), dtype=np.int64)
    else:
        per_head = budgets_for(keep if keep is not None else head_keep, h, lk)
    scores = npu_pilot(
        q32,
        k32,
        target=target,
        causal=causal,
        scale=scale,
        valid_len=valid_len,
        dtype=dtype,
        q_block=q_block,
        k_block=k_block,
        timing=False,
    ).scores
    idx = select_topk(scores, per_head)
    return sparse_attention(
        q32, k32, v32, idx, causal=causal, scale=scale, mask=mask, bias=bias, valid_len=valid_len, dtype=dtype
    )


def _per_head(budgets: Union[int, Sequence[int]], h: int, lk: int) -> np.ndarray:
    per_head = np.full(h, budgets, dtype=np.int64) if np.isscalar(budgets) else np.asarray(budgets, dtype=np.int64)
    if per_head.shape != (h,) or np.any(per_head <= 0) or np.any(per_head > lk):
        raise AttnError(f"budgets must be one key count in [1, Lk = {lk}] or one per head ({h}), got {budgets!r}")
    return per_head


def _topk_line(scores: str, st: str, per_head: np.ndarray, it: str) -> str:
    n = int(per_head.max())
    hb = "" if np.all(per_head == n) else " head_budgets [" + ", ".join(str(int(x)) for x in per_head) + "]"
    return f"  %i = attn.topk {scores}{hb} : {st} -> {it}\n"


def _pilot_program(q32, k32, vl, causal, scale, dtype, q_block, k_block, per_head) -> str:
    """@pilot(q, k[, valid_len]) returning the pilot scores, or the selected
    indices when ``per_head`` budgets are given."""
    b, h, lq, _ = q32.shape
    hkv, lk = k32.shape[1], k32.shape[2]
    qb, kb = _check_block("q_block", q_block), _check_block("k_block", k_block)
    et = _ELEM[dtype]
    qt, kt = _tensor(q32.shape, et), _tensor(k32.shape, et)
    qqt, kqt = _tensor(q32.shape, "i8"), _tensor(k32.shape, "i8")
    qst, kst = _tensor((b, h, -(-lq // qb)), "f32"), _tensor((b, hkv, -(-lk // kb)), "f32")
    st = _tensor((b, h, lq, lk), "f32")
    rt = st if per_head is None else _tensor((b, h, lq, int(per_head.max())), "i32")
    args = [f"%q: {qt}", f"%k: {kt}"]
    vl_part = ""
    if vl is not None:
        args.append(f"%n: tensor<{b}xi32>")
        vl_part = f" valid_len(%n : tensor<{b}xi32>)"
    causal_part = "" if causal == "none" else f" causal {causal}"
    text = (
        f"func.func @pilot({', '.join(args)}) -> {rt} {{\n"
        f"  %qq, %qs = attn.quantize %q block {qb} : {qt} -> {qqt}, {qst}\n"
        f"  %kq, %ks = attn.quantize %k block {kb} : {kt} -> {kqt}, {kst}\n"
        f"  %s = attn.pilot_qk %qq, %kq scales(%qs, %ks : {qst}, {kst}){vl_part}{causal_part} scale {scale!r}"
        f" q_block {qb} k_block {kb} : {qqt}, {kqt} -> {st}\n"
    )
    if per_head is None:
        return text + f"  return %s : {st}\n}}\n"
    return text + _topk_line("%s", st, per_head, rt) + f"  return %i : {rt}\n}}\n"


def pilot(
    q: Any,
    k: Any,
    *,
    causal: str = "none",
    scale: Optional[float] = None,
    valid_len: Any = None,
    dtype: str = "f32",
    q_block: int = 64,
    k_block: int = 64,
) -> np.ndarray:
    """The pilot alone as compiled CPU code (``attn.quantize`` x2 +
    ``attn.pilot_qk``): f32 scores ``[B, H, Lq, Lk]``, -inf where hidden
    (the NPU's job in shadowAttn; on the CPU for checks and timing)."""
    q32, k32, _, (b, h, hkv, lq, lk, d), vl = _check_common(q, k, None, causal, valid_len, dtype)
    text = _pilot_program(q32, k32, vl, causal, _check_scale(scale, d), dtype, q_block, k_block, None)
    return _run(text, *([q32, k32] + ([vl] if vl is not None else [])))


def select_topk(scores: Any, budgets: Union[int, Sequence[int]]) -> np.ndarray:
    """``attn.topk`` alone as compiled CPU code on given f32 scores
    ``[B, H, Lq, Lk]`` (the CPU side of the selection-on-CPU plan)."""
    s = np.asarray(scores)
    if s.ndim != 4 or s.dtype != np.float32:
        raise AttnError(f"'scores' must be a float32 array [B, H, Lq, Lk], got {s.dtype} {s.shape}")
    per_head = _per_head(budgets, s.shape[1], s.shape[3])
    st = _tensor(s.shape, "f32")
    it = _tensor((*s.shape[:3], int(per_head.max())), "i32")
    text = f"func.func @topk(%s: {st}) -> {it} {{\n" + _topk_line("%s", st, per_head, it) + f"  return %i : {it}\n}}\n"
    return _run(text, s)


def select(
    q: Any,
    k: Any,
    *,
    budgets: Union[int, Sequence[int]],
    causal: str = "none",
    scale: Optional[float] = None,
    valid_len: Any = None,
    dtype: str = "f32",
    q_block: int = 64,
    k_block: int = 64,
) -> np.ndarray:
    """Pilot + selection as compiled code: ``attn.quantize`` x2,
    ``attn.pilot_qk`` and ``attn.topk`` on the CPU. Returns the ``int32``
    key indices ``[B, H, Lq, max(budgets)]`` (-1 in unused slots)."""
    q32, k32, _, (b, h, hkv, lq, lk, d), vl = _check_common(q, k, None, causal, valid_len, dtype)
    per_head = _per_head(budgets, h, lk)
    text = _pilot_program(q32, k32, vl, causal, _check_scale(scale, d), dtype, q_block, k_block, per_head)
    return _run(text, *([q32, k32] + ([vl] if vl is not None else [])))


def sparse_attention(
    q: Any,
    k: Any,
    v: Any,
    indices: Any,
    *,
    causal: str = "none",
    scale: Optional[float] = None,
    mask: Any = None,
    bias: Any = None,
    valid_len: Any = None,
    dtype: str = "f32",
) -> np.ndarray:
    """The exact sparse stage alone (``attn.sparse_attention``) as compiled
    code on the CPU, over the given key ``indices`` ``[B, H, Lq, N]``
    (``int32``, -1 = unused slot, positions in ``[0, Lk)``)."""
    q32, k32, v32, (b, h, hkv, lq, lk, d), vl = _check_common(q, k, v, causal, valid_len, dtype)
    _check_scale(scale, d)
    idx = np.asarray(indices)
    if idx.ndim != 4 or idx.shape[:3] != (b, h, lq) or idx.shape[3] == 0 or idx.dtype.kind not in "iu":
        raise AttnError(f"'indices' must be an integer array [B, H, Lq, N] = [{b}, {h}, {lq}, N>0], got {idx.shape}")
    if np.any(idx < -1) or np.any(idx >= lk):
        raise AttnError(f"'indices' entries must be key positions in [0, {lk}) or -1")
    idx = idx.astype(np.int32)
    m, mspec = _mask_arg(mask, dtype)
    bias_arr = None if bias is None else np.asarray(bias, dtype=np.float32)
    et = _ELEM[dtype]
    qt, kt, vt = _tensor(q32.shape, et), _tensor(k32.shape, et), _tensor(v32.shape, et)
    it = _tensor(idx.shape, "i32")
    args = [f"%q: {qt}", f"%k: {kt}", f"%v: {vt}", f"%i: {it}"]
    extras = []
    if mspec is not None:
        mt = _tensor(mspec[0], "i1" if mspec[1] == "bool" else et)
        args.append(f"%m: {mt}")
        extras.append(f"mask(%m : {mt})")
    if bias_arr is not None:
        bt = _tensor(bias_arr.shape, et)
        args.append(f"%b: {bt}")
        extras.append(f"bias(%b : {bt})")
    if vl is not None:
        args.append(f"%n: tensor<{b}xi32>")
        extras.append(f"valid_len(%n : tensor<{b}xi32>)")
    if causal != "none":
        extras.append(f"causal {causal}")
    if scale is not None:
        extras.append(f"scale {float(scale)!r}")
    ot = _tensor((b, h, lq, v32.shape[3]), et)
    text = (
        f"func.func @sparse({', '.join(args)}) -> {ot} {{\n"
        f"  %o = attn.sparse_attention %q, %k, %v, %i {' '.join(extras)} : {qt}, {kt}, {vt}, {it} -> {ot}\n"
        f"  return %o : {ot}\n"
        "}\n"
    )
    arrays = [q32, k32, v32, idx] + [a for a in (m, bias_arr, vl) if a is not None]
    return _run(text, *arrays)


# ---------------------------------------------------------------------------
# Synthetic attention inputs with literature structure
# ---------------------------------------------------------------------------

#: Head kinds of :func:`synthetic_qkv`, cycled over the query heads.
HEAD_KINDS = ("local", "sink", "heavy", "mixed", "diffuse")


def synthetic_qkv(
    batch: int,
    heads: int,
    kv_heads: int,
    q_len: int,
    kv_len: int,
    head_dim: int,
    *,
    seed: int = 0,
    structure_seed: int = 0,
    kinds: Optional[Sequence[str]] = None,
    q_positions: Optional[np.ndarray] = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SYNTHETIC Q, K, V (float32, bhld) with the attention structure measured
    in pretrained LLMs (no pretrained weights are reachable here; see
    docs/sparse.md):

    * attention sinks: key 0 (and 1) carry a large component along a
      direction every query of the head shares (StreamingLLM);
    * local windows: query/key pairs get rotary-like random Fourier features
      whose inner product approximates a Gaussian kernel of ``i - j`` with a
      per-head width (4..256 tokens);
    * heavy hitters: ~1 % of the keys share a direction the queries prefer
      (H2O);
    * per-head differences: heads cycle through ``kinds`` (default
      :data:`HEAD_KINDS`), which weight the three structures differently;
      ``diffuse`` heads are mostly content noise.

    Query row ``i`` sits at absolute position ``q_positions[i]`` (default:
    the last ``q_len`` positions of ``kv_len``, the bottom_right alignment).
    GQA: query heads of one group share their K/V head's structure.
    ``structure_seed`` draws each head's structure (window width, logit
    scales), ``seed`` the content (noise, heavy-hitter positions), so
    calibration and evaluation samples of one "model" share the heads.
    """
    _check_layer_dims(batch=batch, heads=heads, kv_heads=kv_heads, q_len=q_len, kv_len=kv_len, head_dim=head_dim)
    if head_dim < 16:
        raise AttnError(f"head_dim must be at least 16 for the synthetic structure, got {head_dim}")
    kinds = tuple(kinds) if kinds is not None else HEAD_KINDS
    bad = [x for x in kinds if x not in HEAD_KINDS]
    if not kinds or bad:
        raise AttnError(f"kinds must be a non-empty list of {HEAD_KINDS}, got {kinds!r}")
    pos_q = np.arange(kv_len - q_len, kv_len) if q_positions is None else np.asarray(q_positions)
    if pos_q.shape != (q_len,):
        raise AttnError(f"q_positions must have shape ({q_len},), got {pos_q.shape}")
    rng = np.random.default_rng(seed)
    head_rng = np.random.default_rng(structure_seed)
    group = heads // kv_heads
    n_freq = head_dim // 4  # dims 0..2*n_freq-1: positional features
    sink_dim, heavy_dim = 2 * n_freq, 2 * n_freq + 1
    k_noise = 0.3
    q = rng.standard_normal((batch, heads, q_len, head_dim))
    k = rng.standard_normal((batch, kv_heads, kv_len, head_dim)) * k_noise
    v = rng.standard_normal((batch, kv_heads, kv_len, head_dim))
    pos_k = np.arange(kv_len)
    # Logit scales per kind: local peak, sink, heavy hitter, content noise std.
    logits = {
        "local": (6.0, 3.0, 1.0, 1.0),
        "sink": (2.0, 8.0, 2.0, 1.0),
        "heavy": (2.0, 3.0, 6.0, 1.0),
        "mixed": (4.0, 5.0, 4.0, 1.2),
        "diffuse": (1.0, 2.0, 1.0, 1.8),
    }
    for hk in range(kv_heads):
        kind = kinds[(hk * group) % len(kinds)]
        local, sink, heavy, noise = (x * head_rng.uniform(0.8, 1.2) for x in logits[kind])
        width = float(2.0 ** head_rng.uniform(2, 8))  # local window 4..256 tokens
        omega = head_rng.standard_normal(n_freq) / width
        amp = np.sqrt(local / n_freq)  # q.k = amp^2 * sum cos(omega (i - j))
        k[:, hk, :, 0:n_freq] += amp * np.cos(np.outer(pos_k, omega))
        k[:, hk, :, n_freq : 2 * n_freq] += amp * np.sin(np.outer(pos_k, omega))
        k[:, hk, : min(2, kv_len), sink_dim] += np.sqrt(sink)
        hitters = rng.choice(kv_len, size=max(1, kv_len // 100), replace=False)
        k[:, hk, hitters, heavy_dim] += np.sqrt(heavy)
        for g in range(group):
            h = hk * group + g
            q[:, h] *= noise / (k_noise * np.sqrt(head_dim))
            q[:, h, :, 0:n_freq] += amp * np.cos(np.outer(pos_q, omega))
            q[:, h, :, n_freq : 2 * n_freq] += amp * np.sin(np.outer(pos_q, omega))
            q[:, h, :, sink_dim] += np.sqrt(sink)
            q[:, h, :, heavy_dim] += np.sqrt(heavy)
    # attn.attention scales by 1/sqrt(D): scale q and k by D^(1/4) so the
    # logits above hold with the default scale.
    boost = head_dim**0.25
    return (q * boost).astype(np.float32), (k * boost).astype(np.float32), v.astype(np.float32)


# ---------------------------------------------------------------------------
# NPU pilot cost, selection placement, head-wise pipeline (modeled + measured)
# ---------------------------------------------------------------------------

#: Vector passes over a score row the compiled attn.topk makes: one count of
#: visible keys, 33 bisection steps, one count above the threshold, one
#: output pass (LowerSparseToCPU.cpp).
TOPK_PASSES = 36


def pilot_cost(
    heads: int, kv_heads: int, q_len: int, kv_len: int, head_dim: int, target: str, selection: str
) -> dict[str, Any]:
    """MODELED NPU time of the int8 pilot of one layer on ``target``.

    Per key/value head one whole-array int8 GEMM ``[G*Lq, D] x [D, Lk]``
    (``attn.dse.estimate_matmul`` with the target's native int8 intrinsic;
    G = H/Hkv query heads share K). ``selection="cpu"``: the scores leave
    the NPU (f32, or bf16 when f32 tiles do not fit L1) and the CPU selects.
    ``selection="npu"``: the cores also run the selection (``TOPK_PASSES``
    vector passes per score at the target's vector-pass cost) and only the
    key indices leave; its GEMM is modeled with an i8 output as a stand-in
    for the index traffic (at most Lk bytes per row, which covers N int32
    indices when N <= Lk / 4). Returns seconds per key/value head and total.
    """
    from . import dse
    from . import target as targets

    if selection not in ("cpu", "npu"):
        raise AttnError(f"selection must be 'cpu' or 'npu', got {selection!r}")
    info = targets.get(target)
    group = heads // kv_heads
    m = group * q_len
    outs = ("f32", "bf16") if selection == "cpu" else ("i8",)
    best = None
    for out in outs:
        for tile_n in (64, 32):
            est = dse.estimate_matmul(m, head_dim, kv_len, target=target, element="i8", out_element=out, tile_n=tile_n)
            if not est.violations and (best is None or est.latency_s < best[0].latency_s):
                best = (est, out)
        if best is not None:
            break
    if best is None:
        raise AttnError(f"no legal int8 pilot GEMM on {target} for [{m}, {head_dim}] x [{head_dim}, {kv_len}]")
    est, out = best
    per_kv_head = est.latency_s
    select_s = 0.0
    if selection == "npu":
        cycles = m * kv_len * TOPK_PASSES * info.vector_pass_cycles_per_element / info.num_cores
        select_s = cycles / info.clock_hz
    return {
        "target": target,
        "selection": selection,
        "scores_element": out,
        "intrinsic": list(est.datapath["intrinsic"]),
        "gemm_s_per_kv_head": per_kv_head,
        "select_s_per_kv_head": select_s,
        "per_kv_head_s": per_kv_head + select_s,
        "total_s": (per_kv_head + select_s) * kv_heads,
        "binding": est.binding,
        "modeled": True,
    }


# ---------------------------------------------------------------------------
# The pilot on the NPU: an AIE program (attn-pilot-to-aie) run by attn.sim
# ---------------------------------------------------------------------------

#: Bytes after the int8 values of a pilot row: the f32 scale (attn.pilot_qk_rows).
PILOT_SCALE_BYTES = 4


def _int8_k(target: str) -> int:
    from . import target as targets

    return int(dict(targets.get(target).elements)["i8"].intrinsic[1])


def pilot_rows(x: Any, block: int, *, dtype: str = "f32", head_dim_multiple: int = 8) -> np.ndarray:
    """The NPU row format of the pilot (``attn.pilot_qk_rows``): ``x``
    ``[B, H, L, D]`` rounded to ``dtype`` and quantized like ``attn.quantize``
    (one scale per ``block`` rows), each row written as its int8 values
    zero-padded to a multiple of ``head_dim_multiple`` (the target's int8
    intrinsic K; zeros leave every dot product unchanged) followed by the 4
    little-endian bytes of its block's f32 scale. Returns int8
    ``[B, H, L, Dp + 4]``."""
    from .reference import round_to_dtype

    if dtype not in DTYPES:
        raise AttnError(f"dtype must be one of {DTYPES}, got {dtype!r}")
    if (
        isinstance(head_dim_multiple, bool)
        or not isinstance(head_dim_multiple, (int, np.integer))
        or head_dim_multiple <= 0
    ):
        raise AttnError(f"head_dim_multiple must be a positive integer, got {head_dim_multiple!r}")
    x32 = round_to_dtype(_float4d("x", x), dtype)
    if not np.all(np.isfinite(x32)):
        raise AttnError("'x' contains NaN or infinite values; the pilot quantizes finite inputs only")
    xq, xs = quantize(x32, block)
    b, h, n, d = x32.shape
    dp = -(-d // head_dim_multiple) * head_dim_multiple
    out = np.zeros((b, h, n, dp + PILOT_SCALE_BYTES), dtype=np.int8)
    out[..., :d] = xq
    per_row = np.ascontiguousarray(np.repeat(xs, block, axis=2)[:, :, :n].astype("<f4"))
    out[..., dp:] = per_row.view(np.int8).reshape(b, h, n, PILOT_SCALE_BYTES)
    return out


@functools.lru_cache(maxsize=32)
def _npu_pilot_text(
    qshape: tuple[int, ...],
    kshape: tuple[int, ...],
    causal: str,
    scale: float,
    has_valid_len: bool,
    q_block: int,
    k_block: int,
    target: str,
    options: tuple[tuple[str, int], ...],
) -> str:
    from .ir import Context, Module
    from .passmanager import PassManager

    class _Shape:
        def __init__(self, shape: tuple[int, ...]):
            self.shape = shape

    vl = np.zeros(qshape[0], np.int32) if has_valid_len else None
    layer = _pilot_program(_Shape(qshape), _Shape(kshape), vl, causal, scale, "f32", q_block, k_block, None)
    opts = " ".join([f"target={target}"] + [f"{k}={v}" for k, v in options if v])
    with Context():
        m = Module.parse(layer)
        PassManager.parse(f"builtin.module(attn-pilot-to-aie{{{opts}}})").run(m.operation)
        return str(m.operation)


def npu_pilot_program(
    q_shape: Sequence[int],
    k_shape: Sequence[int],
    *,
    target: str = "npu2",
    causal: str = "none",
    scale: Optional[float] = None,
    valid_len: bool = False,
    q_block: int = 64,
    k_block: int = 64,
    q_tile: int = 0,
    kv_tile: int = 0,
    columns: int = 0,
    cores_per_column: int = 0,
) -> str:
    """The AIE program (``aie.device`` text, upstream mlir-aie syntax) of the
    int8 pilot of a layer with Q ``q_shape`` and K ``k_shape`` (bhld):
    ``attn.quantize`` x2 + ``attn.pilot_qk`` through the ``attn-pilot-to-aie``
    pipeline. Its runtime sequence takes the Q rows and K rows of
    :func:`pilot_rows` (padded to the plan's tiles), one ``valid_len`` i32 per
    batch when ``valid_len``, and writes the f32 scores. Cached per shape."""
    qs, ks = tuple(int(x) for x in q_shape), tuple(int(x) for x in k_shape)
    if len(qs) != 4 or len(ks) != 4 or min(qs + ks) <= 0:
        raise AttnError(f"q_shape and k_shape must be 4 positive dims (bhld), got {qs} and {ks}")
    _check_causal(causal)
    sc = _check_scale(scale, qs[3])
    qb, kb = _check_block("q_block", q_block), _check_block("k_block", k_block)
    opts = (("q-tile", q_tile), ("kv-tile", kv_tile), ("columns", columns), ("cores-per-column", cores_per_column))
    for name, v in opts:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise AttnError(f"{name.replace('-', '_')} must be a non-negative integer (0 chooses), got {v!r}")
    return _npu_pilot_text(qs, ks, causal, sc, bool(valid_len), qb, kb, target, tuple((k, int(v)) for k, v in opts))


@functools.lru_cache(maxsize=32)
def _npu_pilot_loaded(text: str) -> tuple[Any, tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """The simulator's Program plus the padded Q rows, K rows and scores
    shapes (empty: not padded)."""
    from . import ir, sim
    from .sim.host import host_padding

    with ir.Context():
        module = ir.Module.parse(text)
        # The pilot's stage device (the module also holds the host-program device).
        device = next(
            op.operation
            for op in module.body.operations
            if op.operation.name == "aie.device" and "attn.host" in op.operation.attributes
        )
        operands, result = host_padding(device)
        stage_text = f"module {{\n{device}\n}}\n"
    prog = sim.load(stage_text)
    # No result entry: the scores are not padded.
    return prog, operands.get(0, ()), operands.get(1, ()), () if result is None else result[0]


@dataclass
class NPUPilotRun:
    """The pilot scores an AIE program produced in the simulator, and its SIMULATED time."""

    scores: np.ndarray  # f32 [B, H, Lq, Lk], -inf where hidden
    target: str
    seconds: float  # simulated array time (cycles / clock); dispatch overhead not included
    cycles: float
    dispatch_overhead_s: float  # per dispatch, from the target table
    dram_bytes: int
    timing: bool
    program: str = field(repr=False)


def npu_pilot(
    q: Any,
    k: Any,
    *,
    target: str = "npu2",
    causal: str = "none",
    scale: Optional[float] = None,
    valid_len: Any = None,
    dtype: str = "f32",
    q_block: int = 64,
    k_block: int = 64,
    timing: bool = True,
    q_tile: int = 0,
    kv_tile: int = 0,
    columns: int = 0,
    cores_per_column: int = 0,
) -> NPUPilotRun:
    """The pilot on the NPU, SIMULATED: the host quantizes Q and K into the
    pilot row format (:func:`pilot_rows`), zero-pads them to the program's
    tiles, runs the AIE program of :func:`npu_pilot_program` in ``attn.sim``
    and slices the f32 scores ``[B, H, Lq, Lk]`` (same semantics as
    :func:`pilot`: -inf where the causal rule or ``valid_len`` hides a key).
    There is no NPU here: ``seconds`` is the simulator's time."""
    from . import sim

    q32, k32, _, (b, h, hkv, lq, lk, d), vl = _check_common(q, k, None, causal, valid_len, dtype)
    text = npu_pilot_program(
        q32.shape,
        k32.shape,
        target=target,
        causal=causal,
        scale=scale,
        valid_len=vl is not None,
        q_block=q_block,
        k_block=k_block,
        q_tile=q_tile,
        kv_tile=kv_tile,
        columns=columns,
        cores_per_column=cores_per_column,
    )
    prog, qpad, kpad, spad = _npu_pilot_loaded(text)
    mult = _int8_k(target)
    arrays = []
    for x, blk, padded in ((q32, q_block, qpad), (k32, k_block, kpad)):
        rows = pilot_rows(x, blk, dtype=dtype, head_dim_multiple=mult)
        if padded and padded != rows.shape:
            full = np.zeros(padded, dtype=np.int8)
            full[:, :, : rows.shape[2]] = rows
            rows = full
        arrays.append(rows)
    if vl is not None:
        arrays += [int(x) for x in vl]
    res = sim.run_program(prog, *arrays, timing=timing)
    out = np.asarray(res.output, dtype=np.float32).reshape(spad or (b, h, lq, lk))[:, :, :lq, :lk]
    return NPUPilotRun(
        scores=np.ascontiguousarray(out),
        target=target,
        seconds=res.seconds,
        cycles=res.cycles,
        dispatch_overhead_s=res.dispatch_overhead_seconds,
        dram_bytes=res.dram_bytes,
        timing=timing,
        program=text,
    )


def npu_pilot_cost(
    heads: int,
    kv_heads: int,
    q_len: int,
    kv_len: int,
    head_dim: int,
    target: str,
    selection: str,
    *,
    causal: str = "none",
) -> dict[str, Any]:
    """SIMULATED NPU time of the int8 pilot of one layer on ``target``: the
    AIE program of one key/value head (its G = H/Hkv query heads share K; one
    dispatch per unit of the head-wise pipeline) run in ``attn.sim`` with
    timing, plus the target's per-dispatch overhead. The timing does not
    depend on the values (only on shapes and the causal rule), so the inputs
    are seeded random rows. ``selection`` places the top-k as in
    :func:`pilot_cost`: ``"cpu"`` (scores leave in f32, the CPU selects) or
    ``"npu"`` (adds the modeled selection passes on the cores; the simulated
    program still writes f32 scores, so the score traffic is an upper bound).
    Returns seconds per key/value head and for the layer."""
    from . import target as targets

    if selection not in ("cpu", "npu"):
        raise AttnError(f"selection must be 'cpu' or 'npu', got {selection!r}")
    _check_layer_dims(heads=heads, kv_heads=kv_heads, q_len=q_len, kv_len=kv_len, head_dim=head_dim)
    group = heads // kv_heads
    rng = np.random.default_rng(0)
    q = rng.standard_normal((1, group, q_len, head_dim), dtype=np.float32)
    k = rng.standard_normal((1, 1, kv_len, head_dim), dtype=np.float32)
    run_ = npu_pilot(q, k, target=target, causal=causal)
    info = targets.get(target)
    select_s = 0.0
    if selection == "npu":
        cycles = group * q_len * kv_len * TOPK_PASSES * info.vector_pass_cycles_per_element / info.num_cores
        select_s = cycles / info.clock_hz
    per_unit = run_.seconds + run_.dispatch_overhead_s + select_s
    return {
        "target": target,
        "selection": selection,
        "simulated_array_s_per_kv_head": run_.seconds,
        "dispatch_overhead_s": run_.dispatch_overhead_s,
        "select_s_per_kv_head": select_s,
        "per_kv_head_s": per_unit,
        "total_s": per_unit * kv_heads,
        "dram_bytes_per_kv_head": run_.dram_bytes,
        "simulated": True,
    }


def pipeline(npu_s: Sequence[float], cpu_s: Sequence[float]) -> dict[str, Any]:
    """Head-wise two-stage pipeline: the NPU runs the pilot of unit u+1
    while the CPU runs the sparse attention of unit u. Returns the
    timeline (start/end of every step) and the makespan."""
    if len(npu_s) != len(cpu_s) or not len(npu_s):
        raise AttnError("npu_s and cpu_s must be non-empty and of equal length")
    if any(x < 0 or not math.isfinite(x) for x in (*npu_s, *cpu_s)):
        raise AttnError("step times must be finite and non-negative")
    npu_end = cpu_end = 0.0
    steps = []
    for u, (p, c) in enumerate(zip(npu_s, cpu_s, strict=True)):
        npu_start, npu_end = npu_end, npu_end + p
        cpu_start = max(npu_end, cpu_end)
        cpu_end = cpu_start + c
        steps.append({"unit": u, "npu": [npu_start, npu_end], "cpu": [cpu_start, cpu_end]})
    return {"steps": steps, "makespan_s": cpu_end, "serial_s": float(sum(npu_s) + sum(cpu_s))}


def perfetto_trace(timeline: dict[str, Any], name: str = "shadowAttn") -> dict[str, Any]:
    """Chrome/Perfetto trace-event JSON of a :func:`pipeline` timeline (one
    track for the NPU pilot, one for the CPU sparse attention; times in us)."""
    events: list[dict[str, Any]] = [
        {"ph": "M", "pid": 1, "name": "process_name", "args": {"name": name}},
        {"ph": "M", "pid": 1, "tid": 1, "name": "thread_name", "args": {"name": "NPU pilot (modeled)"}},
        {"ph": "M", "pid": 1, "tid": 2, "name": "thread_name", "args": {"name": "CPU sparse attention (measured)"}},
    ]
    for st in timeline["steps"]:
        for tid, key, label in ((1, "npu", "pilot"), (2, "cpu", "sparse")):
            t0, t1 = st[key]
            events.append(
                {
                    "ph": "X",
                    "pid": 1,
                    "tid": tid,
                    "name": f"{label} {st['unit']}",
                    "ts": t0 * 1e6,
                    "dur": (t1 - t0) * 1e6,
                }
            )
    return {"traceEvents": events, "displayTimeUnit": "ms"}


# ---------------------------------------------------------------------------
# Length buckets for the pilot programs
# ---------------------------------------------------------------------------


class LengthBuckets:
    """Pilot programs compiled per length bucket: a length runs in the
    smallest bucket that holds it, padded, with the real length as the
    runtime ``valid_len`` (one program per bucket, no recompilation).
    Self-attention prefill (Lq = Lk); causal ``none`` or ``top_left``
    (padding at the end does not move a top-left causal diagonal)."""

    def __init__(self, buckets: Sequence[int]):
        b = sorted({int(x) for x in buckets})
        if not b or b[0] <= 0 or any(isinstance(x, bool) for x in buckets):
            raise AttnError(f"buckets must be positive lengths, got {buckets!r}")
        self.buckets = tuple(b)

    def bucket_for(self, length: int) -> int:
        """The smallest bucket >= ``length``."""
        for b in self.buckets:
            if b >= length:
                return b
        raise AttnError(f"length {length} exceeds the largest bucket {self.buckets[-1]}")

    def padding_overhead(self, lengths: Sequence[int]) -> dict[str, float]:
        """Extra pilot work from padding over ``lengths``: the pilot GEMM is
        Lq x Lk, so work grows with the square of the bucket length."""
        lens = np.asarray(lengths, dtype=np.float64)
        if lens.ndim != 1 or lens.size == 0 or np.any(lens <= 0):
            raise AttnError("lengths must be a non-empty list of positive lengths")
        padded = np.asarray([self.bucket_for(int(x)) for x in lens], dtype=np.float64)
        return {
            "tokens": float(padded.sum() / lens.sum() - 1.0),
            "pilot_work": float((padded**2).sum() / (lens**2).sum() - 1.0),
            "programs": float(len(set(padded.tolist()))),
        }

    def select(
        self,
        q: Any,
        k: Any,
        *,
        budgets: Union[int, Sequence[int]],
        causal: str = "none",
        q_block: int = 64,
        k_block: int = 64,
    ) -> np.ndarray:
        """:func:`select` for one sequence (B = 1) through its bucket's
        program: Q/K padded with zeros to the bucket, the real length as
        ``valid_len``, the padded query rows dropped."""
        if causal not in ("none", "top_left"):
            raise AttnError(f"bucketed selection supports causal none or top_left, got {causal!r}")
        q32, k32 = _float4d("q", q), _float4d("k", k)
        if q32.shape[0] != 1 or q32.shape[2] != k32.shape[2]:
            raise AttnError(f"bucketed selection takes one sequence with Lq = Lk, got q {q32.shape}, k {k32.shape}")
        length = q32.shape[2]
        lb = self.bucket_for(length)
        pad = ((0, 0), (0, 0), (0, lb - length), (0, 0))
        h = q32.shape[1]
        per_head = _per_head(budgets, h, length)
        idx = select(
            np.pad(q32, pad),
            np.pad(k32, pad),
            budgets=per_head,
            causal=causal,
            valid_len=np.asarray([length], dtype=np.int32),
            q_block=q_block,
            k_block=k_block,
        )
        return idx[:, :, :length]
