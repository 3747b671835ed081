"""shadowAttn (attn-sparsify, attn.sparse): compiled pilot/selection/sparse
stage against their numpy statements and the float64 reference.

* The compiled pilot + top-k (attn.quantize, attn.pilot_qk, attn.topk on the
  CPU path) select exactly the keys the numpy statement of the ops selects.
* The exact sparse stage over its selected keys equals the float64
  reference restricted to those keys (reference with a keep-mask of the
  selection), for causal, GQA, valid_len, masks, bias and odd lengths.
* A seeded sweep of whole sparse layers (attn-sparsify -> CPU) records the
  attention-mass recall and the error against the dense reference in
  <build>/sparse_sweep_report.json (SYNTHETIC structured Q/K, docs/sparse.md).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from attn import reference, sparse
from attn.ir import Context, Module

RTOL = {"bf16": 2.0**-8, "f16": 2.0**-11, "f32": 1e-5}
ATOL_PER_MAX_V = 4e-5


def _rounded(x: np.ndarray, dtype: str) -> np.ndarray:
    return reference.round_to_dtype(x, dtype).astype(np.float64)


def _assert_close(out: np.ndarray, ref: np.ndarray, v: np.ndarray, dtype: str) -> float:
    out = np.asarray(out, dtype=np.float64)
    atol = ATOL_PER_MAX_V * max(1.0, float(np.abs(v).max()))
    tol = atol + RTOL[dtype] * np.abs(ref)
    err = np.abs(out - ref)
    assert np.all(err <= tol), f"max error {err.max():.3g}, worst err/tol {(err / tol).max():.3g}"
    return float(err.max())


# ---------------------------------------------------------------------------
# Pilot + selection: compiled == numpy statement
# ---------------------------------------------------------------------------

SELECT_CASES = [
    # b, h, hkv, lq, lk, d, causal, valid_len, budgets, q_block, k_block
    (1, 2, 2, 37, 37, 16, "none", None, 9, 8, 5),
    (1, 4, 2, 19, 53, 24, "bottom_right", None, [3, 11, 7, 1], 64, 16),
    (2, 3, 1, 21, 21, 8, "top_left", [13, 21], 6, 1, 64),
    (2, 2, 1, 5, 70, 32, "bottom_right", [70, 33], 70, 2, 64),
]


@pytest.mark.parametrize("case", SELECT_CASES, ids=[f"sel{i}" for i in range(len(SELECT_CASES))])
def test_compiled_selection_matches_numpy(case) -> None:
    b, h, hkv, lq, lk, d, causal, vl, budgets, qb, kb = case
    rng = np.random.default_rng(7)
    q = rng.standard_normal((b, h, lq, d)).astype(np.float32)
    k = rng.standard_normal((b, hkv, lk, d)).astype(np.float32)
    k[:, :, 0] *= 6.0  # an outlier row: per-block scales matter
    valid_len = None if vl is None else np.asarray(vl, dtype=np.int32)
    got = sparse.select(q, k, budgets=budgets, causal=causal, valid_len=valid_len, q_block=qb, k_block=kb)
    scores = sparse.pilot_scores(q, k, causal=causal, valid_len=valid_len, q_block=qb, k_block=kb)
    want = sparse.topk(scores, budgets)
    np.testing.assert_array_equal(got, want)
    # The two halves as separate programs (the selection-on-CPU plan).
    compiled_scores = sparse.pilot(q, k, causal=causal, valid_len=valid_len, q_block=qb, k_block=kb)
    np.testing.assert_array_equal(compiled_scores, scores)
    np.testing.assert_array_equal(sparse.select_topk(compiled_scores, budgets), want)
    # Selected keys are visible, distinct and increasing; -1 only at the end.
    vis = np.broadcast_to(reference.visible_keys(b, lq, lk, causal=causal, valid_len=valid_len), (b, h, lq, lk))
    per_head = np.broadcast_to(np.asarray(budgets), (h,))
    for bb, hh, i in np.ndindex(b, h, lq):
        row = got[bb, hh, i]
        used = row[row >= 0]
        assert np.all(row[len(used) :] == -1)
        assert np.all(np.diff(used) > 0) and np.all(vis[bb, hh, i, used])
        assert len(used) == min(int(vis[bb, hh, i].sum()), int(per_head[hh]))


def test_topk_statement_picks_largest_scores() -> None:
    s = np.array([[[[0.5, 3.0, -np.inf, 3.0, 1.0, np.nan]]]], dtype=np.float32)
    # Budget 2: the two 3.0 keys; budget 1: the lower of the tied keys.
    np.testing.assert_array_equal(sparse.topk(s, 2), [[[[1, 3]]]])
    np.testing.assert_array_equal(sparse.topk(s, 1), [[[[1]]]])
    # More budget than visible keys (-inf and NaN are hidden): -1 slots.
    np.testing.assert_array_equal(sparse.topk(s, 6), [[[[0, 1, 3, 4, -1, -1]]]])
    got = sparse.select(np.eye(4, dtype=np.float32)[None, None], np.eye(4, dtype=np.float32)[None, None], budgets=2)
    # Row i: key i, then the lowest of the tied zero scores.
    np.testing.assert_array_equal(got[0, 0], [[0, 1], [0, 1], [0, 2], [0, 3]])


# ---------------------------------------------------------------------------
# Exact sparse stage over given keys
# ---------------------------------------------------------------------------

STAGE_CASES = [
    # b, h, hkv, lq, lk, d, causal, valid_len, mask, bias, dtype, slots
    (1, 2, 2, 13, 13, 16, "none", None, None, False, "f32", 5),
    (2, 4, 2, 9, 31, 24, "bottom_right", None, "bool", False, "f32", 12),
    (1, 6, 2, 17, 17, 8, "top_left", None, "additive", True, "f32", 17),
    (2, 3, 1, 11, 29, 40, "none", [29, 7], None, True, "bf16", 9),
    (1, 4, 4, 1, 64, 64, "bottom_right", [50], "bool", False, "f16", 20),
    (2, 2, 1, 33, 33, 32, "top_left", [33, 20], None, False, "bf16", 3),
]


def _random_indices(rng: np.random.Generator, b: int, h: int, lq: int, lk: int, slots: int) -> np.ndarray:
    idx = np.full((b, h, lq, slots), -1, dtype=np.int32)
    for bb in range(b):
        for hh in range(h):
            for i in range(lq):
                n = int(rng.integers(0, slots + 1))
                idx[bb, hh, i, :n] = np.sort(rng.choice(lk, size=min(n, lk), replace=False))
    idx[0, 0, 0] = -1  # a row without any selected key
    return idx


@pytest.mark.parametrize("case", STAGE_CASES, ids=[f"stage{i}" for i in range(len(STAGE_CASES))])
def test_sparse_stage_equals_reference_restricted(case) -> None:
    b, h, hkv, lq, lk, d, causal, vl, mask_kind, has_bias, dtype, slots = case
    rng = np.random.default_rng(11)
    q = rng.standard_normal((b, h, lq, d)).astype(np.float32)
    k = rng.standard_normal((b, hkv, lk, d)).astype(np.float32)
    v = rng.standard_normal((b, hkv, lk, d)).astype(np.float32)
    valid_len = None if vl is None else np.asarray(vl, dtype=np.int32)
    mask = None
    if mask_kind == "bool":
        mask = rng.random((b, 1, lq, lk)) > 0.3
    elif mask_kind == "additive":
        mask = rng.standard_normal((1, 1, lq, lk)).astype(np.float32)
    bias = rng.standard_normal((1, h, 1, lk)).astype(np.float32) if has_bias else None
    idx = _random_indices(rng, b, h, lq, lk, slots)
    out = sparse.sparse_attention(q, k, v, idx, causal=causal, mask=mask, bias=bias, valid_len=valid_len, dtype=dtype)
    sel = sparse.selection_mask(idx, lk)
    restricted = sel if mask_kind != "bool" else sel & mask
    mr, br = (_rounded(x, dtype) if x is not None else None for x in (mask if mask_kind == "additive" else None, bias))
    ref = reference.attention(
        _rounded(q, dtype),
        _rounded(k, dtype),
        _rounded(v, dtype),
        mask=restricted,
        bias=br if mr is None else br + mr if br is not None else mr,
        valid_len=valid_len,
        causal=causal,
    )
    _assert_close(out, ref, v, dtype)
    assert np.all(np.asarray(out, dtype=np.float64)[0, 0, 0] == 0.0)  # no selected key: zeros


def test_full_selection_equals_dense_attention() -> None:
    rng = np.random.default_rng(3)
    q, k, v = (rng.standard_normal(s).astype(np.float32) for s in ((1, 4, 23, 16), (1, 2, 23, 16), (1, 2, 23, 16)))
    out = sparse.run(q, k, v, keep=1.0, causal="top_left", dtype="f32", q_block=4, k_block=8)
    _assert_close(out, reference.attention(q, k, v, causal="top_left"), v, "f32")


# ---------------------------------------------------------------------------
# Whole layer (attn-sparsify) and calibration
# ---------------------------------------------------------------------------


def test_run_selects_pilot_keys_and_is_exact_on_them() -> None:
    q, k, v = sparse.synthetic_qkv(1, 4, 2, 24, 96, 32, seed=5)
    keep = 0.2
    out = sparse.run(q, k, v, keep=keep, causal="bottom_right", q_block=8, k_block=16)
    budgets = sparse.budgets_for(keep, 4, 96)
    idx = sparse.topk(sparse.pilot_scores(q, k, causal="bottom_right", q_block=8, k_block=16), budgets)
    ref = reference.attention(q, k, v, causal="bottom_right", mask=sparse.selection_mask(idx, 96))
    _assert_close(out, ref, v, "f32")


def _head_budgets(text: str) -> list[int]:
    with Context():
        m = Module.parse(text)
        found: list[list[int]] = []

        def visit(op) -> None:
            if op.name == "attn.topk":
                found.append(list(op.attributes["head_budgets"]))
            for region in op.regions:
                for block in region.blocks:
                    for inner in block.operations:
                        visit(inner.operation)

        visit(m.operation)
    assert len(found) == 1
    return found[0]


def test_calibrate_reaches_target_and_drives_the_pass() -> None:
    h, lk = 5, 256
    q, k, v = sparse.synthetic_qkv(1, h, h, 64, lk, 32, seed=2)
    target = 0.9
    keep = sparse.calibrate(q, k, target=target, causal="bottom_right", q_block=16, k_block=16)
    assert keep.shape == (h,) and np.all((keep > 0) & (keep <= 1))
    assert keep.max() > 1.5 * keep.min()  # the heads differ (per-head ratios)
    budgets = sparse.budgets_for(keep, h, lk)
    probs = sparse.attention_probs(q, k, causal="bottom_right")
    idx = sparse.topk(sparse.pilot_scores(q, k, causal="bottom_right", q_block=16, k_block=16), budgets)
    recall = sparse.attention_recall(probs, idx).mean(axis=(0, 2))
    assert np.all(recall >= target - 1e-9)
    # One key fewer in any head misses the target (smallest budget).
    for hh in range(h):
        if budgets[hh] > 1:
            fewer = budgets.copy()
            fewer[hh] -= 1
            idx2 = sparse.topk(sparse.pilot_scores(q, k, causal="bottom_right", q_block=16, k_block=16), fewer)
            assert sparse.attention_recall(probs, idx2).mean(axis=(0, 2))[hh] < target
    # The attribute is what attn-sparsify reads.
    text = sparse.with_head_keep(sparse.sparse_layer(q.shape, k.shape, v.shape, causal="bottom_right"), keep)
    assert _head_budgets(sparse.sparsify(text, q_block=16, k_block=16)) == [int(x) for x in budgets]


# ---------------------------------------------------------------------------
# Seeded sweep of whole sparse layers (recall / error recorded)
# ---------------------------------------------------------------------------

SWEEP = [
    # b, h, hkv, lq, lk, d, causal, valid_len, keep, dtype
    (1, 4, 2, 31, 127, 32, "bottom_right", None, 0.2, "f32"),
    (2, 2, 1, 17, 17, 16, "top_left", [17, 9], 0.5, "f32"),
    (1, 6, 3, 1, 200, 64, "bottom_right", None, 0.1, "bf16"),
    (1, 5, 5, 45, 45, 32, "none", None, 0.3, "f16"),
    (2, 4, 1, 19, 77, 24, "bottom_right", [77, 40], 0.2, "f32"),
]
REPORT: dict = {"cases": []}


@pytest.mark.parametrize("case", SWEEP, ids=[f"layer{i}" for i in range(len(SWEEP))])
def test_sparse_layer_sweep(case) -> None:
    b, h, hkv, lq, lk, d, causal, vl, keep, dtype = case
    q, k, v = sparse.synthetic_qkv(b, h, hkv, lq, lk, d, seed=len(REPORT["cases"]) + 100)
    q, k, v = (_rounded(x, dtype).astype(np.float32) for x in (q, k, v))
    valid_len = None if vl is None else np.asarray(vl, dtype=np.int32)
    out = np.asarray(sparse.run(q, k, v, keep=keep, causal=causal, valid_len=valid_len, dtype=dtype), np.float64)
    budgets = sparse.budgets_for(keep, h, lk)
    scores = sparse.pilot_scores(q, k, causal=causal, valid_len=valid_len)
    idx = sparse.topk(scores, budgets)
    restricted = reference.attention(q, k, v, causal=causal, valid_len=valid_len, mask=sparse.selection_mask(idx, lk))
    err = _assert_close(out, restricted, v, dtype)
    dense = reference.attention(q, k, v, causal=causal, valid_len=valid_len)
    recall = sparse.attention_recall(sparse.attention_probs(q, k, causal=causal, valid_len=valid_len), idx)
    rel = float(np.linalg.norm(out - dense) / max(np.linalg.norm(dense), 1e-30))
    assert 0.0 <= recall.min() <= recall.max() <= 1.0 + 1e-9
    REPORT["cases"].append(
        {
            "case": list(map(str, case)),
            "max_abs_error_vs_restricted_reference": err,
            "median_head_recall": float(np.median(recall.mean(axis=(0, 2)))),
            "rel_error_vs_dense_reference": rel,
        }
    )
    build = os.environ.get("ATTN_BUILD_DIR")
    if build and Path(build).is_dir():
        (Path(build) / "sparse_sweep_report.json").write_text(json.dumps(REPORT, indent=1))


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


def test_argument_errors() -> None:
    q = np.zeros((1, 2, 4, 8), np.float32)
    with pytest.raises(ValueError, match="exactly one of keep, budget and head_keep"):
        sparse.run(q, q, q, keep=0.5, budget=2)
    bad = q.copy()
    bad[0, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="'q' contains NaN"):
        sparse.run(bad, q, q, keep=0.5)
    with pytest.raises(ValueError, match="keep must be a fraction"):
        sparse.run(q, q, q, keep=1.5)
    with pytest.raises(ValueError, match="'indices' entries must be key positions"):
        sparse.sparse_attention(q, q, q, np.full((1, 2, 4, 2), 4, np.int32))
    with pytest.raises(ValueError, match="target must be a fraction"):
        sparse.calibrate(q, q, target=0.0)
    with pytest.raises(ValueError, match="head_keep must be"):
        sparse.with_head_keep(sparse.sparse_layer(q.shape, q.shape, q.shape), [0.5, 0.0])
    with pytest.raises(ValueError, match="budgets must be"):
        sparse.select(q, q, budgets=5)
    with pytest.raises(ValueError, match="H = 2 must be a multiple"):
        sparse.run(q, np.zeros((1, 3, 4, 8), np.float32), np.zeros((1, 3, 4, 8), np.float32), keep=0.5)
    # The pass's own diagnostic reaches Python.
    text = sparse.with_head_keep(sparse.sparse_layer(q.shape, q.shape, q.shape), [0.5, 0.5, 0.5])
    with pytest.raises(Exception, match="gives 3 keep fractions but the layer has H = 2"):
        sparse.sparsify(text)


# ---------------------------------------------------------------------------
# Buckets, pipeline, modeled pilot cost
# ---------------------------------------------------------------------------


def test_bucketed_selection_equals_unpadded() -> None:
    buckets = sparse.LengthBuckets([16, 32, 64])
    assert buckets.bucket_for(17) == 32 and buckets.bucket_for(32) == 32
    with pytest.raises(ValueError, match="exceeds the largest bucket 64"):
        buckets.bucket_for(65)
    for length in (5, 23, 32):
        q, k, _ = sparse.synthetic_qkv(1, 2, 1, length, length, 16, seed=length, q_positions=np.arange(length))
        got = buckets.select(q, k, budgets=[3, 4], causal="top_left", q_block=4, k_block=8)
        want = sparse.topk(sparse.pilot_scores(q, k, causal="top_left", q_block=4, k_block=8), [3, 4])
        np.testing.assert_array_equal(got, want)
    over = buckets.padding_overhead([16, 17, 64])
    assert over["tokens"] == pytest.approx((16 + 32 + 64) / (16 + 17 + 64) - 1)
    assert over["pilot_work"] == pytest.approx((16**2 + 32**2 + 64**2) / (16**2 + 17**2 + 64**2) - 1)
    assert over["programs"] == 3


def test_pipeline_overlaps_npu_and_cpu() -> None:
    t = sparse.pipeline([1.0, 1.0, 1.0], [2.0, 2.0, 2.0])
    assert t["makespan_s"] == pytest.approx(7.0)  # 1 + 3 * 2: the CPU is the bottleneck
    assert t["steps"][1]["npu"] == [1.0, 2.0] and t["steps"][1]["cpu"] == [3.0, 5.0]
    t2 = sparse.pipeline([3.0, 3.0], [1.0, 1.0])
    assert t2["makespan_s"] == pytest.approx(7.0)  # 3 + 3 + 1: the NPU is the bottleneck
    trace = sparse.perfetto_trace(t)
    spans = [e for e in trace["traceEvents"] if e["ph"] == "X"]
    assert len(spans) == 6 and spans[-1]["ts"] == pytest.approx(5e6) and spans[-1]["dur"] == pytest.approx(2e6)
    with pytest.raises(ValueError, match="equal length"):
        sparse.pipeline([1.0], [])


@pytest.mark.parametrize("tgt,intrinsic", [("npu1", [4, 8, 8]), ("npu2", [8, 8, 8])])
def test_pilot_cost_uses_int8_intrinsic(tgt: str, intrinsic: list[int]) -> None:
    cpu = sparse.pilot_cost(32, 8, 256, 4096, 64, tgt, "cpu")
    npu = sparse.pilot_cost(32, 8, 256, 4096, 64, tgt, "npu")
    assert cpu["intrinsic"] == intrinsic and npu["intrinsic"] == intrinsic
    assert cpu["total_s"] == pytest.approx(8 * cpu["per_kv_head_s"])
    assert npu["select_s_per_kv_head"] > 0 and cpu["select_s_per_kv_head"] == 0
    # Twice the keys: at least twice the GEMM work.
    assert sparse.pilot_cost(32, 8, 256, 8192, 64, tgt, "cpu")["gemm_s_per_kv_head"] > 1.5 * cpu["gemm_s_per_kv_head"]
