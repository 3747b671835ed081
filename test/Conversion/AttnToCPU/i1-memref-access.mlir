// RUN: attn-opt %s -attn-lower-i1-memref-access | FileCheck %s
// The rest lowers with the upstream passes (the i1 accesses are gone).
// RUN: attn-opt %s -attn-lower-i1-memref-access -finalize-memref-to-llvm -convert-func-to-llvm -reconcile-unrealized-casts | FileCheck %s --check-prefix=LLVM

// One byte per i1 (numpy bool layout): load a byte and compare with 0, store
// the zero-extended byte. Other element types are left to
// finalize-memref-to-llvm.
// CHECK-LABEL: func.func @bools
// CHECK: llvm.getelementptr %{{.*}} : (!llvm.ptr, i64) -> !llvm.ptr, i1
// CHECK: %[[B:.*]] = llvm.load %{{.*}} {alignment = 1 : i64} : !llvm.ptr -> i8
// CHECK: %[[Z:.*]] = llvm.mlir.constant(0 : i8) : i8
// CHECK: %[[V:.*]] = llvm.icmp "ne" %[[B]], %[[Z]] : i8
// CHECK: %[[W:.*]] = llvm.zext %[[V]] : i1 to i8
// CHECK: llvm.store %[[W]], %{{.*}} {alignment = 1 : i64} : i8, !llvm.ptr
// CHECK: memref.load %{{.*}} : memref<4xf32>
// LLVM-LABEL: llvm.func @bools
// LLVM-NOT: memref.
func.func @bools(%m: memref<4x?xi1, strided<[?, 1], offset: ?>>, %i: index, %j: index, %f: memref<4xf32>) -> f32 {
  %v = memref.load %m[%i, %j] : memref<4x?xi1, strided<[?, 1], offset: ?>>
  memref.store %v, %m[%j, %i] : memref<4x?xi1, strided<[?, 1], offset: ?>>
  %x = memref.load %f[%i] : memref<4xf32>
  return %x : f32
}
