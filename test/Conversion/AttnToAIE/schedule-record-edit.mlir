// convert-attn-to-aie builds the devices from the recorded schedule alone:
// a hand-edited record (object FIFO k_g0 at depth 3, Q's transfer on BD 7)
// is what the program does. Re-running attn-schedule-dma replaces the record
// with the planner's decisions (depth 2, BD 2).
// RUN: attn-opt %s --convert-attn-to-aie | FileCheck %s
// RUN: attn-opt %s --attn-schedule-dma --convert-attn-to-aie | FileCheck %s --check-prefix=REPLANNED

#plan = #attn.plan<target = "npu2", q_tile = 32, kv_tile = 32, head_dim_tile = 64, l2_q_block = 32, l2_kv_block = 32, intrinsic = [4, 8, 8], columns = 1, cores_per_column = 1, mapping = fused, depth = 2, padded_q_len = 32, padded_kv_len = 64, padded_head_dim = 64, padded_value_dim = 64>
func.func @small(%q: tensor<1x1x32x64xbf16>, %k: tensor<1x1x64x64xbf16>) -> tensor<1x1x32x64xf32> {
  %s = attn.stage "qk" fold unfolded plan #plan ins(%a = %q, %b = %k : tensor<1x1x32x64xbf16>, tensor<1x1x64x64xbf16>) -> tensor<1x1x32x64xf32> attributes {dma_schedule = {
      arguments = ["q", "k", "s"],
      batches = 1 : i64,
      buffer_bytes = {k = 8192 : i64, q = 4096 : i64, s = 8192 : i64},
      bypass_cores = 0 : i64,
      bytes = {k = 8192 : i64, q = 4096 : i64, s = 8192 : i64},
      core_buffers = [
        #attn.buffer<use = "item", name = "q", object = memref<32x64xbf16>, copies = 2>,
        #attn.buffer<use = "step", name = "k", object = memref<32x64xbf16>, copies = 2>,
        #attn.buffer<use = "output", name = "s", object = memref<32x32xf32>, copies = 2>],
      core_stack_bytes = 1024 : i64,
      cores = [
        #attn.core<tile = [0, 2], group = 0, column_in_group = 0, row = 0, item = "q_c0_r0", step = "k_g0", out = "s_c0_r0">],
      cores_per_column = 1 : i64,
      cores_per_group = 1 : i64,
      query_tiles_per_core = 1 : i64,
      depths = {core_step = 0 : i64, item = 2 : i64, output = 2 : i64, step = 2 : i64},
      fifos = [
        #attn.fifo<name = "k_l3_g0", producer = [0, 0], consumers = [array<i64: 0, 1>], depth = 2, object = memref<32x64xbf16>, dram = [k], shim_channel = 1, use = step, group = 0>,
        #attn.fifo<name = "k_g0", producer = [0, 1], consumers = [array<i64: 0, 2>], depth = 3, object = memref<32x64xbf16>, use = step, group = 0>,
        #attn.fifo<name = "q_l3_c0", producer = [0, 0], consumers = [array<i64: 0, 1>], depth = 2, object = memref<32x64xbf16>, dram = [q], shim_channel = 0, use = item, column = 0, core_rows = [0]>,
        #attn.fifo<name = "q_c0_r0", producer = [0, 1], consumers = [array<i64: 0, 2>], depth = 2, object = memref<32x64xbf16>, use = item, column = 0>,
        #attn.fifo<name = "s_c0_r0", producer = [0, 2], consumers = [array<i64: 0, 1>], depth = 2, object = memref<32x32xf32>, use = output, column = 0>,
        #attn.fifo<name = "s_l3_c0", producer = [0, 1], consumers = [array<i64: 0, 0>], depth = 2, object = memref<32x32xf32>, dram = [s], shim_channel = 0, use = output, column = 0, core_rows = [0]>],
      group_columns = 1 : i64,
      group_size = 1 : i64,
      groups = 1 : i64,
      host_padding = [],
      items_per_head = 1 : i64,
      kind = "qk",
      kv_tile = 32 : i64,
      l1_bytes = 25600 : i64,
      l2_bytes = 24576 : i64,
      links = [
        #attn.link<ins = ["k_l3_g0"], outs = ["k_g0"]>,
        #attn.link<ins = ["q_l3_c0"], outs = ["q_c0_r0"]>,
        #attn.link<ins = ["s_c0_r0"], outs = ["s_l3_c0"]>],
      max_batches_in_flight = 1 : i64,
      max_group_rounds = 1 : i64,
      memtile_bds = 12 : i64,
      q_tile = 32 : i64,
      query_chunks = 1 : i64,
      rounds_per_kv_head = 1 : i64,
      sequence = [
        #attn.transfer<fifo = "s_l3_c0", role = s, column = 0, direction = s2mm, channel = 0, offset = 0, sizes = [1, 2, 32, 32], strides = [0, 32, 64, 1], bd_id = 0, issue_token = true>,
        #attn.transfer<fifo = "k_l3_g0", role = k, column = 0, direction = mm2s, channel = 1, offset = 0, sizes = [1, 1, 64, 64], strides = [0, 0, 64, 1], bd_id = 1, issue_token = false>,
        #attn.transfer<fifo = "q_l3_c0", role = q, column = 0, direction = mm2s, channel = 0, offset = 0, sizes = [1, 1, 32, 64], strides = [0, 0, 64, 1], bd_id = 7, issue_token = false>,
        #attn.wait<fifo = "s_l3_c0">],
      steps = 2 : i64,
      target = "npu2",
      tile_memory = [array<i64: 0, 2, 25600>, array<i64: 0, 1, 24576>],
      total_rounds = 1 : i64,
      transfers = 3 : i64,
      waits = 1 : i64,
      work_heads = 1 : i64}} {
    %0 = attn.qk %a, %b : tensor<1x1x32x64xbf16>, tensor<1x1x64x64xbf16> -> tensor<1x1x32x64xf32>
    attn.yield %0 : tensor<1x1x32x64xf32>
  }
  return %s : tensor<1x1x32x64xf32>
}

// CHECK-LABEL: aie.device(npu2) @small_qk
// CHECK: aie.objectfifo @k_g0({{.*}}, 3 : i32) : !aie.objectfifo<memref<32x64xbf16>>
// CHECK: aie.runtime_sequence
// CHECK: aiex.npu.dma_memcpy_nd({{.*}}) {id = 7 : i64, metadata = @q_l3_c0}
// REPLANNED: aie.objectfifo @k_g0({{.*}}, 2 : i32)
// REPLANNED: aiex.npu.dma_memcpy_nd({{.*}}) {id = 2 : i64, metadata = @q_l3_c0}
