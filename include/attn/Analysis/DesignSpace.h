//===- DesignSpace.h - design-space exploration of attention plans -*- C++
//-*-===//
//
// Enumerates fold mode x L2 blocks x L1 tiles x intrinsic x columns/cores x
// mapping x depth x K-transpose placement x layout handling for one attention
// layer, keeps the plans that fit the target, and returns the fastest, the
// Pareto set over (latency, DRAM bytes, L1 use, L2 use), the best plan of
// every fold mode and the runner-up plans with the reason they lost.
//
// For attn-fold{mode=auto} / attn-tile:
//   cost::AttentionShape shape = ...;            // from the attn.attention op
//   auto result = cost::explore(shape, *lookupTarget("npu2"));
//   if (!result) return op->emitOpError(toString(result.takeError()));
//   cost::FoldMode mode = result->best.plan.fold; // and result->best.plan
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_ANALYSIS_DESIGNSPACE_H
#define ATTN_ANALYSIS_DESIGNSPACE_H

#include "attn/Analysis/CostModel.h"

#include <optional>
#include <vector>

namespace mlir::attn::cost {

/// Plan fields fixed by the caller; unset fields are explored.
struct PlanConstraints {
  std::optional<FoldMode> fold;
  std::optional<int64_t> qTile, kvTile, l2QBlock, l2KvBlock;
  std::optional<IntrinsicShape> intrinsic;
  std::optional<int> columns, coresPerColumn, kvSplit, depth;
  std::optional<Mapping> mapping;
  std::optional<KTransposePlacement> kTranspose;
  std::optional<LayoutHandling> layout;
  std::optional<ElementKind> intermediate;
  std::optional<bool> causalSkip;
};

struct ExploreOptions {
  PlanConstraints fixed;
  /// Runner-up plans to report (distinct in fold, mapping, datapath, cores
  /// or tiles).
  unsigned maxAlternatives = 8;
};

struct Alternative {
  Estimate estimate;
  std::string reason; // why it lost against the best plan
};

struct FoldResult {
  FoldMode fold;
  std::optional<Estimate> best; // none when no plan of this mode fits
  std::string reason;           // why none fits (most common violation)
};

struct ExploreStats {
  int64_t candidates = 0; // plans enumerated
  int64_t invalid = 0;    // rejected by resolvePlan (inconsistent fields)
  int64_t illegal = 0;    // violate a capacity / channel / DMA limit
  int64_t pruned = 0;     // dominated by the lower bound of an earlier plan
  int64_t evaluated = 0;  // fully modelled
  double seconds = 0;     // wall time of explore()
  /// Violation kinds (first words of the message) and how often they hit.
  std::vector<std::pair<std::string, int64_t>> illegalBy;
};

struct ExploreResult {
  Estimate best;
  std::vector<Estimate> pareto; // non-dominated, sorted by latency
  std::vector<Alternative> alternatives;
  std::vector<FoldResult> perFold; // unfolded, partial, full, online
  Roofline roofline;
  ExploreStats stats;
};

/// Explores the plans of `shape` on `target`. Fails (naming the field) on an
/// invalid shape or constraint, or when no plan fits.
llvm::Expected<ExploreResult> explore(const AttentionShape &shape,
                                      const NPUTarget &target,
                                      const ExploreOptions &options = {});

} // namespace mlir::attn::cost

#endif // ATTN_ANALYSIS_DESIGNSPACE_H
