"""NaN and infinity semantics of attn.attention (the op description): IEEE
propagation as in torch SDPA. The reference is compared with torch where torch
defines the result; the CPU path, the simulator and the kernel specification
(C++ and numpy) are compared with the reference. Reproducer 14 of the
2026-12-06 fuzz campaign: reference and CPU path gave zero rows, the
simulator NaN."""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from attn import compiler, reference
from attn import kernels as K

torch = pytest.importorskip("torch")
sim = pytest.importorskip("attn.sim")

F32P = ctypes.POINTER(ctypes.c_float)
I32 = ctypes.c_int32


def _inputs(seed=0, h=2, hkv=1, lq=16, lk=16, d=16):
    r = np.random.default_rng(seed)
    return (
        r.standard_normal((1, h, lq, d)),
        r.standard_normal((1, hkv, lk, d)),
        r.standard_normal((1, hkv, lk, d)),
    )


def _torch_sdpa(q, k, v, causal=False, mask=None):
    group = q.shape[1] // k.shape[1]
    t = [torch.from_numpy(np.ascontiguousarray(a)) for a in (q, np.repeat(k, group, 1), np.repeat(v, group, 1))]
    m = None if mask is None else torch.from_numpy(mask)
    out = torch.nn.functional.scaled_dot_product_attention(*t, attn_mask=m, is_causal=causal)
    return out.numpy()


def _same_nan_rows_and_close(out, ref, rtol):
    out = np.asarray(out, np.float64)
    assert np.array_equal(np.isnan(out), np.isnan(ref)), (np.argwhere(np.isnan(out)), np.argwhere(np.isnan(ref)))
    fin = ~np.isnan(ref)
    assert np.allclose(out[fin], ref[fin], rtol=rtol, atol=rtol), np.max(np.abs(out[fin] - ref[fin]))


# Poisoned inputs: (name, function that poisons (q, k, v) in place, rows expected NaN somewhere)
POISON = {
    "nan in q": lambda q, k, v: q.__setitem__((0, 0, 3, 5), np.nan),
    "+inf in k": lambda q, k, v: k.__setitem__((0, 0, 7, 1), np.inf),
    "-inf in k": lambda q, k, v: k.__setitem__((0, 0, 2, 0), -np.inf),
    "nan in v": lambda q, k, v: v.__setitem__((0, 0, 4, 2), np.nan),
    "inf in v": lambda q, k, v: v.__setitem__((0, 0, 9, 3), np.inf),
}


@pytest.mark.parametrize("name", POISON)
@pytest.mark.parametrize("causal", [False, True])
def test_reference_matches_torch_sdpa(name: str, causal: bool) -> None:
    q, k, v = _inputs()
    POISON[name](q, k, v)
    ref = reference.attention(q, k, v, causal="top_left" if causal else "none")
    assert not np.isfinite(ref).all() or name == "-inf in k"  # every other poison reaches some row
    if name == "nan in v" and causal:
        # torch multiplies hidden keys' zero weights with NaN (0 * NaN);
        # the op gives hidden keys no weight at all: rows before key 4 stay finite.
        assert not np.isnan(ref[0, :, :4]).any() and np.isnan(ref[0, :, 4:, 2]).all()
        return
    if name == "inf in v" and causal:
        assert not np.isnan(ref[0, :, :9]).any()
        return
    _same_nan_rows_and_close(ref, _torch_sdpa(q, k, v, causal=causal), 1e-9)


def test_nan_row_is_the_whole_row() -> None:
    q, k, v = _inputs()
    q[0, 0, 3, 5] = np.nan
    ref = reference.attention(q, k, v)
    assert np.isnan(ref[0, 0, 3]).all()
    ref[0, 0, 3] = 0
    assert np.isfinite(ref).all()


def test_minus_inf_scores_are_masking_and_hidden_nan_scores_do_not_propagate() -> None:
    q, k, v = _inputs()
    add = np.zeros((16, 16))
    add[:, 5] = -np.inf
    keep = np.ones((16, 16), bool)
    keep[:, 5] = False
    np.testing.assert_allclose(reference.attention(q, k, v, mask=add), reference.attention(q, k, v, mask=keep))
    # A NaN score the causal rule hides is replaced by -inf.
    k2 = k.copy()
    k2[0, 0, 15, 0] = np.nan  # key 15: visible only to query 15
    out = reference.attention(q, k2, v, causal="top_left")
    assert np.isnan(out[0, :, 15]).all() and np.isfinite(out[0, :, :15]).all()


def test_fully_masked_row_is_zero_like_torch() -> None:
    q, k, v = _inputs()
    keep = np.ones((16, 16), bool)
    keep[4] = False
    ref = reference.attention(q, k, v, mask=keep)
    assert (ref[0, :, 4] == 0).all()
    torch_out = _torch_sdpa(q, k, v, mask=keep)
    if np.isfinite(torch_out[0, :, 4]).all():  # torch >= 2.5 (_safe_softmax)
        _same_nan_rows_and_close(ref, torch_out, 1e-9)


# --- the executions agree with the reference ------------------------------------------


def _bf16(*arrays):
    return [reference.round_to_dtype(a, "bf16") for a in arrays]


@pytest.mark.parametrize("name", POISON)
def test_cpu_path_follows_the_reference(name: str) -> None:
    q, k, v = _inputs()
    POISON[name](q, k, v)
    layer = compiler.attention_layer(1, 2, 1, 16, 16, 16, causal="top_left")
    ref = reference.attention(*_bf16(q, k, v), causal="top_left")
    for target in ("npu2", None):
        out = compiler.run_on_cpu(layer, q, k, v, target=target, fold="online" if target else None)
        _same_nan_rows_and_close(out, ref, 2.0**-6)


@pytest.mark.parametrize("fold", ["online", "full", "unfolded"])
@pytest.mark.parametrize("name", ["nan in q", "+inf in k", "nan in v"])
def test_simulator_follows_the_reference(fold: str, name: str) -> None:
    q, k, v = _inputs(h=2, lq=32, lk=32, d=64)
    POISON[name](q, k, v)
    layer = compiler.attention_layer(1, 2, 1, 32, 32, 64)
    program = compiler.compile(layer, target="npu2", fold=fold)
    out = sim.run(program, q, k, v, timing=False).output
    _same_nan_rows_and_close(out, reference.attention(*_bf16(q, k, v)), 2.0**-6)


# --- kernel specification: numpy and host-compiled C++ ----------------------------------


def _rows():
    s = np.random.default_rng(1).standard_normal((4, 8)).astype(np.float32)
    s[1, 3] = np.nan  # NaN score: row NaN
    s[2, :] = -np.inf  # no visible key: zeros
    s[3, 6] = np.inf  # +inf score: row NaN (exp(inf - inf))
    return s


def _check_rows(out):
    assert np.isnan(out[1]).all() and np.isnan(out[3]).all()
    assert (out[2] == 0).all() and np.isfinite(out[0]).all()


def test_numpy_kernels_propagate_nan_rows() -> None:
    s = _rows()
    _check_rows(K.softmax_rows(s))
    v = np.ones((8, 4), np.float32)
    m, row_sum, acc = K.online_init(4, 4)
    K.online_update(s, v, m, row_sum, acc)
    _check_rows(K.finalize(acc, row_sum))


@pytest.fixture(scope="module")
def kernel_lib(tmp_path_factory):
    cxx = shutil.which("g++") or shutil.which("c++")
    if cxx is None:
        pytest.skip("no host C++ compiler to build kernels/attn_kernels.cpp")
    src = Path(__file__).resolve().parents[2] / "kernels" / "attn_kernels.cpp"
    out = tmp_path_factory.mktemp("nan_kernels") / "libattn_kernels.so"
    subprocess.run([cxx, "-std=c++17", "-O2", "-fPIC", "-shared", str(src), "-o", str(out)], check=True)
    return ctypes.CDLL(str(out))


def _p(a):
    return a.ctypes.data_as(F32P)


def test_cpp_kernels_propagate_nan_rows(kernel_lib) -> None:
    s = _rows()
    p = np.zeros_like(s)
    kernel_lib.attn_softmax_rows(_p(s), _p(p), I32(4), I32(8))
    _check_rows(p)
    v = np.ones((8, 4), np.float32)
    m = np.full(4, -np.inf, np.float32)
    row_sum = np.zeros(4, np.float32)
    acc = np.zeros((4, 4), np.float32)
    o = np.zeros((4, 4), np.float32)
    kernel_lib.attn_online_update_f32(
        _p(s), I32(8), I32(0), _p(v), I32(0), _p(m), _p(row_sum), _p(acc), I32(4), I32(8), I32(4)
    )
    kernel_lib.attn_finalize_f32(_p(acc), _p(row_sum), _p(o), I32(4), I32(4))
    _check_rows(o)
