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
    - `auto`: the fold of the fastest plan the cost model
      (docs/cost-model.md) finds for this layer on `target` among the plans
      attn-tile attaches with its default options (`cost::compilerSpace`:
      native matmul intrinsic, `fused` mapping, depth 2, no cascade, S/P in
      DRAM of `intermediate-type`; tiles, L2 blocks, columns and cores
      searched). attn-tile then attaches exactly that plan. Fallback to
      `online` (it streams K/V blocks, so it fits any length): when a size
      the model needs (B, H, Hkv, Lq, Lk, D, Dv, mask/bias shape) is
      dynamic, an element type has no cost-model kind, or the model finds
      no legal plan of any fold (e.g. no matmul intrinsic for the element
      type; attn-tile then reports why).
      With `explain=true` each layer gets a remark naming the chosen fold,
      its modeled latency and plan, and each fold's best modeled latency
      (or why none fits), or the reason for the fallback.

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
           "Target table entry the cost model of mode=auto uses (npu1, "
           "npu1_1col..npu1_3col, npu2, npu2_1col..npu2_7col)">,
    Option<"intermediateType", "intermediate-type", "std::string",
           /*default=*/"\"f32\"",
           "Element type of S and P where they cross DRAM (unfolded: S and "
           "P, partial: P): f32, bf16, f16, or input (the layer's element "
           "type). Each of S and P moves B*H*Lq*Lk elements twice (written, "
           "read back), so bf16/f16 halve that traffic compared with f32 at "
           "the cost of rounding. On-chip S/P (full, online) stay f32.">,
    Option<"explain", "explain", "bool", /*default=*/"false",
           "mode=auto: emit a remark per layer with the modeled latency of "
           "the chosen plan and of each fold's best plan (or the reason for "
           "the fallback to online)">,
    Option<"allowPrecisionLoss", "allow-precision-loss", "bool",
           /*default=*/"false",
           "mode=auto: cost f16/f32 matmuls as one bf16 pass (operands "
           "rounded), as attn-tile allow-precision-loss compiles them, "
           "instead of the target table's multi-pass emulation">,
  ];
}

def AttnTile : Pass<"attn-tile"> {
  let summary = "Attach a tiling #attn.plan to every attn.stage";
  let description = [{
    Picks, for every attention layer (the attn.stage ops connected by the
    tensors they pass), one plan and attaches an `#attn.plan` to each of
    its stages. Sizes come from the target table (core L1, core stack
    reserve, memtile L2, matmul intrinsic per element type, columns and core
    rows, DMA channels and limits); nothing is hard-coded.

    Plan choice:
    - Layers whose sizes are all static and whose stages form a whole fold
      get the cost model's fastest legal plan of that fold
      (docs/cost-model.md, `cost::explore` over `cost::compilerSpace`):
      q_tile, kv_tile, l2_q_block, l2_kv_block, columns and
      cores_per_column are searched (tiles: the intrinsic granule times
      powers of two, plus near-equal splits of a length that pad less,
      from 16 rows, or from the granule when no plan of 16+ rows fits),
      the options given are fixed, the intrinsic is the `datapath`'s (the
      native one of the element type by default; `bfp16`: [8, 8, 8], bf16
      on npu2; `auto`: both searched), S/P in DRAM keep the type attn-fold
      gave them. The
      attached plan is the one the model costed
      (`attn.dse.explore(..., space="attn-tile")` returns the same).
    - Otherwise (a dynamic size, or hand-written stages that are not a
      whole fold) the capacity rule: among the tile pairs that fit every
      stage's L1 it keeps those padding the score matrix least (exactly if
      any divides the lengths, else within 1/64 of the least), then the
      largest q_tile * kv_tile, then the larger q_tile; `l2_q_block` =
      query lanes per column x q_tile, `l2_kv_block` = kv_tile x
      cores_per_column capped at the padded key length and reduced a tile
      at a time until it fits L2; all columns, fewer when the layer has
      fewer query tiles than lanes. Channel limits are not checked on this
      path (they need the lengths).

    Rules (sizes are elements, footprints bytes), from
    `cost::stageBuffers`, the one buffer accounting the model also uses:
    - `q_tile` is a multiple of the intrinsic M, `kv_tile` of lcm(K, N);
      D is padded to K and Dv to N and kept whole (`head_dim_tile` =
      gcd of the padded dims).
    - Per core, every buffer a stage streams (Q, K, V, O, mask, bias, S, P
      tiles) is held `depth` times (Q k times more when l2_q_block holds k
      query tiles per lane); scratch (f32 score rows or tile, f32 output
      accumulator, row max/sum, valid_len runtime parameters) once. The
      sum must fit the core's L1 minus its stack reserve. `full` and
      `partial` hold the f32 score rows of a query tile (`q_tile` x padded
      Lk) and need a static key length.
    - Per memtile, the buffers fit L2. A stage the AIE back end emits is
      sized by the stage layout (`aiemap::memTileLayout`, which
      attn-schedule-dma plans with and aie-check-limits measures): the step
      object, the column's Q (S, P) split, the output join, and a K/V block
      of `l2_kv_block` keys when larger than `kv_tile`, times `depth`;
      otherwise the column's Q block (`l2_q_block` rows), the K/V block
      (`l2_kv_block` rows) and the lanes' output, mask, bias, S and P
      tiles, times `depth`.
    - `mapping=stream` runs the online fold's attention stage as a
      pipeline of 3 cores (QK | softmax | PV), so `cores_per_column` is
      a multiple of 3 and the largest per-core footprint must fit L1;
      the `full` and `partial` folds are rejected (no stream pipeline
      exists for them). One-op stages have no pipeline to form and are
      planned `fused`.
    - Padded lengths are the lengths rounded up to the tiles; a dynamic
      length gives `?` (the program loops over ceildiv(L, tile) tiles and
      masks the tail at run time).
    Explicit sizes that break a rule are errors naming the rule, the
    buffers and the bytes (reported for the smallest plan the options
    allow); when capacity is not the limit the error lists the limit every
    candidate violates. Existing plans are replaced.

    Element types: bf16 (and i8) use the target's native matmul. f16 and
    f32 have no matmul datapath on npu1/npu2; the target table runs them on
    the bf16 matmul as sums of bf16 partial products (AIE-API's f32
    emulation): f32 in 6 passes (3 bf16 terms per operand), f16 in 3 (2
    terms, exact for f16 values), at the bf16 intrinsic and 1/passes of
    its rate, costed so. With `allow-precision-loss` the stages of an f16
    or f32 layer get `matmul_type = bf16` instead: the kernels round the
    matmul operands to bf16 and run one pass (bf16 rate, bf16 accuracy),
    reported as a remark on each layer.
  }];
  let dependentDialects = ["::mlir::attn::AttnDialect"];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"npu2\"",
           "Target table entry: npu1, npu1_1col..npu1_3col, npu2, "
           "npu2_1col..npu2_7col">,
    Option<"qTile", "q-tile", "int64_t", /*default=*/"0",
           "Query rows per core step (L1 tile); 0 picks (cost model, or the "
           "largest legal for dynamic layers)">,
    Option<"kvTile", "kv-tile", "int64_t", /*default=*/"0",
           "Keys per core step (L1 tile; the streaming block of the online "
           "fold); 0 picks (cost model, or the largest legal for dynamic "
           "layers)">,
    Option<"l2QBlock", "l2-q-block", "int64_t", /*default=*/"0",
           "Query rows a column stages per round (L2): q-tile x the query lanes "
           "of a column x k (k query tiles per lane); 0 picks">,
    Option<"l2KvBlock", "l2-kv-block", "int64_t", /*default=*/"0",
           "Keys per memtile (L2) block, a multiple of kv-tile; 0 picks">,
    Option<"columns", "columns", "int64_t", /*default=*/"0",
           "Array columns used; 0 picks">,
    Option<"coresPerColumn", "cores-per-column", "int64_t", /*default=*/"0",
           "Cores used per column; 0 picks (a multiple of the pipeline "
           "length for mapping=stream)">,
    Option<"kvSplit", "kv-split", "int64_t", /*default=*/"0",
           "Cores of a cascade chain splitting the keys of one query tile "
           "(online fold, fused mapping): a power of two dividing "
           "cores-per-column; 1 = no cascade; 0 picks (the cost model)">,
    Option<"depth", "depth", "int64_t", /*default=*/"2",
           "Objectfifo depth of every streamed buffer (2 = double "
           "buffering)">,
    Option<"mapping", "mapping", "std::string", /*default=*/"\"fused\"",
           "fused (each core runs the whole stage on its query tiles) or "
           "stream (QK, softmax and PV cores in a pipeline)">,
    Option<"datapath", "datapath", "std::string", /*default=*/"\"native\"",
           "Matmul datapath: native (the element type's intrinsic), bfp16 "
           "(bf16 layers on npu2: operands rounded to bfp16ebs8 blocks, "
           "8x8x8 block-float matmul, kernels built with ATTN_BFP16=1) or "
           "auto (the cost model picks the faster; static layers only)">,
    Option<"allowPrecisionLoss", "allow-precision-loss", "bool",
           /*default=*/"false",
           "f16/f32 layers: round matmul operands to bf16 and multiply in "
           "one bf16 pass (stages get matmul_type = bf16, reported as a "
           "remark) instead of the multi-pass bf16 emulation of the target "
           "table">,
  ];
}

// attn-sparsify (branch shadow; shadowAttn, docs/sparse.md).
def AttnSparsify : Pass<"attn-sparsify"> {
  let summary = "Rewrite attn.attention into int8 pilot -> top-k -> sparse attention";
  let description = [{
    shadowAttn: every `attn.attention` becomes

    ```
    %qq, %qs = attn.quantize %q block <q-block>      // int8 + f32 scales
    %kq, %ks = attn.quantize %k block <k-block>
    %s   = attn.pilot_qk %qq, %kq scales(%qs, %ks)   // estimated scores
    %idx = attn.topk %s head_budgets [k_0, ..., k_H-1]
    %o   = attn.sparse_attention %q, %k, %v, %idx    // exact, selected keys
    ```

    The pilot carries the layer's causal rule, `valid_len`, scale and
    layout (hidden keys are never selected); mask and bias go to the exact
    stage only, which applies every rule of the layer exactly to the
    selected keys.

    Per-head key budgets `k_h` (the `head_budgets` of attn.topk; its
    result has `N = max_h k_h` slots) come from exactly one source:
    - `keep=<f>`: `k_h = ceil(f * Lk)` for every head (static Lk);
    - `budget=<n>`: `k_h = min(n, Lk)` (any Lk);
    - `per-head-ratios=<file>`: a text file with one keep fraction per
      query head (whitespace separated; `#` starts a comment),
      `k_h = ceil(r_h * Lk)` (static Lk);
    - none of these: the `attn.head_keep` attribute of the op
      (`array<f64: r_0, ...>`, one fraction per head; written by
      `attn.sparse.calibrate`), same rule.
    Budgets are clamped to `[1, Lk]`. Fractions must lie in (0, 1]. Rows
    that see fewer keys than `k_h` (causal, `valid_len`) keep all visible
    keys.
  }];
  let dependentDialects = ["::mlir::attn::AttnDialect"];
  let options = [
    Option<"keep", "keep", "double", /*default=*/"0.0",
           "Fraction of the keys kept per query row, in (0, 1] (0: unset)">,
    Option<"budget", "budget", "int64_t", /*default=*/"0",
           "Keys kept per query row (0: unset); exclusive with keep">,
    Option<"perHeadRatios", "per-head-ratios", "std::string",
           /*default=*/"\"\"",
           "File with one keep fraction per query head (overrides the "
           "attn.head_keep attribute); exclusive with keep and budget">,
    Option<"pilot", "pilot", "std::string", /*default=*/"\"int8\"",
           "Pilot precision; int8 (the NPU int8 matmul intrinsic) is the "
           "only one">,
    Option<"qBlock", "q-block", "int64_t", /*default=*/"64",
           "Query rows sharing one int8 scale (per head)">,
    Option<"kBlock", "k-block", "int64_t", /*default=*/"64",
           "Keys sharing one int8 scale (per key/value head)">,
  ];
}

#endif // ATTN_DIALECT_ATTN_TRANSFORMS_PASSES_TD
