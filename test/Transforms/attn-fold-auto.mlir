// mode=auto: the fold of the cost model's fastest plan among those attn-tile
// attaches (docs/cost-model.md, cost::compilerSpace); online when the model
// cannot size the layer.
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-fold)" | FileCheck %s --check-prefixes=CHECK,NPU2
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-fold{target=npu1})" | FileCheck %s --check-prefixes=CHECK,NPU1
// One column: a fused online/full stage needs 3 DRAM input streams (Q, K,
// V) on the column's 2 shim MM2S channels, so only the multi-stage folds
// fit: partial while score rows fit L1, unfolded beyond (its softmax stage
// streams rows that do not fit L1 in key chunks, twice).
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-fold{target=npu1_1col})" | FileCheck %s --check-prefix=ONECOL
// mode=auto followed by attn-tile always gives a plannable module.
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-fold{target=npu2}, attn-tile{target=npu2})" | FileCheck %s --check-prefix=TILED
// explain=true: a remark per layer with the modeled latencies.
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-fold{target=npu2 explain=true})" -o /dev/null 2>&1 | FileCheck %s --check-prefix=EXPLAIN
// Explicit modes never consult the model (no remark).
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online explain=true})" -o /dev/null 2>&1 | FileCheck %s --check-prefix=QUIET --allow-empty

// QUIET-NOT: remark

// BERT-base with 128 tokens: the score rows of a 16-row query tile (8 KiB)
// fit L1 next to the other buffers; one pass over K/V with whole-row
// softmax beats the online rescaling.
// CHECK-LABEL: func.func @bert_128
// CHECK: attn.stage "attention" fold full
// CHECK: attn.pv
// ONECOL-LABEL: func.func @bert_128
// ONECOL: attn.stage "qk_softmax" fold partial
// TILED-LABEL: func.func @bert_128
// TILED: attn.stage "attention" fold full plan #attn.plan<target = "npu2", {{.*}}padded_q_len = 128, padded_kv_len = 128,
// EXPLAIN: attn-fold-auto.mlir:[[@LINE+2]]:8: remark: attn-fold: mode=auto on npu2: 'full', modeled latency {{[0-9]+\.[0-9]+}} ms with q_tile={{[0-9]+}} kv_tile={{[0-9]+}} l2_q_block={{[0-9]+}} l2_kv_block={{[0-9]+}} columns={{[0-9]+}} cores_per_column={{[0-9]+}} ({{[a-z_]+}}-bound); best per fold (tiles of 16+ rows); unfolded: {{[0-9]+\.[0-9]+}} ms; partial: {{[0-9]+\.[0-9]+}} ms; full: {{[0-9]+\.[0-9]+}} ms; online: {{[0-9]+\.[0-9]+}} ms
func.func @bert_128(%q: tensor<1x12x128x64xbf16>, %k: tensor<1x12x128x64xbf16>, %v: tensor<1x12x128x64xbf16>) -> tensor<1x12x128x64xbf16> {
  %o = attn.attention %q, %k, %v : tensor<1x12x128x64xbf16>, tensor<1x12x128x64xbf16>, tensor<1x12x128x64xbf16> -> tensor<1x12x128x64xbf16>
  return %o : tensor<1x12x128x64xbf16>
}

// BERT-base with 512 tokens: still full on npu2 (32 KiB of score rows per
// core); on npu1 online: the full fold streams each K/V step object twice
// (scores, then P·V) through one core input channel at 4 B/cycle.
// CHECK-LABEL: func.func @bert_512
// NPU2: attn.stage "attention" fold full
// NPU1: attn.stage "attention" fold online
// ONECOL-LABEL: func.func @bert_512
// ONECOL: attn.stage "qk_softmax" fold partial
// TILED-LABEL: func.func @bert_512
// TILED: attn.stage "attention" fold full plan #attn.plan<target = "npu2", {{.*}}padded_q_len = 512, padded_kv_len = 512,
func.func @bert_512(%q: tensor<1x12x512x64xbf16>, %k: tensor<1x12x512x64xbf16>, %v: tensor<1x12x512x64xbf16>) -> tensor<1x12x512x64xbf16> {
  %o = attn.attention %q, %k, %v : tensor<1x12x512x64xbf16>, tensor<1x12x512x64xbf16>, tensor<1x12x512x64xbf16> -> tensor<1x12x512x64xbf16>
  return %o : tensor<1x12x512x64xbf16>
}

// Llama-3.2-1B prefill, 2048 tokens: 16 query rows x 2048 keys x 4 B =
// 128 KiB of score rows exceed L1, so full and partial have no plan with
// tiles of 16 rows or more; online wins over unfolded (no S/P round trips).
// CHECK-LABEL: func.func @llama_2048
// CHECK: attn.stage "attention" fold online
// CHECK: attn.online_softmax_pv
// ONECOL-LABEL: func.func @llama_2048
// ONECOL: attn.stage "qk" fold unfolded
// TILED-LABEL: func.func @llama_2048
// TILED: attn.stage "attention" fold online plan #attn.plan<target = "npu2", {{.*}}padded_q_len = 2048, padded_kv_len = 2048,
// EXPLAIN: attn-fold-auto.mlir:[[@LINE+2]]:8: remark: attn-fold: mode=auto on npu2: 'online', modeled latency {{[0-9]+\.[0-9]+}} ms with {{.*}}; best per fold (tiles of 16+ rows); unfolded: {{[0-9]+\.[0-9]+}} ms; partial: no plan fits: every candidate violates 'stage qk_softmax: L1 bytes of a core'{{.*}}; full: no plan fits: every candidate violates 'stage attention: L1 bytes of a core'{{.*}}; online: {{[0-9]+\.[0-9]+}} ms
func.func @llama_2048(%q: tensor<1x32x2048x64xbf16>, %k: tensor<1x8x2048x64xbf16>, %v: tensor<1x8x2048x64xbf16>) -> tensor<1x32x2048x64xbf16> {
  %o = attn.attention %q, %k, %v causal top_left : tensor<1x32x2048x64xbf16>, tensor<1x8x2048x64xbf16>, tensor<1x8x2048x64xbf16> -> tensor<1x32x2048x64xbf16>
  return %o : tensor<1x32x2048x64xbf16>
}

// 16K x 16K (two heads): online. On one column only the unfolded fold fits
// (its softmax stage streams each 16K-key f32 score row in kv_tile chunks,
// twice: a whole row is all of L1).
// CHECK-LABEL: func.func @long_16k
// CHECK: attn.stage "attention" fold online
// ONECOL-LABEL: func.func @long_16k
// ONECOL: attn.stage "softmax" fold unfolded
// TILED-LABEL: func.func @long_16k
// TILED: attn.stage "attention" fold online plan #attn.plan<target = "npu2", {{.*}}padded_q_len = 16384, padded_kv_len = 16384,
func.func @long_16k(%q: tensor<1x2x16384x64xbf16>, %k: tensor<1x2x16384x64xbf16>, %v: tensor<1x2x16384x64xbf16>) -> tensor<1x2x16384x64xbf16> {
  %o = attn.attention %q, %k, %v : tensor<1x2x16384x64xbf16>, tensor<1x2x16384x64xbf16>, tensor<1x2x16384x64xbf16> -> tensor<1x2x16384x64xbf16>
  return %o : tensor<1x2x16384x64xbf16>
}

// A dynamic key length cannot be costed: online (it streams K/V for any
// length), on every target (the remark: attn-fold-explain.mlir).
// CHECK-LABEL: func.func @dynamic_keys
// CHECK: attn.stage "attention" fold online
// ONECOL-LABEL: func.func @dynamic_keys
// ONECOL: attn.stage "attention" fold online
// TILED-LABEL: func.func @dynamic_keys
// TILED: attn.stage "attention" fold online plan #attn.plan<{{.*}}padded_q_len = 64, padded_kv_len = ?
func.func @dynamic_keys(%q: tensor<1x4x64x64xbf16>, %k: tensor<1x4x?x64xbf16>, %v: tensor<1x4x?x64xbf16>) -> tensor<1x4x64x64xbf16> {
  %o = attn.attention %q, %k, %v : tensor<1x4x64x64xbf16>, tensor<1x4x?x64xbf16>, tensor<1x4x?x64xbf16> -> tensor<1x4x64x64xbf16>
  return %o : tensor<1x4x64x64xbf16>
}
