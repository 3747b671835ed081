//===- PilotPipeline.cpp - the `attn-pilot-to-aie` pipeline ---------------===//
//
// A sparsified layer's int8 pilot to one AIE device: attn-extract-pilot
// (stage + plan on the int8 intrinsic), attn-schedule-dma,
// convert-attn-to-aie, aie-check-limits.
//
//===----------------------------------------------------------------------===//

#include "PipelineSupport.h"
#include "attn/Conversion/AttnToAIE/Passes.h"
#include "attn/Dialect/AIE/Transforms/Passes.h"
#include "attn/Pipelines/Pipelines.h"

using namespace mlir;
using namespace mlir::attn;

void attn::buildAttnPilotToAIEPipeline(
    OpPassManager &pm, const AttnPilotToAIEPipelineOptions &options) {
  AttnExtractPilotOptions extract;
  forwardPlanOptions(extract, options);
  pm.addPass(createAttnExtractPilot(extract));
  pm.addPass(createAttnScheduleDma());
  pm.addPass(createConvertAttnToAIE());
  pm.addPass(aie::createAIECheckLimits());
}

void attn::registerAttnPilotPipeline() {
  registerCheckedPipeline<AttnPilotToAIEPipelineOptions>(
      "attn-pilot-to-aie",
      "Compile the int8 pilot of a sparsified layer (attn-sparsify) to one "
      "AIE device: attn-extract-pilot, attn-schedule-dma, "
      "convert-attn-to-aie, aie-check-limits",
      {kPilotOptionSpecs}, buildAttnPilotToAIEPipeline);
}
