// Bad or unsatisfiable attn-tile options: errors naming the option.
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online}, attn-tile{target=npu3})" 2>&1 | FileCheck %s --check-prefix=TARGET
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online}, attn-tile{mapping=pipeline})" 2>&1 | FileCheck %s --check-prefix=MAPPING
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online}, attn-tile{q-tile=256 kv-tile=256})" 2>&1 | FileCheck %s --check-prefix=L1
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online}, attn-tile{target=npu1 q-tile=30})" 2>&1 | FileCheck %s --check-prefix=QMULT
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online}, attn-tile{kv-tile=12})" 2>&1 | FileCheck %s --check-prefix=KVMULT
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online}, attn-tile{q-tile=32 l2-q-block=48})" 2>&1 | FileCheck %s --check-prefix=L2QMULT
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online}, attn-tile{kv-tile=16 l2-kv-block=24})" 2>&1 | FileCheck %s --check-prefix=L2KVMULT
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online}, attn-tile{q-tile=16 kv-tile=16 l2-q-block=64 l2-kv-block=2048})" 2>&1 | FileCheck %s --check-prefix=L2
// l2-q-block = lanes per column x q-tile x k: each lane keeps k query tiles
// against one K/V stream, so a large block costs L1 (Q, accumulators).
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online}, attn-tile{q-tile=16 kv-tile=16 l2-q-block=2048 l2-kv-block=2048})" 2>&1 | FileCheck %s --check-prefix=L2QK
// L2 blocks the AIE back end does not emit (cost::whyNotEmittable): the
// reason the model's search prunes them.
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online}, attn-tile{q-tile=16 kv-tile=16 l2-kv-block=64})" 2>&1 | FileCheck %s --check-prefix=NOTEMIT
// Limits besides capacity, from the cost model's legality checks: a fused
// online stage streams Q, K and V from DRAM, 3 streams on one column's 2
// shim MM2S channels.
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online}, attn-tile{target=npu2_1col})" 2>&1 | FileCheck %s --check-prefix=ONECOL
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online}, attn-tile{depth=5})" 2>&1 | FileCheck %s --check-prefix=DEPTH5
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online}, attn-tile{target=npu1_2col columns=3})" 2>&1 | FileCheck %s --check-prefix=COLUMNS
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online}, attn-tile{cores-per-column=5})" 2>&1 | FileCheck %s --check-prefix=CORES
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online}, attn-tile{mapping=stream cores-per-column=4})" 2>&1 | FileCheck %s --check-prefix=STREAM3
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=partial}, attn-tile{mapping=stream cores-per-column=3})" 2>&1 | FileCheck %s --check-prefix=STREAM2
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online}, attn-tile{depth=0})" 2>&1 | FileCheck %s --check-prefix=DEPTH
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online}, attn-tile{q-tile=-4})" 2>&1 | FileCheck %s --check-prefix=NEGATIVE
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online}, attn-tile{q-tile=big})" 2>&1 | FileCheck %s --check-prefix=PARSE
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online}, attn-tile{kv_tile=16})" 2>&1 | FileCheck %s --check-prefix=UNKNOWN

// TARGET: error: attn-tile: unknown target 'npu3'; valid targets: npu1, npu1_1col, npu1_2col, npu1_3col, npu2, npu2_1col, npu2_2col, npu2_3col, npu2_4col, npu2_5col, npu2_6col, npu2_7col
// MAPPING: error: attn-tile: unknown mapping 'pipeline'; expected fused or stream
// L1: attn-tile-options.mlir:[[@LINE+19]]:8: error: attn-tile: q-tile=256 kv-tile=256: stage 'attention' (fold online), L1 needs 2 x 32768 B (q) + 2 x 65536 B (kv) + 2 x 32768 B (o) + 1 x 262144 B (s) + 1 x 1024 B (m) + 1 x 1024 B (l) + 1 x 65536 B (acc) = 591872 B > 64512 B of npu2 (L1 65536 B - stack reserve 1024 B)
// QMULT: error: attn-tile: q-tile=30 is not a multiple of the npu1 bf16 intrinsic M = 4
// KVMULT: error: attn-tile: kv-tile=12 is not a multiple of 8 (lcm of the npu2 bf16 intrinsic K = 8 and N = 8)
// L2QMULT: error: attn-tile: l2-q-block=48 is not a multiple of q-tile=32
// L2KVMULT: error: attn-tile: l2-kv-block=24 is not a multiple of kv-tile=16
// L2: error: attn-tile: l2-q-block=64 l2-kv-block=2048: stage 'attention' (fold online), L2 needs 1 x 524288 B (kv resident) + 2 x 8192 B (q) + 2 x 8192 B (o) = 557056 B > 524288 B of a npu2 memtile
// L2QK: error: attn-tile: q-tile=16 kv-tile=16: stage 'attention' (fold online), L1 needs 32 x 2048 B (q) + 2 x 4096 B (kv) + 2 x 2048 B (o) + 1 x 1024 B (s) + 32 x 64 B (m) + 32 x 64 B (l) + 32 x 4096 B (acc) = 214016 B > 64512 B of npu2 (L1 65536 B - stack reserve 1024 B)
// NOTEMIT: error: attn-tile: no plan fits target npu2 (0 candidates, 0 invalid, 0 illegal): {{[0-9]+}} candidates not emitted by the AIE back end: plan field 'l2_kv_block' 64 is not emitted: the AIE back end streams K and V through the memtile one kv_tile (16 keys) at a time, read again every round (l2_kv_block = kv_tile)
// ONECOL: error: attn-tile: no plan fits target npu2_1col ({{[0-9]+}} candidates, 0 invalid, {{[0-9]+}} illegal): every candidate violates 'stage attention: shim MM2S channels'; the closest: stage attention: shim input streams: 3 DRAM streams (one item stream per column + 2 step tensors) exceed the 2 shim MM2S channels of 1 columns
// DEPTH5: error: attn-tile: no plan fits target npu2 ({{[0-9]+}} candidates, {{[0-9]+}} invalid, 0 illegal): plan field 'depth' must be in 1..4, got 5
// COLUMNS: error: attn-tile: columns=3 exceeds the 2 columns of npu1_2col
// CORES: error: attn-tile: cores-per-column=5 exceeds the 4 core rows of npu2
// STREAM3: error: attn-tile: cores-per-column=4 is not a multiple of the 3-core stream pipeline (QK | softmax | PV)
// STREAM2: error: attn-tile: mapping=stream is outside the compiler's space for fold 'partial': only the online fold runs as a QK | softmax | PV pipeline
// DEPTH: error: attn-tile: depth=0: must be at least 1
// NEGATIVE: error: attn-tile: q-tile=-4: must be positive (0 picks)
// PARSE: error: attn-tile: option 'q-tile' expects an integer (int64), got 'big'
// UNKNOWN: no such option kv_tile
func.func @layer(%q: tensor<1x2x2048x64xbf16>) -> tensor<1x2x2048x64xbf16> {
  %o = attn.attention %q, %q, %q : tensor<1x2x2048x64xbf16>, tensor<1x2x2048x64xbf16>, tensor<1x2x2048x64xbf16> -> tensor<1x2x2048x64xbf16>
  return %o : tensor<1x2x2048x64xbf16>
}

// Repeated options are rejected (the first value may be invalid), and option
// errors of the attn-to-aie pipeline are `error:` diagnostics.
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online}, attn-tile{q-tile=3 q-tile=64})" 2>&1 | FileCheck %s --check-prefix=TWICE
// RUN: not attn-opt %s --attn-to-aie="q-tile=x" 2>&1 | FileCheck %s --check-prefix=PIPEINT
// RUN: not attn-opt %s --attn-to-aie="fold=online fold=full" 2>&1 | FileCheck %s --check-prefix=PIPETWICE
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-fold{explain=maybe})" 2>&1 | FileCheck %s --check-prefix=BOOL
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-fold{mode=online},attn-tile,attn-pad-and-mask,attn-schedule-dma{query-chunks=two})" 2>&1 | FileCheck %s --check-prefix=DMAINT
// RUN: not attn-opt %s --attn-to-aie="fold=online l2-kv-block=4611686018427387904" 2>&1 | FileCheck %s --check-prefix=L2KV
// RUN: not attn-opt %s --attn-to-aie="fold=online l2-kv-block=8192" 2>&1 | FileCheck %s --check-prefix=L2KVROWS
// TWICE: error: attn-tile: option 'q-tile' is given more than once; give each option once
// PIPEINT: error: attn-to-aie: option 'q-tile' expects an integer (int64), got 'x'
// PIPETWICE: error: attn-to-aie: option 'fold' is given more than once
// BOOL: error: attn-fold: option 'explain' expects true or false, got 'maybe'
// DMAINT: error: attn-schedule-dma: option 'query-chunks' expects an integer (int64), got 'two'
// L2KV: error: attn-tile: l2-kv-block=4611686018427387904 exceeds the 262144 bf16 elements the 524288 B of a npu2 memtile L2 holds
// L2KVROWS: error: attn-tile: l2-kv-block=8192: its K block of 8192 rows x D = 64 x 2 B needs 1048576 B, more than the 524288 B of a npu2 memtile
