// attn-fold + attn-tile + attn-pad-and-mask on a layer with odd lengths:
// Lq = 7 -> 8, Lk = 9 -> 16 (npu2 bf16 granules). Every unfolded stage pads
// what it reads and slices what it writes; S and P cross DRAM unpadded.
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=unfolded},attn-tile,attn-pad-and-mask)" | FileCheck %s

// CHECK-LABEL: func.func @odd
// CHECK: attn.stage "qk" fold unfolded plan
// CHECK: attn.qk {{.*}} causal bottom_right scale {{.*}} key_len 9 query_len 7 : tensor<1x4x8x40xbf16>, tensor<1x2x16x40xbf16> -> tensor<1x4x8x16xf32>
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 0, 0] [1, 4, 7, 9] [1, 1, 1, 1] : tensor<1x4x8x16xf32> to tensor<1x4x7x9xf32>
// CHECK: attn.stage "softmax" fold unfolded plan
// CHECK: tensor.pad %{{.*}} low[0, 0, 0, 0] high[0, 0, 1, 7]
// CHECK: tensor.yield %{{.*}} : f32
// CHECK: attn.softmax %{{.*}} : tensor<1x4x8x16xf32> -> tensor<1x4x8x16xf32>
// CHECK: attn.stage "pv" fold unfolded plan
// CHECK: attn.pv %{{.*}}, %{{.*}} valid_len(%{{.*}} : tensor<1xi32>) : tensor<1x4x8x16xf32>, tensor<1x2x16x40xbf16> -> tensor<1x4x8x40xbf16>
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 0, 0] [1, 4, 7, 40] [1, 1, 1, 1] : tensor<1x4x8x40xbf16> to tensor<1x4x7x40xbf16>
func.func @odd(%q: tensor<1x4x7x40xbf16>, %k: tensor<1x2x9x40xbf16>, %v: tensor<1x2x9x40xbf16>, %n: tensor<1xi32>) -> tensor<1x4x7x40xbf16> {
  %o = attn.attention %q, %k, %v valid_len(%n : tensor<1xi32>) causal bottom_right : tensor<1x4x7x40xbf16>, tensor<1x2x9x40xbf16>, tensor<1x2x9x40xbf16> -> tensor<1x4x7x40xbf16>
  return %o : tensor<1x4x7x40xbf16>
}
