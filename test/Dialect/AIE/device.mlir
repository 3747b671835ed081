// RUN: attn-opt %s | attn-opt | FileCheck %s
// RUN: attn-opt %s --mlir-print-op-generic | attn-opt | FileCheck %s

// Every device name of the target table, the optional device symbol, the
// explicit (elided on print) device terminator, tile result names by kind,
// and the optional parts of buffers, locks and cores.

// CHECK: aie.device(npu1) {
// CHECK:   %shim_noc_tile_3_0 = aie.tile(3, 0)
// CHECK:   %mem_tile_3_1 = aie.tile(3, 1)
// CHECK:   %tile_3_5 = aie.tile(3, 5)
// CHECK:   %lock_3_5 = aie.lock(%tile_3_5)
// CHECK:   %buffer_3_5 = aie.buffer(%tile_3_5) {address = 1024 : i32, mem_bank = 0 : i32} : memref<8xf32>
// CHECK:   %staging = aie.buffer(%mem_tile_3_1) {sym_name = "staging"} : memref<64x64xbf16>
// CHECK:   %core_3_5 = aie.core(%tile_3_5) {
// CHECK:     %[[C0:.*]] = arith.constant 0 : i32
// CHECK:     %[[C1:.*]] = arith.constant 1 : i32
// CHECK:     aie.use_lock(%lock_3_5, Acquire, %[[C0]])
// CHECK:     aie.use_lock(%lock_3_5, Release, %[[C1]], Blocking)
// CHECK:     aie.end
// CHECK:   } {dynamic_objfifo_lowering = false, elf_file = "core_3_5.elf"}
// CHECK-NOT: aie.end
// CHECK: }
// CHECK: aie.device(npu1_1col) @one {
// CHECK: aie.device(npu1_2col) @two {
// CHECK: aie.device(npu1_3col) @three {
// CHECK: aie.device(npu2) @full {
// CHECK:   aie.tile(7, 5)
// CHECK: aie.device(npu2_1col) @c1 {
// CHECK: aie.device(npu2_2col) @c2 {
// CHECK: aie.device(npu2_3col) @c3 {
// CHECK: aie.device(npu2_4col) @c4 {
// CHECK: aie.device(npu2_5col) @c5 {
// CHECK: aie.device(npu2_6col) @c6 {
// CHECK: aie.device(npu2_7col) @c7 {
// CHECK:   aie.tile(6, 2)
module {
  aie.device(npu1) {
    %shim = aie.tile(3, 0)
    %mem = aie.tile(3, 1)
    %core = aie.tile(3, 5)
    %lock = aie.lock(%core)
    %buf = aie.buffer(%core) {address = 1024 : i32, mem_bank = 0 : i32} : memref<8xf32>
    %staging = aie.buffer(%mem) {sym_name = "staging"} : memref<64x64xbf16>
    %c = aie.core(%core) {
      %c0 = arith.constant 0 : i32
      %c1 = arith.constant 1 : i32
      aie.use_lock(%lock, Acquire, %c0)
      aie.use_lock(%lock, Release, %c1, Blocking)
      aie.end
    } {elf_file = "core_3_5.elf", dynamic_objfifo_lowering = false}
    aie.end
  }
  aie.device(npu1_1col) @one {
  }
  aie.device(npu1_2col) @two {
  }
  aie.device(npu1_3col) @three {
  }
  aie.device(npu2) @full {
    %t = aie.tile(7, 5)
  }
  aie.device(npu2_1col) @c1 {
  }
  aie.device(npu2_2col) @c2 {
  }
  aie.device(npu2_3col) @c3 {
  }
  aie.device(npu2_4col) @c4 {
  }
  aie.device(npu2_5col) @c5 {
  }
  aie.device(npu2_6col) @c6 {
  }
  aie.device(npu2_7col) @c7 {
    %t = aie.tile(6, 2)
  }
}
