// attn-fold{mode=auto explain=true}: the fallbacks to online say why.
// (Remarks of modeled layers: attn-fold-auto.mlir; their numbers are
// checked against attn.dse in test/python/test_dse_integration.py.)
// RUN: attn-opt %s -split-input-file -verify-diagnostics --pass-pipeline="builtin.module(attn-fold{explain=true})"

func.func @dynamic_keys(%q: tensor<1x4x64x64xbf16>, %k: tensor<1x4x?x64xbf16>, %v: tensor<1x4x?x64xbf16>) -> tensor<1x4x64x64xbf16> {
  // expected-remark @+1 {{attn-fold: mode=auto on npu2: 'online' (fallback: the key length Lk is dynamic; the cost model needs static sizes, and online streams K/V blocks for any length)}}
  %o = attn.attention %q, %k, %v : tensor<1x4x64x64xbf16>, tensor<1x4x?x64xbf16>, tensor<1x4x?x64xbf16> -> tensor<1x4x64x64xbf16>
  return %o : tensor<1x4x64x64xbf16>
}

// -----

func.func @dynamic_batch(%q: tensor<?x4x64x64xbf16>) -> tensor<?x4x64x64xbf16> {
  // expected-remark @+1 {{attn-fold: mode=auto on npu2: 'online' (fallback: the batch size B is dynamic;}}
  %o = attn.attention %q, %q, %q : tensor<?x4x64x64xbf16>, tensor<?x4x64x64xbf16>, tensor<?x4x64x64xbf16> -> tensor<?x4x64x64xbf16>
  return %o : tensor<?x4x64x64xbf16>
}

// -----

// A mask with a dynamic dimension: the model cannot count its traffic.
func.func @dynamic_mask(%q: tensor<1x4x64x64xbf16>, %m: tensor<1x1x?x64xi1>) -> tensor<1x4x64x64xbf16> {
  // expected-remark @+1 {{attn-fold: mode=auto on npu2: 'online' (fallback: the mask has dynamic dims;}}
  %o = attn.attention %q, %q, %q mask(%m : tensor<1x1x?x64xi1>) : tensor<1x4x64x64xbf16>, tensor<1x4x64x64xbf16>, tensor<1x4x64x64xbf16> -> tensor<1x4x64x64xbf16>
  return %o : tensor<1x4x64x64xbf16>
}

// -----

// f32 has no matmul datapath of its own: the model costs the target table's
// 6-pass bf16 emulation and picks a fold as for bf16 (online, with cascade
// chains for its 8 query tiles).
func.func @f32_layer(%q: tensor<1x2x64x64xf32>) -> tensor<1x2x64x64xf32> {
  // expected-remark-re @+1 {{attn-fold: mode=auto on npu2: 'online', modeled latency {{[0-9.]+}} ms with q_tile=16 {{.*}}; best per fold (tiles of 16+ rows); unfolded: {{[0-9.]+}} ms; partial: {{[0-9.]+}} ms; full: {{[0-9.]+}} ms; online: {{[0-9.]+}} ms}}
  %o = attn.attention %q, %q, %q : tensor<1x2x64x64xf32>, tensor<1x2x64x64xf32>, tensor<1x2x64x64xf32> -> tensor<1x2x64x64xf32>
  return %o : tensor<1x2x64x64xf32>
}

// -----

// A modeled layer: the chosen fold, its plan and every fold's best.
func.func @bert_128(%q: tensor<1x12x128x64xbf16>) -> tensor<1x12x128x64xbf16> {
  // expected-remark-re @+1 {{attn-fold: mode=auto on npu2: 'full', modeled latency {{[0-9.]+}} ms with q_tile={{[0-9]+}} {{.*}}; best per fold (tiles of 16+ rows); unfolded: {{[0-9.]+}} ms; partial: {{[0-9.]+}} ms; full: {{[0-9.]+}} ms; online: {{[0-9.]+}} ms}}
  %o = attn.attention %q, %q, %q : tensor<1x12x128x64xbf16>, tensor<1x12x128x64xbf16>, tensor<1x12x128x64xbf16> -> tensor<1x12x128x64xbf16>
  return %o : tensor<1x12x128x64xbf16>
}
