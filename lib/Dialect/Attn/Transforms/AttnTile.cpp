//===- AttnTile.cpp - attach #attn.plan to attn.stage ops -----------------===//
//
// attn-tile groups the attn.stage ops of each attention layer (stages
// connected by the tensors they pass), reads their buffer element sizes and
// the layer's lengths from the stage-internal ops, and asks the tile planner
// (TilePlanner.h) for one plan per layer, which it attaches to every stage.
// Requires: stages from attn-fold (or hand-written ones with the same ops).
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "attn/Dialect/Attn/Transforms/TilePlanner.h"
#include "attn/Target/NPUTarget.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/EquivalenceClasses.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringExtras.h"

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNTILE
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

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

/// Reads the buffer sizes of `stage` and merges its lengths into `dims`.
StageShape readStage(StageOp stage, LayerDims &dims, Type &qkType,
                     Type &valueType, Type &scoreType) {
  StageShape s;
  s.kind = *stageKindForName(stage.getName());
  s.fold = stage.getFold();
  s.name = stage.getName().str();
  stage.getBody().walk([&](Operation *op) {
    if (auto qk = dyn_cast<QKOp>(op)) {
      bool blhd = qk.getLayout() == LayoutKind::blhd;
      unsigned heads = blhd ? 2 : 1, len = blhd ? 1 : 2;
      s.qkBytes = elementBytes(qk.getQuery().getType());
      if (Value m = qk.getMask())
        s.maskBytes = elementBytes(m.getType());
      if (Value b = qk.getBias())
        s.biasBytes = elementBytes(b.getType());
      if (s.kind == StageKind::QK)
        s.scoreBytes = elementBytes(qk.getScores().getType());
      merge(dims.qLen, dimOf(qk.getQuery(), len));
      merge(dims.kvLen, dimOf(qk.getKey(), len));
      merge(dims.headDim, dimOf(qk.getQuery(), 3));
      int64_t b = dimOf(qk.getQuery(), 0), h = dimOf(qk.getQuery(), heads);
      if (!ShapedType::isDynamic(b) && !ShapedType::isDynamic(h))
        merge(dims.batchHeads, b * h);
      qkType = qk.getQuery().getType().getElementType();
    } else if (auto sm = dyn_cast<SoftmaxOp>(op)) {
      if (s.kind == StageKind::Softmax)
        s.scoreBytes = elementBytes(sm.getScores().getType());
      s.probBytes = elementBytes(sm.getProbs().getType());
      merge(dims.qLen, dimOf(sm.getScores(), 2));
      merge(dims.kvLen, dimOf(sm.getScores(), 3));
      if (!scoreType)
        scoreType = sm.getScores().getType().getElementType();
    } else if (isa<PVOp, OnlineSoftmaxPVOp>(op)) {
      Value w = op->getOperand(0), v = op->getOperand(1);
      if (isa<PVOp>(op) && s.kind == StageKind::PV)
        s.probBytes = elementBytes(w.getType());
      s.valueBytes = elementBytes(v.getType());
      merge(dims.qLen, dimOf(w, 2));
      merge(dims.kvLen, dimOf(w, 3));
      merge(dims.valueDim, dimOf(v, 3));
      int64_t b = dimOf(w, 0), h = dimOf(w, 1);
      if (!ShapedType::isDynamic(b) && !ShapedType::isDynamic(h))
        merge(dims.batchHeads, b * h);
      valueType = cast<RankedTensorType>(v.getType()).getElementType();
    }
  });
  return s;
}

struct AttnTilePass : public mlir::attn::impl::AttnTileBase<AttnTilePass> {
  using AttnTileBase::AttnTileBase;
  void runOnOperation() override;
};

} // namespace

void AttnTilePass::runOnOperation() {
  Operation *root = getOperation();
  auto fail = [&](Operation *at, const Twine &message) {
    mlir::emitError(at->getLoc()) << "attn-tile: " << message;
    signalPassFailure();
  };
  const NPUTarget *npu = lookupTarget(target);
  if (!npu)
    return fail(root, "unknown target '" + target + "'; valid targets: " +
                          llvm::join(targetNames(), ", "));
  std::optional<MappingKind> mappingKind = symbolizeMappingKind(mapping);
  if (!mappingKind)
    return fail(root,
                "unknown mapping '" + mapping + "'; expected fused or stream");
  TileRequest request;
  request.qTile = qTile;
  request.kvTile = kvTile;
  request.l2QBlock = l2QBlock;
  request.l2KvBlock = l2KvBlock;
  request.columns = columns;
  request.coresPerColumn = coresPerColumn;
  request.depth = depth;
  request.mapping = *mappingKind;

  // Layers: stages connected through the tensors they pass.
  SmallVector<StageOp> stages;
  root->walk([&](StageOp s) { stages.push_back(s); });
  llvm::EquivalenceClasses<Operation *> layers;
  for (StageOp s : stages) {
    layers.insert(s);
    for (Value in : s.getInputs())
      if (auto producer = in.getDefiningOp<StageOp>())
        layers.unionSets(s, producer);
  }
  // Stages of each layer in program order (walk order).
  llvm::MapVector<Operation *, SmallVector<StageOp>> byLayer;
  for (StageOp s : stages)
    byLayer[layers.getLeaderValue(s)].push_back(s);

  for (auto &[leader, members] : byLayer) {
    LayerDims dims;
    Type qkType, valueType, scoreType;
    SmallVector<StageShape> shapes;
    for (StageOp s : members)
      shapes.push_back(readStage(s, dims, qkType, valueType, scoreType));
    dims.matmulType = qkType ? qkType : valueType ? valueType : scoreType;
    std::string error;
    int failedStage = -1;
    FailureOr<LayerPlan> plan =
        planLayer(*npu, dims, shapes, request, error, failedStage);
    if (failed(plan))
      return fail(failedStage >= 0 ? members[failedStage] : members.front(),
                  error);
    for (auto [s, shape] : llvm::zip(members, shapes))
      s.setPlanAttr(makePlanAttr(&getContext(), *npu, *plan, shape));
  }
}
