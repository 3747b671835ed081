// RUN: attn-opt %s | attn-opt | FileCheck %s
// RUN: attn-opt %s --mlir-print-op-generic | attn-opt | FileCheck %s

// Runtime parameters in upstream's SSA spelling (mlir-aie 3ca0193c): the
// runtime sequence writes the valid key length (a sequence argument, supplied
// at dispatch) and the scale (a constant) into a core's buffer with
// aiex.npu.rtp_write; the core waits on a lock before reading them. Also
// register writes, a queue push with SSA bd_id/repeat, and a buffer with an
// initial value.

// CHECK-LABEL: aie.device(npu2) {
// CHECK:      %[[CORE:.*]] = aie.tile(2, 3)
// CHECK:      %rtp = aie.buffer(%[[CORE]]) {sym_name = "rtp"} : memref<4xi32>
// CHECK:      %[[LUT:.*]] = aie.buffer(%[[CORE]]) : memref<4xi32> = dense<[1, 2, 4, 8]>
// CHECK:      %rtp_lock = aie.lock(%[[CORE]], 0) {init = 0 : i32, sym_name = "rtp_lock"}
// CHECK:      aie.core(%[[CORE]]) {
// CHECK:        %[[ONE:.*]] = arith.constant 1 : i32
// CHECK:        aie.use_lock(%rtp_lock, AcquireGreaterEqual, %[[ONE]])
// CHECK:        memref.load %rtp[%{{.*}}] : memref<4xi32>
// CHECK:        aie.use_lock(%rtp_lock, Release, %[[ONE]])
// CHECK:        aie.end
// CHECK:      } {stack_size = 1024 : i32}
// CHECK:      aie.runtime_sequence(%{{.*}}: memref<4096xbf16>, %[[N:.*]]: i32) {
// CHECK:        %[[SCALE:.*]] = arith.constant 1040187392 : i32
// CHECK:        aiex.npu.rtp_write(@rtp, 0, %[[N]]) : i32
// CHECK:        aiex.npu.rtp_write(@rtp, 1, %[[SCALE]]) : i32
// CHECK:        aiex.npu.write32(%[[A0:.*]], %[[V1:.*]]) {column = 2 : i32, row = 3 : i32} : i32, i32
// CHECK:        aiex.npu.write32(%{{.*}}, %{{.*}}) {buffer = @rtp} : i32, i32
// CHECK:        aiex.npu.push_queue(0, 0, S2MM : 1) bd_id %{{.*}} repeat %{{.*}} {issue_token = true} : i32, i32
// CHECK:        aiex.npu.push_queue(0, 0, MM2S : 0) bd_id %[[N]] repeat %[[N]] {issue_token = false} : i32, i32
// CHECK:      aie.runtime_sequence @with_attrs() attributes {emit_parameter_sync_preamble = false} {
module {
  aie.device(npu2) {
    %tile_2_3 = aie.tile(2, 3)
    %rtp = aie.buffer(%tile_2_3) {sym_name = "rtp"} : memref<4xi32>
    %lut = aie.buffer(%tile_2_3) : memref<4xi32> = dense<[1, 2, 4, 8]>
    %rtp_lock = aie.lock(%tile_2_3, 0) {init = 0 : i32, sym_name = "rtp_lock"}
    %core_2_3 = aie.core(%tile_2_3) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : i32
      aie.use_lock(%rtp_lock, AcquireGreaterEqual, %c1)
      %valid_len = memref.load %rtp[%c0] : memref<4xi32>
      aie.use_lock(%rtp_lock, Release, %c1)
      aie.end
    } {stack_size = 1024 : i32}
    aie.runtime_sequence(%arg0: memref<4096xbf16>, %n: i32) {
      %scale = arith.constant 1040187392 : i32
      aiex.npu.rtp_write(@rtp, 0, %n) : i32
      aiex.npu.rtp_write(@rtp, 1, %scale) : i32
      %a0 = arith.constant 0 : i32
      %v1 = arith.constant 1 : i32
      aiex.npu.write32(%a0, %v1) {column = 2 : i32, row = 3 : i32} : i32, i32
      %a3 = arith.constant 3 : i32
      %v7 = arith.constant 7 : i32
      aiex.npu.write32(%a3, %v7) {buffer = @rtp} : i32, i32
      %bd0 = arith.constant 0 : i32
      %rc0 = arith.constant 3 : i32
      aiex.npu.push_queue (0, 0, S2MM:1) bd_id %bd0 repeat %rc0 {issue_token = true} : i32, i32
      aiex.npu.push_queue (0, 0, MM2S:0) bd_id %n repeat %n {issue_token = false} : i32, i32
    }
    aie.runtime_sequence @with_attrs() attributes { emit_parameter_sync_preamble = false } {
    }
  }
}
