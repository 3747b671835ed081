//===- CheckLimits.cpp - whole-device resource check of AIE designs -------===//
//
// aie-check-limits: checks every aie.device against its target-table entry
// (L1/L2 bytes, locks, DMA channels and buffer descriptors per tile, link
// fan-in/out, shim DMA access patterns of the runtime sequence, shim task
// queue depth) and reports each violation as an error on the op responsible,
// naming the resource, the amount used and the limit. Requires verified
// aie/aiex IR; changes nothing.
//
// Object FIFO resources are counted as upstream mlir-aie's
// aie-objectFifo-stateful-transform will allocate them
// (lib/Dialect/AIE/Transforms/AIEObjectFifoStatefulTransform.cpp):
//  - requiresDMAs: a FIFO with one consumer, no access patterns, no link,
//    no via_DMA/repeat_count, between tiles that share memory uses no DMA;
//    its buffers live on the producer unless only the producer can reach the
//    consumer's memory (isSharedMemory share_direction 1);
//  - createObjectFifoElements: otherwise every non-shim end gets `depth`
//    buffers; at a link point only one FIFO gets buffers (the joined output,
//    the split input, or the larger of a 1:1 link's two);
//  - createObjectFifoLocks: a producer and a consumer lock per end (shim
//    ends too), times the number of joined/split FIFOs at a link point;
//  - createAIETileDMA/createMemTileDMA: one buffer descriptor per buffer a
//    channel cycles through (times repeat_count unless one buffer is
//    repeated in hardware, times the join/split factor).
//
//===----------------------------------------------------------------------===//

#include "attn/Analysis/ShimEndpoints.h"
#include "attn/Dialect/AIE/IR/AIEOps.h"
#include "attn/Dialect/AIE/IR/AIEXOps.h"
#include "attn/Dialect/AIE/Transforms/Passes.h"
#include "attn/Target/NPUTarget.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"

#include <map>
#include <set>

namespace mlir::attn::aie {
#define GEN_PASS_DEF_AIECHECKLIMITS
#include "attn/Dialect/AIE/Transforms/Passes.h.inc"
} // namespace mlir::attn::aie

using namespace mlir;
using namespace mlir::attn;

namespace {

/// How much of one resource a tile uses, and who uses it.
struct Resource {
  int64_t amount = 0;
  SmallVector<std::string> parts;
  void add(int64_t n, std::string why) {
    amount += n;
    parts.push_back(std::move(why));
  }
  std::string list() const { return llvm::join(parts, ", "); }
};

struct TileUsage {
  int col = 0, row = 0;
  TileKind kind = TileKind::Core;
  /// Where to report: the aie.tile op, else the first op that used the tile.
  Operation *anchor = nullptr;
  Resource memory, locks, s2mm, mm2s, bds;
};

std::string tileName(int col, int row) {
  return "(" + std::to_string(col) + ", " + std::to_string(row) + ")";
}

StringRef kindName(TileKind kind) {
  switch (kind) {
  case TileKind::Shim:
    return "shim tile";
  case TileKind::MemTile:
    return "memtile";
  case TileKind::Core:
    return "core tile";
  }
  return "";
}

/// Bytes of one object of `type` (whole bytes, rounded up).
int64_t objectBytes(MemRefType type) {
  return (type.getNumElements() * type.getElementTypeBitWidth() + 7) / 8;
}

/// Buffer descriptors a DMA channel needs to cycle through `blocks` buffers
/// `repeat` times with a join/split `factor` (createMemTileDMA: a single
/// buffer is repeated by the channel's task count instead of by BDs).
int64_t bdsFor(int64_t blocks, int64_t repeat, int64_t factor) {
  if (repeat > 1 && blocks == 1 && factor == 1)
    return 1;
  return blocks * repeat * factor;
}

class DeviceChecker {
public:
  DeviceChecker(aie::DeviceOp device, const NPUTarget &target)
      : device(device), target(target) {}

  LogicalResult run() {
    collectTiles();
    bool ok = true;
    ok &= succeeded(countObjectFifos());
    countBuffersLocksCores();
    ok &= succeeded(countShimAllocations());
    device.walk([&](aie::RuntimeSequenceOp sequence) {
      ok &= succeeded(checkSequence(sequence));
    });
    ok &= succeeded(checkTiles());
    return success(ok);
  }

private:
  aie::DeviceOp device;
  const NPUTarget &target;
  std::map<std::pair<int, int>, TileUsage> tiles;
  /// Shim channels taken by shim_dma_allocations: (col, mm2s) -> indices.
  std::map<std::pair<int, bool>, std::set<int64_t>> allocatedChannels;

  std::string limitSuffix() const { return (" of " + target.name).str(); }

  TileUsage &usage(int col, int row, Operation *user) {
    auto [it, inserted] = tiles.try_emplace({col, row});
    TileUsage &use = it->second;
    if (inserted) {
      use.col = col;
      use.row = row;
      use.kind = target.tileKind(col, row);
    }
    if (!use.anchor)
      use.anchor = user;
    return use;
  }

  TileUsage &usage(Value tile) {
    auto tileOp = tile.getDefiningOp<aie::TileOp>();
    return usage(tileOp.getCol(), tileOp.getRow(), tileOp);
  }

  void collectTiles() {
    for (auto tile : device.getBody()->getOps<aie::TileOp>())
      usage(tile.getCol(), tile.getRow(), tile).anchor = tile;
  }

  //===--------------------------------------------------------------------===//
  // Object FIFOs
  //===--------------------------------------------------------------------===//

  bool sharesMemory(aie::ObjectFifoCreateOp fifo, bool &onConsumer) {
    if (fifo.getVia_DMA() || fifo.getRepeatCount() ||
        fifo.getConsumerTiles().size() != 1 ||
        !fifo.getDimensionsToStream().empty())
      return false;
    for (auto dims : fifo.getDimensionsFromStreamPerConsumer())
      if (!cast<aie::BDDimLayoutArrayAttr>(dims).empty())
        return false;
    auto prod = fifo.getProducerTile().getDefiningOp<aie::TileOp>();
    auto cons = fifo.getConsumerTiles()[0].getDefiningOp<aie::TileOp>();
    TileKind prodKind = target.tileKind(prod.getCol(), prod.getRow());
    TileKind consKind = target.tileKind(cons.getCol(), cons.getRow());
    if (prodKind != consKind || prodKind == TileKind::Shim)
      return false;
    bool prodReachesCons = target.canAccessMemory(prod.getCol(), prod.getRow(),
                                                  cons.getCol(), cons.getRow());
    bool consReachesProd = target.canAccessMemory(cons.getCol(), cons.getRow(),
                                                  prod.getCol(), prod.getRow());
    onConsumer = prodReachesCons && !consReachesProd;
    return prodReachesCons || consReachesProd;
  }

  LogicalResult countObjectFifos() {
    llvm::StringMap<aie::ObjectFifoCreateOp> fifos;
    for (auto fifo : device.getBody()->getOps<aie::ObjectFifoCreateOp>())
      fifos[fifo.getSymName()] = fifo;
    // FIFOs whose end at a link point is accounted for by the link.
    llvm::StringSet<> linkedConsumer, linkedProducer;
    bool ok = true;
    for (auto link : device.getBody()->getOps<aie::ObjectFifoLinkOp>())
      ok &= succeeded(countLink(link, fifos, linkedConsumer, linkedProducer));

    for (auto fifo : device.getBody()->getOps<aie::ObjectFifoCreateOp>()) {
      StringRef name = fifo.getSymName();
      int64_t bytes = objectBytes(fifo.getObjectType());
      int locksPerEnd = fifo.getDisableSynchronization()
                            ? 0
                            : target.objectFifoLocksPerEndpoint;
      bool isLinked =
          linkedConsumer.contains(name) || linkedProducer.contains(name);
      bool onConsumer = false;
      if (!isLinked && sharesMemory(fifo, onConsumer)) {
        Value home =
            onConsumer ? fifo.getConsumerTiles()[0] : fifo.getProducerTile();
        int64_t depth = fifo.getDepth(0);
        std::string what = ("objectfifo @" + name).str();
        usage(home).memory.add(depth * bytes,
                               what + " depth " + std::to_string(depth) +
                                   " x " + std::to_string(bytes) + " B");
        if (locksPerEnd)
          usage(home).locks.add(locksPerEnd,
                                what + ": " + std::to_string(locksPerEnd));
        continue;
      }
      int64_t repeat = fifo.getRepeatCount().value_or(1);
      if (!linkedProducer.contains(name))
        countEnd(fifo, fifo.getProducerTile(), fifo.getDepth(0), bytes,
                 locksPerEnd, /*mm2s=*/true, repeat);
      for (auto [i, consumer] : llvm::enumerate(fifo.getConsumerTiles()))
        if (!linkedConsumer.contains(name))
          countEnd(fifo, consumer, fifo.getDepth(i + 1), bytes, locksPerEnd,
                   /*mm2s=*/false, /*repeat=*/1);
    }
    return success(ok);
  }

  /// One DMA end of a FIFO that is not at a link point.
  void countEnd(aie::ObjectFifoCreateOp fifo, Value tile, int64_t depth,
                int64_t bytes, int locksPerEnd, bool mm2s, int64_t repeat) {
    TileUsage &use = usage(tile);
    std::string what = ("objectfifo @" + fifo.getSymName()).str();
    (mm2s ? use.mm2s : use.s2mm).add(1, what);
    if (locksPerEnd)
      use.locks.add(locksPerEnd, what + ": " + std::to_string(locksPerEnd));
    // Shim ends move DRAM data; their buffers and descriptors belong to the
    // runtime sequence.
    if (use.kind == TileKind::Shim)
      return;
    use.memory.add(depth * bytes, what + " depth " + std::to_string(depth) +
                                      " x " + std::to_string(bytes) + " B");
    int64_t bds = bdsFor(depth, repeat, 1);
    use.bds.add(bds, what + ": " + std::to_string(bds));
  }

  LogicalResult countLink(aie::ObjectFifoLinkOp link,
                          llvm::StringMap<aie::ObjectFifoCreateOp> &fifos,
                          llvm::StringSet<> &linkedConsumer,
                          llvm::StringSet<> &linkedProducer) {
    SmallVector<aie::ObjectFifoCreateOp> ins, outs;
    for (Attribute ref : link.getFifoIns())
      ins.push_back(fifos.lookup(cast<SymbolRefAttr>(ref).getLeafReference()));
    for (Attribute ref : link.getFifoOuts())
      outs.push_back(fifos.lookup(cast<SymbolRefAttr>(ref).getLeafReference()));
    if (ins.empty() || outs.empty() || llvm::is_contained(ins, nullptr) ||
        llvm::is_contained(outs, nullptr))
      return link.emitOpError("names an object FIFO that does not exist");
    Value point = outs.front().getProducerTile();
    TileUsage &use = usage(point);

    bool ok = true;
    // Fan-out and fan-in through a memtile, against the target table.
    if (use.kind == TileKind::MemTile) {
      int64_t fanOut = outs.size();
      if (fanOut > target.memTileLinkFanOutMax) {
        link.emitOpError("fans out to ")
            << fanOut << " object FIFOs through memtile "
            << tileName(use.col, use.row) << ", more than the "
            << target.memTileLinkFanOutMax << "-way link fan-out limit"
            << limitSuffix();
        ok = false;
      }
      int64_t fanIn = ins.size();
      int fanInMax = target.channels(TileKind::MemTile, /*s2mm=*/true);
      if (fanIn > fanInMax) {
        link.emitOpError("joins ")
            << fanIn << " object FIFOs through memtile "
            << tileName(use.col, use.row) << ", more than the " << fanInMax
            << "-way link fan-in limit (memtile S2MM channels)"
            << limitSuffix();
        ok = false;
      }
    }

    bool isJoin = ins.size() > 1, isSplit = outs.size() > 1;
    aie::ObjectFifoCreateOp owner;
    bool ownerIsInput;
    if (isJoin) {
      owner = outs.front();
      ownerIsInput = false;
    } else if (isSplit) {
      owner = ins.front();
      ownerIsInput = true;
    } else {
      // createObjectFifoElements: the larger object; the input on a tie.
      ownerIsInput = ins.front().getObjectType().getNumElements() >=
                     outs.front().getObjectType().getNumElements();
      owner = ownerIsInput ? ins.front() : outs.front();
    }
    int64_t factor = isJoin ? ins.size() : isSplit ? outs.size() : 1;
    int64_t depth = ownerIsInput
                        ? owner.getDepthAt(point, aie::ObjectFifoPort::Consume)
                        : owner.getDepth(0);
    int64_t bytes = objectBytes(owner.getObjectType());
    std::string what = ("objectfifo.link @" + owner.getSymName()).str();
    if (use.kind != TileKind::Shim)
      use.memory.add(depth * bytes, what + " depth " + std::to_string(depth) +
                                        " x " + std::to_string(bytes) + " B");
    if (!owner.getDisableSynchronization())
      use.locks.add(
          target.objectFifoLocksPerEndpoint * factor,
          what + ": " +
              std::to_string(target.objectFifoLocksPerEndpoint * factor));
    for (auto fifo : ins) {
      linkedConsumer.insert(fifo.getSymName());
      use.s2mm.add(1, ("objectfifo @" + fifo.getSymName()).str());
      int64_t bds = fifo == owner ? bdsFor(depth, 1, factor) : depth;
      use.bds.add(bds, ("objectfifo @" + fifo.getSymName() + ": ").str() +
                           std::to_string(bds));
    }
    for (auto fifo : outs) {
      linkedProducer.insert(fifo.getSymName());
      use.mm2s.add(1, ("objectfifo @" + fifo.getSymName()).str());
      int64_t repeat = fifo.getRepeatCount().value_or(1);
      int64_t bds = bdsFor(depth, repeat, fifo == owner ? factor : 1);
      use.bds.add(bds, ("objectfifo @" + fifo.getSymName() + ": ").str() +
                           std::to_string(bds));
    }
    return success(ok);
  }

  //===--------------------------------------------------------------------===//
  // Buffers, locks, cores, shim allocations
  //===--------------------------------------------------------------------===//

  void countBuffersLocksCores() {
    for (Operation &op : device.getBody()->getOperations()) {
      if (auto buffer = dyn_cast<aie::BufferOp>(op)) {
        int64_t bytes = objectBytes(cast<MemRefType>(buffer.getType()));
        std::string name = buffer.getSymName()
                               ? ("aie.buffer @" + *buffer.getSymName()).str()
                               : std::string("aie.buffer");
        usage(buffer.getTile())
            .memory.add(bytes, name + " " + std::to_string(bytes) + " B");
      } else if (auto lock = dyn_cast<aie::LockOp>(op)) {
        std::string name = lock.getSymName()
                               ? ("aie.lock @" + *lock.getSymName()).str()
                               : std::string("aie.lock");
        usage(lock.getTile()).locks.add(1, name + ": 1");
      } else if (auto core = dyn_cast<aie::CoreOp>(op)) {
        int64_t stack =
            core.getStackSize().value_or(target.coreStackReserveBytes);
        usage(core.getTile())
            .memory.add(stack, "stack " + std::to_string(stack) + " B");
      }
    }
  }

  LogicalResult countShimAllocations() {
    bool ok = true;
    for (auto alloc : device.getBody()->getOps<aie::ShimDMAAllocationOp>()) {
      int col = alloc.getColumn();
      bool mm2s = alloc.getChannelDir() == aie::DMAChannelDir::MM2S;
      int64_t index = alloc.getChannelIndex();
      int channels = target.channels(TileKind::Shim, !mm2s);
      if (index >= channels) {
        alloc.emitOpError("uses shim DMA ")
            << (mm2s ? "MM2S" : "S2MM") << " channel " << index
            << ", but a shim tile" << limitSuffix() << " has " << channels;
        ok = false;
        continue;
      }
      // Two allocations of one channel share it.
      if (!allocatedChannels[{col, mm2s}].insert(index).second)
        continue;
      TileUsage &use = usage(col, target.shimRow, alloc);
      (mm2s ? use.mm2s : use.s2mm)
          .add(1, ("aie.shim_dma_allocation @" + alloc.getSymName()).str());
    }
    return success(ok);
  }

  //===--------------------------------------------------------------------===//
  // Per-tile totals
  //===--------------------------------------------------------------------===//

  LogicalResult checkTiles() {
    bool ok = true;
    for (auto &[coords, use] : tiles) {
      std::string where = tileName(use.col, use.row);
      if (use.kind != TileKind::Shim) {
        bool core = use.kind == TileKind::Core;
        int64_t limit = core ? target.coreL1Bytes : target.memTileL2Bytes;
        if (use.memory.amount > limit) {
          use.anchor->emitOpError()
              << where << ": " << (core ? "L1" : "L2") << " usage "
              << use.memory.amount << " bytes exceeds the " << limit
              << "-byte limit" << limitSuffix() << " (" << use.memory.list()
              << ")";
          ok = false;
        }
      }
      ok &= report(use, use.locks, "locks", target.locks(use.kind));
      ok &= report(use, use.s2mm, "S2MM DMA channels",
                   target.channels(use.kind, /*s2mm=*/true));
      ok &= report(use, use.mm2s, "MM2S DMA channels",
                   target.channels(use.kind, /*s2mm=*/false));
      ok &= report(use, use.bds, "buffer descriptors",
                   target.bufferDescriptors(use.kind));
    }
    return success(ok);
  }

  bool report(TileUsage &use, Resource &resource, StringRef what,
              int64_t limit) {
    if (resource.amount <= limit)
      return true;
    use.anchor->emitOpError()
        << tileName(use.col, use.row) << ": uses " << resource.amount << " "
        << what << ", more than the " << limit << " of a " << kindName(use.kind)
        << limitSuffix() << " (" << resource.list() << ")";
    return false;
  }

  //===--------------------------------------------------------------------===//
  // Runtime sequence: shim access patterns, BD ids, task queue
  //===--------------------------------------------------------------------===//

  /// Checks one shim access pattern (outermost dimension first, element
  /// units) against the shim DMA limits; reports on `op`.
  LogicalResult checkShimPattern(Operation *op, Type elementType,
                                 ArrayRef<int64_t> sizesOuterFirst,
                                 ArrayRef<int64_t> stridesOuterFirst,
                                 int64_t offsetElems) {
    const DmaLimits &limits = target.dmaLimits(TileKind::Shim);
    std::string suffix = " of the shim DMA" + limitSuffix();
    if (!elementType.isIntOrFloat())
      return op->emitOpError("moves elements of type ")
             << elementType << ", which the shim DMA cannot move";
    int64_t bits = elementType.getIntOrFloatBitWidth();
    int64_t unitBits = limits.unitBytes * 8;
    if (bits > unitBits || unitBits % bits != 0)
      return op->emitOpError("moves ")
             << bits << "-bit elements; the " << limits.unitBytes
             << "-byte transfer unit" << suffix
             << " must hold a whole number of them";
    int64_t dims = sizesOuterFirst.size();
    if (dims > limits.maxDims)
      return op->emitOpError("access pattern has ")
             << dims << " dimensions, more than the " << limits.maxDims
             << suffix;
    // Innermost first, padded to the hardware's 4 dimensions.
    SmallVector<int64_t, 4> sizes(limits.maxDims, 1),
        strides(limits.maxDims, 0);
    for (int64_t i = 0; i < dims; ++i) {
      sizes[i] = sizesOuterFirst[dims - 1 - i];
      strides[i] = stridesOuterFirst[dims - 1 - i];
    }
    for (int64_t i = 0; i < limits.maxDims; ++i)
      if (sizes[i] < 1)
        return op->emitOpError("size of dimension ")
               << i << " is " << sizes[i] << "; sizes must be at least 1";
    int64_t elemsPerUnit = unitBits / bits;
    if (sizes[0] % elemsPerUnit != 0)
      return op->emitOpError("innermost run of ")
             << sizes[0] << " x " << bits / 8.0 << "-byte elements is not a "
             << "whole number of the " << limits.unitBytes
             << "-byte transfer units" << suffix;
    if (offsetElems % elemsPerUnit != 0)
      return op->emitOpError("starts at element offset ")
             << offsetElems << ", not aligned to the " << limits.unitBytes
             << "-byte transfer unit" << suffix;
    // A sub-word element cannot be strided: the DMA moves whole units.
    if (elemsPerUnit > 1 && sizes[0] > 1 && strides[0] != 1)
      return op->emitOpError("innermost stride is ")
             << strides[0] << " for " << bits / 8.0
             << "-byte elements; the shim DMA moves " << limits.unitBytes
             << "-byte units, so sub-word elements need innermost stride 1";
    bool linear = sizes[1] == 1 && sizes[2] == 1 && strides[0] == 1;
    int64_t innerUnits = sizes[0] / elemsPerUnit;
    // AIEX::NpuDmaMemcpyNdOp::verify lets a plain linear transfer exceed the
    // per-dimension wrap; it is split when lowered.
    if (!linear && innerUnits > limits.maxSize)
      return op->emitOpError("innermost size is ")
             << innerUnits << " " << limits.unitBytes
             << "-byte units, more than the " << limits.maxSize << suffix;
    if (sizes[1] > limits.maxSize)
      return op->emitOpError("size of dimension 1 is ")
             << sizes[1] << ", more than the " << limits.maxSize << suffix;
    // Dimension 2 has no wrap field on the shim (its size follows from the
    // buffer length: NpuWriteBdOp::verify "ShimTile only supports 3
    // dimensions of sizes").
    int64_t outer = limits.maxDims - 1;
    if (sizes[outer] > limits.maxOuterSize)
      return op->emitOpError("repeat (outermost size) is ")
             << sizes[outer] << ", more than the " << limits.maxOuterSize
             << suffix;
    for (int64_t i = 0; i < limits.maxDims; ++i) {
      if (sizes[i] == 1)
        continue;
      int64_t minStride = i == outer ? 0 : 1;
      if (strides[i] < minStride)
        return op->emitOpError("stride of dimension ")
               << i << " is " << strides[i] << "; it must be at least "
               << minStride;
      if (i == 0 && strides[i] == 1)
        continue;
      if (strides[i] % elemsPerUnit != 0)
        return op->emitOpError("stride of dimension ")
               << i << " is " << strides[i] << " elements, not a whole "
               << "number of " << limits.unitBytes << "-byte units" << suffix;
      int64_t strideUnits = strides[i] / elemsPerUnit;
      if (strideUnits > limits.maxStrideWords)
        return op->emitOpError("stride of dimension ")
               << i << " is " << strideUnits << " " << limits.unitBytes
               << "-byte units, more than the " << limits.maxStrideWords
               << suffix;
    }
    return success();
  }

  LogicalResult checkMemcpy(aiex::NpuDmaMemcpyNdOp op) {
    auto type = cast<BaseMemRefType>(op.getMemref().getType());
    if (op.getId() < 0 ||
        op.getId() >= target.bufferDescriptors(TileKind::Shim))
      return op.emitOpError("uses buffer descriptor id ")
             << op.getId() << ", but a shim tile" << limitSuffix() << " has "
             << target.bufferDescriptors(TileKind::Shim);
    auto constants = [](ArrayRef<OpFoldResult> values)
        -> std::optional<SmallVector<int64_t>> {
      SmallVector<int64_t> out;
      for (OpFoldResult value : values) {
        std::optional<int64_t> c = getConstantIntValue(value);
        if (!c)
          return std::nullopt;
        out.push_back(*c);
      }
      return out;
    };
    auto sizes = constants(op.getMixedSizes());
    auto strides = constants(op.getMixedStrides());
    auto offsets = constants(op.getMixedOffsets());
    // As upstream: dynamic patterns are checked when they become constant.
    if (!sizes || !strides || !offsets)
      return success();
    int64_t offset = 0;
    for (auto [o, s] : llvm::zip(*offsets, *strides))
      offset += o * s;
    return checkShimPattern(op, type.getElementType(), *sizes, *strides,
                            offset);
  }

  LogicalResult checkTask(aiex::DMAConfigureTaskForOp task) {
    bool ok = true;
    if (task.getRepeatCount() > target.shimRepeatCountMax) {
      task.emitOpError("repeat_count is ")
          << task.getRepeatCount() << ", more than the "
          << target.shimRepeatCountMax << " a shim DMA task queue entry holds"
          << limitSuffix();
      ok = false;
    }
    task.getBody().walk([&](aie::DMABDOp bd) {
      auto type = cast<BaseMemRefType>(bd.getBuffer().getType());
      SmallVector<int64_t> sizes, strides;
      if (auto dims = bd.getDimensions()) {
        for (auto dim : *dims) {
          sizes.push_back(dim.getSize());
          strides.push_back(dim.getStride());
        }
      } else {
        int64_t len = bd.getLen().value_or(
            type.hasStaticShape() ? type.getNumElements() - bd.getOffset() : 0);
        // A linear descriptor: one run of `len` elements.
        sizes.push_back(len);
        strides.push_back(1);
      }
      ok &= succeeded(checkShimPattern(bd, type.getElementType(), sizes,
                                       strides, bd.getOffset()));
      if (auto len = bd.getLen()) {
        int64_t bits = type.getElementType().isIntOrFloat()
                           ? type.getElementType().getIntOrFloatBitWidth()
                           : 0;
        int64_t unitBits = target.dmaLimits(TileKind::Shim).unitBytes * 8;
        if (bits && (*len * bits) % unitBits != 0) {
          bd.emitOpError("len of ")
              << *len << " elements is not a whole number of " << unitBits / 8
              << "-byte transfer units of the shim DMA" << limitSuffix();
          ok = false;
        }
      }
    });
    return success(ok);
  }

  /// Outstanding token-issuing transfers per shim channel.
  struct QueueState {
    std::map<std::string, int64_t> outstanding;
    bool operator==(const QueueState &other) const {
      return outstanding == other.outstanding;
    }
  };

  /// A key naming the shim channel behind an endpoint: an allocation's
  /// (column, direction, channel), or the object FIFO (one channel each).
  std::string channelKey(const ShimEndpoint &endpoint) {
    if (auto alloc = dyn_cast<aie::ShimDMAAllocationOp>(endpoint.definingOp))
      return "alloc:" + std::to_string(endpoint.column) + ":" +
             (endpoint.mm2s ? "mm2s:" : "s2mm:") +
             std::to_string(alloc.getChannelIndex());
    return ("fifo:" +
            cast<aie::ObjectFifoCreateOp>(endpoint.definingOp).getSymName())
        .str();
  }

  std::string channelName(StringRef symbol, const ShimEndpoint &endpoint) {
    return ("shim DMA @" + symbol + " (column " +
            std::to_string(endpoint.column) + ", " +
            (endpoint.mm2s ? "MM2S" : "S2MM") + ")")
        .str();
  }

  LogicalResult issue(Operation *op, StringRef symbol, QueueState &state) {
    FailureOr<ShimEndpoint> endpoint = resolveShimEndpoint(op, symbol);
    if (failed(endpoint))
      return failure();
    int64_t &count = state.outstanding[channelKey(*endpoint)];
    ++count;
    if (count > target.shimTaskQueueDepth)
      return op->emitOpError("is transfer ")
             << count << " with issue_token outstanding on "
             << channelName(symbol, *endpoint)
             << " since its last wait, more than the "
             << target.shimTaskQueueDepth << "-deep shim task queue"
             << limitSuffix() << "; wait for an earlier transfer first";
    return success();
  }

  LogicalResult retire(Operation *op, StringRef symbol, QueueState &state) {
    FailureOr<ShimEndpoint> endpoint = resolveShimEndpoint(op, symbol);
    if (failed(endpoint))
      return failure();
    int64_t &count = state.outstanding[channelKey(*endpoint)];
    if (count == 0)
      return op->emitOpError("waits on ")
             << channelName(symbol, *endpoint)
             << ", which has no outstanding transfer with issue_token; the "
                "wait would never finish";
    --count;
    return success();
  }

  LogicalResult checkRegion(Region &region, QueueState &state) {
    bool ok = true;
    for (Block &block : region)
      for (Operation &op : block)
        ok &= succeeded(checkSequenceOp(&op, state));
    return success(ok);
  }

  LogicalResult checkSequenceOp(Operation *op, QueueState &state) {
    if (auto memcpy = dyn_cast<aiex::NpuDmaMemcpyNdOp>(op)) {
      bool ok = succeeded(checkMemcpy(memcpy));
      if (memcpy.getIssueToken())
        ok &= succeeded(issue(op, memcpy.getMetadata(), state));
      return success(ok);
    }
    if (auto wait = dyn_cast<aiex::NpuDmaWaitOp>(op))
      return retire(op, wait.getSymbol(), state);
    if (auto task = dyn_cast<aiex::DMAConfigureTaskForOp>(op))
      return checkTask(task);
    if (auto start = dyn_cast<aiex::DMAStartTaskOp>(op)) {
      auto task = start.getTask().getDefiningOp<aiex::DMAConfigureTaskForOp>();
      if (!task || !task.getIssueToken())
        return success();
      return issue(op, task.getAlloc(), state);
    }
    if (auto await = dyn_cast<aiex::DMAAwaitTaskOp>(op)) {
      auto task = await.getTask().getDefiningOp<aiex::DMAConfigureTaskForOp>();
      if (!task)
        return await.emitOpError("awaits a task that is not defined by an "
                                 "aiex.dma_configure_task_for");
      return retire(op, task.getAlloc(), state);
    }
    if (auto loop = dyn_cast<scf::ForOp>(op)) {
      std::optional<APInt> trips = loop.getStaticTripCount();
      if (!trips)
        return loop.emitOpError("has no constant trip count; the shim task "
                                "queue inside it cannot be checked");
      // Iterate until the queue state repeats: later iterations then behave
      // like the ones already checked.
      for (uint64_t i = 0, e = trips->getZExtValue(); i < e; ++i) {
        QueueState before = state;
        if (failed(checkRegion(loop.getRegion(), state)))
          return failure();
        if (state == before)
          break;
      }
      return success();
    }
    if (op->getNumRegions() == 0)
      return success();
    bool movesData = false;
    op->walk([&](Operation *inner) {
      if (isa<aiex::NpuDmaMemcpyNdOp, aiex::NpuDmaWaitOp, aiex::DMAStartTaskOp,
              aiex::DMAAwaitTaskOp>(inner))
        movesData = true;
    });
    if (movesData)
      return op->emitOpError("contains shim DMA transfers or waits under "
                             "control flow; only scf.for loops with constant "
                             "trip counts can be checked");
    return success();
  }

  LogicalResult checkSequence(aie::RuntimeSequenceOp sequence) {
    QueueState state;
    return checkRegion(sequence.getBody(), state);
  }
};

struct AIECheckLimitsPass : aie::impl::AIECheckLimitsBase<AIECheckLimitsPass> {
  void runOnOperation() override {
    bool ok = true;
    getOperation().walk([&](aie::DeviceOp device) {
      const NPUTarget *target = getTarget(device);
      if (!target) {
        device.emitOpError("device ")
            << aie::stringifyAIEDevice(device.getDevice())
            << " has no entry in the target table";
        ok = false;
        return;
      }
      ok &= succeeded(DeviceChecker(device, *target).run());
    });
    if (!ok)
      signalPassFailure();
  }
};

} // namespace
