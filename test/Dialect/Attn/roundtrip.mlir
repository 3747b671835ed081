// RUN: attn-opt %s | attn-opt | FileCheck %s
// RUN: attn-opt %s --mlir-print-op-generic | attn-opt | FileCheck %s

// CHECK-LABEL: func.func @mha
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} : tensor<1x12x128x64xbf16>, tensor<1x12x128x64xbf16>, tensor<1x12x128x64xbf16> -> tensor<1x12x128x64xbf16>
func.func @mha(%q: tensor<1x12x128x64xbf16>, %k: tensor<1x12x128x64xbf16>, %v: tensor<1x12x128x64xbf16>) -> tensor<1x12x128x64xbf16> {
  %o = attn.attention %q, %k, %v : tensor<1x12x128x64xbf16>, tensor<1x12x128x64xbf16>, tensor<1x12x128x64xbf16> -> tensor<1x12x128x64xbf16>
  return %o : tensor<1x12x128x64xbf16>
}

// Default-valued attributes are not printed; explicit ones are.
// CHECK-LABEL: func.func @gqa_causal
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} causal bottom_right scale 1.250000e-01 : tensor<2x32x?x64xf16>, tensor<2x8x?x64xf16>, tensor<2x8x?x64xf16> -> tensor<2x32x?x64xf16>
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} causal top_left : tensor<2x32x?x64xf16>
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x32x?x64xf16>
func.func @gqa_causal(%q: tensor<2x32x?x64xf16>, %k: tensor<2x8x?x64xf16>, %v: tensor<2x8x?x64xf16>) -> (tensor<2x32x?x64xf16>, tensor<2x32x?x64xf16>, tensor<2x32x?x64xf16>) {
  %a = attn.attention %q, %k, %v causal bottom_right scale 0.125 : tensor<2x32x?x64xf16>, tensor<2x8x?x64xf16>, tensor<2x8x?x64xf16> -> tensor<2x32x?x64xf16>
  %b = attn.attention %q, %k, %v causal top_left : tensor<2x32x?x64xf16>, tensor<2x8x?x64xf16>, tensor<2x8x?x64xf16> -> tensor<2x32x?x64xf16>
  %c = attn.attention %q, %k, %v causal none layout bhld : tensor<2x32x?x64xf16>, tensor<2x8x?x64xf16>, tensor<2x8x?x64xf16> -> tensor<2x32x?x64xf16>
  return %a, %b, %c : tensor<2x32x?x64xf16>, tensor<2x32x?x64xf16>, tensor<2x32x?x64xf16>
}

// MQA with a boolean keep-mask broadcast over batch and heads, a bias and
// runtime valid lengths; Dv differs from D.
// CHECK-LABEL: func.func @mqa_masked
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} mask(%{{.*}} : tensor<1x1x197x197xi1>) bias(%{{.*}} : tensor<12x197x197xf32>) valid_len(%{{.*}} : tensor<2xi32>) : tensor<2x12x197x80xf32>, tensor<2x1x197x80xf32>, tensor<2x1x197x40xf32> -> tensor<2x12x197x40xf32>
func.func @mqa_masked(%q: tensor<2x12x197x80xf32>, %k: tensor<2x1x197x80xf32>, %v: tensor<2x1x197x40xf32>,
                      %m: tensor<1x1x197x197xi1>, %b: tensor<12x197x197xf32>, %n: tensor<2xi32>) -> tensor<2x12x197x40xf32> {
  %o = attn.attention %q, %k, %v mask(%m : tensor<1x1x197x197xi1>) bias(%b : tensor<12x197x197xf32>) valid_len(%n : tensor<2xi32>)
       : tensor<2x12x197x80xf32>, tensor<2x1x197x80xf32>, tensor<2x1x197x40xf32> -> tensor<2x12x197x40xf32>
  return %o : tensor<2x12x197x40xf32>
}

// Additive mask of rank 2 ([Lq, Lk]) and the blhd layout.
// CHECK-LABEL: func.func @blhd_additive
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} mask(%{{.*}} : tensor<7x9xbf16>) layout blhd : tensor<1x7x4x64xbf16>, tensor<1x9x2x64xbf16>, tensor<1x9x2x64xbf16> -> tensor<1x7x4x64xbf16>
func.func @blhd_additive(%q: tensor<1x7x4x64xbf16>, %k: tensor<1x9x2x64xbf16>, %v: tensor<1x9x2x64xbf16>, %m: tensor<7x9xbf16>) -> tensor<1x7x4x64xbf16> {
  %o = attn.attention %q, %k, %v mask(%m : tensor<7x9xbf16>) layout blhd : tensor<1x7x4x64xbf16>, tensor<1x9x2x64xbf16>, tensor<1x9x2x64xbf16> -> tensor<1x7x4x64xbf16>
  return %o : tensor<1x7x4x64xbf16>
}

// Fully dynamic shapes are accepted; relations are checked where static.
// CHECK-LABEL: func.func @dynamic
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} valid_len(%{{.*}} : tensor<?xi32>) scale 1.000000e+00 : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32> -> tensor<?x?x?x?xf32>
func.func @dynamic(%q: tensor<?x?x?x?xf32>, %k: tensor<?x?x?x?xf32>, %v: tensor<?x?x?x?xf32>, %n: tensor<?xi32>) -> tensor<?x?x?x?xf32> {
  %o = attn.attention %q, %k, %v valid_len(%n : tensor<?xi32>) scale 1.0 : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32> -> tensor<?x?x?x?xf32>
  return %o : tensor<?x?x?x?xf32>
}
