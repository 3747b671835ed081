//===- TilePlanner.h - tile sizes and buffer footprints of stages -*- C++
//-*-===//
//
// The capacity model shared by attn-tile (which attaches the plans) and
// attn-fold's `auto` mode (which asks whether a `full` stage would have a
// legal plan). Every size comes from the target table.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_DIALECT_ATTN_TRANSFORMS_TILEPLANNER_H
#define ATTN_DIALECT_ATTN_TRANSFORMS_TILEPLANNER_H

#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Target/NPUTarget.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace mlir::attn {

/// What a stage computes (from its name).
enum class StageKind { QK, Softmax, PV, QKSoftmax, Attention };
std::optional<StageKind> stageKindForName(StringRef name);

/// Element sizes in bytes of the buffers one stage streams; 0 = absent.
struct StageShape {
  StageKind kind = StageKind::Attention;
  FoldKind fold = FoldKind::online;
  std::string name;       // stage name, for diagnostics
  int64_t qkBytes = 0;    // Q and K
  int64_t scoreBytes = 0; // S crossing DRAM (qk result, softmax operand)
  int64_t probBytes = 0;  // P crossing DRAM (softmax result, pv operand)
  int64_t valueBytes = 0; // V and O
  int64_t maskBytes = 0;
  int64_t biasBytes = 0;
};

/// Logical sizes of one attention layer (ShapedType::kDynamic when dynamic
/// or unknown).
struct LayerDims {
  int64_t qLen = ShapedType::kDynamic;
  int64_t kvLen = ShapedType::kDynamic;
  int64_t headDim = ShapedType::kDynamic;
  int64_t valueDim = ShapedType::kDynamic;
  /// B x H (query heads): independent rows of query tiles.
  int64_t batchHeads = ShapedType::kDynamic;
  /// Element type selecting the core matmul intrinsic.
  Type matmulType;
};

/// User choices; 0 means "pick".
struct TileRequest {
  int64_t qTile = 0, kvTile = 0, l2QBlock = 0, l2KvBlock = 0;
  int64_t columns = 0, coresPerColumn = 0;
  int64_t depth = 2;
  MappingKind mapping = MappingKind::fused;
};

/// The chosen sizes of one layer (shared by all its stages).
struct LayerPlan {
  int64_t qTile = 0, kvTile = 0, headDimTile = 0;
  int64_t l2QBlock = 0, l2KvBlock = 0;
  IntrinsicShape intrinsic{0, 0, 0};
  int64_t columns = 0, coresPerColumn = 0, depth = 0;
  MappingKind mapping = MappingKind::fused;
  int64_t paddedQLen = 0, paddedKvLen = 0, paddedHeadDim = 0,
          paddedValueDim = 0;
};

/// `copies` x `bytes` of one named buffer.
struct Buffer {
  std::string name;
  int64_t copies = 1;
  int64_t bytes = 0;
};

/// The buffers one core (or one memtile) holds.
struct Footprint {
  std::string role; // core role in a stream pipeline; empty when fused
  llvm::SmallVector<Buffer> buffers;
  int64_t total() const;
  /// "2 x 8192 B (Q) + ... = 40960 B".
  void print(llvm::raw_ostream &os) const;
};

/// Number of cores one pipeline of `kind` uses with `mapping`.
int64_t pipelineLength(StageKind kind, MappingKind mapping);

/// Per-core L1 footprints of `stage` under `plan` (one per pipeline role;
/// one entry when fused).
llvm::SmallVector<Footprint> l1Footprints(const StageShape &stage,
                                          const LayerPlan &plan);
/// Per-column memtile (L2) footprint of `stage` under `plan`.
Footprint l2Footprint(const StageShape &stage, const LayerPlan &plan);

/// Bytes of a core's L1 that buffers may use (L1 minus the stack reserve).
int64_t l1Budget(const NPUTarget &target);

/// Chooses one plan for a layer made of `stages`. On failure `error` holds
/// the reason (naming the option, the buffers and the bytes) and
/// `failedStage` the index of the stage that did not fit (or -1).
FailureOr<LayerPlan> planLayer(const NPUTarget &target, const LayerDims &dims,
                               llvm::ArrayRef<StageShape> stages,
                               const TileRequest &request, std::string &error,
                               int &failedStage);

/// The #attn.plan of one stage of a planned layer (one-op stages get
/// mapping `fused`: they have no pipeline to form).
PlanAttr makePlanAttr(MLIRContext *ctx, const NPUTarget &target,
                      const LayerPlan &plan, const StageShape &stage);

/// Element size in bytes of a tensor's element type (i1 counts as 1 byte).
int64_t elementBytes(Type type);

} // namespace mlir::attn

#endif // ATTN_DIALECT_ATTN_TRANSFORMS_TILEPLANNER_H
