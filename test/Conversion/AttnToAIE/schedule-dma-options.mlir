// RUN: attn-opt %s --attn-schedule-dma="kv-group-columns=3" -verify-diagnostics
// RUN: attn-opt %s --attn-schedule-dma="kv-group-columns=2 query-chunks=2" | FileCheck %s

// Forced choices: a group width that does not divide the columns is an
// error; a legal one is taken as given.
// CHECK: group_columns = 2
// CHECK-SAME: query_chunks = 2
#plan = #attn.plan<target = "npu2", q_tile = 16, kv_tile = 32, head_dim_tile = 64, l2_q_block = 64, l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 4, cores_per_column = 2, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 64, padded_head_dim = 64, padded_value_dim = 64>
func.func @forced(%q: tensor<1x2x64x64xbf16>, %k: tensor<1x2x64x64xbf16>, %v: tensor<1x2x64x64xbf16>) -> tensor<1x2x64x64xbf16> {
  // expected-error @+1 {{'attention' cannot be scheduled on npu2: kv-group-columns=3 does not divide the plan's 4 columns}}
  %o = attn.stage "attention" fold online plan #plan ins(%a = %q, %b = %k, %c = %v : tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>) -> tensor<1x2x64x64xbf16> {
    %s = attn.qk %a, %b : tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16> -> tensor<1x2x64x64xf32>
    %r = attn.online_softmax_pv %s, %c : tensor<1x2x64x64xf32>, tensor<1x2x64x64xbf16> -> tensor<1x2x64x64xbf16>
    attn.yield %r : tensor<1x2x64x64xbf16>
  }
  return %o : tensor<1x2x64x64xbf16>
}
