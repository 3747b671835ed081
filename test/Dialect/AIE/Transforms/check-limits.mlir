// RUN: attn-opt --split-input-file --aie-check-limits --verify-diagnostics %s | FileCheck %s

// Designs exactly at each limit of aie-check-limits: no diagnostics, and the
// pass leaves the IR unchanged. The just-over twins are in
// check-limits-errors.mlir.

// CHECK-LABEL: module
// L1 of core (0, 2): @in 2 x 16384 B + @out 2 x 15872 B + default stack
// 1024 B = 32768 + 31744 + 1024 = 65536 B, exactly npu2's 64 KiB.
module {
  aie.device(npu2) {
    %s = aie.tile(0, 0)
    %c = aie.tile(0, 2)
    aie.objectfifo @in(%s, {%c}, 2 : i32) : !aie.objectfifo<memref<8192xbf16>>
    aie.objectfifo @out(%c, {%s}, 2 : i32) : !aie.objectfifo<memref<3968xi32>>
    %core = aie.core(%c) {
      aie.end
    }
  }
}

// -----

// CHECK-LABEL: module
// L2 of memtile (0, 1): a 1:1 link keeps one set of buffers (the input's,
// sizes tie): 2 x 262144 B = 524288 B, exactly 512 KiB.
module {
  aie.device(npu1) {
    %s = aie.tile(0, 0)
    %m = aie.tile(0, 1)
    aie.objectfifo @in(%s, {%m}, 2 : i32) : !aie.objectfifo<memref<65536xi32>>
    aie.objectfifo @back(%m, {%s}, 2 : i32) : !aie.objectfifo<memref<65536xi32>>
    aie.objectfifo.link [@in] -> [@back] ([] [])
  }
}

// -----

// CHECK-LABEL: module
// @pipe joins vertical neighbours that share memory: no DMA, its 2 x 16384 B
// live once, on the producer (0, 2): 32768 + @in 2 x 15872 B = 31744 + stack
// 1024 = 65536 B on (0, 2); (0, 3) holds no @pipe buffers.
module {
  aie.device(npu2) {
    %s = aie.tile(0, 0)
    %c2 = aie.tile(0, 2)
    %c3 = aie.tile(0, 3)
    aie.objectfifo @in(%s, {%c2}, 2 : i32) : !aie.objectfifo<memref<3968xi32>>
    aie.objectfifo @pipe(%c2, {%c3}, 2 : i32) : !aie.objectfifo<memref<4096xi32>>
    %core = aie.core(%c2) {
      aie.end
    }
  }
}

// -----

// CHECK-LABEL: module
// Core (0, 2): @in takes 2 locks, plus 14 aie.lock = 16 locks.
module {
  aie.device(npu2) {
    %s = aie.tile(0, 0)
    %c = aie.tile(0, 2)
    aie.objectfifo @in(%s, {%c}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
    %l0 = aie.lock(%c)
    %l1 = aie.lock(%c)
    %l2 = aie.lock(%c)
    %l3 = aie.lock(%c)
    %l4 = aie.lock(%c)
    %l5 = aie.lock(%c)
    %l6 = aie.lock(%c)
    %l7 = aie.lock(%c)
    %l8 = aie.lock(%c)
    %l9 = aie.lock(%c)
    %l10 = aie.lock(%c)
    %l11 = aie.lock(%c)
    %l12 = aie.lock(%c)
    %l13 = aie.lock(%c)
  }
}

// -----

// CHECK-LABEL: module
// Memtile (0, 1): @in takes 2 locks, plus 62 aie.lock = 64 locks.
module {
  aie.device(npu2) {
    %s = aie.tile(0, 0)
    %m = aie.tile(0, 1)
    aie.objectfifo @in(%s, {%m}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
    %l0 = aie.lock(%m)
    %l1 = aie.lock(%m)
    %l2 = aie.lock(%m)
    %l3 = aie.lock(%m)
    %l4 = aie.lock(%m)
    %l5 = aie.lock(%m)
    %l6 = aie.lock(%m)
    %l7 = aie.lock(%m)
    %l8 = aie.lock(%m)
    %l9 = aie.lock(%m)
    %l10 = aie.lock(%m)
    %l11 = aie.lock(%m)
    %l12 = aie.lock(%m)
    %l13 = aie.lock(%m)
    %l14 = aie.lock(%m)
    %l15 = aie.lock(%m)
    %l16 = aie.lock(%m)
    %l17 = aie.lock(%m)
    %l18 = aie.lock(%m)
    %l19 = aie.lock(%m)
    %l20 = aie.lock(%m)
    %l21 = aie.lock(%m)
    %l22 = aie.lock(%m)
    %l23 = aie.lock(%m)
    %l24 = aie.lock(%m)
    %l25 = aie.lock(%m)
    %l26 = aie.lock(%m)
    %l27 = aie.lock(%m)
    %l28 = aie.lock(%m)
    %l29 = aie.lock(%m)
    %l30 = aie.lock(%m)
    %l31 = aie.lock(%m)
    %l32 = aie.lock(%m)
    %l33 = aie.lock(%m)
    %l34 = aie.lock(%m)
    %l35 = aie.lock(%m)
    %l36 = aie.lock(%m)
    %l37 = aie.lock(%m)
    %l38 = aie.lock(%m)
    %l39 = aie.lock(%m)
    %l40 = aie.lock(%m)
    %l41 = aie.lock(%m)
    %l42 = aie.lock(%m)
    %l43 = aie.lock(%m)
    %l44 = aie.lock(%m)
    %l45 = aie.lock(%m)
    %l46 = aie.lock(%m)
    %l47 = aie.lock(%m)
    %l48 = aie.lock(%m)
    %l49 = aie.lock(%m)
    %l50 = aie.lock(%m)
    %l51 = aie.lock(%m)
    %l52 = aie.lock(%m)
    %l53 = aie.lock(%m)
    %l54 = aie.lock(%m)
    %l55 = aie.lock(%m)
    %l56 = aie.lock(%m)
    %l57 = aie.lock(%m)
    %l58 = aie.lock(%m)
    %l59 = aie.lock(%m)
    %l60 = aie.lock(%m)
    %l61 = aie.lock(%m)
  }
}

// -----

// CHECK-LABEL: module
// Core (0, 2) consumes two FIFOs (2 S2MM) and produces two (2 MM2S).
module {
  aie.device(npu2) {
    %m = aie.tile(0, 1)
    %c = aie.tile(0, 2)
    aie.objectfifo @i0(%m, {%c}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
    aie.objectfifo @i1(%m, {%c}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
    aie.objectfifo @o0(%c, {%m}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
    aie.objectfifo @o1(%c, {%m}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
  }
}

// -----

// CHECK-LABEL: module
// Memtile (0, 1) produces six FIFOs = 6 MM2S channels; @f1 is broadcast to
// two cores and still takes one channel. Each core consumes at most two.
module {
  aie.device(npu2) {
    %m = aie.tile(0, 1)
    %c2 = aie.tile(0, 2)
    %c3 = aie.tile(0, 3)
    %c4 = aie.tile(0, 4)
    %c5 = aie.tile(0, 5)
    aie.objectfifo @f1(%m, {%c2, %c5}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
    aie.objectfifo @f2(%m, {%c2}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
    aie.objectfifo @f3(%m, {%c3}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
    aie.objectfifo @f4(%m, {%c3}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
    aie.objectfifo @f5(%m, {%c4}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
    aie.objectfifo @f6(%m, {%c4}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
  }
}

// -----

// CHECK-LABEL: module
// Memtile (0, 1) consumes six FIFOs = 6 S2MM channels.
module {
  aie.device(npu2) {
    %m = aie.tile(0, 1)
    %c2 = aie.tile(0, 2)
    %c3 = aie.tile(0, 3)
    %c4 = aie.tile(0, 4)
    aie.objectfifo @f1(%c2, {%m}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
    aie.objectfifo @f2(%c2, {%m}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
    aie.objectfifo @f3(%c3, {%m}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
    aie.objectfifo @f4(%c3, {%m}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
    aie.objectfifo @f5(%c4, {%m}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
    aie.objectfifo @f6(%c4, {%m}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
  }
}

// -----

// CHECK-LABEL: module
// Shim (0, 0): MM2S @a + allocation @raw_in (channel 1) = 2; S2MM @c + @d
// = 2.
module {
  aie.device(npu2) {
    %s = aie.tile(0, 0)
    %m = aie.tile(0, 1)
    aie.objectfifo @a(%s, {%m}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
    aie.objectfifo @c(%m, {%s}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
    aie.objectfifo @d(%m, {%s}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
    aie.shim_dma_allocation @raw_in(%s, MM2S, 1)
  }
}

// -----

// CHECK-LABEL: module
// Core (0, 2): @a depth 8 + @b depth 8 = 16 buffer descriptors.
module {
  aie.device(npu2) {
    %m = aie.tile(0, 1)
    %c = aie.tile(0, 2)
    aie.objectfifo @a(%m, {%c}, 8 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @b(%c, {%m}, 8 : i32) : !aie.objectfifo<memref<64xi32>>
  }
}

// -----

// CHECK-LABEL: module
// Memtile (0, 1) splits @in (depth 4 there) four ways and takes @y. Upstream
// gives the memtile's ends channels first-free per direction in FIFO order
// (@in S2MM 0, @o0-@o3 MM2S 0-3, @y S2MM 1), and an even channel draws on BD
// ids 0-23, an odd one on 24-47: even pool @in 4 x 4 pieces = 16 + @o0 4 +
// @o2 4 = 24, odd pool @o1 4 + @o3 4 + @y 16 = 24: both at the limit.
module {
  aie.device(npu2) {
    %s = aie.tile(0, 0)
    %m = aie.tile(0, 1)
    %c02 = aie.tile(0, 2)
    %c03 = aie.tile(0, 3)
    %c04 = aie.tile(0, 4)
    %c05 = aie.tile(0, 5)
    aie.objectfifo @in(%s, {%m}, 4 : i32) : !aie.objectfifo<memref<256xi32>>
    aie.objectfifo @o0(%m, {%c02}, 4 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @o1(%m, {%c03}, 4 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @o2(%m, {%c04}, 4 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @o3(%m, {%c05}, 4 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo.link [@in] -> [@o0, @o1, @o2, @o3] ([] [0, 64, 128, 192])
    aie.objectfifo @y(%s, {%m}, 16 : i32) : !aie.objectfifo<memref<16xi32>>
  }
}

// -----

// CHECK-LABEL: module
// Fan-out 6 through a memtile is the limit: @in (depth 2 there) split six
// ways, even pool @in 2 x 6 = 12 + @o0, @o2, @o4 2 each = 18, odd 6.
module {
  aie.device(npu2) {
    %s = aie.tile(0, 0)
    %m = aie.tile(0, 1)
    %c02 = aie.tile(0, 2)
    %c03 = aie.tile(0, 3)
    %c04 = aie.tile(0, 4)
    %c05 = aie.tile(0, 5)
    %c12 = aie.tile(1, 2)
    %c13 = aie.tile(1, 3)
    aie.objectfifo @in(%s, {%m}, 2 : i32) : !aie.objectfifo<memref<384xi32>>
    aie.objectfifo @o0(%m, {%c02}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @o1(%m, {%c03}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @o2(%m, {%c04}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @o3(%m, {%c05}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @o4(%m, {%c12}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @o5(%m, {%c13}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo.link [@in] -> [@o0, @o1, @o2, @o3, @o4, @o5] ([] [0, 64, 128, 192, 256, 320])
  }
}

// -----

// CHECK-LABEL: module
// Memtile (0, 1) joins six FIFOs into @out: fan-in 6 is the limit.
module {
  aie.device(npu2) {
    %s = aie.tile(0, 0)
    %m = aie.tile(0, 1)
    %c02 = aie.tile(0, 2)
    %c03 = aie.tile(0, 3)
    %c04 = aie.tile(0, 4)
    %c05 = aie.tile(0, 5)
    %c12 = aie.tile(1, 2)
    %c13 = aie.tile(1, 3)
    aie.objectfifo @i0(%c02, {%m}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @i1(%c03, {%m}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @i2(%c04, {%m}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @i3(%c05, {%m}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @i4(%c12, {%m}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @i5(%c13, {%m}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @out(%m, {%s}, 2 : i32) : !aie.objectfifo<memref<384xi32>>
    aie.objectfifo.link [@i0, @i1, @i2, @i3, @i4, @i5] -> [@out] ([0, 64, 128, 192, 256, 320] [])
  }
}

// -----

// CHECK-LABEL: module
// Shim access patterns at the npu2 limits (the op verifiers own these
// limits and reject the just-over twins at parse time): innermost 2046 bf16 = 1023
// words, dim 1 size 1023, repeat 64, dim 1 stride 2^21 bf16 = 2^20 words;
// a linear transfer may exceed the wrap (8192 bf16 = 4096 words); an i8 run
// of 4 bytes; buffer descriptor ids 15; task repeat_count 255.
module {
  aie.device(npu2) {
    %s = aie.tile(0, 0)
    %c = aie.tile(0, 2)
    aie.objectfifo @in(%s, {%c}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.runtime_sequence(%a: memref<4294967296xbf16>, %b: memref<8192xbf16>, %c8: memref<64xi8>) {
      aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][64, 2, 1023, 2046][0, 2046, 2097152, 1]) {id = 0 : i64, metadata = @in} : memref<4294967296xbf16>
      aiex.npu.dma_memcpy_nd(%b[0, 0, 0, 0][1, 1, 1, 8192][0, 0, 0, 1]) {id = 1 : i64, metadata = @in} : memref<8192xbf16>
      aiex.npu.dma_memcpy_nd(%c8[0, 0, 0, 4][1, 1, 4, 4][0, 0, 8, 1]) {id = 15 : i64, metadata = @in} : memref<64xi8>
      %t = aiex.dma_configure_task_for @in {
        aie.dma_bd(%b : memref<8192xbf16> offset = 0 len = 8184 sizes = [64, 1, 4, 2046] strides = [0, 0, 2046, 1]) {bd_id = 15 : i32}
        aie.end
      } {repeat_count = 255 : i32}
      aiex.dma_start_task(%t)
    }
  }
}

// -----

// CHECK-LABEL: module
// Four outstanding transfers with issue_token on @out (the queue depth),
// then four waits; a loop whose iterations each wait for their transfer;
// task form likewise.
module {
  aie.device(npu2) {
    %s = aie.tile(0, 0)
    %c = aie.tile(0, 2)
    aie.objectfifo @out(%c, {%s}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.runtime_sequence(%o: memref<1024xi32>) {
      aiex.npu.dma_memcpy_nd(%o[0, 0, 0, 0][1, 1, 1, 64][0, 0, 0, 1]) {id = 0 : i64, issue_token = true, metadata = @out} : memref<1024xi32>
      aiex.npu.dma_memcpy_nd(%o[0, 0, 0, 64][1, 1, 1, 64][0, 0, 0, 1]) {id = 1 : i64, issue_token = true, metadata = @out} : memref<1024xi32>
      aiex.npu.dma_memcpy_nd(%o[0, 0, 0, 128][1, 1, 1, 64][0, 0, 0, 1]) {id = 2 : i64, issue_token = true, metadata = @out} : memref<1024xi32>
      aiex.npu.dma_memcpy_nd(%o[0, 0, 0, 192][1, 1, 1, 64][0, 0, 0, 1]) {id = 3 : i64, issue_token = true, metadata = @out} : memref<1024xi32>
      aiex.npu.dma_wait {symbol = @out}
      aiex.npu.dma_wait {symbol = @out}
      aiex.npu.dma_wait {symbol = @out}
      aiex.npu.dma_wait {symbol = @out}
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c16 = arith.constant 16 : index
      scf.for %i = %c0 to %c16 step %c1 {
        aiex.npu.dma_memcpy_nd(%o[0, 0, 0, 0][1, 1, 1, 64][0, 0, 0, 1]) {id = 0 : i64, issue_token = true, metadata = @out} : memref<1024xi32>
        aiex.npu.dma_wait {symbol = @out}
      }
      %t = aiex.dma_configure_task_for @out {
        aie.dma_bd(%o : memref<1024xi32> offset = 0 len = 64)
        aie.end
      } {issue_token = true}
      aiex.dma_start_task(%t)
      aiex.dma_start_task(%t)
      aiex.dma_start_task(%t)
      aiex.dma_start_task(%t)
      aiex.dma_await_task(%t)
      aiex.dma_await_task(%t)
      aiex.dma_await_task(%t)
      aiex.dma_await_task(%t)
    }
  }
}
