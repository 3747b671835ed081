//===- AIEOps.h - aie dialect operations ------------------------*- C++ -*-===//

#ifndef ATTN_DIALECT_AIE_IR_AIEOPS_H
#define ATTN_DIALECT_AIE_IR_AIEOPS_H

#include "attn/Dialect/AIE/IR/AIEDialect.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "attn/Dialect/AIE/IR/AIEOps.h.inc"

#endif // ATTN_DIALECT_AIE_IR_AIEOPS_H
