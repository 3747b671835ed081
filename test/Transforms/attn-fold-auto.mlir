// mode=auto: full when a full-fold stage has a legal tiling on the target
// (the f32 score rows of the smallest query tile fit L1 next to the other
// buffers), otherwise online.
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-fold)" | FileCheck %s
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=auto target=npu1_1col})" | FileCheck %s
// mode=auto followed by attn-tile always gives a plannable module.
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=auto target=npu2}, attn-tile{target=npu2})" | FileCheck %s --check-prefix=TILED

// 2048 keys: 4 query rows x 2048 x 4 B = 32 KiB of scores fit next to the
// other buffers.
// CHECK-LABEL: func.func @keys_2048
// CHECK: attn.stage "attention" fold full
// CHECK: attn.pv
// TILED-LABEL: func.func @keys_2048
// TILED: attn.stage "attention" fold full plan #attn.plan<target = "npu2", {{.*}}padded_kv_len = 2048
func.func @keys_2048(%q: tensor<1x32x2048x64xbf16>, %k: tensor<1x8x2048x64xbf16>, %v: tensor<1x8x2048x64xbf16>) -> tensor<1x32x2048x64xbf16> {
  %o = attn.attention %q, %k, %v causal top_left : tensor<1x32x2048x64xbf16>, tensor<1x8x2048x64xbf16>, tensor<1x8x2048x64xbf16> -> tensor<1x32x2048x64xbf16>
  return %o : tensor<1x32x2048x64xbf16>
}

// 4096 keys: 64 KiB of score rows alone exceed L1.
// CHECK-LABEL: func.func @keys_4096
// CHECK: attn.stage "attention" fold online
// CHECK: attn.online_softmax_pv
// TILED-LABEL: func.func @keys_4096
// TILED: attn.stage "attention" fold online plan
func.func @keys_4096(%q: tensor<1x32x4096x64xbf16>, %k: tensor<1x8x4096x64xbf16>, %v: tensor<1x8x4096x64xbf16>) -> tensor<1x32x4096x64xbf16> {
  %o = attn.attention %q, %k, %v : tensor<1x32x4096x64xbf16>, tensor<1x8x4096x64xbf16>, tensor<1x8x4096x64xbf16> -> tensor<1x32x4096x64xbf16>
  return %o : tensor<1x32x4096x64xbf16>
}

// A dynamic key length cannot be bounded: online.
// CHECK-LABEL: func.func @dynamic_keys
// CHECK: attn.stage "attention" fold online
// TILED-LABEL: func.func @dynamic_keys
// TILED: attn.stage "attention" fold online plan #attn.plan<{{.*}}padded_q_len = 64, padded_kv_len = ?
func.func @dynamic_keys(%q: tensor<1x4x64x64xbf16>, %k: tensor<1x4x?x64xbf16>, %v: tensor<1x4x?x64xbf16>) -> tensor<1x4x64x64xbf16> {
  %o = attn.attention %q, %k, %v : tensor<1x4x64x64xbf16>, tensor<1x4x?x64xbf16>, tensor<1x4x?x64xbf16> -> tensor<1x4x64x64xbf16>
  return %o : tensor<1x4x64x64xbf16>
}
