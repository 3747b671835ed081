// Dynamic lengths: the plan's padded lengths are `?` (the program loops over
// ceildiv(L, tile) tiles and masks the tail at run time); tiles are chosen
// from the target alone. Folds that keep whole score rows need a static key
// length (attn-tile-errors.mlir).
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online}, attn-tile)" | FileCheck %s --check-prefix=ONL
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=unfolded}, attn-tile{target=npu1_3col})" | FileCheck %s --check-prefix=UNF
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-fold, attn-tile)" | attn-opt | FileCheck %s --check-prefix=AUTO

func.func @dynamic(%q: tensor<?x12x?x64xbf16>, %k: tensor<?x12x?x64xbf16>, %v: tensor<?x12x?x64xbf16>, %n: tensor<?xi32>) -> tensor<?x12x?x64xbf16> {
  %o = attn.attention %q, %k, %v valid_len(%n : tensor<?xi32>) : tensor<?x12x?x64xbf16>, tensor<?x12x?x64xbf16>, tensor<?x12x?x64xbf16> -> tensor<?x12x?x64xbf16>
  return %o : tensor<?x12x?x64xbf16>
}
// ONL-LABEL: func.func @dynamic
// ONL: plan #attn.plan<target = "npu2", q_tile = 64, kv_tile = 16, head_dim_tile = 64, l2_q_block = 256, l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 8, cores_per_column = 4, mapping = fused, depth = 2, padded_q_len = ?, padded_kv_len = ?, padded_head_dim = 64, padded_value_dim = 64>
// UNF-LABEL: func.func @dynamic
// UNF: attn.stage "qk" fold unfolded plan [[PLAN:#attn.plan<target = "npu1_3col", [^>]*columns = 3, [^>]*padded_q_len = \?, padded_kv_len = \?, padded_head_dim = 64, padded_value_dim = 64>]]
// UNF: attn.stage "softmax" fold unfolded plan [[PLAN]]
// UNF: attn.stage "pv" fold unfolded plan [[PLAN]]
// AUTO-LABEL: func.func @dynamic
// AUTO: attn.stage "attention" fold online plan #attn.plan<{{.*}}padded_q_len = ?, padded_kv_len = ?

// Only the query length dynamic: attn-fold's auto mode cannot run the cost
// model (it needs Lq) and falls back to online; the capacity rule tiles it
// (a forced full fold still plans: attn-tile-capacity.mlir).
func.func @dynamic_queries(%q: tensor<1x4x?x64xbf16>, %k: tensor<1x4x512x64xbf16>, %v: tensor<1x4x512x64xbf16>) -> tensor<1x4x?x64xbf16> {
  %o = attn.attention %q, %k, %v : tensor<1x4x?x64xbf16>, tensor<1x4x512x64xbf16>, tensor<1x4x512x64xbf16> -> tensor<1x4x?x64xbf16>
  return %o : tensor<1x4x?x64xbf16>
}
// AUTO-LABEL: func.func @dynamic_queries
// AUTO: attn.stage "attention" fold online plan #attn.plan<{{.*}}padded_q_len = ?, padded_kv_len = 512,
