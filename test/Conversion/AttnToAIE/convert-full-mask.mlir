// RUN: attn-opt %s -split-input-file --attn-schedule-dma --convert-attn-to-aie --aie-check-limits | FileCheck %s
// RUN: attn-opt %s -split-input-file --attn-schedule-dma | FileCheck %s --check-prefix=SCHED
// RUN: attn-opt %s -split-input-file --attn-schedule-dma --convert-attn-to-aie --aie-count-traffic --mlir-print-op-on-diagnostic=false 2>&1 >/dev/null | FileCheck %s --check-prefix=TRAFFIC

// Full masks and biases ([B|1, H|1, Lq, Lk], as Hugging Face passes them)
// travel as one [q_tile][kv_tile] tile per core of the broadcast group inside
// the step object: the memtile joins the K block, the V block, the group's
// 4 mask tiles and its 4 bias tiles (32·32 + 32·32 + 4·16·32 + 4·16·32).
#plan = #attn.plan<target = "npu2", q_tile = 16, kv_tile = 32, head_dim_tile = 32, l2_q_block = 32, l2_kv_block = 96, intrinsic = [4, 8, 8], columns = 2, cores_per_column = 2, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 96, padded_head_dim = 32, padded_value_dim = 32>
func.func @hf(%q: tensor<2x2x64x32xbf16>, %k: tensor<2x2x96x32xbf16>, %v: tensor<2x2x96x32xbf16>, %m: tensor<1x1x64x96xi1>, %bias: tensor<2x2x64x96xbf16>) -> tensor<2x2x64x32xbf16> {
  %o = attn.stage "attention" fold online plan #plan
      ins(%a = %q, %b = %k, %mm = %m, %bb = %bias, %c = %v : tensor<2x2x64x32xbf16>, tensor<2x2x96x32xbf16>, tensor<1x1x64x96xi1>, tensor<2x2x64x96xbf16>, tensor<2x2x96x32xbf16>)
      -> tensor<2x2x64x32xbf16> {
    %s = attn.qk %a, %b mask(%mm : tensor<1x1x64x96xi1>) bias(%bb : tensor<2x2x64x96xbf16>) scale 0.125
           : tensor<2x2x64x32xbf16>, tensor<2x2x96x32xbf16> -> tensor<2x2x64x96xf32>
    %r = attn.online_softmax_pv %s, %c : tensor<2x2x64x96xf32>, tensor<2x2x96x32xbf16> -> tensor<2x2x64x32xbf16>
    attn.yield %r : tensor<2x2x64x32xbf16>
  }
  return %o : tensor<2x2x64x32xbf16>
}

// SCHED: arguments = ["q", "k", "v", "mask", "bias", "o"]
// SCHED-SAME: buffer_bytes = {bias = 49152 : i64, k = 24576 : i64, mask = 12288 : i64, o = 16384 : i64, q = 16384 : i64, v = 24576 : i64}
// SCHED-SAME: bytes = {bias = 49152 : i64, k = 24576 : i64, mask = 49152 : i64, o = 16384 : i64, q = 16384 : i64, v = 24576 : i64}
// SCHED-SAME: #attn.fifo<name = "mask_l3_g0", producer = [2, 0], consumers = [array<i64: 0, 1>], depth = 2, object = memref<64x32xbf16>, dram = [mask], shim_channel = 0, use = step, group = 0>
// SCHED-SAME: #attn.fifo<name = "bias_l3_g0", producer = [2, 0], consumers = [array<i64: 0, 1>], depth = 2, object = memref<64x32xbf16>, dram = [bias], shim_channel = 1, use = step, group = 0>
// SCHED-SAME: #attn.fifo<name = "kv_g0", producer = [0, 1], consumers = [array<i64: 0, 2>, array<i64: 0, 3>, array<i64: 1, 2>, array<i64: 1, 3>], depth = 2, object = memref<6144xbf16>
// SCHED-SAME: l1_bytes = 33920 : i64
// SCHED-SAME: #attn.link<ins = ["k_l3_g0", "v_l3_g0", "mask_l3_g0", "bias_l3_g0"], outs = ["kv_g0"], src_offsets = [0, 1024, 2048, 4096]>

// CHECK-LABEL: aie.device(npu2) @hf_attention
// CHECK-DAG: func.func private @attn_mask_keep_tile_bf16(memref<16x32xf32>, i32, i32, memref<6144xbf16>, i32, i32, i32, i32) attributes {attn.kernel_defines = {{.*}}, link_with = "attn_kernels.o"}
// CHECK-DAG: func.func private @attn_mask_add_tile_bf16(memref<16x32xf32>, i32, i32, memref<6144xbf16>, i32, i32, i32, i32) attributes {attn.kernel_defines = {{.*}}, link_with = "attn_kernels.o"}
// CHECK: aie.objectfifo @mask_l3_g0(%{{.*}}, {%[[M0:.*]]}, 2 : i32) : !aie.objectfifo<memref<64x32xbf16>>
// CHECK: aie.objectfifo @bias_l3_g0(%{{.*}}, {%[[M0]]}, 2 : i32) : !aie.objectfifo<memref<64x32xbf16>>
// CHECK: aie.objectfifo @kv_g0(%[[M0]], {%tile_0_2, %tile_0_3, %tile_1_2, %tile_1_3}, 2 : i32) : !aie.objectfifo<memref<6144xbf16>>
// CHECK: aie.objectfifo.link [@k_l3_g0, @v_l3_g0, @mask_l3_g0, @bias_l3_g0] -> [@kv_g0]([0, 1024, 2048, 4096] [])
// Each core reads its lane's tiles in place (lane = column in group x 2 +
// row): mask at 2048 + lane·512, bias at 4096 + lane·512, row stride 32.
// CHECK: aie.core(%tile_0_2)
// CHECK: %[[OBJ:[0-9a-z_]+]] = aie.objectfifo.subview.access %{{.*}}[0] : !aie.objectfifosubview<memref<6144xbf16>> -> memref<6144xbf16>
// CHECK: func.call @attn_qk_bf16(
// CHECK: func.call @attn_mask_keep_tile_bf16(%s_c0_r0, %c32_i32, %c0_i32, %[[OBJ]], %c2048_i32, %c32_i32, %c16_i32, %c32_i32)
// CHECK: func.call @attn_mask_add_tile_bf16(%s_c0_r0, %c32_i32, %c0_i32, %[[OBJ]], %c4096_i32, %c32_i32, %c16_i32, %c32_i32)
// CHECK: func.call @attn_online_update_bf16(
// CHECK: aie.core(%tile_0_3)
// CHECK: func.call @attn_mask_keep_tile_bf16(%s_c0_r1, %c32_i32, %c0_i32, %{{.*}}, %c2560_i32, %c32_i32, %c16_i32, %c32_i32)
// CHECK: aie.core(%tile_1_3)
// CHECK: func.call @attn_mask_keep_tile_bf16(%s_c1_r1, %c32_i32, %c0_i32, %{{.*}}, %c3584_i32, %c32_i32, %c16_i32, %c32_i32)
// CHECK: func.call @attn_mask_add_tile_bf16(%s_c1_r1, %c32_i32, %c0_i32, %{{.*}}, %c5632_i32, %c32_i32, %c16_i32, %c32_i32)
// Per round (one kv head, 4 query tiles): 3 key blocks x 64 query rows x 32
// keys. The mask broadcasts over batch and heads: every round re-reads it
// from 0; the bias of kv head (b, h) starts at (2b + h)·64·96.
// CHECK: aie.runtime_sequence @hf_attention(%arg0: memref<8192xbf16>, %arg1: memref<12288xbf16>, %arg2: memref<12288xbf16>, %arg3: memref<6144xbf16>, %arg4: memref<24576xbf16>, %arg5: memref<8192xbf16>)
// CHECK: aiex.npu.dma_memcpy_nd(%arg3[0, 0, 0, 0][1, 3, 64, 32][0, 32, 96, 1]) {id = 0 : i64, metadata = @mask_l3_g0} : memref<6144xbf16>
// CHECK: aiex.npu.dma_memcpy_nd(%arg4[0, 0, 0, 0][1, 3, 64, 32][0, 32, 96, 1]) {id = 1 : i64, metadata = @bias_l3_g0} : memref<24576xbf16>
// CHECK: aiex.npu.dma_memcpy_nd(%arg3[0, 0, 0, 0][1, 3, 64, 32][0, 32, 96, 1]) {{.*}}metadata = @mask_l3_g0}
// CHECK: aiex.npu.dma_memcpy_nd(%arg4[0, 0, 0, 6144][1, 3, 64, 32][0, 32, 96, 1]) {{.*}}metadata = @bias_l3_g0}
// CHECK: aiex.npu.dma_memcpy_nd(%arg4[0, 0, 0, 12288][1, 3, 64, 32][0, 32, 96, 1]) {{.*}}metadata = @bias_l3_g0}
// CHECK: aiex.npu.dma_memcpy_nd(%arg4[0, 0, 0, 18432][1, 3, 64, 32][0, 32, 96, 1]) {{.*}}metadata = @bias_l3_g0}

// The per-head bias is read exactly once (4 x 12288 B); the broadcast mask
// once per kv head (4 x 12288 B, its 12288 B buffer re-read 4 times).
// TRAFFIC: remark: DRAM traffic of @hf_attention: read 163840 B, write 16384 B, total 180224 B; arg 0 (arg0): read 16384 B, write 0 B; arg 1 (arg1): read 24576 B, write 0 B; arg 2 (arg2): read 24576 B, write 0 B; arg 3 (arg3): read 49152 B, write 0 B; arg 4 (arg4): read 49152 B, write 0 B; arg 5 (arg5): read 0 B, write 16384 B

// -----

// An unfolded qk stage carries them in its K step object (flat: K block,
// then the tiles) and writes masked scores. A bias varying over the heads of
// a GQA group only ([1, H, 1, Lk], ALiBi-like) travels as the group's G = 2
// key rows per step; each core reads the row of its item's head (offset
// 3072 + g·32, g = item index / 4 query tiles) with row stride 0.
#plan = #attn.plan<target = "npu1", q_tile = 16, kv_tile = 32, head_dim_tile = 32, l2_q_block = 32, l2_kv_block = 64, intrinsic = [4, 8, 4], columns = 2, cores_per_column = 2, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 64, padded_head_dim = 32, padded_value_dim = 32>
func.func @alibi(%q: tensor<1x2x64x32xbf16>, %k: tensor<1x1x64x32xbf16>, %m: tensor<1x1x64x64xbf16>, %bias: tensor<1x2x1x64xbf16>) -> tensor<1x2x64x64xf32> {
  %s = attn.stage "qk" fold unfolded plan #plan
      ins(%a = %q, %b = %k, %mm = %m, %bb = %bias : tensor<1x2x64x32xbf16>, tensor<1x1x64x32xbf16>, tensor<1x1x64x64xbf16>, tensor<1x2x1x64xbf16>)
      -> tensor<1x2x64x64xf32> {
    %0 = attn.qk %a, %b mask(%mm : tensor<1x1x64x64xbf16>) bias(%bb : tensor<1x2x1x64xbf16>) scale 0.125
           : tensor<1x2x64x32xbf16>, tensor<1x1x64x32xbf16> -> tensor<1x2x64x64xf32>
    attn.yield %0 : tensor<1x2x64x64xf32>
  }
  return %s : tensor<1x2x64x64xf32>
}

// SCHED: arguments = ["q", "k", "mask", "bias", "s"]
// SCHED-SAME: bytes = {bias = 512 : i64, k = 8192 : i64, mask = 16384 : i64, q = 8192 : i64, s = 32768 : i64}
// SCHED-SAME: #attn.fifo<name = "mask_l3_g0", producer = [1, 0], consumers = [array<i64: 0, 1>], depth = 2, object = memref<64x32xbf16>, dram = [mask], shim_channel = 1, use = step, group = 0>
// SCHED-SAME: #attn.fifo<name = "bias_l3_g0", producer = [2, 0], consumers = [array<i64: 0, 1>], depth = 2, object = memref<2x32xbf16>, dram = [bias], shim_channel = 0, use = step, group = 0>
// SCHED-SAME: #attn.fifo<name = "kv_g0", producer = [0, 1], consumers = [array<i64: 0, 2>, array<i64: 0, 3>, array<i64: 1, 2>, array<i64: 1, 3>], depth = 2, object = memref<3136xbf16>
// SCHED-SAME: #attn.link<ins = ["k_l3_g0", "mask_l3_g0", "bias_l3_g0"], outs = ["kv_g0"], src_offsets = [0, 1024, 3072]>

// CHECK-LABEL: aie.device(npu1) @alibi_qk
// CHECK: aie.objectfifo.link [@k_l3_g0, @mask_l3_g0, @bias_l3_g0] -> [@kv_g0]([0, 1024, 3072] [])
// CHECK: aie.core(%tile_0_2)
// CHECK: %[[G:[0-9]+]] = arith.divui %{{[0-9]+}}, %c4 : index
// CHECK: func.call @attn_qk_bf16(%{{[0-9]+}}, %[[KT:[0-9a-z_]+]], %c0_i32,
// CHECK: func.call @attn_mask_add_tile_bf16(%[[S:[0-9a-z_]+]], %c32_i32, %c0_i32, %[[KT]], %c1024_i32, %c32_i32, %c16_i32, %c32_i32)
// CHECK: %[[GO:[0-9]+]] = arith.muli %[[G]], %c32 : index
// CHECK: %[[OFF:[0-9]+]] = arith.addi %[[GO]], %c3072 : index
// CHECK: %[[OFF32:[0-9]+]] = arith.index_cast %[[OFF]] : index to i32
// CHECK: func.call @attn_mask_add_tile_bf16(%[[S]], %c32_i32, %c0_i32, %[[KT]], %[[OFF32]], %c0_i32, %c16_i32, %c32_i32)
// CHECK: aie.core(%tile_0_3)
// CHECK: func.call @attn_mask_add_tile_bf16(%{{.*}}, %c32_i32, %c0_i32, %{{.*}}, %c1536_i32, %c32_i32, %c16_i32, %c32_i32)
// The mask (shared by both heads) is read for the two rounds (repeat 2,
// stride 0); the bias: per round (kv head 0 has two) and key block, the
// two heads' rows.
// CHECK: aie.runtime_sequence @alibi_qk(%arg0: memref<4096xbf16>, %arg1: memref<2048xbf16>, %arg2: memref<4096xbf16>, %arg3: memref<128xbf16>, %arg4: memref<8192xf32>)
// CHECK: aiex.npu.dma_memcpy_nd(%arg2[0, 0, 0, 0][2, 2, 64, 32][0, 32, 64, 1]) {id = 1 : i64, metadata = @mask_l3_g0} : memref<4096xbf16>
// CHECK: aiex.npu.dma_memcpy_nd(%arg3[0, 0, 0, 0][2, 2, 2, 32][0, 32, 64, 1]) {id = 0 : i64, metadata = @bias_l3_g0} : memref<128xbf16>
// CHECK-NOT: metadata = @bias_l3_g0

// TRAFFIC: remark: DRAM traffic of @alibi_qk: read 33280 B, write 32768 B, total 66048 B; arg 0 (arg0): read 8192 B, write 0 B; arg 1 (arg1): read 8192 B, write 0 B; arg 2 (arg2): read 16384 B, write 0 B; arg 3 (arg3): read 512 B, write 0 B; arg 4 (arg4): read 0 B, write 32768 B
