//===- aie2p/attn_kernels.cc - attention kernels for AIE2P (npu2) ---------===//
//
// AIE2P (Ryzen AI npu2): 32-lane f32 element-wise loops, bf16 matmul blocks
// of 4x8x8 (aie::mmul; 8x8x8 with ATTN_BFP16), exp through the exp2 unit with
// log2(e) folded into its argument (bf16 kernels; f32 kernels keep the
// polynomial for f32 accuracy). Build per kernel configuration with the -D
// values of `attn.kernel_defines` (docs/kernels.md), e.g. with Peano:
//   clang++ --target=aie2p-none-unknown-elf -O2 -std=c++20
//     -I<mlir-aie>/include -DATTN_TQ=64 -DATTN_TK=64 -DATTN_LD=64
//     -DATTN_D=64 -DATTN_DV=64 -DATTN_BF16=1 -c attn_kernels.cc
// Not compiled for an NPU in this project (no Peano/Chess here): it is built
// on the host against kernels/host_aie_api and tested there.
//
//===----------------------------------------------------------------------===//

#define ATTN_AIE_LANES 32
#ifndef ATTN_BFP16
#define ATTN_BFP16 0
#endif
#if ATTN_BFP16
#define ATTN_MMUL_M 8 // block floating point: 8x8x8 on bfp16ebs8 operands
#else
#define ATTN_MMUL_M 4 // native bf16 4x8x8 (4-row decode tiles build too)
#endif
#define ATTN_MMUL_K 8
#define ATTN_MMUL_N 8
#define ATTN_I8_MMUL_M 8 // int8 pilot: 8x8x8
#define ATTN_AIE_HW_EXP2 1

#include "../aie_common/attn_aie.hpp"
