//===- AIE.td - aie dialect top-level file -----------------*- tablegen -*-===//

#ifndef ATTN_DIALECT_AIE_IR_AIE_TD
#define ATTN_DIALECT_AIE_IR_AIE_TD

include "attn/Dialect/AIE/IR/AIEDialect.td"
include "attn/Dialect/AIE/IR/AIEAttrs.td"
include "attn/Dialect/AIE/IR/AIETypes.td"
include "attn/Dialect/AIE/IR/AIEOps.td"

#endif // ATTN_DIALECT_AIE_IR_AIE_TD
