// The emitted program must parse in upstream mlir-aie, which does not know the
// attn dialect: every attribute convert-attn-to-aie leaves on it is builtin.
// The host record keeps the fold as a string and the plan as a dictionary.
// RUN: attn-opt %s --attn-to-aie='target=npu1 fold=partial' | FileCheck %s --implicit-check-not='#attn'
// RUN: attn-opt %s --attn-to-aie='target=npu2 fold=online' | FileCheck %s --check-prefix=ONLINE --implicit-check-not='#attn'

// CHECK-LABEL: aie.device(npu1) @attention_qk_softmax
// CHECK: attn.host = {
// CHECK-SAME: fold = "partial"
// CHECK-SAME: plan = {columns = {{[0-9]+}} : i64, cores_per_column = {{[0-9]+}} : i64, depth = {{[0-9]+}} : i64, head_dim_tile = {{[0-9]+}} : i64, intrinsic = [{{.*}}], kv_tile = {{[0-9]+}} : i64
// CHECK-SAME: mapping = "fused"
// CHECK-SAME: target = "npu1"
// CHECK-LABEL: aie.device(npu1) @attention_pv
// CHECK: fold = "partial"

// ONLINE-LABEL: aie.device(npu2) @attention_attention
// ONLINE: fold = "online"
// ONLINE-SAME: padded_q_len = 160 : i64
func.func @attention(%q: tensor<1x2x150x64xbf16>, %k: tensor<1x1x200x64xbf16>, %v: tensor<1x1x200x64xbf16>) -> tensor<1x2x150x64xbf16> {
  %o = attn.attention %q, %k, %v causal bottom_right : tensor<1x2x150x64xbf16>, tensor<1x1x200x64xbf16>, tensor<1x1x200x64xbf16> -> tensor<1x2x150x64xbf16>
  return %o : tensor<1x2x150x64xbf16>
}
