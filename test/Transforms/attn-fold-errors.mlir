// Bad attn-fold options are errors naming the option and the valid values.
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=folded})" 2>&1 | FileCheck %s --check-prefix=MODE
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-fold{target=npu3})" 2>&1 | FileCheck %s --check-prefix=TARGET
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-fold{intermediate-type=f64})" 2>&1 | FileCheck %s --check-prefix=ITYPE
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-fold{bogus=1})" 2>&1 | FileCheck %s --check-prefix=UNKNOWN

// MODE: error: attn-fold: unknown mode 'folded'; expected auto, unfolded, partial, full or online
// TARGET: error: attn-fold: unknown target 'npu3'; valid targets: npu1, npu1_1col, npu1_2col, npu1_3col, npu2, npu2_1col, npu2_2col, npu2_3col, npu2_4col, npu2_5col, npu2_6col, npu2_7col
// ITYPE: error: attn-fold: unknown intermediate-type 'f64'; expected f32, bf16, f16 or input
// UNKNOWN: no such option bogus

func.func @layer(%q: tensor<1x2x8x64xbf16>) -> tensor<1x2x8x64xbf16> {
  %o = attn.attention %q, %q, %q : tensor<1x2x8x64xbf16>, tensor<1x2x8x64xbf16>, tensor<1x2x8x64xbf16> -> tensor<1x2x8x64xbf16>
  return %o : tensor<1x2x8x64xbf16>
}
