//===- AttnSparsify.cpp - attn.attention to pilot/top-k/sparse ------------===//
//
// attn-sparsify (shadowAttn) rewrites each attn.attention into an int8
// pilot score estimate (attn.quantize x2 + attn.pilot_qk), a per-row top-k
// key selection with per-head budgets (attn.topk) and exact attention over
// the selected keys (attn.sparse_attention). See docs/sparse.md.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cmath>
#include <cstdio>
#include <string>

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNSPARSIFY
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

/// The discardable attribute attn.sparse.calibrate writes on attn.attention.
static constexpr StringLiteral kHeadKeepAttr = "attn.head_keep";

namespace {

/// A double as %g prints it (diagnostics).
std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

struct AttnSparsifyPass
    : public mlir::attn::impl::AttnSparsifyBase<AttnSparsifyPass> {
  using AttnSparsifyBase::AttnSparsifyBase;
  void runOnOperation() override;

private:
  /// Keep fractions from the per-head-ratios file (empty when no file).
  FailureOr<SmallVector<double>> readRatioFile(Operation *root);
  /// Per-head budgets of `op`; fails with a diagnostic on `op`.
  FailureOr<SmallVector<int64_t>> budgetsFor(AttentionOp op,
                                             ArrayRef<double> fileRatios);
  void rewrite(AttentionOp op, ArrayRef<int64_t> budgets);
};

} // namespace

FailureOr<SmallVector<double>>
AttnSparsifyPass::readRatioFile(Operation *root) {
  SmallVector<double> ratios;
  if (perHeadRatios.empty())
    return ratios;
  auto buffer = llvm::MemoryBuffer::getFile(perHeadRatios);
  if (!buffer) {
    emitError(root->getLoc())
        << "attn-sparsify: cannot read per-head-ratios file '" << perHeadRatios
        << "': " << buffer.getError().message();
    return failure();
  }
  SmallVector<StringRef> lines;
  (*buffer)->getBuffer().split(lines, '\n');
  for (auto [lineNo, line] : llvm::enumerate(lines)) {
    StringRef text = line.split('#').first;
    SmallVector<StringRef> words;
    text.split(words, ' ', -1, /*KeepEmpty=*/false);
    for (StringRef word : words) {
      word = word.trim();
      if (word.empty())
        continue;
      double r;
      if (word.getAsDouble(r)) {
        emitError(root->getLoc())
            << "attn-sparsify: per-head-ratios file '" << perHeadRatios
            << "' line " << lineNo + 1 << ": '" << word << "' is not a number";
        return failure();
      }
      ratios.push_back(r);
    }
  }
  if (ratios.empty()) {
    emitError(root->getLoc()) << "attn-sparsify: per-head-ratios file '"
                              << perHeadRatios << "' holds no fraction";
    return failure();
  }
  return ratios;
}

FailureOr<SmallVector<int64_t>>
AttnSparsifyPass::budgetsFor(AttentionOp op, ArrayRef<double> fileRatios) {
  int64_t heads = op.getNumHeads();
  int64_t keys = op.getKeyLength();
  auto fail = [&](const Twine &msg) -> FailureOr<SmallVector<int64_t>> {
    op.emitOpError() << "attn-sparsify: " << msg;
    return failure();
  };
  if (ShapedType::isDynamic(heads))
    return fail("the head count H must be static (per-head budgets)");
  if (budget > 0) {
    int64_t n =
        ShapedType::isDynamic(keys) ? budget : std::min<int64_t>(budget, keys);
    return SmallVector<int64_t>(heads, static_cast<int64_t>(n));
  }
  SmallVector<double> ratios;
  StringRef source;
  if (keep > 0.0) {
    ratios.assign(heads, keep);
    source = "option keep";
  } else if (!fileRatios.empty()) {
    ratios.assign(fileRatios.begin(), fileRatios.end());
    source = "per-head-ratios file";
  } else if (auto attr = op->getAttrOfType<DenseF64ArrayAttr>(kHeadKeepAttr)) {
    ratios.assign(attr.asArrayRef().begin(), attr.asArrayRef().end());
    source = "attribute attn.head_keep";
  } else if (op->hasAttr(kHeadKeepAttr)) {
    return fail("attribute 'attn.head_keep' must be an array<f64: ...> of "
                "one keep fraction per head");
  } else {
    return fail("no key budget: give keep=<fraction>, budget=<keys>, "
                "per-head-ratios=<file>, or an 'attn.head_keep' attribute "
                "(attn.sparse.calibrate)");
  }
  if (static_cast<int64_t>(ratios.size()) != heads)
    return fail(Twine(source) + " gives " + Twine(ratios.size()) +
                " keep fractions but the layer has H = " + Twine(heads) +
                " query heads");
  if (ShapedType::isDynamic(keys))
    return fail(Twine(source) +
                " needs a static key length Lk (use budget=<keys> for "
                "dynamic lengths)");
  SmallVector<int64_t> out;
  for (auto [h, r] : llvm::enumerate(ratios)) {
    if (!std::isfinite(r) || r <= 0.0 || r > 1.0)
      return fail(Twine(source) + ": keep fraction of head " + Twine(h) +
                  " is " + num(r) + "; it must be in (0, 1]");
    double k = std::ceil(r * static_cast<double>(keys));
    out.push_back(std::clamp<int64_t>(static_cast<int64_t>(k), 1, keys));
  }
  return out;
}

void AttnSparsifyPass::rewrite(AttentionOp op, ArrayRef<int64_t> budgets) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  MLIRContext *ctx = op.getContext();
  LayoutKind layout = op.getLayout();
  bool blhd = layout == LayoutKind::blhd;
  unsigned lenPos = blhd ? 1 : 2, headPos = blhd ? 2 : 1;
  auto f32 = Float32Type::get(ctx);
  auto i8 = IntegerType::get(ctx, 8);

  auto quantize = [&](Value x, int64_t block) {
    auto t = cast<RankedTensorType>(x.getType());
    int64_t len = t.getDimSize(lenPos);
    int64_t blocks = ShapedType::isDynamic(len) ? ShapedType::kDynamic
                                                : llvm::divideCeil(len, block);
    auto qType = RankedTensorType::get(t.getShape(), i8);
    auto sType = RankedTensorType::get(
        {t.getDimSize(0), t.getDimSize(headPos), blocks}, f32);
    return QuantizeOp::create(b, loc, qType, sType, x,
                              b.getI64IntegerAttr(block),
                              LayoutKindAttr::get(ctx, layout));
  };
  QuantizeOp qq = quantize(op.getQuery(), qBlock);
  QuantizeOp kq = quantize(op.getKey(), kBlock);

  int64_t batch = op.getBatchSize(), heads = op.getNumHeads(),
          qLen = op.getQueryLength(), kLen = op.getKeyLength();
  auto scoreType = RankedTensorType::get({batch, heads, qLen, kLen}, f32);
  auto pilot = PilotQKOp::create(
      b, loc, scoreType, qq.getQuantized(), kq.getQuantized(), qq.getScales(),
      kq.getScales(), op.getValidLen(), op.getScaleAttr(), op.getCausalAttr(),
      op.getLayoutAttr(), b.getI64IntegerAttr(qBlock),
      b.getI64IntegerAttr(kBlock));

  int64_t n = *llvm::max_element(budgets);
  auto idxType =
      RankedTensorType::get({batch, heads, qLen, n}, IntegerType::get(ctx, 32));
  bool uniform = llvm::all_equal(budgets);
  auto topk = TopKOp::create(b, loc, idxType, pilot.getScores(),
                             uniform ? DenseI64ArrayAttr()
                                     : b.getDenseI64ArrayAttr(budgets));

  auto sparse = SparseAttentionOp::create(
      b, loc, op.getResult().getType(), op.getQuery(), op.getKey(),
      op.getValue(), topk.getIndices(), op.getMask(), op.getBias(),
      op.getValidLen(), op.getScaleAttr(), op.getCausalAttr(),
      op.getLayoutAttr());
  op.getResult().replaceAllUsesWith(sparse.getResult());
  op.erase();
}

void AttnSparsifyPass::runOnOperation() {
  Operation *root = getOperation();
  auto fail = [&](const Twine &message) {
    emitError(root->getLoc()) << "attn-sparsify: " << message;
    signalPassFailure();
  };
  if (pilot != "int8")
    return fail("unknown pilot '" + pilot + "'; expected int8");
  if (qBlock <= 0 || kBlock <= 0)
    return fail("q-block and k-block must be positive, got " + Twine(qBlock) +
                " and " + Twine(kBlock));
  if (!std::isfinite(keep) || keep < 0.0 || keep > 1.0)
    return fail("keep must be a fraction in (0, 1], got " + num(keep));
  if (budget < 0)
    return fail("budget must be a positive key count, got " + Twine(budget));
  int sources = (keep > 0.0) + (budget > 0) + !perHeadRatios.empty();
  if (sources > 1)
    return fail("keep, budget and per-head-ratios are exclusive; give one");
  FailureOr<SmallVector<double>> fileRatios = readRatioFile(root);
  if (failed(fileRatios))
    return signalPassFailure();

  SmallVector<AttentionOp> ops;
  root->walk([&](AttentionOp op) { ops.push_back(op); });
  for (AttentionOp op : ops) {
    FailureOr<SmallVector<int64_t>> budgets = budgetsFor(op, *fileRatios);
    if (failed(budgets))
      return signalPassFailure();
    rewrite(op, *budgets);
  }
}
