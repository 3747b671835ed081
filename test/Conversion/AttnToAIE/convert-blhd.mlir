// RUN: attn-opt %s --attn-schedule-dma --convert-attn-to-aie --aie-check-limits | FileCheck %s

// blhd layout on npu1: Q/K/V/O rows of one head are H*D (K, V: Hkv*D)
// elements apart in DRAM, so the shim access patterns gather each head's
// tiles with a row stride of 256 (Q, O) and 128 (K, V) instead of the
// bhld stride D = 64; the memtile and core ends need no reordering.
#plan = #attn.plan<target = "npu1", q_tile = 32, kv_tile = 32, head_dim_tile = 64, l2_q_block = 64, l2_kv_block = 32, intrinsic = [4, 8, 4], columns = 2, cores_per_column = 2, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 64, padded_head_dim = 64, padded_value_dim = 64>
func.func @blhd(%q: tensor<1x64x4x64xbf16>, %k: tensor<1x64x2x64xbf16>, %v: tensor<1x64x2x64xbf16>) -> tensor<1x64x4x64xbf16> {
  %o = attn.stage "attention" fold online plan #plan
      ins(%a = %q, %b = %k, %c = %v : tensor<1x64x4x64xbf16>, tensor<1x64x2x64xbf16>, tensor<1x64x2x64xbf16>)
      -> tensor<1x64x4x64xbf16> {
    %s = attn.qk %a, %b layout blhd : tensor<1x64x4x64xbf16>, tensor<1x64x2x64xbf16> -> tensor<1x4x64x64xf32>
    %r = attn.online_softmax_pv %s, %c layout blhd : tensor<1x4x64x64xf32>, tensor<1x64x2x64xbf16> -> tensor<1x64x4x64xbf16>
    attn.yield %r : tensor<1x64x4x64xbf16>
  }
  return %o : tensor<1x64x4x64xbf16>
}

// One group of 2 columns x 2 cores: K, V (shim -> memtile), K/V joined
// (broadcast), per column Q in + 2 Q splits, 2 O outputs + O out: 3 + 2 * 6.
// CHECK: aie.device(npu1) @blhd_attention
// CHECK-COUNT-15: aie.objectfifo @
// CHECK-NOT: aie.objectfifo @
// CHECK: aie.objectfifo.link [@k_l3_g0, @v_l3_g0] -> [@kv_g0]([0, 2048] [])
// CHECK-COUNT-4: aie.core(
// CHECK: aie.runtime_sequence @blhd_attention(%[[Q:.*]]: memref<16384xbf16>, %[[K:.*]]: memref<8192xbf16>, %[[V:.*]]: memref<8192xbf16>, %[[O:.*]]: memref<16384xbf16>)
// Kv head 0 (query heads 0, 1; 2 query tiles each) is one round of the 4
// cores: column 0 writes query tiles 0, 1 of head 0 (64 rows, 256 apart),
// column 1 those of head 1 (64 elements further).
// CHECK: aiex.npu.dma_memcpy_nd(%[[O]][0, 0, 0, 0][1, 1, 64, 64][0, 0, 256, 1]) {id = 0 : i64, issue_token = true, metadata = @o_l3_c0}
// CHECK: aiex.npu.dma_memcpy_nd(%[[O]][0, 0, 0, 64][1, 1, 64, 64][0, 0, 256, 1]) {id = 0 : i64, issue_token = true, metadata = @o_l3_c1}
// K and V of kv head 0: 64 rows 128 apart.
// CHECK: aiex.npu.dma_memcpy_nd(%[[K]][0, 0, 0, 0][1, 1, 64, 64][0, 0, 128, 1]) {id = 1 : i64, metadata = @k_l3_g0}
// CHECK: aiex.npu.dma_memcpy_nd(%[[V]][0, 0, 0, 0][1, 1, 64, 64][0, 0, 128, 1]) {id = 1 : i64, metadata = @v_l3_g0}
// CHECK: aiex.npu.dma_memcpy_nd(%[[Q]][0, 0, 0, 0][1, 1, 64, 64][0, 0, 256, 1]) {id = 2 : i64, metadata = @q_l3_c0}
// Kv head 1 starts 64 (K, V) / 128 (Q, O) elements in.
// CHECK: aiex.npu.dma_memcpy_nd(%[[O]][0, 0, 0, 128][1, 1, 64, 64][0, 0, 256, 1]) {id = 3 : i64, issue_token = true, metadata = @o_l3_c0}
// CHECK: aiex.npu.dma_memcpy_nd(%[[K]][0, 0, 0, 64][1, 1, 64, 64][0, 0, 128, 1]) {id = 4 : i64, metadata = @k_l3_g0}
// Both batches are retired at the end, one wait per output channel each.
// CHECK-COUNT-2: aiex.npu.dma_wait {symbol = @o_l3_c0}
// CHECK-NOT: aiex.npu.dma_memcpy_nd
