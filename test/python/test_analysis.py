"""attn.analysis.count_traffic: the C++ traffic count seen from Python, checked exactly."""

from __future__ import annotations

import pytest

from attn import analysis, ir

# q: tiles of a 64x256 bf16 matrix read 4 times: 4*2*64*64 = 32768 elements x 2 B = 65536 B
# k: i8, 2*3*16*32 = 3072 elements x 1 B = 3072 B
# o: f32 written 1*2*32*64 = 4096 elements x 4 B = 16384 B
# task on q: len 1024 bf16, repeat_count 1, started once: 2 x 1024 x 2 B = 4096 B
ATTENTION = """
module {
  aie.device(npu2) {
    %s = aie.tile(0, 0)
    %c = aie.tile(0, 2)
    aie.objectfifo @q_in(%s, {%c}, 2 : i32) : !aie.objectfifo<memref<64x64xbf16>>
    aie.objectfifo @k_in(%s, {%c}, 2 : i32) : !aie.objectfifo<memref<512xi8>>
    aie.objectfifo @o_out(%c, {%s}, 2 : i32) : !aie.objectfifo<memref<32x64xf32>>
    aie.runtime_sequence @attention(%q: memref<64x256xbf16> loc("q"), %k: memref<8192xi8> loc("k"),
                                    %o: memref<64x64xf32> loc("o"), %unused: memref<16xi32>) {
      aiex.npu.dma_memcpy_nd(%q[0, 0, 0, 0][4, 2, 64, 64][0, 64, 256, 1]) {id = 0 : i64, metadata = @q_in}
          : memref<64x256xbf16>
      aiex.npu.dma_memcpy_nd(%k[0, 0, 0, 0][2, 3, 16, 32][1536, 32, 96, 1]) {id = 1 : i64, metadata = @k_in}
          : memref<8192xi8>
      %t = aiex.dma_configure_task_for @q_in {
        aie.dma_bd(%q : memref<64x256xbf16> offset = 0 len = 1024)
        aie.end
      } {repeat_count = 1 : i32}
      aiex.dma_start_task(%t)
      aiex.npu.dma_memcpy_nd(%o[0, 0, 0, 0][1, 2, 32, 64][0, 2048, 64, 1])
          {id = 2 : i64, issue_token = true, metadata = @o_out} : memref<64x64xf32>
      aiex.npu.dma_wait {symbol = @o_out}
    }
  }
}
"""


def parse(text: str) -> ir.Module:
    return ir.Module.parse(text)


def test_count_traffic_exact() -> None:
    with ir.Context(), ir.Location.unknown():
        module = parse(ATTENTION)
        traffic = analysis.count_traffic(module)
    read = 65536 + 3072 + 4096
    write = 16384
    assert traffic == {
        "sequence": "attention",
        "read_bytes": read,
        "write_bytes": write,
        "total_bytes": read + write,
        "per_argument": {
            0: {"name": "q", "read_bytes": 65536 + 4096, "write_bytes": 0},
            1: {"name": "k", "read_bytes": 3072, "write_bytes": 0},
            2: {"name": "o", "read_bytes": 0, "write_bytes": 16384},
            3: {"name": "arg3", "read_bytes": 0, "write_bytes": 0},
        },
    }


def test_count_traffic_accepts_operations() -> None:
    with ir.Context(), ir.Location.unknown():
        module = parse(ATTENTION)
        by_module = analysis.count_traffic(module)
        assert analysis.count_traffic(module.operation) == by_module
        assert analysis.count_traffic(module, sequence="attention") == by_module


TWO_SEQUENCES = """
module {
  aie.device(npu1) @one {
    %s = aie.tile(0, 0)
    %c = aie.tile(0, 2)
    aie.objectfifo @in(%s, {%c}, 2 : i32) : !aie.objectfifo<memref<128xi32>>
    aie.runtime_sequence @first(%a: memref<128xi32>) {
      aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 1, 128][0, 0, 0, 1]) {id = 0 : i64, metadata = @in} : memref<128xi32>
    }
  }
  aie.device(npu2) @two {
    %s = aie.tile(0, 0)
    %c = aie.tile(0, 2)
    aie.objectfifo @out(%c, {%s}, 2 : i32) : !aie.objectfifo<memref<128xbf16>>
    aie.runtime_sequence @second(%a: memref<128xbf16>) {
      aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 4, 32][0, 0, 32, 1])
          {id = 0 : i64, issue_token = true, metadata = @out} : memref<128xbf16>
      aiex.npu.dma_wait {symbol = @out}
    }
  }
}
"""


def test_count_traffic_picks_a_sequence() -> None:
    with ir.Context(), ir.Location.unknown():
        module = parse(TWO_SEQUENCES)
        with pytest.raises(ValueError, match=r"2 runtime sequences \(first, second\); pass sequence="):
            analysis.count_traffic(module)
        # 128 x 4 B read; 4*32 x 2 B written.
        first = analysis.count_traffic(module, sequence="first")
        second = analysis.count_traffic(module, sequence="second")
        with pytest.raises(ValueError, match="no runtime sequence named 'third'; have: first, second"):
            analysis.count_traffic(module, sequence="third")
    assert (first["read_bytes"], first["write_bytes"], first["total_bytes"]) == (512, 0, 512)
    assert (second["read_bytes"], second["write_bytes"], second["total_bytes"]) == (0, 256, 256)
    assert second["per_argument"] == {0: {"name": "arg0", "read_bytes": 0, "write_bytes": 256}}


def test_count_traffic_errors() -> None:
    dynamic = """
    module {
      aie.device(npu2) {
        %s = aie.tile(0, 0)
        %c = aie.tile(0, 2)
        aie.objectfifo @in(%s, {%c}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
        aie.runtime_sequence(%a: memref<4096xi32>, %n: i64) {
          aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, %n, 64][0, 0, 64, 1]) {id = 0 : i64, metadata = @in}
              : memref<4096xi32>
        }
      }
    }
    """
    with ir.Context(), ir.Location.unknown():
        with pytest.raises(ValueError, match="has a dynamic size; its DRAM traffic cannot be counted statically"):
            analysis.count_traffic(parse(dynamic))
        with pytest.raises(ValueError, match="the module has no aie.runtime_sequence"):
            analysis.count_traffic(parse("module {}"))
        with pytest.raises(ValueError, match="expects an attn.ir.Module or Operation, got str"):
            analysis.count_traffic("module {}")  # type: ignore[arg-type]
