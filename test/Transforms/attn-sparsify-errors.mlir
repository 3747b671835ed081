// Bad attn-sparsify options and budgets are errors naming the option or op.
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-sparsify{keep=0.2 budget=4})" 2>&1 | FileCheck %s --check-prefix=BOTH
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-sparsify{keep=1.5})" 2>&1 | FileCheck %s --check-prefix=KEEP
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-sparsify{pilot=fp8 keep=0.5})" 2>&1 | FileCheck %s --check-prefix=PILOT
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-sparsify{q-block=0 keep=0.5})" 2>&1 | FileCheck %s --check-prefix=BLOCK
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-sparsify)" 2>&1 | FileCheck %s --check-prefix=NONE
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-sparsify{per-head-ratios=%S/Inputs/sparse-ratios.txt})" 2>&1 | FileCheck %s --check-prefix=COUNT
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-sparsify{per-head-ratios=%S/Inputs/no-such-file.txt})" 2>&1 | FileCheck %s --check-prefix=MISSING

// BOTH: attn-sparsify: keep, budget and per-head-ratios are exclusive; give one
// KEEP: attn-sparsify: keep must be a fraction in (0, 1], got 1.5
// PILOT: attn-sparsify: unknown pilot 'fp8'; expected int8
// BLOCK: attn-sparsify: q-block and k-block must be positive, got 0 and 64
// NONE: 'attn.attention' op attn-sparsify: no key budget: give keep=<fraction>, budget=<keys>, per-head-ratios=<file>, or an 'attn.head_keep' attribute
// COUNT: 'attn.attention' op attn-sparsify: per-head-ratios file gives 4 keep fractions but the layer has H = 2 query heads
// MISSING: attn-sparsify: cannot read per-head-ratios file '{{.*}}no-such-file.txt'
func.func @layer(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  %o = attn.attention %q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}
