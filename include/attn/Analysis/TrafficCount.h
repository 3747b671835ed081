//===- TrafficCount.h - exact DRAM traffic of AIE runtime sequences -*- C++
//-*-===//
//
// Counts the bytes every `aie.runtime_sequence` moves between DRAM and the
// array: each `aiex.npu.dma_memcpy_nd` moves the product of its sizes times
// the element size; each `aiex.dma_start_task` moves its task's buffer
// descriptors' lengths times (repeat_count + 1). A transfer on a shim DMA
// that produces into the array (MM2S) reads DRAM, one that consumes from the
// array (S2MM) writes DRAM; the direction comes from the object FIFO or
// `aie.shim_dma_allocation` the transfer names. This is the project's
// headline metric; aie-count-traffic and attn.analysis.count_traffic both
// call this one implementation.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_ANALYSIS_TRAFFICCOUNT_H
#define ATTN_ANALYSIS_TRAFFICCOUNT_H

#include "mlir/IR/Operation.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <string>

namespace mlir::attn {
namespace aie {
class RuntimeSequenceOp;
} // namespace aie

/// DRAM traffic through one runtime-sequence argument.
struct ArgumentTraffic {
  unsigned index = 0;
  /// The argument's name: the name of a NameLoc on the block argument
  /// (`%q: memref<...> loc("q")`), else "arg<index>".
  std::string name;
  int64_t readBytes = 0;
  int64_t writeBytes = 0;
};

/// DRAM traffic of one runtime sequence.
struct SequenceTraffic {
  std::string name;
  int64_t readBytes = 0;
  int64_t writeBytes = 0;
  int64_t totalBytes() const { return readBytes + writeBytes; }
  /// One entry per block argument, in argument order.
  SmallVector<ArgumentTraffic> arguments;
};

/// Counts the traffic of `sequence`. Emits an error on the offending op and
/// fails when a transfer cannot be counted exactly (dynamic sizes, a loop
/// without a constant trip count, a symbol that names no shim DMA, a buffer
/// that is not an argument of the sequence).
FailureOr<SequenceTraffic> countTraffic(aie::RuntimeSequenceOp sequence);

/// Counts every runtime sequence nested in `root`, in walk order.
FailureOr<SmallVector<SequenceTraffic>> countTraffic(Operation *root);

} // namespace mlir::attn

#endif // ATTN_ANALYSIS_TRAFFICCOUNT_H
