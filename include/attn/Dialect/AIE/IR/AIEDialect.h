//===- AIEDialect.h - aie dialect, attributes and types ---------*- C++ -*-===//

#ifndef ATTN_DIALECT_AIE_IR_AIEDIALECT_H
#define ATTN_DIALECT_AIE_IR_AIEDIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"

#include "attn/Dialect/AIE/IR/AIEOpsDialect.h.inc"

#include "attn/Dialect/AIE/IR/AIEEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "attn/Dialect/AIE/IR/AIEAttrs.h.inc"

#define GET_TYPEDEF_CLASSES
#include "attn/Dialect/AIE/IR/AIETypes.h.inc"

#endif // ATTN_DIALECT_AIE_IR_AIEDIALECT_H
