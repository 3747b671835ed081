//===- AttnEnums.h - the attn dialect's enums -------------------*- C++ -*-===//
//
// The ODS enums of the attn dialect (fold, mapping, causal rule, layout,
// stage kind), usable without the dialect's attributes: the cost model,
// the stage layout and the C API use these same enums (one per concept).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_DIALECT_ATTN_IR_ATTNENUMS_H
#define ATTN_DIALECT_ATTN_IR_ATTNENUMS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <optional>

#include "attn/Dialect/Attn/IR/AttnEnums.h.inc"

namespace mlir::attn {

/// The name an attn.stage of `kind` carries: "attention" for the one stage
/// of the full and online folds, else the kind's own name.
llvm::StringRef stageName(StageKind kind);
/// The kind of the attn.stage named `name` under `fold`, or nullopt when
/// `fold` has no stage of that name.
std::optional<StageKind> stageKindOf(llvm::StringRef name, FoldKind fold);
/// The stages `fold` dispatches, in program order.
llvm::SmallVector<StageKind, 3> foldStages(FoldKind fold);
/// The one stage of the full and online folds.
inline bool isAttentionStage(StageKind kind) {
  return kind == StageKind::Online || kind == StageKind::Full;
}

} // namespace mlir::attn

#endif // ATTN_DIALECT_ATTN_IR_ATTNENUMS_H
