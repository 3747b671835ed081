"""attn.sim.run on what attn.compiler.compile returns: the host's part (padding,
runtime parameters, one dispatch per stage, slicing) is done by the simulator,
so `.output` is the layer's attention result in its logical shape."""

from __future__ import annotations

import json

import numpy as np
import pytest

from attn import reference, sim
from attn.compiler import attention_layer, compile

# bf16 output: one rounding of values of magnitude <= max|V| (~4), plus f32 sums.
ATOL = 2e-2


def _inputs(shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [reference.round_to_dtype(rng.standard_normal(s), "bf16") for s in shapes]


@pytest.mark.parametrize("target", ["npu1", "npu2"])
@pytest.mark.parametrize("fold", ["unfolded", "partial", "full", "online"])
def test_compiled_layer_runs_end_to_end(fold: str, target: str) -> None:
    # Odd lengths: the device buffers are padded, the output is sliced back.
    q, k, v = _inputs([(1, 2, 50, 40), (1, 1, 45, 40), (1, 1, 45, 40)])
    program = compile(attention_layer(1, 2, 1, 50, 45, 40, causal="top_left"), target=target, fold=fold)
    result = sim.run(program, q, k, v)
    ref = reference.attention(q, k, v, causal="top_left")
    assert result.output.shape == ref.shape
    assert float(np.abs(result.output - ref).max()) <= ATOL
    # One dispatch per stage; the DRAM bytes moved are the compiler's static count.
    assert len(result.devices) == len(program.report["stages"])
    assert result.dram_bytes == program.report["dram_read_bytes"] + program.report["dram_write_bytes"]
    assert result.cycles == pytest.approx(sum(r.cycles for r in result.devices))
    assert result.seconds > 0


def _valid_len_layer() -> str:
    t = "tensor<2x2x64x32xbf16>"
    return (
        f"func.func @layer(%q: {t}, %k: {t}, %v: {t}, %n: tensor<2xi32>) -> {t} {{\n"
        f"  %o = attn.attention %q, %k, %v valid_len(%n : tensor<2xi32>) : {t}, {t}, {t} -> {t}\n"
        f"  return %o : {t}\n}}\n"
    )


@pytest.mark.parametrize("fold", ["online", "unfolded"])
def test_valid_len_reaches_the_cores(fold: str, tmp_path) -> None:
    q, k, v = _inputs([(2, 2, 64, 32)] * 3, seed=1)
    program = compile(_valid_len_layer(), target="npu2", fold=fold, q_tile=16, kv_tile=32, columns=2)
    for lengths in ([64, 37], [1, 64]):
        valid_len = np.array(lengths, np.int32)
        result = sim.run(program, q, k, v, valid_len)
        ref = reference.attention(q, k, v, valid_len=valid_len)
        assert float(np.abs(result.output - ref).max()) <= ATOL, lengths
    path = tmp_path / "trace.json"
    result.write_trace(path)
    tracks = {e["args"]["name"] for e in json.loads(path.read_text())["traceEvents"] if e["name"] == "process_name"}
    for device in result.device_names:
        assert any(t.startswith(device + ": ") for t in tracks)


def test_host_errors_name_the_argument() -> None:
    q, k, v = _inputs([(2, 2, 64, 32)] * 3)
    program = compile(_valid_len_layer(), target="npu2", fold="online", q_tile=16, kv_tile=32, columns=2)
    with pytest.raises(sim.SimError, match=r"takes 4 arrays \(q, k, v, valid_len\), got 3"):
        sim.run(program, q, k, v)
    with pytest.raises(sim.SimError, match=r"valid_len has 3 entries; device @\w+ takes 2 \(one per batch\)"):
        sim.run(program, q, k, v, np.array([5, 3, 3], np.int32))
    with pytest.raises(sim.SimError, match=r"\(i32\): 4294967296 does not fit in 32 bits"):
        sim.run(program, q, k, v, np.array([2**32, 3], np.int64))
    with pytest.raises(sim.SimError, match=r"argument 0: array of shape \(2, 2, 80, 32\) has 10240 elements"):
        sim.run(program, np.zeros((2, 2, 80, 32), np.float32), k, v, np.array([3, 3], np.int32))
    # A padded operand that cannot fit its device buffer.
    odd = compile(attention_layer(1, 2, 1, 50, 45, 40), target="npu2", fold="online")
    q2, k2, v2 = _inputs([(1, 2, 50, 40), (1, 1, 45, 40), (1, 1, 45, 40)])
    with pytest.raises(sim.SimError, match=r"argument 'q' of shape \(1, 2, 70, 40\) does not fit the device buffer"):
        sim.run(odd, np.zeros((1, 2, 70, 40), np.float32), k2, v2)


def test_dispatches_follow_the_host_program_in_the_ir() -> None:
    # The dispatch order and the buffers passed (S, P) are read from the host
    # program's aiex.configure / aiex.run ops: dropping the QK dispatch from the
    # IR leaves the softmax stage without its S.
    from attn.sim.host import SimError, host_program

    q, k, v = _inputs([(1, 1, 32, 32), (1, 1, 32, 32), (1, 1, 32, 32)])
    program = compile(attention_layer(1, 1, 1, 32, 32, 32), target="npu2", fold="unfolded")
    roles, dispatches, padding = host_program(program)
    assert roles == ["q", "k", "v", "s", "p", "o"] and padding == {}
    assert [(d.rsplit("_", 1)[-1], [roles[i] for i in ops]) for d, ops in dispatches] == [
        ("qk", ["q", "k", "s"]),
        ("softmax", ["s", "p"]),
        ("pv", ["p", "v", "o"]),
    ]
    assert float(np.abs(sim.run(program, q, k, v).output - reference.attention(q, k, v)).max()) <= ATOL
    host = next(op for op in program.aie.body.operations if "attn.host_program" in op.attributes)
    sequence = host.regions[0].blocks[0].operations[0]
    sequence.regions[0].blocks[0].operations[0].operation.erase()  # the QK dispatch
    with pytest.raises(SimError, match="reads 's', which no earlier dispatch wrote"):
        sim.run(program, q, k, v)
