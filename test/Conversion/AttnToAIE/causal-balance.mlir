// RUN: attn-opt %s --split-input-file --attn-schedule-dma | FileCheck %s
// RUN: attn-opt %s --split-input-file --attn-schedule-dma --convert-attn-to-aie --aie-check-limits | FileCheck %s --check-prefix=AIE
// A record whose round classes stream fewer key blocks than an item of the
// round computes, or do not cover the chunk's rounds, is a located error.
// RUN: attn-opt %s --split-input-file --attn-schedule-dma | sed -e 's/round_classes = \[array<i64: 1, 1, 1, 1, 2,/round_classes = [array<i64: 1, 1, 1, 1, 1,/' | not attn-opt --split-input-file --convert-attn-to-aie --mlir-print-op-on-diagnostic=false 2>&1 | FileCheck %s --check-prefix=FEW
// RUN: attn-opt %s --split-input-file --attn-schedule-dma | sed -e 's/round_classes = \[array<i64: 1, 1, 1,/round_classes = [array<i64: 1, 2, 1,/' | not attn-opt --split-input-file --convert-attn-to-aie --mlir-print-op-on-diagnostic=false 2>&1 | FileCheck %s --check-prefix=COVER
// One chunk per kv head over one group of 4 columns: the chunk's 4 rounds
// repeat the pattern of its 2 heads (round classes (1 round, 4 blocks),
// (1, 8), run twice: one loop over the repeats around the two class loops).
// RUN: attn-opt %s --split-input-file "--attn-schedule-dma=kv-group-columns=4 query-chunks=1" | FileCheck %s --check-prefix=PERIOD
// RUN: attn-opt %s --split-input-file "--attn-schedule-dma=kv-group-columns=4 query-chunks=1" --convert-attn-to-aie --aie-check-limits | FileCheck %s --check-prefix=PLOOPS
// RUN: attn-opt %s --split-input-file "--attn-schedule-dma=kv-group-columns=4 query-chunks=1" --convert-attn-to-aie --aie-count-traffic --mlir-print-op-on-diagnostic=false 2>&1 >/dev/null | FileCheck %s --check-prefix=PTRAFFIC
// RUN: attn-opt %s --split-input-file --attn-schedule-dma --convert-attn-to-aie --aie-count-traffic --mlir-print-op-on-diagnostic=false 2>&1 >/dev/null | FileCheck %s --check-prefix=TRAFFIC

// Causal balance (issue 12): a causal layer's units are dealt to the
// broadcast groups boustrophedon (odd dealing rows reverse the groups and the
// columns), pairing early query tiles with late ones, and the record carries
// the key blocks of the busiest core and of all cores: here 4 groups of one
// column, 2 chunks per kv head, every core computes 36 of the 288 blocks
// (busiest / mean = 1.0; the former choice, one group of 4 columns without
// chunks, gave the busiest core 48, 1.33x the mean).
#plan = #attn.plan<target = "npu2", q_tile = 16, kv_tile = 32, head_dim_tile = 64, l2_q_block = 32, l2_kv_block = 32, intrinsic = [4, 8, 8], columns = 4, cores_per_column = 2, mapping = fused, depth = 2, padded_q_len = 256, padded_kv_len = 256, padded_head_dim = 64, padded_value_dim = 64>
func.func @causal(%q: tensor<1x4x256x64xbf16>, %k: tensor<1x2x256x64xbf16>, %v: tensor<1x2x256x64xbf16>) -> tensor<1x4x256x64xbf16> {
  %o = attn.stage "attention" fold online plan #plan
      ins(%a = %q, %b = %k, %c = %v : tensor<1x4x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>)
      -> tensor<1x4x256x64xbf16> {
    %s = attn.qk %a, %b causal top_left scale 0.125 : tensor<1x4x256x64xbf16>, tensor<1x2x256x64xbf16> -> tensor<1x4x256x256xf32>
    %r = attn.online_softmax_pv %s, %c : tensor<1x4x256x256xf32>, tensor<1x2x256x64xbf16> -> tensor<1x4x256x64xbf16>
    attn.yield %r : tensor<1x4x256x64xbf16>
  }
  return %o : tensor<1x4x256x64xbf16>
}
// CHECK-LABEL: func.func @causal
// CHECK: dma_schedule = {
// CHECK-SAME: lane_key_blocks = array<i64: 36, 288, 8>
// CHECK-SAME: query_chunks = 2
// CHECK-SAME: round_classes = [array<i64: 1, 1, 1, 1, 2, 1, 3, 1, 4, 1, 5, 1, 6, 1, 7, 1, 8>, array<i64: 1, 1, 1, 1, 2, 1, 3, 1, 4, 1, 5, 1, 6, 1, 7, 1, 8>]
// CHECK-SAME: zigzag_units = true
// AIE: aie.device(npu2) @causal_attention
// AIE: lane_key_blocks = array<i64: {{[0-9]+}}, {{[0-9]+}}, 8>
// Round classes: a kv head's 32 items (2 heads x 16 query tiles) are 2
// chunks of 8 rounds of 2 query tiles; round t's last tile (2t + 1) sees
// t + 1 of the 8 key blocks, and the round streams exactly those
// (`round_classes`: (1 round, t + 1 blocks) each). K and V each cross DRAM
// 2 kv heads x 2 chunks x (1 + ... + 8) = 144 blocks x 4096 B = 589824 B
// (streaming every block every round: 2 x 16 x 8 x 4096 = 1048576 B).
// TRAFFIC: remark: DRAM traffic of @causal_attention: read 1310720 B, write 131072 B, total 1441792 B; arg 0 (arg0): read 131072 B, write 0 B; arg 1 (arg1): read 589824 B, write 0 B; arg 2 (arg2): read 589824 B, write 0 B; arg 3 (arg3): read 0 B, write 131072 B

// -----

// Without a causal rule every item computes the same blocks: round-robin
// dealing, busiest = total / cores.
#plan = #attn.plan<target = "npu2", q_tile = 16, kv_tile = 32, head_dim_tile = 64, l2_q_block = 32, l2_kv_block = 32, intrinsic = [4, 8, 8], columns = 4, cores_per_column = 2, mapping = fused, depth = 2, padded_q_len = 256, padded_kv_len = 256, padded_head_dim = 64, padded_value_dim = 64>
func.func @dense(%q: tensor<1x4x256x64xbf16>, %k: tensor<1x2x256x64xbf16>, %v: tensor<1x2x256x64xbf16>) -> tensor<1x4x256x64xbf16> {
  %o = attn.stage "attention" fold online plan #plan
      ins(%a = %q, %b = %k, %c = %v : tensor<1x4x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>)
      -> tensor<1x4x256x64xbf16> {
    %s = attn.qk %a, %b scale 0.125 : tensor<1x4x256x64xbf16>, tensor<1x2x256x64xbf16> -> tensor<1x4x256x256xf32>
    %r = attn.online_softmax_pv %s, %c : tensor<1x4x256x256xf32>, tensor<1x2x256x64xbf16> -> tensor<1x4x256x64xbf16>
    attn.yield %r : tensor<1x4x256x64xbf16>
  }
  return %o : tensor<1x4x256x64xbf16>
}
// CHECK-LABEL: func.func @dense
// CHECK: dma_schedule = {
// CHECK-SAME: lane_key_blocks = array<i64: 64, 512, 8>
// CHECK-NOT: round_classes
// CHECK-SAME: zigzag_units = false
// Every round streams all 8 key blocks: 2 kv heads x 4 rounds x 8 x 4096 B.
// TRAFFIC: remark: DRAM traffic of @dense_attention: read 655360 B, write 131072 B, total 786432 B; arg 0 (arg0): read 131072 B, write 0 B; arg 1 (arg1): read 262144 B, write 0 B; arg 2 (arg2): read 262144 B, write 0 B; arg 3 (arg3): read 0 B, write 131072 B

// FEW: error: 'attn.stage' op 'attention': 'dma_schedule' field 'round_classes'[0] streams 1 key blocks in round 1, whose query tile 2 computes 2
// COVER: error: 'attn.stage' op 'attention': 'dma_schedule' field 'round_classes'[0] covers 1 x 9 rounds; the chunk has 8

// PERIOD-LABEL: func.func @causal
// PERIOD: round_classes = [array<i64: 2, 1, 4, 1, 8>]
// PLOOPS: aie.core(%tile_0_2) {
// PLOOPS-DAG: %[[C0:.*]] = arith.constant 0 : index
// PLOOPS-DAG: %[[C1:.*]] = arith.constant 1 : index
// PLOOPS-DAG: %[[C2:.*]] = arith.constant 2 : index
// PLOOPS-DAG: %[[C4:.*]] = arith.constant 4 : index
// PLOOPS-DAG: %[[C8:.*]] = arith.constant 8 : index
// PLOOPS: scf.for %{{.*}} = %[[C0]] to %[[C2]] step %[[C1]] {
// PLOOPS: aie.objectfifo.acquire @q_c0_r0(Consume, 1)
// PLOOPS: scf.for %{{.*}} = %[[C0]] to %[[C4]] step %[[C1]] {
// PLOOPS: aie.objectfifo.acquire @kv_g0(Consume, 1)
// PLOOPS: aie.objectfifo.release @q_c0_r0(Consume, 1)
// PLOOPS: aie.objectfifo.acquire @q_c0_r0(Consume, 1)
// PLOOPS: scf.for %{{.*}} = %[[C0]] to %[[C8]] step %[[C1]] {
// PLOOPS: aie.objectfifo.acquire @kv_g0(Consume, 1)
// K and V: 2 kv heads x 2 repeats x (4 + 8) blocks x 4096 B = 196608 B each.
// PTRAFFIC: remark: DRAM traffic of @causal_attention: read 524288 B, write 131072 B, total 655360 B; arg 0 (arg0): read 131072 B, write 0 B; arg 1 (arg1): read 196608 B, write 0 B; arg 2 (arg2): read 196608 B, write 0 B; arg 3 (arg3): read 0 B, write 131072 B
