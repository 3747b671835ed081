"""Numbers of the emitted AIE programs: every fold on npu1 and npu2, run by
the simulator (attn.sim) against the float64 reference.

The host side follows the contract in docs/aie-mapping.md: inputs are
zero-padded to the device buffers (the stage's ``host_padding``), S and P
pass from one device to the next as they are, the output is sliced, and
``valid_len`` is patched into the ``aiex.npu.rtp_write`` words. Skipped when
the simulator is not part of the build.
"""

from __future__ import annotations

import re

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


def _pad(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    out = np.zeros(shape, np.float32)
    out[tuple(slice(0, n) for n in a.shape)] = a
    return out


def _shape(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split("x")[:-1])


def _run(program, q, k, v, valid_len):
    """Run the devices of `program` in order, chaining S and P."""
    devices = re.split(r"(?=  aie\.device\()", program.text.strip()[len("module {") : -1])
    devices = [d for d in devices if d.strip()]
    inputs = {"q": q, "k": k, "v": v}
    result = None
    for stage, text in zip(program.report["stages"], devices, strict=True):
        schedule = program.report["schedules"][stage["device"]]
        padded = {}
        for entry in schedule["host_padding"]:
            m = re.match(r"operand (\d+): tensor<(.*)> -> tensor<(.*)>", entry)
            if m:
                padded[int(m.group(1))] = _shape(m.group(3))
        if valid_len is not None:
            text = re.sub(
                r"aiex\.npu\.rtp_write\((@\w+), (\d+), \d+\)",
                lambda m: f"aiex.npu.rtp_write({m.group(1)}, {m.group(2)}, {valid_len[int(m.group(2))]})",
                text,
            )
        args = []
        for i, role in enumerate(schedule["arguments"][:-1]):
            if role == "valid_len":
                args.append(np.asarray(valid_len, np.int32))
            elif role in ("s", "p"):
                args.append(result)
            else:
                a = inputs[role]
                args.append(_pad(a, padded[i]) if i in padded else a)
        result = sim.run("module {\n" + text + "\n}", *args, timing=False).output
    return result


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
    out = np.asarray(out, np.float32).reshape(_padded_output_shape(program, ref.shape))
    out = out[tuple(slice(0, n) for n in ref.shape)]
    err = float(np.abs(out - ref).max())
    assert err <= ATOL, (target, fold, CASES[case], err)


def _padded_output_shape(program, shape):
    schedule = program.report["schedules"][program.report["stages"][-1]["device"]]
    for entry in schedule["host_padding"]:
        m = re.match(r"result: tensor<(.*)> -> tensor<(.*)>", entry)
        if m:
            return _shape(m.group(1))
    return shape
