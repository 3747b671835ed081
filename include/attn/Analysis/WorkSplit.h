//===- WorkSplit.h - how a stage's items are spread over the array -*- C++ -*-//
//
// THE work decomposition of an emitted AIE stage (docs/aie-mapping.md, "Work
// decomposition"): items (query tiles of a work head) cut into chunks, units
// (one chunk of one work head) dealt to broadcast groups, rounds of P items
// per group, and which item each lane of a group computes in each round.
// attn-schedule-dma chooses and records it, convert-attn-to-aie emits the
// core loops from it, and the cost model prices the same rounds, so the
// three cannot drift apart. Causal layers deal the units boustrophedon
// (`zigzag`): on odd dealing rows the groups, and the columns inside a group,
// take the work in reverse order, which pairs early (cheap) query tiles with
// late (expensive) ones on every lane while each round's items stay
// consecutive query tiles (one regular DMA pattern per column and round).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_ANALYSIS_WORKSPLIT_H
#define ATTN_ANALYSIS_WORKSPLIT_H

#include "attn/Dialect/Attn/IR/AttnEnums.h"

#include "llvm/ADT/STLFunctionalExtras.h"

#include <cstdint>
#include <vector>

namespace mlir::attn::aiemap {

/// Which key blocks an item computes: the emitted cores skip a block whose
/// first key is at or past the real keys or (causal) right of the tile's
/// last query row's diagonal.
struct KeyVisibility {
  int64_t qTile = 1, kvTile = 1, keyLen = 1; // padded key length
  int64_t keyLimit = 1;                      // real keys
  bool causal = false;
  int64_t causalOffset = 0; // key k hidden from query q when k > q + offset
  /// Key blocks query tile `qi` computes.
  int64_t computedBlocks(int64_t qi) const;
};

struct WorkSplit {
  int64_t workHeads = 1;    // kv heads (heads for softmax)
  int64_t itemsPerHead = 1; // n = G * nQ, ordered (head of group, qi)
  int64_t queryTiles = 1;   // nQ
  int64_t coresPerColumn = 1, groupColumns = 1, numGroups = 1;
  int64_t queryChunks = 1; // S chunks per work head
  /// Query tiles each core keeps against one K/V stream (the plan's k of
  /// l2_q_block); a round covers P * tilesPerCore items.
  int64_t tilesPerCore = 1;
  /// Boustrophedon dealing: odd rows reverse the groups and the columns.
  bool zigzag = false;

  int64_t coresPerGroup() const { return groupColumns * coresPerColumn; }
  int64_t itemsPerRound() const { return coresPerGroup() * tilesPerCore; }
  int64_t units() const { return workHeads * queryChunks; }
  /// The unit group `g` runs k-th (units >= units() do not exist).
  int64_t unitOf(int64_t g, int64_t k) const;
  int64_t unitsOfGroup(int64_t g) const;
  bool reversed(int64_t k) const { return zigzag && (k & 1); }
  /// Chunk [start, start + len) of a work head's items for split `s`.
  int64_t chunkStart(int64_t s) const { return s * itemsPerHead / queryChunks; }
  int64_t chunkLen(int64_t s) const {
    return chunkStart(s + 1) - chunkStart(s);
  }
  int64_t roundsOfChunk(int64_t s) const;
  /// Position in the round of the core at (column `w`, row `r`) of a group
  /// while it runs its k-th unit.
  int64_t laneOf(int64_t k, int64_t w, int64_t r) const {
    return (reversed(k) ? groupColumns - 1 - w : w) * coresPerColumn + r;
  }
  /// Item (index in the work head) of query tile `j` (of the k a core keeps)
  /// at position `lane` of round `t` of a chunk: rounds advance by P k items
  /// (tile j of every lane, then tile j + 1), the last one shifted back to
  /// end with the chunk; a chunk shorter than P k repeats its last item.
  int64_t itemIndex(int64_t start, int64_t len, int64_t t, int64_t lane,
                    int64_t j = 0) const;
  /// Calls fn(round, lane, item index) for the P positions (times the k
  /// tiles of each) of every round of the chunk `s`, round by round.
  void forEachRound(
      int64_t s,
      llvm::function_ref<void(int64_t round, int64_t lane, int64_t item)> fn)
      const;
  /// Calls fn(chunk, reversed, times) for the units group `g` runs, grouped
  /// by class: a unit's chunk and dealing direction repeat with a period in
  /// k, so this costs O(period), not O(units) (batch 100,000 layers).
  void forEachUnitClass(
      int64_t g,
      llvm::function_ref<void(int64_t chunk, bool reversed, int64_t times)> fn)
      const;
  /// Sum over every round group `g` runs of `pace(round's items)`.
  int64_t groupWork(int64_t g, const std::vector<int64_t> &chunkWork) const;
};

/// A run of consecutive rounds of a chunk whose K/V stream carries the same
/// number of key blocks: the first `blocks` blocks of the kv head, every
/// round of the run (docs/aie-mapping.md, "Round classes").
struct RoundClass {
  int64_t rounds = 0, blocks = 0;
  bool operator==(const RoundClass &o) const {
    return rounds == o.rounds && blocks == o.blocks;
  }
};

/// A chunk's rounds as classes: `classes` in round order, the whole list run
/// `repeats` times (a GQA chunk covering whole heads repeats its heads'
/// visibility pattern: one loop over the repeats keeps the core programs
/// small).
struct ChunkRounds {
  int64_t repeats = 1;
  std::vector<RoundClass> classes;
  int64_t periodRounds() const {
    int64_t n = 0;
    for (const RoundClass &c : classes)
      n += c.rounds;
    return n;
  }
  /// Key blocks round `t` of the chunk streams.
  int64_t blocksOfRound(int64_t t) const;
  bool operator==(const ChunkRounds &o) const {
    return repeats == o.repeats && classes == o.classes;
  }
};

/// Most round classes in one period of a chunk: each is a loop nest of its
/// own in every core program (constant trip counts), so their number is
/// bounded.
constexpr int64_t kMaxRoundClasses = 8;

/// Key blocks of a whole (non-skipping) stream of one kv head.
int64_t streamBlocks(const KeyVisibility &vis);

/// The rounds of chunk `s` as classes. Causal layers stream per round the
/// most key blocks any of its items computes (at least one); the shortest
/// period of that sequence (dividing the chunk's rounds) is taken once, its
/// runs of equal counts form the classes, and more than kMaxRoundClasses runs
/// are merged (adjacent runs, the cheapest merge first; a merged run streams
/// the larger count). Without a causal rule one class streams every block.
ChunkRounds roundClasses(const WorkSplit &split, const KeyVisibility &vis,
                         int64_t s);

/// Per-core totals of computed key blocks (the work a lane does).
struct LaneBalance {
  int64_t busiest = 0, total = 0, lanes = 1;
  double ratio() const {
    return total > 0 ? double(busiest) * lanes / double(total) : 1.0;
  }
};
/// Computed key blocks per core (`passes` per block) over the whole stage.
LaneBalance laneBalance(const WorkSplit &split, const KeyVisibility &vis,
                        int64_t passes);

/// Per chunk: the sum over its rounds of the round's pace, the most key
/// blocks any of its items computes (lanes of a group run in step with the
/// broadcast K/V stream). Without a causal rule every round costs the same
/// (1 per round).
std::vector<int64_t> chunkPaces(const WorkSplit &split,
                                const KeyVisibility &vis);

/// The ranking key of a decomposition (smaller is better): critical work
/// (rounds, or paced key blocks for causal layers) of the busiest group,
/// recomputed items, total rounds, then wider groups, fewer chunks, more
/// cores per column.
struct SplitRank {
  int64_t critical = 0, waste = 0, totalRounds = 0;
  int64_t busiestLane = 0; // causal: key blocks of the busiest core
  WorkSplit split;
  bool operator<(const SplitRank &o) const;
};

/// Causal layers: choices within this many percent of the best paced work
/// are ranked by their busiest core's key blocks first (lane balance).
constexpr int64_t kCausalSlackPct = 2;

/// Every decomposition of `columns` x (1..planCores) cores into groups of
/// the given widths and `minChunks..maxChunks` chunks, ranked.
std::vector<SplitRank> rankSplits(const WorkSplit &base, int64_t columns,
                                  int64_t planCores,
                                  const std::vector<int64_t> &widths,
                                  int64_t minChunks, int64_t maxChunks,
                                  const KeyVisibility &vis);

/// Shim streams a stage needs: per column (its items, or per-core step
/// tiles of a pv stage) and per broadcast group (K, V or their shared
/// stream, the mask and bias rows). `sharedKV`: the full fold's K and V
/// share one stream (D == Dv without mask or bias).
int64_t columnStreams(StageKind kind);
int64_t stepStreamCount(StageKind kind, int64_t headDim, int64_t valueDim,
                        bool mask, bool bias);

/// Group widths (divisors of `columns`) whose shims carry the group's step
/// streams; streams a group's own shims cannot carry borrow the shims of the
/// array's columns the plan leaves without cores.
std::vector<int64_t> groupWidths(int64_t columns, int64_t arrayColumns,
                                 int64_t shimInputs, int64_t columnStreams,
                                 int64_t stepStreams);

/// Most chunks a work head is cut into when the scheduler chooses: one per
/// column, two for causal layers (an early and a late one per dealing pair).
int64_t maxQueryChunks(const WorkSplit &base, int64_t columns,
                       const KeyVisibility &vis);

} // namespace mlir::attn::aiemap

#endif // ATTN_ANALYSIS_WORKSPLIT_H
