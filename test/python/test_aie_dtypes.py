"""f16 and f32 layers compiled for the NPU (npu1, npu2) and simulated against
the float64 reference (``attn.reference``).

Neither target has an f16 or f32 matmul: the target table runs them on the
bf16 matmul as sums of bf16 partial products (f32: 3 terms per operand, 6
passes; f16: 2 terms, 3 passes, exact for f16 values), and
``allow_precision_loss=True`` rounds the operands to bf16 instead (one pass,
reported). Inputs are drawn in float32 and rounded to the layer's type before
both the program and the reference see them, so the error below is the
datapath's. Error = max |out - ref| / max |ref| over the output.

Tolerances (docs/kernels.md, "f16 and f32 layers"):
  f32 (bf16x6)            1e-5   (f32 accumulation and exp; the 6 products keep ~2^-24)
  f16 (bf16x3)            2^-10  (the f16 output rounding, half an ulp is 2^-11)
  f32/f16, precision loss 1e-2   (Q, K, V and P rounded to bf16: 2^-9 each, through softmax)
The measured worst errors go to <build>/aie_dtypes_report.json.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from attn import reference
from attn import target as targets

sim = pytest.importorskip("attn.sim")
import aie_host  # noqa: E402

from attn import dse  # noqa: E402
from attn.aie_compile import compile  # noqa: E402

TOL = {"f32": 1e-5, "f16": 2.0**-10, "lossy": 1e-2}
SHAPE = dict(b=1, h=2, hkv=1, lq=40, lk=56, d=64)
_REPORT: dict[str, dict[str, float]] = {}


@pytest.fixture(scope="module", autouse=True)
def report(tmp_path_factory):
    yield
    where = Path(os.environ.get("ATTN_BUILD_DIR") or tmp_path_factory.getbasetemp())
    (where / "aie_dtypes_report.json").write_text(json.dumps(_REPORT, indent=1, sort_keys=True))


def _inputs(dtype: str, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    s = SHAPE
    arrays = (
        rng.standard_normal((s["b"], s["h"], s["lq"], s["d"])),
        rng.standard_normal((s["b"], s["hkv"], s["lk"], s["d"])),
        rng.standard_normal((s["b"], s["hkv"], s["lk"], s["d"])),
    )
    return tuple(reference.round_to_dtype(a.astype(np.float32), dtype) for a in arrays)


def _simulate(target: str, dtype: str, fold: str, lossy: bool, causal: str = "top_left"):
    s = SHAPE
    text = aie_host.layer_text(s["b"], s["h"], s["hkv"], s["lq"], s["lk"], s["d"], causal=causal, dtype=dtype)
    program = compile(
        text, target=target, fold=fold, q_tile=16, kv_tile=16, columns=2, cores_per_column=2,
        allow_precision_loss=lossy,
    )  # fmt: skip
    q, k, v = _inputs(dtype, seed=hash((target, dtype, fold)) % 2**32)
    out, results = aie_host.run(program, q, k, v, None, timing=True)
    got = aie_host.output(program, out, q.shape).astype(np.float64)
    ref = reference.attention(q.astype(np.float64), k.astype(np.float64), v.astype(np.float64), causal=causal)
    err = float(np.abs(got - ref).max() / np.abs(ref).max())
    cycles = max(r.cycles for r in results) if results else 0
    return program, err, cycles


CASES = [
    (target, dtype, fold, lossy)
    for target in ("npu1", "npu2")
    for dtype in ("f32", "f16")
    for fold, lossy in (("online", False), ("full", False), ("online", True))
]


@pytest.mark.parametrize("target,dtype,fold,lossy", CASES, ids=lambda x: str(x))
def test_layer_matches_float64_reference(target, dtype, fold, lossy):
    program, err, _ = _simulate(target, dtype, fold, lossy)
    want = "bf16_rounded" if lossy else {"f32": "bf16x6", "f16": "bf16x3"}[dtype]
    assert {s["matmul"] for s in program.report["stages"]} == {want}
    assert program.report["precision_loss"] is lossy
    # f16/f32 in DRAM: the program buffers hold the layer's type (2 / 4 bytes per element).
    elem = {"f32": 4, "f16": 2}[dtype]
    s = SHAPE
    for schedule in program.report["schedules"].values():
        assert schedule["buffer_bytes"]["k"] % (s["hkv"] * s["d"] * elem) == 0
        assert schedule["buffer_bytes"]["q"] >= s["b"] * s["h"] * s["lq"] * s["d"] * elem
    tol = TOL["lossy"] if lossy else TOL[dtype]
    key = f"{target}/{dtype}{'/precision_loss' if lossy else ''}/{fold}"
    _REPORT[key] = {"max_rel_error": err, "tolerance": tol}
    assert err <= tol, f"{key}: error {err:.3g} > {tol:.3g}"
    if not lossy:  # the emulation is measurably better than rounding to bf16
        assert err < 1e-3


def test_target_table_passes_and_cost():
    """The table's f16/f32 entries: the bf16 intrinsic at 1/passes of its rate;
    the cost model charges an f32 layer's matmuls 6x and f16's 3x bf16's, and
    allow_precision_loss brings f32 back to the bf16 rate."""
    from attn import kernels

    for name in ("npu1", "npu2"):
        t = targets.get(name)
        bf16 = t.elements["bf16"]
        for elem, splits, passes in (("f32", 3, 6), ("f16", 2, 3)):
            info = t.elements[elem]
            assert (info.bf16_splits, info.matmul_passes) == (splits, passes)
            assert info.intrinsic == bf16.intrinsic
            assert info.macs_per_cycle == pytest.approx(bf16.macs_per_cycle / passes)
            assert kernels.SPLITS[elem] == splits  # the simulator's kernels agree with the table
        shape = dict(batch=1, heads=8, kv_heads=8, query_len=512, key_len=512, head_dim=64, value_dim=64)

        def model(name=name, shape=shape, **extra):
            # Tiles every element type fits in L1 with a plan the compiler emits
            # (f32 at 32 x 64 only fits with the model's cascade/stream plans).
            return dse.estimate_shape(dse.AttentionShape(**shape, **extra), name, fold="online", q_tile=32, kv_tile=32)

        est = {e: model(element=e) for e in ("bf16", "f16", "f32")}
        lossy = model(element="f32", matmul_in_bf16=True)
        assert est["f32"].datapath["name"] == "bf16x6" and est["f16"].datapath["name"] == "bf16x3"
        assert lossy.datapath["name"] == "bf16_rounded"
        for e in ("f16", "f32"):
            # more matmul cycles and more DRAM bytes (f32) than bf16
            assert est[e].latency_s > est["bf16"].latency_s
        assert lossy.latency_s < est["f32"].latency_s
        _REPORT[f"{name}/modeled_latency_ratio_vs_bf16"] = {
            e: est[e].latency_s / est["bf16"].latency_s for e in ("f16", "f32")
        } | {"f32_precision_loss": lossy.latency_s / est["bf16"].latency_s}


def test_upstream_syntax_of_f16_program():
    program, _, _ = _simulate("npu2", "f16", "unfolded", False, causal="none")
    aie_host.check_upstream_syntax(program)
    assert "memref<16x64xf16>" in program.text
