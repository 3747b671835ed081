//===- AttnAttrs.td - attn dialect attributes --------------*- tablegen -*-===//

#ifndef ATTN_DIALECT_ATTN_IR_ATTNATTRS_TD
#define ATTN_DIALECT_ATTN_IR_ATTNATTRS_TD

include "attn/Dialect/Attn/IR/AttnDialect.td"
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


#endif // ATTN_DIALECT_ATTN_IR_ATTNATTRS_TD
