//===- DesignSpace.cpp - design-space exploration of attention plans ------===//
//
// Enumerates the plan space of one attention layer (fold x tiles x L2 blocks
// x intrinsic x columns/cores x mapping/kv_split x depth x K-transpose x
// layout x intermediate type), checks every plan against the target's limits
// (capacity, channels, DMA patterns) without modelling its latency, skips
// plans whose lower bound (latency, DRAM bytes) is already matched by a
// modelled plan of the same fold with no more L1/L2, and models the rest.
// Schedules are memoized per (tiles, lanes) so a layer explores in well
// under a second on one core.
//
//===----------------------------------------------------------------------===//

#include "attn/Analysis/DesignSpace.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <numeric>
#include <set>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::cost;

namespace {

template <typename T>
std::vector<T> choose(const std::optional<T> &fixed, std::vector<T> all) {
  if (fixed)
    return {*fixed};
  return all;
}

bool sameIntrinsic(IntrinsicShape a, IntrinsicShape b) {
  return a.m == b.m && a.k == b.k && a.n == b.n;
}

struct Objectives {
  double latency;
  int64_t dram, l1, l2;
};

/// a is at least as good as b in every objective.
bool covers(const Objectives &a, const Objectives &b) {
  return a.latency <= b.latency && a.dram <= b.dram && a.l1 <= b.l1 &&
         a.l2 <= b.l2;
}

Objectives objectives(const Estimate &e) {
  return {e.latencySeconds, e.dramBytes, e.l1Bytes, e.l2Bytes};
}

/// Keeps the non-dominated estimates (ties: the first one wins).
struct ParetoFront {
  std::vector<Estimate> members;
  bool dominatedBy(const Objectives &o) const {
    for (const Estimate &m : members)
      if (covers(objectives(m), o))
        return true;
    return false;
  }
  void insert(const Estimate &e) {
    Objectives o = objectives(e);
    if (dominatedBy(o))
      return;
    llvm::erase_if(members,
                   [&](const Estimate &m) { return covers(o, objectives(m)); });
    members.push_back(e);
  }
};

/// Sum over real query rows of the keys each row sees.
int64_t visibleScores(const AttentionShape &s) {
  if (s.causal == CausalKind::none)
    return s.queryLen * s.keyLen;
  int64_t offset =
      s.causal == CausalKind::bottom_right ? s.keyLen - s.queryLen : 0;
  int64_t total = 0;
  for (int64_t i = 0; i < s.queryLen; ++i)
    total += std::clamp<int64_t>(i + offset + 1, 0, s.keyLen);
  return total;
}

std::string describeDifferences(const Plan &a, const Plan &best) {
  std::string out;
  auto add = [&](llvm::StringRef field, const std::string &value,
                 const std::string &bestValue) {
    if (value == bestValue)
      return;
    out += llvm::formatv("{0}{1}={2} (best {3})", out.empty() ? "" : ", ",
                         field, value, bestValue)
               .str();
  };
  auto str = [](int64_t v) { return std::to_string(v); };
  auto intr = [](IntrinsicShape i) {
    return llvm::formatv("{0}x{1}x{2}", i.m, i.k, i.n).str();
  };
  add("fold", stringifyFoldKind(a.fold).str(),
      stringifyFoldKind(best.fold).str());
  add("mapping", stringifyMappingKind(a.mapping).str(),
      stringifyMappingKind(best.mapping).str());
  add("intrinsic", intr(a.intrinsic), intr(best.intrinsic));
  add("columns", str(a.columns), str(best.columns));
  add("cores_per_column", str(a.coresPerColumn), str(best.coresPerColumn));
  add("kv_split", str(a.kvSplit), str(best.kvSplit));
  add("q_tile", str(a.qTile), str(best.qTile));
  add("kv_tile", str(a.kvTile), str(best.kvTile));
  add("l2_q_block", str(a.l2QBlock), str(best.l2QBlock));
  add("l2_kv_block", str(a.l2KvBlock), str(best.l2KvBlock));
  add("depth", str(a.depth), str(best.depth));
  add("k_transpose", stringifyKTranspose(a.kTranspose).str(),
      stringifyKTranspose(best.kTranspose).str());
  add("layout", stringifyLayoutHandling(a.layout).str(),
      stringifyLayoutHandling(best.layout).str());
  add("intermediate", stringifyElementKind(a.intermediate).str(),
      stringifyElementKind(best.intermediate).str());
  return out;
}

/// Why `a` is slower than `best`: the component of the latency that grew
/// most (dispatches, fill/drain, or the binding steady-state resource).
std::string lossReason(const Estimate &a, const Estimate &best,
                       const NPUTarget &t) {
  auto parts = [&](const Estimate &e) {
    struct {
      double dispatch = 0, edges = 0, steady = 0, compute = 0, dram = 0;
    } r;
    for (const StageEstimate &st : e.stages) {
      r.dispatch += st.dispatchSeconds;
      r.edges += (st.fillCycles + st.drainCycles) / t.clockHz;
      r.steady += st.latencySeconds - st.dispatchSeconds -
                  (st.fillCycles + st.drainCycles) / t.clockHz;
      r.compute += st.computeCycles / t.clockHz;
      r.dram += st.dramSeconds;
    }
    return r;
  };
  auto pa = parts(a), pb = parts(best);
  double delta = a.latencySeconds - best.latencySeconds;
  std::string head = llvm::formatv("{0:f1}% slower ({1:e3} s vs {2:e3} s)",
                                   100.0 * delta / best.latencySeconds,
                                   a.latencySeconds, best.latencySeconds);
  double dDispatch = pa.dispatch - pb.dispatch;
  double dEdges = pa.edges - pb.edges;
  double dSteady = pa.steady - pb.steady;
  std::string why;
  if (dDispatch >= dSteady && dDispatch >= dEdges && dDispatch > 0) {
    why = llvm::formatv("{0} dispatches instead of {1} (+{2:e2} s fixed cost)",
                        a.stages.size(), best.stages.size(), dDispatch);
  } else if (dEdges > dSteady && dEdges > 0) {
    why = llvm::formatv("longer pipeline fill/drain (+{0:e2} s)", dEdges);
  } else {
    why = llvm::formatv("steady state bound by {0} (+{1:e2} s)",
                        stringifyResource(a.binding), dSteady);
    if (a.binding == Resource::Dram || a.dramBytes > best.dramBytes)
      why += llvm::formatv("; DRAM traffic {0} bytes vs {1}", a.dramBytes,
                           best.dramBytes);
    else
      why += llvm::formatv("; critical-core compute {0:e3} s vs {1:e3} s",
                           pa.compute, pb.compute);
  }
  std::string diff = describeDifferences(a.plan, best.plan);
  return head + ": " + why + (diff.empty() ? "" : "; differs in " + diff);
}

/// The tally key of a violation: its stage and the resource it exceeds.
std::string violationKey(const Violation &v) {
  return "stage " + v.stage + ": " + v.resource;
}

/// Violation kinds of one fold: how many candidates hit each, and the
/// hit that came closest (smallest amount).
struct ViolationTally {
  int64_t candidates = 0;
  /// Per key: how many candidates, and the closest hit (smallest amount
  /// needed) with its message.
  struct Hit {
    int64_t count = 0, needed = 0;
    std::string message;
  };
  std::map<std::string, Hit> kinds;
  void add(llvm::ArrayRef<Violation> violations) {
    ++candidates;
    std::set<std::string> seen;
    for (const Violation &v : violations) {
      std::string key = violationKey(v);
      if (!seen.insert(key).second)
        continue;
      Hit &entry = kinds[key];
      if (entry.count++ == 0 || v.needed < entry.needed) {
        entry.needed = v.needed;
        entry.message = v.message;
      }
    }
  }
  /// A kind every candidate hits, else the most common one.
  std::string summary() const {
    const std::pair<const std::string, Hit> *top = nullptr;
    for (const auto &entry : kinds)
      if (!top || entry.second.count > top->second.count)
        top = &entry;
    if (!top)
      return "";
    if (top->second.count == candidates)
      return llvm::formatv("every candidate violates '{0}'; the closest: {1}",
                           top->first, top->second.message);
    return llvm::formatv("most common violation ({0} of {1} candidates): {2}",
                         top->second.count, candidates, top->second.message);
  }
};

/// Key of the "major" choices: alternatives are distinct in these.
std::string majorKey(const Plan &p) {
  return llvm::formatv(
      "{0}/{1}/{2}x{3}x{4}/{5}x{6}/{7}/{8}x{9}", stringifyFoldKind(p.fold),
      stringifyMappingKind(p.mapping), p.intrinsic.m, p.intrinsic.k,
      p.intrinsic.n, p.columns, p.coresPerColumn, p.kvSplit, p.qTile, p.kvTile);
}

} // namespace

std::vector<int64_t> cost::tileCandidates(int64_t granule, int64_t len,
                                          int64_t minTile, int64_t maxTile) {
  std::vector<int64_t> out;
  if (granule <= 0)
    return out;
  auto roundUp = [&](int64_t v) {
    return (v + granule - 1) / granule * granule;
  };
  int64_t cap = len > 0 ? std::min(maxTile, roundUp(len)) : maxTile;
  int64_t floor = len > 0 ? std::min(minTile, roundUp(len)) : minTile;
  std::vector<int64_t> powers;
  for (int64_t t = granule; t <= cap; t *= 2)
    if (t >= floor)
      powers.push_back(t);
  if (powers.empty())
    powers.push_back(std::max(granule, std::min(cap, roundUp(floor))));
  out = powers;
  // Splits into n near-equal parts, kept when they pad less than the
  // power-of-two tile just below them (so exact lengths add nothing).
  constexpr int64_t kSplits = 16;
  if (len > 0)
    for (int64_t n = 1; n <= kSplits; ++n) {
      int64_t tile = roundUp((len + n - 1) / n);
      if (tile > cap || tile < floor || llvm::is_contained(out, tile))
        continue;
      int64_t below = granule;
      for (int64_t pw : powers)
        if (pw <= tile)
          below = pw;
      if (roundUp(len) % tile == 0 ||
          (len + tile - 1) / tile * tile < (len + below - 1) / below * below)
        out.push_back(tile);
    }
  llvm::sort(out);
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

llvm::Expected<ExploreOptions>
cost::compilerSpace(const AttentionShape &shape, const NPUTarget &target,
                    const PlanConstraints &request, int64_t minTile) {
  auto error = [](const llvm::Twine &message) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
  };
  if (llvm::Error err = verifyShape(shape))
    return std::move(err);
  if (target.macsPerCycle(shape.element) <= 0)
    return error(llvm::formatv(
        "element type {0} has no native matmul intrinsic on target {1} (the "
        "kernels use the native one)",
        stringifyElementKind(shape.element), target.name));
  IntrinsicShape native = target.intrinsic(shape.element);
  LayoutHandling layout = shape.layout == LayoutKind::bhld
                              ? LayoutHandling::Native
                              : LayoutHandling::Dma;
  // The kernels emit every datapath of the element type: the native
  // intrinsic and, for bf16 on npu2, BFP16 (ATTN_BFP16 kernel variant).
  auto paths = matmulDatapaths(target, shape.element);
  if (request.intrinsic && !llvm::any_of(paths, [&](const MatmulDatapath &d) {
        return sameIntrinsic(d.intrinsic, *request.intrinsic);
      })) {
    std::string valid;
    llvm::raw_string_ostream os(valid);
    llvm::interleaveComma(paths, os, [&](const MatmulDatapath &d) {
      os << d.name << " [" << d.intrinsic.m << ", " << d.intrinsic.k << ", "
         << d.intrinsic.n << "]";
    });
    return error(llvm::formatv(
        "fixed field 'intrinsic' [{0}, {1}, {2}] is outside the compiler's "
        "space: attn-tile emits the {3} datapaths of {4}: {5}",
        request.intrinsic->m, request.intrinsic->k, request.intrinsic->n,
        stringifyElementKind(shape.element), target.name, valid));
  }
  // Plan fields attn-tile has no option for: a request may name only what
  // the back end emits (whyNotEmittable's reason otherwise).
  Plan probe;
  probe.fold = request.fold.value_or(FoldKind::online);
  probe.kvSplit = request.kvSplit.value_or(1);
  probe.kTranspose = request.kTranspose.value_or(KTransposePlacement::Dma);
  probe.causalSkip = request.causalSkip.value_or(true);
  if (std::optional<NotEmittable> why = whyNotEmittable(probe, shape, target)) {
    std::string value = why->rule == NotEmittable::Rule::KvSplit
                            ? llvm::formatv("({0})", probe.kvSplit).str()
                        : why->rule == NotEmittable::Rule::KTranspose ? "'core'"
                                                                      : "false";
    return error(llvm::formatv(
        "fixed field '{0}' {1} is outside the compiler's space: {2}",
        why->field, value, why->message));
  }
  if (request.layout && *request.layout != layout)
    return error(llvm::formatv(
        "fixed field 'layout' '{0}' is outside the compiler's space: a {1} "
        "layer uses '{2}'",
        stringifyLayoutHandling(*request.layout),
        shape.layout == LayoutKind::bhld ? "bhld" : "blhd",
        stringifyLayoutHandling(layout)));

  ExploreOptions options;
  PlanConstraints &fx = options.fixed;
  fx = request;
  if (!request.intrinsic) {
    if (request.anyDatapath)
      fx.intrinsic.reset();
    else
      fx.intrinsic = native;
  }
  // Cascades are emitted without explicit mask/bias tensors only.
  if (shape.mask != MaskKind::None || shape.hasBias)
    fx.kvSplit = 1;
  fx.kTranspose = KTransposePlacement::Dma;
  fx.layout = layout;
  fx.causalSkip = true;
  if (!fx.depth)
    fx.depth = 2;
  if (!fx.intermediate)
    fx.intermediate = ElementKind::F32;
  // Mapping per fold: one-op (unfolded) stages are always fused.
  MappingKind mapping = request.mapping.value_or(MappingKind::fused);
  fx.mapping.reset();
  // The emitter's stream pipelines: the online fold, one QK | softmax | PV
  // pipeline per column (cores_per_column 3), one query tile per lane, no
  // explicit mask/bias.
  bool masked = shape.mask != MaskKind::None || shape.hasBias;
  if (mapping == MappingKind::stream && masked)
    return error("fixed field 'mapping' 'stream' is outside the compiler's "
                 "space for a layer with an explicit mask or bias: the stream "
                 "pipelines carry none");
  if (mapping == MappingKind::stream && request.fold &&
      *request.fold != FoldKind::online && *request.fold != FoldKind::unfolded)
    return error(llvm::formatv(
        "fixed field 'mapping' 'stream' is outside the compiler's space for "
        "fold '{0}': only the online fold runs as a QK | softmax | PV "
        "pipeline",
        stringifyFoldKind(*request.fold)));
  // Not searched: what the back end does not emit, except a mapping or S/P
  // type the user asked for (attn-tile also plans the CPU path; the AIE
  // mapping rejects them with whyNotEmittable's reason). Pinned L2 blocks
  // the back end does not emit are rejected here, with that reason.
  options.notPruned.emplace();
  if (request.mapping)
    options.notPruned->push_back(NotEmittable::Rule::Mapping);
  if (request.intermediate)
    options.notPruned->push_back(NotEmittable::Rule::Intermediate);
  options.admit = [mapping](const Plan &p) {
    if (p.fold == FoldKind::unfolded)
      return p.mapping == MappingKind::fused;
    if (p.mapping != mapping)
      return false;
    if (p.mapping == MappingKind::fused)
      return true;
    int64_t lanes = int64_t(p.columns) * (p.coresPerColumn / 3);
    return p.fold == FoldKind::online && p.coresPerColumn == 3 &&
           p.l2QBlock == lanes / p.columns * p.qTile;
  };
  // Tiles: the intrinsic granules, up to the tile whose Q (K) block alone
  // fills the L1 budget.
  int64_t e = bytes(shape.element);
  // Granules valid for every searched datapath.
  int64_t granM = 1, granKV = 1;
  for (const MatmulDatapath &d : paths)
    if (!fx.intrinsic || sameIntrinsic(d.intrinsic, *fx.intrinsic)) {
      granM = std::lcm(granM, d.intrinsic.m);
      granKV = std::lcm(granKV, std::lcm(d.intrinsic.k, d.intrinsic.n));
    }
  int64_t paddedD = (shape.headDim + granKV - 1) / granKV * granKV;
  int64_t maxTile =
      std::max<int64_t>(1, l1BufferBudget(target) / (paddedD * e));
  options.qTiles = tileCandidates(granM, shape.queryLen, minTile, maxTile);
  options.kvTiles = tileCandidates(granKV, shape.keyLen, minTile, maxTile);
  options.maxAlternatives = 8;
  return options;
}

llvm::Expected<ExploreResult>
cost::exploreCompilerSpace(const AttentionShape &shape, const NPUTarget &target,
                           const PlanConstraints &request) {
  llvm::Expected<ExploreOptions> space = compilerSpace(shape, target, request);
  if (!space)
    return space.takeError();
  auto smallest = [](const ExploreOptions &o) {
    return std::min(o.fixed.qTile.value_or(o.qTiles.front()),
                    o.fixed.kvTile.value_or(o.kvTiles.front()));
  };
  llvm::Expected<ExploreResult> result = explore(shape, target, *space);
  if (result) {
    result->minTile = smallest(*space);
    return result;
  }
  llvm::consumeError(result.takeError());
  llvm::Expected<ExploreOptions> wide =
      compilerSpace(shape, target, request, /*minTile=*/1);
  if (!wide)
    return wide.takeError();
  result = explore(shape, target, *wide);
  if (result)
    result->minTile = smallest(*wide);
  return result;
}

//===----------------------------------------------------------------------===//
// explore(): candidate generation, legality, scoring
//===----------------------------------------------------------------------===//

namespace {

/// The values the search enumerates per plan field (a fixed field: its
/// value). Tiles are the given sets or the defaults; columns are powers of
/// two up to the array plus the whole array.
struct ValueSets {
  std::vector<FoldKind> folds;
  std::vector<IntrinsicShape> intrinsics;
  std::vector<int> columns, coresPerColumn, depths;
  std::vector<int64_t> qTiles, kvTiles;
  std::vector<KTransposePlacement> kTransposes;
  std::vector<LayoutHandling> layouts;
  std::vector<bool> causalSkips;
};

ValueSets valueSets(const AttentionShape &shape, const NPUTarget &target,
                    const ExploreOptions &options,
                    llvm::ArrayRef<MatmulDatapath> paths) {
  const PlanConstraints &fx = options.fixed;
  ValueSets v;
  v.folds = choose(fx.fold, {FoldKind::online, FoldKind::full,
                             FoldKind::partial, FoldKind::unfolded});
  if (fx.intrinsic)
    v.intrinsics = {*fx.intrinsic};
  else
    for (const MatmulDatapath &d : paths)
      v.intrinsics.push_back(d.intrinsic);
  for (int c = target.numColumns; c >= 1; c /= 2)
    v.columns.push_back(c);
  if (v.columns.back() != 1)
    v.columns.push_back(1);
  v.columns = choose(fx.columns, v.columns);
  for (int r = target.numCoreRows; r >= 1; --r)
    v.coresPerColumn.push_back(r);
  v.coresPerColumn = choose(fx.coresPerColumn, v.coresPerColumn);
  std::vector<int64_t> qTiles = {128, 64, 32, kMinSearchedTile};
  // Queries shorter than the smallest searched tile (decode: Lq = 1) get the
  // one tile of each datapath that covers them, as attn-tile's candidates
  // do: a 16-row tile around one query row computes 16x the rows it needs.
  if (shape.queryLen > 0 && shape.queryLen < kMinSearchedTile)
    for (const IntrinsicShape &in : v.intrinsics) {
      if (in.m <= 0)
        continue;
      int64_t t = (shape.queryLen + in.m - 1) / in.m * in.m;
      if (!llvm::is_contained(qTiles, t))
        qTiles.push_back(t);
    }
  v.qTiles = choose<int64_t>(fx.qTile,
                             options.qTiles.empty() ? qTiles : options.qTiles);
  v.kvTiles = choose<int64_t>(
      fx.kvTile, options.kvTiles.empty()
                     ? std::vector<int64_t>{256, 128, 64, 32, kMinSearchedTile}
                     : options.kvTiles);
  v.depths = choose(fx.depth, {2, 1});
  v.kTransposes = choose(fx.kTranspose,
                         {KTransposePlacement::Dma, KTransposePlacement::Core});
  v.layouts =
      shape.layout == LayoutKind::bhld
          ? choose(fx.layout, {LayoutHandling::Native})
          : choose(fx.layout, {LayoutHandling::Dma, LayoutHandling::Transpose});
  v.causalSkips = choose(fx.causalSkip, {true});
  return v;
}

/// Mappings of `fold`: the one-op (unfolded) stages always run fused.
std::vector<MappingKind> mappingsFor(FoldKind fold, const PlanConstraints &fx) {
  // Stream pipelines exist for the online fold only (QK | softmax | PV, as
  // the AIE back end emits them).
  return fold != FoldKind::online
             ? choose(fx.mapping, {MappingKind::fused})
             : choose(fx.mapping, {MappingKind::fused, MappingKind::stream});
}

/// S/P element types of `fold`: they cross DRAM only in the unfolded and
/// partial folds; on chip they are f32 (kernel ABI), so a fixed
/// intermediate type binds those two.
std::vector<ElementKind> intermediatesFor(FoldKind fold,
                                          const PlanConstraints &fx) {
  if (fold == FoldKind::unfolded || fold == FoldKind::partial)
    return choose(fx.intermediate, {ElementKind::F32, ElementKind::BF16});
  return {ElementKind::F32};
}

/// kv_split values: cascades of a power-of-two divisor of the column's
/// cores for fused online plans, else none.
std::vector<int> kvSplitsFor(FoldKind fold, MappingKind mapping, int cores,
                             const PlanConstraints &fx) {
  std::vector<int> splits = {1};
  if (fold == FoldKind::online && mapping == MappingKind::fused) {
    splits.clear();
    for (int s = 1; s <= cores; s *= 2)
      if (cores % s == 0)
        splits.push_back(s);
  }
  return choose(fx.kvSplit, splits);
}

/// Query lanes of the whole array: fused lanes are cascades of `split`
/// cores, a stream lane is a pipeline of 2 (partial) or 3 cores.
int64_t arrayLanes(const Plan &p) {
  int64_t allCores = int64_t(p.columns) * p.coresPerColumn;
  if (p.mapping == MappingKind::fused)
    return allCores / p.kvSplit;
  return allCores / (p.fold == FoldKind::partial ? 2 : 3);
}

/// Calls `visit` on every memory choice (L2 blocks, depth, K-transpose,
/// layout handling, S/P type, causal skip) of the array and tile choice in
/// `base`, in search order; stops at the first error.
llvm::Error
forEachMemoryChoice(Plan base, const ValueSets &v, const PlanConstraints &fx,
                    const AttentionShape &shape,
                    llvm::function_ref<llvm::Error(const Plan &)> visit) {
  int64_t lanes = arrayLanes(base);
  int64_t perColumn = (lanes + base.columns - 1) / base.columns;
  // Every L2 block choice the model knows; whyNotEmittable (Emittable.cpp)
  // prunes those the AIE back end does not emit (k > 1 query tiles per lane
  // outside fused online/full, L2 K/V blocks larger than kv_tile).
  std::vector<int64_t> l2q;
  for (int64_t k : {1, 2, 4})
    l2q.push_back(perColumn * base.qTile * k);
  l2q = choose(fx.l2QBlock, l2q);
  int64_t paddedKeys =
      (shape.keyLen + base.kvTile - 1) / base.kvTile * base.kvTile;
  std::vector<int64_t> l2kv = {base.kvTile};
  if (4 * base.kvTile < paddedKeys)
    l2kv.push_back(4 * base.kvTile);
  if (paddedKeys > base.kvTile)
    l2kv.push_back(paddedKeys);
  l2kv = choose(fx.l2KvBlock, l2kv);
  std::vector<ElementKind> intermediates = intermediatesFor(base.fold, fx);
  Plan plan = base;
  for (int64_t l2QBlock : l2q)
    for (int64_t l2KvBlock : l2kv)
      for (int depth : v.depths)
        for (KTransposePlacement kt : v.kTransposes)
          for (LayoutHandling layout : v.layouts)
            for (ElementKind inter : intermediates)
              for (bool skip : v.causalSkips) {
                plan.l2QBlock = l2QBlock;
                plan.l2KvBlock = l2KvBlock;
                plan.depth = depth;
                plan.kTranspose = kt;
                plan.layout = layout;
                plan.intermediate = inter;
                plan.causalSkip = skip;
                if (llvm::Error err = visit(plan))
                  return err;
              }
  return llvm::Error::success();
}

/// Calls `visit` on every plan of `fold` in the space, in search order:
/// intrinsic, columns, cores, mapping, kv_split, tiles, then the memory
/// choices. Stops at the first error.
llvm::Error forEachPlan(FoldKind fold, const ValueSets &v,
                        const PlanConstraints &fx, const AttentionShape &shape,
                        llvm::function_ref<llvm::Error(const Plan &)> visit) {
  Plan plan;
  plan.fold = fold;
  for (IntrinsicShape intr : v.intrinsics)
    for (int columns : v.columns)
      for (int cores : v.coresPerColumn)
        for (MappingKind mapping : mappingsFor(fold, fx))
          for (int split : kvSplitsFor(fold, mapping, cores, fx))
            for (int64_t qTile : v.qTiles)
              for (int64_t kvTile : v.kvTiles) {
                plan.intrinsic = intr;
                plan.columns = columns;
                plan.coresPerColumn = cores;
                plan.mapping = mapping;
                plan.kvSplit = split;
                plan.qTile = qTile;
                plan.kvTile = kvTile;
                if (arrayLanes(plan) == 0)
                  continue;
                if (llvm::Error err =
                        forEachMemoryChoice(plan, v, fx, shape, visit))
                  return err;
              }
  return llvm::Error::success();
}

/// The search state: checks each candidate's legality, prunes it by a lower
/// bound, models the rest and keeps the best plans (overall, per fold, per
/// major choice) and the Pareto fronts.
class Search {
public:
  Search(const AttentionShape &shape, const NPUTarget &target,
         llvm::ArrayRef<MatmulDatapath> paths, ExploreResult &result)
      : shape(shape), target(target), paths(paths), result(result) {
    int64_t e = bytes(shape.element);
    visible = visibleScores(shape);
    compulsory = shape.batch * shape.heads * shape.queryLen *
                     (shape.headDim + shape.valueDim) * e +
                 shape.batch * shape.kvHeads * shape.keyLen *
                     (shape.headDim + shape.valueDim) * e;
    usefulQK = shape.batch * shape.heads * visible * shape.headDim;
  }

  /// Legality, pruning and scoring of one candidate.
  llvm::Error consider(const Plan &plan);
  /// Counts a candidate of `fold` the AIE back end does not emit.
  void notEmitted(FoldKind fold, const NotEmittable &why);
  /// Fills the result from what the search kept; fails when no plan fits.
  llvm::Error finish(llvm::ArrayRef<FoldKind> folds, unsigned maxAlternatives);

private:
  /// The legality-only estimate, or nullopt (counted) for an invalid or
  /// illegal plan.
  std::optional<Estimate> checkLegality(const Plan &plan);
  /// Dispatches plus the larger of the useful Q·Kᵀ MACs on every used core
  /// and the compulsory DRAM bytes (with S/P round trips of visible scores).
  Objectives lowerBound(const Plan &plan, const Estimate &legal) const;
  void keep(Estimate full);
  FoldResult foldResult(FoldKind fold, llvm::ArrayRef<FoldKind> folds) const;

  const AttentionShape &shape;
  const NPUTarget &target;
  llvm::ArrayRef<MatmulDatapath> paths;
  ExploreResult &result;
  int64_t visible = 0, compulsory = 0, usefulQK = 0;

  EstimateCache cache;
  std::vector<ParetoFront> foldFronts = std::vector<ParetoFront>(4);
  ParetoFront front;
  // The fastest plan per major choice (alternatives are drawn from these)
  // and per fold.
  std::map<std::string, Estimate> bestByMajor;
  std::vector<std::optional<Estimate>> bestByFold =
      std::vector<std::optional<Estimate>>(4);
  std::map<std::string, int64_t> illegalBy;
  // Per rule: candidates pruned, and the first message.
  std::map<std::string, std::pair<int64_t, std::string>> notEmittedBy;
  // Per fold: the last rule in whyNotEmittable's order that pruned one of
  // its candidates (the one that stopped plans passing every earlier rule).
  std::vector<std::optional<NotEmittable>> foldNotEmitted =
      std::vector<std::optional<NotEmittable>>(4);
  std::vector<ViolationTally> foldIllegalBy = std::vector<ViolationTally>(4);
  std::string lastInvalid;
};

std::optional<Estimate> Search::checkLegality(const Plan &plan) {
  ++result.stats.candidates;
  llvm::Expected<Estimate> legal =
      estimate(shape, plan, target, &cache, EstimateDepth::LegalityOnly);
  if (!legal) {
    ++result.stats.invalid;
    lastInvalid = toString(legal.takeError());
    return std::nullopt;
  }
  if (legal->legal())
    return std::move(*legal);
  ++result.stats.illegal;
  std::set<std::string> kinds;
  for (const Violation &v : legal->violations)
    kinds.insert(violationKey(v));
  for (const std::string &k : kinds)
    ++illegalBy[k];
  foldIllegalBy[static_cast<int>(plan.fold)].add(legal->violations);
  return std::nullopt;
}

Objectives Search::lowerBound(const Plan &plan, const Estimate &legal) const {
  double rate = 1.0;
  for (const MatmulDatapath &d : paths)
    if (sameIntrinsic(d.intrinsic, plan.intrinsic))
      rate = d.macsPerCycle * d.kernelEfficiency;
  int64_t interB = bytes(plan.intermediate);
  int64_t roundTrips = plan.fold == FoldKind::unfolded  ? 4
                       : plan.fold == FoldKind::partial ? 2
                                                        : 0;
  int64_t dramLB =
      compulsory + roundTrips * visible * interB * shape.batch * shape.heads;
  int64_t allCores = int64_t(plan.columns) * plan.coresPerColumn;
  double computeLB =
      double(usefulQK) / rate / double(allCores) / target.clockHz;
  double latLB =
      foldStages(plan.fold).size() * target.dispatchOverheadSeconds +
      std::max(computeLB, double(dramLB) / target.dramBytesPerSecond);
  return {latLB, dramLB, legal.l1Bytes, legal.l2Bytes};
}

void Search::keep(Estimate full) {
  int fold = static_cast<int>(full.plan.fold);
  ++result.stats.evaluated;
  foldFronts[fold].insert(full);
  front.insert(full);
  std::optional<Estimate> &foldBest = bestByFold[fold];
  if (!foldBest || full.latencySeconds < foldBest->latencySeconds)
    foldBest = full;
  std::string key = majorKey(full.plan);
  auto it = bestByMajor.find(key);
  if (it == bestByMajor.end())
    bestByMajor.emplace(key, std::move(full));
  else if (full.latencySeconds < it->second.latencySeconds)
    it->second = std::move(full);
}

void Search::notEmitted(FoldKind fold, const NotEmittable &why) {
  ++result.stats.notEmittable;
  std::optional<NotEmittable> &last = foldNotEmitted[static_cast<int>(fold)];
  if (!last || last->rule < why.rule)
    last = why;
  auto &entry = notEmittedBy[stringifyNotEmittableRule(why.rule).str()];
  if (entry.first++ == 0)
    entry.second = why.message;
}

llvm::Error Search::consider(const Plan &plan) {
  std::optional<Estimate> legal = checkLegality(plan);
  if (!legal)
    return llvm::Error::success();
  if (foldFronts[static_cast<int>(plan.fold)].dominatedBy(
          lowerBound(plan, *legal))) {
    ++result.stats.pruned;
    return llvm::Error::success();
  }
  llvm::Expected<Estimate> full = estimate(shape, plan, target, &cache);
  if (!full)
    return full.takeError();
  keep(std::move(*full));
  return llvm::Error::success();
}

FoldResult Search::foldResult(FoldKind fold,
                              llvm::ArrayRef<FoldKind> folds) const {
  FoldResult fr;
  fr.fold = fold;
  fr.best = bestByFold[static_cast<int>(fold)];
  if (fr.best)
    return fr;
  const ViolationTally &tally = foldIllegalBy[static_cast<int>(fold)];
  if (!llvm::is_contained(folds, fold))
    fr.reason = "not explored (fold fixed by the caller)";
  else if (tally.candidates == 0 && foldNotEmitted[static_cast<int>(fold)])
    fr.reason = "no plan fits: no candidate is emitted by the AIE back end; " +
                foldNotEmitted[static_cast<int>(fold)]->message;
  else if (tally.candidates == 0)
    fr.reason = "no valid plan of this fold for the given constraints";
  else
    fr.reason = "no plan fits: " + tally.summary();
  return fr;
}

llvm::Error Search::finish(llvm::ArrayRef<FoldKind> folds,
                           unsigned maxAlternatives) {
  if (bestByMajor.empty()) {
    std::string why = lastInvalid;
    for (const ViolationTally &tally : foldIllegalBy)
      if (tally.candidates > 0)
        why += (why.empty() ? "" : "; ") + tally.summary();
    for (const auto &[rule, entry] : notEmittedBy)
      why += llvm::formatv("{0}{1} candidates not emitted by the AIE back "
                           "end: {2}",
                           why.empty() ? "" : "; ", entry.first, entry.second)
                 .str();
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("no plan fits target {0} ({1} candidates, {2} invalid, "
                      "{3} illegal): {4}",
                      target.name, result.stats.candidates,
                      result.stats.invalid, result.stats.illegal, why));
  }
  std::vector<const Estimate *> ranked;
  for (const auto &entry : bestByMajor)
    ranked.push_back(&entry.second);
  llvm::stable_sort(ranked, [](const Estimate *a, const Estimate *b) {
    return a->latencySeconds < b->latencySeconds;
  });
  result.best = *ranked.front();
  result.pareto = std::move(front.members);
  llvm::stable_sort(result.pareto, [](const Estimate &a, const Estimate &b) {
    return a.latencySeconds < b.latencySeconds;
  });
  for (FoldKind fold : {FoldKind::unfolded, FoldKind::partial, FoldKind::full,
                        FoldKind::online})
    result.perFold.push_back(foldResult(fold, folds));
  for (const Estimate *e : llvm::drop_begin(ranked)) {
    if (result.alternatives.size() >= maxAlternatives)
      break;
    result.alternatives.push_back({*e, lossReason(*e, result.best, target)});
  }
  for (const auto &[kind, count] : illegalBy)
    result.stats.illegalBy.emplace_back(kind, count);
  for (const auto &[rule, entry] : notEmittedBy)
    result.stats.notEmittableBy.emplace_back(rule, entry.first);
  llvm::sort(result.stats.illegalBy,
             [](const auto &a, const auto &b) { return a.second > b.second; });
  return llvm::Error::success();
}

} // namespace

llvm::Expected<ExploreResult> cost::explore(const AttentionShape &shape,
                                            const NPUTarget &target,
                                            const ExploreOptions &options) {
  auto start = std::chrono::steady_clock::now();
  if (llvm::Error err = verifyShape(shape))
    return std::move(err);
  const PlanConstraints &fx = options.fixed;
  auto paths = matmulDatapaths(target, shape);
  if (paths.empty())
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("element type {0} has no matmul datapath on target {1}",
                      stringifyElementKind(shape.element), target.name));
  if (fx.intrinsic && !llvm::any_of(paths, [&](const MatmulDatapath &d) {
        return sameIntrinsic(d.intrinsic, *fx.intrinsic);
      })) {
    // Let resolvePlan produce the message that lists the valid ones.
    Plan probe;
    probe.intrinsic = *fx.intrinsic;
    if (auto r = resolvePlan(shape, probe, target); !r)
      return r.takeError();
  }

  ExploreResult result;
  llvm::Expected<Roofline> roof = roofline(shape, target);
  if (!roof)
    return roof.takeError();
  result.roofline = *roof;

  ValueSets sets = valueSets(shape, target, options, paths);
  Search search(shape, target, paths, result);
  // The space is what the AIE back end emits; fields the caller pinned are
  // the caller's choice (their consumer reports them).
  std::vector<NotEmittable::Rule> notPruned =
      options.notPruned.value_or(pinnedRules(fx));
  auto visit = [&](const Plan &plan) -> llvm::Error {
    if (options.admit && !options.admit(plan))
      return llvm::Error::success();
    if (std::optional<NotEmittable> why =
            whyNotEmittable(plan, shape, target, notPruned)) {
      search.notEmitted(plan.fold, *why);
      return llvm::Error::success();
    }
    return search.consider(plan);
  };
  for (FoldKind fold : sets.folds)
    if (llvm::Error err = forEachPlan(fold, sets, fx, shape, visit))
      return std::move(err);
  if (llvm::Error err = search.finish(sets.folds, options.maxAlternatives))
    return std::move(err);
  result.stats.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  return result;
}
