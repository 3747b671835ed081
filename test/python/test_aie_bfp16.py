"""BFP16 datapath on npu2: the plan selects it, the emitter names the kernel
variant, the simulator rounds through bfp16ebs8 and times it at the target
table's BFP16 rate, and its numerical effect against the float64 reference.

Stated tolerances (error relative to max(1, |ref|), simulated, bf16 inputs):
the native bf16 programs stay within 8e-3 (max); the BFP16 programs within
6e-2 (max) and 6e-3 (mean) -- 8-bit block mantissas keep ~2^-7 of each block's
largest operand, about 10x the bf16 error (bench/bfp16.py, docs/kernels.md).
"""

from __future__ import annotations

import math

import ml_dtypes
import numpy as np
import pytest

from attn import dse, ir, reference
from attn import kernels as K
from attn import target as T

sim = pytest.importorskip("attn.sim")
from attn.aie_compile import compile  # noqa: E402
from attn.sim.host import run_compiled  # noqa: E402

NATIVE_MAX = 8e-3
BFP16_MAX = 6e-2
BFP16_MEAN = 6e-3


def _scalar_bfp16(values: list[float]) -> list[float]:
    """One block of 8 by the format's definition, scalar code (math.frexp / ldexp)."""
    big = max((abs(v) for v in values if math.isfinite(v)), default=0.0)
    if big == 0.0:
        return [v if not math.isfinite(v) else 0.0 for v in values]
    ulp = math.frexp(big)[1] - 1 - 6  # the largest magnitude's mantissa in [64, 128)
    out = []
    for v in values:
        if not math.isfinite(v):
            out.append(v)
            continue
        m = round(math.ldexp(v, -ulp))  # Python rounds half to even
        out.append(math.ldexp(max(-127, min(127, m)), ulp))
    return out


def test_bfp16_round_matches_the_format_definition() -> None:
    rng = np.random.default_rng(7)
    x = (rng.standard_normal((6, 32)) * rng.uniform(1e-3, 1e3, (6, 1))).astype(np.float32)
    x[0, :8] = 0.0  # an all-zero block
    x[1, 3] = np.float32(1e-30)  # tiny next to large values
    x[2, 8:16] = [127.5, 0.25, -63.75, 1, 2, 3, 4, 5]  # mantissa 127.5 rounds to 128 -> clamp
    x[3, 5] = np.inf
    x[4, 17] = np.nan
    got = K.bfp16_round(x, axis=1)
    for r in range(x.shape[0]):
        for b in range(0, 32, 8):
            want = _scalar_bfp16([float(v) for v in x[r, b : b + 8]])
            np.testing.assert_array_equal(got[r, b : b + 8], np.asarray(want, np.float32))
    # Along the other axis: blocks run down the columns.
    np.testing.assert_array_equal(K.bfp16_round(x[:, :8].T.copy(), axis=0), K.bfp16_round(x[:, :8], axis=1).T)
    # Idempotent, and each value within half a mantissa ulp (2^-7 of the block's largest).
    y = K.bfp16_round(x[5:], axis=1)
    np.testing.assert_array_equal(K.bfp16_round(y, axis=1), y)
    blocks = np.abs(x[5:]).reshape(-1, 8).max(axis=1).repeat(8).reshape(1, 32)
    assert (np.abs(y - x[5:]) <= blocks * 2.0**-7 + 1e-30).all()
    assert np.abs(y - x[5:]).max() > 0  # it does round
    with pytest.raises(ValueError, match="multiple of 8"):
        K.bfp16_round(np.ones((2, 12), np.float32), axis=1)


def _layer(h: int, hkv: int, lq: int, lk: int, d: int, causal: str = "none") -> str:
    def t(n: int, length: int) -> str:
        return f"tensor<1x{n}x{length}x{d}xbf16>"

    extra = f" causal {causal}" if causal != "none" else ""
    return (
        f"func.func @layer(%q: {t(h, lq)}, %k: {t(hkv, lk)}, %v: {t(hkv, lk)}) -> {t(h, lq)} {{\n"
        f"  %o = attn.attention %q, %k, %v{extra} : {t(h, lq)}, {t(hkv, lk)}, {t(hkv, lk)} -> {t(h, lq)}\n"
        f"  return %o : {t(h, lq)}\n}}\n"
    )


TILES = {"q_tile": 16, "kv_tile": 16, "columns": 2, "cores_per_column": 2}


def _kernel_defines(program) -> list[dict[str, int]]:
    out = []
    for op in program.aie.body.operations:
        for inner in op.regions[0].blocks[0].operations if op.operation.name == "aie.device" else []:
            if inner.operation.name == "func.func" and "attn.kernel_defines" in inner.attributes:
                d = ir.DictAttr(inner.attributes["attn.kernel_defines"])
                out.append({d[i].name: ir.IntegerAttr(d[i].attr).value for i in range(len(d))})
    return out


def test_plan_selects_the_bfp16_kernel_variant() -> None:
    text = _layer(2, 1, 40, 56, 64, "top_left")
    bfp = compile(text, target="npu2", fold="online", datapath="bfp16", **TILES)
    native = compile(text, target="npu2", fold="online", **TILES)
    assert {tuple(p["intrinsic"]) for p in bfp.report["plans"].values()} == {(8, 8, 8)}
    assert {tuple(p["intrinsic"]) for p in native.report["plans"].values()} == {(4, 8, 8)}
    assert _kernel_defines(bfp) and all(d.get("ATTN_BFP16") == 1 for d in _kernel_defines(bfp))
    assert _kernel_defines(native) and not any("ATTN_BFP16" in d for d in _kernel_defines(native))


def test_bfp16_is_rejected_where_the_target_has_no_such_datapath() -> None:
    with pytest.raises(ValueError, match=r"datapath=bfp16: target 'npu1' has no such matmul datapath for bf16"):
        compile(_layer(2, 2, 32, 32, 64), target="npu1", fold="online", datapath="bfp16", **TILES)
    f32 = _layer(2, 2, 32, 32, 64).replace("bf16", "f32")
    # (f32 layers: rejected for the datapath, or for having no matmul at all on npu2)
    why = (
        r"(datapath=bfp16: target 'npu2' has no such matmul datapath for f32|no matmul intrinsic for element type f32)"
    )
    with pytest.raises(ValueError, match=why):
        compile(f32, target="npu2", fold="online", datapath="bfp16", **TILES)
    with pytest.raises(ValueError, match="datapath"):
        compile(_layer(2, 2, 32, 32, 64), target="npu2", fold="online", datapath="fp8", **TILES)


def test_dse_explores_bfp16_in_the_compiler_space() -> None:
    """attn.dse over the compiler's space with the BFP16 intrinsic gives the plan attn-tile
    attaches with datapath=bfp16, and is faster (modeled) than the native one on npu2."""
    text = _layer(4, 2, 512, 512, 64, "top_left")
    with ir.Context():
        module = ir.Module.parse(text)
        native = dse.explore(module, "npu2", space="attn-tile", fold="online")
        bfp = dse.explore(module, "npu2", space="attn-tile", fold="online", intrinsic=(8, 8, 8))
    assert tuple(bfp.best.plan.intrinsic) == (8, 8, 8)
    assert bfp.best.latency_s < native.best.latency_s
    program = compile(text, target="npu2", fold="online", datapath="bfp16")
    stage = next(iter(program.report["plans"].values()))
    assert (stage["q_tile"], stage["kv_tile"], stage["columns"], stage["cores_per_column"]) == (
        bfp.best.plan.q_tile,
        bfp.best.plan.kv_tile,
        bfp.best.plan.columns,
        bfp.best.plan.cores_per_column,
    )
    auto = compile(text, target="npu2", fold="online", datapath="auto")
    assert tuple(next(iter(auto.report["plans"].values()))["intrinsic"]) == (8, 8, 8)
    # attn-tile's option through attn.dse: the same searches.
    with ir.Context():
        module = ir.Module.parse(text)
        by_option = dse.explore(module, "npu2", space="attn-tile", fold="online", datapath="bfp16")
        either = dse.explore(module, "npu2", space="attn-tile", fold="online", datapath="auto")
        with pytest.raises(ValueError, match="datapath=bfp16: target 'npu1' has no BFP16 datapath"):
            dse.explore(module, "npu1", space="attn-tile", fold="online", datapath="bfp16")
        with pytest.raises(ValueError, match="space='attn-tile'"):
            dse.explore(module, "npu2", fold="online", datapath="auto")
    assert by_option.best.latency_s == pytest.approx(bfp.best.latency_s, rel=1e-12)
    assert tuple(either.best.plan.intrinsic) == (8, 8, 8)
    assert either.best.latency_s == pytest.approx(min(bfp.best.latency_s, native.best.latency_s), rel=1e-12)


def _bf16(a: np.ndarray) -> np.ndarray:
    return a.astype(ml_dtypes.bfloat16).astype(np.float32)


# (fold, h, hkv, lq, lk, d, causal): odd lengths, causal both alignments, GQA/MQA, D 40-128.
SWEEP = [
    ("online", 2, 1, 37, 53, 40, "top_left"),
    ("full", 4, 2, 70, 61, 96, "bottom_right"),
    ("partial", 3, 1, 45, 45, 128, "none"),
    ("unfolded", 2, 2, 29, 83, 80, "top_left"),
]


@pytest.mark.parametrize("case", SWEEP, ids=[f"{c[0]}-h{c[1]}kv{c[2]}-q{c[3]}k{c[4]}d{c[5]}-{c[6]}" for c in SWEEP])
def test_bfp16_error_vs_float64_reference(case) -> None:
    fold, h, hkv, lq, lk, d, causal = case
    rng = np.random.default_rng(lq * 1000 + lk)
    q = _bf16(rng.standard_normal((1, h, lq, d)).astype(np.float32))
    k, v = (_bf16(rng.standard_normal((1, hkv, lk, d)).astype(np.float32)) for _ in range(2))
    ref = reference.attention(q.astype(np.float64), k.astype(np.float64), v.astype(np.float64), causal=causal)
    err = {}
    cycles = {}
    for datapath in ("native", "bfp16"):
        program = compile(_layer(h, hkv, lq, lk, d, causal), target="npu2", fold=fold, datapath=datapath, **TILES)
        run = run_compiled(program, q, k, v, timing=True, max_events=0)
        e = np.abs(run.output.astype(np.float64) - ref) / np.maximum(1.0, np.abs(ref))
        err[datapath] = (float(e.max()), float(e.mean()))
        cycles[datapath] = run.cycles
    assert err["native"][0] <= NATIVE_MAX, err
    assert err["bfp16"][0] <= BFP16_MAX and err["bfp16"][1] <= BFP16_MEAN, err
    # The BFP16 kernels ran: their rounding shows, and so does their faster matmul.
    assert err["bfp16"][1] > 2 * err["native"][1], err
    assert cycles["bfp16"] < cycles["native"], cycles


def test_simulator_times_bfp16_at_the_table_rate() -> None:
    from attn.sim.costs import TimingModel

    npu2 = T.get("npu2")
    timing = TimingModel.from_target(npu2)
    rate = npu2.bf16_via_bfp16.macs_per_cycle * npu2.bf16_via_bfp16.kernel_efficiency
    assert timing.matmul_rate("bfp16") == pytest.approx(rate, rel=1e-12)
    assert timing.matmul_rate("bfp16") > timing.matmul_rate("bf16")
