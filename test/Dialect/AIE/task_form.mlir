// RUN: attn-opt %s | attn-opt | FileCheck %s
// RUN: attn-opt %s --mlir-print-op-generic | attn-opt | FileCheck %s

// The DMA task form of a runtime sequence, as upstream's IRON emits it:
// each transfer is a task with one buffer descriptor, started, awaited (the
// ones that issue a token) and freed. One task targets an object FIFO, one a
// shim DMA allocation; one BD has a 4-d pattern whose outermost dimension
// repeats (stride 0).

// CHECK-LABEL: aie.device(npu1) {
// CHECK:      aie.runtime_sequence(%[[A:.*]]: memref<262144xbf16>, %[[C:.*]]: memref<4096xf32>) {
// CHECK:        %[[T0:.*]] = aiex.dma_configure_task_for @in {
// CHECK:          aie.dma_bd(%[[A]] : memref<262144xbf16> offset = 0 len = 32768 sizes = [8, 8, 64, 64] strides = [0, 64, 512, 1])
// CHECK:          aie.end
// CHECK:        } {repeat_count = 7 : i32}
// CHECK:        aiex.dma_start_task(%[[T0]])
// CHECK:        %[[T1:.*]] = aiex.dma_configure_task_for @c_out {
// CHECK:          aie.dma_bd(%[[C]] : memref<4096xf32> offset = 0 len = 4096) {bd_id = 1 : i32}
// CHECK:          aie.end
// CHECK:        } {issue_token = true}
// CHECK:        aiex.dma_start_task(%[[T1]])
// CHECK:        aiex.dma_await_task(%[[T1]])
// CHECK:        aiex.dma_free_task(%[[T0]])

// Runtime (SSA) offset, length, size and repeat count, and padding, in the
// spellings of upstream's tests at 3ca0193c.
// CHECK-LABEL: aie.device(npu2) @dynamic {
// CHECK:      aie.runtime_sequence(%[[B:.*]]: memref<1024xi32>, %[[N:.*]]: i32, %[[R:.*]]: i32, %[[S:.*]]: i64) {
// CHECK:        %[[C0:.*]] = arith.constant 0 : i32
// CHECK:        %[[T2:.*]] = aiex.dma_configure_task_for @a repeat %[[R]] : i32 {
// CHECK:          aie.dma_bd(%[[B]] : memref<1024xi32> offset = %[[C0]] len = %[[N]] sizes = [1, 1, 1, %[[S]]] strides = [0, 0, 0, 1])
// CHECK:        } {issue_token = true}
// CHECK:        aie.dma_bd(%[[B]] : memref<1024xi32> len = 512 sizes = [8, 64] strides = [128, 1] pad [<const_pad_before = 0, const_pad_after = 0>, <const_pad_before = 0, const_pad_after = 4>]) {bd_id = 3 : i32}
// CHECK:        aie.dma_bd(%[[B]] : memref<1024xi32>)
module {
  aie.device(npu1) {
    %shim_noc_tile_1_0 = aie.tile(1, 0)
    %tile_1_2 = aie.tile(1, 2)
    aie.objectfifo @in(%shim_noc_tile_1_0, {%tile_1_2}, 2 : i32) : !aie.objectfifo<memref<4096xbf16>>
    aie.shim_dma_allocation @c_out(%shim_noc_tile_1_0, S2MM, 0)
    aie.runtime_sequence(%arg0: memref<262144xbf16>, %arg1: memref<4096xf32>) {
      %0 = aiex.dma_configure_task_for @in {
        aie.dma_bd(%arg0 : memref<262144xbf16> offset = 0 len = 32768 sizes = [8, 8, 64, 64] strides = [0, 64, 512, 1]) {burst_length = 0 : i32}
        aie.end
      } {repeat_count = 7 : i32}
      aiex.dma_start_task(%0)
      %1 = aiex.dma_configure_task_for @c_out {
        aie.dma_bd(%arg1 : memref<4096xf32> offset = 0 len = 4096) {bd_id = 1 : i32}
        aie.end
      } {issue_token = true}
      aiex.dma_start_task(%1)
      aiex.dma_await_task(%1)
      aiex.dma_free_task(%0)
    }
  }
  aie.device(npu2) @dynamic {
    %shim_noc_tile_0_0 = aie.tile(0, 0)
    aie.shim_dma_allocation @a(%shim_noc_tile_0_0, MM2S, 0)
    aie.runtime_sequence(%arg0: memref<1024xi32>, %n: i32, %r: i32, %s: i64) {
      %c0_i32 = arith.constant 0 : i32
      %t = aiex.dma_configure_task_for @a repeat %r : i32 {
        aie.dma_bd(%arg0 : memref<1024xi32> offset = %c0_i32 len = %n sizes = [1, 1, 1, %s] strides = [0, 0, 0, 1]) {burst_length = 0 : i32}
        aie.end
      } {issue_token = true}
      aiex.dma_start_task(%t)
      aiex.dma_await_task(%t)
      %u = aiex.dma_configure_task_for @a {
        aie.dma_bd(%arg0 : memref<1024xi32> len = 512 sizes = [8, 64] strides = [128, 1] pad [<const_pad_before = 0, const_pad_after = 0>, <const_pad_before = 0, const_pad_after = 4>]) {bd_id = 3 : i32}
        aie.end
      }
      %w = aiex.dma_configure_task_for @a {
        aie.dma_bd(%arg0 : memref<1024xi32>)
        aie.end
      }
    }
  }
}
