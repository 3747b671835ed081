// RUN: attn-opt %s | attn-opt | FileCheck %s
// RUN: attn-opt %s --mlir-print-op-generic | attn-opt | FileCheck %s

// A runtime sequence streaming Q blocks of an attention layer through two
// shim columns: several transfers per buffer descriptor, waits between
// reuses of a descriptor id, a transfer with runtime (SSA) sizes and
// offsets, a packet header, and explicit shim DMA allocations (upstream's
// tile-operand spelling, the only one since 2026).

// CHECK-LABEL: aie.device(npu2_2col) {
// CHECK:      %[[S0:.*]] = aie.tile(0, 0)
// CHECK:      %[[S1:.*]] = aie.tile(1, 0)
// CHECK:      aie.shim_dma_allocation @q_in(%[[S0]], MM2S, 0)
// CHECK:      aie.shim_dma_allocation @o_out(%[[S1]], S2MM, 1)
// CHECK:      aie.shim_dma_allocation @k_in(%[[S1]], MM2S, 1, <pkt_type = 0, pkt_id = 3>)
// CHECK:      aie.runtime_sequence @attention(%[[Q:.*]]: memref<8x256x64xbf16>, %[[O:.*]]: memref<8x256x64xbf16>, %[[K:.*]]: memref<2048x64xbf16>, %[[N:.*]]: i64) {
// CHECK:        aiex.npu.dma_memcpy_nd(%[[Q]][0, 0, 0, 0][4, 1, 64, 64][16384, 0, 64, 1]) {id = 0 : i64, issue_token = true, metadata = @q_in} : memref<8x256x64xbf16>
// CHECK:        aiex.npu.dma_memcpy_nd(%[[Q]][0, 4, 0, 0][4, 1, 64, 64][16384, 0, 64, 1]) {id = 1 : i64, issue_token = true, metadata = @q_in} : memref<8x256x64xbf16>
// CHECK:        aiex.npu.dma_wait {symbol = @q_in}
// CHECK:        aiex.npu.dma_memcpy_nd(%[[K]][0, 0, 0, %{{.*}}][1, 1, %[[N]], 64][0, 0, 64, 1], packet = <pkt_type = 0, pkt_id = 3>) {id = 0 : i64, metadata = @k_in} : memref<2048x64xbf16>
// CHECK:        aiex.npu.dma_memcpy_nd(%[[O]][0, 0, 0, 0][8, 4, 64, 64][16384, 64, 64, 1]) {id = 2 : i64, issue_token = true, metadata = @o_out} : memref<8x256x64xbf16>
// CHECK:        aiex.npu.dma_wait {symbol = @o_out}
// CHECK:        aiex.npu.dma_wait {symbol = @q_in}
module {
  aie.device(npu2_2col) {
    %shim_noc_tile_0_0 = aie.tile(0, 0)
    %shim_noc_tile_1_0 = aie.tile(1, 0)
    aie.shim_dma_allocation @q_in(%shim_noc_tile_0_0, MM2S, 0)
    aie.shim_dma_allocation @o_out(%shim_noc_tile_1_0, S2MM, 1)
    aie.shim_dma_allocation @k_in(%shim_noc_tile_1_0, MM2S, 1, <pkt_type = 0, pkt_id = 3>)
    aie.runtime_sequence @attention(%q: memref<8x256x64xbf16>, %o: memref<8x256x64xbf16>, %k: memref<2048x64xbf16>, %n: i64) {
      aiex.npu.dma_memcpy_nd(%q[0, 0, 0, 0][4, 1, 64, 64][16384, 0, 64, 1]) {id = 0 : i64, issue_token = true, metadata = @q_in} : memref<8x256x64xbf16>
      aiex.npu.dma_memcpy_nd(%q[0, 4, 0, 0][4, 1, 64, 64][16384, 0, 64, 1]) {id = 1 : i64, issue_token = true, metadata = @q_in} : memref<8x256x64xbf16>
      aiex.npu.dma_wait {symbol = @q_in}
      %c0 = arith.constant 0 : i64
      aiex.npu.dma_memcpy_nd(%k[0, 0, 0, %c0][1, 1, %n, 64][0, 0, 64, 1], packet = <pkt_type = 0, pkt_id = 3>) {id = 0 : i64, metadata = @k_in} : memref<2048x64xbf16>
      aiex.npu.dma_memcpy_nd(%o[0, 0, 0, 0][8, 4, 64, 64][16384, 64, 64, 1]) {id = 2 : i64, issue_token = true, metadata = @o_out} : memref<8x256x64xbf16>
      aiex.npu.dma_wait {symbol = @o_out}
      aiex.npu.dma_wait {symbol = @q_in}
    }
  }
}
