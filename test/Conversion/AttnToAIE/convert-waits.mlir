// RUN: attn-opt %s --attn-schedule-dma --convert-attn-to-aie --aie-check-limits | FileCheck %s

// Eight kv heads, one round each, on one group: eight batches of transfers.
// A shim channel queues at most 4 tasks, so after four batches the sequence
// waits for the oldest batch (one wait per output channel) before issuing
// the fifth, and BD ids of retired batches are reused.
#plan = #attn.plan<target = "npu2", q_tile = 32, kv_tile = 32, head_dim_tile = 64, l2_q_block = 32, l2_kv_block = 32, intrinsic = [4, 8, 8], columns = 2, cores_per_column = 1, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 64, padded_head_dim = 64, padded_value_dim = 64>
func.func @waits(%q: tensor<1x8x64x64xbf16>, %k: tensor<1x8x64x64xbf16>, %v: tensor<1x8x64x64xbf16>) -> tensor<1x8x64x64xbf16> {
  %o = attn.stage "attention" fold online plan #plan
      ins(%a = %q, %b = %k, %c = %v : tensor<1x8x64x64xbf16>, tensor<1x8x64x64xbf16>, tensor<1x8x64x64xbf16>)
      -> tensor<1x8x64x64xbf16> {
    %s = attn.qk %a, %b : tensor<1x8x64x64xbf16>, tensor<1x8x64x64xbf16> -> tensor<1x8x64x64xf32>
    %r = attn.online_softmax_pv %s, %c : tensor<1x8x64x64xf32>, tensor<1x8x64x64xbf16> -> tensor<1x8x64x64xbf16>
    attn.yield %r : tensor<1x8x64x64xbf16>
  }
  return %o : tensor<1x8x64x64xbf16>
}

// CHECK: aie.runtime_sequence @waits_attention(
// CHECK-COUNT-4: metadata = @o_l3_c0}
// CHECK-NOT: metadata = @o_l3_c0}
// CHECK: aiex.npu.dma_wait {symbol = @o_l3_c0}
// CHECK-NEXT: aiex.npu.dma_wait {symbol = @o_l3_c1}
// CHECK-NEXT: aiex.npu.dma_memcpy_nd(%{{.*}}[0, 0, 0, 16384][1, 1, 32, 64][0, 0, 64, 1]) {id = 0 : i64, issue_token = true, metadata = @o_l3_c0}
// CHECK-COUNT-3: metadata = @o_l3_c0}
// CHECK-NOT: aiex.npu.dma_wait
// The end retires the four batches still in flight: 8 waits.
// CHECK-COUNT-8: aiex.npu.dma_wait
// CHECK-NEXT: {{^ *}$}}
