// The bundled examples compile for both targets through the whole pipeline
// (aie-check-limits last), with the default fold and every explicit one.
// RUN: attn-opt %S/../../examples/bert_base_layer.mlir --attn-to-aie="target=npu1" | FileCheck %s --check-prefix=BERT1
// RUN: attn-opt %S/../../examples/bert_base_layer.mlir --attn-to-aie="target=npu2" | FileCheck %s --check-prefix=BERT2
// RUN: attn-opt %S/../../examples/llama32_1b_prefill.mlir --attn-to-aie="target=npu1 fold=online" | FileCheck %s --check-prefix=LLAMA1
// RUN: attn-opt %S/../../examples/llama32_1b_prefill.mlir --attn-to-aie="target=npu2 fold=online" | FileCheck %s --check-prefix=LLAMA2
// RUN: attn-opt %S/../../examples/llama32_1b_prefill.mlir --attn-to-aie="target=npu2 fold=unfolded" | FileCheck %s --check-prefix=UNFOLDED
// RUN: attn-opt %S/../../examples/bert_base_layer.mlir --attn-to-aie="target=npu2 fold=partial q-tile=16 kv-tile=32 columns=4 cores-per-column=2" | FileCheck %s --check-prefix=PARTIAL
// RUN: attn-opt %S/../../examples/llama32_1b_prefill.mlir --attn-to-aie="target=npu1 fold=full" | FileCheck %s --check-prefix=FULL
// RUN: not attn-opt %S/../../examples/llama32_1b_prefill.mlir --attn-to-aie="target=npu2_1col fold=online" 2>&1 | FileCheck %s --check-prefix=ONECOL
// RUN: not attn-opt %S/../../examples/bert_base_layer.mlir --attn-to-aie="target=npu2 mapping=stream" 2>&1 | FileCheck %s --check-prefix=STREAM

// BERT1: aie.device(npu1) @attention_attention {
// BERT1: aie.runtime_sequence @attention_attention(%{{.*}}: memref<393216xbf16>, %{{.*}}: memref<393216xbf16>, %{{.*}}: memref<393216xbf16>, %{{.*}}: memref<393216xbf16>)
// BERT2: aie.device(npu2) @attention_attention {
// BERT2-COUNT-32: aie.core(
// LLAMA1: aie.device(npu1) @attention_attention {
// LLAMA1: aiex.npu.dma_wait
// LLAMA2: aie.device(npu2) @attention_attention {
// LLAMA2: aie.objectfifo.link [@k_l3_g0, @v_l3_g0] -> [@kv_g0]
// UNFOLDED: aie.device(npu2) @attention_qk
// UNFOLDED: aie.device(npu2) @attention_softmax
// UNFOLDED: aie.device(npu2) @attention_pv
// PARTIAL: aie.device(npu2) @attention_qk_softmax
// PARTIAL-COUNT-8: aie.core(
// PARTIAL-NOT: aie.core(
// PARTIAL: aie.runtime_sequence @attention_qk_softmax
// PARTIAL: aie.device(npu2) @attention_pv
// FULL: aie.device(npu1) @attention_attention
// FULL: func.call @attn_softmax_rows
// ONECOL: error: attn-tile: no plan fits target npu2_1col {{.*}}shim input streams: 3 DRAM streams (one item stream per column + 2 step tensors) exceed the 2 shim MM2S channels of 1 columns
// STREAM: error: {{.*}}plan field 'mapping' 'stream' is not emitted: the AIE back end runs every step of a query tile on one core ('fused')
