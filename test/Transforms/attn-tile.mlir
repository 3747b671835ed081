// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online}, attn-tile)" | FileCheck %s --check-prefix=ONL
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=unfolded}, attn-tile{target=npu1})" | FileCheck %s --check-prefix=UNF
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online}, attn-tile{mapping=stream})" | FileCheck %s --check-prefix=STREAM
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=partial intermediate-type=bf16}, attn-tile{target=npu2_2col mapping=stream})" 2>&1 | FileCheck %s --check-prefix=PART
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online}, attn-tile{target=npu1_2col q-tile=32 kv-tile=16 l2-q-block=64 l2-kv-block=16 columns=2 cores-per-column=2 depth=1})" | FileCheck %s --check-prefix=EXPL
// The plans verify against the stages and round-trip.
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=full}, attn-tile)" | attn-opt | FileCheck %s --check-prefix=FULL

// Llama-3.2-1B prefill shape (GQA 32/8, D = 64, L = 2048).
func.func @llama(%q: tensor<1x32x2048x64xbf16>, %k: tensor<1x8x2048x64xbf16>, %v: tensor<1x8x2048x64xbf16>) -> tensor<1x32x2048x64xbf16> {
  %o = attn.attention %q, %k, %v causal top_left : tensor<1x32x2048x64xbf16>, tensor<1x8x2048x64xbf16>, tensor<1x8x2048x64xbf16> -> tensor<1x32x2048x64xbf16>
  return %o : tensor<1x32x2048x64xbf16>
}
// Static layers get the cost model's fastest plan of their fold
// (attn.dse.explore(space="attn-tile") returns the same; test_dse_integration.py).
// Online on npu2 (bf16 intrinsic 4x8x8): 16 x 64 tiles, two query tiles per
// lane against each K/V stream (l2_q_block = 4 lanes x 16 x 2: two running
// states and accumulators per core; the K/V stream of a round serves both);
// larger tiles also fit, but the model finds these fastest (small query
// tiles balance the causal rounds). 2048 divides by both: no padding.
// ONL-LABEL: func.func @llama
// ONL: attn.stage "attention" fold online plan #attn.plan<target = "npu2", q_tile = 16, kv_tile = 64, head_dim_tile = 64, l2_q_block = 128, l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 8, cores_per_column = 4, mapping = fused, depth = 2, padded_q_len = 2048, padded_kv_len = 2048, padded_head_dim = 64, padded_value_dim = 64> ins(
// The three unfolded stages share one plan (S and P are laid out in its tiles).
// UNF-LABEL: func.func @llama
// UNF: attn.stage "qk" fold unfolded plan [[PLAN:#attn.plan<target = "npu1", [^>]*intrinsic = \[4, 8, 4\][^>]*mapping = fused[^>]*>]] ins(
// UNF: attn.stage "softmax" fold unfolded plan [[PLAN]] ins(
// UNF: attn.stage "pv" fold unfolded plan [[PLAN]] ins(
// Stream: QK | softmax | PV pipelines of 3 cores; per-core footprints are
// smaller, so the tiles grow.
// STREAM-LABEL: func.func @llama
// STREAM: attn.stage "attention" fold online plan #attn.plan<target = "npu2", q_tile = {{[0-9]+}}, kv_tile = {{[0-9]+}}, head_dim_tile = 64, l2_q_block = {{[0-9]+}}, l2_kv_block = {{[0-9]+}}, intrinsic = [4, 8, 8], columns = 8, cores_per_column = 3, mapping = stream, depth = 2,
// EXPL-LABEL: func.func @llama
// EXPL: attn.stage "attention" fold online plan #attn.plan<target = "npu1_2col", q_tile = 32, kv_tile = 16, head_dim_tile = 64, l2_q_block = 64, l2_kv_block = 16, intrinsic = [4, 8, 4], columns = 2, cores_per_column = 2, mapping = fused, depth = 1, padded_q_len = 2048, padded_kv_len = 2048, padded_head_dim = 64, padded_value_dim = 64>
// A forced full fold holds 2048-key score rows: no tile of 16 rows or more
// fits, so the search widens to the intrinsic granule (4 x 2048 x 4 B rows).
// FULL-LABEL: func.func @llama
// FULL: attn.stage "attention" fold full plan #attn.plan<target = "npu2", q_tile = 4, {{.*}}padded_kv_len = 2048

// Lengths and head dims that divide nothing: padded to the tiles; D and Dv
// differ (head_dim_tile = gcd of the padded dims).
func.func @odd(%q: tensor<1x2x100x80xbf16>, %k: tensor<1x2x200x80xbf16>, %v: tensor<1x2x200x40xbf16>) -> tensor<1x2x100x40xbf16> {
  %o = attn.attention %q, %k, %v : tensor<1x2x100x80xbf16>, tensor<1x2x200x80xbf16>, tensor<1x2x200x40xbf16> -> tensor<1x2x100x40xbf16>
  return %o : tensor<1x2x100x40xbf16>
}
// The model weighs padding against the number of query tiles: 16 x 40
// (Lq padded to 112, Lk = 5 x 40 exactly) beats the exact 20 x 40. Seven
// query tiles of 2 heads (14 items) on 16 lanes: cascade chains of 2 cores
// (kv_split = 2) on all eight columns of four cores, each core half the keys.
// ONL-LABEL: func.func @odd
// ONL: plan #attn.plan<target = "npu2", q_tile = 16, kv_tile = 40, head_dim_tile = 40, l2_q_block = 32, l2_kv_block = 40, intrinsic = [4, 8, 8], columns = 8, cores_per_column = 4, mapping = fused, kv_split = 2, depth = 2, padded_q_len = 112, padded_kv_len = 200, padded_head_dim = 80, padded_value_dim = 40>
// Stream pipelines exist for the online fold only (the AIE back end emits
// QK | softmax | PV cores); a partial fold cannot ask for them.
// PART: attn-tile: fixed field 'mapping' 'stream' is outside the compiler's space for fold 'partial': only the online fold runs as a QK | softmax | PV pipeline

// A hand-written stage with a plan gets a new one.
func.func @replan(%q: tensor<1x2x64x64xbf16>, %k: tensor<1x2x64x64xbf16>) -> tensor<1x2x64x64xf32> {
  %s = attn.stage "qk" fold unfolded
      plan #attn.plan<target = "npu1", q_tile = 4, kv_tile = 8, head_dim_tile = 64, l2_q_block = 4, l2_kv_block = 8,
                      intrinsic = [4, 8, 4], columns = 1, cores_per_column = 1, mapping = fused, depth = 1,
                      padded_q_len = 64, padded_kv_len = 64, padded_head_dim = 64, padded_value_dim = 64>
      ins(%a = %q, %b = %k : tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>) -> tensor<1x2x64x64xf32> {
    %0 = attn.qk %a, %b : tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16> -> tensor<1x2x64x64xf32>
    attn.yield %0 : tensor<1x2x64x64xf32>
  }
  return %s : tensor<1x2x64x64xf32>
}
// A lone stage is not a whole fold: the capacity rule plans it (largest
// tiles that fit). 2x(64x64x2) Q + 2x(64x64x2) K + 2x(64x64x4) S = 65536 B
// is too much; 64 x 32 fits. l2_q_block = 4 lanes x 64 rows.
// ONL-LABEL: func.func @replan
// ONL: attn.stage "qk" fold unfolded plan #attn.plan<target = "npu2", q_tile = 64, kv_tile = 32, head_dim_tile = 64, l2_q_block = 256, l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 1, cores_per_column = 4, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 64, padded_head_dim = 64, padded_value_dim = 64>
