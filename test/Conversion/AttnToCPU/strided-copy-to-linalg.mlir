// RUN: attn-opt %s -attn-strided-copy-to-linalg | FileCheck %s

// A copy from or into a strided view becomes linalg.copy (loops later, no
// call to the memrefCopy runtime function); a contiguous identity copy stays
// memref.copy (llvm.memcpy).
// CHECK-LABEL: func.func @copies
// CHECK: linalg.copy ins(%{{.*}} : memref<2x8xf32, strided<[16, 1], offset: ?>>) outs(%{{.*}} : memref<2x8xf32>)
// CHECK: linalg.copy ins(%{{.*}} : memref<2x8xf32>) outs(%{{.*}} : memref<2x8xf32, strided<[16, 1], offset: ?>>)
// CHECK: memref.copy %{{.*}}, %{{.*}} : memref<2x8xf32> to memref<2x8xf32>
// CHECK-NOT: memref.copy
func.func @copies(%big: memref<4x16xf32>, %a: memref<2x8xf32>, %b: memref<2x8xf32>, %i: index) {
  %view = memref.subview %big[%i, 4] [2, 8] [1, 1] : memref<4x16xf32> to memref<2x8xf32, strided<[16, 1], offset: ?>>
  memref.copy %view, %a : memref<2x8xf32, strided<[16, 1], offset: ?>> to memref<2x8xf32>
  memref.copy %a, %view : memref<2x8xf32> to memref<2x8xf32, strided<[16, 1], offset: ?>>
  memref.copy %a, %b : memref<2x8xf32> to memref<2x8xf32>
  return
}
