"""Regression tests of the Python reproducers of the 2026-12-06 fuzz campaign
(head_dim 12 on npu1 aborted the interpreter; NaN/inf inputs gave three
different answers) and of the API's error family (attn.AttnError)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import attn
from attn import compiler, reference

sim = pytest.importorskip("attn.sim")

RTOL_BF16 = 2.0**-7


def _inputs(b, h, hkv, lq, lk, d, seed=0):
    r = np.random.default_rng(seed)
    q = r.standard_normal((b, h, lq, d)).astype(np.float32)
    k = r.standard_normal((b, hkv, lk, d)).astype(np.float32)
    v = r.standard_normal((b, hkv, lk, d)).astype(np.float32)
    return q, k, v


def _ref_bf16(q, k, v, **kw):
    return reference.attention(*(reference.round_to_dtype(a, "bf16") for a in (q, k, v)), **kw)


def _close(out, ref, rtol=RTOL_BF16):
    out = np.asarray(out, np.float64)
    return np.max(np.abs(out - ref)) <= rtol * max(1.0, np.max(np.abs(ref)))


# --- reproducer 13: head_dim 12 on npu1 -------------------------------------


@pytest.mark.parametrize("head_dim", [12, 1, 3, 9, 17, 100])
def test_odd_head_dims_compile_for_npu1(head_dim: int) -> None:
    # Used to abort the interpreter (#attn.plan verifier assertion): the head
    # dims are now padded to lcm(K, N) of the intrinsic for both D and Dv.
    layer = compiler.attention_layer(1, 2, 1, 64, 64, head_dim)
    program = compiler.compile(layer, target="npu1")
    assert "aie.device(npu1)" in program.text


def test_head_dim_12_npu1_matches_reference_on_cpu_and_simulator() -> None:
    layer = compiler.attention_layer(1, 2, 1, 64, 64, 12)
    q, k, v = _inputs(1, 2, 1, 64, 64, 12)
    ref = _ref_bf16(q, k, v)
    assert _close(compiler.run_on_cpu(layer, q, k, v, target="npu1"), ref)
    program = compiler.compile(layer, target="npu1")
    assert _close(sim.run(program, q, k, v, timing=False).output, ref)


def test_reproducer_script_runs_in_a_fresh_interpreter() -> None:
    code = (
        "from attn import compiler\n"
        "layer = compiler.attention_layer(1, 2, 1, 64, 64, 12)\n"
        "compiler.compile(layer, target='npu1')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]


# --- the error family -------------------------------------------------------

HUGE = "tensor<1x2x9223372036854775807x80xbf16>"


def _huge_layer() -> str:
    k = "tensor<1x2x200x80xbf16>"
    return (
        f"func.func @f(%q: {HUGE}, %k: {k}, %v: {k}) -> {HUGE} {{\n"
        f"  %o = attn.attention %q, %k, %v : {HUGE}, {k}, {k} -> {HUGE}\n"
        f"  return %o : {HUGE}\n}}\n"
    )


def test_compile_and_run_on_cpu_raise_the_same_family_for_the_same_rejection() -> None:
    text = _huge_layer()
    with pytest.raises(attn.AttnError) as from_compile:
        compiler.compile(text, target="npu2")
    with pytest.raises(attn.AttnError) as from_cpu:
        compiler.run_on_cpu(text, np.zeros(1), np.zeros(1), np.zeros(1))
    for exc in (from_compile.value, from_cpu.value):
        assert isinstance(exc, ValueError)
        assert exc.diagnostics and all("error:" in line for line in exc.diagnostics)
        assert "'attn.attention' op" in str(exc) and "2^48 bytes" in str(exc)


def test_pass_rejection_is_an_attn_error_with_diagnostics() -> None:
    layer = compiler.attention_layer(1, 2, 1, 64, 64, 64)
    with pytest.raises(attn.AttnError) as exc:
        compiler.compile(layer, target="npu2", q_tile=3)
    assert any("q-tile=3" in line for line in exc.value.diagnostics), exc.value.diagnostics


def test_simulator_errors_are_in_the_family() -> None:
    assert issubclass(sim.SimError, attn.AttnError)
    assert issubclass(sim.SimMisuseError, attn.AttnError)


# --- sim.run rejects arrays that hold no numbers ------------------------------


@pytest.fixture(scope="module")
def small_program():
    layer = compiler.attention_layer(1, 2, 1, 16, 16, 64)
    return compiler.compile(layer, target="npu2", fold="online")


@pytest.mark.parametrize(
    "convert, what",
    [
        (lambda a: a.astype(np.complex64), "complex64"),
        (lambda a: a.astype(str), "<U"),
        (lambda a: a.astype(object), "object"),
        (lambda a: a > 0, "bool"),
    ],
)
def test_sim_run_rejects_non_numeric_arrays(small_program, convert, what) -> None:
    q, k, v = _inputs(1, 2, 1, 16, 16, 64)
    with pytest.raises(sim.SimError, match=r"sim\.run: argument 0") as exc:
        sim.run(small_program, convert(q), k, v)
    assert what in str(exc.value)


# --- reference.attention validates instead of leaking numpy errors -------------


@pytest.mark.parametrize("scale", ["abc", [1.0, 2.0], 1j, True, float("nan"), -1.0, 0.0, None, np.float32(0.5)])
def test_reference_scale_is_validated(scale) -> None:
    q, k, v = _inputs(1, 1, 1, 4, 4, 8)
    if scale is None or isinstance(scale, np.float32):
        assert reference.attention(q, k, v, scale=scale).shape == (1, 1, 4, 8)
        return
    with pytest.raises(attn.AttnError, match="scale must be a finite positive number"):
        reference.attention(q, k, v, scale=scale)


def test_reference_rejects_zero_keys() -> None:
    q, k, v = _inputs(1, 1, 1, 4, 0, 8)
    with pytest.raises(attn.AttnError, match=r"Lk = 0"):
        reference.attention(q, k, v)


# --- attn.sparse rejects bad input with the API's exception family ------------


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda s, q, k, v: s.run(q, k, v, keep=0.2, budget=4), "exactly one of keep"),
        (lambda s, q, k, v: s.run(q, k, v, keep=1.5), "keep"),
        (lambda s, q, k, v: s.run(q[0], k, v, keep=0.2), "4-D"),
        (lambda s, q, k, v: s.calibrate(q, k, target=0.0), "target"),
        (lambda s, q, k, v: s.topk(np.zeros((1, 2, 4, 8), np.float32), 9), "budgets"),
        (lambda s, q, k, v: s.run(q, k, v, keep=0.2, causal="diagonal"), "causal"),
    ],
)
def test_sparse_api_raises_attn_error(call, message) -> None:
    from attn import sparse

    q, k, v = _inputs(1, 2, 1, 8, 8, 16)
    with pytest.raises(attn.AttnError, match=message):
        call(sparse, q, k, v)


def test_frontends_raise_attn_error() -> None:
    pytest.importorskip("onnx")
    torch = pytest.importorskip("torch")
    from attn.frontends import onnx as fonnx
    from attn.frontends import torch as ftorch

    with pytest.raises(attn.AttnError, match="expected a path or an onnx.ModelProto"):
        fonnx.import_model(123)
    with pytest.raises(attn.AttnError, match="expected a torch.nn.Module"):
        ftorch.import_module(torch.zeros(2), (torch.zeros(2),))
