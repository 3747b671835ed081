// RUN: attn-opt %s | attn-opt | FileCheck %s
// RUN: attn-opt %s --mlir-print-op-generic | attn-opt | FileCheck %s

// Runtime parameters, as in upstream's vision examples: the runtime sequence
// writes the valid key length and the scale into a core's buffer with
// aiex.npu.rtp_write and releases a lock the core waits on before reading
// them. Also a register write and a buffer with an initial value.

// CHECK-LABEL: aie.device(npu2) {
// CHECK:      %[[CORE:.*]] = aie.tile(2, 3)
// CHECK:      %rtp = aie.buffer(%[[CORE]]) {sym_name = "rtp"} : memref<4xi32>
// CHECK:      %[[LUT:.*]] = aie.buffer(%[[CORE]]) : memref<4xi32> = dense<[1, 2, 4, 8]>
// CHECK:      %rtp_lock = aie.lock(%[[CORE]], 0) {init = 0 : i32, sym_name = "rtp_lock"}
// CHECK:      aie.core(%[[CORE]]) {
// CHECK:        aie.use_lock(%rtp_lock, AcquireGreaterEqual, 1)
// CHECK:        memref.load %rtp[%{{.*}}] : memref<4xi32>
// CHECK:        aie.use_lock(%rtp_lock, Release, 1)
// CHECK:        aie.end
// CHECK:      } {stack_size = 1024 : i32}
// CHECK:      aie.runtime_sequence(%{{.*}}: memref<4096xbf16>) {
// CHECK:        aiex.npu.rtp_write(@rtp, 0, 1900)
// CHECK:        aiex.npu.rtp_write(@rtp, 1, 1040187392)
// CHECK:        aiex.npu.write32 {address = 0 : ui32, column = 2 : i32, row = 3 : i32, value = 1 : ui32}
// CHECK:        aiex.npu.write32 {address = 3 : ui32, buffer = @rtp, value = 7 : ui32}
module {
  aie.device(npu2) {
    %tile_2_3 = aie.tile(2, 3)
    %rtp = aie.buffer(%tile_2_3) {sym_name = "rtp"} : memref<4xi32>
    %lut = aie.buffer(%tile_2_3) : memref<4xi32> = dense<[1, 2, 4, 8]>
    %rtp_lock = aie.lock(%tile_2_3, 0) {init = 0 : i32, sym_name = "rtp_lock"}
    %core_2_3 = aie.core(%tile_2_3) {
      %c0 = arith.constant 0 : index
      aie.use_lock(%rtp_lock, AcquireGreaterEqual, 1)
      %valid_len = memref.load %rtp[%c0] : memref<4xi32>
      aie.use_lock(%rtp_lock, Release, 1)
      aie.end
    } {stack_size = 1024 : i32}
    aie.runtime_sequence(%arg0: memref<4096xbf16>) {
      aiex.npu.rtp_write(@rtp, 0, 1900)
      aiex.npu.rtp_write(@rtp, 1, 1040187392)
      aiex.npu.write32 {address = 0 : ui32, column = 2 : i32, row = 3 : i32, value = 1 : ui32}
      aiex.npu.write32 {address = 3 : ui32, buffer = @rtp, value = 7 : ui32}
    }
  }
}
