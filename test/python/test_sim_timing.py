"""attn.sim timing against analytic answers. Rates come from the target table
(attn.target) and the simulator's table (attn.sim.sim_table); none is re-typed here."""

from __future__ import annotations

import numpy as np
import pytest

from attn import sim, target
from attn.sim.sim_table import SIM_CONSTANTS, sim_constant

SETUP = sim_constant("bd_setup_cycles")
HANDOFF = sim_constant("lock_handoff_cycles")


def copy_program(columns: int, objects: int, words: int, device: str = "npu2") -> str:
    """``columns`` independent shim -> memtile -> shim copies of ``objects`` objects of ``words`` i32."""
    n = objects * words
    body, seq = [], []
    for c in range(columns):
        body += [
            f"    %shim{c} = aie.tile({c}, 0)",
            f"    %mem{c} = aie.tile({c}, 1)",
            f"    aie.objectfifo @in{c}(%shim{c}, {{%mem{c}}}, 2 : i32) : !aie.objectfifo<memref<{words}xi32>>",
            f"    aie.objectfifo @out{c}(%mem{c}, {{%shim{c}}}, 2 : i32) : !aie.objectfifo<memref<{words}xi32>>",
            f"    aie.objectfifo.link [@in{c}] -> [@out{c}] ([] [])",
        ]
        seq += [
            f"      aiex.npu.dma_memcpy_nd(%a[0, 0, 0, {c * n}][1, 1, 1, {n}][0, 0, 0, 1]) "
            f"{{id = 0 : i64, metadata = @in{c}}} : memref<{columns * n}xi32>",
            f"      aiex.npu.dma_memcpy_nd(%b[0, 0, 0, {c * n}][1, 1, 1, {n}][0, 0, 0, 1]) "
            f"{{id = 1 : i64, issue_token = true, metadata = @out{c}}} : memref<{columns * n}xi32>",
        ]
    seq += [f"      aiex.npu.dma_wait {{symbol = @out{c}}}" for c in range(columns)]
    nl = "\n"
    return f"""module {{
  aie.device({device}) {{
{nl.join(body)}
    aie.runtime_sequence(%a: memref<{columns * n}xi32>, %b: memref<{columns * n}xi32>) {{
{nl.join(seq)}
    }}
  }}
}}"""


@pytest.mark.parametrize("device", ["npu1", "npu2"])
def test_dma_bound_copy_matches_bytes_over_rate_plus_setup(device: str) -> None:
    t = target.get(device)
    objects, words = 8, 1000
    x = np.arange(objects * words, dtype=np.int32)
    r = sim.run(copy_program(1, objects, words, device), x)
    np.testing.assert_array_equal(r.output, x)
    per_object = SETUP + 4 * words / t.stream_bytes_per_cycle
    # The memtile forwards object i while the shim fetches object i + 1, so the copy
    # takes one object time more than the objects themselves. With depth 2 and equal
    # rates each stage waits for the other's lock hand-off once per object.
    assert r.cycles == pytest.approx((objects + 1) * (per_object + HANDOFF))
    assert r.seconds == pytest.approx(r.cycles / t.clock_hz)
    assert r.dram_bytes == 2 * x.nbytes


def test_single_buffering_serialises_the_hops() -> None:
    t = target.get("npu2")
    objects, words = 8, 1000
    text = copy_program(1, objects, words).replace("2 : i32", "1 : i32")  # depth 1 everywhere
    r = sim.run(text, np.arange(objects * words, dtype=np.int32))
    per_object = SETUP + 4 * words / t.stream_bytes_per_cycle
    # With one object of room the memtile cannot receive object i + 1 while it sends
    # object i: every object pays both hops (and both hand-offs) in turn.
    assert r.cycles == pytest.approx(2 * objects * (per_object + HANDOFF) + HANDOFF)


def test_shared_dram_bandwidth_bounds_parallel_copies() -> None:
    t = target.get("npu2")
    dram_per_cycle = t.dram_bytes_per_second / t.clock_hz
    columns, objects, words = 4, 16, 512
    # Four columns moving data in and out at once ask for more than DRAM gives.
    assert 2 * columns * t.stream_bytes_per_cycle > dram_per_cycle
    x = np.arange(columns * objects * words, dtype=np.int32)
    r = sim.run(copy_program(columns, objects, words), x)
    np.testing.assert_array_equal(r.output, x)
    assert r.dram_bytes == 2 * x.nbytes
    dram_bound = r.dram_bytes / dram_per_cycle
    assert dram_bound <= r.cycles <= 1.05 * dram_bound
    assert r.dram_bandwidth == pytest.approx(t.dram_bytes_per_second, rel=0.05)


def compute_program(calls: int, tq: int, tk: int, d: int) -> str:
    q, k, s = f"memref<{tq}x{d}xbf16>", f"memref<{tk}x{d}xbf16>", f"memref<{tq}x{tk}xf32>"
    return f"""module {{
  aie.device(npu2) {{
    func.func private @attn_qk_bf16({q}, {k}, i32, {s}, i32, i32, i32, i32, i32, f32)
        attributes {{link_with = "attn_kernels.o"}}
    %shim = aie.tile(0, 0)
    %core = aie.tile(0, 2)
    %qb = aie.buffer(%core) {{sym_name = "qb"}} : {q}
    %kb = aie.buffer(%core) {{sym_name = "kb"}} : {k}
    %sb = aie.buffer(%core) {{sym_name = "sb"}} : {s}
    aie.objectfifo @done(%core, {{%shim}}, 1 : i32) : !aie.objectfifo<memref<16xi32>>
    %c = aie.core(%core) {{
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %n = arith.constant {calls} : index
      %tq = arith.constant {tq} : i32
      %tk = arith.constant {tk} : i32
      %d = arith.constant {d} : i32
      %zero = arith.constant 0 : i32
      %scale = arith.constant 1.0 : f32
      scf.for %i = %c0 to %n step %c1 {{
        func.call @attn_qk_bf16(%qb, %kb, %zero, %sb, %tk, %zero, %tq, %tk, %d, %scale)
            : ({q}, {k}, i32, {s}, i32, i32, i32, i32, i32, f32) -> ()
      }}
      %sv = aie.objectfifo.acquire @done(Produce, 1) : !aie.objectfifosubview<memref<16xi32>>
      aie.objectfifo.release @done(Produce, 1)
      aie.end
    }}
    aie.runtime_sequence(%out: memref<16xi32>) {{
      aiex.npu.dma_memcpy_nd(%out[0, 0, 0, 0][1, 1, 1, 16][0, 0, 0, 1])
          {{id = 0 : i64, issue_token = true, metadata = @done}} : memref<16xi32>
      aiex.npu.dma_wait {{symbol = @done}}
    }}
  }}
}}"""


def test_compute_bound_kernel_loop_matches_the_cost_formula() -> None:
    t = target.get("npu2")
    bf16 = t.element("bf16")
    tq, tk, d = 64, 64, 64
    kernel = (
        t.kernel_call_overhead_cycles
        + tq * tk * d / (bf16.macs_per_cycle * bf16.kernel_efficiency)
        + tq * tk * t.vector_pass_cycles_per_element  # the scale pass (the table's one vector cost)
    )
    transfer = SETUP + 16 * 4 / t.stream_bytes_per_cycle
    short = sim.run(compute_program(4, tq, tk, d))
    long = sim.run(compute_program(12, tq, tk, d))
    # Each extra call adds exactly one kernel time.
    assert long.cycles - short.cycles == pytest.approx(8 * kernel)
    # Besides the calls: the one-object transfer and a few cycles of scalar ops and hand-offs.
    overhead = long.cycles - 12 * kernel - transfer
    assert 0 <= overhead <= 20 * max(HANDOFF, sim_constant("scalar_op_cycles"))
    core = long.tiles["core (0, 2)"]["core"]
    assert core["busy"] == pytest.approx(12 * kernel, abs=20)


def test_sim_constants_say_where_they_come_from() -> None:
    for name, c in SIM_CONSTANTS.items():
        assert c.unit and len(c.note) > 40, name
        assert c.note.startswith(("assumption", "modelling choice")), name
