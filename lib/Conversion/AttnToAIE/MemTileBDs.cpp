//===- MemTileBDs.cpp - memtile buffer descriptors of a schedule ----------===//

#include "attn/Conversion/AttnToAIE/MemTileBDs.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir::attn;
using namespace mlir::attn::aiemap;

namespace {

/// Objects a FIFO holds at end `end` (0 = producer, i + 1 = consumer i).
int64_t depthAt(const FifoSpec &f, size_t end) {
  return end == 0 || f.consumerDepth == 0 ? f.depth : f.consumerDepth;
}

int64_t elements(const FifoSpec &f) {
  int64_t n = 1;
  for (int64_t d : f.shape)
    n *= d;
  return n;
}

/// Descriptors of the FIFO ends at link points, keyed by (FIFO, end), as
/// upstream's createMemTileDMA allocates them: only one FIFO of a link owns
/// buffers (the joined output, the split input, else the larger object, the
/// input on a tie); its end cycles through depth x factor descriptors, the
/// others through depth.
std::map<std::pair<std::string, size_t>, int64_t>
linkEndBDs(const StageSchedule &sch) {
  llvm::StringMap<const FifoSpec *> byName;
  for (const FifoSpec &f : sch.fifos)
    byName[f.name] = &f;
  std::map<std::pair<std::string, size_t>, int64_t> out;
  for (const LinkSpec &l : sch.links) {
    const FifoSpec *in = byName.lookup(l.ins.front());
    const FifoSpec *outF = byName.lookup(l.outs.front());
    if (!in || !outF)
      continue; // the schedule's own consistency check reports it
    TileCoord point = outF->producer;
    auto endAtPoint = [&](const FifoSpec &f) -> size_t {
      for (auto [i, c] : llvm::enumerate(f.consumers))
        if (c == point)
          return i + 1;
      return 1;
    };
    bool join = l.ins.size() > 1, split = l.outs.size() > 1;
    bool ownerIn = join    ? false
                   : split ? true
                           : elements(*in) >= elements(*outF);
    const FifoSpec &owner = ownerIn ? *in : *outF;
    int64_t factor = join    ? static_cast<int64_t>(l.ins.size())
                     : split ? static_cast<int64_t>(l.outs.size())
                             : 1;
    int64_t depth = ownerIn ? depthAt(owner, endAtPoint(owner)) : owner.depth;
    for (const std::string &name : l.ins) {
      const FifoSpec *f = byName.lookup(name);
      if (f)
        out[{name, endAtPoint(*f)}] =
            name == owner.name ? depth * factor : depth;
    }
    for (const std::string &name : l.outs)
      out[{name, 0}] = name == owner.name ? depth * factor : depth;
  }
  return out;
}

} // namespace

std::map<std::pair<int, int>, TileBDPools>
aiemap::memTileBDPools(const StageSchedule &sch, const NPUTarget &t) {
  std::map<std::pair<std::string, size_t>, int64_t> linked = linkEndBDs(sch);
  std::map<std::pair<int, int>, TileBDPools> pools;
  auto addEnd = [&](const FifoSpec &f, size_t end, TileCoord tile) {
    if (tile.row != t.memTileRow)
      return;
    auto it = linked.find({f.name, end});
    int64_t bds = it != linked.end() ? it->second : depthAt(f, end);
    auto [slot, inserted] =
        pools.try_emplace({tile.col, tile.row}, t, TileKind::MemTile);
    slot->second.add(/*s2mm=*/end != 0, bds, "objectfifo @" + f.name);
  };
  // Per FIFO, the producer end's channel, then its consumers' (upstream's
  // assignDMAChannelIndices over its split FIFOs, in op order).
  for (const FifoSpec &f : sch.fifos) {
    addEnd(f, 0, f.producer);
    for (auto [i, c] : llvm::enumerate(f.consumers))
      addEnd(f, i + 1, c);
  }
  return pools;
}

bool aiemap::checkMemTileBDs(StageSchedule &sch, const NPUTarget &t,
                             std::string &error) {
  int64_t busiest = 0;
  for (auto &[tile, pools] : memTileBDPools(sch, t)) {
    int p = pools.overfull();
    if (p >= 0) {
      error = llvm::formatv(
                  "memtile ({0}, {1}) needs {2} buffer descriptors on its {3}, "
                  "which holds {4} on {5} ({6})",
                  tile.first, tile.second, pools.usedBy(p), pools.poolName(p),
                  pools.limit(), t.name, pools.ends(p))
                  .str();
      return false;
    }
    busiest = std::max(busiest, pools.total());
  }
  sch.memTileBDs = busiest;
  return true;
}
