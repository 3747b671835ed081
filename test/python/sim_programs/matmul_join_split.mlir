// C = A @ B on two cores through a memtile, f32, two problems in a row.
// - @a: each 32x16 A object is split by the memtile into two 16x16 row
//   blocks (link with dst_offsets [0, 256]), one per core.
// - @b_l1: B is broadcast to both cores; the memtile's MM2S walks it column
//   by column (dimensionsToStream), so each core receives B transposed and
//   the transposed-operand kernel attn_qk_f32 (S = scale * Q K^T with
//   scale 1) computes A_i @ B.
// - @c: the memtile joins the two 16x16 results into one 32x16 object
//   (src_offsets [0, 256]) and sends it to the shim.
module {
  aie.device(npu2) {
    func.func private @attn_qk_f32(memref<16x16xf32>, memref<16x16xf32>, i32, memref<16x16xf32>, i32, i32, i32, i32, i32, f32) attributes {link_with = "attn_kernels.o"}
    %shim = aie.tile(0, 0)
    %mem = aie.tile(0, 1)
    %core0 = aie.tile(0, 2)
    %core1 = aie.tile(0, 3)
    aie.objectfifo @a(%shim, {%mem}, 2 : i32) : !aie.objectfifo<memref<32x16xf32>>
    aie.objectfifo @a0(%mem, {%core0}, 2 : i32) : !aie.objectfifo<memref<16x16xf32>>
    aie.objectfifo @a1(%mem, {%core1}, 2 : i32) : !aie.objectfifo<memref<16x16xf32>>
    aie.objectfifo.link [@a] -> [@a0, @a1] ([] [0, 256])
    aie.objectfifo @b(%shim, {%mem}, 2 : i32) : !aie.objectfifo<memref<16x16xf32>>
    aie.objectfifo @b_l1(%mem dimensionsToStream [<size = 16, stride = 1>, <size = 16, stride = 16>], {%core0, %core1}, 2 : i32) : !aie.objectfifo<memref<16x16xf32>>
    aie.objectfifo.link [@b] -> [@b_l1] ([] [])
    aie.objectfifo @c0(%core0, {%mem}, 2 : i32) : !aie.objectfifo<memref<16x16xf32>>
    aie.objectfifo @c1(%core1, {%mem}, 2 : i32) : !aie.objectfifo<memref<16x16xf32>>
    aie.objectfifo @c(%mem, {%shim}, 2 : i32) : !aie.objectfifo<memref<32x16xf32>>
    aie.objectfifo.link [@c0, @c1] -> [@c] ([0, 256] [])
    %k0 = aie.core(%core0) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %n = arith.constant 16 : i32
      %zero = arith.constant 0 : i32
      %one = arith.constant 1.0 : f32
      scf.for %t = %c0 to %c2 step %c1 {
        %sa = aie.objectfifo.acquire @a0(Consume, 1) : !aie.objectfifosubview<memref<16x16xf32>>
        %x = aie.objectfifo.subview.access %sa[0] : !aie.objectfifosubview<memref<16x16xf32>> -> memref<16x16xf32>
        %sb = aie.objectfifo.acquire @b_l1(Consume, 1) : !aie.objectfifosubview<memref<16x16xf32>>
        %y = aie.objectfifo.subview.access %sb[0] : !aie.objectfifosubview<memref<16x16xf32>> -> memref<16x16xf32>
        %sc = aie.objectfifo.acquire @c0(Produce, 1) : !aie.objectfifosubview<memref<16x16xf32>>
        %z = aie.objectfifo.subview.access %sc[0] : !aie.objectfifosubview<memref<16x16xf32>> -> memref<16x16xf32>
        func.call @attn_qk_f32(%x, %y, %zero, %z, %n, %zero, %n, %n, %n, %one) : (memref<16x16xf32>, memref<16x16xf32>, i32, memref<16x16xf32>, i32, i32, i32, i32, i32, f32) -> ()
        aie.objectfifo.release @a0(Consume, 1)
        aie.objectfifo.release @b_l1(Consume, 1)
        aie.objectfifo.release @c0(Produce, 1)
      }
      aie.end
    }
    %k1 = aie.core(%core1) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %n = arith.constant 16 : i32
      %zero = arith.constant 0 : i32
      %one = arith.constant 1.0 : f32
      scf.for %t = %c0 to %c2 step %c1 {
        %sa = aie.objectfifo.acquire @a1(Consume, 1) : !aie.objectfifosubview<memref<16x16xf32>>
        %x = aie.objectfifo.subview.access %sa[0] : !aie.objectfifosubview<memref<16x16xf32>> -> memref<16x16xf32>
        %sb = aie.objectfifo.acquire @b_l1(Consume, 1) : !aie.objectfifosubview<memref<16x16xf32>>
        %y = aie.objectfifo.subview.access %sb[0] : !aie.objectfifosubview<memref<16x16xf32>> -> memref<16x16xf32>
        %sc = aie.objectfifo.acquire @c1(Produce, 1) : !aie.objectfifosubview<memref<16x16xf32>>
        %z = aie.objectfifo.subview.access %sc[0] : !aie.objectfifosubview<memref<16x16xf32>> -> memref<16x16xf32>
        func.call @attn_qk_f32(%x, %y, %zero, %z, %n, %zero, %n, %n, %n, %one) : (memref<16x16xf32>, memref<16x16xf32>, i32, memref<16x16xf32>, i32, i32, i32, i32, i32, f32) -> ()
        aie.objectfifo.release @a1(Consume, 1)
        aie.objectfifo.release @b_l1(Consume, 1)
        aie.objectfifo.release @c1(Produce, 1)
      }
      aie.end
    }
    aie.runtime_sequence(%A: memref<2x32x16xf32>, %B: memref<2x16x16xf32>, %C: memref<2x32x16xf32>) {
      aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 0][1, 1, 64, 16][0, 0, 16, 1]) {id = 0 : i64, metadata = @a} : memref<2x32x16xf32>
      aiex.npu.dma_memcpy_nd(%B[0, 0, 0, 0][1, 1, 32, 16][0, 0, 16, 1]) {id = 1 : i64, metadata = @b} : memref<2x16x16xf32>
      aiex.npu.dma_memcpy_nd(%C[0, 0, 0, 0][1, 1, 64, 16][0, 0, 16, 1]) {id = 2 : i64, issue_token = true, metadata = @c} : memref<2x32x16xf32>
      aiex.npu.dma_wait {symbol = @c}
    }
  }
}
