//===- StageDescription.h - read an attn.stage for AIE mapping --*- C++ -*-===//
//
// Turns a tiled, padded attn.stage into the plain-number StageDesc the AIE
// planner works on, naming the DRAM role of each stage operand. Emits an
// error at the stage (or the offending op) for anything the AIE mapping
// cannot express.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_CONVERSION_ATTNTOAIE_STAGEDESCRIPTION_H
#define ATTN_CONVERSION_ATTNTOAIE_STAGEDESCRIPTION_H

#include "attn/Conversion/AttnToAIE/StageSchedule.h"
#include "attn/Dialect/Attn/IR/AttnOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Support/LogicalResult.h"

#include <optional>
#include <vector>

namespace mlir::attn::aiemap {

struct DescribedStage {
  StageDesc desc;
  const NPUTarget *target = nullptr;
  /// Role of each stage input; std::nullopt for the valid_len operand.
  std::vector<std::optional<Role>> inputRoles;
  /// A stage operand (or the result, operand = -1) whose device buffer is
  /// padded: the host pads it (zeros) from `logical` to `device` before the
  /// dispatch, and slices the result from `device` back to `logical`.
  struct HostPadding {
    int operand = -1;
    Type logical, device;
  };
  std::vector<HostPadding> padding;
};

/// Reads `stage`; on failure an error has been emitted.
FailureOr<DescribedStage> describeStage(StageOp stage);

/// Name of the attribute attn-schedule-dma attaches to a stage.
inline constexpr llvm::StringLiteral kScheduleAttrName = "dma_schedule";

/// Name of the dictionary convert-attn-to-aie puts on each aie.device: the
/// host side of the dispatch (function, stage, dispatch index, fold, plan
/// and the stage's `dma_schedule`).
inline constexpr llvm::StringLiteral kHostAttrName = "attn.host";

/// Name of the dictionary on the host device convert-attn-to-aie emits per
/// layer (an aie.device whose runtime sequence dispatches the stage devices
/// with aiex.configure / aiex.run): the layer function, the role of each
/// sequence argument ("q", ..., "valid_len", "s", "p", "o") and the host
/// padding per role ({role, logical, device} tensor types).
inline constexpr llvm::StringLiteral kHostProgramAttrName = "attn.host_program";

} // namespace mlir::attn::aiemap

#endif // ATTN_CONVERSION_ATTNTOAIE_STAGEDESCRIPTION_H
