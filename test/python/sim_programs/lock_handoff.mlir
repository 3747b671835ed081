// Two cores hand a value over through a shared buffer guarded by locks
// (aie.lock / aie.use_lock), the way cross-core scratch and runtime
// parameters are synchronised. Core (0,2) fills the buffer on tile (0,3)
// with 3 * i + 1 and releases %full; core (0,3) acquires it, sends the buffer
// out and releases %empty so the next round may start. Two rounds.
// Expected: out[r] = 3 * i + 1 + 100 * r for i in 0..7, r in 0..1.
module {
  aie.device(npu2) {
    %shim = aie.tile(0, 0)
    %core0 = aie.tile(0, 2)
    %core1 = aie.tile(0, 3)
    %buf = aie.buffer(%core1) {sym_name = "shared"} : memref<8xi32>
    %empty = aie.lock(%core1, 0) {init = 1 : i32, sym_name = "empty"}
    %full = aie.lock(%core1, 1) {init = 0 : i32, sym_name = "full"}
    aie.objectfifo @out(%core1, {%shim}, 2 : i32) : !aie.objectfifo<memref<8xi32>>
    %k0 = aie.core(%core0) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c8 = arith.constant 8 : index
      %i1 = arith.constant 1 : i32
      %i3 = arith.constant 3 : i32
      %i100 = arith.constant 100 : i32
      scf.for %r = %c0 to %c2 step %c1 {
        aie.use_lock(%empty, AcquireGreaterEqual, %i1)
        %ri = arith.index_cast %r : index to i32
        %base = arith.muli %ri, %i100 : i32
        scf.for %i = %c0 to %c8 step %c1 {
          %ii = arith.index_cast %i : index to i32
          %t = arith.muli %ii, %i3 : i32
          %u = arith.addi %t, %i1 : i32
          %v = arith.addi %u, %base : i32
          memref.store %v, %buf[%i] : memref<8xi32>
        }
        aie.use_lock(%full, Release, %i1)
      }
      aie.end
    }
    %k1 = aie.core(%core1) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %one = arith.constant 1 : i32
      scf.for %r = %c0 to %c2 step %c1 {
        aie.use_lock(%full, AcquireGreaterEqual, %one)
        %so = aie.objectfifo.acquire @out(Produce, 1) : !aie.objectfifosubview<memref<8xi32>>
        %o = aie.objectfifo.subview.access %so[0] : !aie.objectfifosubview<memref<8xi32>> -> memref<8xi32>
        memref.copy %buf, %o : memref<8xi32> to memref<8xi32>
        aie.objectfifo.release @out(Produce, 1)
        aie.use_lock(%empty, Release, %one)
      }
      aie.end
    }
    aie.runtime_sequence(%out: memref<16xi32>) {
      aiex.npu.dma_memcpy_nd(%out[0, 0, 0, 0][1, 1, 1, 16][0, 0, 0, 1]) {id = 0 : i64, issue_token = true, metadata = @out} : memref<16xi32>
      aiex.npu.dma_wait {symbol = @out}
    }
  }
}
