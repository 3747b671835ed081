//===- aie2/attn_kernels.cc - attention kernels for AIE2 (npu1) -----------===//
//
// AIE2 (AIE-ML, Ryzen AI npu1): 16-lane f32 element-wise loops, bf16 matmul
// blocks of 4x8x4 (aie::mmul), exp by a vectorized polynomial (AIE2 has no
// exp unit). Build per kernel configuration with the -D values of
// `attn.kernel_defines` (docs/kernels.md), e.g. with Peano:
//   clang++ --target=aie2-none-unknown-elf -O2 -std=c++20
//     -I<mlir-aie>/include -DATTN_TQ=32 -DATTN_TK=32 -DATTN_LD=32
//     -DATTN_D=64 -DATTN_DV=64 -DATTN_BF16=1 -c attn_kernels.cc
// Not compiled for an NPU in this project (no Peano/Chess here): it is built
// on the host against kernels/host_aie_api and tested there.
//
//===----------------------------------------------------------------------===//

#define ATTN_AIE_LANES 16
#define ATTN_MMUL_M 4
#define ATTN_MMUL_K 8
#define ATTN_MMUL_N 4
#define ATTN_I8_MMUL_M 4 // int8 pilot: 4x8x8
#define ATTN_AIE_HW_EXP2 0

#include "../aie_common/attn_aie.hpp"
