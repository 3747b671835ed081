// Reproducers 02, 08, 09 and 12 of the 2026-12-06 fuzz campaign (passes).

// 02: head_dim 12 on npu1 aborted (#attn.plan assertion): D and Dv are now
// both padded to lcm(K, N) of the intrinsic, so head_dim_tile divides both.
// RUN: attn-opt %s -split-input-file --pass-pipeline="builtin.module(attn-fold{mode=online},attn-tile{target=npu1})" | FileCheck %s --check-prefix=PLAN
// RUN: attn-opt %s -split-input-file --attn-to-aie=target=npu1 | attn-opt --aie-check-limits | FileCheck %s --check-prefix=AIE
// PLAN-LABEL: func.func @head_dim_12
// PLAN: head_dim_tile = 16,{{.*}}padded_head_dim = 16, padded_value_dim = 16>
// AIE: aie.device(npu1)
func.func @head_dim_12(%q: tensor<1x2x64x12xbf16>, %k: tensor<1x1x64x12xbf16>, %v: tensor<1x1x64x12xbf16>) -> tensor<1x2x64x12xbf16> {
  %o = attn.attention %q, %k, %v : tensor<1x2x64x12xbf16>, tensor<1x1x64x12xbf16>, tensor<1x1x64x12xbf16> -> tensor<1x2x64x12xbf16>
  return %o : tensor<1x2x64x12xbf16>
}
