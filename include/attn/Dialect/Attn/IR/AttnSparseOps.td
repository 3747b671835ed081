//===- AttnSparseOps.td - shadowAttn sparse attention ops --*- tablegen -*-===//
//
// The ops attn-sparsify rewrites attn.attention into (shadowAttn): an int8
// pilot estimate of the scores (attn.quantize + attn.pilot_qk), a per-row
// top-k selection of keys (attn.topk) and exact attention over the selected
// keys only (attn.sparse_attention).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_DIALECT_ATTN_IR_ATTNSPARSEOPS_TD
#define ATTN_DIALECT_ATTN_IR_ATTNSPARSEOPS_TD

include "attn/Dialect/Attn/IR/AttnAttrs.td"
include "attn/Dialect/Attn/IR/AttnDialect.td"
include "attn/Dialect/Attn/IR/AttnOps.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Attn_QuantizeOp : Attn_Op<"quantize", [Pure]> {
  let summary = "symmetric int8 quantization with one scale per row block";
  let description = [{
    Quantizes a 4-D Q or K operand (`[B, H, L, D]` for `layout bhld`,
    `[B, L, H, D]` for `blhd`) to `i8` with one f32 scale per batch, head and
    block of `block` consecutive rows (positions along L):

    ```
    scale[b,h,c] = max(|x[b,h,l,d]| : c*block <= l < (c+1)*block) / 127
    xq[b,h,l,d]  = clamp(roundeven(x[b,h,l,d] / scale[b,h,l/block]), -127, 127)
    ```

    A block whose elements are all zero has scale 0 and quantized values 0.
    The quantized tensor has the shape and layout of the input; the scales
    are `[B, H, ceildiv(L, block)]`. Per-block rather than per-head scales
    keep the resolution of ordinary rows when a few rows (attention sinks,
    outlier tokens) have a much larger norm. The input must be finite (the
    Python API checks it); non-finite values give unspecified results.

    Example:

    ```mlir
    %kq, %ks = attn.quantize %k block 64
                 : tensor<1x8x256x64xbf16> -> tensor<1x8x256x64xi8>, tensor<1x8x4xf32>
    ```
  }];

  let arguments = (ins
    AnyRankedTensor:$input,
    I64Attr:$block,
    DefaultValuedAttr<Attn_LayoutKind, "::mlir::attn::LayoutKind::bhld">:$layout
  );
  let results = (outs AnyRankedTensor:$quantized, AnyRankedTensor:$scales);

  let assemblyFormat = [{
    $input `block` $block (`layout` $layout^)?
    attr-dict `:` type($input) `->` type($quantized) `,` type($scales)
  }];

  let hasVerifier = 1;
}

def Attn_PilotQKOp : Attn_Op<"pilot_qk", [Pure]> {
  let summary = "low-precision score estimate from int8 Q and K (the pilot)";
  let description = [{
    The shadowAttn pilot: an estimate of the attention scores computed from
    int8 operands (the NPU's int8 matmul intrinsic), used only to choose
    which keys the exact stage attends to.

    ```
    S~[b,h,i,j] = scale * qs[b,h,i/q_block] * ks[b,h/(H/Hkv),j/k_block]
                  * sum_d int32(Q8[b,h,i,d]) * int32(K8[b,h/(H/Hkv),j,d])
    ```

    with the products accumulated exactly in i32 (|sum| <= D * 127^2, so
    the verifier limits D to (2^31 - 1) / 127^2 = 133144). Keys hidden by the
    causal rule or at or beyond `valid_len[b]` get -inf, as in `attn.qk`;
    explicit masks and biases are not part of the estimate (the exact stage
    applies them). `query_scales` / `key_scales` are the `attn.quantize`
    scales `[B, H, ceildiv(Lq, q_block)]` / `[B, Hkv, ceildiv(Lk,
    k_block)]`. The result is always `[B, H, Lq, Lk]` f32; `layout`
    describes Q8 and K8. `scale` defaults to `1/sqrt(D)`.

    Example:

    ```mlir
    %s = attn.pilot_qk %qq, %kq scales(%qs, %ks : tensor<1x8x256xf32>,
           tensor<1x2x4xf32>) causal bottom_right q_block 1 k_block 64
           : tensor<1x8x256x64xi8>, tensor<1x2x256x64xi8>
           -> tensor<1x8x256x256xf32>
    ```
  }];

  let arguments = (ins
    AnyRankedTensor:$query,
    AnyRankedTensor:$key,
    AnyRankedTensor:$query_scales,
    AnyRankedTensor:$key_scales,
    Optional<AnyRankedTensor>:$valid_len,
    OptionalAttr<F64Attr>:$scale,
    DefaultValuedAttr<Attn_CausalKind, "::mlir::attn::CausalKind::none">:$causal,
    DefaultValuedAttr<Attn_LayoutKind, "::mlir::attn::LayoutKind::bhld">:$layout,
    I64Attr:$q_block,
    I64Attr:$k_block
  );
  let results = (outs AnyRankedTensor:$scores);

  let assemblyFormat = [{
    $query `,` $key
    `scales` `(` $query_scales `,` $key_scales `:` type($query_scales) `,` type($key_scales) `)`
    (`valid_len` `(` $valid_len^ `:` type($valid_len) `)`)?
    (`causal` $causal^)?
    (`scale` $scale^)?
    (`layout` $layout^)?
    `q_block` $q_block `k_block` $k_block
    attr-dict `:` type($query) `,` type($key) `->` type($scores)
  }];

  let hasVerifier = 1;
}

def Attn_PilotQKRowsOp : Attn_Op<"pilot_qk_rows", [Pure]> {
  let summary = "the pilot on the NPU row format (int8 rows with their scale)";
  let description = [{
    `attn.pilot_qk` on the row format the NPU pilot program reads: every
    row of `query` `[B, H, Lq, D + 4]` and `key` `[B, Hkv, Lk, D + 4]` is
    `D` int8 values followed by the 4 bytes (little endian) of the f32
    scale of that row's quantization block, so one DMA stream carries a
    tile and its scales (a core tile has two input channels: Q rows and K
    rows). `D` is a multiple of the int8 intrinsic K (8) on the NPU (the
    host zero-pads the head dimension, which leaves every dot product
    unchanged):

    ```
    S~[b,h,i,j] = ((float(sum_d Q8[b,h,i,d] * K8[b,h/(H/Hkv),j,d]) * qs[i]) * ks[j]) * scale
    ```

    with `qs[i]` / `ks[j]` the scales stored in the rows. Keys hidden by
    the causal rule, at or beyond `valid_len[b]` or at or beyond `key_len`
    (padding) get -inf, as in `attn.pilot_qk`; `query_len` is the number of
    real query rows (for `bottom_right` alignment). `scale` defaults to
    `1/sqrt(D)`. attn-extract-pilot builds it inside the `attn.stage
    "pilot"` the AIE back end maps; attn-lower-to-cpu lowers it too (the
    host check of that stage).

    Example:

    ```mlir
    %s = attn.pilot_qk_rows %qr, %kr causal top_left
           : tensor<1x4x128x68xi8>, tensor<1x2x128x68xi8> -> tensor<1x4x128x128xf32>
    ```
  }];

  let arguments = (ins
    AnyRankedTensor:$query,
    AnyRankedTensor:$key,
    Optional<AnyRankedTensor>:$valid_len,
    OptionalAttr<F64Attr>:$scale,
    DefaultValuedAttr<Attn_CausalKind, "::mlir::attn::CausalKind::none">:$causal,
    OptionalAttr<I64Attr>:$key_len,
    OptionalAttr<I64Attr>:$query_len
  );
  let results = (outs AnyRankedTensor:$scores);

  let assemblyFormat = [{
    $query `,` $key
    (`valid_len` `(` $valid_len^ `:` type($valid_len) `)`)?
    (`causal` $causal^)?
    (`scale` $scale^)?
    (`key_len` $key_len^)?
    (`query_len` $query_len^)?
    attr-dict `:` type($query) `,` type($key) `->` type($scores)
  }];

  let extraClassDeclaration = [{
    /// Bytes of a row that follow the int8 values: the f32 scale.
    static constexpr int64_t kScaleBytes = 4;
  }];

  let hasVerifier = 1;
}

def Attn_TopKOp : Attn_Op<"topk", [Pure]> {
  let summary = "per head and query row: the keys with the largest scores";
  let description = [{
    For every batch `b`, head `h` and query row `i`, selects the
    `k_h = head_budgets[h]` keys (all heads: `N`, the last dimension of the
    result, when `head_budgets` is absent) with the largest scores
    `S[b,h,i,:]` and writes their key positions in increasing order to
    `indices[b,h,i,0..]`. Ties at the threshold go to the lower key
    position. Keys whose score is -inf or NaN (hidden by the causal rule or
    `valid_len`) are never selected; when fewer than `k_h` keys are visible
    all visible keys are selected. Unused slots hold -1.

    Granularity: per head and query row, not per query block. The selected
    keys feed `attn.sparse_attention` on the CPU, which gathers single K/V
    rows as cheaply as blocks, so a row-wise choice keeps the most attention
    mass per kept key (recall); causal rows of one block see different
    keys, which a block-wise choice would have to over-approximate. The
    pilot scores are produced per row anyway, and per-head budgets
    (`head_budgets`, calibrated offline) express shadowAttn's per-head
    sparsity ratio.

    Example:

    ```mlir
    %idx = attn.topk %s head_budgets [16, 32]
             : tensor<1x2x128x128xf32> -> tensor<1x2x128x32xi32>
    ```
  }];

  let arguments = (ins
    AnyRankedTensor:$scores,
    OptionalAttr<DenseI64ArrayAttr>:$head_budgets
  );
  let results = (outs AnyRankedTensor:$indices);

  let assemblyFormat = [{
    $scores (`head_budgets` $head_budgets^)?
    attr-dict `:` type($scores) `->` type($indices)
  }];

  let hasVerifier = 1;
}

def Attn_SparseAttentionOp : Attn_Op<"sparse_attention",
    [Pure, AttrSizedOperandSegments]> {
  let summary = "exact attention over the selected keys of each query row";
  let description = [{
    `attn.attention` restricted, for every batch `b`, head `h` and query
    row `i`, to the keys listed in `indices[b,h,i,:]` (`[B, H, Lq, N]`
    `i32`; -1 marks an unused slot):

    ```
    s_n = scale * Q[b,h,i] · K[b,h/(H/Hkv),j_n] (+ bias + additive mask)[b,h,i,j_n]
    O[b,h,i] = sum_n softmax(s)_n * V[b,h/(H/Hkv),j_n],   j_n = indices[b,h,i,n]
    ```

    in f32, rounded to the result element type. Every rule of
    `attn.attention` holds exactly for the listed keys: a key hidden by the
    boolean mask, the causal rule or `valid_len` gets no weight even if it
    is listed, rows whose listed keys are all hidden are zero, rows at or
    beyond `valid_len[b]` are zero. Listed positions must lie in
    `[0, Lk)` (attn.topk only produces such); a key listed twice counts
    twice. With all `Lk` keys listed the result equals `attn.attention`.
    Operand rules (shapes, GQA, mask/bias broadcast, layout, scale) are
    those of attn.attention.
  }];

  let arguments = (ins
    AnyRankedTensor:$query,
    AnyRankedTensor:$key,
    AnyRankedTensor:$value,
    AnyRankedTensor:$indices,
    Optional<AnyRankedTensor>:$mask,
    Optional<AnyRankedTensor>:$bias,
    Optional<AnyRankedTensor>:$valid_len,
    OptionalAttr<F64Attr>:$scale,
    DefaultValuedAttr<Attn_CausalKind, "::mlir::attn::CausalKind::none">:$causal,
    DefaultValuedAttr<Attn_LayoutKind, "::mlir::attn::LayoutKind::bhld">:$layout
  );
  let results = (outs AnyRankedTensor:$result);

  let assemblyFormat = [{
    $query `,` $key `,` $value `,` $indices
    (`mask` `(` $mask^ `:` type($mask) `)`)?
    (`bias` `(` $bias^ `:` type($bias) `)`)?
    (`valid_len` `(` $valid_len^ `:` type($valid_len) `)`)?
    (`causal` $causal^)?
    (`scale` $scale^)?
    (`layout` $layout^)?
    attr-dict `:` type($query) `,` type($key) `,` type($value) `,`
    type($indices) `->` type($result)
  }];

  let hasVerifier = 1;
}

#endif // ATTN_DIALECT_ATTN_IR_ATTNSPARSEOPS_TD
