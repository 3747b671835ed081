//===- Attn.td - attn dialect top-level file ---------------*- tablegen -*-===//

#ifndef ATTN_DIALECT_ATTN_IR_ATTN_TD
#define ATTN_DIALECT_ATTN_IR_ATTN_TD

include "attn/Dialect/Attn/IR/AttnDialect.td"
include "attn/Dialect/Attn/IR/AttnAttrs.td"
include "attn/Dialect/Attn/IR/AttnOps.td"
include "attn/Dialect/Attn/IR/AttnStageOps.td"
include "attn/Dialect/Attn/IR/AttnSparseOps.td"

#endif // ATTN_DIALECT_ATTN_IR_ATTN_TD
