"""numpy equivalents of the core kernel ABI (kernels/attn_kernels.h).

Each function has the semantics of the C++ kernel of the same name (minus
the ``attn_`` prefix and dtype suffix), computing in float32 like the
kernels do; ``test/python/test_kernels.py`` checks them against the
host-compiled C++ reference. They work on tiles as numpy arrays: the ABI's
addressing (a K or V block at an element offset of its object, a score
window at a column of a row buffer with a row stride) is the caller's, and
the simulator's kernel models pass strided numpy views. Arrays are updated
in place where the C++ kernel writes through a pointer.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from .reference import round_to_dtype, weighted_values

F32 = np.float32
NEG_INF = F32(-np.inf)

# bf16 terms per matmul operand of each kernel variant (docs/kernels.md): f16 and
# f32 layers run their matmuls on the bf16 matmul as sums of bf16 partial
# products (the target table's ``bf16_splits``: f16 2, f32 3);
# ``*_as_bf16`` (allow-precision-loss) rounds the operands to bf16 (1 term);
# 0 = the operands' own type (bf16: exact products in f32).
SPLITS = {"bf16": 0, "f16": 2, "f32": 3, "f16_as_bf16": 1, "f32_as_bf16": 1}


def bf16_terms(x: np.ndarray, splits: int) -> list[np.ndarray]:
    """``x`` (float32) as ``splits`` bf16 terms: each the residual so far rounded to
    bf16 (nearest even); a non-finite lane's residual is 0 (inf - inf)."""
    residual = np.asarray(x, F32)
    terms = []
    for t in range(splits):
        part = round_to_dtype(residual, "bf16")
        terms.append(part)
        if t + 1 < splits:
            with np.errstate(invalid="ignore"):
                left = (residual - part).astype(F32)
            residual = np.where(np.isnan(left), F32(0), left).astype(F32)
    return terms


def split_matmul(a: np.ndarray, b: np.ndarray, splits: int) -> np.ndarray:
    """``a @ b`` in float32 as the kernels compute it: ``splits`` = 0 multiplies the
    values as they are; otherwise both operands are split into bf16 terms and the
    products of total order ``i + j < splits`` are summed, smallest first."""
    a, b = np.asarray(a, F32), np.asarray(b, F32)
    if splits == 0:
        return (a @ b).astype(F32)
    ta, tb = bf16_terms(a, splits), bf16_terms(b, splits)
    out = np.zeros((a.shape[0], b.shape[1]), F32)
    with np.errstate(invalid="ignore", over="ignore"):
        for order in range(splits - 1, -1, -1):
            for i in range(order + 1):
                out = (out + weighted_values(ta[i], tb[order - i])).astype(F32)
    return out


def qk(q: np.ndarray, k: np.ndarray, scale: float, splits: int = 0) -> np.ndarray:
    """S = scale * Q Kᵀ in float32; q [tq, d], k [tk, d]; ``splits`` as in
    :func:`split_matmul`."""
    return (F32(scale) * split_matmul(q.astype(F32), k.astype(F32).T, splits)).astype(F32)


def pilot_rows_split(rows: np.ndarray, d: int) -> tuple[np.ndarray, np.ndarray]:
    """The int8 values ``[n, d]`` and f32 scales ``[n]`` of pilot rows ``[n, d + 4]``
    (any 8-bit dtype): each row is d int8 values then its little-endian f32 scale."""
    raw = np.ascontiguousarray(rows).view(np.int8)
    values = raw[:, :d]
    scales = np.ascontiguousarray(raw[:, d : d + 4]).view("<f4").reshape(-1).astype(F32)
    return values, scales


def pilot_qk(q_rows: np.ndarray, k_rows: np.ndarray, d: int, scale: float) -> np.ndarray:
    """attn_pilot_qk_i8: S = ((f32(int8 dot, exact in i32) * qs_i) * ks_j) * scale."""
    qv, qs = pilot_rows_split(q_rows, d)
    kv, ks = pilot_rows_split(k_rows, d)
    dot = qv.astype(np.int32) @ kv.astype(np.int32).T
    return (((dot.astype(F32) * qs[:, None]) * ks[None, :]) * F32(scale)).astype(F32)


def mask_positions(
    s: np.ndarray,
    q0: int,
    k0: int,
    valid_len: int,
    causal: bool,
    causal_offset: int,
    row_limit: Optional[int] = None,
) -> np.ndarray:
    """Hide keys at or beyond ``valid_len`` (the key limit), whole query rows at
    or beyond ``row_limit`` (None: no row limit) and, if ``causal``, keys
    ``j > i + causal_offset`` (global positions; tile origin ``(q0, k0)``)."""
    tq, tk = s.shape
    i = np.arange(q0, q0 + tq, dtype=np.int64)[:, None]
    j = np.arange(k0, k0 + tk, dtype=np.int64)[None, :]
    hidden = np.broadcast_to(j >= valid_len, (tq, tk))
    if row_limit is not None:
        hidden = hidden | (i >= row_limit)
    if causal:
        hidden = hidden | (j > i + causal_offset)
    s[hidden] = NEG_INF
    return s


def mask_keep_keys(s: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Hide the keys (columns) whose keep value is 0; ``keep`` has one value per key."""
    s[:, keep.astype(F32) == 0] = NEG_INF
    return s


def mask_add_keys(s: np.ndarray, add: np.ndarray) -> np.ndarray:
    """Add one f32 value per key (an additive key mask or key bias) to every row."""
    s += add.astype(F32)[None, :]
    return s


def mask_keep_tile(s: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Hide the scores whose keep value is 0; ``keep`` is a tile of ``s``'s shape."""
    s[keep.astype(F32) == 0] = NEG_INF
    return s


def mask_add_tile(s: np.ndarray, add: np.ndarray) -> np.ndarray:
    """Add an f32 tile of ``s``'s shape (an additive mask or bias) to the scores."""
    s += add.astype(F32)
    return s


def online_init(tq: int, dv: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fresh running state: m = -inf, l = 0, acc = 0."""
    return np.full(tq, NEG_INF, F32), np.zeros(tq, F32), np.zeros((tq, dv), F32)


def online_update(
    s: np.ndarray, v: np.ndarray, m: np.ndarray, row_sum: np.ndarray, acc: np.ndarray, splits: int = 0
) -> None:
    """One flash step over a K/V block, updating ``m``, ``row_sum`` (l) and ``acc`` in place;
    rows with nothing visible so far are left unchanged; ``splits``: the P V matmul
    (:func:`split_matmul`)."""
    new_max = np.maximum(m, s.max(axis=1))
    live = new_max != NEG_INF
    safe_max = np.where(live, new_max, F32(0))
    correction = np.where(live, np.exp(m - safe_max), F32(1)).astype(F32)
    p = np.where(live[:, None], np.exp(s - safe_max[:, None]), F32(0)).astype(F32)
    acc *= correction[:, None]
    acc += split_matmul(p, v, splits) if splits else weighted_values(p, v)
    row_sum[:] = correction * row_sum + p.sum(axis=1, dtype=F32)
    m[:] = np.where(live, new_max, m)


def online_merge(
    m: np.ndarray,
    row_sum: np.ndarray,
    acc: np.ndarray,
    m_in: np.ndarray,
    sum_in: np.ndarray,
    acc_in: np.ndarray,
) -> None:
    """Merge a partial online-softmax state over other keys (``m_in``, ``sum_in``,
    ``acc_in``) into ``m``, ``row_sum`` (l), ``acc`` in place (a cascade step):
    m' = max(m, m_in); l = e^(m-m') l + e^(m_in-m') l_in; acc likewise. Rows
    with nothing visible on either side stay unchanged (-inf, 0, 0)."""
    new_max = np.maximum(m, m_in)
    live = new_max != NEG_INF
    safe_max = np.where(live, new_max, F32(0))
    own = np.where(live, np.exp(m - safe_max), F32(0)).astype(F32)
    other = np.where(live, np.exp(m_in - safe_max), F32(0)).astype(F32)
    merged = own[:, None] * acc + other[:, None] * acc_in
    acc[:] = np.where(live[:, None], merged, acc)
    row_sum[:] = np.where(live, own * row_sum + other * sum_in, row_sum)
    m[:] = new_max


def finalize(acc: np.ndarray, row_sum: np.ndarray, dtype: str = "f32") -> np.ndarray:
    """O = acc / l with zero rows where l == 0, rounded to ``dtype``."""
    live = row_sum != 0  # l == 0: no visible key; a NaN l propagates
    safe = np.where(live, row_sum, F32(1))
    out = np.where(live[:, None], acc / safe[:, None], F32(0)).astype(F32)
    return round_to_dtype(out, dtype)


def softmax_rows(s: np.ndarray) -> np.ndarray:
    """Row softmax in float32; all -inf rows give zeros."""
    row_max = s.max(axis=1, keepdims=True)
    live = row_max != NEG_INF
    e = np.where(live, np.exp(s - np.where(live, row_max, F32(0))), F32(0)).astype(F32)
    total = e.sum(axis=1, keepdims=True, dtype=F32)
    return np.where(live, e / np.where(live, total, F32(1)), F32(0)).astype(F32)


def softmax_stats_init(tq: int) -> tuple[np.ndarray, np.ndarray]:
    """Fresh row statistics of a streamed softmax: max = -inf, sum = 0."""
    return np.full(tq, NEG_INF, F32), np.zeros(tq, F32)


def softmax_stats(s: np.ndarray, m: np.ndarray, row_sum: np.ndarray) -> None:
    """Pass 1 of a streamed softmax: fold the score chunk ``s`` [rows][keys] into the
    running row max ``m`` and the sum ``row_sum`` of exp(s - m), in place; rows with
    nothing visible so far stay (-inf, 0)."""
    new_max = np.maximum(m, s.max(axis=1))
    live = new_max != NEG_INF
    safe_max = np.where(live, new_max, F32(0))
    correction = np.where(live, np.exp(m - safe_max), F32(1)).astype(F32)
    e = np.where(live[:, None], np.exp(s - safe_max[:, None]), F32(0)).astype(F32)
    row_sum[:] = correction * row_sum + e.sum(axis=1, dtype=F32)
    m[:] = np.where(live, new_max, m)


def softmax_normalize(s: np.ndarray, m: np.ndarray, row_sum: np.ndarray) -> np.ndarray:
    """Pass 2 of a streamed softmax: P = exp(s - m) / sum for one chunk; rows whose
    max is -inf (nothing visible) give zeros, as :func:`softmax_rows`."""
    live = m != NEG_INF
    safe_max = np.where(live, m, F32(0))
    safe_sum = np.where(live, row_sum, F32(1))
    e = np.exp(s - safe_max[:, None]) / safe_sum[:, None]
    return np.where(live[:, None], e, F32(0)).astype(F32)


def acc_zero(tq: int, dv: int) -> np.ndarray:
    """The accumulator of the whole-row folds: zeros."""
    return np.zeros((tq, dv), F32)


def store(acc: np.ndarray, dtype: str = "f32", q0: int = 0, row_limit: Optional[int] = None) -> np.ndarray:
    """O = acc rounded to ``dtype`` (whole-row folds: P is already normalized); rows of
    queries ``q0 + i >= row_limit`` are zeros (None: no row limit)."""
    out = acc.astype(F32)
    if row_limit is not None:
        rows = np.arange(q0, q0 + out.shape[0], dtype=np.int64) >= row_limit
        out = np.where(rows[:, None], F32(0), out).astype(F32)
    return round_to_dtype(out, dtype)


def pv_accumulate(p: np.ndarray, v: np.ndarray, acc: np.ndarray, splits: int = 0) -> None:
    """acc += P V in float32, in place; ``splits`` as in :func:`split_matmul`."""
    acc += split_matmul(p, v, splits) if splits else weighted_values(p, v)


# --- stream mapping (QK core | softmax core | PV core) -----------------------------------------
# The softmax core sends the PV core one flat f32 object per key block: P [tq][tk] dense,
# then the [tq] rescale factors c, then the [tq] running row sums l (docs/kernels.md).


def stream_softmax_init(tq: int) -> tuple[np.ndarray, np.ndarray]:
    """The softmax core's fresh running state: m = -inf, l = 0."""
    return np.full(tq, NEG_INF, F32), np.zeros(tq, F32)


def stream_softmax(s: np.ndarray, m: np.ndarray, row_sum: np.ndarray) -> np.ndarray:
    """The softmax half of :func:`online_update` on the softmax core: updates ``m`` and
    ``row_sum`` in place and returns the P block object (P, c, l) the PV core reads.
    Rows with nothing visible so far: P = 0, c = 1, state unchanged."""
    tq, tk = s.shape
    new_max = np.maximum(m, s.max(axis=1))
    live = new_max != NEG_INF
    safe_max = np.where(live, new_max, F32(0))
    correction = np.where(live, np.exp(m - safe_max), F32(1)).astype(F32)
    p = np.where(live[:, None], np.exp(s - safe_max[:, None]), F32(0)).astype(F32)
    row_sum[:] = correction * row_sum + p.sum(axis=1, dtype=F32)
    m[:] = np.where(live, new_max, m)
    return np.concatenate([p.reshape(-1), correction, row_sum]).astype(F32)


def stream_pv(pobj: np.ndarray, v: np.ndarray, acc: np.ndarray, row_sum: np.ndarray, splits: int = 0) -> None:
    """The PV core's step: acc = c acc + P V from a P block object (:func:`stream_softmax`),
    and ``row_sum`` = the object's l (what finalize divides by); ``splits`` as in
    :func:`split_matmul`."""
    tq = acc.shape[0]
    tk = v.shape[0]
    p = pobj[: tq * tk].reshape(tq, tk)
    acc *= pobj[tq * tk : tq * tk + tq][:, None]
    acc += split_matmul(p, v, splits) if splits else weighted_values(p, v)
    row_sum[:] = pobj[tq * tk + tq : tq * tk + 2 * tq]


def stream_pv_bfp16(pobj: np.ndarray, v: np.ndarray, acc: np.ndarray, row_sum: np.ndarray) -> None:
    """:func:`stream_pv` with its P·V through the BFP16 matmul."""
    tq = acc.shape[0]
    tk = v.shape[0]
    p = pobj[: tq * tk].reshape(tq, tk)
    acc *= pobj[tq * tk : tq * tk + tq][:, None]
    acc += weighted_values(_bfp16_p(p), bfp16_round(v, axis=1))
    row_sum[:] = pobj[tq * tk + tq : tq * tk + 2 * tq]


# --- BFP16 datapath (npu2, ``ATTN_BFP16=1``) ---------------------------------------------------

BFP16_BLOCK = 8  # values sharing one exponent (bfp16ebs8)
BFP16_MANTISSA_MAX = 127  # 8-bit signed mantissas, clamped symmetric


def bfp16_round(x: np.ndarray, axis: int) -> np.ndarray:
    """``x`` (float32) rounded through bfp16ebs8 along ``axis``: consecutive blocks of 8
    values (from index 0; the axis length must be a multiple of 8) share one exponent,
    chosen so that the block's largest magnitude has a mantissa in [64, 128); every
    value keeps a signed 8-bit mantissa, rounded to nearest-even and clamped to
    +-127. Small values of a block lose their low bits (a value below 2^-7 of the
    block's largest becomes 0 or one ulp). An all-zero block stays zero; non-finite
    values pass through and do not set the exponent. The host AIE-API subset
    (kernels/host_aie_api) rounds the same way."""
    x = np.asarray(x, dtype=F32)
    n = x.shape[axis]
    if n % BFP16_BLOCK:
        raise ValueError(f"bfp16_round: axis length {n} is not a multiple of {BFP16_BLOCK}")
    moved = np.moveaxis(x, axis, -1)
    blocks = moved.reshape(*moved.shape[:-1], n // BFP16_BLOCK, BFP16_BLOCK)
    finite = np.isfinite(blocks)
    mag = np.where(finite, np.abs(blocks), F32(0)).max(axis=-1, keepdims=True)
    # ilogb(mag) - 6: the exponent of the mantissa ulp.
    _, e2 = np.frexp(np.where(mag > 0, mag, F32(1)))
    ulp_exp = (e2.astype(np.int32) - 1) - 6
    with np.errstate(invalid="ignore", over="ignore"):
        mant = np.rint(np.ldexp(np.where(finite, blocks, F32(0)), -ulp_exp))
        mant = np.clip(mant, -BFP16_MANTISSA_MAX, BFP16_MANTISSA_MAX)
        out = np.where(finite, np.ldexp(mant, ulp_exp), blocks).astype(F32)
    return np.moveaxis(out.reshape(moved.shape), -1, axis)


def qk_bfp16(q: np.ndarray, k: np.ndarray, scale: float) -> np.ndarray:
    """:func:`qk` through the BFP16 matmul: Q's blocks run along d (the matmul's K),
    Kᵀ's along the keys (its N), as the kernel's ``aie::mmul<8, 8, 8, bfp16ebs8>``
    operands are laid out."""
    return qk(bfp16_round(q, axis=1), bfp16_round(k, axis=0), scale)


def _bfp16_p(p: np.ndarray) -> np.ndarray:
    # The kernel writes P as bf16, then converts blocks of 8 keys to bfp16.
    return bfp16_round(round_to_dtype(p, "bf16"), axis=1)


def pv_accumulate_bfp16(p: np.ndarray, v: np.ndarray, acc: np.ndarray) -> None:
    """:func:`pv_accumulate` through the BFP16 matmul: P's blocks along the keys,
    V's along dv."""
    acc += weighted_values(_bfp16_p(p), bfp16_round(v, axis=1))


def online_update_bfp16(s: np.ndarray, v: np.ndarray, m: np.ndarray, row_sum: np.ndarray, acc: np.ndarray) -> None:
    """:func:`online_update` with its P·V through the BFP16 matmul (l sums the unrounded P)."""
    new_max = np.maximum(m, s.max(axis=1))
    live = new_max != NEG_INF
    safe_max = np.where(live, new_max, F32(0))
    correction = np.where(live, np.exp(m - safe_max), F32(1)).astype(F32)
    p = np.where(live[:, None], np.exp(s - safe_max[:, None]), F32(0)).astype(F32)
    acc *= correction[:, None]
    acc += weighted_values(_bfp16_p(p), bfp16_round(v, axis=1))
    row_sum[:] = correction * row_sum + p.sum(axis=1, dtype=F32)
    m[:] = np.where(live, new_max, m)
