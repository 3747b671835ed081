//===- TrafficCount.cpp - exact DRAM traffic of AIE runtime sequences -----===//

#include "attn/Analysis/TrafficCount.h"

#include "attn/Analysis/ShimEndpoints.h"
#include "attn/Dialect/AIE/IR/AIEOps.h"
#include "attn/Dialect/AIE/IR/AIEXOps.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::attn;

namespace {

/// Accumulates one sequence's traffic; every add is checked for overflow
/// because the counts are the project's reported numbers.
class Counter {
public:
  explicit Counter(aie::RuntimeSequenceOp sequence) : sequence(sequence) {
    result.name = sequence.getSymName().str();
    Block &body = sequence.getBody().front();
    for (BlockArgument arg : body.getArguments()) {
      ArgumentTraffic entry;
      entry.index = arg.getArgNumber();
      if (auto nameLoc = dyn_cast<NameLoc>(arg.getLoc()))
        entry.name = nameLoc.getName().str();
      else
        entry.name = "arg" + std::to_string(arg.getArgNumber());
      result.arguments.push_back(std::move(entry));
    }
  }

  LogicalResult run() {
    return countRegion(sequence.getBody(), /*multiplier=*/1);
  }

  SequenceTraffic result;

private:
  aie::RuntimeSequenceOp sequence;

  /// The sequence argument `buffer` is, or an error on `user`.
  FailureOr<unsigned> argumentOf(Operation *user, Value buffer) {
    auto arg = dyn_cast<BlockArgument>(buffer);
    if (!arg || arg.getOwner() != &sequence.getBody().front())
      return user->emitOpError(
          "transfers a buffer that is not an argument of the enclosing "
          "aie.runtime_sequence; its DRAM traffic cannot be attributed");
    return arg.getArgNumber();
  }

  /// Bytes of `elements` elements of `memrefType`, or an error on `user`.
  FailureOr<int64_t> bytesOf(Operation *user, Type memrefType,
                             int64_t elements) {
    Type elementType = cast<BaseMemRefType>(memrefType).getElementType();
    if (!elementType.isIntOrFloat())
      return user->emitOpError("transfers elements of type ")
             << elementType << ", whose size in bytes is not defined";
    int64_t bits = elementType.getIntOrFloatBitWidth();
    int64_t totalBits;
    if (llvm::MulOverflow(elements, bits, totalBits))
      return user->emitOpError("transfer size overflows 64 bits");
    if (totalBits % 8 != 0)
      return user->emitOpError("transfers ")
             << elements << " elements of " << elementType << " (" << totalBits
             << " bits), not a whole number of bytes";
    return totalBits / 8;
  }

  LogicalResult add(Operation *user, StringRef symbol, unsigned argIndex,
                    int64_t bytes, int64_t multiplier) {
    FailureOr<ShimEndpoint> endpoint = resolveShimEndpoint(user, symbol);
    if (failed(endpoint))
      return failure();
    int64_t scaled;
    if (llvm::MulOverflow(bytes, multiplier, scaled))
      return user->emitOpError("transfer size overflows 64 bits");
    ArgumentTraffic &arg = result.arguments[argIndex];
    int64_t &argCount = endpoint->mm2s ? arg.readBytes : arg.writeBytes;
    int64_t &total = endpoint->mm2s ? result.readBytes : result.writeBytes;
    if (llvm::AddOverflow(argCount, scaled, argCount) ||
        llvm::AddOverflow(total, scaled, total))
      return user->emitOpError("traffic total overflows 64 bits");
    return success();
  }

  LogicalResult countMemcpy(aiex::NpuDmaMemcpyNdOp op, int64_t multiplier) {
    FailureOr<unsigned> argIndex = argumentOf(op, op.getMemref());
    if (failed(argIndex))
      return failure();
    int64_t elements = 1;
    for (OpFoldResult size : op.getMixedSizes()) {
      std::optional<int64_t> value = getConstantIntValue(size);
      if (!value)
        return op.emitOpError("has a dynamic size; its DRAM traffic cannot "
                              "be counted statically");
      if (*value < 0)
        return op.emitOpError("has a negative size ") << *value;
      if (llvm::MulOverflow(elements, *value, elements))
        return op.emitOpError("transfer size overflows 64 bits");
    }
    FailureOr<int64_t> bytes = bytesOf(op, op.getMemref().getType(), elements);
    if (failed(bytes))
      return failure();
    return add(op, op.getMetadata(), *argIndex, *bytes, multiplier);
  }

  LogicalResult countStart(aiex::DMAStartTaskOp start, int64_t multiplier) {
    auto task = start.getTask().getDefiningOp<aiex::DMAConfigureTaskForOp>();
    if (!task)
      return start.emitOpError("starts a task that is not defined by an "
                               "aiex.dma_configure_task_for; its DRAM "
                               "traffic cannot be counted");
    int64_t repeat = task.getRepeatCount();
    if (Value value = task.getRepeatCountVal()) {
      std::optional<int64_t> constant = getConstantIntValue(value);
      if (!constant)
        return start.emitOpError("starts a task with a runtime repeat count; "
                                 "its DRAM traffic cannot be counted");
      repeat = *constant;
    }
    int64_t runs = repeat + 1;
    int64_t scaled;
    if (llvm::MulOverflow(multiplier, runs, scaled))
      return start.emitOpError("transfer size overflows 64 bits");
    WalkResult walk = task.getBody().walk([&](aie::DMABDOp bd) {
      FailureOr<unsigned> argIndex = argumentOf(bd, bd.getBuffer());
      if (failed(argIndex))
        return WalkResult::interrupt();
      auto type = cast<MemRefType>(bd.getBuffer().getType());
      int64_t elements;
      bool hasLen = bd.getLen() || bd.getStaticLen();
      std::optional<int64_t> offset = bd.getConstantOffset();
      std::optional<int64_t> len = bd.getConstantLen();
      if (hasLen && len) {
        elements = *len;
      } else if (!hasLen && type.hasStaticShape() && offset) {
        // Without `len` a descriptor moves the buffer from `offset` on.
        elements = type.getNumElements() - *offset;
      } else {
        bd.emitOpError("has a runtime or missing `len` (or offset) on this "
                       "buffer; its DRAM traffic cannot be counted");
        return WalkResult::interrupt();
      }
      FailureOr<int64_t> bytes = bytesOf(bd, type, elements);
      if (failed(bytes) ||
          failed(add(bd, task.getAlloc(), *argIndex, *bytes, scaled)))
        return WalkResult::interrupt();
      return WalkResult::advance();
    });
    return failure(walk.wasInterrupted());
  }

  LogicalResult countRegion(Region &region, int64_t multiplier) {
    for (Block &block : region)
      for (Operation &op : block)
        if (failed(countOp(&op, multiplier)))
          return failure();
    return success();
  }

  LogicalResult countOp(Operation *op, int64_t multiplier) {
    if (auto memcpy = dyn_cast<aiex::NpuDmaMemcpyNdOp>(op))
      return countMemcpy(memcpy, multiplier);
    if (auto start = dyn_cast<aiex::DMAStartTaskOp>(op))
      return countStart(start, multiplier);
    // A configured task moves nothing until it is started.
    if (isa<aiex::DMAConfigureTaskForOp>(op))
      return success();
    if (auto loop = dyn_cast<scf::ForOp>(op)) {
      std::optional<APInt> trips = loop.getStaticTripCount();
      if (!trips)
        return loop.emitOpError(
            "has no constant trip count; the DRAM traffic of the transfers "
            "inside it cannot be counted");
      int64_t scaled;
      if (llvm::MulOverflow(multiplier, trips->getSExtValue(), scaled))
        return loop.emitOpError("transfer count overflows 64 bits");
      return countRegion(loop.getRegion(), scaled);
    }
    if (op->getNumRegions() == 0)
      return success();
    // Any other region (scf.if, ...) would make the count data dependent.
    bool movesData = false;
    op->walk([&](Operation *inner) {
      if (isa<aiex::NpuDmaMemcpyNdOp, aiex::DMAStartTaskOp>(inner))
        movesData = true;
    });
    if (movesData)
      return op->emitOpError("contains DRAM transfers whose count depends on "
                             "control flow; only scf.for loops with constant "
                             "trip counts are supported");
    return success();
  }
};

} // namespace

FailureOr<SequenceTraffic>
mlir::attn::countTraffic(aie::RuntimeSequenceOp sequence) {
  if (sequence.getBody().empty())
    return sequence.emitOpError("has no body");
  Counter counter(sequence);
  if (failed(counter.run()))
    return failure();
  return std::move(counter.result);
}

FailureOr<SmallVector<SequenceTraffic>>
mlir::attn::countTraffic(Operation *root) {
  SmallVector<SequenceTraffic> all;
  WalkResult walk = root->walk([&](aie::RuntimeSequenceOp sequence) {
    FailureOr<SequenceTraffic> traffic = countTraffic(sequence);
    if (failed(traffic))
      return WalkResult::interrupt();
    all.push_back(std::move(*traffic));
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();
  return all;
}
