"""Float64 numpy reference for ``attn.attention``.

This is the numerical oracle of the project: the CPU lowering and the AIE
simulator are compared against it. It implements exactly the semantics in
the op's description:

* ``S = scale * Q Kᵀ (+ bias) (+ additive mask)`` with ``scale = 1/sqrt(D)``
  unless given;
* a score is ``-inf`` where a boolean keep-mask is ``False``, where the causal
  rule hides key ``j`` from query ``i`` (``top_left``: ``j <= i`` is visible;
  ``bottom_right``: ``j <= i + (Lk - Lq)``), or where ``j >= valid_len[b]``;
* ``O = softmax_rows(S) V``; a row with no visible key is zero (never NaN);
  query rows ``i >= valid_len[b]`` are zero;
* NaN and infinities follow IEEE arithmetic, as in
  ``torch.nn.functional.scaled_dot_product_attention``: a NaN among a row's
  visible scores (from Q, K, a bias or an additive mask, or ``inf - inf``)
  makes the whole output row NaN, and so does a ``+inf`` score
  (``exp(inf - inf)``); ``-inf`` scores are masking; a hidden score (boolean
  mask, causal rule, ``valid_len``) is replaced by ``-inf`` whatever its
  value; NaN or ``inf`` in V propagates through ``P·V`` over every key of
  the row (``0 * inf`` is NaN);
* grouped-query attention: query head ``h`` reads key/value head
  ``h // (H // Hkv)``;
* layout ``bhld`` is ``[B, H, L, D]``, ``blhd`` is ``[B, L, H, D]``; masks and
  biases are always ``[B, H, Lq, Lk]`` (numpy broadcasting from the right).
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from .errors import AttnError

CAUSAL_KINDS = ("none", "top_left", "bottom_right")
LAYOUTS = ("bhld", "blhd")
DTYPES = ("bf16", "f16", "f32")


def round_to_dtype(x: np.ndarray, dtype: str) -> np.ndarray:
    """Round ``x`` to ``dtype`` ("bf16", "f16", "f32") and return it as float32.

    bf16 uses round-to-nearest-even on the float32 bit pattern (what
    hardware and ``ml_dtypes.bfloat16`` do); NaN stays NaN.
    """
    if dtype not in DTYPES:
        raise AttnError(f"dtype must be one of {DTYPES}, got {dtype!r}")
    x32 = np.asarray(x, dtype=np.float32)
    if dtype == "f32":
        return x32.copy()
    if dtype == "f16":
        return x32.astype(np.float16).astype(np.float32)
    bits = x32.view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    out = rounded.astype(np.uint32).view(np.float32)
    return np.where(np.isnan(x32), np.float32(np.nan), out)


def _as4d(name: str, x: np.ndarray) -> np.ndarray:
    a = np.asarray(x)
    if a.ndim != 4:
        raise AttnError(f"'{name}' must be a 4-D array, got shape {a.shape}")
    if not np.issubdtype(a.dtype, np.floating) and a.dtype.kind != "V":
        # ml_dtypes.bfloat16 has kind 'V'; converting it to float64 is exact.
        raise AttnError(f"'{name}' must hold floating-point values, got dtype {a.dtype}")
    return a.astype(np.float64)


def _broadcast_scores(name: str, x: np.ndarray, shape: tuple[int, int, int, int]) -> np.ndarray:
    a = np.asarray(x)
    if not 1 <= a.ndim <= 4:
        raise AttnError(f"'{name}' must have rank 1 to 4 to broadcast to [B, H, Lq, Lk] = {shape}, got {a.shape}")
    try:
        return np.broadcast_to(a, shape)
    except ValueError:
        raise AttnError(f"'{name}' of shape {a.shape} does not broadcast to [B, H, Lq, Lk] = {shape}") from None


def _check_scale(scale: object) -> float:
    """``scale`` as a float, or AttnError naming it."""
    if isinstance(scale, (bool, np.bool_)) or not isinstance(scale, (int, float, np.integer, np.floating)):
        raise AttnError(f"scale must be a finite positive number, got {type(scale).__name__} {scale!r}")
    value = float(scale)
    if not np.isfinite(value) or value <= 0:
        raise AttnError(f"scale must be a finite positive number, got {value}")
    return value


def _softmax_rows(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row softmax with the op's NaN/inf rules: a row whose scores are all
    ``-inf`` (no visible key) is zero; a NaN or ``+inf`` score makes its row
    NaN (IEEE: ``exp(inf - inf)``). Returns the probabilities and the
    ``[..., 1]`` mask of rows without a visible key."""
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        row_max = scores.max(axis=-1, keepdims=True)  # NaN if the row has a NaN
        dead = row_max == -np.inf
        weights = np.exp(scores - np.where(dead, 0.0, row_max))
        probs = weights / weights.sum(axis=-1, keepdims=True)
    return np.where(dead, 0.0, probs), dead


def weighted_values(p: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``p @ v`` (``[..., q, k] @ [..., k, d]``) in ``p``'s float type, where a
    key of weight 0 contributes nothing: NaN or ``inf`` in V reaches only the
    rows that give its key a nonzero weight (``0 * inf`` is not evaluated),
    as the kernels do. Used by the reference and by :mod:`attn.kernels`."""
    v = np.asarray(v).astype(p.dtype)
    with np.errstate(invalid="ignore", over="ignore"):
        finite = np.isfinite(v)
        if finite.all():
            return p @ v
        out = p @ np.where(finite, v, 0)
        weight = (p != 0).astype(p.dtype)  # NaN weights already made `out` NaN

        def reaches(hit: np.ndarray) -> np.ndarray:
            return (weight @ hit.astype(p.dtype)) > 0

        pos, neg = reaches(v == np.inf), reaches(v == -np.inf)
        out = np.where(pos, np.inf, out)
        out = np.where(neg, -np.inf, out)
        return np.where(reaches(np.isnan(v)) | (pos & neg), np.nan, out).astype(p.dtype)


def visible_keys(
    batch: int,
    q_len: int,
    kv_len: int,
    *,
    causal: str = "none",
    valid_len: Optional[np.ndarray] = None,
) -> np.ndarray:
    """Boolean ``[B, 1, Lq, Lk]`` array: which keys each query may attend to
    because of the causal rule and ``valid_len`` (explicit masks not included)."""
    if causal not in CAUSAL_KINDS:
        raise AttnError(f"causal must be one of {CAUSAL_KINDS}, got {causal!r}")
    i = np.arange(q_len)[:, None]
    j = np.arange(kv_len)[None, :]
    keep = np.ones((q_len, kv_len), dtype=bool)
    if causal == "top_left":
        keep = j <= i
    elif causal == "bottom_right":
        keep = j <= i + (kv_len - q_len)
    keep = np.broadcast_to(keep, (batch, 1, q_len, kv_len))
    if valid_len is not None:
        vl = np.asarray(valid_len).reshape(batch, 1, 1, 1)
        keep = keep & (j[None, None] < vl)
    return keep


def attention(
    q: np.ndarray,
    k: np.ndarray,
    v: np.ndarray,
    *,
    mask: Optional[np.ndarray] = None,
    bias: Optional[np.ndarray] = None,
    valid_len: Optional[np.ndarray] = None,
    causal: str = "none",
    scale: Optional[float] = None,
    layout: str = "bhld",
) -> np.ndarray:
    """Attention in float64 with the semantics of ``attn.attention``.

    Returns a float64 array of shape ``[B, H, Lq, Dv]`` (``[B, Lq, H, Dv]``
    for layout ``blhd``). Invalid shapes or arguments raise ``AttnError`` (a ``ValueError``)
    naming the argument (:class:`attn.AttnError`).
    """
    if layout not in LAYOUTS:
        raise AttnError(f"layout must be one of {LAYOUTS}, got {layout!r}")
    if causal not in CAUSAL_KINDS:
        raise AttnError(f"causal must be one of {CAUSAL_KINDS}, got {causal!r}")
    q64, k64, v64 = _as4d("q", q), _as4d("k", k), _as4d("v", v)
    if layout == "blhd":
        q64, k64, v64 = (np.swapaxes(t, 1, 2) for t in (q64, k64, v64))
    b, h, lq, d = q64.shape
    bk, hkv, lk, dk = k64.shape
    bv, hv, lv, dv = v64.shape
    if bk != b or bv != b:
        raise AttnError(f"batch sizes differ: q {b}, k {bk}, v {bv}")
    if hv != hkv:
        raise AttnError(f"'k' has {hkv} heads but 'v' has {hv}")
    if hkv == 0 or h % hkv != 0:
        raise AttnError(f"query heads H = {h} must be a multiple of key/value heads Hkv = {hkv}")
    if dk != d:
        raise AttnError(f"head dim of 'q' ({d}) differs from 'k' ({dk})")
    if lv != lk:
        raise AttnError(f"'k' length {lk} differs from 'v' length {lv}")
    if lk == 0:
        raise AttnError("'k' and 'v' have no keys (Lk = 0): attention needs at least one key")
    if scale is None:
        if d == 0:
            raise AttnError("head dim D is 0: give an explicit scale")
        scale = 1.0 / np.sqrt(d)
    else:
        scale = _check_scale(scale)
    vl = None
    if valid_len is not None:
        vl = np.asarray(valid_len)
        if vl.shape != (b,) or not np.issubdtype(vl.dtype, np.integer):
            raise AttnError(f"'valid_len' must be an integer array of shape ({b},), got {vl.dtype} {vl.shape}")

    group = h // hkv
    k_full = np.repeat(k64, group, axis=1)
    v_full = np.repeat(v64, group, axis=1)
    scores = scale * np.einsum("bhqd,bhkd->bhqk", q64, k_full)
    shape = (b, h, lq, lk)
    if bias is not None:
        scores = scores + _broadcast_scores("bias", bias, shape).astype(np.float64)
    keep = np.broadcast_to(visible_keys(b, lq, lk, causal=causal, valid_len=vl), shape)
    if mask is not None:
        m = _broadcast_scores("mask", mask, shape)
        if m.dtype == bool:
            keep = keep & m
        else:
            scores = scores + m.astype(np.float64)
    scores = np.where(keep, scores, -np.inf)

    probs, dead = _softmax_rows(scores)
    out = weighted_values(probs, v_full)
    out = np.where(dead, 0.0, out)  # no visible key: zeros, whatever V holds
    if vl is not None:
        rows = np.arange(lq)[None, None, :, None]
        out = np.where(rows < vl.reshape(b, 1, 1, 1), out, 0.0)
    if layout == "blhd":
        out = np.swapaxes(out, 1, 2)
    return out
