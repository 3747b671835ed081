"""The Python package: embedded MLIR bindings, attn dialect builders, attn-opt."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from attn import passmanager
from attn.dialects import arith, func, linalg, tensor  # noqa: F401 - importable as documented
from attn.dialects import attn as attn_d
from attn.ir import BF16Type, Context, F32Type, InsertionPoint, IntegerType, Location, Module, RankedTensorType


def _build(qs, ks, vs, elem=None, **kwargs):
    with Context(), Location.unknown():
        et = elem() if elem else BF16Type.get()
        module = Module.create()
        with InsertionPoint(module.body):
            types = [RankedTensorType.get(s, et) for s in (qs, ks, vs)]

            @func.FuncOp.from_py_func(*types, name="attention")
            def _f(q, k, v):
                return attn_d.attention(q, k, v, **kwargs)

        assert module.operation.verify()
        return str(module)


def test_attention_builder_infers_result_type():
    text = _build([1, 8, 16, 64], [1, 2, 16, 64], [1, 2, 16, 32], causal="bottom_right", scale=0.125)
    assert "causal bottom_right scale 1.250000e-01" in text
    assert "-> tensor<1x8x16x32xbf16>" in text


def test_attention_builder_blhd_and_enum():
    text = _build([1, 16, 8, 64], [1, 16, 2, 64], [1, 16, 2, 64], layout="blhd", causal=attn_d.CausalKind.top_left)
    assert "causal top_left layout blhd" in text
    assert "-> tensor<1x16x8x64xbf16>" in text


def test_attention_builder_optional_operands():
    with Context(), Location.unknown():
        module = Module.create()
        f32, i1, i32 = F32Type.get(), IntegerType.get_signless(1), IntegerType.get_signless(32)
        with InsertionPoint(module.body):
            qt = RankedTensorType.get([2, 4, 7, 40], f32)
            mt = RankedTensorType.get([1, 1, 7, 7], i1)
            bt = RankedTensorType.get([4, 7, 7], f32)
            nt = RankedTensorType.get([2], i32)

            @func.FuncOp.from_py_func(qt, qt, qt, mt, bt, nt)
            def f(q, k, v, m, b, n):
                return attn_d.attention(q, k, v, mask=m, bias=b, valid_len=n)

        assert module.operation.verify()
        text = str(module)
    assert "mask(%arg3 : tensor<1x1x7x7xi1>) bias(%arg4 : tensor<4x7x7xf32>) valid_len(%arg5 : tensor<2xi32>)" in text


@pytest.mark.parametrize(
    "kwargs, exc, message",
    [
        (dict(causal="diagonal"), ValueError, "unknown causal 'diagonal'"),
        (dict(layout="bhdl"), ValueError, "unknown layout 'bhdl'"),
        (dict(scale=0.0), ValueError, "scale must be a finite positive number"),
        (dict(scale=float("nan")), ValueError, "scale must be a finite positive number"),
        (dict(causal=3), TypeError, "causal must be a str or CausalKind"),
    ],
)
def test_attention_builder_rejects_bad_arguments(kwargs, exc, message):
    with pytest.raises(exc, match=message):
        _build([1, 2, 8, 64], [1, 2, 8, 64], [1, 2, 8, 64], **kwargs)


def test_attention_builder_rejects_bad_rank():
    with pytest.raises(ValueError, match="'query' must be a 4-D tensor, got rank 3"):
        _build([2, 8, 64], [1, 2, 8, 64], [1, 2, 8, 64])


def test_verifier_error_reaches_python():
    with Context(), Location.unknown():
        module = Module.create()
        with InsertionPoint(module.body):
            qt = RankedTensorType.get([1, 6, 8, 64], F32Type.get())
            kt = RankedTensorType.get([1, 4, 8, 64], F32Type.get())

            @func.FuncOp.from_py_func(qt, kt, kt)
            def f(q, k, v):
                return attn_d.attention(q, k, v)

        with pytest.raises(Exception, match="is not a multiple of the key/value head count Hkv = 4"):
            module.operation.verify()


def test_parse_print_round_trip_and_passmanager():
    src = textwrap.dedent(
        """
        func.func @f(%q: tensor<1x2x?x64xf16>, %n: tensor<1xi32>) -> tensor<1x2x?x64xf16> {
          %o = attn.attention %q, %q, %q valid_len(%n : tensor<1xi32>) causal top_left
               : tensor<1x2x?x64xf16>, tensor<1x2x?x64xf16>, tensor<1x2x?x64xf16> -> tensor<1x2x?x64xf16>
          return %o : tensor<1x2x?x64xf16>
        }
        """
    )
    with Context():
        module = Module.parse(src)
        text = str(module)
        assert Module.parse(text).operation.verify()
        passmanager.PassManager.parse("builtin.module(canonicalize,cse)").run(module.operation)
        # attention is Pure, so an unused one is erased by canonicalize; this one is used.
        assert "attn.attention" in str(module)


def test_attn_opt_lists_dialect(attn_opt):
    out = subprocess.run([attn_opt, "--show-dialects"], capture_output=True, text=True, check=True).stdout
    dialects = out.split(":", 1)[1].replace(",", " ").split()
    for name in ("attn", "func", "arith", "tensor", "linalg", "scf", "memref"):
        assert name in dialects, out
    help_text = subprocess.run([attn_opt, "--help"], capture_output=True, text=True, check=True).stdout
    assert "attn" in help_text and "--verify-diagnostics" in help_text


def test_attn_opt_reports_located_error(attn_opt, tmp_path):
    bad = tmp_path / "bad.mlir"
    bad.write_text(
        "func.func @f(%q: tensor<1x2x8x64xf32>, %k: tensor<1x2x8x32xf32>) {\n"
        "  %o = attn.attention %q, %k, %q : tensor<1x2x8x64xf32>, tensor<1x2x8x32xf32>, "
        "tensor<1x2x8x64xf32> -> tensor<1x2x8x64xf32>\n  return\n}\n"
    )
    res = subprocess.run([attn_opt, str(bad)], capture_output=True, text=True)
    assert res.returncode != 0
    assert "bad.mlir:2:8: error: 'attn.attention' op query/key head dimension (D) mismatch" in res.stderr


_COIMPORT = """
import sys
order = sys.argv[1]
def use_attn():
    from attn.ir import Context, Module
    with Context():
        m = Module.parse('func.func @f(%q: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {'
                         ' %o = attn.attention %q, %q, %q : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>,'
                         ' tensor<1x1x4x8xf32> -> tensor<1x1x4x8xf32>\\n return %o : tensor<1x1x4x8xf32> }')
        assert m.operation.verify()
        assert 'attn.attention' in str(m)
def use_other():
    import iree.compiler.ir as ir
    with ir.Context():
        m = ir.Module.parse('func.func @g(%a: tensor<4xf32>) -> tensor<4xf32> { return %a : tensor<4xf32> }')
        assert m.operation.verify()
        assert 'func.func @g' in str(m)
steps = [use_attn, use_other] if order == 'attn-first' else [use_other, use_attn]
for step in steps + steps:
    step()
print('ok')
"""


@pytest.mark.parametrize("order", ["attn-first", "other-first"])
def test_coexists_with_another_mlir_package(order):
    """Another MLIR-based package (IREE's compiler bindings, a test extra) in the
    same process: both keep working, in either import order."""
    pytest.importorskip("iree.compiler.ir", reason="iree-base-compiler (test extra) is not installed")
    res = subprocess.run([sys.executable, "-c", _COIMPORT, order], capture_output=True, text=True)
    assert res.returncode == 0 and res.stdout.strip() == "ok", res.stderr


def test_aie_attribute_and_type_accessors():
    # The simulator reads access patterns and object types through these
    # accessors, never from printed IR.
    from attn import ir
    from attn._mlir_libs import _attn
    from attn.sim.frontend import parse_dims, parse_dims_per_consumer

    with ir.Context():
        dims = ir.Attribute.parse("#aie<bd_dim_layout_array[<size = 4, stride = 64>, <size = 16, stride = 1>]>")
        assert _attn.bd_dim_layouts(dims) == [(4, 64), (16, 1)]
        assert parse_dims(dims) == ((4, 64), (16, 1))
        per = ir.Attribute.parse("#aie<bd_dim_layout_array_array[[<size = 2, stride = 8>], []]>")
        assert _attn.bd_dim_layouts(per) == [[(2, 8)], []]
        assert parse_dims_per_consumer(per, 2) == [((2, 8),), None]
        with pytest.raises(TypeError, match="bd_dim_layout_array"):
            _attn.bd_dim_layouts(ir.Attribute.parse("[1, 2]"))
        fifo = ir.Type.parse("!aie.objectfifo<memref<8x16xbf16>>")
        obj, subview = _attn.objectfifo_object_type(fifo)
        assert str(obj) == "memref<8x16xbf16>" and subview is False
        view = ir.Type.parse("!aie.objectfifosubview<memref<4xi32>>")
        assert _attn.objectfifo_object_type(view)[1] is True
        assert _attn.objectfifo_object_type(ir.IntegerType.get_signless(32)) is None
