"""The frontends on model code nobody here wrote: torch.nn attention modules and
`transformers` model classes (small configs, random weights, no downloads), each
exported with torch.onnx.export (ONNX frontend, checked against onnxruntime) and
with torch.export (PyTorch frontend, checked against the module's forward).

Every attention layer must be found (layers found == attention modules present,
no Softmax left unmatched) and match within bf16 tolerance on the CPU path and in
the simulator (the AIE program compiled for npu2, npu1 for the opset-23
exports, simulated whole)."""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
pytest.importorskip("onnxscript")
transformers = pytest.importorskip("transformers")

from attn.frontends import onnx as onnx_fe  # noqa: E402
from attn.frontends import torch as torch_fe  # noqa: E402

TOL = 2e-2  # max |err| / max |ref|, bf16 operands and output


@functools.cache
def _model(name: str):
    """(module, args, kwargs, layers present, expected facts of each layer)."""
    torch.manual_seed(0)
    x = torch.randn(2, 16, 32)
    pad = torch.ones(2, 16, dtype=torch.long)
    pad[1, 11:] = 0  # batch 1: 11 real tokens (right padding)
    ids = torch.randint(0, 100, (2, 16))
    if name == "mha":
        return torch.nn.MultiheadAttention(32, 4, batch_first=True).eval(), (x, x, x), {}, 1, dict(heads=4)
    if name == "mha_key_padding":
        kpm = pad == 0  # True = ignore
        m = torch.nn.MultiheadAttention(32, 4, batch_first=True).eval()
        return m, (x, x, x), {"key_padding_mask": kpm, "need_weights": False}, 1, dict(heads=4, mask=(2, 1, 1, 16))
    if name == "encoder_layer_causal":
        layer = torch.nn.TransformerEncoderLayer(32, 4, 64, batch_first=True).eval()
        mask = torch.nn.Transformer.generate_square_subsequent_mask(16)
        return layer, (x,), {"src_mask": mask, "is_causal": True}, 1, dict(heads=4, causal="top_left")
    impl = "eager" if name.endswith("eager") else "sdpa"
    if name.startswith("bert"):
        cfg = transformers.BertConfig(
            hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64, vocab_size=100,
            max_position_embeddings=64, attn_implementation=impl,
        )  # fmt: skip
        return transformers.BertModel(cfg).eval(), (ids,), {"attention_mask": pad}, 2, dict(heads=4, mask=(2, 1, 1, 16))
    if name.startswith("vit"):
        cfg = transformers.ViTConfig(
            hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64, image_size=32,
            patch_size=8, attn_implementation=impl,
        )  # fmt: skip
        return transformers.ViTModel(cfg).eval(), (torch.randn(1, 3, 32, 32),), {}, 2, dict(heads=4, q_len=17)
    if name.startswith("whisper"):
        from transformers.models.whisper.modeling_whisper import WhisperEncoder

        cfg = transformers.WhisperConfig(
            d_model=32, encoder_layers=2, encoder_attention_heads=4, encoder_ffn_dim=64, num_mel_bins=16,
            max_source_positions=16, attn_implementation=impl,
        )  # fmt: skip
        return WhisperEncoder(cfg).eval(), (torch.randn(1, 16, 32),), {}, 2, dict(heads=4)
    if name.startswith("llama"):
        cfg = transformers.LlamaConfig(
            hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
            vocab_size=100, max_position_embeddings=64, attn_implementation=impl,
        )  # fmt: skip
        kwargs = {"attention_mask": pad, "use_cache": False}
        facts = dict(heads=4, kv_heads=2, causal="top_left", mask=(2, 1, 1, 16), head_dim=16)
        return transformers.LlamaModel(cfg).eval(), (ids,), kwargs, 2, facts
    raise KeyError(name)


MODELS = [
    "mha",
    "mha_key_padding",
    "encoder_layer_causal",
    "bert_eager",
    "bert_sdpa",
    "vit_sdpa",
    "whisper_eager",
    "llama_eager",
    "llama_sdpa",
]


def _onnx_export(name: str, opset: int | None = None):
    module, args, kwargs, _, _ = _model(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        extra = {} if opset is None else {"opset_version": opset}
        program = torch.onnx.export(module, args, kwargs=kwargs, dynamo=True, verbose=False, **extra)
    model = program.model_proto
    import inspect

    bound = inspect.signature(module.forward).bind(*args, **kwargs).arguments
    feeds = {i.name: bound[i.name].numpy() for i in model.graph.input}
    return model, feeds


def _assert_found(found, name: str) -> None:
    _, _, _, present, facts = _model(name)
    assert [u.reason for u in found.unmatched] == []
    assert len(found.layers) == present
    for layer in found.layers:
        assert layer.heads == facts["heads"]
        assert layer.kv_heads == facts.get("kv_heads", facts["heads"])
        assert layer.causal == facts.get("causal", "none")
        assert layer.q_len == layer.kv_len == facts.get("q_len", 16)
        assert layer.head_dim == facts.get("head_dim", 8)
        mask = layer.operand("mask")
        assert (mask.shape if mask is not None else None) == facts.get("mask")
        assert layer.nodes  # tagged with what it replaces


def _assert_close(result, name: str) -> None:
    _, _, _, present, _ = _model(name)
    assert len(result.layers) == present
    for c in result.layers:
        assert c.skipped == [], c.skipped
        assert c.cpu_error <= TOL, (name, c.layer, c.cpu_error)
        assert c.sim_error is not None and c.sim_error <= TOL, (name, c.layer, c.sim_error)
        assert c.sim_slice == "whole layer"
    assert result.ok


@pytest.mark.parametrize("name", MODELS)
def test_onnx_export(name: str) -> None:
    model, feeds = _onnx_export(name)
    _assert_found(onnx_fe.find_attention(model), name)
    _assert_close(onnx_fe.check(model, feeds, target="npu2"), name)


@pytest.mark.parametrize("name", ["bert_sdpa", "llama_sdpa"])
def test_onnx_export_opset23_attention_op(name: str) -> None:
    # With opset 23 torch.onnx emits SDPA as the ONNX Attention op.
    model, feeds = _onnx_export(name, opset=23)
    assert sum(n.op_type == "Attention" for n in model.graph.node) == _model(name)[3]
    _assert_found(onnx_fe.find_attention(model), name)
    _assert_close(onnx_fe.check(model, feeds, target="npu1"), name)


@pytest.mark.parametrize("name", MODELS)
def test_torch_export(name: str) -> None:
    module, args, kwargs, _, _ = _model(name)
    _assert_found(torch_fe.find_attention(module, args, kwargs=kwargs), name)
    result = torch_fe.check(module, args, kwargs=kwargs, target="npu2")
    _assert_close(result, name)
    assert result.notes[0].startswith("exported graph vs module forward")


def test_check_detects_a_wrong_layer() -> None:
    # The check compares with the model's own value: a layer that drops the
    # padding mask or gets the scale wrong fails it.
    from attn.frontends._common import check_layer

    module, args, kwargs, _, _ = _model("bert_eager")
    found = torch_fe.find_attention(module, args, kwargs=kwargs)
    layer = found.layers[0]
    result = torch_fe.check(module, args, kwargs=kwargs, simulate=False)
    assert result.layers[0].cpu_error <= TOL
    values = _torch_values(module, args, kwargs, layer)
    layer.scale *= 8.0
    bad = check_layer(layer, values, "bf16", "torch", simulate=False)
    assert bad.cpu_error > TOL and not bad.ok
    layer.scale /= 8.0
    layer.operands = layer.operands[:3]  # no mask: the padded keys of batch 1 get weight
    bad = check_layer(layer, values, "bf16", "torch", simulate=False)
    assert bad.cpu_error > TOL and not bad.ok


def _torch_values(module, args, kwargs, layer):
    from attn.frontends.torch import _export, _Graph, _np

    ep, _ = _export(module, args, kwargs)
    g = _Graph(ep.module())
    leaves = torch.utils._pytree.tree_leaves((args, kwargs))
    env = dict(zip(g.placeholders, leaves, strict=True))
    names = {s for o in layer.operands for s in o.sources} | {layer.output}
    nodes = [n for n in g.nodes if n.name in names]
    values = {n.name: _np(v) for n, v in zip(nodes, g.evaluate(nodes, env), strict=True)}
    values.update({p.name: _np(v) for p, v in env.items() if isinstance(v, torch.Tensor)})
    return values


def test_key_padding_as_valid_len() -> None:
    # Right padding as valid_len: the padded query rows are zero per the op and
    # are not compared; left padding is refused with the reason.
    module, args, kwargs, _, _ = _model("bert_eager")
    found = torch_fe.find_attention(module, args, kwargs=kwargs, key_padding="valid_len")
    layer = found.layers[0]
    assert [o.role for o in layer.operands] == ["q", "k", "v", "valid_len"]
    result = torch_fe.check(module, args, kwargs=kwargs, key_padding="valid_len")
    assert result.ok and result.worst_cpu_error <= TOL and result.worst_sim_error <= TOL
    left = dict(kwargs, attention_mask=kwargs["attention_mask"].flip(-1))
    with pytest.raises(ValueError, match="right padding"):
        torch_fe.check(module, args, kwargs=left, key_padding="valid_len", simulate=False)
    np.testing.assert_array_equal(layer.operand("valid_len").compute({"attention_mask": np.array([[1, 1, 0]])}), [2])
