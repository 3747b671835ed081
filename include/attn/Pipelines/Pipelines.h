//===- Pipelines.h - attn-aie pass pipelines --------------------*- C++ -*-===//
//
// `attn-to-aie`: an attention layer in, AIE devices out. The options are the
// options of the passes it runs (same names), so a textual pipeline and
// attn.compiler render to the same thing.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_PIPELINES_PIPELINES_H
#define ATTN_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

#include <string>

namespace mlir::attn {

struct AttnToAIEPipelineOptions
    : public PassPipelineOptions<AttnToAIEPipelineOptions> {
  Option<std::string> target{*this, "target",
                             llvm::cl::desc("Target table entry (npu1, "
                                            "npu1_1col..npu1_3col, npu2, "
                                            "npu2_1col..npu2_7col)"),
                             llvm::cl::init("npu2")};
  Option<std::string> fold{
      *this, "fold",
      llvm::cl::desc("attn-fold mode: auto, unfolded, partial, full, online"),
      llvm::cl::init("auto")};
  Option<std::string> intermediateType{
      *this, "intermediate-type",
      llvm::cl::desc("attn-fold intermediate-type (S and P in DRAM); the "
                     "AIE kernels need f32"),
      llvm::cl::init("f32")};
  Option<int64_t> qTile{*this, "q-tile",
                        llvm::cl::desc("attn-tile q-tile (0 picks)"),
                        llvm::cl::init(0)};
  Option<int64_t> kvTile{*this, "kv-tile",
                         llvm::cl::desc("attn-tile kv-tile (0 picks)"),
                         llvm::cl::init(0)};
  Option<int64_t> l2QBlock{*this, "l2-q-block",
                           llvm::cl::desc("attn-tile l2-q-block (0 picks)"),
                           llvm::cl::init(0)};
  Option<int64_t> l2KvBlock{*this, "l2-kv-block",
                            llvm::cl::desc("attn-tile l2-kv-block (0 picks)"),
                            llvm::cl::init(0)};
  Option<int64_t> columns{*this, "columns",
                          llvm::cl::desc("attn-tile columns (0 picks)"),
                          llvm::cl::init(0)};
  Option<int64_t> coresPerColumn{
      *this, "cores-per-column",
      llvm::cl::desc("attn-tile cores-per-column (0 picks)"),
      llvm::cl::init(0)};
  Option<int64_t> kvSplit{
      *this, "kv-split",
      llvm::cl::desc("attn-tile kv-split (cascade chain length; 0 picks)"),
      llvm::cl::init(0)};
  Option<int64_t> depth{*this, "depth",
                        llvm::cl::desc("attn-tile depth (objectfifo depth)"),
                        llvm::cl::init(2)};
  Option<std::string> mapping{
      *this, "mapping",
      llvm::cl::desc("attn-tile mapping: fused, or stream (QK | softmax | PV "
                     "pipelines; the online fold, which fold=auto then "
                     "takes)"),
      llvm::cl::init("fused")};
  Option<std::string> datapath{
      *this, "datapath",
      llvm::cl::desc("attn-tile datapath: native, bfp16 (bf16 on npu2) or "
                     "auto"),
      llvm::cl::init("native")};
  Option<bool> allowPrecisionLoss{
      *this, "allow-precision-loss",
      llvm::cl::desc("attn-tile allow-precision-loss (f16/f32 matmuls in one "
                     "bf16 pass)"),
      llvm::cl::init(false)};
  Option<int64_t> kvGroupColumns{
      *this, "kv-group-columns",
      llvm::cl::desc("attn-schedule-dma kv-group-columns (0 chooses)"),
      llvm::cl::init(0)};
  Option<int64_t> queryChunks{
      *this, "query-chunks",
      llvm::cl::desc("attn-schedule-dma query-chunks (0 chooses)"),
      llvm::cl::init(0)};
};

/// attn-fold -> attn-tile -> attn-pad-and-mask -> attn-schedule-dma ->
/// convert-attn-to-aie -> aie-check-limits.
void buildAttnToAIEPipeline(OpPassManager &pm,
                            const AttnToAIEPipelineOptions &options);

/// `attn-pilot-to-aie`: a sparsified layer (attn-sparsify) in, the AIE
/// device of its int8 pilot out: attn-extract-pilot -> attn-schedule-dma ->
/// convert-attn-to-aie -> aie-check-limits.
struct AttnPilotToAIEPipelineOptions
    : public PassPipelineOptions<AttnPilotToAIEPipelineOptions> {
  Option<std::string> target{*this, "target",
                             llvm::cl::desc("Target table entry"),
                             llvm::cl::init("npu2")};
  Option<int64_t> qTile{*this, "q-tile",
                        llvm::cl::desc("attn-extract-pilot q-tile (0 picks)"),
                        llvm::cl::init(0)};
  Option<int64_t> kvTile{*this, "kv-tile",
                         llvm::cl::desc("attn-extract-pilot kv-tile (0 picks)"),
                         llvm::cl::init(0)};
  Option<int64_t> columns{*this, "columns",
                          llvm::cl::desc("attn-extract-pilot columns (0: all)"),
                          llvm::cl::init(0)};
  Option<int64_t> coresPerColumn{
      *this, "cores-per-column",
      llvm::cl::desc("attn-extract-pilot cores-per-column (0: all)"),
      llvm::cl::init(0)};
  Option<int64_t> depth{*this, "depth", llvm::cl::desc("objectfifo depth"),
                        llvm::cl::init(2)};
};

void buildAttnPilotToAIEPipeline(OpPassManager &pm,
                                 const AttnPilotToAIEPipelineOptions &options);
/// Registers `attn-pilot-to-aie` (called by registerAttnPipelines).
void registerAttnPilotPipeline();

/// Registers `attn-to-aie`.
void registerAttnPipelines();

} // namespace mlir::attn

#endif // ATTN_PIPELINES_PIPELINES_H
