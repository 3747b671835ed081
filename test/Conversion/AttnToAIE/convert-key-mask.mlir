// RUN: attn-opt %s --attn-schedule-dma --convert-attn-to-aie | FileCheck %s
// RUN: attn-opt %s --attn-schedule-dma | FileCheck %s --check-prefix=SCHED
// RUN: attn-opt %s --attn-schedule-dma --convert-attn-to-aie --aie-count-traffic --mlir-print-op-on-diagnostic=false 2>&1 >/dev/null | FileCheck %s --check-prefix=TRAFFIC

// Key-only keep-mask (per batch) and bias (shared) rows travel in the
// broadcast K/V step object: joined in the memtile after the K and V blocks.
#plan = #attn.plan<target = "npu2", q_tile = 16, kv_tile = 32, head_dim_tile = 32, l2_q_block = 32, l2_kv_block = 96, intrinsic = [4, 8, 8], columns = 2, cores_per_column = 2, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 96, padded_head_dim = 32, padded_value_dim = 32>
func.func @encoder(%q: tensor<2x2x64x32xbf16>, %k: tensor<2x2x96x32xbf16>, %v: tensor<2x2x96x32xbf16>, %m: tensor<2x1x1x96xi1>, %bias: tensor<1x1x1x96xbf16>) -> tensor<2x2x64x32xbf16> {
  %o = attn.stage "attention" fold online plan #plan
      ins(%a = %q, %b = %k, %mm = %m, %bb = %bias, %c = %v : tensor<2x2x64x32xbf16>, tensor<2x2x96x32xbf16>, tensor<2x1x1x96xi1>, tensor<1x1x1x96xbf16>, tensor<2x2x96x32xbf16>)
      -> tensor<2x2x64x32xbf16> {
    %s = attn.qk %a, %b mask(%mm : tensor<2x1x1x96xi1>) bias(%bb : tensor<1x1x1x96xbf16>) scale 0.125
           : tensor<2x2x64x32xbf16>, tensor<2x2x96x32xbf16> -> tensor<2x2x64x96xf32>
    %r = attn.online_softmax_pv %s, %c : tensor<2x2x64x96xf32>, tensor<2x2x96x32xbf16> -> tensor<2x2x64x32xbf16>
    attn.yield %r : tensor<2x2x64x32xbf16>
  }
  return %o : tensor<2x2x64x32xbf16>
}

// The device carries one element of the layer type per key (a keep-mask as
// 1/0): the memtile joins the K block, the V block, the mask row and the
// bias row into one object (32·32 + 32·32 + 32 + 32 elements).
// SCHED: arguments = ["q", "k", "v", "mask", "bias", "o"]
// SCHED-SAME: buffer_bytes = {bias = 192 : i64, k = 24576 : i64, mask = 384 : i64, o = 16384 : i64, q = 16384 : i64, v = 24576 : i64}
// SCHED-SAME: bytes = {bias = 768 : i64, k = 24576 : i64, mask = 768 : i64, o = 16384 : i64, q = 16384 : i64, v = 24576 : i64}
// SCHED-SAME: #attn.fifo<name = "mask_l3_g0", producer = [2, 0], consumers = [array<i64: 0, 1>], depth = 2, object = memref<32xbf16>, dram = [mask], shim_channel = 0, use = step, group = 0>, #attn.fifo<name = "bias_l3_g0", producer = [2, 0], consumers = [array<i64: 0, 1>], depth = 2, object = memref<32xbf16>, dram = [bias], shim_channel = 1, use = step, group = 0>, #attn.fifo<name = "kv_g0", producer = [0, 1], consumers = [array<i64: 0, 2>, array<i64: 0, 3>, array<i64: 1, 2>, array<i64: 1, 3>], depth = 2, object = memref<2112xbf16>, use = step, group = 0>
// SCHED-SAME: links = [#attn.link<ins = ["k_l3_g0", "v_l3_g0", "mask_l3_g0", "bias_l3_g0"], outs = ["kv_g0"], src_offsets = [0, 1024, 2048, 2080]>

// CHECK-DAG: func.func private @attn_mask_keep_keys_bf16(memref<16x32xf32>, i32, i32, memref<2112xbf16>, i32, i32, i32) attributes {attn.kernel_defines = {{.*}}, link_with = "attn_kernels.o"}
// CHECK-DAG: func.func private @attn_mask_add_keys_bf16(memref<16x32xf32>, i32, i32, memref<2112xbf16>, i32, i32, i32) attributes {attn.kernel_defines = {{.*}}, link_with = "attn_kernels.o"}
// CHECK: aie.objectfifo @mask_l3_g0(%{{.*}}, {%[[M0:.*]]}, 2 : i32) : !aie.objectfifo<memref<32xbf16>>
// CHECK: aie.objectfifo @bias_l3_g0(%{{.*}}, {%[[M0]]}, 2 : i32) : !aie.objectfifo<memref<32xbf16>>
// CHECK: aie.objectfifo @kv_g0(%[[M0]], {{.*}} !aie.objectfifo<memref<2112xbf16>>
// CHECK: aie.objectfifo.link [@k_l3_g0, @v_l3_g0, @mask_l3_g0, @bias_l3_g0] -> [@kv_g0]([0, 1024, 2048, 2080] [])
// Per core: no expanded mask tiles; the kernels read the mask row (offset
// 2048) and the bias row (offset 2080) of the step object in place and
// broadcast them over the 16 query rows.
// CHECK-NOT: sym_name = "keep_c0_r0"
// CHECK-NOT: sym_name = "add_c0_r0"
// CHECK: aie.core
// CHECK: %[[OBJ:.*]] = aie.objectfifo.subview.access %{{.*}}[0] : !aie.objectfifosubview<memref<2112xbf16>> -> memref<2112xbf16>
// CHECK-NOT: memref.load
// CHECK-NOT: memref.store
// CHECK: func.call @attn_qk_bf16(
// CHECK: func.call @attn_mask_keep_keys_bf16(%s_c0_r0, %c32_i32, %c0_i32, %[[OBJ]], %c2048_i32, %c16_i32, %c32_i32)
// CHECK: func.call @attn_mask_add_keys_bf16(%s_c0_r0, %c32_i32, %c0_i32, %[[OBJ]], %c2080_i32, %c16_i32, %c32_i32)
// CHECK: func.call @attn_online_update_bf16(
// The runtime sequence takes the layer's argument order (mask, bias after V,
// though the stage lists them first); the mask row of batch 1 starts at 96,
// the shared bias row is re-read from 0.
// CHECK: aie.runtime_sequence @encoder_attention(%arg0: memref<8192xbf16>, %arg1: memref<12288xbf16>, %arg2: memref<12288xbf16>, %arg3: memref<192xbf16>, %arg4: memref<96xbf16>, %arg5: memref<8192xbf16>)
// CHECK: aiex.npu.dma_memcpy_nd(%arg3[0, 0, 0, 0][1, 1, 3, 32][0, 0, 32, 1]) {id = 0 : i64, metadata = @mask_l3_g0} : memref<192xbf16>
// CHECK: aiex.npu.dma_memcpy_nd(%arg4[0, 0, 0, 0][1, 1, 3, 32][0, 0, 32, 1]) {id = 1 : i64, metadata = @bias_l3_g0} : memref<96xbf16>
// CHECK: aiex.npu.dma_memcpy_nd(%arg3[0, 0, 0, 96][1, 1, 3, 32][0, 0, 32, 1]) {{.*}}metadata = @mask_l3_g0}
// CHECK: aiex.npu.dma_memcpy_nd(%arg4[0, 0, 0, 0][1, 1, 3, 32][0, 0, 32, 1]) {{.*}}metadata = @bias_l3_g0}

// Mask and bias rows are read once per round like K and V (4 kv heads, one
// round each): 4 x 192 B for the per-batch mask, 4 x 192 B for the bias.
// TRAFFIC: remark: DRAM traffic of @encoder_attention: read 67072 B, write 16384 B, total 83456 B; arg 0 (arg0): read 16384 B, write 0 B; arg 1 (arg1): read 24576 B, write 0 B; arg 2 (arg2): read 24576 B, write 0 B; arg 3 (arg3): read 768 B, write 0 B; arg 4 (arg4): read 768 B, write 0 B; arg 5 (arg5): read 0 B, write 16384 B
