//===- AIEOps.h - aie dialect operations ------------------------*- C++ -*-===//

#ifndef ATTN_DIALECT_AIE_IR_AIEOPS_H
#define ATTN_DIALECT_AIE_IR_AIEOPS_H

#include "attn/Dialect/AIE/IR/AIEDialect.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "attn/Dialect/AIE/IR/AIEOps.h.inc"

#include "attn/Target/NPUTarget.h"

namespace mlir::attn::aie {

/// The target-table entry of the device enclosing `op` (or of `op` itself if
/// it is an aie.device); nullptr outside a device.
const NPUTarget *getTarget(Operation *op);

/// Kind of the tile `tile` (the result of an aie.tile) on `target`;
/// std::nullopt if `tile` is not an aie.tile or lies outside the array.
std::optional<TileKind> getTileKind(const NPUTarget &target, Value tile);

/// Checks one DMA access pattern against the DMA limits of a tile kind.
/// `sizes`/`strides` list dimensions outermost first, counted in elements of
/// `elemBytes` bytes. With `outermostIsRepeat`, the outermost size is a
/// repeat count (limited by `maxOuterSize`); with `linear`, the transfer is
/// contiguous and per-dimension size limits do not apply (as upstream).
/// `what` names the attribute in diagnostics.
LogicalResult verifyDmaPattern(function_ref<InFlightDiagnostic()> emitError,
                               ArrayRef<int64_t> sizes,
                               ArrayRef<int64_t> strides, int64_t elemBytes,
                               const DmaLimits &limits, StringRef what,
                               bool outermostIsRepeat, bool linear);

/// Bytes of one element of `type` (a memref element type), or std::nullopt
/// when it is not a whole number of bytes.
std::optional<int64_t> getElementBytes(Type type);

} // namespace mlir::attn::aie

#endif // ATTN_DIALECT_AIE_IR_AIEOPS_H
