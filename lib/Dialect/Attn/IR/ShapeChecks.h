//===- ShapeChecks.h - shared verifier helpers of attn ops ------*- C++ -*-===//
//
// The attention op and its stage ops check the same relations (GQA, mask
// broadcast, valid_len, ...); these helpers keep one wording for each rule.
// Private to the dialect library.
//
//===----------------------------------------------------------------------===//

#ifndef LIB_DIALECT_ATTN_IR_SHAPECHECKS_H
#define LIB_DIALECT_ATTN_IR_SHAPECHECKS_H

#include "attn/Dialect/Attn/IR/AttnOps.h"

#include <string>

namespace mlir::attn::detail {

/// Positions of the logical dimensions inside a 4-D Q/K/V/O operand.
struct DimOrder {
  unsigned batch = 0, heads = 1, length = 2, feature = 3;
};
DimOrder dimOrder(LayoutKind layout);
/// "[B, H, L, D] (layout bhld)" or "[B, L, H, D] (layout blhd)".
std::string layoutDoc(LayoutKind layout);

int64_t dimOf(Value v, unsigned pos);
std::string dimToString(int64_t d);
/// Static-vs-static mismatch; a dynamic size is compatible with all.
bool mismatch(int64_t a, int64_t b);

/// An operand or result with the name used in diagnostics.
struct NamedValue {
  Value value;
  StringRef name;
};

/// "'<name>' must be a 4-D tensor <doc>, got rank N".
LogicalResult verifyRank4(Operation *op, NamedValue v, StringRef doc);
/// "'<name>' element type T must be bf16, f16 or f32".
LogicalResult verifyFloatElement(Operation *op, NamedValue v);
/// "'<name>' element type T differs from the <refName> element type R".
LogicalResult verifySameElement(Operation *op, NamedValue v, Type ref,
                                StringRef refName);
/// "<what> mismatch: 'a' dimension i is x but 'b' dimension j is y".
LogicalResult verifyDimsAgree(Operation *op, NamedValue a, unsigned aPos,
                              NamedValue b, unsigned bPos, StringRef what);
/// Hkv > 0 and H % Hkv == 0.
LogicalResult verifyHeadGrouping(Operation *op, NamedValue heads,
                                 NamedValue kvHeads, unsigned headsPos,
                                 unsigned kvHeadsPos);
/// mask (i1, f32 or `elemType`) and bias (f32 or `elemType`) broadcast to
/// the scores [B, H, Lq, Lk] given by `scoreDims`.
LogicalResult verifyMaskAndBias(Operation *op, Value mask, Value bias,
                                Type elemType, ArrayRef<int64_t> scoreDims);
/// valid_len is tensor<Bxi32>.
LogicalResult verifyValidLen(Operation *op, Value validLen, int64_t batch);
/// Every ranked tensor operand and result of `op` has at most
/// kMaxRepresentableBytes of static size (CheckedArith.h).
LogicalResult verifyRepresentable(Operation *op);
/// The f32 score matrix [B, H, Lq, Lk] (static dims) is representable.
LogicalResult verifyScoresRepresentable(Operation *op,
                                        ArrayRef<int64_t> scoreDims);
/// scale (when present) is finite and positive.
LogicalResult verifyScale(Operation *op, FloatAttr scale);

} // namespace mlir::attn::detail

#endif // LIB_DIALECT_ATTN_IR_SHAPECHECKS_H
