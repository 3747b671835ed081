"""Builds aie/aiex programs with the Python builders and checks that the
printed text verifies and re-parses unchanged (also through attn-opt)."""

from __future__ import annotations

import subprocess

import pytest

from attn.dialects import aie, aiex, arith, func, scf
from attn.ir import (
    Context,
    IndexType,
    InsertionPoint,
    IntegerType,
    Location,
    MemRefType,
    MLIRError,
    Module,
    StringAttr,
)


def _build_passthrough_through_memtile() -> Module:
    """Shim -> memtile -> core (loop, kernel call) -> shim, with a runtime sequence."""
    module = Module.create()
    i32 = IntegerType.get_signless(32)
    line = MemRefType.get([256], i32)
    host = MemRefType.get([4096], i32)
    with InsertionPoint(module.body):
        dev = aie.device("npu2")
    with aie.device_body(dev):
        kernel = func.FuncOp("scale", ([line, line, i32], []), visibility="private")
        kernel.attributes["link_with"] = StringAttr.get("scale.o")
        shim = aie.tile(0, 0)
        mem = aie.tile(0, 1)
        core_tile = aie.tile(0, 2)
        aie.objectfifo("in", shim, [mem], 2, line)
        aie.objectfifo(
            "in_l1",
            mem,
            [core_tile],
            [2, 2],
            line,
            dims_to_stream=[(16, 16), (16, 1)],
        )
        aie.objectfifo_link(["in"], ["in_l1"])
        aie.objectfifo("out", core_tile, [shim], 2, line)
        aie.buffer(core_tile, MemRefType.get([16], i32), name="rtp")
        rtp_lock = aie.lock(core_tile, 0, init=0, name="rtp_lock")
        core = aie.core(core_tile, stack_size=2048)
        with aie.core_body(core):
            index = IndexType.get()
            c0 = arith.ConstantOp(index, 0).result
            c1 = arith.ConstantOp(index, 1).result
            c16 = arith.ConstantOp(index, 16).result
            factor = arith.ConstantOp(i32, 3).result
            aie.use_lock(rtp_lock, "AcquireGreaterEqual", 1)
            loop = scf.ForOp(c0, c16, c1)
            with InsertionPoint(loop.body):
                sv_in = aie.acquire("in_l1", "Consume", 1, line)
                sv_out = aie.acquire("out", "Produce", 1, line)
                a = aie.subview_access(sv_in, 0, line)
                b = aie.subview_access(sv_out, 0, line)
                func.CallOp(kernel, [a, b, factor])
                aie.release("in_l1", "Consume", 1)
                aie.release("out", "Produce", 1)
                scf.YieldOp([])
        seq = aie.runtime_sequence([host, host, i32], name="passthrough")
        with InsertionPoint(seq.regions[0].blocks[0]):
            src, dst, length = seq.regions[0].blocks[0].arguments
            aiex.rtp_write("rtp", 0, length)
            aiex.rtp_write("rtp", 1, 3)
            aiex.write32(0, 1, column=0, row=2)
            aiex.push_queue(0, 0, "MM2S", 0, bd_id=length, repeat_count=0, issue_token=True)
            aiex.dma_memcpy_nd(src, [0, 0, 0, 0], [1, 1, 1, 4096], [0, 0, 0, 1], metadata="in", id=1)
            aiex.dma_memcpy_nd(
                dst, [0, 0, 0, 0], [1, 1, 16, 256], [0, 0, 256, 1], metadata="out", id=0, issue_token=True
            )
            aiex.dma_wait("out")
    return module


def test_builders_round_trip(attn_opt: str) -> None:
    with Context(), Location.unknown():
        module = _build_passthrough_through_memtile()
        assert module.operation.verify()
        text = str(module)
        for expected in (
            "aie.device(npu2) {",
            "%shim_noc_tile_0_0 = aie.tile(0, 0)",
            "%mem_tile_0_1 = aie.tile(0, 1)",
            "aie.objectfifo @in(%shim_noc_tile_0_0, {%mem_tile_0_1}, 2 : i32) : !aie.objectfifo<memref<256xi32>>",
            "aie.objectfifo @in_l1(%mem_tile_0_1 dimensionsToStream [<size = 16, stride = 16>, "
            "<size = 16, stride = 1>], {%tile_0_2}, [2 : i32, 2 : i32])",
            "aie.objectfifo.link [@in] -> [@in_l1]([] [])",
            "aie.objectfifo.acquire @in_l1(Consume, 1) : !aie.objectfifosubview<memref<256xi32>>",
            "aie.objectfifo.release @out(Produce, 1)",
            "aie.use_lock(%rtp_lock, AcquireGreaterEqual, %c1_i32)",
            "} {stack_size = 2048 : i32}",
            "aie.runtime_sequence @passthrough(%arg0: memref<4096xi32>, %arg1: memref<4096xi32>, %arg2: i32) {",
            "aiex.npu.rtp_write(@rtp, 0, %arg2) : i32",
            "aiex.npu.rtp_write(@rtp, 1, %c3_i32) : i32",
            "aiex.npu.write32(%c0_i32, %c1_i32) {column = 0 : i32, row = 2 : i32} : i32, i32",
            "aiex.npu.push_queue(0, 0, MM2S : 0) bd_id %arg2 repeat %c0_i32_0 {issue_token = true} : i32, i32",
            "aiex.npu.dma_memcpy_nd(%arg1[0, 0, 0, 0][1, 1, 16, 256][0, 0, 256, 1]) "
            "{id = 0 : i64, issue_token = true, metadata = @out} : memref<4096xi32>",
            "aiex.npu.dma_wait {symbol = @out}",
        ):
            assert expected in text, f"missing {expected!r} in\n{text}"
        # Re-parse in Python and through attn-opt: the text is a fixed point.
        reparsed = Module.parse(text)
        assert reparsed.operation.verify()
        assert str(reparsed) == text
    out = subprocess.run([attn_opt], input=text, capture_output=True, text=True, check=True).stdout
    assert out.strip() == text.strip()


def test_task_form_builders() -> None:
    with Context(), Location.unknown():
        module = Module.create()
        i32 = IntegerType.get_signless(32)
        host = MemRefType.get([1024], i32)
        with InsertionPoint(module.body):
            dev = aie.device("npu1_1col")
        with aie.device_body(dev):
            shim = aie.tile(0, 0)
            aie.shim_dma_allocation("to_host", shim, "S2MM", 0)
            seq = aie.runtime_sequence([host])
            with InsertionPoint(seq.regions[0].blocks[0]):
                task = aiex.dma_configure_task_for("to_host", issue_token=True)
                with InsertionPoint(task.regions[0].blocks[0]):
                    aie.dma_bd(seq.regions[0].blocks[0].arguments[0], 0, 1024, dims=[(16, 64), (64, 1)])
                    aie.end()
                aiex.dma_start_task(task.result)
                aiex.dma_await_task(task.result)
                aiex.dma_free_task(task.result)
        assert module.operation.verify()
        text = str(module)
        assert "aie.shim_dma_allocation @to_host(%shim_noc_tile_0_0, S2MM, 0)" in text
        assert "aie.dma_bd(%arg0 : memref<1024xi32> offset = 0 len = 1024 sizes = [16, 64] strides = [64, 1])" in text
        assert "} {issue_token = true}" in text
        assert "aie.runtime_sequence(%arg0: memref<1024xi32>)" in text
        assert str(Module.parse(text)) == text


def test_verifier_reports_target_limits() -> None:
    # A core on a memory tile and a 4-d pattern on a core tile are rejected
    # with messages naming the operand and the limit from the target table.
    with Context(), Location.unknown():
        module = Module.create()
        with InsertionPoint(module.body):
            dev = aie.device("npu2")
        with aie.device_body(dev):
            mem = aie.tile(0, 1)
            aie.core(mem)
        with pytest.raises(MLIRError, match="only core tiles run programs"):
            module.operation.verify()


def test_helper_argument_errors() -> None:
    with Context(), Location.unknown():
        module = Module.create()
        with InsertionPoint(module.body):
            with pytest.raises(ValueError, match="unknown device 'npu9'"):
                aie.device("npu9")
            dev = aie.device("npu2")
        with aie.device_body(dev):
            with pytest.raises(ValueError, match="tile column must be non-negative"):
                aie.tile(-1, 0)
            shim, core = aie.tile(0, 0), aie.tile(0, 2)
            line = MemRefType.get([64], IntegerType.get_signless(32))
            with pytest.raises(ValueError, match="dims_from_stream has 2 entries for 1 consumers"):
                aie.objectfifo("f", shim, [core], 2, line, dims_from_stream=[(), ()])
            with pytest.raises(ValueError, match="must be a \\(size, stride\\) pair"):
                aie.objectfifo("g", core, [shim], 2, line, dims_to_stream=[(1, 2, 3)])
            with pytest.raises(ValueError, match="unknown objectfifo port 'Read'"):
                aie.release("f", "Read", 1)
            with pytest.raises(ValueError, match="offsets needs 4 entries"):
                seq = aie.runtime_sequence([line])
                with InsertionPoint(seq.regions[0].blocks[0]):
                    aiex.dma_memcpy_nd(seq.regions[0].blocks[0].arguments[0], [0], [64], [1], metadata="f", id=0)
