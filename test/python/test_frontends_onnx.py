"""ONNX frontend on graphs built with onnx.helper: the Attention op (opset 23/24)
in its forms, decomposed patterns with constant masks, Softmaxes that are not
attention (reported with the reason), the MLIR it imports to, the CLI and errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from attn.frontends import onnx as fe  # noqa: E402

TOL = 2e-2
F = TensorProto.FLOAT


def _vi(name, shape, elem=F):
    return helper.make_tensor_value_info(name, elem, shape)


def _model(nodes, inputs, outputs, inits=(), opset=23):
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(inits))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 10
    onnx.checker.check_model(model)
    return model


def _rand(*shape, seed=0):
    return np.random.default_rng(seed + sum(shape)).standard_normal(shape).astype(np.float32)


def _assert_checked(result, simulated=True):
    assert result.layers
    for c in result.layers:
        assert c.cpu_error <= TOL, c
        if simulated:
            assert c.skipped == [] and c.sim_error <= TOL, c
    assert result.ok == simulated


def test_attention_op_gqa_causal_scale() -> None:
    node = helper.make_node("Attention", ["q", "k", "v"], ["y"], name="attn", is_causal=1, scale=0.3)
    model = _model([node], [_vi("q", [2, 4, 16, 8]), _vi("k", [2, 2, 16, 8]), _vi("v", [2, 2, 16, 8])],
                   [_vi("y", [2, 4, 16, 8])])  # fmt: skip
    (layer,) = fe.find_attention(model).layers
    assert (layer.batch, layer.heads, layer.kv_heads, layer.causal) == (2, 4, 2, "top_left")
    assert layer.scale == pytest.approx(0.3)
    assert layer.nodes == ("attn",)
    _assert_checked(fe.check(model, [_rand(2, 4, 16, 8), _rand(2, 2, 16, 8), _rand(2, 2, 16, 8, seed=1)]))


def test_attention_op_3d_with_padding_mask_input() -> None:
    # [B, L, H*D] inputs with q_num_heads/kv_num_heads; the bool mask is built in the graph from a
    # [B, Lk] attention-mask input (Cast, Unsqueeze, Expand), so it is key padding.
    nodes = [
        helper.make_node("Cast", ["pad"], ["padb"], to=TensorProto.BOOL, name="cast"),
        helper.make_node("Unsqueeze", ["padb", "axes"], ["pad4"], name="unsq"),
        helper.make_node("Expand", ["pad4", "eshape"], ["m"], name="expand"),
        helper.make_node("Attention", ["q", "k", "v", "m"], ["y"], name="attn3d", q_num_heads=4, kv_num_heads=4),
    ]
    inits = [
        numpy_helper.from_array(np.array([1, 2], np.int64), "axes"),
        numpy_helper.from_array(np.array([2, 1, 16, 16], np.int64), "eshape"),
    ]
    model = _model(
        nodes,
        [_vi("q", [2, 16, 32]), _vi("k", [2, 16, 32]), _vi("v", [2, 16, 32]), _vi("pad", [2, 16], TensorProto.INT64)],
        [_vi("y", [2, 16, 32])],
        inits,
    )
    (layer,) = fe.find_attention(model).layers
    assert (layer.heads, layer.head_dim) == (4, 8)
    assert layer.operand("mask").shape == (2, 1, 1, 16) and layer.operand("mask").element == "i1"
    pad = np.ones((2, 16), np.int64)
    pad[1, 9:] = 0
    _assert_checked(fe.check(model, [_rand(2, 16, 32), _rand(2, 16, 32, seed=2), _rand(2, 16, 32, seed=3), pad]))


def test_attention_op_full_float_mask_runs_on_cpu_and_aie() -> None:
    node = helper.make_node("Attention", ["q", "k", "v", "m"], ["y"], name="attn")
    model = _model([node], [_vi("q", [1, 2, 16, 8]), _vi("k", [1, 2, 16, 8]), _vi("v", [1, 2, 16, 8]),
                            _vi("m", [1, 1, 16, 16])], [_vi("y", [1, 2, 16, 8])])  # fmt: skip
    (layer,) = fe.find_attention(model).layers
    assert layer.operand("mask").element == "bf16"
    m = np.where(np.random.default_rng(0).random((1, 1, 16, 16)) < 0.3, -np.inf, 0.0).astype(np.float32)
    m[..., 0] = 0.0
    result = fe.check(model, [_rand(1, 2, 16, 8), _rand(1, 2, 16, 8, seed=4), _rand(1, 2, 16, 8, seed=5), m])
    (c,) = result.layers
    # A full [1, 1, Lq, Lk] float mask: exact on the CPU path and on the AIE
    # path (per-core mask tiles in the step object), in simulation.
    assert c.skipped == [], c.skipped
    assert c.cpu_error <= TOL and c.sim_error is not None and c.sim_error <= TOL, c
    assert result.ok


def test_attention_op_past_key_is_bottom_right() -> None:
    node = helper.make_node(
        "Attention", ["q", "k", "v", "", "pk", "pv"], ["y", "present_k", "present_v"], name="decode", is_causal=1
    )
    model = _model(
        [node],
        [_vi("q", [1, 2, 4, 8]), _vi("k", [1, 2, 4, 8]), _vi("v", [1, 2, 4, 8]), _vi("pk", [1, 2, 12, 8]),
         _vi("pv", [1, 2, 12, 8])],
        [_vi("y", [1, 2, 4, 8])],
    )  # fmt: skip
    (layer,) = fe.find_attention(model).layers
    assert (layer.q_len, layer.kv_len, layer.causal) == (4, 16, "bottom_right")
    arrays = [_rand(1, 2, 4, 8), _rand(1, 2, 4, 8, seed=6), _rand(1, 2, 4, 8, seed=7)]
    arrays += [_rand(1, 2, 12, 8, seed=8), _rand(1, 2, 12, 8, seed=9)]
    result = fe.check(model, arrays, simulate=False)
    assert result.layers[0].cpu_error <= TOL


def test_attention_op_nonpad_kv_seqlen() -> None:
    node = helper.make_node("Attention", ["q", "k", "v", "", "", "", "n"], ["y"], name="padded")
    model = _model([node], [_vi("q", [2, 2, 16, 8]), _vi("k", [2, 2, 16, 8]), _vi("v", [2, 2, 16, 8]),
                            _vi("n", [2], TensorProto.INT64)], [_vi("y", [2, 2, 16, 8])], opset=24)  # fmt: skip
    (layer,) = fe.find_attention(model).layers
    assert layer.operand("mask").shape == (2, 1, 1, 16)
    (vl,) = fe.find_attention(model, key_padding="valid_len").layers
    assert vl.operand("valid_len").shape == (2,)
    arrays = [_rand(2, 2, 16, 8), _rand(2, 2, 16, 8, seed=10), _rand(2, 2, 16, 8, seed=11), np.array([16, 7])]
    _assert_checked(fe.check(model, arrays))


def test_attention_op_unsupported_attributes_are_reported() -> None:
    node = helper.make_node("Attention", ["q", "k", "v"], ["y"], name="capped", softcap=30.0)
    model = _model([node], [_vi("q", [1, 2, 16, 8]), _vi("k", [1, 2, 16, 8]), _vi("v", [1, 2, 16, 8])],
                   [_vi("y", [1, 2, 16, 8])])  # fmt: skip
    found = fe.find_attention(model)
    assert found.layers == []
    assert [(u.node, "softcap" in u.reason) for u in found.unmatched] == [("capped", True)]


def _decomposed(mask_value=None, softmax_axis=-1, bias=None):
    """Q·Kᵀ·0.25 (+ constant mask) -> Softmax -> ·V on [1, 2, 8, 8] inputs (decomposed by hand)."""
    nodes = [
        helper.make_node("Transpose", ["k"], ["kt"], perm=[0, 1, 3, 2], name="kt"),
        helper.make_node("MatMul", ["q", "kt"], ["s"], name="qk"),
        helper.make_node("Mul", ["s", "c"], ["ss"], name="scale"),
    ]
    inits = [numpy_helper.from_array(np.array(0.25, np.float32), "c")]
    last = "ss"
    if mask_value is not None:
        inits.append(numpy_helper.from_array(mask_value.astype(np.float32), "mask"))
        nodes.append(helper.make_node("Add", [last, "mask"], ["sm_in"], name="add_mask"))
        last = "sm_in"
    nodes += [
        helper.make_node("Softmax", [last], ["p"], axis=softmax_axis, name="softmax"),
        helper.make_node("MatMul", ["p", "v"], ["y"], name="pv"),
    ]
    shape = [1, 2, 8, 8]
    return _model(nodes, [_vi("q", shape), _vi("k", shape), _vi("v", shape)], [_vi("y", shape)], inits, opset=18)


def test_decomposed_constant_masks() -> None:
    i, j = np.arange(8)[:, None], np.arange(8)[None, :]
    causal = np.where(j <= i, 0.0, np.finfo(np.float32).min)[None, None]
    (layer,) = fe.find_attention(_decomposed(causal)).layers
    assert (layer.causal, [o.role for o in layer.operands], layer.scale) == ("top_left", ["q", "k", "v"], 0.25)
    window = np.where(np.abs(i - j) <= 2, 0.0, -1e9)[None, None]  # banded: an explicit constant mask
    (layer,) = fe.find_attention(_decomposed(window)).layers
    assert layer.causal == "none" and layer.operand("mask").shape == (1, 1, 8, 8)
    alibi = (-0.5 * np.abs(i - j))[None, None] * np.array([1.0, 0.5])[None, :, None, None]
    (layer,) = fe.find_attention(_decomposed(alibi)).layers
    assert layer.operand("bias").shape == (1, 2, 8, 8) and layer.operand("mask") is None
    arrays = [_rand(1, 2, 8, 8), _rand(1, 2, 8, 8, seed=12), _rand(1, 2, 8, 8, seed=13)]
    for mask in (causal, window, alibi):
        result = fe.check(_decomposed(mask), arrays, simulate=False)
        assert result.layers[0].cpu_error <= TOL


def test_trilu_causal_mask_and_contrib_op() -> None:
    # The causal mask built in the graph: ConstantOfShape -> Trilu -> Cast -> Where(keep, 0, -inf) -> Add.
    nodes = [
        helper.make_node("ConstantOfShape", ["mshape"], ["ones"], value=helper.make_tensor("", F, [1], [1.0])),
        helper.make_node("Trilu", ["ones"], ["tri"], upper=0, name="trilu"),
        helper.make_node("Cast", ["tri"], ["keep"], to=TensorProto.BOOL),
        helper.make_node("Where", ["keep", "zero", "neginf"], ["mask"], name="where"),
        helper.make_node("MatMul", ["q", "kt"], ["s"], name="qk"),
        helper.make_node("Div", ["s", "sqrt_d"], ["ss"], name="scale"),
        helper.make_node("Add", ["ss", "mask"], ["t"], name="add_mask"),
        helper.make_node("Softmax", ["t"], ["p"], axis=-1, name="softmax"),
        helper.make_node("MatMul", ["p", "v"], ["y"], name="pv"),
        helper.make_node("Attention", ["q"], ["z"], name="ms_attention", domain="com.microsoft"),
    ]
    inits = [
        numpy_helper.from_array(np.array([8, 8], np.int64), "mshape"),
        numpy_helper.from_array(np.array(0.0, np.float32), "zero"),
        numpy_helper.from_array(np.array(-np.inf, np.float32), "neginf"),
        numpy_helper.from_array(np.array(np.sqrt(8.0), np.float32), "sqrt_d"),
    ]
    graph = helper.make_graph(
        nodes,
        "g",
        [_vi("q", [1, 2, 8, 8]), _vi("kt", [1, 2, 8, 8]), _vi("v", [1, 2, 8, 8])],
        [_vi("y", [1, 2, 8, 8])],
        initializer=inits,
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 18), helper.make_opsetid("com.microsoft", 1)]
    )
    found = fe.find_attention(model)
    (layer,) = found.layers
    assert layer.causal == "top_left" and layer.scale == pytest.approx(1 / np.sqrt(8.0))
    assert [o.role for o in layer.operands] == ["q", "k", "v"]
    assert [(u.node, "contrib" in u.reason) for u in found.unmatched] == [("ms_attention", True)]


def test_unmatched_softmaxes_have_reasons() -> None:
    found = fe.find_attention(_decomposed(softmax_axis=2))
    assert found.layers == [] and "axis 2" in found.unmatched[0].reason
    # A classifier softmax: no Q·Kᵀ MatMul through elementwise ops, no P·V MatMul after it.
    nodes = [helper.make_node("Relu", ["x"], ["r"], name="relu"), helper.make_node("Softmax", ["r"], ["p"], name="cls")]
    found = fe.find_attention(_model(nodes, [_vi("x", [2, 10])], [_vi("p", [2, 10])], opset=18))
    assert [u.node for u in found.unmatched] == ["cls"]
    assert "rank 2" in found.unmatched[0].reason
    nodes = [
        helper.make_node("MatMul", ["a", "b"], ["s"], name="mm"),
        helper.make_node("Softmax", ["s"], ["p"], name="probs"),
    ]
    model = _model(nodes, [_vi("a", [1, 2, 8, 4]), _vi("b", [1, 2, 4, 8])], [_vi("p", [1, 2, 8, 8])], opset=18)
    (u,) = fe.find_attention(model).unmatched
    assert u.node == "probs" and "MatMul with V" in u.reason


def test_import_model_ir() -> None:
    from attn.ir import ArrayAttr, StringAttr

    model = _decomposed(np.zeros((1, 1, 8, 8)))
    module = fe.import_model(model)
    funcs = [op for op in module.body.operations if op.operation.name == "func.func"]
    assert len(funcs) == 1
    (op,) = [o for o in funcs[0].regions[0].blocks[0].operations if o.operation.name == "attn.attention"]
    nodes = [StringAttr(a).value for a in ArrayAttr(op.attributes["attn.onnx_nodes"])]
    assert set(nodes) == {"softmax", "qk", "scale", "add_mask", "pv"}
    module = fe.import_model(_decomposed(softmax_axis=1))
    (entry,) = ArrayAttr(module.operation.attributes["attn.onnx_unmatched"])
    assert "axis 1" in str(entry)


def test_cli_onnx(tmp_path, capsys) -> None:
    from attn.cli import main

    node = helper.make_node("Attention", ["q", "k", "v"], ["y"], name="attn", is_causal=1)
    shape = [1, 2, 32, 16]
    model = _model([node], [_vi("q", shape), _vi("k", shape), _vi("v", shape)], [_vi("y", shape)])
    path, report = tmp_path / "m.onnx", tmp_path / "r.json"
    onnx.save(model, path)
    assert main([str(path), "--target", "npu2", "--report", str(report), "-o", str(tmp_path / "o.mlir")]) == 0
    out = capsys.readouterr().out
    assert "attention_0" in out and "top_left" in out and "modeled" in out
    doc = json.loads(report.read_text())
    (row,) = doc["layers"]
    assert row["nodes"] == ["attn"] and row["dram_bytes"] >= row["compulsory_bytes"] > 0
    assert row["modeled_latency_s"] > 0 and row["plan"]["q_tile"] > 0
    assert "aie.device(npu2)" in (tmp_path / "o.mlir").read_text()
    assert main([str(path), "--target", "npu1", "--explain"]) == 0
    assert "roofline bound" in capsys.readouterr().err
    # A layer the AIE path rejects (a head dim no core tile holds): reported, exit status 1.
    wide = [1, 2, 32, 8192]
    node = helper.make_node("Attention", ["q", "k", "v"], ["y"], name="wide")
    model = _model([node], [_vi("q", wide), _vi("k", wide), _vi("v", wide)], [_vi("y", wide)])
    onnx.save(model, path)
    assert main([str(path)]) == 1
    assert "rejected" in capsys.readouterr().out


def test_symbolic_dims() -> None:
    node = helper.make_node("Attention", ["q", "k", "v"], ["y"], name="attn", is_causal=1)
    shape = ["batch", 2, "seq", 8]
    model = _model([node], [_vi("q", shape), _vi("k", shape), _vi("v", shape)], [_vi("y", shape)])
    found = fe.find_attention(model)
    assert found.layers == [] and "dynamic" in found.unmatched[0].reason
    (layer,) = fe.find_attention(model, dims={"batch": 1, "seq": 24}).layers
    assert (layer.batch, layer.q_len, layer.kv_len) == (1, 24, 24)
    with pytest.raises(ValueError, match="dims"):
        fe.find_attention(model, dims={"seq": 0})


def test_errors() -> None:
    with pytest.raises(ValueError, match="dtype"):
        fe.find_attention(_decomposed(), dtype="int8")
    with pytest.raises(ValueError, match="key_padding"):
        fe.find_attention(_decomposed(), key_padding="lengths")
    with pytest.raises(ValueError, match="cannot load"):
        fe.find_attention("/nonexistent/model.onnx")
    with pytest.raises(ValueError, match="path or an onnx.ModelProto"):
        fe.find_attention(42)
    with pytest.raises(ValueError, match="no value for model input"):
        fe.check(_decomposed(), {"q": _rand(1, 2, 8, 8)})
    from attn.frontends._common import require

    with pytest.raises(ImportError, match="pip install not_a_real_package_xyz"):
        require("not_a_real_package_xyz", "attn.frontends.onnx")
