// RUN: attn-opt --split-input-file --aie-count-traffic --mlir-print-op-on-diagnostic=false %s 2>&1 >/dev/null | FileCheck %s

// Exact DRAM bytes per runtime sequence; the arithmetic is in each comment.

// Passthrough of ui8: @in is produced by the shim (MM2S, DRAM read), @out
// consumed by it (S2MM, DRAM write).
//   read  = 1*1*1*4096 elements x 1 B = 4096 B
//   write = 1*1*1*4096 elements x 1 B = 4096 B
// CHECK: remark: DRAM traffic of @sequence: read 4096 B, write 4096 B, total 8192 B; arg 0 (arg0): read 4096 B, write 0 B; arg 1 (arg1): read 0 B, write 4096 B; arg 2 (arg2): read 0 B, write 0 B
module {
  aie.device(npu1_1col) {
    %s = aie.tile(0, 0)
    %c = aie.tile(0, 2)
    aie.objectfifo @in(%s, {%c}, 2 : i32) : !aie.objectfifo<memref<1024xui8>>
    aie.objectfifo @out(%c, {%s}, 2 : i32) : !aie.objectfifo<memref<1024xui8>>
    aie.runtime_sequence(%arg0: memref<4096xui8>, %arg1: memref<4096xui8>, %arg2: memref<4096xui8>) {
      aiex.npu.dma_memcpy_nd(%arg0[0, 0, 0, 0][1, 1, 1, 4096][0, 0, 0, 1]) {id = 1 : i64, metadata = @in} : memref<4096xui8>
      aiex.npu.dma_memcpy_nd(%arg1[0, 0, 0, 0][1, 1, 1, 4096][0, 0, 0, 1]) {id = 0 : i64, issue_token = true, metadata = @out} : memref<4096xui8>
      aiex.npu.dma_wait {symbol = @out}
    }
  }
}

// -----

// Strided and repeated 4-D bf16 patterns, named arguments.
//   q: tiles of a 64x256 bf16 matrix, read 4 times (repeat stride 0):
//      4*2*64*64 = 32768 elements x 2 B = 65536 B
//   k: block-transposed read, 3*4*32*16 = 6144 elements x 2 B = 12288 B
//   o: f32 write of 2*32*64 = 4096 elements x 4 B = 16384 B
//   read = 65536 + 12288 = 77824 B; total = 77824 + 16384 = 94208 B
// CHECK: remark: DRAM traffic of @attention: read 77824 B, write 16384 B, total 94208 B; arg 0 (q): read 65536 B, write 0 B; arg 1 (k): read 12288 B, write 0 B; arg 2 (o): read 0 B, write 16384 B
module {
  aie.device(npu2) {
    %s = aie.tile(0, 0)
    %c = aie.tile(0, 2)
    aie.objectfifo @q_in(%s, {%c}, 2 : i32) : !aie.objectfifo<memref<64x64xbf16>>
    aie.objectfifo @k_in(%s, {%c}, 2 : i32) : !aie.objectfifo<memref<64x64xbf16>>
    aie.objectfifo @o_out(%c, {%s}, 2 : i32) : !aie.objectfifo<memref<32x64xf32>>
    aie.runtime_sequence @attention(%q: memref<64x256xbf16> loc("q"), %k: memref<256x64xbf16> loc("k"), %o: memref<64x64xf32> loc("o")) {
      aiex.npu.dma_memcpy_nd(%q[0, 0, 0, 0][4, 2, 64, 64][0, 64, 256, 1]) {id = 0 : i64, metadata = @q_in} : memref<64x256xbf16>
      aiex.npu.dma_memcpy_nd(%k[0, 0, 0, 0][3, 4, 32, 16][4096, 16, 64, 1]) {id = 1 : i64, metadata = @k_in} : memref<256x64xbf16>
      aiex.npu.dma_memcpy_nd(%o[0, 0, 0, 0][1, 2, 32, 64][0, 2048, 64, 1]) {id = 2 : i64, issue_token = true, metadata = @o_out} : memref<64x64xf32>
      aiex.npu.dma_wait {symbol = @o_out}
    }
  }
}

// -----

// i8 patterns through shim DMA allocations (the direction comes from the
// allocation): read 2*3*16*32 = 3072 elements x 1 B = 3072 B; write
// 1*1*8*64 = 512 elements x 1 B = 512 B into the same argument.
// CHECK: remark: DRAM traffic of @sequence: read 3072 B, write 512 B, total 3584 B; arg 0 (arg0): read 3072 B, write 512 B
module {
  aie.device(npu2) {
    %s = aie.tile(0, 0)
    aie.shim_dma_allocation @rd(%s, MM2S, 0)
    aie.shim_dma_allocation @wr(%s, S2MM, 1)
    aie.runtime_sequence(%arg0: memref<8192xi8>) {
      aiex.npu.dma_memcpy_nd(%arg0[0, 0, 0, 0][2, 3, 16, 32][1536, 32, 96, 1]) {id = 0 : i64, metadata = @rd} : memref<8192xi8>
      aiex.npu.dma_memcpy_nd(%arg0[0, 0, 0, 4096][1, 1, 8, 64][0, 0, 64, 1]) {id = 1 : i64, issue_token = true, metadata = @wr} : memref<8192xi8>
      aiex.npu.dma_wait {symbol = @wr}
    }
  }
}

// -----

// Task form and loops (task ops live directly in the sequence; loops hold
// memcpys).
//   %t (bf16, len 1024, repeat_count 3) started twice: 2 x 4 runs x 1024 x 2 B
//     = 16384 B read of arg 0
//   %unused is configured but never started: 0 B
//   %w (f32, no len: the whole 256-element buffer from offset 0) started
//     twice: 2 x 256 x 4 B = 2048 B written to arg 1
//   a loop of 8 iterations writing 1*1*1*32 f32 each: 8 x 32 x 4 B = 1024 B
//     written to arg 1
//   a memcpy in a nested 2 x 3 loop: 6 x 64 x 4 B = 1536 B read of arg 2
//   read = 16384 + 1536 = 17920 B; write = 2048 + 1024 = 3072 B;
//   total = 20992 B
// CHECK: remark: DRAM traffic of @tasks: read 17920 B, write 3072 B, total 20992 B; arg 0 (arg0): read 16384 B, write 0 B; arg 1 (arg1): read 0 B, write 3072 B; arg 2 (arg2): read 1536 B, write 0 B
module {
  aie.device(npu2) {
    %s = aie.tile(0, 0)
    %c = aie.tile(0, 2)
    aie.objectfifo @in(%s, {%c}, 2 : i32) : !aie.objectfifo<memref<1024xbf16>>
    aie.objectfifo @out(%c, {%s}, 2 : i32) : !aie.objectfifo<memref<256xf32>>
    aie.objectfifo @in2(%s, {%c}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.runtime_sequence @tasks(%arg0: memref<4096xbf16>, %arg1: memref<256xf32>, %arg2: memref<64xi32>) {
      %t = aiex.dma_configure_task_for @in {
        aie.dma_bd(%arg0 : memref<4096xbf16> offset = 0 len = 1024 sizes = [1, 1, 16, 64] strides = [0, 0, 64, 1])
        aie.end
      } {repeat_count = 3 : i32}
      aiex.dma_start_task(%t)
      aiex.dma_start_task(%t)
      %unused = aiex.dma_configure_task_for @in {
        aie.dma_bd(%arg0 : memref<4096xbf16> offset = 0 len = 4096)
        aie.end
      }
      %w = aiex.dma_configure_task_for @out {
        aie.dma_bd(%arg1 : memref<256xf32>)
        aie.end
      } {issue_token = true}
      aiex.dma_start_task(%w)
      aiex.dma_await_task(%w)
      aiex.dma_start_task(%w)
      aiex.dma_await_task(%w)
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c3 = arith.constant 3 : index
      %c8 = arith.constant 8 : index
      scf.for %i = %c0 to %c8 step %c1 {
        aiex.npu.dma_memcpy_nd(%arg1[0, 0, 0, 0][1, 1, 1, 32][0, 0, 0, 1]) {id = 4 : i64, issue_token = true, metadata = @out} : memref<256xf32>
        aiex.npu.dma_wait {symbol = @out}
      }
      scf.for %i = %c0 to %c2 step %c1 {
        scf.for %j = %c0 to %c3 step %c1 {
          aiex.npu.dma_memcpy_nd(%arg2[0, 0, 0, 0][1, 1, 1, 64][0, 0, 0, 1]) {id = 3 : i64, metadata = @in2} : memref<64xi32>
        }
      }
    }
  }
}

// -----

// Two devices, two sequences: one remark each.
//   @first: 1*1*1*128 x 4 B = 512 B read
//   @second: 1*1*4*32 x 2 B = 256 B written
// CHECK: remark: DRAM traffic of @first: read 512 B, write 0 B, total 512 B; arg 0 (arg0): read 512 B, write 0 B
// CHECK: remark: DRAM traffic of @second: read 0 B, write 256 B, total 256 B; arg 0 (arg0): read 0 B, write 256 B
module {
  aie.device(npu1) @one {
    %s = aie.tile(0, 0)
    %c = aie.tile(0, 2)
    aie.objectfifo @in(%s, {%c}, 2 : i32) : !aie.objectfifo<memref<128xi32>>
    aie.runtime_sequence @first(%arg0: memref<128xi32>) {
      aiex.npu.dma_memcpy_nd(%arg0[0, 0, 0, 0][1, 1, 1, 128][0, 0, 0, 1]) {id = 0 : i64, metadata = @in} : memref<128xi32>
    }
  }
  aie.device(npu2_2col) @two {
    %s = aie.tile(1, 0)
    %c = aie.tile(1, 2)
    aie.objectfifo @out(%c, {%s}, 2 : i32) : !aie.objectfifo<memref<128xbf16>>
    aie.runtime_sequence @second(%arg0: memref<128xbf16>) {
      aiex.npu.dma_memcpy_nd(%arg0[0, 0, 0, 0][1, 1, 4, 32][0, 0, 32, 1]) {id = 0 : i64, issue_token = true, metadata = @out} : memref<128xbf16>
      aiex.npu.dma_wait {symbol = @out}
    }
  }
}
