//===- AttnOps.cpp - attn dialect operations ------------------------------===//
//
// Verifiers name the offending operand and dimension: users reach these
// messages from hand-written IR, Python builders and frontends alike.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "ShapeChecks.h"
#include "attn/Support/CheckedArith.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::attn;

//===----------------------------------------------------------------------===//
// Shared shape checks (ShapeChecks.h)
//===----------------------------------------------------------------------===//

namespace mlir::attn::detail {

DimOrder dimOrder(LayoutKind layout) {
  if (layout == LayoutKind::blhd)
    return DimOrder{0, 2, 1, 3};
  return DimOrder{};
}

std::string layoutDoc(LayoutKind layout) {
  return layout == LayoutKind::bhld ? "[B, H, L, D] (layout bhld)"
                                    : "[B, L, H, D] (layout blhd)";
}

int64_t dimOf(Value v, unsigned pos) {
  return cast<RankedTensorType>(v.getType()).getDimSize(pos);
}

std::string dimToString(int64_t d) {
  return ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d);
}

bool mismatch(int64_t a, int64_t b) {
  return !ShapedType::isDynamic(a) && !ShapedType::isDynamic(b) && a != b;
}

LogicalResult verifyRank4(Operation *op, NamedValue v, StringRef doc) {
  auto t = cast<RankedTensorType>(v.value.getType());
  if (t.getRank() != 4)
    return op->emitOpError() << "'" << v.name << "' must be a 4-D tensor "
                             << doc << ", got rank " << t.getRank();
  return success();
}

LogicalResult verifyFloatElement(Operation *op, NamedValue v) {
  Type t = cast<RankedTensorType>(v.value.getType()).getElementType();
  if (!isa<BFloat16Type, Float16Type, Float32Type>(t))
    return op->emitOpError() << "'" << v.name << "' element type " << t
                             << " must be bf16, f16 or f32";
  return success();
}

LogicalResult verifySameElement(Operation *op, NamedValue v, Type ref,
                                StringRef refName) {
  Type t = cast<RankedTensorType>(v.value.getType()).getElementType();
  if (t != ref)
    return op->emitOpError()
           << "'" << v.name << "' element type " << t << " differs from the "
           << refName << " element type " << ref;
  return success();
}

LogicalResult verifyDimsAgree(Operation *op, NamedValue a, unsigned aPos,
                              NamedValue b, unsigned bPos, StringRef what) {
  int64_t da = dimOf(a.value, aPos), db = dimOf(b.value, bPos);
  if (mismatch(da, db))
    return op->emitOpError()
           << what << " mismatch: '" << a.name << "' dimension " << aPos
           << " is " << da << " but '" << b.name << "' dimension " << bPos
           << " is " << db;
  return success();
}

LogicalResult verifyHeadGrouping(Operation *op, NamedValue heads,
                                 NamedValue kvHeads, unsigned headsPos,
                                 unsigned kvHeadsPos) {
  int64_t h = dimOf(heads.value, headsPos);
  int64_t hkv = dimOf(kvHeads.value, kvHeadsPos);
  if (!ShapedType::isDynamic(hkv) && hkv == 0)
    return op->emitOpError()
           << "'" << kvHeads.name << "' has 0 heads (dimension " << kvHeadsPos
           << "); at least one key/value head is required";
  if (!ShapedType::isDynamic(h) && !ShapedType::isDynamic(hkv) && h % hkv != 0)
    return op->emitOpError()
           << "query head count H = " << h << " ('" << heads.name
           << "' dimension " << headsPos
           << ") is not a multiple of the key/value head count Hkv = " << hkv
           << " ('" << kvHeads.name << "' dimension " << kvHeadsPos << ")";
  return success();
}

/// Checks that `operand` (named `name`) broadcasts, numpy style aligned to
/// the right, to the logical score shape [B, H, Lq, Lk].
static LogicalResult verifyBroadcastableToScores(Operation *op, Value operand,
                                                 StringRef name,
                                                 ArrayRef<int64_t> target) {
  auto type = cast<RankedTensorType>(operand.getType());
  int64_t rank = type.getRank();
  if (rank < 1 || rank > 4)
    return op->emitOpError() << "operand '" << name
                             << "' must have rank 1 to 4 to broadcast to the "
                                "scores [B, H, Lq, Lk], got rank "
                             << rank;
  static const char *dimNames[] = {"B", "H", "Lq", "Lk"};
  for (int64_t i = 0; i < rank; ++i) {
    int64_t scoreDim = 4 - rank + i;
    int64_t size = type.getDimSize(i);
    if (size == 1 || ShapedType::isDynamic(size))
      continue;
    if (mismatch(size, target[scoreDim]))
      return op->emitOpError()
             << "operand '" << name << "' dimension " << i << " has size "
             << size << " which does not broadcast to " << dimNames[scoreDim]
             << " = " << dimToString(target[scoreDim])
             << " of the scores [B, H, Lq, Lk]";
  }
  return success();
}

LogicalResult verifyMaskAndBias(Operation *op, Value mask, Value bias,
                                Type elemType, ArrayRef<int64_t> scoreDims) {
  if (mask) {
    auto mt = cast<RankedTensorType>(mask.getType());
    if (!mt.getElementType().isSignlessInteger(1) &&
        mt.getElementType() != elemType && !mt.getElementType().isF32())
      return op->emitOpError()
             << "additive 'mask' element type " << mt.getElementType()
             << " must be i1 (keep-mask), f32 or the query "
                "element type "
             << elemType;
    if (failed(verifyBroadcastableToScores(op, mask, "mask", scoreDims)))
      return failure();
  }
  if (bias) {
    auto bt = cast<RankedTensorType>(bias.getType());
    if (bt.getElementType() != elemType && !bt.getElementType().isF32())
      return op->emitOpError()
             << "'bias' element type " << bt.getElementType()
             << " must be f32 or the query element type " << elemType;
    if (failed(verifyBroadcastableToScores(op, bias, "bias", scoreDims)))
      return failure();
  }
  return success();
}

LogicalResult verifyValidLen(Operation *op, Value validLen, int64_t batch) {
  if (!validLen)
    return success();
  auto vt = cast<RankedTensorType>(validLen.getType());
  if (vt.getRank() != 1 || !vt.getElementType().isSignlessInteger(32))
    return op->emitOpError() << "'valid_len' must be a 1-D tensor of i32 (one "
                                "length per batch entry), got "
                             << vt;
  int64_t n = vt.getDimSize(0);
  if (mismatch(n, batch))
    return op->emitOpError() << "'valid_len' has " << n
                             << " entries but the batch size B is " << batch;
  return success();
}

/// "N bytes" or "more than 2^63 bytes".
static std::string bytesString(std::optional<int64_t> bytes) {
  return bytes ? std::to_string(*bytes) + " bytes"
               : std::string("more than 2^63 bytes");
}

LogicalResult verifyRepresentable(Operation *op) {
  auto check = [&](Value v, StringRef kind, unsigned index) -> LogicalResult {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    if (!type)
      return success();
    std::optional<int64_t> bytes = checkedStaticBytes(type);
    if (bytes && *bytes <= kMaxRepresentableBytes)
      return success();
    return op->emitOpError()
           << kind << " #" << index << " of type " << type << " has "
           << bytesString(bytes)
           << (type.hasStaticShape() ? "" : " in its static dimensions")
           << ", beyond the 2^48 bytes the compiler represents";
  };
  for (auto [i, v] : llvm::enumerate(op->getOperands()))
    if (failed(check(v, "operand", i)))
      return failure();
  for (auto [i, v] : llvm::enumerate(op->getResults()))
    if (failed(check(v, "result", i)))
      return failure();
  return success();
}

LogicalResult verifyScoresRepresentable(Operation *op,
                                        ArrayRef<int64_t> scoreDims) {
  SmallVector<int64_t> factors = {4}; // f32 scores
  for (int64_t d : scoreDims)
    if (!ShapedType::isDynamic(d))
      factors.push_back(d);
  std::optional<int64_t> bytes = checkedProduct(factors);
  if (bytes && *bytes <= kMaxRepresentableBytes)
    return success();
  return op->emitOpError() << "the f32 score matrix [B, H, Lq, Lk] = ["
                           << dimToString(scoreDims[0]) << ", "
                           << dimToString(scoreDims[1]) << ", "
                           << dimToString(scoreDims[2]) << ", "
                           << dimToString(scoreDims[3]) << "] has "
                           << bytesString(bytes)
                           << ", beyond the 2^48 bytes the compiler represents";
}

LogicalResult verifyScale(Operation *op, FloatAttr scale) {
  if (!scale)
    return success();
  double s = scale.getValueAsDouble();
  if (!std::isfinite(s) || s <= 0.0)
    return op->emitOpError()
           << "'scale' must be a finite positive number, got " << s;
  return success();
}

} // namespace mlir::attn::detail

using namespace mlir::attn::detail;

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

int64_t AttentionOp::getBatchSize() {
  return dimOf(getQuery(), dimOrder(getLayout()).batch);
}
int64_t AttentionOp::getNumHeads() {
  return dimOf(getQuery(), dimOrder(getLayout()).heads);
}
int64_t AttentionOp::getNumKVHeads() {
  return dimOf(getKey(), dimOrder(getLayout()).heads);
}
int64_t AttentionOp::getQueryLength() {
  return dimOf(getQuery(), dimOrder(getLayout()).length);
}
int64_t AttentionOp::getKeyLength() {
  return dimOf(getKey(), dimOrder(getLayout()).length);
}
int64_t AttentionOp::getHeadDim() {
  return dimOf(getQuery(), dimOrder(getLayout()).feature);
}
int64_t AttentionOp::getValueDim() {
  return dimOf(getValue(), dimOrder(getLayout()).feature);
}

std::optional<double> AttentionOp::getEffectiveScale() {
  if (auto s = getScaleAttr())
    return s.getValueAsDouble();
  int64_t d = getHeadDim();
  if (ShapedType::isDynamic(d) || d <= 0)
    return std::nullopt;
  return 1.0 / std::sqrt(static_cast<double>(d));
}

bool AttentionOp::hasBooleanMask() {
  Value m = getMask();
  return m && cast<RankedTensorType>(m.getType()).getElementType().isInteger(1);
}

LogicalResult AttentionOp::verify() {
  Operation *op = getOperation();
  DimOrder order = dimOrder(getLayout());
  std::string doc = layoutDoc(getLayout());
  NamedValue q{getQuery(), "query"}, k{getKey(), "key"}, v{getValue(), "value"},
      r{getResult(), "result"};
  NamedValue fourD[] = {q, k, v, r};
  for (const NamedValue &n : fourD)
    if (failed(verifyRank4(op, n, doc)))
      return failure();
  if (failed(verifyFloatElement(op, q)))
    return failure();
  Type elemType = getQuery().getType().getElementType();
  for (const NamedValue &n : fourD)
    if (failed(verifySameElement(op, n, elemType, "query")))
      return failure();

  if (failed(verifyDimsAgree(op, q, order.batch, k, order.batch,
                             "batch size (B)")) ||
      failed(verifyDimsAgree(op, q, order.batch, v, order.batch,
                             "batch size (B)")) ||
      failed(verifyDimsAgree(op, q, order.batch, r, order.batch,
                             "batch size (B)")) ||
      failed(verifyDimsAgree(op, k, order.heads, v, order.heads,
                             "key/value head count (Hkv)")) ||
      failed(verifyDimsAgree(op, q, order.feature, k, order.feature,
                             "query/key head dimension (D)")) ||
      failed(verifyDimsAgree(op, k, order.length, v, order.length,
                             "key/value length (Lk)")) ||
      failed(verifyDimsAgree(op, q, order.heads, r, order.heads,
                             "head count (H)")) ||
      failed(verifyDimsAgree(op, q, order.length, r, order.length,
                             "query length (Lq)")) ||
      failed(verifyDimsAgree(op, v, order.feature, r, order.feature,
                             "value head dimension (Dv)")))
    return failure();

  if (failed(verifyHeadGrouping(op, q, k, order.heads, order.heads)))
    return failure();
  int64_t headDim = getHeadDim();
  if (!ShapedType::isDynamic(headDim) && headDim == 0)
    return emitOpError() << "'query' head dimension D (dimension "
                         << order.feature << ") must not be 0";

  int64_t scoreDims[] = {getBatchSize(), getNumHeads(), getQueryLength(),
                         getKeyLength()};
  if (failed(
          verifyMaskAndBias(op, getMask(), getBias(), elemType, scoreDims)) ||
      failed(verifyValidLen(op, getValidLen(), getBatchSize())) ||
      failed(verifyRepresentable(op)) ||
      failed(verifyScoresRepresentable(op, scoreDims)) ||
      failed(verifyScale(op, getScaleAttr())))
    return failure();
  return success();
}

#define GET_OP_CLASSES
#include "attn/Dialect/Attn/IR/AttnOps.cpp.inc"
