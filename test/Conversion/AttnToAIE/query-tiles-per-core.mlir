// Several query tiles per core (#attn.plan l2_q_block = k x cores_per_column
// x q_tile): each core keeps k query tiles and k online-softmax states
// against ONE K/V stream, so a K/V block broadcast to the group serves k
// items per core and K/V are read from DRAM k times less often.
// MQA, 4 heads x 8 query tiles of 32 = 32 items per kv head, one group of
// 2 columns x 2 cores: k = 1 takes 8 rounds, k = 2 takes 4.
// RUN: attn-opt %s --attn-to-aie="target=npu2 fold=online q-tile=32 kv-tile=32 l2-q-block=128 columns=2 cores-per-column=2" | FileCheck %s
// RUN: attn-opt %s --attn-to-aie="target=npu2 fold=online q-tile=32 kv-tile=32 l2-q-block=128 columns=2 cores-per-column=2" | FileCheck %s --check-prefix=REC
// RUN: attn-opt %s --attn-to-aie="target=npu2 fold=online q-tile=32 kv-tile=32 l2-q-block=128 l2-kv-block=32 columns=2 cores-per-column=2" --aie-check-limits --aie-count-traffic --mlir-print-op-on-diagnostic=false 2>&1 >/dev/null | FileCheck %s --check-prefix=TRAFFIC2
// RUN: attn-opt %s --attn-to-aie="target=npu2 fold=online q-tile=32 kv-tile=32 l2-q-block=64 l2-kv-block=32 columns=2 cores-per-column=2" --aie-count-traffic --mlir-print-op-on-diagnostic=false 2>&1 >/dev/null | FileCheck %s --check-prefix=TRAFFIC1
// RUN: attn-opt %s --attn-to-aie="target=npu2 fold=full q-tile=16 kv-tile=32 l2-q-block=32 l2-kv-block=32 columns=2 cores-per-column=2" --aie-count-traffic --mlir-print-op-on-diagnostic=false 2>&1 >/dev/null | FileCheck %s --check-prefix=TRAFFICF1
// k = 4 (q-tile 16, 16 items per round, 4 rounds): the memtile keeps the
// plan's depth of the split Q object (its buffer descriptors do not grow),
// each core's end of the item FIFO holds max(depth, k) = 4 tiles.
// RUN: attn-opt %s --attn-to-aie="target=npu2 fold=online q-tile=16 kv-tile=32 l2-q-block=128 columns=2 cores-per-column=2" --aie-check-limits | FileCheck %s --check-prefix=K4
// RUN: attn-opt %s --attn-to-aie="target=npu2 fold=online q-tile=16 kv-tile=32 l2-kv-block=32 l2-q-block=128 columns=2 cores-per-column=2" --aie-count-traffic --mlir-print-op-on-diagnostic=false 2>&1 >/dev/null | FileCheck %s --check-prefix=TRAFFIC4
// The whole npu2 array (32 cores x 2 tiles = the 64 query tiles of the kv
// head): one round, K and V read from DRAM exactly once (32768 B each).
// RUN: attn-opt %s --attn-to-aie="target=npu2 fold=online q-tile=16 kv-tile=32 l2-kv-block=32 l2-q-block=128 columns=8 cores-per-column=4" --aie-check-limits --aie-count-traffic --mlir-print-op-on-diagnostic=false 2>&1 >/dev/null | FileCheck %s --check-prefix=ONCE
// The full fold: k score row buffers and accumulators, both key passes
// serve the k tiles.
// RUN: attn-opt %s --attn-to-aie="target=npu2 fold=full q-tile=16 kv-tile=32 l2-q-block=64 columns=2 cores-per-column=2" | FileCheck %s --check-prefix=FULL
// RUN: attn-opt %s --attn-to-aie="target=npu2 fold=full q-tile=16 kv-tile=32 l2-kv-block=32 l2-q-block=64 columns=2 cores-per-column=2" --aie-check-limits --aie-count-traffic --mlir-print-op-on-diagnostic=false 2>&1 >/dev/null | FileCheck %s --check-prefix=TRAFFICF
// The other stages keep one query tile: a plan asking for more is rejected
// (attn-tile, by the cost model's emittable-plan predicate).
// RUN: not attn-opt %s --attn-to-aie="target=npu2 fold=unfolded q-tile=32 kv-tile=32 l2-q-block=128 columns=2 cores-per-column=2" 2>&1 | FileCheck %s --check-prefix=UNFOLDED

func.func @mqa(%q: tensor<1x4x256x64xbf16>, %k: tensor<1x1x256x64xbf16>, %v: tensor<1x1x256x64xbf16>) -> tensor<1x4x256x64xbf16> {
  %o = attn.attention %q, %k, %v : tensor<1x4x256x64xbf16>, tensor<1x1x256x64xbf16>, tensor<1x1x256x64xbf16> -> tensor<1x4x256x64xbf16>
  return %o : tensor<1x4x256x64xbf16>
}

// The record: 2 tiles per core, 4 rounds; the item FIFO holds max(depth, k).
// REC: cores_per_group = 4 : i64, depths = {core_step = 0 : i64, item = 2 : i64, output = 2 : i64, step = 2 : i64}
// REC-SAME: query_tiles_per_core = 2 : i64
// REC-SAME: rounds_per_kv_head = 4 : i64
// CHECK: aie.objectfifo @q_l3_c0(%{{.*}}, {%{{.*}}}, 2 : i32) : !aie.objectfifo<memref<64x64xbf16>>
// CHECK: aie.objectfifo @q_c0_r0(%{{.*}}, {%{{.*}}}, 2 : i32) : !aie.objectfifo<memref<32x64xbf16>>
// Two states per core, one aie.buffer each; one shared score tile.
// CHECK-DAG: aie.buffer(%{{.*}}) {sym_name = "s_c0_r0"} : memref<32x32xf32>
// CHECK-DAG: aie.buffer(%{{.*}}) {sym_name = "m_c0_r0_t0"} : memref<32xf32>
// CHECK-DAG: aie.buffer(%{{.*}}) {sym_name = "m_c0_r0_t1"} : memref<32xf32>
// CHECK-DAG: aie.buffer(%{{.*}}) {sym_name = "acc_c0_r0_t0"} : memref<32x64xf32>
// CHECK-DAG: aie.buffer(%{{.*}}) {sym_name = "acc_c0_r0_t1"} : memref<32x64xf32>
// CHECK: aie.core(%tile_0_2)
// CHECK: %[[Q:.*]] = aie.objectfifo.acquire @q_c0_r0(Consume, 2)
// CHECK: %[[Q0:.*]] = aie.objectfifo.subview.access %[[Q]][0]
// CHECK: %[[Q1:.*]] = aie.objectfifo.subview.access %[[Q]][1]
// CHECK: func.call @attn_online_init(%m_c0_r0_t0, %l_c0_r0_t0, %acc_c0_r0_t0
// CHECK: func.call @attn_online_init(%m_c0_r0_t1, %l_c0_r0_t1, %acc_c0_r0_t1
// One K/V object per step serves both tiles.
// CHECK: %[[KV:.*]] = aie.objectfifo.acquire @kv_g0(Consume, 1)
// CHECK: %[[O:.*]] = aie.objectfifo.subview.access %[[KV]][0]
// CHECK: func.call @attn_qk_bf16(%[[Q0]], %[[O]],
// CHECK: func.call @attn_online_update_bf16({{.*}}, %[[O]], {{.*}}, %m_c0_r0_t0, %l_c0_r0_t0, %acc_c0_r0_t0
// CHECK: func.call @attn_qk_bf16(%[[Q1]], %[[O]],
// CHECK: func.call @attn_online_update_bf16({{.*}}, %[[O]], {{.*}}, %m_c0_r0_t1, %l_c0_r0_t1, %acc_c0_r0_t1
// CHECK: aie.objectfifo.release @kv_g0(Consume, 1)
// CHECK: aie.objectfifo.acquire @o_c0_r0(Produce, 1)
// CHECK: func.call @attn_finalize_bf16(%acc_c0_r0_t0, %l_c0_r0_t0
// CHECK: aie.objectfifo.release @o_c0_r0(Produce, 1)
// CHECK: aie.objectfifo.acquire @o_c0_r0(Produce, 1)
// CHECK: func.call @attn_finalize_bf16(%acc_c0_r0_t1, %l_c0_r0_t1
// CHECK: aie.objectfifo.release @o_c0_r0(Produce, 1)
// CHECK: aie.objectfifo.release @q_c0_r0(Consume, 2)

// Q 4 x 256 x 64 x 2 B = 131072 B read and O written once; K and V
// (256 x 64 x 2 B = 32768 B each) once per round: 4 rounds with k = 2, 8 with k = 1.
// TRAFFIC2: DRAM traffic of @mqa_attention: read 393216 B, write 131072 B, total 524288 B; arg 0 (arg0): read 131072 B, write 0 B; arg 1 (arg1): read 131072 B, write 0 B; arg 2 (arg2): read 131072 B, write 0 B; arg 3 (arg3): read 0 B, write 131072 B
// TRAFFIC1: DRAM traffic of @mqa_attention: read 655360 B, write 131072 B, total 786432 B; arg 0 (arg0): read 131072 B, write 0 B; arg 1 (arg1): read 262144 B, write 0 B; arg 2 (arg2): read 262144 B, write 0 B; arg 3 (arg3): read 0 B, write 131072 B

// K4: aie.objectfifo @q_l3_c0(%{{.*}}, {%{{.*}}}, 2 : i32) : !aie.objectfifo<memref<32x64xbf16>>
// K4: aie.objectfifo @q_c0_r0(%{{.*}}, {%{{.*}}}, 4 : i32) : !aie.objectfifo<memref<16x64xbf16>>
// K4: aie.objectfifo.acquire @q_c0_r0(Consume, 4)
// K4-COUNT-4: func.call @attn_online_init
// K4: aie.objectfifo.release @q_c0_r0(Consume, 4)
// K4: query_tiles_per_core = 4 : i64
// TRAFFIC4: DRAM traffic of @mqa_attention: read 393216 B, write 131072 B, total 524288 B; arg 0 (arg0): read 131072 B, write 0 B; arg 1 (arg1): read 131072 B, write 0 B; arg 2 (arg2): read 131072 B, write 0 B

// ONCE: DRAM traffic of @mqa_attention: read 196608 B, write 131072 B, total 327680 B; arg 0 (arg0): read 131072 B, write 0 B; arg 1 (arg1): read 32768 B, write 0 B; arg 2 (arg2): read 32768 B, write 0 B; arg 3 (arg3): read 0 B, write 131072 B

// FULL-DAG: aie.buffer(%{{.*}}) {sym_name = "srow_c0_r0_t0"} : memref<16x256xf32>
// FULL-DAG: aie.buffer(%{{.*}}) {sym_name = "srow_c0_r0_t1"} : memref<16x256xf32>
// FULL: aie.objectfifo.acquire @q_c0_r0(Consume, 2)
// FULL: func.call @attn_softmax_rows(%srow_c0_r0_t0, %srow_c0_r0_t0,
// FULL: func.call @attn_softmax_rows(%srow_c0_r0_t1, %srow_c0_r0_t1,
// FULL: func.call @attn_store_bf16(%acc_c0_r0_t0,
// FULL: func.call @attn_store_bf16(%acc_c0_r0_t1,
// FULL: query_tiles_per_core = 2 : i64
// Two key passes per round: K and V blocks twice per round; k = 2 halves
// the K/V bytes of k = 1 (524288 B each).
// TRAFFICF: DRAM traffic of @mqa_attention: read 655360 B, write 131072 B, total 786432 B; arg 0 (arg0): read 131072 B, write 0 B; arg 1 (arg1): read 262144 B, write 0 B; arg 2 (arg2): read 262144 B, write 0 B

// TRAFFICF1: DRAM traffic of @mqa_attention: read 1179648 B, write 131072 B, total 1310720 B; arg 0 (arg0): read 131072 B, write 0 B; arg 1 (arg1): read 524288 B, write 0 B; arg 2 (arg2): read 524288 B, write 0 B

// UNFOLDED: error: attn-tile: plan field 'l2_q_block' 128 is not emitted: the AIE back end keeps k query tiles per lane per round (l2_q_block = k x 2 lanes per column x q_tile 32 = k x 64), k > 1 only in the fused online and full folds without a cascade or a query-varying mask/bias
