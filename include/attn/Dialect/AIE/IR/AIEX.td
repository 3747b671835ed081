//===- AIEX.td - aiex dialect top-level file ---------------*- tablegen -*-===//

#ifndef ATTN_DIALECT_AIE_IR_AIEX_TD
#define ATTN_DIALECT_AIE_IR_AIEX_TD

include "attn/Dialect/AIE/IR/AIEXDialect.td"
include "attn/Dialect/AIE/IR/AIEXOps.td"

#endif // ATTN_DIALECT_AIE_IR_AIEX_TD
