//===- StageSchedule.cpp - plan one attn.stage on the AIE array -----------===//
//
// Implements planStage(): work decomposition into broadcast groups and units,
// object FIFOs and their channels, depth selection against L1/L2, and the
// runtime sequence (access-pattern compression, batches, BD ids, waits).
// docs/aie-mapping.md explains the design; every limit is read from the
// NPUTarget table.
//
//===----------------------------------------------------------------------===//

#include "attn/Conversion/AttnToAIE/StageSchedule.h"

#include "attn/Conversion/AttnToAIE/MemTileBDs.h"
#include "attn/Support/CheckedArith.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <deque>
#include <map>
#include <set>
#include <tuple>

using namespace mlir::attn;
using namespace mlir::attn::aiemap;

llvm::StringRef aiemap::stringifyRole(Role role) {
  return stringifyDramRole(role);
}

std::vector<Role> aiemap::stageInputs(StageKind kind) {
  switch (kind) {
  case StageKind::Online:
  case StageKind::Full:
    return {Role::Q, Role::K, Role::V};
  case StageKind::QK:
  case StageKind::QKSoftmax:
  case StageKind::Pilot:
    return {Role::Q, Role::K};
  case StageKind::Softmax:
    return {Role::S};
  case StageKind::PV:
    return {Role::P, Role::V};
  }
  return {};
}

Role aiemap::stageOutput(StageKind kind) {
  switch (kind) {
  case StageKind::Online:
  case StageKind::Full:
  case StageKind::PV:
    return Role::O;
  case StageKind::QK:
  case StageKind::Pilot:
    return Role::S;
  case StageKind::Softmax:
  case StageKind::QKSoftmax:
    return Role::P;
  }
  return Role::O;
}

int64_t FifoSpec::objectBytes() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n * attn::bytes(elem);
}

//===----------------------------------------------------------------------===//
// Stage-kind properties
//===----------------------------------------------------------------------===//

namespace {

bool hasItem(StageKind k) { return k != StageKind::PV; }
std::vector<Role> stepRoles(StageKind k) {
  switch (k) {
  case StageKind::Online:
  case StageKind::Full:
    return {Role::K, Role::V};
  case StageKind::QK:
  case StageKind::QKSoftmax:
  case StageKind::Pilot:
    return {Role::K};
  case StageKind::PV:
    return {Role::V};
  case StageKind::Softmax:
    return {};
  }
  return {};
}
bool hasCoreStep(StageKind k) { return k == StageKind::PV; }
/// Whether the output is written once per step (S or P tiles) or once per
/// item.
bool outputPerStep(StageKind k) {
  return k == StageKind::QK || k == StageKind::QKSoftmax ||
         k == StageKind::Pilot;
}
/// The same, for a described stage: a streamed softmax takes its S chunks
/// per core and step (no item) and writes a P chunk per step.
bool hasItem(const StageDesc &d) {
  return hasItem(d.kind) && !d.streamedSoftmax();
}
bool hasCoreStep(const StageDesc &d) {
  return hasCoreStep(d.kind) || d.streamedSoftmax();
}
bool outputPerStep(const StageDesc &d) {
  return outputPerStep(d.kind) || d.streamedSoftmax();
}
/// Passes over the key blocks per item: the full fold streams K/V twice
/// (scores, then P V), everything else once.
int64_t keyPasses(StageKind k) { return k == StageKind::Full ? 2 : 1; }

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

} // namespace

//===----------------------------------------------------------------------===//
// StageSchedule queries
//===----------------------------------------------------------------------===//

WorkSplit StageSchedule::split() const {
  WorkSplit w;
  w.workHeads = workHeads;
  w.itemsPerHead = itemsPerHead;
  w.queryTiles = desc.qLen / desc.qTile;
  w.coresPerColumn = desc.coresPerColumn;
  w.groupColumns = groupColumns;
  w.numGroups = numGroups;
  w.queryChunks = queryChunks;
  w.zigzag = zigzag;
  w.tilesPerCore = std::max<int64_t>(1, desc.queryTiles);
  return w;
}

int64_t StageSchedule::unitsOfGroup(int64_t g) const {
  return split().unitsOfGroup(g);
}

int64_t StageSchedule::chunkStart(int64_t s) const {
  return split().chunkStart(s);
}

int64_t StageSchedule::chunkLen(int64_t s) const { return split().chunkLen(s); }

int64_t StageSchedule::itemsPerRound() const { return split().itemsPerRound(); }

int64_t StageSchedule::roundsOfChunk(int64_t s) const {
  return split().roundsOfChunk(s);
}

ChunkRounds StageSchedule::classesOfChunk(int64_t s) const {
  if (roundClasses.empty())
    return {1, {{roundsOfChunk(s), steps}}};
  return roundClasses[s];
}

int64_t StageSchedule::stepsOfRound(int64_t s, int64_t t) const {
  if (roundClasses.empty())
    return steps;
  return roundClasses[s].blocksOfRound(t);
}

KeyVisibility aiemap::stageKeyVisibility(const StageDesc &d, int64_t stepTile) {
  KeyVisibility v;
  v.qTile = d.qTile;
  v.kvTile = std::max<int64_t>(1, stepTile);
  v.keyLen = d.kvLen;
  v.keyLimit = d.keyLimit > 0 ? d.keyLimit : d.kvLen;
  // Stages whose cores skip the key blocks a causal rule hides.
  bool skips = d.kind == StageKind::Online || d.kind == StageKind::Full ||
               d.kind == StageKind::QK || d.kind == StageKind::QKSoftmax;
  v.causal = d.causal && skips;
  v.causalOffset = d.causalOffset;
  return v;
}

bool aiemap::streamsVisibleBlocks(const StageDesc &d) {
  // L2-resident K/V: the memtile re-sends the whole K|V object every round
  // (repeat_count), so every round streams every block.
  return d.causal && d.kind == StageKind::Online && !d.kvResident;
}

ElementKind StageSchedule::roleElement(Role role) const {
  return (role == Role::S || role == Role::P) ? ElementKind::F32 : desc.elem;
}

int64_t StageSchedule::roleElements(Role role) const {
  const StageDesc &d = desc;
  switch (role) {
  case Role::Q:
    return d.batch * d.heads * d.qLen * d.headDim;
  case Role::K:
    return d.batch * d.kvHeads * d.kvLen * d.headDim;
  case Role::V:
    return d.batch * d.kvHeads * d.kvLen * d.valueDim;
  case Role::S:
  case Role::P:
    return d.batch * d.heads * d.qLen * d.kvLen;
  case Role::O:
    return d.batch * d.heads * d.qLen * d.valueDim;
  case Role::M:
    return d.maskBatches * d.maskHeads * d.maskRows * d.kvLen;
  case Role::Bias:
    return d.biasBatches * d.biasHeads * d.biasRows * d.kvLen;
  }
  return 0;
}

//===----------------------------------------------------------------------===//
// DRAM addressing
//===----------------------------------------------------------------------===//

namespace {

/// The DRAM rows of one transfer (their start offsets, in order) as
/// arithmetic progressions: a tile of a tensor is one progression, and
/// consecutive tiles that continue it merge, so a transfer costs its tiles,
/// not its rows.
class RowList {
public:
  struct Progression {
    int64_t start = 0, count = 0, stride = 0;
  };
  /// Appends rows start, start + stride, ... (`count` of them).
  void add(int64_t start, int64_t count = 1, int64_t stride = 0) {
    if (count <= 0)
      return;
    if (count == 1)
      stride = 0;
    rows += count;
    if (!list.empty()) {
      Progression &p = list.back();
      int64_t gap = start - (p.start + (p.count - 1) * p.stride);
      if ((p.count == 1 || p.stride == gap) && (count == 1 || stride == gap)) {
        p.stride = gap;
        p.count += count;
        return;
      }
    }
    list.push_back({start, count, stride});
  }
  bool empty() const { return rows == 0; }
  int64_t size() const { return rows; }
  const std::vector<Progression> &progressions() const { return list; }

private:
  std::vector<Progression> list;
  int64_t rows = 0;
};

/// The rows of a RowList, each cut into `pieces` runs `pieceLen` apart,
/// seen through the differences of consecutive runs, run-length encoded
/// (adjacent runs of differences differ). Answers what the access-pattern
/// compression asks, in time proportional to the encoded runs involved
/// rather than to the rows.
class RowDiffs {
public:
  RowDiffs(const RowList &rows, int64_t pieces, int64_t pieceLen) {
    runs.reserve(2 * static_cast<size_t>(pieces > 1
                                             ? rows.size()
                                             : rows.progressions().size()));
    for (const RowList::Progression &p : rows.progressions()) {
      if (pieces == 1) {
        pushRow(p.start);
        pushDiff(p.stride, p.count - 1);
        continue;
      }
      for (int64_t r = 0; r < p.count; ++r) {
        pushRow(p.start + r * p.stride);
        pushDiff(pieceLen, pieces - 1);
      }
    }
  }
  int64_t size() const { return n; }
  /// Start of run `i`.
  int64_t at(int64_t i) const {
    if (i == 0)
      return first;
    const Run &r = runs[runOf(i - 1)];
    return r.addr + (i - r.first) * r.value;
  }
  /// Consecutive differences equal to difference `i` (at(i + 1) - at(i)),
  /// starting there.
  int64_t sameFrom(int64_t i) const {
    const Run &r = runs[runOf(i)];
    return r.first + r.len - i;
  }
  /// How many consecutive differences from `i` on repeat `period` later
  /// (difference x equals difference x + period), counting up to `limit`.
  int64_t periodic(int64_t i, int64_t period, int64_t limit) const {
    int64_t x = i, y = i + period, count = 0;
    if (limit <= 0 || y >= n - 1)
      return 0;
    size_t rx = runOf(x), ry = runOf(y);
    while (count < limit && y < n - 1) {
      const Run &a = runs[rx], &b = runs[ry];
      if (a.value != b.value)
        break;
      int64_t step =
          std::min({a.first + a.len - x, b.first + b.len - y, limit - count});
      x += step;
      y += step;
      count += step;
      if (x == a.first + a.len)
        ++rx;
      if (y == b.first + b.len)
        ++ry;
    }
    return count;
  }
  /// The most blocks of `period` runs from `i`, at most `limit`, each the
  /// previous one shifted by one constant (at(i + period) - at(i)): block k
  /// is block k - 1 moved by that stride exactly when the differences over
  /// [i, i + (k - 1) * period - 1) repeat `period` later.
  int64_t repeatedBlocks(int64_t i, int64_t period, int64_t limit) const {
    int64_t most = std::min(limit, (n - i) / period);
    if (most < 2)
      return 1;
    int64_t same = periodic(i, period, (most - 1) * period - 1);
    return std::min(most, 1 + (same + 1) / period);
  }

private:
  /// Differences first .. first + len - 1 are `value`; run `first` starts
  /// at `addr`.
  struct Run {
    int64_t first, len, value, addr;
  };
  std::vector<Run> runs;
  int64_t n = 0, first = 0, last = 0;

  void pushRow(int64_t a) {
    if (n == 0) {
      first = last = a;
      n = 1;
      return;
    }
    pushDiff(a - last, 1);
  }
  /// `count` differences of `value` after the last run.
  void pushDiff(int64_t value, int64_t count) {
    if (count <= 0)
      return;
    if (!runs.empty() && runs.back().value == value)
      runs.back().len += count;
    else
      runs.push_back({n - 1, count, value, last});
    last += count * value;
    n += count;
  }
  size_t runOf(int64_t diff) const {
    auto it =
        std::upper_bound(runs.begin(), runs.end(), diff,
                         [](int64_t d, const Run &r) { return d < r.first; });
    return static_cast<size_t>(it - runs.begin()) - 1;
  }
};

/// Element offset of row `row` of head `head` in batch `b` of a DRAM tensor,
/// and the length of its rows.
struct Addressing {
  const StageDesc &d;
  int64_t rowOffset(Role role, int64_t b, int64_t head, int64_t row) const {
    switch (role) {
    case Role::Q:
      return d.blhd ? ((b * d.qLen + row) * d.heads + head) * d.headDim
                    : ((b * d.heads + head) * d.qLen + row) * d.headDim;
    case Role::O:
      return d.blhd ? ((b * d.qLen + row) * d.heads + head) * d.valueDim
                    : ((b * d.heads + head) * d.qLen + row) * d.valueDim;
    case Role::K:
      return d.blhd ? ((b * d.kvLen + row) * d.kvHeads + head) * d.headDim
                    : ((b * d.kvHeads + head) * d.kvLen + row) * d.headDim;
    case Role::V:
      return d.blhd ? ((b * d.kvLen + row) * d.kvHeads + head) * d.valueDim
                    : ((b * d.kvHeads + head) * d.kvLen + row) * d.valueDim;
    case Role::S:
    case Role::P:
      return ((b * d.heads + head) * d.qLen + row) * d.kvLen;
    case Role::M:
    case Role::Bias: // key `row` of the key row of (b, head)
      return maskOffset(role, b, head, 0, row);
    }
    return 0;
  }
  /// Element offset of key `key` for query row `row` of head `head` in
  /// batch `b` of the explicit mask or bias ([Bm][Hm][Lqm][Lk], broadcast
  /// dimensions of size 1 read for every index).
  int64_t maskOffset(Role role, int64_t b, int64_t head, int64_t row,
                     int64_t key) const {
    bool bias = role == Role::Bias;
    int64_t bm = bias ? d.biasBatches : d.maskBatches;
    int64_t hm = bias ? d.biasHeads : d.maskHeads;
    int64_t rm = bias ? d.biasRows : d.maskRows;
    return (((bm > 1 ? b : 0) * hm + (hm > 1 ? head : 0)) * rm +
            (rm > 1 ? row : 0)) *
               d.kvLen +
           key;
  }
  /// Appends the rows [row0, row0 + rows) from column `col0` (one
  /// progression: a DRAM tensor's rows are evenly spaced).
  void tile(RowList &runs, Role role, int64_t b, int64_t head, int64_t row0,
            int64_t rows, int64_t col0) const {
    int64_t first = rowOffset(role, b, head, row0);
    int64_t stride = rows > 1 ? rowOffset(role, b, head, row0 + 1) - first : 0;
    runs.add(first + col0, rows, stride);
  }
};

/// Largest divisor of `n` that is at most `limit` (>= 1).
int64_t largestDivisorAtMost(int64_t n, int64_t limit) {
  for (int64_t d = std::min(n, limit); d > 1; --d)
    if (n % d == 0)
      return d;
  return 1;
}

/// Compresses equal-length runs (`rows`, `runLenIn` elements each) into
/// shim access patterns, greedily from the first run: d1 an arithmetic
/// progression of runs, d2 blocks of d1 at a constant stride, d3 (repeat)
/// blocks of d2. The rows are read through RowDiffs, so the cost follows
/// the progressions, not the rows.
bool compressRuns(const RowList &rows, int64_t runLenIn, int64_t elemBytes,
                  const DmaLimits &lim, std::vector<Pattern> &out,
                  std::string &error) {
  auto words = [&](int64_t elems) { return elems * elemBytes / lim.unitBytes; };
  auto aligned = [&](int64_t elems) {
    return (elems * elemBytes) % lim.unitBytes == 0;
  };
  if (!aligned(runLenIn)) {
    error = llvm::formatv("a transfer row of {0} elements is not a whole "
                          "number of {1}-byte DMA units",
                          runLenIn, lim.unitBytes);
    return false;
  }
  // Rows longer than one dimension allows become several runs.
  int64_t runLen = runLenIn;
  if (words(runLen) > lim.maxSize) {
    int64_t best = 0;
    for (int64_t piece = runLen; piece >= 1; --piece)
      if (runLen % piece == 0 && aligned(piece) &&
          words(piece) <= lim.maxSize) {
        best = piece;
        break;
      }
    if (!best) {
      error = llvm::formatv("a transfer row of {0} elements cannot be split "
                            "into DMA dimensions of at most {1} words",
                            runLenIn, lim.maxSize);
      return false;
    }
    runLen = best;
  }
  RowDiffs addrs(rows, runLenIn / runLen, runLen);
  auto strideOk = [&](int64_t stride, bool allowZero) {
    if (stride < 0 || (!allowZero && stride == 0) || !aligned(stride))
      return false;
    return words(stride) <= lim.maxStrideWords;
  };
  int64_t n = addrs.size(), i = 0;
  while (i < n) {
    int64_t a = addrs.at(i);
    if (!aligned(a)) {
      error = llvm::formatv("a transfer starts at element {0}, not on a "
                            "{1}-byte DMA unit",
                            a, lim.unitBytes);
      return false;
    }
    // d1: an arithmetic progression of runs.
    int64_t s1 = 1, t1 = 0;
    if (i + 1 < n && strideOk(addrs.at(i + 1) - a, false)) {
      t1 = addrs.at(i + 1) - a;
      int64_t m = 1 + addrs.sameFrom(i);
      int64_t cap = std::min<int64_t>(m, lim.maxSize);
      int64_t div = largestDivisorAtMost(m, lim.maxSize);
      s1 = 2 * div >= cap ? div : cap;
    }
    // d2: blocks of s1 runs at a constant positive stride.
    int64_t s2 = 1, t2 = 0;
    if (i + s1 < n && strideOk(addrs.at(i + s1) - a, false)) {
      s2 = addrs.repeatedBlocks(i, s1, lim.maxSize);
      t2 = s2 > 1 ? addrs.at(i + s1) - a : 0;
    }
    // d3 (repeat): blocks of s1*s2 runs, stride 0 allowed.
    int64_t block = s1 * s2, s3 = 1, t3 = 0;
    if (i + block < n && strideOk(addrs.at(i + block) - a, true)) {
      s3 = addrs.repeatedBlocks(i, block, lim.maxOuterSize);
      t3 = s3 > 1 ? addrs.at(i + block) - a : 0;
    }
    Pattern p;
    p.offset = a;
    p.sizes = {s3, s2, s1, runLen};
    p.strides = {s3 > 1 ? t3 : 0, s2 > 1 ? t2 : 0, s1 > 1 ? t1 : 0, 1};
    out.push_back(p);
    i += s3 * block;
  }
  return true;
}

//===----------------------------------------------------------------------===//
// Planner
//===----------------------------------------------------------------------===//

/// DRAM rows the runtime sequence of a stage addresses at most: a
/// compile-time bound (policy, not a hardware fact). The builder holds the
/// rows as progressions (a tile each, RowList), so its cost follows the
/// tiles, not the rows; the bound is kept so that the layers accepted do
/// not change.
constexpr int64_t kMaxSequenceRows = int64_t(1) << 26;

/// The core layout inputs of `d` with `rows` query rows per core step.
CoreLayoutParams layoutParams(const StageDesc &d, int64_t rows,
                              int64_t lanes = 1) {
  CoreLayoutParams p;
  p.kind = d.kind;
  p.qTile = rows;
  p.kvTile = d.kvTile;
  p.keyLen = d.kvLen;
  p.headDim = d.headDim;
  p.valueDim = d.valueDim;
  p.elem = d.elem;
  p.depth = d.depth;
  p.keepMask = d.maskKind == StageDesc::KeepMask;
  p.addMask = d.maskKind == StageDesc::AddMask;
  p.bias = d.hasBias;
  p.maskLaneRows = d.maskLaneRows();
  p.biasLaneRows = d.biasLaneRows();
  p.maskGroupRows = d.maskGroupRows();
  p.biasGroupRows = d.biasGroupRows();
  p.lanes = lanes;
  p.validLenWords = d.hasValidLen ? d.batch : 0;
  p.softmaxChunk = d.softmaxChunk;
  p.queryTiles = d.queryTiles;
  p.kvResident = d.kvResident;
  return p;
}

struct Planner {
  StageDesc d;
  const NPUTarget &t;
  std::string &error;
  StageSchedule sch;
  Addressing addr{sch.desc};

  int64_t nQ = 0;
  std::vector<Role> steps;
  /// Shim streams of the broadcast operand: each carries one role, or (full
  /// fold with D == Dv) K blocks then V blocks of every round in turn.
  std::vector<std::vector<Role>> stepStreams;
  bool joinedKV() const { return stepStreams.size() > 1; }
  /// L2-resident K/V: copies of the resident object at the host memtile,
  /// and the plan's lanes per column and tiles per lane (the rounds bound).
  int64_t residentCopies = 1;
  int64_t planCores = 1, planQueryTiles = 1;

  Planner(const StageDesc &desc, const NPUTarget &target, std::string &err)
      : d(desc), t(target), error(err) {
    planCores = desc.coresPerColumn;
    planQueryTiles = desc.queryTiles;
    sch.desc = desc;
    sch.targetName = target.name.str();
  }

  bool fail(const llvm::Twine &msg) {
    error = msg.str();
    return false;
  }

  int64_t eb(Role role) const { return bytes(sch.roleElement(role)); }

  // Ranked group/chunk/core choices (WorkSplit.h): fewer cores than the
  // plan's are tried too: a layer with fewer query tiles than cores would
  // otherwise make cores repeat items.
  using Candidate = SplitRank;
  std::vector<Candidate> candidates;

  /// The key blocks the cores compute per item (what a round's pace is).
  KeyVisibility keyVisibility() const;
  bool validate();
  bool chooseSoftmaxRows();
  bool checkQueryTiles();
  bool checkResidentKV();
  bool residentRounds(int64_t &rounds) const;
  bool checkSequenceSize();
  bool chooseGroups(const ScheduleOptions &options);
  void applyCandidate(const Candidate &c);
  bool buildFifos();
  std::optional<std::string> buildStepFifos(int64_t g, int64_t &nextBorrowed);
  FifoSpec stepStreamFifo(int64_t g, const std::vector<Role> &stream,
                          TileCoord shim, int64_t &elems) const;
  void addSplitFifos(int c, Role role, const std::vector<int64_t> &tile,
                     int channel, FifoSpec::Use use,
                     std::vector<std::string> &perCore);
  void addOutputFifos(int c, int64_t bypass, std::vector<std::string> &perCore);
  void addCores(int64_t g, int64_t w, const std::string &stepFifo,
                const std::vector<std::string> &itemFifos,
                const std::vector<std::string> &coreStepFifos,
                const std::vector<std::string> &outFifos);
  std::vector<int64_t> layoutShape(LayoutBuffer::Use use) const {
    const LayoutBuffer *buf = sch.core.find(use);
    return buf ? buf->shape : std::vector<int64_t>{};
  }
  static std::string fifoName(Role r, llvm::StringRef rest) {
    return (stringifyRole(r) + "_" + rest).str();
  }
  bool checkResources();
  bool buildSequence();
  /// The transfers of rounds [t0, t1) of the k-th unit of group g.
  struct SeqBatch {
    int64_t g, k, t0, t1;
    std::vector<SequenceOp> ops;
    int64_t start = 0; // the group's streamed steps before it (round classes)
  };
  bool collectBatches(std::vector<SeqBatch> &batches);
  void issueBatches(std::vector<SeqBatch> &batches);
  /// The round ranges [t0, t1) of a chunk's classes, last first.
  std::vector<std::pair<int64_t, int64_t>> classRanges(int64_t chunk) const;
  bool batchTransfers(int64_t g, int64_t k, int64_t t0, int64_t t1,
                      std::vector<SequenceOp> &ops, bool *overflow = nullptr);
  /// The unit of a batch: its kv head, chunk, and the chunk's query range.
  struct BatchUnit {
    int64_t k, kh, chunk, start, len;
  };
  bool emitTransfers(const FifoSpec &f, const RowList &runs, int64_t runLen,
                     std::vector<SequenceOp> &ops);
  bool stepPassTransfers(const FifoSpec &f, const BatchUnit &u, int64_t t0,
                         int64_t t1, std::vector<SequenceOp> &ops);
  int64_t stepRows(const FifoSpec &f, const BatchUnit &u, int64_t t0,
                   int64_t t1, RowList &runs);
  int64_t coreRows(const FifoSpec &f, const BatchUnit &u, int64_t column,
                   int64_t t0, int64_t t1, RowList &runs);
  /// Whether `ops` fit the shim task queues and buffer descriptors at once
  /// (adding ops never makes them fit again).
  bool opsFit(const std::vector<SequenceOp> &ops) const;

  // Item index of query tile `j` (of the k a core keeps) of core (w, r) of
  // a group in round t of its k-th unit (WorkSplit::itemIndex at the core's
  // lane).
  int64_t itemIndex(int64_t k, int64_t start, int64_t len, int64_t t, int64_t w,
                    int64_t r, int64_t j = 0) const {
    WorkSplit split = sch.split();
    return split.itemIndex(start, len, t, split.laneOf(k, w, r), j);
  }
  // (b, head, query tile) of item `idx` of work head `kh`.
  std::tuple<int64_t, int64_t, int64_t> item(int64_t kh, int64_t idx) const {
    int64_t headsPerWork = sch.groupSize;
    int64_t workPerBatch = sch.workHeads / d.batch;
    int64_t b = kh / workPerBatch, hk = kh % workPerBatch;
    int64_t g = idx / nQ, qi = idx % nQ;
    return {b, hk * headsPerWork + g, qi};
  }
  int64_t kvHeadOf(int64_t kh) const { return kh % (sch.workHeads / d.batch); }
  int64_t batchOf(int64_t kh) const { return kh / (sch.workHeads / d.batch); }
};

bool Planner::validate() {
  bool pilotI8 = d.kind == StageKind::Pilot && d.elem == ElementKind::I8;
  if (d.elem != ElementKind::BF16 && d.elem != ElementKind::F16 &&
      d.elem != ElementKind::F32 && !pilotI8)
    return fail(llvm::formatv("element type {0} has no core kernels "
                              "(attn_kernels provides bf16, f16 and f32)",
                              stringifyElementKind(d.elem)));
  for (auto [name, v] : {std::pair<const char *, int64_t>{"batch", d.batch},
                         {"heads", d.heads},
                         {"kv heads", d.kvHeads},
                         {"query length", d.qLen},
                         {"key length", d.kvLen},
                         {"head dim", d.headDim},
                         {"value dim", d.valueDim},
                         {"q_tile", d.qTile},
                         {"kv_tile", d.kvTile},
                         {"columns", d.columns},
                         {"cores_per_column", d.coresPerColumn},
                         {"depth", d.depth}})
    if (v < 1)
      return fail(llvm::formatv("{0} must be positive, got {1}", name, v));
  if (d.heads % d.kvHeads != 0)
    return fail(llvm::formatv("{0} heads are not a multiple of {1} kv heads",
                              d.heads, d.kvHeads));
  if (d.columns > t.numColumns)
    return fail(llvm::formatv("plan uses {0} columns, target {1} has {2}",
                              d.columns, t.name, t.numColumns));
  if (d.coresPerColumn > t.numCoreRows)
    return fail(llvm::formatv("plan uses {0} cores per column, target {1} "
                              "has {2} core rows",
                              d.coresPerColumn, t.name, t.numCoreRows));
  if (d.qLen % d.qTile != 0)
    return fail(llvm::formatv("padded query length {0} is not a multiple of "
                              "q_tile {1}",
                              d.qLen, d.qTile));
  if (d.kvLen % d.kvTile != 0)
    return fail(llvm::formatv("padded key length {0} is not a multiple of "
                              "kv_tile {1}",
                              d.kvLen, d.kvTile));
  if (d.kind == StageKind::Softmax && !chooseSoftmaxRows())
    return false;
  sch.desc = d;
  nQ = d.qLen / d.qTile;
  steps = stepRoles(d.kind);
  // Key-only mask and bias rows join the K/V blocks in the step object.
  bool rowsInStep = d.maskKind != StageDesc::NoMask || d.hasBias;
  if (rowsInStep && (d.kind == StageKind::Softmax || d.kind == StageKind::PV))
    return fail("explicit mask/bias rows or tiles are carried by the step "
                "object of a stage computing scores (online, full, qk, "
                "qk_softmax), not by a softmax or pv stage");
  if (d.maskKind != StageDesc::NoMask)
    steps.push_back(Role::M);
  if (d.hasBias)
    steps.push_back(Role::Bias);
  if (rowsInStep &&
      (d.kvTile * bytes(d.elem)) % t.dmaLimits(TileKind::Shim).unitBytes != 0)
    return fail(llvm::formatv("a mask/bias row of kv_tile {0} keys is {1} "
                              "bytes, not a multiple of the {2}-byte DMA word",
                              d.kvTile, d.kvTile * bytes(d.elem),
                              t.dmaLimits(TileKind::Shim).unitBytes));
  stepStreams.clear();
  if (d.kvResident && !checkResidentKV())
    return false;
  if ((d.kind == StageKind::Full && d.headDim == d.valueDim && !rowsInStep) ||
      d.kvResident)
    stepStreams.push_back(steps);
  else
    for (Role role : steps)
      stepStreams.push_back({role});
  bool perHead = d.kind == StageKind::Softmax;
  sch.groupSize = perHead ? 1 : d.heads / d.kvHeads;
  sch.workHeads = d.batch * (perHead ? d.heads : d.kvHeads);
  sch.itemsPerHead = sch.groupSize * nQ;
  sch.stepTile = d.streamedSoftmax() ? d.softmaxChunk : d.kvTile;
  sch.steps = d.streamedSoftmax() ? 2 * (d.kvLen / d.softmaxChunk)
              : d.kind == StageKind::Softmax
                  ? 0
                  : keyPasses(d.kind) * (d.kvLen / sch.stepTile);
  return checkQueryTiles() && checkSequenceSize();
}

bool Planner::checkQueryTiles() {
  // Several query tiles per core (l2_q_block = k x cores_per_column x
  // q_tile): the fused stages keep k online/full states against one K/V
  // stream. The other stage kinds, and per-core mask/bias tiles in the step
  // object (one tile per lane and step), keep one.
  if (d.queryTiles < 1)
    return fail(llvm::formatv("query tiles per core must be positive, got {0}",
                              d.queryTiles));
  if (d.queryTiles == 1)
    return true;
  if (d.kind != StageKind::Online && d.kind != StageKind::Full)
    return fail(llvm::formatv(
        "l2_q_block asks for {0} query tiles per core; the {1} stage keeps "
        "one (several query tiles per core are emitted for the online and "
        "full folds)",
        d.queryTiles, stringifyStageKind(d.kind)));
  if (d.maskTiles() || d.biasTiles())
    return fail(llvm::formatv(
        "l2_q_block asks for {0} query tiles per core; a query-varying "
        "mask/bias carries one tile per core and step, so a core keeps one",
        d.queryTiles));
  return true;
}

/// L2-resident K/V (docs/aie-mapping.md): the rule the cost model applies
/// too (aiemap::whyNotKvResident).
bool Planner::checkResidentKV() {
  std::string why =
      whyNotKvResident(layoutParams(d, d.qTile), d.kvSplit, d.stream, t);
  if (!why.empty())
    return fail("L2-resident K/V (l2_kv_block " + std::to_string(d.kvLen) +
                "): " + why);
  return true;
}

/// The rounds every unit of the applied split takes: the memtile streams
/// the resident K/V object that many times per fill (one repeat_count for
/// all units), so the units must agree, within a DMA task's repeat limit.
bool Planner::residentRounds(int64_t &rounds) const {
  rounds = sch.roundsOfChunk(0);
  for (int64_t s = 1; s < sch.queryChunks; ++s)
    if (sch.roundsOfChunk(s) != rounds) {
      error = llvm::formatv("L2-resident K/V: the {0} chunks of a kv head "
                            "take different numbers of rounds, and the "
                            "memtile repeats its K/V object one fixed number "
                            "of times",
                            sch.queryChunks)
                  .str();
      return false;
    }
  if (rounds < 1 || rounds - 1 > t.shimRepeatCountMax) {
    error = llvm::formatv("L2-resident K/V: {0} rounds per unit exceed the "
                          "memtile task repeat limit ({1} repeats)",
                          rounds, t.shimRepeatCountMax + 1)
                .str();
    return false;
  }
  return true;
}

bool Planner::chooseSoftmaxRows() {
  // A row softmax takes the most rows (a divisor of q_tile) whose core
  // layout fits L1 at the plan's depth: whole score rows when one fits,
  // else rows streamed in kv_tile chunks, twice (running max and sum, then
  // P chunk by chunk).
  auto mostRows = [&]() -> int64_t {
    for (int64_t rows = d.qTile; rows >= 1; --rows)
      if (d.qTile % rows == 0 &&
          coreLayout(layoutParams(d, rows), t).total() <= t.coreL1Bytes)
        return rows;
    return 0;
  };
  d.softmaxChunk = 0;
  int64_t best = mostRows();
  if (!best) {
    d.softmaxChunk = d.kvTile;
    best = mostRows();
  }
  if (!best) {
    std::string why;
    llvm::raw_string_ostream os(why);
    coreLayout(layoutParams(d, 1), t).print(os);
    return fail(llvm::formatv("one score row of {0} keys at depth {1} does "
                              "not fit the {2} bytes of L1 even in chunks of "
                              "{3} keys: {4}",
                              d.kvLen, d.depth, t.coreL1Bytes, d.kvTile, why));
  }
  d.qTile = best;
  return true;
}

bool Planner::checkSequenceSize() {
  // Lower bound, in closed form, of the DRAM rows the runtime sequence
  // addresses: every item's query/output tile once, and the K/V steps once
  // per round with all of the plan's cores busy. Beyond kMaxSequenceRows the
  // stage is rejected before any transfer is built.
  int64_t cores = std::max<int64_t>(1, d.columns * d.coresPerColumn);
  int64_t roundsPerHead =
      llvm::divideCeil(sch.itemsPerHead, cores * d.queryTiles);
  std::optional<int64_t> itemRows =
      checkedProduct({sch.workHeads, sch.itemsPerHead, d.qTile});
  std::optional<int64_t> stepRows =
      checkedProduct({sch.workHeads, roundsPerHead, sch.steps, sch.stepTile});
  // Mask/bias tiles: one per core and step of every round.
  int64_t tiled = (d.maskTiles() ? 1 : 0) + (d.biasTiles() ? 1 : 0);
  std::optional<int64_t> tileRows = checkedProduct(
      {tiled, sch.workHeads, roundsPerHead, sch.steps, cores, d.qTile});
  std::optional<int64_t> rows = itemRows && stepRows && tileRows
                                    ? checkedAdd(*itemRows, *stepRows)
                                    : std::nullopt;
  if (rows)
    rows = checkedAdd(*rows, *tileRows);
  if (rows && *rows <= kMaxSequenceRows)
    return true;
  return fail(llvm::formatv(
      "the runtime sequence would address at least {0} DRAM rows ({1} work "
      "heads x {2} query tiles of {3} rows, plus K/V steps), more than the "
      "{4} the compiler enumerates; split the layer or shorten the blocks",
      rows ? std::to_string(*rows) : std::string("2^63"), sch.workHeads,
      sch.itemsPerHead, d.qTile, kMaxSequenceRows));
}

KeyVisibility Planner::keyVisibility() const {
  return stageKeyVisibility(d, sch.stepTile);
}

bool Planner::chooseGroups(const ScheduleOptions &options) {
  int shimIn = t.channels(TileKind::Shim, /*s2mm=*/false);
  // Same count for the streamed softmax (S per core instead of per item).
  int64_t usedPerColumn = columnStreams(d.kind);
  int64_t spare = shimIn - usedPerColumn;
  // The widths whose shims carry the step streams (WorkSplit.h; the cost
  // model asks the same function).
  std::vector<int64_t> feasible =
      groupWidths(d.columns, t.numColumns, shimIn, usedPerColumn,
                  static_cast<int64_t>(stepStreams.size()));
  auto feasibleWidth = [&](int64_t w) {
    return llvm::is_contained(feasible, w);
  };
  std::vector<int64_t> widths;
  if (options.groupColumns) {
    if (!feasibleWidth(options.groupColumns)) {
      if (d.columns % options.groupColumns != 0)
        return fail(llvm::formatv("kv-group-columns={0} does not divide the "
                                  "plan's {1} columns",
                                  options.groupColumns, d.columns));
      return fail(llvm::formatv(
          "kv-group-columns={0} gives {1} spare shim input channels for {2} "
          "broadcast streams",
          options.groupColumns, options.groupColumns * spare,
          stepStreams.size()));
    }
    widths.push_back(options.groupColumns);
  } else {
    widths = feasible;
  }
  if (widths.empty())
    return fail(llvm::formatv(
        "the stage needs {0} shim input streams per column plus {1} shared "
        "K/V streams, but {2} columns of {3} offer {4} shim input channels "
        "each; use more columns or an unfolded/partial fold",
        usedPerColumn, stepStreams.size(), d.columns, t.name, shimIn));
  if (options.queryChunks && options.queryChunks > sch.itemsPerHead)
    return fail(llvm::formatv("query-chunks={0} exceeds the {1} query tiles of "
                              "one kv head",
                              options.queryChunks, sch.itemsPerHead));
  // Causal layers may cut a kv head into up to two chunks per column: the
  // boustrophedon dealing then pairs an early chunk with a late one.
  KeyVisibility vis = keyVisibility();
  int64_t maxSplits = options.queryChunks
                          ? options.queryChunks
                          : maxQueryChunks(sch.split(), d.columns, vis);
  int64_t minSplits = options.queryChunks ? options.queryChunks : 1;
  candidates = rankSplits(sch.split(), d.columns, d.coresPerColumn, widths,
                          minSplits, maxSplits, vis);
  return true;
}

void Planner::applyCandidate(const Candidate &c) {
  const WorkSplit &w = c.split;
  d.coresPerColumn = w.coresPerColumn;
  sch.desc.coresPerColumn = d.coresPerColumn;
  sch.groupColumns = w.groupColumns;
  sch.numGroups = w.numGroups;
  sch.coresPerGroup = w.coresPerGroup();
  sch.queryChunks = w.queryChunks;
  sch.zigzag = w.zigzag;
  d.queryTiles = sch.desc.queryTiles = w.tilesPerCore;
  sch.roundsPerHead = 0;
  for (int64_t s = 0; s < sch.queryChunks; ++s)
    sch.roundsPerHead += sch.roundsOfChunk(s);
  sch.totalRounds = sch.roundsPerHead * sch.workHeads;
  sch.maxGroupRounds = 0;
  for (int64_t g = 0; g < sch.numGroups; ++g) {
    int64_t rounds = 0;
    for (int64_t k = 0, n = w.unitsOfGroup(g); k < n; ++k)
      rounds += w.roundsOfChunk(w.unitOf(g, k) % w.queryChunks);
    sch.maxGroupRounds = std::max(sch.maxGroupRounds, rounds);
  }
  sch.laneBlocks = laneBalance(w, keyVisibility(), keyPasses(d.kind));
  sch.roundClasses.clear();
  if (streamsVisibleBlocks(d))
    for (int64_t s = 0; s < sch.queryChunks; ++s)
      sch.roundClasses.push_back(roundClasses(w, keyVisibility(), s));
  // Tiles of items a core repeats are not fetched twice: a regular access
  // pattern per step instead of a repeated tail.
  sch.maskLanes = sch.coresPerGroup;
  int64_t len0 = sch.chunkLen(0);
  bool equalChunks = true;
  for (int64_t s = 1; s < sch.queryChunks; ++s)
    equalChunks = equalChunks && sch.chunkLen(s) == len0;
  if (equalChunks && len0 < sch.coresPerGroup)
    sch.maskLanes = len0;
}

bool Planner::buildFifos() {
  int64_t R = d.coresPerColumn;
  int shimOut = t.channels(TileKind::Shim, true);
  int memIn = t.channels(TileKind::MemTile, true);

  // Host memtile input channels decide how many of its cores bypass it.
  CoreLayoutParams params = layoutParams(d, d.qTile, sch.maskLanes);
  if (stepStreams.size() != static_cast<size_t>(aiemap::stepStreams(params)))
    return fail("internal: the step streams disagree with the stage layout");
  sch.bypassCores = bypassCores(params, R, t);
  int64_t hostIn = sch.bypassCores + memIn;
  if (sch.bypassCores > shimOut - 1)
    return fail(llvm::formatv(
        "the host memtile needs {0} input channels ({1} available) and the "
        "shim has {2} spare output channels for cores writing directly",
        hostIn, memIn, shimOut - 1));
  if (sch.bypassCores > R)
    return fail("not enough cores to bypass the host memtile");

  // Object shapes at the cores come from the core layout.
  sch.core = coreLayout(params, t);
  Role itemRole = d.kind == StageKind::Softmax ? Role::S : Role::Q;

  int64_t nextBorrowed = 0;
  for (int64_t g = 0; g < sch.numGroups; ++g) {
    std::optional<std::string> stepFifo = buildStepFifos(g, nextBorrowed);
    if (!stepFifo)
      return false;
    for (int64_t w = 0; w < sch.groupColumns; ++w) {
      int c = static_cast<int>(g * sch.groupColumns + w);
      std::vector<std::string> itemFifos(R), coreStepFifos(R), outFifos(R);
      int channel = 0;
      if (hasItem(d))
        addSplitFifos(c, itemRole, layoutShape(LayoutBuffer::Item), channel++,
                      FifoSpec::Item, itemFifos);
      if (hasCoreStep(d))
        addSplitFifos(c, d.streamedSoftmax() ? Role::S : Role::P,
                      layoutShape(LayoutBuffer::CoreStep), channel++,
                      FifoSpec::CoreStep, coreStepFifos);
      addOutputFifos(c, w == 0 ? sch.bypassCores : 0, outFifos);
      addCores(g, w, *stepFifo, itemFifos, coreStepFifos, outFifos);
    }
  }
  return true;
}

/// The shim->memtile FIFO of one step stream of group `g` from `shim`; sets
/// `elems` to the elements it adds to a joined step object.
FifoSpec Planner::stepStreamFifo(int64_t g, const std::vector<Role> &stream,
                                 TileCoord shim, int64_t &elems) const {
  int64_t st = sch.stepTile;
  Role role = stream.front();
  FifoSpec f;
  f.name = stream.size() > 1
               ? llvm::formatv("kv_l3_g{0}", g).str()
               : fifoName(role, llvm::formatv("l3_g{0}", g).str());
  f.producer = shim;
  f.consumers = {{static_cast<int>(g * sch.groupColumns), t.memTileRow}};
  f.depth = d.depth;
  bool maskLike = role == Role::M || role == Role::Bias;
  int64_t laneRows = role == Role::M      ? d.maskLaneRows()
                     : role == Role::Bias ? d.biasLaneRows()
                                          : 0;
  int64_t groupRows = role == Role::M      ? d.maskGroupRows()
                      : role == Role::Bias ? d.biasGroupRows()
                                           : 0;
  int64_t width = role == Role::K ? d.headDim : d.valueDim;
  // Tiles: one [laneRows][st] per core of the group, in the group's core
  // order; a GQA group's key rows: [G][st]; a key row: [st]; K/V blocks:
  // [st][width].
  int64_t rows = laneRows ? sch.maskLanes * laneRows : groupRows;
  f.shape = rows       ? std::vector<int64_t>{rows, st}
            : maskLike ? std::vector<int64_t>{st}
                       : std::vector<int64_t>{st, width};
  if (maskLike)
    width = rows ? rows : 1;
  elems = st * width;
  if (d.kvResident) {
    // The kv head's whole K, then V: one object per unit.
    f.shape = {d.kvLen * (d.headDim + d.valueDim)};
    f.depth = 1;
  }
  f.elem = d.elem;
  f.dram = role;
  f.passRoles = stream;
  f.use = FifoSpec::Step;
  f.group = static_cast<int>(g);
  return f;
}

/// The broadcast step operand of group `g`: one shim->memtile FIFO per
/// stream (on the group's shims, else a borrowed shim of a column without
/// cores), joined in the host memtile when several, and one memtile->cores
/// FIFO all the group's cores consume. Returns its name ("" when the stage
/// has no step operand), or nullopt on failure.
std::optional<std::string> Planner::buildStepFifos(int64_t g,
                                                   int64_t &nextBorrowed) {
  if (stepStreams.empty())
    return std::string();
  int shimIn = t.channels(TileKind::Shim, false);
  int c0 = static_cast<int>(g * sch.groupColumns);
  std::vector<TileCoord> groupCores;
  for (int64_t w = 0; w < sch.groupColumns; ++w)
    for (int64_t r = 0; r < d.coresPerColumn; ++r)
      groupCores.push_back(
          {c0 + static_cast<int>(w), t.firstCoreRow + static_cast<int>(r)});

  std::vector<std::string> ins;
  int firstFree = (hasItem(d) ? 1 : 0) + (hasCoreStep(d) ? 1 : 0);
  int col = c0, ch = firstFree;
  bool joined = joinedKV();
  std::vector<int64_t> offsets;
  int64_t joinedElems = 0;
  for (const std::vector<Role> &stream : stepStreams) {
    while (ch >= shimIn) {
      ++col;
      ch = firstFree;
    }
    if (col >= c0 + sch.groupColumns) {
      // Out of the group's own channels: a borrowed shim of a column
      // without cores (feasibility was checked in chooseGroups).
      col = static_cast<int>(d.columns + nextBorrowed / shimIn);
      ch = static_cast<int>(nextBorrowed % shimIn);
      ++nextBorrowed;
    }
    int64_t elems = 0;
    FifoSpec f = stepStreamFifo(g, stream, {col, t.shimRow}, elems);
    if (joined) {
      offsets.push_back(joinedElems);
      joinedElems += elems;
    }
    f.shimChannel = ch++;
    ins.push_back(f.name);
    sch.fifos.push_back(f);
  }
  FifoSpec b;
  b.name = (joined || stepStreams.front().size() > 1 || d.kvResident)
               ? llvm::formatv("kv_g{0}", g).str()
               : fifoName(steps.front(), llvm::formatv("g{0}", g).str());
  b.producer = {c0, t.memTileRow};
  b.consumers = groupCores;
  b.depth = d.depth;
  // One flat object per step when joined: K block, then V block.
  b.shape = layoutShape(LayoutBuffer::Step);
  b.elem = d.elem;
  if ((joined != sch.core.joinedStep && !d.kvResident) ||
      (joined && b.shape.front() != joinedElems)) {
    fail("internal: the step streams disagree with the core layout's step "
         "object");
    return std::nullopt;
  }
  b.use = FifoSpec::Step;
  b.group = static_cast<int>(g);
  if (d.kvResident) {
    // A 1:1 link from the resident object: the memtile end (its one
    // buffer is the link's) sends the whole object once per round of a
    // unit; the cores keep `depth` step objects.
    int64_t rounds = 0;
    if (!residentRounds(rounds)) {
      fail(error);
      return std::nullopt;
    }
    MemTileLayoutParams m;
    m.cores = d.coresPerColumn;
    m.outputCores = d.coresPerColumn - sch.bypassCores;
    m.hostsStep = true;
    m.kvBlockKeys = d.kvLen;
    int64_t bound =
        residentRoundsBound(sch.itemsPerHead, planCores, planQueryTiles);
    residentCopies =
        residentKvCopies(layoutParams(d, d.qTile, sch.maskLanes), m, bound, t);
    if (residentCopies == 2 && rounds > bound) {
      fail(llvm::formatv("L2-resident K/V: {0} rounds per unit exceed the "
                         "{1} the double-buffered memtile's descriptors are "
                         "sized for",
                         rounds, bound));
      return std::nullopt;
    }
    for (FifoSpec &in : sch.fifos)
      if (llvm::is_contained(ins, in.name))
        in.depth = residentCopies;
    b.depth = 1;
    b.consumerDepth = d.depth;
    b.repeatCount = rounds;
    b.toStream = residentKvToStream(layoutParams(d, d.qTile));
  }
  sch.fifos.push_back(b);
  LinkSpec link;
  link.ins = ins;
  link.outs = {b.name};
  if (joined)
    link.srcOffsets = offsets;
  sch.links.push_back(link);
  return b.name;
}

/// A split operand of column `c`: one shim->memtile FIFO whose object is
/// the tiles of the column's cores, split by the memtile to one FIFO per
/// core. A core keeping k query tiles acquires k objects of its item FIFO
/// at once: the memtile->core FIFOs hold the core layout's max(depth, k)
/// objects at the core, while the memtile keeps the plan's depth of the
/// split object (the link's buffers, whose count sets its descriptors).
void Planner::addSplitFifos(int c, Role role, const std::vector<int64_t> &tile,
                            int channel, FifoSpec::Use use,
                            std::vector<std::string> &perCore) {
  int64_t R = d.coresPerColumn;
  int64_t coreDepth = use == FifoSpec::Item
                          ? sch.core.find(LayoutBuffer::Item)->copies
                          : d.depth;
  TileCoord shim{c, t.shimRow}, mem{c, t.memTileRow};
  FifoSpec in;
  in.use = use;
  in.column = c;
  for (int64_t r = 0; r < R; ++r)
    in.coreRows.push_back(static_cast<int>(r));
  in.name = fifoName(role, llvm::formatv("l3_c{0}", c).str());
  in.producer = shim;
  in.consumers = {mem};
  in.depth = d.depth;
  in.shape = {R * tile[0], tile[1]};
  in.elem = sch.roleElement(role);
  in.dram = role;
  in.shimChannel = channel;
  sch.fifos.push_back(in);
  LinkSpec link;
  link.ins = {in.name};
  for (int64_t r = 0; r < R; ++r) {
    FifoSpec out;
    out.name = fifoName(role, llvm::formatv("c{0}_r{1}", c, r).str());
    out.producer = mem;
    out.consumers = {{c, t.firstCoreRow + int(r)}};
    out.depth = coreDepth;
    out.shape = tile;
    out.elem = in.elem;
    out.use = use;
    out.column = c;
    link.outs.push_back(out.name);
    link.dstOffsets.push_back(r * tile[0] * tile[1]);
    perCore[r] = out.name;
    sch.fifos.push_back(out);
  }
  if (R == 1)
    link.dstOffsets.clear(); // a one-to-one link has no offsets
  sch.links.push_back(link);
}

/// Outputs of column `c`: joined in the memtile, except the `bypass` last
/// cores, which write straight to the shim's other S2MM channels.
void Planner::addOutputFifos(int c, int64_t bypass,
                             std::vector<std::string> &perCore) {
  int64_t R = d.coresPerColumn;
  int row0 = t.firstCoreRow;
  TileCoord shim{c, t.shimRow}, mem{c, t.memTileRow};
  Role outRole = stageOutput(d.kind);
  int64_t joinedCores = R - bypass;
  std::vector<int64_t> tile = layoutShape(LayoutBuffer::Output);
  if (joinedCores > 0) {
    LinkSpec link;
    for (int64_t r = 0; r < joinedCores; ++r) {
      FifoSpec f;
      f.name = fifoName(outRole, llvm::formatv("c{0}_r{1}", c, r).str());
      f.producer = {c, row0 + int(r)};
      f.consumers = {mem};
      f.depth = d.depth;
      f.shape = tile;
      f.elem = sch.roleElement(outRole);
      f.use = FifoSpec::Output;
      f.column = c;
      link.ins.push_back(f.name);
      link.srcOffsets.push_back(r * tile[0] * tile[1]);
      perCore[r] = f.name;
      sch.fifos.push_back(f);
    }
    FifoSpec o;
    o.name = fifoName(outRole, llvm::formatv("l3_c{0}", c).str());
    o.producer = mem;
    o.consumers = {shim};
    o.depth = d.depth;
    o.shape = {joinedCores * tile[0], tile[1]};
    o.elem = sch.roleElement(outRole);
    o.dram = outRole;
    o.shimChannel = 0;
    o.use = FifoSpec::Output;
    o.column = c;
    for (int64_t r = 0; r < joinedCores; ++r)
      o.coreRows.push_back(static_cast<int>(r));
    link.outs = {o.name};
    if (joinedCores == 1)
      link.srcOffsets.clear();
    sch.fifos.push_back(o);
    sch.links.push_back(link);
  }
  for (int64_t r = joinedCores; r < R; ++r) {
    FifoSpec f;
    f.name = fifoName(outRole, llvm::formatv("l3_c{0}_r{1}", c, r).str());
    f.producer = {c, row0 + int(r)};
    f.consumers = {shim};
    f.depth = d.depth;
    f.shape = tile;
    f.elem = sch.roleElement(outRole);
    f.dram = outRole;
    f.shimChannel = static_cast<int>(1 + (r - joinedCores));
    f.use = FifoSpec::Output;
    f.column = c;
    f.coreRows = {static_cast<int>(r)};
    perCore[r] = f.name;
    sch.fifos.push_back(f);
  }
}

/// The cores of column `w` of group `g` with their FIFO ends.
void Planner::addCores(int64_t g, int64_t w, const std::string &stepFifo,
                       const std::vector<std::string> &itemFifos,
                       const std::vector<std::string> &coreStepFifos,
                       const std::vector<std::string> &outFifos) {
  int c = static_cast<int>(g * sch.groupColumns + w);
  for (int64_t r = 0; r < d.coresPerColumn; ++r) {
    CoreSpec core;
    core.tile = {c, t.firstCoreRow + int(r)};
    core.group = static_cast<int>(g);
    core.columnInGroup = static_cast<int>(w);
    core.row = static_cast<int>(r);
    core.itemFifo = itemFifos[r];
    core.stepFifo = stepFifo;
    core.coreStepFifo = coreStepFifos[r];
    core.outFifo = outFifos[r];
    if (d.hasValidLen)
      core.rtpBuffer = llvm::formatv("rtp_c{0}_r{1}", c, r).str();
    sch.cores.push_back(core);
  }
}

bool Planner::checkResources() {
  // L1: every core holds the core layout at the plan's depth (no depth is
  // lowered behind the plan's back: attn-tile and the cost model size the
  // plan with the same layout).
  sch.l1Bytes = sch.core.total();
  if (sch.l1Bytes > t.coreL1Bytes) {
    std::string buffers;
    llvm::raw_string_ostream os(buffers);
    sch.core.print(os);
    return fail(llvm::formatv(
        "core memory at depth {0}: {1} exceeds the {2} bytes of L1 on {3}; "
        "use smaller q_tile/kv_tile or depth 1",
        d.depth, buffers, t.coreL1Bytes, t.name));
  }
  auto depthOf = [&](LayoutBuffer::Use use) -> int64_t {
    return sch.core.find(use) ? d.depth : 0;
  };
  // A core keeping k query tiles holds max(depth, k) item objects.
  sch.itemDepth = sch.core.find(LayoutBuffer::Item)
                      ? sch.core.find(LayoutBuffer::Item)->copies
                      : 0;
  sch.stepDepth = depthOf(LayoutBuffer::Step);
  sch.coreStepDepth = depthOf(LayoutBuffer::CoreStep);
  sch.outDepth = depthOf(LayoutBuffer::Output);

  // Channels, locks, memtile memory and BDs per tile.
  struct Use {
    int in = 0, out = 0, locks = 0;
    int64_t bytes = 0;
  };
  std::map<std::pair<int, int>, Use> uses;
  for (const FifoSpec &f : sch.fifos) {
    Use &p = uses[{f.producer.col, f.producer.row}];
    p.out += 1;
    p.locks += t.objectFifoLocksPerEndpoint;
    for (const TileCoord &c : f.consumers) {
      Use &u = uses[{c.col, c.row}];
      u.in += 1;
      u.locks += t.objectFifoLocksPerEndpoint;
    }
  }
  // The stage layout: every core holds the core layout, every memtile the
  // link buffers memTileLayout() gives its column (what upstream's
  // objectfifo lowering allocates there; aie-check-limits measures it).
  sch.layout = StageLayout();
  auto tileLayout = [&](TileCoord c) -> TileLayout & {
    return sch.layout.tile(c.col, c.row);
  };
  for (const CoreSpec &c : sch.cores) {
    TileLayout &tl = tileLayout(c.tile);
    tl.buffers = sch.core.buffers;
    tl.stackBytes = sch.core.stackBytes;
  }
  CoreLayoutParams params = layoutParams(d, d.qTile, sch.maskLanes);
  for (int c = 0; c < d.columns; ++c) {
    bool host = c % sch.groupColumns == 0;
    MemTileLayoutParams m;
    m.cores = d.coresPerColumn;
    m.outputCores = d.coresPerColumn - (host ? sch.bypassCores : 0);
    m.hostsStep = host && !stepStreams.empty();
    m.kvBlockKeys = d.kvResident ? d.kvLen : 0;
    m.kvResidentCopies = residentCopies;
    TileLayout &tl = tileLayout({c, t.memTileRow});
    tl.buffers = memTileLayout(params, m, t);
    uses[{c, t.memTileRow}].bytes += tl.bytes();
  }
  sch.layout.setLargest(t);
  for (const TileLayout &tl : sch.layout.tiles)
    sch.tileBytes.push_back({tl.col, tl.row, tl.bytes()});
  for (const LinkSpec &l : sch.links)
    if (l.outs.size() > static_cast<size_t>(t.memTileLinkFanOutMax))
      return fail(llvm::formatv("a split to {0} cores exceeds the memtile "
                                "link fan-out of {1}",
                                l.outs.size(), t.memTileLinkFanOutMax));
  for (auto &[tile, u] : uses) {
    TileKind kind = t.tileKind(tile.first, tile.second);
    llvm::StringRef kindName = stringifyTileKind(kind);
    if (u.in > t.channels(kind, true))
      return fail(llvm::formatv("{0} tile ({1}, {2}) needs {3} input DMA "
                                "channels, it has {4}",
                                kindName, tile.first, tile.second, u.in,
                                t.channels(kind, true)));
    if (u.out > t.channels(kind, false))
      return fail(llvm::formatv("{0} tile ({1}, {2}) needs {3} output DMA "
                                "channels, it has {4}",
                                kindName, tile.first, tile.second, u.out,
                                t.channels(kind, false)));
    if (kind != TileKind::Shim && u.locks > t.locks(kind))
      return fail(llvm::formatv("{0} tile ({1}, {2}) needs {3} locks, it has "
                                "{4}",
                                kindName, tile.first, tile.second, u.locks,
                                t.locks(kind)));
    if (kind == TileKind::MemTile) {
      if (u.bytes > t.memTileL2Bytes)
        return fail(llvm::formatv("memtile ({0}, {1}) needs {2} bytes, L2 "
                                  "has {3}",
                                  tile.first, tile.second, u.bytes,
                                  t.memTileL2Bytes));
      sch.l2Bytes = std::max(sch.l2Bytes, u.bytes);
    }
  }
  // Memtile BDs per channel pool (MemTileBDs.h).
  return checkMemTileBDs(sch, t, error);
}

bool Planner::opsFit(const std::vector<SequenceOp> &ops) const {
  int depth = t.shimTaskQueueDepth;
  int bds = t.bufferDescriptors(TileKind::Shim);
  std::map<std::tuple<int, bool, int>, int> perChannel;
  std::map<int, int> perTile;
  for (const SequenceOp &op : ops) {
    if (++perChannel[{op.shimColumn, op.toShim, op.channel}] > depth)
      return false;
    if (++perTile[op.shimColumn] > bds)
      return false;
  }
  return true;
}

/// The sequence ops of one FIFO's DRAM rows, compressed into shim access
/// patterns.
bool Planner::emitTransfers(const FifoSpec &f, const RowList &runs,
                            int64_t runLen, std::vector<SequenceOp> &ops) {
  std::vector<Pattern> pats;
  Role role = *f.dram;
  std::string why;
  if (!compressRuns(runs, runLen, eb(role), t.dmaLimits(TileKind::Shim), pats,
                    why))
    return fail(llvm::formatv("{0} transfer of '{1}': {2}", stringifyRole(role),
                              f.name, why));
  bool toShim = f.consumers.front().row == t.shimRow;
  int col = toShim ? f.consumers.front().col : f.producer.col;
  for (const Pattern &p : pats) {
    SequenceOp op;
    op.kind = SequenceOp::Transfer;
    op.fifo = f.name;
    op.role = role;
    op.shimColumn = col;
    op.toShim = toShim;
    op.channel = f.shimChannel;
    op.pattern = p;
    ops.push_back(op);
  }
  return true;
}

/// A step FIFO fed from several DRAM buffers in turn (K then V): L2-resident
/// K/V once per unit (its first batch) into the memtile's object, else K
/// blocks then V blocks per round, one transfer per role and round.
bool Planner::stepPassTransfers(const FifoSpec &f, const BatchUnit &u,
                                int64_t t0, int64_t t1,
                                std::vector<SequenceOp> &ops) {
  int64_t b = batchOf(u.kh), head = kvHeadOf(u.kh), st = sch.stepTile;
  auto pass = [&](Role passRole, RowList &passRuns) {
    FifoSpec view = f;
    view.dram = passRole;
    return emitTransfers(view, passRuns,
                         passRole == Role::K ? d.headDim : d.valueDim, ops);
  };
  if (d.kvResident) {
    if (t0 != 0)
      return true;
    for (Role passRole : f.passRoles) {
      RowList passRuns;
      addr.tile(passRuns, passRole, b, head, 0, d.kvLen, 0);
      if (!pass(passRole, passRuns))
        return false;
    }
    return true;
  }
  for (int64_t tr = t0; tr < t1; ++tr)
    for (Role passRole : f.passRoles) {
      RowList passRuns;
      for (int64_t j = 0, blocks = d.kvLen / st; j < blocks; ++j)
        addr.tile(passRuns, passRole, b, head, j * st, st, 0);
      if (!pass(passRole, passRuns))
        return false;
    }
  return true;
}

/// The DRAM rows of a step FIFO (K/V, mask, bias) over rounds [t0, t1) of
/// a unit; returns the run length.
int64_t Planner::stepRows(const FifoSpec &f, const BatchUnit &u, int64_t t0,
                          int64_t t1, RowList &runs) {
  Role role = *f.dram;
  int64_t b = batchOf(u.kh), head = kvHeadOf(u.kh), st = sch.stepTile;
  int64_t blocks = d.kvLen / st, R = d.coresPerColumn, tq = d.qTile;
  int64_t laneRows = role == Role::M      ? d.maskLaneRows()
                     : role == Role::Bias ? d.biasLaneRows()
                                          : 0;
  if (laneRows) {
    // Per step, the [laneRows][st] tile of every lane of the group (its
    // cores in order) of the item it handles in this round.
    std::vector<std::pair<int64_t, int64_t>> lanes(sch.maskLanes);
    for (int64_t tr = t0; tr < t1; ++tr) {
      for (int64_t lane = 0; lane < sch.maskLanes; ++lane) {
        auto [ib, ih, qi] =
            item(u.kh, itemIndex(u.k, u.start, u.len, tr, lane / R, lane % R));
        int64_t first = addr.maskOffset(role, ib, ih, qi * tq, 0);
        int64_t next = addr.maskOffset(role, ib, ih, qi * tq + 1, 0);
        lanes[lane] = {first, next - first};
      }
      for (int64_t j = 0, n = sch.stepsOfRound(u.chunk, tr); j < n; ++j)
        for (auto [first, stride] : lanes)
          runs.add(first + (j % blocks) * st, laneRows, stride);
    }
    return st;
  }
  if (int64_t g = role == Role::M      ? d.maskGroupRows()
                  : role == Role::Bias ? d.biasGroupRows()
                                       : 0) {
    // Per step the key rows of the G query heads of the kv head.
    for (int64_t tr = t0; tr < t1; ++tr)
      for (int64_t j = 0, n = sch.stepsOfRound(u.chunk, tr); j < n; ++j)
        for (int64_t h = 0; h < g; ++h)
          runs.add(addr.maskOffset(role, b, head * g + h, /*row=*/0,
                                   (j % blocks) * st));
    return st;
  }
  if (role == Role::M || role == Role::Bias) {
    // One row of st keys per step: that of the kv head's batch (and head,
    // which is the query head when there is no GQA group).
    for (int64_t tr = t0; tr < t1; ++tr)
      for (int64_t j = 0, n = sch.stepsOfRound(u.chunk, tr); j < n; ++j)
        runs.add(addr.maskOffset(role, b, head, /*row=*/0, (j % blocks) * st));
    return st;
  }
  for (int64_t tr = t0; tr < t1; ++tr)
    for (int64_t j = 0, n = sch.stepsOfRound(u.chunk, tr); j < n; ++j)
      addr.tile(runs, role, b, head, (j % blocks) * st, st, 0);
  return role == Role::K ? d.headDim : d.valueDim;
}

/// The DRAM rows of a per-core FIFO (Q, O, S, P) of group column `column`
/// over rounds [t0, t1) of a unit; returns the run length.
int64_t Planner::coreRows(const FifoSpec &f, const BatchUnit &u, int64_t column,
                          int64_t t0, int64_t t1, RowList &runs) {
  Role role = *f.dram;
  int64_t tq = d.qTile, tk = d.kvTile, st = sch.stepTile;
  bool perStep = f.use == FifoSpec::CoreStep ||
                 (f.use == FifoSpec::Output && outputPerStep(d));
  // (the full fold's two passes stream K/V only; outputs are per item)
  // A streamed softmax reads its S chunks twice (both passes) and writes
  // each P chunk once.
  int64_t chunk = d.streamedSoftmax() ? st : tk;
  int64_t width = role == Role::Q   ? d.headDim
                  : role == Role::O ? d.valueDim
                  : perStep         ? chunk
                                    : d.kvLen;
  int64_t stepsHere = !perStep ? 1
                      : d.streamedSoftmax() && f.use == FifoSpec::CoreStep
                          ? sch.steps
                          : d.kvLen / chunk;
  int64_t chunks = d.kvLen / chunk;
  // Per round: query tile q of every core of the column, then q + 1 (a core
  // takes its k item objects, and writes its k outputs, in turn).
  std::vector<std::tuple<int64_t, int64_t, int64_t>> items(f.coreRows.size());
  for (int64_t tr = t0; tr < t1; ++tr)
    for (int64_t q = 0; q < d.queryTiles; ++q) {
      for (size_t i = 0; i < f.coreRows.size(); ++i)
        items[i] = item(
            u.kh, itemIndex(u.k, u.start, u.len, tr, column, f.coreRows[i], q));
      for (int64_t j = 0; j < stepsHere; ++j)
        for (auto [b, h, qi] : items)
          addr.tile(runs, role, b, h, qi * tq, tq,
                    perStep ? (j % chunks) * chunk : 0);
    }
  return width;
}

/// The transfers of rounds [t0, t1) of the k-th unit of group g. With
/// `overflow`, stops as soon as the transfers so far exceed a queue or the
/// shim BDs (setting it): the batch will be split anyway.
bool Planner::batchTransfers(int64_t g, int64_t k, int64_t t0, int64_t t1,
                             std::vector<SequenceOp> &ops, bool *overflow) {
  int64_t U = sch.split().unitOf(g, k);
  BatchUnit u;
  u.k = k;
  u.kh = U / sch.queryChunks;
  u.chunk = U % sch.queryChunks;
  u.start = sch.chunkStart(u.chunk);
  u.len = sch.chunkLen(u.chunk);
  for (const FifoSpec &f : sch.fifos) {
    if (!f.dram)
      continue;
    RowList runs;
    int64_t runLen = 0;
    if (f.use == FifoSpec::Step) {
      if (f.group != g)
        continue;
      if (d.kvResident || f.passRoles.size() > 1) {
        if (!stepPassTransfers(f, u, t0, t1, ops))
          return false;
      } else {
        runLen = stepRows(f, u, t0, t1, runs);
      }
    } else {
      int64_t column = f.column - g * sch.groupColumns;
      if (column < 0 || column >= sch.groupColumns)
        continue;
      runLen = coreRows(f, u, column, t0, t1, runs);
    }
    if (!runs.empty() && !emitTransfers(f, runs, runLen, ops))
      return false;
    if (overflow && !opsFit(ops)) {
      *overflow = true;
      return true;
    }
  }
  return true;
}

std::vector<std::pair<int64_t, int64_t>>
Planner::classRanges(int64_t chunk) const {
  // Last class first: the caller takes ranges from the back.
  std::vector<std::pair<int64_t, int64_t>> ranges;
  // (Adjacent rounds streaming the same blocks share one range.)
  int64_t t0 = 0, last = -1;
  ChunkRounds cr = sch.classesOfChunk(chunk);
  for (int64_t rep = 0; rep < cr.repeats; ++rep)
    for (const RoundClass &c : cr.classes) {
      if (c.blocks == last)
        ranges.back().second += c.rounds;
      else
        ranges.push_back({t0, t0 + c.rounds});
      t0 += c.rounds;
      last = c.blocks;
    }
  std::reverse(ranges.begin(), ranges.end());
  return ranges;
}

bool Planner::buildSequence() {
  std::vector<SeqBatch> batches;
  if (!collectBatches(batches))
    return false;
  issueBatches(batches);
  return true;
}

/// The batches of every group's units, split until each fits the shim
/// queues and BDs, in issue order.
bool Planner::collectBatches(std::vector<SeqBatch> &batches) {
  using Batch = SeqBatch;
  int depth = t.shimTaskQueueDepth;
  int bds = t.bufferDescriptors(TileKind::Shim);
  // Batches in issue order: unit position, then batch index, then group.
  // The groups' batches interleave so that the waits a group's queues need
  // never hold back the other groups' transfers (groups run in parallel).
  int64_t maxUnits = 0;
  for (int64_t g = 0; g < sch.numGroups; ++g)
    maxUnits = std::max(maxUnits, sch.unitsOfGroup(g));
  for (int64_t k = 0; k < maxUnits; ++k) {
    std::vector<std::vector<Batch>> perGroup(sch.numGroups);
    for (int64_t g = 0; g < sch.numGroups; ++g) {
      if (k >= sch.unitsOfGroup(g))
        continue;
      int64_t U = sch.split().unitOf(g, k);
      // One batch per round class (its rounds stream one regular pattern),
      // split until every batch fits the queues.
      std::vector<std::pair<int64_t, int64_t>> pending =
          classRanges(U % sch.queryChunks);
      std::vector<Batch> done;
      while (!pending.empty()) {
        auto [t0, t1] = pending.back();
        pending.pop_back();
        Batch b{g, k, t0, t1, {}};
        // A range of several rounds stops building at the first overflow
        // (one round is built whole: its own errors come first).
        bool overflow = false;
        if (!batchTransfers(g, k, t0, t1, b.ops,
                            t1 - t0 > 1 ? &overflow : nullptr))
          return false;
        if (!overflow && opsFit(b.ops)) {
          done.push_back(std::move(b));
          continue;
        }
        if (t1 - t0 == 1)
          return fail(llvm::formatv(
              "one round of work head {0} needs more shim tasks than a "
              "channel's queue ({1}) or a shim's {2} buffer descriptors hold",
              U / sch.queryChunks, depth, bds));
        int64_t mid = t0 + (t1 - t0) / 2;
        pending.push_back({mid, t1});
        pending.push_back({t0, mid});
      }
      perGroup[g] = std::move(done);
    }
    for (size_t i = 0;; ++i) {
      bool any = false;
      for (std::vector<Batch> &group : perGroup)
        if (i < group.size()) {
          batches.push_back(std::move(group[i]));
          any = true;
        }
      if (!any)
        break;
    }
  }
  if (!sch.roundClasses.empty()) {
    // Round classes make rounds unequal: issue the batches in the order the
    // groups reach them (the steps a group streamed before the batch, plus
    // one per round for its items), so that a wait for one group's output
    // does not hold back a group running ahead of it.
    std::vector<int64_t> progress(sch.numGroups, 0);
    for (Batch &b : batches) { // in each group's own order
      int64_t s = sch.split().unitOf(b.g, b.k) % sch.queryChunks;
      b.start = progress[b.g];
      for (int64_t t = b.t0; t < b.t1; ++t)
        progress[b.g] += sch.stepsOfRound(s, t) + 1;
    }
    std::stable_sort(
        batches.begin(), batches.end(),
        [](const Batch &a, const Batch &b) { return a.start < b.start; });
  }
  return true;
}

/// Issues the batches with waits: a batch retires when its output channels
/// signal; shim BD ids are reused once their batch retired.
void Planner::issueBatches(std::vector<SeqBatch> &batches) {
  int depth = t.shimTaskQueueDepth;
  int bds = t.bufferDescriptors(TileKind::Shim);
  struct InFlight {
    std::vector<std::string> tokens;
    std::map<std::tuple<int, bool, int>, int> channels;
    std::map<int, std::vector<int>> bdIds;
  };
  std::deque<InFlight> inflight;
  std::map<std::tuple<int, bool, int>, int> busyChannels;
  std::map<int, std::set<int>> busyBDs;
  auto retireOldest = [&]() {
    InFlight &f = inflight.front();
    for (const std::string &tok : f.tokens) {
      SequenceOp w;
      w.kind = SequenceOp::Wait;
      w.fifo = tok;
      sch.sequence.push_back(w);
      ++sch.waits;
    }
    for (auto &[ch, n] : f.channels)
      busyChannels[ch] -= n;
    for (auto &[col, ids] : f.bdIds)
      for (int id : ids)
        busyBDs[col].erase(id);
    inflight.pop_front();
  };
  for (SeqBatch &b : batches) {
    std::map<std::tuple<int, bool, int>, int> need;
    std::map<int, int> needBDs;
    for (const SequenceOp &op : b.ops) {
      ++need[{op.shimColumn, op.toShim, op.channel}];
      ++needBDs[op.shimColumn];
    }
    auto blocked = [&]() {
      for (auto &[ch, n] : need)
        if (busyChannels[ch] + n > depth)
          return true;
      for (auto &[col, n] : needBDs)
        if (static_cast<int>(busyBDs[col].size()) + n > bds)
          return true;
      return false;
    };
    while (blocked())
      retireOldest();
    InFlight f;
    f.channels = need;
    for (auto &[ch, n] : need)
      busyChannels[ch] += n;
    // Outputs first (their S2MM must be ready), then inputs.
    std::stable_partition(b.ops.begin(), b.ops.end(),
                          [](const SequenceOp &op) { return op.toShim; });
    std::map<std::string, size_t> lastOutput;
    for (size_t i = 0; i < b.ops.size(); ++i)
      if (b.ops[i].toShim)
        lastOutput[b.ops[i].fifo] = i;
    for (size_t i = 0; i < b.ops.size(); ++i) {
      SequenceOp op = b.ops[i];
      std::set<int> &used = busyBDs[op.shimColumn];
      int id = 0;
      while (used.count(id))
        ++id;
      used.insert(id);
      f.bdIds[op.shimColumn].push_back(id);
      op.bdId = id;
      op.issueToken = op.toShim && lastOutput[op.fifo] == i;
      if (op.issueToken)
        f.tokens.push_back(op.fifo);
      sch.roleBytes[static_cast<int>(op.role)] +=
          op.pattern.elements() * eb(op.role);
      sch.sequence.push_back(op);
      ++sch.transfers;
    }
    inflight.push_back(std::move(f));
    sch.maxBatchesInFlight =
        std::max<int64_t>(sch.maxBatchesInFlight, inflight.size());
    ++sch.batches;
  }
  while (!inflight.empty())
    retireOldest();
}

} // namespace

std::optional<StageSchedule> aiemap::planStage(const StageDesc &desc,
                                               const NPUTarget &target,
                                               const ScheduleOptions &options,
                                               std::string &error) {
  if (desc.kvSplit > 1)
    return planCascadeStage(desc, target, options, error);
  Planner probe(desc, target, error);
  if (!probe.validate() || !probe.chooseGroups(options))
    return std::nullopt;
  // Take the best-ranked group/split choice whose resources and runtime
  // sequence fit; report the best-ranked one's reason when none does.
  std::string firstError;
  for (const Planner::Candidate &c : probe.candidates) {
    std::string why;
    Planner p(desc, target, why);
    if (!p.validate())
      return std::nullopt;
    p.applyCandidate(c);
    int64_t rounds = 0;
    if ((!desc.kvResident || p.residentRounds(rounds)) && p.buildFifos() &&
        p.checkResources() && p.buildSequence())
      return std::move(p.sch);
    if (firstError.empty())
      firstError = why;
  }
  // A plan asking for L2-resident K/V that no decomposition serves (query
  // chunks of different rounds, more rounds than a task repeats, memory)
  // streams K/V a kv_tile at a time instead, as the record then says.
  if (desc.kvResident) {
    StageDesc streamed = desc;
    streamed.kvResident = false;
    return planStage(streamed, target, options, error);
  }
  error = firstError;
  return std::nullopt;
}
