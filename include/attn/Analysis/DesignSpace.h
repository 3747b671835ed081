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
//   FoldKind mode = result->best.plan.fold; // and result->best.plan
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_ANALYSIS_DESIGNSPACE_H
#define ATTN_ANALYSIS_DESIGNSPACE_H

#include "attn/Analysis/CostModel.h"
#include "attn/Analysis/Emittable.h"

#include <functional>
#include <optional>
#include <vector>

namespace mlir::attn::cost {

/// Plan fields fixed by the caller; unset fields are explored.
struct PlanConstraints {
  std::optional<FoldKind> fold;
  std::optional<int64_t> qTile, kvTile, l2QBlock, l2KvBlock;
  std::optional<IntrinsicShape> intrinsic;
  std::optional<int> columns, coresPerColumn, kvSplit, depth;
  std::optional<MappingKind> mapping;
  std::optional<KTransposePlacement> kTranspose;
  std::optional<LayoutHandling> layout;
  /// S/P element type in DRAM; binds the unfolded and partial folds only
  /// (full and online keep S/P on chip in f32).
  std::optional<ElementKind> intermediate;
  std::optional<bool> causalSkip;
  /// compilerSpace() only: with `intrinsic` unset, search every matmul
  /// datapath the kernels emit (npu2 bf16: native and BFP16) instead of the
  /// native one. BFP16 rounds the matmul operands to 8-bit block mantissas,
  /// so the compiler picks it only when asked (attn-tile datapath=auto).
  bool anyDatapath = false;
};

struct ExploreOptions {
  PlanConstraints fixed;
  /// Runner-up plans to report (distinct in fold, mapping, datapath, cores
  /// or tiles).
  unsigned maxAlternatives = 8;
  /// L1 tile candidates (ignored for a fixed tile); empty = the default sets
  /// {128, 64, 32, 16} and {256, 128, 64, 32, 16}.
  std::vector<int64_t> qTiles, kvTiles;
  /// When set, only plans it accepts are part of the space (checked before
  /// anything else; rejected plans are not counted as candidates).
  std::function<bool(const Plan &)> admit;
  /// Plans the AIE back end does not emit (cost::whyNotEmittable) are not
  /// searched, except under these rules (fields the caller chose: the
  /// plan's consumer then reports them with the same reason); unset, the
  /// rules of the fields `fixed` pins (pinnedRules).
  std::optional<std::vector<NotEmittable::Rule>> notPruned;
};

struct Alternative {
  Estimate estimate;
  std::string reason; // why it lost against the best plan
};

struct FoldResult {
  FoldKind fold;
  std::optional<Estimate> best; // none when no plan of this mode fits
  std::string reason;           // why none fits (most common violation)
};

struct ExploreStats {
  int64_t candidates = 0;   // plans enumerated
  int64_t invalid = 0;      // rejected by resolvePlan (inconsistent fields)
  int64_t notEmittable = 0; // not emitted by the AIE back end (not searched)
  int64_t illegal = 0;      // violate a capacity / channel / DMA limit
  int64_t pruned = 0;       // dominated by the lower bound of an earlier plan
  int64_t evaluated = 0;    // fully modelled
  double seconds = 0;       // wall time of explore()
  /// Violation kinds (first words of the message) and how often they hit.
  std::vector<std::pair<std::string, int64_t>> illegalBy;
  /// Rules of cost::whyNotEmittable (stringifyNotEmittableRule) and how
  /// often they pruned a candidate.
  std::vector<std::pair<std::string, int64_t>> notEmittableBy;
};

struct ExploreResult {
  Estimate best;
  std::vector<Estimate> pareto; // non-dominated, sorted by latency
  std::vector<Alternative> alternatives;
  std::vector<FoldResult> perFold; // unfolded, partial, full, online
  Roofline roofline;
  ExploreStats stats;
  /// exploreCompilerSpace: the smallest tile of the searched sets (the
  /// minimum tile, or the granule when the search was widened); 0 otherwise.
  int64_t minTile = 0;
};

/// Tile candidates for a length `len` with tiles multiple of `granule`:
/// granule x 2^i from `minTile` (or the length rounded up to the granule,
/// when shorter) up to `maxTile` and up to the rounded length, plus, for
/// each n <= 16, the tile ceil(len / n) rounded up to the granule when it
/// pads `len` less than the largest power-of-two candidate not above it
/// (lengths with few divisors). `len` <= 0 (dynamic) gives the powers of
/// two from `minTile` to `maxTile` only.
std::vector<int64_t> tileCandidates(int64_t granule, int64_t len,
                                    int64_t minTile, int64_t maxTile);

/// The smallest tile the default search considers (its sets are
/// {128, 64, 32, 16} and {256, ..., 16}); compilerSpace() keeps it so that
/// attn-fold/attn-tile stay where the model's per-block costs were
/// calibrated (the published designs use 32 to 128 rows); shorter lengths
/// get one tile covering them.
constexpr int64_t kMinSearchedTile = 16;

/// The search space of attn-fold{mode=auto} and attn-tile: the plans
/// #attn.plan expresses and the lowerings honour. Fixed: the matmul
/// datapath `request.intrinsic` names, one of matmulDatapaths() (the kernels
/// have the native intrinsic and, for bf16 on npu2, the BFP16 8x8x8 path);
/// unset, the native one, or every datapath with `request.anyDatapath`;
/// kv_split: cascades of a power-of-two divisor of the column's cores for
/// fused online plans of layers without explicit mask/bias (1 otherwise),
/// K-transpose by the kernel's transposed-operand
/// matmul (`dma`: no extra core pass), layout `native` for bhld and `dma`
/// (strided shim patterns) for blhd, causal block skipping. `request` pins
/// what the user chose (attn-tile's options, attn-fold's intermediate
/// type: fold, q_tile, kv_tile, l2_q_block, l2_kv_block, columns,
/// cores_per_column, mapping, depth, intermediate); unset, mapping is
/// `fused`, depth 2 and intermediate f32. The unfolded stages run one op
/// and are always `fused`; a stream pipeline fills whole columns
/// (cores_per_column a multiple of its length). Tiles come from
/// tileCandidates() with the granules of the intrinsic, from
/// kMinSearchedTile up to the tile whose Q (or K) block alone fills the L1
/// budget. A request field outside
/// the space (an intrinsic of no datapath, kv_split with a mask, k_transpose, layout,
/// causal_skip) is an error naming it.
llvm::Expected<ExploreOptions>
compilerSpace(const AttentionShape &shape, const NPUTarget &target,
              const PlanConstraints &request,
              int64_t minTile = kMinSearchedTile);

/// explore() over compilerSpace(); when no plan with tiles of at least
/// kMinSearchedTile fits (e.g. a fold forced to hold long score rows), the
/// search is repeated with tiles from the intrinsic granule. attn-fold's
/// auto mode, attn-tile and attn.dse.explore(space="attn-tile") all call
/// this, so they agree on the plan.
llvm::Expected<ExploreResult>
exploreCompilerSpace(const AttentionShape &shape, const NPUTarget &target,
                     const PlanConstraints &request);

/// Explores the plans of `shape` on `target`. Fails (naming the field) on an
/// invalid shape or constraint, or when no plan fits.
llvm::Expected<ExploreResult> explore(const AttentionShape &shape,
                                      const NPUTarget &target,
                                      const ExploreOptions &options = {});

} // namespace mlir::attn::cost

#endif // ATTN_ANALYSIS_DESIGNSPACE_H
