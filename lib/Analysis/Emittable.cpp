//===- Emittable.cpp - which plans the AIE back end emits -----------------===//
//
// whyNotEmittable(): one rule per plan field the back end does not (yet)
// emit as the cost model describes it. Checked by cost::explore (pruning),
// cost::compilerSpace (attn-tile's requests) and aiemap::describeStage (the
// plan attached to a stage), so the three give the same reason.
//
//===----------------------------------------------------------------------===//

#include "attn/Analysis/Emittable.h"

#include "attn/Analysis/DesignSpace.h"
#include "attn/Analysis/StageLayout.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <numeric>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::cost;

llvm::StringRef cost::stringifyNotEmittableRule(NotEmittable::Rule rule) {
  switch (rule) {
  case NotEmittable::Rule::Mapping:
    return "mapping";
  case NotEmittable::Rule::KvSplit:
    return "kv_split";
  case NotEmittable::Rule::KTranspose:
    return "k_transpose";
  case NotEmittable::Rule::Layout:
    return "layout";
  case NotEmittable::Rule::Intermediate:
    return "intermediate";
  case NotEmittable::Rule::CausalSkip:
    return "causal_skip";
  case NotEmittable::Rule::QueryTiles:
    return "query_tiles";
  case NotEmittable::Rule::KvBlock:
    return "kv_block";
  case NotEmittable::Rule::SoftmaxRow:
    return "softmax_row";
  }
  return "unknown";
}

/// The kv_block rule for an l2_kv_block other than kv_tile: only the whole
/// padded key length (L2-resident K/V) of the online and full folds.
static std::optional<NotEmittable> whyNotResident(const Plan &plan,
                                                  const AttentionShape &shape,
                                                  const NPUTarget &target) {
  auto reject = [&](const llvm::Twine &why) {
    return NotEmittable{NotEmittable::Rule::KvBlock, "l2_kv_block",
                        ("plan field 'l2_kv_block' " +
                         llvm::Twine(plan.l2KvBlock) +
                         " is not emitted: " + why)
                            .str()};
  };
  if (plan.kvTile <= 0 || shape.keyLen <= 0)
    return reject("the key length or kv_tile is not known");
  int64_t paddedKeys =
      (shape.keyLen + plan.kvTile - 1) / plan.kvTile * plan.kvTile;
  if (plan.l2KvBlock < paddedKeys)
    return reject(llvm::formatv(
        "the AIE back end streams K and V through the memtile one kv_tile "
        "({0} keys) at a time, read again every round (l2_kv_block = "
        "kv_tile), or keeps a kv head's whole K and V in L2 (l2_kv_block >= "
        "the padded key length {1})",
        plan.kvTile, paddedKeys));
  if (plan.fold != FoldKind::online && plan.fold != FoldKind::full)
    return reject(llvm::formatv("L2-resident K/V is emitted for the online "
                                "and full folds, not '{0}'",
                                stringifyFoldKind(plan.fold)));
  aiemap::CoreLayoutParams lp;
  lp.kind = plan.fold == FoldKind::online ? StageKind::Online : StageKind::Full;
  lp.qTile = plan.qTile;
  lp.kvTile = plan.kvTile;
  lp.keyLen = paddedKeys;
  // Head dims pad to lcm(K, N) of the intrinsic (unset: the model's
  // default datapath, whose granule divides the dims the sweeps use).
  int64_t granule =
      std::max<int64_t>(1, std::lcm(plan.intrinsic.k, plan.intrinsic.n));
  lp.headDim = (shape.headDim + granule - 1) / granule * granule;
  lp.valueDim = (shape.valueDim + granule - 1) / granule * granule;
  lp.elem = shape.element;
  lp.keepMask = shape.mask != MaskKind::None;
  lp.bias = shape.hasBias;
  lp.kvResident = true;
  std::string why = aiemap::whyNotKvResident(
      lp, plan.kvSplit, plan.mapping == MappingKind::stream, target);
  if (!why.empty())
    return reject("L2-resident K/V: " + why);
  return std::nullopt;
}

std::optional<NotEmittable>
cost::whyNotEmittable(const Plan &plan, const AttentionShape &shape,
                      const NPUTarget &target,
                      llvm::ArrayRef<NotEmittable::Rule> skip) {
  using Rule = NotEmittable::Rule;
  auto reject = [](Rule rule, llvm::StringRef field, const llvm::Twine &why) {
    return NotEmittable{rule, field.str(), why.str()};
  };
  auto checked = [&](Rule rule) { return !llvm::is_contained(skip, rule); };
  // Stream pipelines (StreamStage.h): the online fold, one QK | softmax |
  // PV pipeline per column (cores_per_column 3), no explicit mask/bias.
  if (checked(Rule::Mapping) && plan.mapping != MappingKind::fused) {
    if (plan.fold != FoldKind::online)
      return reject(Rule::Mapping, "mapping",
                    llvm::formatv("plan field 'mapping' 'stream' is not "
                                  "emitted for fold '{0}': only the online "
                                  "fold runs as a QK | softmax | PV pipeline",
                                  stringifyFoldKind(plan.fold)));
    if (shape.mask != MaskKind::None || shape.hasBias)
      return reject(Rule::Mapping, "mapping",
                    "plan field 'mapping' 'stream' is not emitted for a "
                    "layer with an explicit mask or bias: the stream "
                    "pipelines carry none");
    if (plan.coresPerColumn != 3)
      return reject(Rule::Mapping, "mapping",
                    llvm::formatv("plan field 'mapping' 'stream' is not "
                                  "emitted with cores_per_column {0}: one QK "
                                  "| softmax | PV pipeline per column uses 3",
                                  plan.coresPerColumn));
  }
  // Cascade chains (docs/aie-mapping.md): the fused online fold of layers
  // without explicit mask/bias tensors.
  if (checked(Rule::KvSplit) && plan.kvSplit != 1 &&
      plan.mapping != MappingKind::fused)
    return reject(Rule::KvSplit, "kv_split",
                  llvm::formatv("plan field 'kv_split' {0} is not emitted "
                                "with mapping 'stream': a cascade chain is "
                                "fused cores",
                                plan.kvSplit));
  if (checked(Rule::KvSplit) && plan.kvSplit != 1 &&
      (shape.mask != MaskKind::None || shape.hasBias))
    return reject(Rule::KvSplit, "kv_split",
                  llvm::formatv("plan field 'kv_split' {0} is not emitted: "
                                "cascades are emitted for layers without "
                                "explicit mask or bias tensors",
                                plan.kvSplit));
  if (checked(Rule::KvSplit) && plan.kvSplit != 1 &&
      plan.fold != FoldKind::online)
    return reject(Rule::KvSplit, "kv_split",
                  llvm::formatv("plan field 'kv_split' {0} is not emitted: "
                                "cascades merge the online fold's running "
                                "state (fold online)",
                                plan.kvSplit));
  if (checked(Rule::KTranspose) && plan.kTranspose != KTransposePlacement::Dma)
    return reject(Rule::KTranspose, "k_transpose",
                  "plan field 'k_transpose' 'core' is not emitted: the "
                  "kernels multiply by K^T with the transposed-operand "
                  "matmul ('dma')");
  if (checked(Rule::Layout) && plan.layout == LayoutHandling::Transpose)
    return reject(Rule::Layout, "layout",
                  "plan field 'layout' 'transpose' is not emitted: a blhd "
                  "layer is read and written with strided shim access "
                  "patterns ('dma')");
  if (checked(Rule::Intermediate) && plan.intermediate != ElementKind::F32)
    return reject(Rule::Intermediate, "intermediate",
                  llvm::formatv("plan field 'intermediate' {0} is not "
                                "emitted: the core kernels write scores and "
                                "probabilities in f32",
                                stringifyElementKind(plan.intermediate)));
  if (checked(Rule::CausalSkip) && !plan.causalSkip &&
      shape.causal != CausalKind::none)
    return reject(Rule::CausalSkip, "causal_skip",
                  "plan field 'causal_skip' false is not emitted: the core "
                  "programs skip key blocks causal masking hides");
  // The emitted cores keep k query tiles each per round: l2_q_block is k x
  // the column's lanes x q_tile (0 = k 1); k > 1 for the fused online and
  // full folds without a query-varying mask/bias (their per-core mask tiles
  // are one per step), which keep k states against one K/V stream.
  Plan lanesOf = plan;
  if (lanesOf.columns <= 0)
    lanesOf.columns = target.numColumns;
  if (lanesOf.coresPerColumn <= 0)
    lanesOf.coresPerColumn = target.numCoreRows;
  int64_t roundBlock = lanesPerColumn(lanesOf) * plan.qTile;
  bool severalTiles =
      plan.mapping == MappingKind::fused && plan.kvSplit == 1 &&
      (plan.fold == FoldKind::online || plan.fold == FoldKind::full) &&
      !(shape.mask != MaskKind::None && shape.maskShape[2] > 1) &&
      !(shape.hasBias && shape.biasShape[2] > 1);
  bool wholeTiles = roundBlock > 0 && plan.l2QBlock % roundBlock == 0;
  if (checked(Rule::QueryTiles) && plan.l2QBlock != 0 &&
      plan.l2QBlock != roundBlock && !(severalTiles && wholeTiles))
    return reject(
        Rule::QueryTiles, "l2_q_block",
        llvm::formatv("plan field 'l2_q_block' {0} is not emitted: the AIE "
                      "back end keeps k query tiles per lane per round "
                      "(l2_q_block = k x {1} lanes per column x q_tile {2} = "
                      "k x {3}), k > 1 only in the fused online and full "
                      "folds without a cascade or a query-varying mask/bias",
                      plan.l2QBlock, lanesPerColumn(lanesOf), plan.qTile,
                      roundBlock));
  // K and V are streamed through the memtile one kv_tile block at a time
  // and read from DRAM again every round (l2_kv_block = kv_tile, or 0), or
  // a kv head's whole K and V stay resident in the host memtile and are
  // streamed from there every round (l2_kv_block >= the padded key length;
  // aiemap::whyNotKvResident says where).
  if (checked(Rule::KvBlock) && plan.l2KvBlock != 0 &&
      plan.l2KvBlock != plan.kvTile) {
    if (std::optional<NotEmittable> why = whyNotResident(plan, shape, target))
      return why;
  }
  // The unfolded softmax stage takes as many whole f32 score rows as fit
  // L1 (at least one), else rows streamed twice in kv_tile-key chunks; a
  // plan where not even one row of one chunk fits is not emitted.
  if (checked(Rule::SoftmaxRow) && plan.fold == FoldKind::unfolded &&
      plan.kvTile > 0 && shape.keyLen > 0) {
    aiemap::CoreLayoutParams row;
    row.kind = StageKind::Softmax;
    row.qTile = 1;
    row.kvTile = plan.kvTile;
    row.keyLen = (shape.keyLen + plan.kvTile - 1) / plan.kvTile * plan.kvTile;
    row.headDim = row.valueDim = 1;
    row.elem = ElementKind::F32;
    row.depth = plan.depth;
    row.validLenWords = shape.validLen ? shape.batch : 0;
    int64_t needed = aiemap::coreLayout(row, target).total();
    if (needed > target.coreL1Bytes) {
      row.softmaxChunk = plan.kvTile;
      needed = aiemap::coreLayout(row, target).total();
    }
    if (needed > target.coreL1Bytes)
      return reject(
          Rule::SoftmaxRow, "fold",
          llvm::formatv("plan fold 'unfolded' is not emitted for {0} keys at "
                        "depth {1}: its softmax stage streams score rows in "
                        "kv_tile chunks of {2} keys when a whole row does "
                        "not fit L1, and one row of one chunk needs {3} B > "
                        "the {4} B of L1",
                        row.keyLen, plan.depth, plan.kvTile, needed,
                        target.coreL1Bytes));
  }
  return std::nullopt;
}

std::vector<NotEmittable::Rule>
cost::pinnedRules(const PlanConstraints &fixed) {
  using Rule = NotEmittable::Rule;
  std::vector<Rule> rules;
  auto pinned = [&](bool isSet, Rule rule) {
    if (isSet)
      rules.push_back(rule);
  };
  pinned(fixed.mapping.has_value(), Rule::Mapping);
  pinned(fixed.kvSplit.has_value(), Rule::KvSplit);
  pinned(fixed.kTranspose.has_value(), Rule::KTranspose);
  pinned(fixed.layout.has_value(), Rule::Layout);
  pinned(fixed.intermediate.has_value(), Rule::Intermediate);
  pinned(fixed.causalSkip.has_value(), Rule::CausalSkip);
  pinned(fixed.l2QBlock.has_value(), Rule::QueryTiles);
  pinned(fixed.l2KvBlock.has_value(), Rule::KvBlock);
  return rules;
}
