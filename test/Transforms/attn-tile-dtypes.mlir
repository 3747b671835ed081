// f16 and f32 layers: no matmul datapath of their own on npu1/npu2, planned at
// the bf16 intrinsic (the target table's multi-pass bf16 emulation); with
// allow-precision-loss the stages get matmul_type = bf16 and a remark says so.
// RUN: attn-opt %s -split-input-file --pass-pipeline="builtin.module(attn-fold{mode=online},attn-tile{target=npu2})" | FileCheck %s --check-prefix=NPU2
// RUN: attn-opt %s -split-input-file --pass-pipeline="builtin.module(attn-fold{mode=online},attn-tile{target=npu1})" | FileCheck %s --check-prefix=NPU1
// RUN: attn-opt %s -split-input-file -verify-diagnostics --pass-pipeline="builtin.module(attn-fold{mode=online},attn-tile{target=npu1 allow-precision-loss=true})" | FileCheck %s --check-prefix=LOSSY
// RUN: attn-opt %s -split-input-file --pass-pipeline="builtin.module(attn-fold{mode=online},attn-tile{target=npu1 allow-precision-loss=true},attn-tile{target=npu1})" | FileCheck %s --check-prefix=RETILE

// NPU2-LABEL: func.func @f32_layer
// NPU2: attn.stage "attention" fold online plan #attn.plan<target = "npu2", {{.*}}intrinsic = [4, 8, 8]{{.*}}> ins
// NPU2-NOT: matmul_type
// NPU1-LABEL: func.func @f32_layer
// NPU1: intrinsic = [4, 8, 4]
// LOSSY-LABEL: func.func @f32_layer
// LOSSY: attn.stage "attention" {{.*}} -> tensor<1x2x128x64xf32> attributes {matmul_type = bf16}
// RETILE-LABEL: func.func @f32_layer
// RETILE-NOT: matmul_type
func.func @f32_layer(%q: tensor<1x2x128x64xf32>) -> tensor<1x2x128x64xf32> {
  // expected-remark @+1 {{attn-tile: allow-precision-loss: the 'f32' layer's matmuls round their operands to bf16 and run one bf16 pass (instead of the 6-pass emulation of the npu1 target table)}}
  %o = attn.attention %q, %q, %q : tensor<1x2x128x64xf32>, tensor<1x2x128x64xf32>, tensor<1x2x128x64xf32> -> tensor<1x2x128x64xf32>
  return %o : tensor<1x2x128x64xf32>
}

// -----

// NPU2-LABEL: func.func @f16_layer
// NPU2: attn.stage "attention" fold online plan #attn.plan<target = "npu2", {{.*}}intrinsic = [4, 8, 8]
// LOSSY-LABEL: func.func @f16_layer
// LOSSY: attributes {matmul_type = bf16}
func.func @f16_layer(%q: tensor<1x2x128x64xf16>) -> tensor<1x2x128x64xf16> {
  // expected-remark @+1 {{attn-tile: allow-precision-loss: the 'f16' layer's matmuls round their operands to bf16 and run one bf16 pass (instead of the 3-pass emulation of the npu1 target table)}}
  %o = attn.attention %q, %q, %q causal top_left : tensor<1x2x128x64xf16>, tensor<1x2x128x64xf16>, tensor<1x2x128x64xf16> -> tensor<1x2x128x64xf16>
  return %o : tensor<1x2x128x64xf16>
}

// -----

// bf16 layers have their own datapath: allow-precision-loss changes nothing.
// LOSSY-LABEL: func.func @bf16_layer
// LOSSY-NOT: matmul_type
func.func @bf16_layer(%q: tensor<1x2x128x64xbf16>) -> tensor<1x2x128x64xbf16> {
  %o = attn.attention %q, %q, %q : tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16> -> tensor<1x2x128x64xbf16>
  return %o : tensor<1x2x128x64xbf16>
}
