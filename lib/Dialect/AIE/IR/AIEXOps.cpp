//===- AIEXOps.cpp - aiex dialect operations ------------------------------===//
//
// Verifiers of runtime-sequence instructions. Symbols (`metadata`, `symbol`,
// `alloc`, `buffer`) are looked up in the enclosing aie.device.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/AIE/IR/AIEXOps.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::aiex;

namespace {
/// Resolves `name` to what a shim DMA transfer may target: an object FIFO
/// with an end on a shim tile, or an aie.shim_dma_allocation.
LogicalResult verifyShimDmaSymbol(Operation *op, FlatSymbolRefAttr name,
                                  StringRef attrName) {
  auto device = op->getParentOfType<aie::DeviceOp>();
  if (!device)
    return op->emitOpError("must be inside an aie.device");
  Operation *target = SymbolTable::lookupSymbolIn(device, name.getValue());
  if (isa_and_nonnull<aie::ShimDMAAllocationOp>(target))
    return success();
  if (auto fifo = dyn_cast_or_null<aie::ObjectFifoCreateOp>(target)) {
    // Which tile is a shim comes from the target table; structurally we can
    // only require the FIFO to exist here.
    (void)fifo;
    return success();
  }
  return op->emitOpError("'")
         << attrName << "' " << name
         << " does not name an aie.objectfifo or aie.shim_dma_allocation";
}
} // namespace

//===----------------------------------------------------------------------===//
// NpuDmaMemcpyNdOp
//===----------------------------------------------------------------------===//

SmallVector<OpFoldResult> NpuDmaMemcpyNdOp::getMixedOffsets() {
  return getMixedValues(getStaticOffsets(), getOffsets(), getContext());
}
SmallVector<OpFoldResult> NpuDmaMemcpyNdOp::getMixedSizes() {
  return getMixedValues(getStaticSizes(), getSizes(), getContext());
}
SmallVector<OpFoldResult> NpuDmaMemcpyNdOp::getMixedStrides() {
  return getMixedValues(getStaticStrides(), getStrides(), getContext());
}

LogicalResult NpuDmaMemcpyNdOp::verify() {
  // Upstream fixes the lists at four entries (repeat + three dimensions).
  constexpr size_t kEntries = 4;
  auto checkList = [&](ArrayRef<int64_t> statics, ValueRange dynamics,
                       StringRef what) -> LogicalResult {
    if (statics.size() != kEntries)
      return emitOpError("expects ")
             << kEntries << " " << what << " (outermost first), got "
             << statics.size();
    size_t dynamicCount = llvm::count_if(statics, ShapedType::isDynamic);
    if (dynamicCount != dynamics.size())
      return emitOpError("has ") << dynamics.size() << " dynamic " << what
                                 << " but " << dynamicCount << " '?' entries";
    return success();
  };
  if (failed(checkList(getStaticOffsets(), getOffsets(), "offsets")) ||
      failed(checkList(getStaticSizes(), getSizes(), "sizes")) ||
      failed(checkList(getStaticStrides(), getStrides(), "strides")))
    return failure();
  for (auto [i, size] : llvm::enumerate(getStaticSizes()))
    if (!ShapedType::isDynamic(size) && size < 1)
      return emitOpError("size #") << i << " must be positive, got " << size;
  for (auto [i, stride] : llvm::enumerate(getStaticStrides()))
    if (!ShapedType::isDynamic(stride) && stride < 0)
      return emitOpError("stride #")
             << i << " must be non-negative, got " << stride;
  for (auto [i, offset] : llvm::enumerate(getStaticOffsets()))
    if (!ShapedType::isDynamic(offset) && offset < 0)
      return emitOpError("offset #")
             << i << " must be non-negative, got " << offset;
  if (getId() < 0)
    return emitOpError("'id' must be non-negative, got ") << getId();
  if (auto packet = getPacketAttr()) {
    if (packet.getPktType() > 7)
      return emitOpError("'packet' type must fit in 3 bits, got ")
             << packet.getPktType();
    if (packet.getPktId() > 31)
      return emitOpError("'packet' id must fit in 5 bits, got ")
             << packet.getPktId();
  }
  return verifyShimDmaSymbol(*this, getMetadataAttr(), "metadata");
}

//===----------------------------------------------------------------------===//
// NpuDmaWaitOp, NpuWriteRTPOp, NpuWrite32Op
//===----------------------------------------------------------------------===//

LogicalResult NpuDmaWaitOp::verify() {
  return verifyShimDmaSymbol(*this, getSymbolAttr(), "symbol");
}

LogicalResult NpuWriteRTPOp::verify() {
  auto device = (*this)->getParentOfType<aie::DeviceOp>();
  if (!device)
    return emitOpError("must be inside an aie.device");
  auto buffer = dyn_cast_or_null<aie::BufferOp>(
      SymbolTable::lookupSymbolIn(device, getBuffer()));
  if (!buffer)
    return emitOpError("'buffer' ")
           << getBufferAttr() << " does not name an aie.buffer";
  auto type = cast<MemRefType>(buffer.getBuffer().getType());
  if (type.getElementTypeBitWidth() != 32)
    return emitOpError("'buffer' ")
           << getBufferAttr() << " must hold 32-bit elements, has " << type;
  if (getIndex() >= static_cast<uint64_t>(type.getNumElements()))
    return emitOpError("'index' ")
           << getIndex() << " is outside buffer " << getBufferAttr() << " of "
           << type.getNumElements() << " elements";
  return success();
}

LogicalResult NpuWrite32Op::verify() {
  if (getColumn().has_value() != getRow().has_value())
    return emitOpError("'column' and 'row' must be given together");
  if (auto name = getBufferAttr()) {
    if (getColumn())
      return emitOpError("takes 'buffer' or 'column'/'row', not both");
    auto device = (*this)->getParentOfType<aie::DeviceOp>();
    if (!device || !isa_and_nonnull<aie::BufferOp>(
                       SymbolTable::lookupSymbolIn(device, name.getValue())))
      return emitOpError("'buffer' ") << name << " does not name an aie.buffer";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// DMA task form
//===----------------------------------------------------------------------===//

LogicalResult DMAConfigureTaskForOp::verify() {
  if (failed(verifyShimDmaSymbol(*this, getAllocAttr(), "alloc")))
    return failure();
  if (getRepeatCount() < 0)
    return emitOpError("'repeat_count' must be non-negative, got ")
           << getRepeatCount();
  // The subset has no aie.next_bd, so a task is one block: one buffer
  // descriptor and the terminator.
  Region &body = getBody();
  if (!body.hasOneBlock())
    return emitOpError("body must be one block holding one aie.dma_bd and "
                       "aie.end");
  Block &block = body.front();
  auto bds = block.getOps<aie::DMABDOp>();
  if (std::distance(bds.begin(), bds.end()) != 1)
    return emitOpError("body must hold exactly one aie.dma_bd");
  if (block.empty() || !isa<aie::EndOp>(block.back()))
    return emitOpError("body must end with aie.end");
  for (Operation &op : block.without_terminator())
    if (!isa<aie::DMABDOp>(op))
      return op.emitOpError("is not allowed in aiex.dma_configure_task_for; "
                            "only aie.dma_bd is");
  return success();
}

/// The configure op a task handle comes from.
static FailureOr<DMAConfigureTaskForOp> requireTask(Operation *op, Value task) {
  if (auto configure = task.getDefiningOp<DMAConfigureTaskForOp>())
    return configure;
  return op->emitOpError(
      "'task' operand must be the result of aiex.dma_configure_task_for");
}

LogicalResult DMAStartTaskOp::verify() { return requireTask(*this, getTask()); }

LogicalResult DMAAwaitTaskOp::verify() {
  FailureOr<DMAConfigureTaskForOp> task = requireTask(*this, getTask());
  if (failed(task))
    return failure();
  if (!task->getIssueToken())
    return emitOpError("awaits a task configured without 'issue_token = "
                       "true'; it would never complete")
               .attachNote(task->getLoc())
           << "task configured here";
  return success();
}

LogicalResult DMAFreeTaskOp::verify() { return requireTask(*this, getTask()); }

#define GET_OP_CLASSES
#include "attn/Dialect/AIE/IR/AIEXOps.cpp.inc"
