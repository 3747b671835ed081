//===- PilotStage.cpp - read the shadowAttn pilot stage ------------------===//
//
// describePilotStage(): the `attn.stage "pilot"` of attn-extract-pilot as a
// StageDesc of kind Pilot. The stage's inputs are the Q rows, the K rows and
// optionally valid_len, in that order (attn-extract-pilot builds them so);
// zero-offset tensor.pad of the rows and a zero-offset slice of the scores
// are host padding, as for the stages of attn-pad-and-mask.
//
//===----------------------------------------------------------------------===//

#include "attn/Conversion/AttnToAIE/PilotStage.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include "llvm/ADT/STLExtras.h"

#include <cmath>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::aiemap;

PilotQKRowsOp aiemap::findPilotOp(StageOp stage) {
  for (Operation &op : stage.getBodyBlock())
    if (auto p = dyn_cast<PilotQKRowsOp>(op))
      return p;
  return {};
}

/// The stage argument `v` is (directly or through a zero-low tensor.pad).
static BlockArgument stageArg(StageOp stage, Value v, tensor::PadOp &pad) {
  pad = v.getDefiningOp<tensor::PadOp>();
  if (pad) {
    if (!llvm::all_of(pad.getStaticLow(), [](int64_t l) { return l == 0; }))
      return {};
    v = pad.getSource();
  }
  auto arg = dyn_cast<BlockArgument>(v);
  if (!arg || arg.getOwner() != &stage.getBodyBlock())
    return {};
  return arg;
}

FailureOr<DescribedStage> aiemap::describePilotStage(StageOp stage,
                                                     PilotQKRowsOp op) {
  DescribedStage out;
  StageDesc &d = out.desc;
  std::optional<PlanAttr> plan = stage.getPlan();
  if (!plan)
    return stage.emitOpError("has no #attn.plan; run attn-extract-pilot "
                             "before attn-schedule-dma");
  out.target = lookupTarget(plan->getTarget());
  if (!out.target)
    return stage.emitOpError("plan names unknown target '")
           << plan->getTarget() << "'";
  for (Operation &o : stage.getBodyBlock())
    if (!isa<PilotQKRowsOp, YieldOp, tensor::PadOp, tensor::ExtractSliceOp,
             arith::ConstantOp>(o))
      return o.emitOpError("inside the pilot stage has no AIE mapping "
                           "(expected one attn.pilot_qk_rows)");
  if (stage.getNumResults() != 1)
    return stage.emitOpError("pilot stage must have exactly one result");

  // Inputs: Q rows, K rows, valid_len (optional), in this order.
  unsigned numInputs = stage.getInputs().size();
  unsigned expected = op.getValidLen() ? 3 : 2;
  if (numInputs != expected)
    return stage.emitOpError("pilot stage must take the Q rows, the K rows")
           << (op.getValidLen() ? " and valid_len" : "") << ", got "
           << numInputs << " inputs";
  std::pair<Value, std::optional<Role>> bound[] = {{op.getQuery(), Role::Q},
                                                   {op.getKey(), Role::K}};
  for (auto [i, entry] : llvm::enumerate(bound)) {
    tensor::PadOp pad;
    BlockArgument arg = stageArg(stage, entry.first, pad);
    if (!arg || arg.getArgNumber() != i)
      return op.emitOpError("operand #") << i << " must be stage input #" << i
                                         << " (or a zero-low tensor.pad of it)";
    out.inputRoles.push_back(entry.second);
    if (pad)
      out.padding.push_back(
          {static_cast<int>(i), arg.getType(), pad.getType()});
  }
  if (Value vl = op.getValidLen()) {
    auto arg = dyn_cast<BlockArgument>(vl);
    if (!arg || arg.getOwner() != &stage.getBodyBlock() ||
        arg.getArgNumber() != 2)
      return op.emitOpError("'valid_len' must be stage input #2");
    out.inputRoles.push_back(std::nullopt);
    d.hasValidLen = true;
  }
  Value yielded = stage.getYield().getValues().front();
  if (auto slice = yielded.getDefiningOp<tensor::ExtractSliceOp>()) {
    if (!llvm::all_of(slice.getStaticOffsets(),
                      [](int64_t o) { return o == 0; }) ||
        !llvm::all_of(slice.getStaticStrides(),
                      [](int64_t s) { return s == 1; }))
      return slice.emitOpError("slicing the pilot scores needs zero offsets "
                               "and unit strides for the AIE mapping");
    yielded = slice.getSource();
  }
  if (yielded.getDefiningOp() != op.getOperation())
    return stage.emitOpError("must yield the attn.pilot_qk_rows result (or a "
                             "slice of it)");
  if (yielded.getType() != stage.getResult(0).getType())
    out.padding.push_back(
        {-1, stage.getResult(0).getType(), yielded.getType()});

  auto q = cast<RankedTensorType>(op.getQuery().getType());
  auto k = cast<RankedTensorType>(op.getKey().getType());
  if (!q.hasStaticShape() || !k.hasStaticShape())
    return op.emitOpError("needs static shapes for the AIE mapping (use "
                          "length buckets)");
  d.kind = StageKind::Pilot;
  d.elem = ElementKind::I8;
  d.batch = q.getDimSize(0);
  d.heads = q.getDimSize(1);
  d.qLen = q.getDimSize(2);
  d.headDim = d.valueDim = q.getDimSize(3);
  d.kvHeads = k.getDimSize(1);
  d.kvLen = k.getDimSize(2);
  int64_t dim = pilotHeadDim(d);
  int64_t kStep = out.target->intrinsic(ElementKind::I8).k;
  if (dim % kStep != 0)
    return op.emitOpError("head dimension D = ")
           << dim << " must be a multiple of the int8 intrinsic K = " << kStep
           << " of " << out.target->name
           << " (zero-pad D on the host: it leaves every dot product "
              "unchanged)";
  if (plan->getMapping() != MappingKind::fused)
    return stage.emitOpError("plan mapping 'stream' is not supported by the "
                             "pilot stage (only 'fused')");
  d.qTile = plan->getQTile();
  d.kvTile = plan->getKvTile();
  d.columns = plan->getColumns();
  d.coresPerColumn = plan->getCoresPerColumn();
  d.depth = plan->getDepth();

  d.keyLimit = d.kvLen;
  if (std::optional<uint64_t> kl = op.getKeyLen())
    d.keyLimit = static_cast<int64_t>(*kl);
  int64_t queryLen = d.qLen;
  if (std::optional<uint64_t> ql = op.getQueryLen())
    queryLen = static_cast<int64_t>(*ql);
  switch (op.getCausal()) {
  case CausalKind::none:
    break;
  case CausalKind::top_left:
    d.causal = true;
    break;
  case CausalKind::bottom_right:
    d.causal = true;
    d.causalOffset = d.keyLimit - queryLen;
    break;
  }
  if (FloatAttr scale = op.getScaleAttr())
    d.scale = scale.getValueAsDouble();
  else
    d.scale = 1.0 / std::sqrt(static_cast<double>(dim));
  return out;
}
