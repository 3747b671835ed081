// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-sparsify)" | FileCheck %s
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-sparsify{keep=0.5})" | FileCheck %s --check-prefix=OVERRIDE

// Without options the pass reads the per-head keep fractions calibrated by
// attn.sparse.calibrate from the attn.head_keep attribute.
// CHECK-LABEL: func.func @calibrated
// CHECK: attn.topk %{{.*}} head_budgets [3, 10, 1] : tensor<1x3x10x10xf32> -> tensor<1x3x10x10xi32>
// CHECK: attn.sparse_attention
// An option overrides the attribute.
// OVERRIDE: attn.topk %{{.*}} : tensor<1x3x10x10xf32> -> tensor<1x3x10x5xi32>
func.func @calibrated(%q: tensor<1x3x10x8xf32>, %k: tensor<1x3x10x8xf32>, %v: tensor<1x3x10x8xf32>) -> tensor<1x3x10x8xf32> {
  %o = attn.attention %q, %k, %v {attn.head_keep = array<f64: 0.25, 1.0, 0.01>} : tensor<1x3x10x8xf32>, tensor<1x3x10x8xf32>, tensor<1x3x10x8xf32> -> tensor<1x3x10x8xf32>
  return %o : tensor<1x3x10x8xf32>
}
