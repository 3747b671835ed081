//===- TilePlanner.cpp - plans of attention layers for attn-fold/attn-tile ===//
//
// Reads attention layers from IR for the cost model and picks attn-tile's
// plans: the cost model's best plan of the layer's fold when every size is
// static (cost::compilerSpace restricts the search to what #attn.plan
// expresses and the lowerings honour), the largest tiles that fit
// otherwise. Buffers are always sized by cost::stageBuffers, so the tiler
// and the model cannot disagree about L1/L2 capacity.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/Transforms/TilePlanner.h"
#include "attn/Support/CheckedArith.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <limits>
#include <numeric>

using namespace mlir;
using namespace mlir::attn;

// Tile choice policy of the capacity rule (not a hardware fact): when no
// tile pair that fits divides the lengths exactly, a pair may pad the score
// matrix by up to this fraction more than the least-padding pair, so that
// lengths with few divisors still get large tiles.
static constexpr double kPaddingSlack = 1.0 / 64;

//===----------------------------------------------------------------------===//
// Reading layers
//===----------------------------------------------------------------------===//

std::optional<ElementKind> mlir::attn::modelElementKind(Type type) {
  if (auto shaped = dyn_cast<ShapedType>(type))
    type = shaped.getElementType();
  if (type.isInteger(1))
    return ElementKind::I8; // a boolean mask is stored one byte per element
  return elementKindFor(type);
}

namespace {

int64_t dimOf(Value v, unsigned i) {
  return cast<RankedTensorType>(v.getType()).getDimSize(i);
}

/// Static wins over dynamic; two static values (e.g. one stage already
/// padded) give the larger.
void merge(int64_t &into, int64_t value) {
  if (ShapedType::isDynamic(value))
    return;
  into = ShapedType::isDynamic(into) ? value : std::max(into, value);
}

/// Logical [B, H, L, D] positions of a tensor in `layout`.
struct Positions {
  unsigned heads, len;
};
Positions positions(LayoutKind layout) {
  return layout == LayoutKind::blhd ? Positions{2, 1} : Positions{1, 2};
}

int64_t elementBytesOf(Type type) {
  if (std::optional<ElementKind> kind = modelElementKind(type))
    return bytes(*kind);
  if (auto shaped = dyn_cast<ShapedType>(type))
    type = shaped.getElementType();
  return std::max<int64_t>(1,
                           llvm::divideCeil(type.getIntOrFloatBitWidth(), 8));
}

int64_t roundUp(int64_t value, int64_t multiple) {
  return llvm::divideCeil(value, multiple) * multiple;
}

} // namespace

LayerInfo mlir::attn::layerInfoOf(AttentionOp op) {
  LayerInfo l;
  Positions pos = positions(op.getLayout());
  Value q = op.getQuery(), k = op.getKey(), v = op.getValue(),
        r = op.getResult();
  for (Value t : {q, k, v, r})
    merge(l.batch, dimOf(t, 0));
  merge(l.heads, dimOf(q, pos.heads));
  merge(l.heads, dimOf(r, pos.heads));
  merge(l.kvHeads, dimOf(k, pos.heads));
  merge(l.kvHeads, dimOf(v, pos.heads));
  merge(l.qLen, dimOf(q, pos.len));
  merge(l.qLen, dimOf(r, pos.len));
  merge(l.kvLen, dimOf(k, pos.len));
  merge(l.kvLen, dimOf(v, pos.len));
  merge(l.headDim, dimOf(q, 3));
  merge(l.headDim, dimOf(k, 3));
  merge(l.valueDim, dimOf(v, 3));
  merge(l.valueDim, dimOf(r, 3));
  l.element = cast<RankedTensorType>(q.getType()).getElementType();
  l.mask = op.getMask();
  l.bias = op.getBias();
  l.validLen = static_cast<bool>(op.getValidLen());
  l.causal = op.getCausal();
  l.layout = op.getLayout();
  return l;
}

void mlir::attn::addStageTo(LayerInfo &l, StageOp stage) {
  l.fold = stage.getFold();
  std::optional<StageKind> kind = stageKindOf(stage.getName(), l.fold);
  if (kind)
    l.stages.push_back(*kind);
  auto noteIntermediate = [&](Value v) {
    Type t = cast<RankedTensorType>(v.getType()).getElementType();
    if (!l.intermediate)
      l.intermediate = t;
    else if (t != l.intermediate && !l.mismatchedIntermediate) {
      l.mismatchedIntermediate = t;
      l.mismatchedStage = static_cast<int>(l.stages.size()) - 1;
    }
  };
  // [B, H, Lq, Lk] scores or probabilities.
  auto mergeScores = [&](Value s) {
    merge(l.batch, dimOf(s, 0));
    merge(l.heads, dimOf(s, 1));
    merge(l.qLen, dimOf(s, 2));
    merge(l.kvLen, dimOf(s, 3));
  };
  stage.getBody().walk([&](Operation *op) {
    if (auto qk = dyn_cast<QKOp>(op)) {
      Positions pos = positions(qk.getLayout());
      Value q = qk.getQuery(), k = qk.getKey();
      merge(l.batch, dimOf(q, 0));
      merge(l.heads, dimOf(q, pos.heads));
      merge(l.kvHeads, dimOf(k, pos.heads));
      merge(l.qLen, dimOf(q, pos.len));
      merge(l.kvLen, dimOf(k, pos.len));
      merge(l.headDim, dimOf(q, 3));
      merge(l.headDim, dimOf(k, 3));
      mergeScores(qk.getScores());
      l.element = cast<RankedTensorType>(q.getType()).getElementType();
      l.mask = qk.getMask();
      l.bias = qk.getBias();
      l.validLen |= static_cast<bool>(qk.getValidLen());
      l.causal = qk.getCausal();
      l.layout = qk.getLayout();
      if (kind == StageKind::QK)
        noteIntermediate(qk.getScores());
    } else if (auto sm = dyn_cast<SoftmaxOp>(op)) {
      mergeScores(sm.getScores());
      if (kind == StageKind::Softmax)
        noteIntermediate(sm.getScores());
      if (kind == StageKind::Softmax || kind == StageKind::QKSoftmax)
        noteIntermediate(sm.getProbs());
      if (!l.element && kind == StageKind::Softmax)
        l.element = sm.getScores().getType().getElementType();
    } else if (isa<PVOp, OnlineSoftmaxPVOp>(op)) {
      Value w = op->getOperand(0), v = op->getOperand(1);
      auto pv = dyn_cast<PVOp>(op);
      auto online = dyn_cast<OnlineSoftmaxPVOp>(op);
      LayoutKind layout = pv ? pv.getLayout() : online.getLayout();
      Value validLen = pv ? pv.getValidLen() : online.getValidLen();
      Positions pos = positions(layout);
      mergeScores(w);
      merge(l.batch, dimOf(v, 0));
      merge(l.kvHeads, dimOf(v, pos.heads));
      merge(l.kvLen, dimOf(v, pos.len));
      merge(l.valueDim, dimOf(v, 3));
      merge(l.valueDim, dimOf(op->getResult(0), 3));
      if (pv && kind == StageKind::PV)
        noteIntermediate(w);
      l.validLen |= static_cast<bool>(validLen);
      if (!l.element)
        l.element = cast<RankedTensorType>(v.getType()).getElementType();
      l.layout = layout;
    }
  });
}

bool mlir::attn::isCompleteFold(const LayerInfo &layer) {
  return llvm::equal(layer.stages, foldStages(layer.fold));
}

FailureOr<cost::AttentionShape> mlir::attn::modelShape(const LayerInfo &l,
                                                       std::string &why) {
  struct Size {
    const char *name;
    int64_t value;
  };
  for (Size s :
       {Size{"batch size B", l.batch}, Size{"head count H", l.heads},
        Size{"key/value head count Hkv", l.kvHeads},
        Size{"query length Lq", l.qLen}, Size{"key length Lk", l.kvLen},
        Size{"head dimension D", l.headDim},
        Size{"value head dimension Dv", l.valueDim}})
    if (ShapedType::isDynamic(s.value)) {
      why = (llvm::Twine("the ") + s.name + " is dynamic").str();
      return failure();
    }
  cost::AttentionShape shape;
  shape.batch = l.batch;
  shape.heads = l.heads;
  shape.kvHeads = l.kvHeads;
  shape.queryLen = l.qLen;
  shape.keyLen = l.kvLen;
  shape.headDim = l.headDim;
  shape.valueDim = l.valueDim;
  std::optional<ElementKind> elem =
      l.element ? elementKindFor(l.element) : std::nullopt;
  if (!elem) {
    why = "the layer's element type has no cost-model kind";
    return failure();
  }
  shape.element = *elem;
  shape.causal = l.causal;
  shape.layout = l.layout;
  shape.validLen = l.validLen;
  // Mask and bias shapes right-aligned to [B, H, Lq, Lk].
  auto operand = [&](Value v, const char *what, std::array<int64_t, 4> &dims,
                     ElementKind &kind) -> LogicalResult {
    auto type = cast<RankedTensorType>(v.getType());
    if (!type.hasStaticShape() || type.getRank() > 4) {
      why = (llvm::Twine("the ") + what + " " +
             (type.getRank() > 4 ? "has rank above 4" : "has dynamic dims"))
                .str();
      return failure();
    }
    dims = {1, 1, 1, 1};
    int64_t offset = 4 - type.getRank();
    for (int64_t i = 0; i < type.getRank(); ++i)
      dims[offset + i] = type.getDimSize(i);
    std::optional<ElementKind> k = modelElementKind(type);
    if (!k) {
      why = (llvm::Twine("the ") + what +
             " element type has no cost-model "
             "kind")
                .str();
      return failure();
    }
    kind = *k;
    return success();
  };
  if (l.mask) {
    shape.mask =
        cast<RankedTensorType>(l.mask.getType()).getElementType().isInteger(1)
            ? cost::MaskKind::Boolean
            : cost::MaskKind::Additive;
    if (failed(operand(l.mask, "mask", shape.maskShape, shape.maskElement)))
      return failure();
  }
  if (l.bias) {
    shape.hasBias = true;
    if (failed(operand(l.bias, "bias", shape.biasShape, shape.biasElement)))
      return failure();
  }
  if (llvm::Error err = cost::verifyShape(shape)) {
    why = llvm::toString(std::move(err));
    return failure();
  }
  return shape;
}

//===----------------------------------------------------------------------===//
// Planning
//===----------------------------------------------------------------------===//

namespace {

std::string stageLabel(StageKind kind, FoldKind fold) {
  return ("stage '" + stageName(kind) + "' (fold " + stringifyFoldKind(fold) +
          ")")
      .str();
}

/// An option or dimension and its value, for diagnostics naming it.
struct NamedValue {
  StringRef name;
  int64_t value;
};

bool holdsScoreRows(StageKind kind) {
  return kind == StageKind::QKSoftmax || kind == StageKind::Full;
}

/// The planner's working state for one layer.
struct Planner {
  const NPUTarget &target;
  const LayerInfo &layer;
  const TileRequest &request;
  llvm::raw_string_ostream os;
  int &failedStage;
  IntrinsicShape intrinsic{0, 0, 0};
  StringRef kindName;
  int64_t granM = 0, granKV = 0;
  cost::BufferSizes sizes;
  int64_t roles = 1; // cores per stream pipeline (largest of the stages)

  Planner(const NPUTarget &target, const LayerInfo &layer,
          const TileRequest &request, std::string &error, int &failedStage)
      : target(target), layer(layer), request(request), os(error),
        failedStage(failedStage) {}

  FailureOr<LayerPlan> fail(int stage = -1) {
    failedStage = stage;
    return failure();
  }
  FailureOr<LayerPlan> run();
  LogicalResult checkRequest();
  FailureOr<ElementKind> resolveIntrinsic();
  LogicalResult checkOptions(ElementKind kind);
  LogicalResult checkLayerDims();
  LogicalResult checkArrayOptions();
  void setBufferSizes(ElementKind kind);
  LogicalResult checkKvBlockFitsL2(int64_t elementBytes);
  LogicalResult checkKvSplitOption(int64_t cores, int64_t coreRows);
  /// A resolved plan with tiles (q, kv) and the request's other fields
  /// (defaults for the rest): the shape attn-tile's diagnostics and the
  /// capacity rule work on.
  cost::Plan basePlan(int64_t q, int64_t kv) const;
  void setPadded(cost::BufferSizes &z, int64_t kv) const {
    z.paddedKeyLen = ShapedType::isDynamic(layer.kvLen)
                         ? cost::BufferSizes::kUnknownLength
                         : roundUp(layer.kvLen, kv);
  }
  /// First stage whose L1 (then L2) overflows under `plan`: writes the
  /// message and returns true.
  bool reportOverflow(const cost::Plan &plan, bool tilesGiven,
                      bool checkL2 = true);
  FailureOr<LayerPlan> modelPlan(const cost::AttentionShape &shape);
  FailureOr<LayerPlan> capacityPlan();
  LayerPlan finish(const cost::Plan &plan) const;
};

/// kv-split: a cascade chain is that many adjacent cores of one column,
/// running the fused online stage (the only stage whose running state
/// merges), on a layer without explicit mask/bias tensors (the back end
/// emits cascades for those only).
LogicalResult Planner::checkKvSplitOption(int64_t cores, int64_t coreRows) {
  int64_t split = request.kvSplit;
  if (split <= 1)
    return success();
  if (!llvm::isPowerOf2_64(split) || split > coreRows) {
    os << "kv-split=" << split << " must be a power of two of at most the "
       << coreRows << " core rows of " << target.name
       << " (a cascade chain is adjacent cores of one column)";
    return failure();
  }
  if (cores && cores % split != 0) {
    os << "kv-split=" << split << " does not divide cores-per-column=" << cores
       << " (a column holds whole cascade chains)";
    return failure();
  }
  if (layer.fold != FoldKind::online || request.mapping != MappingKind::fused) {
    os << "kv-split=" << split << " needs fold online and mapping fused (the "
       << "cascade merges running softmax states), got fold "
       << stringifyFoldKind(layer.fold) << " and mapping "
       << stringifyMappingKind(request.mapping);
    return failure();
  }
  if (layer.mask || layer.bias) {
    os << "kv-split=" << split << " is not emitted for layers with explicit "
       << "mask or bias tensors (their per-core tiles follow the query "
       << "lanes, not the cascade); use kv-split=1";
    return failure();
  }
  return success();
}

LogicalResult Planner::checkKvBlockFitsL2(int64_t elementBytes) {
  // The model caps a block at the padded key length, so a block larger than
  // any layer would otherwise pass silently: its K rows alone must fit a
  // memtile, whatever the length.
  if (!request.l2KvBlock)
    return success();
  int64_t d = ShapedType::isDynamic(layer.headDim) ? 1 : layer.headDim;
  std::optional<int64_t> bytes =
      checkedProduct({request.l2KvBlock, d, elementBytes});
  if (bytes && *bytes <= target.memTileL2Bytes)
    return success();
  os << "l2-kv-block=" << request.l2KvBlock << ": its K block of "
     << request.l2KvBlock << " rows x D = " << d << " x " << elementBytes
     << " B needs "
     << (bytes ? std::to_string(*bytes) : std::string("more than 2^63"))
     << " B, more than the " << target.memTileL2Bytes << " B of a "
     << target.name << " memtile";
  return failure();
}

/// The matmul intrinsic of the layer's element type (or of the requested
/// datapath); sets `kindName`, `intrinsic` and the tile granules.
FailureOr<ElementKind> Planner::resolveIntrinsic() {
  // The intrinsic of the layer's element type.
  std::optional<ElementKind> kind =
      layer.element ? elementKindFor(layer.element) : std::nullopt;
  if (!kind || target.macsPerCycle(*kind) <= 0) {
    SmallVector<StringRef> supported;
    for (int k = 0; k < kNumElementKinds; ++k)
      if (target.macsPerCycle(static_cast<ElementKind>(k)) > 0)
        supported.push_back(stringifyElementKind(static_cast<ElementKind>(k)));
    os << "target '" << target.name << "' has no matmul intrinsic for element "
       << "type ";
    if (layer.element)
      os << layer.element;
    else
      os << "(none)";
    os << " (target table); supported: " << llvm::join(supported, ", ");
    return failure();
  }
  kindName = stringifyElementKind(*kind);
  intrinsic = target.intrinsic(*kind);
  // datapath=bfp16 names the target's BFP16 datapath; native (the element
  // type's intrinsic, or its table emulation) and auto keep the default.
  if (request.datapath == "bfp16") {
    auto paths = cost::matmulDatapaths(target, *kind);
    const cost::MatmulDatapath *chosen = nullptr;
    for (const cost::MatmulDatapath &d : paths)
      if (d.name == request.datapath)
        chosen = &d;
    if (!chosen) {
      os << "datapath=" << request.datapath << ": target '" << target.name
         << "' has no such matmul datapath for " << kindName
         << " layers (target table: BFP16 is bf16 on npu2); use "
         << "datapath=native or auto";
      return failure();
    }
    intrinsic = chosen->intrinsic;
  }
  granM = intrinsic.m;
  granKV = std::lcm(intrinsic.k, intrinsic.n);

  return *kind;
}

/// Option values: signs, capacities (a row never exceeds the memory it
/// must fit) and multiples of the intrinsic.
LogicalResult Planner::checkOptions(ElementKind kind) {
  // Option sanity.
  NamedValue named[] = {{"q-tile", request.qTile},
                        {"kv-tile", request.kvTile},
                        {"l2-q-block", request.l2QBlock},
                        {"l2-kv-block", request.l2KvBlock},
                        {"columns", request.columns},
                        {"cores-per-column", request.coresPerColumn},
                        {"kv-split", request.kvSplit}};
  for (const NamedValue &n : named)
    if (n.value < 0) {
      os << n.name << "=" << n.value << ": must be positive (0 picks)";
      return failure();
    }
  // A tile (block) row holds at least one element: more rows than L1 (L2)
  // has elements can never fit, and would overflow the size arithmetic.
  int64_t elemBytes = bytes(kind);
  struct Bound {
    StringRef option;
    int64_t value, capacity;
    StringRef memory;
  };
  Bound bounds[] = {
      {"q-tile", request.qTile, target.coreL1Bytes, "core L1"},
      {"kv-tile", request.kvTile, target.coreL1Bytes, "core L1"},
      {"l2-q-block", request.l2QBlock, target.memTileL2Bytes, "memtile L2"},
      {"l2-kv-block", request.l2KvBlock, target.memTileL2Bytes, "memtile L2"},
      {"depth", request.depth, target.coreL1Bytes, "core L1"}};
  for (const Bound &b : bounds)
    if (b.value > b.capacity / elemBytes) {
      os << b.option << "=" << b.value << " exceeds the "
         << b.capacity / elemBytes << " " << kindName << " elements the "
         << b.capacity << " B of a " << target.name << " " << b.memory
         << " holds";
      return failure();
    }
  if (request.depth < 1) {
    os << "depth=" << request.depth << ": must be at least 1";
    return failure();
  }
  if (request.qTile && request.qTile % granM != 0) {
    os << "q-tile=" << request.qTile << " is not a multiple of the "
       << target.name << " " << kindName << " intrinsic M = " << granM;
    return failure();
  }
  if (request.kvTile && request.kvTile % granKV != 0) {
    os << "kv-tile=" << request.kvTile << " is not a multiple of " << granKV
       << " (lcm of the " << target.name << " " << kindName
       << " intrinsic K = " << intrinsic.k << " and N = " << intrinsic.n << ")";
    return failure();
  }

  return success();
}

/// Layer dimensions attn-tile needs: non-empty, static head dims (kernels
/// are compiled for one D and Dv), a static key length for whole score
/// rows, one intermediate type.
LogicalResult Planner::checkLayerDims() {
  // Empty dimensions leave nothing to tile (and no tile divides them).
  NamedValue lens[] = {{"query length Lq", layer.qLen},
                       {"key length Lk", layer.kvLen},
                       {"head dimension D", layer.headDim},
                       {"value head dimension Dv", layer.valueDim}};
  for (const NamedValue &l : lens)
    if (l.value == 0) {
      os << "the " << l.name << " is 0; there is nothing to tile";
      failedStage = 0;
      return failure();
    }

  // Head dimensions: kernels are compiled for one D and Dv.
  for (auto [i, stage] : llvm::enumerate(layer.stages)) {
    bool qk = stage == StageKind::QK || stage == StageKind::QKSoftmax ||
              isAttentionStage(stage);
    bool pv = stage == StageKind::PV || isAttentionStage(stage);
    if (qk && ShapedType::isDynamic(layer.headDim)) {
      os << stageLabel(stage, layer.fold)
         << ": the head dimension D is dynamic; kernels are "
         << "compiled for one D, so attn-tile needs it static";
      failedStage = i;
      return failure();
    }
    if (pv && ShapedType::isDynamic(layer.valueDim)) {
      os << stageLabel(stage, layer.fold)
         << ": the value head dimension Dv is dynamic; "
         << "kernels are compiled for one Dv, so attn-tile needs it static";
      failedStage = i;
      return failure();
    }
    if (holdsScoreRows(stage) && ShapedType::isDynamic(layer.kvLen)) {
      os << stageLabel(stage, layer.fold)
         << " keeps whole score rows on chip and needs a "
         << "static key length, but the key length is dynamic; use "
         << "attn-fold mode=online (or unfolded), or pad to a bucket first";
      failedStage = i;
      return failure();
    }
  }
  if (layer.mismatchedIntermediate) {
    os << "the scores/probabilities crossing DRAM have element types "
       << layer.intermediate << " and " << layer.mismatchedIntermediate
       << "; a layer is planned with one intermediate type (attn-fold "
       << "intermediate-type)";
    failedStage = layer.mismatchedStage;
    return failure();
  }

  return success();
}

/// The array options: cores per column (a multiple of the stream
/// pipeline), columns, and L2 blocks that are multiples of the tiles.
LogicalResult Planner::checkArrayOptions() {
  // Stream pipelines: the online fold's attention stage only (as the cost
  // model and the AIE back end have them); one-op stages run fused.
  if (request.mapping == MappingKind::stream &&
      (layer.fold == FoldKind::full || layer.fold == FoldKind::partial)) {
    os << "mapping=stream is outside the compiler's space for fold '"
       << stringifyFoldKind(layer.fold)
       << "': only the online fold runs as a QK | softmax | PV pipeline";
    return failure();
  }
  if (request.mapping == MappingKind::stream)
    for (StageKind kind : layer.stages)
      roles = std::max<int64_t>(roles, cost::pipelineLength(kind));
  int64_t coreRows = target.numCoreRows;
  int64_t cores = request.coresPerColumn;
  if (cores > coreRows) {
    os << "cores-per-column=" << cores << " exceeds the " << coreRows
       << " core rows of " << target.name;
    return failure();
  }
  if (cores && cores % roles != 0) {
    os << "cores-per-column=" << cores << " is not a multiple of the " << roles
       << "-core stream pipeline (QK | softmax | PV)";
    return failure();
  }
  if (coreRows - coreRows % roles == 0) {
    os << "mapping=stream needs " << roles << " cores per column but "
       << target.name << " has " << coreRows << " core rows";
    return failure();
  }
  if (failed(checkKvSplitOption(cores, coreRows)))
    return failure();
  if (request.columns > target.numColumns) {
    os << "columns=" << request.columns << " exceeds the " << target.numColumns
       << " columns of " << target.name;
    return failure();
  }
  if (request.qTile && request.l2QBlock &&
      request.l2QBlock % request.qTile != 0) {
    os << "l2-q-block=" << request.l2QBlock
       << " is not a multiple of q-tile=" << request.qTile;
    return failure();
  }
  if (request.kvTile && request.l2KvBlock &&
      request.l2KvBlock % request.kvTile != 0) {
    os << "l2-kv-block=" << request.l2KvBlock
       << " is not a multiple of kv-tile=" << request.kvTile;
    return failure();
  }

  return success();
}

/// The buffer sizes every candidate plan shares (the padded key length is
/// set per tile).
void Planner::setBufferSizes(ElementKind kind) {
  sizes.elementBytes = bytes(kind);
  sizes.intermediateBytes =
      layer.intermediate ? elementBytesOf(layer.intermediate) : 4;
  if (layer.mask)
    sizes.maskBytes = elementBytesOf(layer.mask.getType());
  if (layer.bias)
    sizes.biasBytes = elementBytesOf(layer.bias.getType());
  // One i32 runtime parameter per batch entry (a dynamic batch has no
  // static rtp buffer to account for).
  if (layer.validLen && !ShapedType::isDynamic(layer.batch))
    sizes.runtimeParamBytes = layer.batch * 4;
  // Head dims: whole, padded to the intrinsic K (D) and N (Dv). A stage
  // without one of the products mirrors the other.
  // Both pad to lcm(K, N) = granKV, as in the cost model: #attn.plan's
  // head_dim_tile divides both and is a multiple of K and N.
  int64_t paddedD =
      ShapedType::isDynamic(layer.headDim) ? 0 : roundUp(layer.headDim, granKV);
  int64_t paddedDv = ShapedType::isDynamic(layer.valueDim)
                         ? 0
                         : roundUp(layer.valueDim, granKV);
  if (!paddedD)
    paddedD = paddedDv ? paddedDv : granKV;
  if (!paddedDv)
    paddedDv = paddedD;
  sizes.paddedHeadDim = paddedD;
  sizes.paddedValueDim = paddedDv;
}

LogicalResult Planner::checkRequest() {
  FailureOr<ElementKind> kind = resolveIntrinsic();
  if (failed(kind) || failed(checkOptions(*kind)) || failed(checkLayerDims()) ||
      failed(checkArrayOptions()) || failed(checkKvBlockFitsL2(bytes(*kind))))
    return failure();
  setBufferSizes(*kind);
  return success();
}

cost::Plan Planner::basePlan(int64_t q, int64_t kv) const {
  cost::Plan p;
  p.fold = layer.fold;
  p.qTile = q;
  p.kvTile = kv;
  p.intrinsic = intrinsic;
  p.columns = request.columns ? request.columns : target.numColumns;
  int64_t rows = target.numCoreRows;
  p.coresPerColumn =
      request.coresPerColumn ? request.coresPerColumn : rows - rows % roles;
  p.mapping =
      p.fold == FoldKind::unfolded ? MappingKind::fused : request.mapping;
  p.kvSplit = request.kvSplit ? request.kvSplit : 1;
  p.depth = request.depth;
  p.layout = layer.layout == LayoutKind::blhd ? cost::LayoutHandling::Dma
                                              : cost::LayoutHandling::Native;
  p.intermediate =
      layer.intermediate
          ? modelElementKind(layer.intermediate).value_or(ElementKind::F32)
          : ElementKind::F32;
  p.l2QBlock =
      request.l2QBlock ? request.l2QBlock : cost::lanesPerColumn(p) * q;
  int64_t cap = ShapedType::isDynamic(layer.kvLen)
                    ? std::numeric_limits<int64_t>::max()
                    : roundUp(layer.kvLen, kv);
  p.l2KvBlock = request.l2KvBlock ? request.l2KvBlock
                                  : std::min(kv * p.coresPerColumn, cap);
  return p;
}

bool Planner::reportOverflow(const cost::Plan &plan, bool tilesGiven,
                             bool checkL2) {
  cost::BufferSizes z = sizes;
  setPadded(z, plan.kvTile);
  int64_t budget = cost::l1BufferBudget(target);
  for (auto [i, kind] : llvm::enumerate(layer.stages)) {
    cost::StageBuffers b = cost::stageBuffers(kind, plan, z, target);
    for (const cost::Footprint &fp : b.cores) {
      if (fp.total() <= budget)
        continue;
      if (tilesGiven)
        os << "q-tile=" << plan.qTile << " kv-tile=" << plan.kvTile << ": ";
      else
        os << "no tile sizes fit; even q-tile=" << plan.qTile
           << " kv-tile=" << plan.kvTile << ": ";
      os << stageLabel(kind, layer.fold);
      if (!fp.role.empty())
        os << ", " << fp.role << " core of the stream pipeline";
      os << ", L1 needs ";
      fp.print(os);
      os << " > " << budget << " B of " << target.name << " (L1 "
         << target.coreL1Bytes << " B - stack reserve "
         << target.coreStackReserveBytes << " B)";
      failedStage = i;
      return true;
    }
  }
  if (!checkL2)
    return false;
  for (auto [i, kind] : llvm::enumerate(layer.stages)) {
    cost::StageBuffers b = cost::stageBuffers(kind, plan, z, target);
    if (b.memTile.total() <= target.memTileL2Bytes)
      continue;
    os << "l2-q-block=" << plan.l2QBlock << " l2-kv-block=" << plan.l2KvBlock
       << ": " << stageLabel(kind, layer.fold) << ", L2 needs ";
    b.memTile.print(os);
    os << " > " << target.memTileL2Bytes << " B of a " << target.name
       << " memtile";
    failedStage = i;
    return true;
  }
  return false;
}

LayerPlan Planner::finish(const cost::Plan &plan) const {
  LayerPlan out;
  out.plan = plan;
  out.paddedQLen = ShapedType::isDynamic(layer.qLen)
                       ? ShapedType::kDynamic
                       : roundUp(layer.qLen, plan.qTile);
  out.paddedKvLen = ShapedType::isDynamic(layer.kvLen)
                        ? ShapedType::kDynamic
                        : roundUp(layer.kvLen, plan.kvTile);
  out.paddedHeadDim = sizes.paddedHeadDim;
  out.paddedValueDim = sizes.paddedValueDim;
  return out;
}

FailureOr<LayerPlan> Planner::modelPlan(const cost::AttentionShape &shape) {
  cost::PlanConstraints req;
  req.fold = layer.fold;
  if (request.qTile)
    req.qTile = request.qTile;
  if (request.kvTile)
    req.kvTile = request.kvTile;
  if (request.l2QBlock)
    req.l2QBlock = request.l2QBlock;
  if (request.l2KvBlock)
    req.l2KvBlock = request.l2KvBlock;
  if (request.columns)
    req.columns = static_cast<int>(request.columns);
  if (request.coresPerColumn)
    req.coresPerColumn = static_cast<int>(request.coresPerColumn);
  if (request.kvSplit)
    req.kvSplit = static_cast<int>(request.kvSplit);
  req.depth = static_cast<int>(request.depth);
  req.mapping = request.mapping;
  if (layer.intermediate)
    req.intermediate = modelElementKind(layer.intermediate);
  if (request.datapath == "auto")
    req.anyDatapath = true;
  else if (request.datapath == "bfp16")
    req.intrinsic = intrinsic;
  llvm::Expected<cost::ExploreResult> result =
      cost::exploreCompilerSpace(shape, target, req);
  if (!result) {
    std::string why = llvm::toString(result.takeError());
    // The smallest candidate names the buffers when capacity is the limit.
    int64_t q = request.qTile ? request.qTile : granM;
    int64_t kv = request.kvTile ? request.kvTile : granKV;
    // Pinned L2 blocks the back end does not emit: their reason first, as
    // the model's search gives it (cost::whyNotEmittable).
    cost::Plan pinned = basePlan(q, kv);
    pinned.l2KvBlock = request.l2KvBlock ? request.l2KvBlock : kv;
    if (request.qTile && request.kvTile && request.columns &&
        request.coresPerColumn && (request.l2QBlock || request.l2KvBlock))
      if (std::optional<cost::NotEmittable> notEmitted =
              cost::whyNotEmittable(pinned, shape, target,
                                    {cost::NotEmittable::Rule::Mapping,
                                     cost::NotEmittable::Rule::Intermediate})) {
        os << notEmitted->message;
        return fail();
      }
    if (reportOverflow(basePlan(q, kv), request.qTile && request.kvTile))
      return failure();
    os << why;
    return fail();
  }
  LayerPlan out = finish(result->best.plan);
  out.paddedQLen = result->best.padded.queryLen;
  out.paddedKvLen = result->best.padded.keyLen;
  out.paddedHeadDim = result->best.padded.headDim;
  out.paddedValueDim = result->best.padded.valueDim;
  out.estimate = std::move(result->best);
  return out;
}

FailureOr<LayerPlan> Planner::capacityPlan() {
  int64_t budget = cost::l1BufferBudget(target);
  int64_t maxTile =
      std::max<int64_t>(1, budget / (sizes.paddedHeadDim * sizes.elementBytes));
  auto lenOrUnknown = [](int64_t len) {
    return ShapedType::isDynamic(len) ? int64_t(-1) : len;
  };
  std::vector<int64_t> qCands =
      request.qTile ? std::vector<int64_t>{request.qTile}
                    : cost::tileCandidates(granM, lenOrUnknown(layer.qLen),
                                           granM, maxTile);
  std::vector<int64_t> kvCands =
      request.kvTile ? std::vector<int64_t>{request.kvTile}
                     : cost::tileCandidates(granKV, lenOrUnknown(layer.kvLen),
                                            granKV, maxTile);

  auto fitsL1 = [&](const cost::Plan &p) {
    cost::BufferSizes z = sizes;
    setPadded(z, p.kvTile);
    return llvm::all_of(layer.stages, [&](StageKind kind) {
      cost::StageBuffers b = cost::stageBuffers(kind, p, z, target);
      return b.largestCore().total() <= budget;
    });
  };
  // Padded score elements relative to the real ones (1 for dynamic).
  auto paddedRatio = [&](int64_t q, int64_t kv) {
    auto ratio = [](int64_t len, int64_t tile) {
      return ShapedType::isDynamic(len)
                 ? 1.0
                 : double(roundUp(len, tile)) / double(len);
    };
    return ratio(layer.qLen, q) * ratio(layer.kvLen, kv);
  };
  SmallVector<std::pair<int64_t, int64_t>> fitting;
  for (int64_t q : qCands)
    for (int64_t kv : kvCands)
      if (fitsL1(basePlan(q, kv)))
        fitting.push_back({q, kv});
  if (fitting.empty()) {
    // The smallest candidate: if it does not fit, nothing does.
    reportOverflow(basePlan(qCands.front(), kvCands.front()),
                   qCands.size() * kvCands.size() == 1, /*checkL2=*/false);
    return failure();
  }
  // Among the pairs that fit, those padding least (exactly, or within
  // kPaddingSlack), then the largest q_tile * kv_tile, then the larger
  // q_tile.
  double least = std::numeric_limits<double>::infinity();
  for (auto [q, kv] : fitting)
    least = std::min(least, paddedRatio(q, kv));
  double limit = least == 1.0 ? 1.0 : least * (1.0 + kPaddingSlack);
  std::pair<int64_t, int64_t> best{0, 0};
  for (auto [q, kv] : fitting) {
    if (paddedRatio(q, kv) > limit)
      continue;
    if (q * kv > best.first * best.second ||
        (q * kv == best.first * best.second && q > best.first))
      best = {q, kv};
  }
  cost::Plan plan = basePlan(best.first, best.second);
  if (request.l2QBlock) {
    int64_t block = cost::lanesPerColumn(plan) * plan.qTile;
    if (request.l2QBlock % block != 0) {
      os << "l2-q-block=" << request.l2QBlock << " is not a multiple of "
         << block << " (q-tile=" << plan.qTile << " x "
         << cost::lanesPerColumn(plan) << " query lanes per column)";
      return fail();
    }
  }
  if (request.l2KvBlock && request.l2KvBlock % plan.kvTile != 0) {
    os << "l2-kv-block=" << request.l2KvBlock
       << " is not a multiple of kv-tile=" << plan.kvTile;
    return fail();
  }
  // L2: the K/V block shrinks a tile at a time until every stage fits.
  cost::BufferSizes z = sizes;
  setPadded(z, plan.kvTile);
  auto fitsL2 = [&] {
    return llvm::all_of(layer.stages, [&](StageKind kind) {
      return cost::stageBuffers(kind, plan, z, target).memTile.total() <=
             target.memTileL2Bytes;
    });
  };
  while (!fitsL2() && !request.l2KvBlock && plan.l2KvBlock > plan.kvTile)
    plan.l2KvBlock -= plan.kvTile;
  if (reportOverflow(plan, /*tilesGiven=*/true))
    return failure();

  // Columns: all of them, unless the layer has fewer query tiles than lanes.
  if (!request.columns && !ShapedType::isDynamic(layer.batch) &&
      !ShapedType::isDynamic(layer.heads) &&
      !ShapedType::isDynamic(layer.qLen)) {
    int64_t work =
        layer.batch * layer.heads * llvm::divideCeil(layer.qLen, plan.qTile);
    int64_t lanes = cost::lanesPerColumn(plan);
    plan.columns = static_cast<int>(std::clamp<int64_t>(
        llvm::divideCeil(work, lanes), 1, target.numColumns));
  }
  return finish(plan);
}

FailureOr<LayerPlan> Planner::run() {
  if (failed(checkRequest()))
    return failure();
  std::string why;
  if (isCompleteFold(layer))
    if (FailureOr<cost::AttentionShape> shape = modelShape(layer, why);
        succeeded(shape)) {
      shape->matmulInBf16 = request.allowPrecisionLoss;
      return modelPlan(*shape);
    }
  return capacityPlan();
}

} // namespace

FailureOr<LayerPlan> mlir::attn::planLayer(const NPUTarget &target,
                                           const LayerInfo &layer,
                                           const TileRequest &request,
                                           std::string &error,
                                           int &failedStage) {
  failedStage = -1;
  Planner planner(target, layer, request, error, failedStage);
  return planner.run();
}

PlanAttr mlir::attn::makePlanAttr(function_ref<InFlightDiagnostic()> emitError,
                                  MLIRContext *ctx, const NPUTarget &target,
                                  const LayerPlan &lp, StageKind kind) {
  const cost::Plan &p = lp.plan;
  MappingKind mapping =
      p.mapping == MappingKind::stream && cost::pipelineLength(kind) > 1
          ? MappingKind::stream
          : MappingKind::fused;
  int64_t intrinsic[] = {p.intrinsic.m, p.intrinsic.k, p.intrinsic.n};
  return PlanAttr::getChecked(
      emitError, ctx, StringRef(target.name), int64_t(p.qTile),
      int64_t(p.kvTile), int64_t(std::gcd(lp.paddedHeadDim, lp.paddedValueDim)),
      int64_t(p.l2QBlock), int64_t(p.l2KvBlock), ArrayRef<int64_t>(intrinsic),
      int64_t(p.columns), int64_t(p.coresPerColumn), mapping, int64_t(p.depth),
      int64_t(lp.paddedQLen), int64_t(lp.paddedKvLen),
      int64_t(lp.paddedHeadDim), int64_t(lp.paddedValueDim),
      int64_t(mapping == MappingKind::fused ? p.kvSplit : 1));
}
