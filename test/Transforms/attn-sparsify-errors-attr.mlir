// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-sparsify)" 2>&1 | FileCheck %s

// CHECK: 'attn.attention' op attn-sparsify: attribute attn.head_keep: keep fraction of head 1 is 0; it must be in (0, 1]
func.func @zero(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  %o = attn.attention %q, %k, %v {attn.head_keep = array<f64: 0.5, 0.0>} : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}
