//===- Passes.td - attn dialect passes ---------------------*- tablegen -*-===//
//
// Options declared here are the single definition: attn-opt --help, the
// generated docs and the Python option dataclasses
// (python/attn/pipeline_options.py, checked by test/python) all follow them.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_DIALECT_ATTN_TRANSFORMS_PASSES_TD
#define ATTN_DIALECT_ATTN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

// attn-pad-and-mask (written on branch cpu-path; kept apart from attn-fold
// and attn-tile below).
def AttnPadAndMask : Pass<"attn-pad-and-mask"> {
  let summary = "Pad planned stages to whole tiles and mask the padding";
  let description = [{
    Makes every `attn.stage` that carries an `#attn.plan` compute on whole
    tiles. Inside the stage (the DRAM tensors keep their real sizes; the
    padding is what the DMAs produce on the way on chip) each operand of a
    stage-internal op is padded high with `tensor.pad` to the plan's
    `padded_q_len`, `padded_kv_len`, `padded_head_dim` and
    `padded_value_dim`:

    - Q, K, V, P, additive masks and biases with 0, boolean masks with
      `false`, scores read by `attn.softmax` / `attn.online_softmax_pv`
      with -inf.
    - `attn.qk` gets `key_len` and `query_len` (the real lengths): padded
      keys are -inf before any softmax, so no row sum includes padding, and
      causal alignment (`bottom_right`) is that of the real lengths. Its
      scale is made explicit (1/sqrt of the real D) before D is padded.
    - Results are sliced back to the real sizes (`tensor.extract_slice`)
      before `attn.yield`, so padded query rows and value columns never
      leave the stage.

    A fully padded query row has no visible key and gives zeros (never
    NaN). A runtime `valid_len` stays an operand of the stage: one program
    serves every length. Dynamic lengths (plan `?`) are not padded; the tile
    loops mask the tail at run time. Stages without a plan are left alone;
    running the pass twice changes nothing.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def AttnFold : Pass<"attn-fold"> {
  let summary = "Split attn.attention into attn.stage dispatches";
  let description = [{
    Rewrites every `attn.attention` into `attn.stage` ops (one NPU dispatch
    each; a value passed from one stage to the next goes through DRAM):

    - `unfolded`: stage "qk" (`attn.qk`) → S → stage "softmax" → P →
      stage "pv" (`attn.pv`).
    - `partial`: stage "qk_softmax" (`attn.qk` + `attn.softmax`) → P →
      stage "pv".
    - `full`: stage "attention" (`attn.qk` + `attn.softmax` + `attn.pv`);
      the whole score rows of a query tile stay on chip.
    - `online`: stage "attention" (`attn.qk` + `attn.online_softmax_pv`),
      streaming K/V blocks with a running max and sum; any key length.
    - `auto`: `full` when a full-fold stage of this layer has a legal tiling
      on `target` with attn-tile's default choices (the score rows of the
      smallest query tile, and every other buffer of the stage,
      double-buffered, fit a core's L1 and the L2 blocks fit a memtile);
      otherwise `online`. A dynamic key length always gives `online`.
      This capacity rule stands in until a cost model replaces it.

    Mask, bias and `valid_len` go to `attn.qk` (keys masked to -inf);
    `valid_len` also goes to `attn.pv` / `attn.online_softmax_pv` (rows of
    padding queries are zero). `causal` and `layout` are carried over. The
    scale is made explicit (`1/sqrt(D)` when the layer had none) so that
    padding D later does not change it; with a dynamic D and no scale the
    `attn.qk` keeps the default, computed from D at run time.

    Dynamic dimensions fold as they are: stage ops have value semantics and
    their result types keep `?` where the layer has it; all sizes are taken
    from the operands at run time.
  }];
  let dependentDialects = ["::mlir::attn::AttnDialect"];
  let options = [
    Option<"mode", "mode", "std::string", /*default=*/"\"auto\"",
           "Fold: auto, unfolded, partial, full or online">,
    Option<"target", "target", "std::string", /*default=*/"\"npu2\"",
           "Target table entry used by mode=auto (npu1, npu1_1col..npu1_3col, "
           "npu2, npu2_1col..npu2_7col)">,
    Option<"intermediateType", "intermediate-type", "std::string",
           /*default=*/"\"f32\"",
           "Element type of S and P where they cross DRAM (unfolded: S and "
           "P, partial: P): f32, bf16, f16, or input (the layer's element "
           "type). Each of S and P moves B*H*Lq*Lk elements twice (written, "
           "read back), so bf16/f16 halve that traffic compared with f32 at "
           "the cost of rounding. On-chip S/P (full, online) stay f32.">,
  ];
}

def AttnTile : Pass<"attn-tile"> {
  let summary = "Attach a tiling #attn.plan to every attn.stage";
  let description = [{
    Picks, for every attention layer (the attn.stage ops connected by the
    tensors they pass), one set of tile sizes and attaches an `#attn.plan`
    to each of its stages. Sizes come from the target table (core L1, core
    stack reserve, memtile L2, matmul intrinsic per element type, columns
    and core rows); nothing is hard-coded.

    Rules (sizes are elements, footprints bytes):
    - `q_tile` is a multiple of the intrinsic M, `kv_tile` of lcm(K, N),
      the head dimension is padded to lcm(K, N) and kept whole
      (`head_dim_tile` = padded D).
    - Per core, every buffer a stage streams (Q, K, V, O, mask, bias, S, P
      tiles) is held `depth` times; scratch (f32 score rows or tile, f32
      output accumulator, row max/sum) once. The sum must fit the core's L1
      minus its stack reserve. `full` and `partial` hold the f32 score rows
      of a query tile (`q_tile` x padded Lk) and need a static key length.
    - Per column, every streamed L2 block (`l2_q_block` rows of Q/O/S/P,
      `l2_kv_block` rows of K/V) times `depth` fits one memtile.
    - Without explicit sizes the pass considers tiles that are the
      intrinsic granule times a power of two, and (static lengths) the
      tiles that split a length into up to 64 near-equal parts rounded up
      to the granule. Among the pairs that fit every stage of the layer it
      keeps those that divide the lengths exactly if any does, otherwise
      those padding the score matrix at most 1/64 more than the
      least-padding pair, and of those takes the largest
      q_tile * kv_tile, then the larger q_tile.
      `l2_q_block` = q_tile x (pipelines per column), `l2_kv_block` =
      kv_tile x cores_per_column, both capped at the padded lengths and
      reduced a tile at a time until they fit L2.
    - `mapping=stream` splits a multi-op stage into a pipeline of cores
      (attention: QK | softmax | PV, qk_softmax: QK | softmax), so
      `cores_per_column` is a multiple of the pipeline length and the
      largest per-core footprint must fit L1. One-op stages have no
      pipeline to form and are planned `fused`.
    - Padded lengths are the lengths rounded up to the tiles; a dynamic
      length gives `?` (the program loops over ceildiv(L, tile) tiles and
      masks the tail at run time).
    Explicit sizes that break a rule are errors naming the rule, the
    buffers and the bytes. Existing plans are replaced.
  }];
  let dependentDialects = ["::mlir::attn::AttnDialect"];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"npu2\"",
           "Target table entry: npu1, npu1_1col..npu1_3col, npu2, "
           "npu2_1col..npu2_7col">,
    Option<"qTile", "q-tile", "int64_t", /*default=*/"0",
           "Query rows per core step (L1 tile); 0 picks the largest legal">,
    Option<"kvTile", "kv-tile", "int64_t", /*default=*/"0",
           "Keys per core step (L1 tile; the streaming block of the online "
           "fold); 0 picks the largest legal">,
    Option<"l2QBlock", "l2-q-block", "int64_t", /*default=*/"0",
           "Query rows per memtile (L2) block, a multiple of q-tile; 0 picks">,
    Option<"l2KvBlock", "l2-kv-block", "int64_t", /*default=*/"0",
           "Keys per memtile (L2) block, a multiple of kv-tile; 0 picks">,
    Option<"columns", "columns", "int64_t", /*default=*/"0",
           "Array columns used; 0 picks (all columns of the target, fewer "
           "when the layer has fewer query tiles)">,
    Option<"coresPerColumn", "cores-per-column", "int64_t", /*default=*/"0",
           "Cores used per column; 0 picks (all core rows, rounded down to a "
           "multiple of the pipeline length for mapping=stream)">,
    Option<"depth", "depth", "int64_t", /*default=*/"2",
           "Objectfifo depth of every streamed buffer (2 = double "
           "buffering)">,
    Option<"mapping", "mapping", "std::string", /*default=*/"\"fused\"",
           "fused (each core runs the whole stage on its query tiles) or "
           "stream (QK, softmax and PV cores in a pipeline)">,
  ];
}

#endif // ATTN_DIALECT_ATTN_TRANSFORMS_PASSES_TD
