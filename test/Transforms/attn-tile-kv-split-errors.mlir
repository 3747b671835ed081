// Bad kv-split values: each error names the option and the reason.
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online}, attn-tile{kv-split=3})" 2>&1 | FileCheck %s --check-prefix=THREE
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online}, attn-tile{kv-split=8})" 2>&1 | FileCheck %s --check-prefix=EIGHT
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online}, attn-tile{cores-per-column=2 kv-split=4})" 2>&1 | FileCheck %s --check-prefix=DIVIDE
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=full}, attn-tile{kv-split=2})" 2>&1 | FileCheck %s --check-prefix=FOLD
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online}, attn-tile{mapping=stream kv-split=2})" 2>&1 | FileCheck %s --check-prefix=STREAM
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online}, attn-tile{kv-split=-2})" 2>&1 | FileCheck %s --check-prefix=NEG
// RUN: not attn-opt %S/../Conversion/AttnToAIE/convert-key-mask.mlir --pass-pipeline="builtin.module(attn-fold{mode=online}, attn-tile{kv-split=2})" 2>&1 | FileCheck %s --check-prefix=MASK

func.func @layer(%q: tensor<1x2x64x64xbf16>, %k: tensor<1x2x64x64xbf16>, %v: tensor<1x2x64x64xbf16>) -> tensor<1x2x64x64xbf16> {
  %o = attn.attention %q, %k, %v : tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16> -> tensor<1x2x64x64xbf16>
  return %o : tensor<1x2x64x64xbf16>
}
// THREE: attn-tile: kv-split=3 must be a power of two of at most the 4 core rows of npu2 (a cascade chain is adjacent cores of one column)
// EIGHT: attn-tile: kv-split=8 must be a power of two of at most the 4 core rows of npu2
// DIVIDE: attn-tile: kv-split=4 does not divide cores-per-column=2 (a column holds whole cascade chains)
// FOLD: attn-tile: kv-split=2 needs fold online and mapping fused (the cascade merges running softmax states), got fold full and mapping fused
// STREAM: attn-tile: kv-split=2 needs fold online and mapping fused {{.*}}got fold online and mapping stream
// NEG: attn-tile: kv-split=-2: must be positive (0 picks)
// MASK: attn-tile: kv-split=2 is not emitted for layers with explicit mask or bias tensors

