// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-sparsify{keep=0.25})" | FileCheck %s --check-prefix=KEEP
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-sparsify{budget=100 q-block=1 k-block=16})" | FileCheck %s --check-prefix=BUDGET
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-sparsify{per-head-ratios=%S/Inputs/sparse-ratios.txt})" | FileCheck %s --check-prefix=FILE
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-sparsify{keep=0.25},attn-lower-to-cpu)" | FileCheck %s --check-prefix=CPU

// keep=0.25 of Lk = 64 keys: 16 per row for every head. The pilot carries
// causal/scale/layout; the exact stage also gets mask and valid_len.
// KEEP-LABEL: func.func @gqa
// KEEP: %[[QQ:.*]], %[[QS:.*]] = attn.quantize %arg0 block 64 : tensor<1x4x48x32xbf16> -> tensor<1x4x48x32xi8>, tensor<1x4x1xf32>
// KEEP: %[[KQ:.*]], %[[KS:.*]] = attn.quantize %arg1 block 64 : tensor<1x2x64x32xbf16> -> tensor<1x2x64x32xi8>, tensor<1x2x1xf32>
// KEEP: %[[S:.*]] = attn.pilot_qk %[[QQ]], %[[KQ]] scales(%[[QS]], %[[KS]] : tensor<1x4x1xf32>, tensor<1x2x1xf32>) causal bottom_right scale 2.500000e-01 q_block 64 k_block 64 : tensor<1x4x48x32xi8>, tensor<1x2x64x32xi8> -> tensor<1x4x48x64xf32>
// KEEP: %[[I:.*]] = attn.topk %[[S]] : tensor<1x4x48x64xf32> -> tensor<1x4x48x16xi32>
// KEEP: %[[O:.*]] = attn.sparse_attention %arg0, %arg1, %arg2, %[[I]] mask(%arg3 : tensor<1x1x48x64xi1>) causal bottom_right scale 2.500000e-01 : tensor<1x4x48x32xbf16>, tensor<1x2x64x32xbf16>, tensor<1x2x64x32xbf16>, tensor<1x4x48x16xi32> -> tensor<1x4x48x32xbf16>
// KEEP: return %[[O]]
// KEEP-NOT: attn.attention

// BUDGET-LABEL: func.func @gqa
// BUDGET: attn.quantize %arg0 block 1 : tensor<1x4x48x32xbf16> -> tensor<1x4x48x32xi8>, tensor<1x4x48xf32>
// BUDGET: attn.quantize %arg1 block 16 : tensor<1x2x64x32xbf16> -> tensor<1x2x64x32xi8>, tensor<1x2x4xf32>
// BUDGET: attn.topk %{{.*}} : tensor<1x4x48x64xf32> -> tensor<1x4x48x64xi32>

// Per-head ratios 0.25 0.5 0.125 1.0 of 64 keys.
// FILE-LABEL: func.func @gqa
// FILE: attn.topk %{{.*}} head_budgets [16, 32, 8, 64] : tensor<1x4x48x64xf32> -> tensor<1x4x48x64xi32>

// CPU: func.func @gqa
// CPU-NOT: attn.
// CPU: return
func.func @gqa(%q: tensor<1x4x48x32xbf16>, %k: tensor<1x2x64x32xbf16>, %v: tensor<1x2x64x32xbf16>, %m: tensor<1x1x48x64xi1>) -> tensor<1x4x48x32xbf16> {
  %o = attn.attention %q, %k, %v mask(%m : tensor<1x1x48x64xi1>) causal bottom_right scale 0.25 : tensor<1x4x48x32xbf16>, tensor<1x2x64x32xbf16>, tensor<1x2x64x32xbf16> -> tensor<1x4x48x32xbf16>
  return %o : tensor<1x4x48x32xbf16>
}
