// RUN: attn-opt %s --split-input-file --attn-schedule-dma | FileCheck %s
// RUN: attn-opt %s --split-input-file --attn-schedule-dma --convert-attn-to-aie --aie-check-limits | FileCheck %s --check-prefix=AIE

// Causal balance (issue 12): a causal layer's units are dealt to the
// broadcast groups boustrophedon (odd dealing rows reverse the groups and the
// columns), pairing early query tiles with late ones, and the record carries
// the key blocks of the busiest core and of all cores: here 4 groups of one
// column, 2 chunks per kv head, every core computes 36 of the 288 blocks
// (busiest / mean = 1.0; the former choice, one group of 4 columns without
// chunks, gave the busiest core 48, 1.33x the mean).
#plan = #attn.plan<target = "npu2", q_tile = 16, kv_tile = 32, head_dim_tile = 64, l2_q_block = 32, l2_kv_block = 32, intrinsic = [4, 8, 8], columns = 4, cores_per_column = 2, mapping = fused, depth = 2, padded_q_len = 256, padded_kv_len = 256, padded_head_dim = 64, padded_value_dim = 64>
func.func @causal(%q: tensor<1x4x256x64xbf16>, %k: tensor<1x2x256x64xbf16>, %v: tensor<1x2x256x64xbf16>) -> tensor<1x4x256x64xbf16> {
  %o = attn.stage "attention" fold online plan #plan
      ins(%a = %q, %b = %k, %c = %v : tensor<1x4x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>)
      -> tensor<1x4x256x64xbf16> {
    %s = attn.qk %a, %b causal top_left scale 0.125 : tensor<1x4x256x64xbf16>, tensor<1x2x256x64xbf16> -> tensor<1x4x256x256xf32>
    %r = attn.online_softmax_pv %s, %c : tensor<1x4x256x256xf32>, tensor<1x2x256x64xbf16> -> tensor<1x4x256x64xbf16>
    attn.yield %r : tensor<1x4x256x64xbf16>
  }
  return %o : tensor<1x4x256x64xbf16>
}
// CHECK-LABEL: func.func @causal
// CHECK: dma_schedule = {
// CHECK-SAME: lane_key_blocks = array<i64: 36, 288, 8>
// CHECK-SAME: query_chunks = 2
// CHECK-SAME: zigzag_units = true
// AIE: aie.device(npu2) @causal_attention
// AIE: lane_key_blocks = array<i64: {{[0-9]+}}, {{[0-9]+}}, 8>

// -----

// Without a causal rule every item computes the same blocks: round-robin
// dealing, busiest = total / cores.
#plan = #attn.plan<target = "npu2", q_tile = 16, kv_tile = 32, head_dim_tile = 64, l2_q_block = 32, l2_kv_block = 32, intrinsic = [4, 8, 8], columns = 4, cores_per_column = 2, mapping = fused, depth = 2, padded_q_len = 256, padded_kv_len = 256, padded_head_dim = 64, padded_value_dim = 64>
func.func @dense(%q: tensor<1x4x256x64xbf16>, %k: tensor<1x2x256x64xbf16>, %v: tensor<1x2x256x64xbf16>) -> tensor<1x4x256x64xbf16> {
  %o = attn.stage "attention" fold online plan #plan
      ins(%a = %q, %b = %k, %c = %v : tensor<1x4x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>)
      -> tensor<1x4x256x64xbf16> {
    %s = attn.qk %a, %b scale 0.125 : tensor<1x4x256x64xbf16>, tensor<1x2x256x64xbf16> -> tensor<1x4x256x256xf32>
    %r = attn.online_softmax_pv %s, %c : tensor<1x4x256x256xf32>, tensor<1x2x256x64xbf16> -> tensor<1x4x256x64xbf16>
    attn.yield %r : tensor<1x4x256x64xbf16>
  }
  return %o : tensor<1x4x256x64xbf16>
}
// CHECK-LABEL: func.func @dense
// CHECK: dma_schedule = {
// CHECK-SAME: lane_key_blocks = array<i64: 64, 512, 8>
// CHECK-SAME: zigzag_units = false
