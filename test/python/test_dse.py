"""attn.dse: the cost model's outputs are exactly computable and the search is sane."""

from __future__ import annotations

import sys

import pytest

from attn import dse, ir, target
from attn._mlir_libs import _attn
from attn.errors import AttnError

NPU2 = target.get("npu2")
FOUR_COLUMNS = target.get("npu2_4col")

# Every field given: estimate_shape models exactly this plan.
Q, KV = 32, 32
PLAN = dict(
    q_tile=Q,
    kv_tile=KV,
    l2_q_block=Q,  # one lane per column
    l2_kv_block=KV,
    intrinsic=(8, 8, 8),
    columns=4,
    cores_per_column=1,
    mapping="fused",
    kv_split=1,
    depth=2,
    k_transpose="dma",
    layout="native",
    intermediate="f32",
    causal_skip=True,
)


def shape(**kw) -> dse.AttentionShape:
    base = dict(batch=1, heads=4, kv_heads=4, query_len=64, key_len=256, head_dim=64, value_dim=64)
    base.update(kw)
    return dse.AttentionShape(**base)


def module_text(q, k, v, extra="", operands="", types="", result=None) -> str:
    result = result or q
    return f"""
func.func @f(%q: tensor<{q}>, %k: tensor<{k}>, %v: tensor<{v}>{operands}) -> tensor<{result}> {{
  %o = attn.attention %q, %k, %v {extra} : tensor<{q}>, tensor<{k}>, tensor<{v}> -> tensor<{result}>
  return %o : tensor<{result}>
}}"""


def rate(info) -> float:
    return info.macs_per_cycle * info.kernel_efficiency


# ---------------------------------------------------------------------------
# Exact counts
# ---------------------------------------------------------------------------


def test_mac_cycles_equal_macs_over_rate() -> None:
    # 4 heads x 1 query tile on one core of each of 4 columns of npu2: one
    # round, each core runs its item over the 4 key tiles. (The columns
    # without cores lend their shims to the K/V streams, so each column is a
    # broadcast group of its own; on npu2_4col the groups are 2 columns wide
    # and the emitted decomposition, which the model prices, takes 2 rounds.)
    est = dse.estimate_shape(shape(query_len=Q), "npu2", "online", **PLAN)
    (stage,) = est.stages
    blocks = 256 // KV
    macs_per_block = Q * KV * (64 + 64)
    assert stage.rounds == 1
    (narrow,) = dse.estimate_shape(shape(query_len=Q), "npu2_4col", "online", **PLAN).stages
    assert narrow.rounds == 2 and narrow.matrix_cycles == pytest.approx(2 * stage.matrix_cycles, rel=1e-12)
    assert stage.macs == 4 * blocks * macs_per_block == est.macs == est.useful_macs
    assert stage.matrix_cycles == pytest.approx(blocks * macs_per_block / rate(FOUR_COLUMNS.bf16_via_bfp16), rel=1e-12)
    # Vector work per block: the QK kernel's scale pass, max pass, exp pass,
    # two row reductions, the accumulator rescale and one exp per row; plus
    # init and finalize.
    t = FOUR_COLUMNS
    per_block = (
        2 * Q * KV * t.vector_pass_cycles_per_element
        + Q * KV * t.exp_cycles_per_element
        + 2 * Q * t.row_reduce_cycles
        + Q * 64 * t.vector_pass_cycles_per_element
        + Q * t.exp_cycles_per_element
    )
    expected_vector = blocks * per_block + 2 * Q * 64 * t.vector_pass_cycles_per_element
    assert stage.vector_cycles == pytest.approx(expected_vector, rel=1e-12)
    assert stage.overhead_cycles == pytest.approx((blocks * 2 + 2) * t.kernel_call_overhead_cycles, rel=1e-12)


def test_dram_bytes_of_an_online_plan_match_a_hand_count() -> None:
    est = dse.estimate_shape(shape(query_len=Q), "npu2_4col", "online", **PLAN)
    q = 4 * Q * 64 * 2
    kv = 4 * 256 * 64 * 2  # each of the 4 kv heads streamed once (one round)
    assert est.dram["query"] == q and est.dram["output"] == q
    assert est.dram["key"] == kv and est.dram["value"] == kv
    assert est.dram_bytes == 2 * q + 2 * kv
    assert est.energy_j == pytest.approx(
        est.dram_bytes * NPU2.dram_joules_per_byte + est.macs * NPU2.joules_per_mac, rel=1e-12
    )


def test_gqa_kv_restream_and_query_tiles_per_lane() -> None:
    # 8 query heads share 2 kv heads; 2 query tiles per head -> 16 items,
    # 4 lanes -> 4 rounds of 4 items, two rounds per kv head.
    s = shape(heads=8, kv_heads=2, query_len=2 * Q)
    streamed = dse.estimate_shape(s, "npu2_4col", "online", **PLAN)
    per_kv_head = 256 * 64 * 2
    assert streamed.stages[0].rounds == 4
    assert streamed.dram["key"] == 4 * per_kv_head
    # Two query tiles per lane (l2_q_block = 2 x q_tile per column): a round
    # covers 8 items, one per kv head: K/V read once per kv head.
    two = dse.estimate_shape(s, "npu2_4col", "online", **{**PLAN, "l2_q_block": 2 * Q})
    assert two.stages[0].rounds == 2
    assert two.dram["key"] == two.dram["value"] == 2 * per_kv_head
    # An l2_kv_block covering the padded key length keeps each kv head's K/V
    # resident in L2: read once per unit (here one per kv head).
    big_block = dse.estimate_shape(s, "npu2_4col", "online", **{**PLAN, "l2_kv_block": 256})
    assert big_block.stages[0].rounds == 4
    assert big_block.dram["key"] == big_block.dram["value"] == 2 * per_kv_head


def test_unfolded_score_round_trips_with_causal_skip() -> None:
    # Lq = Lk = 128, 32x32 tiles, top_left causal: query tile i computes key
    # tiles 0..i, i.e. 32 (i + 1) keys for its 32 rows.
    s = shape(heads=2, kv_heads=2, query_len=128, key_len=128, causal="top_left")
    est = dse.estimate_shape(s, "npu2_4col", "unfolded", **PLAN)
    # S and P cross DRAM as whole rows (the softmax stage reads rows; hidden
    # tiles carry their mask), whatever the skip saves in the QK matmuls.
    scores = 2 * 128 * 128
    assert [st.name for st in est.stages] == ["qk", "softmax", "pv"]
    assert est.dram["scores_write"] == scores * 4  # f32 intermediate
    assert est.dram["scores_read"] == scores * 4  # rows fit L1: read once
    assert est.dram["probs_write"] == est.dram["probs_read"] == scores * 4
    assert est.stages[0].macs == 2 * 10 * Q * KV * 64  # 1+2+3+4 computed blocks per head
    # The P·V stage has no causal rule: it multiplies every tile of the rows.
    assert est.stages[2].macs == 2 * 16 * Q * KV * 64
    # Without the skip every block is computed; the rows stored are the same.
    full = dse.estimate_shape(s, "npu2_4col", "unfolded", **{**PLAN, "causal_skip": False})
    assert full.dram["scores_write"] == 2 * 128 * 128 * 4
    assert full.stages[0].macs == 2 * 16 * Q * KV * 64
    bf16 = dse.estimate_shape(s, "npu2_4col", "unfolded", **{**PLAN, "intermediate": "bf16"})
    assert bf16.dram["scores_write"] == scores * 2
    assert est.useful_macs == 2 * (128 * 129 // 2) * 128
    assert len(est.stages) == 3 and est.latency_s == pytest.approx(sum(st.latency_s for st in est.stages))


def test_mask_bytes_follow_the_broadcast_shape() -> None:
    # A [1,1,Lq,Lk] boolean mask: every item (4 heads x 2 query tiles) reads
    # its rows of every computed key tile, in the layer's element type (bf16:
    # the device carries a keep-mask as 1/0).
    s = shape(mask="boolean", mask_shape=(1, 1, 64, 256), mask_element="i8")
    est = dse.estimate_shape(s, "npu2_4col", "online", **PLAN)
    assert est.dram["mask"] == 4 * 64 * 256 * 2
    # The full fold streams its step object, with the mask tiles, twice.
    s = shape(mask="boolean", mask_shape=(1, 1, 64, 64), mask_element="i8", key_len=64)
    online = dse.estimate_shape(s, "npu2_4col", "online", **PLAN)
    full = dse.estimate_shape(s, "npu2_4col", "full", **PLAN)
    assert online.dram["mask"] == 4 * 64 * 64 * 2
    assert full.dram["mask"] == 2 * online.dram["mask"]
    # L1 is the emitted core layout: the step object gains one column's mask
    # tiles (one core per column here), `depth` objects of it.
    plain = dse.estimate_shape(shape(key_len=64), "npu2_4col", "online", **PLAN)
    tiles = PLAN["depth"] * PLAN["cores_per_column"] * PLAN["q_tile"] * PLAN["kv_tile"] * 2
    assert online.stages[0].l1_bytes - plain.stages[0].l1_bytes == tiles
    # A key-padding mask [B,1,1,Lk]: one row per item.
    s = shape(mask="additive", mask_shape=(1, 1, 1, 256), mask_element="bf16")
    est = dse.estimate_shape(s, "npu2_4col", "online", **PLAN)
    assert est.dram["mask"] == 8 * 256 * 2


def test_roofline_is_the_largest_bound_plus_one_dispatch() -> None:
    s = shape(heads=32, kv_heads=32, query_len=2048, key_len=2048)
    res = dse.explore_shape(s, "npu2")
    r = res.roofline
    useful = 32 * 2048 * 2048 * 128
    assert r.useful_macs == useful
    assert r.mac_s == pytest.approx(useful / (512 * NPU2.num_cores * NPU2.clock_hz), rel=1e-12)
    assert r.compulsory_bytes == 4 * 32 * 2048 * 64 * 2
    assert r.dram_s == pytest.approx(r.compulsory_bytes / NPU2.dram_bytes_per_second, rel=1e-12)
    # One max pass and one exp pass per visible score, at the same vector
    # cost the model and the simulator use (22 cycles per 32-lane vector).
    assert NPU2.vector_pass_cycles_per_element == pytest.approx(22 / 32, rel=1e-12)
    v, x = NPU2.vector_pass_cycles_per_element, NPU2.exp_cycles_per_element
    assert r.vector_s == pytest.approx(32 * 2048 * 2048 * (v + x) / (NPU2.num_cores * NPU2.clock_hz), rel=1e-12)
    assert r.vector_ops == 2 * 32 * 2048 * 2048
    bounds = {"matrix": r.mac_s, "vector": r.vector_s, "dram": r.dram_s}
    assert r.binding == max(bounds, key=bounds.get) == "vector"
    assert r.bound_s == pytest.approx(max(bounds.values()) + NPU2.dispatch_overhead_seconds, rel=1e-12)
    assert r.bound_s <= res.latency_s


def test_matmul_model_counts() -> None:
    est = dse.estimate_matmul(512, 512, 512, "npu2", "i8", "i32", tile_m=64, tile_k=64, tile_n=64)
    info = NPU2.element("i8")
    # 64 C tiles on 32 cores: 2 rounds of 64x64x512 tiles.
    assert est.stage.rounds == 2
    assert est.stage.matrix_cycles == pytest.approx(2 * 64 * 64 * 512 / rate(info), rel=1e-12)
    assert est.macs == 512**3
    # A re-read once per column-block round (512 / (64 * 8) = 1), B column
    # blocks resident in L2, C written once.
    assert est.dram_bytes == 512 * 512 + 512 * 512 + 512 * 512 * 4


# ---------------------------------------------------------------------------
# The search
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bert() -> dse.Exploration:
    with ir.Context():
        module = ir.Module.parse(open("examples/bert_base_layer.mlir").read())
        return dse.explore(module, target="npu2")


def test_explore_returns_a_legal_best_and_a_pareto_set(bert: dse.Exploration) -> None:
    assert bert.best.legal and bert.plan == bert.best.plan
    assert bert.latency_s == bert.best.latency_s and bert.dram_bytes == bert.best.dram_bytes
    assert bert.best.l1_bytes <= NPU2.core_l1_bytes and bert.best.l2_bytes <= NPU2.mem_tile_l2_bytes
    points = [(p.latency_s, p.dram_bytes, p.l1_bytes, p.l2_bytes) for p in bert.pareto]
    assert min(p[0] for p in points) == pytest.approx(bert.latency_s)
    for a in points:  # pairwise non-dominated
        for b in points:
            if a != b:
                assert not all(x <= y for x, y in zip(b, a, strict=True))
    assert bert.alternatives
    for alt in bert.alternatives:
        assert alt.estimate.latency_s >= bert.latency_s
        assert "slower" in alt.reason
    assert bert.roofline.bound_s <= bert.latency_s
    assert bert.stats["evaluated"] > 0 and bert.stats["candidates"] >= bert.stats["evaluated"]


def test_folding_beats_the_unfolded_baseline(bert: dse.Exploration) -> None:
    assert set(bert.per_fold) == {"unfolded", "partial", "full", "online"}
    unfolded = bert.per_fold["unfolded"]
    assert isinstance(unfolded, dse.Estimate)
    assert len(unfolded.stages) == 3
    assert unfolded.latency_s > bert.latency_s
    assert unfolded.dram_bytes > bert.dram_bytes
    assert bert.plan.fold in ("full", "online")


def test_long_sequences_cannot_hold_score_rows() -> None:
    res = dse.explore_shape(shape(heads=2, kv_heads=2, query_len=4096, key_len=4096), "npu2")
    assert res.plan.fold == "online"
    assert "L1 use" in res.per_fold["full"]


def test_constraints_are_kept() -> None:
    with ir.Context():
        module = ir.Module.parse(open("examples/llama32_1b_prefill.mlir").read())
        est = dse.estimate(module, target="npu1", fold="unfolded", q_tile=32, depth=2)
    assert est.plan.fold == "unfolded" and est.plan.q_tile == 32 and est.plan.depth == 2
    assert est.plan.target == "npu1" and est.plan.intrinsic == (4, 8, 4)
    assert est.legal


# ---------------------------------------------------------------------------
# Reading the module, and errors
# ---------------------------------------------------------------------------


def test_shape_of_reads_layout_mask_bias_and_valid_len() -> None:
    text = module_text(
        "2x128x8x64xbf16",
        "2x128x2x64xbf16",
        "2x128x2x32xbf16",
        extra="mask(%m : tensor<1x1x128x128xi1>) bias(%b : tensor<8x128x128xf32>) "
        "valid_len(%n : tensor<2xi32>) causal bottom_right layout blhd",
        operands=", %m: tensor<1x1x128x128xi1>, %b: tensor<8x128x128xf32>, %n: tensor<2xi32>",
        result="2x128x8x32xbf16",
    )
    with ir.Context():
        s = dse.shape_of(ir.Module.parse(text))
    assert (s.batch, s.heads, s.kv_heads, s.query_len, s.key_len, s.head_dim, s.value_dim) == (
        2,
        8,
        2,
        128,
        128,
        64,
        32,
    )
    assert s.layout == "blhd" and s.causal == "bottom_right" and s.valid_len
    assert s.mask == "boolean" and s.mask_shape == (1, 1, 128, 128) and s.mask_element == "i8"
    assert s.bias and s.bias_shape == (1, 8, 128, 128) and s.bias_element == "f32"
    est = dse.estimate_shape(s, "npu2", "online")
    assert est.plan.layout in ("dma", "transpose")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(target="npu3"), "target: unknown NPU target 'npu3'"),
        (dict(target=2), "target must be a string"),
        (dict(fold="half"), "fold: unknown fold mode 'half'"),
        (dict(qtile=64), "unknown tile option 'qtile'"),
        (dict(q_tile="64"), "tile option 'q_tile' must be an int"),
        (dict(intrinsic=(1, 2)), "tile option 'intrinsic' must be three ints"),
        (dict(intrinsic=(1, 2, 3)), "plan field 'intrinsic' \\[1, 2, 3\\] is not a bf16 matmul intrinsic"),
        (dict(q_tile=-64), "plan field 'q_tile' \\(-64\\) must be a positive multiple"),
        (dict(mapping="ring"), "field 'mapping': unknown value 'ring'"),
        (dict(fold="unfolded", mapping="stream"), "plan field 'mapping' 'stream' needs fold"),
        (dict(kv_split=3), "plan field 'kv_split' \\(3\\)"),
        (dict(columns=9), "plan field 'columns' must be in 1..8"),
    ],
)
def test_bad_arguments_raise_value_error_naming_them(kwargs, message) -> None:
    with ir.Context():
        module = ir.Module.parse(open("examples/bert_base_layer.mlir").read())
        with pytest.raises(ValueError, match=message):
            dse.estimate(module, **kwargs)


def test_illegal_plan_names_the_broken_limit() -> None:
    big = {**PLAN, "q_tile": 128, "kv_tile": 256, "l2_q_block": 128, "l2_kv_block": 256}
    with pytest.raises(ValueError, match="L1 use .* exceeds the 65536 bytes of a core"):
        dse.estimate_shape(shape(), "npu2", "online", **big)
    est = dse.estimate_shape(shape(), "npu2", "online", allow_illegal=True, **big)
    assert not est.legal and any("L1 use" in v for v in est.violations)
    # The same violations as structs: kind, stage, resource, needed and limit.
    assert len(est.violation_kinds) == len(est.violations)
    l1 = [v for v in est.violation_kinds if v["kind"] == "l1_bytes"]
    assert l1 and l1[0]["stage"] == "attention" and l1[0]["limit"] == 65536
    assert l1[0]["needed"] == est.l1_bytes > 65536
    # Q, K and V need three shim streams; one column has two.
    with pytest.raises(ValueError, match="shim input streams"):
        dse.estimate_shape(
            shape(), "npu2", "online", **{**PLAN, "columns": 1, "cores_per_column": 4, "l2_q_block": 4 * Q}
        )


@pytest.mark.parametrize(
    "text, message",
    [
        ("func.func @f() { return }", "exactly one attn.attention op, found 0"),
        (
            module_text("1x2x?x64xbf16", "1x2x?x64xbf16", "1x2x?x64xbf16"),
            "operand 'query' of attn.attention has a dynamic dim 2",
        ),
    ],
)
def test_module_errors(text, message) -> None:
    with ir.Context():
        module = ir.Module.parse(text)
        with pytest.raises(ValueError, match=message):
            dse.explore(module)


def test_module_argument_type() -> None:
    with pytest.raises(ValueError, match="module must be an attn.ir.Module"):
        dse.explore("not a module")


def test_bound_structs_reject_bad_fields_naming_them() -> None:
    plan = _attn.Plan()
    assert (plan.fold, plan.q_tile, plan.mapping, plan.intrinsic) == ("online", 64, "fused", (0, 0, 0))
    with pytest.raises(AttnError, match=r"plan field 'mapping': unknown value 'ring'; valid: fused, stream"):
        plan.mapping = "ring"
    with pytest.raises(AttnError, match=r"plan field 'depth' is out of range \(4294967296\)"):
        plan.depth = 2**32
    with pytest.raises(AttnError, match=r"plan field 'intrinsic' must be three integers"):
        plan.intrinsic = (8, 8)
    fixed = _attn.PlanConstraints()
    assert fixed.fold is None and fixed.depth is None
    with pytest.raises(AttnError, match=r"fixed field 'fold': unknown value 'folded'; valid: unfolded, partial"):
        fixed.fold = "folded"
    with pytest.raises(AttnError, match=r"shape field 'causal': unknown value 'sideways'; valid: none, top_left"):
        dse.estimate_shape(shape(causal="sideways"), "npu2", "online", **PLAN)
    with pytest.raises(AttnError, match=r"shape field 'heads': expected int, got 'four'"):
        dse.estimate_shape(shape(heads="four"), "npu2", "online", **PLAN)
    with pytest.raises(AttnError, match=r"'heads' \(3\) must be a multiple of 'kv_heads' \(4\)"):
        dse.estimate_shape(shape(heads=3), "npu2", "online", **PLAN)
    native = shape()._native()
    with pytest.raises(AttnError, match=r"unknown NPU target 'npu3'; valid targets: npu1, "):
        _attn.estimate(native, _attn.Plan(), "npu3")
    with pytest.raises(AttnError, match=r"space: unknown search space 'some'"):
        _attn.explore(native, "npu2", _attn.PlanConstraints(), space="some")
    with pytest.raises(AttnError, match=r"matmul field 'element': unknown value 'f64'"):
        dse.estimate_matmul(64, 64, 64, element="f64")


def test_violations_are_bound_structs() -> None:
    big = {**PLAN, "q_tile": 128, "kv_tile": 256, "l2_q_block": 128, "l2_kv_block": 256}
    plan = _attn.Plan()
    for name, value in big.items():
        setattr(plan, name, value)
    native = _attn.estimate(shape()._native(), plan, "npu2")
    assert not native.legal
    (l1,) = [v for v in native.violations if v.kind == "l1_bytes"]
    assert (l1.stage, l1.resource, l1.limit) == ("attention", "L1 bytes of a core", 65536)
    assert l1.needed == native.l1_bytes > l1.limit and "L1 use" in l1.message
    # attn.dse reports the same structs as mappings, in the same order.
    est = dse.estimate_shape(shape(), "npu2", "online", allow_illegal=True, **big)
    assert [dict(v) for v in est.violation_kinds] == [
        {"kind": v.kind, "stage": v.stage, "resource": v.resource, "needed": v.needed, "limit": v.limit}
        for v in native.violations
    ]


def test_target_table_carries_the_cost_model_fields() -> None:
    assert NPU2.bf16_via_bfp16.intrinsic == (8, 8, 8) and NPU2.bf16_via_bfp16.macs_per_cycle == 512
    assert target.get("npu1").bf16_via_bfp16.macs_per_cycle == 0
    assert NPU2.vector_pass_cycles_per_element > 0 and NPU2.energy_is_assumption


def test_plot_reports_missing_matplotlib(bert: dse.Exploration, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match="attn.dse.plot needs matplotlib"):
        dse.plot(bert)
    with pytest.raises(ValueError, match="exploration must be an attn.dse.Exploration"):
        dse.plot(bert.best)


def test_plot_writes_a_figure(bert: dse.Exploration, tmp_path) -> None:
    pytest.importorskip("matplotlib")
    path = tmp_path / "space.png"
    dse.plot(bert, path=str(path))
    assert path.stat().st_size > 0
