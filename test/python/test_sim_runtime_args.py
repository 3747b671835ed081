"""attn.sim executes runtime-sequence scalar arguments (upstream 3ca0193c's SSA rtp_write).

A hand-written program adds a runtime parameter to every element: the sequence writes its
``%n: i32`` argument into the core's rtp buffer, so one loaded program serves any value given
at dispatch. Misuse (no value, a value out of range, a scalar used as a buffer) is a SimError.
"""

from __future__ import annotations

import numpy as np
import pytest

sim = pytest.importorskip("attn.sim")
from attn.sim.program import RtpWrite, ScalarType, SeqArg  # noqa: E402

PROGRAM = """
module {
  aie.device(npu2) {
    %shim = aie.tile(0, 0)
    %core = aie.tile(0, 2)
    %rtp = aie.buffer(%core) {sym_name = "rtp"} : memref<2xi32>
    aie.objectfifo @in(%shim, {%core}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
    aie.objectfifo @out(%core, {%shim}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
    %cc = aie.core(%core) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c16 = arith.constant 16 : index
      %si = aie.objectfifo.acquire @in(Consume, 1) : !aie.objectfifosubview<memref<16xi32>>
      %x = aie.objectfifo.subview.access %si[0] : !aie.objectfifosubview<memref<16xi32>> -> memref<16xi32>
      %n = memref.load %rtp[%c0] : memref<2xi32>
      %m = memref.load %rtp[%c1] : memref<2xi32>
      %so = aie.objectfifo.acquire @out(Produce, 1) : !aie.objectfifosubview<memref<16xi32>>
      %y = aie.objectfifo.subview.access %so[0] : !aie.objectfifosubview<memref<16xi32>> -> memref<16xi32>
      scf.for %i = %c0 to %c16 step %c1 {
        %u = memref.load %x[%i] : memref<16xi32>
        %v = arith.addi %u, %n : i32
        %w = arith.muli %v, %m : i32
        memref.store %w, %y[%i] : memref<16xi32>
      }
      aie.objectfifo.release @in(Consume, 1)
      aie.objectfifo.release @out(Produce, 1)
      aie.end
    }
    aie.runtime_sequence(%a: memref<16xi32>, %n: i32, %b: memref<16xi32>) {
      %two = arith.constant 2 : i32
      aiex.npu.rtp_write(@rtp, 0, %n) : i32
      aiex.npu.rtp_write(@rtp, 1, %two) : i32
      %t = aiex.dma_configure_task_for @in {
        aie.dma_bd(%a : memref<16xi32> offset = 0 len = 16)
        aie.end
      }
      aiex.npu.dma_memcpy_nd(%b[0, 0, 0, 0][1, 1, 1, 16][0, 0, 0, 1])
          {id = 1 : i64, issue_token = true, metadata = @out} : memref<16xi32>
      aiex.dma_start_task(%t)
      aiex.npu.dma_wait {symbol = @out}
    }
  }
}
"""


def test_scalar_argument_reaches_the_core() -> None:
    prog = sim.load(PROGRAM)
    assert prog.seq_args[1] == ScalarType("i32")
    writes = [op for op in prog.seq_ops if isinstance(op, RtpWrite)]
    assert [w.value for w in writes] == [SeqArg(1), 2]
    a = np.arange(16, dtype=np.int32)
    for n in (0, 7, -3):
        r = sim.run_program(prog, a, n, None, timing=False)
        np.testing.assert_array_equal(r.outputs[2], (a + n) * 2)
        assert r.args[1] == n


def test_scalar_argument_misuse() -> None:
    prog = sim.load(PROGRAM)
    a = np.arange(16, dtype=np.int32)
    with pytest.raises(sim.SimError, match=r"argument 1 of the runtime sequence @sequence is the runtime scalar i32"):
        sim.run_program(prog, a)
    with pytest.raises(sim.SimError, match=r"argument 1 \(i32\): 2147483648 does not fit in 32 bits"):
        sim.run_program(prog, a, 2**31)
    with pytest.raises(sim.SimError, match=r"argument 1 \(i32\): expected one integer"):
        sim.run_program(prog, a, np.zeros(2, np.int32))
    bad = PROGRAM.replace("aie.dma_bd(%a : memref<16xi32> offset = 0 len = 16)", "aie.dma_bd(%n : i32)")
    with pytest.raises(sim.SimError):
        sim.load(bad)
    as_buffer = PROGRAM.replace(
        "aiex.npu.rtp_write(@rtp, 0, %n) : i32",
        "aiex.npu.rtp_write(@rtp, 0, %n) : i32\n"
        "      %u = aiex.dma_configure_task_for @in {\n"
        "        aie.dma_bd(%a : memref<16xi32> offset = %n len = 16)\n"
        "        aie.end\n      }",
    )
    with pytest.raises(sim.SimError, match=r"'offset' must be an arith.constant for the simulator"):
        sim.load(as_buffer)
