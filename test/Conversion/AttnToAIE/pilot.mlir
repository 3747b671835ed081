// RUN: attn-opt %s --attn-sparsify=keep=0.2 --attn-extract-pilot=target=npu2 | FileCheck %s --check-prefix=STAGE
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-sparsify{keep=0.2},attn-pilot-to-aie{target=npu2})" | FileCheck %s --check-prefix=NPU2
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-sparsify{keep=0.2},attn-pilot-to-aie{target=npu1 q-tile=32 kv-tile=32 columns=2})" | FileCheck %s --check-prefix=NPU1

// The shadowAttn pilot of a sparsified GQA layer with odd lengths (Lq 100,
// Lk 77, 4 query heads on 2 kv heads, head dim 60) as one AIE device.
func.func @layer(%q: tensor<1x4x100x60xbf16>, %k: tensor<1x2x77x60xbf16>, %v: tensor<1x2x77x60xbf16>) -> tensor<1x4x100x60xbf16> {
  %o = attn.attention %q, %k, %v causal top_left
       : tensor<1x4x100x60xbf16>, tensor<1x2x77x60xbf16>, tensor<1x2x77x60xbf16> -> tensor<1x4x100x60xbf16>
  return %o : tensor<1x4x100x60xbf16>
}

// attn-extract-pilot: the function becomes its pilot on the row format
// (60 int8 values zero-padded to 64 = a multiple of the int8 intrinsic K,
// then the 4 scale bytes), one "pilot" stage planned on npu2's 8x8x8 int8
// intrinsic: Lq 100 -> 128 (q tile 64), Lk 77 -> 96 (kv tile 32), keys
// beyond 77 masked (key_len), the scale of the original D = 60.
// STAGE-NOT: attn.quantize
// STAGE-NOT: attn.topk
// STAGE-NOT: attn.sparse_attention
// STAGE: func.func @layer(%[[QR:.*]]: tensor<1x4x100x68xi8>, %[[KR:.*]]: tensor<1x2x77x68xi8>) -> tensor<1x4x100x77xf32>
// STAGE: attn.stage "pilot" fold unfolded plan #attn.plan<target = "npu2", q_tile = 64, kv_tile = 32, head_dim_tile = 64, l2_q_block = 64, l2_kv_block = 32, intrinsic = [8, 8, 8], columns = 8, cores_per_column = 4, mapping = fused, depth = 2, padded_q_len = 128, padded_kv_len = 96, padded_head_dim = 64, padded_value_dim = 64> ins(%{{.*}} = %[[QR]], %{{.*}} = %[[KR]]
// STAGE: tensor.pad {{.*}} high[0, 0, 28, 0]
// STAGE: tensor.pad {{.*}} high[0, 0, 19, 0]
// STAGE: attn.pilot_qk_rows %{{.*}}, %{{.*}} causal top_left scale 0.12909944487358055 key_len 77 query_len 100 : tensor<1x4x128x68xi8>, tensor<1x2x96x68xi8> -> tensor<1x4x128x96xf32>
// STAGE: tensor.extract_slice %{{.*}}[0, 0, 0, 0] [1, 4, 100, 77] [1, 1, 1, 1]

// npu2: int8 objects of [rows][68] bytes (Q tiles of 64 rows split per core,
// K tiles of 32 keys broadcast), f32 score tiles out; the kernel gets the
// real D = 64 and the tiles; padded keys and the causal rule are masked.
// NPU2-NOT: attn.
// NPU2: aie.device(npu2) @layer_pilot {
// NPU2: func.func private @attn_pilot_qk_i8(memref<64x68xi8>, memref<32x68xi8>, i32, memref<64x32xf32>, i32, i32, i32, i32, i32, f32) attributes {attn.kernel_defines = {ATTN_BF16 = 0 : i32, ATTN_D = 64 : i32, ATTN_DV = 64 : i32, ATTN_LD = 32 : i32, ATTN_TK = 32 : i32, ATTN_TQ = 64 : i32}, link_with = "attn_kernels.o"}
// NPU2: func.func private @attn_mask_positions
// NPU2: aie.objectfifo @k_l3_g0({{.*}}) : !aie.objectfifo<memref<32x68xi8>>
// NPU2: aie.objectfifo @q_l3_c0({{.*}}) : !aie.objectfifo<memref<64x68xi8>>
// NPU2: aie.objectfifo @s_c0_r0({{.*}}) : !aie.objectfifo<memref<64x32xf32>>
// NPU2: aie.core(
// NPU2: scf.if
// NPU2-NEXT: func.call @attn_pilot_qk_i8(%{{.*}}, %{{.*}}, %c0_i32, %{{.*}}, %c32_i32, %c0_i32, %c64_i32, %c32_i32, %c64_i32, %cst)
// NPU2: func.call @attn_mask_positions(%{{.*}}, %c32_i32, %c0_i32, %c64_i32, %c32_i32, %c0_i32, %{{.*}}, %c77_i32, %c2147483647_i32, %c1_i32, %c0_i32)
// NPU2: aie.runtime_sequence @layer_pilot(%[[Q:.*]]: memref<34816xi8>, %[[K:.*]]: memref<13056xi8>, %{{.*}}: memref<49152xf32>)
// NPU2-DAG: aiex.npu.dma_memcpy_nd(%[[K]][0, 0, 0, 0][1, 1, 96, 68][0, 0, 68, 1]) {{.*}}metadata = @k_l3_g0}
// NPU2-DAG: aiex.npu.dma_memcpy_nd(%[[Q]][0, 0, 0, 0][1, 1, 64, 68][0, 0, 68, 1]) {{.*}}metadata = @q_l3_c0}
// The host side: pad Q/K rows to the tiles, slice the scores.
// NPU2: attn.host = {{{.*}}stage = "pilot"

// npu1 (4x8x8 int8 intrinsic), forced tiles and columns.
// NPU1: aie.device(npu1) @layer_pilot {
// NPU1: func.func private @attn_pilot_qk_i8(memref<32x68xi8>, memref<32x68xi8>, i32, memref<32x32xf32>
// NPU1: aie.runtime_sequence @layer_pilot(%{{.*}}: memref<34816xi8>, %{{.*}}: memref<13056xi8>, %{{.*}}: memref<49152xf32>)
