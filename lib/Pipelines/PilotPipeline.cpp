//===- PilotPipeline.cpp - the `attn-pilot-to-aie` pipeline ---------------===//
//
// A sparsified layer's int8 pilot to one AIE device: attn-extract-pilot
// (stage + plan on the int8 intrinsic), attn-schedule-dma,
// convert-attn-to-aie, aie-check-limits.
//
//===----------------------------------------------------------------------===//

#include "attn/Conversion/AttnToAIE/Passes.h"
#include "attn/Dialect/AIE/Transforms/Passes.h"
#include "attn/Pipelines/Pipelines.h"
#include "attn/Support/PassOptionChecks.h"

#include "mlir/Pass/PassRegistry.h"

using namespace mlir;
using namespace mlir::attn;

void attn::buildAttnPilotToAIEPipeline(
    OpPassManager &pm, const AttnPilotToAIEPipelineOptions &options) {
  AttnExtractPilotOptions extract;
  extract.target = options.target;
  extract.qTile = options.qTile;
  extract.kvTile = options.kvTile;
  extract.columns = options.columns;
  extract.coresPerColumn = options.coresPerColumn;
  extract.depth = options.depth;
  pm.addPass(createAttnExtractPilot(extract));
  pm.addPass(createAttnScheduleDma());
  pm.addPass(createConvertAttnToAIE());
  pm.addPass(aie::createAIECheckLimits());
}

void attn::registerAttnPilotPipeline() {
  registerPassPipeline(
      "attn-pilot-to-aie",
      "Compile the int8 pilot of a sparsified layer (attn-sparsify) to one "
      "AIE device: attn-extract-pilot, attn-schedule-dma, "
      "convert-attn-to-aie, aie-check-limits",
      [](OpPassManager &pm, StringRef text,
         function_ref<LogicalResult(const Twine &)> errorHandler) {
        if (failed(checkPassOptions("attn-pilot-to-aie", text,
                                    {kPilotOptionSpecs}, errorHandler)))
          return failure();
        AttnPilotToAIEPipelineOptions options;
        std::string error;
        llvm::raw_string_ostream os(error);
        if (failed(options.parseFromString(text, os)))
          return errorHandler("attn-pilot-to-aie: " + error);
        buildAttnPilotToAIEPipeline(pm, options);
        return success();
      },
      [](function_ref<void(const detail::PassOptions &)> optHandler) {
        optHandler(AttnPilotToAIEPipelineOptions());
      });
}
