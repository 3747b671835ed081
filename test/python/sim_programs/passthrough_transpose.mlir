// Passthrough with a transposing access pattern: shim -> memtile -> core ->
// memtile -> shim. The memtile's MM2S walks each 16x16 i32 object column by
// column (dimensionsToStream), so the core receives it transposed; the core
// copies it element by element into its output object.
// Expected: output block b = input block b transposed.
module {
  aie.device(npu2) {
    %shim = aie.tile(0, 0)
    %mem = aie.tile(0, 1)
    %core = aie.tile(0, 2)
    aie.objectfifo @in(%shim, {%mem}, 2 : i32) : !aie.objectfifo<memref<16x16xi32>>
    aie.objectfifo @in_l1(%mem dimensionsToStream [<size = 16, stride = 1>, <size = 16, stride = 16>], {%core}, 2 : i32) : !aie.objectfifo<memref<16x16xi32>>
    aie.objectfifo.link [@in] -> [@in_l1] ([] [])
    aie.objectfifo @out_l1(%core, {%mem}, 2 : i32) : !aie.objectfifo<memref<16x16xi32>>
    aie.objectfifo @out(%mem, {%shim}, 2 : i32) : !aie.objectfifo<memref<16x16xi32>>
    aie.objectfifo.link [@out_l1] -> [@out] ([] [])
    %c = aie.core(%core) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4 = arith.constant 4 : index
      %c16 = arith.constant 16 : index
      scf.for %b = %c0 to %c4 step %c1 {
        %si = aie.objectfifo.acquire @in_l1(Consume, 1) : !aie.objectfifosubview<memref<16x16xi32>>
        %x = aie.objectfifo.subview.access %si[0] : !aie.objectfifosubview<memref<16x16xi32>> -> memref<16x16xi32>
        %so = aie.objectfifo.acquire @out_l1(Produce, 1) : !aie.objectfifosubview<memref<16x16xi32>>
        %y = aie.objectfifo.subview.access %so[0] : !aie.objectfifosubview<memref<16x16xi32>> -> memref<16x16xi32>
        scf.for %i = %c0 to %c16 step %c1 {
          scf.for %j = %c0 to %c16 step %c1 {
            %v = memref.load %x[%i, %j] : memref<16x16xi32>
            memref.store %v, %y[%i, %j] : memref<16x16xi32>
          }
        }
        aie.objectfifo.release @in_l1(Consume, 1)
        aie.objectfifo.release @out_l1(Produce, 1)
      }
      aie.end
    }
    aie.runtime_sequence(%a: memref<1024xi32>, %b: memref<1024xi32>) {
      aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 1, 1024][0, 0, 0, 1]) {id = 1 : i64, metadata = @in} : memref<1024xi32>
      aiex.npu.dma_memcpy_nd(%b[0, 0, 0, 0][1, 1, 1, 1024][0, 0, 0, 1]) {id = 0 : i64, issue_token = true, metadata = @out} : memref<1024xi32>
      aiex.npu.dma_wait {symbol = @out}
    }
  }
}
