"""Full explicit masks and biases on the AIE path ([B|1, H|1, Lq|1, Lk], boolean
keep-masks and additive float masks/biases as Hugging Face models pass them):
compiled for npu1/npu2 in every fold, run on the simulator against the float64
attn.reference, with the DRAM traffic of the mask tiles checked exactly."""

from __future__ import annotations

from typing import Optional

import numpy as np
import pytest

from attn import reference, sim
from attn.compiler import compile

REL_TOL = 1e-2  # bf16 inputs and output: max |sim - ref| / max |ref|


def _t(shape: tuple[int, ...], elem: str) -> str:
    return f"tensor<{'x'.join(map(str, shape))}x{elem}>"


def _layer(b, h, hk, lq, lk, d, mask: Optional[tuple], mask_elem: str, bias: Optional[tuple], causal: str) -> str:
    x, kv = _t((b, h, lq, d), "bf16"), _t((b, hk, lk, d), "bf16")
    args, operands = [f"%q: {x}", f"%k: {kv}", f"%v: {kv}"], ""
    if mask:
        args.append(f"%m: {_t(mask, mask_elem)}")
        operands += f" mask(%m : {_t(mask, mask_elem)})"
    if bias:
        args.append(f"%b: {_t(bias, 'bf16')}")
        operands += f" bias(%b : {_t(bias, 'bf16')})"
    c = f" causal {causal}" if causal != "none" else ""
    return (
        f"func.func @layer({', '.join(args)}) -> {x} {{\n"
        f"  %o = attn.attention %q, %k, %v{operands}{c} : {x}, {kv}, {kv} -> {x}\n"
        f"  return %o : {x}\n}}\n"
    )


# (target, fold, b, h, hk, lq, lk, d, mask shape, mask element, bias shape, causal)
CASES = [
    # broadcast boolean [1, 1, Lq, Lk] (padding + structure), odd lengths, every fold
    ("npu2", "online", 2, 2, 2, 37, 37, 32, (1, 1, 37, 37), "i1", None, "none"),
    ("npu2", "full", 2, 2, 2, 37, 37, 32, (1, 1, 37, 37), "i1", None, "none"),
    ("npu2", "partial", 2, 2, 2, 37, 37, 32, (1, 1, 37, 37), "i1", None, "none"),
    ("npu2", "unfolded", 2, 2, 2, 37, 37, 32, (1, 1, 37, 37), "i1", None, "none"),
    # full per-head additive mask [B, H, Lq, Lk] with a per-head key bias, GQA, Lq != Lk
    ("npu1", "online", 2, 4, 2, 37, 45, 32, (2, 4, 37, 45), "bf16", (1, 4, 1, 45), "none"),
    # causal + per-batch boolean mask + per-head bias [1, H, Lq, Lk]
    ("npu1", "online", 2, 2, 2, 37, 37, 32, (2, 1, 37, 37), "i1", (1, 2, 37, 37), "top_left"),
    ("npu1", "partial", 2, 2, 2, 37, 37, 32, (2, 1, 37, 37), "i1", (1, 2, 37, 37), "top_left"),
    ("npu1", "unfolded", 2, 2, 2, 37, 37, 32, (2, 1, 37, 37), "i1", (1, 2, 37, 37), "top_left"),
    # full [B, H, Lq, Lk] boolean, GQA, bottom-right causal (decode-like Lq < Lk)
    ("npu2", "full", 1, 4, 2, 21, 50, 32, (1, 4, 21, 50), "i1", None, "bottom_right"),
    ("npu2", "online", 1, 4, 2, 21, 50, 32, (1, 4, 21, 50), "i1", None, "bottom_right"),
    # fewer query tiles than cores (the last cores repeat the last item and
    # read its tile), per-batch full additive mask
    ("npu1", "online", 2, 1, 1, 47, 164, 32, (2, 1, 47, 164), "bf16", None, "none"),
    # a per-head key-row mask without GQA: one shared row per step
    ("npu1", "full", 2, 2, 2, 60, 70, 32, (1, 2, 1, 70), "bf16", None, "none"),
]


def _inputs(case, seed: int = 0):
    _, _, b, h, hk, lq, lk, d, mshape, melem, bshape, _ = case
    rng = np.random.default_rng(seed)
    q = reference.round_to_dtype(rng.standard_normal((b, h, lq, d)), "bf16")
    k, v = (reference.round_to_dtype(rng.standard_normal((b, hk, lk, d)), "bf16") for _ in range(2))
    extra, kw = [], {}
    if mshape:
        keep = rng.random(mshape) > 0.35
        if melem == "i1":
            mask = keep
        else:  # an additive mask: -inf hides, finite values shift the scores
            mask = np.where(keep, reference.round_to_dtype(rng.standard_normal(mshape), "bf16"), -np.inf)
        extra.append(mask)
        kw["mask"] = mask
    if bshape:
        bias = reference.round_to_dtype(rng.standard_normal(bshape), "bf16")
        extra.append(bias)
        kw["bias"] = bias
    return q, k, v, extra, kw


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[1]}-m{'x'.join(map(str, c[8]))}{c[9]}-{c[11]}")
def test_full_mask_matches_reference(case) -> None:
    target, fold, b, h, hk, lq, lk, d, mshape, melem, bshape, causal = case
    program = compile(_layer(b, h, hk, lq, lk, d, mshape, melem, bshape, causal), target=target, fold=fold)
    q, k, v, extra, kw = _inputs(case)
    result = sim.run(program, q, k, v, *extra)
    ref = reference.attention(q, k, v, causal=causal, **kw)
    assert result.output.shape == ref.shape
    scale = float(np.abs(ref).max())
    err = float(np.abs(result.output - ref).max()) / scale
    assert err <= REL_TOL, err
    # The mask matters: without it the answer is far off.
    unmasked = reference.attention(q, k, v, causal=causal)
    assert float(np.abs(unmasked - ref).max()) / scale > 10 * REL_TOL

    report = program.report
    # Traffic is exact: what the simulator moved is the static count of the
    # runtime sequences, and each stage's mask/bias tiles are counted per tensor.
    assert result.dram_bytes == report["dram_read_bytes"] + report["dram_write_bytes"]
    scored = [s for s in report["stages"] if "mask" in report["schedules"][s["device"]]["arguments"]]
    assert len(scored) == 1  # the stage computing scores reads them, no other
    schedule = report["schedules"][scored[0]["device"]]
    fifos = {f["name"]: f for f in schedule["fifos"]}
    assert fifos["mask_l3_g0"]["dram"] == ["mask"] and fifos["mask_l3_g0"]["use"] == "step"
    assert report["per_tensor"]["mask"]["read_bytes"] == schedule["bytes"]["mask"]
    # Every core reads its own tile of every step: at least the compulsory
    # bytes of the padded mask buffer, times the heads it broadcasts over.
    heads_shared = h // mshape[1]
    assert schedule["bytes"]["mask"] >= schedule["buffer_bytes"]["mask"] * heads_shared * (b // mshape[0])
    if bshape:
        assert report["per_tensor"]["bias"]["read_bytes"] == schedule["bytes"]["bias"]


def test_mask_tiles_are_per_core_in_the_step_object() -> None:
    # [1, 1, Lq, Lk] on npu2, online: the step object holds K, V and one
    # q_tile x kv_tile mask tile per core of the group; the mask stream is read
    # once per round of every kv head (the mask broadcasts over the heads).
    case = CASES[0]
    target, fold, b, h, hk, lq, lk, d, mshape, melem, bshape, causal = case
    program = compile(_layer(b, h, hk, lq, lk, d, mshape, melem, bshape, causal), target=target, fold=fold)
    report = program.report
    (stage,) = report["stages"]
    schedule = report["schedules"][stage["device"]]
    tq, tk, lanes = schedule["q_tile"], schedule["kv_tile"], schedule["cores_per_group"]
    mask_fifo = next(f for f in schedule["fifos"] if f["name"] == "mask_l3_g0")
    assert mask_fifo["object"] == f"memref<{lanes * tq}x{tk}xbf16>"
    padded_q = schedule["buffer_bytes"]["q"] // (b * h * d * 2)
    padded_k = schedule["buffer_bytes"]["k"] // (b * hk * d * 2)
    assert schedule["buffer_bytes"]["mask"] == padded_q * padded_k * 2
    rounds = schedule["rounds_per_kv_head"] * b * hk
    per_round = lanes * tq * padded_k * 2  # every lane's tile of every key block
    assert schedule["bytes"]["mask"] == rounds * per_round


def test_repeated_items_share_the_last_tile() -> None:
    # 3 query tiles per head on a group of more cores: the step object holds
    # one tile per item, not per core (the repeating cores read the last).
    case = CASES[10]
    target, fold, b, h, hk, lq, lk, d, mshape, melem, bshape, causal = case
    program = compile(_layer(b, h, hk, lq, lk, d, mshape, melem, bshape, causal), target=target, fold=fold)
    schedule = program.report["schedules"][program.report["stages"][0]["device"]]
    tq, tk, lanes = schedule["q_tile"], schedule["kv_tile"], schedule["cores_per_group"]
    items = -(-lq // tq)
    assert items < lanes
    mask_fifo = next(f for f in schedule["fifos"] if f["name"] == "mask_l3_g0")
    assert mask_fifo["object"] == f"memref<{items * tq}x{tk}xbf16>"


def test_gqa_head_rows_travel_once_per_group() -> None:
    # A bias varying over the heads of a GQA group only ([1, H, 1, Lk]) is
    # the group's G key rows per step (each core picks its item's head's row
    # at run time), in the full fold too, whose two passes stream it twice.
    case = ("npu1", "full", 2, 4, 2, 37, 45, 32, (2, 4, 37, 45), "bf16", (1, 4, 1, 45), "none")
    target, fold, b, h, hk, lq, lk, d, mshape, melem, bshape, causal = case
    program = compile(_layer(b, h, hk, lq, lk, d, mshape, melem, bshape, causal), target=target, fold=fold)
    q, k, v, extra, kw = _inputs(case)
    out = sim.run(program, q, k, v, *extra).output
    ref = reference.attention(q, k, v, **kw)
    assert float(np.abs(out - ref).max()) / float(np.abs(ref).max()) <= REL_TOL
    schedule = program.report["schedules"][program.report["stages"][0]["device"]]
    tk = schedule["kv_tile"]
    bias_fifo = next(f for f in schedule["fifos"] if f["name"] == "bias_l3_g0")
    assert bias_fifo["object"] == f"memref<{h // hk}x{tk}xbf16>"
    padded_k = schedule["buffer_bytes"]["k"] // (b * hk * d * 2)
    rounds = schedule["rounds_per_kv_head"] * b * hk
    assert schedule["bytes"]["bias"] == 2 * rounds * (h // hk) * padded_k * 2


@pytest.mark.parametrize("target", ["npu1", "npu2"])
def test_gqa_mask_shared_by_the_heads(target: str) -> None:
    # The Hugging Face GQA case: one [B, 1, Lq, Lk] mask for every head of
    # the kv head's group; rounds that cross a head boundary re-read it.
    case = (target, "full", 1, 4, 1, 40, 100, 32, (1, 1, 40, 100), "i1", None, "none")
    target, fold, b, h, hk, lq, lk, d, mshape, melem, bshape, causal = case
    program = compile(_layer(b, h, hk, lq, lk, d, mshape, melem, bshape, causal), target=target, fold=fold)
    q, k, v, extra, kw = _inputs(case)
    out = sim.run(program, q, k, v, *extra).output
    ref = reference.attention(q, k, v, **kw)
    assert float(np.abs(out - ref).max()) / float(np.abs(ref).max()) <= REL_TOL


@pytest.mark.parametrize("fold", ["online", "unfolded"])
@pytest.mark.parametrize("elem,tol", [("f16", 2e-3), ("f32", 1e-5)])
def test_f16_f32_layers_with_full_mask_and_bias(elem: str, tol: float, fold: str) -> None:
    # The mask/bias tiles travel in the layer's element type (f16 / f32).
    b, h, n, d = 1, 2, 40, 32
    x, m, keep_t = _t((b, h, n, d), elem), _t((1, h, n, n), elem), _t((1, 1, n, n), "i1")
    src = (
        f"func.func @f(%q: {x}, %k: {x}, %v: {x}, %m: {keep_t}, %b: {m}) -> {x} {{\n"
        f"  %o = attn.attention %q, %k, %v mask(%m : {keep_t}) bias(%b : {m}) causal top_left : {x}, {x}, {x} -> {x}\n"
        f"  return %o : {x}\n}}\n"
    )
    rng = np.random.default_rng(5)
    q, k, v = (reference.round_to_dtype(rng.standard_normal((b, h, n, d)), elem) for _ in range(3))
    bias = reference.round_to_dtype(rng.standard_normal((1, h, n, n)), elem)
    keep = rng.random((1, 1, n, n)) > 0.3
    out = sim.run(compile(src, target="npu2", fold=fold), q, k, v, keep, bias).output
    ref = reference.attention(q, k, v, mask=keep, bias=bias, causal="top_left")
    assert float(np.abs(out - ref).max()) / float(np.abs(ref).max()) <= tol
