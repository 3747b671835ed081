// RUN: attn-opt %s '--attn-to-aie=target=npu2 fold=unfolded' | FileCheck %s

// 16K x 16K, 2 heads, unfolded: each stage addresses 2^25 DRAM rows, which
// attn-schedule-dma collects as one progression per tile and compresses
// without enumerating them. The QK stage's per-column S stream: the 4 cores'
// 64-row tiles merge into one progression of 256 rows (stride Lk), the 1024
// key steps of a round repeat it 16 keys apart, cut at the 1023 a dimension
// holds (the last step is a pattern of its own), and the batch's second
// round is 2048 query rows on.
// CHECK-LABEL: aie.runtime_sequence @attention_qk
// CHECK-NEXT: aiex.npu.dma_memcpy_nd(%arg2[0, 0, 0, 0][1, 1023, 256, 16][0, 16, 16384, 1]) {id = 0 : i64, metadata = @s_l3_c0}
// CHECK-NEXT: aiex.npu.dma_memcpy_nd(%arg2[0, 0, 0, 16368][1, 1, 256, 16][0, 0, 16384, 1]) {id = 1 : i64, metadata = @s_l3_c0}
// CHECK-NEXT: aiex.npu.dma_memcpy_nd(%arg2[0, 0, 0, 33554432][1, 1023, 256, 16][0, 16, 16384, 1]) {id = 2 : i64, metadata = @s_l3_c0}
// CHECK-NEXT: aiex.npu.dma_memcpy_nd(%arg2[0, 0, 0, 33570800][1, 1, 256, 16][0, 0, 16384, 1]) {id = 3 : i64, issue_token = true, metadata = @s_l3_c0}
// The broadcast K stream: the 16384 key rows of a round are one progression
// (512 rows x 32 blocks: the largest divisor within a dimension), repeated
// for the batch's two rounds (stride 0); Q: the column's 256 query rows per
// round, the second round 2048 rows on.
// CHECK: aiex.npu.dma_memcpy_nd(%arg1[0, 0, 0, 0][2, 32, 512, 64][0, 32768, 64, 1]) {id = 4 : i64, metadata = @k_l3_g0}
// CHECK-NEXT: aiex.npu.dma_memcpy_nd(%arg0[0, 0, 0, 0][1, 2, 256, 64][0, 131072, 64, 1]) {id = 5 : i64, metadata = @q_l3_c0}
// CHECK-LABEL: aie.runtime_sequence @attention_softmax
// CHECK-LABEL: aie.runtime_sequence @attention_pv
func.func @attention(%q: tensor<1x2x16384x64xbf16>, %k: tensor<1x2x16384x64xbf16>, %v: tensor<1x2x16384x64xbf16>) -> tensor<1x2x16384x64xbf16> {
  %o = attn.attention %q, %k, %v : tensor<1x2x16384x64xbf16>, tensor<1x2x16384x64xbf16>, tensor<1x2x16384x64xbf16> -> tensor<1x2x16384x64xbf16>
  return %o : tensor<1x2x16384x64xbf16>
}
