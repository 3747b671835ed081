//===- BDPools.h - a tile's buffer descriptors per channel pool -*- C++ -*-===//
//
// Upstream mlir-aie's objectfifo lowering (AIEObjectFifoStatefulTransform,
// DMAChannelAnalysis::getDMAChannelIndex) gives every DMA end of a tile the
// first free channel of its direction, in objectfifo op order (no channel is
// pinned by our programs), and AIEAssignBufferDescriptorIDs then takes each
// channel's BD ids from the pool the target allows it (NPUTarget::bdPools:
// on AIE2 memtiles even channels own BD ids 0-23, odd ones 24-47). A tile
// fits when every pool does, not just the total. attn-schedule-dma and
// aie-check-limits both count through this class.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_ANALYSIS_BDPOOLS_H
#define ATTN_ANALYSIS_BDPOOLS_H

#include "attn/Target/NPUTarget.h"

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::attn {

class TileBDPools {
public:
  TileBDPools(const NPUTarget &target, TileKind kind);

  /// Adds the next DMA end of the tile, in objectfifo op order: direction
  /// `s2mm` (into the tile), `bds` descriptors, `what` names it. Returns the
  /// channel it gets.
  int add(bool s2mm, int64_t bds, llvm::StringRef what);

  int pools() const { return static_cast<int>(used.size()); }
  /// Descriptors per pool.
  int64_t limit() const { return perPool; }
  int64_t usedBy(int pool) const { return used[pool]; }
  int64_t total() const;
  /// The first pool over its limit, or -1.
  int overfull() const;
  /// "even-channel BD pool (ids 0-23)", or "BDs" for a single pool.
  std::string poolName(int pool) const;
  /// The ends drawing on `pool`: "objectfifo @x (S2MM 0): 8, ..." (the
  /// channel only when there are several pools).
  std::string ends(int pool) const;

private:
  int poolCount;
  int64_t perPool;
  int channelsIn = 0, channelsOut = 0;
  std::vector<int64_t> used;
  std::vector<std::vector<std::string>> parts;
};

} // namespace mlir::attn

#endif // ATTN_ANALYSIS_BDPOOLS_H
