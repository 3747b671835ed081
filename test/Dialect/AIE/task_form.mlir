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
// CHECK:          aie.dma_bd(%[[A]] : memref<262144xbf16>, 0, 32768, [<size = 8, stride = 0>, <size = 8, stride = 64>, <size = 64, stride = 512>, <size = 64, stride = 1>]) {burst_length = 0 : i32}
// CHECK:          aie.end
// CHECK:        } {repeat_count = 7 : i32}
// CHECK:        aiex.dma_start_task(%[[T0]])
// CHECK:        %[[T1:.*]] = aiex.dma_configure_task_for @c_out {
// CHECK:          aie.dma_bd(%[[C]] : memref<4096xf32>, 0, 4096) {bd_id = 1 : i32}
// CHECK:          aie.end
// CHECK:        } {issue_token = true}
// CHECK:        aiex.dma_start_task(%[[T1]])
// CHECK:        aiex.dma_await_task(%[[T1]])
// CHECK:        aiex.dma_free_task(%[[T0]])
module {
  aie.device(npu1) {
    %shim_noc_tile_1_0 = aie.tile(1, 0)
    %tile_1_2 = aie.tile(1, 2)
    aie.objectfifo @in(%shim_noc_tile_1_0, {%tile_1_2}, 2 : i32) : !aie.objectfifo<memref<4096xbf16>>
    aie.shim_dma_allocation @c_out(%shim_noc_tile_1_0, S2MM, 0)
    aie.runtime_sequence(%arg0: memref<262144xbf16>, %arg1: memref<4096xf32>) {
      %0 = aiex.dma_configure_task_for @in {
        aie.dma_bd(%arg0 : memref<262144xbf16>, 0, 32768, [<size = 8, stride = 0>, <size = 8, stride = 64>, <size = 64, stride = 512>, <size = 64, stride = 1>]) {burst_length = 0 : i32}
        aie.end
      } {repeat_count = 7 : i32}
      aiex.dma_start_task(%0)
      %1 = aiex.dma_configure_task_for @c_out {
        aie.dma_bd(%arg1 : memref<4096xf32>, 0, 4096) {bd_id = 1 : i32}
        aie.end
      } {issue_token = true}
      aiex.dma_start_task(%1)
      aiex.dma_await_task(%1)
      aiex.dma_free_task(%0)
    }
  }
}
