//===- CostModel.cpp - C API for the attention cost model -----------------===//
//
// Parses a JSON request into the plain structs of attn/Analysis, runs the
// estimate / exploration / roofline, and prints the result as JSON. Unknown
// or ill-typed fields are errors naming the field.
//
//===----------------------------------------------------------------------===//

#include "attn-c/CostModel.h"

#include "attn/Analysis/CostModel.h"
#include "attn/Analysis/DesignSpace.h"

#include "mlir/CAPI/Support.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::cost;
namespace json = llvm::json;

namespace {

llvm::Error fail(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// Reads the fields of one JSON object, remembering which were used so that
/// unknown fields can be reported.
class Reader {
public:
  Reader(const json::Object &object, llvm::StringRef where)
      : object(object), where(where.str()) {}

  bool has(llvm::StringRef key) const { return object.get(key) != nullptr; }
  /// Marks `key` as read by the caller.
  void markUsed(llvm::StringRef key) { used.insert(key); }

  llvm::Error integer(llvm::StringRef key, int64_t &out) {
    used.insert(key);
    const json::Value *v = object.get(key);
    if (!v)
      return llvm::Error::success();
    std::optional<int64_t> i = v->getAsInteger();
    if (!i)
      return fail(
          llvm::formatv("{0} field '{1}' must be an integer", where, key));
    out = *i;
    return llvm::Error::success();
  }
  llvm::Error integer(llvm::StringRef key, int &out) {
    int64_t wide = out;
    if (llvm::Error err = integer(key, wide))
      return err;
    if (wide < INT32_MIN || wide > INT32_MAX)
      return fail(llvm::formatv("{0} field '{1}' is out of range", where, key));
    out = static_cast<int>(wide);
    return llvm::Error::success();
  }
  llvm::Error boolean(llvm::StringRef key, bool &out) {
    used.insert(key);
    const json::Value *v = object.get(key);
    if (!v)
      return llvm::Error::success();
    std::optional<bool> b = v->getAsBoolean();
    if (!b)
      return fail(
          llvm::formatv("{0} field '{1}' must be a boolean", where, key));
    out = *b;
    return llvm::Error::success();
  }
  llvm::Error string(llvm::StringRef key, std::optional<std::string> &out) {
    used.insert(key);
    const json::Value *v = object.get(key);
    if (!v)
      return llvm::Error::success();
    std::optional<llvm::StringRef> s = v->getAsString();
    if (!s)
      return fail(
          llvm::formatv("{0} field '{1}' must be a string", where, key));
    out = s->str();
    return llvm::Error::success();
  }
  template <typename E>
  llvm::Error enumeration(llvm::StringRef key, E &out,
                          std::optional<E> (*symbolize)(llvm::StringRef),
                          llvm::StringRef valid) {
    std::optional<std::string> s;
    if (llvm::Error err = string(key, s))
      return err;
    if (!s)
      return llvm::Error::success();
    std::optional<E> e = symbolize(*s);
    if (!e)
      return fail(llvm::formatv("{0} field '{1}': unknown value '{2}'; valid: "
                                "{3}",
                                where, key, *s, valid));
    out = *e;
    return llvm::Error::success();
  }
  llvm::Error element(llvm::StringRef key, ElementKind &out) {
    return enumeration<ElementKind>(key, out, symbolizeElementKind,
                                    "bf16, f16, f32, i8, i16, i32");
  }
  llvm::Error intList(llvm::StringRef key, llvm::SmallVectorImpl<int64_t> &out,
                      size_t size) {
    used.insert(key);
    const json::Value *v = object.get(key);
    if (!v)
      return llvm::Error::success();
    const json::Array *a = v->getAsArray();
    if (!a || a->size() != size)
      return fail(llvm::formatv("{0} field '{1}' must be a list of {2} "
                                "integers",
                                where, key, size));
    out.clear();
    for (const json::Value &x : *a) {
      std::optional<int64_t> i = x.getAsInteger();
      if (!i)
        return fail(llvm::formatv("{0} field '{1}' must be a list of {2} "
                                  "integers",
                                  where, key, size));
      out.push_back(*i);
    }
    return llvm::Error::success();
  }
  /// Fails on any field not read so far.
  llvm::Error finish() const {
    for (const auto &kv : object)
      if (!used.contains(kv.first))
        return fail(
            llvm::formatv("{0}: unknown field '{1}'", where, kv.first.str()));
    return llvm::Error::success();
  }

private:
  const json::Object &object;
  std::string where;
  llvm::StringSet<> used;
};

llvm::Error readShape(const json::Object &o, AttentionShape &s) {
  Reader r(o, "shape");
  for (auto [key, field] :
       {std::pair<const char *, int64_t *>{"batch", &s.batch},
        {"heads", &s.heads},
        {"kv_heads", &s.kvHeads},
        {"query_len", &s.queryLen},
        {"key_len", &s.keyLen},
        {"head_dim", &s.headDim},
        {"value_dim", &s.valueDim}}) {
    if (!r.has(key))
      return fail(llvm::formatv("shape field '{0}' is required", key));
    if (llvm::Error err = r.integer(key, *field))
      return err;
  }
  if (llvm::Error err = r.element("element", s.element))
    return err;
  if (llvm::Error err =
          r.enumeration<CausalKind>("causal", s.causal, symbolizeCausalKind,
                                    "none, top_left, bottom_right"))
    return err;
  if (llvm::Error err = r.enumeration<MaskKind>(
          "mask", s.mask, symbolizeMaskKind, "none, boolean, additive"))
    return err;
  llvm::SmallVector<int64_t, 4> dims;
  if (llvm::Error err = r.intList("mask_shape", dims, 4))
    return err;
  if (!dims.empty())
    std::copy(dims.begin(), dims.end(), s.maskShape.begin());
  dims.clear();
  if (llvm::Error err = r.element("mask_element", s.maskElement))
    return err;
  if (llvm::Error err = r.boolean("bias", s.hasBias))
    return err;
  if (llvm::Error err = r.intList("bias_shape", dims, 4))
    return err;
  if (!dims.empty())
    std::copy(dims.begin(), dims.end(), s.biasShape.begin());
  if (llvm::Error err = r.element("bias_element", s.biasElement))
    return err;
  if (llvm::Error err = r.boolean("valid_len", s.validLen))
    return err;
  std::optional<std::string> layout;
  if (llvm::Error err = r.string("layout", layout))
    return err;
  if (layout) {
    if (*layout == "bhld")
      s.layout = LayoutKind::bhld;
    else if (*layout == "blhd")
      s.layout = LayoutKind::blhd;
    else
      return fail(llvm::formatv(
          "shape field 'layout': unknown value '{0}'; valid: bhld, blhd",
          *layout));
  }
  return r.finish();
}

/// Reads plan fields into `c` (every field optional).
llvm::Error readConstraints(const json::Object &o, llvm::StringRef where,
                            PlanConstraints &c) {
  Reader r(o, where);
  auto optInt = [&](const char *key,
                    std::optional<int64_t> &out) -> llvm::Error {
    if (!r.has(key))
      return llvm::Error::success();
    int64_t v = 0;
    if (llvm::Error err = r.integer(key, v))
      return err;
    out = v;
    return llvm::Error::success();
  };
  auto optSmall = [&](const char *key, std::optional<int> &out) -> llvm::Error {
    std::optional<int64_t> wide;
    if (llvm::Error err = optInt(key, wide))
      return err;
    if (wide) {
      if (*wide < INT32_MIN || *wide > INT32_MAX)
        return fail(
            llvm::formatv("{0} field '{1}' is out of range", where, key));
      out = static_cast<int>(*wide);
    }
    return llvm::Error::success();
  };
  auto optEnum = [&](const char *key, auto &out, auto symbolize,
                     llvm::StringRef valid) -> llvm::Error {
    using E = typename std::remove_reference_t<decltype(out)>::value_type;
    if (!r.has(key))
      return llvm::Error::success();
    E value{};
    if (llvm::Error err = r.enumeration<E>(key, value, symbolize, valid))
      return err;
    out = value;
    return llvm::Error::success();
  };
  if (llvm::Error err = optEnum("fold", c.fold, symbolizeEnum<FoldKind>,
                                "unfolded, partial, full, online"))
    return err;
  if (llvm::Error err = optInt("q_tile", c.qTile))
    return err;
  if (llvm::Error err = optInt("kv_tile", c.kvTile))
    return err;
  if (llvm::Error err = optInt("l2_q_block", c.l2QBlock))
    return err;
  if (llvm::Error err = optInt("l2_kv_block", c.l2KvBlock))
    return err;
  llvm::SmallVector<int64_t, 3> intr;
  if (llvm::Error err = r.intList("intrinsic", intr, 3))
    return err;
  if (!intr.empty())
    c.intrinsic = IntrinsicShape{intr[0], intr[1], intr[2]};
  if (llvm::Error err = optSmall("columns", c.columns))
    return err;
  if (llvm::Error err = optSmall("cores_per_column", c.coresPerColumn))
    return err;
  if (llvm::Error err = optSmall("kv_split", c.kvSplit))
    return err;
  if (llvm::Error err = optSmall("depth", c.depth))
    return err;
  if (llvm::Error err = optEnum("mapping", c.mapping,
                                symbolizeEnum<MappingKind>, "fused, stream"))
    return err;
  if (llvm::Error err = optEnum("k_transpose", c.kTranspose,
                                symbolizeKTranspose, "dma, core"))
    return err;
  if (llvm::Error err = optEnum("layout", c.layout, symbolizeLayoutHandling,
                                "native, dma, transpose"))
    return err;
  if (llvm::Error err = optEnum("intermediate", c.intermediate,
                                symbolizeElementKind, "f32, bf16, f16"))
    return err;
  if (r.has("causal_skip")) {
    bool skip = true;
    if (llvm::Error err = r.boolean("causal_skip", skip))
      return err;
    c.causalSkip = skip;
  }
  std::optional<std::string> target;
  if (llvm::Error err = r.string("target", target)) // printed plans carry it
    return err;
  return r.finish();
}

Plan planFrom(const PlanConstraints &c) {
  Plan p;
  if (c.fold)
    p.fold = *c.fold;
  if (c.qTile)
    p.qTile = *c.qTile;
  if (c.kvTile)
    p.kvTile = *c.kvTile;
  if (c.l2QBlock)
    p.l2QBlock = *c.l2QBlock;
  if (c.l2KvBlock)
    p.l2KvBlock = *c.l2KvBlock;
  if (c.intrinsic)
    p.intrinsic = *c.intrinsic;
  if (c.columns)
    p.columns = *c.columns;
  if (c.coresPerColumn)
    p.coresPerColumn = *c.coresPerColumn;
  if (c.kvSplit)
    p.kvSplit = *c.kvSplit;
  if (c.depth)
    p.depth = *c.depth;
  if (c.mapping)
    p.mapping = *c.mapping;
  if (c.kTranspose)
    p.kTranspose = *c.kTranspose;
  if (c.layout)
    p.layout = *c.layout;
  if (c.intermediate)
    p.intermediate = *c.intermediate;
  if (c.causalSkip)
    p.causalSkip = *c.causalSkip;
  return p;
}

json::Value toJSON(IntrinsicShape i) { return json::Array{i.m, i.k, i.n}; }

json::Value toJSON(const Plan &p, llvm::StringRef target) {
  return json::Object{
      {"target", target.str()}, // a copy: StringRef values borrow
      {"fold", stringifyFoldKind(p.fold)},
      {"q_tile", p.qTile},
      {"kv_tile", p.kvTile},
      {"l2_q_block", p.l2QBlock},
      {"l2_kv_block", p.l2KvBlock},
      {"intrinsic", toJSON(p.intrinsic)},
      {"columns", p.columns},
      {"cores_per_column", p.coresPerColumn},
      {"mapping", stringifyMappingKind(p.mapping)},
      {"kv_split", p.kvSplit},
      {"depth", p.depth},
      {"k_transpose", stringifyKTranspose(p.kTranspose)},
      {"layout", stringifyLayoutHandling(p.layout)},
      {"intermediate", stringifyElementKind(p.intermediate)},
      {"causal_skip", p.causalSkip},
  };
}

json::Value toJSON(const StageEstimate &s) {
  return json::Object{
      {"name", s.name},
      {"rounds", s.rounds},
      {"macs", s.macs},
      {"matrix_cycles", s.matrixCycles},
      {"vector_cycles", s.vectorCycles},
      {"overhead_cycles", s.overheadCycles},
      {"compute_cycles", s.computeCycles},
      {"dma_cycles", json::Object{{"shim_in", s.shimInCycles},
                                  {"memtile_in", s.memTileInCycles},
                                  {"core_in", s.coreInCycles},
                                  {"core_out", s.coreOutCycles},
                                  {"memtile_out", s.memTileOutCycles},
                                  {"shim_out", s.shimOutCycles}}},
      {"dram_read_bytes", s.dramReadBytes},
      {"dram_write_bytes", s.dramWriteBytes},
      {"dram_s", s.dramSeconds},
      {"fill_cycles", s.fillCycles},
      {"drain_cycles", s.drainCycles},
      {"dispatch_s", s.dispatchSeconds},
      {"latency_s", s.latencySeconds},
      {"binding", stringifyResource(s.binding)},
      {"l1_bytes", s.l1Bytes},
      {"l2_bytes", s.l2Bytes},
  };
}

json::Value toJSON(const Estimate &e, llvm::StringRef target,
                   bool compact = false) {
  json::Object o{
      {"plan", toJSON(e.plan, target)},
      {"latency_s", e.latencySeconds},
      {"dram_bytes", e.dramBytes},
      {"l1_bytes", e.l1Bytes},
      {"l2_bytes", e.l2Bytes},
      {"energy_j", e.energyJoules},
      {"binding", stringifyResource(e.binding)},
  };
  if (compact)
    return o;
  json::Array stages, violations;
  for (const StageEstimate &s : e.stages)
    stages.push_back(toJSON(s));
  json::Array violationKinds;
  for (const Violation &v : e.violations) {
    violations.push_back(v.message);
    violationKinds.push_back(json::Object{
        {"kind", stringifyViolationKind(v.kind)},
        {"stage", v.stage},
        {"resource", v.resource},
        {"needed", v.needed},
        {"limit", v.limit},
    });
  }
  o["padded"] = json::Object{
      {"query_len", e.padded.queryLen},     {"key_len", e.padded.keyLen},
      {"head_dim", e.padded.headDim},       {"value_dim", e.padded.valueDim},
      {"query_tiles", e.padded.queryTiles}, {"key_tiles", e.padded.keyTiles}};
  o["datapath"] =
      json::Object{{"name", e.datapath.name},
                   {"intrinsic", toJSON(e.datapath.intrinsic)},
                   {"macs_per_cycle", e.datapath.macsPerCycle},
                   {"kernel_efficiency", e.datapath.kernelEfficiency}};
  o["dram"] = json::Object{{"query", e.dram.query},
                           {"key", e.dram.key},
                           {"value", e.dram.value},
                           {"mask", e.dram.mask},
                           {"bias", e.dram.bias},
                           {"valid_len", e.dram.validLen},
                           {"scores_write", e.dram.scoresWrite},
                           {"scores_read", e.dram.scoresRead},
                           {"probs_write", e.dram.probsWrite},
                           {"probs_read", e.dram.probsRead},
                           {"output", e.dram.output},
                           {"layout", e.dram.layout}};
  o["macs"] = e.macs;
  o["useful_macs"] = e.usefulMacs;
  o["dram_energy_j"] = e.dramEnergyJoules;
  o["mac_energy_j"] = e.macEnergyJoules;
  o["legal"] = e.legal();
  o["violations"] = std::move(violations);
  o["violation_kinds"] = std::move(violationKinds);
  o["stages"] = std::move(stages);
  return o;
}

json::Value toJSON(const Roofline &r) {
  return json::Object{
      {"mac_s", r.macSeconds},       {"vector_s", r.vectorSeconds},
      {"dram_s", r.dramSeconds},     {"dispatch_s", r.dispatchSeconds},
      {"bound_s", r.boundSeconds},   {"binding", stringifyResource(r.binding)},
      {"useful_macs", r.usefulMacs}, {"compulsory_bytes", r.compulsoryBytes},
      {"vector_ops", r.vectorOps}};
}

llvm::Expected<json::Value> run(llvm::StringRef text) {
  llvm::Expected<json::Value> parsed = json::parse(text);
  if (!parsed)
    return fail("request is not valid JSON: " + toString(parsed.takeError()));
  const json::Object *req = parsed->getAsObject();
  if (!req)
    return fail("request must be a JSON object");
  Reader r(*req, "request");
  std::optional<std::string> action, targetName;
  if (llvm::Error err = r.string("action", action))
    return std::move(err);
  if (llvm::Error err = r.string("target", targetName))
    return std::move(err);
  if (!action)
    return fail("request field 'action' is required (estimate, explore, "
                "roofline, matmul)");
  std::string name = targetName.value_or("npu2");
  const NPUTarget *target = lookupTarget(name);
  if (!target) {
    std::string valid;
    for (llvm::StringRef n : targetNames())
      valid += (valid.empty() ? "" : ", ") + n.str();
    return fail(llvm::formatv("request field 'target': unknown NPU target "
                              "'{0}'; valid targets: {1}",
                              name, valid));
  }
  auto object = [&](llvm::StringRef key,
                    bool required) -> llvm::Expected<const json::Object *> {
    r.markUsed(key);
    const json::Value *v = req->get(key);
    if (!v) {
      if (required)
        return fail(llvm::formatv(
            "request field '{0}' is required for action '{1}'", key, *action));
      return nullptr;
    }
    const json::Object *o = v->getAsObject();
    if (!o)
      return fail(llvm::formatv("request field '{0}' must be an object", key));
    return o;
  };

  if (*action == "matmul") {
    auto mm = object("matmul", true);
    if (!mm)
      return mm.takeError();
    auto mmPlan = object("matmul_plan", false);
    if (!mmPlan)
      return mmPlan.takeError();
    MatmulProblem problem;
    MatmulPlan plan;
    Reader mr(**mm, "matmul");
    for (auto [key, field] :
         {std::pair<const char *, int64_t *>{"m", &problem.m},
          {"k", &problem.k},
          {"n", &problem.n}})
      if (llvm::Error err = mr.integer(key, *field))
        return std::move(err);
    if (llvm::Error err = mr.element("element", problem.element))
      return std::move(err);
    if (llvm::Error err = mr.element("out_element", problem.outElement))
      return std::move(err);
    if (llvm::Error err = mr.finish())
      return std::move(err);
    if (*mmPlan) {
      Reader pr(**mmPlan, "matmul_plan");
      for (auto [key, field] :
           {std::pair<const char *, int64_t *>{"tile_m", &plan.tileM},
            {"tile_k", &plan.tileK},
            {"tile_n", &plan.tileN}})
        if (llvm::Error err = pr.integer(key, *field))
          return std::move(err);
      llvm::SmallVector<int64_t, 3> intr;
      if (llvm::Error err = pr.intList("intrinsic", intr, 3))
        return std::move(err);
      if (!intr.empty())
        plan.intrinsic = {intr[0], intr[1], intr[2]};
      if (llvm::Error err = pr.integer("columns", plan.columns))
        return std::move(err);
      if (llvm::Error err = pr.integer("cores_per_column", plan.coresPerColumn))
        return std::move(err);
      if (llvm::Error err = pr.integer("depth", plan.depth))
        return std::move(err);
      if (llvm::Error err = pr.finish())
        return std::move(err);
    }
    if (llvm::Error err = r.finish())
      return std::move(err);
    llvm::Expected<Estimate> e = estimateMatmul(problem, plan, *target);
    if (!e)
      return e.takeError();
    json::Value out = toJSON(*e, name);
    out.getAsObject()->erase("plan");
    out.getAsObject()->insert(
        {"matmul_plan",
         json::Object{{"tile_m", plan.tileM},
                      {"tile_k", plan.tileK},
                      {"tile_n", plan.tileN},
                      {"intrinsic", toJSON(e->datapath.intrinsic)}}});
    return out;
  }

  auto shapeObject = object("shape", true);
  if (!shapeObject)
    return shapeObject.takeError();
  AttentionShape shape;
  if (llvm::Error err = readShape(**shapeObject, shape))
    return std::move(err);

  if (*action == "roofline") {
    if (llvm::Error err = r.finish())
      return std::move(err);
    llvm::Expected<Roofline> roof = roofline(shape, *target);
    if (!roof)
      return roof.takeError();
    return toJSON(*roof);
  }

  if (*action == "estimate") {
    auto planObject = object("plan", false);
    if (!planObject)
      return planObject.takeError();
    PlanConstraints c;
    if (*planObject)
      if (llvm::Error err = readConstraints(**planObject, "plan", c))
        return std::move(err);
    if (llvm::Error err = r.finish())
      return std::move(err);
    llvm::Expected<Estimate> e = estimate(shape, planFrom(c), *target);
    if (!e)
      return e.takeError();
    return toJSON(*e, name);
  }

  if (*action == "explore") {
    auto fixedObject = object("fixed", false);
    if (!fixedObject)
      return fixedObject.takeError();
    ExploreOptions options;
    if (*fixedObject)
      if (llvm::Error err =
              readConstraints(**fixedObject, "fixed", options.fixed))
        return std::move(err);
    int64_t maxAlternatives = options.maxAlternatives;
    if (llvm::Error err = r.integer("max_alternatives", maxAlternatives))
      return std::move(err);
    if (maxAlternatives < 0 || maxAlternatives > 1000)
      return fail("request field 'max_alternatives' must be in 0..1000");
    options.maxAlternatives = static_cast<unsigned>(maxAlternatives);
    // "attn-tile": the space attn-fold{mode=auto} and attn-tile search.
    std::optional<std::string> space;
    if (llvm::Error err = r.string("space", space))
      return std::move(err);
    if (space && *space != "all" && *space != "attn-tile")
      return fail(llvm::formatv("request field 'space': unknown value '{0}'; "
                                "valid: all, attn-tile",
                                *space));
    if (llvm::Error err = r.finish())
      return std::move(err);
    llvm::Expected<ExploreResult> res =
        space && *space == "attn-tile"
            ? exploreCompilerSpace(shape, *target, options.fixed)
            : explore(shape, *target, options);
    if (!res)
      return res.takeError();
    json::Array pareto, alternatives, perFold, illegalBy;
    for (const Estimate &e : res->pareto)
      pareto.push_back(toJSON(e, name, /*compact=*/true));
    for (const Alternative &a : res->alternatives)
      alternatives.push_back(json::Object{
          {"estimate", toJSON(a.estimate, name)}, {"reason", a.reason}});
    for (const FoldResult &f : res->perFold) {
      json::Object o{{"fold", stringifyFoldKind(f.fold)}};
      if (f.best)
        o["estimate"] = toJSON(*f.best, name);
      else
        o["reason"] = f.reason;
      perFold.push_back(std::move(o));
    }
    for (const auto &[kind, count] : res->stats.illegalBy)
      illegalBy.push_back(json::Array{kind, count});
    return json::Object{
        {"best", toJSON(res->best, name)},
        {"pareto", std::move(pareto)},
        {"alternatives", std::move(alternatives)},
        {"per_fold", std::move(perFold)},
        {"roofline", toJSON(res->roofline)},
        {"stats", json::Object{{"candidates", res->stats.candidates},
                               {"invalid", res->stats.invalid},
                               {"illegal", res->stats.illegal},
                               {"pruned", res->stats.pruned},
                               {"evaluated", res->stats.evaluated},
                               {"seconds", res->stats.seconds},
                               {"illegal_by", std::move(illegalBy)}}},
    };
  }
  return fail(llvm::formatv("request field 'action': unknown value '{0}'; "
                            "valid: estimate, explore, roofline, matmul",
                            *action));
}

} // namespace

MlirLogicalResult attnCostModelRun(MlirStringRef request,
                                   MlirStringCallback callback,
                                   void *userData) {
  llvm::Expected<json::Value> response = run(unwrap(request));
  std::string text;
  llvm::raw_string_ostream os(text);
  bool ok = static_cast<bool>(response);
  if (ok)
    os << *response;
  else
    os << json::Value(json::Object{{"error", toString(response.takeError())}});
  os.flush();
  callback(mlirStringRefCreate(text.data(), text.size()), userData);
  return ok ? mlirLogicalResultSuccess() : mlirLogicalResultFailure();
}
