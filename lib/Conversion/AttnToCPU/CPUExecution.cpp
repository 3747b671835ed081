//===- CPUExecution.cpp - upstream pieces of the host execution path ------===//
//
// After attn-lower-to-cpu the program is plain linalg/scf/tensor; running it
// on the host takes upstream passes (one-shot bufferization, buffer
// deallocation, lowering to the LLVM dialect) and the interface models those
// passes query. They are registered here so that attn-opt and the Python
// package (PassManager.parse) see exactly the same set.
//
//===----------------------------------------------------------------------===//

#include "attn/Conversion/AttnToCPU/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/IR/ValueBoundsOpInterfaceImpl.h"
#include "mlir/Dialect/Arith/Transforms/BufferDeallocationOpInterfaceImpl.h"
#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/FuncBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/ControlFlow/Transforms/BufferDeallocationOpInterfaceImpl.h"
#include "mlir/Dialect/ControlFlow/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/MemRef/Transforms/AllocationOpInterfaceImpl.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/BufferDeallocationOpInterfaceImpl.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/IR/TensorInferTypeOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/IR/ValueBoundsOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/IR/DialectRegistry.h"

#include <mutex>

void mlir::attn::registerCPUExecutionPasses() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Tensor -> buffer.
    bufferization::registerBufferizationPasses();
    bufferization::registerBufferizationPipelines();
    // Buffers -> loops -> LLVM dialect.
    registerConvertLinalgToLoopsPass();
    memref::registerExpandStridedMetadataPass();
    arith::registerArithExpandOpsPass();
    registerLowerAffinePass();
    registerSCFToControlFlowPass();
    registerConvertMathToLLVMPass();
    registerArithToLLVMConversionPass();
    registerConvertIndexToLLVMPass();
    registerFinalizeMemRefToLLVMConversionPass();
    registerConvertControlFlowToLLVMPass();
    registerConvertFuncToLLVMPass();
    registerUBToLLVMConversionPass();
    registerReconcileUnrealizedCastsPass();
  });
}

void mlir::attn::registerCPUExecutionInterfaces(DialectRegistry &registry) {
  arith::registerBufferizableOpInterfaceExternalModels(registry);
  arith::registerBufferDeallocationOpInterfaceExternalModels(registry);
  bufferization::func_ext::registerBufferizableOpInterfaceExternalModels(
      registry);
  cf::registerBufferizableOpInterfaceExternalModels(registry);
  cf::registerBufferDeallocationOpInterfaceExternalModels(registry);
  linalg::registerBufferizableOpInterfaceExternalModels(registry);
  memref::registerAllocationOpInterfaceExternalModels(registry);
  scf::registerBufferizableOpInterfaceExternalModels(registry);
  scf::registerBufferDeallocationOpInterfaceExternalModels(registry);
  tensor::registerBufferizableOpInterfaceExternalModels(registry);
  // Shape reification and value bounds of tensor.pad / extract_slice (used
  // when attn-pad-and-mask output is canonicalized and bufferized).
  tensor::registerInferTypeOpInterfaceExternalModels(registry);
  tensor::registerValueBoundsOpInterfaceExternalModels(registry);
  arith::registerValueBoundsOpInterfaceExternalModels(registry);
}
