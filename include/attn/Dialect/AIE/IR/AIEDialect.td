//===- AIEDialect.td - aie dialect definition --------------*- tablegen -*-===//
//
// The subset of mlir-aie's `aie` dialect that attn-aie emits. Op names,
// assembly formats and attribute spellings follow upstream mlir-aie main at
// commit 3ca0193c (2026-08-14) so the printed IR parses unchanged in that
// commit's `aie-opt`.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_DIALECT_AIE_IR_AIEDIALECT_TD
#define ATTN_DIALECT_AIE_IR_AIEDIALECT_TD

include "mlir/IR/OpBase.td"

def AIE_Dialect : Dialect {
  let name = "aie";
  let cppNamespace = "::mlir::attn::aie";
  let summary = "AIE array description (subset of mlir-aie's `aie` dialect)";
  let description = [{
    Describes a design for an AMD AI Engine array (XDNA NPUs `npu1`, `npu2`
    and their column partitions): the device, its tiles, object FIFOs moving
    data between tiles (with DMA access patterns and links through memory
    tiles), core programs, buffers and locks, shim DMA allocations and the
    host-side runtime sequence.

    This is attn-aie's own definition of the part of upstream mlir-aie's
    `aie` dialect that the compiler emits, with the textual syntax of
    mlir-aie main at commit 3ca0193c (2026-08-14): lock amounts, runtime
    parameters and buffer-descriptor offsets/lengths are SSA values, so a
    runtime-sequence argument can supply them at dispatch.
    Verifiers take array shape, tile kinds and DMA limits from the attn-aie
    target table (`include/attn/Target/NPUTarget.h`).
  }];
  let useDefaultTypePrinterParser = 1;
  let useDefaultAttributePrinterParser = 1;
  let dependentDialects = ["::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect"];
}

#endif // ATTN_DIALECT_AIE_IR_AIEDIALECT_TD
