// RUN: attn-opt %s | attn-opt | FileCheck %s
// RUN: attn-opt %s --mlir-print-op-generic | attn-opt | FileCheck %s

// Element-wise add of two bf16 vectors on one npu1 column, in the shape of
// upstream's programming_examples/basic/vector_vector_add: shim to core and
// back, two-deep FIFOs, a scalar loop over each object. The core uses
// upstream's newer acquire spelling that returns the objects directly.

// CHECK-LABEL: aie.device(npu1_1col) {
// CHECK:      aie.objectfifo @in1(%{{.*}}, {%[[CORE:.*]]}, 2 : i32) : !aie.objectfifo<memref<256xbf16>>
// CHECK:      aie.objectfifo @in2(%{{.*}}, {%[[CORE]]}, 2 : i32) : !aie.objectfifo<memref<256xbf16>>
// CHECK:      aie.objectfifo @out(%[[CORE]], {%{{.*}}}, 2 : i32) : !aie.objectfifo<memref<256xbf16>>
// CHECK:      aie.core(%[[CORE]]) {
// CHECK:        %[[X:.*]] = aie.objectfifo.acquire @in1(Consume, 1) : memref<256xbf16>
// CHECK:        %[[Y:.*]]:2 = aie.objectfifo.acquire @in2(Consume, 2) : memref<256xbf16>, memref<256xbf16>
// CHECK:        %[[Z:.*]] = aie.objectfifo.acquire @out(Produce, 1) : memref<256xbf16>
// CHECK:        scf.for
// CHECK:          memref.load %[[X]]
// CHECK:          memref.load %[[Y]]#1
// CHECK:          arith.addf
// CHECK:          memref.store %{{.*}}, %[[Z]]
// CHECK:        aie.objectfifo.release @in1(Consume, 1)
// CHECK:        aie.objectfifo.release @in2(Consume, 2)
// CHECK:        aie.objectfifo.release @out(Produce, 1)
// CHECK:        aie.end
// CHECK:      aie.runtime_sequence(%[[A:.*]]: memref<1024xbf16>, %[[B:.*]]: memref<1024xbf16>, %[[C:.*]]: memref<1024xbf16>) {
// CHECK:        aiex.npu.dma_memcpy_nd(%[[C]][0, 0, 0, 0][1, 1, 1, 1024][0, 0, 0, 1]) {id = 0 : i64, issue_token = true, metadata = @out} : memref<1024xbf16>
// CHECK:        aiex.npu.dma_wait {symbol = @out}
module {
  aie.device(npu1_1col) {
    %shim_noc_tile_0_0 = aie.tile(0, 0)
    %tile_0_2 = aie.tile(0, 2)
    aie.objectfifo @in1(%shim_noc_tile_0_0, {%tile_0_2}, 2 : i32) : !aie.objectfifo<memref<256xbf16>>
    aie.objectfifo @in2(%shim_noc_tile_0_0, {%tile_0_2}, 2 : i32) : !aie.objectfifo<memref<256xbf16>>
    aie.objectfifo @out(%tile_0_2, {%shim_noc_tile_0_0}, 2 : i32) : !aie.objectfifo<memref<256xbf16>>
    %core_0_2 = aie.core(%tile_0_2) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c256 = arith.constant 256 : index
      %c4 = arith.constant 4 : index
      scf.for %iter = %c0 to %c4 step %c1 {
        %x = aie.objectfifo.acquire @in1(Consume, 1) : memref<256xbf16>
        %y:2 = aie.objectfifo.acquire @in2(Consume, 2) : memref<256xbf16>, memref<256xbf16>
        %z = aie.objectfifo.acquire @out(Produce, 1) : memref<256xbf16>
        scf.for %i = %c0 to %c256 step %c1 {
          %a = memref.load %x[%i] : memref<256xbf16>
          %b = memref.load %y#1[%i] : memref<256xbf16>
          %s = arith.addf %a, %b : bf16
          memref.store %s, %z[%i] : memref<256xbf16>
        }
        aie.objectfifo.release @in1(Consume, 1)
        aie.objectfifo.release @in2(Consume, 2)
        aie.objectfifo.release @out(Produce, 1)
      }
      aie.end
    }
    aie.runtime_sequence(%a: memref<1024xbf16>, %b: memref<1024xbf16>, %c: memref<1024xbf16>) {
      aiex.npu.dma_memcpy_nd(%c[0, 0, 0, 0][1, 1, 1, 1024][0, 0, 0, 1]) {id = 0 : i64, issue_token = true, metadata = @out} : memref<1024xbf16>
      aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 1, 1024][0, 0, 0, 1]) {id = 1 : i64, metadata = @in1} : memref<1024xbf16>
      aiex.npu.dma_memcpy_nd(%b[0, 0, 0, 0][1, 1, 1, 1024][0, 0, 0, 1]) {id = 2 : i64, metadata = @in2} : memref<1024xbf16>
      aiex.npu.dma_wait {symbol = @out}
    }
  }
}
