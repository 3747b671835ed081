// Core-to-core objectfifo over DMA: core (0,2) adds 1 and sends each 8x8
// object to core (0,4) (not a neighbour), whose S2MM stores it transposed
// (dimensionsFromStream); core (0,4) doubles it and sends it to the shim.
// Expected for x of shape [3, 8, 8]: y = 2 * (x + 1).transpose(0, 2, 1).
module {
  aie.device(npu2) {
    %shim = aie.tile(0, 0)
    %a = aie.tile(0, 2)
    %b = aie.tile(0, 4)
    aie.objectfifo @x(%shim, {%a}, 2 : i32) : !aie.objectfifo<memref<8x8xi32>>
    aie.objectfifo @ab(%a, {%b dimensionsFromStream [<size = 8, stride = 1>, <size = 8, stride = 8>]}, 2 : i32) : !aie.objectfifo<memref<8x8xi32>>
    aie.objectfifo @y(%b, {%shim}, 2 : i32) : !aie.objectfifo<memref<8x8xi32>>
    %ka = aie.core(%a) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c3 = arith.constant 3 : index
      %c8 = arith.constant 8 : index
      %one = arith.constant 1 : i32
      scf.for %t = %c0 to %c3 step %c1 {
        %si = aie.objectfifo.acquire @x(Consume, 1) : !aie.objectfifosubview<memref<8x8xi32>>
        %in = aie.objectfifo.subview.access %si[0] : !aie.objectfifosubview<memref<8x8xi32>> -> memref<8x8xi32>
        %so = aie.objectfifo.acquire @ab(Produce, 1) : !aie.objectfifosubview<memref<8x8xi32>>
        %out = aie.objectfifo.subview.access %so[0] : !aie.objectfifosubview<memref<8x8xi32>> -> memref<8x8xi32>
        scf.for %i = %c0 to %c8 step %c1 {
          scf.for %j = %c0 to %c8 step %c1 {
            %v = memref.load %in[%i, %j] : memref<8x8xi32>
            %w = arith.addi %v, %one : i32
            memref.store %w, %out[%i, %j] : memref<8x8xi32>
          }
        }
        aie.objectfifo.release @x(Consume, 1)
        aie.objectfifo.release @ab(Produce, 1)
      }
      aie.end
    }
    %kb = aie.core(%b) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c3 = arith.constant 3 : index
      %c8 = arith.constant 8 : index
      %two = arith.constant 2 : i32
      scf.for %t = %c0 to %c3 step %c1 {
        %si = aie.objectfifo.acquire @ab(Consume, 1) : !aie.objectfifosubview<memref<8x8xi32>>
        %in = aie.objectfifo.subview.access %si[0] : !aie.objectfifosubview<memref<8x8xi32>> -> memref<8x8xi32>
        %so = aie.objectfifo.acquire @y(Produce, 1) : !aie.objectfifosubview<memref<8x8xi32>>
        %out = aie.objectfifo.subview.access %so[0] : !aie.objectfifosubview<memref<8x8xi32>> -> memref<8x8xi32>
        scf.for %i = %c0 to %c8 step %c1 {
          scf.for %j = %c0 to %c8 step %c1 {
            %v = memref.load %in[%i, %j] : memref<8x8xi32>
            %w = arith.muli %v, %two : i32
            memref.store %w, %out[%i, %j] : memref<8x8xi32>
          }
        }
        aie.objectfifo.release @ab(Consume, 1)
        aie.objectfifo.release @y(Produce, 1)
      }
      aie.end
    }
    aie.runtime_sequence(%xs: memref<192xi32>, %ys: memref<192xi32>) {
      aiex.npu.dma_memcpy_nd(%xs[0, 0, 0, 0][1, 1, 1, 192][0, 0, 0, 1]) {id = 0 : i64, metadata = @x} : memref<192xi32>
      aiex.npu.dma_memcpy_nd(%ys[0, 0, 0, 0][1, 1, 1, 192][0, 0, 0, 1]) {id = 1 : i64, issue_token = true, metadata = @y} : memref<192xi32>
      aiex.npu.dma_wait {symbol = @y}
    }
  }
}
