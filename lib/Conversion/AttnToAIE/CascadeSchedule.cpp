//===- CascadeSchedule.cpp - cascade chains (kv_split > 1) ----------------===//
//
// A plan with kv_split = s > 1 runs each query lane on a chain of s cores,
// adjacent in one column, that split the key steps of the lane's query
// tile: core i of the chain (0 = top) computes the online state over part i
// of the steps, passes it down the cascade (aie.cascade_flow from the core
// above to the core below: on AIE2/AIE2P a cascade input comes from the
// North), and the bottom core merges the last state and writes O. The
// work decomposition, FIFOs, links and runtime sequence are those of a
// plan with cores_per_column / s lanes per column (planStage of that
// stage); each lane's core is then expanded into its chain: every chain
// core consumes the lane's item (Q) FIFO and the group's broadcast step
// (K/V) FIFO, and only the bottom one produces the lane's output FIFO.
// The chain's cores take the key steps in turn (step j on core j mod s):
// each acquires the broadcast objects s at a time and computes its own, so
// the s cores work on s steps at once (a contiguous split of the steps
// would run the parts one after the other: a broadcast FIFO moves at the
// pace of its slowest consumer).
// docs/aie-mapping.md, "Cascade chains".
//
//===----------------------------------------------------------------------===//

#include "attn/Conversion/AttnToAIE/StageSchedule.h"

#include "llvm/Support/FormatVariadic.h"

#include <map>

using namespace mlir::attn;
using namespace mlir::attn::aiemap;

namespace {

using TileKey = std::pair<int, int>;

TileKey key(TileCoord t) { return {t.col, t.row}; }

/// Replaces every lane core by its chain (see the file comment).
void expandChains(StageSchedule &sch, int64_t split, const NPUTarget &t) {
  const int row0 = t.firstCoreRow;
  std::map<TileKey, std::vector<TileCoord>> chainOf;
  std::vector<CoreSpec> cores;
  for (const CoreSpec &lane : sch.cores) {
    CascadeChain chain;
    chain.column = lane.tile.col;
    chain.lane = lane.row;
    for (int64_t pos = 0; pos < split; ++pos) {
      int offset = static_cast<int>(lane.row * split + (split - 1 - pos));
      TileCoord tile{lane.tile.col, row0 + offset};
      chain.tiles.push_back(tile);
      CoreSpec core = lane;
      core.tile = tile;
      if (pos != split - 1)
        core.outFifo.clear();
      if (!core.rtpBuffer.empty())
        core.rtpBuffer =
            llvm::formatv("rtp_c{0}_r{1}", tile.col, offset).str();
      cores.push_back(core);
    }
    chainOf[key(lane.tile)] = chain.tiles;
    sch.chains.push_back(std::move(chain));
  }
  sch.cores = std::move(cores);

  for (FifoSpec &f : sch.fifos) {
    if (auto it = chainOf.find(key(f.producer)); it != chainOf.end())
      f.producer = it->second.back();
    std::vector<TileCoord> consumers;
    for (TileCoord c : f.consumers) {
      auto it = chainOf.find(key(c));
      if (it == chainOf.end())
        consumers.push_back(c);
      else
        consumers.insert(consumers.end(), it->second.begin(),
                         it->second.end());
    }
    f.consumers = std::move(consumers);
  }

  // The chain's cores take the key steps in turn (step j on core j mod s):
  // each acquires the step objects s at a time, so the step FIFO's core
  // ends hold `depth` groups of s objects; its memtile end keeps `depth`
  // (upstream's per-end depths), so the memtile's buffers and buffer
  // descriptors are those of the lane schedule.
  sch.stepDepth *= split;
  for (FifoSpec &f : sch.fifos)
    if (f.use == FifoSpec::Step && !f.consumers.empty() &&
        f.consumers.front().row >= row0)
      f.consumerDepth = sch.stepDepth;
  for (LayoutBuffer &b : sch.core.buffers)
    if (b.use == LayoutBuffer::Step)
      b.copies = sch.stepDepth;
  for (TileLayout &tl : sch.layout.tiles)
    if (tl.row >= row0)
      for (LayoutBuffer &b : tl.buffers)
        if (b.use == LayoutBuffer::Step)
          b.copies = sch.stepDepth;

  // Memory: each chain core holds the lane core's buffers; only the bottom
  // one holds the output FIFO end.
  std::vector<TileLayout> tiles;
  for (const TileLayout &tl : sch.layout.tiles) {
    auto it = chainOf.find({tl.col, tl.row});
    if (tl.row < row0 || it == chainOf.end()) {
      tiles.push_back(tl);
      continue;
    }
    for (size_t pos = 0; pos < it->second.size(); ++pos) {
      TileLayout copy = tl;
      copy.col = it->second[pos].col;
      copy.row = it->second[pos].row;
      if (pos + 1 != it->second.size())
        llvm::erase_if(copy.buffers, [](const LayoutBuffer &b) {
          return b.use == LayoutBuffer::Output;
        });
      tiles.push_back(std::move(copy));
    }
  }
  sch.layout.tiles = std::move(tiles);
  sch.tileBytes.clear();
  sch.layout.l1Bytes = sch.layout.l2Bytes = 0;
  for (const TileLayout &tl : sch.layout.tiles) {
    if (tl.row >= row0)
      sch.layout.l1Bytes = std::max(sch.layout.l1Bytes, tl.bytes());
    else if (tl.row == t.memTileRow)
      sch.layout.l2Bytes = std::max(sch.layout.l2Bytes, tl.bytes());
    sch.tileBytes.push_back({tl.col, tl.row, tl.bytes()});
  }
  sch.l1Bytes = sch.layout.l1Bytes;
  sch.l2Bytes = sch.layout.l2Bytes;
}

/// The limits the deeper step FIFO may break, as planStage words them.
bool fits(const StageSchedule &sch, const NPUTarget &t, std::string &error) {
  if (sch.l1Bytes > t.coreL1Bytes) {
    llvm::raw_string_ostream os(error);
    os << "kv_split = " << sch.desc.kvSplit << ": a chain core holds "
       << sch.stepDepth << " step objects (depth x kv_split); core memory ";
    sch.core.print(os);
    os << " exceeds the " << t.coreL1Bytes << " bytes of L1 on " << t.name
       << "; use a smaller kv_tile or kv_split";
    return false;
  }
  if (sch.l2Bytes > t.memTileL2Bytes) {
    error = llvm::formatv("kv_split = {0}: memtile memory {1} B exceeds the "
                          "{2} B of L2 on {3}",
                          sch.desc.kvSplit, sch.l2Bytes, t.memTileL2Bytes,
                          t.name)
                .str();
    return false;
  }
  return true;
}

} // namespace

int StageSchedule::chainPosition(TileCoord tile) const {
  for (const CascadeChain &c : chains)
    for (size_t i = 0; i < c.tiles.size(); ++i)
      if (c.tiles[i] == tile)
        return static_cast<int>(i);
  return -1;
}


std::optional<StageSchedule> aiemap::planCascadeStage(
    const StageDesc &desc, const NPUTarget &target,
    const ScheduleOptions &options, std::string &error) {
  const int64_t split = desc.kvSplit;
  if (desc.kind != StageKind::Online) {
    error = llvm::formatv("kv_split = {0} needs the online fold's fused "
                          "stage (only its running state merges over a "
                          "cascade)",
                          split)
                .str();
    return std::nullopt;
  }
  if (desc.maskKind != StageDesc::NoMask || desc.hasBias) {
    error = llvm::formatv("kv_split = {0} is not emitted with explicit mask "
                          "or bias tensors (their per-core tiles follow the "
                          "query lanes)",
                          split)
                .str();
    return std::nullopt;
  }
  if (split > target.numCoreRows || desc.coresPerColumn % split != 0) {
    error = llvm::formatv("kv_split = {0} must divide cores_per_column = {1} "
                          "(a cascade chain is adjacent cores of one column "
                          "of {2} core rows)",
                          split, desc.coresPerColumn, target.numCoreRows)
                .str();
    return std::nullopt;
  }
  StageDesc lanes = desc;
  lanes.kvSplit = 1;
  lanes.coresPerColumn = desc.coresPerColumn / split;
  std::optional<StageSchedule> sch =
      planStage(lanes, target, options, error);
  if (!sch)
    return std::nullopt;
  sch->desc.kvSplit = split;
  expandChains(*sch, split, target);
  if (!fits(*sch, target, error))
    return std::nullopt;
  return sch;
}
