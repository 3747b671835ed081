//===- TilePlanner.h - plans of attention layers for attn-fold/attn-tile
//-*-===//
//
// The bridge between the attn IR and the cost model (attn/Analysis): reads
// an attention layer (an attn.attention op, or the attn.stage ops attn-fold
// made of it) into a LayerInfo, turns it into a cost::AttentionShape when
// every size is static, and chooses the plan attn-tile attaches: the cost
// model's best plan in cost::compilerSpace() when the layer can be
// modelled, otherwise (dynamic sizes, a hand-written partial layer) the
// largest tiles that fit. Both paths size buffers with
// cost::stageBuffers(), the one buffer accounting of the project.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_DIALECT_ATTN_TRANSFORMS_TILEPLANNER_H
#define ATTN_DIALECT_ATTN_TRANSFORMS_TILEPLANNER_H

#include "attn/Analysis/CostModel.h"
#include "attn/Analysis/DesignSpace.h"
#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Target/NPUTarget.h"

#include "llvm/ADT/SmallVector.h"

#include <optional>
#include <string>

namespace mlir::attn {

/// One attention layer as the passes see it. Sizes are logical ([B, H, L,
/// D] whatever the layout) and ShapedType::kDynamic when dynamic or not
/// visible (e.g. Dv of a lone qk stage).
struct LayerInfo {
  FoldKind fold = FoldKind::online;
  /// The stages present, in program order (attn-tile); empty for an
  /// attn.attention (attn-fold).
  llvm::SmallVector<StageKind, 3> stages;
  int64_t batch = ShapedType::kDynamic, heads = ShapedType::kDynamic,
          kvHeads = ShapedType::kDynamic;
  int64_t qLen = ShapedType::kDynamic, kvLen = ShapedType::kDynamic;
  int64_t headDim = ShapedType::kDynamic, valueDim = ShapedType::kDynamic;
  /// Element type of Q/K/V/O (selects the matmul intrinsic).
  Type element;
  /// S/P where they cross DRAM (unfolded: S and P, partial: P); null when
  /// the layer has none. A second, different type is recorded in
  /// `mismatchedIntermediate` (an error for attn-tile).
  Type intermediate, mismatchedIntermediate;
  int mismatchedStage = -1; // index into `stages` where it was seen
  Value mask, bias;         // operand types only are read
  bool validLen = false;
  CausalKind causal = CausalKind::none;
  LayoutKind layout = LayoutKind::bhld;
};

/// The layer of one attn.attention op.
LayerInfo layerInfoOf(AttentionOp op);

/// Merges the sizes and operands seen by the ops of `stage` into `layer`
/// and appends its kind (the stage name).
void addStageTo(LayerInfo &layer, StageOp stage);

/// Whether `layer`'s stages are all the stages of its fold.
bool isCompleteFold(const LayerInfo &layer);

/// The cost model's view of `layer`; fails (with `why`) when a size the
/// model needs is dynamic or unknown, or an element type has no ElementKind.
FailureOr<cost::AttentionShape> modelShape(const LayerInfo &layer,
                                           std::string &why);

/// The cost model's element kind of `type` (i1 masks count as i8).
std::optional<ElementKind> modelElementKind(Type type);

/// attn-tile's options; 0 = pick.
struct TileRequest {
  int64_t qTile = 0, kvTile = 0, l2QBlock = 0, l2KvBlock = 0;
  int64_t columns = 0, coresPerColumn = 0;
  /// Cores of a cascade chain (kv_split); 0 picks (the cost model searches
  /// the cascades the back end emits), 1 = no cascade.
  int64_t kvSplit = 0;
  int64_t depth = 2;
  MappingKind mapping = MappingKind::fused;
  /// Matmul datapath: a cost::MatmulDatapath name ("native", "bfp16") or
  /// "auto" (the cost model picks among the layer's datapaths; dynamic
  /// layers, planned by capacity, take the native one).
  std::string datapath = "native";
  /// allow-precision-loss: f16/f32 matmuls in one bf16 pass (operands
  /// rounded) instead of the target table's emulation; costed so.
  bool allowPrecisionLoss = false;
};

/// The plan of one layer (shared by all its stages).
struct LayerPlan {
  cost::Plan plan;                         // resolved: every field set
  int64_t paddedQLen = 0, paddedKvLen = 0; // kDynamic when dynamic
  int64_t paddedHeadDim = 0, paddedValueDim = 0;
  /// Set when the plan is the cost model's choice (what it costed).
  std::optional<cost::Estimate> estimate;
};

/// Chooses the plan of `layer` honouring `request`. On failure `error` holds
/// the reason (naming the option, the buffers and the bytes) and
/// `failedStage` the index into layer.stages of the stage concerned (or -1).
FailureOr<LayerPlan> planLayer(const NPUTarget &target, const LayerInfo &layer,
                               const TileRequest &request, std::string &error,
                               int &failedStage);

/// The #attn.plan of stage `kind` of a planned layer (one-op stages get
/// mapping `fused`: they have no pipeline to form).
PlanAttr makePlanAttr(function_ref<InFlightDiagnostic()> emitError,
                      MLIRContext *ctx, const NPUTarget &target,
                      const LayerPlan &plan, StageKind kind);

} // namespace mlir::attn

#endif // ATTN_DIALECT_ATTN_TRANSFORMS_TILEPLANNER_H
