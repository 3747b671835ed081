//===- Passes.h - attn to AIE passes ----------------------------*- C++ -*-===//

#ifndef ATTN_CONVERSION_ATTNTOAIE_PASSES_H
#define ATTN_CONVERSION_ATTNTOAIE_PASSES_H

#include "attn/Dialect/AIE/IR/AIEDialect.h"
#include "attn/Dialect/AIE/IR/AIEXDialect.h"
#include "attn/Dialect/Attn/IR/AttnDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::attn {

#define GEN_PASS_DECL
#include "attn/Conversion/AttnToAIE/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "attn/Conversion/AttnToAIE/Passes.h.inc"

} // namespace mlir::attn

#endif // ATTN_CONVERSION_ATTNTOAIE_PASSES_H
