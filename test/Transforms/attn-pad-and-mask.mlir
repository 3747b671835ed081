// RUN: attn-opt %s -split-input-file -attn-pad-and-mask | FileCheck %s
// Idempotent: a second run changes nothing.
// RUN: attn-opt %s -split-input-file -attn-pad-and-mask | attn-opt -split-input-file -attn-pad-and-mask | FileCheck %s

#plan = #attn.plan<target = "npu2", q_tile = 8, kv_tile = 16, head_dim_tile = 48, l2_q_block = 8, l2_kv_block = 16, intrinsic = [4, 8, 8], columns = 1, cores_per_column = 4, mapping = fused, depth = 2, padded_q_len = 8, padded_kv_len = 16, padded_head_dim = 48, padded_value_dim = 48>

// Q, K, V and the boolean mask are padded inside the stage; attn.qk learns
// the real lengths (padded keys -> -inf, causal alignment unchanged); the
// explicit scale is 1/sqrt(40), not 1/sqrt(48); the result is sliced back.
// CHECK-LABEL: func.func @full
// CHECK: attn.stage "attention" fold full plan
// CHECK: %[[Z:.*]] = arith.constant 0.000000e+00 : bf16
// CHECK: %[[Q:.*]] = tensor.pad %{{.*}} low[0, 0, 0, 0] high[0, 0, 1, 8]
// CHECK: tensor.yield %[[Z]] : bf16
// CHECK: } : tensor<1x4x7x40xbf16> to tensor<1x4x8x48xbf16>
// CHECK: %[[K:.*]] = tensor.pad %{{.*}} low[0, 0, 0, 0] high[0, 0, 7, 8]
// CHECK: } : tensor<1x2x9x40xbf16> to tensor<1x2x16x48xbf16>
// CHECK: %[[F:.*]] = arith.constant false
// CHECK: %[[M:.*]] = tensor.pad %{{.*}} low[0, 0, 0, 0] high[0, 0, 1, 7]
// CHECK: tensor.yield %[[F]] : i1
// CHECK: } : tensor<1x1x7x9xi1> to tensor<1x1x8x16xi1>
// CHECK: %[[V:.*]] = tensor.pad %{{.*}} low[0, 0, 0, 0] high[0, 0, 7, 8]
// CHECK: %[[S:.*]] = attn.qk %[[Q]], %[[K]] mask(%[[M]] : tensor<1x1x8x16xi1>) valid_len(%{{.*}} : tensor<1xi32>) causal bottom_right scale 0.15811388300841897 key_len 9 query_len 7 : tensor<1x4x8x48xbf16>, tensor<1x2x16x48xbf16> -> tensor<1x4x8x16xf32>
// CHECK: %[[P:.*]] = attn.softmax %[[S]] : tensor<1x4x8x16xf32> -> tensor<1x4x8x16xf32>
// CHECK: %[[O:.*]] = attn.pv %[[P]], %[[V]] valid_len(%{{.*}} : tensor<1xi32>) : tensor<1x4x8x16xf32>, tensor<1x2x16x48xbf16> -> tensor<1x4x8x48xbf16>
// CHECK: %[[R:.*]] = tensor.extract_slice %[[O]][0, 0, 0, 0] [1, 4, 7, 40] [1, 1, 1, 1] : tensor<1x4x8x48xbf16> to tensor<1x4x7x40xbf16>
// CHECK: attn.yield %[[R]] : tensor<1x4x7x40xbf16>
func.func @full(%q: tensor<1x4x7x40xbf16>, %k: tensor<1x2x9x40xbf16>, %v: tensor<1x2x9x40xbf16>, %m: tensor<1x1x7x9xi1>, %n: tensor<1xi32>) -> tensor<1x4x7x40xbf16> {
  %o = attn.stage "attention" fold full plan #plan ins(%a = %q, %b = %k, %c = %m, %d = %v, %e = %n : tensor<1x4x7x40xbf16>, tensor<1x2x9x40xbf16>, tensor<1x1x7x9xi1>, tensor<1x2x9x40xbf16>, tensor<1xi32>) -> tensor<1x4x7x40xbf16> {
    %s = attn.qk %a, %b mask(%c : tensor<1x1x7x9xi1>) valid_len(%e : tensor<1xi32>) causal bottom_right : tensor<1x4x7x40xbf16>, tensor<1x2x9x40xbf16> -> tensor<1x4x7x9xf32>
    %p = attn.softmax %s : tensor<1x4x7x9xf32> -> tensor<1x4x7x9xf32>
    %r = attn.pv %p, %d valid_len(%e : tensor<1xi32>) : tensor<1x4x7x9xf32>, tensor<1x2x9x40xbf16> -> tensor<1x4x7x40xbf16>
    attn.yield %r : tensor<1x4x7x40xbf16>
  }
  return %o : tensor<1x4x7x40xbf16>
}

// -----

#plan = #attn.plan<target = "npu2", q_tile = 8, kv_tile = 16, head_dim_tile = 40, l2_q_block = 8, l2_kv_block = 16, intrinsic = [4, 8, 8], columns = 1, cores_per_column = 4, mapping = fused, depth = 2, padded_q_len = 8, padded_kv_len = 16, padded_head_dim = 40, padded_value_dim = 40>

// Scores read by softmax / online_softmax_pv are padded with -inf, so padded
// keys get no weight and padded rows are all -inf (zeros, never NaN); an
// additive mask with 0; a bias broadcast over rows only along the keys.
// CHECK-LABEL: func.func @scores_and_online
// CHECK: attn.stage "softmax"
// CHECK: %[[NI:.*]] = arith.constant 0xFF800000 : f32
// CHECK: tensor.pad %{{.*}} low[0, 0, 0, 0] high[0, 0, 1, 7]
// CHECK: tensor.yield %[[NI]] : f32
// CHECK: attn.softmax %{{.*}} : tensor<1x2x8x16xf32> -> tensor<1x2x8x16xf32>
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 0, 0] [1, 2, 7, 9] [1, 1, 1, 1]
// CHECK: attn.stage "attention" fold online
// CHECK: tensor.pad %{{.*}} high[0, 0, 1, 7]
// CHECK: } : tensor<1x1x7x9xf32> to tensor<1x1x8x16xf32>
// CHECK: tensor.pad %{{.*}} high[0, 7]
// CHECK: } : tensor<1x9xf32> to tensor<1x16xf32>
// CHECK: attn.qk {{.*}} key_len 9 query_len 7
// CHECK: attn.online_softmax_pv %{{.*}}, %{{.*}} : tensor<1x2x8x16xf32>, tensor<1x2x16x40xbf16> -> tensor<1x2x8x40xbf16>
func.func @scores_and_online(%s: tensor<1x2x7x9xf32>, %q: tensor<1x2x7x40xbf16>, %k: tensor<1x2x9x40xbf16>, %v: tensor<1x2x9x40xbf16>, %m: tensor<1x1x7x9xf32>, %bias: tensor<1x9xf32>) -> (tensor<1x2x7x9xf32>, tensor<1x2x7x40xbf16>) {
  %p = attn.stage "softmax" fold unfolded plan #plan ins(%a = %s : tensor<1x2x7x9xf32>) -> tensor<1x2x7x9xf32> {
    %0 = attn.softmax %a : tensor<1x2x7x9xf32> -> tensor<1x2x7x9xf32>
    attn.yield %0 : tensor<1x2x7x9xf32>
  }
  %o = attn.stage "attention" fold online plan #plan ins(%a = %q, %b = %k, %c = %m, %d = %bias, %e = %v : tensor<1x2x7x40xbf16>, tensor<1x2x9x40xbf16>, tensor<1x1x7x9xf32>, tensor<1x9xf32>, tensor<1x2x9x40xbf16>) -> tensor<1x2x7x40xbf16> {
    %0 = attn.qk %a, %b mask(%c : tensor<1x1x7x9xf32>) bias(%d : tensor<1x9xf32>) scale 0.125 : tensor<1x2x7x40xbf16>, tensor<1x2x9x40xbf16> -> tensor<1x2x7x9xf32>
    %1 = attn.online_softmax_pv %0, %e : tensor<1x2x7x9xf32>, tensor<1x2x9x40xbf16> -> tensor<1x2x7x40xbf16>
    attn.yield %1 : tensor<1x2x7x40xbf16>
  }
  return %p, %o : tensor<1x2x7x9xf32>, tensor<1x2x7x40xbf16>
}

// -----

// Dynamic lengths (plan `?`) are not padded: the tile loops mask the tail;
// a stage without a plan is left alone.
#plan = #attn.plan<target = "npu2", q_tile = 8, kv_tile = 16, head_dim_tile = 64, l2_q_block = 8, l2_kv_block = 16, intrinsic = [4, 8, 8], columns = 1, cores_per_column = 4, mapping = fused, depth = 2, padded_q_len = ?, padded_kv_len = ?, padded_head_dim = 64, padded_value_dim = 64>
// CHECK-LABEL: func.func @dynamic
// CHECK-NOT: tensor.pad
// CHECK-NOT: tensor.extract_slice
// CHECK: attn.qk %{{.*}}, %{{.*}} valid_len(%{{.*}} : tensor<1xi32>) scale 1.250000e-01 : tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16> -> tensor<1x2x?x?xf32>
// CHECK: attn.stage "softmax" fold unfolded ins(
// CHECK-NOT: tensor.pad
// CHECK: return
func.func @dynamic(%q: tensor<1x2x?x64xbf16>, %k: tensor<1x2x?x64xbf16>, %n: tensor<1xi32>, %s: tensor<1x2x7x9xf32>) -> (tensor<1x2x?x?xf32>, tensor<1x2x7x9xf32>) {
  %0 = attn.stage "qk" fold unfolded plan #plan ins(%a = %q, %b = %k, %c = %n : tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1xi32>) -> tensor<1x2x?x?xf32> {
    %1 = attn.qk %a, %b valid_len(%c : tensor<1xi32>) scale 0.125 : tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16> -> tensor<1x2x?x?xf32>
    attn.yield %1 : tensor<1x2x?x?xf32>
  }
  %2 = attn.stage "softmax" fold unfolded ins(%a = %s : tensor<1x2x7x9xf32>) -> tensor<1x2x7x9xf32> {
    %3 = attn.softmax %a : tensor<1x2x7x9xf32> -> tensor<1x2x7x9xf32>
    attn.yield %3 : tensor<1x2x7x9xf32>
  }
  return %0, %2 : tensor<1x2x?x?xf32>, tensor<1x2x7x9xf32>
}
