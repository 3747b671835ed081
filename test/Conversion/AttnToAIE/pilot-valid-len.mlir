// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-sparsify{budget=16},attn-pilot-to-aie{target=npu2})" | FileCheck %s

// A bucketed pilot (length 64, batch 2) with a runtime valid_len per batch:
// the runtime sequence takes one i32 per batch and writes them to the
// cores' runtime-parameter buffers; the kernels hide keys at or beyond it.
func.func @bucket(%q: tensor<2x2x64x64xf32>, %k: tensor<2x2x64x64xf32>, %v: tensor<2x2x64x64xf32>, %n: tensor<2xi32>) -> tensor<2x2x64x64xf32> {
  %o = attn.attention %q, %k, %v valid_len(%n : tensor<2xi32>) causal top_left
       : tensor<2x2x64x64xf32>, tensor<2x2x64x64xf32>, tensor<2x2x64x64xf32> -> tensor<2x2x64x64xf32>
  return %o : tensor<2x2x64x64xf32>
}

// CHECK: aie.device(npu2) @bucket_pilot {
// CHECK: aie.buffer({{.*}}) {sym_name = "rtp_{{.*}}"} : memref<2xi32>
// CHECK: func.call @attn_pilot_qk_i8
// CHECK: aie.runtime_sequence @bucket_pilot(%{{.*}}: memref<17408xi8>, %{{.*}}: memref<17408xi8>, %[[N0:.*]]: i32, %[[N1:.*]]: i32, %{{.*}}: memref<16384xf32>)
// CHECK: aiex.npu.rtp_write(@rtp_c0_r0, 0, %[[N0]]) : i32
// CHECK: aiex.npu.rtp_write(@rtp_c0_r0, 1, %[[N1]]) : i32
