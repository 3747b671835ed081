// RUN: attn-opt %s | attn-opt | FileCheck %s
// RUN: attn-opt %s --mlir-print-op-generic | attn-opt | FileCheck %s

// attn.pilot_qk_rows (the pilot on the NPU row format: D int8 values then
// the 4 bytes of the row's f32 scale) round-trips.

// CHECK-LABEL: func.func @rows
// CHECK: attn.pilot_qk_rows %{{.*}}, %{{.*}} valid_len(%{{.*}} : tensor<2xi32>) causal bottom_right scale 1.250000e-01 key_len 77 query_len 100 : tensor<2x4x128x68xi8>, tensor<2x2x96x68xi8> -> tensor<2x4x128x96xf32>
func.func @rows(%q: tensor<2x4x128x68xi8>, %k: tensor<2x2x96x68xi8>, %n: tensor<2xi32>) -> tensor<2x4x128x96xf32> {
  %s = attn.pilot_qk_rows %q, %k valid_len(%n : tensor<2xi32>) causal bottom_right scale 0.125 key_len 77 query_len 100 : tensor<2x4x128x68xi8>, tensor<2x2x96x68xi8> -> tensor<2x4x128x96xf32>
  return %s : tensor<2x4x128x96xf32>
}

// CHECK-LABEL: func.func @plain
// CHECK: attn.pilot_qk_rows %{{.*}}, %{{.*}} : tensor<1x1x8x12xi8>, tensor<1x1x16x12xi8> -> tensor<1x1x8x16xf32>
func.func @plain(%q: tensor<1x1x8x12xi8>, %k: tensor<1x1x16x12xi8>) -> tensor<1x1x8x16xf32> {
  %s = attn.pilot_qk_rows %q, %k : tensor<1x1x8x12xi8>, tensor<1x1x16x12xi8> -> tensor<1x1x8x16xf32>
  return %s : tensor<1x1x8x16xf32>
}
