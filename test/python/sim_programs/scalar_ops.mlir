// Scalar semantics of the core-body interpreter: scf.for with iter_args,
// scf.if and scf.while with results, signed/unsigned integer ops, casts,
// f32 and bf16 arithmetic, math ops, memref.alloc/subview/copy. The core
// writes 16 i32 and 8 f32 results; test_sim_programs.py states the expected values.
module {
  aie.device(npu2) {
    %shim = aie.tile(0, 0)
    %core = aie.tile(0, 2)
    aie.objectfifo @ints(%core, {%shim}, 1 : i32) : !aie.objectfifo<memref<16xi32>>
    aie.objectfifo @floats(%core, {%shim}, 1 : i32) : !aie.objectfifo<memref<8xf32>>
    %c = aie.core(%core) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c10 = arith.constant 10 : index
      %s_i = aie.objectfifo.acquire @ints(Produce, 1) : !aie.objectfifosubview<memref<16xi32>>
      %o = aie.objectfifo.subview.access %s_i[0] : !aie.objectfifosubview<memref<16xi32>> -> memref<16xi32>
      %s_f = aie.objectfifo.acquire @floats(Produce, 1) : !aie.objectfifosubview<memref<8xf32>>
      %f = aie.objectfifo.subview.access %s_f[0] : !aie.objectfifosubview<memref<8xf32>> -> memref<8xf32>
      %i0 = arith.constant 0 : i32
      %i1 = arith.constant 1 : i32
      %i2 = arith.constant 2 : i32
      %i7 = arith.constant 7 : i32
      %m1 = arith.constant -1 : i32
      %m7 = arith.constant -7 : i32
      %m8 = arith.constant -8 : i32
      // 0: sum of 0..9 through iter_args
      %sum = scf.for %i = %c0 to %c10 step %c1 iter_args(%acc = %i0) -> (i32) {
        %ii = arith.index_cast %i : index to i32
        %n = arith.addi %acc, %ii : i32
        scf.yield %n : i32
      }
      %p0 = arith.constant 0 : index
      memref.store %sum, %o[%p0] : memref<16xi32>
      %r1 = arith.divsi %m7, %i2 : i32
      %p1 = arith.constant 1 : index
      memref.store %r1, %o[%p1] : memref<16xi32>
      %r2 = arith.remsi %m7, %i2 : i32
      %p2 = arith.constant 2 : index
      memref.store %r2, %o[%p2] : memref<16xi32>
      %r3 = arith.floordivsi %m7, %i2 : i32
      %p3 = arith.constant 3 : index
      memref.store %r3, %o[%p3] : memref<16xi32>
      %r4 = arith.ceildivsi %i7, %i2 : i32
      %p4 = arith.constant 4 : index
      memref.store %r4, %o[%p4] : memref<16xi32>
      %r5 = arith.divui %m8, %i2 : i32
      %p5 = arith.constant 5 : index
      memref.store %r5, %o[%p5] : memref<16xi32>
      %r6 = arith.shrsi %m8, %i1 : i32
      %p6 = arith.constant 6 : index
      memref.store %r6, %o[%p6] : memref<16xi32>
      %r7 = arith.shrui %m8, %i1 : i32
      %p7 = arith.constant 7 : index
      memref.store %r7, %o[%p7] : memref<16xi32>
      %lt = arith.cmpi slt, %m1, %i1 : i32
      %r8 = arith.select %lt, %i1, %i0 : i32
      %p8 = arith.constant 8 : index
      memref.store %r8, %o[%p8] : memref<16xi32>
      %ult = arith.cmpi ult, %m1, %i1 : i32
      %r9 = arith.extui %ult : i1 to i32
      %p9 = arith.constant 9 : index
      memref.store %r9, %o[%p9] : memref<16xi32>
      %r10 = scf.if %lt -> (i32) {
        %a = arith.constant 11 : i32
        scf.yield %a : i32
      } else {
        %b = arith.constant 22 : i32
        scf.yield %b : i32
      }
      %p10 = arith.constant 10 : index
      memref.store %r10, %o[%p10] : memref<16xi32>
      %c50 = arith.constant 50 : i32
      %r11 = scf.while (%n = %i0) : (i32) -> i32 {
        %sq = arith.muli %n, %n : i32
        %go = arith.cmpi slt, %sq, %c50 : i32
        scf.condition(%go) %n : i32
      } do {
      ^bb0(%n: i32):
        %next = arith.addi %n, %i1 : i32
        scf.yield %next : i32
      }
      %p11 = arith.constant 11 : index
      memref.store %r11, %o[%p11] : memref<16xi32>
      %c200 = arith.constant 200 : i32
      %t8 = arith.trunci %c200 : i32 to i8
      %r12 = arith.extsi %t8 : i8 to i32
      %p12 = arith.constant 12 : index
      memref.store %r12, %o[%p12] : memref<16xi32>
      %r13 = arith.extui %t8 : i8 to i32
      %p13 = arith.constant 13 : index
      memref.store %r13, %o[%p13] : memref<16xi32>
      %fm = arith.constant -2.7 : f32
      %r14 = arith.fptosi %fm : f32 to i32
      %p14 = arith.constant 14 : index
      memref.store %r14, %o[%p14] : memref<16xi32>
      %big = arith.constant 65536 : i32
      %r15 = arith.muli %big, %big : i32
      %p15 = arith.constant 15 : index
      memref.store %r15, %o[%p15] : memref<16xi32>
      // floats
      %one = arith.constant 1.0 : f32
      %tiny = arith.constant 1.0e-08 : f32
      %f0 = arith.addf %one, %tiny : f32
      memref.store %f0, %f[%p0] : memref<8xf32>
      %x = arith.constant 1.005859375 : f32
      %xb = arith.truncf %x : f32 to bf16
      %f1 = arith.extf %xb : bf16 to f32
      memref.store %f1, %f[%p1] : memref<8xf32>
      %f2 = math.exp %one : f32
      memref.store %f2, %f[%p2] : memref<8xf32>
      %mh = arith.constant -0.5 : f32
      %q = arith.constant 0.25 : f32
      %f3 = arith.maximumf %mh, %q : f32
      memref.store %f3, %f[%p3] : memref<8xf32>
      %f4 = arith.sitofp %m7 : i32 to f32
      memref.store %f4, %f[%p4] : memref<8xf32>
      %three = arith.constant 3.0 : f32
      %f5 = arith.divf %one, %three : f32
      memref.store %f5, %f[%p5] : memref<8xf32>
      // a 2-element scratch (memref.alloc) copied into elements 6..7 through a subview
      %tmp = memref.alloc() : memref<2xf32>
      %two = arith.constant 2.0 : f32
      %neg = arith.negf %two : f32
      memref.store %neg, %tmp[%p0] : memref<2xf32>
      %rt = math.sqrt %two : f32
      memref.store %rt, %tmp[%p1] : memref<2xf32>
      %tail = memref.subview %f[6] [2] [1] : memref<8xf32> to memref<2xf32, strided<[1], offset: 6>>
      memref.copy %tmp, %tail : memref<2xf32> to memref<2xf32, strided<[1], offset: 6>>
      memref.dealloc %tmp : memref<2xf32>
      aie.objectfifo.release @ints(Produce, 1)
      aie.objectfifo.release @floats(Produce, 1)
      aie.end
    }
    aie.runtime_sequence(%ints: memref<16xi32>, %floats: memref<8xf32>) {
      aiex.npu.dma_memcpy_nd(%ints[0, 0, 0, 0][1, 1, 1, 16][0, 0, 0, 1]) {id = 0 : i64, issue_token = true, metadata = @ints} : memref<16xi32>
      aiex.npu.dma_memcpy_nd(%floats[0, 0, 0, 0][1, 1, 1, 8][0, 0, 0, 1]) {id = 1 : i64, issue_token = true, metadata = @floats} : memref<8xf32>
      aiex.npu.dma_wait {symbol = @ints}
      aiex.npu.dma_wait {symbol = @floats}
    }
  }
}
