//===- Passes.td - attn to CPU conversion passes ------------*- tablegen -*-===//

#ifndef ATTN_CONVERSION_ATTNTOCPU_PASSES_TD
#define ATTN_CONVERSION_ATTNTOCPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def AttnLowerToCPU : Pass<"attn-lower-to-cpu"> {
  let summary = "Lower attn ops (any IR level) to linalg/scf/arith/math/tensor";
  let description = [{
    Rewrites every attn operation into upstream dialects on tensors so that
    one-shot bufferization and the standard LLVM lowering can run it on the
    host with the MLIR ExecutionEngine. This is the numerical oracle of the
    compiler: folding, tiling, padding and masking are all checked against
    the float64 reference through it.

    - `attn.attention` (level 1) becomes a scores generic (Q·Kᵀ in f32),
      a masking generic (scale, bias, additive/boolean mask, causal rule,
      `valid_len`), a row softmax kept unnormalised, P·V and a final
      normalisation that writes zeros for rows without a visible key and
      for query rows at or beyond `valid_len`.
    - Stage-internal ops are lowered one by one with the same building
      blocks; inside an `attn.stage` carrying a plan they become `scf.for`
      nests over `q_tile` query rows and `kv_tile` keys (extract_slice /
      insert_slice), and `attn.online_softmax_pv` streams `kv_tile`-key
      blocks with the running row max, row sum and accumulator carried in
      `iter_args`. An `attn.qk` whose only use is such an
      `attn.online_softmax_pv` is fused into its key loop (the score block
      is computed from Q and K slices; S is never materialised, so memory
      stays O(L)). An `attn.qk` -> `attn.softmax` -> `attn.pv` chain of one
      stage (fold `full`) runs row tile by row tile: the whole score rows of
      `q_tile` queries, normalised, then multiplied with V (no full S or P).
      `attn.stage` regions are then inlined.

    bf16 and f16 operands are extended to f32 inside the generics and
    results are rounded back with `arith.truncf` (run `arith-expand
    {include-bf16}` before LLVM lowering on hosts without native bf16).
    GQA/MQA reshape the query heads into `[Hkv, H/Hkv]` with
    `tensor.expand_shape`, so every indexing map stays a projection. A mask
    or bias broadcasts along its static unit dimensions; a dynamic
    dimension of a mask or bias is taken to be full size.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def AttnLowerI1MemRefAccess : Pass<"attn-lower-i1-memref-access"> {
  let summary = "Lower i1 memref.load/store to byte-sized LLVM accesses";
  let description = [{
    Boolean masks arrive as `i1` tensors and, after bufferization, as
    `memref<...xi1>` with one byte per element (the layout numpy `bool`
    arrays have). The upstream memref-to-LLVM lowering of MLIR 22 rejects
    loads and stores of sub-byte element types, so this pass lowers exactly
    those: the address comes from the strided descriptor (one byte per i1),
    a load reads an `i8` and compares it with zero, a store writes the
    zero-extended byte. Run it after `expand-strided-metadata` and before
    `finalize-memref-to-llvm`; the remaining memref ops are left to that
    pass.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def AttnStridedCopyToLinalg : Pass<"attn-strided-copy-to-linalg"> {
  let summary = "Rewrite memref.copy between non-contiguous buffers as linalg.copy";
  let description = [{
    Bufferized tile loops copy between a tile buffer and a strided view of
    the full tensor. The LLVM lowering turns such a `memref.copy` into a call
    to `memrefCopy` of the `mlir_c_runner_utils` runtime library, which the
    attn-aie package does not ship; as `linalg.copy` it becomes plain loops
    (`convert-linalg-to-loops`). Copies between contiguous identity-layout
    buffers stay `memref.copy` (they lower to `llvm.memcpy`). Run after
    bufferization and before `convert-linalg-to-loops`.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

#endif // ATTN_CONVERSION_ATTNTOCPU_PASSES_TD
