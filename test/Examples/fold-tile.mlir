// The bundled layers fold and tile with the default (auto) choices on both
// NPU generations.
// RUN: attn-opt %S/../../examples/bert_base_layer.mlir --pass-pipeline="builtin.module(attn-fold{target=npu2}, attn-tile{target=npu2})" | FileCheck %s --check-prefix=BERT2
// RUN: attn-opt %S/../../examples/llama32_1b_prefill.mlir --pass-pipeline="builtin.module(attn-fold{target=npu1}, attn-tile{target=npu1})" | FileCheck %s --check-prefix=LLAMA1

// BERT-base, 512 tokens: the score rows of 4 queries (8 KiB) fit, so auto folds fully.
// BERT2: attn.stage "attention" fold full plan #attn.plan<target = "npu2", {{.*}}padded_q_len = 512, padded_kv_len = 512, padded_head_dim = 64, padded_value_dim = 64>
// LLAMA1: attn.stage "attention" fold full plan #attn.plan<target = "npu1", {{.*}}intrinsic = [4, 8, 4], {{.*}}padded_q_len = 2048, padded_kv_len = 2048,
