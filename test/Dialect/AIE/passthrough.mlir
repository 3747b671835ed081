// RUN: attn-opt %s | attn-opt | FileCheck %s
// RUN: attn-opt %s --mlir-print-op-generic | attn-opt | FileCheck %s

// A shim -> core -> shim passthrough in the shape of upstream's
// programming_examples/basic/passthrough_kernel: one core copies each
// object of @in into @out with an external kernel.

// CHECK-LABEL: aie.device(npu1_1col) {
// CHECK:         func.func private @passThroughLine(memref<1024xui8>, memref<1024xui8>, i32) attributes {link_with = "passThrough.cc.o"}
// CHECK:         %[[SHIM:.*]] = aie.tile(0, 0)
// CHECK:         %[[CORE:.*]] = aie.tile(0, 2)
// CHECK:         aie.objectfifo @in(%[[SHIM]], {%[[CORE]]}, 2 : i32) : !aie.objectfifo<memref<1024xui8>>
// CHECK:         aie.objectfifo @out(%[[CORE]], {%[[SHIM]]}, 2 : i32) : !aie.objectfifo<memref<1024xui8>>
// CHECK:         aie.core(%[[CORE]]) {
// CHECK:           scf.for
// CHECK:             %[[SVO:.*]] = aie.objectfifo.acquire @out(Produce, 1) : !aie.objectfifosubview<memref<1024xui8>>
// CHECK:             %[[O:.*]] = aie.objectfifo.subview.access %[[SVO]][0] : !aie.objectfifosubview<memref<1024xui8>> -> memref<1024xui8>
// CHECK:             %[[SVI:.*]] = aie.objectfifo.acquire @in(Consume, 1) : !aie.objectfifosubview<memref<1024xui8>>
// CHECK:             %[[I:.*]] = aie.objectfifo.subview.access %[[SVI]][0] : !aie.objectfifosubview<memref<1024xui8>> -> memref<1024xui8>
// CHECK:             func.call @passThroughLine(%[[I]], %[[O]], %{{.*}})
// CHECK:             aie.objectfifo.release @in(Consume, 1)
// CHECK:             aie.objectfifo.release @out(Produce, 1)
// CHECK:           aie.end
// CHECK:         } {stack_size = 3328 : i32}
// CHECK:         aie.runtime_sequence(%[[A:.*]]: memref<4096xui8>, %[[B:.*]]: memref<4096xui8>, %{{.*}}: memref<4096xui8>) {
// CHECK:           aiex.npu.dma_memcpy_nd(%[[A]][0, 0, 0, 0][1, 1, 1, 4096][0, 0, 0, 1]) {id = 1 : i64, metadata = @in} : memref<4096xui8>
// CHECK:           aiex.npu.dma_memcpy_nd(%[[B]][0, 0, 0, 0][1, 1, 1, 4096][0, 0, 0, 1]) {id = 0 : i64, issue_token = true, metadata = @out} : memref<4096xui8>
// CHECK:           aiex.npu.dma_wait {symbol = @out}
// CHECK:         }
// CHECK:       }
module {
  aie.device(npu1_1col) {
    func.func private @passThroughLine(memref<1024xui8>, memref<1024xui8>, i32) attributes {link_with = "passThrough.cc.o"}
    %shim_noc_tile_0_0 = aie.tile(0, 0)
    %tile_0_2 = aie.tile(0, 2)
    aie.objectfifo @in(%shim_noc_tile_0_0, {%tile_0_2}, 2 : i32) : !aie.objectfifo<memref<1024xui8>>
    aie.objectfifo @out(%tile_0_2, {%shim_noc_tile_0_0}, 2 : i32) : !aie.objectfifo<memref<1024xui8>>
    %core_0_2 = aie.core(%tile_0_2) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4 = arith.constant 4 : index
      %c1024_i32 = arith.constant 1024 : i32
      scf.for %i = %c0 to %c4 step %c1 {
        %0 = aie.objectfifo.acquire @out(Produce, 1) : !aie.objectfifosubview<memref<1024xui8>>
        %1 = aie.objectfifo.subview.access %0[0] : !aie.objectfifosubview<memref<1024xui8>> -> memref<1024xui8>
        %2 = aie.objectfifo.acquire @in(Consume, 1) : !aie.objectfifosubview<memref<1024xui8>>
        %3 = aie.objectfifo.subview.access %2[0] : !aie.objectfifosubview<memref<1024xui8>> -> memref<1024xui8>
        func.call @passThroughLine(%3, %1, %c1024_i32) : (memref<1024xui8>, memref<1024xui8>, i32) -> ()
        aie.objectfifo.release @in(Consume, 1)
        aie.objectfifo.release @out(Produce, 1)
      }
      aie.end
    } {stack_size = 3328 : i32}
    aie.runtime_sequence(%arg0: memref<4096xui8>, %arg1: memref<4096xui8>, %arg2: memref<4096xui8>) {
      aiex.npu.dma_memcpy_nd(%arg0[0, 0, 0, 0][1, 1, 1, 4096][0, 0, 0, 1]) {id = 1 : i64, metadata = @in} : memref<4096xui8>
      aiex.npu.dma_memcpy_nd(%arg1[0, 0, 0, 0][1, 1, 1, 4096][0, 0, 0, 1]) {id = 0 : i64, issue_token = true, metadata = @out} : memref<4096xui8>
      aiex.npu.dma_wait {symbol = @out}
    }
  }
}
