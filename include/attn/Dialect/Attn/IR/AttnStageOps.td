//===- AttnStageOps.td - folded/tiled attention stages -----*- tablegen -*-===//
//
// The ops attn-fold splits attn.attention into: attn.stage (one NPU
// dispatch; values crossing stage boundaries go through DRAM) and the
// stage-internal computations attn.qk, attn.softmax, attn.pv and
// attn.online_softmax_pv.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_DIALECT_ATTN_IR_ATTNSTAGEOPS_TD
#define ATTN_DIALECT_ATTN_IR_ATTNSTAGEOPS_TD

include "attn/Dialect/Attn/IR/AttnAttrs.td"
include "attn/Dialect/Attn/IR/AttnDialect.td"
include "attn/Dialect/Attn/IR/AttnOps.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// attn.stage / attn.yield
//===----------------------------------------------------------------------===//

def Attn_StageOp : Attn_Op<"stage",
    [IsolatedFromAbove, SingleBlock, RecursiveMemoryEffects]> {
  let summary = "one NPU dispatch of a folded attention layer";
  let description = [{
    A stage reads its operands from DRAM and writes its results to DRAM;
    everything computed inside its body stays on chip. A value flowing from
    one `attn.stage` to another is therefore a DRAM round trip. The body is
    a single block whose arguments are the operands (same types) and whose
    `attn.yield` returns the results.

    - `name`: what the stage computes: `qk`, `softmax`, `pv` (fold
      `unfolded`), `qk_softmax`, `pv` (fold `partial`) or `attention`
      (folds `full` and `online`).
    - `fold`: the `#attn.fold` mode that produced it.
    - `plan`: the `#attn.plan` attached by attn-tile (optional). When
      present, its padded lengths must cover the lengths of the stage-internal
      ops.
    - `matmul_type` (optional, attn-tile `allow-precision-loss`): the element
      type the stage's matmuls compute in when it is not the layer's own.
      Only `bf16` for an f16 or f32 layer: the kernels round the matmul
      operands to bf16 and run one bf16 pass instead of the multi-pass
      emulation the target table gives the layer's type (DRAM and L1 keep
      the layer's type; S and P stay f32).

    Example:

    ```mlir
    %s = attn.stage "qk" fold unfolded ins(%a = %q, %b = %k
           : tensor<1x12x128x64xbf16>, tensor<1x12x128x64xbf16>)
           -> tensor<1x12x128x128xf32> {
      %0 = attn.qk %a, %b : tensor<1x12x128x64xbf16>, tensor<1x12x128x64xbf16>
             -> tensor<1x12x128x128xf32>
      attn.yield %0 : tensor<1x12x128x128xf32>
    }
    ```
  }];

  let arguments = (ins
    Variadic<AnyRankedTensor>:$inputs,
    StrAttr:$name,
    Attn_FoldAttr:$fold,
    OptionalAttr<Attn_PlanAttr>:$plan,
    OptionalAttr<TypeAttr>:$matmul_type
  );
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let regions = (region SizedRegion<1>:$body);

  let hasCustomAssemblyFormat = 1;
  let hasVerifier = 1;
  let hasRegionVerifier = 1;

  let builders = [
    // Creates the body block with one argument per input; the caller fills
    // it and adds the attn.yield.
    OpBuilder<(ins "::mlir::TypeRange":$resultTypes,
                   "::mlir::ValueRange":$inputs, "::llvm::StringRef":$name,
                   "::mlir::attn::FoldKind":$fold)>
  ];

  let extraClassDeclaration = [{
    ::mlir::Block &getBodyBlock() { return getBody().front(); }
    /// The terminator (null while the body is being built).
    YieldOp getYield();
  }];
}

def Attn_YieldOp : Attn_Op<"yield",
    [Pure, Terminator, ReturnLike, HasParent<"StageOp">]> {
  let summary = "returns the DRAM results of an attn.stage";
  let arguments = (ins Variadic<AnyRankedTensor>:$values);
  let assemblyFormat = "attr-dict ($values^ `:` type($values))?";
  let builders = [OpBuilder<(ins), [{ build($_builder, $_state, {}); }]>];
}

//===----------------------------------------------------------------------===//
// Stage-internal computations
//===----------------------------------------------------------------------===//

def Attn_QKOp : Attn_Op<"qk", [Pure, AttrSizedOperandSegments]> {
  let summary = "masked, scaled scores S = scale * Q Kᵀ (+ bias, + mask)";
  let description = [{
    ```
    S[b,h,i,j] = scale * sum_d Q[b,h,i,d] * K[b,h/(H/Hkv),j,d] + bias + mask
    ```
    accumulated in f32 and rounded to the element type of the result
    (bf16, f16 or f32; attn-fold picks it). `S[b,h,i,j] = -inf` where the
    boolean mask is false, where the causal rule hides key `j` from query
    `i`, where `j >= valid_len[b]` or where `j >= key_len`.

    The result is always `[B, H, Lq, Lk]`; `layout` only describes Q and K
    (as for attn.attention). Operand rules are those of attn.attention:
    GQA (`H` a multiple of `Hkv`), mask/bias broadcastable to the scores,
    `valid_len` of type `tensor<Bxi32>`, `scale` default `1/sqrt(D)`.

    `key_len` / `query_len`: the number of real keys / queries when K / Q
    were padded (attn-pad-and-mask). Keys at or beyond `key_len` are masked,
    and causal alignment (`bottom_right`) uses these real lengths, so
    padding never changes which real keys a real query sees.
  }];

  let arguments = (ins
    AnyRankedTensor:$query,
    AnyRankedTensor:$key,
    Optional<AnyRankedTensor>:$mask,
    Optional<AnyRankedTensor>:$bias,
    Optional<AnyRankedTensor>:$valid_len,
    OptionalAttr<F64Attr>:$scale,
    DefaultValuedAttr<Attn_CausalKind, "::mlir::attn::CausalKind::none">:$causal,
    DefaultValuedAttr<Attn_LayoutKind, "::mlir::attn::LayoutKind::bhld">:$layout,
    OptionalAttr<I64Attr>:$key_len,
    OptionalAttr<I64Attr>:$query_len
  );
  let results = (outs AnyRankedTensor:$scores);

  let assemblyFormat = [{
    $query `,` $key
    (`mask` `(` $mask^ `:` type($mask) `)`)?
    (`bias` `(` $bias^ `:` type($bias) `)`)?
    (`valid_len` `(` $valid_len^ `:` type($valid_len) `)`)?
    (`causal` $causal^)?
    (`scale` $scale^)?
    (`layout` $layout^)?
    (`key_len` $key_len^)?
    (`query_len` $query_len^)?
    attr-dict `:` type($query) `,` type($key) `->` type($scores)
  }];

  let hasVerifier = 1;
}

def Attn_SoftmaxOp : Attn_Op<"softmax", [Pure]> {
  let summary = "row softmax of the scores";
  let description = [{
    `P = softmax(S)` over the last dimension of `S [B, H, Lq, Lk]`, computed
    in f32 and rounded to the result element type (bf16, f16 or f32). A row
    whose scores are all -inf gives zeros, never NaN. With `valid_len`,
    keys `j >= valid_len[b]` get probability 0 and rows `i >= valid_len[b]`
    are zero.
  }];

  let arguments = (ins
    AnyRankedTensor:$scores,
    Optional<AnyRankedTensor>:$valid_len
  );
  let results = (outs AnyRankedTensor:$probs);

  let assemblyFormat = [{
    $scores
    (`valid_len` `(` $valid_len^ `:` type($valid_len) `)`)?
    attr-dict `:` type($scores) `->` type($probs)
  }];

  let hasVerifier = 1;
}

def Attn_PVOp : Attn_Op<"pv", [Pure]> {
  let summary = "weighted sum of values O = P V";
  let description = [{
    `O[b,h] = P[b,h] · V[b,h/(H/Hkv)]` accumulated in f32, result in the
    element type of V. `P` is `[B, H, Lq, Lk]`; `layout` describes V and the
    result (`[B,Hkv,Lk,Dv]` / `[B,H,Lq,Dv]` for `bhld`). With `valid_len`,
    result rows `i >= valid_len[b]` are zero.
  }];

  let arguments = (ins
    AnyRankedTensor:$probs,
    AnyRankedTensor:$value,
    Optional<AnyRankedTensor>:$valid_len,
    DefaultValuedAttr<Attn_LayoutKind, "::mlir::attn::LayoutKind::bhld">:$layout
  );
  let results = (outs AnyRankedTensor:$result);

  let assemblyFormat = [{
    $probs `,` $value
    (`valid_len` `(` $valid_len^ `:` type($valid_len) `)`)?
    (`layout` $layout^)?
    attr-dict `:` type($probs) `,` type($value) `->` type($result)
  }];

  let hasVerifier = 1;
}

def Attn_OnlineSoftmaxPVOp : Attn_Op<"online_softmax_pv", [Pure]> {
  let summary = "softmax(S) V computed by streaming K/V blocks";
  let description = [{
    Mathematically `softmax(S) · V` with the zero-row rules of attn.softmax
    followed by attn.pv, computed flash-attention style: the key dimension
    is consumed in blocks of the stage plan's `kv_tile`, keeping a running
    row max and sum and rescaling the partial output. Operands as for
    attn.pv with the scores `S [B, H, Lq, Lk]` in place of `P`.
  }];

  let arguments = (ins
    AnyRankedTensor:$scores,
    AnyRankedTensor:$value,
    Optional<AnyRankedTensor>:$valid_len,
    DefaultValuedAttr<Attn_LayoutKind, "::mlir::attn::LayoutKind::bhld">:$layout
  );
  let results = (outs AnyRankedTensor:$result);

  let assemblyFormat = [{
    $scores `,` $value
    (`valid_len` `(` $valid_len^ `:` type($valid_len) `)`)?
    (`layout` $layout^)?
    attr-dict `:` type($scores) `,` type($value) `->` type($result)
  }];

  let hasVerifier = 1;
}

#endif // ATTN_DIALECT_ATTN_IR_ATTNSTAGEOPS_TD
