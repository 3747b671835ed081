//===- AttnStageOps.cpp - folded/tiled attention stages -------------------===//
//
// attn.stage (custom syntax, structure and plan checks) and the verifiers of
// the stage-internal ops. Operand rules shared with attn.attention go
// through ShapeChecks.h so both ops word them the same way.
//
//===----------------------------------------------------------------------===//

#include "ShapeChecks.h"
#include "attn/Dialect/Attn/IR/AttnOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVectorExtras.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::detail;

static constexpr StringLiteral kScoresDoc = "[B, H, Lq, Lk]";

//===----------------------------------------------------------------------===//
// StageOp
//===----------------------------------------------------------------------===//

void StageOp::build(OpBuilder &builder, OperationState &state,
                    TypeRange resultTypes, ValueRange inputs, StringRef name,
                    FoldKind fold) {
  state.addOperands(inputs);
  state.addTypes(resultTypes);
  state.addAttribute(getNameAttrName(state.name), builder.getStringAttr(name));
  state.addAttribute(getFoldAttrName(state.name),
                     FoldKindAttr::get(builder.getContext(), fold));
  Region *region = state.addRegion();
  auto *block = new Block();
  for (Value in : inputs)
    block->addArgument(in.getType(), in.getLoc());
  region->push_back(block);
}

YieldOp StageOp::getYield() {
  Block &block = getBodyBlock();
  if (block.empty())
    return nullptr;
  return dyn_cast<YieldOp>(block.back());
}

// attn.stage "name" fold <kind> [plan #attn.plan<...>]
//   ins(%arg = %value, ... : type, ...) -> type(s) [attributes {...}] {body}
void StageOp::print(OpAsmPrinter &p) {
  p << ' ';
  p.printString(getName());
  p << " fold " << stringifyFoldKind(getFold());
  if (PlanAttr plan = getPlanAttr()) {
    p << " plan ";
    p.printAttribute(plan);
  }
  p << " ins(";
  Block &block = getBodyBlock();
  llvm::interleaveComma(llvm::zip(block.getArguments(), getInputs()), p,
                        [&](auto pair) {
                          p.printOperand(std::get<0>(pair));
                          p << " = ";
                          p.printOperand(std::get<1>(pair));
                        });
  if (!getInputs().empty()) {
    p << " : ";
    llvm::interleaveComma(getInputs().getTypes(), p);
  }
  p << ") -> ";
  if (getNumResults() == 1) {
    p << getResult(0).getType();
  } else {
    p << '(';
    llvm::interleaveComma(getResultTypes(), p);
    p << ')';
  }
  p.printOptionalAttrDictWithKeyword(
      (*this)->getAttrs(),
      {getNameAttrName(), getFoldAttrName(), getPlanAttrName()});
  p << ' ';
  p.printRegion(getBody(), /*printEntryBlockArgs=*/false,
                /*printBlockTerminators=*/true);
}

ParseResult StageOp::parse(OpAsmParser &parser, OperationState &result) {
  MLIRContext *ctx = parser.getContext();
  std::string name;
  if (parser.parseString(&name))
    return failure();
  result.addAttribute(getNameAttrName(result.name), StringAttr::get(ctx, name));

  StringRef foldWord;
  SMLoc foldLoc;
  if (parser.parseKeyword("fold") ||
      (foldLoc = parser.getCurrentLocation(), parser.parseKeyword(&foldWord)))
    return failure();
  std::optional<FoldKind> fold = symbolizeFoldKind(foldWord);
  if (!fold)
    return parser.emitError(foldLoc, "unknown fold '")
           << foldWord << "'; expected unfolded, partial, full or online";
  result.addAttribute(getFoldAttrName(result.name),
                      FoldKindAttr::get(ctx, *fold));

  if (succeeded(parser.parseOptionalKeyword("plan"))) {
    PlanAttr plan;
    if (parser.parseAttribute(plan))
      return failure();
    result.addAttribute(getPlanAttrName(result.name), plan);
  }

  SmallVector<OpAsmParser::Argument> args;
  SmallVector<OpAsmParser::UnresolvedOperand> operands;
  SmallVector<Type> types;
  if (parser.parseKeyword("ins") || parser.parseLParen())
    return failure();
  if (failed(parser.parseOptionalRParen())) {
    if (parser.parseCommaSeparatedList([&]() -> ParseResult {
          OpAsmParser::Argument arg;
          OpAsmParser::UnresolvedOperand operand;
          if (parser.parseArgument(arg) || parser.parseEqual() ||
              parser.parseOperand(operand))
            return failure();
          args.push_back(arg);
          operands.push_back(operand);
          return success();
        }))
      return failure();
    SMLoc typesLoc = parser.getCurrentLocation();
    if (parser.parseColonTypeList(types) || parser.parseRParen())
      return failure();
    if (types.size() != operands.size())
      return parser.emitError(typesLoc) << "expected " << operands.size()
                                        << " input types, got " << types.size();
  }
  for (auto [arg, type] : llvm::zip(args, types))
    arg.type = type;
  SMLoc operandsLoc = parser.getCurrentLocation();
  if (parser.resolveOperands(operands, types, operandsLoc, result.operands))
    return failure();

  if (parser.parseArrowTypeList(result.types) ||
      parser.parseOptionalAttrDictWithKeyword(result.attributes))
    return failure();
  Region *body = result.addRegion();
  if (parser.parseRegion(*body, args, /*enableNameShadowing=*/false))
    return failure();
  return success();
}

LogicalResult StageOp::verify() {
  if (!stageKindOf(getName(), getFold())) {
    SmallVector<StringRef, 3> names =
        llvm::map_to_vector(foldStages(getFold()), stageName);
    return emitOpError() << "stage name '" << getName()
                         << "' is not valid for fold '"
                         << stringifyFoldKind(getFold())
                         << "'; expected one of: "
                         << llvm::join(names.begin(), names.end(), ", ");
  }
  if (failed(verifyRepresentable(*this)))
    return failure();
  if (std::optional<Type> mm = getMatmulType()) {
    if (!mm->isBF16())
      return emitOpError() << "matmul_type " << *mm
                           << " is not supported; expected bf16 (the "
                              "allow-precision-loss datapath)";
    // The layer's data is f16 or f32: no bf16 operand (Q, K, V, mask, bias).
    for (Value in : getInputs()) {
      Type elem = cast<RankedTensorType>(in.getType()).getElementType();
      if (elem.isBF16())
        return emitOpError() << "matmul_type bf16 is for f16 and f32 layers; "
                                "this stage has a bf16 operand";
    }
  }
  if (getNumResults() == 0)
    return emitOpError() << "stage '" << getName()
                         << "' has no results; a stage writes at least one "
                            "tensor to DRAM";
  Block &block = getBodyBlock();
  if (block.getNumArguments() != getInputs().size())
    return emitOpError() << "body has " << block.getNumArguments()
                         << " arguments but the stage has "
                         << getInputs().size() << " inputs";
  for (auto [i, arg, in] : llvm::enumerate(block.getArguments(), getInputs()))
    if (arg.getType() != in.getType())
      return emitOpError() << "body argument #" << i << " has type "
                           << arg.getType() << " but input #" << i
                           << " has type " << in.getType();
  YieldOp yield = getYield();
  if (!yield)
    return emitOpError() << "body must end with 'attn.yield'";
  if (yield.getValues().size() != getNumResults())
    return emitOpError() << "'attn.yield' returns " << yield.getValues().size()
                         << " values but the stage has " << getNumResults()
                         << " results";
  for (auto [i, res, val] : llvm::enumerate(getResults(), yield.getValues()))
    if (res.getType() != val.getType())
      return emitOpError() << "result #" << i << " has type " << res.getType()
                           << " but 'attn.yield' operand #" << i << " has type "
                           << val.getType();
  return success();
}

/// The plan's padded length `padded` (field `field`) must cover the length
/// `length` (`what`) of the stage-internal op `inner`.
static LogicalResult checkPaddedCovers(StageOp stage, StringRef field,
                                       int64_t padded, Operation *inner,
                                       StringRef what, int64_t length) {
  if (ShapedType::isDynamic(length))
    return success();
  if (ShapedType::isDynamic(padded))
    return stage.emitOpError()
           << "plan " << field << " is ? but the " << what << " of '"
           << inner->getName() << "' is static (" << length << ")";
  if (padded < length)
    return stage.emitOpError()
           << "plan " << field << " = " << padded << " is smaller than the "
           << what << " = " << length << " of '" << inner->getName() << "'";
  return success();
}

LogicalResult StageOp::verifyRegions() {
  PlanAttr plan = getPlanAttr();
  if (!plan)
    return success();
  // Lengths seen by the body: walk the stage-internal ops.
  WalkResult result = getBody().walk([&](Operation *inner) {
    auto check = [&](StringRef field, int64_t padded, StringRef what,
                     int64_t length) {
      return succeeded(
          checkPaddedCovers(*this, field, padded, inner, what, length));
    };
    bool ok = true;
    if (auto qk = dyn_cast<QKOp>(inner)) {
      DimOrder order = dimOrder(qk.getLayout());
      ok = check("padded_q_len", plan.getPaddedQLen(), "query length Lq",
                 dimOf(qk.getQuery(), order.length)) &&
           check("padded_kv_len", plan.getPaddedKvLen(), "key length Lk",
                 dimOf(qk.getKey(), order.length)) &&
           check("padded_head_dim", plan.getPaddedHeadDim(), "head dimension D",
                 dimOf(qk.getQuery(), order.feature));
    } else if (auto sm = dyn_cast<SoftmaxOp>(inner)) {
      ok = check("padded_q_len", plan.getPaddedQLen(), "query length Lq",
                 dimOf(sm.getScores(), 2)) &&
           check("padded_kv_len", plan.getPaddedKvLen(), "key length Lk",
                 dimOf(sm.getScores(), 3));
    } else if (isa<PVOp, OnlineSoftmaxPVOp>(inner)) {
      Value p = inner->getOperand(0), v = inner->getOperand(1);
      LayoutKind layout = isa<PVOp>(inner)
                              ? cast<PVOp>(inner).getLayout()
                              : cast<OnlineSoftmaxPVOp>(inner).getLayout();
      ok = check("padded_q_len", plan.getPaddedQLen(), "query length Lq",
                 dimOf(p, 2)) &&
           check("padded_kv_len", plan.getPaddedKvLen(), "key length Lk",
                 dimOf(p, 3)) &&
           check("padded_value_dim", plan.getPaddedValueDim(),
                 "value dimension Dv", dimOf(v, dimOrder(layout).feature));
    }
    return ok ? WalkResult::advance() : WalkResult::interrupt();
  });
  return failure(result.wasInterrupted());
}

//===----------------------------------------------------------------------===//
// QKOp
//===----------------------------------------------------------------------===//

LogicalResult QKOp::verify() {
  Operation *op = getOperation();
  DimOrder order = dimOrder(getLayout());
  std::string doc = layoutDoc(getLayout());
  NamedValue q{getQuery(), "query"}, k{getKey(), "key"},
      s{getScores(), "scores"};
  if (failed(verifyRank4(op, q, doc)) || failed(verifyRank4(op, k, doc)) ||
      failed(verifyRank4(op, s, kScoresDoc)) ||
      failed(verifyFloatElement(op, q)) ||
      failed(verifySameElement(op, k, getQuery().getType().getElementType(),
                               "query")) ||
      failed(verifyFloatElement(op, s)))
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
  if (!ShapedType::isDynamic(headDim) && headDim == 0)
    return emitOpError() << "'query' head dimension D (dimension "
                         << order.feature << ") must not be 0";
  int64_t batch = dimOf(getQuery(), order.batch);
  int64_t scoreDims[] = {batch, dimOf(getQuery(), order.heads),
                         dimOf(getQuery(), order.length),
                         dimOf(getKey(), order.length)};
  if (failed(verifyMaskAndBias(op, getMask(), getBias(),
                               getQuery().getType().getElementType(),
                               scoreDims)) ||
      failed(verifyValidLen(op, getValidLen(), batch)) ||
      failed(verifyScale(op, getScaleAttr())) ||
      failed(verifyRepresentable(op)) ||
      failed(verifyScoresRepresentable(op, scoreDims)))
    return failure();
  // Real lengths of padded operands: positive and within the padded size.
  struct RealLen {
    StringRef attr, operand, dimName;
    std::optional<uint64_t> value;
    int64_t size;
    unsigned pos;
  };
  RealLen lens[] = {
      {"key_len", "key", "Lk", getKeyLen(), scoreDims[3], order.length},
      {"query_len", "query", "Lq", getQueryLen(), scoreDims[2], order.length}};
  for (const RealLen &l : lens) {
    if (!l.value)
      continue;
    auto value = static_cast<int64_t>(*l.value);
    if (value <= 0)
      return emitOpError() << "'" << l.attr << "' must be positive, got "
                           << value;
    if (!ShapedType::isDynamic(l.size) && value > l.size)
      return emitOpError() << "'" << l.attr << "' = " << value
                           << " exceeds the " << l.dimName << " = " << l.size
                           << " of '" << l.operand << "' (dimension " << l.pos
                           << ")";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// SoftmaxOp
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxOp::verify() {
  Operation *op = getOperation();
  NamedValue s{getScores(), "scores"}, p{getProbs(), "probs"};
  if (failed(verifyRank4(op, s, kScoresDoc)) ||
      failed(verifyRank4(op, p, kScoresDoc)) ||
      failed(verifyFloatElement(op, s)) || failed(verifyFloatElement(op, p)))
    return failure();
  static const char *what[] = {"batch size (B)", "head count (H)",
                               "query length (Lq)", "key length (Lk)"};
  for (unsigned i = 0; i < 4; ++i)
    if (failed(verifyDimsAgree(op, s, i, p, i, what[i])))
      return failure();
  if (failed(verifyRepresentable(op)))
    return failure();
  return verifyValidLen(op, getValidLen(), dimOf(getScores(), 0));
}

//===----------------------------------------------------------------------===//
// PVOp / OnlineSoftmaxPVOp
//===----------------------------------------------------------------------===//

/// `weights` is P (attn.pv) or S (attn.online_softmax_pv), [B, H, Lq, Lk].
static LogicalResult verifyWeightedValues(Operation *op, NamedValue weights,
                                          Value value, Value result,
                                          Value validLen, LayoutKind layout) {
  DimOrder order = dimOrder(layout);
  std::string doc = layoutDoc(layout);
  NamedValue v{value, "value"}, r{result, "result"};
  if (failed(verifyRank4(op, weights, kScoresDoc)) ||
      failed(verifyRank4(op, v, doc)) || failed(verifyRank4(op, r, doc)) ||
      failed(verifyFloatElement(op, weights)) ||
      failed(verifyFloatElement(op, v)) ||
      failed(verifySameElement(
          op, r, cast<RankedTensorType>(value.getType()).getElementType(),
          "value")))
    return failure();
  if (failed(
          verifyDimsAgree(op, weights, 0, v, order.batch, "batch size (B)")) ||
      failed(
          verifyDimsAgree(op, weights, 0, r, order.batch, "batch size (B)")) ||
      failed(
          verifyDimsAgree(op, weights, 1, r, order.heads, "head count (H)")) ||
      failed(verifyDimsAgree(op, weights, 2, r, order.length,
                             "query length (Lq)")) ||
      failed(verifyDimsAgree(op, weights, 3, v, order.length,
                             "key/value length (Lk)")) ||
      failed(verifyDimsAgree(op, v, order.feature, r, order.feature,
                             "value head dimension (Dv)")) ||
      failed(verifyHeadGrouping(op, weights, v, 1, order.heads)))
    return failure();
  if (failed(verifyRepresentable(op)))
    return failure();
  return verifyValidLen(op, validLen, dimOf(weights.value, 0));
}

LogicalResult PVOp::verify() {
  return verifyWeightedValues(getOperation(), {getProbs(), "probs"}, getValue(),
                              getResult(), getValidLen(), getLayout());
}

LogicalResult OnlineSoftmaxPVOp::verify() {
  return verifyWeightedValues(getOperation(), {getScores(), "scores"},
                              getValue(), getResult(), getValidLen(),
                              getLayout());
}
