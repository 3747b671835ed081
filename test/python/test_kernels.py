"""The core kernel ABI: host-compiled C++ reference (kernels/) against the
numpy equivalents (attn.kernels), and a tiled flash-attention composed from
the kernels against attn.reference."""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from attn import kernels as K
from attn import reference as R

KERNEL_DIR = Path(__file__).resolve().parents[2] / "kernels"
F32P = ctypes.POINTER(ctypes.c_float)
U16P = ctypes.POINTER(ctypes.c_uint16)
U8P = ctypes.POINTER(ctypes.c_uint8)
I32 = ctypes.c_int32


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    cxx = shutil.which("g++") or shutil.which("c++")
    if cxx is None:
        pytest.skip("no host C++ compiler (g++) to build kernels/attn_kernels.cpp")
    out = tmp_path_factory.mktemp("kernels") / "libattn_kernels.so"
    subprocess.run(
        [
            cxx,
            "-std=c++17",
            "-O2",
            "-fPIC",
            "-shared",
            "-Wall",
            "-Werror",
            str(KERNEL_DIR / "attn_kernels.cpp"),
            "-o",
            str(out),
        ],
        check=True,
    )
    return ctypes.CDLL(str(out))


def ptr(a: np.ndarray, kind=F32P):
    assert a.flags.c_contiguous
    return a.ctypes.data_as(kind)


def bf16_bits(x: np.ndarray) -> np.ndarray:
    return R.round_to_dtype(x, "bf16").view(np.uint32).__rshift__(16).astype(np.uint16)


def bits_to_f32(b: np.ndarray) -> np.ndarray:
    return (b.astype(np.uint32) << 16).view(np.float32)


RTOL = 2e-6  # f32 summation order differs between the scalar C++ and numpy


@pytest.mark.parametrize("tq,tk,d", [(1, 1, 1), (4, 8, 16), (7, 5, 40), (64, 64, 64)])
def test_qk_matches(lib, tq, tk, d):
    rng = np.random.default_rng(tq * 100 + d)
    q, k = rng.standard_normal((tq, d)).astype(np.float32), rng.standard_normal((tk, d)).astype(np.float32)
    s = np.zeros((tq, tk), np.float32)
    lib.attn_qk_f32(ptr(q), ptr(k), ptr(s), I32(tq), I32(tk), I32(d), ctypes.c_float(0.125))
    np.testing.assert_allclose(s, K.qk(q, k, 0.125), rtol=RTOL, atol=1e-5)
    qb, kb = bf16_bits(q), bf16_bits(k)
    lib.attn_qk_bf16(ptr(qb, U16P), ptr(kb, U16P), ptr(s), I32(tq), I32(tk), I32(d), ctypes.c_float(0.5))
    np.testing.assert_allclose(s, K.qk(bits_to_f32(qb), bits_to_f32(kb), 0.5), rtol=RTOL, atol=1e-5)


@pytest.mark.parametrize("causal,offset,valid", [(0, 0, 9), (1, 0, 100), (1, 3, 6), (1, -2, 100)])
def test_mask_positions_matches(lib, causal, offset, valid):
    rng = np.random.default_rng(1)
    s = rng.standard_normal((6, 8)).astype(np.float32)
    c = s.copy()
    lib.attn_mask_positions(ptr(c), I32(6), I32(8), I32(2), I32(4), I32(valid), I32(causal), I32(offset))
    np.testing.assert_array_equal(c, K.mask_positions(s.copy(), 2, 4, valid, bool(causal), offset))


def test_explicit_masks_match(lib):
    rng = np.random.default_rng(2)
    s = rng.standard_normal((5, 7)).astype(np.float32)
    keep = (rng.random((5, 7)) < 0.6).astype(np.uint8)
    add = rng.standard_normal((5, 7)).astype(np.float32)
    c = s.copy()
    lib.attn_mask_keep(ptr(c), ptr(keep, U8P), I32(5), I32(7))
    np.testing.assert_array_equal(c, K.mask_keep(s.copy(), keep))
    c = s.copy()
    lib.attn_mask_add(ptr(c), ptr(add), I32(5), I32(7))
    np.testing.assert_array_equal(c, K.mask_add(s.copy(), add))


def test_softmax_rows_matches_and_handles_masked_rows(lib):
    rng = np.random.default_rng(3)
    s = rng.standard_normal((6, 9)).astype(np.float32) * 4
    s[2] = -np.inf
    s[4, :5] = -np.inf
    p = np.zeros_like(s)
    lib.attn_softmax_rows(ptr(s), ptr(p), I32(6), I32(9))
    ours = K.softmax_rows(s)
    np.testing.assert_allclose(p, ours, rtol=RTOL, atol=1e-7)
    np.testing.assert_array_equal(p[2], 0.0)
    np.testing.assert_allclose(p.sum(axis=1)[[0, 1, 3, 4, 5]], 1.0, rtol=1e-6)


@pytest.mark.parametrize("dtype", ["f32", "bf16"])
def test_online_update_and_finalize_match(lib, dtype):
    rng = np.random.default_rng(4)
    tq, tk, dv, blocks = 5, 6, 8, 3
    m_c, l_c, acc_c = K.online_init(tq, dv)
    m_n, l_n, acc_n = K.online_init(tq, dv)
    for b in range(blocks):
        s = rng.standard_normal((tq, tk)).astype(np.float32)
        s[0] = -np.inf  # a row that never sees a key
        if b == 0:
            s[1] = -np.inf  # a row whose first block is fully hidden
        v = rng.standard_normal((tk, dv)).astype(np.float32)
        if dtype == "bf16":
            vb = bf16_bits(v)
            lib.attn_online_update_bf16(
                ptr(s), ptr(vb, U16P), ptr(m_c), ptr(l_c), ptr(acc_c), I32(tq), I32(tk), I32(dv)
            )
            v = bits_to_f32(vb)
        else:
            lib.attn_online_update_f32(ptr(s), ptr(v), ptr(m_c), ptr(l_c), ptr(acc_c), I32(tq), I32(tk), I32(dv))
        K.online_update(s, v, m_n, l_n, acc_n)
        np.testing.assert_allclose(m_c, m_n, rtol=0, atol=0)
        np.testing.assert_allclose(l_c, l_n, rtol=RTOL)
        np.testing.assert_allclose(acc_c, acc_n, rtol=RTOL, atol=1e-5)
    if dtype == "bf16":
        o = np.zeros((tq, dv), np.uint16)
        lib.attn_finalize_bf16(ptr(acc_c), ptr(l_c), ptr(o, U16P), I32(tq), I32(dv))
        o = bits_to_f32(o)
    else:
        o = np.zeros((tq, dv), np.float32)
        lib.attn_finalize_f32(ptr(acc_c), ptr(l_c), ptr(o), I32(tq), I32(dv))
    ours = K.finalize(acc_n, l_n, dtype)
    np.testing.assert_allclose(o, ours, rtol=1e-2 if dtype == "bf16" else RTOL, atol=1e-6)
    np.testing.assert_array_equal(o[0], 0.0)
    assert np.isfinite(o).all()


def test_pv_accumulate_matches(lib):
    rng = np.random.default_rng(5)
    p = rng.random((4, 6)).astype(np.float32)
    v = rng.standard_normal((6, 3)).astype(np.float32)
    acc = rng.standard_normal((4, 3)).astype(np.float32)
    c, n = acc.copy(), acc.copy()
    lib.attn_pv_accumulate_f32(ptr(p), ptr(v), ptr(c), I32(4), I32(6), I32(3))
    K.pv_accumulate(p, v, n)
    np.testing.assert_allclose(c, n, rtol=RTOL, atol=1e-6)


@pytest.mark.parametrize(
    "lq,lk,causal,valid",
    [(64, 64, "none", None), (50, 70, "bottom_right", None), (70, 50, "top_left", None), (33, 33, "none", 20)],
)
def test_tiled_flash_attention_from_kernels_matches_reference(lq, lk, causal, valid):
    """Compose the kernels the way an `online` fold runs on one core and
    compare with the float64 reference."""
    rng = np.random.default_rng(lq * lk)
    d, dv, tq, tk = 40, 24, 16, 16
    q = R.round_to_dtype(rng.standard_normal((lq, d)), "bf16")
    k = R.round_to_dtype(rng.standard_normal((lk, d)), "bf16")
    v = R.round_to_dtype(rng.standard_normal((lk, dv)), "bf16")
    scale = 1 / np.sqrt(d)
    vl = lk if valid is None else valid
    offset = lk - lq if causal == "bottom_right" else 0
    out = np.zeros((lq, dv), np.float32)
    for q0 in range(0, lq, tq):
        qt = q[q0 : q0 + tq]
        m, row_sum, acc = K.online_init(len(qt), dv)
        for k0 in range(0, lk, tk):
            s = K.qk(qt, k[k0 : k0 + tk], scale)
            K.mask_positions(s, q0, k0, vl, causal != "none", offset)
            K.online_update(s, v[k0 : k0 + tk], m, row_sum, acc)
        out[q0 : q0 + tq] = K.finalize(acc, row_sum, "f32")
    vl_arr = None if valid is None else np.array([valid], np.int32)
    ref = R.attention(q[None, None], k[None, None], v[None, None], causal=causal, valid_len=vl_arr)[0, 0]
    if valid is not None:
        out[valid:] = 0.0  # query rows past valid_len are the caller's to zero
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)
