"""Stream mapping (MAS-Attention): online stages as QK | softmax | PV pipelines.

* kernels: the stream kernels composed (``stream_softmax`` on the softmax
  core, ``stream_pv`` on the PV core) give ``online_update``'s state, and the
  scalar C++ specification agrees with ``attn.kernels``;
* a seeded sweep of 24 stream programs (npu1 and npu2, odd lengths, causal
  top_left / bottom_right, MHA / GQA / MQA, B 1-2, D 40-128, runtime
  valid_len) compiled with ``mapping=stream`` simulates to ``attn.reference``
  (a covering sample by default, every case with ATTN_FULL_SWEEPS=1); each
  also re-parses in the pinned upstream syntax and passes aie-check-limits;
* simulator vs cost model within +-15 % on the same compiled stream plan;
* model and emitter agree on which fold / mapping combinations exist.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from attn import AttnError, dse, ir, reference
from attn import kernels as K

sim = pytest.importorskip("attn.sim")
import aie_host  # noqa: E402
from plan_cases import (  # noqa: E402
    CAUSAL,
    HEAD_DIMS,
    HEADS,
    MODEL_TOLERANCE,
    TARGETS,
    array_seconds,
    heads_kind,
    model_of_compiled,
    random_qkv,
    simulate_vs_reference,
    valid_len_id,
)
from sweep_sampling import sample  # noqa: E402

from attn.aie_compile import compile  # noqa: E402

KERNEL_DIR = Path(__file__).resolve().parents[2] / "kernels"
F32P = ctypes.POINTER(ctypes.c_float)
U16P = ctypes.POINTER(ctypes.c_uint16)
I32 = ctypes.c_int32
SEED = 20261207


def _scores(rng: np.random.Generator, tq: int, tk: int) -> np.ndarray:
    s = (rng.standard_normal((tq, tk)) * 3).astype(np.float32)
    s[rng.random(tq) < 0.2] = -np.inf  # rows with nothing visible yet
    s[rng.random((tq, tk)) < 0.3] = -np.inf
    return s


def test_stream_kernels_compose_to_online_update() -> None:
    rng = np.random.default_rng(SEED)
    tq, tk, dv = 8, 16, 12
    m0, l0, a0 = K.online_init(tq, dv)
    sm_m, sm_l = K.stream_softmax_init(tq)
    acc, row_sum = np.zeros((tq, dv), np.float32), np.zeros(tq, np.float32)
    for _ in range(4):
        s = _scores(rng, tq, tk)
        v = rng.standard_normal((tk, dv)).astype(np.float32)
        K.online_update(s.copy(), v, m0, l0, a0)
        pobj = K.stream_softmax(s.copy(), sm_m, sm_l)
        assert pobj.shape == (tq * tk + 2 * tq,)
        K.stream_pv(pobj, v, acc, row_sum)
    np.testing.assert_array_equal(sm_m, m0)
    np.testing.assert_allclose(row_sum, l0, rtol=1e-6)
    np.testing.assert_allclose(acc, a0, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(K.finalize(acc, row_sum), K.finalize(a0, l0), rtol=1e-5, atol=1e-6)


@pytest.fixture(scope="module")
def spec(tmp_path_factory):
    cxx = shutil.which("g++") or shutil.which("c++")
    if cxx is None:
        pytest.skip("no host C++ compiler (g++) to build kernels/attn_kernels.cpp")
    out = tmp_path_factory.mktemp("stream_kernels") / "libattn_kernels.so"
    subprocess.run(
        [cxx, "-std=c++17", "-O2", "-fPIC", "-shared", "-Wall", "-Werror", str(KERNEL_DIR / "attn_kernels.cpp"),
         "-o", str(out)],
        check=True,
    )  # fmt: skip
    return ctypes.CDLL(str(out))


def _p(a: np.ndarray, kind=F32P):
    assert a.flags.c_contiguous
    return a.ctypes.data_as(kind)


@pytest.mark.parametrize("dtype", ["f32", "bf16"])
def test_stream_kernels_match_the_scalar_specification(spec, dtype: str) -> None:
    rng = np.random.default_rng(SEED + 1)
    tq, tk, dv, ld, col = 8, 16, 24, 40, 8
    m, row_sum = K.stream_softmax_init(tq)
    cm, cl = np.zeros(tq, np.float32), np.zeros(tq, np.float32)
    spec.attn_stream_softmax_init(_p(cm), _p(cl), I32(tq))
    np.testing.assert_array_equal(cm, m)
    acc, acc_c = np.zeros((tq, dv), np.float32), np.zeros((tq, dv), np.float32)
    l_pv, l_pv_c = np.zeros(tq, np.float32), np.full(tq, 7.0, np.float32)
    spec.attn_stream_pv_init(_p(acc_c), _p(l_pv_c), I32(tq), I32(dv))
    assert not l_pv_c.any()
    for _ in range(3):
        rows = np.zeros((tq, ld), np.float32)
        rows[:, col : col + tk] = _scores(rng, tq, tk)
        v = reference.round_to_dtype(rng.standard_normal((tk, dv)), "bf16").astype(np.float32)
        pobj = K.stream_softmax(rows[:, col : col + tk].copy(), m, row_sum)
        pobj_c = np.zeros(tq * tk + 2 * tq, np.float32)
        spec.attn_stream_softmax(_p(rows), I32(ld), I32(col), _p(pobj_c), _p(cm), _p(cl), I32(tq), I32(tk))
        np.testing.assert_allclose(pobj_c, pobj, rtol=2e-6, atol=1e-7)
        np.testing.assert_array_equal(cm, m)
        K.stream_pv(pobj, v, acc, l_pv)
        if dtype == "bf16":
            bits = (v.view(np.uint32) >> 16).astype(np.uint16)
            spec.attn_stream_pv_bf16(_p(pobj_c), _p(bits, U16P), I32(0), _p(acc_c), _p(l_pv_c), I32(tq), I32(tk),
                                     I32(dv))  # fmt: skip
        else:
            spec.attn_stream_pv_f32(_p(pobj_c), _p(v), I32(0), _p(acc_c), _p(l_pv_c), I32(tq), I32(tk), I32(dv))
        np.testing.assert_allclose(acc_c, acc, rtol=1e-5, atol=1e-5)
        np.testing.assert_array_equal(l_pv_c, pobj_c[tq * tk + tq :])


@dataclass(frozen=True)
class Case:
    index: int
    target: str
    b: int
    h: int
    hkv: int
    lq: int
    lk: int
    d: int
    causal: str
    valid_len: tuple[int, ...] | None
    q_tile: int
    kv_tile: int

    @property
    def id(self) -> str:
        return (
            f"{self.index:02d}-{self.target}-b{self.b}h{self.h}kv{self.hkv}-q{self.lq}k{self.lk}d{self.d}"
            f"-{self.causal}{valid_len_id(self.valid_len)}-t{self.q_tile}x{self.kv_tile}"
        )


def _cases() -> list[Case]:
    rng = np.random.default_rng(SEED)
    out = []
    for i in range(24):
        target = TARGETS[i % 2]
        d = HEAD_DIMS[i % 5]
        h, hkv = HEADS[(i // 2) % 3]
        causal = CAUSAL[(i // 3) % 3]
        b = 1 + (i // 4) % 2
        lq = int(rng.integers(1, 120))
        lk = int(rng.choice([lq, int(rng.integers(1, 120))]))
        valid_len = None
        if i % 5 in (1, 3):
            lk = lq = max(lq, 8)
            valid_len = tuple(int(rng.integers(1, lq + 1)) for _ in range(b))
        kv_tile = 16 if d >= 96 else int(rng.choice([16, 32]))
        out.append(Case(i, target, b, h, hkv, lq, lk, d, causal, valid_len, 16, kv_tile))
    return out


CASES = _cases()
SAMPLED = sample(
    CASES,
    {
        "target": lambda c: c.target,
        "head dim": lambda c: c.d,
        "causal": lambda c: c.causal,
        "heads": lambda c: heads_kind(c.h, c.hkv),
        "valid_len": lambda c: c.valid_len is not None,
        "padded": lambda c: (c.lq % c.q_tile != 0, c.lk % c.kv_tile != 0),
    },
    extra=2,
    seed=SEED,
)


def _compile(case: Case):
    text = aie_host.layer_text(
        case.b, case.h, case.hkv, case.lq, case.lk, case.d, causal=case.causal, valid_len=case.valid_len is not None
    )
    program = compile(
        text, target=case.target, fold="online", mapping="stream", q_tile=case.q_tile, kv_tile=case.kv_tile,
        columns=2, cores_per_column=3,
    )  # fmt: skip
    return text, program


def _inputs(case: Case, rng: np.random.Generator):
    return random_qkv(rng, case.b, case.h, case.hkv, case.lq, case.lk, case.d)


def test_sweep_covers_the_required_space() -> None:
    assert {c.target for c in CASES} == {"npu1", "npu2"}
    assert {c.causal for c in CASES} == {"none", "top_left", "bottom_right"}
    assert {c.d for c in CASES} == {40, 64, 80, 96, 128}
    assert {(c.h == c.hkv, c.hkv == 1) for c in CASES} == {(True, False), (False, False), (False, True)}
    assert any(c.valid_len for c in CASES) and any(c.lq % c.q_tile for c in CASES)


@pytest.mark.parametrize("case", SAMPLED, ids=[c.id for c in SAMPLED])
def test_stream_program_simulates_to_reference(case: Case) -> None:
    q, k, v = _inputs(case, np.random.default_rng(SEED + case.index))
    _, program = _compile(case)
    devices = aie_host.devices(program)
    assert len(devices) == 1
    text = str(program.aie)
    assert "@attn_stream_softmax(" in text and "@attn_stream_pv_bf16(" in text
    aie_host.check_upstream_syntax(program)
    _, _, ratio = simulate_vs_reference(program, q, k, v, case.valid_len, causal=case.causal)
    assert ratio <= 1.0, f"{case.id}: worst err/tol {ratio:.3f}"


def _model_vs_sim(target: str, h: int, length: int, d: int, q_tile: int, kv_tile: int, columns: int) -> tuple:
    text = aie_host.layer_text(1, h, 1, length, length, d)
    program = compile(
        text, target=target, fold="online", mapping="stream", q_tile=q_tile, kv_tile=kv_tile, columns=columns,
        cores_per_column=3,
    )  # fmt: skip
    case = Case(0, target, 1, h, 1, length, length, d, "none", None, q_tile, kv_tile)
    q, k, v = _inputs(case, np.random.default_rng(0))
    _, results = aie_host.run(program, q, k, v, None, timing=True)
    sim_s = sum(r.seconds for r in results)
    est = model_of_compiled(text, program, target, "online", mapping="stream", allow_illegal=False, kv_split=1)
    assert not est.violations
    return sim_s, array_seconds(est)


@pytest.mark.parametrize(
    "target,h,length,d,q_tile,kv_tile,columns",
    [("npu2", 4, 256, 64, 32, 32, 4), ("npu1", 2, 256, 64, 32, 32, 4), ("npu2", 2, 256, 64, 64, 64, 2)],
)
def test_stream_cost_model_vs_simulator(target, h, length, d, q_tile, kv_tile, columns) -> None:
    """The simulator and the cost model agree within +-15 % on the array time of
    the same compiled stream plan (pipeline: the slowest core per block)."""
    sim_s, model_s = _model_vs_sim(target, h, length, d, q_tile, kv_tile, columns)
    ratio = sim_s / model_s - 1.0
    assert abs(ratio) <= MODEL_TOLERANCE, f"simulator {sim_s * 1e6:.1f} us vs model {model_s * 1e6:.1f} us"


@pytest.mark.parametrize("fold", ["full", "partial"])
def test_stream_exists_for_the_online_fold_only(fold: str) -> None:
    text = aie_host.layer_text(1, 2, 2, 64, 64, 64)
    with pytest.raises(AttnError, match=f"outside the compiler's space for fold '{fold}'"):
        compile(text, target="npu2", fold=fold, mapping="stream")
    with ir.Context():
        shape = dse.shape_of(ir.Module.parse(text))
    # The model's own space has no such plan either.
    with pytest.raises(ValueError, match="'stream' needs fold 'online'"):
        dse.estimate_shape(shape, "npu2", fold, mapping="stream", q_tile=16, kv_tile=16, columns=2, cores_per_column=3)
    best = dse.explore_shape(shape, "npu2", space="all", mapping="stream").best
    assert best.plan.fold == "online"


def test_stream_rejects_explicit_masks() -> None:
    text = aie_host.layer_text(1, 2, 2, 64, 64, 64, mask=True)
    with pytest.raises(AttnError, match="'stream' is outside the compiler's space for a layer with an explicit mask"):
        compile(text, target="npu2", fold="online", mapping="stream")


# AIE-API kernels (kernels/aie2, kernels/aie2p) built on the host against
# kernels/host_aie_api: npu1 at 4x8x4 with 16 lanes, npu2 at 8x8x8 with 32.
# bf16 kernels round P through bf16 (npu2: the exp2 unit), hence 2e-2.
AIE_CONFIGS = {
    "npu1": ("aie2", 20, dict(TQ=16, TK=32, LD=32, D=64, DV=40)),
    "npu2": ("aie2p", 21, dict(TQ=32, TK=64, LD=64, D=64, DV=64)),
}


@pytest.mark.parametrize("target", sorted(AIE_CONFIGS))
def test_stream_aie_kernels_match_the_model(tmp_path, target: str) -> None:
    cxx = shutil.which("g++") or shutil.which("c++")
    if cxx is None:
        pytest.skip("no host C++ compiler (g++) to build the AIE-API kernels against kernels/host_aie_api")
    src, arch, tile = AIE_CONFIGS[target]
    out = tmp_path / "aie.so"
    subprocess.run(
        [cxx, "-std=c++17", "-O1", "-fPIC", "-shared", "-Wall", "-Werror", f"-D__AIE_ARCH__={arch}",
         "-DATTN_HOST_CHECKS", "-DATTN_BF16=1", *[f"-DATTN_{k}={v}" for k, v in tile.items()],
         f"-I{KERNEL_DIR / 'host_aie_api'}", str(KERNEL_DIR / src / "attn_kernels.cc"), "-o", str(out)],
        check=True,
    )  # fmt: skip
    lib = ctypes.CDLL(str(out))
    tq, tk, dv = tile["TQ"], tile["TK"], tile["DV"]
    rng = np.random.default_rng(SEED + 2)
    m, row_sum = K.stream_softmax_init(tq)
    am, al = np.zeros(tq, np.float32), np.zeros(tq, np.float32)
    lib.attn_stream_softmax_init(_p(am), _p(al), I32(tq))
    acc, l_pv = np.zeros((tq, dv), np.float32), np.zeros(tq, np.float32)
    aacc, al_pv = np.full((tq, dv), 3.0, np.float32), np.full(tq, 3.0, np.float32)
    lib.attn_stream_pv_init(_p(aacc), _p(al_pv), I32(tq), I32(dv))
    assert not aacc.any() and not al_pv.any()
    for _ in range(3):
        s = _scores(rng, tq, tk)
        v = reference.round_to_dtype(rng.standard_normal((tk, dv)), "bf16").astype(np.float32)
        pobj = K.stream_softmax(s.copy(), m, row_sum)
        aobj = np.zeros(tq * tk + 2 * tq, np.float32)
        lib.attn_stream_softmax(_p(s), I32(tk), I32(0), _p(aobj), _p(am), _p(al), I32(tq), I32(tk))
        scale = max(1.0, float(np.abs(pobj).max()))
        assert float(np.abs(aobj - pobj).max()) / scale <= 2e-2
        np.testing.assert_array_equal(am, m)
        K.stream_pv(pobj, v, acc, l_pv)
        bits = (v.view(np.uint32) >> 16).astype(np.uint16)
        lib.attn_stream_pv_bf16(_p(aobj), _p(bits, U16P), I32(0), _p(aacc), _p(al_pv), I32(tq), I32(tk), I32(dv))
        assert float(np.abs(aacc - acc).max()) / max(1.0, float(np.abs(acc).max())) <= 2e-2
        np.testing.assert_allclose(al_pv, l_pv, rtol=2e-2)
