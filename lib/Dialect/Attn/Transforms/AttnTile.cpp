//===- AttnTile.cpp - attach #attn.plan to attn.stage ops -----------------===//
//
// attn-tile groups the attn.stage ops of each attention layer (stages
// connected by the tensors they pass), reads the layer from the
// stage-internal ops and asks the tile planner (TilePlanner.h) for one plan
// per layer: the cost model's best plan for the layer's fold when its sizes
// are static, the largest tiles that fit otherwise. The plan is attached to
// every stage. Requires: stages from attn-fold (or hand-written ones with
// the same ops).
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "attn/Dialect/Attn/Transforms/TilePlanner.h"
#include "attn/Support/PassOptionChecks.h"
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

struct AttnTilePass : public mlir::attn::impl::AttnTileBase<AttnTilePass> {
  using AttnTileBase::AttnTileBase;

  LogicalResult initializeOptions(
      StringRef options,
      function_ref<LogicalResult(const Twine &)> errorHandler) override {
    if (failed(checkPassOptions(getArgument(), options, {kTileOptionSpecs},
                                errorHandler)))
      return failure();
    return Pass::initializeOptions(options, errorHandler);
  }
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
  request.kvSplit = kvSplit;
  request.depth = depth;
  request.mapping = *mappingKind;
  if (datapath != "native" && datapath != "bfp16" && datapath != "auto")
    return fail(root, "unknown datapath '" + datapath +
                          "'; expected native, bfp16 or auto");
  request.datapath = datapath;
  request.allowPrecisionLoss = allowPrecisionLoss;

  // Layers: stages connected through the tensors they pass.
  SmallVector<StageOp> stages;
  // The shadowAttn pilot stage carries the plan attn-extract-pilot chose on
  // the int8 intrinsic; it is not an attention layer's stage.
  root->walk([&](StageOp s) {
    if (s.getName() != "pilot")
      stages.push_back(s);
  });
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
    LayerInfo layer;
    for (StageOp s : members)
      addStageTo(layer, s);
    std::string error;
    int failedStage = -1;
    FailureOr<LayerPlan> plan =
        planLayer(*npu, layer, request, error, failedStage);
    std::optional<ElementKind> kind =
        layer.element ? elementKindFor(layer.element) : std::nullopt;
    bool roundsToBf16 =
        allowPrecisionLoss && kind && npu->bf16Splits(*kind) > 0;
    if (failed(plan))
      return fail(failedStage >= 0 ? members[failedStage] : members.front(),
                  error);
    for (auto [s, kind] : llvm::zip(members, layer.stages)) {
      // A plan the attribute rejects is a planner bug, reported on the stage
      // instead of asserting.
      Operation *stageOp = s.getOperation();
      auto emit = [stageOp] {
        return stageOp->emitOpError()
               << "attn-tile: internal error, invalid plan: ";
      };
      PlanAttr attr = makePlanAttr(emit, &getContext(), *npu, *plan, kind);
      if (!attr)
        return signalPassFailure();
      s.setPlanAttr(attr);
      s.removeMatmulTypeAttr();
      if (roundsToBf16)
        s.setMatmulTypeAttr(TypeAttr::get(BFloat16Type::get(&getContext())));
    }
    if (roundsToBf16)
      members.front().emitRemark()
          << "attn-tile: allow-precision-loss: the " << layer.element
          << " layer's matmuls round their operands to bf16 and run one bf16 "
             "pass (instead of the "
          << npu->matmulPasses(*kind) << "-pass emulation of the " << npu->name
          << " target table)";
  }
}
