// RUN: attn-opt %s | attn-opt | FileCheck %s
// RUN: attn-opt %s --mlir-print-op-generic | attn-opt | FileCheck %s
// RUN: attn-opt %s --aie-check-limits | FileCheck %s

// Programs written in the spellings of upstream mlir-aie's own tests at the
// pinned commit 3ca0193c (test/npu-xrt/add_one_objFifo,
// add_one_func_link_with_peano, test/Targets/NPU/static_vs_dynamic): loose
// spacing (`dma_memcpy_nd (`, `%in : memref`), SSA offsets/sizes/strides,
// func-level link_with, a second device symbol, a dynamic runtime sequence
// whose scalar argument reaches rtp_write, and the direct-memref acquire.

// CHECK-LABEL: aie.device(npu2) {
// CHECK:      aie.objectfifo @objFifo_in0(%{{.*}}, {%{{.*}}}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
// CHECK:      aie.objectfifo.link [@objFifo_in0] -> [@objFifo_in1]([] [])
// CHECK:      %[[SV:.*]] = aie.objectfifo.acquire @objFifo_in1(Consume, 1) : !aie.objectfifosubview<memref<8xi32>>
// CHECK:      aie.objectfifo.subview.access %[[SV]][0] : !aie.objectfifosubview<memref<8xi32>> -> memref<8xi32>
// CHECK:      aie.runtime_sequence(%[[IN:.*]]: memref<64xi32>, %{{.*}}: memref<32xi32>, %[[OUT:.*]]: memref<64xi32>) {
// CHECK:        aiex.npu.dma_memcpy_nd(%[[OUT]][%{{.*}}]) {id = 1 : i64, issue_token = true, metadata = @objFifo_out0} : memref<64xi32>
// CHECK:        aiex.npu.dma_wait {symbol = @objFifo_out0}
// CHECK-LABEL: aie.device(npu2) @peano {
// CHECK:      aie.objectfifo @of_split(%{{.*}}, {%{{.*}}}, 1 : i32) : !aie.objectfifo<memref<40xi32>> -> !aie.objectfifo<memref<10xi32>>
// CHECK:      aie.objectfifo @of_init(%{{.*}}, {%{{.*}}}, [2 : i32, 1 : i32]) : !aie.objectfifo<memref<16xi32>> = [dense<0> : memref<16xi32>, dense<1> : memref<16xi32>]
// CHECK:      func.func private @add_one(memref<8xi32>, memref<8xi32>, i32) attributes {link_with = "add_one_kernel.o"}
// CHECK:      aie.use_lock(%[[LOCK:.*]], AcquireGreaterEqual, %[[ONE:.*]])
// CHECK:      aie.use_lock(%[[LOCK]], Release, %[[ONE]])
// CHECK:      %[[R:.*]]:2 = aie.objectfifo.acquire @of_in(Consume, 2) : memref<8xi32>, memref<8xi32>
// CHECK:      func.call @add_one(%[[R]]#0, %[[R]]#1, %{{.*}})
// CHECK:      aie.runtime_sequence @memcpy_dynamic(%{{.*}}: memref<8192xi32>, %{{.*}}: memref<8192xi32>, %[[N:.*]]: i32) {
// CHECK:        %[[NP1:.*]] = arith.addi %[[N]], %{{.*}} : i32
// CHECK:        aiex.npu.rtp_write(@rtp, 0, %[[N]]) : i32
// CHECK:        aiex.npu.rtp_write(@rtp, 4, %[[NP1]]) : i32
// CHECK:        aiex.npu.dma_memcpy_nd(%{{.*}}[0, 0, 0, 0][2, 4, 8, 64][2048, 512, 64, 1]) {id = 1 : i64, metadata = @of_out} : memref<8192xi32>
module {
  aie.device(npu2) {
    %t00 = aie.tile(0, 0)
    %t01 = aie.tile(0, 1)
    %t02 = aie.tile(0, 2)

    aie.objectfifo @objFifo_in0(%t00, {%t01}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
    aie.objectfifo @objFifo_in1(%t01, {%t02}, 2 : i32) : !aie.objectfifo<memref<8xi32>>
    aie.objectfifo.link [@objFifo_in0] -> [@objFifo_in1] ([] [])

    aie.objectfifo @objFifo_out1(%t02, {%t01}, 2 : i32) : !aie.objectfifo<memref<8xi32>>
    aie.objectfifo @objFifo_out0(%t01, {%t00}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
    aie.objectfifo.link [@objFifo_out1] -> [@objFifo_out0] ([] [])

    aie.core(%t02) {
      %c8 = arith.constant 8 : index
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c1_32 = arith.constant 41 : i32
      scf.for %steps = %c0 to %c8 step %c1 {
        %subview0 = aie.objectfifo.acquire @objFifo_in1(Consume, 1) : !aie.objectfifosubview<memref<8xi32>>
        %elem0 = aie.objectfifo.subview.access %subview0[0] : !aie.objectfifosubview<memref<8xi32>> -> memref<8xi32>
        %subview1 = aie.objectfifo.acquire @objFifo_out1(Produce, 1) : !aie.objectfifosubview<memref<8xi32>>
        %elem1 = aie.objectfifo.subview.access %subview1[0] : !aie.objectfifosubview<memref<8xi32>> -> memref<8xi32>
        scf.for %arg3 = %c0 to %c8 step %c1 {
            %0 = memref.load %elem0[%arg3] : memref<8xi32>
            %1 = arith.addi %0, %c1_32 : i32
            memref.store %1, %elem1[%arg3] : memref<8xi32>
        }
        aie.objectfifo.release @objFifo_in1(Consume, 1)
        aie.objectfifo.release @objFifo_out1(Produce, 1)
      }
      aie.end
    }
    aie.runtime_sequence(%in : memref<64xi32>, %buf : memref<32xi32>, %out : memref<64xi32>) {
      %c0 = arith.constant 0 : i64
      %c1 = arith.constant 1 : i64
      %c64 = arith.constant 64 : i64
      // issue_token on the S2MM transfer: upstream forces it on S2MM; aie-check-limits
      // wants it spelled out before the dma_wait.
      aiex.npu.dma_memcpy_nd (%out[%c0,%c0,%c0,%c0][%c1,%c1,%c1,%c64][%c0,%c0,%c0, %c1]) { metadata = @objFifo_out0, id = 1 : i64, issue_token = true } : memref<64xi32>
      aiex.npu.dma_memcpy_nd (%in[%c0,%c0,%c0,%c0][%c1,%c1,%c1,%c64][%c0,%c0,%c0, %c1]) { metadata = @objFifo_in0, id = 0 : i64, issue_token = true } : memref<64xi32>
      aiex.npu.dma_wait { symbol = @objFifo_out0 }
    }
  }

  aie.device(npu2) @peano {
    %tile_0_0 = aie.tile(0, 0)
    %tile_0_2 = aie.tile(0, 2)
    %rtp = aie.buffer(%tile_0_2) {sym_name = "rtp", address = 49152 : i32} : memref<16xi32>
    %rtp_lock = aie.lock(%tile_0_2, 0) {init = 0 : i32, sym_name = "rtp_lock"}

    aie.objectfifo @of_in(%tile_0_0, {%tile_0_2}, 2 : i32) : !aie.objectfifo<memref<8xi32>>
    aie.objectfifo @of_out(%tile_0_2, {%tile_0_0}, 2 : i32) : !aie.objectfifo<memref<8xi32>>
    %tile_1_1 = aie.tile(1, 1)
    %tile_1_2 = aie.tile(1, 2)
    %tile_1_3 = aie.tile(1, 3)
    aie.objectfifo @of_split (%tile_1_1, {%tile_1_2}, 1 : i32) : !aie.objectfifo<memref<40xi32>> -> !aie.objectfifo<memref<10xi32>>
    aie.objectfifo @of_init(%tile_1_2, {%tile_1_3}, [2 : i32, 1 : i32]) : !aie.objectfifo<memref<16xi32>> = [dense<0> : memref<16xi32>, dense<1> : memref<16xi32>]

    func.func private @add_one(memref<8xi32>, memref<8xi32>, i32) attributes {link_with = "add_one_kernel.o"}

    aie.core(%tile_0_2) {
      %one = arith.constant 1 : i32
      aie.use_lock(%rtp_lock, AcquireGreaterEqual, %one)
      %c0 = arith.constant 0 : index
      %n = memref.load %rtp[%c0] : memref<16xi32>
      aie.use_lock(%rtp_lock, Release, %one)
      %a, %b = aie.objectfifo.acquire @of_in(Consume, 2) : memref<8xi32>, memref<8xi32>
      func.call @add_one(%a, %b, %n) : (memref<8xi32>, memref<8xi32>, i32) -> ()
      aie.objectfifo.release @of_in(Consume, 2)
      aie.end
    }

    aie.runtime_sequence @memcpy_dynamic(%in: memref<8192xi32>, %out: memref<8192xi32>, %n: i32) {
      %c1 = arith.constant 1 : i32
      %np1 = arith.addi %n, %c1 : i32
      aiex.npu.rtp_write(@rtp, 0, %n) : i32
      aiex.npu.rtp_write(@rtp, 4, %np1) : i32
      aiex.npu.dma_memcpy_nd(%out[0, 0, 0, 0][2, 4, 8, 64][2048, 512, 64, 1]) {id = 1 : i64, metadata = @of_out} : memref<8192xi32>
      aiex.npu.dma_memcpy_nd(%in [0, 0, 0, 0][1, 8, 16, 32][4096, 512, 32, 1]) {id = 0 : i64, metadata = @of_in} : memref<8192xi32>
    }
  }
}
