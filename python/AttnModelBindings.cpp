//===- AttnModelBindings.cpp - the target table and cost model in Python --===//
//
// nanobind classes over the C++ structs themselves: NPUTarget (read-only,
// the static table entries), the cost model's AttentionShape, Plan,
// PlanConstraints, MatmulProblem/MatmulPlan (inputs) and Estimate,
// StageEstimate, Violation, Roofline, ExploreResult (outputs). Enum fields
// read and write as their names. The calls go through the exported entry
// points of attn/CAPI/Bindings.h; every rejected input raises
// attn.errors.AttnError naming the field. attn.target and attn.dse are the
// typed Python views on top.
//
//===----------------------------------------------------------------------===//

#include "attn/CAPI/Bindings.h"

#include "mlir/Bindings/Python/Nanobind.h"

#include <nanobind/stl/array.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <climits>
#include <string>

namespace nb = nanobind;
using namespace mlir::attn;
namespace bindings = mlir::attn::bindings;

namespace {

//===----------------------------------------------------------------------===//
// Errors and conversions
//===----------------------------------------------------------------------===//

[[noreturn]] void raiseAttnError(const std::string &message) {
  nb::object error = nb::module_::import_("attn.errors").attr("AttnError");
  PyErr_SetObject(error.ptr(), nb::str(message.c_str()).ptr());
  throw nb::python_error();
}

nb::str toStr(llvm::StringRef s) { return nb::str(s.data(), s.size()); }

template <typename E> std::string validNames() {
  std::string out;
  for (llvm::StringRef name : bindings::enumNames(E{}))
    out += (out.empty() ? "" : ", ") + name.str();
  return out;
}

/// The value named `value` (a str) of E, or AttnError "`unknown` 'value';
/// valid: ...".
template <typename E>
E parseEnumOr(nb::handle value, const std::string &unknown) {
  if (nb::isinstance<nb::str>(value)) {
    E out;
    if (bindings::enumValue(nb::cast<std::string>(value), out))
      return out;
  }
  raiseAttnError(unknown + " " + nb::repr(value).c_str() +
                 "; valid: " + validNames<E>());
}
/// The value of the field `what` ("plan field 'mapping'") named `value`.
template <typename E> E parseEnum(nb::handle value, const std::string &what) {
  return parseEnumOr<E>(value, what + ": unknown value");
}

nb::tuple intrinsicTuple(IntrinsicShape i) {
  return nb::make_tuple(i.m, i.k, i.n);
}

IntrinsicShape parseIntrinsic(nb::handle value, const std::string &what) {
  std::vector<int64_t> dims;
  if (nb::isinstance<nb::sequence>(value) && !nb::isinstance<nb::str>(value))
    for (nb::handle item : nb::borrow<nb::sequence>(value)) {
      if (!nb::isinstance<nb::int_>(item) || nb::isinstance<nb::bool_>(item))
        raiseAttnError(what + " must be three integers [M, K, N]");
      dims.push_back(nb::cast<int64_t>(item));
    }
  if (dims.size() != 3)
    raiseAttnError(what + " must be three integers [M, K, N], got " +
                   nb::repr(value).c_str());
  return {dims[0], dims[1], dims[2]};
}

/// An int field of `what`, range-checked for `int` members.
int toInt(int64_t value, const std::string &what) {
  if (value < INT_MIN || value > INT_MAX)
    raiseAttnError(what + " is out of range (" + std::to_string(value) + ")");
  return static_cast<int>(value);
}

const NPUTarget &findTarget(nb::handle name) {
  if (!nb::isinstance<nb::str>(name))
    raiseAttnError(std::string("target name must be a string, got ") +
                   nb::inst_name(name.type()).c_str());
  if (const NPUTarget *t = bindings::findTarget(nb::cast<std::string>(name)))
    return *t;
  std::string valid;
  for (const std::string &n : bindings::targetNameList())
    valid += (valid.empty() ? "" : ", ") + n;
  raiseAttnError(std::string("unknown NPU target ") + nb::repr(name).c_str() +
                 "; valid targets: " + valid);
}

/// Properties of enum members (read and written as names).
template <typename C, typename E>
void enumField(nb::class_<C> &cls, const char *name, E C::*member,
               const char *where) {
  std::string what = std::string(where) + " field '" + name + "'";
  cls.def_prop_rw(
      name,
      [member](const C &c) { return toStr(bindings::enumName(c.*member)); },
      [member, what](C &c, nb::handle v) {
        c.*member = parseEnum<E>(v, what);
      });
}
template <typename C, typename E>
void optionalEnumField(nb::class_<C> &cls, const char *name,
                       std::optional<E> C::*member, const char *where) {
  std::string what = std::string(where) + " field '" + name + "'";
  cls.def_prop_rw(
      name,
      [member](const C &c) -> nb::object {
        if (!(c.*member))
          return nb::none();
        return toStr(bindings::enumName(*(c.*member)));
      },
      [member, what](C &c, nb::handle v) {
        if (v.is_none())
          (c.*member).reset();
        else
          c.*member = parseEnum<E>(v, what);
      });
}
template <typename C>
void intField(nb::class_<C> &cls, const char *name, int C::*member,
              const char *where) {
  std::string what = std::string(where) + " field '" + name + "'";
  cls.def_prop_rw(
      name, [member](const C &c) { return c.*member; },
      [member, what](C &c, int64_t v) { c.*member = toInt(v, what); });
}
template <typename C>
void optionalIntField(nb::class_<C> &cls, const char *name,
                      std::optional<int> C::*member, const char *where) {
  std::string what = std::string(where) + " field '" + name + "'";
  cls.def_prop_rw(
      name, [member](const C &c) { return c.*member; },
      [member, what](C &c, std::optional<int64_t> v) {
        if (v)
          c.*member = toInt(*v, what);
        else
          (c.*member).reset();
      });
}

//===----------------------------------------------------------------------===//
// Target table
//===----------------------------------------------------------------------===//

TileKind tileKindArg(nb::handle kind) {
  return parseEnumOr<TileKind>(kind, "unknown tile kind");
}
ElementKind elementKindArg(nb::handle kind) {
  return parseEnumOr<ElementKind>(kind, "unknown element kind");
}

/// The per-kind structs of the table: DmaLimits, TileKindInfo,
/// ElementKindInfo.
void bindTargetKinds(nb::module_ &m) {
  nb::class_<DmaLimits>(m, "DmaLimits",
                        "Access-pattern limits of one tile kind's DMA "
                        "(sizes/strides in 4-byte words).")
      .def_ro("max_dims", &DmaLimits::maxDims)
      .def_ro("max_object_fifo_dims", &DmaLimits::maxObjectFifoDims)
      .def_ro("max_size", &DmaLimits::maxSize)
      .def_ro("max_outer_size", &DmaLimits::maxOuterSize)
      .def_ro("max_stride_words", &DmaLimits::maxStrideWords)
      .def_ro("unit_bytes", &DmaLimits::unitBytes);
  nb::class_<TileKindInfo>(m, "TileInfo",
                           "DMA channels, buffer descriptors, locks and DMA "
                           "limits of one tile kind.")
      .def_ro("s2mm_channels", &TileKindInfo::s2mmChannels)
      .def_ro("mm2s_channels", &TileKindInfo::mm2sChannels)
      .def_ro("buffer_descriptors", &TileKindInfo::bufferDescriptors)
      .def_ro("locks", &TileKindInfo::locks)
      .def_ro("dma", &TileKindInfo::dma)
      .def_ro("bd_pools", &TileKindInfo::bdPools,
              "BD pools: channel c draws on pool c % bd_pools only, each "
              "pool buffer_descriptors / bd_pools ids (memtile: 2, even and "
              "odd channels)");
  nb::class_<ElementKindInfo>(m, "ElementInfo",
                              "Core compute facts of one element type "
                              "(macs_per_cycle 0 = no matmul support).")
      .def_ro("macs_per_cycle", &ElementKindInfo::macsPerCycle)
      .def_prop_ro(
          "intrinsic",
          [](const ElementKindInfo &e) { return intrinsicTuple(e.intrinsic); })
      .def_ro("kernel_efficiency", &ElementKindInfo::kernelEfficiency)
      .def_ro("vector_lanes", &ElementKindInfo::vectorLanes)
      .def_ro("bf16_splits", &ElementKindInfo::bf16Splits,
              "bf16 terms per operand when the type's matmuls run on the "
              "bf16 datapath (f16 2, f32 3); 0 = its own datapath")
      .def_prop_ro(
          "matmul_passes",
          [](const ElementKindInfo &e) { return e.matmulPasses(); },
          "bf16 matmul passes per MAC (1 for a native datapath)");
}

/// NPUTarget and its fields (read-only).
nb::class_<NPUTarget> bindTargetFields(nb::module_ &m) {
  nb::class_<NPUTarget> t(m, "NPUTarget",
                          "One entry of the NPU target table "
                          "(include/attn/Target/NPUTarget.h); field names "
                          "are NPUTarget's in snake_case.");
  t.def_prop_ro("name", [](const NPUTarget &t) { return toStr(t.name); })
      .def_prop_ro("family", [](const NPUTarget &t) { return toStr(t.family); })
      .def_prop_ro("arch", [](const NPUTarget &t) { return toStr(t.arch); })
      .def_ro("num_columns", &NPUTarget::numColumns)
      .def_ro("num_rows", &NPUTarget::numRows)
      .def_ro("shim_row", &NPUTarget::shimRow)
      .def_ro("mem_tile_row", &NPUTarget::memTileRow)
      .def_ro("first_core_row", &NPUTarget::firstCoreRow)
      .def_ro("num_core_rows", &NPUTarget::numCoreRows)
      .def_ro("core_l1_bytes", &NPUTarget::coreL1Bytes)
      .def_ro("mem_tile_l2_bytes", &NPUTarget::memTileL2Bytes)
      .def_ro("core_stack_reserve_bytes", &NPUTarget::coreStackReserveBytes)
      .def_ro("core_locks", &NPUTarget::coreLocks)
      .def_ro("mem_tile_locks", &NPUTarget::memTileLocks)
      .def_ro("shim_locks", &NPUTarget::shimLocks)
      .def_ro("object_fifo_locks_per_endpoint",
              &NPUTarget::objectFifoLocksPerEndpoint)
      .def_ro("shim_task_queue_depth", &NPUTarget::shimTaskQueueDepth)
      .def_ro("shim_repeat_count_max", &NPUTarget::shimRepeatCountMax)
      .def_ro("mem_tile_link_fan_out_max", &NPUTarget::memTileLinkFanOutMax)
      .def_ro("stream_bytes_per_cycle", &NPUTarget::streamBytesPerCycle)
      .def_ro("cascade_bits", &NPUTarget::cascadeBits)
      .def_ro("cascade_bytes_per_cycle", &NPUTarget::cascadeBytesPerCycle)
      .def_ro("exp_cycles_per_element", &NPUTarget::expCyclesPerElement)
      .def_ro("exp_cost_is_assumption", &NPUTarget::expCostIsAssumption)
      .def_ro("row_reduce_cycles", &NPUTarget::rowReduceCycles)
      .def_ro("kernel_call_overhead_cycles",
              &NPUTarget::kernelCallOverheadCycles)
      .def_ro("clock_hz", &NPUTarget::clockHz)
      .def_ro("dram_bytes_per_second", &NPUTarget::dramBytesPerSecond)
      .def_ro("dram_bandwidth_is_assumption",
              &NPUTarget::dramBandwidthIsAssumption)
      .def_ro("dispatch_overhead_seconds", &NPUTarget::dispatchOverheadSeconds)
      .def_ro("dispatch_overhead_is_assumption",
              &NPUTarget::dispatchOverheadIsAssumption)
      .def_ro("vector_pass_cycles_per_vector",
              &NPUTarget::vectorPassCyclesPerVector)
      .def_ro("vector_pass_cycles_per_element",
              &NPUTarget::vectorPassCyclesPerElement)
      .def_ro("vector_pass_cost_is_assumption",
              &NPUTarget::vectorPassCostIsAssumption)
      .def_ro("bf16_via_bfp16", &NPUTarget::bf16ViaBfp16)
      .def_ro("dram_joules_per_byte", &NPUTarget::dramJoulesPerByte)
      .def_ro("joules_per_mac", &NPUTarget::joulesPerMac)
      .def_ro("energy_is_assumption", &NPUTarget::energyIsAssumption);
  return t;
}

/// The per-kind queries of NPUTarget, taking kind names.
void bindTargetQueries(nb::class_<NPUTarget> &t) {
  constexpr auto ref = nb::rv_policy::reference;
  // Per-kind facts, keyed by the kind names.
  auto proxy = [](nb::dict d) {
    return nb::module_::import_("types").attr("MappingProxyType")(d);
  };
  t.def_prop_ro("tiles", [proxy](const NPUTarget &t) {
     nb::dict d;
     for (int i = 0; i < kNumTileKinds; ++i)
       d[toStr(bindings::enumName(TileKind(i)))] = nb::cast(&t.tiles[i], ref);
     return proxy(d);
   }).def_prop_ro("elements", [proxy](const NPUTarget &t) {
    nb::dict d;
    for (int i = 0; i < kNumElementKinds; ++i)
      d[toStr(bindings::enumName(ElementKind(i)))] =
          nb::cast(&t.elements[i], ref);
    return proxy(d);
  });
  auto tile = [](const NPUTarget &t, nb::handle kind) -> const TileKindInfo & {
    return t.tiles[static_cast<int>(tileKindArg(kind))];
  };
  auto element = [](const NPUTarget &t,
                    nb::handle kind) -> const ElementKindInfo & {
    return t.elements[static_cast<int>(elementKindArg(kind))];
  };
  t.def("tile", tile, nb::arg("kind"), ref)
      .def("element", element, nb::arg("kind"), ref)
      .def(
          "channels",
          [tile](const NPUTarget &t, nb::handle kind, nb::handle direction) {
            const TileKindInfo &info = tile(t, kind);
            if (nb::isinstance<nb::str>(direction)) {
              std::string d = nb::cast<std::string>(direction);
              if (d == "s2mm")
                return info.s2mmChannels;
              if (d == "mm2s")
                return info.mm2sChannels;
            }
            raiseAttnError(std::string("unknown DMA direction ") +
                           nb::repr(direction).c_str() + "; valid: s2mm, mm2s");
          },
          nb::arg("kind"), nb::arg("direction"),
          "DMA channels of a `kind` tile in `direction` (\"s2mm\" into the "
          "tile, \"mm2s\" out).")
      .def(
          "buffer_descriptors",
          [tile](const NPUTarget &t, nb::handle kind) {
            return tile(t, kind).bufferDescriptors;
          },
          nb::arg("kind"))
      .def(
          "locks",
          [tile](const NPUTarget &t, nb::handle kind) {
            return tile(t, kind).locks;
          },
          nb::arg("kind"))
      .def(
          "dma_limits",
          [tile](const NPUTarget &t, nb::handle kind) -> const DmaLimits & {
            return tile(t, kind).dma;
          },
          nb::arg("kind"), ref)
      .def(
          "macs_per_cycle",
          [element](const NPUTarget &t, nb::handle kind) {
            return element(t, kind).macsPerCycle;
          },
          nb::arg("kind"))
      .def(
          "intrinsic",
          [element](const NPUTarget &t, nb::handle kind) {
            return intrinsicTuple(element(t, kind).intrinsic);
          },
          nb::arg("kind"))
      .def(
          "kernel_efficiency",
          [element](const NPUTarget &t, nb::handle kind) {
            return element(t, kind).kernelEfficiency;
          },
          nb::arg("kind"))
      .def(
          "vector_lanes",
          [element](const NPUTarget &t, nb::handle kind) {
            return element(t, kind).vectorLanes;
          },
          nb::arg("kind"))
      .def_prop_ro("num_cores",
                   [](const NPUTarget &t) { return bindings::numCores(t); })
      .def(
          "in_bounds",
          [](const NPUTarget &t, int col, int row) {
            return bindings::inBounds(t, col, row);
          },
          nb::arg("col"), nb::arg("row"))
      .def(
          "tile_kind",
          [](const NPUTarget &t, int col, int row) {
            if (!bindings::inBounds(t, col, row))
              raiseAttnError(
                  "tile (" + std::to_string(col) + ", " + std::to_string(row) +
                  ") is outside the " + std::to_string(t.numColumns) + "x" +
                  std::to_string(t.numRows) + " array of " + t.name.str());
            return toStr(bindings::enumName(bindings::tileKindAt(t, col, row)));
          },
          nb::arg("col"), nb::arg("row"))
      // Entries are the static table's: equal when they are the same entry.
      .def("__eq__",
           [](const NPUTarget &a, nb::handle b) {
             return nb::isinstance<NPUTarget>(b) &&
                    &a == &nb::cast<const NPUTarget &>(b);
           })
      .def("__hash__",
           [](const NPUTarget &t) { return nb::hash(toStr(t.name)); })
      .def("__repr__", [](const NPUTarget &t) {
        return "NPUTarget(name='" + t.name.str() + "')";
      });
}

void bindTarget(nb::module_ &m) {
  bindTargetKinds(m);
  nb::class_<NPUTarget> t = bindTargetFields(m);
  bindTargetQueries(t);
  constexpr auto ref = nb::rv_policy::reference;
  m.def(
      "target",
      [](nb::handle name) -> const NPUTarget & { return findTarget(name); },
      nb::arg("name"), ref,
      "The NPU target table entry `name`; raises AttnError naming the valid "
      "targets when unknown.");
  m.def("target_names", &bindings::targetNameList,
        "Names of every NPU target in the table, in table order.");
}

//===----------------------------------------------------------------------===//
// Cost model inputs
//===----------------------------------------------------------------------===//

void bindInputs(nb::module_ &m) {
  using cost::AttentionShape;
  nb::class_<AttentionShape> shape(m, "AttentionShape",
                                   "cost::AttentionShape: one attention layer "
                                   "(real, unpadded sizes).");
  shape.def(nb::init<>())
      .def_rw("batch", &AttentionShape::batch)
      .def_rw("heads", &AttentionShape::heads)
      .def_rw("kv_heads", &AttentionShape::kvHeads)
      .def_rw("query_len", &AttentionShape::queryLen)
      .def_rw("key_len", &AttentionShape::keyLen)
      .def_rw("head_dim", &AttentionShape::headDim)
      .def_rw("value_dim", &AttentionShape::valueDim)
      .def_rw("mask_shape", &AttentionShape::maskShape)
      .def_rw("bias", &AttentionShape::hasBias)
      .def_rw("bias_shape", &AttentionShape::biasShape)
      .def_rw("valid_len", &AttentionShape::validLen)
      .def_rw("matmul_in_bf16", &AttentionShape::matmulInBf16);
  enumField(shape, "element", &AttentionShape::element, "shape");
  enumField(shape, "causal", &AttentionShape::causal, "shape");
  enumField(shape, "mask", &AttentionShape::mask, "shape");
  enumField(shape, "mask_element", &AttentionShape::maskElement, "shape");
  enumField(shape, "bias_element", &AttentionShape::biasElement, "shape");
  enumField(shape, "layout", &AttentionShape::layout, "shape");

  using cost::Plan;
  nb::class_<Plan> plan(m, "Plan",
                        "cost::Plan: the fields of #attn.plan plus the "
                        "model's choices (0 = derive).");
  plan.def(nb::init<>())
      .def_rw("q_tile", &Plan::qTile)
      .def_rw("kv_tile", &Plan::kvTile)
      .def_rw("l2_q_block", &Plan::l2QBlock)
      .def_rw("l2_kv_block", &Plan::l2KvBlock)
      .def_prop_rw(
          "intrinsic",
          [](const Plan &p) { return intrinsicTuple(p.intrinsic); },
          [](Plan &p, nb::handle v) {
            p.intrinsic = parseIntrinsic(v, "plan field 'intrinsic'");
          })
      .def_rw("causal_skip", &Plan::causalSkip);
  enumField(plan, "fold", &Plan::fold, "plan");
  enumField(plan, "mapping", &Plan::mapping, "plan");
  enumField(plan, "k_transpose", &Plan::kTranspose, "plan");
  enumField(plan, "layout", &Plan::layout, "plan");
  enumField(plan, "intermediate", &Plan::intermediate, "plan");
  intField(plan, "columns", &Plan::columns, "plan");
  intField(plan, "cores_per_column", &Plan::coresPerColumn, "plan");
  intField(plan, "kv_split", &Plan::kvSplit, "plan");
  intField(plan, "depth", &Plan::depth, "plan");

  using cost::PlanConstraints;
  nb::class_<PlanConstraints> fixed(m, "PlanConstraints",
                                    "cost::PlanConstraints: plan fields the "
                                    "search keeps fixed (None = explored).");
  fixed.def(nb::init<>())
      .def_rw("q_tile", &PlanConstraints::qTile)
      .def_rw("kv_tile", &PlanConstraints::kvTile)
      .def_rw("l2_q_block", &PlanConstraints::l2QBlock)
      .def_rw("l2_kv_block", &PlanConstraints::l2KvBlock)
      .def_prop_rw(
          "intrinsic",
          [](const PlanConstraints &c) -> nb::object {
            if (!c.intrinsic)
              return nb::none();
            return intrinsicTuple(*c.intrinsic);
          },
          [](PlanConstraints &c, nb::handle v) {
            if (v.is_none())
              c.intrinsic.reset();
            else
              c.intrinsic = parseIntrinsic(v, "fixed field 'intrinsic'");
          })
      .def_rw("causal_skip", &PlanConstraints::causalSkip)
      .def_rw("any_datapath", &PlanConstraints::anyDatapath);
  optionalEnumField(fixed, "fold", &PlanConstraints::fold, "fixed");
  optionalEnumField(fixed, "mapping", &PlanConstraints::mapping, "fixed");
  optionalEnumField(fixed, "k_transpose", &PlanConstraints::kTranspose,
                    "fixed");
  optionalEnumField(fixed, "layout", &PlanConstraints::layout, "fixed");
  optionalEnumField(fixed, "intermediate", &PlanConstraints::intermediate,
                    "fixed");
  optionalIntField(fixed, "columns", &PlanConstraints::columns, "fixed");
  optionalIntField(fixed, "cores_per_column", &PlanConstraints::coresPerColumn,
                   "fixed");
  optionalIntField(fixed, "kv_split", &PlanConstraints::kvSplit, "fixed");
  optionalIntField(fixed, "depth", &PlanConstraints::depth, "fixed");

  using cost::MatmulProblem;
  nb::class_<MatmulProblem> problem(m, "MatmulProblem",
                                    "cost::MatmulProblem: C[m,n] = A[m,k] "
                                    "B[k,n].");
  problem.def(nb::init<>())
      .def_rw("m", &MatmulProblem::m)
      .def_rw("k", &MatmulProblem::k)
      .def_rw("n", &MatmulProblem::n);
  enumField(problem, "element", &MatmulProblem::element, "matmul");
  enumField(problem, "out_element", &MatmulProblem::outElement, "matmul");
  using cost::MatmulPlan;
  nb::class_<MatmulPlan> mmPlan(m, "MatmulPlan",
                                "cost::MatmulPlan: L1 tiles and intrinsic of "
                                "the whole-array GEMM.");
  mmPlan.def(nb::init<>())
      .def_rw("tile_m", &MatmulPlan::tileM)
      .def_rw("tile_k", &MatmulPlan::tileK)
      .def_rw("tile_n", &MatmulPlan::tileN)
      .def_prop_rw(
          "intrinsic",
          [](const MatmulPlan &p) { return intrinsicTuple(p.intrinsic); },
          [](MatmulPlan &p, nb::handle v) {
            p.intrinsic = parseIntrinsic(v, "matmul_plan field 'intrinsic'");
          });
  intField(mmPlan, "columns", &MatmulPlan::columns, "matmul_plan");
  intField(mmPlan, "cores_per_column", &MatmulPlan::coresPerColumn,
           "matmul_plan");
  intField(mmPlan, "depth", &MatmulPlan::depth, "matmul_plan");
}

//===----------------------------------------------------------------------===//
// Cost model outputs
//===----------------------------------------------------------------------===//

template <typename C, typename E>
void enumReadOnly(nb::class_<C> &cls, const char *name, E C::*member) {
  cls.def_prop_ro(name, [member](const C &c) {
    return toStr(bindings::enumName(c.*member));
  });
}

template <typename Range> nb::list listOf(const Range &range) {
  nb::list out;
  for (const auto &item : range)
    out.append(nb::cast(item));
  return out;
}

/// What estimate() returns: Estimate, StageEstimate, Violation.
void bindEstimate(nb::module_ &m) {
  using cost::Violation;
  nb::class_<Violation> violation(m, "Violation",
                                  "One limit a plan breaks: its kind, stage, "
                                  "resource, the amount needed and the "
                                  "target's limit, and the message.");
  violation.def_ro("stage", &Violation::stage)
      .def_ro("resource", &Violation::resource)
      .def_ro("needed", &Violation::needed)
      .def_ro("limit", &Violation::limit)
      .def_ro("message", &Violation::message);
  enumReadOnly(violation, "kind", &Violation::kind);

  using cost::StageEstimate;
  nb::class_<StageEstimate> stage(m, "StageEstimate",
                                  "One dispatch: cycles of the critical core, "
                                  "DMA hops, DRAM.");
  stage.def_ro("name", &StageEstimate::name)
      .def_ro("latency_s", &StageEstimate::latencySeconds)
      .def_ro("rounds", &StageEstimate::rounds)
      .def_ro("macs", &StageEstimate::macs)
      .def_ro("matrix_cycles", &StageEstimate::matrixCycles)
      .def_ro("vector_cycles", &StageEstimate::vectorCycles)
      .def_ro("overhead_cycles", &StageEstimate::overheadCycles)
      .def_ro("compute_cycles", &StageEstimate::computeCycles)
      .def_prop_ro("dma_cycles",
                   [](const StageEstimate &s) {
                     nb::dict d;
                     d["shim_in"] = s.shimInCycles;
                     d["memtile_in"] = s.memTileInCycles;
                     d["core_in"] = s.coreInCycles;
                     d["core_out"] = s.coreOutCycles;
                     d["memtile_out"] = s.memTileOutCycles;
                     d["shim_out"] = s.shimOutCycles;
                     return d;
                   })
      .def_ro("dram_read_bytes", &StageEstimate::dramReadBytes)
      .def_ro("dram_write_bytes", &StageEstimate::dramWriteBytes)
      .def_ro("dram_s", &StageEstimate::dramSeconds)
      .def_ro("fill_cycles", &StageEstimate::fillCycles)
      .def_ro("drain_cycles", &StageEstimate::drainCycles)
      .def_ro("dispatch_s", &StageEstimate::dispatchSeconds)
      .def_ro("l1_bytes", &StageEstimate::l1Bytes)
      .def_ro("l2_bytes", &StageEstimate::l2Bytes);
  enumReadOnly(stage, "binding", &StageEstimate::binding);

  using cost::Estimate;
  nb::class_<Estimate> estimate(m, "Estimate",
                                "cost::Estimate: latency, DRAM traffic, "
                                "memory use, energy and violations of a "
                                "resolved plan.");
  estimate.def_ro("plan", &Estimate::plan)
      .def_ro("latency_s", &Estimate::latencySeconds)
      .def_ro("dram_bytes", &Estimate::dramBytes)
      .def_ro("energy_j", &Estimate::energyJoules)
      .def_ro("dram_energy_j", &Estimate::dramEnergyJoules)
      .def_ro("mac_energy_j", &Estimate::macEnergyJoules)
      .def_ro("l1_bytes", &Estimate::l1Bytes)
      .def_ro("l2_bytes", &Estimate::l2Bytes)
      .def_ro("macs", &Estimate::macs)
      .def_ro("useful_macs", &Estimate::usefulMacs)
      .def_prop_ro("legal", &Estimate::legal)
      .def_prop_ro("stages", [](const Estimate &e) { return listOf(e.stages); })
      .def_prop_ro("violations",
                   [](const Estimate &e) { return listOf(e.violations); })
      .def_prop_ro("dram",
                   [](const Estimate &e) {
                     const cost::DramTraffic &t = e.dram;
                     nb::dict d;
                     d["query"] = t.query;
                     d["key"] = t.key;
                     d["value"] = t.value;
                     d["mask"] = t.mask;
                     d["bias"] = t.bias;
                     d["valid_len"] = t.validLen;
                     d["scores_write"] = t.scoresWrite;
                     d["scores_read"] = t.scoresRead;
                     d["probs_write"] = t.probsWrite;
                     d["probs_read"] = t.probsRead;
                     d["output"] = t.output;
                     d["layout"] = t.layout;
                     return d;
                   })
      .def_prop_ro("padded",
                   [](const Estimate &e) {
                     nb::dict d;
                     d["query_len"] = e.padded.queryLen;
                     d["key_len"] = e.padded.keyLen;
                     d["head_dim"] = e.padded.headDim;
                     d["value_dim"] = e.padded.valueDim;
                     d["query_tiles"] = e.padded.queryTiles;
                     d["key_tiles"] = e.padded.keyTiles;
                     return d;
                   })
      .def_prop_ro("datapath", [](const Estimate &e) {
        nb::dict d;
        d["name"] = toStr(e.datapath.name);
        d["intrinsic"] = intrinsicTuple(e.datapath.intrinsic);
        d["macs_per_cycle"] = e.datapath.macsPerCycle;
        d["kernel_efficiency"] = e.datapath.kernelEfficiency;
        return d;
      });
  enumReadOnly(estimate, "binding", &Estimate::binding);
}

/// Roofline and what explore() returns.
void bindExploreResult(nb::module_ &m) {
  using cost::Roofline;
  nb::class_<Roofline> roofline(m, "Roofline",
                                "max(MAC-bound, vector-bound, DRAM-bound) + "
                                "one dispatch.");
  roofline.def_ro("bound_s", &Roofline::boundSeconds)
      .def_ro("mac_s", &Roofline::macSeconds)
      .def_ro("vector_s", &Roofline::vectorSeconds)
      .def_ro("dram_s", &Roofline::dramSeconds)
      .def_ro("dispatch_s", &Roofline::dispatchSeconds)
      .def_ro("useful_macs", &Roofline::usefulMacs)
      .def_ro("compulsory_bytes", &Roofline::compulsoryBytes)
      .def_ro("vector_ops", &Roofline::vectorOps);
  enumReadOnly(roofline, "binding", &Roofline::binding);

  nb::class_<cost::Alternative>(m, "Alternative",
                                "A runner-up plan and why it lost.")
      .def_ro("estimate", &cost::Alternative::estimate)
      .def_ro("reason", &cost::Alternative::reason);
  nb::class_<cost::FoldResult> foldResult(
      m, "FoldResult", "The best plan of one fold, or why none fits.");
  foldResult.def_ro("best", &cost::FoldResult::best)
      .def_ro("reason", &cost::FoldResult::reason);
  enumReadOnly(foldResult, "fold", &cost::FoldResult::fold);
  using cost::ExploreStats;
  nb::class_<ExploreStats>(m, "ExploreStats", "What the search did.")
      .def_ro("candidates", &ExploreStats::candidates)
      .def_ro("invalid", &ExploreStats::invalid)
      .def_ro("illegal", &ExploreStats::illegal)
      .def_ro("pruned", &ExploreStats::pruned)
      .def_ro("evaluated", &ExploreStats::evaluated)
      .def_ro("not_emittable", &ExploreStats::notEmittable)
      .def_prop_ro("not_emittable_by",
                   [](const ExploreStats &s) {
                     nb::list out;
                     for (const auto &[rule, count] : s.notEmittableBy)
                       out.append(nb::make_tuple(rule, count));
                     return out;
                   })
      .def_ro("seconds", &ExploreStats::seconds)
      .def_prop_ro("illegal_by", [](const ExploreStats &s) {
        nb::list out;
        for (const auto &[kind, count] : s.illegalBy)
          out.append(nb::make_tuple(kind, count));
        return out;
      });
  using cost::ExploreResult;
  nb::class_<ExploreResult>(m, "ExploreResult",
                            "The best plan, the Pareto set, runner-ups, the "
                            "best plan per fold and the roofline.")
      .def_ro("best", &ExploreResult::best)
      .def_prop_ro("pareto",
                   [](const ExploreResult &r) { return listOf(r.pareto); })
      .def_prop_ro(
          "alternatives",
          [](const ExploreResult &r) { return listOf(r.alternatives); })
      .def_prop_ro("per_fold",
                   [](const ExploreResult &r) { return listOf(r.perFold); })
      .def_ro("roofline", &ExploreResult::roofline)
      .def_ro("stats", &ExploreResult::stats)
      .def_ro("min_tile", &ExploreResult::minTile);
}

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

void bindCalls(nb::module_ &m) {
  m.def(
      "estimate",
      [](const cost::AttentionShape &shape, const cost::Plan &plan,
         nb::handle target) {
        cost::Estimate out;
        std::string error =
            bindings::estimate(shape, plan, findTarget(target), out);
        if (!error.empty())
          raiseAttnError(error);
        return out;
      },
      nb::arg("shape"), nb::arg("plan"), nb::arg("target"),
      "Models `shape` under `plan` on `target` (cost::estimate).");
  m.def(
      "roofline",
      [](const cost::AttentionShape &shape, nb::handle target) {
        cost::Roofline out;
        std::string error = bindings::roofline(shape, findTarget(target), out);
        if (!error.empty())
          raiseAttnError(error);
        return out;
      },
      nb::arg("shape"), nb::arg("target"), "cost::roofline.");
  m.def(
      "explore",
      [](const cost::AttentionShape &shape, nb::handle target,
         const cost::PlanConstraints &fixed, int64_t maxAlternatives,
         const std::string &space) {
        if (space != "all" && space != "attn-tile")
          raiseAttnError("space: unknown search space '" + space +
                         "'; valid: all, attn-tile");
        if (maxAlternatives < 0 || maxAlternatives > 1000)
          raiseAttnError("max_alternatives must be in 0..1000");
        cost::ExploreResult out;
        std::string error = bindings::explore(
            shape, findTarget(target), fixed, unsigned(maxAlternatives),
            /*compilerSpace=*/space == "attn-tile", out);
        if (!error.empty())
          raiseAttnError(error);
        return out;
      },
      nb::arg("shape"), nb::arg("target"), nb::arg("fixed"),
      nb::arg("max_alternatives") = 8, nb::arg("space") = "all",
      "Explores the plans of `shape` (cost::explore); space 'attn-tile' "
      "searches what attn-fold{mode=auto} / attn-tile choose from.");
  m.def(
      "why_not_emittable",
      [](const cost::AttentionShape &shape, const cost::Plan &plan,
         nb::handle target) -> nb::object {
        cost::NotEmittable why;
        std::string rule;
        if (!bindings::whyNotEmittable(shape, plan, findTarget(target), why,
                                       rule))
          return nb::none();
        nb::dict out;
        out["rule"] = rule;
        out["field"] = why.field;
        out["message"] = why.message;
        return out;
      },
      nb::arg("shape"), nb::arg("plan"), nb::arg("target"),
      "None when the AIE back end emits `plan`, else {rule, field, message} "
      "(cost::whyNotEmittable).");
  m.def(
      "estimate_matmul",
      [](const cost::MatmulProblem &problem, const cost::MatmulPlan &plan,
         nb::handle target) {
        cost::Estimate out;
        std::string error =
            bindings::estimateMatmul(problem, plan, findTarget(target), out);
        if (!error.empty())
          raiseAttnError(error);
        return out;
      },
      nb::arg("problem"), nb::arg("plan"), nb::arg("target"),
      "Models a whole-array GEMM (cost::estimateMatmul).");
}

} // namespace

void populateModelBindings(nb::module_ &m) {
  bindTarget(m);
  bindInputs(m);
  bindEstimate(m);
  bindExploreResult(m);
  bindCalls(m);
}
