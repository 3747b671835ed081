//===- Emittable.h - which plans the AIE back end emits ---------*- C++ -*-===//
//
// THE one predicate of what the AIE back end (attn-schedule-dma,
// convert-attn-to-aie) emits as the plan describes it. The design-space
// search (cost::explore) prunes every plan it rejects, so the model searches
// only what the compiler emits; attn-tile (through cost::compilerSpace) and
// the AIE mapping (aiemap::describeStage) reject such plans with the same
// message. Each rule is one `if` in whyNotEmittable(): a back-end feature
// that lands removes (or narrows) its rule.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_ANALYSIS_EMITTABLE_H
#define ATTN_ANALYSIS_EMITTABLE_H

#include "attn/Analysis/CostModel.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::attn::cost {

/// Why the back end cannot emit a plan: the rule, the plan field it is
/// about, and the sentence every consumer reports.
struct NotEmittable {
  enum class Rule {
    Mapping,      // stream pipelines are not emitted
    KvSplit,      // cascades are not emitted
    KTranspose,   // K is transposed by the kernel (transposed operand)
    Layout,       // blhd is read by strided shim patterns, not transposed
    Intermediate, // S/P cross DRAM in f32 (kernel ABI)
    CausalSkip,   // hidden causal key blocks are always skipped
    QueryTiles,   // one query tile per lane per round (l2_q_block)
    KvBlock,      // K/V streamed a kv_tile at a time (l2_kv_block)
    SoftmaxRow,   // the unfolded softmax holds one whole score row in L1
  };
  Rule rule;
  std::string field;   // the plan field: "mapping", "kv_split", ...
  std::string message; // "plan field 'mapping' 'stream' is not emitted: ..."
};

/// "mapping", "kv_split", "k_transpose", "layout", "intermediate",
/// "causal_skip", "query_tiles", "kv_block", "softmax_row". "softmax_row".
llvm::StringRef stringifyNotEmittableRule(NotEmittable::Rule rule);

/// Why the AIE back end does not emit `plan` for `shape` on `target` as the
/// cost model describes it, or nullopt when it does. `plan` may leave
/// l2_q_block / l2_kv_block 0 (= their defaults, as resolvePlan reads them)
/// and columns / cores_per_column 0 (= the whole array). Rules in `skip` are
/// not checked (a search does not prune the fields its caller pinned; the
/// consumer of the plan then reports them).
std::optional<NotEmittable>
whyNotEmittable(const Plan &plan, const AttentionShape &shape,
                const NPUTarget &target,
                llvm::ArrayRef<NotEmittable::Rule> skip = {});

/// The rules of the plan fields `fixed` pins (mapping, kv_split, ...).
struct PlanConstraints;
std::vector<NotEmittable::Rule> pinnedRules(const PlanConstraints &fixed);

} // namespace mlir::attn::cost

#endif // ATTN_ANALYSIS_EMITTABLE_H
