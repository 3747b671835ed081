// RUN: attn-opt %s -split-input-file -attn-lower-to-cpu | FileCheck %s
// The output is plain upstream IR: it survives a round trip and no attn op
// is left.
// RUN: attn-opt %s -split-input-file -attn-lower-to-cpu | attn-opt -split-input-file | FileCheck %s --check-prefix=NOATTN
// NOATTN-NOT: attn.

// Level 1, GQA (H = 4, Hkv = 2) in layout blhd with a rank-3 per-head bias.
// The query heads are split into [Hkv, H/Hkv] so every map is a projection;
// Kᵀ is materialised in f32 so the key loop is innermost; hidden scores are
// -inf; the result is written in blhd and the heads merged back.
// CHECK-DAG: #[[KT:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d1, d2)>
// CHECK-DAG: #[[QMAP:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d3, d1, d2, d4)>
// CHECK-DAG: #[[BIAS:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (0, d1, d2, d3, d4)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d3, d1, d2, d4)>
// CHECK-LABEL: func.func @gqa_blhd
// CHECK: %[[B4:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2], [3]] output_shape [1, 4, 5, 6] : tensor<4x5x6xf32> into tensor<1x4x5x6xf32>
// CHECK: %[[SCALE:.*]] = arith.constant 0.353553385 : f32
// CHECK: %[[Q5:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0], [1], [2, 3], [4]] output_shape [2, 5, 2, 2, 8] : tensor<2x5x4x8xf16> into tensor<2x5x2x2x8xf16>
// CHECK: %[[KTV:.*]] = linalg.generic {indexing_maps = [#[[KT]], #{{.*}}], {{.*}}} ins(%{{.*}} : tensor<2x6x2x8xf16>) outs(%{{.*}} : tensor<2x2x8x6xf32>)
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: %[[S:.*]] = linalg.generic {indexing_maps = [#[[QMAP]], #{{.*}}, #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "parallel"]} ins(%[[Q5]], %[[KTV]] : tensor<2x5x2x2x8xf16>, tensor<2x2x8x6xf32>) outs(%{{.*}} : tensor<2x2x2x5x6xf32>)
// CHECK: %[[B5:.*]] = tensor.expand_shape %[[B4]] {{\[}}[0], [1, 2], [3], [4]] output_shape [1, 2, 2, 5, 6]
// CHECK: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[M:.*]] = linalg.generic {indexing_maps = [#[[BIAS]], #{{.*}}], {{.*}}} ins(%[[B5]] : tensor<1x2x2x5x6xf32>) outs(%[[S]] : tensor<2x2x2x5x6xf32>)
// CHECK: arith.mulf %{{.*}}, %[[SCALE]] : f32
// CHECK: arith.addf
// CHECK: %[[ROW:.*]] = arith.addi
// CHECK: %[[COL:.*]] = arith.addi
// CHECK: %[[VIS:.*]] = arith.cmpi ule, %[[COL]], %[[ROW]] : index
// CHECK: arith.select %[[VIS]], %{{.*}}, %[[NEGINF]] : f32
// Row max, exp(s - max) with 0 for fully hidden rows, row sum.
// CHECK: arith.maximumf
// CHECK: arith.cmpf oeq, %{{.*}}, %{{.*}} : f32
// CHECK: math.exp
// CHECK: arith.select
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK: arith.addf
// P·V accumulated in f32, then divided by the row sum (0 where it is 0; a
// NaN sum propagates).
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "parallel"]{{.*}} outs(%{{.*}} : tensor<2x2x2x5x16xf32>)
// CHECK: %[[O5:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #[[OUT]]], {{.*}} outs(%{{.*}} : tensor<2x5x2x2x16xf16>)
// CHECK: arith.cmpf une
// CHECK: arith.divf
// CHECK: arith.truncf %{{.*}} : f32 to f16
// CHECK: %[[O:.*]] = tensor.collapse_shape %[[O5]] {{\[}}[0], [1], [2, 3], [4]] : tensor<2x5x2x2x16xf16> into tensor<2x5x4x16xf16>
// CHECK: return %[[O]]
func.func @gqa_blhd(%q: tensor<2x5x4x8xf16>, %k: tensor<2x6x2x8xf16>, %v: tensor<2x6x2x16xf16>, %b: tensor<4x5x6xf32>) -> tensor<2x5x4x16xf16> {
  %o = attn.attention %q, %k, %v bias(%b : tensor<4x5x6xf32>) causal top_left layout blhd : tensor<2x5x4x8xf16>, tensor<2x6x2x8xf16>, tensor<2x6x2x16xf16> -> tensor<2x5x4x16xf16>
  return %o : tensor<2x5x4x16xf16>
}

// -----

// Dynamic D without a scale: 1/sqrt(D) at run time. bottom_right causal
// compares j + Lq <= i + Lk; valid_len hides keys and zeroes query rows.
// CHECK-LABEL: func.func @dynamic
// CHECK: %[[DI:.*]] = arith.index_cast %{{.*}} : index to i64
// CHECK: %[[DF:.*]] = arith.sitofp %[[DI]] : i64 to f32
// CHECK: math.rsqrt %[[DF]] : f32
// CHECK: ins(%{{.*}}, %{{.*}} : tensor<1x1x?x?xi1>, tensor<1xi32>)
// CHECK: %[[A:.*]] = arith.addi %{{.*}}, %dim{{.*}} : index
// CHECK: %[[B:.*]] = arith.addi %{{.*}}, %dim{{.*}} : index
// CHECK: arith.cmpi ule, %[[B]], %[[A]] : index
// CHECK: arith.andi
// CHECK: %[[VL:.*]] = arith.index_cast %{{.*}} : i32 to index
// CHECK: arith.cmpi slt, %{{.*}}, %[[VL]] : index
// CHECK: arith.select
// CHECK: arith.truncf %{{.*}} : f32 to bf16
func.func @dynamic(%q: tensor<1x2x?x?xbf16>, %k: tensor<1x2x?x?xbf16>, %v: tensor<1x2x?x?xbf16>, %m: tensor<1x1x?x?xi1>, %n: tensor<1xi32>) -> tensor<1x2x?x?xbf16> {
  %o = attn.attention %q, %k, %v mask(%m : tensor<1x1x?x?xi1>) valid_len(%n : tensor<1xi32>) causal bottom_right : tensor<1x2x?x?xbf16>, tensor<1x2x?x?xbf16>, tensor<1x2x?x?xbf16> -> tensor<1x2x?x?xbf16>
  return %o : tensor<1x2x?x?xbf16>
}
