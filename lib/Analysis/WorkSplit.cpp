//===- WorkSplit.cpp - how a stage's items are spread over the array ------===//
//
// See WorkSplit.h. One definition of units, rounds and lanes for the
// scheduler, the emitter and the cost model.
//
//===----------------------------------------------------------------------===//

#include "attn/Analysis/WorkSplit.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <numeric>
#include <tuple>

using namespace mlir::attn;
using namespace mlir::attn::aiemap;

namespace {
int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
} // namespace

int64_t KeyVisibility::computedBlocks(int64_t qi) const {
  int64_t blocks = ceilDiv(std::min(keyLimit, keyLen), kvTile);
  if (!causal)
    return blocks;
  // Block j is live when j * kvTile <= last row + offset.
  int64_t last = qi * qTile + qTile - 1 + causalOffset;
  if (last < 0)
    return 0;
  return std::min(blocks, last / kvTile + 1);
}

int64_t WorkSplit::unitOf(int64_t g, int64_t k) const {
  return k * numGroups + (reversed(k) ? numGroups - 1 - g : g);
}

int64_t WorkSplit::unitsOfGroup(int64_t g) const {
  int64_t total = units(), rows = total / numGroups;
  return rows + (unitOf(g, rows) < total ? 1 : 0);
}

int64_t WorkSplit::roundsOfChunk(int64_t s) const {
  return ceilDiv(chunkLen(s), itemsPerRound());
}

int64_t WorkSplit::itemIndex(int64_t start, int64_t len, int64_t t,
                             int64_t lane, int64_t j) const {
  int64_t P = coresPerGroup(), perRound = itemsPerRound();
  int64_t base = std::min(t * perRound, std::max<int64_t>(len - perRound, 0));
  return start + std::min(base + j * P + lane, len - 1);
}

void WorkSplit::forEachRound(
    int64_t s,
    llvm::function_ref<void(int64_t round, int64_t lane, int64_t item)> fn)
    const {
  int64_t start = chunkStart(s), len = chunkLen(s), P = coresPerGroup();
  for (int64_t t = 0, n = roundsOfChunk(s); t < n; ++t)
    for (int64_t j = 0; j < tilesPerCore; ++j)
      for (int64_t lane = 0; lane < P; ++lane)
        fn(t, lane, itemIndex(start, len, t, lane, j));
}

void WorkSplit::forEachUnitClass(
    int64_t g,
    llvm::function_ref<void(int64_t chunk, bool reversed, int64_t times)> fn)
    const {
  int64_t units = unitsOfGroup(g);
  int64_t period = queryChunks / std::gcd(numGroups, queryChunks);
  if (zigzag && period % 2)
    period *= 2;
  period = std::min(period, std::max<int64_t>(units, 1));
  for (int64_t ph = 0; ph < period && ph < units; ++ph) {
    int64_t times = (units - ph + period - 1) / period;
    fn(unitOf(g, ph) % queryChunks, reversed(ph), times);
  }
}

int64_t WorkSplit::groupWork(int64_t g,
                             const std::vector<int64_t> &chunkWork) const {
  int64_t total = 0;
  forEachUnitClass(g, [&](int64_t chunk, bool, int64_t times) {
    total += times * chunkWork[chunk];
  });
  return total;
}

std::vector<int64_t> aiemap::chunkPaces(const WorkSplit &split,
                                        const KeyVisibility &vis) {
  std::vector<int64_t> paces(split.queryChunks, 0);
  for (int64_t s = 0; s < split.queryChunks; ++s) {
    if (!vis.causal) {
      // A round of k tiles per core lasts k times one tile's.
      paces[s] = split.roundsOfChunk(s) * split.tilesPerCore;
      continue;
    }
    // A round lasts as long as its busiest lane's k tiles.
    int64_t P = split.coresPerGroup();
    std::vector<int64_t> laneWork(split.roundsOfChunk(s) * P, 0);
    split.forEachRound(s, [&](int64_t t, int64_t lane, int64_t item) {
      laneWork[t * P + lane] += vis.computedBlocks(item % split.queryTiles);
    });
    for (int64_t t = 0, n = split.roundsOfChunk(s); t < n; ++t)
      paces[s] += *std::max_element(laneWork.begin() + t * P,
                                    laneWork.begin() + (t + 1) * P);
  }
  return paces;
}

int64_t aiemap::streamBlocks(const KeyVisibility &vis) {
  return ceilDiv(vis.keyLen, vis.kvTile);
}

namespace {
/// Merges runs[i + 1] into runs[i] (the merged run streams the larger count).
void mergeRuns(std::vector<RoundClass> &runs, size_t i) {
  runs[i].blocks = std::max(runs[i].blocks, runs[i + 1].blocks);
  runs[i].rounds += runs[i + 1].rounds;
  runs.erase(runs.begin() + i + 1);
}
/// Extra blocks streamed when runs[i] and runs[i + 1] merge.
int64_t mergeCost(const std::vector<RoundClass> &runs, size_t i) {
  int64_t top = std::max(runs[i].blocks, runs[i + 1].blocks);
  return runs[i].rounds * (top - runs[i].blocks) +
         runs[i + 1].rounds * (top - runs[i + 1].blocks);
}
} // namespace

int64_t ChunkRounds::blocksOfRound(int64_t t) const {
  int64_t period = periodRounds();
  if (period > 0)
    t %= period;
  for (const RoundClass &c : classes) {
    if (t < c.rounds)
      return c.blocks;
    t -= c.rounds;
  }
  return classes.empty() ? 0 : classes.back().blocks;
}

namespace {
/// The shortest p dividing the sequence's length with seq[t] == seq[t % p].
int64_t shortestPeriod(const std::vector<int64_t> &seq) {
  int64_t n = seq.size();
  for (int64_t p = 1; p < n; ++p) {
    if (n % p != 0)
      continue;
    bool periodic = true;
    for (int64_t t = p; t < n && periodic; ++t)
      periodic = seq[t] == seq[t - p];
    if (periodic)
      return p;
  }
  return n;
}
} // namespace

ChunkRounds aiemap::roundClasses(const WorkSplit &split,
                                 const KeyVisibility &vis, int64_t s) {
  int64_t rounds = split.roundsOfChunk(s);
  if (!vis.causal)
    return {1, {{rounds, streamBlocks(vis)}}};
  std::vector<int64_t> perRound(rounds, 1);
  split.forEachRound(s, [&](int64_t t, int64_t, int64_t item) {
    perRound[t] =
        std::max(perRound[t], vis.computedBlocks(item % split.queryTiles));
  });
  int64_t period = shortestPeriod(perRound);
  std::vector<RoundClass> runs;
  for (int64_t t = 0; t < period; ++t) {
    if (!runs.empty() && runs.back().blocks == perRound[t])
      ++runs.back().rounds;
    else
      runs.push_back({1, perRound[t]});
  }
  // Long periods: first merge runs pairwise in order down to a few hundred
  // (linear), then the cheapest adjacent merge until the bound holds.
  constexpr size_t kCoarse = 256;
  while (runs.size() > kCoarse) {
    std::vector<RoundClass> halved;
    for (size_t i = 0; i < runs.size(); i += 2) {
      halved.push_back(runs[i]);
      if (i + 1 < runs.size()) {
        halved.back().rounds += runs[i + 1].rounds;
        halved.back().blocks = std::max(runs[i].blocks, runs[i + 1].blocks);
      }
    }
    runs = std::move(halved);
  }
  while (runs.size() > static_cast<size_t>(kMaxRoundClasses)) {
    size_t best = 0;
    for (size_t i = 1; i + 1 < runs.size(); ++i)
      if (mergeCost(runs, i) < mergeCost(runs, best))
        best = i;
    mergeRuns(runs, best);
  }
  // Merging may leave equal neighbours: fold them.
  for (size_t i = 0; i + 1 < runs.size();)
    if (runs[i].blocks == runs[i + 1].blocks)
      mergeRuns(runs, i);
    else
      ++i;
  return {rounds / period, std::move(runs)};
}

LaneBalance aiemap::laneBalance(const WorkSplit &split,
                                const KeyVisibility &vis, int64_t passes) {
  int64_t P = split.coresPerGroup();
  // Blocks per position in the round, per chunk (the same for every work
  // head: visibility depends on the query tile only).
  std::vector<std::vector<int64_t>> perChunk(split.queryChunks,
                                             std::vector<int64_t>(P, 0));
  for (int64_t s = 0; s < split.queryChunks; ++s)
    split.forEachRound(s, [&](int64_t, int64_t lane, int64_t item) {
      perChunk[s][lane] += passes * vis.computedBlocks(item % split.queryTiles);
    });
  LaneBalance lb;
  lb.lanes = split.numGroups * P;
  for (int64_t g = 0; g < split.numGroups; ++g)
    for (int64_t w = 0; w < split.groupColumns; ++w)
      for (int64_t r = 0; r < split.coresPerColumn; ++r) {
        int64_t core = 0;
        split.forEachUnitClass(g, [&](int64_t chunk, bool rev, int64_t times) {
          core += times * perChunk[chunk][split.laneOf(rev ? 1 : 0, w, r)];
        });
        lb.busiest = std::max(lb.busiest, core);
        lb.total += core;
      }
  return lb;
}

bool SplitRank::operator<(const SplitRank &o) const {
  auto key = [](const SplitRank &r) {
    return std::make_tuple(r.critical, r.waste, r.totalRounds,
                           -r.split.groupColumns, r.split.queryChunks,
                           -r.split.coresPerColumn, -r.split.tilesPerCore);
  };
  return key(*this) < key(o);
}

std::vector<SplitRank> aiemap::rankSplits(const WorkSplit &base,
                                          int64_t columns, int64_t planCores,
                                          const std::vector<int64_t> &widths,
                                          int64_t minChunks, int64_t maxChunks,
                                          const KeyVisibility &vis) {
  std::vector<SplitRank> ranks;
  // Fewer query tiles per core than the plan's k are tried too (a round of
  // k tiles lasts k times one tile's: the critical work counts it).
  for (int64_t tiles = base.tilesPerCore; tiles >= 1; --tiles)
    for (int64_t cores = planCores; cores >= 1; --cores)
      for (int64_t w : widths)
        for (int64_t s = minChunks; s <= maxChunks; ++s) {
          SplitRank r;
          WorkSplit &sp = r.split;
          sp = base;
          sp.tilesPerCore = tiles;
          sp.coresPerColumn = cores;
          sp.groupColumns = w;
          sp.numGroups = columns / w;
          sp.queryChunks = s;
          // Reversing only keeps every lane on a distinct item when no chunk
          // is shorter than a round (no repeated last item).
          sp.zigzag = vis.causal && sp.itemsPerHead / s >= sp.itemsPerRound();
          std::vector<int64_t> paces = chunkPaces(sp, vis);
          for (int64_t g = 0; g < sp.numGroups; ++g)
            r.critical = std::max(r.critical, sp.groupWork(g, paces));
          int64_t perHead = 0, waste = 0;
          for (int64_t c = 0; c < s; ++c) {
            perHead += sp.roundsOfChunk(c);
            waste += sp.roundsOfChunk(c) * sp.itemsPerRound() - sp.chunkLen(c);
          }
          r.waste = waste * sp.workHeads;
          r.totalRounds = perHead * sp.workHeads;
          ranks.push_back(r);
        }
  llvm::sort(ranks);
  if (!vis.causal || ranks.empty())
    return ranks;
  // Causal: among the choices within kCausalSlack of the best paced work,
  // the one whose busiest core computes the fewest key blocks comes first.
  int64_t best = ranks.front().critical;
  auto near =
      std::partition_point(ranks.begin(), ranks.end(), [&](const SplitRank &r) {
        return r.critical * 100 <= best * (100 + kCausalSlackPct);
      });
  for (auto it = ranks.begin(); it != near; ++it)
    it->busiestLane = laneBalance(it->split, vis, 1).busiest;
  std::stable_sort(ranks.begin(), near,
                   [](const SplitRank &a, const SplitRank &b) {
                     return a.busiestLane < b.busiestLane;
                   });
  return ranks;
}

int64_t aiemap::columnStreams(StageKind kind) {
  // Every kind has an item stream per column but pv, whose per-core step
  // tiles (P) take that channel instead.
  (void)kind;
  return 1;
}

int64_t aiemap::stepStreamCount(StageKind kind, int64_t headDim,
                                int64_t valueDim, bool mask, bool bias) {
  int64_t rows = (mask ? 1 : 0) + (bias ? 1 : 0);
  switch (kind) {
  case StageKind::Online:
    return 2 + rows;
  case StageKind::Full:
    return headDim == valueDim && rows == 0 ? 1 : 2 + rows;
  case StageKind::QK:
  case StageKind::QKSoftmax:
  case StageKind::Pilot:
    return 1 + rows;
  case StageKind::PV:
    return 1;
  case StageKind::Softmax:
    return 0;
  }
  return 0;
}

std::vector<int64_t> aiemap::groupWidths(int64_t columns, int64_t arrayColumns,
                                         int64_t shimInputs,
                                         int64_t columnStreams,
                                         int64_t stepStreams) {
  std::vector<int64_t> widths;
  int64_t spare = shimInputs - columnStreams;
  for (int64_t w = 1; w <= columns; ++w) {
    if (columns % w != 0)
      continue;
    if (stepStreams == 0) {
      if (w == 1)
        widths.push_back(w);
      continue;
    }
    int64_t missing = std::max<int64_t>(0, stepStreams - w * spare);
    int64_t borrowable = (arrayColumns - columns) * shimInputs;
    if (missing * (columns / w) <= borrowable)
      widths.push_back(w);
  }
  return widths;
}

int64_t aiemap::maxQueryChunks(const WorkSplit &base, int64_t columns,
                               const KeyVisibility &vis) {
  return std::min<int64_t>(base.itemsPerHead, (vis.causal ? 2 : 1) * columns);
}
