//===- Passes.td - attn to AIE passes ----------------------*- tablegen -*-===//

#ifndef ATTN_CONVERSION_ATTNTOAIE_PASSES_TD
#define ATTN_CONVERSION_ATTNTOAIE_PASSES_TD

include "mlir/Pass/PassBase.td"

def AttnScheduleDma : Pass<"attn-schedule-dma", "::mlir::ModuleOp"> {
  let summary = "plan every DMA transfer of every tiled attention stage";
  let description = [{
    For each `attn.stage` carrying an `#attn.plan` (attn-tile) with static
    padded shapes (attn-pad-and-mask), decides how the stage maps onto the
    NPU array of the plan's target and records every decision as the
    stage's `dma_schedule` dictionary: scalars as integers, the rest as typed
    attn attributes (FileCheck-readable; convert-attn-to-aie builds the
    devices from this record alone):

    - broadcast groups (`group_columns` adjacent columns sharing one K/V,
      K or V stream, their host memtile joining K and V -- and the rows of a
      key-only explicit mask/bias -- into one object)
      and how the query tiles of each kv head are split into units
      (`query_chunks`) and rounds; the cores used per column
      (`cores_per_column`, at most the plan's: fewer when that avoids
      cores repeating items);
    - the device's DRAM interface: its arguments (`arguments`), their sizes
      (`buffer_bytes`) and the padding the host does around the dispatch
      (`host_padding`, from attn-pad-and-mask's pads and slices: typed
      `{operand = i, logical = tensor<...>, device = tensor<...>}` entries,
      no `operand` for the result);
    - every object FIFO (`fifos`, `#attn.fifo`: name, producer and consumer
      tiles, the plan's depth, object memref type, the DRAM tensors and shim
      channel of a shim end, which stream it is, its group or column and
      core rows), every link (`links`, `#attn.link`: ins, outs, join/split
      offsets) and what each core runs (`cores`, `#attn.core`: tile, group,
      column and row, its FIFOs and runtime-parameter buffer);
    - the stage layout (include/attn/Analysis/StageLayout.h): every buffer
      of a core (`core_buffers`, `#attn.buffer`), the stack reserve, the
      bytes of every tile (`tile_memory`, `[column, row, bytes]`) and the
      per-core L1 and per-memtile L2 (`l1_bytes`, `l2_bytes`), which must
      fit the target at the plan's depth;
    - the runtime sequence (`sequence`): the shim transfers
      (`#attn.transfer`: FIFO, DRAM tensor, shim column, direction, channel,
      4-D access pattern offset/sizes/strides that cut tiles out of the
      DRAM layouts, `blhd` included; K arrives as key rows and the kernel's
      transposed-operand matmul does the in-block transpose; BD id,
      issue_token) and the waits (`#attn.wait`) that keep every shim
      channel's task queue and every shim's BD count within the target
      table's limits (`transfers`, `waits`, `max_batches_in_flight`);
    - the bytes each DRAM tensor moves (`bytes`) and the K/V re-read factor
      (`rounds_per_kv_head`).

    All limits come from the target table. A stage that cannot be scheduled
    gets an error at its location naming the limit. docs/aie-mapping.md
    describes the design.
  }];
  let options = [
    Option<"groupColumns", "kv-group-columns", "int64_t", /*default=*/"0",
           "Columns per broadcast group sharing one K/V stream (a divisor of "
           "the plan's columns; 0 chooses)">,
    Option<"queryChunks", "query-chunks", "int64_t", /*default=*/"0",
           "Chunks the query tiles of one kv head are cut into, each a unit "
           "of work for one broadcast group (0 chooses)">
  ];
  let dependentDialects = ["::mlir::attn::AttnDialect"];
  let statistics = [
    Statistic<"numScheduled", "scheduled-stages", "Stages scheduled">,
    Statistic<"numRejected", "rejected-stages",
              "Stages no schedule fits (an error names the limit)">,
    Statistic<"numFifos", "object-fifos", "Object FIFOs planned">,
    Statistic<"numTransfers", "shim-transfers",
              "Shim transfers in the runtime sequences">
  ];
}

def ConvertAttnToAIE : Pass<"convert-attn-to-aie", "::mlir::ModuleOp"> {
  let summary = "emit one aie.device per scheduled attention stage";
  let description = [{
    Replaces every function whose body holds `attn.stage` ops scheduled by
    attn-schedule-dma with one `aie.device(<target>)` per stage, named
    `@<function>_<stage>`: tiles, object FIFOs and links, `aie.core` bodies
    (loops over units, rounds and key blocks; acquire/release; calls to the
    kernels of docs/kernels.md declared
    `func.func private @attn_... attributes {link_with = "attn_kernels.o"}`),
    per-core runtime-parameter buffers for `valid_len`, and an
    `aie.runtime_sequence` whose arguments are the stage's DRAM tensors
    (flattened) in operand order followed by its result. Folds with several
    stages become several devices chained through the DRAM buffers of S and
    P. Everything comes from the stage's recorded `dma_schedule` (never
    re-planned): a hand-edited record is followed, a malformed or
    inconsistent one (unknown FIFO, a tile outside the array, a BD the shim
    lacks, an access pattern beyond its buffer, ...) is an error at the
    stage naming the field. The cores' scratch `aie.buffer`s are the
    recorded layout's; each device records the layout's bytes per tile
    (`attn.layout_memory`, verified by aie-check-limits) and the host side
    of its dispatch (`attn.host`: the function, stage, dispatch index, fold,
    plan and the `dma_schedule` converted to builtin attributes, since
    upstream mlir-aie parses the file). The function itself is replaced by
    its host program: an `aie.device` of the function's name whose runtime
    sequence takes every DRAM buffer of the layer and the valid_len scalars
    and dispatches the stage devices in order with upstream's
    `aiex.configure` / `aiex.run`; `attn.host_program` names each
    argument's role and the host padding per role.
  }];
  let statistics = [
    Statistic<"numDevices", "devices", "aie.device ops emitted">,
    Statistic<"numCores", "cores", "aie.core ops emitted">,
    Statistic<"numScratch", "scratch-buffers",
              "Core scratch aie.buffer ops allocated from the stage layout">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::attn::aie::AIEDialect",
    "::mlir::attn::aiex::AIEXDialect"
  ];
}

#endif // ATTN_CONVERSION_ATTNTOAIE_PASSES_TD
