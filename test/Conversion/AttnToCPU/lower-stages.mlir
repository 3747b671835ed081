// RUN: attn-opt %s -split-input-file -attn-lower-to-cpu | FileCheck %s

// An attn.qk that only feeds attn.online_softmax_pv in a planned stage is
// fused into the key loop (flash attention: S is never materialised): per
// q_tile rows, kv_tile-key blocks of scores are computed from Q and K slices
// (key_len masks the padded keys) and the running max, sum and accumulator
// are carried in iter_args. The stage itself is inlined.
#plan = #attn.plan<target = "npu2", q_tile = 16, kv_tile = 32, head_dim_tile = 64, l2_q_block = 16, l2_kv_block = 32, intrinsic = [4, 8, 8], columns = 1, cores_per_column = 4, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 96, padded_head_dim = 64, padded_value_dim = 64>
// CHECK-LABEL: func.func @online
// CHECK-NOT: attn.
// CHECK-NOT: tensor<1x2x64x96xf32>
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %c16 iter_args(%[[OI:.*]] = %{{.*}}) -> (tensor<1x2x64x64xbf16>)
// CHECK: %{{.*}}:3 = scf.for %[[J:.*]] = %{{.*}} to %c96 step %c32 iter_args(%[[M:.*]] = %{{.*}}, %[[L:.*]] = %{{.*}}, %[[ACC:.*]] = %{{.*}}) -> (tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x16x64xf32>)
// CHECK: tensor.extract_slice %{{.*}}[0, 0, %[[I]], 0] [1, 2, 16, 64] [1, 1, 1, 1] : tensor<1x2x64x64xbf16> to tensor<1x2x16x64xbf16>
// CHECK: tensor.extract_slice %{{.*}}[0, 0, %[[J]], 0] [1, 2, 32, 64] [1, 1, 1, 1] : tensor<1x2x96x64xbf16> to tensor<1x2x32x64xbf16>
// CHECK: arith.cmpi ult, %{{.*}}, %c90 : index
// Block max, then alpha = exp(m - max(m, blockmax)) (1 where still -inf),
// then the max updated in place.
// CHECK: arith.maximumf
// CHECK: ins(%[[M]], %{{.*}} : tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>)
// CHECK: math.exp
// CHECK: outs(%[[M]] : tensor<1x2x1x16xf32>)
// CHECK: math.exp
// CHECK: outs(%[[L]] : tensor<1x2x1x16xf32>)
// CHECK: outs(%[[ACC]] : tensor<1x2x1x16x64xf32>)
// CHECK: tensor.extract_slice %{{.*}}[0, 0, %[[J]], 0] [1, 2, 32, 64]
// CHECK: scf.yield
// CHECK: arith.divf
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK: tensor.insert_slice %{{.*}} into %[[OI]][0, 0, %[[I]], 0] [1, 2, 16, 64]
// CHECK: return
func.func @online(%q: tensor<1x2x64x64xbf16>, %k: tensor<1x2x96x64xbf16>, %v: tensor<1x2x96x64xbf16>) -> tensor<1x2x64x64xbf16> {
  %o = attn.stage "attention" fold online plan #plan ins(%a = %q, %b = %k, %c = %v : tensor<1x2x64x64xbf16>, tensor<1x2x96x64xbf16>, tensor<1x2x96x64xbf16>) -> tensor<1x2x64x64xbf16> {
    %s = attn.qk %a, %b scale 0.125 key_len 90 : tensor<1x2x64x64xbf16>, tensor<1x2x96x64xbf16> -> tensor<1x2x64x96xf32>
    %r = attn.online_softmax_pv %s, %c : tensor<1x2x64x96xf32>, tensor<1x2x96x64xbf16> -> tensor<1x2x64x64xbf16>
    attn.yield %r : tensor<1x2x64x64xbf16>
  }
  return %o : tensor<1x2x64x64xbf16>
}

// -----

// With S read from DRAM (a stage operand) the blocks are slices of it: a
// q_tile x kv_tile window per step.
#plan = #attn.plan<target = "npu2", q_tile = 16, kv_tile = 32, head_dim_tile = 64, l2_q_block = 16, l2_kv_block = 32, intrinsic = [4, 8, 8], columns = 1, cores_per_column = 4, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 96, padded_head_dim = 64, padded_value_dim = 64>
// CHECK-LABEL: func.func @online_from_scores
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %c16
// CHECK: scf.for %[[J:.*]] = %{{.*}} to %c96 step %c32 iter_args(
// CHECK: %[[ROWS:.*]] = tensor.extract_slice %arg0[0, 0, %[[I]], 0] [1, 2, 16, 96]
// CHECK: tensor.extract_slice %[[ROWS]][0, 0, 0, %[[J]]] [1, 2, 16, 32]
// CHECK: scf.yield
func.func @online_from_scores(%s: tensor<1x2x64x96xbf16>, %v: tensor<1x2x96x64xbf16>) -> tensor<1x2x64x64xbf16> {
  %o = attn.stage "attention" fold online plan #plan ins(%a = %s, %c = %v : tensor<1x2x64x96xbf16>, tensor<1x2x96x64xbf16>) -> tensor<1x2x64x64xbf16> {
    %r = attn.online_softmax_pv %a, %c : tensor<1x2x64x96xbf16>, tensor<1x2x96x64xbf16> -> tensor<1x2x64x64xbf16>
    attn.yield %r : tensor<1x2x64x64xbf16>
  }
  return %o : tensor<1x2x64x64xbf16>
}

// -----

// Lengths that the tiles do not divide (no attn-pad-and-mask): the last
// tile is shorter (min(tile, L - offset)). attn.softmax in a stage: rows in
// q_tile steps, keys past valid_len hidden, rows past it zero; bf16 P.
// attn.pv: q tiles x kv tiles accumulated in f32.
#plan = #attn.plan<target = "npu2", q_tile = 8, kv_tile = 16, head_dim_tile = 64, l2_q_block = 8, l2_kv_block = 16, intrinsic = [4, 8, 8], columns = 1, cores_per_column = 4, mapping = fused, depth = 2, padded_q_len = 24, padded_kv_len = 32, padded_head_dim = 64, padded_value_dim = 64>
// CHECK-LABEL: func.func @softmax_pv
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %c20 step %c8
// CHECK: %[[LEFT:.*]] = arith.subi %c20{{.*}}, %[[I]] : index
// CHECK: %[[N:.*]] = arith.minsi %[[LEFT]], %c8{{.*}} : index
// CHECK: tensor.extract_slice %{{.*}}[0, 0, %[[I]], 0] [1, 2, %[[N]], 30]
// CHECK: arith.cmpi slt
// CHECK: math.exp
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK: scf.for %{{.*}} = %{{.*}} to %c20{{.*}} step %c8
// CHECK: scf.for %{{.*}} = %{{.*}} to %c30 step %c16
// CHECK: arith.extf %{{.*}} : bf16 to f32
// CHECK: scf.yield
// CHECK: scf.yield
// CHECK-NOT: attn.
func.func @softmax_pv(%s: tensor<1x2x20x30xf32>, %v: tensor<1x2x30x64xbf16>, %n: tensor<1xi32>) -> tensor<1x2x20x64xbf16> {
  %o = attn.stage "attention" fold full plan #plan ins(%a = %s, %b = %v, %c = %n : tensor<1x2x20x30xf32>, tensor<1x2x30x64xbf16>, tensor<1xi32>) -> tensor<1x2x20x64xbf16> {
    %p = attn.softmax %a valid_len(%c : tensor<1xi32>) : tensor<1x2x20x30xf32> -> tensor<1x2x20x30xbf16>
    %r = attn.pv %p, %b valid_len(%c : tensor<1xi32>) : tensor<1x2x20x30xbf16>, tensor<1x2x30x64xbf16> -> tensor<1x2x20x64xbf16>
    attn.yield %r : tensor<1x2x20x64xbf16>
  }
  return %o : tensor<1x2x20x64xbf16>
}

// -----

// Stage ops outside a stage (or in a stage without a plan) run untiled.
// CHECK-LABEL: func.func @untiled
// CHECK-NOT: scf.for
// CHECK: return
func.func @untiled(%q: tensor<1x2x20x64xf32>, %k: tensor<1x2x30x64xf32>) -> tensor<1x2x20x30xf16> {
  %s = attn.qk %q, %k causal top_left : tensor<1x2x20x64xf32>, tensor<1x2x30x64xf32> -> tensor<1x2x20x30xf16>
  return %s : tensor<1x2x20x30xf16>
}

// -----

// fold full: attn.qk -> attn.softmax -> attn.pv in one stage run row tile by
// row tile: the whole score rows of q_tile queries are built from kv_tile
// key tiles, normalised (valid_len hides keys, zeroes rows), then multiplied
// with V kv_tile keys at a time. No full [B,H,Lq,Lk] S or P exists.
#plan = #attn.plan<target = "npu2", q_tile = 16, kv_tile = 32, head_dim_tile = 64, l2_q_block = 16, l2_kv_block = 32, intrinsic = [4, 8, 8], columns = 1, cores_per_column = 4, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 96, padded_head_dim = 64, padded_value_dim = 64>
// CHECK-LABEL: func.func @full_rows
// CHECK-NOT: tensor<1x4x64x96xf32>
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %c16 iter_args(%[[OI:.*]] = %{{.*}}) -> (tensor<1x64x4x64xbf16>)
// CHECK: scf.for %[[J:.*]] = %{{.*}} to %c96{{.*}} step %c32 iter_args(%[[R:.*]] = %{{.*}}) -> (tensor<1x2x2x16x96xf32>)
// CHECK: tensor.insert_slice %{{.*}} into %[[R]][0, 0, 0, 0, %[[J]]] [1, 2, 2, 16, 32]
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: scf.for %[[J2:.*]] = %{{.*}} to %c96{{.*}} step %c32{{.*}} iter_args(%{{.*}} = %{{.*}}) -> (tensor<1x2x2x16x64xf32>)
// CHECK: tensor.extract_slice %{{.*}}[0, %[[J2]], 0, 0] [1, 32, 2, 64]
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 0, 0, %[[J2]]] [1, 2, 2, 16, 32]
// CHECK: tensor.insert_slice %{{.*}} into %[[OI]][0, %[[I]], 0, 0] [1, 16, 4, 64]
func.func @full_rows(%q: tensor<1x64x4x64xbf16>, %k: tensor<1x96x2x64xbf16>, %v: tensor<1x96x2x64xbf16>, %n: tensor<1xi32>) -> tensor<1x64x4x64xbf16> {
  %o = attn.stage "attention" fold full plan #plan ins(%a = %q, %b = %k, %c = %v, %d = %n : tensor<1x64x4x64xbf16>, tensor<1x96x2x64xbf16>, tensor<1x96x2x64xbf16>, tensor<1xi32>) -> tensor<1x64x4x64xbf16> {
    %s = attn.qk %a, %b valid_len(%d : tensor<1xi32>) scale 0.125 layout blhd : tensor<1x64x4x64xbf16>, tensor<1x96x2x64xbf16> -> tensor<1x4x64x96xf32>
    %p = attn.softmax %s : tensor<1x4x64x96xf32> -> tensor<1x4x64x96xf32>
    %r = attn.pv %p, %c valid_len(%d : tensor<1xi32>) layout blhd : tensor<1x4x64x96xf32>, tensor<1x96x2x64xbf16> -> tensor<1x64x4x64xbf16>
    attn.yield %r : tensor<1x64x4x64xbf16>
  }
  return %o : tensor<1x64x4x64xbf16>
}
