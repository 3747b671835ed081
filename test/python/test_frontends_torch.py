"""PyTorch frontend on hand-written modules: aten.scaled_dot_product_attention
with each of its arguments and the explicit matmul-softmax-matmul form, checked
against the module's own forward (CPU path and simulator)."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from attn.frontends import torch as fe  # noqa: E402

TOL = 2e-2
F = torch.nn.functional


class SDPA(torch.nn.Module):
    def __init__(self, **options):
        super().__init__()
        self.options = options

    def forward(self, q, k, v, mask=None):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, **self.options)


def _qkv(b=2, h=4, hkv=4, lq=16, lk=16, d=8):
    g = torch.Generator().manual_seed(b * 100 + h * 10 + hkv + lq + lk)
    return (
        torch.randn(b, h, lq, d, generator=g),
        torch.randn(b, hkv, lk, d, generator=g),
        torch.randn(b, hkv, lk, d, generator=g),
    )


def _run(module, args, simulate=True):
    found = fe.find_attention(module, args)
    assert found.unmatched == []
    result = fe.check(module, args, simulate=simulate)
    for c in result.layers:
        assert c.cpu_error <= TOL, c
        if simulate:
            assert c.skipped == [] and c.sim_error <= TOL, c
    return found.layers


def test_sdpa_plain_and_scale() -> None:
    (layer,) = _run(SDPA(), _qkv())
    assert (layer.heads, layer.causal, layer.scale) == (4, "none", pytest.approx(1 / math.sqrt(8)))
    assert layer.nodes == ("scaled_dot_product_attention",)
    (layer,) = _run(SDPA(scale=0.7), _qkv())
    assert layer.scale == pytest.approx(0.7)


def test_sdpa_is_causal_and_gqa() -> None:
    (layer,) = _run(SDPA(is_causal=True, enable_gqa=True), _qkv(h=4, hkv=2))
    assert (layer.causal, layer.kv_heads) == ("top_left", 2)
    # is_causal with Lq < Lk is top-left in torch: query i sees keys j <= i.
    (layer,) = _run(SDPA(is_causal=True), _qkv(lq=8, lk=16))
    assert layer.causal == "top_left"


def test_sdpa_bool_and_float_masks() -> None:
    q, k, v = _qkv()
    keep = torch.ones(2, 1, 1, 16, dtype=torch.bool)
    keep[1, ..., 10:] = False
    (layer,) = _run(SDPA(), (q, k, v, keep))
    assert layer.operand("mask").element == "i1" and layer.operand("mask").shape == (2, 1, 1, 16)
    additive = torch.zeros(2, 1, 1, 16).masked_fill(~keep, float("-inf"))
    (layer,) = _run(SDPA(), (q, k, v, additive))
    assert layer.operand("mask").element == "bf16"
    # A full [Lq, Lk] mask: exact on the CPU path and on the AIE path (simulated).
    full = torch.rand(1, 1, 16, 16, generator=torch.Generator().manual_seed(3)) < 0.7
    full[..., 0] = True
    result = fe.check(SDPA(), (q, k, v, full))
    (c,) = result.layers
    assert c.skipped == [], c.skipped
    assert c.cpu_error <= TOL and c.sim_error is not None and c.sim_error <= TOL, c


class Constant(torch.nn.Module):
    """A mask built inside the module from constants (a causal band and a constant ALiBi-like bias)."""

    def __init__(self, kind):
        super().__init__()
        self.kind = kind

    def forward(self, q, k, v):
        lq, lk = q.shape[-2], k.shape[-2]
        i = torch.arange(lq)[:, None]
        j = torch.arange(lk)[None, :]
        if self.kind == "tril":
            mask = j <= i
        elif self.kind == "bottom_right":
            mask = j <= i + (lk - lq)
        else:
            mask = -0.25 * (i - j).abs().float()
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)


@pytest.mark.parametrize("kind,causal", [("tril", "top_left"), ("bottom_right", "bottom_right"), ("alibi", "none")])
def test_constant_masks_are_classified(kind: str, causal: str) -> None:
    (layer,) = _run(Constant(kind), _qkv(lq=8, lk=16), simulate=kind != "alibi")
    assert layer.causal == causal
    assert (layer.operand("bias") is not None) == (kind == "alibi")


class Explicit(torch.nn.Module):
    """The explicit form: matmul, scale, masked_fill, softmax, dropout, matmul, with repeat_kv GQA."""

    def forward(self, q, k, v, pad):
        k = k.repeat_interleave(2, dim=1)
        v = v.repeat_interleave(2, dim=1)
        s = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(q.shape[-1])
        s = s.masked_fill(pad[:, None, None, :] == 0, float("-inf"))
        p = F.dropout(torch.softmax(s, dim=-1), p=0.1, training=self.training)
        return torch.matmul(p, v)


def test_explicit_form_with_gqa_and_padding() -> None:
    q, k, v = _qkv(h=4, hkv=2)
    pad = torch.ones(2, 16, dtype=torch.long)
    pad[0, 12:] = 0
    (layer,) = _run(Explicit().eval(), (q, k, v, pad))
    assert (layer.kv_heads, layer.scale) == (2, pytest.approx(1 / math.sqrt(8)))
    assert layer.operand("mask").sources == ("pad",)
    np.testing.assert_array_equal(
        layer.operand("mask").compute({"pad": np.array([[1, 0]])}), np.array([True, False])[None, None, None, :]
    )


def test_unmatched_softmax_has_a_reason() -> None:
    class Classifier(torch.nn.Module):
        def forward(self, x):
            return torch.softmax(torch.relu(x), dim=-1)

    found = fe.find_attention(Classifier(), (torch.randn(2, 4, 8, 8),))
    assert found.layers == [] and "no matmul" in found.unmatched[0].reason


def test_errors() -> None:
    with pytest.raises(ValueError, match="torch.nn.Module"):
        fe.find_attention(lambda x: x, (torch.randn(2),))
    with pytest.raises(ValueError, match="dtype"):
        fe.find_attention(SDPA(), _qkv(), dtype="fp8")
