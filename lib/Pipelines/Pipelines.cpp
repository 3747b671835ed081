//===- Pipelines.cpp - attn-aie pass pipelines ----------------------------===//
//
// The `attn-to-aie` pipeline: fold, tile, pad and mask, schedule the DMAs,
// convert to AIE devices, and check the result against the target table
// (last, so that nothing illegal leaves the pipeline).
//
//===----------------------------------------------------------------------===//

#include "attn/Pipelines/Pipelines.h"
#include "PipelineSupport.h"

#include "attn/Conversion/AttnToAIE/Passes.h"
#include "attn/Dialect/AIE/Transforms/Passes.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::attn;

void attn::buildAttnToAIEPipeline(OpPassManager &pm,
                                  const AttnToAIEPipelineOptions &options) {
  AttnFoldOptions fold;
  fold.mode = options.fold;
  // Stream pipelines (QK | softmax | PV cores) exist for the online fold
  // only: with mapping=stream, fold=auto means online.
  if (options.mapping == "stream" && options.fold == "auto")
    fold.mode = "online";
  fold.target = options.target;
  fold.intermediateType = options.intermediateType;
  fold.allowPrecisionLoss = options.allowPrecisionLoss;
  pm.addPass(createAttnFold(fold));
  AttnTileOptions tile;
  forwardPlanOptions(tile, options);
  tile.l2QBlock = options.l2QBlock;
  tile.l2KvBlock = options.l2KvBlock;
  tile.kvSplit = options.kvSplit;
  tile.mapping = options.mapping;
  tile.datapath = options.datapath;
  tile.allowPrecisionLoss = options.allowPrecisionLoss;
  pm.addPass(createAttnTile(tile));
  pm.addPass(createAttnPadAndMask());
  AttnScheduleDmaOptions schedule;
  schedule.groupColumns = options.kvGroupColumns;
  schedule.queryChunks = options.queryChunks;
  pm.addPass(createAttnScheduleDma(schedule));
  pm.addPass(createConvertAttnToAIE());
  pm.addPass(aie::createAIECheckLimits());
}

void attn::registerAttnPipelines() {
  registerAttnPilotPipeline();
  registerCheckedPipeline<AttnToAIEPipelineOptions>(
      "attn-to-aie",
      "Compile attention layers to AIE devices: attn-fold, attn-tile, "
      "attn-pad-and-mask, attn-schedule-dma, convert-attn-to-aie, "
      "aie-check-limits",
      {kTileOptionSpecs, kScheduleOptionSpecs}, buildAttnToAIEPipeline);
}
