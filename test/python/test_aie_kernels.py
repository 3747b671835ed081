"""The AIE-API kernels (kernels/aie2 for npu1, kernels/aie2p for npu2), built on
the host against kernels/host_aie_api (no NPU compiler here), against the
numpy kernel semantics of ``attn.kernels`` on seeded random tiles: odd key
limits, -inf rows, padded query rows, causal diagonals crossing the tile, both
targets' tile shapes, bf16, f16 and f32 entry points (f16/f32 matmuls as sums of
bf16 terms, and their ``*_as_bf16`` allow-precision-loss variants). Writes the worst error per
kernel, target and dtype to ``$ATTN_BUILD_DIR/aie_kernels_report.json``
(or pytest's tmp dir)."""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from attn import kernels as K
from attn import reference as R

ROOT = Path(__file__).resolve().parents[2]
KERNELS = ROOT / "kernels"
TILES = int(os.environ.get("ATTN_AIE_KERNEL_TILES", "200"))  # seeded random tiles per kernel
F32P = ctypes.POINTER(ctypes.c_float)
U16P = ctypes.POINTER(ctypes.c_uint16)
I32, F32 = ctypes.c_int32, ctypes.c_float

# name -> (source dir, __AIE_ARCH__, tile shape): npu1 at the 4x8x4 bf16 matmul
# with 16 lanes, npu2 at 8x8x8 with 32 lanes; LD = 3 key blocks (a score row
# buffer of the full/partial folds), ATTN_BF16 = 0 builds the f32 softmax.
CONFIGS = {
    "npu1": ("aie2", 20, dict(TQ=32, TK=32, LD=96, D=64, DV=64)),
    "npu2": ("aie2p", 21, dict(TQ=64, TK=64, LD=192, D=64, DV=64)),
    # bench tiles: ViT-B/16 full fold on npu1, SD-UNet (head dim 40) online on npu2
    "npu1-vit": ("aie2", 20, dict(TQ=16, TK=16, LD=208, D=64, DV=64)),
    "npu2-sd": ("aie2p", 21, dict(TQ=16, TK=128, LD=256, D=40, DV=40)),
    # npu2's block floating point path: bf16 matmuls on bfp16ebs8 operands
    "npu2-bfp16": ("aie2p", 21, dict(TQ=64, TK=64, LD=192, D=64, DV=64, BFP16=1)),
    # decode (Lq = 1): the DSE's npu2 plans use a 4-row query tile (native 4x8x8)
    "npu2-decode": ("aie2p", 21, dict(TQ=4, TK=16, LD=32, D=64, DV=64)),
}
# Worst error allowed, relative to max(1, |reference|): f32 kernels meet f32
# accuracy (polynomial exp, another summation order); bf16 kernels round P to
# bf16 before the P V matmul (and use the exp2 unit's bf16 results on npu2).
# f16 and f32 kernels are compared with attn.kernels' model of their bf16-term
# matmuls (``K.SPLITS``), so they meet f32 accuracy too; the ``*_as_bf16``
# variants round P to bf16 like the bf16 kernels.
TOL = {"f32": 3e-5, "f16": 3e-5, "bf16": 2e-2, "exact": 0.0, "bfp16": 6e-2}
TOL["f32_as_bf16"] = TOL["f16_as_bf16"] = TOL["bf16"]


def tol(target: str, dtype: str, base: str) -> float:
    """The tolerance of a matmul result: bfp16 operands (8-bit mantissas) for bf16 layers on
    the bfp16 configuration, else ``base``."""
    bfp = CONFIGS[target][2].get("BFP16") and dtype == "bf16"
    return TOL["bfp16"] if bfp else TOL[base]


_REPORT: dict[str, dict[str, float]] = {}


def _build(target: str, bf16: int, out_dir: Path) -> ctypes.CDLL:
    cxx = shutil.which("g++") or shutil.which("c++")
    if cxx is None:
        pytest.skip("no host C++ compiler (g++) to build the AIE-API kernels against kernels/host_aie_api")
    src, arch, tile = CONFIGS[target]
    out = out_dir / f"attn_{target}_{bf16}.so"
    defines = [f"-DATTN_{k}={v}" for k, v in tile.items()]
    subprocess.run(
        [cxx, "-std=c++17", "-O1", "-fPIC", "-shared", "-Wall", "-Werror", f"-D__AIE_ARCH__={arch}",
         "-DATTN_HOST_CHECKS", f"-DATTN_BF16={bf16}", *defines, f"-I{KERNELS / 'host_aie_api'}",
         str(KERNELS / src / "attn_kernels.cc"), "-o", str(out)],
        check=True,
    )  # fmt: skip
    return ctypes.CDLL(str(out))


@pytest.fixture(scope="module")
def libs(tmp_path_factory) -> dict[tuple[str, int], ctypes.CDLL]:
    out = tmp_path_factory.mktemp("aie_kernels")
    return {(t, b): _build(t, b, out) for t in CONFIGS for b in (1, 0)}


@pytest.fixture(scope="module", autouse=True)
def report(tmp_path_factory):
    yield
    where = Path(os.environ.get("ATTN_BUILD_DIR") or tmp_path_factory.getbasetemp())
    (where / "aie_kernels_report.json").write_text(json.dumps({"tiles": TILES, "worst_error": _REPORT}, indent=1))


def p(a: np.ndarray, kind=F32P):
    assert a.flags.c_contiguous
    return a.ctypes.data_as(kind)


def bf16_bits(x: np.ndarray) -> np.ndarray:
    return (R.round_to_dtype(np.asarray(x, np.float32), "bf16").view(np.uint32) >> 16).astype(np.uint16)


def bits_f32(b: np.ndarray) -> np.ndarray:
    return (b.astype(np.uint32) << 16).view(np.float32)


def window(buf: np.ndarray, ld: int, col: int, rows: int, cols: int) -> np.ndarray:
    return buf[: rows * ld].reshape(rows, ld)[:, col : col + cols]


def record(name: str, target: str, dtype: str, got: np.ndarray, ref: np.ndarray, tol: float) -> None:
    got, ref = np.asarray(got, np.float64), np.asarray(ref, np.float64)
    assert np.array_equal(np.isneginf(got), np.isneginf(ref)), f"{name} {target}: -inf pattern differs"
    finite = np.isfinite(ref)
    assert np.isfinite(got[finite]).all(), f"{name} {target}: non-finite where the reference is finite"
    scale = max(1.0, float(np.abs(ref[finite]).max(initial=0.0)))
    err = float(np.abs(got[finite] - ref[finite]).max(initial=0.0)) / scale
    key = f"{name}/{target}/{dtype}"
    _REPORT[key] = max(_REPORT.get(key, 0.0), err)
    assert err <= tol, f"{key}: error {err:.3g} > {tol:.3g}"


def scores(rng: np.random.Generator, rows: int, cols: int) -> np.ndarray:
    s = (rng.standard_normal((rows, cols)) * rng.uniform(0.5, 6)).astype(np.float32)
    dead = rng.random(rows) < 0.15  # -inf rows (a fully hidden query)
    s[dead] = -np.inf
    hide = rng.random((rows, cols)) < rng.uniform(0, 0.5)  # scattered hidden keys
    s[hide] = -np.inf
    return s


def storage(dtype: str) -> str:
    """The data type of a kernel variant's operands ("f32_as_bf16" -> "f32")."""
    return dtype.split("_")[0]


def typed(dtype: str, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, type]:
    """(what the kernel reads, its float32 values, pointer kind)."""
    if dtype == "bf16":
        b = bf16_bits(x)
        return b, bits_f32(b), U16P
    if storage(dtype) == "f16":
        h = np.ascontiguousarray(np.asarray(x, np.float32).astype(np.float16))
        return h.view(np.uint16), h.astype(np.float32), U16P
    x = np.ascontiguousarray(x, np.float32)
    return x, x, F32P


def out_buffer(dtype: str, shape: tuple[int, ...]) -> tuple[np.ndarray, type]:
    return (np.zeros(shape, np.uint16), U16P) if storage(dtype) != "f32" else (np.zeros(shape, np.float32), F32P)


def out_values(dtype: str, o: np.ndarray) -> np.ndarray:
    if dtype == "bf16":
        return bits_f32(o)
    if storage(dtype) == "f16":
        return o.view(np.float16).astype(np.float32)
    return o


def each_tile(fn: Callable[[np.random.Generator, int], None]) -> None:
    for seed in range(TILES):
        fn(np.random.default_rng(seed), seed)


TARGETS = list(CONFIGS)
DTYPES = ["bf16", "f32", "f16", "f32_as_bf16", "f16_as_bf16"]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_qk(libs, target, dtype):
    lib, t = libs[(target, 1)], CONFIGS[target][2]
    tq, tk, ld, d = t["TQ"], t["TK"], t["LD"], t["D"]

    def one(rng, seed):
        q, qv, kind = typed(dtype, rng.standard_normal((tq, d)))
        off = int(rng.integers(0, 3)) * tk * d  # K inside a joined object
        k, kv, _ = typed(dtype, rng.standard_normal(off + tk * d + 16))
        col = int(rng.integers(0, ld // tk)) * tk
        s = np.full(tq * ld, 3.0, np.float32)
        scale = float(rng.uniform(0.05, 1.0))
        getattr(lib, f"attn_qk_{dtype}")(p(q, kind), p(k, kind), I32(off), p(s), I32(ld), I32(col), I32(tq),
                                          I32(tk), I32(d), F32(scale))  # fmt: skip
        ref = K.qk(qv, kv[off : off + tk * d].reshape(tk, d), scale, K.SPLITS[dtype])
        record("qk", target, dtype, window(s, ld, col, tq, tk), ref, tol(target, dtype, "f32"))
        rest = np.ones(tq * ld, bool)
        window(rest, ld, col, tq, tk)[:] = False
        assert (s[rest] == 3.0).all()

    each_tile(one)


def pilot_rows(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    """n pilot rows: d int8 values (the full range, -128 included) then the f32 scale bytes."""
    rows = np.zeros((n, d + 4), np.int8)
    rows[:, :d] = rng.integers(-128, 128, size=(n, d))
    scales = (rng.uniform(0, 0.05, n) * (rng.random(n) > 0.1)).astype("<f4")  # some zero blocks
    rows[:, d:] = scales.view(np.int8).reshape(n, 4)
    return rows


# Rows of each kernel source's int8 intrinsic (ATTN_I8_MMUL_M).
I8_MMUL_ROWS = {"aie2": 4, "aie2p": 8}


@pytest.mark.parametrize("target", TARGETS)
def test_pilot_qk(libs, target):
    """The int8 pilot kernel on the target's int8 intrinsic equals the specification
    bit for bit: the i32 sums are exact and the three f32 multiplies happen in the
    specification's order."""
    lib, t = libs[(target, 1)], CONFIGS[target][2]
    tq, tk, ld, d = t["TQ"], t["TK"], t["LD"], t["D"]
    if tq % I8_MMUL_ROWS[CONFIGS[target][0]]:
        # Query tiles smaller than the int8 intrinsic build without the pilot.
        with pytest.raises(AttributeError):
            lib.attn_pilot_qk_i8  # noqa: B018
        return
    I8P = ctypes.POINTER(ctypes.c_int8)

    def one(rng, seed):
        q = pilot_rows(rng, tq, d)
        off_rows = int(rng.integers(0, 3)) * tk
        k = pilot_rows(rng, off_rows + tk, d)
        col = int(rng.integers(0, ld // tk)) * tk
        s = np.full(tq * ld, 3.0, np.float32)
        scale = float(rng.uniform(0.05, 1.0))
        lib.attn_pilot_qk_i8(p(q, I8P), p(k, I8P), I32(off_rows * (d + 4)), p(s), I32(ld), I32(col), I32(tq),
                             I32(tk), I32(d), F32(scale))  # fmt: skip
        ref = K.pilot_qk(q, k[off_rows:], d, scale)
        record("pilot_qk", target, "i8", window(s, ld, col, tq, tk), ref, TOL["exact"])
        rest = np.ones(tq * ld, bool)
        window(rest, ld, col, tq, tk)[:] = False
        assert (s[rest] == 3.0).all()

    each_tile(one)


@pytest.mark.parametrize("target", TARGETS)
def test_mask_positions(libs, target):
    lib, t = libs[(target, 1)], CONFIGS[target][2]
    tq, tk, ld = t["TQ"], t["TK"], t["LD"]

    def one(rng, seed):
        col = int(rng.integers(0, ld // tk)) * tk
        q0, k0 = int(rng.integers(0, 4)) * tq, int(rng.integers(0, 4)) * tk
        key_limit = int(rng.integers(0, 6 * tk)) | 1  # odd valid lengths
        row_limit = int(rng.choice([2**31 - 1, int(rng.integers(0, 6 * tq)) | 1]))
        causal = int(rng.integers(0, 2))
        offset = int(k0 - q0 + rng.integers(-tq, tk))  # the diagonal crosses the tile
        s = rng.standard_normal(tq * ld).astype(np.float32)
        ref = s.copy()
        lib.attn_mask_positions(p(s), I32(ld), I32(col), I32(tq), I32(tk), I32(q0), I32(k0), I32(key_limit),
                                I32(row_limit), I32(causal), I32(offset))  # fmt: skip
        K.mask_positions(window(ref, ld, col, tq, tk), q0, k0, key_limit, bool(causal), offset, row_limit)
        record("mask_positions", target, "f32", s, ref, TOL["exact"])

    each_tile(one)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_key_masks(libs, target, dtype):
    lib, t = libs[(target, 1)], CONFIGS[target][2]
    tq, tk, ld = t["TQ"], t["TK"], t["LD"]

    def one(rng, seed):
        col = int(rng.integers(0, ld // tk)) * tk
        off = int(rng.integers(0, 5)) * tk
        row = rng.standard_normal(off + tk).astype(np.float32)
        row[rng.random(off + tk) < 0.3] = 0.0
        raw, vals, kind = typed(dtype, row)
        for name, fn in (("keep", K.mask_keep_keys), ("add", K.mask_add_keys)):
            s = rng.standard_normal(tq * ld).astype(np.float32)
            ref = s.copy()
            getattr(lib, f"attn_mask_{name}_keys_{dtype}")(p(s), I32(ld), I32(col), p(raw, kind), I32(off),
                                                           I32(tq), I32(tk))  # fmt: skip
            fn(window(ref, ld, col, tq, tk), vals[off : off + tk])
            record(f"mask_{name}_keys", target, dtype, s, ref, TOL["exact"])

    each_tile(one)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_tile_masks(libs, target, dtype):
    lib, t = libs[(target, 1)], CONFIGS[target][2]
    tq, tk, ld = t["TQ"], t["TK"], t["LD"]

    def one(rng, seed):
        col = int(rng.integers(0, ld // tk)) * tk
        off = int(rng.integers(0, 5)) * tk
        m_ld = 0 if seed % 3 == 0 else tk * int(rng.integers(1, 3))  # 0: a key row for every query row
        size = off + (tq - 1) * m_ld + tk
        obj = rng.standard_normal(size).astype(np.float32)
        obj[rng.random(size) < 0.3] = 0.0
        raw, vals, kind = typed(dtype, obj)
        tile = np.stack([vals[off + i * m_ld : off + i * m_ld + tk] for i in range(tq)])
        for name, fn in (("keep", K.mask_keep_tile), ("add", K.mask_add_tile)):
            s = rng.standard_normal(tq * ld).astype(np.float32)
            ref = s.copy()
            getattr(lib, f"attn_mask_{name}_tile_{dtype}")(p(s), I32(ld), I32(col), p(raw, kind), I32(off),
                                                           I32(m_ld), I32(tq), I32(tk))  # fmt: skip
            fn(window(ref, ld, col, tq, tk), tile)
            record(f"mask_{name}_tile", target, dtype, s, ref, TOL["exact"])

    each_tile(one)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_online_update_and_finalize(libs, target, dtype):
    lib, t = libs[(target, 1)], CONFIGS[target][2]
    tq, tk, ld, dv = t["TQ"], t["TK"], t["LD"], t["DV"]

    def one(rng, seed):
        m, l_, acc = (np.ascontiguousarray(x) for x in K.online_init(tq, dv))
        lib.attn_online_init(p(m), p(l_), p(acc), I32(tq), I32(dv))
        mr, lr, ar = K.online_init(tq, dv)
        record("online_init", target, "f32", np.concatenate([m, l_, acc.ravel()]),
               np.concatenate([mr, lr, ar.ravel()]), TOL["exact"])  # fmt: skip
        for _ in range(int(rng.integers(1, 4))):  # a few key blocks
            col = int(rng.integers(0, ld // tk)) * tk
            sbuf = rng.standard_normal(tq * ld).astype(np.float32)
            window(sbuf, ld, col, tq, tk)[:] = scores(rng, tq, tk)
            sref = window(sbuf, ld, col, tq, tk).copy()
            off = int(rng.integers(0, 3)) * tk * 8
            v, vv, kind = typed(dtype, rng.standard_normal(off + tk * dv))
            getattr(lib, f"attn_online_update_{dtype}")(p(sbuf), I32(ld), I32(col), p(v, kind), I32(off), p(m),
                                                        p(l_), p(acc), I32(tq), I32(tk), I32(dv))  # fmt: skip
            K.online_update(sref, vv[off:].reshape(tk, dv), mr, lr, ar, K.SPLITS[dtype])
            record("online_update(m)", target, dtype, m, mr, TOL["exact"])
            record("online_update(l)", target, dtype, l_, lr, TOL[dtype])
            record("online_update(acc)", target, dtype, acc, ar, tol(target, dtype, dtype))
        o, okind = out_buffer(dtype, (tq, dv))
        getattr(lib, f"attn_finalize_{dtype}")(p(acc), p(l_), p(o, okind), I32(tq), I32(dv))
        got = out_values(dtype, o)
        ref = K.finalize(acc, l_, storage(dtype))  # same state in: the kernel's own rounding only
        finalize_tol = {"bf16": 2.0**-7, "f16": 2.0**-10, "f32": 1e-6}[storage(dtype)]
        record("finalize", target, dtype, got, ref, finalize_tol)
        assert (got[l_ == 0] == 0).all()

    each_tile(one)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("bf16", [1, 0])
def test_softmax_rows(libs, target, bf16):
    lib, t = libs[(target, bf16)], CONFIGS[target][2]
    tq, ld = t["TQ"], t["LD"]
    dtype = "bf16" if bf16 else "f32"

    def one(rng, seed):
        s = scores(rng, tq, ld)
        out = np.zeros_like(s)
        in_place = seed % 2 == 0
        if in_place:
            out[:] = s
        lib.attn_softmax_rows(p(out if in_place else s), p(out), I32(tq), I32(ld))
        ref = K.softmax_rows(s)
        record("softmax_rows", target, dtype, out, ref, TOL[dtype])
        assert (out[np.isneginf(s).all(axis=1)] == 0).all()

    each_tile(one)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_pv_accumulate_and_store(libs, target, dtype):
    lib, t = libs[(target, 1)], CONFIGS[target][2]
    tq, tk, ld, dv = t["TQ"], t["TK"], t["LD"], t["DV"]

    def one(rng, seed):
        acc = rng.standard_normal((tq, dv)).astype(np.float32)
        lib.attn_acc_zero(p(acc), I32(tq), I32(dv))
        record("acc_zero", target, "f32", acc, K.acc_zero(tq, dv), TOL["exact"])
        ref = K.acc_zero(tq, dv)
        for _ in range(int(rng.integers(1, 4))):
            col = int(rng.integers(0, ld // tk)) * tk
            pbuf = rng.standard_normal(tq * ld).astype(np.float32)
            prob = K.softmax_rows(scores(rng, tq, ld))[:, :tk] * 3  # probabilities, zero rows
            window(pbuf, ld, col, tq, tk)[:] = prob
            off = int(rng.integers(0, 3)) * tk * 8
            v, vv, kind = typed(dtype, rng.standard_normal(off + tk * dv))
            getattr(lib, f"attn_pv_accumulate_{dtype}")(p(pbuf), I32(ld), I32(col), p(v, kind), I32(off), p(acc),
                                                        I32(tq), I32(tk), I32(dv))  # fmt: skip
            K.pv_accumulate(prob, vv[off:].reshape(tk, dv), ref, K.SPLITS[dtype])
            record("pv_accumulate", target, dtype, acc, ref, tol(target, dtype, dtype))
        q0 = int(rng.integers(0, 3)) * tq
        row_limit = int(rng.choice([2**31 - 1, q0 + int(rng.integers(0, tq)) | 1]))
        o, okind = out_buffer(dtype, (tq, dv))
        getattr(lib, f"attn_store_{dtype}")(p(acc), p(o, okind), I32(q0), I32(row_limit), I32(tq), I32(dv))
        got = out_values(dtype, o)
        record("store", target, dtype, got, K.store(acc, storage(dtype), q0, row_limit), TOL["exact"])

    each_tile(one)


@pytest.mark.parametrize("target", TARGETS)
def test_copy_window(libs, target):
    lib, t = libs[(target, 1)], CONFIGS[target][2]
    tq, tk, ld = t["TQ"], t["TK"], t["LD"]

    def one(rng, seed):
        col = int(rng.integers(0, ld // tk)) * tk
        src = scores(rng, tq, ld).ravel().copy()
        dst = np.zeros((tq, tk), np.float32)
        lib.attn_copy_window(p(src), I32(ld), I32(col), p(dst), I32(tq), I32(tk))
        record("copy_window", target, "f32", dst, window(src, ld, col, tq, tk), TOL["exact"])

    each_tile(one)


def test_host_checks_reject_other_tile_sizes(tmp_path):
    """The kernels are compiled for one tile shape: a call with another aborts in a
    checked host build (run in a child process)."""
    lib_dir = tmp_path
    _build("npu1", 1, lib_dir)
    code = (
        "import ctypes, numpy as np\n"
        f"lib = ctypes.CDLL({str(lib_dir / 'attn_npu1_1.so')!r})\n"
        "a = np.zeros(4096, np.float32)\n"
        "P = ctypes.POINTER(ctypes.c_float)\n"
        "lib.attn_acc_zero(a.ctypes.data_as(P), ctypes.c_int32(31), ctypes.c_int32(64))\n"
    )
    run = subprocess.run(["python", "-c", code], capture_output=True, text=True)
    assert run.returncode != 0
    assert "tq == attn_aie::TQ" in run.stderr


# The simulator's BFP16 kernel models (attn.kernels.*_bfp16, run for ATTN_BFP16=1 kernel
# declarations) against the host-built AIE-API BFP16 kernels: the same bfp16ebs8 rounding
# of the same operand blocks, so only the f32 summation order differs (qk, pv_accumulate);
# online_update also differs by the exp2 unit's bf16 results, as the bf16 kernels do.
BFP16_MODEL_TOL = 1e-5


def test_bfp16_kernels_match_the_simulator_models(libs):
    target = "npu2-bfp16"
    lib, t = libs[(target, 1)], CONFIGS[target][2]
    tq, tk, ld, d, dv = t["TQ"], t["TK"], t["LD"], t["D"], t["DV"]
    off_by_plain = []

    def one(rng, seed):
        q, qv, kind = typed("bf16", rng.standard_normal((tq, d)) * rng.uniform(0.1, 8))
        k, kv, _ = typed("bf16", rng.standard_normal(tk * d) * np.repeat(rng.uniform(0.01, 4, tk), d))
        s = np.zeros(tq * ld, np.float32)
        lib.attn_qk_bf16(p(q, kind), p(k, kind), I32(0), p(s), I32(ld), I32(0), I32(tq), I32(tk), I32(d), F32(0.125))
        got = window(s, ld, 0, tq, tk)
        record("qk(bfp16 model)", target, "bf16", got, K.qk_bfp16(qv, kv.reshape(tk, d), 0.125), BFP16_MODEL_TOL)
        off_by_plain.append(float(np.abs(got - K.qk(qv, kv.reshape(tk, d), 0.125)).max()))

        prob = K.softmax_rows(scores(rng, tq, ld))[:, :tk] * 3
        pbuf = np.zeros(tq * ld, np.float32)
        window(pbuf, ld, 0, tq, tk)[:] = prob
        v, vv, _ = typed("bf16", rng.standard_normal(tk * dv))
        acc = np.zeros((tq, dv), np.float32)
        ref = np.zeros((tq, dv), np.float32)
        lib.attn_pv_accumulate_bf16(p(pbuf), I32(ld), I32(0), p(v, kind), I32(0), p(acc), I32(tq), I32(tk), I32(dv))
        K.pv_accumulate_bfp16(prob, vv.reshape(tk, dv), ref)
        record("pv_accumulate(bfp16 model)", target, "bf16", acc, ref, BFP16_MODEL_TOL)

        m, l_, acc = (np.ascontiguousarray(x) for x in K.online_init(tq, dv))
        mr, lr, ar = K.online_init(tq, dv)
        sbuf = np.zeros(tq * ld, np.float32)
        window(sbuf, ld, 0, tq, tk)[:] = scores(rng, tq, tk)
        sref = window(sbuf, ld, 0, tq, tk).copy()
        lib.attn_online_update_bf16(p(sbuf), I32(ld), I32(0), p(v, kind), I32(0), p(m), p(l_), p(acc), I32(tq),
                                    I32(tk), I32(dv))  # fmt: skip
        K.online_update_bfp16(sref, vv.reshape(tk, dv), mr, lr, ar)
        record("online_update(bfp16 model)", target, "bf16", acc, ar, TOL["bf16"])

    each_tile(one)
    # The BFP16 rounding is visible: the plain bf16 model is far off where the BFP16 one is exact.
    assert max(off_by_plain) > 100 * BFP16_MODEL_TOL


def _partial_state(rng: np.random.Generator, tq: int, dv: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An online-softmax state over some keys: rows with nothing visible
    (-inf, 0, 0) and live rows (a running max, a positive sum, an acc)."""
    m = (rng.standard_normal(tq) * 4).astype(np.float32)
    l_ = rng.uniform(0.5, 20, tq).astype(np.float32)
    acc = rng.standard_normal((tq, dv)).astype(np.float32)
    dead = rng.random(tq) < 0.2
    m[dead], l_[dead], acc[dead] = -np.inf, 0.0, 0.0
    return m, l_, acc


def _cascade_words(tq: int, dv: int) -> int:
    """512-bit words of one state (kernels/aie_common/attn_aie.hpp, cascadePut):
    per group of up to 16 rows an m word, an l word and the rows' acc."""
    groups = -(-tq // 16)
    return 2 * groups + tq * dv // 16


@pytest.mark.parametrize("target", TARGETS)
def test_cascade_put_merge_and_online_merge(libs, target):
    """attn_online_merge, and attn_cascade_put on one core followed by
    attn_cascade_merge on the next (put_mcd / get_scd through the host
    AIE-API's cascade FIFO), against attn.kernels.online_merge; a chain of
    two puts and two merges keeps the words in order."""
    lib, t = libs[(target, 1)], CONFIGS[target][2]
    tq, dv = t["TQ"], t["DV"]
    pending, underflows = ctypes.c_int64(), ctypes.c_int64()

    def state() -> tuple[int, int]:
        lib.attn_host_cascade_state(ctypes.byref(pending), ctypes.byref(underflows))
        return pending.value, underflows.value

    def one(rng, seed):
        own = _partial_state(rng, tq, dv)
        other = _partial_state(rng, tq, dv)
        ref = tuple(x.copy() for x in own)
        K.online_merge(*ref, *other)
        got = tuple(np.ascontiguousarray(x.copy()) for x in own)
        lib.attn_online_merge(*(p(x) for x in got), *(p(np.ascontiguousarray(x)) for x in other), I32(tq), I32(dv))
        for name, g, r in zip(("m", "l", "acc"), got, ref, strict=True):
            record(f"online_merge({name})", target, "f32", g, r, TOL["exact"] if name == "m" else TOL["f32"])
        # The cascade: the core above puts `other` and a third state, the one
        # below merges them in the order they were put.
        third = _partial_state(rng, tq, dv)
        chain = tuple(x.copy() for x in ref)
        K.online_merge(*chain, *third)
        before = state()
        for put in (other, third):
            lib.attn_cascade_put(*(p(np.ascontiguousarray(x)) for x in put), I32(tq), I32(dv))
        assert state() == (before[0] + 2 * _cascade_words(tq, dv), before[1])
        got = tuple(np.ascontiguousarray(x.copy()) for x in own)
        for _ in range(2):
            lib.attn_cascade_merge(*(p(x) for x in got), I32(tq), I32(dv))
        assert state() == before, "the merges read exactly the words the puts wrote"
        for name, g, r in zip(("m", "l", "acc"), got, chain, strict=True):
            record(f"cascade_merge({name})", target, "f32", g, r, TOL["exact"] if name == "m" else TOL["f32"])

    # The host FIFO is one per process (the kernel libraries of every target
    # share it): count from here.
    pending0, underflows0 = state()
    assert pending0 == 0
    each_tile(one)
    # A merge with nothing put (on the NPU: a core stalled on its neighbour)
    # is counted, not silently merged.
    m, l_, acc = (np.ascontiguousarray(x) for x in _partial_state(np.random.default_rng(1), tq, dv))
    lib.attn_cascade_merge(p(m), p(l_), p(acc), I32(tq), I32(dv))
    assert state() == (0, underflows0 + _cascade_words(tq, dv))
