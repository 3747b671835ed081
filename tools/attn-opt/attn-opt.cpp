//===- attn-opt.cpp - attn-aie optimizer driver ---------------------------===//
//
// mlir-opt with the attn-aie dialects and passes: every upstream mlir-opt
// flag (--split-input-file, --verify-diagnostics, --pass-pipeline, ...)
// works unchanged.
//
// One difference: the input is verified by the first pass of the pipeline
// instead of by the parser, after a check that every shaped type's size is
// representable (element count and bytes, and a strided layout's largest
// index, within int64). Upstream verifiers compute such sizes without
// overflow checks and abort (e.g. memref.subview on a
// memref<9223372036854775807x16xf32>); the check turns that input into a
// diagnostic first.
//
//===----------------------------------------------------------------------===//

#include "attn/InitAll.h"
#include "attn/Support/CheckedArith.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;

namespace {

/// Why `type` is not representable, or an empty string.
std::string unrepresentable(Type type) {
  auto shaped = dyn_cast<ShapedType>(type);
  if (!shaped || !shaped.hasRank())
    return "";
  if (!attn::checkedStaticElements(shaped))
    return "its static dimensions hold more than 2^63 elements";
  if (shaped.getElementType().isIntOrIndexOrFloat() &&
      !attn::checkedStaticBytes(shaped))
    return "its static dimensions hold more than 2^63 bytes";
  auto memref = dyn_cast<MemRefType>(type);
  if (!memref)
    return "";
  auto strided = dyn_cast<StridedLayoutAttr>(memref.getLayout());
  if (!strided)
    return "";
  // Largest linear index: offset + sum of (size - 1) * |stride| over the
  // static entries.
  std::optional<int64_t> last =
      ShapedType::isDynamic(strided.getOffset()) ? 0 : strided.getOffset();
  for (auto [size, stride] :
       llvm::zip(memref.getShape(), strided.getStrides())) {
    if (!last || ShapedType::isDynamic(size) || ShapedType::isDynamic(stride) ||
        size == 0)
      continue;
    std::optional<int64_t> span =
        attn::checkedMul(size - 1, stride < 0 ? -stride : stride);
    last = span ? attn::checkedAdd(*last, *span) : std::nullopt;
  }
  if (!last)
    return "its strided layout addresses elements beyond 2^63";
  return "";
}

/// Rejects unrepresentable types, then runs the verifier.
struct VerifyInputPass : public PassWrapper<VerifyInputPass, OperationPass<>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(VerifyInputPass)
  StringRef getArgument() const override { return "attn-opt-verify-input"; }
  void runOnOperation() override {
    bool ok = true;
    auto check = [&](Operation *op, Type type, const Twine &what) {
      std::string why = unrepresentable(type);
      if (why.empty())
        return;
      op->emitError() << "type " << type << " of " << what
                      << " cannot be represented: " << why;
      ok = false;
    };
    // Types are checked where values are defined (results, block
    // arguments) and in the function type of declarations without a body.
    getOperation()->walk([&](Operation *op) {
      for (auto [i, v] : llvm::enumerate(op->getResults()))
        check(op, v.getType(), "result #" + Twine(i));
      bool hasBody = false;
      for (Region &region : op->getRegions())
        for (Block &block : region) {
          hasBody = true;
          for (auto [i, arg] : llvm::enumerate(block.getArguments()))
            check(op, arg.getType(), "block argument #" + Twine(i));
        }
      if (hasBody)
        return;
      for (NamedAttribute attr : op->getAttrs())
        if (auto typeAttr = dyn_cast<TypeAttr>(attr.getValue()))
          if (auto fn = dyn_cast<FunctionType>(typeAttr.getValue()))
            for (Type t :
                 llvm::concat<const Type>(fn.getInputs(), fn.getResults()))
              check(op, t, "'" + attr.getName().strref() + "'");
    });
    if (!ok || failed(verify(getOperation())))
      signalPassFailure();
  }
};

/// Runs a pipeline on the operation (a dynamic pipeline): the requested
/// passes, behind VerifyInputPass.
struct RunPipelinePass : public PassWrapper<RunPipelinePass, OperationPass<>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(RunPipelinePass)
  explicit RunPipelinePass(const OpPassManager &pipeline)
      : pipeline(pipeline) {}
  RunPipelinePass(const RunPipelinePass &other)
      : PassWrapper(other), pipeline(other.pipeline) {}
  StringRef getArgument() const override { return "attn-opt-pipeline"; }
  void getDependentDialects(DialectRegistry &registry) const override {
    pipeline.getDependentDialects(registry);
  }
  void runOnOperation() override {
    if (failed(runPipeline(pipeline, getOperation())))
      signalPassFailure();
  }
  OpPassManager pipeline;
};

} // namespace

int main(int argc, char **argv) {
  DialectRegistry registry;
  attn::registerAllDialects(registry);
  attn::registerAllPasses();
  auto [inputFilename, outputFilename] = registerAndParseCLIOptions(
      argc, argv, "attn-aie optimizer driver\n", registry);
  MlirOptMainConfig config = MlirOptMainConfig::createFromCLOptions();
  if (config.shouldShowDialects() || config.shouldListPasses() ||
      !config.shouldVerifyOnParsing())
    return asMainReturnCode(
        MlirOptMain(argc, argv, inputFilename, outputFilename, registry));
  // (The delegating MlirOptMain above initializes LLVM itself.)
  llvm::InitLLVM y(argc, argv);
  // Verification moves from the parser to the first pass.
  MlirOptMainConfig inner = config;
  config.verifyOnParsing(false);
  config.setPassPipelineSetupFn([inner](PassManager &pm) -> LogicalResult {
    // The requested pipeline (--pass-pipeline replaces a pass manager's
    // contents, so it is built apart) runs after the verification.
    PassManager requested(pm.getContext(), pm.getOpAnchorName(),
                          pm.getNesting());
    if (failed(inner.setupPassPipeline(requested)))
      return failure();
    pm.addPass(std::make_unique<VerifyInputPass>());
    if (requested.size())
      pm.addPass(std::make_unique<RunPipelinePass>(requested));
    return success();
  });
  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> input =
      openInputFile(inputFilename, &error);
  if (!input) {
    llvm::errs() << error << "\n";
    return 1;
  }
  std::unique_ptr<llvm::ToolOutputFile> output =
      openOutputFile(outputFilename, &error);
  if (!output) {
    llvm::errs() << error << "\n";
    return 1;
  }
  if (failed(MlirOptMain(output->os(), std::move(input), registry, config)))
    return 1;
  output->keep();
  return 0;
}
