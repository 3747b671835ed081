// RUN: attn-opt %s -split-input-file -verify-diagnostics

// Every verifier rule of the aie and aiex subset. Limits quoted in the
// messages come from the target table (npu1: 4 columns, npu2: 8; 6 rows:
// shim row 0, memory tile row 1, core rows 2-5).

//===----------------------------------------------------------------------===//
// aie.device, aie.tile
//===----------------------------------------------------------------------===//

aie.device(npu1) {
  // expected-error @+1 {{column 4 is outside the 4 columns of npu1}}
  %t = aie.tile(4, 2)
}

// -----

aie.device(npu2_1col) {
  // expected-error @+1 {{row 6 is outside the 6 rows of npu2_1col}}
  %t = aie.tile(0, 6)
}

// -----

aie.device(npu2) {
  // expected-note @+1 {{first declared here}}
  %a = aie.tile(1, 2)
  // expected-error @+1 {{declares tile (1, 2) a second time}}
  %b = aie.tile(1, 2)
}

// -----

aie.device(npu2) {
  %t = aie.tile(0, 2)
  // expected-note @+1 {{first core here}}
  %c0 = aie.core(%t) {
    aie.end
  }
  // expected-error @+1 {{is a second core on the same tile}}
  %c1 = aie.core(%t) {
    aie.end
  }
}

// -----

//===----------------------------------------------------------------------===//
// aie.core
//===----------------------------------------------------------------------===//

aie.device(npu2) {
  %t = aie.tile(0, 1)
  // expected-error @+1 {{'tile' operand (0, 1) is a memory tile; only core tiles run programs}}
  %c = aie.core(%t) {
    aie.end
  }
}

// -----

aie.device(npu2) {
  %i = arith.constant 0 : index
  // expected-error @+1 {{'tile' operand must be the result of an aie.tile}}
  %c = aie.core(%i) {
    aie.end
  }
}

// -----

aie.device(npu2) {
  %t = aie.tile(0, 2)
  // expected-error @+1 {{needs a body ending with aie.end}}
  %c = aie.core(%t) {}
}

// -----

//===----------------------------------------------------------------------===//
// aie.buffer, aie.lock, aie.use_lock
//===----------------------------------------------------------------------===//

aie.device(npu2) {
  %t = aie.tile(0, 0)
  // expected-error @+1 {{'tile' operand (0, 0) is a shim tile, which has no data memory for buffers}}
  %b = aie.buffer(%t) : memref<16xi32>
}

// -----

aie.device(npu2) {
  %t = aie.tile(0, 2)
  // expected-error @+1 {{buffer of 131072 bytes exceeds the 65536-byte memory of a core tile}}
  %b = aie.buffer(%t) : memref<32768xi32>
}

// -----

aie.device(npu2) {
  %t = aie.tile(0, 2)
  // expected-error @+1 {{element type 'i1' is not a whole number of bytes}}
  %b = aie.buffer(%t) : memref<16xi1>
}

// -----

aie.device(npu2) {
  %t = aie.tile(0, 2)
  // expected-error @+1 {{'initial_value' of type 'tensor<2xi32>' does not match the buffer type 'memref<4xi32>'}}
  %b = "aie.buffer"(%t) <{initial_value = dense<[1, 2]> : tensor<2xi32>}> : (index) -> memref<4xi32>
}

// -----

aie.device(npu2) {
  %t = aie.tile(0, 0)
  // expected-error @+1 {{'tile' operand (0, 0) is a shim tile; locks for core programs live on core and memory tiles}}
  %l = aie.lock(%t, 0)
}

// -----

aie.device(npu2) {
  %t = aie.tile(0, 2)
  // expected-error @+1 {{'lockID' 16 is out of range: a core tile has 16 locks}}
  %l = aie.lock(%t, 16)
}

// -----

aie.device(npu2) {
  %t = aie.tile(0, 1)
  // expected-error @+1 {{'init' must be non-negative, got -1}}
  %l = aie.lock(%t, 63) {init = -1 : i32}
}

// -----

aie.device(npu2) {
  %t = aie.tile(0, 2)
  %c = aie.core(%t) {
    %i = arith.constant 0 : index
    %one = arith.constant 1 : i32
    // expected-error @+1 {{'lock' operand must be the result of an aie.lock}}
    aie.use_lock(%i, Release, %one)
    aie.end
  }
}

// -----

aie.device(npu2) {
  %t = aie.tile(0, 2)
  %l = aie.lock(%t, 0)
  %c = aie.core(%t) {
    %m2 = arith.constant -2 : i32
    // expected-error @+1 {{'value' must be non-negative, got -2}}
    aie.use_lock(%l, AcquireGreaterEqual, %m2)
    aie.end
  }
}

// -----

aie.device(npu2) {
  %t = aie.tile(0, 2)
  %far = aie.tile(3, 4)
  %l = aie.lock(%far, 0)
  %c = aie.core(%t) {
    %one = arith.constant 1 : i32
    // expected-error @+1 {{'lock' operand lives on tile (3, 4), which the core on tile (0, 2) cannot reach}}
    aie.use_lock(%l, Release, %one)
    aie.end
  }
}

// -----

func.func @outside(%l: index, %one: i32) {
  // expected-error @+1 {{must be inside an aie.core}}
  aie.use_lock(%l, Release, %one)
  return
}

// -----

//===----------------------------------------------------------------------===//
// aie.objectfifo: ends and depth
//===----------------------------------------------------------------------===//

aie.device(npu2) {
  %s = aie.tile(0, 0)
  // expected-error @+1 {{needs at least one consumer tile}}
  "aie.objectfifo"(%s) <{dimensionsFromStreamPerConsumer = #aie<bd_dim_layout_array_array[]>, dimensionsToStream = #aie<bd_dim_layout_array[]>, elemNumber = 2 : i32, elemType = !aie.objectfifo<memref<16xi32>>, sym_name = "f"}> : (index) -> ()
}

// -----

aie.device(npu2) {
  %i = arith.constant 0 : index
  %t = aie.tile(0, 2)
  // expected-error @+1 {{producer tile must be the result of an aie.tile}}
  aie.objectfifo @f(%i, {%t}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
}

// -----

aie.device(npu2) {
  %t = aie.tile(0, 2)
  // expected-error @+1 {{consumer tile #0 is the producer tile (0, 2)}}
  aie.objectfifo @f(%t, {%t}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  %t = aie.tile(0, 2)
  // expected-error @+1 {{consumer tile #1 is listed twice}}
  aie.objectfifo @f(%s, {%t, %t}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
}

// -----

aie.device(npu2) {
  %s0 = aie.tile(0, 0)
  %s1 = aie.tile(1, 0)
  // expected-error @+1 {{consumer tile #0 (1, 0) and the producer are both shim tiles}}
  aie.objectfifo @f(%s0, {%s1}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  %t = aie.tile(0, 2)
  // expected-error @+1 {{depth array has 3 entries; expected 2 (the producer and each consumer)}}
  aie.objectfifo @f(%s, {%t}, [2 : i32, 2 : i32, 2 : i32]) : !aie.objectfifo<memref<16xi32>>
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  %t = aie.tile(0, 2)
  // expected-error @+1 {{depth array entry #1 must be a positive i32, got 0 : i32}}
  aie.objectfifo @f(%s, {%t}, [2 : i32, 0 : i32]) : !aie.objectfifo<memref<16xi32>>
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  %t = aie.tile(0, 2)
  // expected-error @+1 {{object type 'memref<?xi32>' must have a static shape}}
  aie.objectfifo @f(%s, {%t}, 2 : i32) : !aie.objectfifo<memref<?xi32>>
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  %t = aie.tile(0, 2)
  // expected-error @+1 {{object element type 'i1' is not a whole number of bytes}}
  aie.objectfifo @f(%s, {%t}, 2 : i32) : !aie.objectfifo<memref<64xi1>>
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  %t = aie.tile(0, 2)
  // expected-error @+1 {{object type 'memref<3xbf16>' is 6 bytes, not a whole number of 4-byte DMA words}}
  aie.objectfifo @f(%s, {%t}, 2 : i32) : !aie.objectfifo<memref<3xbf16>>
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  %t = aie.tile(0, 2)
  // expected-error @+1 {{'dimensionsFromStreamPerConsumer' has 0 entries for 1 consumers}}
  "aie.objectfifo"(%s, %t) <{dimensionsFromStreamPerConsumer = #aie<bd_dim_layout_array_array[]>, dimensionsToStream = #aie<bd_dim_layout_array[]>, elemNumber = 2 : i32, elemType = !aie.objectfifo<memref<16xi32>>, sym_name = "f"}> : (index, index) -> ()
}

// -----

//===----------------------------------------------------------------------===//
// aie.objectfifo: access patterns (DMA limits per tile kind)
//===----------------------------------------------------------------------===//

aie.device(npu2) {
  %s = aie.tile(0, 0)
  %t = aie.tile(0, 2)
  // expected-error @+1 {{'dimensionsToStream' is not supported on a shim producer}}
  aie.objectfifo @f(%s dimensionsToStream [<size = 4, stride = 4>, <size = 4, stride = 1>], {%t}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  %t = aie.tile(0, 2)
  // expected-error @+1 {{'dimensionsToStream' has 4 dimensions; a core tile DMA takes at most 3}}
  aie.objectfifo @f(%t dimensionsToStream [<size = 2, stride = 32>, <size = 2, stride = 16>, <size = 2, stride = 8>, <size = 8, stride = 1>], {%s}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
}

// -----

aie.device(npu2) {
  %m = aie.tile(0, 1)
  %t = aie.tile(0, 2)
  // expected-error @+1 {{'dimensionsFromStream' of consumer #0 has 4 dimensions; a core tile DMA takes at most 3}}
  aie.objectfifo @f(%m, {%t dimensionsFromStream [<size = 2, stride = 32>, <size = 2, stride = 16>, <size = 2, stride = 8>, <size = 8, stride = 1>]}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
}

// -----

aie.device(npu2) {
  %m = aie.tile(0, 1)
  %t = aie.tile(0, 2)
  // expected-error @+1 {{'dimensionsToStream' has 5 dimensions; a memory tile DMA takes at most 4}}
  aie.objectfifo @f(%m dimensionsToStream [<size = 2, stride = 64>, <size = 2, stride = 32>, <size = 2, stride = 16>, <size = 2, stride = 8>, <size = 8, stride = 1>], {%t}, 2 : i32) : !aie.objectfifo<memref<128xi32>>
}

// -----

aie.device(npu2) {
  %m = aie.tile(0, 1)
  %t = aie.tile(0, 2)
  // expected-error @+1 {{'dimensionsToStream' dimension #0 (outermost first) has size 0; sizes must be positive}}
  aie.objectfifo @f(%m dimensionsToStream [<size = 0, stride = 16>, <size = 16, stride = 1>], {%t}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
}

// -----

aie.device(npu2) {
  %m = aie.tile(0, 1)
  %t = aie.tile(0, 2)
  // expected-error @+1 {{'dimensionsToStream' innermost dimension moves 6 bytes (3 x 2-byte elements), not a whole number of 4-byte words}}
  aie.objectfifo @f(%m dimensionsToStream [<size = 8, stride = 8>, <size = 3, stride = 1>], {%t}, 2 : i32) : !aie.objectfifo<memref<64xbf16>>
}

// -----

aie.device(npu2) {
  %m = aie.tile(0, 1)
  %t = aie.tile(0, 2)
  // Transposing 2-byte elements one by one needs a stride on the innermost
  // dimension, which a DMA moving 4-byte words cannot do.
  // expected-error @+1 {{'dimensionsToStream' innermost stride is 8; it must be 1 for 2-byte elements (DMAs address 4-byte words)}}
  aie.objectfifo @f(%m dimensionsToStream [<size = 8, stride = 1>, <size = 8, stride = 8>], {%t}, 2 : i32) : !aie.objectfifo<memref<8x8xbf16>>
}

// -----

aie.device(npu2) {
  %m = aie.tile(0, 1)
  %t = aie.tile(0, 2)
  // expected-error @+1 {{'dimensionsToStream' dimension #0 stride 3 (6 bytes) is not a whole number of 4-byte words}}
  aie.objectfifo @f(%m dimensionsToStream [<size = 2, stride = 3>, <size = 2, stride = 1>], {%t}, 2 : i32) : !aie.objectfifo<memref<64xbf16>>
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  %t = aie.tile(0, 2)
  // expected-error @+1 {{'dimensionsToStream' dimension #0 stride 8200 is 8200 words; the limit is 8192}}
  aie.objectfifo @f(%t dimensionsToStream [<size = 2, stride = 8200>, <size = 4, stride = 1>], {%s}, 2 : i32) : !aie.objectfifo<memref<16384xi32>>
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  %t = aie.tile(0, 2)
  // expected-error @+1 {{'dimensionsToStream' dimension #1 size 256 (256 words) exceeds the limit 255}}
  aie.objectfifo @f(%t dimensionsToStream [<size = 2, stride = 256>, <size = 256, stride = 1>], {%s}, 2 : i32) : !aie.objectfifo<memref<512xi32>>
}

// -----

aie.device(npu2) {
  %m = aie.tile(0, 1)
  %t = aie.tile(0, 2)
  // expected-error @+1 {{'dimensionsToStream' reaches element 270, beyond the 256 elements of one object}}
  aie.objectfifo @f(%m dimensionsToStream [<size = 16, stride = 17>, <size = 16, stride = 1>], {%t}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
}

// -----

//===----------------------------------------------------------------------===//
// aie.objectfifo.link
//===----------------------------------------------------------------------===//

aie.device(npu2) {
  %s = aie.tile(0, 0)
  %m = aie.tile(0, 1)
  aie.objectfifo @a(%s, {%m}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  // expected-error @+1 {{output @b does not name an aie.objectfifo}}
  aie.objectfifo.link [@a] -> [@b] ([] [])
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  %m = aie.tile(0, 1)
  aie.objectfifo @a(%s, {%m}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  // expected-error @+1 {{input entry @a::@x must be a flat symbol reference}}
  aie.objectfifo.link [@a::@x] -> [@a] ([] [])
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  %m = aie.tile(0, 1)
  aie.objectfifo @a(%s, {%m}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  // expected-error @+1 {{needs at least one input and one output objectfifo}}
  aie.objectfifo.link [@a] -> [] ([] [])
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  %m = aie.tile(0, 1)
  %t = aie.tile(0, 2)
  %u = aie.tile(0, 3)
  aie.objectfifo @a(%s, {%m}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  aie.objectfifo @b(%s, {%m}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  aie.objectfifo @c(%m, {%t}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  aie.objectfifo @d(%m, {%u}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  // expected-error @+1 {{cannot join (several inputs) and split (several outputs) at once}}
  aie.objectfifo.link [@a, @b] -> [@c, @d] ([0, 64] [0, 64])
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  %m = aie.tile(0, 1)
  %t = aie.tile(0, 2)
  %u = aie.tile(0, 3)
  aie.objectfifo @a(%s, {%m}, 2 : i32) : !aie.objectfifo<memref<128xi32>>
  aie.objectfifo @c(%m, {%t}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  aie.objectfifo @d(%t, {%u}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  // expected-error @+1 {{output "d" has a different producer tile than the first output}}
  aie.objectfifo.link [@a] -> [@c, @d] ([] [0, 64])
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  %m = aie.tile(0, 1)
  %t = aie.tile(0, 2)
  aie.objectfifo @a(%s, {%t}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  aie.objectfifo @c(%m, {%t}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  // expected-error @+1 {{input "a" must have exactly one consumer, the outputs' producer tile}}
  aie.objectfifo.link [@a] -> [@c] ([] [])
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  %t = aie.tile(0, 2)
  %u = aie.tile(0, 3)
  aie.objectfifo @a(%t, {%s}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  aie.objectfifo @c(%s, {%u}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  // expected-error @+1 {{link point (0, 0) is a shim tile; it has no memory to forward objects through}}
  aie.objectfifo.link [@a] -> [@c] ([] [])
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  %m = aie.tile(0, 1)
  %t = aie.tile(0, 2)
  aie.objectfifo @a(%s, {%m}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  aie.objectfifo @c(%m, {%t}, 2 : i32) : !aie.objectfifo<memref<128xbf16>>
  // expected-error @+1 {{objectfifo "a" carries 'i32' elements; every linked objectfifo must carry 'bf16'}}
  aie.objectfifo.link [@a] -> [@c] ([] [])
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  %m = aie.tile(0, 1)
  %t = aie.tile(0, 2)
  %u = aie.tile(0, 3)
  aie.objectfifo @a(%s, {%m}, 2 : i32) : !aie.objectfifo<memref<128xi32>>
  aie.objectfifo @c(%m, {%t}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  aie.objectfifo @d(%m, {%u}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  // expected-error @+1 {{'dst_offsets' has 1 entries for 2 objectfifos}}
  aie.objectfifo.link [@a] -> [@c, @d] ([] [0])
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  %m = aie.tile(0, 1)
  %t = aie.tile(0, 2)
  %u = aie.tile(0, 3)
  aie.objectfifo @a(%s, {%m}, 2 : i32) : !aie.objectfifo<memref<128xi32>>
  aie.objectfifo @c(%m, {%t}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  aie.objectfifo @d(%m, {%u}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  // expected-error @+1 {{'dst_offsets' entry #1: piece "d" ends at element 160, beyond the 128 elements of "a"}}
  aie.objectfifo.link [@a] -> [@c, @d] ([] [0, 96])
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  %m = aie.tile(0, 1)
  %t = aie.tile(0, 2)
  %u = aie.tile(0, 3)
  aie.objectfifo @a(%s, {%m}, 2 : i32) : !aie.objectfifo<memref<128xi32>>
  aie.objectfifo @c(%m, {%t}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  aie.objectfifo @d(%m, {%u}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  // expected-error @+1 {{'dst_offsets' entry #0 (-4) must be non-negative}}
  aie.objectfifo.link [@a] -> [@c, @d] ([] [-4, 64])
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  %m = aie.tile(0, 1)
  %t = aie.tile(0, 2)
  %u = aie.tile(0, 3)
  aie.objectfifo @c(%t, {%m}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  aie.objectfifo @d(%u, {%m}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  aie.objectfifo @o(%m, {%s}, 2 : i32) : !aie.objectfifo<memref<128xi32>>
  // expected-error @+1 {{'src_offsets' entry #1 (32) overlaps the previous piece, which ends at 64}}
  aie.objectfifo.link [@c, @d] -> [@o] ([0, 32] [])
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  %m = aie.tile(0, 1)
  %t = aie.tile(0, 2)
  %u = aie.tile(0, 3)
  aie.objectfifo @c(%t, {%m}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  aie.objectfifo @d(%u, {%m}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  aie.objectfifo @o(%m, {%s}, 2 : i32) : !aie.objectfifo<memref<128xi32>>
  // expected-error @+1 {{'dst_offsets' must be empty for a join}}
  aie.objectfifo.link [@c, @d] -> [@o] ([0, 64] [0])
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  %m = aie.tile(0, 1)
  %t = aie.tile(0, 2)
  %u = aie.tile(0, 3)
  aie.objectfifo @a(%s, {%m}, 2 : i32) : !aie.objectfifo<memref<128xi32>>
  aie.objectfifo @c(%m, {%t}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  aie.objectfifo @d(%m, {%u}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  // expected-error @+1 {{'src_offsets' must be empty for a split}}
  aie.objectfifo.link [@a] -> [@c, @d] ([0] [0, 64])
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  %m = aie.tile(0, 1)
  %t = aie.tile(0, 2)
  aie.objectfifo @a(%s, {%m}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  aie.objectfifo @c(%m, {%t}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  // expected-error @+1 {{offsets must be empty for a one-to-one link}}
  aie.objectfifo.link [@a] -> [@c] ([0] [])
}

// -----

//===----------------------------------------------------------------------===//
// aie.objectfifo.acquire / release / subview.access
//===----------------------------------------------------------------------===//

aie.device(npu2) {
  %t = aie.tile(0, 2)
  %c = aie.core(%t) {
    // expected-error @+1 {{@nowhere does not name an aie.objectfifo}}
    %sv = aie.objectfifo.acquire @nowhere(Consume, 1) : !aie.objectfifosubview<memref<16xi32>>
    aie.end
  }
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  %t = aie.tile(0, 2)
  aie.objectfifo @in(%s, {%t}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.runtime_sequence(%a: memref<16xi32>) {
    // expected-error @+1 {{must be inside an aie.core}}
    aie.objectfifo.release @in(Consume, 1)
  }
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  %t = aie.tile(0, 2)
  aie.objectfifo @in(%s, {%t}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  %c = aie.core(%t) {
    // expected-error @+1 {{port Produce of @in used by the core on tile (0, 2), which is not its producer}}
    %sv = aie.objectfifo.acquire @in(Produce, 1) : !aie.objectfifosubview<memref<16xi32>>
    aie.end
  }
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  %t = aie.tile(0, 2)
  aie.objectfifo @out(%t, {%s}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  %c = aie.core(%t) {
    // expected-error @+1 {{port Consume of @out used by the core on tile (0, 2), which is not one of its consumers}}
    aie.objectfifo.release @out(Consume, 1)
    aie.end
  }
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  %t = aie.tile(0, 2)
  aie.objectfifo @in(%s, {%t}, [2 : i32, 3 : i32]) : !aie.objectfifo<memref<16xi32>>
  %c = aie.core(%t) {
    // expected-error @+1 {{count 4 exceeds the depth 3 of @in at this end}}
    %sv = aie.objectfifo.acquire @in(Consume, 4) : !aie.objectfifosubview<memref<16xi32>>
    aie.end
  }
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  %t = aie.tile(0, 2)
  aie.objectfifo @in(%s, {%t}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  %c = aie.core(%t) {
    // expected-error @+1 {{result type '!aie.objectfifosubview<memref<8xi32>>' does not match the objectfifo's objects 'memref<16xi32>'}}
    %sv = aie.objectfifo.acquire @in(Consume, 1) : !aie.objectfifosubview<memref<8xi32>>
    aie.end
  }
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  %t = aie.tile(0, 2)
  aie.objectfifo @in(%s, {%t}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  %c = aie.core(%t) {
    // expected-error @+1 {{result #1 has type 'memref<8xi32>'; expected 'memref<16xi32>' (or one !aie.objectfifosubview)}}
    %a, %b = aie.objectfifo.acquire @in(Consume, 2) : memref<16xi32>, memref<8xi32>
    aie.end
  }
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  %t = aie.tile(0, 2)
  aie.objectfifo @in(%s, {%t}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  %c = aie.core(%t) {
    // expected-error @+1 {{returns 1 objects but acquires 2}}
    %a = "aie.objectfifo.acquire"() <{objFifo_name = @in, port = 1 : i32, size = 2 : i32}> : () -> memref<16xi32>
    aie.end
  }
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  %t = aie.tile(0, 2)
  aie.objectfifo @in(%s, {%t}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  %c = aie.core(%t) {
    // expected-error @+1 {{acquires 2 objects but names 1 types}}
    %a = aie.objectfifo.acquire @in(Consume, 2) : memref<16xi32>
    aie.end
  }
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  %t = aie.tile(0, 2)
  aie.objectfifo @in(%s, {%t}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  %c = aie.core(%t) {
    // expected-error @+1 {{expected Produce or Consume, got 'Read'}}
    %a = aie.objectfifo.acquire @in(Read, 1) : memref<16xi32>
    aie.end
  }
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  %t = aie.tile(0, 2)
  aie.objectfifo @in(%s, {%t}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  %c = aie.core(%t) {
    %sv = aie.objectfifo.acquire @in(Consume, 2) : !aie.objectfifosubview<memref<16xi32>>
    // expected-error @+1 {{'index' 2 is out of range: the subview holds 2 acquired object(s)}}
    %e = aie.objectfifo.subview.access %sv[2] : !aie.objectfifosubview<memref<16xi32>> -> memref<16xi32>
    aie.end
  }
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  %t = aie.tile(0, 2)
  aie.objectfifo @in(%s, {%t}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  %c = aie.core(%t) {
    %sv = aie.objectfifo.acquire @in(Consume, 1) : !aie.objectfifosubview<memref<16xi32>>
    // expected-error @+1 {{result type 'memref<16xf32>' does not match the subview's objects 'memref<16xi32>'}}
    %e = aie.objectfifo.subview.access %sv[0] : !aie.objectfifosubview<memref<16xi32>> -> memref<16xf32>
    aie.end
  }
}

// -----

//===----------------------------------------------------------------------===//
// aie.shim_dma_allocation
//===----------------------------------------------------------------------===//

aie.device(npu2) {
  %m = aie.tile(0, 1)
  // expected-error @+1 {{'tile' operand (0, 1) is a memory tile; it must be a shim tile}}
  aie.shim_dma_allocation @a(%m, MM2S, 0)
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  // expected-error @+1 {{'channel_index' 2 is out of range: a shim tile has 2 S2MM channels}}
  aie.shim_dma_allocation @a(%s, S2MM, 2)
}

// -----

aie.device(npu2) {
  // The column-number spelling of older upstream releases is gone.
  // expected-error @+1 {{expected SSA operand}}
  aie.shim_dma_allocation @a(MM2S, 0, 2)
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'channel_dir' [S2MM, MM2S]}}
  aie.shim_dma_allocation @a(%s, M2S, 0)
}

// -----

//===----------------------------------------------------------------------===//
// aie.dma_bd
//===----------------------------------------------------------------------===//

func.func @bd_dynamic(%b: memref<?xi32>) {
  // expected-error @+1 {{needs 'len' for a buffer of dynamic shape 'memref<?xi32>'}}
  aie.dma_bd(%b : memref<?xi32>)
  return
}

// -----

func.func @bd_offset(%b: memref<64xi32>) {
  // expected-error @+1 {{'offset' must be non-negative, got -1}}
  aie.dma_bd(%b : memref<64xi32> offset = -1 len = 8)
  return
}

// -----

func.func @bd_len(%b: memref<64xi32>) {
  // expected-error @+1 {{'len' must be positive, got 0}}
  aie.dma_bd(%b : memref<64xi32> offset = 0 len = 0)
  return
}

// -----

func.func @bd_bounds(%b: memref<64xi32>) {
  // expected-error @+1 {{'offset' + 'len' (72) exceeds the 64 elements of the buffer}}
  aie.dma_bd(%b : memref<64xi32> offset = 8 len = 64)
  return
}

// -----

func.func @bd_pad(%b: memref<64xi32>) {
  // expected-error @+1 {{'pad' needs one entry per access pattern dimension (2), got 1}}
  aie.dma_bd(%b : memref<64xi32> offset = 0 len = 64 sizes = [8, 8] strides = [8, 1] pad [<const_pad_before = 0, const_pad_after = 1>])
  return
}

// -----

func.func @bd_packet(%b: memref<64xi32>) {
  // expected-error @+1 {{'packet' type must fit in 3 bits, got 8}}
  aie.dma_bd(%b : memref<64xi32> offset = 0 len = 64) {packet = #aie.packet_info<pkt_type = 8, pkt_id = 0>}
  return
}

// -----

func.func @bd_packet_id(%b: memref<64xi32>) {
  // expected-error @+1 {{'packet' id must fit in 5 bits, got 32}}
  aie.dma_bd(%b : memref<64xi32> offset = 0 len = 64) {packet = #aie.packet_info<pkt_type = 0, pkt_id = 32>}
  return
}

// -----

func.func @bd_sizes_strides(%b: memref<64xi32>) {
  // expected-error @+1 {{has 2 sizes but 1 strides; the access pattern needs one stride per size}}
  aie.dma_bd(%b : memref<64xi32> offset = 0 len = 64 sizes = [8, 8] strides = [1])
  return
}

// -----

func.func @bd_size_zero(%b: memref<64xi32>, %n: i64) {
  // expected-error @+1 {{size #1 must be positive, got 0}}
  aie.dma_bd(%b : memref<64xi32> sizes = [%n, 0] strides = [8, 1])
  return
}

// -----

func.func @bd_dynamic_ok(%b: memref<?xi32>, %n: i32, %off: i32) {
  // A dynamic buffer with a runtime or constant length verifies (issue 13's
  // reproducer 03 crashed the verifier on it).
  aie.dma_bd(%b : memref<?xi32> offset = %off len = %n)
  aie.dma_bd(%b : memref<?xi32> offset = 0 len = 64 sizes = [4, 16] strides = [16, 1])
  // expected-error @+1 {{'len' must be positive, got -1}}
  aie.dma_bd(%b : memref<?xi32> len = -1)
  return
}

// -----

func.func @bd_scalar_range(%b: memref<64xi32>) {
  // expected-error @+1 {{value 4294967296 does not fit in 32 bits}}
  aie.dma_bd(%b : memref<64xi32> offset = 4294967296)
  return
}

// -----

//===----------------------------------------------------------------------===//
// aiex.npu.dma_memcpy_nd, aiex.npu.dma_wait
//===----------------------------------------------------------------------===//

func.func @outside_device(%m: memref<64xi32>) {
  // expected-error @+1 {{must be inside an aie.device of a known target}}
  aiex.npu.dma_memcpy_nd(%m[0, 0, 0, 0][1, 1, 1, 64][0, 0, 0, 1]) {id = 0 : i64, metadata = @x} : memref<64xi32>
  return
}

// -----

aie.device(npu2) {
  aie.runtime_sequence(%m: memref<64xi32>) {
    // expected-error @+1 {{expects 4 sizes (outermost first), got 2}}
    aiex.npu.dma_memcpy_nd(%m[0, 0, 0, 0][1, 64][0, 0, 0, 1]) {id = 0 : i64, metadata = @x} : memref<64xi32>
  }
}

// -----

aie.device(npu2) {
  aie.runtime_sequence(%m: memref<64xi32>, %n: i64) {
    // expected-error @+1 {{has 1 dynamic sizes but 0 '?' entries}}
    "aiex.npu.dma_memcpy_nd"(%m, %n) <{id = 0 : i64, metadata = @x, operandSegmentSizes = array<i32: 1, 0, 1, 0>, static_offsets = array<i64: 0, 0, 0, 0>, static_sizes = array<i64: 1, 1, 1, 64>, static_strides = array<i64: 0, 0, 0, 1>}> : (memref<64xi32>, i64) -> ()
  }
}

// -----

aie.device(npu2) {
  aie.runtime_sequence(%m: memref<64xi32>) {
    // expected-error @+1 {{size #3 must be positive, got 0}}
    aiex.npu.dma_memcpy_nd(%m[0, 0, 0, 0][1, 1, 1, 0][0, 0, 0, 1]) {id = 0 : i64, metadata = @x} : memref<64xi32>
  }
}

// -----

aie.device(npu2) {
  aie.runtime_sequence(%m: memref<64xi32>) {
    // expected-error @+1 {{stride #2 must be non-negative, got -8}}
    aiex.npu.dma_memcpy_nd(%m[0, 0, 0, 0][1, 1, 8, 8][0, 0, -8, 1]) {id = 0 : i64, metadata = @x} : memref<64xi32>
  }
}

// -----

aie.device(npu2) {
  aie.runtime_sequence(%m: memref<64xi32>) {
    // expected-error @+1 {{offset #3 must be non-negative, got -1}}
    aiex.npu.dma_memcpy_nd(%m[0, 0, 0, -1][1, 1, 1, 8][0, 0, 0, 1]) {id = 0 : i64, metadata = @x} : memref<64xi32>
  }
}

// -----

aie.device(npu2) {
  aie.runtime_sequence(%m: memref<64xi32>) {
    // expected-error @+1 {{'packet' type must fit in 3 bits, got 9}}
    aiex.npu.dma_memcpy_nd(%m[0, 0, 0, 0][1, 1, 1, 64][0, 0, 0, 1], packet = <pkt_type = 9, pkt_id = 0>) {id = 0 : i64, metadata = @x} : memref<64xi32>
  }
}

// -----

aie.device(npu2) {
  aie.runtime_sequence(%m: memref<64xi32>) {
    // expected-error @+1 {{'packet' id must fit in 5 bits, got 40}}
    aiex.npu.dma_memcpy_nd(%m[0, 0, 0, 0][1, 1, 1, 64][0, 0, 0, 1], packet = <pkt_type = 0, pkt_id = 40>) {id = 0 : i64, metadata = @x} : memref<64xi32>
  }
}

// -----

aie.device(npu2) {
  aie.runtime_sequence(%m: memref<64xf64>) {
    // expected-error @+1 {{element type 'f64' must be 1 to 4 bytes wide}}
    aiex.npu.dma_memcpy_nd(%m[0, 0, 0, 0][1, 1, 1, 64][0, 0, 0, 1]) {id = 0 : i64, metadata = @x} : memref<64xf64>
  }
}

// -----

aie.device(npu2) {
  aie.runtime_sequence(%m: memref<64xi32>) {
    // expected-error @+1 {{'id' 16 is out of range: a shim DMA has 16 buffer descriptors}}
    aiex.npu.dma_memcpy_nd(%m[0, 0, 0, 0][1, 1, 1, 64][0, 0, 0, 1]) {id = 16 : i64, metadata = @x} : memref<64xi32>
  }
}

// -----

aie.device(npu2) {
  aie.runtime_sequence(%m: memref<64xbf16>) {
    // expected-error @+1 {{access pattern innermost dimension moves 14 bytes (7 x 2-byte elements), not a whole number of 4-byte words}}
    aiex.npu.dma_memcpy_nd(%m[0, 0, 0, 0][1, 1, 8, 7][0, 0, 8, 1]) {id = 0 : i64, metadata = @x} : memref<64xbf16>
  }
}

// -----

aie.device(npu2) {
  aie.runtime_sequence(%m: memref<64x64xbf16>) {
    // expected-error @+1 {{access pattern innermost stride is 64; it must be 1 for 2-byte elements (DMAs address 4-byte words)}}
    aiex.npu.dma_memcpy_nd(%m[0, 0, 0, 0][1, 1, 64, 64][0, 0, 1, 64]) {id = 0 : i64, metadata = @x} : memref<64x64xbf16>
  }
}

// -----

aie.device(npu2) {
  aie.runtime_sequence(%m: memref<65536xi32>) {
    // expected-error @+1 {{access pattern dimension #0 size 65 exceeds the limit 64}}
    aiex.npu.dma_memcpy_nd(%m[0, 0, 0, 0][65, 1, 1, 64][64, 0, 0, 1]) {id = 0 : i64, metadata = @x} : memref<65536xi32>
  }
}

// -----

aie.device(npu2) {
  aie.runtime_sequence(%m: memref<65536xi32>) {
    // expected-error @+1 {{access pattern dimension #2 size 1024 exceeds the limit 1023}}
    aiex.npu.dma_memcpy_nd(%m[0, 0, 0, 0][1, 1, 1024, 32][0, 0, 32, 1]) {id = 0 : i64, metadata = @x} : memref<65536xi32>
  }
}

// -----

aie.device(npu2) {
  aie.runtime_sequence(%m: memref<4194304xi32>) {
    // expected-error @+1 {{access pattern dimension #2 stride 1048577 is 1048577 words; the limit is 1048576}}
    aiex.npu.dma_memcpy_nd(%m[0, 0, 0, 0][1, 1, 2, 32][0, 0, 1048577, 1]) {id = 0 : i64, metadata = @x} : memref<4194304xi32>
  }
}

// -----

aie.device(npu2) {
  aie.runtime_sequence(%m: memref<64xbf16>) {
    // expected-error @+1 {{offsets start the transfer at byte 2, not 4-byte aligned}}
    aiex.npu.dma_memcpy_nd(%m[0, 0, 0, 1][1, 1, 1, 32][0, 0, 0, 1]) {id = 0 : i64, metadata = @x} : memref<64xbf16>
  }
}

// -----

aie.device(npu2) {
  aie.runtime_sequence(%m: memref<64xi32>) {
    // expected-error @+1 {{access pattern reaches element 71, beyond the 64 elements of the memref}}
    aiex.npu.dma_memcpy_nd(%m[0, 0, 0, 8][1, 1, 1, 64][0, 0, 0, 1]) {id = 0 : i64, metadata = @x} : memref<64xi32>
  }
}

// -----

aie.device(npu2) {
  aie.runtime_sequence(%m: memref<64xi32>) {
    // expected-error @+1 {{'metadata' @x does not name an aie.objectfifo or aie.shim_dma_allocation}}
    aiex.npu.dma_memcpy_nd(%m[0, 0, 0, 0][1, 1, 1, 64][0, 0, 0, 1]) {id = 0 : i64, metadata = @x} : memref<64xi32>
  }
}

// -----

aie.device(npu2) {
  %m = aie.tile(0, 1)
  %t = aie.tile(0, 2)
  aie.objectfifo @l2(%m, {%t}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
  aie.runtime_sequence(%a: memref<64xi32>) {
    // expected-error @+1 {{'metadata' @l2 names an aie.objectfifo with no end on a shim tile}}
    aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 1, 64][0, 0, 0, 1]) {id = 0 : i64, metadata = @l2} : memref<64xi32>
  }
}

// -----

aie.device(npu2) {
  aie.runtime_sequence() {
    // expected-error @+1 {{'symbol' @gone does not name an aie.objectfifo or aie.shim_dma_allocation}}
    aiex.npu.dma_wait {symbol = @gone}
  }
}

// -----

func.func @wait_outside() {
  // expected-error @+1 {{must be inside an aie.device}}
  aiex.npu.dma_wait {symbol = @gone}
  return
}

// -----

//===----------------------------------------------------------------------===//
// aiex.npu.rtp_write, aiex.npu.write32
//===----------------------------------------------------------------------===//

aie.device(npu2) {
  aie.runtime_sequence(%v: i32) {
    // expected-error @+1 {{'buffer' @rtp does not name an aie.buffer}}
    aiex.npu.rtp_write(@rtp, 0, %v) : i32
  }
}

// -----

aie.device(npu2) {
  %t = aie.tile(0, 2)
  %b = aie.buffer(%t) {sym_name = "rtp"} : memref<8xbf16>
  aie.runtime_sequence(%v: i32) {
    // expected-error @+1 {{'buffer' @rtp must hold 32-bit elements, has 'memref<8xbf16>'}}
    aiex.npu.rtp_write(@rtp, 0, %v) : i32
  }
}

// -----

aie.device(npu2) {
  %t = aie.tile(0, 2)
  %b = aie.buffer(%t) {sym_name = "rtp"} : memref<4xi32>
  aie.runtime_sequence(%v: i32) {
    // expected-error @+1 {{'index' 4 is outside buffer @rtp of 4 elements}}
    aiex.npu.rtp_write(@rtp, 4, %v) : i32
  }
}

// -----

func.func @rtp_outside(%v: i32) {
  // expected-error @+1 {{must be inside an aie.device}}
  aiex.npu.rtp_write(@rtp, 0, %v) : i32
  return
}

// -----

aie.device(npu2) {
  aie.runtime_sequence(%a: i32) {
    // expected-error @+1 {{'column' and 'row' must be given together}}
    aiex.npu.write32(%a, %a) {column = 0 : i32} : i32, i32
  }
}

// -----

aie.device(npu2) {
  aie.runtime_sequence(%a: i32) {
    // expected-error @+1 {{tile (8, 2) is outside the npu2 array}}
    aiex.npu.write32(%a, %a) {column = 8 : i32, row = 2 : i32} : i32, i32
  }
}

// -----

aie.device(npu2) {
  aie.runtime_sequence(%a: i32) {
    // expected-error @+1 {{takes 'buffer' or 'column'/'row', not both}}
    aiex.npu.write32(%a, %a) {buffer = @b, column = 0 : i32, row = 2 : i32} : i32, i32
  }
}

// -----

aie.device(npu2) {
  aie.runtime_sequence(%a: i32) {
    // expected-error @+1 {{'buffer' @b does not name an aie.buffer}}
    aiex.npu.write32(%a, %a) {buffer = @b} : i32, i32
  }
}

// -----

func.func @write32_outside(%a: i32) {
  // expected-error @+1 {{must be inside an aie.device of a known target}}
  aiex.npu.write32(%a, %a) {column = 0 : i32, row = 2 : i32} : i32, i32
  return
}

// -----

// -----

aie.device(npu2) {
  aie.runtime_sequence(%v: i32) {
    %r = arith.constant 300 : i32
    // expected-error @+1 {{'repeat_count' 300 is out of range [0, 255]}}
    aiex.npu.push_queue (0, 0, MM2S:0) bd_id %v repeat %r {issue_token = false} : i32, i32
  }
}

// -----

aie.device(npu2) {
  aie.runtime_sequence(%v: i32) {
    // expected-error @+1 {{tile (9, 0) is outside the npu2 array}}
    aiex.npu.push_queue (9, 0, MM2S:0) bd_id %v repeat %v {issue_token = false} : i32, i32
  }
}

// -----

aie.device(npu2) {
  // expected-error @+1 {{argument #1 has type 'f32'; expected a memref (host buffer) or a signless integer (runtime scalar)}}
  aie.runtime_sequence(%a: memref<8xi32>, %f: f32) {
  }
}

// -----

//===----------------------------------------------------------------------===//
// Task form
//===----------------------------------------------------------------------===//

aie.device(npu2) {
  aie.runtime_sequence(%a: memref<64xi32>) {
    // expected-error @+1 {{'alloc' @nope does not name an aie.objectfifo or aie.shim_dma_allocation}}
    %t = aiex.dma_configure_task_for @nope {
      aie.dma_bd(%a : memref<64xi32> offset = 0 len = 64)
      aie.end
    }
  }
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  aie.shim_dma_allocation @a(%s, MM2S, 0)
  aie.runtime_sequence(%a: memref<64xi32>) {
    // expected-error @+1 {{'repeat_count' 256 is out of range [0, 255]}}
    %t = aiex.dma_configure_task_for @a {
      aie.dma_bd(%a : memref<64xi32> offset = 0 len = 64)
      aie.end
    } {repeat_count = 256 : i32}
  }
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  aie.shim_dma_allocation @a(%s, MM2S, 0)
  aie.runtime_sequence(%a: memref<64xi32>) {
    // expected-error @+1 {{body must be one block holding one aie.dma_bd and aie.end}}
    %t = aiex.dma_configure_task_for @a {
      aie.dma_bd(%a : memref<64xi32> offset = 0 len = 64)
      aie.end
    ^second:
      aie.end
    }
  }
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  aie.shim_dma_allocation @a(%s, MM2S, 0)
  aie.runtime_sequence(%a: memref<64xi32>) {
    // expected-error @+1 {{body must hold exactly one aie.dma_bd}}
    %t = aiex.dma_configure_task_for @a {
      aie.dma_bd(%a : memref<64xi32> offset = 0 len = 32)
      aie.dma_bd(%a : memref<64xi32> offset = 32 len = 32)
      aie.end
    }
  }
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  aie.shim_dma_allocation @a(%s, MM2S, 0)
  aie.runtime_sequence(%a: memref<64xi32>) {
    // expected-error @+1 {{body must end with aie.end}}
    %t = aiex.dma_configure_task_for @a {
      aie.dma_bd(%a : memref<64xi32> offset = 0 len = 64)
    }
  }
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  aie.shim_dma_allocation @a(%s, MM2S, 0)
  aie.runtime_sequence(%a: memref<64xi32>) {
    %t = aiex.dma_configure_task_for @a {
      // expected-error @+1 {{is not allowed in aiex.dma_configure_task_for; only aie.dma_bd is}}
      %c = arith.constant 0 : i32
      aie.dma_bd(%a : memref<64xi32> offset = 0 len = 64)
      aie.end
    }
  }
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  aie.shim_dma_allocation @a(%s, MM2S, 0)
  aie.runtime_sequence(%a: memref<64xf64>) {
    %t = aiex.dma_configure_task_for @a {
      // expected-error @+1 {{element type 'f64' must be 1 to 4 bytes wide}}
      aie.dma_bd(%a : memref<64xf64> offset = 0 len = 64)
      aie.end
    }
  }
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  aie.shim_dma_allocation @a(%s, MM2S, 0)
  aie.runtime_sequence(%a: memref<64xi32>) {
    %t = aiex.dma_configure_task_for @a {
      // expected-error @+1 {{'bd_id' 16 is out of range: a shim DMA has 16 buffer descriptors}}
      aie.dma_bd(%a : memref<64xi32> offset = 0 len = 64) {bd_id = 16 : i32}
      aie.end
    }
  }
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  aie.shim_dma_allocation @a(%s, MM2S, 0)
  aie.runtime_sequence(%a: memref<64xbf16>) {
    %t = aiex.dma_configure_task_for @a {
      // expected-error @+1 {{'offset' 1 is not 4-byte aligned}}
      aie.dma_bd(%a : memref<64xbf16> offset = 1 len = 32)
      aie.end
    }
  }
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  aie.shim_dma_allocation @a(%s, MM2S, 0)
  aie.runtime_sequence(%a: memref<1024xi32>) {
    %t = aiex.dma_configure_task_for @a {
      // expected-error @+1 {{access pattern has 5 dimensions; a shim DMA takes at most 4}}
      aie.dma_bd(%a : memref<1024xi32> offset = 0 len = 1024 sizes = [2, 2, 2, 4, 64] strides = [0, 512, 256, 64, 1])
      aie.end
    }
  }
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  aie.shim_dma_allocation @a(%s, MM2S, 0)
  aie.runtime_sequence(%a: memref<1024xi32>) {
    %t = aiex.dma_configure_task_for @a {
      // expected-error @+1 {{access pattern dimension #0 size 100 exceeds the limit 64}}
      aie.dma_bd(%a : memref<1024xi32> offset = 0 len = 1024 sizes = [100, 2, 8, 64] strides = [0, 512, 64, 1])
      aie.end
    }
  }
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  aie.shim_dma_allocation @a(%s, MM2S, 0)
  aie.runtime_sequence(%a: memref<1024xi32>) {
    %t = aiex.dma_configure_task_for @a {
      // expected-error @+1 {{access pattern reaches element 1087, beyond the 1024 elements of the buffer}}
      aie.dma_bd(%a : memref<1024xi32> offset = 0 len = 1024 sizes = [17, 64] strides = [64, 1])
      aie.end
    }
  }
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  aie.shim_dma_allocation @a(%s, MM2S, 0)
  aie.runtime_sequence(%a: memref<64xbf16>) {
    %t = aiex.dma_configure_task_for @a {
      // expected-error @+1 {{'len' of 6 bytes is not a whole number of 4-byte words}}
      aie.dma_bd(%a : memref<64xbf16> offset = 0 len = 3)
      aie.end
    }
  }
}

// -----

aie.device(npu2) {
  aie.runtime_sequence() {
    %i = arith.constant 0 : index
    // expected-error @+1 {{'task' operand must be the result of aiex.dma_configure_task_for}}
    aiex.dma_start_task(%i)
  }
}

// -----

aie.device(npu2) {
  aie.runtime_sequence() {
    %i = arith.constant 0 : index
    // expected-error @+1 {{'task' operand must be the result of aiex.dma_configure_task_for}}
    aiex.dma_free_task(%i)
  }
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  aie.shim_dma_allocation @a(%s, MM2S, 0)
  aie.runtime_sequence(%a: memref<64xi32>) {
    // expected-note @+1 {{task configured here}}
    %t = aiex.dma_configure_task_for @a {
      aie.dma_bd(%a : memref<64xi32> offset = 0 len = 64)
      aie.end
    }
    aiex.dma_start_task(%t)
    // expected-error @+1 {{awaits a task configured without 'issue_token = true'; it would never complete}}
    aiex.dma_await_task(%t)
  }
}

// -----

//===----------------------------------------------------------------------===//
// aie.objectfifo consumer object type and initial values
//===----------------------------------------------------------------------===//

aie.device(npu2) {
  %m = aie.tile(0, 1)
  %c = aie.tile(0, 2)
  // expected-error @+1 {{producer object 'memref<40xi32>' must be a whole number of consumer objects 'memref<16xi32>'}}
  aie.objectfifo @f(%m, {%c}, 1 : i32) : !aie.objectfifo<memref<40xi32>> -> !aie.objectfifo<memref<16xi32>>
}

// -----

aie.device(npu2) {
  %m = aie.tile(0, 1)
  %c = aie.tile(0, 2)
  // expected-error @+1 {{consumer object type 'memref<10xf32>' must have the element type of the producer's 'memref<40xi32>'}}
  aie.objectfifo @f(%m, {%c}, 1 : i32) : !aie.objectfifo<memref<40xi32>> -> !aie.objectfifo<memref<10xf32>>
}

// -----

aie.device(npu2) {
  %m = aie.tile(0, 1)
  %c = aie.tile(0, 2)
  // expected-error @+1 {{'initValues' has 1 values for the producer's 2 objects}}
  aie.objectfifo @f(%c, {%m}, 2 : i32) : !aie.objectfifo<memref<4xi32>> = [dense<[0, 1, 2, 3]> : memref<4xi32>]
}

// -----

aie.device(npu2) {
  %s = aie.tile(0, 0)
  %c = aie.tile(0, 2)
  // expected-error @+1 {{'initValues' are not available on a shim producer (it has no memory)}}
  aie.objectfifo @f(%s, {%c}, 1 : i32) : !aie.objectfifo<memref<4xi32>> = [dense<[0, 1, 2, 3]> : memref<4xi32>]
}

// -----

aie.device(npu2) {
  %m = aie.tile(0, 1)
  %c = aie.tile(0, 2)
  // expected-error @+1 {{initial value #0 has type 'memref<2xi32>'; expected the shape and element type of 'memref<4xi32>'}}
  aie.objectfifo @f(%c, {%m}, 1 : i32) : !aie.objectfifo<memref<4xi32>> = [dense<[0, 1]> : memref<2xi32>]
}

// -----

aie.device(npu2) {
  %m = aie.tile(0, 1)
  %c = aie.tile(0, 2)
  // expected-error @+1 {{expected a list of elements attributes, one initial value per object}}
  aie.objectfifo @f(%c, {%m}, 1 : i32) : !aie.objectfifo<memref<4xi32>> = [[0, 1, 2, 3]]
}

// -----

aie.device(npu2) @stage {
  aie.runtime_sequence @stage(%a: memref<16xi32>) {
  }
}
aie.device(npu2) @host {
  aie.runtime_sequence @host(%a: memref<32xi32>) {
    aiex.configure @stage {
      // expected-error @+1 {{'aiex.run' op argument #0 has type 'memref<32xi32>'; runtime sequence @stage takes 'memref<16xi32>'}}
      aiex.run @stage(%a) : (memref<32xi32>)
    }
  }
}

// -----

aie.device(npu2) @host {
  aie.runtime_sequence @host(%a: memref<32xi32>) {
    // expected-error @+1 {{'aiex.configure' op symbol @missing does not name an aie.device of the module}}
    aiex.configure @missing {
      aiex.run @missing(%a) : (memref<32xi32>)
    }
  }
}

// -----

aie.device(npu2) @stage {
  aie.runtime_sequence @stage(%a: memref<16xi32>) {
  }
}
aie.device(npu2) @host {
  aie.runtime_sequence @host(%a: memref<16xi32>) {
    aiex.configure @stage {
      // expected-error @+1 {{'aiex.run' op @other is not a runtime sequence of aie.device @stage}}
      aiex.run @other(%a) : (memref<16xi32>)
    }
  }
}

//===----------------------------------------------------------------------===//
// aie.cascade_flow, aie.put_cascade, aie.get_cascade
//===----------------------------------------------------------------------===//

// -----

aie.device(npu2) {
  %t02 = aie.tile(0, 2)
  %t03 = aie.tile(0, 3)
  // expected-error @+1 {{source tile (0, 2) must be directly North (same column, row 4) or West (column -1, same row) of dest tile (0, 3): a core's cascade input comes from the North or the West on AIE2P}}
  aie.cascade_flow(%t02, %t03)
}

// -----

aie.device(npu2) {
  %t12 = aie.tile(1, 2)
  %t02 = aie.tile(0, 2)
  // expected-error @+1 {{must be directly North (same column, row 3) or West (column -1, same row) of dest tile (0, 2)}}
  aie.cascade_flow(%t12, %t02)
}

// -----

aie.device(npu2) {
  %t05 = aie.tile(0, 5)
  %t02 = aie.tile(0, 2)
  // expected-error @+1 {{source tile (0, 5) must be directly North (same column, row 3)}}
  aie.cascade_flow(%t05, %t02)
}

// -----

aie.device(npu2) {
  %t02 = aie.tile(0, 2)
  %t01 = aie.tile(0, 1)
  // expected-error @+1 {{'dest_tile' (0, 1) is a memory tile; only core tiles have a cascade}}
  aie.cascade_flow(%t02, %t01)
}

// -----

aie.device(npu2) {
  %t03 = aie.tile(0, 3)
  %t02 = aie.tile(0, 2)
  %t13 = aie.tile(1, 3)
  // expected-note @+1 {{first flow here}}
  aie.cascade_flow(%t03, %t02)
  // expected-error @+1 {{source tile (0, 3) already has a cascade flow out (a tile has one cascade output)}}
  aie.cascade_flow(%t03, %t13)
}

// -----

aie.device(npu2) {
  %t03 = aie.tile(0, 3)
  %t02 = aie.tile(0, 2)
  %t12 = aie.tile(1, 2)
  %t13 = aie.tile(1, 3)
  // expected-note @+1 {{first flow here}}
  aie.cascade_flow(%t13, %t12)
  // expected-error @+1 {{dest tile (1, 2) already has a cascade flow in (a tile has one cascade input)}}
  aie.cascade_flow(%t02, %t12)
}

// -----

aie.device(npu2) {
  %t02 = aie.tile(0, 2)
  %c = aie.core(%t02) {
    %z = arith.constant dense<0> : vector<8xi32>
    // expected-error @+1 {{'cascade_value' type 'vector<8xi32>' must be 512 bits wide (one cascade word of npu2), e.g. vector<16xi32>}}
    aie.put_cascade(%z : vector<8xi32>)
    aie.end
  }
}

// -----

aie.device(npu1) {
  %t02 = aie.tile(0, 2)
  %c = aie.core(%t02) {
    // expected-error @+1 {{result type 'memref<16xi32>' must be 512 bits wide}}
    %w = aie.get_cascade() : memref<16xi32>
    aie.end
  }
}

// -----

aie.device(npu2) {
  %z = arith.constant dense<0> : vector<16xi32>
  // expected-error @+1 {{must be inside an aie.core}}
  aie.put_cascade(%z : vector<16xi32>)
}
