// RUN: attn-opt %s --attn-fold="mode=unfolded target=npu2" --attn-tile="target=npu2 q-tile=16 kv-tile=32 columns=1" --attn-pad-and-mask --attn-schedule-dma | FileCheck %s --check-prefix=RECORD
// RUN: attn-opt %s --attn-fold="mode=unfolded target=npu2" --attn-tile="target=npu2 q-tile=16 kv-tile=32 columns=1" --attn-pad-and-mask --attn-schedule-dma --convert-attn-to-aie --aie-check-limits | FileCheck %s
// RUN: attn-opt %s --attn-to-aie="target=npu2 fold=unfolded q-tile=16 kv-tile=32 columns=1" --aie-count-traffic -o /dev/null 2>&1 | FileCheck %s --check-prefix=TRAFFIC
// A record whose steps are neither 0 (whole rows) nor two passes is rejected.
// RUN: attn-opt %s --attn-fold="mode=unfolded target=npu2" --attn-tile="target=npu2 q-tile=16 kv-tile=32 columns=1" --attn-pad-and-mask --attn-schedule-dma | sed -e 's/steps = 314 : i64/steps = 157 : i64/' | not attn-opt --convert-attn-to-aie 2>&1 | FileCheck %s --check-prefix=BADSTEPS
// RUN: attn-opt %s --attn-to-aie="target=npu2 fold=unfolded q-tile=16 kv-tile=32 columns=1" | %PYTHON -m attn.sim.core_stats --check - | FileCheck %s --check-prefix=STATS

// 5001 keys (padded to 5024): one f32 score row at depth 2 (S and P) is
// 5024 x 4 x 2 x 2 B > the 64 KiB of L1, so the unfolded softmax stage
// streams each row in kv_tile (32-key) chunks, twice: pass 1 folds the chunks
// into the running row max and sum, pass 2 reads them again and writes P
// chunk by chunk. L1 holds [16][32] S and P tiles and 16 max/sum pairs.
func.func @layer(%q: tensor<1x2x20x64xbf16>, %k: tensor<1x1x5001x64xbf16>, %v: tensor<1x1x5001x64xbf16>) -> tensor<1x2x20x64xbf16> {
  %o = attn.attention %q, %k, %v causal bottom_right
       : tensor<1x2x20x64xbf16>, tensor<1x1x5001x64xbf16>, tensor<1x1x5001x64xbf16> -> tensor<1x2x20x64xbf16>
  return %o : tensor<1x2x20x64xbf16>
}

// The decision is in the record: kv_tile = the chunk, steps = 2 passes x
// 157 chunks; the core buffers are the chunk FIFO ends and the statistics.
// RECORD: attn.stage "softmax"
// RECORD-SAME: dma_schedule = {arguments = ["s", "p"]
// RECORD-SAME: core_buffers = [#attn.buffer<use = "core_step", name = "s", object = memref<16x32xf32>, copies = 2>, #attn.buffer<use = "output", name = "p", object = memref<16x32xf32>, copies = 2>, #attn.buffer<use = "scratch", name = "m", object = memref<16xf32>, copies = 1>, #attn.buffer<use = "scratch", name = "l", object = memref<16xf32>, copies = 1>]
// RECORD-SAME: kv_tile = 32 : i64, l1_bytes = 9344 : i64
// RECORD-SAME: steps = 314 : i64

// CHECK: aie.device(npu2) @layer_softmax {
// CHECK-DAG: aie.objectfifo @s_l3_c0(%{{.*}}, {%{{.*}}}, 2 : i32) : !aie.objectfifo<memref<32x32xf32>>
// CHECK-DAG: aie.objectfifo @s_c0_r0(%{{.*}}, {%{{.*}}}, 2 : i32) : !aie.objectfifo<memref<16x32xf32>>
// CHECK-DAG: aie.objectfifo @p_c0_r0(%{{.*}}, {%{{.*}}}, 2 : i32) : !aie.objectfifo<memref<16x32xf32>>
// CHECK-DAG: aie.objectfifo.link [@s_l3_c0] -> [@s_c0_r0, @s_c0_r1]([] [0, 512])
// CHECK: %m_c0_r0 = aie.buffer(%{{.*}}) {sym_name = "m_c0_r0"} : memref<16xf32>
// CHECK: %l_c0_r0 = aie.buffer(%{{.*}}) {sym_name = "l_c0_r0"} : memref<16xf32>
// CHECK: aie.core(
// CHECK-NOT: memref.store
// CHECK: func.call @attn_softmax_stats_init(%m_c0_r0, %l_c0_r0, %c16_i32)
// CHECK: scf.for %{{.*}} = %c0 to %c157 step %c1 {
// CHECK-NEXT: aie.objectfifo.acquire @s_c0_r0(Consume, 1)
// CHECK-NEXT: %[[S1:.*]] = aie.objectfifo.subview.access
// CHECK-NEXT: func.call @attn_softmax_stats(%[[S1]], %c32_i32, %c0_i32, %m_c0_r0, %l_c0_r0, %c16_i32, %c32_i32)
// CHECK-NEXT: aie.objectfifo.release @s_c0_r0(Consume, 1)
// CHECK: scf.for %{{.*}} = %c0 to %c157 step %c1 {
// CHECK-NEXT: aie.objectfifo.acquire @s_c0_r0(Consume, 1)
// CHECK-NEXT: %[[S2:.*]] = aie.objectfifo.subview.access
// CHECK-NEXT: aie.objectfifo.acquire @p_c0_r0(Produce, 1)
// CHECK-NEXT: %[[P:.*]] = aie.objectfifo.subview.access
// CHECK-NEXT: func.call @attn_softmax_normalize(%[[S2]], %c32_i32, %c0_i32, %m_c0_r0, %l_c0_r0, %[[P]], %c16_i32, %c32_i32)
// CHECK-NEXT: aie.objectfifo.release @p_c0_r0(Produce, 1)
// CHECK-NEXT: aie.objectfifo.release @s_c0_r0(Consume, 1)
// CHECK-NOT: memref.store
// CHECK: aie.end
// The runtime sequence reads every S chunk twice (repeat 2) and writes P once.
// CHECK: aie.runtime_sequence @layer_softmax(%[[SA:.*]]: memref<321536xf32>, %[[PA:.*]]: memref<321536xf32>)
// CHECK-DAG: aiex.npu.dma_memcpy_nd(%[[PA]][0, 0, 0, 0][1, 157, 32, 32][0, 32, 5024, 1]) {{.*}}metadata = @p_l3_c0}
// CHECK-DAG: aiex.npu.dma_memcpy_nd(%[[SA]][0, 0, 0, 0][2, 157, 32, 32][0, 32, 5024, 1]) {{.*}}metadata = @s_l3_c0}
// Exact DRAM traffic: S (2 x 20->32 rows x 5024 keys x 4 B = 1286144 B) read twice.
// TRAFFIC: remark: DRAM traffic of @layer_softmax: read 2572288 B, write 1286144 B, total 3858432 B

// The softmax cores (second device) move no element themselves.
// STATS-COUNT-4: core(0, {{[2-5]}}): query_rows=16 scalar_accesses=0
// STATS: core(0, 2): query_rows=16 scalar_accesses=0 computed_blocks=0 per_block=0 dynamic_fifo_loops=0 define_mismatches=0
// STATS: core(0, 3): query_rows=16 scalar_accesses=0 computed_blocks=0 per_block=0 dynamic_fifo_loops=0 define_mismatches=0

// BADSTEPS: error: {{.*}}'kv_tile' and 'steps' (32, 157) must walk whole passes over the 5024 padded keys (a softmax: 0 steps, or two passes)
