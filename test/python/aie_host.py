"""Host side of a compiled AIE attention program, for the simulator tests.

Follows the contract in docs/aie-mapping.md: inputs are zero-padded to the
device buffers (the typed ``host_padding`` of each device's ``attn.host``), S and
P pass from one device to the next as they are, the output is sliced, and
``valid_len`` is given at dispatch as the runtime-sequence's i32 arguments (one
per batch), which the sequence writes to the cores with ``aiex.npu.rtp_write``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from attn import sim
from attn.sim.host import device_op, host_padding


def layer_text(
    b: int,
    h: int,
    hkv: int,
    lq: int,
    lk: int,
    d: int,
    *,
    causal: str = "none",
    valid_len: bool = False,
    blhd: bool = False,
    mask: bool = False,
    bias: bool = False,
    dtype: str = "bf16",
) -> str:
    """One ``attn.attention`` layer of element type `dtype` as MLIR text."""
    qs = (b, lq, h, d) if blhd else (b, h, lq, d)
    ks = (b, lk, hkv, d) if blhd else (b, hkv, lk, d)

    def t(s: tuple[int, ...], el: str = dtype) -> str:
        return "tensor<" + "x".join(map(str, s)) + "x" + el + ">"

    ms = (b, h, lq, lk)
    args = f"%q: {t(qs)}, %k: {t(ks)}, %v: {t(ks)}"
    extra = ""
    if mask:
        args += f", %m: {t(ms, 'i1')}"
        extra += f" mask(%m : {t(ms, 'i1')})"
    if bias:
        args += f", %bias: {t(ms, 'f32')}"
        extra += f" bias(%bias : {t(ms, 'f32')})"
    if valid_len:
        args += f", %n: tensor<{b}xi32>"
        extra += f" valid_len(%n : tensor<{b}xi32>)"
    if causal != "none":
        extra += f" causal {causal}"
    if blhd:
        extra += " layout blhd"
    return (
        f"func.func @layer({args}) -> {t(qs)} {{\n"
        f"  %o = attn.attention %q, %k, %v{extra} : {t(qs)}, {t(ks)}, {t(ks)} -> {t(qs)}\n"
        f"  return %o : {t(qs)}\n}}\n"
    )


def _pad(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    out = np.zeros(shape, np.float32)
    out[tuple(slice(0, n) for n in a.shape)] = a
    return out


def devices(program: Any) -> list[str]:
    """The text of each stage ``aie.device`` of `program`, in stage order (the
    layer's host program, which dispatches them, is not one)."""
    return [
        str(op)
        for op in program.aie.body.operations
        if op.operation.name == "aie.device" and "attn.host_program" not in op.attributes
    ]


def run(
    program: Any,
    q: np.ndarray,
    k: np.ndarray,
    v: np.ndarray,
    valid_len: list[int] | None,
    timing: bool = False,
) -> tuple[np.ndarray, list[sim.SimResult]]:
    """Run the devices of `program` in order, chaining S and P; returns the
    (padded) output of the last device and every device's result."""
    inputs = {"q": q, "k": k, "v": v}
    result = None
    results = []
    for stage, text in zip(program.report["stages"], devices(program), strict=True):
        schedule = program.report["schedules"][stage["device"]]
        padded, _ = host_padding(device_op(program, stage["device"]))
        args = []
        for i, role in enumerate(schedule["arguments"][:-1]):
            if role == "valid_len":
                # One i32 runtime-sequence argument per batch, given at dispatch.
                args.extend(int(x) for x in valid_len)
            elif role in ("s", "p"):
                args.append(result)
            else:
                a = inputs[role]
                args.append(_pad(a, padded[i]) if i in padded else a)
        r = sim.run("module {\n" + text + "\n}", *args, timing=timing)
        results.append(r)
        result = r.output
    return result, results


def output(program: Any, out: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The device output reshaped to the padded result and sliced to `shape`."""
    _, result = host_padding(device_op(program, program.report["stages"][-1]["device"]))
    padded = result[0] if result else shape
    out = np.asarray(out, np.float32).reshape(padded)
    return out[tuple(slice(0, n) for n in shape)]


def check_upstream_syntax(program: Any) -> int:
    """Every device of `program` re-parses from its printed text (the pinned upstream syntax),
    passes aie-check-limits, and writes valid_len to the cores from runtime-sequence arguments
    only (no constant stands in for it). Returns the number of rtp writes seen."""
    from attn import ir, passmanager
    from attn.sim.program import RtpWrite, SeqArg

    rtp = 0
    for text in devices(program):
        module_text = "module {\n" + text + "\n}"
        with ir.Context():
            module = ir.Module.parse(module_text)
            passmanager.PassManager.parse("builtin.module(aie-check-limits)").run(module.operation)
            assert str(module).count("aiex.npu.rtp_write") == module_text.count("aiex.npu.rtp_write")
        prog = sim.load(module_text)
        for op in prog.seq_ops:
            if isinstance(op, RtpWrite):
                assert isinstance(op.value, SeqArg), f"rtp_write {op.buffer}[{op.index}] is not a dispatch-time value"
                rtp += 1
    return rtp
