//===- AIEXDialect.td - aiex dialect definition ------------*- tablegen -*-===//
//
// The subset of mlir-aie's `aiex` dialect that attn-aie emits: runtime
// sequence instructions (shim DMA transfers, waits, runtime parameters and
// the DMA task form).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_DIALECT_AIE_IR_AIEXDIALECT_TD
#define ATTN_DIALECT_AIE_IR_AIEXDIALECT_TD

include "mlir/IR/OpBase.td"

def AIEX_Dialect : Dialect {
  let name = "aiex";
  let cppNamespace = "::mlir::attn::aiex";
  let summary = "NPU runtime-sequence instructions (subset of mlir-aie's "
                "`aiex` dialect)";
  let description = [{
    Instructions that run on the NPU's command processor inside an
    `aie.runtime_sequence`: shim DMA transfers between host buffers and
    object FIFOs (`aiex.npu.dma_memcpy_nd`), waits for their completion,
    runtime-parameter and register writes, and the DMA task form
    (`aiex.dma_configure_task_for` / `dma_start_task` / `dma_await_task` /
    `dma_free_task`). The syntax is that of upstream mlir-aie main at
    commit 3ca0193c (2026-08-14): `rtp_write`, `write32` and `push_queue`
    take SSA operands (constants or runtime-sequence arguments).
  }];
  let dependentDialects = ["::mlir::attn::aie::AIEDialect"];
}

#endif // ATTN_DIALECT_AIE_IR_AIEXDIALECT_TD
