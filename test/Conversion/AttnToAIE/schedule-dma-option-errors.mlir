// RUN: not attn-opt %s --attn-schedule-dma="query-chunks=-1" 2>&1 | FileCheck %s --check-prefix=NEG
// RUN: attn-opt %s --attn-schedule-dma="query-chunks=9" -verify-diagnostics

// NEG: error: attn-schedule-dma: kv-group-columns and query-chunks must be non-negative
#plan = #attn.plan<target = "npu2", q_tile = 16, kv_tile = 32, head_dim_tile = 64, l2_q_block = 32, l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 2, cores_per_column = 2, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 64, padded_head_dim = 64, padded_value_dim = 64>
func.func @too_many_splits(%q: tensor<1x2x64x64xbf16>, %k: tensor<1x2x64x64xbf16>) -> tensor<1x2x64x64xf32> {
  // expected-error @+1 {{'qk' cannot be scheduled on npu2: query-chunks=9 exceeds the 4 query tiles of one kv head}}
  %s = attn.stage "qk" fold unfolded plan #plan ins(%a = %q, %b = %k : tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>) -> tensor<1x2x64x64xf32> {
    %0 = attn.qk %a, %b : tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16> -> tensor<1x2x64x64xf32>
    attn.yield %0 : tensor<1x2x64x64xf32>
  }
  return %s : tensor<1x2x64x64xf32>
}
