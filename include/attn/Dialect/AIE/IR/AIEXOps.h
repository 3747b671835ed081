//===- AIEXOps.h - aiex dialect operations ----------------------*- C++ -*-===//

#ifndef ATTN_DIALECT_AIE_IR_AIEXOPS_H
#define ATTN_DIALECT_AIE_IR_AIEXOPS_H

#include "attn/Dialect/AIE/IR/AIEOps.h"
#include "attn/Dialect/AIE/IR/AIEXDialect.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "attn/Dialect/AIE/IR/AIEXOps.h.inc"

#endif // ATTN_DIALECT_AIE_IR_AIEXOPS_H
