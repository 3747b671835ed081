// RUN: attn-opt %s | attn-opt | FileCheck %s
// RUN: attn-opt %s --mlir-print-op-generic | attn-opt | FileCheck %s

// The shadowAttn ops (attn-sparsify's output) round-trip.

// CHECK-LABEL: func.func @pilot_select_sparse
// CHECK: %[[QQ:.*]], %[[QS:.*]] = attn.quantize %{{.*}} block 1 : tensor<1x4x16x8xbf16> -> tensor<1x4x16x8xi8>, tensor<1x4x16xf32>
// CHECK: %[[KQ:.*]], %[[KS:.*]] = attn.quantize %{{.*}} block 8 : tensor<1x2x16x8xbf16> -> tensor<1x2x16x8xi8>, tensor<1x2x2xf32>
// CHECK: %[[S:.*]] = attn.pilot_qk %[[QQ]], %[[KQ]] scales(%[[QS]], %[[KS]] : tensor<1x4x16xf32>, tensor<1x2x2xf32>) causal bottom_right q_block 1 k_block 8 : tensor<1x4x16x8xi8>, tensor<1x2x16x8xi8> -> tensor<1x4x16x16xf32>
// CHECK: %[[I:.*]] = attn.topk %[[S]] head_budgets [2, 4, 4, 3] : tensor<1x4x16x16xf32> -> tensor<1x4x16x4xi32>
// CHECK: attn.sparse_attention %{{.*}}, %{{.*}}, %{{.*}}, %[[I]] causal bottom_right : tensor<1x4x16x8xbf16>, tensor<1x2x16x8xbf16>, tensor<1x2x16x8xbf16>, tensor<1x4x16x4xi32> -> tensor<1x4x16x8xbf16>
func.func @pilot_select_sparse(%q: tensor<1x4x16x8xbf16>, %k: tensor<1x2x16x8xbf16>, %v: tensor<1x2x16x8xbf16>) -> tensor<1x4x16x8xbf16> {
  %qq, %qs = attn.quantize %q block 1 : tensor<1x4x16x8xbf16> -> tensor<1x4x16x8xi8>, tensor<1x4x16xf32>
  %kq, %ks = attn.quantize %k block 8 : tensor<1x2x16x8xbf16> -> tensor<1x2x16x8xi8>, tensor<1x2x2xf32>
  %s = attn.pilot_qk %qq, %kq scales(%qs, %ks : tensor<1x4x16xf32>, tensor<1x2x2xf32>) causal bottom_right q_block 1 k_block 8 : tensor<1x4x16x8xi8>, tensor<1x2x16x8xi8> -> tensor<1x4x16x16xf32>
  %i = attn.topk %s head_budgets [2, 4, 4, 3] : tensor<1x4x16x16xf32> -> tensor<1x4x16x4xi32>
  %o = attn.sparse_attention %q, %k, %v, %i causal bottom_right : tensor<1x4x16x8xbf16>, tensor<1x2x16x8xbf16>, tensor<1x2x16x8xbf16>, tensor<1x4x16x4xi32> -> tensor<1x4x16x8xbf16>
  return %o : tensor<1x4x16x8xbf16>
}

// Dynamic lengths, blhd layout, valid_len, mask, bias and scale.
// CHECK-LABEL: func.func @dynamic_blhd
// CHECK: attn.quantize %{{.*}} block 64 layout blhd : tensor<2x?x4x16xf32> -> tensor<2x?x4x16xi8>, tensor<2x4x?xf32>
// CHECK: attn.pilot_qk %{{.*}}, %{{.*}} scales(%{{.*}}, %{{.*}} : tensor<2x4x?xf32>, tensor<2x4x?xf32>) valid_len(%{{.*}} : tensor<2xi32>) causal top_left scale 2.500000e-01 layout blhd q_block 64 k_block 64 : tensor<2x?x4x16xi8>, tensor<2x?x4x16xi8> -> tensor<2x4x?x?xf32>
// CHECK: attn.topk %{{.*}} : tensor<2x4x?x?xf32> -> tensor<2x4x?x32xi32>
// CHECK: attn.sparse_attention %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} mask(%{{.*}} : tensor<2x1x?x?xi1>) bias(%{{.*}} : tensor<4x1x1xf32>) valid_len(%{{.*}} : tensor<2xi32>) causal top_left scale 2.500000e-01 layout blhd : tensor<2x?x4x16xf32>, tensor<2x?x4x16xf32>, tensor<2x?x4x16xf32>, tensor<2x4x?x32xi32> -> tensor<2x?x4x16xf32>
func.func @dynamic_blhd(%q: tensor<2x?x4x16xf32>, %k: tensor<2x?x4x16xf32>, %v: tensor<2x?x4x16xf32>, %m: tensor<2x1x?x?xi1>, %b: tensor<4x1x1xf32>, %n: tensor<2xi32>) -> tensor<2x?x4x16xf32> {
  %qq, %qs = attn.quantize %q block 64 layout blhd : tensor<2x?x4x16xf32> -> tensor<2x?x4x16xi8>, tensor<2x4x?xf32>
  %kq, %ks = attn.quantize %k block 64 layout blhd : tensor<2x?x4x16xf32> -> tensor<2x?x4x16xi8>, tensor<2x4x?xf32>
  %s = attn.pilot_qk %qq, %kq scales(%qs, %ks : tensor<2x4x?xf32>, tensor<2x4x?xf32>) valid_len(%n : tensor<2xi32>) causal top_left scale 0.25 layout blhd q_block 64 k_block 64 : tensor<2x?x4x16xi8>, tensor<2x?x4x16xi8> -> tensor<2x4x?x?xf32>
  %i = attn.topk %s : tensor<2x4x?x?xf32> -> tensor<2x4x?x32xi32>
  %o = attn.sparse_attention %q, %k, %v, %i mask(%m : tensor<2x1x?x?xi1>) bias(%b : tensor<4x1x1xf32>) valid_len(%n : tensor<2xi32>) causal top_left scale 0.25 layout blhd : tensor<2x?x4x16xf32>, tensor<2x?x4x16xf32>, tensor<2x?x4x16xf32>, tensor<2x4x?x32xi32> -> tensor<2x?x4x16xf32>
  return %o : tensor<2x?x4x16xf32>
}
