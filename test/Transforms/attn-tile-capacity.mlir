// Layers the cost model cannot size (a dynamic length, or hand-written
// stages that are not a whole fold) get the capacity rule: the largest
// tiles whose buffers (cost::stageBuffers, the accounting the model also
// uses) fit L1, padding least.
// RUN: attn-opt %s -split-input-file --pass-pipeline="builtin.module(attn-fold{mode=full}, attn-tile)" | FileCheck %s
// The capacity rule plans no stream pipeline the model and the back end do
// not have (mapping=stream exists for the online fold only).
// RUN: not attn-opt %s -split-input-file --pass-pipeline="builtin.module(attn-fold{mode=full}, attn-tile{mapping=stream})" 2>&1 | FileCheck %s --check-prefix=STREAM
// STREAM: error: attn-tile: mapping=stream is outside the compiler's space for fold 'full': only the online fold runs as a QK | softmax | PV pipeline

// Dynamic Lq, 512 keys: whole f32 score rows of the query tile must fit.
// The fused full-fold core is sized by the back end's stage layout (K and V
// share one step FIFO when D == Dv; copy-free kernels, no score tile):
//   2x(Qx64x2) q + 2x(Kx64x2) k/v + 2x(Qx64x2) o + Q x 512 x 4 rows
//   + Qx64x4 acc
// 16 x 64: 4096 + 16384 + 4096 + 32768 + 4096 = 61440 B fits and has the
// largest q_tile * kv_tile among the pairs that fit (8 x 128 ties on area,
// the larger q wins; 32 x 32 needs 8192 + 8192 + 8192 + 65536 B).
// CHECK-LABEL: func.func @dynamic_queries
// CHECK: attn.stage "attention" fold full plan #attn.plan<target = "npu2", q_tile = 16, kv_tile = 64, head_dim_tile = 64, l2_q_block = 64, l2_kv_block = 256, intrinsic = [4, 8, 8], columns = 8, cores_per_column = 4, mapping = fused, depth = 2, padded_q_len = ?, padded_kv_len = 512, padded_head_dim = 64, padded_value_dim = 64>
func.func @dynamic_queries(%q: tensor<1x4x?x64xbf16>, %k: tensor<1x4x512x64xbf16>, %v: tensor<1x4x512x64xbf16>) -> tensor<1x4x?x64xbf16> {
  %o = attn.attention %q, %k, %v : tensor<1x4x?x64xbf16>, tensor<1x4x512x64xbf16>, tensor<1x4x512x64xbf16> -> tensor<1x4x?x64xbf16>
  return %o : tensor<1x4x?x64xbf16>
}

// -----

// A lone pv stage (no qk in the layer): D is mirrored from Dv; P crosses
// DRAM in bf16 (2 bytes per element).
//   64 x 32: 2x(64x32x2) P + 2x(32x64x2) V + 2x(64x64x2) O + 64x64x4 acc
//            = 49152 B fits; 64 x 64 needs 65536 B, 128 x 32 90112 B;
// 32 x 64 (40960 B) ties on area, the larger q_tile wins. Two heads of two
// query tiles fill the 4 lanes of one column.
// CHECK-LABEL: func.func @lone_pv
// CHECK: attn.stage "pv" fold unfolded plan #attn.plan<target = "npu2", q_tile = 64, kv_tile = 32, head_dim_tile = 64, l2_q_block = 256, l2_kv_block = 128, intrinsic = [4, 8, 8], columns = 1, cores_per_column = 4, mapping = fused, depth = 2, padded_q_len = 128, padded_kv_len = 256, padded_head_dim = 64, padded_value_dim = 64>
func.func @lone_pv(%p: tensor<1x2x128x256xbf16>, %v: tensor<1x2x256x64xbf16>) -> tensor<1x2x128x64xbf16> {
  %o = attn.stage "pv" fold unfolded ins(%a = %p, %b = %v : tensor<1x2x128x256xbf16>, tensor<1x2x256x64xbf16>) -> tensor<1x2x128x64xbf16> {
    %0 = attn.pv %a, %b : tensor<1x2x128x256xbf16>, tensor<1x2x256x64xbf16> -> tensor<1x2x128x64xbf16>
    attn.yield %0 : tensor<1x2x128x64xbf16>
  }
  return %o : tensor<1x2x128x64xbf16>
}
