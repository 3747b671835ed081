//===- AttnExtension.cpp - attn-aie native Python module ------------------===//
//
// `attn._mlir_libs._attn`: dialect/pass registration (reached through
// `_site_initialize_0` for every Context) and project-level native helpers.
//
//===----------------------------------------------------------------------===//

#include "attn-c/Analysis.h"
#include "attn-c/CostModel.h"
#include "attn-c/Dialects.h"
#include "attn-c/Target.h"

#include "mlir/Bindings/Python/Nanobind.h"
#include "mlir/Bindings/Python/NanobindAdaptors.h"

#include <nanobind/stl/string.h>

#include <cstdint>
#include <string>

namespace nb = nanobind;

static std::string toString(MlirStringRef ref) {
  return std::string(ref.data, ref.length);
}

/// The target table entry `name` as a plain dict (None if unknown); the
/// typed Python view is attn.target.
static nb::object targetInfo(const std::string &name) {
  AttnTargetInfo info;
  if (!attnTargetLookup(mlirStringRefCreate(name.data(), name.size()), &info))
    return nb::none();
  nb::dict d;
  d["name"] = toString(info.name);
  d["family"] = toString(info.family);
  d["arch"] = toString(info.arch);
  d["num_columns"] = info.numColumns;
  d["num_rows"] = info.numRows;
  d["shim_row"] = info.shimRow;
  d["mem_tile_row"] = info.memTileRow;
  d["first_core_row"] = info.firstCoreRow;
  d["num_core_rows"] = info.numCoreRows;
  d["core_l1_bytes"] = info.coreL1Bytes;
  d["mem_tile_l2_bytes"] = info.memTileL2Bytes;
  d["core_stack_reserve_bytes"] = info.coreStackReserveBytes;
  d["core_locks"] = info.coreLocks;
  d["mem_tile_locks"] = info.memTileLocks;
  d["shim_locks"] = info.shimLocks;
  d["object_fifo_locks_per_endpoint"] = info.objectFifoLocksPerEndpoint;
  d["shim_task_queue_depth"] = info.shimTaskQueueDepth;
  d["shim_repeat_count_max"] = info.shimRepeatCountMax;
  d["mem_tile_link_fan_out_max"] = info.memTileLinkFanOutMax;
  d["stream_bytes_per_cycle"] = info.streamBytesPerCycle;
  d["exp_cycles_per_element"] = info.expCyclesPerElement;
  d["exp_cost_is_assumption"] = info.expCostIsAssumption;
  d["row_reduce_cycles"] = info.rowReduceCycles;
  d["kernel_call_overhead_cycles"] = info.kernelCallOverheadCycles;
  d["clock_hz"] = info.clockHz;
  d["dram_bytes_per_second"] = info.dramBytesPerSecond;
  d["dram_bandwidth_is_assumption"] = info.dramBandwidthIsAssumption;
  d["dispatch_overhead_seconds"] = info.dispatchOverheadSeconds;
  d["dispatch_overhead_is_assumption"] = info.dispatchOverheadIsAssumption;
  nb::dict tiles;
  for (int i = 0; i < ATTN_NUM_TILE_KINDS; ++i) {
    const AttnTileKindInfo &t = info.tiles[i];
    nb::dict tile, dma;
    tile["s2mm_channels"] = t.s2mmChannels;
    tile["mm2s_channels"] = t.mm2sChannels;
    tile["buffer_descriptors"] = t.bufferDescriptors;
    tile["locks"] = t.locks;
    dma["max_dims"] = t.dma.maxDims;
    dma["max_object_fifo_dims"] = t.dma.maxObjectFifoDims;
    dma["max_size"] = t.dma.maxSize;
    dma["max_outer_size"] = t.dma.maxOuterSize;
    dma["max_stride_words"] = t.dma.maxStrideWords;
    dma["unit_bytes"] = t.dma.unitBytes;
    tile["dma"] = dma;
    tiles[toString(attnTargetTileKindName(i)).c_str()] = tile;
  }
  d["tiles"] = tiles;
  nb::dict elements;
  for (int i = 0; i < ATTN_NUM_ELEMENT_KINDS; ++i) {
    const AttnElementKindInfo &e = info.elements[i];
    nb::dict elem;
    elem["macs_per_cycle"] = e.macsPerCycle;
    elem["intrinsic"] =
        nb::make_tuple(e.intrinsicM, e.intrinsicK, e.intrinsicN);
    elem["kernel_efficiency"] = e.kernelEfficiency;
    elem["vector_lanes"] = e.vectorLanes;
    elem["bf16_splits"] = e.bf16Splits;
    elements[toString(attnTargetElementKindName(i)).c_str()] = elem;
  }
  d["elements"] = elements;
  d["vector_pass_cycles_per_element"] = info.vectorPassCyclesPerElement;
  d["vector_pass_cost_is_assumption"] = info.vectorPassCostIsAssumption;
  {
    const AttnElementKindInfo &e = info.bf16ViaBfp16;
    nb::dict elem;
    elem["macs_per_cycle"] = e.macsPerCycle;
    elem["intrinsic"] =
        nb::make_tuple(e.intrinsicM, e.intrinsicK, e.intrinsicN);
    elem["kernel_efficiency"] = e.kernelEfficiency;
    elem["vector_lanes"] = e.vectorLanes;
    elem["bf16_splits"] = e.bf16Splits;
    d["bf16_via_bfp16"] = elem;
  }
  d["dram_joules_per_byte"] = info.dramJoulesPerByte;
  d["joules_per_mac"] = info.joulesPerMac;
  d["energy_is_assumption"] = info.energyIsAssumption;
  return d;
}

/// Runs one cost-model request (attn-c/CostModel.h); returns (ok, response)
/// with the JSON response text.
static nb::tuple costModelRun(const std::string &request) {
  std::string response;
  MlirLogicalResult result = attnCostModelRun(
      mlirStringRefCreate(request.data(), request.size()),
      [](MlirStringRef piece, void *user) {
        static_cast<std::string *>(user)->append(piece.data, piece.length);
      },
      &response);
  return nb::make_tuple(mlirLogicalResultIsSuccess(result), response);
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
  d["mapping"] = toString(f.mapping);
  d["depth"] = f.depth;
  d["padded_q_len"] = length(f.paddedQLen);
  d["padded_kv_len"] = length(f.paddedKvLen);
  d["padded_head_dim"] = length(f.paddedHeadDim);
  d["padded_value_dim"] = length(f.paddedValueDim);
  return d;
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
  m.def("target_info", &targetInfo, nb::arg("name"),
        "The NPU target table entry `name` as a dict, or None if unknown.");
  m.def(
      "target_names",
      [] {
        nb::list names;
        for (intptr_t i = 0, e = attnTargetGetNumNames(); i < e; ++i)
          names.append(toString(attnTargetGetName(i)));
        return names;
      },
      "Names of every NPU target in the table.");
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
  m.def("cost_model_run", &costModelRun, nb::arg("request"),
        "Run a JSON cost-model request; returns (ok, JSON response).");
}
