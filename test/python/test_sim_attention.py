"""End to end: a hand-written one-core flash-attention AIE program
(sim_programs/flash_attention.py) simulated against attn.reference.attention."""

from __future__ import annotations

import numpy as np
import pytest
from sim_programs.flash_attention import flash_attention_program

from attn import reference as R
from attn import sim


def bf16_inputs(heads: int, seq_len: int, d: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    return [R.round_to_dtype(rng.standard_normal((1, heads, seq_len, d)), "bf16") for _ in range(3)]


@pytest.mark.parametrize("kv_as_bytes", [False, True])
def test_flash_attention_matches_reference(kv_as_bytes: bool) -> None:
    # kv_as_bytes: bf16 K/V host data lands in i8 objects joined by the memtile and the
    # core reinterprets them with memref.view (DMAs move words, not typed elements).
    q, k, v = bf16_inputs(2, 128, 64)
    check = sim.verify_attention(flash_attention_program(2, 128, 64, kv_as_bytes=kv_as_bytes), q, k, v)
    # Inputs are bf16; scores, softmax state and accumulation are f32; the output is
    # rounded to bf16 (relative step 2^-8), which dominates the error.
    assert check.max_rel_error < 2.0**-7
    r = check.result
    assert r.warnings == []
    assert r.dram_bytes == 4 * 2 * 128 * 64 * 2 + 2 * (128 // 32 - 1) * 2 * 128 * 64 * 2  # K, V sent per query tile
    core = r.tiles["core (0, 2)"]["core"]
    assert core["busy"] > 0.9 * r.cycles  # one core, 32x32 tiles: compute bound


def test_flash_attention_causal_with_runtime_valid_len() -> None:
    seq_len, valid = 96, 70
    q, k, v = bf16_inputs(1, seq_len, 64, seed=3)
    program = flash_attention_program(1, seq_len, 64, valid_len=valid, causal=True)
    rows = np.arange(seq_len)[:, None] < valid  # the program masks keys; it leaves padded query rows
    check = sim.verify_attention(
        program, q, k, v, timing=False, rows=rows, causal="top_left", valid_len=np.array([valid])
    )
    assert check.max_rel_error < 2.0**-7
    # Masking really happened: without it the visible rows differ.
    plain = R.attention(q, k, v)[0, 0][:valid]
    assert np.abs(plain - check.reference[0, 0][:valid]).max() > 0.1


@pytest.mark.parametrize("tq,tk", [(32, 64), (64, 32)])
def test_flash_attention_other_tilings(tq: int, tk: int) -> None:
    q, k, v = bf16_inputs(1, 128, 64, seed=tq + tk)
    check = sim.verify_attention(flash_attention_program(1, 128, 64, tq=tq, tk=tk), q, k, v, timing=False)
    assert check.max_rel_error < 2.0**-7


@pytest.mark.parametrize("name", ["flash", "matmul_join_split.mlir", "eltwise_add.mlir", "broadcast.mlir"])
def test_dram_bytes_agree_with_the_static_traffic_count(name: str) -> None:
    """The simulator's shim byte count equals attn.analysis.count_traffic (C++, static)."""
    from pathlib import Path

    from attn import analysis, ir

    if name == "flash":
        text = flash_attention_program(2, 128, 64)
    else:
        text = (Path(__file__).parent / "sim_programs" / name).read_text()
    with ir.Context():
        module = ir.Module.parse(text)
        static = analysis.count_traffic(module)
        r = sim.run(module, timing=False)
    assert r.dram_bytes == static["total_bytes"]
