// Dynamic dimensions fold as they are: the stage ops keep `?` in their
// result types and take every size from their operands at run time.
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=unfolded})" | FileCheck %s --check-prefix=UNF
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online})" | FileCheck %s --check-prefix=ONL
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=partial})" | attn-opt | FileCheck %s --check-prefix=PART
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-fold)" | FileCheck %s --check-prefix=AUTO

// Everything dynamic and no scale: D is unknown, so attn.qk keeps its
// default scale 1/sqrt(D), computed at run time.
func.func @all_dynamic(%q: tensor<?x?x?x?xbf16>, %k: tensor<?x?x?x?xbf16>, %v: tensor<?x?x?x?xbf16>, %n: tensor<?xi32>) -> tensor<?x?x?x?xbf16> {
  %o = attn.attention %q, %k, %v valid_len(%n : tensor<?xi32>) : tensor<?x?x?x?xbf16>, tensor<?x?x?x?xbf16>, tensor<?x?x?x?xbf16> -> tensor<?x?x?x?xbf16>
  return %o : tensor<?x?x?x?xbf16>
}
// UNF-LABEL: func.func @all_dynamic
// UNF: attn.stage "qk" fold unfolded ins({{.*}}) -> tensor<?x?x?x?xf32>
// UNF-NEXT: attn.qk %{{.*}}, %{{.*}} valid_len(%{{.*}} : tensor<?xi32>) : tensor<?x?x?x?xbf16>, tensor<?x?x?x?xbf16> -> tensor<?x?x?x?xf32>
// UNF: attn.softmax %{{.*}} : tensor<?x?x?x?xf32> -> tensor<?x?x?x?xf32>
// UNF: attn.pv %{{.*}}, %{{.*}} valid_len(%{{.*}} : tensor<?xi32>) : tensor<?x?x?x?xf32>, tensor<?x?x?x?xbf16> -> tensor<?x?x?x?xbf16>
// ONL-LABEL: func.func @all_dynamic
// ONL: attn.online_softmax_pv {{.*}} : tensor<?x?x?x?xf32>, tensor<?x?x?x?xbf16> -> tensor<?x?x?x?xbf16>
// AUTO-LABEL: func.func @all_dynamic
// AUTO: attn.stage "attention" fold online

// Sizes known on one operand only are used for S: B from K, H from Q,
// Lq from Q, Lk from V. The static D gives the explicit scale.
func.func @mixed(%q: tensor<?x8x100x64xbf16>, %k: tensor<2x2x?x64xbf16>, %v: tensor<?x2x300x64xbf16>) -> tensor<?x8x100x64xbf16> {
  %o = attn.attention %q, %k, %v causal bottom_right : tensor<?x8x100x64xbf16>, tensor<2x2x?x64xbf16>, tensor<?x2x300x64xbf16> -> tensor<?x8x100x64xbf16>
  return %o : tensor<?x8x100x64xbf16>
}
// UNF-LABEL: func.func @mixed
// UNF: attn.qk %{{.*}}, %{{.*}} causal bottom_right scale 1.250000e-01 : tensor<?x8x100x64xbf16>, tensor<2x2x?x64xbf16> -> tensor<2x8x100x300xf32>
// UNF: attn.pv %{{.*}}, %{{.*}} : tensor<2x8x100x300xf32>, tensor<?x2x300x64xbf16> -> tensor<?x8x100x64xbf16>
// PART-LABEL: func.func @mixed
// PART: attn.stage "qk_softmax" {{.*}} -> tensor<2x8x100x300xf32>
// AUTO-LABEL: func.func @mixed
// AUTO: attn.stage "attention" fold online

// D static on K only: the explicit scale still comes from it.
func.func @head_dim_on_key(%q: tensor<1x2x8x?xf32>, %k: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %o = attn.attention %q, %k, %k : tensor<1x2x8x?xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}
// UNF-LABEL: func.func @head_dim_on_key
// UNF: attn.qk %{{.*}}, %{{.*}} scale 2.500000e-01 : tensor<1x2x8x?xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x8xf32>

// blhd with dynamic lengths.
func.func @blhd_dynamic(%q: tensor<1x?x4x64xf16>, %k: tensor<1x?x4x64xf16>, %v: tensor<1x?x4x64xf16>) -> tensor<1x?x4x64xf16> {
  %o = attn.attention %q, %k, %v layout blhd : tensor<1x?x4x64xf16>, tensor<1x?x4x64xf16>, tensor<1x?x4x64xf16> -> tensor<1x?x4x64xf16>
  return %o : tensor<1x?x4x64xf16>
}
// UNF-LABEL: func.func @blhd_dynamic
// UNF: attn.qk %{{.*}}, %{{.*}} scale 1.250000e-01 layout blhd : tensor<1x?x4x64xf16>, tensor<1x?x4x64xf16> -> tensor<1x4x?x?xf32>
// UNF: attn.pv %{{.*}}, %{{.*}} layout blhd : tensor<1x4x?x?xf32>, tensor<1x?x4x64xf16> -> tensor<1x?x4x64xf16>
// ONL-LABEL: func.func @blhd_dynamic
// ONL: attn.online_softmax_pv %{{.*}}, %{{.*}} layout blhd : tensor<1x4x?x?xf32>, tensor<1x?x4x64xf16> -> tensor<1x?x4x64xf16>

// f32 layers: the cost model costs their matmuls on the target table's
// bf16 emulation (6 passes) and picks a fold like for bf16 (online: 8 query
// tiles spread over cascade chains beat the full fold's whole rows).
func.func @f32_layer(%q: tensor<1x2x64x64xf32>) -> tensor<1x2x64x64xf32> {
  %o = attn.attention %q, %q, %q : tensor<1x2x64x64xf32>, tensor<1x2x64x64xf32>, tensor<1x2x64x64xf32> -> tensor<1x2x64x64xf32>
  return %o : tensor<1x2x64x64xf32>
}
// AUTO-LABEL: func.func @f32_layer
// AUTO: attn.stage "attention" fold online
