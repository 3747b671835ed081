// L2-resident K/V (docs/aie-mapping.md, "L2-resident K/V"): a plan whose
// l2_kv_block covers the padded key length. Each broadcast group's host
// memtile receives a kv head's K, then V, once per unit on ONE shim stream
// (kv_l3_g*, one object of the whole K|V), and a 1:1 link sends that whole
// object to the cores every round (repeat_count = rounds per unit; upstream
// sends a 1:1 link's larger side whole), K and V blocks interleaved by the
// memtile's 4-D pattern (online fold) or in their own order (full fold: K
// blocks, then V blocks); the cores receive kv_tile objects as before.
// RUN: attn-opt %s -split-input-file --attn-schedule-dma=kv-group-columns=1 | FileCheck %s --check-prefix=RECORD
// RUN: attn-opt %s -split-input-file --attn-schedule-dma=kv-group-columns=1 --convert-attn-to-aie --aie-check-limits | FileCheck %s
// RUN: attn-opt %s -split-input-file --attn-schedule-dma=kv-group-columns=1 --convert-attn-to-aie --aie-count-traffic --mlir-print-op-on-diagnostic=false 2>&1 >/dev/null | FileCheck %s --check-prefix=TRAFFIC

// Online, 2 heads, Lk 96 (3 key blocks of 32), one column per kv head: 2
// rounds per unit. K and V cross DRAM once: 2 x 96 x 64 x 2 B = 24576 B each
// (streamed per round, the same layer reads 49152 B of each).
// RECORD: #attn.fifo<name = "kv_l3_g0", producer = [0, 0], consumers = [array<i64: 0, 1>], depth = 2, object = memref<12288xbf16>, dram = [k, v], shim_channel = 1, use = step, group = 0>
// RECORD-SAME: #attn.fifo<name = "kv_g0", producer = [0, 1], consumers = [array<i64: 0, 2>, array<i64: 0, 3>], depth = 1, object = memref<4096xbf16>, use = step, group = 0, consumer_depth = 2, repeat_count = 2, to_stream = [3, 2048, 2, 6144, 32, 64, 64, 1]>
// The memtile holds two copies of the resident K|V (2 x 24576 B: the next
// unit's load overlaps this unit's rounds) + Q split + O join; its send is
// one BD per copy and round.
// RECORD-SAME: l2_bytes = 65536
// RECORD-SAME: #attn.link<ins = ["kv_l3_g0"], outs = ["kv_g0"]>
// RECORD-SAME: memtile_bds = 22
// RECORD-SAME: rounds_per_kv_head = 2
// Per unit: the kv head's K, then V, into the one FIFO.
// RECORD-SAME: #attn.transfer<fifo = "kv_l3_g0", role = k, column = 0, direction = mm2s, channel = 1, offset = 0, sizes = [1, 1, 96, 64], strides = [0, 0, 64, 1], bd_id = 1, issue_token = false>
// RECORD-SAME: #attn.transfer<fifo = "kv_l3_g0", role = v, column = 0, direction = mm2s, channel = 1, offset = 0, sizes = [1, 1, 96, 64], strides = [0, 0, 64, 1], bd_id = 2, issue_token = false>
// CHECK-LABEL: aie.device(npu2) @attention_attention
// CHECK: aie.objectfifo @kv_l3_g0(%{{.*}}, {%{{.*}}}, 2 : i32) : !aie.objectfifo<memref<12288xbf16>>
// CHECK: aie.objectfifo @kv_g0(%{{.*}} dimensionsToStream [<size = 3, stride = 2048>, <size = 2, stride = 6144>, <size = 32, stride = 64>, <size = 64, stride = 1>], {%{{.*}}, %{{.*}}}, [1 : i32, 2 : i32, 2 : i32]) {repeat_count = 2 : i32} : !aie.objectfifo<memref<4096xbf16>>
// CHECK: aie.objectfifo.link [@kv_l3_g0] -> [@kv_g0]([] [])
// CHECK: aiex.npu.dma_memcpy_nd(%arg1[0, 0, 0, 0][1, 1, 96, 64][0, 0, 64, 1]) {id = 1 : i64, metadata = @kv_l3_g0}
// CHECK-NEXT: aiex.npu.dma_memcpy_nd(%arg2[0, 0, 0, 0][1, 1, 96, 64][0, 0, 64, 1]) {id = 2 : i64, metadata = @kv_l3_g0}
// CHECK-NOT: metadata = @kv_l3_g0
// CHECK: aiex.npu.dma_memcpy_nd(%arg1[0, 0, 0, 6144][1, 1, 96, 64][0, 0, 64, 1]) {id = 1 : i64, metadata = @kv_l3_g1}
// CHECK-NEXT: aiex.npu.dma_memcpy_nd(%arg2[0, 0, 0, 6144][1, 1, 96, 64][0, 0, 64, 1]) {id = 2 : i64, metadata = @kv_l3_g1}
// CHECK-NOT: metadata = @kv_l3_g
// CHECK: aie.device
// TRAFFIC: remark: DRAM traffic of @attention_attention: read 65536 B, write 16384 B, total 81920 B; arg 0 (arg0): read 16384 B, write 0 B; arg 1 (arg1): read 24576 B, write 0 B; arg 2 (arg2): read 24576 B, write 0 B; arg 3 (arg3): read 0 B, write 16384 B

#plan = #attn.plan<target = "npu2", q_tile = 16, kv_tile = 32, head_dim_tile = 32, l2_q_block = 32, l2_kv_block = 96, intrinsic = [4, 8, 8], columns = 2, cores_per_column = 2, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 96, padded_head_dim = 64, padded_value_dim = 64>
func.func @attention(%q: tensor<1x2x64x64xbf16>, %k: tensor<1x2x96x64xbf16>, %v: tensor<1x2x96x64xbf16>) -> tensor<1x2x64x64xbf16> {
  %o = attn.stage "attention" fold online plan #plan
      ins(%a = %q, %b = %k, %c = %v : tensor<1x2x64x64xbf16>, tensor<1x2x96x64xbf16>, tensor<1x2x96x64xbf16>)
      -> tensor<1x2x64x64xbf16> {
    %s = attn.qk %a, %b scale 0.125 key_len 90 query_len 60
           : tensor<1x2x64x64xbf16>, tensor<1x2x96x64xbf16> -> tensor<1x2x64x96xf32>
    %r = attn.online_softmax_pv %s, %c : tensor<1x2x64x96xf32>, tensor<1x2x96x64xbf16> -> tensor<1x2x64x64xbf16>
    attn.yield %r : tensor<1x2x64x64xbf16>
  }
  return %o : tensor<1x2x64x64xbf16>
}

// -----

// Full fold, causal, MQA 4/1, D 40, npu1: the kv head's 16 query tiles are
// two units (one per column), 4 rounds each; K blocks then V blocks are the
// resident object's own order (no pattern). K and V cross DRAM once per unit:
// 2 x 96 x 40 x 2 B = 15360 B each.
// RECORD: #attn.fifo<name = "kv_l3_g0", producer = [0, 0], consumers = [array<i64: 0, 1>], depth = 2, object = memref<7680xbf16>, dram = [k, v], shim_channel = 1, use = step, group = 0>
// RECORD-SAME: #attn.fifo<name = "kv_g0", producer = [0, 1], consumers = [array<i64: 0, 2>, array<i64: 0, 3>], depth = 1, object = memref<32x40xbf16>, use = step, group = 0, consumer_depth = 2, repeat_count = 4>
// RECORD-SAME: query_chunks = 2
// RECORD-SAME: rounds_per_kv_head = 8
// CHECK-LABEL: aie.device(npu1) @full_attention
// CHECK: aie.objectfifo @kv_g0(%{{.*}}, {%{{.*}}, %{{.*}}}, [1 : i32, 2 : i32, 2 : i32]) {repeat_count = 4 : i32} : !aie.objectfifo<memref<32x40xbf16>>
// TRAFFIC: remark: DRAM traffic of @full_attention: read 51200 B, write 20480 B, total 71680 B; arg 0 (arg0): read 20480 B, write 0 B; arg 1 (arg1): read 15360 B, write 0 B; arg 2 (arg2): read 15360 B, write 0 B; arg 3 (arg3): read 0 B, write 20480 B

#planf = #attn.plan<target = "npu1", q_tile = 16, kv_tile = 32, head_dim_tile = 40, l2_q_block = 32, l2_kv_block = 96, intrinsic = [4, 8, 4], columns = 2, cores_per_column = 2, mapping = fused, depth = 2, padded_q_len = 64, padded_kv_len = 96, padded_head_dim = 40, padded_value_dim = 40>
func.func @full(%q: tensor<1x4x64x40xbf16>, %k: tensor<1x1x96x40xbf16>, %v: tensor<1x1x96x40xbf16>) -> tensor<1x4x64x40xbf16> {
  %o = attn.stage "attention" fold full plan #planf
      ins(%a = %q, %b = %k, %c = %v : tensor<1x4x64x40xbf16>, tensor<1x1x96x40xbf16>, tensor<1x1x96x40xbf16>)
      -> tensor<1x4x64x40xbf16> {
    %s = attn.qk %a, %b causal top_left scale 0.125 key_len 90 query_len 60
           : tensor<1x4x64x40xbf16>, tensor<1x1x96x40xbf16> -> tensor<1x4x64x96xf32>
    %p = attn.softmax %s : tensor<1x4x64x96xf32> -> tensor<1x4x64x96xf32>
    %r = attn.pv %p, %c : tensor<1x4x64x96xf32>, tensor<1x1x96x40xbf16> -> tensor<1x4x64x40xbf16>
    attn.yield %r : tensor<1x4x64x40xbf16>
  }
  return %o : tensor<1x4x64x40xbf16>
}
