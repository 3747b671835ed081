// f16 and f32 layers on AIE: DRAM and L1 buffers of the layer's type, the
// `_f16`/`_f32` kernels with the target table's bf16 splits as a kernel
// define (f16: 2 terms, 3 passes; f32: 3 terms, 6 passes), and the
// `_as_bf16` kernels (1 term) under allow-precision-loss.
// RUN: attn-opt %s -split-input-file --pass-pipeline="builtin.module(attn-to-aie{target=npu2 fold=online q-tile=16 kv-tile=32 columns=2 cores-per-column=2})" | FileCheck %s
// RUN: attn-opt %s -split-input-file --pass-pipeline="builtin.module(attn-to-aie{target=npu1 fold=online q-tile=16 kv-tile=32 columns=2 cores-per-column=2 allow-precision-loss=true})" 2>/dev/null | FileCheck %s --check-prefix=LOSSY

// CHECK-LABEL: aie.device(npu2) @f16_layer_attention
// CHECK: func.func private @attn_qk_f16(memref<16x64xf16>, memref<{{[0-9]+}}xf16>, {{.*}}ATTN_BF16 = 0 : i32, ATTN_BF16_SPLITS = 2 : i32
// CHECK: func.func private @attn_online_update_f16(
// CHECK: func.func private @attn_finalize_f16(memref<16x64xf32>, memref<16xf32>, memref<16x64xf16>
// CHECK: aie.runtime_sequence @f16_layer_attention(%{{.*}}: memref<16384xf16>
// LOSSY-LABEL: aie.device(npu1) @f16_layer_attention
// LOSSY: func.func private @attn_qk_f16_as_bf16(memref<16x64xf16>, {{.*}}ATTN_BF16_SPLITS = 1 : i32
// LOSSY: func.func private @attn_online_update_f16_as_bf16(
func.func @f16_layer(%q: tensor<1x2x128x64xf16>) -> tensor<1x2x128x64xf16> {
  %o = attn.attention %q, %q, %q causal top_left : tensor<1x2x128x64xf16>, tensor<1x2x128x64xf16>, tensor<1x2x128x64xf16> -> tensor<1x2x128x64xf16>
  return %o : tensor<1x2x128x64xf16>
}

// -----

// CHECK-LABEL: aie.device(npu2) @f32_layer_attention
// CHECK: func.func private @attn_qk_f32(memref<16x64xf32>, {{.*}}ATTN_BF16_SPLITS = 3 : i32
// CHECK: aie.runtime_sequence @f32_layer_attention(%{{.*}}: memref<16384xf32>
// LOSSY-LABEL: aie.device(npu1) @f32_layer_attention
// LOSSY: func.func private @attn_qk_f32_as_bf16(memref<16x64xf32>, {{.*}}ATTN_BF16_SPLITS = 1 : i32
func.func @f32_layer(%q: tensor<1x2x128x64xf32>) -> tensor<1x2x128x64xf32> {
  %o = attn.attention %q, %q, %q : tensor<1x2x128x64xf32>, tensor<1x2x128x64xf32>, tensor<1x2x128x64xf32> -> tensor<1x2x128x64xf32>
  return %o : tensor<1x2x128x64xf32>
}
