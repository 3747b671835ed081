// Reproducers 01, 03 and 11 of the 2026-12-06 fuzz campaign (aie dialect).
// RUN: attn-opt %s -split-input-file -verify-diagnostics
// RUN: attn-opt %s -split-input-file -verify-diagnostics --aie-check-limits

// 01: a tile at (INT_MAX, INT_MAX) collided with the DenseMap's reserved key
// in the device verifier (abort); aie.tile now reports it.
aie.device(npu2) {
  // expected-error @below {{column 2147483647 is outside the 8 columns of npu2}}
  %t = aie.tile(2147483647, 2147483647)
}

// -----

// 03: a dma_bd on a dynamic memref evaluated its element count (abort). The
// reproducer's positional `(%o : T, 0, 64)` form is the pre-2026-08 spelling;
// the pinned upstream (3ca0193c) writes `offset = 0 len = 64`.
aie.device(npu2) {
  %s = aie.tile(0, 0)
  %c = aie.tile(0, 2)
  aie.objectfifo @out(%c, {%s}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  aie.runtime_sequence(%o: memref<?xi32>) {
    %t = aiex.dma_configure_task_for @out {
      aie.dma_bd(%o : memref<?xi32> offset = 0 len = 64)
      aie.end
    } {issue_token = true}
    aiex.dma_start_task(%t)
    aiex.dma_await_task(%t)
  }
}

// -----

// 11: a 2^62-element bf16 buffer (2^63 bytes) wrapped to a negative byte
// count and passed both the buffer verifier and aie-check-limits.
aie.device(npu2) {
  %t = aie.tile(0, 2)
  // expected-error @below {{type 'memref<4611686018427387904xbf16>' of result #0 cannot be represented: its static dimensions hold more than 2^63 bytes}}
  %b = aie.buffer(%t) {sym_name = "b"} : memref<4611686018427387904xbf16>
}

// -----

// Representable but larger than L1: the buffer verifier (and
// aie-check-limits) report the bytes.
aie.device(npu2) {
  %t = aie.tile(0, 2)
  // expected-error @below {{buffer of 2199023255552 bytes exceeds the 65536-byte memory of a core tile}}
  %b = aie.buffer(%t) {sym_name = "b"} : memref<1099511627776xbf16>
}

// -----

// The same for an object FIFO's object type.
aie.device(npu2) {
  %s = aie.tile(0, 0)
  %c = aie.tile(0, 2)
  // expected-error @below {{object type 'memref<8x70368744177664xbf16>' has 1125899906842624 bytes, beyond the 2^48 bytes the compiler represents}}
  aie.objectfifo @big(%s, {%c}, 2 : i32) : !aie.objectfifo<memref<8x70368744177664xbf16>>
}
