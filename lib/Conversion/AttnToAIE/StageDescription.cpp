//===- StageDescription.cpp - read an attn.stage for AIE mapping ----------===//
//
// Recognises the stage bodies attn-fold produces (qk | softmax | pv,
// qk + softmax | pv, qk + softmax + pv, qk + online_softmax_pv), checks what
// the AIE mapping needs (a plan the back end emits, cost::whyNotEmittable:
// fused mapping, f32 scores/probabilities in DRAM, one query tile per lane,
// K/V streamed a kv tile at a time; static shapes, kernels for the element
// type, explicit mask/bias in a stage computing scores, broadcasting as
// [B|1, H|1, Lq|1, Lk]) and returns the
// stage as numbers plus the role of each operand, in the layer's argument
// order.
//
//===----------------------------------------------------------------------===//

#include "attn/Conversion/AttnToAIE/StageDescription.h"
#include "attn/Analysis/Emittable.h"
#include "attn/Conversion/AttnToAIE/PilotStage.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::aiemap;

namespace {

/// The stage input a value is (directly, or zero-offset padded by
/// attn-pad-and-mask), or -1.
int inputIndex(StageOp stage, Value v) {
  if (auto pad = v.getDefiningOp<tensor::PadOp>())
    if (llvm::all_of(pad.getStaticLow(), [](int64_t l) { return l == 0; }))
      v = pad.getSource();
  auto arg = dyn_cast<BlockArgument>(v);
  if (!arg || arg.getOwner() != &stage.getBodyBlock())
    return -1;
  return static_cast<int>(arg.getArgNumber());
}

/// Ops attn-pad-and-mask leaves in a stage around the computation: padding
/// of operands, pad values, and the slice of the result.
bool isPaddingOp(Operation &op) {
  return isa<tensor::PadOp, tensor::ExtractSliceOp, arith::ConstantOp>(op);
}

} // namespace

namespace {

/// The attn ops of a stage body.
struct StageOps {
  QKOp qk;
  SoftmaxOp softmax;
  PVOp pv;
  OnlineSoftmaxPVOp online;
};

/// Finds the stage's ops and which of the stage forms of attn-fold it is.
LogicalResult recognizeBody(StageOp stage, StageOps &ops, StageDesc &d) {
  auto &[qk, softmax, pv, online] = ops;
  for (Operation &op : stage.getBodyBlock()) {
    if (auto o = dyn_cast<QKOp>(op); o && !qk)
      qk = o;
    else if (auto o = dyn_cast<SoftmaxOp>(op); o && !softmax)
      softmax = o;
    else if (auto o = dyn_cast<PVOp>(op); o && !pv)
      pv = o;
    else if (auto o = dyn_cast<OnlineSoftmaxPVOp>(op); o && !online)
      online = o;
    else if (!isa<YieldOp>(op) && !isPaddingOp(op))
      return op.emitOpError("inside attn.stage '")
             << stage.getName()
             << "' has no AIE mapping (expected attn.qk, attn.softmax, "
                "attn.pv or attn.online_softmax_pv, once each)";
  }
  if (qk && online && !softmax && !pv)
    d.kind = StageKind::Online;
  else if (qk && softmax && pv && !online)
    d.kind = StageKind::Full;
  else if (qk && softmax && !pv && !online)
    d.kind = StageKind::QKSoftmax;
  else if (qk && !softmax && !pv && !online)
    d.kind = StageKind::QK;
  else if (softmax && !qk && !pv && !online)
    d.kind = StageKind::Softmax;
  else if (pv && !qk && !softmax && !online)
    d.kind = StageKind::PV;
  else
    return stage.emitOpError("body '")
           << stage.getName()
           << "' is not one of the stage forms attn-fold produces";
  if (stage.getNumResults() != 1)
    return stage.emitOpError("must have exactly one result for the AIE "
                             "mapping, has ")
           << stage.getNumResults();

  return success();
}

/// The DRAM role of every stage input (Q, K, V, S, P, explicit mask/bias,
/// valid_len), checking that each is used once, in one role.
LogicalResult bindOperands(StageOp stage, const StageOps &ops,
                           DescribedStage &out) {
  auto [qk, softmax, pv, online] = ops;
  StageDesc &d = out.desc;
  // Every operand of the stage-internal ops that comes from DRAM must be a
  // stage input; values produced inside stay on chip.
  out.inputRoles.assign(stage.getInputs().size(), std::nullopt);
  std::vector<bool> assigned(stage.getInputs().size(), false);
  auto bind = [&](Value v, std::optional<Role> role, Operation *user,
                  StringRef what) -> LogicalResult {
    if (auto pad = v.getDefiningOp<tensor::PadOp>())
      if (!llvm::all_of(pad.getStaticLow(), [](int64_t l) { return l == 0; }))
        return pad.emitOpError("padding before the data (non-zero low) has "
                               "no AIE mapping");
    int idx = inputIndex(stage, v);
    if (idx < 0)
      return user->emitOpError("operand '")
             << what << "' must be an operand of the enclosing attn.stage";
    if (assigned[idx] && out.inputRoles[idx] != role)
      return user->emitOpError("stage operand #")
             << idx << " is used in two roles";
    assigned[idx] = true;
    out.inputRoles[idx] = role;
    return success();
  };

  Value validLen;
  if (qk) {
    if (failed(bind(qk.getQuery(), Role::Q, qk, "query")) ||
        failed(bind(qk.getKey(), Role::K, qk, "key")))
      return failure();
    // Explicit mask/bias ([B|1, H|1, Lq|1, Lk], checked against the
    // layer's sizes below) travel in the broadcast step object of the stage
    // computing scores: key-only rows once per group, anything varying over
    // heads or queries as one tile per core of the group.
    for (auto [v, role, what] :
         {std::tuple<Value, Role, StringRef>{qk.getMask(), Role::M, "mask"},
          {qk.getBias(), Role::Bias, "bias"}}) {
      if (!v)
        continue;
      auto type = cast<RankedTensorType>(v.getType());
      int64_t r = type.getRank();
      if (!type.hasStaticShape() || r < 1 || r > 4 ||
          type.getDimSize(r - 1) == 1)
        return qk.emitOpError("explicit '")
               << what << "' of type " << type
               << " has no AIE mapping: it must have a static shape "
                  "broadcasting as [B|1, H|1, Lq|1, Lk] with the keys "
                  "spelled out; use the CPU path";
      if (failed(bind(v, role, qk, what)))
        return failure();
    }
    validLen = qk.getValidLen();
  }
  if (d.kind == StageKind::Softmax &&
      failed(bind(softmax.getScores(), Role::S, softmax, "scores")))
    return failure();
  if (d.kind == StageKind::PV &&
      failed(bind(pv.getProbs(), Role::P, pv, "probs")))
    return failure();
  if (pv && failed(bind(pv.getValue(), Role::V, pv, "value")))
    return failure();
  if (online && failed(bind(online.getValue(), Role::V, online, "value")))
    return failure();
  for (Value v : {softmax ? softmax.getValidLen() : Value(),
                  pv ? pv.getValidLen() : Value(),
                  online ? online.getValidLen() : Value()})
    if (!validLen && v)
      validLen = v;
  if (validLen) {
    if (failed(bind(validLen, std::nullopt, stage, "valid_len")))
      return failure();
    d.hasValidLen = true;
  }
  for (auto [i, used] : llvm::enumerate(assigned))
    if (!used)
      return stage.emitOpError("operand #")
             << i << " is not used by the stage body";

  return success();
}

/// The yielded value, the runtime-sequence argument order (the layer's
/// argument order) and the host-side padding of operands and result.
LogicalResult orderAndPadding(StageOp stage, const StageOps &ops,
                              DescribedStage &out) {
  auto [qk, softmax, pv, online] = ops;
  StageDesc &d = out.desc;
  // The result: the computation's value, or a zero-offset slice of it (the
  // padded program result is what the device writes).
  Operation *compute = online ? online.getOperation()
                       : pv   ? pv.getOperation()
                       : softmax && d.kind != StageKind::QK
                           ? softmax.getOperation()
                           : qk.getOperation();
  Value yielded = stage.getYield().getValues().front();
  if (auto slice = yielded.getDefiningOp<tensor::ExtractSliceOp>()) {
    if (!llvm::all_of(slice.getStaticOffsets(),
                      [](int64_t o) { return o == 0; }) ||
        !llvm::all_of(slice.getStaticStrides(),
                      [](int64_t o) { return o == 1; }))
      return slice.emitOpError("slicing a stage result needs zero offsets "
                               "and unit strides for the AIE mapping");
    yielded = slice.getSource();
  }
  if (yielded.getDefiningOp() != compute)
    return stage.emitOpError("must yield the result of its last attn op (or "
                             "a slice of it) for the AIE mapping");
  // The runtime sequence takes the stage's tensors in the layer's argument
  // order (attn-fold may list a stage's inputs differently): the inputs
  // that are function arguments are sorted by argument number among their
  // places; others (S, P from an earlier stage) keep theirs.
  std::vector<unsigned> order(stage.getInputs().size());
  std::vector<unsigned> argSlots, argInputs;
  auto funcArg = [&](unsigned i) -> BlockArgument {
    if (auto arg = dyn_cast<BlockArgument>(stage.getInputs()[i]))
      if (isa_and_nonnull<func::FuncOp>(arg.getOwner()->getParentOp()))
        return arg;
    return {};
  };
  for (unsigned i = 0; i < order.size(); ++i) {
    order[i] = i;
    if (funcArg(i)) {
      argSlots.push_back(i);
      argInputs.push_back(i);
    }
  }
  llvm::stable_sort(argInputs, [&](unsigned a, unsigned b) {
    return funcArg(a).getArgNumber() < funcArg(b).getArgNumber();
  });
  for (auto [slot, i] : llvm::zip(argSlots, argInputs))
    order[slot] = i;
  std::vector<unsigned> argPosition(order.size());
  std::vector<std::optional<Role>> roles(order.size());
  for (auto [pos, i] : llvm::enumerate(order)) {
    argPosition[i] = pos;
    roles[pos] = out.inputRoles[i];
  }
  out.inputRoles = roles;
  // Host-side padding: the device's DRAM buffers are the padded tensors.
  for (BlockArgument arg : stage.getBodyBlock().getArguments())
    for (Operation *user : arg.getUsers())
      if (auto pad = dyn_cast<tensor::PadOp>(user)) {
        if (!llvm::all_of(pad.getStaticLow(), [](int64_t l) { return l == 0; }))
          return pad.emitOpError("padding before the data (non-zero low) has "
                                 "no AIE mapping");
        out.padding.push_back(
            {static_cast<int>(argPosition[arg.getArgNumber()]), arg.getType(),
             pad.getType()});
      }
  if (yielded.getType() != stage.getResult(0).getType())
    out.padding.push_back(
        {-1, stage.getResult(0).getType(), yielded.getType()});

  return success();
}

/// Shapes (in bhld order), layout and element types (the f32 of scores and
/// probabilities in DRAM is checked by checkEmittable).
LogicalResult readShapes(StageOp stage, const StageOps &ops, StageDesc &d) {
  auto [qk, softmax, pv, online] = ops;
  // Shapes, layout and element types.
  auto staticShape = [&](Value v, StringRef what,
                         SmallVectorImpl<int64_t> &shape) -> LogicalResult {
    auto type = cast<RankedTensorType>(v.getType());
    if (!type.hasStaticShape())
      return stage.emitOpError("'")
             << what << "' has dynamic shape " << type
             << "; AIE programs need static (bucketed) lengths";
    shape.assign(type.getShape().begin(), type.getShape().end());
    return success();
  };
  LayoutKind layout = qk       ? qk.getLayout()
                      : online ? online.getLayout()
                      : pv     ? pv.getLayout()
                               : LayoutKind::bhld;
  d.blhd = layout == LayoutKind::blhd;
  auto bhld = [&](ArrayRef<int64_t> s) -> std::array<int64_t, 4> {
    if (d.blhd)
      return {s[0], s[2], s[1], s[3]};
    return {s[0], s[1], s[2], s[3]};
  };
  SmallVector<int64_t> shape;
  Type elemType;
  switch (d.kind) {
  case StageKind::Online:
  case StageKind::Full:
  case StageKind::QK:
  case StageKind::QKSoftmax: {
    if (failed(staticShape(qk.getQuery(), "query", shape)))
      return failure();
    auto q = bhld(shape);
    if (failed(staticShape(qk.getKey(), "key", shape)))
      return failure();
    auto k = bhld(shape);
    d.batch = q[0];
    d.heads = q[1];
    d.qLen = q[2];
    d.headDim = q[3];
    d.kvHeads = k[1];
    d.kvLen = k[2];
    d.valueDim = d.headDim;
    Value value = online ? online.getValue() : pv ? pv.getValue() : Value();
    if (value) {
      if (failed(staticShape(value, "value", shape)))
        return failure();
      d.valueDim = bhld(shape)[3];
    }
    elemType = qk.getQuery().getType().getElementType();
    break;
  }
  case StageKind::Softmax: {
    if (failed(staticShape(softmax.getScores(), "scores", shape)))
      return failure();
    d.batch = shape[0];
    d.heads = d.kvHeads = shape[1];
    d.qLen = shape[2];
    d.kvLen = shape[3];
    d.headDim = d.valueDim = 1;
    elemType = Float32Type::get(stage.getContext());
    break;
  }
  case StageKind::PV: {
    if (failed(staticShape(pv.getProbs(), "probs", shape)))
      return failure();
    d.batch = shape[0];
    d.heads = shape[1];
    d.qLen = shape[2];
    d.kvLen = shape[3];
    if (failed(staticShape(pv.getValue(), "value", shape)))
      return failure();
    auto v = bhld(shape);
    d.kvHeads = v[1];
    d.valueDim = d.headDim = v[3];
    elemType = pv.getValue().getType().getElementType();
    break;
  }
  }
  std::optional<ElementKind> elem = elementKindFor(elemType);
  if (!elem)
    return stage.emitOpError("element type ") << elemType << " has no kernels";
  d.elem = *elem;
  d.matmulInBf16 = stage.getMatmulType().has_value();

  return success();
}

/// Plan tiles and the masking facts (key limit, causal offset, explicit
/// mask and bias rows, scale).
LogicalResult readPlanAndMasking(StageOp stage, const StageOps &ops,
                                 PlanAttr plan, StageDesc &d) {
  QKOp qk = ops.qk;
  // Plan.
  d.qTile = plan.getQTile();
  d.kvTile = plan.getKvTile();
  d.columns = plan.getColumns();
  d.coresPerColumn = plan.getCoresPerColumn();
  d.kvSplit = plan.getKvSplit();
  d.depth = plan.getDepth();
  // Query tiles per core: l2_q_block holds k x cores_per_column query tiles
  // of a column (the cost model's tiles per lane of a fused plan).
  d.queryTiles = std::max<int64_t>(
      1, plan.getL2QBlock() /
             std::max<int64_t>(1, d.coresPerColumn * int64_t(d.qTile)));
  // L2-resident K/V: an l2_kv_block covering the padded key length (other
  // blocks beyond kv_tile are rejected by cost::whyNotEmittable).
  d.kvResident = int64_t(plan.getL2KvBlock()) > int64_t(d.kvTile) &&
                 int64_t(plan.getL2KvBlock()) >= d.kvLen;

  // Masking.
  d.keyLimit = d.kvLen;
  if (qk) {
    if (std::optional<uint64_t> kl = qk.getKeyLen())
      d.keyLimit = static_cast<int64_t>(*kl);
    int64_t queryLen = d.qLen;
    if (std::optional<uint64_t> ql = qk.getQueryLen())
      queryLen = static_cast<int64_t>(*ql);
    switch (qk.getCausal()) {
    case CausalKind::none:
      break;
    case CausalKind::top_left:
      d.causal = true;
      d.causalOffset = 0;
      break;
    case CausalKind::bottom_right:
      d.causal = true;
      d.causalOffset = d.keyLimit - queryLen;
      break;
    }
    for (auto [v, isBias] :
         {std::pair<Value, bool>{qk.getMask(), false}, {qk.getBias(), true}}) {
      if (!v)
        continue;
      auto type = cast<RankedTensorType>(v.getType());
      StringRef what = isBias ? "bias" : "mask";
      int64_t r = type.getRank();
      // Right-aligned to [B, H, Lq, Lk]: 1 broadcasts.
      auto dim = [&](int64_t fromEnd) {
        return r > fromEnd ? type.getDimSize(r - 1 - fromEnd) : 1;
      };
      int64_t batches = dim(3), heads = dim(2), rows = dim(1);
      for (auto [n, full, name] : {std::tuple<int64_t, int64_t, StringRef>{
                                       batches, d.batch, "batches"},
                                   {heads, d.heads, "heads"},
                                   {rows, d.qLen, "padded query rows"}})
        if (n != 1 && n != full)
          return qk.emitOpError("explicit '")
                 << what << "' of type " << type << " has " << n << " " << name
                 << ", the layer " << full;
      if (dim(0) != d.kvLen)
        return qk.emitOpError("explicit '")
               << what << "' of type " << type << " does not span the "
               << d.kvLen << " padded keys";
      if (isBias) {
        d.hasBias = true;
        d.biasBatches = batches;
        d.biasHeads = heads;
        d.biasRows = rows;
      } else {
        d.maskKind = type.getElementType().isInteger(1) ? StageDesc::KeepMask
                                                        : StageDesc::AddMask;
        d.maskBatches = batches;
        d.maskHeads = heads;
        d.maskRows = rows;
      }
    }
    if (FloatAttr scale = qk.getScaleAttr())
      d.scale = scale.getValueAsDouble();
    else
      d.scale = 1.0 / std::sqrt(static_cast<double>(d.headDim));
  }
  return success();
}

/// The element type of the scores / probabilities the stage reads or
/// writes in DRAM: the first one that is not f32, else f32 (also for stages
/// that keep them on chip).
ElementKind dramIntermediate(StageOps ops, StageKind kind) {
  SmallVector<Value, 2> crossing;
  if (kind == StageKind::QK)
    crossing.push_back(ops.qk.getResult());
  if (kind == StageKind::QKSoftmax || kind == StageKind::Softmax)
    crossing.push_back(ops.softmax.getResult());
  if (kind == StageKind::Softmax)
    crossing.push_back(ops.softmax.getScores());
  if (kind == StageKind::PV)
    crossing.push_back(ops.pv.getProbs());
  for (Value v : crossing) {
    Type t = cast<RankedTensorType>(v.getType()).getElementType();
    if (!t.isF32())
      return elementKindFor(t).value_or(ElementKind::BF16);
  }
  return ElementKind::F32;
}

/// The plan as the cost model's cost::Plan and the layer as its shape, for
/// cost::whyNotEmittable: the one rule set of what the back end emits.
LogicalResult checkEmittable(StageOp stage, StageOps ops, PlanAttr plan,
                             const StageDesc &d, const NPUTarget &target) {
  cost::Plan p;
  p.fold = stage.getFold();
  p.qTile = plan.getQTile();
  p.kvTile = plan.getKvTile();
  p.l2QBlock = plan.getL2QBlock();
  p.l2KvBlock = plan.getL2KvBlock();
  ArrayRef<int64_t> intr = plan.getIntrinsic();
  p.intrinsic = {intr[0], intr[1], intr[2]};
  p.columns = static_cast<int>(plan.getColumns());
  p.coresPerColumn = static_cast<int>(plan.getCoresPerColumn());
  p.mapping = plan.getMapping();
  p.depth = static_cast<int>(plan.getDepth());
  p.layout = d.blhd ? cost::LayoutHandling::Dma : cost::LayoutHandling::Native;
  p.intermediate = dramIntermediate(ops, d.kind);
  cost::AttentionShape shape;
  shape.batch = d.batch;
  shape.heads = d.heads;
  shape.kvHeads = d.kvHeads;
  shape.queryLen = d.qLen;
  shape.keyLen = d.kvLen;
  shape.headDim = d.headDim;
  shape.valueDim = d.valueDim;
  shape.element = d.elem;
  shape.causal = ops.qk ? ops.qk.getCausal() : CausalKind::none;
  shape.layout = d.blhd ? LayoutKind::blhd : LayoutKind::bhld;
  // The AIE mapping reads neither L2 block field: it emits one query tile
  // per lane per round and streams K/V a kv tile at a time, which is what
  // the search picks (those rules prune it); a plan pinned or written by
  // hand with other values is emitted that way.
  if (std::optional<cost::NotEmittable> why =
          cost::whyNotEmittable(p, shape, target,
                                {cost::NotEmittable::Rule::QueryTiles,
                                 cost::NotEmittable::Rule::KvBlock}))
    return stage.emitOpError(why->message);
  return success();
}

} // namespace

FailureOr<DescribedStage> aiemap::describeStage(StageOp stage) {
  if (PilotQKRowsOp pilot = findPilotOp(stage))
    return describePilotStage(stage, pilot);
  DescribedStage out;
  StageDesc &d = out.desc;
  std::optional<PlanAttr> plan = stage.getPlan();
  if (!plan)
    return stage.emitOpError("has no #attn.plan; run attn-tile before "
                             "attn-schedule-dma");
  out.target = lookupTarget(plan->getTarget());
  if (!out.target)
    return stage.emitOpError("plan names unknown target '")
           << plan->getTarget() << "'";
  StageOps ops;
  if (failed(recognizeBody(stage, ops, d)) ||
      failed(bindOperands(stage, ops, out)) ||
      failed(orderAndPadding(stage, ops, out)) ||
      failed(readShapes(stage, ops, d)) ||
      failed(readPlanAndMasking(stage, ops, *plan, d)) ||
      failed(checkEmittable(stage, ops, *plan, d, *out.target)))
    return failure();
  // Mapping `stream` (StreamStage.h; checkEmittable admitted it: the online
  // fold without explicit mask/bias): lanes as QK | softmax | PV pipelines.
  d.stream = plan->getMapping() == MappingKind::stream;
  // A plan written by hand whose l2_kv_block covers the keys of a stage the
  // L2-resident mapping does not serve streams K/V a kv_tile at a time, as
  // before (the search proposes only what aiemap::whyNotKvResident admits).
  if (d.kvResident) {
    aiemap::CoreLayoutParams lp;
    lp.kind = d.kind;
    lp.kvTile = d.kvTile;
    lp.keyLen = d.kvLen;
    lp.headDim = d.headDim;
    lp.valueDim = d.valueDim;
    lp.elem = d.elem;
    lp.keepMask = d.maskKind != StageDesc::NoMask;
    lp.bias = d.hasBias;
    lp.kvResident = true;
    d.kvResident =
        aiemap::whyNotKvResident(lp, d.kvSplit, d.stream, *out.target).empty();
  }
  return out;
}
