//===- Passes.h - attn to CPU conversion passes -----------------*- C++ -*-===//

#ifndef ATTN_CONVERSION_ATTNTOCPU_PASSES_H
#define ATTN_CONVERSION_ATTNTOCPU_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
class DialectRegistry;
namespace attn {

#define GEN_PASS_DECL
#include "attn/Conversion/AttnToCPU/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "attn/Conversion/AttnToCPU/Passes.h.inc"

/// Registers the upstream passes the host execution pipeline runs after
/// attn-lower-to-cpu (bufferization, buffer deallocation, lowering to the
/// LLVM dialect). Idempotent.
void registerCPUExecutionPasses();

/// Inserts the external interface models those passes need (bufferization
/// and deallocation models of arith, cf, func, linalg, scf, tensor, memref).
void registerCPUExecutionInterfaces(DialectRegistry &registry);

} // namespace attn
} // namespace mlir

#endif // ATTN_CONVERSION_ATTNTOCPU_PASSES_H
