//===- AttnExtension.cpp - attn-aie native Python module ------------------===//
//
// `attn._mlir_libs._attn`: dialect/pass registration (reached through
// `_site_initialize_0` for every Context), project-level native helpers and
// the target table / cost model classes (AttnModelBindings.cpp).
//
//===----------------------------------------------------------------------===//

#include "attn-c/Analysis.h"
#include "attn-c/Dialects.h"

#include "mlir/Bindings/Python/Nanobind.h"
#include "mlir/Bindings/Python/NanobindAdaptors.h"

#include <nanobind/stl/string.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nb = nanobind;

/// AttnModelBindings.cpp: NPUTarget and the cost model.
void populateModelBindings(nb::module_ &m);

static std::string toString(MlirStringRef ref) {
  return std::string(ref.data, ref.length);
}

/// DRAM traffic of every runtime sequence under `op`: a list of dicts
/// (attn.analysis shapes them). Raises ValueError with the diagnostics when
/// a transfer cannot be counted.
static nb::list countTraffic(MlirOperation op) {
  struct State {
    nb::list sequences;
    std::string errors;
  } state;
  auto onSequence = [](MlirStringRef name, int64_t readBytes,
                       int64_t writeBytes, intptr_t numArguments,
                       const AttnArgumentTraffic *arguments, void *userData) {
    auto *state = static_cast<State *>(userData);
    nb::dict sequence;
    sequence["name"] = toString(name);
    sequence["read_bytes"] = readBytes;
    sequence["write_bytes"] = writeBytes;
    nb::list args;
    for (intptr_t i = 0; i < numArguments; ++i) {
      nb::dict arg;
      arg["index"] = arguments[i].index;
      arg["name"] = toString(arguments[i].name);
      arg["read_bytes"] = arguments[i].readBytes;
      arg["write_bytes"] = arguments[i].writeBytes;
      args.append(arg);
    }
    sequence["arguments"] = args;
    state->sequences.append(sequence);
  };
  auto onError = [](MlirStringRef message, void *userData) {
    auto *state = static_cast<State *>(userData);
    if (!state->errors.empty())
      state->errors += "\n";
    state->errors += toString(message);
  };
  if (mlirLogicalResultIsFailure(
          attnCountTraffic(op, onSequence, onError, &state)))
    throw nb::value_error(
        ("cannot count DRAM traffic:\n" + state.errors).c_str());
  return state.sequences;
}

/// The fields of an #attn.plan as a dict (None for another attribute);
/// dynamic padded lengths are None.
static nb::object planFields(MlirAttribute attr) {
  AttnPlanFields f;
  if (!attnPlanAttrGetFields(attr, &f))
    return nb::none();
  auto length = [](int64_t v) -> nb::object {
    if (v == INT64_MIN)
      return nb::none();
    return nb::int_(v);
  };
  nb::dict d;
  d["target"] = toString(f.target);
  d["q_tile"] = f.qTile;
  d["kv_tile"] = f.kvTile;
  d["head_dim_tile"] = f.headDimTile;
  d["l2_q_block"] = f.l2QBlock;
  d["l2_kv_block"] = f.l2KvBlock;
  nb::list intrinsic;
  for (int64_t v : f.intrinsic)
    intrinsic.append(v);
  d["intrinsic"] = intrinsic;
  d["columns"] = f.columns;
  d["cores_per_column"] = f.coresPerColumn;
  d["kv_split"] = f.kvSplit;
  d["mapping"] = toString(f.mapping);
  d["depth"] = f.depth;
  d["padded_q_len"] = length(f.paddedQLen);
  d["padded_kv_len"] = length(f.paddedKvLen);
  d["padded_head_dim"] = length(f.paddedHeadDim);
  d["padded_value_dim"] = length(f.paddedValueDim);
  return d;
}

/// The (size, stride) pairs of an #aie.bd_dim_layout_array, outermost
/// first; for an #aie.bd_dim_layout_array_array a list of such lists (one per
/// consumer). Raises TypeError for any other attribute.
static nb::list bdDimLayouts(MlirAttribute attr) {
  auto pairs = [](MlirAttribute array) -> std::optional<nb::list> {
    intptr_t n = attnAIEBDDimLayoutArrayGet(array, 0, nullptr, nullptr);
    if (n < 0)
      return std::nullopt;
    std::vector<int64_t> sizes(n), strides(n);
    attnAIEBDDimLayoutArrayGet(array, n, sizes.data(), strides.data());
    nb::list out;
    for (intptr_t i = 0; i < n; ++i)
      out.append(nb::make_tuple(sizes[i], strides[i]));
    return out;
  };
  if (std::optional<nb::list> dims = pairs(attr))
    return *dims;
  intptr_t n = attnAIEBDDimLayoutArrayArrayGetNumElements(attr);
  if (n < 0)
    throw nb::type_error("expected an #aie.bd_dim_layout_array or "
                         "#aie.bd_dim_layout_array_array attribute");
  nb::list out;
  for (intptr_t i = 0; i < n; ++i)
    out.append(*pairs(attnAIEBDDimLayoutArrayArrayGetElement(attr, i)));
  return out;
}

/// (object memref type, is_subview) of an !aie.objectfifo or
/// !aie.objectfifosubview type, or None for any other type.
static nb::object objectFifoObjectType(MlirType type) {
  bool subview = false;
  MlirType object = attnAIEObjectFifoTypeGetObjectType(type, &subview);
  if (mlirTypeIsNull(object))
    return nb::none();
  return nb::make_tuple(object, subview);
}

NB_MODULE(_attn, m) {
  m.doc() = "attn-aie native helpers";
  // Pass registration is global; do it once when the package loads so that
  // PassManager.parse can name attn-aie passes.
  attnRegisterAllPasses();

  m.def(
      "register_dialects",
      [](MlirDialectRegistry registry) { attnRegisterAllDialects(registry); },
      nb::arg("registry"),
      "Insert the attn-aie dialects into a DialectRegistry.");

  m.def("count_traffic", &countTraffic, nb::arg("operation"),
        "DRAM traffic of each aie.runtime_sequence under `operation`.");
  m.def("plan_fields", &planFields, nb::arg("attr"),
        "The fields of an #attn.plan attribute as a dict, or None.");
  m.def(
      "fold_name",
      [](MlirAttribute attr) -> nb::object {
        MlirStringRef name;
        if (!attnFoldAttrGetName(attr, &name))
          return nb::none();
        return nb::str(name.data, name.length);
      },
      nb::arg("attr"), "The fold of an #attn.fold attribute, or None.");
  m.def("bd_dim_layouts", &bdDimLayouts, nb::arg("attr"),
        "The (size, stride) pairs of an #aie.bd_dim_layout_array (a list of "
        "them per consumer for an #aie.bd_dim_layout_array_array).");
  m.def("objectfifo_object_type", &objectFifoObjectType, nb::arg("type"),
        "(object memref type, is_subview) of an !aie.objectfifo or "
        "!aie.objectfifosubview type, or None.");
  // attn.target and attn.dse: the C++ structs themselves.
  populateModelBindings(m);
}
