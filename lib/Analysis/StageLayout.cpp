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
                     {LayoutBuffer::Link, "link"}};

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

  // Object FIFO ends, `depth` objects each.
  if (kind == StageKind::Softmax)
    add(LayoutBuffer::Item, "s", {tq, Lk}, f32, depth);
  else if (kind != StageKind::PV)
    add(LayoutBuffer::Item, "q", {tq, D}, p.elem, depth * tiles);
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
