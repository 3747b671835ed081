// The layer's host program is IR: an aie.device named after the layer whose
// runtime sequence takes every DRAM buffer (Q, K, V, S and P between stages, O)
// and dispatches the stage devices in order with upstream's aiex.configure /
// aiex.run; attn.host_program names each argument's role and the host padding.
// RUN: attn-opt %S/../../../examples/llama32_1b_prefill.mlir --attn-to-aie="target=npu2 fold=unfolded" | FileCheck %s
// RUN: attn-opt %s --attn-to-aie="target=npu2 fold=online q-tile=32 kv-tile=32" | FileCheck %s --check-prefix=PADDED

// CHECK: aie.device(npu2) @attention_qk
// CHECK: aie.device(npu2) @attention_softmax
// CHECK: aie.device(npu2) @attention_pv
// CHECK: aie.device(npu2) @attention {
// CHECK-NEXT: aie.runtime_sequence @attention(%[[Q:.*]]: memref<{{[0-9]+}}xbf16>, %[[K:.*]]: memref<{{[0-9]+}}xbf16>, %[[V:.*]]: memref<{{[0-9]+}}xbf16>, %[[S:.*]]: memref<{{[0-9]+}}xf32>, %[[P:.*]]: memref<{{[0-9]+}}xf32>, %[[O:.*]]: memref<{{[0-9]+}}xbf16>)
// CHECK-NEXT: aiex.configure @attention_qk {
// CHECK-NEXT: aiex.run @attention_qk(%[[Q]], %[[K]], %[[S]])
// CHECK: aiex.configure @attention_softmax {
// CHECK-NEXT: aiex.run @attention_softmax(%[[S]], %[[P]])
// CHECK: aiex.configure @attention_pv {
// CHECK-NEXT: aiex.run @attention_pv(%[[P]], %[[V]], %[[O]])
// CHECK: attn.host_program = {arguments = ["q", "k", "v", "s", "p", "o"], function = "attention", host_padding = []}

// PADDED: aie.device(npu2) @layer {
// PADDED-NEXT: aie.runtime_sequence @layer(%{{.*}}: memref<24576xbf16>, %{{.*}}: memref<6144xbf16>, %{{.*}}: memref<6144xbf16>, %{{.*}}: memref<24576xbf16>)
// PADDED: attn.host_program = {arguments = ["q", "k", "v", "o"], function = "layer", host_padding = [{device = tensor<1x3x128x64xbf16>, logical = tensor<1x3x100x64xbf16>, role = "q"}, {device = tensor<1x1x96x64xbf16>, logical = tensor<1x1x77x64xbf16>, role = "k"}, {device = tensor<1x1x96x64xbf16>, logical = tensor<1x1x77x64xbf16>, role = "v"}, {device = tensor<1x3x128x64xbf16>, logical = tensor<1x3x100x64xbf16>, role = "o"}]}
func.func @layer(%q: tensor<1x3x100x64xbf16>, %k: tensor<1x1x77x64xbf16>, %v: tensor<1x1x77x64xbf16>) -> tensor<1x3x100x64xbf16> {
  %o = attn.attention %q, %k, %v : tensor<1x3x100x64xbf16>, tensor<1x1x77x64xbf16>, tensor<1x1x77x64xbf16> -> tensor<1x3x100x64xbf16>
  return %o : tensor<1x3x100x64xbf16>
}
