"""attn.sim engine on programs built directly (attn.sim.program), without MLIR:
access patterns, pools, locks, runaway and deadlock detection."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from attn import sim
from attn.sim import patterns
from attn.sim.program import CoreSpec, DmaMemcpy, DmaWait, FifoSpec, LinkSpec, LockSpec, MemType, Program


def one_core_copy_program(elem: str, n: int, objects: int = 2, to_stream=None, from_stream=None):
    """shim -> core -> shim; the core copies each object (a Python core body)."""

    def body(api):
        for _ in range(objects):
            (x,) = yield from api.acquire("in", "Consume", 1, None)
            (y,) = yield from api.acquire("out", "Produce", 1, None)
            y.check("copy", None)[...] = x.check("copy", None)
            api.release("in", "Consume", 1, None)
            api.release("out", "Produce", 1, None)

    def make() -> Program:
        total = n * objects
        return Program(
            device="npu2",
            tile_kinds={(0, 0): "shim", (0, 2): "core"},
            fifos={
                "in": FifoSpec("in", (0, 0), [(0, 2)], [2, 2], MemType((n,), elem), None, [from_stream]),
                "out": FifoSpec("out", (0, 2), [(0, 0)], [2, 2], MemType((n,), elem), to_stream, [None]),
            },
            cores=[CoreSpec((0, 2), body)],
            seq_args=[MemType((total,), elem), MemType((total,), elem)],
            seq_ops=[
                DmaMemcpy(0, (0, 0, 0, 0), (1, 1, 1, total), (0, 0, 0, 1), "in", 0),
                DmaMemcpy(1, (0, 0, 0, 0), (1, 1, 1, total), (0, 0, 0, 1), "out", 1, issue_token=True),
                DmaWait("out"),
            ],
        )

    return make


def test_indices_match_nested_loops() -> None:
    dims = ((3, 100), (2, 7), (4, 1))
    expected = [17 + i * 100 + j * 7 + k for i, j, k in itertools.product(range(3), range(2), range(4))]
    assert patterns.indices(dims, 17).tolist() == expected
    assert patterns.shim_base((1, 0, 2, 3), (512, 0, 64, 1)) == 512 + 128 + 3
    assert patterns.as_slice_if_contiguous(np.arange(5, 9)) == slice(5, 9)
    assert isinstance(patterns.as_slice_if_contiguous(np.array([1, 3])), np.ndarray)


def test_python_core_copy_runs() -> None:
    x = np.arange(128, dtype=np.int32)
    r = sim.run_program(one_core_copy_program("i32", 64)(), x)
    np.testing.assert_array_equal(r.output, x)


def test_sub_word_access_pattern_is_rejected() -> None:
    # bf16 elements every other one: DMAs move 4-byte words, so this cannot be done.
    prog = one_core_copy_program("bf16", 64, to_stream=((2, 1), (32, 2)))()
    with pytest.raises(sim.SimMisuseError, match="innermost stride is 2 elements of 2 bytes.*must be contiguous"):
        sim.run_program(prog, np.zeros(128, np.float32))
    prog.fifos["out"].to_stream = ((32, 2), (1, 1))
    with pytest.raises(sim.SimMisuseError, match="innermost run of 1 elements is 2 bytes"):
        sim.run_program(prog, np.zeros(128, np.float32))


def test_word_sized_elements_may_be_transposed_by_the_dma() -> None:
    prog = one_core_copy_program("f32", 16, objects=1, to_stream=((4, 1), (4, 4)))()
    x = np.arange(16, dtype=np.float32)
    r = sim.run_program(prog, x, timing=False)
    np.testing.assert_array_equal(r.output, x.reshape(4, 4).T.reshape(-1))


def test_pattern_outside_the_object_is_rejected() -> None:
    prog = one_core_copy_program("i32", 16, objects=1, to_stream=((4, 5), (4, 1)))()
    with pytest.raises(sim.SimMisuseError, match="reaches elements 0..18, outside the 16 elements"):
        sim.run_program(prog, np.zeros(16, np.int32))


def test_stream_length_mismatch_is_rejected() -> None:
    # memtile sends 2 elements per object, the core expects whole 16-element objects
    prog = one_core_copy_program("i32", 16, objects=1)()
    prog.tile_kinds[(0, 1)] = "memtile"
    prog.fifos["in"].consumers = [(0, 1)]
    prog.fifos["in2"] = FifoSpec("in2", (0, 1), [(0, 2)], [2, 2], MemType((16,), "i32"), ((2, 1),), [None])
    prog.links.append(LinkSpec(["in"], ["in2"], [], []))
    with pytest.raises(sim.SimError, match=r"@in2.*different numbers of 4-byte words per object \(\[2, 16\]\)"):
        sim.run_program(prog, np.zeros(16, np.int32))


def test_join_needs_one_offset_per_input() -> None:
    prog = one_core_copy_program("i32", 16)()
    prog.tile_kinds[(0, 1)] = "memtile"
    prog.fifos["o1"] = FifoSpec("o1", (0, 1), [(0, 0)], [2, 2], MemType((32,), "i32"))
    prog.fifos["out"].consumers = [(0, 1)]
    prog.fifos["x"] = FifoSpec("x", (0, 2), [(0, 1)], [2, 2], MemType((16,), "i32"))
    prog.links.append(LinkSpec(["out", "x"], ["o1"], [], [], "here.mlir:3:5"))
    with pytest.raises(sim.SimError, match=r"here.mlir:3:5: src_offsets needs one offset per objectfifo \(2\)"):
        sim.run_program(prog, np.zeros(32, np.int32))


def test_dma_outside_its_argument_is_an_error() -> None:
    prog = one_core_copy_program("i32", 16)()
    prog.seq_ops[0] = DmaMemcpy(0, (0, 0, 0, 8), (2, 1, 1, 16), (16, 0, 0, 1), "in", 0, loc="seq.mlir:7:3")
    with pytest.raises(
        sim.SimMisuseError,
        match=r"dma_memcpy_nd on argument 0 \(memref<32xi32>\) at seq.mlir:7:3: access pattern reaches elements "
        r"8..39, outside the 32 elements available",
    ):
        sim.run_program(prog, np.zeros(32, np.int32))


def test_runaway_core_is_stopped() -> None:
    prog = one_core_copy_program("i32", 16)()

    def spin(api):
        while True:
            yield (0, 1.0, "spin")  # busy forever, never waits

    prog.cores = [CoreSpec((0, 2), spin)]
    with pytest.raises(sim.SimError, match="stopped after 1000 steps.*core \\(0, 2\\)"):
        sim.run_program(prog, np.zeros(32, np.int32), max_events=1000)


def test_locks_order_two_cores() -> None:
    """Core A writes a value into a shared buffer, releases a lock; core B acquires it
    and sends the value out. Without the lock B would read 0."""
    from attn.sim.program import BufferSpec

    def writer(api):
        yield (0, 50.0, "work")
        api.buffer("shared", None).arr[0] = 42
        api.lock_release("ready", 1, None)

    def reader(api):
        yield from api.lock_acquire("ready", 1, False, None)
        (y,) = yield from api.acquire("out", "Produce", 1, None)
        y.arr[:] = api.buffer("shared", None).arr[0]
        api.release("out", "Produce", 1, None)

    prog = Program(
        device="npu2",
        tile_kinds={(0, 0): "shim", (0, 2): "core", (0, 3): "core"},
        fifos={"out": FifoSpec("out", (0, 3), [(0, 0)], [1, 1], MemType((4,), "i32"))},
        buffers={"shared": BufferSpec("shared", (0, 3), MemType((1,), "i32"))},
        locks={"ready": LockSpec("ready", (0, 3), 0)},
        cores=[CoreSpec((0, 3), reader), CoreSpec((0, 2), writer)],
        seq_args=[MemType((4,), "i32")],
        seq_ops=[DmaMemcpy(0, (0, 0, 0, 0), (1, 1, 1, 4), (0, 0, 0, 1), "out", 0, True), DmaWait("out")],
    )
    r = sim.run_program(prog)
    np.testing.assert_array_equal(r.output, [42] * 4)
    reader_actor = next(a for a in r.actors if a["tile"] == "core (0, 3)" and a["channel"] == "core")
    assert reader_actor["stall"] >= 50


def test_deadlock_names_every_waiter() -> None:
    prog = one_core_copy_program("i32", 16, objects=3)()  # the host sends 2 objects only
    prog.seq_args = [MemType((32,), "i32"), MemType((48,), "i32")]
    prog.seq_ops[0] = DmaMemcpy(0, (0, 0, 0, 0), (1, 1, 1, 32), (0, 0, 0, 1), "in", 0)
    with pytest.raises(sim.SimDeadlockError) as err:
        sim.run_program(prog, np.zeros(32, np.int32))
    text = "\n".join(err.value.waiters)
    assert "core (0, 2): waits for 1 full object(s) of @in (Consume)" in text
    assert "16 words queued on shim (0, 0) MM2S @in (has 0" in text
    assert "runtime sequence: waits for completion of shim (0, 0) S2MM @out" in text
