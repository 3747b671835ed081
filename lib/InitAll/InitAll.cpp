//===- InitAll.cpp - register attn-aie dialects and passes ----------------===//

#include "attn/InitAll.h"

#include "attn/Conversion/AttnToAIE/Passes.h"
#include "attn/Dialect/AIE/IR/AIEDialect.h"
#include "attn/Dialect/AIE/IR/AIEXDialect.h"
#include "attn/Dialect/AIE/Transforms/Passes.h"
#include "attn/Conversion/AttnToCPU/Passes.h"
#include "attn/Dialect/Attn/IR/AttnDialect.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "attn/Pipelines/Pipelines.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Transforms/Passes.h"

#include <mutex>

void mlir::attn::registerAllDialects(DialectRegistry &registry) {
  registry.insert<attn::AttnDialect, affine::AffineDialect, arith::ArithDialect,
                  bufferization::BufferizationDialect, cf::ControlFlowDialect,
                  func::FuncDialect, LLVM::LLVMDialect, linalg::LinalgDialect,
                  math::MathDialect, memref::MemRefDialect, scf::SCFDialect,
                  tensor::TensorDialect>();
  registry.insert<aie::AIEDialect, aiex::AIEXDialect>();
  // Bufferization/deallocation models for the host execution path.
  registerCPUExecutionInterfaces(registry);
}

void mlir::attn::registerAllPasses() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Upstream generic transforms (canonicalize, cse, inline, ...).
    registerTransformsPasses();
    registerAttnToAIEPasses();
    // attn-to-aie.
    registerAttnPipelines();
    // Passes on aie/aiex modules (aie-check-limits, aie-count-traffic).
    aie::registerAttnAIEPasses();
    // CPU path: attn-lower-to-cpu and the upstream passes run after it.
    registerAttnToCPUPasses();
    registerCPUExecutionPasses();
    // attn-fold, attn-tile.
    attn::registerAttnTransformsPasses();
  });
}
