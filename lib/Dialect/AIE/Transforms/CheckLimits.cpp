//===- CheckLimits.cpp - whole-device resource check of AIE designs -------===//
//
// aie-check-limits: checks every aie.device against its target-table entry
// where the check needs the whole device (L1/L2 bytes, locks, DMA channels and
// buffer descriptors per tile, link fan-in/out, shim task queue depth) and
// reports each violation as an error on the op responsible, naming the
// resource, the amount used and the limit. Limits one op can see on its own
// (a shim access pattern's sizes, strides, repeat, alignment, buffer
// descriptor ids, repeat_count) are the aie/aiex op verifiers' job, against
// the same table. Requires verified aie/aiex IR; changes nothing.
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

#include "attn/Analysis/BDPools.h"
#include "attn/Analysis/ShimEndpoints.h"
#include "attn/Analysis/StageLayout.h"
#include "attn/Dialect/AIE/IR/AIEOps.h"
#include "attn/Dialect/AIE/IR/AIEXOps.h"
#include "attn/Dialect/AIE/Transforms/Passes.h"
#include "attn/Support/CheckedArith.h"
#include "attn/Target/NPUTarget.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"

#include "llvm/Support/Debug.h"

#include <map>
#include <optional>
#include <set>

#define DEBUG_TYPE "aie-check-limits"

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
    amount = saturatingAdd(amount, n); // saturates: over any capacity
    parts.push_back(std::move(why));
  }
  std::string list() const { return llvm::join(parts, ", "); }
};

struct TileUsage {
  int col = 0, row = 0;
  TileKind kind = TileKind::Core;
  /// Where to report: the aie.tile op, else the first op that used the tile.
  Operation *anchor = nullptr;
  Resource memory, locks, s2mm, mm2s;
  /// Buffer descriptors per channel pool (countBDs), when the tile has DMA
  /// ends that use any.
  std::optional<TileBDPools> bds;
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
/// Saturates at INT64_MAX (over every capacity) instead of wrapping.
int64_t objectBytes(MemRefType type) {
  return checkedStaticBytes(type).value_or(INT64_MAX);
}

/// Buffer descriptors a DMA channel needs to cycle through `blocks` buffers
/// `repeat` times with a join/split `factor` (createMemTileDMA: a single
/// buffer is repeated by the channel's task count instead of by BDs).
int64_t bdsFor(int64_t blocks, int64_t repeat, int64_t factor) {
  if (repeat > 1 && blocks == 1 && factor == 1)
    return 1;
  return saturatingMul(saturatingMul(blocks, repeat), factor);
}

class DeviceChecker {
public:
  DeviceChecker(aie::DeviceOp device, const NPUTarget &target)
      : device(device), target(target) {}

  LogicalResult run() {
    collectTiles();
    bool ok = true;
    ok &= succeeded(countObjectFifos());
    countBDs();
    countBuffersLocksCores();
    ok &= succeeded(countShimAllocations());
    device.walk([&](aie::RuntimeSequenceOp sequence) {
      ok &= succeeded(checkSequence(sequence));
    });
    ok &= succeeded(checkTiles());
    ok &= succeeded(checkLayout());
    return success(ok);
  }

  /// Tiles whose measured memory equals the stage layout's (checkLayout).
  int64_t layoutTilesEqual = 0;

  /// Measured L1/L2 bytes per tile (cores and memtiles), after run().
  std::map<std::pair<int, int>, int64_t> memoryPerTile() const {
    std::map<std::pair<int, int>, int64_t> out;
    for (auto &[coords, use] : tiles)
      if (use.kind != TileKind::Shim && use.memory.amount > 0)
        out[coords] = use.memory.amount;
    return out;
  }

private:
  aie::DeviceOp device;
  const NPUTarget &target;
  std::map<std::pair<int, int>, TileUsage> tiles;
  /// Shim channels taken by shim_dma_allocations: (col, mm2s) -> indices.
  std::map<std::pair<int, bool>, std::set<int64_t>> allocatedChannels;
  /// Buffer descriptors of each DMA end of an object FIFO, keyed by (FIFO,
  /// end: 0 = producer, i + 1 = consumer i); countBDs() pools them.
  std::map<std::pair<Operation *, unsigned>, int64_t> endBDs;

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
        usage(home).memory.add(saturatingMul(depth, bytes),
                               what + " depth " + std::to_string(depth) +
                                   " x " + std::to_string(bytes) + " B");
        if (locksPerEnd)
          usage(home).locks.add(locksPerEnd,
                                what + ": " + std::to_string(locksPerEnd));
        continue;
      }
      int64_t repeat = fifo.getRepeatCount().value_or(1);
      if (!linkedProducer.contains(name))
        countEnd(fifo, 0, fifo.getProducerTile(), fifo.getDepth(0), bytes,
                 locksPerEnd, /*mm2s=*/true, repeat);
      for (auto [i, consumer] : llvm::enumerate(fifo.getConsumerTiles()))
        if (!linkedConsumer.contains(name))
          countEnd(fifo, i + 1, consumer, fifo.getDepth(i + 1), bytes,
                   locksPerEnd,
                   /*mm2s=*/false, /*repeat=*/1);
    }
    return success(ok);
  }

  /// One DMA end (`end`) of a FIFO that is not at a link point.
  void countEnd(aie::ObjectFifoCreateOp fifo, unsigned end, Value tile,
                int64_t depth, int64_t bytes, int locksPerEnd, bool mm2s,
                int64_t repeat) {
    TileUsage &use = usage(tile);
    std::string what = ("objectfifo @" + fifo.getSymName()).str();
    (mm2s ? use.mm2s : use.s2mm).add(1, what);
    if (locksPerEnd)
      use.locks.add(locksPerEnd, what + ": " + std::to_string(locksPerEnd));
    // Shim ends move DRAM data; their buffers and descriptors belong to the
    // runtime sequence.
    if (use.kind == TileKind::Shim)
      return;
    use.memory.add(saturatingMul(depth, bytes),
                   what + " depth " + std::to_string(depth) + " x " +
                       std::to_string(bytes) + " B");
    endBDs[{fifo, end}] = bdsFor(depth, repeat, 1);
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
      use.memory.add(saturatingMul(depth, bytes),
                     what + " depth " + std::to_string(depth) + " x " +
                         std::to_string(bytes) + " B");
    if (!owner.getDisableSynchronization())
      use.locks.add(
          target.objectFifoLocksPerEndpoint * factor,
          what + ": " +
              std::to_string(target.objectFifoLocksPerEndpoint * factor));
    for (auto fifo : ins) {
      linkedConsumer.insert(fifo.getSymName());
      use.s2mm.add(1, ("objectfifo @" + fifo.getSymName()).str());
      // The input's end at the link point.
      unsigned end = 1;
      for (auto [i, c] : llvm::enumerate(fifo.getConsumerTiles()))
        if (c == point)
          end = i + 1;
      if (use.kind != TileKind::Shim)
        endBDs[{fifo, end}] = fifo == owner ? bdsFor(depth, 1, factor) : depth;
    }
    for (auto fifo : outs) {
      linkedProducer.insert(fifo.getSymName());
      use.mm2s.add(1, ("objectfifo @" + fifo.getSymName()).str());
      int64_t repeat = fifo.getRepeatCount().value_or(1);
      if (use.kind != TileKind::Shim)
        endBDs[{fifo, 0}] = bdsFor(depth, repeat, fifo == owner ? factor : 1);
    }
    return success(ok);
  }

  /// Pools the BDs of every DMA end per tile: upstream gives a tile's ends
  /// channels first-free per direction in objectfifo op order, producer end
  /// first (BDPools.h).
  void countBDs() {
    for (auto fifo : device.getBody()->getOps<aie::ObjectFifoCreateOp>()) {
      SmallVector<Value> ends = {fifo.getProducerTile()};
      llvm::append_range(ends, fifo.getConsumerTiles());
      for (auto [end, tile] : llvm::enumerate(ends)) {
        auto it = endBDs.find({fifo, static_cast<unsigned>(end)});
        if (it == endBDs.end())
          continue;
        TileUsage &use = usage(tile);
        if (!use.bds)
          use.bds.emplace(target, use.kind);
        use.bds->add(/*s2mm=*/end != 0, it->second,
                     ("objectfifo @" + fifo.getSymName()).str());
      }
    }
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
      ok &= reportBDs(use);
    }
    return success(ok);
  }

  /// Every BD pool of the tile within its share of the target's BDs.
  bool reportBDs(const TileUsage &use) {
    if (!use.bds)
      return true;
    int pool = use.bds->overfull();
    if (pool < 0)
      return true;
    const TileBDPools &bds = *use.bds;
    InFlightDiagnostic diag = use.anchor->emitOpError();
    diag << tileName(use.col, use.row) << ": uses " << bds.usedBy(pool)
         << " buffer descriptors";
    if (bds.pools() > 1)
      diag << " on its " << bds.poolName(pool) << ", more than the "
           << bds.limit() << " of that pool";
    else
      diag << ", more than the " << bds.limit();
    diag << " of a " << kindName(use.kind) << limitSuffix() << " ("
         << bds.ends(pool) << ")";
    return false;
  }

  /// A device emitted from a stage layout carries its bytes per tile: the
  /// measurement must equal them, tile by tile (a tile the layout does not
  /// name must use no memory).
  LogicalResult checkLayout() {
    auto expected =
        device->getAttrOfType<ArrayAttr>(aiemap::kLayoutMemoryAttrName);
    if (!expected)
      return success();
    std::map<std::pair<int, int>, int64_t> planned;
    for (Attribute entry : expected) {
      auto triple = dyn_cast<DenseI64ArrayAttr>(entry);
      if (!triple || triple.size() != 3)
        return device.emitOpError("'")
               << aiemap::kLayoutMemoryAttrName
               << "' must hold array<i64: col, row, bytes> entries";
      planned[{int(triple[0]), int(triple[1])}] = triple[2];
    }
    bool ok = true;
    std::map<std::pair<int, int>, int64_t> measured = memoryPerTile();
    for (auto &[coords, bytes] : measured) {
      auto it = planned.find(coords);
      int64_t want = it == planned.end() ? 0 : it->second;
      LLVM_DEBUG(llvm::dbgs()
                 << "tile " << tileName(coords.first, coords.second)
                 << ": layout " << want << " B, measured " << bytes << " B\n");
      if (want == bytes) {
        ++layoutTilesEqual;
        continue;
      }
      const TileUsage &use = tiles.at(coords);
      use.anchor->emitOpError()
          << tileName(use.col, use.row) << ": the stage layout plans " << want
          << " bytes, the device uses " << bytes << " (" << use.memory.list()
          << ")";
      ok = false;
    }
    for (auto &[coords, want] : planned) {
      if (want == 0 || measured.count(coords))
        continue;
      device.emitOpError("tile ")
          << tileName(coords.first, coords.second) << ": the stage layout "
          << "plans " << want << " bytes, the device uses none";
      ok = false;
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
  // Runtime sequence: shim task queue
  //===--------------------------------------------------------------------===//

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
      if (!memcpy.getIssueToken())
        return success();
      return issue(op, memcpy.getMetadata(), state);
    }
    if (auto wait = dyn_cast<aiex::NpuDmaWaitOp>(op))
      return retire(op, wait.getSymbol(), state);
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
      const NPUTarget *target = aie::getTarget(device);
      if (!target) {
        device.emitOpError("device ")
            << aie::stringifyAIEDevice(device.getDevice())
            << " has no entry in the target table";
        ok = false;
        return;
      }
      DeviceChecker checker(device, *target);
      ok &= succeeded(checker.run());
      ++numDevices;
      numLayoutTiles += checker.layoutTilesEqual;
    });
    if (!ok)
      signalPassFailure();
  }
};

} // namespace
