// Stream mapping (MAS-Attention): each lane of an online stage is a QK |
// softmax | PV pipeline down one column; S tiles and P block objects pass
// core to core through object FIFOs between neighbours (shared memory: the
// buffers live in the producer, no DMA channel), K is broadcast to the QK
// cores and V to the PV cores.
// RUN: attn-opt %s --attn-schedule-dma | FileCheck %s --check-prefix=SCHED
// RUN: attn-opt %s --attn-schedule-dma --convert-attn-to-aie --aie-check-limits | FileCheck %s
// RUN: attn-opt %s --attn-schedule-dma --convert-attn-to-aie | attn-opt | FileCheck %s --check-prefix=ROUND
// The per-core scalar load/store budget of core-bodies.mlir holds for every
// pipeline core (one valid_len read per block on the softmax and PV cores).
// RUN: attn-opt %s --attn-schedule-dma --convert-attn-to-aie | %PYTHON -m attn.sim.core_stats --check - | FileCheck %s --check-prefix=STATS
// A record whose pipeline core lacks its FIFO, or a pipeline core recorded
// without its role, is a located error.
// RUN: attn-opt %s --attn-schedule-dma | sed -e 's/pipe_in = "s_c0", //' | not attn-opt --convert-attn-to-aie 2>&1 | FileCheck %s --check-prefix=NOPIPE
// RUN: attn-opt %s --attn-schedule-dma | sed -e 's/role = softmax, //' | not attn-opt --convert-attn-to-aie 2>&1 | FileCheck %s --check-prefix=NOROLE

#plan = #attn.plan<target = "npu2", q_tile = 16, kv_tile = 32, head_dim_tile = 32, l2_q_block = 16, l2_kv_block = 32, intrinsic = [4, 8, 8], columns = 2, cores_per_column = 3, mapping = stream, depth = 2, padded_q_len = 64, padded_kv_len = 96, padded_head_dim = 64, padded_value_dim = 32>
func.func @attention(%q: tensor<2x4x64x64xbf16>, %k: tensor<2x2x96x64xbf16>, %v: tensor<2x2x96x32xbf16>, %n: tensor<2xi32>) -> tensor<2x4x64x32xbf16> {
  %o = attn.stage "attention" fold online plan #plan
      ins(%a = %q, %b = %k, %c = %v, %d = %n : tensor<2x4x64x64xbf16>, tensor<2x2x96x64xbf16>, tensor<2x2x96x32xbf16>, tensor<2xi32>)
      -> tensor<2x4x64x32xbf16> {
    %s = attn.qk %a, %b valid_len(%d : tensor<2xi32>) causal bottom_right scale 0.125 key_len 90 query_len 60
           : tensor<2x4x64x64xbf16>, tensor<2x2x96x64xbf16> -> tensor<2x4x64x96xf32>
    %r = attn.online_softmax_pv %s, %c valid_len(%d : tensor<2xi32>) : tensor<2x4x64x96xf32>, tensor<2x2x96x32xbf16> -> tensor<2x4x64x32xbf16>
    attn.yield %r : tensor<2x4x64x32xbf16>
  }
  return %o : tensor<2x4x64x32xbf16>
}

// The record: one pipeline per column (cores_per_column 1 lane), roles and
// core-to-core FIFOs of every core, and each role's buffers (S and P in
// their producer; Q single- or double-buffered as the QK core's L1 allows).
// SCHED: core_buffers = []
// SCHED-SAME: #attn.core<tile = [0, 2], group = 0, column_in_group = 0, row = 0, item = "q_c0_r0", step = "k_g0", rtp = "rtp_c0_r0", role = qk, pipe_out = "s_c0">
// SCHED-SAME: #attn.core<tile = [0, 3], group = 0, column_in_group = 0, row = 0, rtp = "rtp_c0_r1", role = softmax, pipe_in = "s_c0", pipe_out = "p_c0">
// SCHED-SAME: #attn.core<tile = [0, 4], group = 0, column_in_group = 0, row = 0, step = "v_g0", out = "o_c0_r0", rtp = "rtp_c0_r2", role = pv, pipe_in = "p_c0">
// SCHED-SAME: cores_per_column = 1
// SCHED-SAME: #attn.fifo<name = "k_g0", producer = [0, 1], consumers = [array<i64: 0, 2>, array<i64: 1, 2>], depth = 2, object = memref<32x64xbf16>, use = step, group = 0>
// SCHED-SAME: #attn.fifo<name = "v_g0", producer = [0, 1], consumers = [array<i64: 0, 4>, array<i64: 1, 4>], depth = 2, object = memref<32x32xbf16>, use = step, group = 0>
// SCHED-SAME: #attn.fifo<name = "s_c0", producer = [0, 2], consumers = [array<i64: 0, 3>], depth = 2, object = memref<16x32xf32>, use = pipe, column = 0>
// SCHED-SAME: #attn.fifo<name = "p_c0", producer = [0, 3], consumers = [array<i64: 0, 4>], depth = 2, object = memref<544xf32>, use = pipe, column = 0>
// SCHED-SAME: stream_core_buffers = {pv = [#attn.buffer<use = "step", name = "v", object = memref<32x32xbf16>, copies = 2>, #attn.buffer<use = "output", name = "o", object = memref<16x32xbf16>, copies = 2>, #attn.buffer<use = "scratch", name = "acc", object = memref<16x32xf32>, copies = 1>, #attn.buffer<use = "scratch", name = "l", object = memref<16xf32>, copies = 1>, #attn.buffer<use = "rtp", name = "rtp", object = memref<2xi32>, copies = 1>], qk = [#attn.buffer<use = "item", name = "q", object = memref<16x64xbf16>, copies = 2>, #attn.buffer<use = "step", name = "k", object = memref<32x64xbf16>, copies = 2>, #attn.buffer<use = "pipe", name = "s", object = memref<16x32xf32>, copies = 2>, #attn.buffer<use = "rtp", name = "rtp", object = memref<2xi32>, copies = 1>], softmax = [#attn.buffer<use = "pipe", name = "p", object = memref<544xf32>, copies = 2>, #attn.buffer<use = "scratch", name = "m", object = memref<16xf32>, copies = 1>, #attn.buffer<use = "scratch", name = "l", object = memref<16xf32>, copies = 1>, #attn.buffer<use = "rtp", name = "rtp", object = memref<2xi32>, copies = 1>]}

// The device: K and V shim streams through 1:1 memtile links to their
// broadcasts; S [16][32] f32 from the QK core to the softmax core, P blocks
// (16 x 32 P + 16 factors + 16 row sums) from the softmax core to the PV
// core, which writes O.
// CHECK: aie.device(npu2) @attention_attention {
// CHECK-DAG: aie.objectfifo @o_c0_r0(%[[T04:tile_0_4]], {%[[M0:mem_tile_0_1]]}, 2 : i32) : !aie.objectfifo<memref<16x32xbf16>>
// CHECK-DAG: aie.objectfifo @k_g0(%[[M0]], {%[[T02:tile_0_2]], %tile_1_2}, 2 : i32) : !aie.objectfifo<memref<32x64xbf16>>
// CHECK-DAG: aie.objectfifo @v_g0(%[[M0]], {%[[T04]], %tile_1_4}, 2 : i32) : !aie.objectfifo<memref<32x32xbf16>>
// CHECK-DAG: aie.objectfifo @s_c0(%[[T02]], {%[[T03:tile_0_3]]}, 2 : i32) : !aie.objectfifo<memref<16x32xf32>>
// CHECK-DAG: aie.objectfifo @p_c0(%[[T03]], {%[[T04]]}, 2 : i32) : !aie.objectfifo<memref<544xf32>>
// CHECK-DAG: aie.objectfifo.link [@k_l3_g0] -> [@k_g0]([] [])
// CHECK-DAG: aie.objectfifo.link [@v_l3_g0] -> [@v_g0]([] [])
// QK core: Q, then per key block K in, S out; the block's visibility test
// guards the matmul and the position mask.
// CHECK: aie.core(%[[T02]]) {
// CHECK: aie.objectfifo.acquire @q_c0_r0(Consume, 1)
// CHECK: scf.for
// CHECK: aie.objectfifo.acquire @k_g0(Consume, 1)
// CHECK: aie.objectfifo.acquire @s_c0(Produce, 1)
// CHECK: scf.if
// CHECK-NEXT: func.call @attn_qk_bf16(
// CHECK-NEXT: func.call @attn_mask_positions(
// CHECK: aie.objectfifo.release @s_c0(Produce, 1)
// CHECK-NEXT: aie.objectfifo.release @k_g0(Consume, 1)
// CHECK: aie.objectfifo.release @q_c0_r0(Consume, 1)
// Softmax core: running max / sum; S released right after use.
// CHECK: aie.buffer(%[[T03]]) {sym_name = "m_c0_r1"} : memref<16xf32>
// CHECK: aie.core(%[[T03]]) {
// CHECK: func.call @attn_stream_softmax_init(%m_c0_r1, %l_c0_r1,
// CHECK: aie.objectfifo.acquire @s_c0(Consume, 1)
// CHECK: aie.objectfifo.acquire @p_c0(Produce, 1)
// CHECK: func.call @attn_stream_softmax(
// CHECK: aie.objectfifo.release @p_c0(Produce, 1)
// CHECK-NEXT: aie.objectfifo.release @s_c0(Consume, 1)
// PV core: rescale + P V per block, finalize into O.
// CHECK: aie.core(%[[T04]]) {
// CHECK: func.call @attn_stream_pv_init(%acc_c0_r2, %l_c0_r2,
// CHECK: aie.objectfifo.acquire @p_c0(Consume, 1)
// CHECK: aie.objectfifo.acquire @v_g0(Consume, 1)
// CHECK: func.call @attn_stream_pv_bf16({{.*}}, %acc_c0_r2, %l_c0_r2, {{.*}}) : (memref<544xf32>, memref<32x32xbf16>, i32, memref<16x32xf32>, memref<16xf32>, i32, i32, i32) -> ()
// CHECK: aie.objectfifo.release @v_g0(Consume, 1)
// CHECK-NEXT: aie.objectfifo.release @p_c0(Consume, 1)
// CHECK: aie.objectfifo.acquire @o_c0_r0(Produce, 1)
// CHECK-NEXT: aie.objectfifo.subview.access
// CHECK-NEXT: func.call @attn_finalize_bf16(%acc_c0_r2, %l_c0_r2,
// Every pipeline core gets valid_len.
// CHECK: aiex.npu.rtp_write(@rtp_c0_r0, 0, %arg3) : i32
// CHECK: aiex.npu.rtp_write(@rtp_c0_r1, 0, %arg3) : i32
// CHECK: aiex.npu.rtp_write(@rtp_c0_r2, 0, %arg3) : i32
// The layout each tile holds (aie-check-limits measured the same).
// CHECK: attn.layout_memory = [{{.*}}array<i64: 0, 3, 5512>

// ROUND: aie.objectfifo @s_c0(%tile_0_2, {%tile_0_3}, 2 : i32)
// ROUND: aie.core(%tile_0_4)

// STATS: core(0, 2): query_rows=16 scalar_accesses=16 computed_blocks=40
// STATS: core(0, 3): query_rows=16 scalar_accesses=40 computed_blocks=40 per_block=1 dynamic_fifo_loops=0 define_mismatches=0
// STATS: core(0, 4): query_rows=16 scalar_accesses=40 computed_blocks=40 per_block=1 dynamic_fifo_loops=0 define_mismatches=0

// NOPIPE: error: 'attn.stage' op 'attention': 'dma_schedule' field 'cores'[1] needs an 'pipe_in' FIFO for a stream pipeline's softmax core
// NOROLE: error: #attn.core: a 'fused' core has no core-to-core FIFOs ('pipe_in' / 'pipe_out')
