"""Numbers of the emitted AIE programs: every fold on npu1 and npu2, run by
the simulator (attn.sim) against the float64 reference.

The host side follows the contract in docs/aie-mapping.md: inputs are
zero-padded to the device buffers (the stage's ``host_padding``), S and P
pass from one device to the next as they are, the output is sliced, and
``valid_len`` is patched into the ``aiex.npu.rtp_write`` words. Skipped when
the simulator is not part of the build.
"""

from __future__ import annotations

import numpy as np
import pytest

from attn import reference
from attn.aie_compile import compile

sim = pytest.importorskip("attn.sim")

# bf16 inputs and output: the error is the output rounding (plus f32 sums).
ATOL = 2e-2

CASES = [
    # (b, h, hkv, lq, lk, d, causal, valid_len, blhd, tiles)
    (1, 4, 2, 64, 96, 32, "bottom_right", None, False, {"q_tile": 16, "kv_tile": 32, "columns": 2}),
    (2, 2, 1, 32, 64, 32, "none", None, True, {"q_tile": 16, "kv_tile": 32, "columns": 2}),
    (2, 2, 2, 64, 64, 32, "none", [64, 37], False, {"q_tile": 16, "kv_tile": 32, "columns": 2}),
    # Odd lengths: padded 50 -> 64 queries, 45 -> 48 keys.
    (1, 3, 1, 50, 45, 32, "top_left", [41], False, {"q_tile": 16, "kv_tile": 16, "columns": 2}),
]


def _run(program, q, k, v, valid_len):
    """The layer through attn.sim's host runner (padding, valid_len words, every dispatch, slicing)."""
    args = (q, k, v) if valid_len is None else (q, k, v, np.asarray(valid_len, np.int32))
    return sim.run(program, *args, timing=False).output


@pytest.mark.parametrize("target", ["npu1", "npu2"])
@pytest.mark.parametrize("fold", ["online", "full", "partial", "unfolded"])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_simulated_program_matches_reference(target: str, fold: str, case: int) -> None:
    b, h, hkv, lq, lk, d, causal, valid_len, blhd, tiles = CASES[case]
    rng = np.random.default_rng(case)
    qs = (b, lq, h, d) if blhd else (b, h, lq, d)
    ks = (b, lk, hkv, d) if blhd else (b, hkv, lk, d)
    q, k, v = (rng.standard_normal(s).astype(np.float32) for s in (qs, ks, ks))
    layout = " layout blhd" if blhd else ""
    vl = f" valid_len(%n : tensor<{b}xi32>)" if valid_len else ""
    vl_arg = f", %n: tensor<{b}xi32>" if valid_len else ""
    causal_attr = f" causal {causal}" if causal != "none" else ""

    def t(s):
        return "tensor<" + "x".join(map(str, s)) + "xbf16>"

    text = (
        f"func.func @layer(%q: {t(qs)}, %k: {t(ks)}, %v: {t(ks)}{vl_arg}) -> {t(qs)} {{\n"
        f"  %o = attn.attention %q, %k, %v{vl}{causal_attr}{layout} : {t(qs)}, {t(ks)}, {t(ks)} -> {t(qs)}\n"
        f"  return %o : {t(qs)}\n}}\n"
    )
    program = compile(text, target=target, fold=fold, cores_per_column=2, **tiles)
    out = _run(program, q, k, v, valid_len)
    ref = reference.attention(
        q,
        k,
        v,
        causal=causal,
        layout="blhd" if blhd else "bhld",
        valid_len=None if valid_len is None else np.asarray(valid_len),
    )
    out = np.asarray(out, np.float32)
    err = float(np.abs(out - ref).max())
    assert err <= ATOL, (target, fold, CASES[case], err)
