"""cost::whyNotEmittable (attn.dse.why_not_emittable): one test per rule of
what the AIE back end emits, each checked against the compiler's own
rejection (same message), plus the search pruning what the rules reject."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from attn import compiler, dse, ir


def _layer(heads: int = 2, kv_heads: int = 2, q_len: int = 256, kv_len: int = 256, causal: str = "none") -> str:
    with ir.Context():
        return str(compiler.attention_layer(1, heads, kv_heads, q_len, kv_len, 64, dtype="bf16", causal=causal))


def _shape(text: str) -> dse.AttentionShape:
    with ir.Context():
        return dse.shape_of(ir.Module.parse(text))


BASE: dict[str, Any] = dict(q_tile=32, kv_tile=64, columns=4, cores_per_column=4, depth=2)


def _why(text: str, target: str = "npu2", fold: str = "online", **fields: Any) -> dse.NotEmittable:
    why = dse.why_not_emittable(_shape(text), target, fold, **{**BASE, **fields})
    assert why is not None, fields
    return why


def _compile_error(text: str, target: str = "npu2", **options: Any) -> str:
    with pytest.raises(ValueError) as info:
        compiler.compile(text, target=target, **options)
    return str(info.value)


def test_default_plans_are_emitted() -> None:
    text = _layer(causal="top_left")
    shape = _shape(text)
    for fold in ("unfolded", "partial", "full", "online"):
        assert dse.why_not_emittable(shape, "npu2", fold, **BASE) is None, fold
        # l2 blocks at the emitted values: lanes per column x q_tile, kv_tile.
        assert dse.why_not_emittable(shape, "npu1", fold, **BASE, l2_q_block=4 * 32, l2_kv_block=64) is None


def test_rule_mapping_stream() -> None:
    text = _layer()
    # The back end emits online stream pipelines (one per column of 3 cores).
    assert (
        dse.why_not_emittable(_shape(text), "npu2", "online", **{**BASE, "mapping": "stream", "cores_per_column": 3})
        is None
    )
    why = _why(text, mapping="stream", cores_per_column=4)
    assert (why.rule, why.field) == ("mapping", "mapping") and "uses 3" in why.message
    why = _why(text, fold="full", mapping="stream", cores_per_column=3)
    assert (why.rule, why.field) == ("mapping", "mapping")
    assert "only the online fold runs as a QK | softmax | PV pipeline" in why.message
    assert "only the online fold runs as a QK | softmax | PV pipeline" in _compile_error(
        text, fold="full", mapping="stream", cores_per_column=3
    )


def test_rule_kv_split() -> None:
    # Cascade chains are emitted for the online fold of layers without
    # explicit mask/bias tensors; other folds are not.
    text = _layer()
    assert dse.why_not_emittable(_shape(text), "npu2", "online", **{**BASE, "kv_split": 2}) is None
    why = _why(text, fold="full", kv_split=2)
    assert (why.rule, why.field) == ("kv_split", "kv_split")
    assert "fold online" in why.message
    with pytest.raises(ValueError) as info:
        with ir.Context():
            dse.explore(ir.Module.parse(text), "npu2", space="attn-tile", fold="full", kv_split=2)
    assert why.message in str(info.value)


def test_rule_k_transpose() -> None:
    text = _layer()
    why = _why(text, k_transpose="core")
    assert why.rule == "k_transpose"
    with pytest.raises(ValueError) as info:
        with ir.Context():
            dse.explore(ir.Module.parse(text), "npu2", space="attn-tile", k_transpose="core")
    assert why.message in str(info.value)


def test_rule_layout_transpose() -> None:
    blhd = dataclasses.replace(_shape(_layer()), layout="blhd")
    assert dse.why_not_emittable(blhd, "npu2", "online", **BASE, layout="dma") is None
    why = dse.why_not_emittable(blhd, "npu2", "online", **BASE, layout="transpose")
    assert why is not None and why.rule == "layout" and "strided shim" in why.message


def test_rule_intermediate() -> None:
    text = _layer()
    why = _why(text, fold="unfolded", intermediate="bf16")
    assert why.rule == "intermediate"
    assert why.message in _compile_error(text, fold="unfolded", intermediate_type="bf16")


def test_rule_causal_skip() -> None:
    causal = _layer(causal="top_left")
    why = _why(causal, causal_skip=False)
    assert why.rule == "causal_skip"
    # Without a causal rule the flag means nothing.
    assert dse.why_not_emittable(_shape(_layer()), "npu2", "online", **BASE, causal_skip=False) is None
    with pytest.raises(ValueError) as info:
        with ir.Context():
            dse.explore(ir.Module.parse(causal), "npu2", space="attn-tile", causal_skip=False)
    assert why.message in str(info.value)


def test_rule_query_tiles_per_lane() -> None:
    # k = 2 query tiles per lane: emitted by the fused online and full folds,
    # not by the stages of the unfolded and partial folds (one tile each).
    text = _layer()
    assert dse.why_not_emittable(_shape(text), "npu2", "online", **{**BASE, "l2_q_block": 2 * 4 * 32}) is None
    why = _why(text, fold="unfolded", l2_q_block=2 * 4 * 32)
    assert (why.rule, why.field) == ("query_tiles", "l2_q_block")
    assert "k x 4 lanes per column x q_tile 32 = k x 128" in why.message
    assert why.message in _compile_error(text, fold="unfolded", **BASE, l2_q_block=256)


def test_rule_kv_block() -> None:
    text = _layer()
    # The whole (padded) key length: L2-resident K/V, emitted for the online
    # and full folds; a block between kv_tile and the key length is not.
    for fold in ("online", "full"):
        assert dse.why_not_emittable(_shape(text), "npu2", fold, **{**BASE, "l2_kv_block": 256}) is None, fold
    why = _why(text, l2_kv_block=128)
    assert (why.rule, why.field) == ("kv_block", "l2_kv_block")
    assert "padded key length 256" in why.message
    assert why.message in _compile_error(text, fold="online", **BASE, l2_kv_block=128)
    why = _why(text, fold="unfolded", l2_kv_block=256)
    assert (why.rule, why.field) == ("kv_block", "l2_kv_block")
    assert "online and full folds, not 'unfolded'" in why.message
    why = _why(text, kv_split=2, l2_kv_block=256)
    assert (why.rule, why.field) == ("kv_block", "l2_kv_block") and "cascade" in why.message
    # D != Dv: the online fold's memtile pattern interleaves equal K and V rows.
    uneven = dataclasses.replace(_shape(text), value_dim=32)
    why = dse.why_not_emittable(uneven, "npu2", "online", **{**BASE, "l2_kv_block": 256})
    assert why is not None and "needs D == Dv" in why.message
    assert dse.why_not_emittable(uneven, "npu2", "full", **{**BASE, "l2_kv_block": 256}) is None


def test_rule_softmax_row() -> None:
    # npu1, depth 2: one f32 score row of 4096 keys, twice (S and P), x depth
    # 2, is 128 KiB > the 64 KiB of L1: the softmax stage streams the rows in
    # kv_tile chunks, twice (emitted, so not pruned); 1024 keys fit whole.
    long = _layer(heads=1, kv_heads=1, q_len=64, kv_len=4096)
    assert dse.why_not_emittable(_shape(long), "npu1", "unfolded", **BASE) is None
    program = compiler.compile(long, target="npu1", fold="unfolded", **BASE)
    softmax = next(s["device"] for s in program.report["stages"] if s["device"].endswith("_softmax"))
    sched = program.report["schedules"][softmax]
    assert (sched["kv_tile"], sched["steps"]) == (64, 2 * 4096 // 64)
    short = _layer(heads=1, kv_heads=1, q_len=64, kv_len=1024)
    assert dse.why_not_emittable(_shape(short), "npu1", "unfolded", **BASE) is None
    # Pruned only when one row of one chunk does not fit L1.
    why = _why(_layer(heads=1, kv_heads=1, q_len=64, kv_len=16384), target="npu1", fold="unfolded", kv_tile=8192)
    assert (why.rule, why.field) == ("softmax_row", "fold")
    assert "chunks of 8192 keys" in why.message and "132104 B > the 65536 B of L1" in why.message


def test_search_prunes_what_is_not_emitted() -> None:
    text = _layer(heads=8, kv_heads=2, q_len=1024, kv_len=1024, causal="top_left")
    ex = dse.explore_shape(_shape(text), "npu2", max_alternatives=30)
    plans = [ex.best.plan, *(a.estimate.plan for a in ex.alternatives), *(p.plan for p in ex.pareto)]
    assert len(plans) > 10
    for plan in plans:
        assert dse.why_not_emittable(_shape(text), "npu2", plan.fold, **plan.options()) is None, plan
    pruned = dict(ex.stats["not_emittable_by"])
    assert ex.stats["not_emittable"] == sum(pruned.values()) > 0
    assert {"mapping", "query_tiles", "kv_block"} <= set(pruned)
    # A field the caller pins is the caller's choice: not pruned, and modelled.
    pinned = dse.explore_shape(_shape(text), "npu2", fold="online", kv_split=2)
    assert pinned.best.plan.kv_split == 2


def test_compile_options_pin_the_plan() -> None:
    text = _layer()
    shape = _shape(text)
    plan = dse.explore_shape(shape, "npu2").best.plan
    options = dse.compile_options(plan, shape)
    assert options["fold"] == plan.fold and options["q_tile"] == plan.q_tile
    assert options["datapath"] == ("bfp16" if tuple(plan.intrinsic) == (8, 8, 8) else "native")
    with pytest.raises(ValueError, match="plan must be an attn.dse.Plan"):
        dse.compile_options({"fold": "online"}, shape)  # type: ignore[arg-type]
