// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online},attn-tile{target=npu2 q-tile=16 kv-tile=32 columns=2 cores-per-column=4 kv-split=2},attn-pad-and-mask,attn-schedule-dma{kv-group-columns=2})" | FileCheck %s --check-prefix=REC
// RUN: attn-opt %s --attn-to-aie="target=npu2 fold=online q-tile=16 kv-tile=32 columns=2 cores-per-column=4 kv-split=2 kv-group-columns=2" | FileCheck %s --check-prefix=AIE
// RUN: attn-opt %s --attn-to-aie="target=npu2 fold=online q-tile=16 kv-tile=16 columns=2 cores-per-column=4 kv-split=4 kv-group-columns=2" | FileCheck %s --check-prefix=FOUR
// kv-group-columns=2 pins one broadcast group over both columns, the structure checked below.

// Cascade chains (kv_split = 2): 8 query tiles (2 heads x 4) on 2 columns x
// 2 chains of 2 cores. Each chain is its lane's cores, top to bottom (the
// cascade flows North to South); both consume the lane's Q FIFO and the
// group's K/V broadcast, whose core ends hold depth 2 x kv_split = 4
// objects (its memtile end 2: per-end depths);
// only the bottom core has an output FIFO; the upper core holds no O
// buffer (44160 B vs 48256 B in the stage layout).
func.func @small(%q: tensor<1x2x64x64xbf16>, %k: tensor<1x1x256x64xbf16>,
                 %v: tensor<1x1x256x64xbf16>) -> tensor<1x2x64x64xbf16> {
  %o = attn.attention %q, %k, %v causal bottom_right
       : tensor<1x2x64x64xbf16>, tensor<1x1x256x64xbf16>, tensor<1x1x256x64xbf16>
       -> tensor<1x2x64x64xbf16>
  return %o : tensor<1x2x64x64xbf16>
}
// REC: plan #attn.plan<target = "npu2", {{.*}}cores_per_column = 4, mapping = fused, kv_split = 2, depth = 2,
// REC-SAME: cascades = [#attn.cascade<column = 0, lane = 0, tiles = [array<i64: 0, 3>, array<i64: 0, 2>]>, #attn.cascade<column = 0, lane = 1, tiles = [array<i64: 0, 5>, array<i64: 0, 4>]>, #attn.cascade<column = 1, lane = 0, tiles = [array<i64: 1, 3>, array<i64: 1, 2>]>, #attn.cascade<column = 1, lane = 1, tiles = [array<i64: 1, 5>, array<i64: 1, 4>]>]
// REC-SAME: cores = [#attn.core<tile = [0, 3], group = 0, column_in_group = 0, row = 0, item = "q_c0_r0", step = "kv_g0">, #attn.core<tile = [0, 2], group = 0, column_in_group = 0, row = 0, item = "q_c0_r0", step = "kv_g0", out = "o_c0_r0">
// REC-SAME: cores_per_column = 2
// REC-SAME: depths = {core_step = 0 : i64, item = 2 : i64, output = 2 : i64, step = 4 : i64}
// REC-SAME: #attn.fifo<name = "kv_g0", producer = [0, 1], consumers = [array<i64: 0, 3>, array<i64: 0, 2>, array<i64: 0, 5>, array<i64: 0, 4>, array<i64: 1, 3>, array<i64: 1, 2>, array<i64: 1, 5>, array<i64: 1, 4>], depth = 2, object = memref<4096xbf16>, use = step, group = 0, consumer_depth = 4>
// REC-SAME: #attn.fifo<name = "q_c0_r0", producer = [0, 1], consumers = [array<i64: 0, 3>, array<i64: 0, 2>], depth = 2
// REC-SAME: #attn.fifo<name = "o_c0_r0", producer = [0, 2], consumers = [array<i64: 0, 1>]
// REC-SAME: kv_split = 2
// REC-SAME: tile_memory = [array<i64: 0, 3, 44160>, array<i64: 0, 2, 48256>,

// AIE-LABEL: aie.device(npu2) @small_attention
// AIE: aie.objectfifo @kv_g0(%mem_tile_0_1, {%tile_0_3, %tile_0_2, %tile_0_5, %tile_0_4, %tile_1_3, %tile_1_2, %tile_1_5, %tile_1_4}, [2 : i32, 4 : i32, 4 : i32, 4 : i32, 4 : i32, 4 : i32, 4 : i32, 4 : i32, 4 : i32])
// AIE-DAG: aie.cascade_flow(%tile_0_3, %tile_0_2)
// AIE-DAG: aie.cascade_flow(%tile_0_5, %tile_0_4)
// AIE-DAG: aie.cascade_flow(%tile_1_3, %tile_1_2)
// AIE-DAG: aie.cascade_flow(%tile_1_5, %tile_1_4)
// The top core of a chain takes the K/V objects two at a time, computes
// the first of each pair and passes its state down; the bottom core
// computes the second, merges and writes O.
// AIE: aie.core(%tile_0_3)
// AIE: scf.for
// AIE: %[[KV:.*]] = aie.objectfifo.acquire @kv_g0(Consume, 2)
// AIE: aie.objectfifo.subview.access %[[KV]][0]
// AIE: aie.objectfifo.release @kv_g0(Consume, 2)
// AIE: func.call @attn_cascade_put
// AIE-NOT: aie.objectfifo.acquire @o_
// AIE: aie.end
// AIE: aie.core(%tile_0_2)
// AIE: %[[KV2:.*]] = aie.objectfifo.acquire @kv_g0(Consume, 2)
// AIE: aie.objectfifo.subview.access %[[KV2]][1]
// AIE: func.call @attn_cascade_merge
// AIE-NOT: func.call @attn_cascade_put
// AIE: aie.objectfifo.acquire @o_c0_r0(Produce, 1)
// AIE: func.call @attn_finalize_bf16
// AIE: aie.end

// Four-core chains: one lane per column, the middle cores merge and put.
// FOUR-COUNT-6: aie.cascade_flow
// FOUR-NOT: aie.cascade_flow
// FOUR: aie.core(%tile_0_5)
// FOUR: aie.objectfifo.acquire @kv_g0(Consume, 4)
// FOUR: aie.core(%tile_0_4)
// FOUR: func.call @attn_cascade_merge
// FOUR-NEXT: func.call @attn_cascade_put
