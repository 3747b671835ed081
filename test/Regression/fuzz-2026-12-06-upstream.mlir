// Reproducer 07b of the 2026-12-06 fuzz campaign: an upstream op's verifier
// overflowed on a memref<9223372036854775807x16xf32> (abort while parsing).
// attn-opt checks that every shaped type is representable before verifying.
// RUN: attn-opt %s -split-input-file -verify-diagnostics

// expected-error @below {{type 'memref<9223372036854775807x16xf32>' of block argument #0 cannot be represented: its static dimensions hold more than 2^63 elements}}
func.func @copies(%big: memref<9223372036854775807x16xf32>, %a: memref<2x8xf32>, %b: memref<2x8xf32>, %i: index) {
  %view = memref.subview %big[%i, 9223372036854775807] [2, 8] [1, 1] : memref<9223372036854775807x16xf32> to memref<2x8xf32, strided<[16, 1], offset: ?>>
  memref.copy %view, %a : memref<2x8xf32, strided<[16, 1], offset: ?>> to memref<2x8xf32>
  memref.copy %a, %view : memref<2x8xf32> to memref<2x8xf32, strided<[16, 1], offset: ?>>
  memref.copy %a, %b : memref<2x8xf32> to memref<2x8xf32>
  return
}

// -----

// A declaration: its function type is checked.
// expected-error @below {{type 'tensor<4611686018427387904x4xf32>' of 'function_type' cannot be represented: its static dimensions hold more than 2^63 elements}}
func.func private @decl(tensor<4611686018427387904x4xf32>)

// -----

// A strided layout whose largest index overflows.
// expected-error @below {{cannot be represented: its strided layout addresses elements beyond 2^63}}
func.func @strided(%m: memref<4x4xf32, strided<[4611686018427387904, 1], offset: 4611686018427387904>>) {
  return
}
