//===- BDPools.cpp - a tile's buffer descriptors per channel pool ---------===//

#include "attn/Analysis/BDPools.h"

#include "attn/Support/CheckedArith.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir::attn;

TileBDPools::TileBDPools(const NPUTarget &target, TileKind kind)
    : poolCount(target.bdPools(kind)), perPool(target.bdsPerPool(kind)),
      used(poolCount, 0), parts(poolCount) {}

int TileBDPools::add(bool s2mm, int64_t bds, llvm::StringRef what) {
  int channel = s2mm ? channelsIn++ : channelsOut++;
  int pool = channel % poolCount;
  used[pool] = saturatingAdd(used[pool], bds);
  // The channel matters to the reader only when it picks the pool.
  parts[pool].push_back(
      poolCount > 1 ? llvm::formatv("{0} ({1} {2}): {3}", what,
                                    s2mm ? "S2MM" : "MM2S", channel, bds)
                          .str()
                    : llvm::formatv("{0}: {1}", what, bds).str());
  return channel;
}

int64_t TileBDPools::total() const {
  int64_t sum = 0;
  for (int64_t u : used)
    sum = saturatingAdd(sum, u);
  return sum;
}

int TileBDPools::overfull() const {
  for (int p = 0; p < pools(); ++p)
    if (used[p] > perPool)
      return p;
  return -1;
}

std::string TileBDPools::poolName(int pool) const {
  if (poolCount == 1)
    return "buffer descriptors";
  std::string channels =
      poolCount == 2 ? (pool == 0 ? "even" : "odd")
                     : llvm::formatv("{0} mod {1}", pool, poolCount).str();
  return llvm::formatv("{0}-channel BD pool (ids {1}-{2})", channels,
                       pool * perPool, (pool + 1) * perPool - 1)
      .str();
}

std::string TileBDPools::ends(int pool) const {
  return llvm::join(parts[pool], ", ");
}
