// Element-wise add of two i32 vectors on one core, fed straight from the shim
// (no memtile), with a task-form runtime sequence. The BD of %b walks a
// 64x4 row-major array column by column, so the core sees b transposed:
// expected c = a + b.T.reshape(-1) for b of shape [64, 4].
module {
  aie.device(npu2) {
    %shim = aie.tile(0, 0)
    %core = aie.tile(0, 2)
    aie.objectfifo @a(%shim, {%core}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @b(%shim, {%core}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @c(%core, {%shim}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    %cc = aie.core(%core) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4 = arith.constant 4 : index
      %c64 = arith.constant 64 : index
      scf.for %t = %c0 to %c4 step %c1 {
        %sa = aie.objectfifo.acquire @a(Consume, 1) : !aie.objectfifosubview<memref<64xi32>>
        %x = aie.objectfifo.subview.access %sa[0] : !aie.objectfifosubview<memref<64xi32>> -> memref<64xi32>
        %sb = aie.objectfifo.acquire @b(Consume, 1) : !aie.objectfifosubview<memref<64xi32>>
        %y = aie.objectfifo.subview.access %sb[0] : !aie.objectfifosubview<memref<64xi32>> -> memref<64xi32>
        %sc = aie.objectfifo.acquire @c(Produce, 1) : !aie.objectfifosubview<memref<64xi32>>
        %z = aie.objectfifo.subview.access %sc[0] : !aie.objectfifosubview<memref<64xi32>> -> memref<64xi32>
        scf.for %i = %c0 to %c64 step %c1 {
          %u = memref.load %x[%i] : memref<64xi32>
          %v = memref.load %y[%i] : memref<64xi32>
          %w = arith.addi %u, %v : i32
          memref.store %w, %z[%i] : memref<64xi32>
        }
        aie.objectfifo.release @a(Consume, 1)
        aie.objectfifo.release @b(Consume, 1)
        aie.objectfifo.release @c(Produce, 1)
      }
      aie.end
    }
    aie.runtime_sequence(%a: memref<256xi32>, %b: memref<256xi32>, %c: memref<256xi32>) {
      %ta = aiex.dma_configure_task_for @a {
        aie.dma_bd(%a : memref<256xi32> offset = 0 len = 256) {bd_id = 0 : i32}
        aie.end
      }
      %tb = aiex.dma_configure_task_for @b {
        aie.dma_bd(%b : memref<256xi32> offset = 0 len = 256 sizes = [4, 64] strides = [1, 4]) {bd_id = 1 : i32}
        aie.end
      }
      %tc = aiex.dma_configure_task_for @c {
        aie.dma_bd(%c : memref<256xi32> offset = 0 len = 256) {bd_id = 2 : i32}
        aie.end
      } {issue_token = true}
      aiex.dma_start_task(%ta)
      aiex.dma_start_task(%tb)
      aiex.dma_start_task(%tc)
      aiex.dma_await_task(%tc)
      aiex.dma_free_task(%ta)
      aiex.dma_free_task(%tb)
      aiex.dma_free_task(%tc)
    }
  }
}
