//===- ShimEndpoints.h - which shim DMA a runtime transfer uses -*- C++ -*-===//
//
// Runtime-sequence transfers name their shim DMA by symbol: an object FIFO
// with a shim end or an `aie.shim_dma_allocation`. These helpers resolve the
// symbol to the shim tile, the direction and the channel the transfer uses.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_ANALYSIS_SHIMENDPOINTS_H
#define ATTN_ANALYSIS_SHIMENDPOINTS_H

#include "mlir/IR/Operation.h"
#include "mlir/Support/LLVM.h"

namespace mlir::attn {
/// A shim DMA channel named by a runtime-sequence transfer.
struct ShimEndpoint {
  /// The aie.objectfifo or aie.shim_dma_allocation the symbol names.
  Operation *definingOp = nullptr;
  /// Shim column.
  int64_t column = 0;
  /// True for memory-to-stream (the shim reads DRAM and feeds the array),
  /// false for stream-to-memory (the shim writes DRAM).
  bool mm2s = true;
};

/// Resolves `symbol` in the device around `user`. Emits an error on `user`
/// naming the symbol and the reason, and fails, when the symbol is unknown,
/// is neither an object FIFO nor a shim DMA allocation, or is an object FIFO
/// with no shim end (or with shim ends on both sides).
FailureOr<ShimEndpoint> resolveShimEndpoint(Operation *user, StringRef symbol);

} // namespace mlir::attn

#endif // ATTN_ANALYSIS_SHIMENDPOINTS_H
