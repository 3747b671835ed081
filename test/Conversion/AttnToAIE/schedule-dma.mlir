// RUN: attn-opt %s --attn-schedule-dma -split-input-file | FileCheck %s

// Online fold on npu2, GQA (4 query heads per kv head): 16 query tiles per
// kv head, so two broadcast groups of 4 columns (16 cores) each take a kv
// head per round: K/V read once (bytes = buffer_bytes, re-read factor 1).
// K and V are joined in the host memtile into one object per step; the host
// memtile has 6 input channels, so with 4 cores per column (1 Q + 4 O + K +
// V = 7) one core writes its output straight to the shim's second channel.
// Every FIFO has the plan's depth 1 (at depth 2 the stage layout needs 75264
// B of L1, schedule-dma-errors.mlir); L1 per core is the stage layout's
// 8192 (q) + 8192 (kv) + 8192 (o) + 8192 (s) + 2 x 256 (m, l) + 16384 (acc)
// + 1024 (stack) = 50688 B.
// CHECK-LABEL: func.func @online_npu2
// CHECK: dma_schedule = {
// CHECK-SAME: arguments = ["q", "k", "v", "o"]
// CHECK-SAME: buffer_bytes = {k = 262144 : i64, o = 1048576 : i64, q = 1048576 : i64, v = 262144 : i64}
// CHECK-SAME: bypass_cores = 1
// CHECK-SAME: bytes = {k = 262144 : i64, o = 1048576 : i64, q = 1048576 : i64, v = 262144 : i64}
// CHECK-SAME: core_buffers = [#attn.buffer<use = "item", name = "q", object = memref<64x64xbf16>, copies = 1>, #attn.buffer<use = "step", name = "kv", object = memref<4096xbf16>, copies = 1>, #attn.buffer<use = "output", name = "o", object = memref<64x64xbf16>, copies = 1>, #attn.buffer<use = "scratch", name = "s", object = memref<64x32xf32>, copies = 1>
// CHECK-SAME: core_stack_bytes = 1024
// CHECK-SAME: cores = [#attn.core<tile = [0, 2], group = 0, column_in_group = 0, row = 0, item = "q_c0_r0", step = "kv_g0", out = "o_c0_r0">
// CHECK-SAME: #attn.core<tile = [0, 5], group = 0, column_in_group = 0, row = 3, item = "q_c0_r3", step = "kv_g0", out = "o_l3_c0_r3">
// CHECK-SAME: #attn.core<tile = [4, 2], group = 1, column_in_group = 0, row = 0, item = "q_c4_r0", step = "kv_g1", out = "o_c4_r0">
// CHECK-SAME: cores_per_group = 16
// CHECK-SAME: depths = {core_step = 0 : i64, item = 1 : i64, output = 1 : i64, step = 1 : i64}
// CHECK-SAME: fifos = [#attn.fifo<name = "k_l3_g0", producer = [0, 0], consumers = [array<i64: 0, 1>], depth = 1, object = memref<32x64xbf16>, dram = [k], shim_channel = 1, use = step, group = 0>
// CHECK-SAME: #attn.fifo<name = "v_l3_g0", producer = [1, 0], consumers = [array<i64: 0, 1>], depth = 1, object = memref<32x64xbf16>, dram = [v], shim_channel = 1, use = step, group = 0>
// CHECK-SAME: #attn.fifo<name = "kv_g0", producer = [0, 1], consumers = [array<i64: 0, 2>, array<i64: 0, 3>, array<i64: 0, 4>, array<i64: 0, 5>, array<i64: 1, 2>, {{.*}}, array<i64: 3, 5>], depth = 1, object = memref<4096xbf16>, use = step, group = 0>
// CHECK-SAME: #attn.fifo<name = "q_l3_c0", producer = [0, 0], consumers = [array<i64: 0, 1>], depth = 1, object = memref<256x64xbf16>, dram = [q], shim_channel = 0, use = item, column = 0, core_rows = [0, 1, 2, 3]>
// CHECK-SAME: #attn.fifo<name = "q_c0_r0", producer = [0, 1], consumers = [array<i64: 0, 2>], depth = 1, object = memref<64x64xbf16>, use = item, column = 0>
// CHECK-SAME: #attn.fifo<name = "o_l3_c0", producer = [0, 1], consumers = [array<i64: 0, 0>], depth = 1, object = memref<192x64xbf16>, dram = [o], shim_channel = 0, use = output, column = 0, core_rows = [0, 1, 2]>
// CHECK-SAME: #attn.fifo<name = "o_l3_c0_r3", producer = [0, 5], consumers = [array<i64: 0, 0>], depth = 1, object = memref<64x64xbf16>, dram = [o], shim_channel = 1, use = output, column = 0, core_rows = [3]>
// CHECK-SAME: #attn.fifo<name = "kv_g1", producer = [4, 1]
// CHECK-SAME: group_columns = 4
// CHECK-SAME: group_size = 4
// CHECK-SAME: groups = 2
// CHECK-SAME: host_padding = []
// CHECK-SAME: items_per_head = 16
// CHECK-SAME: kind = "online"
// CHECK-SAME: kv_tile = 32
// CHECK-SAME: l1_bytes = 50688
// CHECK-SAME: l2_bytes = 65536
// CHECK-SAME: links = [#attn.link<ins = ["k_l3_g0", "v_l3_g0"], outs = ["kv_g0"], src_offsets = [0, 2048]>, #attn.link<ins = ["q_l3_c0"], outs = ["q_c0_r0", "q_c0_r1", "q_c0_r2", "q_c0_r3"], dst_offsets = [0, 4096, 8192, 12288]>, #attn.link<ins = ["o_c0_r0", "o_c0_r1", "o_c0_r2"], outs = ["o_l3_c0"], src_offsets = [0, 4096, 8192]>
// CHECK-SAME: query_chunks = 1
// CHECK-SAME: rounds_per_kv_head = 1
// CHECK-SAME: sequence = [#attn.transfer<fifo = "o_l3_c0", role = o, column = 0, direction = s2mm, channel = 0, offset = 0, sizes = [1, 1, 192, 64], strides = [0, 0, 64, 1], bd_id = 0, issue_token = true>, #attn.transfer<fifo = "o_l3_c0_r3", role = o, column = 0, direction = s2mm, channel = 1, offset = 12288, sizes = [1, 1, 64, 64], strides = [0, 0, 64, 1], bd_id = 1, issue_token = true>
// CHECK-SAME: #attn.transfer<fifo = "k_l3_g0", role = k, column = 0, direction = mm2s, channel = 1, offset = 0, sizes = [1, 1, 256, 64], strides = [0, 0, 64, 1], bd_id = {{[0-9]+}}, issue_token = false>
// CHECK-SAME: #attn.wait<fifo = "o_l3_c0">, #attn.wait<fifo = "o_l3_c0_r3">
// CHECK-SAME: steps = 8
// CHECK-SAME: target = "npu2"
// CHECK-SAME: tile_memory = [array<i64: 0, 2, 50688>
// CHECK-SAME: array<i64: 0, 1, 65536>
// CHECK-SAME: waits = 40
// CHECK-SAME: work_heads = 8
func.func @online_npu2(%q: tensor<1x32x256x64xbf16>, %k: tensor<1x8x256x64xbf16>, %v: tensor<1x8x256x64xbf16>) -> tensor<1x32x256x64xbf16> {
  %o = attn.stage "attention" fold online
      plan #attn.plan<target = "npu2", q_tile = 64, kv_tile = 32, head_dim_tile = 64, l2_q_block = 256,
                      l2_kv_block = 128, intrinsic = [4, 8, 8], columns = 8, cores_per_column = 4,
                      mapping = fused, depth = 1, padded_q_len = 256, padded_kv_len = 256, padded_head_dim = 64,
                      padded_value_dim = 64>
      ins(%a = %q, %b = %k, %c = %v : tensor<1x32x256x64xbf16>, tensor<1x8x256x64xbf16>, tensor<1x8x256x64xbf16>)
      -> tensor<1x32x256x64xbf16> {
    %s = attn.qk %a, %b causal top_left scale 0.125 : tensor<1x32x256x64xbf16>, tensor<1x8x256x64xbf16> -> tensor<1x32x256x256xf32>
    %r = attn.online_softmax_pv %s, %c : tensor<1x32x256x256xf32>, tensor<1x8x256x64xbf16> -> tensor<1x32x256x64xbf16>
    attn.yield %r : tensor<1x32x256x64xbf16>
  }
  return %o : tensor<1x32x256x64xbf16>
}

// -----

// Unfolded qk stage on npu1 with valid_len: K broadcast per column (no join),
// S tiles written per step; valid_len is an argument, not a transfer.
// CHECK-LABEL: func.func @qk_npu1
// CHECK: dma_schedule = {
// CHECK-SAME: arguments = ["q", "k", "valid_len", "s"]
// CHECK-SAME: buffer_bytes = {k = 196608 : i64, q = 196608 : i64, s = 1572864 : i64}
// CHECK-SAME: bypass_cores = 0
// CHECK-SAME: bytes = {k = 196608 : i64, q = 196608 : i64, s = 1572864 : i64}
// CHECK-SAME: #attn.buffer<use = "rtp", name = "rtp", object = memref<2xi32>, copies = 1>
// CHECK-SAME: cores = [#attn.core<tile = [0, 2], group = 0, column_in_group = 0, row = 0, item = "q_c0_r0", step = "k_g0", out = "s_c0_r0", rtp = "rtp_c0_r0">
// CHECK-SAME: fifos = [#attn.fifo<name = "k_l3_g0", producer = [0, 0], consumers = [array<i64: 0, 1>], depth = 2, object = memref<32x32xbf16>, dram = [k], shim_channel = 1, use = step, group = 0>
// CHECK-SAME: #attn.fifo<name = "k_g0", producer = [0, 1], consumers = [array<i64: 0, 2>, array<i64: 0, 3>, array<i64: 0, 4>, array<i64: 0, 5>], depth = 2, object = memref<32x32xbf16>, use = step, group = 0>
// CHECK-SAME: #attn.fifo<name = "s_c0_r0", producer = [0, 2], consumers = [array<i64: 0, 1>], depth = 2, object = memref<32x32xf32>, use = output, column = 0>
// CHECK-SAME: #attn.fifo<name = "s_l3_c0", producer = [0, 1], consumers = [array<i64: 0, 0>], depth = 2, object = memref<128x32xf32>, dram = [s], shim_channel = 0, use = output, column = 0, core_rows = [0, 1, 2, 3]>
// CHECK-SAME: group_columns = 1
// CHECK-SAME: groups = 4
// CHECK-SAME: kind = "qk"
// CHECK-SAME: sequence = [#attn.transfer<fifo = "s_l3_c0", role = s, column = 0, direction = s2mm, channel = 0, offset = 0, sizes = [1, 4, 128, 32], strides = [0, 32, 128, 1], bd_id = 0, issue_token = true>
// CHECK-SAME: target = "npu1"
func.func @qk_npu1(%q: tensor<2x12x128x32xbf16>, %k: tensor<2x12x128x32xbf16>, %n: tensor<2xi32>) -> tensor<2x12x128x128xf32> {
  %s = attn.stage "qk" fold unfolded
      plan #attn.plan<target = "npu1", q_tile = 32, kv_tile = 32, head_dim_tile = 32, l2_q_block = 128,
                      l2_kv_block = 128, intrinsic = [4, 8, 4], columns = 4, cores_per_column = 4, mapping = fused,
                      depth = 2, padded_q_len = 128, padded_kv_len = 128, padded_head_dim = 32, padded_value_dim = 32>
      ins(%a = %q, %b = %k, %c = %n : tensor<2x12x128x32xbf16>, tensor<2x12x128x32xbf16>, tensor<2xi32>)
      -> tensor<2x12x128x128xf32> {
    %0 = attn.qk %a, %b valid_len(%c : tensor<2xi32>) scale 0.125 key_len 100 : tensor<2x12x128x32xbf16>, tensor<2x12x128x32xbf16> -> tensor<2x12x128x128xf32>
    attn.yield %0 : tensor<2x12x128x128xf32>
  }
  return %s : tensor<2x12x128x128xf32>
}

// -----

// Full fold with D == Dv: K and V blocks share one shim stream (K blocks,
// then V blocks, each round), so no join and no V copy; 2 passes over the
// key blocks per item. blhd: rows of Q/K/V/O are H*D (K: Hkv*D) apart.
// CHECK-LABEL: func.func @full_blhd
// CHECK: dma_schedule = {
// CHECK-SAME: fifos = [#attn.fifo<name = "kv_l3_g0", producer = [0, 0], consumers = [array<i64: 0, 1>], depth = 2, object = memref<32x64xbf16>, dram = [k, v], shim_channel = 1, use = step, group = 0>
// CHECK-SAME: #attn.fifo<name = "kv_g0", producer = [0, 1], consumers = [array<i64: 0, 2>, array<i64: 0, 3>, array<i64: 1, 2>, array<i64: 1, 3>], depth = 2, object = memref<32x64xbf16>, use = step, group = 0>
// CHECK-SAME: #attn.fifo<name = "q_l3_c0", producer = [0, 0], consumers = [array<i64: 0, 1>], depth = 2, object = memref<32x64xbf16>, dram = [q], shim_channel = 0, use = item, column = 0, core_rows = [0, 1]>
// CHECK-SAME: kind = "full"
// CHECK-SAME: links = [#attn.link<ins = ["kv_l3_g0"], outs = ["kv_g0"]>
// CHECK-SAME: rounds_per_kv_head = 2
// CHECK-SAME: steps = 6
func.func @full_blhd(%q: tensor<1x64x4x64xbf16>, %k: tensor<1x96x2x64xbf16>, %v: tensor<1x96x2x64xbf16>) -> tensor<1x64x4x64xbf16> {
  %o = attn.stage "attention" fold full
      plan #attn.plan<target = "npu2", q_tile = 16, kv_tile = 32, head_dim_tile = 64, l2_q_block = 32,
                      l2_kv_block = 32, intrinsic = [4, 8, 8], columns = 2, cores_per_column = 2, mapping = fused,
                      depth = 2, padded_q_len = 64, padded_kv_len = 96, padded_head_dim = 64, padded_value_dim = 64>
      ins(%a = %q, %b = %k, %c = %v : tensor<1x64x4x64xbf16>, tensor<1x96x2x64xbf16>, tensor<1x96x2x64xbf16>)
      -> tensor<1x64x4x64xbf16> {
    %0 = attn.qk %a, %b layout blhd : tensor<1x64x4x64xbf16>, tensor<1x96x2x64xbf16> -> tensor<1x4x64x96xf32>
    %1 = attn.softmax %0 : tensor<1x4x64x96xf32> -> tensor<1x4x64x96xf32>
    %2 = attn.pv %1, %c layout blhd : tensor<1x4x64x96xf32>, tensor<1x96x2x64xbf16> -> tensor<1x64x4x64xbf16>
    attn.yield %2 : tensor<1x64x4x64xbf16>
  }
  return %o : tensor<1x64x4x64xbf16>
}

// -----

// Softmax stage: a row of 2048 f32 is 8 KiB; S in and P out, double
// buffered, fit one row at a time, so the stage takes 1 row per step (a
// divisor of q_tile) instead of the plan's 64.
// CHECK-LABEL: func.func @softmax_rows
// CHECK: dma_schedule = {
// CHECK-SAME: #attn.fifo<name = "s_c0_r0", producer = [0, 1], consumers = [array<i64: 0, 2>], depth = 2, object = memref<1x2048xf32>, use = item, column = 0>
// CHECK-SAME: kind = "softmax"
// CHECK-SAME: q_tile = 1
func.func @softmax_rows(%s: tensor<1x2x128x2048xf32>) -> tensor<1x2x128x2048xf32> {
  %p = attn.stage "softmax" fold unfolded
      plan #attn.plan<target = "npu2", q_tile = 64, kv_tile = 64, head_dim_tile = 64, l2_q_block = 128,
                      l2_kv_block = 256, intrinsic = [4, 8, 8], columns = 2, cores_per_column = 4, mapping = fused,
                      depth = 2, padded_q_len = 128, padded_kv_len = 2048, padded_head_dim = 64, padded_value_dim = 64>
      ins(%a = %s : tensor<1x2x128x2048xf32>) -> tensor<1x2x128x2048xf32> {
    %0 = attn.softmax %a : tensor<1x2x128x2048xf32> -> tensor<1x2x128x2048xf32>
    attn.yield %0 : tensor<1x2x128x2048xf32>
  }
  return %p : tensor<1x2x128x2048xf32>
}
