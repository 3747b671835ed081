//===- TilePlanner.cpp - tile sizes and buffer footprints of stages -------===//
//
// A capacity model, not a cost model: it decides what fits, and among what
// fits prefers the largest tiles. Buffer lists per stage kind are spelled
// out in l1Footprints / l2Footprint; the pass descriptions in Passes.td
// summarise them.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/Transforms/TilePlanner.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MathExtras.h"

#include <limits>
#include <numeric>

using namespace mlir;
using namespace mlir::attn;

// Accumulators, score scratch and row statistics are f32 on every target
// (a property of the kernels, not of the hardware).
static constexpr int64_t kF32Bytes = 4;
// Tile choice policy (not a hardware fact): when no tile pair that fits
// divides the lengths exactly, a pair may pad the score matrix by up to this
// fraction more than the least-padding pair, so that lengths with few
// divisors still get large tiles.
static constexpr double kPaddingSlack = 1.0 / 64;

std::optional<StageKind> mlir::attn::stageKindForName(StringRef name) {
  return llvm::StringSwitch<std::optional<StageKind>>(name)
      .Case("qk", StageKind::QK)
      .Case("softmax", StageKind::Softmax)
      .Case("pv", StageKind::PV)
      .Case("qk_softmax", StageKind::QKSoftmax)
      .Case("attention", StageKind::Attention)
      .Default(std::nullopt);
}

int64_t mlir::attn::elementBytes(Type type) {
  if (auto shaped = dyn_cast<ShapedType>(type))
    type = shaped.getElementType();
  return std::max<int64_t>(1,
                           llvm::divideCeil(type.getIntOrFloatBitWidth(), 8));
}

int64_t Footprint::total() const {
  int64_t sum = 0;
  for (const Buffer &b : buffers)
    sum += b.copies * b.bytes;
  return sum;
}

void Footprint::print(llvm::raw_ostream &os) const {
  llvm::interleave(
      buffers, os,
      [&](const Buffer &b) {
        os << b.copies << " x " << b.bytes << " B (" << b.name << ")";
      },
      " + ");
  os << " = " << total() << " B";
}

int64_t mlir::attn::pipelineLength(StageKind kind, MappingKind mapping) {
  if (mapping != MappingKind::stream)
    return 1;
  if (kind == StageKind::Attention)
    return 3; // QK | softmax | PV
  if (kind == StageKind::QKSoftmax)
    return 2; // QK | softmax
  return 1;
}

int64_t mlir::attn::l1Budget(const NPUTarget &target) {
  return target.coreL1Bytes - target.coreStackReserveBytes;
}

/// Whether the stage keeps the f32 score rows of a query tile on chip.
static bool holdsScoreRows(const StageShape &s) {
  return s.kind == StageKind::QKSoftmax ||
         (s.kind == StageKind::Attention && s.fold == FoldKind::full);
}

namespace {
/// Builds a footprint, skipping absent (0-byte) buffers.
struct FootprintBuilder {
  Footprint fp;
  explicit FootprintBuilder(StringRef role) { fp.role = role.str(); }
  FootprintBuilder &add(StringRef name, int64_t copies, int64_t bytes) {
    if (bytes > 0)
      fp.buffers.push_back({name.str(), copies, bytes});
    return *this;
  }
};
} // namespace

SmallVector<Footprint> mlir::attn::l1Footprints(const StageShape &s,
                                                const LayerPlan &p) {
  int64_t q = p.qTile, kv = p.kvTile, d = p.depth;
  int64_t dk = p.paddedHeadDim, dv = p.paddedValueDim;
  int64_t rows = ShapedType::isDynamic(p.paddedKvLen) ? 0 : p.paddedKvLen;
  auto addQK = [&](FootprintBuilder &b) {
    b.add("Q", d, q * dk * s.qkBytes)
        .add("K", d, kv * dk * s.qkBytes)
        .add("mask", d, q * kv * s.maskBytes)
        .add("bias", d, q * kv * s.biasBytes);
  };
  auto addPVOut = [&](FootprintBuilder &b) {
    b.add("V", d, kv * dv * s.valueBytes)
        .add("O", d, q * dv * s.valueBytes)
        .add("O accumulator f32", 1, q * dv * kF32Bytes);
  };
  int64_t stats = 2 * q * kF32Bytes; // running row max and sum
  SmallVector<Footprint> out;
  bool stream = pipelineLength(s.kind, p.mapping) > 1;
  switch (s.kind) {
  case StageKind::QK: {
    FootprintBuilder b("");
    addQK(b);
    b.add("S", d, q * kv * s.scoreBytes);
    out.push_back(b.fp);
    break;
  }
  case StageKind::Softmax: {
    // Streams S twice per row block (max/sum pass, normalise pass).
    FootprintBuilder b("");
    b.add("S", d, q * kv * s.scoreBytes)
        .add("P", d, q * kv * s.probBytes)
        .add("row max/sum f32", 1, stats);
    out.push_back(b.fp);
    break;
  }
  case StageKind::PV: {
    FootprintBuilder b("");
    b.add("P", d, q * kv * s.probBytes);
    addPVOut(b);
    out.push_back(b.fp);
    break;
  }
  case StageKind::QKSoftmax: {
    if (!stream) {
      FootprintBuilder b("");
      addQK(b);
      b.add("S rows f32", 1, q * rows * kF32Bytes)
          .add("row max/sum f32", 1, stats)
          .add("P", d, q * kv * s.probBytes);
      out.push_back(b.fp);
      break;
    }
    FootprintBuilder qk("qk");
    addQK(qk);
    qk.add("S to softmax core", d, q * kv * kF32Bytes);
    FootprintBuilder sm("softmax");
    sm.add("S from qk core", d, q * kv * kF32Bytes)
        .add("S rows f32", 1, q * rows * kF32Bytes)
        .add("row max/sum f32", 1, stats)
        .add("P", d, q * kv * s.probBytes);
    out.push_back(qk.fp);
    out.push_back(sm.fp);
    break;
  }
  case StageKind::Attention: {
    bool full = s.fold == FoldKind::full;
    if (!stream) {
      FootprintBuilder b("");
      addQK(b);
      if (full)
        b.add("S rows f32", 1, q * rows * kF32Bytes);
      else
        b.add("S tile f32", 1, q * kv * kF32Bytes);
      b.add("row max/sum f32", 1, stats);
      addPVOut(b);
      out.push_back(b.fp);
      break;
    }
    // P goes to the PV core in the element type of V (the matmul operand).
    FootprintBuilder qk("qk");
    addQK(qk);
    qk.add("S to softmax core", d, q * kv * kF32Bytes);
    FootprintBuilder sm("softmax");
    sm.add("S from qk core", d, q * kv * kF32Bytes);
    if (full)
      sm.add("S rows f32", 1, q * rows * kF32Bytes);
    sm.add("row max/sum f32", 1, stats)
        .add("P to pv core", d, q * kv * s.valueBytes);
    FootprintBuilder pv("pv");
    pv.add("P from softmax core", d, q * kv * s.valueBytes);
    if (!full)
      pv.add("rescale factors f32", d, q * kF32Bytes);
    addPVOut(pv);
    out.push_back(qk.fp);
    out.push_back(sm.fp);
    out.push_back(pv.fp);
    break;
  }
  }
  return out;
}

Footprint mlir::attn::l2Footprint(const StageShape &s, const LayerPlan &p) {
  int64_t lq = p.l2QBlock, lkv = p.l2KvBlock, d = p.depth;
  int64_t dk = p.paddedHeadDim, dv = p.paddedValueDim;
  FootprintBuilder b("");
  auto addQK = [&] {
    b.add("Q", d, lq * dk * s.qkBytes)
        .add("K", d, lkv * dk * s.qkBytes)
        .add("mask", d, lq * lkv * s.maskBytes)
        .add("bias", d, lq * lkv * s.biasBytes);
  };
  auto addVO = [&] {
    b.add("V", d, lkv * dv * s.valueBytes).add("O", d, lq * dv * s.valueBytes);
  };
  switch (s.kind) {
  case StageKind::QK:
    addQK();
    b.add("S", d, lq * lkv * s.scoreBytes);
    break;
  case StageKind::Softmax:
    b.add("S", d, lq * lkv * s.scoreBytes).add("P", d, lq * lkv * s.probBytes);
    break;
  case StageKind::PV:
    b.add("P", d, lq * lkv * s.probBytes);
    addVO();
    break;
  case StageKind::QKSoftmax:
    addQK();
    b.add("P", d, lq * lkv * s.probBytes);
    break;
  case StageKind::Attention:
    addQK();
    addVO();
    break;
  }
  return b.fp;
}

static int64_t roundUp(int64_t value, int64_t multiple) {
  return llvm::divideCeil(value, multiple) * multiple;
}

/// Tile candidates: `granule` x 2^i (up to `limit` when the length is
/// dynamic), and for a static length `len` the tiles that split it into n
/// near-equal parts (n <= kSplits), rounded up to the granule: those waste
/// the least padding.
static SmallVector<int64_t> tileCandidates(int64_t granule, int64_t len,
                                           int64_t limit) {
  constexpr int64_t kSplits = 64;
  SmallVector<int64_t> out;
  int64_t cap = ShapedType::isDynamic(len) ? limit : roundUp(len, granule);
  for (int64_t t = granule; t <= cap; t *= 2)
    out.push_back(t);
  if (!ShapedType::isDynamic(len))
    for (int64_t n = 1; n <= kSplits; ++n)
      out.push_back(roundUp(llvm::divideCeil(len, n), granule));
  llvm::sort(out);
  out.erase(llvm::unique(out), out.end());
  return out;
}

static std::string stageLabel(const StageShape &s) {
  return ("stage '" + s.name + "' (fold " + stringifyFoldKind(s.fold) + ")")
      .str();
}

/// First L1 footprint of `stage` over the budget, if any.
static std::optional<Footprint>
l1Overflow(const StageShape &stage, const LayerPlan &plan, int64_t budget) {
  for (Footprint &fp : l1Footprints(stage, plan))
    if (fp.total() > budget)
      return fp;
  return std::nullopt;
}

FailureOr<LayerPlan>
mlir::attn::planLayer(const NPUTarget &target, const LayerDims &dims,
                      ArrayRef<StageShape> stages, const TileRequest &request,
                      std::string &error, int &failedStage) {
  failedStage = -1;
  llvm::raw_string_ostream os(error);
  auto fail = [&](int stage = -1) -> FailureOr<LayerPlan> {
    failedStage = stage;
    return failure();
  };

  // The intrinsic of the layer's element type.
  std::optional<ElementKind> kind =
      dims.matmulType ? elementKindFor(dims.matmulType) : std::nullopt;
  if (!kind || target.macsPerCycle(*kind) <= 0) {
    SmallVector<StringRef> supported;
    for (int k = 0; k < kNumElementKinds; ++k)
      if (target.macsPerCycle(static_cast<ElementKind>(k)) > 0)
        supported.push_back(stringifyElementKind(static_cast<ElementKind>(k)));
    os << "target '" << target.name << "' has no matmul intrinsic for element "
       << "type ";
    if (dims.matmulType)
      os << dims.matmulType;
    else
      os << "(none)";
    os << " (target table); supported: " << llvm::join(supported, ", ");
    return fail();
  }
  StringRef kindName = stringifyElementKind(*kind);
  IntrinsicShape intrinsic = target.intrinsic(*kind);
  int64_t granM = intrinsic.m;
  int64_t granKV = std::lcm(intrinsic.k, intrinsic.n);

  // Option sanity.
  struct Named {
    StringRef option;
    int64_t value;
  };
  Named sizes[] = {{"q-tile", request.qTile},
                   {"kv-tile", request.kvTile},
                   {"l2-q-block", request.l2QBlock},
                   {"l2-kv-block", request.l2KvBlock},
                   {"columns", request.columns},
                   {"cores-per-column", request.coresPerColumn}};
  for (const Named &n : sizes)
    if (n.value < 0) {
      os << n.option << "=" << n.value << ": must be positive (0 picks)";
      return fail();
    }
  if (request.depth < 1) {
    os << "depth=" << request.depth << ": must be at least 1";
    return fail();
  }
  if (request.qTile && request.qTile % granM != 0) {
    os << "q-tile=" << request.qTile << " is not a multiple of the "
       << target.name << " " << kindName << " intrinsic M = " << granM;
    return fail();
  }
  if (request.kvTile && request.kvTile % granKV != 0) {
    os << "kv-tile=" << request.kvTile << " is not a multiple of " << granKV
       << " (lcm of the " << target.name << " " << kindName
       << " intrinsic K = " << intrinsic.k << " and N = " << intrinsic.n << ")";
    return fail();
  }

  // Empty dimensions leave nothing to tile (and no tile divides them).
  struct Len {
    StringRef what;
    int64_t value;
  };
  Len lens[] = {{"query length Lq", dims.qLen},
                {"key length Lk", dims.kvLen},
                {"head dimension D", dims.headDim},
                {"value head dimension Dv", dims.valueDim}};
  for (const Len &l : lens)
    if (l.value == 0) {
      os << "the " << l.what << " is 0; there is nothing to tile";
      return fail(0);
    }

  // Head dimensions: held whole, padded to the granule.
  bool needD = false, needDv = false;
  for (auto [i, s] : llvm::enumerate(stages)) {
    bool qk = s.kind == StageKind::QK || s.kind == StageKind::QKSoftmax ||
              s.kind == StageKind::Attention;
    bool pv = s.kind == StageKind::PV || s.kind == StageKind::Attention;
    needD |= qk;
    needDv |= pv;
    if (qk && ShapedType::isDynamic(dims.headDim)) {
      os << stageLabel(s) << ": the head dimension D is dynamic; kernels are "
         << "compiled for one D, so attn-tile needs it static";
      return fail(i);
    }
    if (pv && ShapedType::isDynamic(dims.valueDim)) {
      os << stageLabel(s) << ": the value head dimension Dv is dynamic; "
         << "kernels are compiled for one Dv, so attn-tile needs it static";
      return fail(i);
    }
    if (holdsScoreRows(s) && ShapedType::isDynamic(dims.kvLen)) {
      os << stageLabel(s) << " keeps whole score rows on chip and needs a "
         << "static key length, but the key length is dynamic; use "
         << "attn-fold mode=online (or unfolded), or pad to a bucket first";
      return fail(i);
    }
  }
  LayerPlan plan;
  plan.intrinsic = intrinsic;
  plan.depth = request.depth;
  plan.mapping = request.mapping;
  int64_t paddedD = needD || !ShapedType::isDynamic(dims.headDim)
                        ? roundUp(dims.headDim, granKV)
                        : 0;
  int64_t paddedDv = needDv || !ShapedType::isDynamic(dims.valueDim)
                         ? roundUp(dims.valueDim, granKV)
                         : 0;
  // A stage without Q·Kᵀ (or without P·V) never touches that dimension:
  // mirror the other one so the plan stays well formed.
  if (!paddedD)
    paddedD = paddedDv ? paddedDv : granKV;
  if (!paddedDv)
    paddedDv = paddedD;
  plan.paddedHeadDim = paddedD;
  plan.paddedValueDim = paddedDv;
  plan.headDimTile = std::gcd(paddedD, paddedDv);

  // Cores per column and stream pipelines.
  int64_t roles = 1;
  for (const StageShape &s : stages)
    roles = std::max(roles, pipelineLength(s.kind, request.mapping));
  int64_t coreRows = target.numCoreRows;
  int64_t cores = request.coresPerColumn;
  if (cores > coreRows) {
    os << "cores-per-column=" << cores << " exceeds the " << coreRows
       << " core rows of " << target.name;
    return fail();
  }
  if (cores && cores % roles != 0) {
    os << "cores-per-column=" << cores << " is not a multiple of the " << roles
       << "-core stream pipeline ("
       << (roles == 3 ? "QK | softmax | PV" : "QK | softmax") << ")";
    return fail();
  }
  if (!cores)
    cores = coreRows - coreRows % roles;
  if (cores == 0) {
    os << "mapping=stream needs " << roles << " cores per column but "
       << target.name << " has " << coreRows << " core rows";
    return fail();
  }
  if (request.columns > target.numColumns) {
    os << "columns=" << request.columns << " exceeds the " << target.numColumns
       << " columns of " << target.name;
    return fail();
  }
  plan.coresPerColumn = cores;
  int64_t pipelines = cores / roles;

  // Tile sizes: among the pairs that fit every stage, those padding the
  // score matrix least (exactly, or within kPaddingSlack when none divides
  // the lengths), then the largest
  // q_tile * kv_tile, then the larger q_tile.
  int64_t budget = l1Budget(target);
  SmallVector<int64_t> qCands = request.qTile
                                    ? SmallVector<int64_t>{request.qTile}
                                    : tileCandidates(granM, dims.qLen, budget);
  SmallVector<int64_t> kvCands =
      request.kvTile ? SmallVector<int64_t>{request.kvTile}
                     : tileCandidates(granKV, dims.kvLen, budget);
  auto setTiles = [&](int64_t q, int64_t kv) {
    plan.qTile = q;
    plan.kvTile = kv;
    plan.paddedQLen = ShapedType::isDynamic(dims.qLen) ? ShapedType::kDynamic
                                                       : roundUp(dims.qLen, q);
    plan.paddedKvLen = ShapedType::isDynamic(dims.kvLen)
                           ? ShapedType::kDynamic
                           : roundUp(dims.kvLen, kv);
    plan.l2QBlock = request.l2QBlock ? request.l2QBlock : q;
    plan.l2KvBlock = request.l2KvBlock ? request.l2KvBlock : kv;
  };
  // Padded score elements relative to the real ones (1 for dynamic).
  auto paddedRatio = [&](int64_t q, int64_t kv) {
    auto ratio = [](int64_t len, int64_t tile) {
      return ShapedType::isDynamic(len)
                 ? 1.0
                 : double(roundUp(len, tile)) / double(len);
    };
    return ratio(dims.qLen, q) * ratio(dims.kvLen, kv);
  };
  SmallVector<std::pair<int64_t, int64_t>> fitting;
  for (int64_t q : qCands)
    for (int64_t kv : kvCands) {
      setTiles(q, kv);
      if (llvm::all_of(stages, [&](const StageShape &s) {
            return !l1Overflow(s, plan, budget);
          }))
        fitting.push_back({q, kv});
    }
  bool found = !fitting.empty();
  if (found) {
    double least = std::numeric_limits<double>::infinity();
    for (auto [q, kv] : fitting)
      least = std::min(least, paddedRatio(q, kv));
    std::pair<int64_t, int64_t> best{0, 0};
    for (auto [q, kv] : fitting) {
      // Exact tiles when some fit; otherwise a little slack.
      double limit = least == 1.0 ? 1.0 : least * (1.0 + kPaddingSlack);
      if (paddedRatio(q, kv) > limit)
        continue;
      if (q * kv > best.first * best.second ||
          (q * kv == best.first * best.second && q > best.first))
        best = {q, kv};
    }
    setTiles(best.first, best.second);
  }
  if (!found) {
    // Report the smallest candidate: if it does not fit, nothing does.
    int64_t q = *llvm::min_element(qCands), kv = *llvm::min_element(kvCands);
    setTiles(q, kv);
    for (auto [i, s] : llvm::enumerate(stages)) {
      std::optional<Footprint> over = l1Overflow(s, plan, budget);
      if (!over)
        continue;
      if (qCands.size() * kvCands.size() == 1)
        os << "q-tile=" << q << " kv-tile=" << kv << ": ";
      else
        os << "no tile sizes fit; even q-tile=" << q << " kv-tile=" << kv
           << ": ";
      os << stageLabel(s);
      if (!over->role.empty())
        os << ", " << over->role << " core of the stream pipeline";
      os << ", L1 needs ";
      over->print(os);
      os << " > " << budget << " B of " << target.name << " (L1 "
         << target.coreL1Bytes << " B - stack reserve "
         << target.coreStackReserveBytes << " B)";
      return fail(i);
    }
  }

  // L2 blocks: multiples of the tiles, capped at the padded lengths,
  // reduced a tile at a time until every stage fits a memtile.
  if (request.l2QBlock && request.l2QBlock % plan.qTile != 0) {
    os << "l2-q-block=" << request.l2QBlock
       << " is not a multiple of q-tile=" << plan.qTile;
    return fail();
  }
  if (request.l2KvBlock && request.l2KvBlock % plan.kvTile != 0) {
    os << "l2-kv-block=" << request.l2KvBlock
       << " is not a multiple of kv-tile=" << plan.kvTile;
    return fail();
  }
  auto cap = [](int64_t block, int64_t padded) {
    return ShapedType::isDynamic(padded) ? block : std::min(block, padded);
  };
  plan.l2QBlock = request.l2QBlock
                      ? request.l2QBlock
                      : cap(plan.qTile * pipelines, plan.paddedQLen);
  plan.l2KvBlock = request.l2KvBlock
                       ? request.l2KvBlock
                       : cap(plan.kvTile * cores, plan.paddedKvLen);
  while (true) {
    const StageShape *overStage = nullptr;
    int overIndex = -1;
    Footprint over;
    for (auto [i, s] : llvm::enumerate(stages)) {
      Footprint fp = l2Footprint(s, plan);
      if (fp.total() > target.memTileL2Bytes) {
        overStage = &s;
        overIndex = i;
        over = fp;
        break;
      }
    }
    if (!overStage)
      break;
    if (!request.l2KvBlock && plan.l2KvBlock > plan.kvTile) {
      plan.l2KvBlock -= plan.kvTile;
      continue;
    }
    if (!request.l2QBlock && plan.l2QBlock > plan.qTile) {
      plan.l2QBlock -= plan.qTile;
      continue;
    }
    os << "l2-q-block=" << plan.l2QBlock << " l2-kv-block=" << plan.l2KvBlock
       << ": " << stageLabel(*overStage) << ", L2 needs ";
    over.print(os);
    os << " > " << target.memTileL2Bytes << " B of a " << target.name
       << " memtile";
    return fail(overIndex);
  }

  // Columns: all of them, unless the layer has fewer query-tile rows.
  int64_t columns = request.columns ? request.columns : target.numColumns;
  if (!request.columns && !ShapedType::isDynamic(dims.batchHeads) &&
      !ShapedType::isDynamic(plan.paddedQLen)) {
    int64_t work = dims.batchHeads * (plan.paddedQLen / plan.qTile);
    columns = std::clamp<int64_t>(llvm::divideCeil(work, pipelines), 1,
                                  target.numColumns);
  }
  plan.columns = columns;
  return plan;
}

PlanAttr mlir::attn::makePlanAttr(MLIRContext *ctx, const NPUTarget &target,
                                  const LayerPlan &plan,
                                  const StageShape &stage) {
  MappingKind mapping = pipelineLength(stage.kind, plan.mapping) > 1
                            ? MappingKind::stream
                            : MappingKind::fused;
  int64_t intrinsic[] = {plan.intrinsic.m, plan.intrinsic.k, plan.intrinsic.n};
  return PlanAttr::get(ctx, target.name, plan.qTile, plan.kvTile,
                       plan.headDimTile, plan.l2QBlock, plan.l2KvBlock,
                       intrinsic, plan.columns, plan.coresPerColumn, mapping,
                       plan.depth, plan.paddedQLen, plan.paddedKvLen,
                       plan.paddedHeadDim, plan.paddedValueDim);
}
