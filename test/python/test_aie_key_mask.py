"""Key-only explicit masks and biases on the AIE path: a BERT-like encoder
layer with a key-padding keep-mask (or an additive key mask) and an additive
key bias, compiled for npu1/npu2 in the online and full folds and run on the
simulator against attn.reference."""

from __future__ import annotations

import numpy as np
import pytest

from attn import reference, sim
from attn.compiler import compile

ATOL = 2e-2  # bf16 output, see test_sim_host.py

B, H, L, D = 2, 2, 37, 32  # odd length: the device buffers are padded


def _t(shape: tuple[int, ...], elem: str) -> str:
    return f"tensor<{'x'.join(map(str, shape))}x{elem}>"


def _layer(mask_elem: str, bias_elem: str = "bf16", mask_shape=(B, 1, 1, L)) -> str:
    x = _t((B, H, L, D), "bf16")
    m, b = _t(mask_shape, mask_elem), _t((1, 1, 1, L), bias_elem)
    return (
        f"func.func @encoder(%q: {x}, %k: {x}, %v: {x}, %m: {m}, %b: {b}) -> {x} {{\n"
        f"  %o = attn.attention %q, %k, %v mask(%m : {m}) bias(%b : {b}) : {x}, {x}, {x} -> {x}\n"
        f"  return %o : {x}\n}}\n"
    )


def _inputs(seed: int = 0):
    rng = np.random.default_rng(seed)
    q, k, v = (reference.round_to_dtype(rng.standard_normal((B, H, L, D)), "bf16") for _ in range(3))
    # Key padding: batch 0 sees all 37 keys, batch 1 the first 21.
    keep = np.ones((B, 1, 1, L), bool)
    keep[1, ..., 21:] = False
    bias = reference.round_to_dtype(0.5 * rng.standard_normal((1, 1, 1, L)), "bf16")
    return q, k, v, keep, bias


@pytest.mark.parametrize("target", ["npu1", "npu2"])
@pytest.mark.parametrize("fold", ["online", "full"])
@pytest.mark.parametrize("mask_kind", ["bool", "additive"])
def test_key_mask_and_bias_run(mask_kind: str, fold: str, target: str) -> None:
    q, k, v, keep, bias = _inputs()
    if mask_kind == "bool":
        program = compile(_layer("i1"), target=target, fold=fold)
        mask = keep
    else:
        program = compile(_layer("bf16"), target=target, fold=fold)
        mask = np.where(keep, 0.0, -np.inf).astype(np.float32)
    result = sim.run(program, q, k, v, mask, bias)
    ref = reference.attention(q, k, v, mask=mask, bias=bias)
    assert result.output.shape == ref.shape
    assert float(np.abs(result.output - ref).max()) <= ATOL
    # The masked keys matter: without the mask the answer differs.
    assert float(np.abs(result.output - reference.attention(q, k, v, bias=bias)).max()) > 10 * ATOL

    report = program.report
    (stage,) = report["stages"]
    schedule = report["schedules"][stage["device"]]
    assert schedule["arguments"] == ["q", "k", "v", "mask", "bias", "o"]
    # Traffic is exact: what the simulator moved is the static count, and the
    # mask/bias rows are read once per round of each kv head (like K and V),
    # one bf16 element per padded key.
    assert result.dram_bytes == report["dram_read_bytes"] + report["dram_write_bytes"]
    lk = schedule["buffer_bytes"]["bias"] // 2
    assert lk >= L
    assert schedule["buffer_bytes"]["mask"] == B * lk * 2
    passes = 2 if fold == "full" else 1
    rounds = schedule["rounds_per_kv_head"] * B * H
    assert report["per_tensor"]["bias"]["read_bytes"] == passes * rounds * lk * 2
    assert report["per_tensor"]["mask"]["read_bytes"] == passes * rounds * lk * 2
    assert schedule["bytes"]["mask"] == report["per_tensor"]["mask"]["read_bytes"]
    # Compulsory bytes: every program buffer read once (incl. mask and bias), O written once.
    assert report["compulsory_bytes"] == sum(schedule["buffer_bytes"].values())
    # The schedule's records arrive as builtin dictionaries (typed fields).
    fifos = {f["name"]: f for f in schedule["fifos"]}
    assert fifos["mask_l3_g0"]["dram"] == ["mask"] and fifos["bias_l3_g0"]["dram"] == ["bias"]
    assert fifos["mask_l3_g0"]["object"] == f"memref<{schedule['kv_tile']}xbf16>"  # one row of a key block
    assert fifos["mask_l3_g0"]["producer"][1] == 0  # a shim tile
    (join,) = [link for link in schedule["links"] if link["outs"] == ["kv_g0"]]
    assert join["ins"][-2:] == ["mask_l3_g0", "bias_l3_g0"]
    assert len(join["src_offsets"]) == 4


def test_shared_mask_row_and_f32_bias() -> None:
    # One mask row for every batch ([1, 1, 1, Lk]), an f32 bias rounded to the
    # layer's bf16 on the device.
    q, k, v, keep, _ = _inputs(seed=3)
    rng = np.random.default_rng(4)
    shared = keep[1:]
    bias = (0.5 * rng.standard_normal((1, 1, 1, L))).astype(np.float32)
    program = compile(_layer("i1", "f32", mask_shape=(1, 1, 1, L)), target="npu2", fold="online")
    result = sim.run(program, q, k, v, shared, bias)
    ref = reference.attention(q, k, v, mask=shared, bias=bias)
    assert float(np.abs(result.output - ref).max()) <= ATOL
    schedule = program.report["schedules"][program.report["stages"][0]["device"]]
    assert schedule["buffer_bytes"]["mask"] == schedule["buffer_bytes"]["bias"]


def test_masks_without_static_keys_are_rejected() -> None:
    # Full masks ([B, 1, Lq, Lk]) are mapped (test_aie_full_mask.py); a mask
    # that broadcasts over the keys is not.
    with pytest.raises(ValueError) as info:
        compile(_layer("i1", mask_shape=(B, 1, L, 1)), target="npu2", fold="online")
    assert "must have a static shape broadcasting as [B|1, H|1, Lq|1, Lk] with the keys spelled out" in str(info.value)


def test_sim_run_names_the_mask_and_bias_arguments() -> None:
    q, k, v, keep, bias = _inputs()
    program = compile(_layer("i1"), target="npu2", fold="online")
    with pytest.raises(sim.SimError, match=r"takes 5 arrays \(q, k, v, mask, bias\), got 3"):
        sim.run(program, q, k, v)


@pytest.mark.parametrize("fold", ["online", "full"])
def test_key_rows_with_gqa_valid_len_and_causal(fold: str) -> None:
    # Per-batch rows are addressed by the kv head's batch (GQA: 4 heads, 2 kv
    # heads); the rows combine with valid_len and the causal rule.
    b, h, hk, n, d = 2, 4, 2, 45, 32
    x, kv = _t((b, h, n, d), "bf16"), _t((b, hk, n, d), "bf16")
    m, bt, lt = _t((b, 1, 1, n), "i1"), _t((b, 1, 1, n), "f32"), _t((b,), "i32")
    rng = np.random.default_rng(1)
    q = reference.round_to_dtype(rng.standard_normal((b, h, n, d)), "bf16")
    k, v = (reference.round_to_dtype(rng.standard_normal((b, hk, n, d)), "bf16") for _ in range(2))
    keep = rng.random((b, 1, 1, n)) > 0.4
    bias = reference.round_to_dtype(rng.standard_normal((b, 1, 1, n)), "bf16")
    valid_len = np.array([45, 30], np.int32)
    masked = compile(
        f"func.func @f(%q: {x}, %k: {kv}, %v: {kv}, %m: {m}, %n: {lt}) -> {x} {{\n"
        f"  %o = attn.attention %q, %k, %v mask(%m : {m}) valid_len(%n : {lt}) : {x}, {kv}, {kv} -> {x}\n"
        f"  return %o : {x}\n}}\n",
        target="npu2",
        fold=fold,
    )
    out = sim.run(masked, q, k, v, keep, valid_len).output
    ref = reference.attention(q, k, v, mask=keep, valid_len=valid_len)
    assert float(np.abs(out - ref).max()) <= ATOL
    biased = compile(
        f"func.func @f(%q: {x}, %k: {kv}, %v: {kv}, %b: {bt}) -> {x} {{\n"
        f"  %o = attn.attention %q, %k, %v bias(%b : {bt}) causal top_left : {x}, {kv}, {kv} -> {x}\n"
        f"  return %o : {x}\n}}\n",
        target="npu1",
        fold=fold,
    )
    out = sim.run(biased, q, k, v, bias).output
    ref = reference.attention(q, k, v, bias=bias, causal="top_left")
    assert float(np.abs(out - ref).max()) <= ATOL
