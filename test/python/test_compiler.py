"""attn.compiler: attention_layer, run_on_cpu (boundary types, errors, cache)
and the agreement of every fold mode on the same inputs."""

from __future__ import annotations

import numpy as np
import pytest

from attn import compiler as C
from attn import reference as R

try:
    import ml_dtypes
except ImportError:  # pragma: no cover - ml_dtypes is a test extra
    ml_dtypes = None


def _inputs(b, h, hkv, lq, lk, d, seed=0):
    rng = np.random.default_rng(seed)
    return (
        rng.standard_normal((b, h, lq, d)).astype(np.float32),
        rng.standard_normal((b, hkv, lk, d)).astype(np.float32),
        rng.standard_normal((b, hkv, lk, d)).astype(np.float32),
    )


# --------------------------------------------------------------------------
# attention_layer
# --------------------------------------------------------------------------


def test_attention_layer_signature():
    text = str(C.attention_layer(2, 8, 2, 16, 32, 64, dtype="bf16", causal="bottom_right", mask="bool", bias=True))
    assert "func.func @attention(%arg0: tensor<2x8x16x64xbf16>, %arg1: tensor<2x2x32x64xbf16>" in text
    assert "%arg3: tensor<2x1x16x32xi1>, %arg4: tensor<1x8x16x32xbf16>) -> tensor<2x8x16x64xbf16>" in text
    assert text.count("attn.attention") == 1
    assert "causal bottom_right" in text


def test_attention_layer_dynamic_and_additive():
    text = str(C.attention_layer(1, 4, 4, 128, 128, 40, dtype="f16", mask="additive", dynamic=True))
    assert "tensor<1x4x?x40xf16>" in text
    assert "%arg3: tensor<1x1x?x?xf16>, %arg4: tensor<1xi32>" in text
    assert "valid_len(%arg4 : tensor<1xi32>)" in text


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"batch": 0}, "batch"),
        ({"heads": 3}, "heads"),  # not a multiple of kv_heads = 2
        ({"kv_heads": -1}, "kv_heads"),
        ({"q_len": 1.5}, "q_len"),
        ({"kv_len": True}, "kv_len"),
        ({"head_dim": 0}, "head_dim"),
        ({"dtype": "f64"}, "dtype"),
        ({"causal": "bottom"}, "causal"),
        ({"mask": "float"}, "mask"),
        ({"bias": 1}, "bias"),
        ({"dynamic": "yes"}, "dynamic"),
    ],
)
def test_attention_layer_rejects_bad_arguments(kwargs, name):
    args = {"batch": 1, "heads": 4, "kv_heads": 2, "q_len": 8, "kv_len": 8, "head_dim": 64}
    positional = {k: kwargs.pop(k) if k in kwargs else v for k, v in args.items()}
    with pytest.raises(ValueError, match=name):
        C.attention_layer(*positional.values(), **kwargs)


# --------------------------------------------------------------------------
# run_on_cpu
# --------------------------------------------------------------------------


def test_level1_matches_reference_f32():
    q, k, v = _inputs(2, 4, 2, 7, 9, 40)
    layer = C.attention_layer(2, 4, 2, 7, 9, 40, dtype="f32", causal="top_left")
    out = C.run_on_cpu(layer, q, k, v, fold=None)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, R.attention(q, k, v, causal="top_left"), rtol=1e-5, atol=1e-5)


@pytest.mark.skipif(ml_dtypes is None, reason="ml_dtypes is a test extra: pip install ml_dtypes")
def test_bf16_boundary_forms_agree():
    """float32 (rounded by run_on_cpu), ml_dtypes.bfloat16 and uint16 bit
    patterns are the same bf16 inputs; the result is ml_dtypes.bfloat16."""
    q, k, v = _inputs(1, 2, 1, 8, 8, 64)
    layer = C.attention_layer(1, 2, 1, 8, 8, 64, dtype="bf16")
    from_f32 = C.run_on_cpu(layer, q, k, v)
    as_bf16 = [x.astype(ml_dtypes.bfloat16) for x in (q, k, v)]
    from_bf16 = C.run_on_cpu(layer, *as_bf16)
    from_bits = C.run_on_cpu(layer, *(x.view(np.uint16) for x in as_bf16))
    assert from_f32.dtype == ml_dtypes.bfloat16
    np.testing.assert_array_equal(from_f32.view(np.uint16), from_bf16.view(np.uint16))
    np.testing.assert_array_equal(from_f32.view(np.uint16), from_bits.view(np.uint16))
    # float32 -> bf16 is round-to-nearest-even, as in attn.reference.
    np.testing.assert_array_equal(as_bf16[0].astype(np.float32), R.round_to_dtype(q, "bf16"))


def test_f16_result_type_and_rounding():
    q, k, v = _inputs(1, 1, 1, 5, 6, 64)
    out = C.run_on_cpu(C.attention_layer(1, 1, 1, 5, 6, 64, dtype="f16"), q, k, v, target=None)
    assert out.dtype == np.float16
    ref = R.attention(*(R.round_to_dtype(x, "f16") for x in (q, k, v)))
    assert np.abs(out.astype(np.float64) - ref).max() <= 2**-11 * np.abs(ref).max() + 1e-5


@pytest.mark.parametrize("fold", [None, "unfolded", "partial", "full", "online"])
def test_fully_masked_rows_are_zero_not_nan(fold):
    """A boolean mask that hides every key of some rows, and valid_len = 0
    for one batch entry: those rows are zeros, never NaN (every fold, tiled
    and padded: 7 and 9 are not tile multiples)."""
    b, h, lq, lk, d = 2, 2, 7, 9, 64
    q, k, v = _inputs(b, h, h, lq, lk, d, seed=3)
    mask = np.ones((b, 1, lq, lk), dtype=bool)
    mask[:, :, 2, :] = False
    vl = np.array([lk, 0], dtype=np.int32)
    dynamic_ok = fold not in ("partial", "full")  # attn-tile: static Lk for these
    layer = C.attention_layer(b, h, h, lq, lk, d, dtype="bf16", mask="bool", dynamic=dynamic_ok)
    args = (q, k, v, mask, vl) if dynamic_ok else (q, k, v, mask)
    out = np.asarray(C.run_on_cpu(layer, *args, fold=fold)).astype(np.float32)
    assert not np.isnan(out).any()
    assert (out[:, :, 2, :] == 0).all()
    if dynamic_ok:
        assert (out[1] == 0).all()


def test_fold_modes_agree():
    """Every fold mode (with attn-tile + attn-pad-and-mask for npu2) gives the
    level-1 result on the same inputs, to one bf16 rounding of the output
    (they sum in different orders in f32)."""
    b, h, hkv, lq, lk, d = 1, 4, 2, 37, 45, 64
    q, k, v = _inputs(b, h, hkv, lq, lk, d, seed=7)
    rng = np.random.default_rng(8)
    mask = rng.random((b, 1, lq, lk)) < 0.7
    layer = C.attention_layer(b, h, hkv, lq, lk, d, dtype="bf16", causal="bottom_right", mask="bool")
    base = np.asarray(C.run_on_cpu(layer, q, k, v, mask, fold=None)).astype(np.float64)
    ref = R.attention(*(R.round_to_dtype(x, "bf16") for x in (q, k, v)), mask=mask, causal="bottom_right")
    assert np.abs(base - ref).max() <= 2**-8 * np.abs(ref).max()
    for fold in ("unfolded", "partial", "full", "online", "auto"):
        for opts in ({}, {"q_tile": 8, "kv_tile": 16}):
            out = np.asarray(C.run_on_cpu(layer, q, k, v, mask, fold=fold, **opts)).astype(np.float64)
            ulp = 2.0 ** (np.floor(np.log2(np.maximum(np.abs(base), 2.0**-126))) - 7)
            assert (np.abs(out - base) <= ulp).all(), f"fold={fold} {opts}"


def test_dynamic_program_serves_every_length():
    """One compiled dynamic program runs several lengths (cache hit)."""
    layer = C.attention_layer(1, 2, 1, 64, 64, 64, dtype="bf16", causal="top_left", dynamic=True)
    text = str(layer)
    for length in (64, 33, 1):
        q, k, v = _inputs(1, 2, 1, length, length, 64, seed=length)
        vl = np.array([max(1, length - 3)], dtype=np.int32)
        out = C.run_on_cpu(text, q, k, v, vl, fold="online")
        ref = R.attention(*(R.round_to_dtype(x, "bf16") for x in (q, k, v)), valid_len=vl, causal="top_left")
        assert np.abs(np.asarray(out).astype(np.float64) - ref).max() <= 2**-8 * max(1.0, np.abs(ref).max())
    keys = [key for key in C._ENGINE_CACHE if key[0] == text]
    assert len(keys) == 1


def test_engine_cache_reuses_compiled_programs():
    C.clear_engine_cache()
    layer = C.attention_layer(1, 1, 1, 4, 4, 64, dtype="f32")
    q, k, v = _inputs(1, 1, 1, 4, 4, 64)
    C.run_on_cpu(layer, q, k, v, fold=None)
    first = dict(C._ENGINE_CACHE)
    C.run_on_cpu(layer, q, k, v, fold=None)
    assert dict(C._ENGINE_CACHE) == first and len(first) == 1
    C.run_on_cpu(layer, q, k, v, fold="online", target=None)
    assert len(C._ENGINE_CACHE) == 2


def test_pipeline_text_and_option_objects():
    text = C.cpu_pipeline("online", q_tile=32, intermediate_type="bf16")
    assert text.startswith("builtin.module(attn-fold{mode=online intermediate-type=bf16},attn-tile{q-tile=32},")
    assert "attn-pad-and-mask,attn-lower-to-cpu," in text
    assert C.cpu_pipeline(C.FoldOptions(mode="full"), "npu1").startswith(
        "builtin.module(attn-fold{mode=full},attn-tile{target=npu1},attn-pad-and-mask,"
    )
    assert C.cpu_pipeline(None).startswith("builtin.module(attn-pad-and-mask,attn-lower-to-cpu,")
    assert "attn-tile" not in C.cpu_pipeline("partial", None)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda layer, a: C.run_on_cpu(layer, *a[:2]), "takes 3 arguments, 2 arrays"),
        (lambda layer, a: C.run_on_cpu(layer, a[0][:, :, :3], a[1], a[2]), "argument 0 has shape"),
        (lambda layer, a: C.run_on_cpu(layer, *a, fold="folded"), "fold must be one of"),
        (lambda layer, a: C.run_on_cpu(layer, *a, fold=None, q_tile=8), "need a fold mode"),
        (lambda layer, a: C.run_on_cpu(layer, *a, target=None, q_tile=8), "need a target"),
        (lambda layer, a: C.run_on_cpu(layer, *a, qtile=8), "unknown tile option"),
        (lambda layer, a: C.run_on_cpu(layer, *a, target="npu9"), "unknown target 'npu9'"),
        (lambda layer, a: C.run_on_cpu(layer, *a, q_tile=-4), "q-tile"),
        (lambda layer, a: C.run_on_cpu(42, *a), "module must be"),
        (lambda layer, a: C.run_on_cpu(layer, a[0].astype(bool), a[1], a[2]), "cannot convert dtype bool"),
    ],
)
def test_run_on_cpu_rejects_bad_input(call, match):
    layer = C.attention_layer(1, 2, 2, 4, 4, 64, dtype="bf16")
    with pytest.raises(ValueError, match=match):
        call(layer, _inputs(1, 2, 2, 4, 4, 64))


def test_run_on_cpu_rejects_non_bool_mask():
    layer = C.attention_layer(1, 1, 1, 4, 4, 64, dtype="f32", mask="bool")
    q, k, v = _inputs(1, 1, 1, 4, 4, 64)
    with pytest.raises(ValueError, match="bool array"):
        C.run_on_cpu(layer, q, k, v, np.ones((1, 1, 4, 4), np.float32), fold=None)


def test_pass_failure_is_a_python_error():
    """An f32 layer is tiled at the bf16 intrinsic (npu2 M = 4): a q_tile that is
    not a multiple of it is a clear error, not a crash."""
    layer = C.attention_layer(1, 1, 1, 4, 4, 64, dtype="f32")
    with pytest.raises(Exception, match="q-tile=6 is not a multiple of the npu2 f32 intrinsic M = 4"):
        C.run_on_cpu(layer, *_inputs(1, 1, 1, 4, 4, 64), fold="online", q_tile=6)


@pytest.mark.parametrize("dtype", ["f32", "f16"])
def test_f16_f32_layers_are_tiled_for_the_default_target(dtype):
    """f16/f32 layers fold and tile for npu2 (the bf16 emulation of the target
    table), pad to their tiles and run on the CPU path to the reference."""
    layer = C.attention_layer(1, 2, 1, 5, 6, 64, dtype=dtype, causal="top_left")
    q, k, v = (R.round_to_dtype(a, dtype) for a in _inputs(1, 2, 1, 5, 6, 64))
    out = C.run_on_cpu(layer, q, k, v)
    tol = 1e-5 if dtype == "f32" else 2.0**-10
    np.testing.assert_allclose(out, R.attention(q, k, v, causal="top_left"), rtol=tol, atol=tol)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"k": (1, 2, 9, 64)}, r"argument 1 \(key\) length 9 differs from argument 2 \(value\)"),
        ({"mask": (1, 1, 7, 8)}, r"argument 3 \(mask\) has shape \(1, 1, 7, 8\); dimension 2 must be 8"),
        # Static sizes are checked against the function type.
        ({"valid_len": (2,)}, r"argument 4 has shape \(2,\), @attention expects 1"),
        ({"q": (1, 2, 8, 32)}, r"argument 0 has shape \(1, 2, 8, 32\), @attention expects 1x2x\?x64"),
    ],
)
def test_dynamic_shapes_are_checked_before_running(change, match):
    """Dynamic sizes are only known at the call: inconsistent ones are a
    ValueError naming the argument, not an out-of-bounds read."""
    layer = C.attention_layer(1, 2, 2, 8, 8, 64, dtype="f32", mask="bool", dynamic=True)
    shapes = {"q": (1, 2, 8, 64), "k": (1, 2, 8, 64), "v": (1, 2, 8, 64), "mask": (1, 1, 8, 8), "valid_len": (1,)}
    shapes.update(change)
    rng = np.random.default_rng(0)
    args = [rng.standard_normal(shapes[n]).astype(np.float32) for n in ("q", "k", "v")]
    args += [np.ones(shapes["mask"], dtype=bool), np.full(shapes["valid_len"], 8, dtype=np.int32)]
    with pytest.raises(ValueError, match=match):
        C.run_on_cpu(layer, *args, fold=None)


def test_lit_pipeline_is_run_on_cpus_pipeline():
    """test/Conversion/AttnToCPU/pipeline-to-llvm.mlir runs the same pipeline
    through attn-opt; keep the two in sync."""
    import re
    from pathlib import Path

    lit = Path(__file__).resolve().parents[1] / "Conversion" / "AttnToCPU" / "pipeline-to-llvm.mlir"
    run = re.search(r'--pass-pipeline="([^"]+)"', lit.read_text())
    assert run and run.group(1) == C.cpu_pipeline("online", q_tile=8)


def test_head_dim_padding_executes():
    """A plan that pads D = 40 to 48 (head_dim_tile 48): Q/K/V get zero
    columns, the scale stays 1/sqrt(40), the padded value columns are sliced
    away. run_on_cpu(fold=None) pads and lowers an already tiled module."""
    from attn.passmanager import PassManager

    layer = C.attention_layer(1, 2, 1, 7, 9, 40, dtype="bf16", causal="bottom_right")
    with layer.context:
        PassManager.parse("builtin.module(attn-fold{mode=full},attn-tile)").run(layer.operation)
    text = str(layer)
    for field in ("head_dim_tile", "padded_head_dim", "padded_value_dim"):
        assert f"{field} = 40" in text
        text = text.replace(f"{field} = 40", f"{field} = 48")
    q, k, v = _inputs(1, 2, 1, 7, 9, 40, seed=11)
    out = np.asarray(C.run_on_cpu(text, q, k, v, fold=None)).astype(np.float64)
    ref = R.attention(*(R.round_to_dtype(x, "bf16") for x in (q, k, v)), causal="bottom_right")
    assert out.shape == ref.shape
    assert np.abs(out - ref).max() <= 2**-8 * np.abs(ref).max() + 1e-4


@pytest.mark.parametrize("fold", ["unfolded", "partial"])
@pytest.mark.parametrize("intermediate", ["bf16", "f16", "input"])
def test_narrow_intermediates(fold, intermediate):
    """S/P stored in DRAM as bf16/f16 (attn-fold intermediate-type). Bound:
    the output rounding (2^-8 |ref|), P rounding (weights off by <= 2^-8
    relative: <= 2^-8 max|V|) and, unfolded only, S rounding (scores off by
    <= 2^-8 max|S| = D, weights by a factor within exp(+-2 D): <= 2 D max|V|)."""
    b, h, lq, lk, d = 1, 2, 37, 45, 64
    q, k, v = _inputs(b, h, h, lq, lk, d, seed=5)
    layer = C.attention_layer(b, h, h, lq, lk, d, dtype="bf16", causal="top_left")
    out = C.run_on_cpu(layer, q, k, v, fold=fold, intermediate_type=intermediate)
    ref = R.attention(*(R.round_to_dtype(x, "bf16") for x in (q, k, v)), causal="top_left")
    err = np.abs(np.asarray(out).astype(np.float64) - ref)
    qb, kb, vb = (R.round_to_dtype(x, "bf16").astype(np.float64) for x in (q, k, v))
    vmax = np.abs(vb).max()
    delta = 2**-8 * np.abs(np.einsum("bhqd,bhkd->bhqk", qb, kb) / np.sqrt(d)).max() if fold == "unfolded" else 0.0
    assert (err <= 2**-8 * np.abs(ref) + (2**-8 + 2 * delta) * vmax + 1e-4).all()
