//===- AIEXDialect.h - aiex dialect -----------------------------*- C++ -*-===//

#ifndef ATTN_DIALECT_AIE_IR_AIEXDIALECT_H
#define ATTN_DIALECT_AIE_IR_AIEXDIALECT_H

#include "attn/Dialect/AIE/IR/AIEDialect.h"
#include "mlir/IR/Dialect.h"

#include "attn/Dialect/AIE/IR/AIEXOpsDialect.h.inc"

#endif // ATTN_DIALECT_AIE_IR_AIEXDIALECT_H
