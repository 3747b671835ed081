//===- ExtractPilot.cpp - the shadowAttn pilot as one NPU stage -----------===//
//
// attn-extract-pilot: replaces every function holding an attn.pilot_qk by
// its pilot on the NPU row format, one `attn.stage "pilot"` with a plan on
// the target's int8 intrinsic. Candidate tiles are tried from the least
// padding and the largest tile down; the first whose stage layout and DMA
// schedule fit (describePilotStage + planStage, exactly what
// attn-schedule-dma runs) is kept.
//
//===----------------------------------------------------------------------===//

#include "attn/Conversion/AttnToAIE/Passes.h"
#include "attn/Conversion/AttnToAIE/PilotStage.h"
#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Support/PassOptionChecks.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNEXTRACTPILOT
#include "attn/Conversion/AttnToAIE/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::aiemap;

namespace {

int64_t roundUp(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

/// Tile sizes for a length: `forced` alone, else multiples of `unit` up to
/// 64: first the tiles whose padded length is within 25 % of the least
/// padded length, largest first (fewer kernel calls and DMA transfers), then
/// the others by padded length.
SmallVector<int64_t> tileCandidates(int64_t len, int64_t unit, int64_t forced) {
  if (forced > 0)
    return {forced};
  SmallVector<int64_t> out;
  for (int64_t t = unit; t <= std::max<int64_t>(64, unit); t *= 2)
    out.push_back(t);
  int64_t least = roundUp(len, unit);
  auto close = [&](int64_t t) { return roundUp(len, t) * 4 <= least * 5; };
  llvm::stable_sort(out, [&](int64_t a, int64_t b) {
    if (close(a) != close(b))
      return close(a);
    if (close(a))
      return a > b;
    return roundUp(len, a) < roundUp(len, b);
  });
  return out;
}

struct PilotShape {
  int64_t batch, heads, kvHeads, qLen, kvLen, dim, paddedDim;
  double scale;
  CausalKind causal;
  bool validLen;
};

struct AttnExtractPilotPass
    : public mlir::attn::impl::AttnExtractPilotBase<AttnExtractPilotPass> {
  using AttnExtractPilotBase::AttnExtractPilotBase;

  LogicalResult initializeOptions(
      StringRef options,
      function_ref<LogicalResult(const Twine &)> errorHandler) override {
    if (failed(checkPassOptions(getArgument(), options, {kPilotOptionSpecs},
                                errorHandler)))
      return failure();
    return Pass::initializeOptions(options, errorHandler);
  }

  void runOnOperation() override;
  LogicalResult extract(func::FuncOp fn, PilotQKOp pilot, const NPUTarget &npu);
  FailureOr<PilotShape> readPilot(PilotQKOp pilot, const NPUTarget &npu);
  StageOp buildStage(OpBuilder &b, Location loc, ValueRange inputs,
                     const PilotShape &p, int64_t qTile, int64_t kvTile);
};

} // namespace

FailureOr<PilotShape> AttnExtractPilotPass::readPilot(PilotQKOp pilot,
                                                      const NPUTarget &npu) {
  if (pilot.getLayout() != LayoutKind::bhld)
    return pilot.emitOpError("attn-extract-pilot: layout blhd has no NPU "
                             "pilot mapping (the row format is [B, H, L, "
                             "D + 4]); transpose Q/K to bhld first");
  auto q = cast<RankedTensorType>(pilot.getQuery().getType());
  auto k = cast<RankedTensorType>(pilot.getKey().getType());
  if (!q.hasStaticShape() || !k.hasStaticShape())
    return pilot.emitOpError("attn-extract-pilot: needs static Q/K shapes, "
                             "got ")
           << q << " and " << k
           << "; compile one pilot per length bucket and pass the real "
              "length as valid_len";
  PilotShape p;
  p.batch = q.getDimSize(0);
  p.heads = q.getDimSize(1);
  p.qLen = q.getDimSize(2);
  p.dim = q.getDimSize(3);
  p.kvHeads = k.getDimSize(1);
  p.kvLen = k.getDimSize(2);
  p.paddedDim = roundUp(p.dim, npu.intrinsic(ElementKind::I8).k);
  p.scale = pilot.getScaleAttr() ? pilot.getScaleAttr().getValueAsDouble()
                                 : 1.0 / std::sqrt(static_cast<double>(p.dim));
  p.causal = pilot.getCausal();
  p.validLen = static_cast<bool>(pilot.getValidLen());
  return p;
}

StageOp AttnExtractPilotPass::buildStage(OpBuilder &b, Location loc,
                                         ValueRange inputs, const PilotShape &p,
                                         int64_t qTile, int64_t kvTile) {
  Type f32 = b.getF32Type(), i8 = b.getIntegerType(8);
  int64_t rowBytes = p.paddedDim + PilotQKRowsOp::kScaleBytes;
  int64_t qPad = roundUp(p.qLen, qTile), kPad = roundUp(p.kvLen, kvTile);
  auto scores = RankedTensorType::get({p.batch, p.heads, p.qLen, p.kvLen}, f32);
  auto stage = StageOp::create(b, loc, TypeRange{scores}, inputs, "pilot",
                               FoldKind::unfolded);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&stage.getBodyBlock());
  ValueRange args = stage.getBodyBlock().getArguments();
  auto padTo = [&](Value v, int64_t heads, int64_t len,
                   int64_t padded) -> Value {
    if (len == padded)
      return v;
    auto type = RankedTensorType::get({p.batch, heads, padded, rowBytes}, i8);
    Value zero = arith::ConstantOp::create(b, loc, b.getIntegerAttr(i8, 0));
    SmallVector<OpFoldResult> low(4, b.getIndexAttr(0)),
        high(4, b.getIndexAttr(0));
    high[2] = b.getIndexAttr(padded - len);
    return tensor::PadOp::create(b, loc, type, v, low, high, zero);
  };
  Value qr = padTo(args[0], p.heads, p.qLen, qPad);
  Value kr = padTo(args[1], p.kvHeads, p.kvLen, kPad);
  auto padded = RankedTensorType::get({p.batch, p.heads, qPad, kPad}, f32);
  auto op = PilotQKRowsOp::create(
      b, loc, padded, qr, kr, p.validLen ? args[2] : Value(),
      b.getF64FloatAttr(p.scale), p.causal,
      kPad != p.kvLen ? b.getI64IntegerAttr(p.kvLen) : IntegerAttr(),
      qPad != p.qLen ? b.getI64IntegerAttr(p.qLen) : IntegerAttr());
  Value result = op.getResult();
  if (padded != scores) {
    SmallVector<OpFoldResult> offsets(4, b.getIndexAttr(0)),
        strides(4, b.getIndexAttr(1)), sizes;
    for (int64_t s : scores.getShape())
      sizes.push_back(b.getIndexAttr(s));
    result = tensor::ExtractSliceOp::create(b, loc, scores, result, offsets,
                                            sizes, strides);
  }
  YieldOp::create(b, loc, ValueRange{result});
  return stage;
}

LogicalResult AttnExtractPilotPass::extract(func::FuncOp fn, PilotQKOp pilot,
                                            const NPUTarget &npu) {
  FailureOr<PilotShape> shape = readPilot(pilot, npu);
  if (failed(shape))
    return failure();
  const PilotShape &p = *shape;
  const IntrinsicShape in = npu.intrinsic(ElementKind::I8);
  for (auto [name, v] : {std::pair<const char *, int64_t>{"q-tile", qTile},
                         {"kv-tile", kvTile},
                         {"columns", columns},
                         {"cores-per-column", coresPerColumn}})
    if (v < 0)
      return pilot.emitOpError("attn-extract-pilot: ")
             << name << " = " << v << " must be >= 0 (0 chooses)";
  if (qTile > 0 && qTile % in.m != 0)
    return pilot.emitOpError("attn-extract-pilot: q-tile = ")
           << int64_t(qTile)
           << " is not a multiple of the int8 intrinsic M = " << in.m << " of "
           << npu.name;
  int64_t kvUnit = std::max(in.k, in.n);
  if (kvTile > 0 && kvTile % kvUnit != 0)
    return pilot.emitOpError("attn-extract-pilot: kv-tile = ")
           << int64_t(kvTile)
           << " is not a multiple of the int8 intrinsic K/N = " << kvUnit
           << " of " << npu.name;
  int64_t cols = columns > 0 ? columns : npu.numColumns;
  int64_t rows = coresPerColumn > 0 ? coresPerColumn : npu.numCoreRows;
  if (cols > npu.numColumns || rows > npu.numCoreRows || depth < 1)
    return pilot.emitOpError("attn-extract-pilot: columns = ")
           << cols << ", cores-per-column = " << rows
           << ", depth = " << int64_t(depth) << " do not fit " << npu.name
           << " (" << npu.numColumns << " columns, " << npu.numCoreRows
           << " core rows, depth >= 1)";

  // The new function (built beside `fn`, which it replaces on success):
  // Q rows, K rows (, valid_len) -> scores.
  MLIRContext *ctx = fn.getContext();
  Type i8 = IntegerType::get(ctx, 8);
  int64_t rowBytes = p.paddedDim + PilotQKRowsOp::kScaleBytes;
  SmallVector<Type> argTypes{
      RankedTensorType::get({p.batch, p.heads, p.qLen, rowBytes}, i8),
      RankedTensorType::get({p.batch, p.kvHeads, p.kvLen, rowBytes}, i8)};
  if (p.validLen)
    argTypes.push_back(pilot.getValidLen().getType());
  Type scores = pilot.getResult().getType();
  Location loc = pilot.getLoc();
  OpBuilder mb(fn);
  mb.setInsertionPointAfter(fn);
  auto pilotFn =
      func::FuncOp::create(mb, fn.getLoc(), (fn.getSymName() + ".pilot").str(),
                           FunctionType::get(ctx, argTypes, {scores}));
  if (fn.isPrivate())
    pilotFn.setPrivate();
  Block *block = pilotFn.addEntryBlock();
  OpBuilder b = OpBuilder::atBlockEnd(block);

  std::string lastError = "no candidate tiles";
  for (int64_t tq : tileCandidates(p.qLen, in.m, qTile))
    for (int64_t tk : tileCandidates(p.kvLen, kvUnit, kvTile)) {
      StageOp stage = buildStage(b, loc, block->getArguments(), p, tq, tk);
      int64_t intrinsic[] = {in.m, in.k, in.n};
      PlanAttr plan = PlanAttr::get(
          ctx, npu.name, tq, tk, p.paddedDim, tq, tk, intrinsic, cols, rows,
          MappingKind::fused, depth, roundUp(p.qLen, tq), roundUp(p.kvLen, tk),
          p.paddedDim, p.paddedDim, /*kv_split=*/1);
      stage.setPlanAttr(plan);
      // Quietly try the candidate: describe and schedule it as
      // attn-schedule-dma will.
      FailureOr<DescribedStage> ds =
          describePilotStage(stage, findPilotOp(stage));
      std::string error;
      std::optional<StageSchedule> sch;
      if (succeeded(ds))
        sch = planStage(ds->desc, npu, ScheduleOptions{}, error);
      if (sch) {
        func::ReturnOp::create(b, loc, stage.getResults());
        std::string name = fn.getSymName().str();
        fn.erase();
        pilotFn.setSymName(name);
        return success();
      }
      lastError = llvm::formatv("q-tile {0}, kv-tile {1}: {2}", tq, tk,
                                error.empty() ? "not describable" : error)
                      .str();
      stage.erase();
    }
  pilotFn.erase();
  return fn.emitOpError("attn-extract-pilot: no pilot plan fits ")
         << npu.name << " (last candidate " << lastError << ")";
}

void AttnExtractPilotPass::runOnOperation() {
  ModuleOp module = getOperation();
  const NPUTarget *npu = lookupTarget(target);
  if (!npu) {
    module.emitError("attn-extract-pilot: unknown target '")
        << target << "'; valid targets: " << llvm::join(targetNames(), ", ");
    return signalPassFailure();
  }
  SmallVector<std::pair<func::FuncOp, PilotQKOp>> work;
  for (auto fn : module.getOps<func::FuncOp>()) {
    SmallVector<PilotQKOp> pilots(fn.getBody().getOps<PilotQKOp>());
    if (pilots.size() > 1) {
      pilots[1].emitOpError("attn-extract-pilot: a function may hold one "
                            "pilot (one layer); split the layers into "
                            "functions");
      return signalPassFailure();
    }
    if (!pilots.empty())
      work.push_back({fn, pilots.front()});
  }
  if (work.empty()) {
    module.emitError("attn-extract-pilot: no attn.pilot_qk in the module; "
                     "run attn-sparsify first");
    return signalPassFailure();
  }
  for (auto [fn, pilot] : work)
    if (failed(extract(fn, pilot, *npu)))
      return signalPassFailure();
}
