//===- AttnAttrs.td - attn dialect attributes --------------*- tablegen -*-===//

#ifndef ATTN_DIALECT_ATTN_IR_ATTNATTRS_TD
#define ATTN_DIALECT_ATTN_IR_ATTNATTRS_TD

include "attn/Dialect/Attn/IR/AttnDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def Attn_CausalNone : I32EnumAttrCase<"none", 0>;
def Attn_CausalTopLeft : I32EnumAttrCase<"top_left", 1>;
def Attn_CausalBottomRight : I32EnumAttrCase<"bottom_right", 2>;

def Attn_CausalKind : I32EnumAttr<"CausalKind",
    "which causal mask applies to the score matrix",
    [Attn_CausalNone, Attn_CausalTopLeft, Attn_CausalBottomRight]> {
  let cppNamespace = "::mlir::attn";
  let description = [{
    `none`: no causal mask. `top_left`: query `i` sees keys `j <= i`
    (PyTorch SDPA `is_causal=True`). `bottom_right`: query `i` sees keys
    `j <= i + (Lk - Lq)`, i.e. the last query is aligned with the last key,
    as in prefill with a KV cache.
  }];
}


def Attn_LayoutBHLD : I32EnumAttrCase<"bhld", 0>;
def Attn_LayoutBLHD : I32EnumAttrCase<"blhd", 1>;

def Attn_LayoutKind : I32EnumAttr<"LayoutKind",
    "dimension order of Q, K, V and the result",
    [Attn_LayoutBHLD, Attn_LayoutBLHD]> {
  let cppNamespace = "::mlir::attn";
}


def Attn_FoldUnfolded : I32EnumAttrCase<"unfolded", 0>;
def Attn_FoldPartial : I32EnumAttrCase<"partial", 1>;
def Attn_FoldFull : I32EnumAttrCase<"full", 2>;
def Attn_FoldOnline : I32EnumAttrCase<"online", 3>;

def Attn_FoldKind : I32EnumAttr<"FoldKind",
    "how attn-fold split an attention layer into stages",
    [Attn_FoldUnfolded, Attn_FoldPartial, Attn_FoldFull, Attn_FoldOnline]> {
  let cppNamespace = "::mlir::attn";
  // The attribute is the dialect attribute #attn.fold<...> below.
  let genSpecializedAttr = 0;
  let description = [{
    `unfolded`: three stages (QK | softmax | PV), S and P go through DRAM.
    `partial`: two stages (QK + softmax | PV), P goes through DRAM.
    `full`: one stage; the whole score rows of a query tile stay on chip.
    `online`: one stage streaming K/V blocks with a running max and sum
    (flash attention); works for any key length.
  }];
}

def Attn_MappingFused : I32EnumAttrCase<"fused", 0>;
def Attn_MappingStream : I32EnumAttrCase<"stream", 1>;

def Attn_MappingKind : I32EnumAttr<"MappingKind",
    "how the stages of a tile are spread over cores",
    [Attn_MappingFused, Attn_MappingStream]> {
  let cppNamespace = "::mlir::attn";
  let genSpecializedAttr = 0;
  let description = [{
    `fused`: every core runs the whole stage body on its own query tiles.
    `stream`: matmul cores and softmax cores form a pipeline, passing score
    tiles core to core.
  }];
}

// C++ enumerators in CamelCase (StageKind::QKSoftmax); the strings are the
// lowercase names the schedule records.
def Attn_StageOnline : I32EnumAttrCase<"Online", 0, "online">;
def Attn_StageFull : I32EnumAttrCase<"Full", 1, "full">;
def Attn_StageQK : I32EnumAttrCase<"QK", 2, "qk">;
def Attn_StageSoftmax : I32EnumAttrCase<"Softmax", 3, "softmax">;
def Attn_StageQKSoftmax : I32EnumAttrCase<"QKSoftmax", 4, "qk_softmax">;
def Attn_StagePV : I32EnumAttrCase<"PV", 5, "pv">;

def Attn_StageKind : I32EnumAttr<"StageKind",
    "what one attn.stage (one NPU dispatch) computes",
    [Attn_StageOnline, Attn_StageFull, Attn_StageQK, Attn_StageSoftmax,
     Attn_StageQKSoftmax, Attn_StagePV]> {
  let cppNamespace = "::mlir::attn";
  let genSpecializedAttr = 0;
  let description = [{
    The stages of the folds: `unfolded` = `qk` | `softmax` | `pv`,
    `partial` = `qk_softmax` | `pv`; `full` and `online` are one stage each,
    named `attention` on the `attn.stage` op (`stageName` /
    `stageKindOf` convert between the two, given the fold).
  }];
}

//===----------------------------------------------------------------------===//
// Dialect attributes
//===----------------------------------------------------------------------===//

class Attn_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Attn_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def Attn_FoldAttr : EnumAttr<Attn_Dialect, Attn_FoldKind, "fold"> {
  let assemblyFormat = "`<` $value `>`";
}

def Attn_PlanAttr : Attn_Attr<"Plan", "plan"> {
  let summary = "tiling plan of one attn.stage (attached by attn-tile)";
  let description = [{
    How one stage maps onto an NPU:

    - `target`: target table name (`npu2`, `npu1_2col`, ...).
    - `q_tile`, `kv_tile`, `head_dim_tile`: L1 tile sizes; a core step works
      on `q_tile` query rows (of Q, S, O) against `kv_tile` keys. For the
      `online` fold `kv_tile` is the K/V streaming block.
    - `l2_q_block`, `l2_kv_block`: memtile (L2) block sizes, multiples of the
      L1 tiles.
    - `intrinsic`: the core matmul intrinsic `[M, K, N]` for the element
      type; `q_tile` is a multiple of M, `kv_tile` of N and K,
      `head_dim_tile` of K.
    - `columns`, `cores_per_column`: the part of the array used.
    - `mapping`: `fused` or `stream`.
    - `depth`: objectfifo depth (2 = double buffering).
    - `padded_q_len`, `padded_kv_len`, `padded_head_dim`,
      `padded_value_dim`: lengths rounded up to tile multiples. `?` when
      the length is dynamic: the program then loops over
      `ceildiv(L, tile)` tiles at run time and masks the tail (keys at or
      beyond the real length get -inf, query rows beyond it are dropped).

    Example:

    ```mlir
    #attn.plan<target = "npu2", q_tile = 64, kv_tile = 64, head_dim_tile = 64,
               l2_q_block = 256, l2_kv_block = 256, intrinsic = [4, 8, 8],
               columns = 4, cores_per_column = 4, mapping = fused, depth = 2,
               padded_q_len = 2048, padded_kv_len = 2048, padded_head_dim = 64,
               padded_value_dim = 64>
    ```
  }];
  let parameters = (ins
    StringRefParameter<"target table name">:$target,
    "int64_t":$q_tile,
    "int64_t":$kv_tile,
    "int64_t":$head_dim_tile,
    "int64_t":$l2_q_block,
    "int64_t":$l2_kv_block,
    ArrayRefParameter<"int64_t", "core matmul intrinsic [M, K, N]">:$intrinsic,
    "int64_t":$columns,
    "int64_t":$cores_per_column,
    EnumParameter<Attn_MappingKind>:$mapping,
    "int64_t":$depth,
    "int64_t":$padded_q_len,
    "int64_t":$padded_kv_len,
    "int64_t":$padded_head_dim,
    "int64_t":$padded_value_dim
  );
  // Hand-written syntax: fields in any order, and errors that name a
  // missing, unknown or repeated field.
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Field names in printing order.
    static ::llvm::ArrayRef<::llvm::StringRef> getFieldNames();
  }];
}

#endif // ATTN_DIALECT_ATTN_IR_ATTNATTRS_TD
