"""attn.reference: semantics, error messages, and a cross-check against
torch.nn.functional.scaled_dot_product_attention on seeded random cases."""

from __future__ import annotations

import re

import numpy as np
import pytest

from attn import reference as R

try:  # torch is a test extra; CI installs it (see README / .ci/run).
    import torch
    import torch.nn.attention.bias as torch_bias
    import torch.nn.functional as F
except ImportError:  # pragma: no cover - exercised only without torch
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed: pip install torch==2.13.0")


def _rand(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.standard_normal(shape)


# --------------------------------------------------------------------------
# Semantics checked by hand
# --------------------------------------------------------------------------


def test_single_key_returns_value():
    rng = np.random.default_rng(1)
    q, k, v = _rand(rng, 1, 2, 3, 4), _rand(rng, 1, 2, 1, 4), _rand(rng, 1, 2, 1, 5)
    out = R.attention(q, k, v)
    np.testing.assert_allclose(out, np.broadcast_to(v, (1, 2, 3, 5)), rtol=0, atol=1e-15)


def test_uniform_scores_average_values():
    v = np.arange(12, dtype=np.float64).reshape(1, 1, 4, 3)
    q = np.zeros((1, 1, 2, 8))
    k = np.ones((1, 1, 4, 8))
    out = R.attention(q, k, v)
    np.testing.assert_allclose(out[0, 0], np.tile(v[0, 0].mean(axis=0), (2, 1)))


def test_top_left_causal_first_row_sees_first_key():
    rng = np.random.default_rng(2)
    q, k, v = _rand(rng, 1, 1, 4, 8), _rand(rng, 1, 1, 6, 8), _rand(rng, 1, 1, 6, 2)
    out = R.attention(q, k, v, causal="top_left")
    np.testing.assert_allclose(out[0, 0, 0], v[0, 0, 0])


def test_bottom_right_causal_last_row_sees_all_keys():
    rng = np.random.default_rng(3)
    q, k, v = _rand(rng, 1, 1, 4, 8), _rand(rng, 1, 1, 6, 8), _rand(rng, 1, 1, 6, 2)
    causal = R.attention(q, k, v, causal="bottom_right")
    full = R.attention(q, k, v)
    np.testing.assert_allclose(causal[0, 0, -1], full[0, 0, -1])


def test_fully_masked_rows_are_zero_not_nan():
    rng = np.random.default_rng(4)
    q, k, v = _rand(rng, 1, 2, 5, 8), _rand(rng, 1, 2, 3, 8), _rand(rng, 1, 2, 3, 4)
    # bottom_right with Lq > Lk leaves the first Lq - Lk rows without keys.
    out = R.attention(q, k, v, causal="bottom_right")
    assert np.isfinite(out).all()
    np.testing.assert_array_equal(out[:, :, :2], 0.0)
    additive = np.zeros((5, 3))
    additive[1] = -np.inf
    out = R.attention(q, k, v, mask=additive)
    np.testing.assert_array_equal(out[:, :, 1], 0.0)


def test_valid_len_masks_keys_and_zeroes_rows():
    rng = np.random.default_rng(5)
    q, k, v = _rand(rng, 2, 2, 6, 8), _rand(rng, 2, 2, 6, 8), _rand(rng, 2, 2, 6, 3)
    vl = np.array([4, 6], dtype=np.int32)
    out = R.attention(q, k, v, valid_len=vl)
    short = R.attention(q[:1, :, :4], k[:1, :, :4], v[:1, :, :4])
    np.testing.assert_allclose(out[0, :, :4], short[0])
    np.testing.assert_array_equal(out[0, :, 4:], 0.0)
    np.testing.assert_allclose(out[1], R.attention(q[1:], k[1:], v[1:])[0])


def test_gqa_matches_repeated_heads():
    rng = np.random.default_rng(6)
    q, k, v = _rand(rng, 1, 6, 4, 8), _rand(rng, 1, 2, 5, 8), _rand(rng, 1, 2, 5, 8)
    out = R.attention(q, k, v)
    rep = R.attention(q, np.repeat(k, 3, axis=1), np.repeat(v, 3, axis=1))
    np.testing.assert_allclose(out, rep)
    # Head 3 belongs to kv head 1 (3 // 3).
    np.testing.assert_allclose(out[:, 3:4], R.attention(q[:, 3:4], k[:, 1:2], v[:, 1:2]))


def test_blhd_layout_is_a_transpose():
    rng = np.random.default_rng(7)
    q, k, v = _rand(rng, 2, 4, 3, 8), _rand(rng, 2, 5, 3, 8), _rand(rng, 2, 5, 3, 6)
    out = R.attention(q, k, v, layout="blhd", causal="bottom_right")
    ref = R.attention(*(np.swapaxes(t, 1, 2) for t in (q, k, v)), causal="bottom_right")
    np.testing.assert_allclose(out, np.swapaxes(ref, 1, 2))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(q=np.zeros((2, 3, 4))), "'q' must be a 4-D array"),
        (
            dict(k=np.zeros((1, 3, 5, 8)), v=np.zeros((1, 3, 5, 8))),
            "query heads H = 4 must be a multiple of key/value heads Hkv = 3",
        ),
        (dict(v=np.zeros((1, 2, 6, 8))), "'k' length 5 differs from 'v' length 6"),
        (dict(v=np.zeros((1, 3, 5, 8))), "'k' has 2 heads but 'v' has 3"),
        (dict(k=np.zeros((2, 2, 5, 8))), "batch sizes differ: q 1, k 2, v 1"),
        (dict(k=np.zeros((1, 2, 5, 4))), "head dim of 'q' (8) differs from 'k' (4)"),
        (dict(causal="diagonal"), "causal must be one of"),
        (dict(layout="bhdl"), "layout must be one of"),
        (dict(scale=-1.0), "scale must be a finite positive number"),
        (dict(mask=np.ones((4, 5), bool)), "'mask' of shape (4, 5) does not broadcast"),
        (dict(bias=np.ones((1, 1, 1, 1, 5))), "'bias' must have rank 1 to 4"),
        (dict(valid_len=np.array([1.5])), "'valid_len' must be an integer array of shape (1,)"),
    ],
)
def test_errors_name_the_argument(kwargs, message):
    args = dict(q=np.zeros((1, 4, 3, 8)), k=np.zeros((1, 2, 5, 8)), v=np.zeros((1, 2, 5, 8)))
    for name in ("q", "k", "v"):
        if name in kwargs:
            args[name] = kwargs.pop(name)
    with pytest.raises(ValueError, match=re.escape(message)):
        R.attention(args["q"], args["k"], args["v"], **kwargs)


def test_round_to_dtype_matches_ml_dtypes():
    ml_dtypes = pytest.importorskip("ml_dtypes")
    rng = np.random.default_rng(8)
    x = np.concatenate(
        [rng.standard_normal(10000).astype(np.float32) * 1e3, np.array([0.0, -0.0, np.inf, -np.inf, 1e-40], np.float32)]
    )
    # Ties: values exactly half-way between two bf16 numbers.
    ties = (np.arange(1, 200, dtype=np.uint32) << 16 | 0x8000).view(np.float32)
    x = np.concatenate([x, ties])
    np.testing.assert_array_equal(R.round_to_dtype(x, "bf16"), x.astype(ml_dtypes.bfloat16).astype(np.float32))
    np.testing.assert_array_equal(R.round_to_dtype(x, "f16"), x.astype(np.float16).astype(np.float32))
    assert np.isnan(R.round_to_dtype(np.array([np.nan], np.float32), "bf16")).all()
    with pytest.raises(ValueError, match="dtype must be one of"):
        R.round_to_dtype(x, "f64")


# --------------------------------------------------------------------------
# Cross-check against PyTorch SDPA
# --------------------------------------------------------------------------


def _torch_sdpa(q, k, v, *, mask, bias, valid_len, causal, scale):
    """PyTorch's own definitions; valid_len is expressed as a key mask plus
    zeroed query rows, which is what the op's description says it means."""
    tq, tk, tv = (torch.from_numpy(t) for t in (q, k, v))
    b, h, lq, _ = q.shape
    lk = k.shape[2]
    attn_mask = None
    is_causal = False
    additive = np.zeros((1, 1, 1, 1))
    keep = np.ones((1, 1, 1, 1), bool)
    uses_explicit = mask is not None or bias is not None or valid_len is not None
    if bias is not None:
        additive = additive + bias
    if mask is not None:
        if mask.dtype == bool:
            keep = keep & mask
        else:
            additive = additive + mask
    if valid_len is not None:
        keep = keep & (np.arange(lk)[None, None, None, :] < valid_len[:, None, None, None])
    if causal == "top_left" and not uses_explicit:
        is_causal = True
    elif causal == "bottom_right" and not uses_explicit:
        attn_mask = torch_bias.causal_lower_right(lq, lk)
    elif causal != "none":
        i, j = np.arange(lq)[:, None], np.arange(lk)[None, :]
        keep = keep & ((j <= i) if causal == "top_left" else (j <= i + lk - lq))
    if uses_explicit:
        full = np.where(np.broadcast_to(keep, (b, h, lq, lk)), additive, -np.inf)
        attn_mask = torch.from_numpy(np.ascontiguousarray(full))
    out = F.scaled_dot_product_attention(
        tq, tk, tv, attn_mask=attn_mask, is_causal=is_causal, scale=scale, enable_gqa=True
    ).numpy()
    if valid_len is not None:
        out = np.where(np.arange(lq)[None, None, :, None] < valid_len[:, None, None, None], out, 0.0)
    return out


def _random_case(seed: int):
    rng = np.random.default_rng(seed)
    b = int(rng.integers(1, 3))
    hkv = int(rng.choice([1, 2, 3]))
    h = hkv * int(rng.choice([1, 2, 4]))  # MHA, GQA, MQA (hkv == 1)
    lq = int(rng.choice([1, 2, 5, 7, 16, 33]))
    lk = int(rng.choice([1, 3, 7, 16, 40])) if rng.random() < 0.6 else lq
    d = int(rng.choice([4, 8, 16, 40]))
    dv = d if rng.random() < 0.7 else int(rng.choice([4, 12]))
    q, k, v = (
        rng.standard_normal((b, h, lq, d)),
        rng.standard_normal((b, hkv, lk, d)),
        rng.standard_normal((b, hkv, lk, dv)),
    )
    causal = str(rng.choice(["none", "top_left", "bottom_right"]))
    mask = bias = valid_len = None
    kind = rng.integers(0, 4)
    if kind == 1:  # boolean keep-mask, broadcast over heads
        mask = rng.random((b, 1, lq, lk)) < 0.8
    elif kind == 2:  # additive float mask with some -inf
        mask = np.where(rng.random((lq, lk)) < 0.15, -np.inf, rng.standard_normal((lq, lk)))
    elif kind == 3:
        valid_len = rng.integers(1, min(lq, lk) + 1, size=b).astype(np.int32)
    if rng.random() < 0.3:
        bias = rng.standard_normal((1, h, lq, lk))
    scale = None if rng.random() < 0.5 else float(rng.uniform(0.05, 1.0))
    return q, k, v, dict(mask=mask, bias=bias, valid_len=valid_len, causal=causal, scale=scale)


@needs_torch
@pytest.mark.parametrize("seed", range(240))
def test_matches_torch_sdpa(seed):
    q, k, v, kw = _random_case(seed)
    ours = R.attention(q, k, v, **kw)
    theirs = _torch_sdpa(q, k, v, **kw)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


@needs_torch
def test_cross_check_covers_every_feature():
    """The seeded cases above must cover each feature at least a few times."""
    seen = {"gqa": 0, "mqa": 0, "top_left": 0, "bottom_right": 0, "bool": 0, "additive": 0, "valid_len": 0, "bias": 0}
    for seed in range(240):
        q, k, _, kw = _random_case(seed)
        h, hkv = q.shape[1], k.shape[1]
        seen["mqa"] += hkv == 1 and h > 1
        seen["gqa"] += 1 < hkv < h
        seen[kw["causal"]] = seen.get(kw["causal"], 0) + 1
        if kw["mask"] is not None:
            seen["bool" if kw["mask"].dtype == bool else "additive"] += 1
        seen["valid_len"] += kw["valid_len"] is not None
        seen["bias"] += kw["bias"] is not None
    assert all(n >= 10 for n in seen.values()), seen
