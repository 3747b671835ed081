// RUN: attn-opt --split-input-file --aie-check-limits --verify-diagnostics %s

// One design just over each limit of aie-check-limits (the designs exactly at
// the limits are in check-limits.mlir). Arithmetic in each comment. Shim
// tiles take no aie.lock and at most 4 FIFO ends (2 + 2 channels, 8 locks),
// so their 16-lock limit cannot be exceeded before the channel limit.

// L1: as at the limit plus a 4-byte aie.buffer: 65536 + 4 = 65540 B.
module {
  aie.device(npu2) {
    %s = aie.tile(0, 0)
    // expected-error@+1 {{'aie.tile' op (0, 2): L1 usage 65540 bytes exceeds the 65536-byte limit of npu2 (objectfifo @in depth 2 x 16384 B, objectfifo @out depth 2 x 15872 B, aie.buffer @extra 4 B, stack 1024 B)}}
    %c = aie.tile(0, 2)
    aie.objectfifo @in(%s, {%c}, 2 : i32) : !aie.objectfifo<memref<8192xbf16>>
    aie.objectfifo @out(%c, {%s}, 2 : i32) : !aie.objectfifo<memref<3968xi32>>
    %extra = aie.buffer(%c) {sym_name = "extra"} : memref<1xi32>
    %core = aie.core(%c) {
      aie.end
    }
  }
}

// -----

// L1 with an explicit stack_size: 2 x 16384 + 2 x 15872 + 1025 = 65537 B.
module {
  aie.device(npu2) {
    %s = aie.tile(0, 0)
    // expected-error@+1 {{(0, 2): L1 usage 65537 bytes exceeds the 65536-byte limit of npu2 (objectfifo @in depth 2 x 16384 B, objectfifo @out depth 2 x 15872 B, stack 1025 B)}}
    %c = aie.tile(0, 2)
    aie.objectfifo @in(%s, {%c}, 2 : i32) : !aie.objectfifo<memref<8192xbf16>>
    aie.objectfifo @out(%c, {%s}, 2 : i32) : !aie.objectfifo<memref<3968xi32>>
    %core = aie.core(%c) {
      aie.end
    } {stack_size = 1025 : i32}
  }
}

// -----

// L2: the 1:1 link's 2 x 262144 B plus a 4-byte buffer = 524292 B.
module {
  aie.device(npu1) {
    %s = aie.tile(0, 0)
    // expected-error@+1 {{'aie.tile' op (0, 1): L2 usage 524292 bytes exceeds the 524288-byte limit of npu1 (objectfifo.link @in depth 2 x 262144 B, aie.buffer 4 B)}}
    %m = aie.tile(0, 1)
    aie.objectfifo @in(%s, {%m}, 2 : i32) : !aie.objectfifo<memref<65536xi32>>
    aie.objectfifo @back(%m, {%s}, 2 : i32) : !aie.objectfifo<memref<65536xi32>>
    aie.objectfifo.link [@in] -> [@back] ([] [])
    %extra = aie.buffer(%m) : memref<1xi32>
  }
}

// -----

// Shared memory, buffers on the consumer: producer (1, 2) can reach the
// memory of its west neighbour (0, 2) but not the other way round, so
// @pipe's 2 x 16384 B live on (0, 2): 32768 + @in 2 x 15872 + stack 1024 +
// 4-byte buffer = 65540 B.
module {
  aie.device(npu2) {
    %s = aie.tile(0, 0)
    // expected-error@+1 {{(0, 2): L1 usage 65540 bytes exceeds the 65536-byte limit of npu2 (objectfifo @in depth 2 x 15872 B, objectfifo @pipe depth 2 x 16384 B, aie.buffer 4 B, stack 1024 B)}}
    %c02 = aie.tile(0, 2)
    %c12 = aie.tile(1, 2)
    aie.objectfifo @in(%s, {%c02}, 2 : i32) : !aie.objectfifo<memref<3968xi32>>
    aie.objectfifo @pipe(%c12, {%c02}, 2 : i32) : !aie.objectfifo<memref<4096xi32>>
    %extra = aie.buffer(%c02) : memref<1xi32>
    %core = aie.core(%c02) {
      aie.end
    }
  }
}

// -----

// Core locks: @in's 2 + 15 aie.lock = 17.
module {
  aie.device(npu2) {
    %s = aie.tile(0, 0)
    // expected-error@+1 {{(0, 2): uses 17 locks, more than the 16 of a core tile of npu2 (objectfifo @in: 2, aie.lock: 1, aie.lock: 1, aie.lock: 1, aie.lock: 1, aie.lock: 1, aie.lock: 1, aie.lock: 1, aie.lock: 1, aie.lock: 1, aie.lock: 1, aie.lock: 1, aie.lock: 1, aie.lock: 1, aie.lock: 1, aie.lock: 1)}}
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
    %l14 = aie.lock(%c)
  }
}

// -----

// Memtile locks: @in's 2 + 63 aie.lock = 65.
module {
  aie.device(npu2) {
    %s = aie.tile(0, 0)
    // expected-error@+1 {{(0, 1): uses 65 locks, more than the 64 of a memtile of npu2 (objectfifo @in: 2, aie.lock: 1,}}
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
    %l62 = aie.lock(%m)
  }
}

// -----

// Core S2MM: three FIFOs into (0, 2).
module {
  aie.device(npu2) {
    %m = aie.tile(0, 1)
    // expected-error@+1 {{(0, 2): uses 3 S2MM DMA channels, more than the 2 of a core tile of npu2 (objectfifo @i0, objectfifo @i1, objectfifo @i2)}}
    %c = aie.tile(0, 2)
    aie.objectfifo @i0(%m, {%c}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
    aie.objectfifo @i1(%m, {%c}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
    aie.objectfifo @i2(%m, {%c}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
  }
}

// -----

// Core MM2S: three FIFOs out of (0, 2).
module {
  aie.device(npu2) {
    %m = aie.tile(0, 1)
    // expected-error@+1 {{(0, 2): uses 3 MM2S DMA channels, more than the 2 of a core tile of npu2 (objectfifo @o0, objectfifo @o1, objectfifo @o2)}}
    %c = aie.tile(0, 2)
    aie.objectfifo @o0(%c, {%m}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
    aie.objectfifo @o1(%c, {%m}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
    aie.objectfifo @o2(%c, {%m}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
  }
}

// -----

// Memtile MM2S: seven FIFOs out of (0, 1) (the broadcast @f1 counts once).
module {
  aie.device(npu2) {
    // expected-error@+1 {{(0, 1): uses 7 MM2S DMA channels, more than the 6 of a memtile of npu2 (objectfifo @f1, objectfifo @f2, objectfifo @f3, objectfifo @f4, objectfifo @f5, objectfifo @f6, objectfifo @f7)}}
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
    aie.objectfifo @f7(%m, {%c5}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
  }
}

// -----

// Memtile S2MM: seven FIFOs into (0, 1).
module {
  aie.device(npu2) {
    // expected-error@+1 {{(0, 1): uses 7 S2MM DMA channels, more than the 6 of a memtile of npu2}}
    %m = aie.tile(0, 1)
    %c2 = aie.tile(0, 2)
    %c3 = aie.tile(0, 3)
    %c4 = aie.tile(0, 4)
    %c5 = aie.tile(0, 5)
    aie.objectfifo @f1(%c2, {%m}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
    aie.objectfifo @f2(%c2, {%m}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
    aie.objectfifo @f3(%c3, {%m}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
    aie.objectfifo @f4(%c3, {%m}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
    aie.objectfifo @f5(%c4, {%m}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
    aie.objectfifo @f6(%c4, {%m}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
    aie.objectfifo @f7(%c5, {%m}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
  }
}

// -----

// Shim MM2S: @a, @b and the allocation @raw_in = 3.
module {
  aie.device(npu2) {
    // expected-error@+1 {{(0, 0): uses 3 MM2S DMA channels, more than the 2 of a shim tile of npu2 (objectfifo @a, objectfifo @b, aie.shim_dma_allocation @raw_in)}}
    %s = aie.tile(0, 0)
    %m = aie.tile(0, 1)
    aie.objectfifo @a(%s, {%m}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
    aie.objectfifo @b(%s, {%m}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
    aie.shim_dma_allocation @raw_in(%s, MM2S, 1)
  }
}

// -----

// Shim S2MM: three FIFOs into (0, 0).
module {
  aie.device(npu2) {
    // expected-error@+1 {{(0, 0): uses 3 S2MM DMA channels, more than the 2 of a shim tile of npu2 (objectfifo @c, objectfifo @d, objectfifo @e)}}
    %s = aie.tile(0, 0)
    %m = aie.tile(0, 1)
    aie.objectfifo @c(%m, {%s}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
    aie.objectfifo @d(%m, {%s}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
    aie.objectfifo @e(%m, {%s}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
  }
}

// -----

// Core BDs: depth 8 + depth 9 = 17.
module {
  aie.device(npu2) {
    %m = aie.tile(0, 1)
    // expected-error@+1 {{(0, 2): uses 17 buffer descriptors, more than the 16 of a core tile of npu2 (objectfifo @a: 8, objectfifo @b: 9)}}
    %c = aie.tile(0, 2)
    aie.objectfifo @a(%m, {%c}, 8 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @b(%c, {%m}, 9 : i32) : !aie.objectfifo<memref<64xi32>>
  }
}

// -----

// Core BDs through repeat_count: a producer cycling 2 buffers 9 times uses
// 2 x 9 = 18 descriptors.
module {
  aie.device(npu2) {
    %m = aie.tile(0, 1)
    // expected-error@+1 {{(0, 2): uses 18 buffer descriptors, more than the 16 of a core tile of npu2 (objectfifo @a: 18)}}
    %c = aie.tile(0, 2)
    aie.objectfifo @a(%c, {%m}, 2 : i32) {repeat_count = 9 : i32} : !aie.objectfifo<memref<64xi32>>
  }
}

// -----

// Memtile BDs per channel pool: 43 in all (under 48), but upstream gives
// the memtile's ends channels first-free per direction in FIFO order (@in
// S2MM 0, @o0-@o3 MM2S 0-3, @y S2MM 1) and an odd channel draws on BD ids
// 24-47 only: @o1 3 + @o3 3 + @y 19 = 25 (the even pool holds @in 3 x 4 =
// 12 + @o0 3 + @o2 3 = 18). Upstream's aie-assign-bd-ids: "Allocator
// exhausted available BD IDs (maximum 24 available for channel 1)".
module {
  aie.device(npu2) {
    %s = aie.tile(0, 0)
    // expected-error@+1 {{(0, 1): uses 25 buffer descriptors on its odd-channel BD pool (ids 24-47), more than the 24 of that pool of a memtile of npu2 (objectfifo @o1 (MM2S 1): 3, objectfifo @o3 (MM2S 3): 3, objectfifo @y (S2MM 1): 19)}}
    %m = aie.tile(0, 1)
    %c02 = aie.tile(0, 2)
    %c03 = aie.tile(0, 3)
    %c04 = aie.tile(0, 4)
    %c05 = aie.tile(0, 5)
    aie.objectfifo @in(%s, {%m}, 3 : i32) : !aie.objectfifo<memref<256xi32>>
    aie.objectfifo @o0(%m, {%c02}, 3 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @o1(%m, {%c03}, 3 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @o2(%m, {%c04}, 3 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @o3(%m, {%c05}, 3 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo.link [@in] -> [@o0, @o1, @o2, @o3] ([] [0, 64, 128, 192])
    aie.objectfifo @y(%s, {%m}, 19 : i32) : !aie.objectfifo<memref<16xi32>>
  }
}

// -----

// Memtile BDs, even pool: the six-way split of @in at depth 4 (24 there)
// leaves the even MM2S channels 0, 2, 4 of @o0, @o2, @o4 nothing (48 in all,
// the total limit; upstream: "maximum 24 available for channel 0").
module {
  aie.device(npu2) {
    %s = aie.tile(0, 0)
    // expected-error@+1 {{(0, 1): uses 36 buffer descriptors on its even-channel BD pool (ids 0-23), more than the 24 of that pool of a memtile of npu2 (objectfifo @in (S2MM 0): 24, objectfifo @o0 (MM2S 0): 4, objectfifo @o2 (MM2S 2): 4, objectfifo @o4 (MM2S 4): 4)}}
    %m = aie.tile(0, 1)
    %c02 = aie.tile(0, 2)
    %c03 = aie.tile(0, 3)
    %c04 = aie.tile(0, 4)
    %c05 = aie.tile(0, 5)
    %c12 = aie.tile(1, 2)
    %c13 = aie.tile(1, 3)
    aie.objectfifo @in(%s, {%m}, 4 : i32) : !aie.objectfifo<memref<384xi32>>
    aie.objectfifo @o0(%m, {%c02}, 4 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @o1(%m, {%c03}, 4 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @o2(%m, {%c04}, 4 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @o3(%m, {%c05}, 4 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @o4(%m, {%c12}, 4 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @o5(%m, {%c13}, 4 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo.link [@in] -> [@o0, @o1, @o2, @o3, @o4, @o5] ([] [0, 64, 128, 192, 256, 320])
  }
}

// -----

// Link fan-out 7 through a memtile (also 7 MM2S channels there).
module {
  aie.device(npu2) {
    %s = aie.tile(0, 0)
    // expected-error@+1 {{(0, 1): uses 7 MM2S DMA channels, more than the 6 of a memtile of npu2}}
    %m = aie.tile(0, 1)
    %c02 = aie.tile(0, 2)
    %c03 = aie.tile(0, 3)
    %c04 = aie.tile(0, 4)
    %c05 = aie.tile(0, 5)
    %c12 = aie.tile(1, 2)
    %c13 = aie.tile(1, 3)
    %c14 = aie.tile(1, 4)
    aie.objectfifo @in(%s, {%m}, 2 : i32) : !aie.objectfifo<memref<448xi32>>
    aie.objectfifo @o0(%m, {%c02}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @o1(%m, {%c03}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @o2(%m, {%c04}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @o3(%m, {%c05}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @o4(%m, {%c12}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @o5(%m, {%c13}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @o6(%m, {%c14}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    // expected-error@+1 {{'aie.objectfifo.link' op fans out to 7 object FIFOs through memtile (0, 1), more than the 6-way link fan-out limit of npu2}}
    aie.objectfifo.link [@in] -> [@o0, @o1, @o2, @o3, @o4, @o5, @o6] ([] [0, 64, 128, 192, 256, 320, 384])
  }
}

// -----

// Link fan-in 7 through a memtile (also 7 S2MM channels there).
module {
  aie.device(npu2) {
    %s = aie.tile(0, 0)
    // expected-error@+1 {{(0, 1): uses 7 S2MM DMA channels, more than the 6 of a memtile of npu2}}
    %m = aie.tile(0, 1)
    %c02 = aie.tile(0, 2)
    %c03 = aie.tile(0, 3)
    %c04 = aie.tile(0, 4)
    %c05 = aie.tile(0, 5)
    %c12 = aie.tile(1, 2)
    %c13 = aie.tile(1, 3)
    %c14 = aie.tile(1, 4)
    aie.objectfifo @i0(%c02, {%m}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @i1(%c03, {%m}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @i2(%c04, {%m}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @i3(%c05, {%m}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @i4(%c12, {%m}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @i5(%c13, {%m}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @i6(%c14, {%m}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @out(%m, {%s}, 2 : i32) : !aie.objectfifo<memref<448xi32>>
    // expected-error@+1 {{'aie.objectfifo.link' op joins 7 object FIFOs through memtile (0, 1), more than the 6-way link fan-in limit (memtile S2MM channels) of npu2}}
    aie.objectfifo.link [@i0, @i1, @i2, @i3, @i4, @i5, @i6] -> [@out] ([0, 64, 128, 192, 256, 320, 384] [])
  }
}

// -----

// Five outstanding transfers with issue_token on @out.
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
      // expected-error@+1 {{'aiex.npu.dma_memcpy_nd' op is transfer 5 with issue_token outstanding on shim DMA @out (column 0, S2MM) since its last wait, more than the 4-deep shim task queue of npu2; wait for an earlier transfer first}}
      aiex.npu.dma_memcpy_nd(%o[0, 0, 0, 256][1, 1, 1, 64][0, 0, 0, 1]) {id = 4 : i64, issue_token = true, metadata = @out} : memref<1024xi32>
    }
  }
}

// -----

// A loop issuing a token transfer per iteration and never waiting overflows
// in its fifth iteration.
module {
  aie.device(npu2) {
    %s = aie.tile(0, 0)
    %c = aie.tile(0, 2)
    aie.objectfifo @out(%c, {%s}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.runtime_sequence(%o: memref<1024xi32>) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c8 = arith.constant 8 : index
      scf.for %i = %c0 to %c8 step %c1 {
        // expected-error@+1 {{is transfer 5 with issue_token outstanding on shim DMA @out (column 0, S2MM)}}
        aiex.npu.dma_memcpy_nd(%o[0, 0, 0, 0][1, 1, 1, 64][0, 0, 0, 1]) {id = 0 : i64, issue_token = true, metadata = @out} : memref<1024xi32>
      }
    }
  }
}

// -----

// Task form: five token-issuing starts on @out's allocation before a wait.
module {
  aie.device(npu2) {
    %s = aie.tile(0, 0)
    aie.shim_dma_allocation @out(%s, S2MM, 0)
    aie.runtime_sequence(%o: memref<1024xi32>) {
      %t = aiex.dma_configure_task_for @out {
        aie.dma_bd(%o : memref<1024xi32> offset = 0 len = 64)
        aie.end
      } {issue_token = true}
      aiex.dma_start_task(%t)
      aiex.dma_start_task(%t)
      aiex.dma_start_task(%t)
      aiex.dma_start_task(%t)
      // expected-error@+1 {{'aiex.dma_start_task' op is transfer 5 with issue_token outstanding on shim DMA @out (column 0, S2MM) since its last wait, more than the 4-deep shim task queue of npu2}}
      aiex.dma_start_task(%t)
    }
  }
}

// -----

// A wait with nothing outstanding would never return.
module {
  aie.device(npu2) {
    %s = aie.tile(0, 0)
    %c = aie.tile(0, 2)
    aie.objectfifo @out(%c, {%s}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.runtime_sequence(%o: memref<1024xi32>) {
      aiex.npu.dma_memcpy_nd(%o[0, 0, 0, 0][1, 1, 1, 64][0, 0, 0, 1]) {id = 0 : i64, issue_token = true, metadata = @out} : memref<1024xi32>
      aiex.npu.dma_wait {symbol = @out}
      // expected-error@+1 {{'aiex.npu.dma_wait' op waits on shim DMA @out (column 0, S2MM), which has no outstanding transfer with issue_token; the wait would never finish}}
      aiex.npu.dma_wait {symbol = @out}
    }
  }
}

// -----

// A loop without a constant trip count around transfers.
module {
  aie.device(npu2) {
    %s = aie.tile(0, 0)
    %c = aie.tile(0, 2)
    aie.objectfifo @out(%c, {%s}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.runtime_sequence(%o: memref<1024xi32>, %n: index) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      // expected-error@+1 {{'scf.for' op has no constant trip count; the shim task queue inside it cannot be checked}}
      scf.for %i = %c0 to %n step %c1 {
        aiex.npu.dma_memcpy_nd(%o[0, 0, 0, 0][1, 1, 1, 64][0, 0, 0, 1]) {id = 0 : i64, issue_token = true, metadata = @out} : memref<1024xi32>
        aiex.npu.dma_wait {symbol = @out}
      }
    }
  }
}

// -----

// Per-end depths: the core end of @in holds 3 buffers (the shim end's 2
// take no memory): 3 x 16384 + 15364-byte buffer + stack 1024 = 65540 B.
module {
  aie.device(npu2) {
    %s = aie.tile(0, 0)
    // expected-error@+1 {{(0, 2): L1 usage 65540 bytes exceeds the 65536-byte limit of npu2 (objectfifo @in depth 3 x 16384 B, aie.buffer 15364 B, stack 1024 B)}}
    %c = aie.tile(0, 2)
    aie.objectfifo @in(%s, {%c}, [2 : i32, 3 : i32]) : !aie.objectfifo<memref<4096xi32>>
    %b = aie.buffer(%c) : memref<3841xi32>
    %core = aie.core(%c) {
      aie.end
    }
  }
}

// -----

// A 1:1 link whose output object is the larger keeps the output's buffers at
// the memtile (createObjectFifoElements): 2 x 262144 B + a 4-byte buffer =
// 524292 B. (Counting the input's 5 x 131072 B instead would give 655364.)
module {
  aie.device(npu2) {
    %s = aie.tile(0, 0)
    // expected-error@+1 {{(0, 1): L2 usage 524292 bytes exceeds the 524288-byte limit of npu2 (objectfifo.link @out depth 2 x 262144 B, aie.buffer 4 B)}}
    %m = aie.tile(0, 1)
    aie.objectfifo @in(%s, {%m}, [2 : i32, 5 : i32]) : !aie.objectfifo<memref<32768xi32>>
    aie.objectfifo @out(%m, {%s}, 2 : i32) : !aie.objectfifo<memref<65536xi32>>
    aie.objectfifo.link [@in] -> [@out] ([] [])
    %b = aie.buffer(%m) : memref<1xi32>
  }
}

// -----

// A device carrying the stage layout's bytes per tile (attn.layout_memory,
// written by convert-attn-to-aie) must use exactly those: the layout planned
// 2 x 16384 + 1024 = 33792 B for core (0, 2) but the device also holds a
// 4-byte buffer; memtile (0, 1) is planned but uses nothing.
module {
  // expected-error@+1 {{'aie.device' op tile (0, 1): the stage layout plans 4096 bytes, the device uses none}}
  aie.device(npu2) {
    %s = aie.tile(0, 0)
    // expected-error@+1 {{'aie.tile' op (0, 2): the stage layout plans 33792 bytes, the device uses 33796 (objectfifo @in depth 2 x 16384 B, aie.buffer @extra 4 B, stack 1024 B)}}
    %c = aie.tile(0, 2)
    aie.objectfifo @in(%s, {%c}, 2 : i32) : !aie.objectfifo<memref<8192xbf16>>
    %extra = aie.buffer(%c) {sym_name = "extra"} : memref<1xi32>
    %core = aie.core(%c) {
      aie.end
    }
  } {attn.layout_memory = [array<i64: 0, 2, 33792>, array<i64: 0, 1, 4096>]}
}

// -----

// expected-error@+1 {{'aie.device' op 'attn.layout_memory' must hold array<i64: col, row, bytes> entries}}
aie.device(npu2) {
  %c = aie.tile(0, 2)
} {attn.layout_memory = [array<i64: 0, 2>]}
