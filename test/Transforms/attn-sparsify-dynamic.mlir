// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-sparsify{budget=7})" | FileCheck %s

// Dynamic lengths: a fixed budget gives N slots; rows with fewer visible
// keys keep all of them.
// CHECK-LABEL: func.func @dynamic
// CHECK: attn.quantize %arg0 block 64 : tensor<1x2x?x8xf32> -> tensor<1x2x?x8xi8>, tensor<1x2x?xf32>
// CHECK: attn.pilot_qk %{{.*}}, %{{.*}} scales(%{{.*}}, %{{.*}} : tensor<1x2x?xf32>, tensor<1x2x?xf32>) valid_len(%arg3 : tensor<1xi32>)
// CHECK: attn.topk %{{.*}} : tensor<1x2x?x?xf32> -> tensor<1x2x?x7xi32>
func.func @dynamic(%q: tensor<1x2x?x8xf32>, %k: tensor<1x2x?x8xf32>, %v: tensor<1x2x?x8xf32>, %n: tensor<1xi32>) -> tensor<1x2x?x8xf32> {
  %o = attn.attention %q, %k, %v valid_len(%n : tensor<1xi32>) : tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32> -> tensor<1x2x?x8xf32>
  return %o : tensor<1x2x?x8xf32>
}
