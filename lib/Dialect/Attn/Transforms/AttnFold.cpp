//===- AttnFold.cpp - split attn.attention into attn.stage ops ------------===//
//
// attn-fold rewrites every attn.attention into one to three attn.stage ops
// (FOLD-IR levels 2): unfolded (qk | softmax | pv), partial (qk+softmax |
// pv), full (one stage, whole score rows on chip) or online (one stage,
// flash-style streaming). `auto` takes the fold of the cost model's best
// plan in the space attn-tile plans (cost::compilerSpace), with a fallback
// to online for layers the model cannot size; see Passes.td. Requires:
// verified attn.attention ops.
//
//===----------------------------------------------------------------------===//

#include "attn/Analysis/DesignSpace.h"
#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "attn/Dialect/Attn/Transforms/TilePlanner.h"
#include "attn/Support/PassOptionChecks.h"
#include "attn/Target/NPUTarget.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNFOLD
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {

/// Logical sizes of one attention layer, each taken from whichever operand
/// has it static (they are equal at run time).
struct Dims {
  int64_t batch, heads, qLen, kvLen, headDim, valueDim;
};

int64_t pick(int64_t a, int64_t b) { return ShapedType::isDynamic(a) ? b : a; }

Dims layerDims(AttentionOp op) {
  bool blhd = op.getLayout() == LayoutKind::blhd;
  unsigned headsPos = blhd ? 2 : 1, lenPos = blhd ? 1 : 2;
  auto dim = [](Value v, unsigned i) {
    return cast<RankedTensorType>(v.getType()).getDimSize(i);
  };
  Value q = op.getQuery(), k = op.getKey(), v = op.getValue(),
        r = op.getResult();
  Dims d;
  d.batch = pick(pick(dim(q, 0), dim(k, 0)), pick(dim(v, 0), dim(r, 0)));
  d.heads = pick(dim(q, headsPos), dim(r, headsPos));
  d.qLen = pick(dim(q, lenPos), dim(r, lenPos));
  d.kvLen = pick(dim(k, lenPos), dim(v, lenPos));
  d.headDim = pick(dim(q, 3), dim(k, 3));
  d.valueDim = pick(dim(v, 3), dim(r, 3));
  return d;
}

struct AttnFoldPass : public mlir::attn::impl::AttnFoldBase<AttnFoldPass> {
  using AttnFoldBase::AttnFoldBase;

  LogicalResult initializeOptions(
      StringRef options,
      function_ref<LogicalResult(const Twine &)> errorHandler) override {
    if (failed(checkPassOptions(getArgument(), options, {kFoldOptionSpecs},
                                errorHandler)))
      return failure();
    return Pass::initializeOptions(options, errorHandler);
  }

  void runOnOperation() override;

private:
  /// The fold `auto` gives for `op` on `target` (S/P in DRAM of type
  /// `intermediate`, null = the layer's element type).
  FoldKind autoFold(AttentionOp op, const NPUTarget &target, Type intermediate);
  void fold(AttentionOp op, FoldKind fold, Type intermediate);
};

} // namespace

FoldKind AttnFoldPass::autoFold(AttentionOp op, const NPUTarget &target,
                                Type intermediate) {
  std::string report;
  llvm::raw_string_ostream os(report);
  FoldKind chosen = FoldKind::online;
  auto remark = [&] {
    if (explain)
      op.emitRemark() << "attn-fold: mode=auto on " << target.name << ": "
                      << report;
  };
  LayerInfo layer = layerInfoOf(op);
  std::string why;
  FailureOr<cost::AttentionShape> shape = modelShape(layer, why);
  if (failed(shape)) {
    os << "'online' (fallback: " << why
       << "; the cost model needs static sizes, and online streams K/V "
          "blocks for any length)";
    remark();
    return chosen;
  }
  shape->matmulInBf16 = allowPrecisionLoss;
  // S/P in DRAM (unfolded, partial) have the type this pass will give them.
  cost::PlanConstraints request;
  Type dram = intermediate ? intermediate : layer.element;
  request.intermediate = modelElementKind(dram);
  llvm::Expected<cost::ExploreResult> result =
      cost::exploreCompilerSpace(*shape, target, request);
  if (!result) {
    os << "'online' (fallback: the cost model found no plan: "
       << llvm::toString(result.takeError()) << ")";
    remark();
    return chosen;
  }
  const cost::Estimate &best = result->best;
  chosen = best.plan.fold;
  if (explain) {
    const cost::Plan &p = best.plan;
    os << llvm::formatv("'{0}', modeled latency {1:f4} ms with q_tile={2} "
                        "kv_tile={3} l2_q_block={4} l2_kv_block={5} "
                        "columns={6} cores_per_column={7} ({8}-bound)",
                        stringifyFoldKind(chosen), best.latencySeconds * 1e3,
                        p.qTile, p.kvTile, p.l2QBlock, p.l2KvBlock, p.columns,
                        p.coresPerColumn,
                        cost::stringifyResource(best.binding));
    os << "; best per fold (tiles of " << result->minTile << "+ rows)";
    for (const cost::FoldResult &f : result->perFold) {
      os << "; " << stringifyFoldKind(f.fold) << ": ";
      if (f.best)
        os << llvm::formatv("{0:f4} ms", f.best->latencySeconds * 1e3);
      else
        os << f.reason;
    }
    remark();
  }
  return chosen;
}

namespace {
/// Builds the stages of one attn.attention for attn-fold: a stage is an
/// attn.stage whose body rebuilds the layer's ops from its block arguments.
struct FoldBuilder {
  AttentionOp op;
  FoldKind kind;
  OpBuilder b;
  Location loc;
  Dims d;
  Type f32, dramType;
  FloatAttr scale;
  Value mask, bias, validLen;

  FoldBuilder(AttentionOp op, FoldKind kind, Type intermediate)
      : op(op), kind(kind), b(op), loc(op.getLoc()), d(layerDims(op)),
        f32(Float32Type::get(op.getContext())),
        dramType(intermediate ? intermediate
                              : op.getQuery().getType().getElementType()),
        scale(op.getScaleAttr()), mask(op.getMask()), bias(op.getBias()),
        validLen(op.getValidLen()) {
    // Scale made explicit so later padding of D cannot change it. D may be
    // static on K only.
    if (!scale && !ShapedType::isDynamic(d.headDim) && d.headDim > 0)
      scale = b.getF64FloatAttr(1.0 / std::sqrt(double(d.headDim)));
  }

  RankedTensorType scoresType(Type t) const {
    return RankedTensorType::get({d.batch, d.heads, d.qLen, d.kvLen}, t);
  }

  /// A stage over `inputs`; `body` maps the block arguments to the values
  /// to yield.
  StageOp
  makeStage(StringRef name, TypeRange results, ValueRange inputs,
            function_ref<SmallVector<Value>(OpBuilder &, ValueRange)> body) {
    auto stage = StageOp::create(b, loc, results, inputs, name, kind);
    OpBuilder inner = OpBuilder::atBlockEnd(&stage.getBodyBlock());
    SmallVector<Value> yielded =
        body(inner, stage.getBodyBlock().getArguments());
    YieldOp::create(inner, loc, yielded);
    return stage;
  }

  /// Inputs of a stage computing scores: Q, K, then the optional operands
  /// that are present.
  SmallVector<Value> qkInputs() {
    SmallVector<Value> inputs = {op.getQuery(), op.getKey()};
    for (Value v : {mask, bias, validLen})
      if (v)
        inputs.push_back(v);
    return inputs;
  }

  /// Rebuilds attn.qk inside a stage from its block arguments.
  Value buildQK(OpBuilder &ib, ValueRange args, Type sElem) {
    unsigned next = 2;
    Value m = mask ? args[next++] : Value();
    Value bi = bias ? args[next++] : Value();
    Value vl = validLen ? args[next++] : Value();
    auto qk = QKOp::create(ib, loc, scoresType(sElem), args[0], args[1], m, bi,
                           vl, scale, op.getCausal(), op.getLayout(),
                           /*key_len=*/nullptr, /*query_len=*/nullptr);
    return qk.getScores();
  }

  /// The stage-local valid_len (last argument) if the layer has one.
  Value localValidLen(ValueRange args) const {
    return validLen ? args.back() : Value();
  }

  /// The P·V stage of the unfolded and partial folds over `probs`.
  Value pvStage(Value probs) {
    Type resultType = op.getResult().getType();
    SmallVector<Value> inputs = {probs, op.getValue()};
    if (validLen)
      inputs.push_back(validLen);
    return makeStage("pv", resultType, inputs,
                     [&](OpBuilder &ib, ValueRange args) {
                       return SmallVector<Value>{
                           PVOp::create(ib, loc, resultType, args[0], args[1],
                                        localValidLen(args), op.getLayout())
                               .getResult()};
                     })
        .getResult(0);
  }

  /// Softmax of `scores` into the DRAM type of S/P.
  Value softmax(OpBuilder &ib, Value scores, Type probsElem) const {
    return SoftmaxOp::create(ib, loc, scoresType(probsElem), scores, Value())
        .getProbs();
  }

  /// qk | softmax | pv, S and P through DRAM.
  Value unfolded() {
    auto qkStage =
        makeStage("qk", scoresType(dramType), qkInputs(),
                  [&](OpBuilder &ib, ValueRange args) {
                    return SmallVector<Value>{buildQK(ib, args, dramType)};
                  });
    auto smStage =
        makeStage("softmax", scoresType(dramType), qkStage.getResults(),
                  [&](OpBuilder &ib, ValueRange args) {
                    return SmallVector<Value>{softmax(ib, args[0], dramType)};
                  });
    return pvStage(smStage.getResult(0));
  }

  /// qk+softmax | pv, P through DRAM.
  Value partial() {
    auto qkStage =
        makeStage("qk_softmax", scoresType(dramType), qkInputs(),
                  [&](OpBuilder &ib, ValueRange args) {
                    Value s = buildQK(ib, args, f32);
                    return SmallVector<Value>{softmax(ib, s, dramType)};
                  });
    return pvStage(qkStage.getResult(0));
  }

  /// One "attention" stage: whole score rows (full) or a running max/sum
  /// over K/V blocks (online).
  Value fused() {
    // Inputs: Q, K, [mask], [bias], V, [valid_len] (valid_len last so the
    // qk and pv parts share it).
    SmallVector<Value> inputs = {op.getQuery(), op.getKey()};
    for (Value v : {mask, bias})
      if (v)
        inputs.push_back(v);
    inputs.push_back(op.getValue());
    if (validLen)
      inputs.push_back(validLen);
    Type resultType = op.getResult().getType();
    LayoutKind layout = op.getLayout();
    auto body = [&](OpBuilder &ib, ValueRange args) {
      unsigned next = 2;
      Value m = mask ? args[next++] : Value();
      Value bi = bias ? args[next++] : Value();
      Value v = args[next++];
      Value vl = localValidLen(args);
      Value s =
          QKOp::create(ib, loc, scoresType(f32), args[0], args[1], m, bi, vl,
                       scale, op.getCausal(), layout, nullptr, nullptr)
              .getScores();
      Value o;
      if (kind == FoldKind::full)
        o = PVOp::create(ib, loc, resultType, softmax(ib, s, f32), v, vl,
                         layout)
                .getResult();
      else
        o = OnlineSoftmaxPVOp::create(ib, loc, resultType, s, v, vl, layout)
                .getResult();
      return SmallVector<Value>{o};
    };
    return makeStage("attention", resultType, inputs, body).getResult(0);
  }
};
} // namespace

void AttnFoldPass::fold(AttentionOp op, FoldKind kind, Type intermediate) {
  FoldBuilder builder(op, kind, intermediate);
  Value result;
  switch (kind) {
  case FoldKind::unfolded:
    result = builder.unfolded();
    break;
  case FoldKind::partial:
    result = builder.partial();
    break;
  case FoldKind::full:
  case FoldKind::online:
    result = builder.fused();
    break;
  }
  op.getResult().replaceAllUsesWith(result);
  op.erase();
}

void AttnFoldPass::runOnOperation() {
  Operation *root = getOperation();
  MLIRContext *ctx = root->getContext();
  auto fail = [&](const Twine &message) {
    // Located at the root without attaching it (no op dump in the note).
    mlir::emitError(root->getLoc()) << "attn-fold: " << message;
    signalPassFailure();
  };

  std::optional<FoldKind> forced;
  if (mode != "auto") {
    forced = symbolizeFoldKind(mode);
    if (!forced)
      return fail("unknown mode '" + mode +
                  "'; expected auto, unfolded, partial, full or online");
  }
  const NPUTarget *npu = lookupTarget(target);
  if (!npu)
    return fail("unknown target '" + target +
                "'; valid targets: " + llvm::join(targetNames(), ", "));
  Type intermediate = llvm::StringSwitch<Type>(intermediateType)
                          .Case("f32", Float32Type::get(ctx))
                          .Case("bf16", BFloat16Type::get(ctx))
                          .Case("f16", Float16Type::get(ctx))
                          .Case("input", Type())
                          .Default(NoneType::get(ctx));
  if (intermediate && isa<NoneType>(intermediate))
    return fail("unknown intermediate-type '" + intermediateType +
                "'; expected f32, bf16, f16 or input");

  SmallVector<AttentionOp> ops;
  root->walk([&](AttentionOp op) { ops.push_back(op); });
  for (AttentionOp op : ops)
    fold(op, forced ? *forced : autoFold(op, *npu, intermediate), intermediate);
}
