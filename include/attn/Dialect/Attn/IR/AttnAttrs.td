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


// The DMA schedule attn-schedule-dma records (docs/aie-mapping.md,
// "The schedule as IR").
def Attn_RoleQ : I32EnumAttrCase<"Q", 0, "q">;
def Attn_RoleK : I32EnumAttrCase<"K", 1, "k">;
def Attn_RoleV : I32EnumAttrCase<"V", 2, "v">;
def Attn_RoleS : I32EnumAttrCase<"S", 3, "s">;
def Attn_RoleP : I32EnumAttrCase<"P", 4, "p">;
def Attn_RoleO : I32EnumAttrCase<"O", 5, "o">;
def Attn_RoleM : I32EnumAttrCase<"M", 6, "mask">;
def Attn_RoleBias : I32EnumAttrCase<"Bias", 7, "bias">;

def Attn_DramRole : I32EnumAttr<"DramRole",
    "the DRAM tensor a stage reads or writes",
    [Attn_RoleQ, Attn_RoleK, Attn_RoleV, Attn_RoleS, Attn_RoleP, Attn_RoleO,
     Attn_RoleM, Attn_RoleBias]> {
  let cppNamespace = "::mlir::attn";
  let genSpecializedAttr = 0;
  let description = [{
    `q`, `k`, `v`: the layer's inputs; `s`, `p`: scores and probabilities
    passed between stages through DRAM (f32); `o`: the output; `mask`,
    `bias`: key-only explicit mask and bias rows.
  }];
}

def Attn_FifoUseItem : I32EnumAttrCase<"Item", 0, "item">;
def Attn_FifoUseStep : I32EnumAttrCase<"Step", 1, "step">;
def Attn_FifoUseCoreStep : I32EnumAttrCase<"CoreStep", 2, "core_step">;
def Attn_FifoUseOutput : I32EnumAttrCase<"Output", 3, "output">;
def Attn_FifoUsePipe : I32EnumAttrCase<"Pipe", 4, "pipe">;

def Attn_FifoUse : I32EnumAttr<"FifoUse",
    "which stream of a stage an object FIFO carries",
    [Attn_FifoUseItem, Attn_FifoUseStep, Attn_FifoUseCoreStep,
     Attn_FifoUseOutput, Attn_FifoUsePipe]> {
  let cppNamespace = "::mlir::attn";
  let genSpecializedAttr = 0;
  let description = [{
    `item`: a core's query-side tile (Q, or S for softmax), split per core;
    `step`: a group's broadcast K/V step stream; `core_step`: a core's own
    per-step tile (P of the PV stage); `output`: a core's result tiles;
    `pipe`: core to core inside a stream pipeline (S tiles QK -> softmax, P
    block objects softmax -> PV).
  }];
}

def Attn_CoreRoleFused : I32EnumAttrCase<"fused", 0>;
def Attn_CoreRoleQK : I32EnumAttrCase<"qk", 1>;
def Attn_CoreRoleSoftmax : I32EnumAttrCase<"softmax", 2>;
def Attn_CoreRolePV : I32EnumAttrCase<"pv", 3>;

def Attn_CoreRole : I32EnumAttr<"CoreRole",
    "what part of a stage one core runs",
    [Attn_CoreRoleFused, Attn_CoreRoleQK, Attn_CoreRoleSoftmax,
     Attn_CoreRolePV]> {
  let cppNamespace = "::mlir::attn";
  let genSpecializedAttr = 0;
  let description = [{
    `fused`: the whole stage body on its query tiles. In a stream pipeline
    (mapping `stream`, MAS-Attention): `qk` computes and masks S tiles,
    `softmax` keeps the running max/sum and emits P blocks with their rescale
    factors, `pv` rescales and accumulates P V and finalizes O.
  }];
}

def Attn_DirMM2S : I32EnumAttrCase<"MM2S", 0, "mm2s">;
def Attn_DirS2MM : I32EnumAttrCase<"S2MM", 1, "s2mm">;

def Attn_DmaDirection : I32EnumAttr<"DmaDirection",
    "direction of a shim DMA transfer",
    [Attn_DirMM2S, Attn_DirS2MM]> {
  let cppNamespace = "::mlir::attn";
  let genSpecializedAttr = 0;
  let description = [{
    `mm2s`: DRAM to the array (an input); `s2mm`: the array to DRAM (an
    output).
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
// The shadowAttn pilot (attn-extract-pilot): int8 rows of D + 4 bytes
// (values, then the f32 row scale) -> f32 scores, mapped like QK.
def Attn_StagePilot : I32EnumAttrCase<"Pilot", 6, "pilot">;

def Attn_StageKind : I32EnumAttr<"StageKind",
    "what one attn.stage (one NPU dispatch) computes",
    [Attn_StageOnline, Attn_StageFull, Attn_StageQK, Attn_StageSoftmax,
     Attn_StageQKSoftmax, Attn_StagePV, Attn_StagePilot]> {
  let cppNamespace = "::mlir::attn";
  let genSpecializedAttr = 0;
  let description = [{
    The stages of the folds: `unfolded` = `qk` | `softmax` | `pv`,
    `partial` = `qk_softmax` | `pv`; `full` and `online` are one stage each,
    named `attention` on the `attn.stage` op (`stageName` /
    `stageKindOf` convert between the two, given the fold). `pilot` is the
    shadowAttn int8 pilot stage attn-extract-pilot builds (fold
    `unfolded`; no fold dispatches it).
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
    - `kv_split`: cores of a cascade chain splitting the key range of one
      query tile (fused online plans; each core runs the online state over
      its part of the keys and the partial states merge along the chain).
      Optional in the text, 1 (no cascade) when absent, printed when > 1.
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
    "int64_t":$padded_value_dim,
    "int64_t":$kv_split
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


//===----------------------------------------------------------------------===//
// The recorded DMA schedule (attn-schedule-dma -> convert-attn-to-aie)
//===----------------------------------------------------------------------===//

// An array parameter printed and parsed in square brackets (the struct
// format's commas separate fields): `[0, 2]`.
class Attn_ListParameter<string elem, string desc = "">
    : ArrayRefParameter<elem, desc> {
  let parser = [{ [&]() -> ::mlir::FailureOr<::llvm::SmallVector<}] # elem #
    [{>> {
      ::llvm::SmallVector<}] # elem # [{> elems;
      if ($_parser.parseCommaSeparatedList(
              ::mlir::AsmParser::Delimiter::Square, [&]() -> ::mlir::ParseResult {
                auto e = ::mlir::FieldParser<}] # elem # [{>::parse($_parser);
                if (::mlir::failed(e))
                  return ::mlir::failure();
                elems.push_back(*e);
                return ::mlir::success();
              }))
        return ::mlir::failure();
      return elems;
    }() }];
  let printer = [{
    $_printer << '[';
    ::llvm::interleaveComma($_self, $_printer);
    $_printer << ']';
  }];
}
class Attn_OptionalListParameter<string elem, string desc = "">
    : Attn_ListParameter<elem, desc> {
  let defaultValue = cppStorageType # "()";
  let comparator = cppType # "($_lhs) == " # cppType # "($_rhs)";
}

def Attn_FifoAttr : Attn_Attr<"Fifo", "fifo"> {
  let summary = "one object FIFO of a scheduled stage";
  let description = [{
    `producer` and each of `consumers` are tiles `[column, row]`; `object`
    is the shape and element type of one object; `dram` lists the DRAM
    tensors the shim end carries (in turn, each round, when more than one);
    it is empty for FIFOs between on-chip tiles. `shim_channel` is the
    channel at the shim end (-1: none). `group` (broadcast step streams) and
    `column` with `core_rows` (per-column streams) say whose tiles it
    carries. `consumer_depth` (when not 0) is the objects each consumer end
    holds, the producer end holding `depth` (upstream's per-end depths): the
    cores of a cascade chain take the step objects kv_split at a time.
    `repeat_count` (when not 0) marks the memtile end of an L2-resident K/V
    broadcast: through a 1:1 link from a larger resident object, the memtile
    sends that whole object `repeat_count` times (once per round of a unit)
    in the order `to_stream` gives (flattened `size, stride` pairs in
    elements, outermost first; empty = linear), and the cores receive it as
    objects of `object`.

    ```mlir
    #attn.fifo<name = "Q_l3_c0", producer = [0, 0],
               consumers = [array<i64: 0, 1>], depth = 2,
               object = memref<128x64xbf16>, dram = [q], shim_channel = 0,
               use = item, column = 0, core_rows = [0, 1]>
    ```
  }];
  let parameters = (ins
    StringRefParameter<"symbol of the aie.objectfifo">:$name,
    Attn_ListParameter<"int64_t", "[column, row]">:$producer,
    "::mlir::ArrayAttr":$consumers,
    "int64_t":$depth,
    "::mlir::MemRefType":$object,
    Attn_OptionalListParameter<"::mlir::attn::DramRole">:$dram,
    DefaultValuedParameter<"int64_t", "-1">:$shim_channel,
    EnumParameter<Attn_FifoUse>:$use,
    DefaultValuedParameter<"int64_t", "-1">:$group,
    DefaultValuedParameter<"int64_t", "-1">:$column,
    Attn_OptionalListParameter<"int64_t">:$core_rows,
    DefaultValuedParameter<"int64_t", "0">:$consumer_depth,
    DefaultValuedParameter<"int64_t", "0">:$repeat_count,
    Attn_OptionalListParameter<"int64_t">:$to_stream
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Attn_LinkAttr : Attn_Attr<"Link", "link"> {
  let summary = "an aie.objectfifo.link of a scheduled stage";
  let description = [{
    A join (several `ins`, `src_offsets` in elements of the whole) or a
    split (several `outs`, `dst_offsets`) through a memtile; names are
    #attn.fifo names.
  }];
  let parameters = (ins
    "::mlir::ArrayAttr":$ins,
    "::mlir::ArrayAttr":$outs,
    Attn_OptionalListParameter<"int64_t">:$src_offsets,
    Attn_OptionalListParameter<"int64_t">:$dst_offsets
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Attn_DefaultCoreRole : EnumParameter<Attn_CoreRole> {
  let defaultValue = "::mlir::attn::CoreRole::fused";
}

def Attn_CoreAttr : Attn_Attr<"Core", "core"> {
  let summary = "what one core of a scheduled stage runs";
  let description = [{
    The core at `tile` (`[column, row]`) works for broadcast `group`, as
    core `row` of the group's column `column_in_group`. `item`, `step`,
    `core_step`, `out` name the #attn.fifo it uses for each stream (absent:
    unused; only a core above the bottom of a cascade chain has no `out`); `rtp` names its
    runtime-parameter buffer (valid_len). `role`
    is the part of the stage it runs (`fused`, or a stream pipeline's `qk`,
    `softmax`, `pv`), `pipe_in` / `pipe_out` its core-to-core FIFOs.
  }];
  let parameters = (ins
    Attn_ListParameter<"int64_t", "[column, row]">:$tile,
    "int64_t":$group,
    "int64_t":$column_in_group,
    "int64_t":$row,
    StringRefParameter<"item FIFO", [{""}]>:$item,
    StringRefParameter<"step FIFO", [{""}]>:$step,
    StringRefParameter<"per-core step FIFO", [{""}]>:$core_step,
    StringRefParameter<"output FIFO", [{""}]>:$out,
    StringRefParameter<"runtime-parameter buffer", [{""}]>:$rtp,
    Attn_DefaultCoreRole:$role,
    StringRefParameter<"core-to-core input FIFO", [{""}]>:$pipe_in,
    StringRefParameter<"core-to-core output FIFO", [{""}]>:$pipe_out
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Attn_CascadeAttr : Attn_Attr<"Cascade", "cascade"> {
  let summary = "one cascade chain of a scheduled stage (kv_split > 1)";
  let description = [{
    The cores `tiles` (`[array<i64: column, row>, ...]`, top to bottom: each
    directly North of the next, the cascade direction of AIE2/AIE2P) serve
    query lane `lane` of column `column` together: core i computes the
    online softmax state over part i of the key steps and passes it down
    the cascade (one `aie.cascade_flow` per neighbouring pair); the last
    core merges the final state and writes the output.

    ```mlir
    #attn.cascade<column = 0, lane = 0,
                  tiles = [array<i64: 0, 5>, array<i64: 0, 4>,
                           array<i64: 0, 3>, array<i64: 0, 2>]>
    ```
  }];
  let parameters = (ins
    "int64_t":$column,
    "int64_t":$lane,
    "::mlir::ArrayAttr":$tiles
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Attn_TransferAttr : Attn_Attr<"Transfer", "transfer"> {
  let summary = "one shim DMA transfer of a stage's runtime sequence";
  let description = [{
    Moves the DRAM tensor `role` through object FIFO `fifo` at shim column
    `column`, channel `channel`, in `direction`, with the 4-D access pattern
    `offset`/`sizes`/`strides` in elements of the DRAM buffer (outermost
    first; `sizes[0]` repeats), on buffer descriptor `bd_id`.
    `issue_token`: a later #attn.wait waits for it.
  }];
  let parameters = (ins
    StringRefParameter<"object FIFO (metadata)">:$fifo,
    EnumParameter<Attn_DramRole>:$role,
    "int64_t":$column,
    EnumParameter<Attn_DmaDirection>:$direction,
    "int64_t":$channel,
    "int64_t":$offset,
    Attn_ListParameter<"int64_t", "4 sizes">:$sizes,
    Attn_ListParameter<"int64_t", "4 strides">:$strides,
    "int64_t":$bd_id,
    "::mlir::BoolAttr":$issue_token
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Attn_WaitAttr : Attn_Attr<"Wait", "wait"> {
  let summary = "a wait of a stage's runtime sequence";
  let description = [{
    Waits for the token-issuing transfers of object FIFO `fifo`.
  }];
  let parameters = (ins StringRefParameter<"object FIFO">:$fifo);
  let assemblyFormat = "`<` struct(params) `>`";
}

def Attn_BufferAttr : Attn_Attr<"Buffer", "buffer"> {
  let summary = "one buffer of a core's memory layout";
  let description = [{
    `use`: `item`, `step`, `core_step`, `output` (object FIFO ends),
    `scratch` (kernel scratch, aie.buffer `name`_cC_rR) or `rtp` (runtime
    parameters); `copies` objects of `object`.
  }];
  let parameters = (ins
    StringRefParameter<"buffer use">:$use,
    StringRefParameter<"name">:$name,
    "::mlir::MemRefType":$object,
    "int64_t":$copies
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

#endif // ATTN_DIALECT_ATTN_IR_ATTNATTRS_TD
