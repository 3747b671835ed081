//===- StageLayout.cpp - the buffers of one AIE stage ---------------------===//
//
// coreLayout(): the object FIFO ends and scratch buffers of one core of an
// emitted stage. The scratch list is exactly what convert-attn-to-aie
// allocates as aie.buffer ops (it iterates over it), so the L1 figure here is
// the one aie-check-limits measures.
//
//===----------------------------------------------------------------------===//

#include "attn/Analysis/StageLayout.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir::attn;
using namespace mlir::attn::aiemap;

int64_t LayoutBuffer::objectBytes() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n * attn::bytes(elem);
}

static constexpr std::pair<LayoutBuffer::Use, llvm::StringLiteral>
    kBufferUses[] = {{LayoutBuffer::Item, "item"},
                     {LayoutBuffer::Step, "step"},
                     {LayoutBuffer::CoreStep, "core_step"},
                     {LayoutBuffer::Output, "output"},
                     {LayoutBuffer::Scratch, "scratch"},
                     {LayoutBuffer::RuntimeParams, "rtp"},
                     {LayoutBuffer::Link, "link"},
                     {LayoutBuffer::Pipe, "pipe"}};

llvm::StringRef aiemap::stringifyBufferUse(LayoutBuffer::Use use) {
  for (const auto &[u, name] : kBufferUses)
    if (u == use)
      return name;
  return "";
}

std::optional<LayoutBuffer::Use>
aiemap::symbolizeBufferUse(llvm::StringRef name) {
  for (const auto &[u, n] : kBufferUses)
    if (n == name)
      return u;
  return std::nullopt;
}

const LayoutBuffer *CoreLayout::find(LayoutBuffer::Use use) const {
  for (const LayoutBuffer &b : buffers)
    if (b.use == use)
      return &b;
  return nullptr;
}

int64_t CoreLayout::total() const {
  int64_t sum = stackBytes;
  for (const LayoutBuffer &b : buffers)
    sum += b.bytes();
  return sum;
}

void CoreLayout::print(llvm::raw_ostream &os) const {
  for (const LayoutBuffer &b : buffers) {
    if (b.copies != 1)
      os << b.copies << " x ";
    os << b.objectBytes() << " B (" << b.name << ") + ";
  }
  os << stackBytes << " B (stack) = " << total() << " B";
}

int64_t TileLayout::bytes() const {
  int64_t sum = stackBytes;
  for (const LayoutBuffer &b : buffers)
    sum += b.bytes();
  return sum;
}

TileLayout &StageLayout::tile(int col, int row) {
  for (TileLayout &tl : tiles)
    if (tl.col == col && tl.row == row)
      return tl;
  tiles.emplace_back();
  tiles.back().col = col;
  tiles.back().row = row;
  return tiles.back();
}

void StageLayout::setLargest(const NPUTarget &target) {
  for (const TileLayout &tl : tiles) {
    if (tl.row >= target.firstCoreRow)
      l1Bytes = std::max(l1Bytes, tl.bytes());
    else if (tl.row == target.memTileRow)
      l2Bytes = std::max(l2Bytes, tl.bytes());
  }
}

CoreLayout aiemap::coreLayout(const CoreLayoutParams &p,
                              const NPUTarget &target) {
  const ElementKind f32 = ElementKind::F32;
  const int64_t tq = p.qTile, st = p.kvTile, Lk = p.keyLen;
  const int64_t D = p.headDim, Dv = p.valueDim, depth = p.depth;
  const int64_t tiles = std::max<int64_t>(1, p.queryTiles);
  const StageKind kind = p.kind;
  const bool attention = kind == StageKind::Online || kind == StageKind::Full;
  const bool rowsInStep = p.keepMask || p.addMask || p.bias;
  // Step-object elements of the mask and bias: a key row for all cores, or
  // one [laneRows][st] tile per lane (core of the broadcast group).
  auto maskLike = [&](bool present, int64_t laneRows,
                      int64_t groupRows) -> int64_t {
    if (!present)
      return 0;
    if (laneRows)
      return std::max<int64_t>(1, p.lanes) * laneRows * st;
    return std::max<int64_t>(1, groupRows) * st;
  };
  const int64_t maskElems =
      maskLike(p.keepMask || p.addMask, p.maskLaneRows, p.maskGroupRows) +
      maskLike(p.bias, p.biasLaneRows, p.biasGroupRows);

  CoreLayout out;
  out.stackBytes = target.coreStackReserveBytes;
  auto add = [&](LayoutBuffer::Use use, llvm::StringRef name,
                 std::vector<int64_t> shape, ElementKind elem, int64_t copies) {
    out.buffers.push_back({use, name.str(), std::move(shape), elem, copies});
  };

  // A streamed softmax: S chunks in (twice), P chunks out, the running row
  // max and sum; no whole row is held (docs/aie-mapping.md).
  if (kind == StageKind::Softmax && p.softmaxChunk > 0) {
    add(LayoutBuffer::CoreStep, "s", {tq, p.softmaxChunk}, f32, depth);
    add(LayoutBuffer::Output, "p", {tq, p.softmaxChunk}, f32, depth);
    add(LayoutBuffer::Scratch, "m", {tq}, f32, 1);
    add(LayoutBuffer::Scratch, "l", {tq}, f32, 1);
    if (p.validLenWords > 0)
      add(LayoutBuffer::RuntimeParams, "rtp", {p.validLenWords},
          ElementKind::I32, 1);
    return out;
  }

  // Object FIFO ends, `depth` objects each; a core keeping k query tiles
  // acquires k item objects at once, so its item FIFO end holds
  // max(depth, k) (the next round's tiles are not prefetched beyond depth).
  if (kind == StageKind::Softmax)
    add(LayoutBuffer::Item, "s", {tq, Lk}, f32, depth);
  else if (kind != StageKind::PV)
    add(LayoutBuffer::Item, "q", {tq, D}, p.elem, std::max(depth, tiles));
  switch (kind) {
  case StageKind::Online:
  case StageKind::Full: {
    // K and V stream separately (joined into one flat object), except a
    // full fold with equal head dims and no key rows, whose one stream
    // carries K blocks and then V blocks.
    const int64_t stepDepth = p.stepDepth ? p.stepDepth : depth;
    if (kind == StageKind::Full && D == Dv && !rowsInStep) {
      add(LayoutBuffer::Step, "k/v", {st, D}, p.elem, stepDepth);
      break;
    }
    out.joinedStep = true;
    add(LayoutBuffer::Step, "kv", {st * D + st * Dv + maskElems}, p.elem,
        stepDepth);
    break;
  }
  case StageKind::QK:
  case StageKind::QKSoftmax:
  case StageKind::Pilot:
    // Mask/bias (rows or tiles) join the K block in one flat object.
    if (rowsInStep) {
      out.joinedStep = true;
      add(LayoutBuffer::Step, "k", {st * D + maskElems}, p.elem, depth);
    } else {
      add(LayoutBuffer::Step, "k", {st, D}, p.elem, depth);
    }
    break;
  case StageKind::PV:
    add(LayoutBuffer::Step, "v", {st, Dv}, p.elem, depth);
    add(LayoutBuffer::CoreStep, "p", {tq, st}, f32, depth * tiles);
    break;
  case StageKind::Softmax:
    break;
  }
  switch (kind) {
  case StageKind::Online:
  case StageKind::Full:
  case StageKind::PV:
    add(LayoutBuffer::Output, "o", {tq, Dv}, p.elem, depth);
    break;
  case StageKind::QK:
  case StageKind::Pilot:
    add(LayoutBuffer::Output, "s", {tq, st}, f32, depth);
    break;
  case StageKind::QKSoftmax:
    add(LayoutBuffer::Output, "p", {tq, st}, f32, depth);
    break;
  case StageKind::Softmax:
    add(LayoutBuffer::Output, "p", {tq, Lk}, f32, depth);
    break;
  }

  // Scratch of the core program (docs/kernels.md, copy-free ABI): online
  // keeps one dense score tile and the running row max / sum; full and
  // qk+softmax the score rows the kernels write and read windows of; online,
  // full and pv the f32 output accumulator. K/V halves of a joined step
  // object and key-only mask/bias rows are read in place.
  if (kind == StageKind::Online) {
    add(LayoutBuffer::Scratch, "s", {tq, st}, f32, 1);
    add(LayoutBuffer::Scratch, "m", {tq}, f32, tiles);
    add(LayoutBuffer::Scratch, "l", {tq}, f32, tiles);
  }
  if (kind == StageKind::Full || kind == StageKind::QKSoftmax)
    add(LayoutBuffer::Scratch, "srow", {tq, Lk}, f32, tiles);
  if (attention || kind == StageKind::PV)
    add(LayoutBuffer::Scratch, "acc", {tq, Dv}, f32, tiles);
  if (p.validLenWords > 0)
    add(LayoutBuffer::RuntimeParams, "rtp", {p.validLenWords}, ElementKind::I32,
        1);
  return out;
}

std::array<CoreLayout, 3> aiemap::streamCoreLayouts(const CoreLayoutParams &p,
                                                    const NPUTarget &target) {
  const ElementKind f32 = ElementKind::F32;
  const int64_t tq = p.qTile, st = p.kvTile, depth = p.depth;
  const int64_t pBlock = streamPBlockElements(tq, st);
  std::array<CoreLayout, 3> out;
  for (CoreLayout &c : out)
    c.stackBytes = target.coreStackReserveBytes;
  auto add = [](CoreLayout &c, LayoutBuffer::Use use, llvm::StringRef name,
                std::vector<int64_t> shape, ElementKind elem, int64_t copies) {
    c.buffers.push_back({use, name.str(), std::move(shape), elem, copies});
  };
  CoreLayout &qk = out[0], &sm = out[1], &pv = out[2];
  add(qk, LayoutBuffer::Item, "q", {tq, p.headDim}, p.elem, depth);
  add(qk, LayoutBuffer::Step, "k", {st, p.headDim}, p.elem, depth);
  add(qk, LayoutBuffer::Pipe, "s", {tq, st}, f32, depth);
  add(sm, LayoutBuffer::Pipe, "p", {pBlock}, f32, depth);
  add(sm, LayoutBuffer::Scratch, "m", {tq}, f32, 1);
  add(sm, LayoutBuffer::Scratch, "l", {tq}, f32, 1);
  add(pv, LayoutBuffer::Step, "v", {st, p.valueDim}, p.elem, depth);
  add(pv, LayoutBuffer::Output, "o", {tq, p.valueDim}, p.elem, depth);
  add(pv, LayoutBuffer::Scratch, "acc", {tq, p.valueDim}, f32, 1);
  add(pv, LayoutBuffer::Scratch, "l", {tq}, f32, 1);
  // Every core tests which key blocks are visible (valid_len).
  if (p.validLenWords > 0)
    for (CoreLayout &c : out)
      add(c, LayoutBuffer::RuntimeParams, "rtp", {p.validLenWords},
          ElementKind::I32, 1);
  // The QK core holds Q for all key blocks of an item: when the double
  // buffers do not fit L1 (64 x 64 tiles: Q + K + S at depth 2 are 64 KiB),
  // Q is single-buffered (one Q transfer per item is exposed).
  if (qk.total() > target.coreL1Bytes)
    qk.buffers.front().copies = 1;
  return out;
}

std::vector<std::array<int64_t, 2>>
aiemap::residentKvToStream(const CoreLayoutParams &p) {
  if (p.kind != StageKind::Online || p.kvTile <= 0)
    return {};
  // [key block j][K | V][row][element]: K block j at j * tk * D, V block j
  // at Lk * D + j * tk * D (D == Dv).
  return {{p.keyLen / p.kvTile, p.kvTile * p.headDim},
          {2, p.keyLen * p.headDim},
          {p.kvTile, p.headDim},
          {p.headDim, 1}};
}

std::string aiemap::whyNotKvResident(const CoreLayoutParams &p, int64_t kvSplit,
                                     bool streamMapping,
                                     const NPUTarget &target) {
  if (p.kind != StageKind::Online && p.kind != StageKind::Full)
    return "only the online and full folds keep K/V resident in L2";
  if (streamMapping)
    return "the stream mapping's K and V broadcasts are not kept resident";
  if (kvSplit != 1)
    return "a cascade chain's K/V broadcast is not kept resident";
  if (p.keepMask || p.addMask || p.bias)
    return "explicit mask/bias rows travel in the step object, which is "
           "streamed from DRAM";
  if (p.kind == StageKind::Online && p.headDim != p.valueDim)
    return llvm::formatv("the online fold interleaves K and V blocks with "
                         "one memtile pattern, which needs D == Dv (D {0}, "
                         "Dv {1})",
                         p.headDim, p.valueDim)
        .str();
  const DmaLimits &lim = target.dmaLimits(TileKind::MemTile);
  const int64_t eb = bytes(p.elem);
  for (auto [size, stride] : residentKvToStream(p)) {
    int64_t words = stride == 1 ? size * eb / lim.unitBytes : size;
    int64_t strideWords = stride * eb / lim.unitBytes;
    if (words > lim.maxSize || strideWords > lim.maxStrideWords)
      return llvm::formatv("the memtile pattern dimension <size {0}, stride "
                           "{1}> exceeds its limits (size {2} words, stride "
                           "{3} words)",
                           size, stride, lim.maxSize, lim.maxStrideWords)
          .str();
  }
  return "";
}

int64_t aiemap::residentKvCopies(const CoreLayoutParams &p,
                                 MemTileLayoutParams m, int64_t roundsBound,
                                 const NPUTarget &target) {
  if (roundsBound <= 0)
    return 1;
  m.kvResidentCopies = 2;
  int64_t bytes = 0;
  for (const LayoutBuffer &b : memTileLayout(p, m, target))
    bytes += b.bytes();
  const int64_t bds = target.bufferDescriptors(TileKind::MemTile);
  const int64_t send = 2 * roundsBound, receive = 2;
  const int64_t others = 2 * p.depth * (m.cores + m.outputCores);
  bool bdsFit = send <= bds / 2 && send + receive + others <= bds;
  return bytes <= target.memTileL2Bytes && bdsFit ? 2 : 1;
}

int64_t aiemap::stepStreams(const CoreLayoutParams &p) {
  const bool rowsInStep = p.keepMask || p.addMask || p.bias;
  const int64_t rows = (p.keepMask || p.addMask ? 1 : 0) + (p.bias ? 1 : 0);
  switch (p.kind) {
  case StageKind::Softmax:
    return 0;
  case StageKind::PV:
    return 1;
  case StageKind::Full:
    if ((p.headDim == p.valueDim && !rowsInStep) || p.kvResident)
      return 1; // K blocks, then V blocks, on one stream
    return 2 + rows;
  case StageKind::Online:
    return p.kvResident ? 1 : 2 + rows; // resident: K, then V, per unit
  case StageKind::QK:
  case StageKind::QKSoftmax:
  case StageKind::Pilot:
    return 1 + rows;
  }
  return 0;
}

int64_t aiemap::bypassCores(const CoreLayoutParams &p, int64_t cores,
                            const NPUTarget &target) {
  const bool streamed = p.kind == StageKind::Softmax && p.softmaxChunk > 0;
  const int64_t item = p.kind != StageKind::PV && !streamed ? 1 : 0;
  const int64_t coreStep = p.kind == StageKind::PV || streamed ? 1 : 0;
  const int64_t into = item + coreStep + cores + stepStreams(p);
  return std::max<int64_t>(0, into - target.channels(TileKind::MemTile,
                                                     /*s2mm=*/true));
}

std::vector<LayoutBuffer> aiemap::memTileLayout(const CoreLayoutParams &p,
                                                const MemTileLayoutParams &m,
                                                const NPUTarget &target) {
  const CoreLayout core = coreLayout(p, target);
  std::vector<LayoutBuffer> out;
  // A split (join) of n core tiles stages one object of n tiles; a
  // one-to-one link the larger side, which is the core tile.
  auto stage = [&](LayoutBuffer::Use use, int64_t tiles, int64_t copies) {
    const LayoutBuffer *end = core.find(use);
    if (!end || tiles < 1)
      return;
    LayoutBuffer b = *end;
    b.use = LayoutBuffer::Link;
    b.shape.front() *= tiles;
    b.copies = copies;
    out.push_back(std::move(b));
  };
  const int64_t tiles = std::max<int64_t>(1, p.queryTiles);
  // The step object, at the group's first column: a joined step is staged
  // whole; a single stream's object equals the core's. With L2-resident
  // K/V the memtile keeps the kv head's whole K then V instead (one copy:
  // the larger side of the 1:1 link), which it streams every round.
  if (m.hostsStep && m.kvBlockKeys > 0)
    out.push_back({LayoutBuffer::Link,
                   "kv resident",
                   {m.kvBlockKeys * (p.headDim + p.valueDim)},
                   p.elem,
                   m.kvResidentCopies});
  else if (m.hostsStep)
    stage(LayoutBuffer::Step, 1, p.depth);
  // The column's item split keeps the plan's depth of objects of its
  // cores' tiles: a core's k query tiles pass in turn (the cores' ends hold
  // max(depth, k)), so the memtile buffers do not grow with k.
  stage(LayoutBuffer::Item, m.cores, p.depth);
  stage(LayoutBuffer::CoreStep, m.cores, p.depth * tiles);
  stage(LayoutBuffer::Output, m.outputCores, p.depth);
  return out;
}
