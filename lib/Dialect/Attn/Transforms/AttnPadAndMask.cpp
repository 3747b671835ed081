//===- AttnPadAndMask.cpp - pad stages to their tiles, mask the padding ---===//
//
// attn-pad-and-mask makes every planned attn.stage compute on whole tiles.
// Inside the stage (the DRAM tensors keep their real sizes; padding is what
// the DMAs do on the way on chip) each operand of a stage-internal op is
// padded with tensor.pad up to the plan's padded lengths / head dims:
//
//   Q, K, V, P, additive mask, bias  with 0     boolean mask  with false
//   S (scores read by softmax/online) with -inf
//
// attn.qk gets `key_len` / `query_len` (the real lengths), so padded keys are
// masked to -inf before any softmax and causal alignment ignores the
// padding; its scale is made explicit before D is padded. Results are
// sliced back to the real sizes with tensor.extract_slice before attn.yield.
// A fully padded query row sees no key: the softmax/online lowering turns
// such rows into zeros (never NaN), and they are sliced away anyway. A
// runtime `valid_len` stays an operand; dynamic lengths (plan `?`) are not
// padded (the tile loops mask the tail at run time).
//
// Requires: stages with plans (attn-tile). Stages without a plan are left as
// they are. Idempotent.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Utils/Utils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <limits>

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNPADANDMASK
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {

/// Padded sizes from the plan (kDynamic: leave that dimension alone).
struct PaddedSizes {
  int64_t queryLen, keyLen, headDim, valueDim;
};

enum class PadValue { Zero, NegInf };

/// What an operand of a stage-internal op must be padded to: dimension ->
/// padded size, and the value written into the padding.
struct PadRequest {
  SmallVector<std::pair<unsigned, int64_t>> dims;
  PadValue value = PadValue::Zero;
  StringRef role;
};

unsigned lenDim(LayoutKind layout) {
  return layout == LayoutKind::blhd ? 1 : 2;
}

/// Mask/bias of rank r broadcast from the right to [B, H, Lq, Lk].
PadRequest scoreOperandRequest(Value x, const PaddedSizes &p, StringRef role) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t r = type.getRank();
  PadRequest req;
  req.role = role;
  if (type.getDimSize(r - 1) != 1)
    req.dims.push_back({r - 1, p.keyLen});
  if (r >= 2 && type.getDimSize(r - 2) != 1)
    req.dims.push_back({r - 2, p.queryLen});
  return req;
}

/// The padding each operand of `op` needs (valid_len: none).
SmallVector<std::pair<OpOperand *, PadRequest>>
requestsFor(Operation *op, const PaddedSizes &p) {
  SmallVector<std::pair<OpOperand *, PadRequest>> out;
  auto add = [&](OpOperand &operand, PadRequest req) {
    out.push_back({&operand, std::move(req)});
  };
  TypeSwitch<Operation *>(op)
      .Case([&](QKOp qk) {
        unsigned len = lenDim(qk.getLayout());
        add(qk.getQueryMutable(),
            {{{len, p.queryLen}, {3, p.headDim}}, PadValue::Zero, "query"});
        add(qk.getKeyMutable(),
            {{{len, p.keyLen}, {3, p.headDim}}, PadValue::Zero, "key"});
        if (qk.getMask())
          add(qk.getMaskMutable()[0],
              scoreOperandRequest(qk.getMask(), p, "mask"));
        if (qk.getBias())
          add(qk.getBiasMutable()[0],
              scoreOperandRequest(qk.getBias(), p, "bias"));
      })
      .Case([&](SoftmaxOp sm) {
        add(sm.getScoresMutable(),
            {{{2, p.queryLen}, {3, p.keyLen}}, PadValue::NegInf, "scores"});
      })
      .Case([&](PVOp pv) {
        unsigned len = lenDim(pv.getLayout());
        add(pv.getProbsMutable(),
            {{{2, p.queryLen}, {3, p.keyLen}}, PadValue::Zero, "probs"});
        add(pv.getValueMutable(),
            {{{len, p.keyLen}, {3, p.valueDim}}, PadValue::Zero, "value"});
      })
      .Case([&](OnlineSoftmaxPVOp on) {
        unsigned len = lenDim(on.getLayout());
        add(on.getScoresMutable(),
            {{{2, p.queryLen}, {3, p.keyLen}}, PadValue::NegInf, "scores"});
        add(on.getValueMutable(),
            {{{len, p.keyLen}, {3, p.valueDim}}, PadValue::Zero, "value"});
      });
  return out;
}

/// The type `type` padded as `req` asks, or failure if the plan is smaller
/// than the operand.
FailureOr<RankedTensorType> paddedType(Operation *op, RankedTensorType type,
                                       const PadRequest &req) {
  SmallVector<int64_t> shape(type.getShape());
  for (auto [dim, target] : req.dims) {
    int64_t size = shape[dim];
    if (ShapedType::isDynamic(target) || ShapedType::isDynamic(size))
      continue;
    if (target < size)
      return op->emitOpError()
             << "operand '" << req.role << "' dimension " << dim << " has size "
             << size << " but the stage plan pads it to only " << target;
    shape[dim] = target;
  }
  return RankedTensorType::get(shape, type.getElementType());
}

Value padValue(OpBuilder &b, Location loc, Type elem, PadValue kind) {
  if (elem.isInteger(1))
    return arith::ConstantOp::create(b, loc, b.getBoolAttr(false));
  auto ft = cast<FloatType>(elem);
  APFloat v = kind == PadValue::NegInf
                  ? APFloat::getInf(ft.getFloatSemantics(), /*Negative=*/true)
                  : APFloat::getZero(ft.getFloatSemantics());
  return arith::ConstantOp::create(b, loc, FloatAttr::get(ft, v));
}

RankedTensorType withDims(RankedTensorType type,
                          ArrayRef<std::pair<unsigned, int64_t>> dims) {
  SmallVector<int64_t> shape(type.getShape());
  for (auto [d, size] : dims)
    shape[d] = size;
  return RankedTensorType::get(shape, type.getElementType());
}

int64_t dimOf(Value v, unsigned d) {
  return cast<RankedTensorType>(v.getType()).getDimSize(d);
}

/// Result type of a stage-internal op recomputed from its (padded) operands.
RankedTensorType resultTypeFor(Operation *op) {
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  return TypeSwitch<Operation *, RankedTensorType>(op)
      .Case([&](QKOp qk) {
        unsigned len = lenDim(qk.getLayout());
        return withDims(resultType, {{2, dimOf(qk.getQuery(), len)},
                                     {3, dimOf(qk.getKey(), len)}});
      })
      .Case([&](SoftmaxOp sm) {
        return withDims(resultType, {{2, dimOf(sm.getScores(), 2)},
                                     {3, dimOf(sm.getScores(), 3)}});
      })
      .Case([&](PVOp pv) {
        unsigned len = lenDim(pv.getLayout());
        return withDims(resultType, {{len, dimOf(pv.getProbs(), 2)},
                                     {3, dimOf(pv.getValue(), 3)}});
      })
      .Case([&](OnlineSoftmaxPVOp on) {
        unsigned len = lenDim(on.getLayout());
        return withDims(resultType, {{len, dimOf(on.getScores(), 2)},
                                     {3, dimOf(on.getValue(), 3)}});
      })
      .Default([&](Operation *) { return resultType; });
}

LogicalResult padStage(StageOp stage) {
  PlanAttr plan = stage.getPlanAttr();
  PaddedSizes sizes{plan.getPaddedQLen(), plan.getPaddedKvLen(),
                    plan.getPaddedHeadDim(), plan.getPaddedValueDim()};
  Block &body = stage.getBodyBlock();
  SmallVector<Operation *> ops;
  for (Operation &op : body)
    if (isa<QKOp, SoftmaxOp, PVOp, OnlineSoftmaxPVOp>(op))
      ops.push_back(&op);

  // Real lengths and head dim of every attn.qk, before anything changes.
  struct QKInfo {
    int64_t queryLen, keyLen, headDim;
  };
  llvm::MapVector<Operation *, QKInfo> qkInfo;
  for (Operation *op : ops)
    if (auto qk = dyn_cast<QKOp>(op)) {
      unsigned len = lenDim(qk.getLayout());
      qkInfo[op] = {dimOf(qk.getQuery(), len), dimOf(qk.getKey(), len),
                    dimOf(qk.getQuery(), 3)};
    }

  // Pad the operands that come from outside the stage's ops (block
  // arguments: the DRAM tensors); operands produced inside the stage are
  // padded because their producers are.
  OpBuilder b(stage.getContext());
  b.setInsertionPointToStart(&body);
  // One pad per (tensor, padded type, padding value).
  DenseMap<std::tuple<Value, Type, int>, Value> padded;
  DenseMap<std::pair<Type, int>, Value> fills;
  for (Operation *op : ops) {
    for (auto &[operand, req] : requestsFor(op, sizes)) {
      Value v = operand->get();
      auto arg = dyn_cast<BlockArgument>(v);
      if (!arg || arg.getOwner() != &body)
        continue;
      auto type = cast<RankedTensorType>(v.getType());
      FailureOr<RankedTensorType> target = paddedType(op, type, req);
      if (failed(target))
        return failure();
      if (*target == type)
        continue;
      Value &pad = padded[{v, Type(*target), static_cast<int>(req.value)}];
      if (!pad) {
        Value &fill =
            fills[{type.getElementType(), static_cast<int>(req.value)}];
        if (!fill)
          fill = padValue(b, op->getLoc(), type.getElementType(), req.value);
        pad = tensor::createPadHighOp(*target, v, fill, /*nofold=*/false,
                                      op->getLoc(), b);
      }
      operand->set(pad);
    }
  }

  // Result types follow the padded operands, in program order.
  for (Operation *op : ops)
    op->getResult(0).setType(resultTypeFor(op));

  // attn.qk: real lengths for key masking and causal alignment; explicit
  // scale before D grows.
  for (auto &[op, info] : qkInfo) {
    auto qk = cast<QKOp>(op);
    unsigned len = lenDim(qk.getLayout());
    b.setInsertionPoint(qk);
    bool keysPadded = dimOf(qk.getKey(), len) != info.keyLen;
    bool queriesPadded = dimOf(qk.getQuery(), len) != info.queryLen;
    bool headPadded = dimOf(qk.getQuery(), 3) != info.headDim;
    if ((keysPadded || queriesPadded) && !qk.getKeyLenAttr() &&
        !ShapedType::isDynamic(info.keyLen))
      qk.setKeyLenAttr(b.getI64IntegerAttr(info.keyLen));
    if ((keysPadded || queriesPadded) && !qk.getQueryLenAttr() &&
        !ShapedType::isDynamic(info.queryLen))
      qk.setQueryLenAttr(b.getI64IntegerAttr(info.queryLen));
    if (headPadded && !qk.getScaleAttr())
      qk.setScaleAttr(b.getF64FloatAttr(
          1.0 / std::sqrt(static_cast<double>(info.headDim))));
  }

  // Back to the real sizes on the way out.
  YieldOp yield = stage.getYield();
  b.setInsertionPoint(yield);
  for (OpOperand &operand : yield->getOpOperands()) {
    Type want = stage.getResult(operand.getOperandNumber()).getType();
    Value v = operand.get();
    if (v.getType() == want)
      continue;
    auto wantType = cast<RankedTensorType>(want);
    SmallVector<OpFoldResult> offsets(wantType.getRank(), b.getIndexAttr(0));
    SmallVector<OpFoldResult> strides(wantType.getRank(), b.getIndexAttr(1));
    SmallVector<OpFoldResult> lens;
    for (int64_t d = 0; d < wantType.getRank(); ++d)
      lens.push_back(
          wantType.isDynamicDim(d)
              ? OpFoldResult(
                    tensor::DimOp::create(b, yield.getLoc(), v, d).getResult())
              : OpFoldResult(b.getIndexAttr(wantType.getDimSize(d))));
    Value slice = tensor::ExtractSliceOp::create(b, yield.getLoc(), wantType, v,
                                                 offsets, lens, strides);
    operand.set(slice);
  }

  for (Operation *op : ops)
    if (failed(mlir::verify(op)))
      return failure();
  return success();
}

struct AttnPadAndMaskPass
    : mlir::attn::impl::AttnPadAndMaskBase<AttnPadAndMaskPass> {
  void runOnOperation() override {
    SmallVector<StageOp> stages;
    getOperation()->walk([&](StageOp stage) {
      if (stage.getPlanAttr())
        stages.push_back(stage);
    });
    for (StageOp stage : stages)
      if (failed(padStage(stage)))
        return signalPassFailure();
  }
};

} // namespace
