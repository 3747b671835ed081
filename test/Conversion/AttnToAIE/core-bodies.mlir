// Core bodies of every fold: no tile is moved element by element (scalar
// memref.load/store per computed block <= the query rows: only the valid_len
// read per query tile remains), and every loop that acquires or releases an
// object FIFO has constant bounds, also when the query tiles of a kv head
// are cut into chunks of different round counts (query-chunks=2 over 5 query
// tiles and 2 cores: 1 and 2 rounds, peeled into constant loops).
// attn.sim.core_stats --check exits 1 on a violation, which fails the RUN.
// RUN: attn-opt %s --attn-to-aie="target=npu2 fold=online q-tile=32 kv-tile=32 l2-q-block=32 columns=2 cores-per-column=1 kv-group-columns=2 query-chunks=2" | %PYTHON -m attn.sim.core_stats --check - | FileCheck %s --check-prefix=ONLINE
// RUN: attn-opt %s --attn-to-aie="target=npu2 fold=full q-tile=32 kv-tile=32 l2-q-block=32 columns=2 cores-per-column=1 kv-group-columns=2 query-chunks=2" | %PYTHON -m attn.sim.core_stats --check - | FileCheck %s --check-prefix=FULL
// RUN: attn-opt %s --attn-to-aie="target=npu2 fold=partial q-tile=32 kv-tile=32 columns=2 cores-per-column=1 kv-group-columns=2 query-chunks=2" | %PYTHON -m attn.sim.core_stats --check - | FileCheck %s --check-prefix=PARTIAL
// RUN: attn-opt %s --attn-to-aie="target=npu1 fold=unfolded q-tile=32 kv-tile=32 columns=2" | %PYTHON -m attn.sim.core_stats --check - | FileCheck %s --check-prefix=UNFOLDED
// RUN: attn-opt %s --attn-to-aie="target=npu2 fold=online q-tile=32 kv-tile=32 l2-q-block=32 columns=2 cores-per-column=1 kv-group-columns=2 query-chunks=2" | FileCheck %s --check-prefix=LOOPS
// Two query tiles per core (l2-q-block = 2 x 1 core x q-tile): a round gives
// each core 2 items against one K/V stream; one valid_len read per round.
// (attn-schedule-dma takes fewer tiles per core when a kv head's query
// tiles cannot fill the rounds: a round of k tiles lasts k times one's.)
// RUN: attn-opt %s --attn-to-aie="target=npu2 fold=online q-tile=8 kv-tile=32 l2-q-block=16 columns=2 cores-per-column=1 kv-group-columns=2 query-chunks=1" | %PYTHON -m attn.sim.core_stats --check - | FileCheck %s --check-prefix=ONLINE2
// RUN: attn-opt %s --attn-to-aie="target=npu2 fold=full q-tile=8 kv-tile=32 l2-q-block=16 columns=2 cores-per-column=1 kv-group-columns=2 query-chunks=1" | %PYTHON -m attn.sim.core_stats --check - | FileCheck %s --check-prefix=FULL2
// The kernel calls' size arguments equal the compile-time sizes recorded on
// the declarations; a declaration edited to other sizes is reported.
// RUN: attn-opt %s --attn-to-aie="target=npu2 fold=full q-tile=32 kv-tile=32 columns=2" | sed -e 's/ATTN_TQ = 32/ATTN_TQ = 16/' | not %PYTHON -m attn.sim.core_stats --check - 2>&1 | FileCheck %s --check-prefix=MISMATCH

func.func @layer(%q: tensor<1x2x160x64xbf16>, %k: tensor<1x2x150x64xbf16>, %v: tensor<1x2x150x64xbf16>, %n: tensor<1xi32>) -> tensor<1x2x160x64xbf16> {
  %o = attn.attention %q, %k, %v valid_len(%n : tensor<1xi32>) causal bottom_right
       : tensor<1x2x160x64xbf16>, tensor<1x2x150x64xbf16>, tensor<1x2x150x64xbf16> -> tensor<1x2x160x64xbf16>
  return %o : tensor<1x2x160x64xbf16>
}

// 2 kv heads x (1 + 2 rounds) query tiles; the causal online stage streams
// each round only the key blocks its items compute (round classes): query
// tiles 0-1 see 2 blocks, 2-3 4, 3-4 5, so 2 x (2 + 4 + 5) = 22 blocks per
// core (the full fold streams all 5 every round: 30); 6 scalar accesses: the
// valid_len read of each query tile.
// ONLINE: core(0, 2): query_rows=32 scalar_accesses=6 computed_blocks=22 per_block=0.273 dynamic_fifo_loops=0 define_mismatches=0
// ONLINE: core(1, 2): query_rows=32 scalar_accesses=6 computed_blocks=22 per_block=0.273 dynamic_fifo_loops=0
// FULL: core(0, 2): query_rows=32 scalar_accesses=6 computed_blocks=30 per_block=0.2 dynamic_fifo_loops=0
// FULL: core(1, 2): query_rows=32 scalar_accesses=6 computed_blocks=30 per_block=0.2 dynamic_fifo_loops=0
// Two query tiles per core (q-tile 8: 20 query tiles per kv head, 5
// rounds of 2 cores x 2 tiles): the full fold streams 2 kv heads x 5 rounds
// x 2 tiles x 5 key blocks = 100 blocks per core; the online stage streams
// round t's t + 1 visible blocks, 2 x 2 x 15 = 60, less core 0's first tile
// (query tile 0 sees no key: its call is folded away), 59; 10 scalar
// accesses: one valid_len read per round.
// ONLINE2: core(0, 2): query_rows=8 scalar_accesses=10 computed_blocks=59 per_block=0.169 dynamic_fifo_loops=0 define_mismatches=0
// ONLINE2: core(1, 2): query_rows=8 scalar_accesses=10 computed_blocks=59 per_block=0.169 dynamic_fifo_loops=0
// FULL2: core(0, 2): query_rows=8 scalar_accesses=10 computed_blocks=100 per_block=0.1 dynamic_fifo_loops=0
// FULL2: core(1, 2): query_rows=8 scalar_accesses=10 computed_blocks=100 per_block=0.1 dynamic_fifo_loops=0
// The partial fold: the qk+softmax device, then the P V device (its store
// kernel zeroes padded query rows).
// PARTIAL: core(0, 2): query_rows=32 scalar_accesses=6 computed_blocks=30 per_block=0.2 dynamic_fifo_loops=0
// PARTIAL: core(1, 2): query_rows=32 scalar_accesses=6 computed_blocks=30 per_block=0.2 dynamic_fifo_loops=0
// PARTIAL: core(0, 2): query_rows=32 scalar_accesses=6 computed_blocks=30 per_block=0.2 dynamic_fifo_loops=0
// UNFOLDED: query_rows=32 {{.*}} dynamic_fifo_loops=0
// UNFOLDED-NOT: dynamic_fifo_loops=1

// The peeled work loop: whole periods of (1 round, 2 rounds) units, every
// bound a constant; each round's key-step loop runs its round class's
// blocks (2, then 4 and 5: single rounds are not wrapped in a loop).
// LOOPS: aie.core(%tile_0_2) {
// LOOPS-DAG: %[[C0:.*]] = arith.constant 0 : index
// LOOPS-DAG: %[[C1:.*]] = arith.constant 1 : index
// LOOPS-DAG: %[[C2:.*]] = arith.constant 2 : index
// LOOPS-DAG: %[[C4:.*]] = arith.constant 4 : index
// LOOPS-DAG: %[[C5:.*]] = arith.constant 5 : index
// LOOPS: scf.for %{{.*}} = %[[C0]] to %[[C2]] step %[[C1]] {
// LOOPS: aie.objectfifo.acquire @q_c0_r0(Consume, 1)
// LOOPS: scf.for %{{.*}} = %[[C0]] to %[[C2]] step %[[C1]] {
// LOOPS: aie.objectfifo.acquire @kv_g0(Consume, 1)
// LOOPS: aie.objectfifo.release @kv_g0(Consume, 1)
// LOOPS: aie.objectfifo.release @q_c0_r0(Consume, 1)
// LOOPS: aie.objectfifo.acquire @q_c0_r0(Consume, 1)
// LOOPS: scf.for %{{.*}} = %[[C0]] to %[[C4]] step %[[C1]] {
// LOOPS: aie.objectfifo.acquire @kv_g0(Consume, 1)
// LOOPS: aie.objectfifo.release @q_c0_r0(Consume, 1)
// LOOPS: aie.objectfifo.acquire @q_c0_r0(Consume, 1)
// LOOPS: scf.for %{{.*}} = %[[C0]] to %[[C5]] step %[[C1]] {
// LOOPS: aie.objectfifo.acquire @kv_g0(Consume, 1)
// LOOPS: aie.end

// MISMATCH: violation: core(0, 2): @attn_qk_bf16 at {{.*}}: argument 6 is 32, the kernel object is built for 16 (ATTN_TQ)
