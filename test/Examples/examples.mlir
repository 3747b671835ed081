// The bundled examples parse, verify and round-trip.
// RUN: attn-opt %S/../../examples/bert_base_layer.mlir | attn-opt | FileCheck %s --check-prefix=BERT
// RUN: attn-opt %S/../../examples/llama32_1b_prefill.mlir | attn-opt | FileCheck %s --check-prefix=LLAMA

// BERT: attn.attention %{{.*}}, %{{.*}}, %{{.*}} : tensor<1x12x512x64xbf16>
// LLAMA: attn.attention %{{.*}}, %{{.*}}, %{{.*}} causal top_left : tensor<1x32x2048x64xbf16>, tensor<1x8x2048x64xbf16>
