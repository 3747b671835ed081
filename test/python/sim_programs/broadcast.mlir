// Broadcast: one objectfifo from the memtile to two cores. Core (0,2) takes
// the objects as sent; core (0,3) stores them through its own
// dimensionsFromStream pattern (transposed). Core (0,2) adds 1, core (0,3)
// doubles; each sends its result straight to the shim.
// Expected for x of shape [2, 8, 8]: y0 = x + 1, y1 = 2 * x.transpose(0, 2, 1).
module {
  aie.device(npu2) {
    %shim = aie.tile(0, 0)
    %mem = aie.tile(0, 1)
    %core0 = aie.tile(0, 2)
    %core1 = aie.tile(0, 3)
    aie.objectfifo @x(%shim, {%mem}, 2 : i32) : !aie.objectfifo<memref<8x8xi32>>
    aie.objectfifo @x_l1(%mem, {%core0, %core1 dimensionsFromStream [<size = 8, stride = 1>, <size = 8, stride = 8>]}, 2 : i32) : !aie.objectfifo<memref<8x8xi32>>
    aie.objectfifo.link [@x] -> [@x_l1] ([] [])
    aie.objectfifo @y0(%core0, {%shim}, 2 : i32) : !aie.objectfifo<memref<8x8xi32>>
    aie.objectfifo @y1(%core1, {%shim}, 2 : i32) : !aie.objectfifo<memref<8x8xi32>>
    %k0 = aie.core(%core0) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c8 = arith.constant 8 : index
      %one = arith.constant 1 : i32
      scf.for %t = %c0 to %c2 step %c1 {
        %si = aie.objectfifo.acquire @x_l1(Consume, 1) : !aie.objectfifosubview<memref<8x8xi32>>
        %x = aie.objectfifo.subview.access %si[0] : !aie.objectfifosubview<memref<8x8xi32>> -> memref<8x8xi32>
        %so = aie.objectfifo.acquire @y0(Produce, 1) : !aie.objectfifosubview<memref<8x8xi32>>
        %y = aie.objectfifo.subview.access %so[0] : !aie.objectfifosubview<memref<8x8xi32>> -> memref<8x8xi32>
        scf.for %i = %c0 to %c8 step %c1 {
          scf.for %j = %c0 to %c8 step %c1 {
            %v = memref.load %x[%i, %j] : memref<8x8xi32>
            %w = arith.addi %v, %one : i32
            memref.store %w, %y[%i, %j] : memref<8x8xi32>
          }
        }
        aie.objectfifo.release @x_l1(Consume, 1)
        aie.objectfifo.release @y0(Produce, 1)
      }
      aie.end
    }
    %k1 = aie.core(%core1) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c8 = arith.constant 8 : index
      %two = arith.constant 2 : i32
      scf.for %t = %c0 to %c2 step %c1 {
        %si = aie.objectfifo.acquire @x_l1(Consume, 1) : !aie.objectfifosubview<memref<8x8xi32>>
        %x = aie.objectfifo.subview.access %si[0] : !aie.objectfifosubview<memref<8x8xi32>> -> memref<8x8xi32>
        %so = aie.objectfifo.acquire @y1(Produce, 1) : !aie.objectfifosubview<memref<8x8xi32>>
        %y = aie.objectfifo.subview.access %so[0] : !aie.objectfifosubview<memref<8x8xi32>> -> memref<8x8xi32>
        scf.for %i = %c0 to %c8 step %c1 {
          scf.for %j = %c0 to %c8 step %c1 {
            %v = memref.load %x[%i, %j] : memref<8x8xi32>
            %w = arith.muli %v, %two : i32
            memref.store %w, %y[%i, %j] : memref<8x8xi32>
          }
        }
        aie.objectfifo.release @x_l1(Consume, 1)
        aie.objectfifo.release @y1(Produce, 1)
      }
      aie.end
    }
    aie.runtime_sequence(%x: memref<128xi32>, %y0: memref<128xi32>, %y1: memref<128xi32>) {
      aiex.npu.dma_memcpy_nd(%x[0, 0, 0, 0][1, 1, 1, 128][0, 0, 0, 1]) {id = 0 : i64, metadata = @x} : memref<128xi32>
      aiex.npu.dma_memcpy_nd(%y0[0, 0, 0, 0][1, 1, 1, 128][0, 0, 0, 1]) {id = 1 : i64, issue_token = true, metadata = @y0} : memref<128xi32>
      aiex.npu.dma_memcpy_nd(%y1[0, 0, 0, 0][1, 1, 1, 128][0, 0, 0, 1]) {id = 2 : i64, issue_token = true, metadata = @y1} : memref<128xi32>
      aiex.npu.dma_wait {symbol = @y0}
      aiex.npu.dma_wait {symbol = @y1}
    }
  }
}
