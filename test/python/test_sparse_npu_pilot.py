"""The shadowAttn pilot on the NPU: the AIE program of ``attn-pilot-to-aie``
run by ``attn.sim`` against the compiled CPU pilot.

* Seeded sweep (odd lengths, GQA, batch, causal none/top_left/bottom_right,
  valid_len, head dims that are not multiples of the int8 intrinsic, q/k
  quantization blocks, npu1 and npu2): the simulated scores equal the CPU
  pilot (``attn.quantize`` + ``attn.pilot_qk`` as compiled code) bit for
  bit, -inf pattern included (both sum the int8 products exactly in i32 and
  apply the three f32 multiplies in the same order).
* The selection on the NPU pilot's scores equals the CPU pilot's selection,
  and ``sparse.run(npu_pilot=...)`` equals the CPU layer.
* ``npu_pilot_cost`` reports SIMULATED time that grows with the work.
Records the cases in <build>/sparse_npu_pilot_report.json. The default run
samples the sweep (sweep_sampling.py); ATTN_FULL_SWEEPS=1 runs it all.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from sweep_sampling import sample

from attn import sparse

# b, h, hkv, lq, lk, d, causal, valid_len, q_block, k_block, dtype, target
CASES = [
    (1, 4, 2, 100, 77, 64, "top_left", None, 64, 64, "bf16", "npu2"),
    (1, 4, 2, 100, 77, 64, "top_left", None, 64, 64, "bf16", "npu1"),
    (2, 4, 1, 40, 53, 24, "bottom_right", [30, 53], 16, 8, "f32", "npu1"),
    (2, 4, 1, 40, 53, 24, "bottom_right", [30, 53], 16, 8, "f32", "npu2"),
    (1, 2, 2, 64, 64, 64, "none", None, 1, 64, "f16", "npu1"),
    (1, 6, 3, 1, 200, 60, "bottom_right", None, 64, 32, "bf16", "npu2"),
    (1, 3, 1, 33, 33, 20, "top_left", None, 4, 4, "f32", "npu2"),
    (2, 2, 2, 17, 130, 32, "none", [130, 7], 64, 64, "bf16", "npu1"),
    (1, 8, 2, 128, 256, 64, "top_left", None, 64, 64, "bf16", "npu2"),
    (1, 8, 2, 128, 256, 64, "bottom_right", None, 64, 64, "bf16", "npu1"),
]
SAMPLED = sample(
    CASES,
    {
        "target": lambda c: c[11],
        "causal": lambda c: c[6],
        "valid_len": lambda c: c[7] is None,
        "gqa": lambda c: c[1] != c[2],
        "d8": lambda c: c[5] % 8 == 0,
        "dtype": lambda c: c[10],
    },
    extra=1,
    seed=14,
)
REPORT: dict = {"cases": []}


def _inputs(case, seed):
    b, h, hkv, lq, lk, d, causal, vl, qb, kb, dtype, target = case
    q, k, v = sparse.synthetic_qkv(b, h, hkv, lq, lk, d, seed=seed)
    valid_len = None if vl is None else np.asarray(vl, dtype=np.int32)
    return q, k, v, valid_len


@pytest.mark.parametrize("case", SAMPLED, ids=[f"pilot{CASES.index(c)}" for c in SAMPLED])
def test_simulated_pilot_equals_cpu_pilot(case) -> None:
    b, h, hkv, lq, lk, d, causal, vl, qb, kb, dtype, target = case
    q, k, v, valid_len = _inputs(case, CASES.index(case) + 7)
    common = dict(causal=causal, valid_len=valid_len, dtype=dtype, q_block=qb, k_block=kb)
    npu = sparse.npu_pilot(q, k, target=target, **common)
    cpu = sparse.pilot(q, k, **common)
    assert npu.scores.shape == cpu.shape == (b, h, lq, lk)
    hidden = np.isneginf(cpu)
    assert np.array_equal(np.isneginf(npu.scores), hidden)
    assert hidden.sum() < hidden.size  # some visible keys to compare
    finite = ~hidden
    err = float(np.abs(npu.scores[finite] - cpu[finite]).max())
    assert np.array_equal(npu.scores, cpu), f"max |npu - cpu| = {err}"
    # Selection on the NPU pilot's scores == selection of the CPU pilot.
    budgets = sparse.budgets_for(0.2, h, lk)
    idx_cpu = sparse.select(q, k, budgets=budgets, **common)
    idx_npu = sparse.select_topk(npu.scores, budgets)
    assert np.array_equal(idx_cpu, idx_npu)
    assert npu.seconds > 0 and npu.cycles > 0 and npu.dram_bytes > 0
    REPORT["cases"].append(
        {
            "case": list(map(str, case)),
            "max_abs_score_error": err,
            "selection_equal": True,
            "simulated_seconds": npu.seconds,
        }
    )
    build = os.environ.get("ATTN_BUILD_DIR")
    if build and Path(build).is_dir():
        (Path(build) / "sparse_npu_pilot_report.json").write_text(json.dumps(REPORT, indent=1))


@pytest.mark.parametrize("target", ["npu1", "npu2"])
def test_run_with_npu_pilot_equals_cpu_layer(target) -> None:
    q, k, v = sparse.synthetic_qkv(1, 4, 2, 96, 130, 64, seed=3)
    mask = np.ones((1, 1, 96, 130), bool)
    mask[..., 5] = False
    kw = dict(keep=0.2, causal="top_left", dtype="bf16", mask=mask)
    cpu = np.asarray(sparse.run(q, k, v, **kw), np.float32)
    npu = np.asarray(sparse.run(q, k, v, npu_pilot=target, **kw), np.float32)
    assert np.array_equal(cpu, npu)
    per_head = sparse.run(q, k, v, head_keep=[0.1, 0.3, 0.2, 0.5], causal="none", npu_pilot=target)
    ref = sparse.run(q, k, v, head_keep=[0.1, 0.3, 0.2, 0.5], causal="none")
    assert np.array_equal(np.asarray(per_head), np.asarray(ref))


def test_pilot_rows_format() -> None:
    x = np.zeros((1, 1, 3, 5), np.float32)
    x[0, 0, 0, :] = [1.0, -2.0, 0.5, 0.0, 127.0]
    x[0, 0, 2, 1] = -3.0
    rows = sparse.pilot_rows(x, 2)
    assert rows.shape == (1, 1, 3, 8 + 4) and rows.dtype == np.int8
    xq, xs = sparse.quantize(x, 2)
    assert np.array_equal(rows[..., :5], xq) and not rows[..., 5:8].any()  # D zero-padded to 8
    scales = np.ascontiguousarray(rows[..., 8:]).view("<f4")[..., 0]
    assert np.array_equal(scales[0, 0], np.array([xs[0, 0, 0], xs[0, 0, 0], xs[0, 0, 1]], np.float32))


def test_npu_pilot_cost_is_simulated_and_grows_with_work() -> None:
    small = sparse.npu_pilot_cost(4, 1, 64, 128, 64, "npu2", "cpu")
    big = sparse.npu_pilot_cost(4, 1, 64, 512, 64, "npu2", "cpu")
    assert small["simulated"] and small["per_kv_head_s"] == pytest.approx(
        small["simulated_array_s_per_kv_head"] + small["dispatch_overhead_s"]
    )
    assert big["simulated_array_s_per_kv_head"] > 2 * small["simulated_array_s_per_kv_head"]
    assert big["total_s"] == pytest.approx(big["per_kv_head_s"])
    on_npu = sparse.npu_pilot_cost(4, 1, 64, 512, 64, "npu2", "npu")
    assert on_npu["select_s_per_kv_head"] > 0
    assert on_npu["per_kv_head_s"] > big["per_kv_head_s"]


def test_npu_pilot_errors() -> None:
    q = np.zeros((1, 2, 8, 8), np.float32)
    with pytest.raises(ValueError, match="NaN or infinite"):
        sparse.pilot_rows(np.full((1, 1, 2, 8), np.nan, np.float32), 4)
    with pytest.raises(ValueError, match="head_dim_multiple"):
        sparse.pilot_rows(q, 4, head_dim_multiple=0)
    with pytest.raises(ValueError, match="q_tile must be a non-negative integer"):
        sparse.npu_pilot_program(q.shape, q.shape, q_tile=-1)
    with pytest.raises(ValueError, match="4 positive dims"):
        sparse.npu_pilot_program((1, 2, 8), q.shape)
    with pytest.raises(ValueError, match="selection must be"):
        sparse.npu_pilot_cost(2, 1, 8, 8, 8, "npu2", "gpu")
    with pytest.raises(ValueError, match="npu_pilot must be a target name"):
        sparse.run(q, q, q, keep=0.5, npu_pilot=2)
    with pytest.raises(Exception, match="unknown target"):
        sparse.npu_pilot(q, q, target="npu9")


@pytest.mark.parametrize("causal", ["top_left", "bottom_right"])
def test_pilot_stage_on_the_cpu_path(causal) -> None:
    """The pilot stage attn-extract-pilot builds (padding, attn.pilot_qk_rows, slice)
    lowered by attn-lower-to-cpu equals the CPU pilot: the correctness chain of the
    NPU program's IR on the host."""
    from attn.compiler import run_on_cpu
    from attn.ir import Context, Module
    from attn.passmanager import PassManager

    q, k, _ = sparse.synthetic_qkv(2, 4, 2, 45, 70, 24, seed=5)
    vl = np.asarray([70, 51], np.int32)
    layer = sparse.sparse_layer(q.shape, k.shape, k.shape, dtype="f32", causal=causal, valid_len=True)
    with Context():
        m = Module.parse(sparse.sparsify(layer, budget=8))
        PassManager.parse("builtin.module(attn-extract-pilot{target=npu1})").run(m.operation)
        text = str(m.operation)
    assert 'attn.stage "pilot"' in text and "attn.pilot_qk_rows" in text
    rows = [sparse.pilot_rows(x, 64) for x in (q, k)]
    got = np.asarray(run_on_cpu(text, *rows, vl, fold=None, target=None))
    want = sparse.pilot(q, k, causal=causal, valid_len=vl)
    assert np.array_equal(got, want)
