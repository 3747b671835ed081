"""attn.sim errors on AIE programs: deadlocks name their waiters, protocol and
hardware-rule violations name the op and its location, unsupported IR is refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from attn import sim

PROGRAMS = Path(__file__).parent / "sim_programs"
PASSTHROUGH = (PROGRAMS / "passthrough_transpose.mlir").read_text()
X = np.arange(1024, dtype=np.int32)


def edit(text: str, old: str, new: str, count: int = 1) -> str:
    assert text.count(old) >= count, old
    return text.replace(old, new, count)


def memcpy(offset: int, size: int, bd: int) -> str:
    """A dma_memcpy_nd of ``size`` elements of %a from ``offset`` into @in."""
    return (
        f"aiex.npu.dma_memcpy_nd(%a[0, 0, 0, {offset}][1, 1, 1, {size}][0, 0, 0, 1]) "
        f"{{id = {bd} : i64, metadata = @in}} : memref<1024xi32>"
    )


def line_of(text: str, needle: str) -> int:
    return next(i + 1 for i, line in enumerate(text.splitlines()) if needle in line)


def test_deadlock_reports_who_waits_on_what() -> None:
    # The host sends 3 of the 4 objects the core loops over.
    text = edit(PASSTHROUGH, "[1, 1, 1, 1024][0, 0, 0, 1]) {id = 1", "[1, 1, 1, 768][0, 0, 0, 1]) {id = 1")
    with pytest.raises(sim.SimDeadlockError) as err:
        sim.run(text, X)
    msg = str(err.value)
    acquire_line = line_of(text, "aie.objectfifo.acquire @in_l1")
    assert "core (0, 2): waits for 1 full object(s) of @in_l1 (Consume) at aie.objectfifo.acquire" in msg
    assert f"<input>:{acquire_line}:" in msg
    assert "shim (0, 0) MM2S @in" in msg
    wait_line = line_of(text, "aiex.npu.dma_wait")
    assert (
        f"runtime sequence: waits for completion of shim (0, 0) S2MM @out at aiex.npu.dma_wait at <input>:{wait_line}"
        in msg
    )
    assert len(err.value.waiters) >= 3


def test_reading_a_released_object_is_an_error() -> None:
    text = edit(
        PASSTHROUGH,
        "        aie.objectfifo.release @in_l1(Consume, 1)\n",
        "        aie.objectfifo.release @in_l1(Consume, 1)\n"
        "        %late = memref.load %x[%c0, %c0] : memref<16x16xi32>\n",
    )
    with pytest.raises(sim.SimMisuseError) as err:
        sim.run(text, X)
    line = line_of(text, "%late = memref.load")
    assert f"memref.load at <input>:{line}:" in str(err.value)
    assert "@in_l1 (Consume) (object #0) was released by this core" in str(err.value)


def test_releasing_more_than_acquired_is_an_error() -> None:
    text = edit(PASSTHROUGH, "aie.objectfifo.release @out_l1(Produce, 1)", "aie.objectfifo.release @out_l1(Produce, 2)")
    with pytest.raises(
        sim.SimMisuseError,
        match=r"release @out_l1 \(Produce, 2\) at <input>:\d+:\d+: core \(0, 2\) "
        r"holds only 1 object\(s\); releasing more than acquired",
    ):
        sim.run(text, X)


def test_dma_outside_its_argument_is_refused() -> None:
    # The aie dialect's verifier refuses static overruns when the text is parsed (the
    # simulator's own run-time check is tested on a Program in test_sim_engine.py).
    static = edit(PASSTHROUGH, "%a[0, 0, 0, 0][1, 1, 1, 1024]", "%a[0, 0, 0, 512][1, 1, 1, 1024]")
    with pytest.raises(sim.SimError, match="(?s)cannot parse the AIE program.*beyond the 1024 elements"):
        sim.run(static, X)


def test_unfinished_transfers_are_reported() -> None:
    text = edit(PASSTHROUGH, "[1, 1, 1, 1024][0, 0, 0, 1]) {id = 1", "[3, 1, 16, 64][0, 0, 64, 1]) {id = 1")
    r = sim.run(text, X)
    assert len(r.warnings) == 1
    assert "aiex.npu.dma_memcpy_nd id 1 @in" in r.warnings[0] and "did not complete (2048/3072 words)" in r.warnings[0]


def test_wait_without_a_token_is_an_error() -> None:
    text = edit(PASSTHROUGH, "{id = 0 : i64, issue_token = true, metadata = @out}", "{id = 0 : i64, metadata = @out}")
    with pytest.raises(
        sim.SimMisuseError,
        match="no transfer with issue_token = true is outstanding on shim \\(0, 0\\) "
        "S2MM @out; the wait would never return",
    ):
        sim.run(text, X)


def test_reusing_a_buffer_descriptor_in_flight_is_an_error() -> None:
    halves = memcpy(0, 512, 1) + "\n      " + memcpy(512, 512, 1)
    text = edit(PASSTHROUGH, memcpy(0, 1024, 1), halves)
    with pytest.raises(
        sim.SimMisuseError,
        match="buffer descriptor 1 of shim \\(0, 0\\) is reused while transfer "
        "aiex.npu.dma_memcpy_nd id 1 @in at <input>:\\d+:\\d+ using it is still in flight",
    ):
        sim.run(text, X)
    ok = edit(PASSTHROUGH, memcpy(0, 1024, 1), memcpy(0, 512, 1) + "\n      " + memcpy(512, 512, 4))
    np.testing.assert_array_equal(sim.run(ok, X).output, X.reshape(4, 16, 16).transpose(0, 2, 1).reshape(-1))


def test_overflowing_the_shim_task_queue_is_an_error() -> None:
    first = memcpy(0, 1024, 1)
    parts = "\n      ".join(memcpy(i * 256, 256, i + 1) for i in range(4))
    np.testing.assert_array_equal(
        sim.run(edit(PASSTHROUGH, first, parts), X).output.reshape(4, 16, 16)[3], X.reshape(4, 16, 16)[3].T
    )
    five = "\n      ".join(memcpy(i * 128, 128, i + 1) for i in range(5))
    with pytest.raises(
        sim.SimMisuseError,
        match="shim \\(0, 0\\) MM2S @in already has 4 outstanding transfers; the shim task queue holds 4",
    ):
        sim.run(edit(PASSTHROUGH, first, five), X)


def test_acquiring_more_than_the_depth_is_an_error() -> None:
    text = edit(PASSTHROUGH, "aie.objectfifo.acquire @out_l1(Produce, 1)", "aie.objectfifo.acquire @out_l1(Produce, 3)")
    with pytest.raises(sim.SimError, match="3"):
        sim.run(text, X)


def test_unknown_kernel_names_the_known_ones() -> None:
    text = edit(
        PASSTHROUGH,
        "    %shim = aie.tile(0, 0)\n",
        "    func.func private @my_kernel(memref<16x16xi32>)\n    %shim = aie.tile(0, 0)\n",
    )
    text = edit(
        text,
        "        aie.objectfifo.release @in_l1",
        "        func.call @my_kernel(%x) : (memref<16x16xi32>) -> ()\n        aie.objectfifo.release @in_l1",
    )
    with pytest.raises(
        sim.SimError,
        match="func.call @my_kernel at <input>:\\d+:\\d+: no simulator model for this kernel; "
        "known kernels: .*attn_qk_bf16",
    ):
        sim.run(text, X)


def test_registered_kernel_runs() -> None:
    def negate(x, n):
        x[:n] = -x[:n]
        return sim.KernelWork(vector_elements=n)

    sim.register_kernel("test_negate_i32", ("i32*", "i32"), negate)
    text = edit(
        PASSTHROUGH,
        "    %shim = aie.tile(0, 0)\n",
        "    func.func private @test_negate_i32(memref<16x16xi32>, i32)\n    %shim = aie.tile(0, 0)\n",
    )
    text = edit(
        text,
        "      %c16 = arith.constant 16 : index\n",
        "      %c16 = arith.constant 16 : index\n      %n = arith.constant 256 : i32\n",
    )
    text = edit(
        text,
        "        aie.objectfifo.release @in_l1",
        "        func.call @test_negate_i32(%y, %n) : (memref<16x16xi32>, i32) -> ()\n"
        "        aie.objectfifo.release @in_l1",
    )
    r = sim.run(text, X)
    np.testing.assert_array_equal(r.output, -X.reshape(4, 16, 16).transpose(0, 2, 1).reshape(-1))


def test_kernel_on_a_too_small_buffer_is_an_error() -> None:
    text = (PROGRAMS / "matmul_join_split.mlir").read_text()
    text = edit(text, "%n = arith.constant 16 : i32", "%n = arith.constant 17 : i32")
    with pytest.raises(
        sim.SimMisuseError,
        match="kernel @attn_qk_f32: 'q' has 256 elements but the call needs 17x17 = 289 at <input>:\\d+:\\d+",
    ):
        sim.run(text, np.zeros(1024, np.float32), np.zeros(512, np.float32))


def test_kernel_window_outside_its_row_stride_is_an_error() -> None:
    text = (PROGRAMS / "matmul_join_split.mlir").read_text()
    # the score window: 16 columns at column 4 of rows of stride 16
    text = text.replace("%z, %n, %zero, %n, %n, %n, %one)", "%z, %n, %four, %n, %n, %n, %one)")
    text = text.replace(
        "%zero = arith.constant 0 : i32\n", "%zero = arith.constant 0 : i32\n      %four = arith.constant 4 : i32\n"
    )
    with pytest.raises(
        sim.SimMisuseError,
        match="kernel @attn_qk_f32: 's' window of 16 columns at column 4 does not fit row stride 16",
    ):
        sim.run(text, np.zeros(1024, np.float32), np.zeros(512, np.float32))


def test_kernel_offset_past_its_object_is_an_error() -> None:
    text = (PROGRAMS / "matmul_join_split.mlir").read_text()
    text = text.replace("(%x, %y, %zero, %z,", "(%x, %y, %n, %z,")  # K rows 16 elements into a 256-element tile
    with pytest.raises(sim.SimMisuseError, match="kernel @attn_qk_f32: 'k' has 240 elements but the call needs"):
        sim.run(text, np.zeros(1024, np.float32), np.zeros(512, np.float32))


def test_kernel_declaration_must_match_the_abi() -> None:
    text = (PROGRAMS / "matmul_join_split.mlir").read_text()
    text = text.replace("i32, i32, i32, i32, i32, f32)", "i32, i32, i32, i32, i32, i32)")
    text = text.replace("%one = arith.constant 1.0 : f32", "%one = arith.constant 1 : i32")
    with pytest.raises(
        sim.SimError, match="func.call @attn_qk_f32 at <input>:\\d+:\\d+: argument 9 has type i32, the kernel takes f32"
    ):
        sim.run(text, np.zeros(1024, np.float32), np.zeros(512, np.float32))


def test_unsupported_core_op_is_named() -> None:
    text = edit(
        PASSTHROUGH,
        "            memref.store %v, %y[%i, %j] : memref<16x16xi32>",
        "            %w = arith.bitcast %v : i32 to f32\n            memref.store %v, %y[%i, %j] : memref<16x16xi32>",
    )
    with pytest.raises(sim.SimError, match="arith.bitcast at <input>:\\d+:\\d+: op not supported in a core body"):
        sim.run(text, X)


def test_unsupported_device_op_is_named() -> None:
    text = edit(
        PASSTHROUGH,
        "    %core = aie.tile(0, 2)\n",
        "    %core = aie.tile(0, 2)\n    %lk = aie.lock(%core, 0) {init = 1 : i32}\n    %other = aie.tile(0, 3)\n",
    )
    r = sim.run(text, X, timing=False)  # a lock nobody uses is fine
    assert r.output is not None
    text = edit(
        PASSTHROUGH,
        "    aie.objectfifo.link [@in] -> [@in_l1] ([] [])",
        "    aie.objectfifo.link [@in] -> [@in_l1] ([] [])\n"
        "    aie.objectfifo @x(%shim, {%core}, 2 : i32) {disable_synchronization = true}"
        " : !aie.objectfifo<memref<4xi32>>",
    )
    with pytest.raises(
        sim.SimError,
        match="aie.objectfifo @x at <input>:\\d+:\\d+: disable_synchronization = true is not "
        "supported by the simulator",
    ):
        sim.run(text, X)


def test_unparsable_text_is_a_sim_error() -> None:
    with pytest.raises(sim.SimError, match="cannot parse the AIE program"):
        sim.run("aie.device(npu2) {", X)
    with pytest.raises(sim.SimError, match="expected an AIE module"):
        sim.run(42, X)
    with pytest.raises(sim.SimError, match="expected exactly one aie.device"):
        sim.run("module {}", X)


def test_lock_deadlock_names_the_locks() -> None:
    text = (PROGRAMS / "lock_handoff.mlir").read_text().replace("aie.use_lock(%empty, Release, %one)", "")
    with pytest.raises(sim.SimDeadlockError) as err:
        sim.run(text)
    waiters = "\n".join(err.value.waiters)
    assert "core (0, 2): waits for lock empty >= 1 at aie.use_lock at <input>:" in waiters
    assert "(value 0)" in waiters
    assert "runtime sequence: waits for completion of shim (0, 0) S2MM @out" in waiters
