//===- AttnSparseOps.cpp - shadowAttn sparse attention ops ----------------===//
//
// Verifiers of attn.quantize, attn.pilot_qk, attn.topk and
// attn.sparse_attention. Rules shared with attn.attention go through
// ShapeChecks.h so they are worded the same way.
//
//===----------------------------------------------------------------------===//

#include "ShapeChecks.h"
#include "attn/Dialect/Attn/IR/AttnOps.h"

#include "mlir/IR/Builders.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::detail;

static constexpr StringLiteral kScoresDoc = "[B, H, Lq, Lk]";

/// Largest head dimension whose int8 dot products cannot overflow i32:
/// D * 127 * 127 <= 2^31 - 1.
static constexpr int64_t kMaxInt8HeadDim = 2147483647 / (127 * 127);

static LogicalResult verifyElement(Operation *op, NamedValue v, Type want,
                                   StringRef wantName) {
  Type t = cast<RankedTensorType>(v.value.getType()).getElementType();
  if (t != want)
    return op->emitOpError() << "'" << v.name << "' element type " << t
                             << " must be " << wantName;
  return success();
}

static LogicalResult verifyPositiveBlock(Operation *op, StringRef name,
                                         int64_t block) {
  if (block <= 0)
    return op->emitOpError()
           << "'" << name << "' must be positive, got " << block;
  return success();
}

/// `scales` (named `name`) is [B, H, ceildiv(L, block)] f32 for the
/// quantized operand `x` (named `xName`) in `order`.
static LogicalResult verifyScales(Operation *op, NamedValue scales,
                                  NamedValue x, DimOrder order, int64_t block,
                                  StringRef blockName) {
  auto st = cast<RankedTensorType>(scales.value.getType());
  if (st.getRank() != 3)
    return op->emitOpError()
           << "'" << scales.name << "' must be a 3-D tensor [B, H, ceildiv(L, "
           << blockName << ")], got rank " << st.getRank();
  if (failed(verifyElement(op, scales, Float32Type::get(op->getContext()),
                           "f32")) ||
      failed(
          verifyDimsAgree(op, x, order.batch, scales, 0, "batch size (B)")) ||
      failed(verifyDimsAgree(op, x, order.heads, scales, 1, "head count")))
    return failure();
  int64_t len = dimOf(x.value, order.length);
  int64_t blocks = st.getDimSize(2);
  if (!ShapedType::isDynamic(len) && !ShapedType::isDynamic(blocks) &&
      blocks != llvm::divideCeil(len, block))
    return op->emitOpError()
           << "'" << scales.name << "' dimension 2 is " << blocks
           << " but the length " << len << " of '" << x.name << "' (dimension "
           << order.length << ") in blocks of " << blockName << " = " << block
           << " needs " << llvm::divideCeil(len, block) << " scales";
  return success();
}

//===----------------------------------------------------------------------===//
// QuantizeOp
//===----------------------------------------------------------------------===//

LogicalResult QuantizeOp::verify() {
  Operation *op = getOperation();
  DimOrder order = dimOrder(getLayout());
  std::string doc = layoutDoc(getLayout());
  NamedValue in{getInput(), "input"}, q{getQuantized(), "quantized"},
      s{getScales(), "scales"};
  if (failed(verifyRank4(op, in, doc)) || failed(verifyRank4(op, q, doc)) ||
      failed(verifyFloatElement(op, in)) ||
      failed(verifyElement(op, q, IntegerType::get(getContext(), 8), "i8")) ||
      failed(verifyPositiveBlock(op, "block", getBlock())))
    return failure();
  static const char *what[] = {"dimension 0", "dimension 1", "dimension 2",
                               "dimension 3"};
  for (unsigned i = 0; i < 4; ++i)
    if (failed(verifyDimsAgree(op, in, i, q, i, what[i])))
      return failure();
  return verifyScales(op, s, in, order, getBlock(), "block");
}

//===----------------------------------------------------------------------===//
// PilotQKOp
//===----------------------------------------------------------------------===//

LogicalResult PilotQKOp::verify() {
  Operation *op = getOperation();
  DimOrder order = dimOrder(getLayout());
  std::string doc = layoutDoc(getLayout());
  Type i8 = IntegerType::get(getContext(), 8);
  NamedValue q{getQuery(), "query"}, k{getKey(), "key"},
      s{getScores(), "scores"};
  if (failed(verifyRank4(op, q, doc)) || failed(verifyRank4(op, k, doc)) ||
      failed(verifyRank4(op, s, kScoresDoc)) ||
      failed(verifyElement(op, q, i8, "i8 (attn.quantize output)")) ||
      failed(verifyElement(op, k, i8, "i8 (attn.quantize output)")) ||
      failed(verifyElement(op, s, Float32Type::get(getContext()), "f32")) ||
      failed(verifyPositiveBlock(op, "q_block", getQBlock())) ||
      failed(verifyPositiveBlock(op, "k_block", getKBlock())))
    return failure();
  if (failed(verifyDimsAgree(op, q, order.batch, k, order.batch,
                             "batch size (B)")) ||
      failed(verifyDimsAgree(op, q, order.batch, s, 0, "batch size (B)")) ||
      failed(verifyDimsAgree(op, q, order.feature, k, order.feature,
                             "query/key head dimension (D)")) ||
      failed(verifyDimsAgree(op, q, order.heads, s, 1, "head count (H)")) ||
      failed(verifyDimsAgree(op, q, order.length, s, 2, "query length (Lq)")) ||
      failed(verifyDimsAgree(op, k, order.length, s, 3, "key length (Lk)")) ||
      failed(verifyHeadGrouping(op, q, k, order.heads, order.heads)))
    return failure();
  int64_t headDim = dimOf(getQuery(), order.feature);
  if (!ShapedType::isDynamic(headDim) &&
      (headDim == 0 || headDim > kMaxInt8HeadDim))
    return emitOpError() << "'query' head dimension D = " << headDim
                         << " must be in [1, " << kMaxInt8HeadDim
                         << "] (int8 products summed in i32 must not overflow)";
  if (failed(verifyScales(op, {getQueryScales(), "query_scales"}, q, order,
                          getQBlock(), "q_block")) ||
      failed(verifyScales(op, {getKeyScales(), "key_scales"}, k, order,
                          getKBlock(), "k_block")))
    return failure();
  return failure(failed(verifyValidLen(op, getValidLen(),
                                       dimOf(getQuery(), order.batch))) ||
                 failed(verifyScale(op, getScaleAttr())));
}

//===----------------------------------------------------------------------===//
// PilotQKRowsOp
//===----------------------------------------------------------------------===//

LogicalResult PilotQKRowsOp::verify() {
  Operation *op = getOperation();
  Type i8 = IntegerType::get(getContext(), 8);
  static constexpr StringLiteral rowsDoc = "[B, H, L, D + 4] (bhld rows)";
  NamedValue q{getQuery(), "query"}, k{getKey(), "key"},
      s{getScores(), "scores"};
  if (failed(verifyRank4(op, q, rowsDoc)) ||
      failed(verifyRank4(op, k, rowsDoc)) ||
      failed(verifyRank4(op, s, kScoresDoc)) ||
      failed(verifyElement(op, q, i8, "i8 (int8 values + f32 scale bytes)")) ||
      failed(verifyElement(op, k, i8, "i8 (int8 values + f32 scale bytes)")) ||
      failed(verifyElement(op, s, Float32Type::get(getContext()), "f32")))
    return failure();
  if (failed(verifyDimsAgree(op, q, 0, k, 0, "batch size (B)")) ||
      failed(verifyDimsAgree(op, q, 0, s, 0, "batch size (B)")) ||
      failed(verifyDimsAgree(op, q, 3, k, 3, "row bytes (D + 4)")) ||
      failed(verifyDimsAgree(op, q, 1, s, 1, "head count (H)")) ||
      failed(verifyDimsAgree(op, q, 2, s, 2, "query length (Lq)")) ||
      failed(verifyDimsAgree(op, k, 2, s, 3, "key length (Lk)")) ||
      failed(verifyHeadGrouping(op, q, k, 1, 1)))
    return failure();
  int64_t rowBytes = dimOf(getQuery(), 3);
  if (ShapedType::isDynamic(rowBytes) || rowBytes <= kScaleBytes ||
      rowBytes - kScaleBytes > kMaxInt8HeadDim)
    return emitOpError() << "'query' rows of " << dimToString(rowBytes)
                         << " bytes must be static and hold D in [1, "
                         << kMaxInt8HeadDim << "] int8 values plus the "
                         << kScaleBytes << " scale bytes";
  auto checkLen = [&](std::optional<uint64_t> len, StringRef name, Value of,
                      unsigned pos) -> LogicalResult {
    if (!len)
      return success();
    int64_t n = dimOf(of, pos);
    if (*len == 0 ||
        (!ShapedType::isDynamic(n) && *len > static_cast<uint64_t>(n)))
      return emitOpError() << "'" << name << "' = " << *len
                           << " must be in [1, " << dimToString(n) << "]";
    return success();
  };
  if (failed(checkLen(getKeyLen(), "key_len", getKey(), 2)) ||
      failed(checkLen(getQueryLen(), "query_len", getQuery(), 2)))
    return failure();
  return failure(
      failed(verifyValidLen(op, getValidLen(), dimOf(getQuery(), 0))) ||
      failed(verifyScale(op, getScaleAttr())));
}

//===----------------------------------------------------------------------===//
// TopKOp
//===----------------------------------------------------------------------===//

LogicalResult TopKOp::verify() {
  Operation *op = getOperation();
  NamedValue s{getScores(), "scores"}, idx{getIndices(), "indices"};
  if (failed(verifyRank4(op, s, kScoresDoc)) ||
      failed(verifyRank4(op, idx, "[B, H, Lq, N]")) ||
      failed(verifyElement(op, s, Float32Type::get(getContext()), "f32")) ||
      failed(verifyElement(op, idx, IntegerType::get(getContext(), 32), "i32")))
    return failure();
  static const char *what[] = {"batch size (B)", "head count (H)",
                               "query length (Lq)"};
  for (unsigned i = 0; i < 3; ++i)
    if (failed(verifyDimsAgree(op, s, i, idx, i, what[i])))
      return failure();
  int64_t budget = dimOf(getIndices(), 3);
  if (ShapedType::isDynamic(budget) || budget <= 0)
    return emitOpError() << "'indices' dimension 3 (the key budget N) must be "
                            "static and positive, got "
                         << dimToString(budget);
  int64_t keys = dimOf(getScores(), 3);
  if (!ShapedType::isDynamic(keys) && budget > keys)
    return emitOpError() << "key budget N = " << budget
                         << " ('indices' dimension 3) exceeds the key length "
                            "Lk = "
                         << keys << " ('scores' dimension 3)";
  std::optional<ArrayRef<int64_t>> perHead = getHeadBudgets();
  if (!perHead)
    return success();
  int64_t heads = dimOf(getScores(), 1);
  if (ShapedType::isDynamic(heads))
    return emitOpError() << "'head_budgets' needs a static head count H "
                            "('scores' dimension 1 is ?)";
  if (static_cast<int64_t>(perHead->size()) != heads)
    return emitOpError() << "'head_budgets' has " << perHead->size()
                         << " entries but the head count H is " << heads;
  for (auto [h, kh] : llvm::enumerate(*perHead))
    if (kh <= 0 || kh > budget)
      return emitOpError() << "'head_budgets' entry " << h << " is " << kh
                           << "; it must be in [1, N = " << budget << "]";
  return success();
}

//===----------------------------------------------------------------------===//
// SparseAttentionOp
//===----------------------------------------------------------------------===//

LogicalResult SparseAttentionOp::verify() {
  Operation *op = getOperation();
  DimOrder order = dimOrder(getLayout());
  std::string doc = layoutDoc(getLayout());
  NamedValue q{getQuery(), "query"}, k{getKey(), "key"}, v{getValue(), "value"},
      r{getResult(), "result"}, idx{getIndices(), "indices"};
  if (failed(verifyRank4(op, q, doc)) || failed(verifyRank4(op, k, doc)) ||
      failed(verifyRank4(op, v, doc)) || failed(verifyRank4(op, r, doc)) ||
      failed(verifyRank4(op, idx, "[B, H, Lq, N]")) ||
      failed(verifyFloatElement(op, q)))
    return failure();
  Type elem = getQuery().getType().getElementType();
  if (failed(verifySameElement(op, k, elem, "query")) ||
      failed(verifySameElement(op, v, elem, "query")) ||
      failed(verifySameElement(op, r, elem, "query")) ||
      failed(verifyElement(op, idx, IntegerType::get(getContext(), 32), "i32")))
    return failure();
  if (failed(verifyDimsAgree(op, q, order.batch, k, order.batch,
                             "batch size (B)")) ||
      failed(verifyDimsAgree(op, q, order.batch, v, order.batch,
                             "batch size (B)")) ||
      failed(verifyDimsAgree(op, q, order.batch, r, order.batch,
                             "batch size (B)")) ||
      failed(verifyDimsAgree(op, q, order.batch, idx, 0, "batch size (B)")) ||
      failed(verifyDimsAgree(op, q, order.heads, r, order.heads,
                             "head count (H)")) ||
      failed(verifyDimsAgree(op, q, order.heads, idx, 1, "head count (H)")) ||
      failed(verifyDimsAgree(op, q, order.length, r, order.length,
                             "query length (Lq)")) ||
      failed(
          verifyDimsAgree(op, q, order.length, idx, 2, "query length (Lq)")) ||
      failed(verifyDimsAgree(op, k, order.heads, v, order.heads,
                             "key/value head count (Hkv)")) ||
      failed(verifyDimsAgree(op, k, order.length, v, order.length,
                             "key/value length (Lk)")) ||
      failed(verifyDimsAgree(op, q, order.feature, k, order.feature,
                             "query/key head dimension (D)")) ||
      failed(verifyDimsAgree(op, v, order.feature, r, order.feature,
                             "value head dimension (Dv)")) ||
      failed(verifyHeadGrouping(op, q, k, order.heads, order.heads)))
    return failure();
  int64_t headDim = dimOf(getQuery(), order.feature);
  if (!ShapedType::isDynamic(headDim) && headDim == 0)
    return emitOpError() << "'query' head dimension D (dimension "
                         << order.feature << ") must not be 0";
  int64_t batch = dimOf(getQuery(), order.batch);
  int64_t scoreDims[] = {batch, dimOf(getQuery(), order.heads),
                         dimOf(getQuery(), order.length),
                         dimOf(getKey(), order.length)};
  return failure(
      failed(verifyMaskAndBias(op, getMask(), getBias(), elem, scoreDims)) ||
      failed(verifyValidLen(op, getValidLen(), batch)) ||
      failed(verifyScale(op, getScaleAttr())));
}
