//===- AIEXOps.cpp - aiex dialect operations ------------------------------===//
//
// Verifiers of runtime-sequence instructions. Symbols (`metadata`, `symbol`,
// `alloc`, `buffer`) are looked up in the enclosing aie.device.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/AIE/IR/AIEXOps.h"
#include "attn/Support/CheckedArith.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/Support/MathExtras.h"

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
    // The runtime sequence drives only shim DMAs: the FIFO needs an end on
    // a shim tile.
    const NPUTarget *npu = aie::getTarget(device);
    auto isShim = [&](Value tile) {
      std::optional<TileKind> kind =
          npu ? aie::getTileKind(*npu, tile) : std::nullopt;
      return kind && *kind == TileKind::Shim;
    };
    if (isShim(fifo.getProducerTile()) ||
        llvm::any_of(fifo.getConsumerTiles(), isShim))
      return success();
    return op->emitOpError("'")
           << attrName << "' " << name
           << " names an aie.objectfifo with no end on a shim tile";
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
  auto memrefType = cast<MemRefType>(getMemref().getType());
  std::optional<int64_t> elemBytes =
      aie::getElementBytes(memrefType.getElementType());
  const NPUTarget *target = aie::getTarget(*this);
  if (!target)
    return emitOpError("must be inside an aie.device of a known target");
  const DmaLimits &limits = target->dmaLimits(TileKind::Shim);
  if (!elemBytes || *elemBytes > limits.unitBytes)
    return emitOpError("element type ")
           << memrefType.getElementType() << " must be 1 to "
           << limits.unitBytes << " bytes wide";
  int bds = target->bufferDescriptors(TileKind::Shim);
  if (getId() < 0 || getId() >= bds)
    return emitOpError("'id' ")
           << getId() << " is out of range: a shim DMA has " << bds
           << " buffer descriptors";
  if (static_cast<int>(kEntries) > limits.maxDims)
    return emitOpError("a shim DMA takes at most ")
           << limits.maxDims << " dimensions";

  // The limits below can only be checked on constant entries.
  std::optional<SmallVector<int64_t>> sizes =
      getConstantIntValues(getMixedSizes());
  std::optional<SmallVector<int64_t>> strides =
      getConstantIntValues(getMixedStrides());
  std::optional<SmallVector<int64_t>> offsets =
      getConstantIntValues(getMixedOffsets());
  if (sizes && strides) {
    // [1, 1, 1, n][0, 0, 0, 1] is a plain contiguous copy, which upstream
    // lets exceed the per-dimension size fields.
    bool linear = (*sizes)[0] == 1 && (*sizes)[1] == 1 && (*sizes)[2] == 1 &&
                  (*strides)[3] == 1;
    if (failed(aie::verifyDmaPattern([&] { return emitOpError(); }, *sizes,
                                     *strides, *elemBytes, limits,
                                     "access pattern",
                                     /*outermostIsRepeat=*/true, linear)))
      return failure();
  }
  if (offsets && memrefType.hasStaticShape()) {
    // Offsets index the memref's dimensions, innermost last; the hardware
    // takes their linearization as one start address.
    ArrayRef<int64_t> shape = memrefType.getShape();
    std::optional<int64_t> start = 0, scale = 1;
    for (size_t i = 0; i < offsets->size() && start && scale; ++i) {
      size_t fromInner = offsets->size() - 1 - i;
      int64_t offset = (*offsets)[fromInner];
      int64_t dimSize =
          i < shape.size() ? shape[shape.size() - 1 - i] : int64_t(1);
      std::optional<int64_t> term = checkedMul(offset, *scale);
      start = term ? checkedAdd(*start, *term) : std::nullopt;
      scale = checkedMul(*scale, dimSize);
    }
    if (!start || !checkedMul(*start, *elemBytes) ||
        *start > kMaxRepresentableBytes)
      return emitOpError("offsets start the transfer beyond the 2^48 bytes "
                         "the compiler represents");
    if ((*start * *elemBytes) % limits.unitBytes)
      return emitOpError("offsets start the transfer at byte ")
             << *start * *elemBytes << ", not " << limits.unitBytes
             << "-byte aligned";
    if (sizes && strides) {
      int64_t last = *start;
      for (size_t i = 0; i < kEntries; ++i)
        last += ((*sizes)[i] - 1) * (*strides)[i];
      if (last >= memrefType.getNumElements())
        return emitOpError("access pattern reaches element ")
               << last << ", beyond the " << memrefType.getNumElements()
               << " elements of the memref";
    }
  }
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

LogicalResult NpuPushQueueOp::verify() {
  const NPUTarget *target = aie::getTarget(*this);
  if (!target)
    return emitOpError("must be inside an aie.device of a known target");
  if (!target->inBounds(getColumn(), getRow()))
    return emitOpError("tile (")
           << getColumn() << ", " << getRow() << ") is outside the "
           << target->name << " array";
  if (getChannel() < 0)
    return emitOpError("'channel' must be non-negative, got ") << getChannel();
  if (std::optional<int64_t> bd = getConstantIntValue(getBdId()); bd && *bd < 0)
    return emitOpError("'bd_id' must be non-negative, got ") << *bd;
  if (std::optional<int64_t> repeat = getConstantIntValue(getRepeatCount());
      repeat && (*repeat < 0 || *repeat > target->shimRepeatCountMax))
    return emitOpError("'repeat_count' ") << *repeat << " is out of range [0, "
                                          << target->shimRepeatCountMax << "]";
  return success();
}

LogicalResult NpuWrite32Op::verify() {
  if (getColumn().has_value() != getRow().has_value())
    return emitOpError("'column' and 'row' must be given together");
  if (getColumn()) {
    const NPUTarget *target = aie::getTarget(*this);
    if (!target)
      return emitOpError("must be inside an aie.device of a known target");
    if (!target->inBounds(*getColumn(), *getRow()))
      return emitOpError("tile (")
             << *getColumn() << ", " << *getRow() << ") is outside the "
             << target->name << " array";
  }
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

/// The shim-DMA limits of one task's buffer descriptor, on what is constant
/// (a dynamically shaped buffer or runtime offset/len/pattern entries are
/// checked at dispatch by the hardware, as upstream).
static LogicalResult verifyShimBd(aie::DMABDOp bd, const NPUTarget &target) {
  if (failed(bd.verify()))
    return failure(); // the task verifier runs before its body's verifiers
  const DmaLimits &limits = target.dmaLimits(TileKind::Shim);
  auto type = cast<BaseMemRefType>(bd.getBuffer().getType());
  std::optional<int64_t> elemBytes =
      aie::getElementBytes(type.getElementType());
  if (!elemBytes || *elemBytes > limits.unitBytes)
    return bd.emitOpError("element type ")
           << type.getElementType() << " must be 1 to " << limits.unitBytes
           << " bytes wide";
  if (auto id = bd.getBdId();
      id && (*id < 0 || *id >= target.bufferDescriptors(TileKind::Shim)))
    return bd.emitOpError("'bd_id' ")
           << *id << " is out of range: a shim DMA has "
           << target.bufferDescriptors(TileKind::Shim) << " buffer descriptors";
  std::optional<int64_t> offset = bd.getConstantOffset();
  if (offset && (*offset * *elemBytes) % limits.unitBytes)
    return bd.emitOpError("'offset' ")
           << *offset << " is not " << limits.unitBytes << "-byte aligned";
  std::optional<SmallVector<std::pair<int64_t, int64_t>>> dims =
      bd.getConstantDims();
  if (dims && !dims->empty()) {
    if (static_cast<int>(dims->size()) > limits.maxDims)
      return bd.emitOpError("access pattern has ")
             << dims->size() << " dimensions; a shim DMA takes at most "
             << limits.maxDims;
    SmallVector<int64_t> sizes, strides;
    int64_t last = offset.value_or(0);
    for (auto [size, stride] : *dims) {
      sizes.push_back(size);
      strides.push_back(stride);
      int64_t step;
      if (llvm::MulOverflow(size - 1, stride, step) ||
          llvm::AddOverflow(last, step, last))
        return bd.emitOpError("access pattern overflows 64-bit addresses");
    }
    bool repeat = static_cast<int>(dims->size()) == limits.maxDims;
    if (failed(aie::verifyDmaPattern([&] { return bd.emitOpError(); }, sizes,
                                     strides, *elemBytes, limits,
                                     "access pattern", repeat,
                                     /*linear=*/false)))
      return failure();
    auto memref = dyn_cast<MemRefType>(type);
    if (memref && memref.hasStaticShape() && last >= memref.getNumElements())
      return bd.emitOpError("access pattern reaches element ")
             << last << ", beyond the " << memref.getNumElements()
             << " elements of the buffer";
  } else if (dims) {
    std::optional<int64_t> len = bd.getConstantLen();
    if (len && (*len * *elemBytes) % limits.unitBytes)
      return bd.emitOpError("'len' of ")
             << *len * *elemBytes << " bytes is not a whole number of "
             << limits.unitBytes << "-byte words";
  }
  return success();
}

LogicalResult DMAConfigureTaskForOp::verify() {
  if (failed(verifyShimDmaSymbol(*this, getAllocAttr(), "alloc")))
    return failure();
  const NPUTarget *target = aie::getTarget(*this);
  if (!target)
    return emitOpError("must be inside an aie.device of a known target");
  int64_t repeat = getRepeatCount();
  if (Value value = getRepeatCountVal()) {
    std::optional<int64_t> constant = getConstantIntValue(value);
    repeat = constant.value_or(0); // a runtime count is checked at dispatch
  }
  if (repeat < 0 || repeat > target->shimRepeatCountMax)
    return emitOpError("'repeat_count' ") << repeat << " is out of range [0, "
                                          << target->shimRepeatCountMax << "]";
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

  return verifyShimBd(*bds.begin(), *target);
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

//===----------------------------------------------------------------------===//
// ConfigureOp / RunOp
//===----------------------------------------------------------------------===//

aie::DeviceOp ConfigureOp::getReferencedDevice() {
  auto module = (*this)->getParentOfType<ModuleOp>();
  if (!module)
    return nullptr;
  return dyn_cast_or_null<aie::DeviceOp>(
      SymbolTable::lookupSymbolIn(module, getSymbolAttr()));
}

LogicalResult ConfigureOp::verify() {
  aie::DeviceOp device = getReferencedDevice();
  if (!device)
    return emitOpError("symbol @")
           << getSymbol() << " does not name an aie.device of the module";
  if (device == (*this)->getParentOfType<aie::DeviceOp>())
    return emitOpError("cannot configure its own device @") << getSymbol();
  return success();
}

LogicalResult RunOp::verify() {
  auto configure = (*this)->getParentOfType<ConfigureOp>();
  aie::DeviceOp device = configure.getReferencedDevice();
  if (!device)
    return success(); // reported by aiex.configure
  auto seq = dyn_cast_or_null<aie::RuntimeSequenceOp>(
      SymbolTable::lookupSymbolIn(device, getRuntimeSequenceSymbolAttr()));
  if (!seq)
    return emitOpError("@") << getRuntimeSequenceSymbol()
                            << " is not a runtime sequence of aie.device @"
                            << configure.getSymbol();
  if (seq.getBody().empty())
    return success();
  TypeRange expected = seq.getBody().getArgumentTypes();
  if (expected.size() != getArgs().size())
    return emitOpError("passes ")
           << getArgs().size() << " arguments; runtime sequence @"
           << getRuntimeSequenceSymbol() << " takes " << expected.size();
  for (auto [i, pair] : llvm::enumerate(llvm::zip(getArgs(), expected)))
    if (std::get<0>(pair).getType() != std::get<1>(pair))
      return emitOpError("argument #")
             << i << " has type " << std::get<0>(pair).getType()
             << "; runtime sequence @" << getRuntimeSequenceSymbol()
             << " takes " << std::get<1>(pair);
  return success();
}
