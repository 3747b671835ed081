// RUN: attn-opt %s --convert-attn-to-aie -split-input-file -verify-diagnostics

func.func @not_folded(%q: tensor<1x1x64x64xbf16>, %k: tensor<1x1x64x64xbf16>, %v: tensor<1x1x64x64xbf16>) -> tensor<1x1x64x64xbf16> {
  // expected-error @+1 {{is not folded into stages; run attn-fold, attn-tile and attn-schedule-dma first}}
  %o = attn.attention %q, %k, %v : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16> -> tensor<1x1x64x64xbf16>
  return %o : tensor<1x1x64x64xbf16>
}

// -----

#plan = #attn.plan<target = "npu2", q_tile = 16, kv_tile = 32, head_dim_tile = 64, l2_q_block = 32, l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 2, cores_per_column = 2, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 64, padded_head_dim = 64, padded_value_dim = 64>
func.func @unscheduled(%q: tensor<1x1x64x64xbf16>, %k: tensor<1x1x64x64xbf16>) -> tensor<1x1x64x64xf32> {
  // expected-error @+1 {{has no 'dma_schedule' attribute; run attn-schedule-dma first}}
  %s = attn.stage "qk" fold unfolded plan #plan ins(%a = %q, %b = %k : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>) -> tensor<1x1x64x64xf32> {
    %0 = attn.qk %a, %b : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16> -> tensor<1x1x64x64xf32>
    attn.yield %0 : tensor<1x1x64x64xf32>
  }
  return %s : tensor<1x1x64x64xf32>
}
