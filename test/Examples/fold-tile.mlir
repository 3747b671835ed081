// The bundled layers fold and tile with the default (auto) choices on both
// NPU generations: the cost model's fastest plan in attn-tile's space.
// RUN: attn-opt %S/../../examples/bert_base_layer.mlir --pass-pipeline="builtin.module(attn-fold{target=npu1}, attn-tile{target=npu1})" | FileCheck %s --check-prefix=BERT1
// RUN: attn-opt %S/../../examples/bert_base_layer.mlir --pass-pipeline="builtin.module(attn-fold{target=npu2}, attn-tile{target=npu2})" | FileCheck %s --check-prefix=BERT2
// RUN: attn-opt %S/../../examples/llama32_1b_prefill.mlir --pass-pipeline="builtin.module(attn-fold{target=npu1}, attn-tile{target=npu1})" | FileCheck %s --check-prefix=LLAMA1
// RUN: attn-opt %S/../../examples/llama32_1b_prefill.mlir --pass-pipeline="builtin.module(attn-fold{target=npu2}, attn-tile{target=npu2})" | FileCheck %s --check-prefix=LLAMA2

// BERT-base, 512 tokens: the f32 score rows of a 16-row query tile (32 KiB)
// fit next to the other buffers and the full fold is fastest on npu2; on
// npu1 (4 B/cycle per core input channel) its two passes over the K/V step
// stream make online faster.
// BERT1: attn.stage "attention" fold online plan #attn.plan<target = "npu1", q_tile = 16, kv_tile = 64, head_dim_tile = 64, l2_q_block = 64, l2_kv_block = 64, intrinsic = [4, 8, 4], columns = 4, cores_per_column = 4, mapping = fused, depth = 2, padded_q_len = 512, padded_kv_len = 512, padded_head_dim = 64, padded_value_dim = 64>
// BERT2: attn.stage "attention" fold full plan #attn.plan<target = "npu2", q_tile = 16, kv_tile = 64, head_dim_tile = 64, l2_q_block = 64, l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 8, cores_per_column = 4, mapping = fused, depth = 2, padded_q_len = 512, padded_kv_len = 512, padded_head_dim = 64, padded_value_dim = 64>
// Llama-3.2-1B prefill, 2048 tokens (causal, GQA 32/8): score rows no longer
// fit; online beats unfolded, with two query tiles per core (l2_q_block 128)
// against each K/V stream.
// LLAMA1: attn.stage "attention" fold online plan #attn.plan<target = "npu1", q_tile = 16, kv_tile = 64, head_dim_tile = 64, l2_q_block = 128, l2_kv_block = 64, intrinsic = [4, 8, 4], columns = 4, cores_per_column = 4, mapping = fused, depth = 2, padded_q_len = 2048, padded_kv_len = 2048, padded_head_dim = 64, padded_value_dim = 64>
// LLAMA2: attn.stage "attention" fold online plan #attn.plan<target = "npu2", q_tile = 16, kv_tile = 64, head_dim_tile = 64, l2_q_block = 128, l2_kv_block = 64, intrinsic = [4, 8, 8], columns = 8, cores_per_column = 4, mapping = fused, depth = 2, padded_q_len = 2048, padded_kv_len = 2048, padded_head_dim = 64, padded_value_dim = 64>
