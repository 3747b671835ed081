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


def window(buf: np.ndarray, ld: int, col: int, rows: int, cols: int) -> np.ndarray:
    """The [rows][cols] window at column ``col`` of a flat row buffer of row stride ``ld``."""
    return buf[: rows * ld].reshape(rows, ld)[:, col : col + cols]


@pytest.mark.parametrize("tq,tk,d", [(1, 1, 1), (4, 8, 16), (7, 5, 40), (64, 64, 64)])
def test_qk_matches(lib, tq, tk, d):
    rng = np.random.default_rng(tq * 100 + d)
    q = rng.standard_normal((tq, d)).astype(np.float32)
    k_off = 3 * d  # K rows start inside their object
    kobj = rng.standard_normal(k_off + tk * d + 5).astype(np.float32)
    k = kobj[k_off : k_off + tk * d].reshape(tk, d)
    ld, col = tk + 9, 4  # a window of a wider score row buffer
    s = np.full(tq * ld, 7.0, np.float32)
    lib.attn_qk_f32(
        ptr(q), ptr(kobj), I32(k_off), ptr(s), I32(ld), I32(col), I32(tq), I32(tk), I32(d), ctypes.c_float(0.125)
    )
    np.testing.assert_allclose(window(s, ld, col, tq, tk), K.qk(q, k, 0.125), rtol=RTOL, atol=1e-5)
    outside = np.ones(tq * ld, bool)
    window(outside, ld, col, tq, tk)[:] = False
    np.testing.assert_array_equal(s[outside], 7.0)  # nothing outside the window is written
    qb, kb = bf16_bits(q), bf16_bits(kobj)
    lib.attn_qk_bf16(
        ptr(qb, U16P),
        ptr(kb, U16P),
        I32(k_off),
        ptr(s),
        I32(ld),
        I32(col),
        I32(tq),
        I32(tk),
        I32(d),
        ctypes.c_float(0.5),
    )
    ref = K.qk(bits_to_f32(qb), bits_to_f32(kb)[k_off : k_off + tk * d].reshape(tk, d), 0.5)
    np.testing.assert_allclose(window(s, ld, col, tq, tk), ref, rtol=RTOL, atol=1e-5)


@pytest.mark.parametrize(
    "causal,offset,valid,rows", [(0, 0, 9, 100), (1, 0, 100, 100), (1, 3, 6, 5), (1, -2, 100, 3), (0, 0, 100, 0)]
)
def test_mask_positions_matches(lib, causal, offset, valid, rows):
    rng = np.random.default_rng(1)
    ld, col = 13, 2
    s = rng.standard_normal(6 * ld).astype(np.float32)
    c = s.copy()
    lib.attn_mask_positions(
        ptr(c), I32(ld), I32(col), I32(6), I32(8), I32(2), I32(4), I32(valid), I32(rows), I32(causal), I32(offset)
    )
    ours = s.copy()
    K.mask_positions(window(ours, ld, col, 6, 8), 2, 4, valid, bool(causal), offset, rows)
    np.testing.assert_array_equal(c, ours)
    if rows <= 2:  # every query row is padding
        assert np.isneginf(window(c, ld, col, 6, 8)).all()


@pytest.mark.parametrize("dtype", ["f32", "bf16"])
def test_key_masks_match(lib, dtype):
    rng = np.random.default_rng(2)
    tq, tk, ld, col, off = 5, 7, 11, 3, 9
    s = rng.standard_normal(tq * ld).astype(np.float32)
    obj = rng.standard_normal(off + tk + 2).astype(np.float32)
    obj[off : off + tk][rng.random(tk) < 0.4] = 0.0  # keep-mask zeros
    if dtype == "bf16":
        raw, values, sfx, kind = bf16_bits(obj), bits_to_f32(bf16_bits(obj)), "bf16", U16P
    else:
        raw, values, sfx, kind = obj, obj, "f32", F32P
    row = values[off : off + tk]
    for kernel, fn in (("keep", K.mask_keep_keys), ("add", K.mask_add_keys)):
        c = s.copy()
        getattr(lib, f"attn_mask_{kernel}_keys_{sfx}")(
            ptr(c), I32(ld), I32(col), ptr(raw, kind), I32(off), I32(tq), I32(tk)
        )
        ours = s.copy()
        fn(window(ours, ld, col, tq, tk), row)
        np.testing.assert_array_equal(c, ours)


@pytest.mark.parametrize("dtype", ["f32", "bf16"])
@pytest.mark.parametrize("m_ld", [0, 7, 10])  # 0: one row for every query row
def test_tile_masks_match(lib, dtype, m_ld):
    rng = np.random.default_rng(4)
    tq, tk, ld, col, off = 5, 7, 11, 3, 9
    s = rng.standard_normal(tq * ld).astype(np.float32)
    size = off + (tq - 1) * m_ld + tk + 2
    obj = rng.standard_normal(size).astype(np.float32)
    obj[rng.random(size) < 0.4] = 0.0  # keep-mask zeros
    if dtype == "bf16":
        raw, values, sfx, kind = bf16_bits(obj), bits_to_f32(bf16_bits(obj)), "bf16", U16P
    else:
        raw, values, sfx, kind = obj, obj, "f32", F32P
    tile = np.stack([values[off + i * m_ld : off + i * m_ld + tk] for i in range(tq)])
    for kernel, fn in (("keep", K.mask_keep_tile), ("add", K.mask_add_tile)):
        c = s.copy()
        getattr(lib, f"attn_mask_{kernel}_tile_{sfx}")(
            ptr(c), I32(ld), I32(col), ptr(raw, kind), I32(off), I32(m_ld), I32(tq), I32(tk)
        )
        ours = s.copy()
        fn(window(ours, ld, col, tq, tk), tile)
        np.testing.assert_array_equal(c, ours)
        # The tile is applied element-wise: some scores of the window changed,
        # nothing outside it did.
        assert not np.array_equal(c, s)
        outside = np.ones(tq * ld, bool)
        window(outside, ld, col, tq, tk)[:] = False
        np.testing.assert_array_equal(c[outside], s[outside])


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


def test_streamed_softmax_matches_whole_rows(lib):
    # Two passes over key chunks of a row buffer (stats, then normalize) give
    # the whole-row softmax: C++ kernels against attn.kernels and against
    # softmax_rows, with a row hidden in every chunk and one hidden in the
    # first chunk only.
    rng = np.random.default_rng(5)
    tq, tk, chunks, ld, col = 5, 7, 4, 40, 3
    sbuf = (rng.standard_normal(tq * ld) * 4).astype(np.float32)
    rows = window(sbuf, ld, col, tq, tk * chunks)
    rows[0] = -np.inf
    rows[1, :tk] = -np.inf
    m_c, l_c = np.zeros(tq, np.float32), np.zeros(tq, np.float32)
    lib.attn_softmax_stats_init(ptr(m_c), ptr(l_c), I32(tq))
    m_n, l_n = K.softmax_stats_init(tq)
    for j in range(chunks):
        lib.attn_softmax_stats(ptr(sbuf), I32(ld), I32(col + j * tk), ptr(m_c), ptr(l_c), I32(tq), I32(tk))
        K.softmax_stats(rows[:, j * tk : (j + 1) * tk], m_n, l_n)
    np.testing.assert_allclose(m_c, m_n, rtol=0, atol=0)
    np.testing.assert_allclose(l_c, l_n, rtol=RTOL)
    p_c = np.zeros((tq, tk * chunks), np.float32)
    for j in range(chunks):
        chunk = np.zeros((tq, tk), np.float32)
        lib.attn_softmax_normalize(
            ptr(sbuf), I32(ld), I32(col + j * tk), ptr(m_c), ptr(l_c), ptr(chunk), I32(tq), I32(tk)
        )
        np.testing.assert_allclose(chunk, K.softmax_normalize(rows[:, j * tk : (j + 1) * tk], m_n, l_n), rtol=RTOL)
        p_c[:, j * tk : (j + 1) * tk] = chunk
    np.testing.assert_allclose(p_c, K.softmax_rows(np.ascontiguousarray(rows)), rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(p_c[0], 0.0)
    np.testing.assert_array_equal(p_c[1, :tk], 0.0)


@pytest.mark.parametrize("dtype", ["f32", "bf16"])
def test_online_update_and_finalize_match(lib, dtype):
    rng = np.random.default_rng(4)
    tq, tk, dv, blocks, ld, col, v_off = 5, 6, 8, 3, 10, 2, 17
    m_c, l_c, acc_c = K.online_init(tq, dv)
    m_n, l_n, acc_n = K.online_init(tq, dv)
    for b in range(blocks):
        sbuf = rng.standard_normal(tq * ld).astype(np.float32)
        s = window(sbuf, ld, col, tq, tk)
        s[0] = -np.inf  # a row that never sees a key
        if b == 0:
            s[1] = -np.inf  # a row whose first block is fully hidden
        vobj = rng.standard_normal(v_off + tk * dv).astype(np.float32)
        if dtype == "bf16":
            vb = bf16_bits(vobj)
            lib.attn_online_update_bf16(
                ptr(sbuf),
                I32(ld),
                I32(col),
                ptr(vb, U16P),
                I32(v_off),
                ptr(m_c),
                ptr(l_c),
                ptr(acc_c),
                I32(tq),
                I32(tk),
                I32(dv),
            )
            vobj = bits_to_f32(vb)
        else:
            lib.attn_online_update_f32(
                ptr(sbuf),
                I32(ld),
                I32(col),
                ptr(vobj),
                I32(v_off),
                ptr(m_c),
                ptr(l_c),
                ptr(acc_c),
                I32(tq),
                I32(tk),
                I32(dv),
            )
        K.online_update(s, vobj[v_off:].reshape(tk, dv), m_n, l_n, acc_n)
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


@pytest.mark.parametrize("dtype", ["f32", "bf16"])
def test_pv_accumulate_and_store_match(lib, dtype):
    rng = np.random.default_rng(5)
    tq, tk, dv, ld, col, v_off = 4, 6, 3, 15, 6, 11
    pbuf = rng.random(tq * ld).astype(np.float32)
    p = window(pbuf, ld, col, tq, tk)
    vobj = rng.standard_normal(v_off + tk * dv).astype(np.float32)
    acc = np.zeros((tq, dv), np.float32)
    lib.attn_acc_zero(ptr(acc), I32(tq), I32(dv))
    c, n = acc.copy(), K.acc_zero(tq, dv)
    if dtype == "bf16":
        vb = bf16_bits(vobj)
        lib.attn_pv_accumulate_bf16(
            ptr(pbuf), I32(ld), I32(col), ptr(vb, U16P), I32(v_off), ptr(c), I32(tq), I32(tk), I32(dv)
        )
        vobj = bits_to_f32(vb)
        o = np.zeros((tq, dv), np.uint16)
        store = lambda: lib.attn_store_bf16(ptr(c), ptr(o, U16P), I32(5), I32(7), I32(tq), I32(dv))  # noqa: E731
    else:
        lib.attn_pv_accumulate_f32(
            ptr(pbuf), I32(ld), I32(col), ptr(vobj), I32(v_off), ptr(c), I32(tq), I32(tk), I32(dv)
        )
        o = np.zeros((tq, dv), np.float32)
        store = lambda: lib.attn_store_f32(ptr(c), ptr(o), I32(5), I32(7), I32(tq), I32(dv))  # noqa: E731
    K.pv_accumulate(p, vobj[v_off:].reshape(tk, dv), n)
    np.testing.assert_allclose(c, n, rtol=RTOL, atol=1e-6)
    store()
    got = bits_to_f32(o) if dtype == "bf16" else o
    np.testing.assert_array_equal(got, K.store(c, dtype, 5, 7))  # rows 7, 8 (i = 2, 3) are padding
    np.testing.assert_array_equal(got[2:], 0.0)
    assert (got[:2] != 0).all()


def test_copy_window_matches(lib):
    rng = np.random.default_rng(6)
    tq, tk, ld, col = 3, 4, 12, 8
    src = rng.standard_normal(tq * ld).astype(np.float32)
    dst = np.zeros((tq, tk), np.float32)
    lib.attn_copy_window(ptr(src), I32(ld), I32(col), ptr(dst), I32(tq), I32(tk))
    np.testing.assert_array_equal(dst, window(src, ld, col, tq, tk))


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
            K.mask_positions(s, q0, k0, vl, causal != "none", offset, row_limit=valid)
            K.online_update(s, v[k0 : k0 + tk], m, row_sum, acc)
        out[q0 : q0 + tq] = K.finalize(acc, row_sum, "f32")
    vl_arr = None if valid is None else np.array([valid], np.int32)
    ref = R.attention(q[None, None], k[None, None], v[None, None], causal=causal, valid_len=vl_arr)[0, 0]
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)
