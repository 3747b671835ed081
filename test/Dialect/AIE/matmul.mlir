// RUN: attn-opt %s | attn-opt | FileCheck %s
// RUN: attn-opt %s --mlir-print-op-generic | attn-opt | FileCheck %s

// A 64x64x64 bf16 matmul tile on two cores of column 0, in the shape of
// upstream's programming_examples/basic/matrix_multiplication: A is
// broadcast through the memory tile, B is split over the two cores, the two
// f32 C tiles are joined in the memory tile. The memory tile's DMA re-tiles
// A into 4x8 blocks and B into 8x8 blocks for the npu2 bf16 intrinsic
// (4x8x8), block-transposes K (@kt_l1) and un-tiles C on its way out.

// CHECK-LABEL: aie.device(npu2) {
// CHECK:      %[[SHIM:.*]] = aie.tile(0, 0)
// CHECK:      %[[MEM:.*]] = aie.tile(0, 1)
// CHECK:      %[[C0:.*]] = aie.tile(0, 2)
// CHECK:      %[[C1:.*]] = aie.tile(0, 3)
// CHECK:      aie.objectfifo @a_l3l2(%[[SHIM]], {%[[MEM]]}, 2 : i32) : !aie.objectfifo<memref<4096xbf16>>
// CHECK:      aie.objectfifo @a_l2l1(%[[MEM]] dimensionsToStream [<size = 16, stride = 256>, <size = 8, stride = 8>, <size = 4, stride = 64>, <size = 8, stride = 1>], {%[[C0]], %[[C1]]}, 2 : i32) : !aie.objectfifo<memref<64x64xbf16>>
// CHECK:      aie.objectfifo.link [@a_l3l2] -> [@a_l2l1]([] [])
// CHECK:      aie.objectfifo @b_l3l2(%[[SHIM]], {%[[MEM]]}, 2 : i32) : !aie.objectfifo<memref<8192xbf16>>
// CHECK:      aie.objectfifo @b_l2l1_0(%[[MEM]] dimensionsToStream [<size = 8, stride = 512>, <size = 8, stride = 8>, <size = 8, stride = 64>, <size = 8, stride = 1>], {%[[C0]]}, 2 : i32)
// CHECK:      aie.objectfifo @b_l2l1_1(%[[MEM]] dimensionsToStream [<size = 8, stride = 512>, <size = 8, stride = 8>, <size = 8, stride = 64>, <size = 8, stride = 1>], {%[[C1]]}, 2 : i32)
// CHECK:      aie.objectfifo.link [@b_l3l2] -> [@b_l2l1_0, @b_l2l1_1]([] [0, 4096])
// CHECK:      aie.objectfifo @kt_l1(%[[MEM]] dimensionsToStream [<size = 8, stride = 8>, <size = 8, stride = 512>, <size = 8, stride = 64>, <size = 8, stride = 1>], {%[[C0]]}, [2 : i32, 2 : i32])
// CHECK:      aie.objectfifo @x_t(%[[MEM]] dimensionsToStream [<size = 16, stride = 1>, <size = 16, stride = 16>], {%[[C1]] dimensionsFromStream [<size = 2, stride = 1>, <size = 128, stride = 2>]}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
// CHECK:      aie.objectfifo @c_l1l2_0(%[[C0]], {%[[MEM]]}, 2 : i32) : !aie.objectfifo<memref<64x64xf32>>
// CHECK:      aie.objectfifo @c_l2l3(%[[MEM]] dimensionsToStream [<size = 32, stride = 256>, <size = 4, stride = 8>, <size = 8, stride = 32>, <size = 8, stride = 1>], {%[[SHIM]]}, 2 : i32) : !aie.objectfifo<memref<8192xf32>>
// CHECK:      aie.objectfifo.link [@c_l1l2_0, @c_l1l2_1] -> [@c_l2l3]([0, 4096] [])
// CHECK:      aie.core(%[[C0]]) {
// CHECK:        %[[CS:.*]] = aie.objectfifo.acquire @c_l1l2_0(Produce, 1) : !aie.objectfifosubview<memref<64x64xf32>>
// CHECK:        scf.for
// CHECK:          aie.objectfifo.acquire @a_l2l1(Consume, 1)
// CHECK:          aie.objectfifo.acquire @b_l2l1_0(Consume, 1)
// CHECK:          func.call @matmul_bf16_f32
// CHECK:          aie.objectfifo.release @b_l2l1_0(Consume, 1)
// CHECK:        aie.objectfifo.release @c_l1l2_0(Produce, 1)
// CHECK:        aie.end
// CHECK:      } {link_with = "mm.o"}
// CHECK:      aie.runtime_sequence @matmul(%[[A:.*]]: memref<64x64xbf16>, %[[B:.*]]: memref<64x128xbf16>, %[[C:.*]]: memref<128x64xf32>) {
// CHECK:        aiex.npu.dma_memcpy_nd(%[[C]][0, 0, 0, 0][1, 1, 128, 64][0, 0, 64, 1]) {id = 0 : i64, issue_token = true, metadata = @c_l2l3} : memref<128x64xf32>
// CHECK:        aiex.npu.dma_memcpy_nd(%[[A]][0, 0, 0, 0][1, 1, 64, 64][0, 0, 64, 1]) {id = 1 : i64, metadata = @a_l3l2} : memref<64x64xbf16>
// CHECK:        aiex.npu.dma_memcpy_nd(%[[B]][0, 0, 0, 0][1, 2, 64, 64][0, 64, 128, 1]) {id = 2 : i64, metadata = @b_l3l2} : memref<64x128xbf16>
// CHECK:        aiex.npu.dma_wait {symbol = @c_l2l3}
module {
  aie.device(npu2) {
    func.func private @zero_f32(memref<64x64xf32>)
    func.func private @matmul_bf16_f32(memref<64x64xbf16>, memref<64x64xbf16>, memref<64x64xf32>)
    %shim_noc_tile_0_0 = aie.tile(0, 0)
    %mem_tile_0_1 = aie.tile(0, 1)
    %tile_0_2 = aie.tile(0, 2)
    %tile_0_3 = aie.tile(0, 3)
    aie.objectfifo @a_l3l2(%shim_noc_tile_0_0, {%mem_tile_0_1}, 2 : i32) : !aie.objectfifo<memref<4096xbf16>>
    aie.objectfifo @a_l2l1(%mem_tile_0_1 dimensionsToStream [<size = 16, stride = 256>, <size = 8, stride = 8>, <size = 4, stride = 64>, <size = 8, stride = 1>], {%tile_0_2, %tile_0_3}, 2 : i32) : !aie.objectfifo<memref<64x64xbf16>>
    aie.objectfifo.link [@a_l3l2] -> [@a_l2l1] ([] [])
    aie.objectfifo @b_l3l2(%shim_noc_tile_0_0, {%mem_tile_0_1}, 2 : i32) : !aie.objectfifo<memref<8192xbf16>>
    aie.objectfifo @b_l2l1_0(%mem_tile_0_1 dimensionsToStream [<size = 8, stride = 512>, <size = 8, stride = 8>, <size = 8, stride = 64>, <size = 8, stride = 1>], {%tile_0_2}, 2 : i32) : !aie.objectfifo<memref<64x64xbf16>>
    aie.objectfifo @b_l2l1_1(%mem_tile_0_1 dimensionsToStream [<size = 8, stride = 512>, <size = 8, stride = 8>, <size = 8, stride = 64>, <size = 8, stride = 1>], {%tile_0_3}, 2 : i32) : !aie.objectfifo<memref<64x64xbf16>>
    aie.objectfifo.link [@b_l3l2] -> [@b_l2l1_0, @b_l2l1_1] ([] [0, 4096])
    // K block-transposed (8x8 blocks in column-block order); the in-block
    // transpose of 2-byte elements is left to the kernel.
    aie.objectfifo @k_l3l2(%shim_noc_tile_0_0, {%mem_tile_0_1}, 2 : i32) : !aie.objectfifo<memref<64x64xbf16>>
    aie.objectfifo @kt_l1(%mem_tile_0_1 dimensionsToStream [<size = 8, stride = 8>, <size = 8, stride = 512>, <size = 8, stride = 64>, <size = 8, stride = 1>], {%tile_0_2}, [2 : i32, 2 : i32]) : !aie.objectfifo<memref<64x64xbf16>>
    aie.objectfifo.link [@k_l3l2] -> [@kt_l1] ([] [])
    // A true element transpose of 16x16 i32 (4-byte elements), with an
    // even/odd split on the consumer side (upstream's objectfifo example).
    aie.objectfifo @x_l3l2(%shim_noc_tile_0_0, {%mem_tile_0_1}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
    aie.objectfifo @x_t(%mem_tile_0_1 dimensionsToStream [<size = 16, stride = 1>, <size = 16, stride = 16>], {%tile_0_3 dimensionsFromStream [<size = 2, stride = 1>, <size = 128, stride = 2>]}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
    aie.objectfifo.link [@x_l3l2] -> [@x_t] ([] [])
    aie.objectfifo @c_l1l2_0(%tile_0_2, {%mem_tile_0_1}, 2 : i32) : !aie.objectfifo<memref<64x64xf32>>
    aie.objectfifo @c_l1l2_1(%tile_0_3, {%mem_tile_0_1}, 2 : i32) : !aie.objectfifo<memref<64x64xf32>>
    aie.objectfifo @c_l2l3(%mem_tile_0_1 dimensionsToStream [<size = 32, stride = 256>, <size = 4, stride = 8>, <size = 8, stride = 32>, <size = 8, stride = 1>], {%shim_noc_tile_0_0}, 2 : i32) : !aie.objectfifo<memref<8192xf32>>
    aie.objectfifo.link [@c_l1l2_0, @c_l1l2_1] -> [@c_l2l3] ([0, 4096] [])
    %core_0_2 = aie.core(%tile_0_2) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4 = arith.constant 4 : index
      %0 = aie.objectfifo.acquire @c_l1l2_0(Produce, 1) : !aie.objectfifosubview<memref<64x64xf32>>
      %1 = aie.objectfifo.subview.access %0[0] : !aie.objectfifosubview<memref<64x64xf32>> -> memref<64x64xf32>
      func.call @zero_f32(%1) : (memref<64x64xf32>) -> ()
      scf.for %k = %c0 to %c4 step %c1 {
        %2 = aie.objectfifo.acquire @a_l2l1(Consume, 1) : !aie.objectfifosubview<memref<64x64xbf16>>
        %3 = aie.objectfifo.subview.access %2[0] : !aie.objectfifosubview<memref<64x64xbf16>> -> memref<64x64xbf16>
        %4 = aie.objectfifo.acquire @b_l2l1_0(Consume, 1) : !aie.objectfifosubview<memref<64x64xbf16>>
        %5 = aie.objectfifo.subview.access %4[0] : !aie.objectfifosubview<memref<64x64xbf16>> -> memref<64x64xbf16>
        func.call @matmul_bf16_f32(%3, %5, %1) : (memref<64x64xbf16>, memref<64x64xbf16>, memref<64x64xf32>) -> ()
        aie.objectfifo.release @a_l2l1(Consume, 1)
        aie.objectfifo.release @b_l2l1_0(Consume, 1)
      }
      aie.objectfifo.release @c_l1l2_0(Produce, 1)
      aie.end
    } {link_with = "mm.o"}
    %core_0_3 = aie.core(%tile_0_3) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4 = arith.constant 4 : index
      %0 = aie.objectfifo.acquire @c_l1l2_1(Produce, 1) : !aie.objectfifosubview<memref<64x64xf32>>
      %1 = aie.objectfifo.subview.access %0[0] : !aie.objectfifosubview<memref<64x64xf32>> -> memref<64x64xf32>
      func.call @zero_f32(%1) : (memref<64x64xf32>) -> ()
      scf.for %k = %c0 to %c4 step %c1 {
        %2 = aie.objectfifo.acquire @a_l2l1(Consume, 1) : !aie.objectfifosubview<memref<64x64xbf16>>
        %3 = aie.objectfifo.subview.access %2[0] : !aie.objectfifosubview<memref<64x64xbf16>> -> memref<64x64xbf16>
        %4 = aie.objectfifo.acquire @b_l2l1_1(Consume, 1) : !aie.objectfifosubview<memref<64x64xbf16>>
        %5 = aie.objectfifo.subview.access %4[0] : !aie.objectfifosubview<memref<64x64xbf16>> -> memref<64x64xbf16>
        func.call @matmul_bf16_f32(%3, %5, %1) : (memref<64x64xbf16>, memref<64x64xbf16>, memref<64x64xf32>) -> ()
        aie.objectfifo.release @a_l2l1(Consume, 1)
        aie.objectfifo.release @b_l2l1_1(Consume, 1)
      }
      aie.objectfifo.release @c_l1l2_1(Produce, 1)
      aie.end
    } {link_with = "mm.o"}
    aie.runtime_sequence @matmul(%a: memref<64x64xbf16>, %b: memref<64x128xbf16>, %c: memref<128x64xf32>) {
      aiex.npu.dma_memcpy_nd(%c[0, 0, 0, 0][1, 1, 128, 64][0, 0, 64, 1]) {id = 0 : i64, issue_token = true, metadata = @c_l2l3} : memref<128x64xf32>
      aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 64, 64][0, 0, 64, 1]) {id = 1 : i64, metadata = @a_l3l2} : memref<64x64xbf16>
      aiex.npu.dma_memcpy_nd(%b[0, 0, 0, 0][1, 2, 64, 64][0, 64, 128, 1]) {id = 2 : i64, metadata = @b_l3l2} : memref<64x128xbf16>
      aiex.npu.dma_wait {symbol = @c_l2l3}
    }
  }
}
