// RUN: attn-opt --split-input-file --aie-count-traffic --verify-diagnostics %s

// Transfers whose DRAM traffic cannot be counted exactly are errors.

module {
  aie.device(npu2) {
    %s = aie.tile(0, 0)
    %c = aie.tile(0, 2)
    aie.objectfifo @in(%s, {%c}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.runtime_sequence(%a: memref<4096xi32>, %n: i64) {
      // expected-error@+1 {{'aiex.npu.dma_memcpy_nd' op has a dynamic size; its DRAM traffic cannot be counted statically}}
      aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, %n, 64][0, 0, 64, 1]) {id = 0 : i64, metadata = @in} : memref<4096xi32>
    }
  }
}

// -----

module {
  aie.device(npu2) {
    %s = aie.tile(0, 0)
    %c = aie.tile(0, 2)
    aie.objectfifo @in(%s, {%c}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.runtime_sequence(%a: memref<4096xi32>, %n: index) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      // expected-error@+1 {{'scf.for' op has no constant trip count; the DRAM traffic of the transfers inside it cannot be counted}}
      scf.for %i = %c0 to %n step %c1 {
        aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 1, 64][0, 0, 0, 1]) {id = 0 : i64, metadata = @in} : memref<4096xi32>
      }
    }
  }
}

// -----

module {
  aie.device(npu2) {
    %s = aie.tile(0, 0)
    %c = aie.tile(0, 2)
    aie.objectfifo @in(%s, {%c}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.runtime_sequence(%a: memref<4096xi32>, %p: i1) {
      // expected-error@+1 {{'scf.if' op contains DRAM transfers whose count depends on control flow; only scf.for loops with constant trip counts are supported}}
      scf.if %p {
        aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 1, 64][0, 0, 0, 1]) {id = 0 : i64, metadata = @in} : memref<4096xi32>
      }
    }
  }
}

// -----

module {
  aie.device(npu2) {
    %s = aie.tile(0, 0)
    %c = aie.tile(0, 2)
    aie.objectfifo @in(%s, {%c}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.runtime_sequence(%a: memref<4096xi32>) {
      %local = memref.alloc() : memref<64xi32>
      // expected-error@+1 {{'aiex.npu.dma_memcpy_nd' op transfers a buffer that is not an argument of the enclosing aie.runtime_sequence; its DRAM traffic cannot be attributed}}
      aiex.npu.dma_memcpy_nd(%local[0, 0, 0, 0][1, 1, 1, 64][0, 0, 0, 1]) {id = 0 : i64, metadata = @in} : memref<64xi32>
    }
  }
}
