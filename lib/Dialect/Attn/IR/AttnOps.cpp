//===- AttnOps.cpp - attn dialect operations ------------------------------===//
//
// Verifiers name the offending operand and dimension: users reach these
// messages from hand-written IR, Python builders and frontends alike.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/IR/AttnOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::attn;

#include "attn/Dialect/Attn/IR/AttnEnums.cpp.inc"

//===----------------------------------------------------------------------===//
// Shape helpers
//===----------------------------------------------------------------------===//

namespace {
/// Positions of the logical dimensions inside a 4-D attention operand.
struct DimOrder {
  unsigned batch = 0, heads = 1, length = 2, feature = 3;
};

DimOrder dimOrder(LayoutKind layout) {
  if (layout == LayoutKind::blhd)
    return DimOrder{0, 2, 1, 3};
  return DimOrder{};
}

int64_t dimOf(Value v, unsigned pos) {
  return cast<RankedTensorType>(v.getType()).getDimSize(pos);
}

std::string dimToString(int64_t d) {
  return ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d);
}

/// Static-vs-static mismatch check; dynamic sizes are compatible with all.
bool mismatch(int64_t a, int64_t b) {
  return !ShapedType::isDynamic(a) && !ShapedType::isDynamic(b) && a != b;
}
} // namespace

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

//===----------------------------------------------------------------------===//
// Verifier
//===----------------------------------------------------------------------===//

/// Checks that `operand` (named `name`) broadcasts, numpy style aligned to
/// the right, to the logical score shape [B, H, Lq, Lk].
static LogicalResult verifyBroadcastableToScores(AttentionOp op, Value operand,
                                                 StringRef name) {
  auto type = cast<RankedTensorType>(operand.getType());
  int64_t rank = type.getRank();
  if (rank < 1 || rank > 4)
    return op.emitOpError() << "operand '" << name
                            << "' must have rank 1 to 4 to broadcast to the "
                               "scores [B, H, Lq, Lk], got rank "
                            << rank;
  static const char *dimNames[] = {"B", "H", "Lq", "Lk"};
  int64_t target[] = {op.getBatchSize(), op.getNumHeads(), op.getQueryLength(),
                      op.getKeyLength()};
  for (int64_t i = 0; i < rank; ++i) {
    int64_t scoreDim = 4 - rank + i;
    int64_t size = type.getDimSize(i);
    if (size == 1 || ShapedType::isDynamic(size))
      continue;
    if (mismatch(size, target[scoreDim]))
      return op.emitOpError()
             << "operand '" << name << "' dimension " << i << " has size "
             << size << " which does not broadcast to " << dimNames[scoreDim]
             << " = " << dimToString(target[scoreDim])
             << " of the scores [B, H, Lq, Lk]";
  }
  return success();
}

LogicalResult AttentionOp::verify() {
  DimOrder order = dimOrder(getLayout());
  StringRef layoutName = stringifyLayoutKind(getLayout());
  std::string dimsDoc =
      getLayout() == LayoutKind::bhld ? "[B, H, L, D]" : "[B, L, H, D]";
  // Rank and element type of the four 4-D operands.
  struct Named {
    Value value;
    StringRef name;
  };
  Named fourD[] = {{getQuery(), "query"},
                   {getKey(), "key"},
                   {getValue(), "value"},
                   {getResult(), "result"}};
  for (const Named &n : fourD) {
    auto t = cast<RankedTensorType>(n.value.getType());
    if (t.getRank() != 4)
      return emitOpError() << "'" << n.name << "' must be a 4-D tensor "
                           << dimsDoc << " (layout " << layoutName
                           << "), got rank " << t.getRank();
  }
  Type elemType = getQuery().getType().getElementType();
  if (!isa<BFloat16Type, Float16Type, Float32Type>(elemType))
    return emitOpError() << "'query' element type " << elemType
                         << " must be bf16, f16 or f32";
  for (const Named &n : fourD) {
    Type t = cast<RankedTensorType>(n.value.getType()).getElementType();
    if (t != elemType)
      return emitOpError() << "'" << n.name << "' element type " << t
                           << " differs from the query element type "
                           << elemType;
  }

  // Relations between the logical dimensions.
  auto check = [&](Value a, StringRef aName, unsigned aPos, Value b,
                   StringRef bName, unsigned bPos,
                   StringRef what) -> LogicalResult {
    int64_t da = dimOf(a, aPos), db = dimOf(b, bPos);
    if (mismatch(da, db))
      return emitOpError() << what << " mismatch: '" << aName << "' dimension "
                           << aPos << " is " << da << " but '" << bName
                           << "' dimension " << bPos << " is " << db;
    return success();
  };
  Value q = getQuery(), k = getKey(), v = getValue(), r = getResult();
  if (failed(check(q, "query", order.batch, k, "key", order.batch,
                   "batch size (B)")) ||
      failed(check(q, "query", order.batch, v, "value", order.batch,
                   "batch size (B)")) ||
      failed(check(q, "query", order.batch, r, "result", order.batch,
                   "batch size (B)")) ||
      failed(check(k, "key", order.heads, v, "value", order.heads,
                   "key/value head count (Hkv)")) ||
      failed(check(q, "query", order.feature, k, "key", order.feature,
                   "query/key head dimension (D)")) ||
      failed(check(k, "key", order.length, v, "value", order.length,
                   "key/value length (Lk)")) ||
      failed(check(q, "query", order.heads, r, "result", order.heads,
                   "head count (H)")) ||
      failed(check(q, "query", order.length, r, "result", order.length,
                   "query length (Lq)")) ||
      failed(check(v, "value", order.feature, r, "result", order.feature,
                   "value head dimension (Dv)")))
    return failure();

  int64_t heads = getNumHeads(), kvHeads = getNumKVHeads();
  if (!ShapedType::isDynamic(kvHeads) && kvHeads == 0)
    return emitOpError() << "'key' has 0 heads (dimension " << order.heads
                         << "); at least one key/value head is required";
  if (!ShapedType::isDynamic(heads) && !ShapedType::isDynamic(kvHeads) &&
      heads % kvHeads != 0)
    return emitOpError() << "query head count H = " << heads
                         << " ('query' dimension " << order.heads
                         << ") is not a multiple of the key/value head count "
                            "Hkv = "
                         << kvHeads << " ('key' dimension " << order.heads
                         << ")";
  int64_t headDim = getHeadDim();
  if (!ShapedType::isDynamic(headDim) && headDim == 0)
    return emitOpError() << "'query' head dimension D (dimension "
                         << order.feature << ") must not be 0";

  if (Value m = getMask()) {
    auto mt = cast<RankedTensorType>(m.getType());
    if (!mt.getElementType().isSignlessInteger(1) &&
        mt.getElementType() != elemType && !mt.getElementType().isF32())
      return emitOpError() << "additive 'mask' element type "
                           << mt.getElementType()
                           << " must be i1 (keep-mask), f32 or the query "
                              "element type "
                           << elemType;
    if (failed(verifyBroadcastableToScores(*this, m, "mask")))
      return failure();
  }
  if (Value b = getBias()) {
    auto bt = cast<RankedTensorType>(b.getType());
    if (bt.getElementType() != elemType && !bt.getElementType().isF32())
      return emitOpError() << "'bias' element type " << bt.getElementType()
                           << " must be f32 or the query element type "
                           << elemType;
    if (failed(verifyBroadcastableToScores(*this, b, "bias")))
      return failure();
  }
  if (Value vl = getValidLen()) {
    auto vt = cast<RankedTensorType>(vl.getType());
    if (vt.getRank() != 1 || !vt.getElementType().isSignlessInteger(32))
      return emitOpError() << "'valid_len' must be a 1-D tensor of i32 (one "
                              "length per batch entry), got "
                           << vt;
    int64_t n = vt.getDimSize(0);
    if (mismatch(n, getBatchSize()))
      return emitOpError() << "'valid_len' has " << n
                           << " entries but the batch size B is "
                           << getBatchSize();
  }
  if (auto s = getScaleAttr()) {
    double scale = s.getValueAsDouble();
    if (!std::isfinite(scale) || scale <= 0.0)
      return emitOpError() << "'scale' must be a finite positive number, got "
                           << scale;
  }
  return success();
}

#define GET_OP_CLASSES
#include "attn/Dialect/Attn/IR/AttnOps.cpp.inc"
