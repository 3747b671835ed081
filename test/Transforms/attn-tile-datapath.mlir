// attn-tile's matmul datapath: the native intrinsic by default, npu2's BFP16
// 8x8x8 block-float path for bf16 layers on request (datapath=bfp16), or the
// cost model's pick (auto); convert-attn-to-aie names the BFP16 kernel
// variant (ATTN_BFP16 = 1) only where the plan selects it.
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online}, attn-tile)" | FileCheck %s --check-prefix=NATIVE
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online}, attn-tile{datapath=bfp16})" | FileCheck %s --check-prefix=BFP16
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online}, attn-tile{datapath=auto})" | FileCheck %s --check-prefix=AUTO
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online}, attn-tile{target=npu1 datapath=native})" | FileCheck %s --check-prefix=NPU1
// RUN: attn-opt %s --attn-to-aie="target=npu2 fold=online datapath=bfp16" | FileCheck %s --check-prefix=AIE-BFP16
// RUN: attn-opt %s --attn-to-aie="target=npu2 fold=online" | FileCheck %s --check-prefix=AIE-NATIVE
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online}, attn-tile{target=npu1 datapath=bfp16})" 2>&1 | FileCheck %s --check-prefix=NOBFP
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online}, attn-tile{datapath=fast})" 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online}, attn-tile{datapath=bfp16 q-tile=12})" 2>&1 | FileCheck %s --check-prefix=QMULT

// NATIVE: intrinsic = [4, 8, 8]
// BFP16: intrinsic = [8, 8, 8]
// The model's pick for this layer on npu2 (BFP16 peak 512 x 0.255 vs native
// 256 x 0.117 MACs/cycle in the target table).
// AUTO: intrinsic = [8, 8, 8]
// NPU1: intrinsic = [4, 8, 4]
// AIE-BFP16: func.func private @attn_qk_bf16({{.*}}) attributes {attn.kernel_defines = {ATTN_BF16 = 1 : i32, ATTN_BFP16 = 1 : i32,
// AIE-NATIVE-NOT: ATTN_BFP16
// NOBFP: error: attn-tile: datapath=bfp16: target 'npu1' has no such matmul datapath for bf16 layers (target table: BFP16 is bf16 on npu2); use datapath=native or auto
// UNKNOWN: error: attn-tile: unknown datapath 'fast'; expected native, bfp16 or auto
// QMULT: error: attn-tile: q-tile=12 is not a multiple of the npu2 bf16 intrinsic M = 8

func.func @layer(%q: tensor<1x4x512x64xbf16>, %k: tensor<1x2x512x64xbf16>, %v: tensor<1x2x512x64xbf16>) -> tensor<1x4x512x64xbf16> {
  %o = attn.attention %q, %k, %v causal top_left : tensor<1x4x512x64xbf16>, tensor<1x2x512x64xbf16>, tensor<1x2x512x64xbf16> -> tensor<1x4x512x64xbf16>
  return %o : tensor<1x4x512x64xbf16>
}
