//===- StreamStage.h - the stream mapping (MAS-Attention) -------*- C++ -*-===//
//
// An online stage with plan mapping `stream` runs each lane as a pipeline of
// three neighbouring cores of one column: QK (Q item, K broadcast, masked S
// tiles out) | softmax (running max / sum, P block objects with the rescale
// factors and row sums out) | PV (V broadcast, rescale + P V accumulate,
// finalize, O out). S and P pass core to core in f32 through depth-`depth`
// object FIFOs that each core releases right after use, so an object is
// refilled as soon as its consumer is done (MAS-Attention's buffer reuse).
// The work decomposition, the K / V broadcast and the runtime sequence are
// those of a fused online stage with one lane per column.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_CONVERSION_ATTNTOAIE_STREAMSTAGE_H
#define ATTN_CONVERSION_ATTNTOAIE_STREAMSTAGE_H

#include "attn/Conversion/AttnToAIE/StageSchedule.h"

namespace mlir::attn::aiemap {

/// Cores of a stream pipeline (QK | softmax | PV).
inline constexpr int64_t kStreamPipelineCores = 3;

/// Plans a stream stage (`desc.stream`, kind online). On failure returns
/// std::nullopt and sets `error` to the reason.
std::optional<StageSchedule> planStreamStage(const StageDesc &desc,
                                             const NPUTarget &target,
                                             const ScheduleOptions &options,
                                             std::string &error);

/// planStage() or planStreamStage(), by `desc.stream`.
std::optional<StageSchedule> planAnyStage(const StageDesc &desc,
                                          const NPUTarget &target,
                                          const ScheduleOptions &options,
                                          std::string &error);

} // namespace mlir::attn::aiemap

#endif // ATTN_CONVERSION_ATTNTOAIE_STREAMSTAGE_H
