//===- Passes.td - passes on aie/aiex modules --------------*- tablegen -*-===//

#ifndef ATTN_DIALECT_AIE_TRANSFORMS_PASSES_TD
#define ATTN_DIALECT_AIE_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def AIECheckLimits : Pass<"aie-check-limits", "::mlir::ModuleOp"> {
  let summary = "Check a whole AIE design against the target's resources";
  let description = [{
    Checks every `aie.device` in the module against its entry in the target
    table (`include/attn/Target/NPUTarget.h`) and reports every violation as
    an error on the op that causes it, naming the resource, the amount used
    and the limit:

    - L1 bytes per core tile: object FIFO buffers at the tile (depth x object
      bytes, as upstream's objectfifo-stateful-transform allocates them:
      shared-memory FIFOs once, link-point buffers once per link), every
      `aie.buffer`, and the stack of its `aie.core` (`stack_size`, else the
      target's reserve).
    - L2 bytes per memory tile (same accounting, no stack).
    - Locks per tile: two per object FIFO end (producer and consumer lock;
      at a join or split link point two per joined/split FIFO) plus every
      `aie.lock`.
    - DMA channels per tile and direction: one MM2S channel per FIFO produced
      on the tile (a broadcast counts once), one S2MM channel per FIFO
      consumed, one per `aie.shim_dma_allocation`; shared-memory FIFOs use
      none.
    - Buffer descriptors per tile (one per buffer a DMA channel cycles
      through) and per BD pool: a memtile's even channels draw on BD ids
      0-23 and its odd ones on 24-47, the FIFO ends taking channels
      first-free per direction in objectfifo order, as upstream's lowering
      assigns them (include/attn/Analysis/BDPools.h).
    - Link fan-in and fan-out through a memory tile.
    - The stage layout: a device emitted by convert-attn-to-aie carries the
      bytes its stage layout planned per tile (`attn.layout_memory`,
      `[array<i64: col, row, bytes>, ...]`); every core and memtile must use
      exactly that much (include/attn/Analysis/StageLayout.h).
    - Shim task queue: outstanding transfers with `issue_token` per shim DMA
      channel between `aiex.npu.dma_wait` / `aiex.dma_await_task`, against
      the queue depth; a wait with no outstanding token is an error too.

    What one op shows on its own (a shim access pattern's sizes, strides,
    repeat count, 4-byte units and alignment, buffer descriptor ids, a
    task's `repeat_count`) is checked by the aie/aiex op verifiers against
    the same table. The pass changes nothing; it fails if any check fails.
  }];
  let statistics = [
    Statistic<"numDevices", "devices", "aie.device ops checked">,
    Statistic<"numLayoutTiles", "layout-tiles",
              "Tiles whose measured L1/L2 equals the stage layout's bytes">
  ];
}

def AIECountTraffic : Pass<"aie-count-traffic", "::mlir::ModuleOp"> {
  let summary = "Report the exact DRAM traffic of each runtime sequence";
  let description = [{
    Emits a remark on every `aie.runtime_sequence` with the bytes it reads
    from and writes to DRAM, in total and per argument:

    ```
    remark: DRAM traffic of @attention: read 24576 B, write 8192 B,
            total 32768 B; arg 0 (q): read 8192 B, write 0 B; ...
    ```

    An `aiex.npu.dma_memcpy_nd` moves the product of its sizes times the
    element size; an `aiex.dma_start_task` moves the lengths of its task's
    buffer descriptors times `repeat_count + 1`; transfers inside `scf.for`
    loops count once per iteration. The direction comes from the object FIFO
    or shim DMA allocation named by the transfer: a shim producer (MM2S)
    reads DRAM, a shim consumer (S2MM) writes it. A transfer that cannot be
    counted exactly is an error. The counting is
    `mlir::attn::countTraffic` (include/attn/Analysis/TrafficCount.h), the
    same code behind `attn.analysis.count_traffic`.
  }];
}

#endif // ATTN_DIALECT_AIE_TRANSFORMS_PASSES_TD
