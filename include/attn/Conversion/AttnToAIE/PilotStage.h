//===- PilotStage.h - the shadowAttn pilot stage on AIE ---------*- C++ -*-===//
//
// The `attn.stage "pilot"` attn-extract-pilot builds (one attn.pilot_qk_rows
// on int8 rows of D + 4 bytes, padded to the plan's tiles) read as the
// plain-number StageDesc the AIE planner works on: kind Pilot, i8 elements,
// head dimension = row bytes (D + 4), so the Q and K objects carry each
// row's f32 scale next to its int8 values.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_CONVERSION_ATTNTOAIE_PILOTSTAGE_H
#define ATTN_CONVERSION_ATTNTOAIE_PILOTSTAGE_H

#include "attn/Conversion/AttnToAIE/StageDescription.h"

namespace mlir::attn::aiemap {

/// Int8 values per row of a pilot stage (its head dimension D): the row
/// bytes minus the f32 scale.
inline int64_t pilotHeadDim(const StageDesc &d) {
  return d.headDim - PilotQKRowsOp::kScaleBytes;
}

/// The pilot op of `stage`'s body, or null when it has none.
PilotQKRowsOp findPilotOp(StageOp stage);

/// Reads a pilot stage; on failure an error has been emitted.
FailureOr<DescribedStage> describePilotStage(StageOp stage, PilotQKRowsOp op);

} // namespace mlir::attn::aiemap

#endif // ATTN_CONVERSION_ATTNTOAIE_PILOTSTAGE_H
