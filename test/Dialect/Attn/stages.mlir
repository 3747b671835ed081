// RUN: attn-opt %s | attn-opt | FileCheck %s
// RUN: attn-opt %s --mlir-print-op-generic | attn-opt | FileCheck %s

// Stage-internal ops outside a stage, every optional part spelled out.
// CHECK-LABEL: func.func @ops
// CHECK: attn.qk %{{.*}}, %{{.*}} mask(%{{.*}} : tensor<1x1x128x128xi1>) bias(%{{.*}} : tensor<8x128x128xf32>) valid_len(%{{.*}} : tensor<2xi32>) causal bottom_right scale 1.250000e-01 key_len 100 query_len 90 : tensor<2x8x128x64xbf16>, tensor<2x2x128x64xbf16> -> tensor<2x8x128x128xf32>
// CHECK: attn.softmax %{{.*}} valid_len(%{{.*}} : tensor<2xi32>) : tensor<2x8x128x128xf32> -> tensor<2x8x128x128xbf16>
// CHECK: attn.pv %{{.*}}, %{{.*}} valid_len(%{{.*}} : tensor<2xi32>) : tensor<2x8x128x128xbf16>, tensor<2x2x128x32xbf16> -> tensor<2x8x128x32xbf16>
// CHECK: attn.online_softmax_pv %{{.*}}, %{{.*}} : tensor<2x8x128x128xf32>, tensor<2x2x128x32xbf16> -> tensor<2x8x128x32xbf16>
func.func @ops(%q: tensor<2x8x128x64xbf16>, %k: tensor<2x2x128x64xbf16>, %v: tensor<2x2x128x32xbf16>,
               %m: tensor<1x1x128x128xi1>, %b: tensor<8x128x128xf32>, %n: tensor<2xi32>)
    -> (tensor<2x8x128x32xbf16>, tensor<2x8x128x32xbf16>) {
  %s = attn.qk %q, %k mask(%m : tensor<1x1x128x128xi1>) bias(%b : tensor<8x128x128xf32>) valid_len(%n : tensor<2xi32>)
         causal bottom_right scale 0.125 key_len 100 query_len 90
         : tensor<2x8x128x64xbf16>, tensor<2x2x128x64xbf16> -> tensor<2x8x128x128xf32>
  %p = attn.softmax %s valid_len(%n : tensor<2xi32>) : tensor<2x8x128x128xf32> -> tensor<2x8x128x128xbf16>
  %o = attn.pv %p, %v valid_len(%n : tensor<2xi32>) : tensor<2x8x128x128xbf16>, tensor<2x2x128x32xbf16> -> tensor<2x8x128x32xbf16>
  %o2 = attn.online_softmax_pv %s, %v : tensor<2x8x128x128xf32>, tensor<2x2x128x32xbf16> -> tensor<2x8x128x32xbf16>
  return %o, %o2 : tensor<2x8x128x32xbf16>, tensor<2x8x128x32xbf16>
}

// blhd layout: Q/K/V/O swap L and H, S/P stay [B, H, Lq, Lk]; dynamic sizes.
// CHECK-LABEL: func.func @blhd_dynamic
// CHECK: attn.qk %{{.*}}, %{{.*}} layout blhd : tensor<1x?x4x64xf16>, tensor<1x?x4x64xf16> -> tensor<1x4x?x?xf16>
// CHECK: attn.online_softmax_pv %{{.*}}, %{{.*}} layout blhd : tensor<1x4x?x?xf16>, tensor<1x?x4x64xf16> -> tensor<1x?x4x64xf16>
func.func @blhd_dynamic(%q: tensor<1x?x4x64xf16>, %k: tensor<1x?x4x64xf16>, %v: tensor<1x?x4x64xf16>) -> tensor<1x?x4x64xf16> {
  %s = attn.qk %q, %k layout blhd : tensor<1x?x4x64xf16>, tensor<1x?x4x64xf16> -> tensor<1x4x?x?xf16>
  %o = attn.online_softmax_pv %s, %v layout blhd : tensor<1x4x?x?xf16>, tensor<1x?x4x64xf16> -> tensor<1x?x4x64xf16>
  return %o : tensor<1x?x4x64xf16>
}

// An unfolded layer: three stages, S and P through DRAM.
// CHECK-LABEL: func.func @unfolded
// CHECK: %[[S:.*]] = attn.stage "qk" fold unfolded ins(%[[A:.*]] = %{{.*}}, %[[B:.*]] = %{{.*}} : tensor<1x12x128x64xbf16>, tensor<1x12x128x64xbf16>) -> tensor<1x12x128x128xf32> {
// CHECK-NEXT: %[[X:.*]] = attn.qk %[[A]], %[[B]] scale 1.250000e-01
// CHECK-NEXT: attn.yield %[[X]] : tensor<1x12x128x128xf32>
// CHECK-NEXT: }
// CHECK: attn.stage "softmax" fold unfolded ins(%{{.*}} = %[[S]] : tensor<1x12x128x128xf32>) -> tensor<1x12x128x128xf32>
// CHECK: attn.stage "pv" fold unfolded ins(
func.func @unfolded(%q: tensor<1x12x128x64xbf16>, %k: tensor<1x12x128x64xbf16>, %v: tensor<1x12x128x64xbf16>) -> tensor<1x12x128x64xbf16> {
  %s = attn.stage "qk" fold unfolded ins(%a = %q, %b = %k : tensor<1x12x128x64xbf16>, tensor<1x12x128x64xbf16>) -> tensor<1x12x128x128xf32> {
    %0 = attn.qk %a, %b scale 0.125 : tensor<1x12x128x64xbf16>, tensor<1x12x128x64xbf16> -> tensor<1x12x128x128xf32>
    attn.yield %0 : tensor<1x12x128x128xf32>
  }
  %p = attn.stage "softmax" fold unfolded ins(%a = %s : tensor<1x12x128x128xf32>) -> tensor<1x12x128x128xf32> {
    %0 = attn.softmax %a : tensor<1x12x128x128xf32> -> tensor<1x12x128x128xf32>
    attn.yield %0 : tensor<1x12x128x128xf32>
  }
  %o = attn.stage "pv" fold unfolded ins(%a = %p, %b = %v : tensor<1x12x128x128xf32>, tensor<1x12x128x64xbf16>) -> tensor<1x12x128x64xbf16> {
    %0 = attn.pv %a, %b : tensor<1x12x128x128xf32>, tensor<1x12x128x64xbf16> -> tensor<1x12x128x64xbf16>
    attn.yield %0 : tensor<1x12x128x64xbf16>
  }
  return %o : tensor<1x12x128x64xbf16>
}

// A planned online stage with dynamic lengths, extra attributes and two
// results.
// CHECK-LABEL: func.func @online_plan
// CHECK: attn.stage "attention" fold online plan #attn.plan<target = "npu2", q_tile = 64, kv_tile = 64, head_dim_tile = 64, l2_q_block = 256, l2_kv_block = 256, intrinsic = [4, 8, 8], columns = 4, cores_per_column = 4, mapping = stream, depth = 2, padded_q_len = ?, padded_kv_len = ?, padded_head_dim = 64, padded_value_dim = 64> ins(
// CHECK-SAME: -> (tensor<1x8x?x64xbf16>, tensor<1x8x?x?xf32>) attributes {note = "x"} {
func.func @online_plan(%q: tensor<1x8x?x64xbf16>, %k: tensor<1x8x?x64xbf16>, %v: tensor<1x8x?x64xbf16>, %n: tensor<1xi32>)
    -> (tensor<1x8x?x64xbf16>, tensor<1x8x?x?xf32>) {
  %o:2 = attn.stage "attention" fold online
      plan #attn.plan<target = "npu2", q_tile = 64, kv_tile = 64, head_dim_tile = 64, l2_q_block = 256,
                      l2_kv_block = 256, intrinsic = [4, 8, 8], columns = 4, cores_per_column = 4,
                      mapping = stream, depth = 2, padded_q_len = ?, padded_kv_len = ?, padded_head_dim = 64,
                      padded_value_dim = 64>
      ins(%a = %q, %b = %k, %c = %v, %d = %n : tensor<1x8x?x64xbf16>, tensor<1x8x?x64xbf16>, tensor<1x8x?x64xbf16>, tensor<1xi32>)
      -> (tensor<1x8x?x64xbf16>, tensor<1x8x?x?xf32>) attributes {note = "x"} {
    %s = attn.qk %a, %b valid_len(%d : tensor<1xi32>) : tensor<1x8x?x64xbf16>, tensor<1x8x?x64xbf16> -> tensor<1x8x?x?xf32>
    %r = attn.online_softmax_pv %s, %c valid_len(%d : tensor<1xi32>) : tensor<1x8x?x?xf32>, tensor<1x8x?x64xbf16> -> tensor<1x8x?x64xbf16>
    attn.yield %r, %s : tensor<1x8x?x64xbf16>, tensor<1x8x?x?xf32>
  }
  return %o#0, %o#1 : tensor<1x8x?x64xbf16>, tensor<1x8x?x?xf32>
}

// The plan's fields may come in any order; a static padded length may
// exceed the op length (a bucket).
// CHECK-LABEL: func.func @partial_plan
// CHECK: attn.stage "qk_softmax" fold partial plan #attn.plan<target = "npu1", q_tile = 32, kv_tile = 64, head_dim_tile = 64, l2_q_block = 128, l2_kv_block = 128, intrinsic = [4, 8, 4], columns = 1, cores_per_column = 2, mapping = fused, depth = 1, padded_q_len = 128, padded_kv_len = 256, padded_head_dim = 64, padded_value_dim = 64>
// CHECK: attn.stage "pv" fold partial
func.func @partial_plan(%q: tensor<1x2x100x64xf32>, %k: tensor<1x2x200x64xf32>, %v: tensor<1x2x200x64xf32>) -> tensor<1x2x100x64xf32> {
  %p = attn.stage "qk_softmax" fold partial
      plan #attn.plan<q_tile = 32, target = "npu1", kv_tile = 64, head_dim_tile = 64, l2_q_block = 128,
                      l2_kv_block = 128, intrinsic = [4, 8, 4], columns = 1, cores_per_column = 2,
                      mapping = fused, depth = 1, padded_q_len = 128, padded_kv_len = 256, padded_head_dim = 64,
                      padded_value_dim = 64>
      ins(%a = %q, %b = %k : tensor<1x2x100x64xf32>, tensor<1x2x200x64xf32>) -> tensor<1x2x100x200xbf16> {
    %s = attn.qk %a, %b causal top_left : tensor<1x2x100x64xf32>, tensor<1x2x200x64xf32> -> tensor<1x2x100x200xf32>
    %0 = attn.softmax %s : tensor<1x2x100x200xf32> -> tensor<1x2x100x200xbf16>
    attn.yield %0 : tensor<1x2x100x200xbf16>
  }
  %o = attn.stage "pv" fold partial ins(%a = %p, %b = %v : tensor<1x2x100x200xbf16>, tensor<1x2x200x64xf32>) -> tensor<1x2x100x64xf32> {
    %0 = attn.pv %a, %b : tensor<1x2x100x200xbf16>, tensor<1x2x200x64xf32> -> tensor<1x2x100x64xf32>
    attn.yield %0 : tensor<1x2x100x64xf32>
  }
  return %o : tensor<1x2x100x64xf32>
}

// The fold attribute on its own.
// CHECK-LABEL: func.func @fold_attr
// CHECK: test.fold = #attn.fold<full>
func.func @fold_attr() attributes {test.fold = #attn.fold<full>} {
  return
}
