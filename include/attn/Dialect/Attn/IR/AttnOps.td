//===- AttnOps.td - attn dialect operations ----------------*- tablegen -*-===//

#ifndef ATTN_DIALECT_ATTN_IR_ATTNOPS_TD
#define ATTN_DIALECT_ATTN_IR_ATTNOPS_TD

include "attn/Dialect/Attn/IR/AttnDialect.td"
include "attn/Dialect/Attn/IR/AttnAttrs.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/OpBase.td"

class Attn_Op<string mnemonic, list<Trait> traits = []>
    : Op<Attn_Dialect, mnemonic, traits>;

// Element types and ranks are checked by the verifier, which names the
// operand (ODS constraint messages only give operand numbers).

def Attn_AttentionOp : Attn_Op<"attention",
    [Pure, AttrSizedOperandSegments]> {
  let summary = "scaled dot-product attention (tensor level)";
  let description = [{
    Computes, per batch `b` and query head `h`,

    ```
    S = scale * Q[b,h] · K[b,h / (H/Hkv)]ᵀ  (+ bias) (+ additive mask)
    S[i,j] = -inf where the boolean mask is false, where the causal rule
             hides key j from query i, or where j >= valid_len[b]
    O[b,h] = softmax_rows(S) · V[b,h / (H/Hkv)]
    ```

    Shapes in the default `bhld` layout: Q `[B,H,Lq,D]`, K `[B,Hkv,Lk,D]`,
    V `[B,Hkv,Lk,Dv]`, result `[B,H,Lq,Dv]`; with `layout blhd` the length
    and head dimensions swap places in all four. `H` must be a multiple of
    `Hkv` (MHA: equal, GQA: a divisor, MQA: 1). Element types are bf16, f16
    or f32 and agree across Q, K, V and the result. Any dimension may be
    dynamic (`?`); relations are checked where both sides are static.

    Optional operands:
    - `mask`: `i1` keep-mask (true = attend) or an additive float mask,
      broadcastable (numpy rules, aligned right) to `[B,H,Lq,Lk]`.
    - `bias`: additive float tensor, broadcastable to `[B,H,Lq,Lk]`.
    - `valid_len`: `tensor<Bxi32>`; key and query positions at or beyond
      `valid_len[b]` are padding. Padding keys get no weight and result rows
      of padding queries are zero.

    Attributes: `scale` (default `1/sqrt(D)`), `causal` (`none`,
    `top_left`, `bottom_right`; see `#attn.causal`), `layout` (`bhld`,
    `blhd`). A query row whose keys are all masked produces zeros, never NaN.

    NaN and infinities follow IEEE arithmetic, as in PyTorch's
    `scaled_dot_product_attention`: a NaN among a row's visible scores (from
    Q, K, `bias` or an additive `mask`, or `inf - inf`) makes the whole
    result row NaN, and so does a `+inf` score (`exp(inf - inf)`); `-inf`
    scores are masking (a row whose scores are all `-inf` is a row without
    visible keys: zeros). A score hidden by the boolean mask, the causal rule
    or `valid_len` is replaced by `-inf` whatever its value. NaN or `inf` in V
    reaches the result rows that give its key a nonzero weight; a key of
    weight 0 (hidden, or underflowed) contributes nothing, not even `0 * inf`.

    Sizes: every operand and result, and the f32 score matrix
    `[B, H, Lq, Lk]`, must be at most 2^48 bytes (what the compiler
    represents; size arithmetic is overflow-checked).

    Example:

    ```mlir
    %o = attn.attention %q, %k, %v valid_len(%n : tensor<2xi32>)
           causal bottom_right scale 1.250000e-01
           : tensor<2x32x?x64xbf16>, tensor<2x8x?x64xbf16>,
             tensor<2x8x?x64xbf16> -> tensor<2x32x?x64xbf16>
    ```
  }];

  let arguments = (ins
    AnyRankedTensor:$query,
    AnyRankedTensor:$key,
    AnyRankedTensor:$value,
    Optional<AnyRankedTensor>:$mask,
    Optional<AnyRankedTensor>:$bias,
    Optional<AnyRankedTensor>:$valid_len,
    OptionalAttr<F64Attr>:$scale,
    DefaultValuedAttr<Attn_CausalKind, "::mlir::attn::CausalKind::none">:$causal,
    DefaultValuedAttr<Attn_LayoutKind, "::mlir::attn::LayoutKind::bhld">:$layout
  );
  let results = (outs AnyRankedTensor:$result);

  let assemblyFormat = [{
    $query `,` $key `,` $value
    (`mask` `(` $mask^ `:` type($mask) `)`)?
    (`bias` `(` $bias^ `:` type($bias) `)`)?
    (`valid_len` `(` $valid_len^ `:` type($valid_len) `)`)?
    (`causal` $causal^)?
    (`scale` $scale^)?
    (`layout` $layout^)?
    attr-dict `:` type($query) `,` type($key) `,` type($value) `->` type($result)
  }];

  let hasVerifier = 1;

  let extraClassDeclaration = [{
    /// Logical sizes, independent of the layout (ShapedType::kDynamic when
    /// dynamic).
    int64_t getBatchSize();
    int64_t getNumHeads();
    int64_t getNumKVHeads();
    int64_t getQueryLength();
    int64_t getKeyLength();
    int64_t getHeadDim();
    int64_t getValueDim();
    /// The scale actually applied: the attribute or 1/sqrt(D). Fails
    /// (returns std::nullopt) when D is dynamic and no scale is given.
    std::optional<double> getEffectiveScale();
    /// True if `mask` is a boolean keep-mask (false: additive or absent).
    bool hasBooleanMask();
  }];
}

#endif // ATTN_DIALECT_ATTN_IR_ATTNOPS_TD
