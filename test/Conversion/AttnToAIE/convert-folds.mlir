// RUN: attn-opt %s --attn-fold="mode=unfolded target=npu1" --attn-tile="target=npu1 q-tile=32 kv-tile=32 columns=2" --attn-pad-and-mask --attn-schedule-dma --convert-attn-to-aie --aie-check-limits | FileCheck %s --check-prefix=UNFOLDED
// RUN: attn-opt %s --attn-fold="mode=partial target=npu2" --attn-tile="target=npu2 q-tile=32 kv-tile=32 columns=2" --attn-pad-and-mask --attn-schedule-dma --convert-attn-to-aie --aie-check-limits | FileCheck %s --check-prefix=PARTIAL
// RUN: attn-opt %s --attn-fold="mode=full target=npu2" --attn-tile="target=npu2 q-tile=16 kv-tile=32 l2-q-block=64 columns=2" --attn-pad-and-mask --attn-schedule-dma --convert-attn-to-aie --aie-check-limits | FileCheck %s --check-prefix=FULL

// Odd lengths: attn-pad-and-mask pads Lq 100 -> 128 and Lk 77 -> 96 inside
// the stages; the devices' DRAM buffers are the padded tensors.
func.func @layer(%q: tensor<1x3x100x64xbf16>, %k: tensor<1x1x77x64xbf16>, %v: tensor<1x1x77x64xbf16>, %n: tensor<1xi32>) -> tensor<1x3x100x64xbf16> {
  %o = attn.attention %q, %k, %v valid_len(%n : tensor<1xi32>) causal top_left
       : tensor<1x3x100x64xbf16>, tensor<1x1x77x64xbf16>, tensor<1x1x77x64xbf16> -> tensor<1x3x100x64xbf16>
  return %o : tensor<1x3x100x64xbf16>
}

// Unfolded: three devices chained through the DRAM buffers of S and P
// (f32, padded 128 x 96 per head).
// UNFOLDED-NOT: func.func @layer
// UNFOLDED: aie.device(npu1) @layer_qk {
// UNFOLDED: func.call @attn_qk_bf16
// UNFOLDED: func.call @attn_mask_positions
// UNFOLDED: aie.runtime_sequence @layer_qk(%{{.*}}: memref<24576xbf16>, %{{.*}}: memref<6144xbf16>, %{{.*}}: i32, %{{.*}}: memref<36864xf32>)
// UNFOLDED: aie.device(npu1) @layer_softmax {
// UNFOLDED: func.call @attn_softmax_rows
// UNFOLDED: aie.runtime_sequence @layer_softmax(%{{.*}}: memref<36864xf32>, %{{.*}}: memref<36864xf32>)
// UNFOLDED: aie.device(npu1) @layer_pv {
// P rows of padded queries arrive zeroed, so O = P V is stored as is.
// UNFOLDED: func.call @attn_pv_accumulate_bf16
// UNFOLDED: func.call @attn_store_bf16
// UNFOLDED: aie.runtime_sequence @layer_pv(%{{.*}}: memref<36864xf32>, %{{.*}}: memref<6144xbf16>, %{{.*}}: i32, %{{.*}}: memref<24576xbf16>)

// Partial: qk+softmax keeps the score rows (96 keys) of a query tile in L1
// and writes P a [32][32] tile per key block; the pv device splits P tiles
// per core per step while V is broadcast to the group. 12 query tiles on 2 columns: 3 cores per column give 2 rounds
// without repeated items (4 would leave 4 cores repeating).
// PARTIAL: aie.device(npu2) @layer_qk_softmax {
// PARTIAL: aie.objectfifo @p_l3_c0(%{{.*}}, {%{{.*}}}, 2 : i32) : !aie.objectfifo<memref<96x32xf32>>
// The score windows are written into the row buffer at their key offset,
// then handed out a block at a time by a vector copy kernel.
// PARTIAL: aie.core(
// PARTIAL-NOT: memref.store
// PARTIAL: func.call @attn_qk_bf16(%{{.*}}, %{{.*}}, %{{.*}}, %srow_c0_r0, %c96_i32, %[[K0:.*]], %c32_i32, %c32_i32, %c64_i32, %{{.*}})
// PARTIAL: func.call @attn_mask_positions(%srow_c0_r0, %c96_i32, %[[K0]],
// PARTIAL: func.call @attn_softmax_rows
// PARTIAL-NOT: memref.store
// PARTIAL: func.call @attn_copy_window(%srow_c0_r0, %c96_i32,
// PARTIAL: aie.end
// PARTIAL: aie.runtime_sequence @layer_qk_softmax(%{{.*}}: memref<24576xbf16>, %{{.*}}: memref<6144xbf16>, %{{.*}}: i32, %{{.*}}: memref<36864xf32>)
// PARTIAL: aie.device(npu2) @layer_pv {
// PARTIAL: aie.objectfifo @v_g0(%{{.*}}, {%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}}, 2 : i32) : !aie.objectfifo<memref<32x64xbf16>>
// PARTIAL: aie.objectfifo @p_l3_c0(%{{.*}}, {%{{.*}}}, 2 : i32) : !aie.objectfifo<memref<96x32xf32>>
// PARTIAL: aie.objectfifo.link [@p_l3_c0] -> [@p_c0_r0, @p_c0_r1, @p_c0_r2]([] [0, 1024, 2048])
// PARTIAL: aie.runtime_sequence @layer_pv(%[[P:.*]]: memref<36864xf32>, %{{.*}}: memref<6144xbf16>, %{{.*}}: i32, %{{.*}}: memref<24576xbf16>)
// P tiles: 96 rows of 32 keys, row stride 96 (the padded key length), one
// step after another 32 keys apart.
// PARTIAL: aiex.npu.dma_memcpy_nd(%[[P]][0, 0, 0, 0][{{[0-9]+}}, 3, 96, 32][{{[0-9]+}}, 32, 96, 1]) {id = {{[0-9]+}} : i64, metadata = @p_l3_c0}

// Full: one stage, K and V on one shim stream (K blocks then V blocks per
// round), score rows of the query tile in L1.
// FULL: aie.device(npu2) @layer_attention {
// FULL: aie.objectfifo @kv_l3_g0(
// FULL: aie.buffer(%{{.*}}) {sym_name = "srow_c0_r0"} : memref<16x96xf32>
// FULL-NOT: sym_name = "s_c0_r0"
// FULL: aie.core(
// FULL-NOT: memref.store
// FULL: func.call @attn_qk_bf16(%{{.*}}, %{{.*}}, %{{.*}}, %srow_c0_r0, %c96_i32,
// FULL: func.call @attn_softmax_rows
// FULL: func.call @attn_acc_zero
// FULL: func.call @attn_pv_accumulate_bf16(%srow_c0_r0, %c96_i32,
// FULL-NOT: memref.store
// FULL: func.call @attn_store_bf16
// FULL: aie.end
// FULL: aie.runtime_sequence @layer_attention(%{{.*}}: memref<21504xbf16>, %[[K:.*]]: memref<6144xbf16>, %[[V:.*]]: memref<6144xbf16>, %{{.*}}: i32, %{{.*}}: memref<21504xbf16>)
// FULL: aiex.npu.dma_memcpy_nd(%[[K]]{{.*}}metadata = @kv_l3_g0
// FULL-NEXT: aiex.npu.dma_memcpy_nd(%[[V]]{{.*}}metadata = @kv_l3_g0
