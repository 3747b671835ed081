//===- Passes.h - passes on aie/aiex modules --------------------*- C++ -*-===//

#ifndef ATTN_DIALECT_AIE_TRANSFORMS_PASSES_H
#define ATTN_DIALECT_AIE_TRANSFORMS_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::attn::aie {

#define GEN_PASS_DECL
#include "attn/Dialect/AIE/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "attn/Dialect/AIE/Transforms/Passes.h.inc"

} // namespace mlir::attn::aie

#endif // ATTN_DIALECT_AIE_TRANSFORMS_PASSES_H
