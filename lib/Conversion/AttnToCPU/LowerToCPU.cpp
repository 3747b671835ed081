//===- LowerToCPU.cpp - attn ops to linalg/scf for host execution ---------===//
//
// attn-lower-to-cpu rewrites attn operations into linalg generics on tensors
// (plus tensor reshapes/slices and scf loops) so the standard bufferization
// and LLVM lowering can execute them with the MLIR ExecutionEngine. It is the
// numerical oracle of every IR level, so it implements the op semantics
// literally: f32 accumulation, -inf for hidden scores, zero rows (never NaN)
// where no key is visible or the query lies beyond `valid_len`.
//
// Requires: verified attn IR. Produces: no attn op; linalg, tensor, arith,
// math and scf only.
//
// GQA/MQA: the query heads are reshaped to [Hkv, H/Hkv] with
// tensor.expand_shape, so every indexing map stays a projection (a head
// division in an affine map would need a static group size).
//
//===----------------------------------------------------------------------===//

#include "SparseToCPU.h"
#include "attn/Conversion/AttnToCPU/Passes.h"

#include "attn/Dialect/Attn/IR/AttnOps.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <limits>

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNLOWERTOCPU
#include "attn/Conversion/AttnToCPU/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {

using utils::IteratorType;

void yieldValue(OpBuilder &b, Location loc, Value v) {
  linalg::YieldOp::create(b, loc, ValueRange{v});
}

/// Positions of the length and head dimensions in a 4-D Q/K/V/O operand.
struct Layout {
  bool blhd = false;
  unsigned len() const { return blhd ? 1 : 2; }
  unsigned heads() const { return blhd ? 2 : 1; }
};

/// Inputs of the score computation S = mask(scale * Q·Kᵀ + bias + mask).
/// Q and K may be tiles of the full operands; offsets place them.
struct ScoreArgs {
  Value q, k;               // 4-D in `layout`
  Value mask, bias;         // 4-D [B,H,Lq,Lk] broadcastable, or null
  bool booleanMask = false; // mask is an i1 keep-mask
  Value validLen;           // tensor<Bxi32> or null
  CausalKind causal = CausalKind::none;
  Value scale;                // f32
  Value rowOffset, colOffset; // index: global row/key of the tile origin
  Value queryLen, keyLen;     // index: lengths that align bottom_right
  Value keyLimit;             // index or null: keys at or past it are hidden
};

/// Builds linalg-on-tensors pieces of attention at one insertion point.
class Emitter {
public:
  Emitter(OpBuilder &b, Location loc, Layout layout)
      : b(b), loc(loc), layout(layout) {}

  OpBuilder &b;
  Location loc;
  Layout layout;

  //===--------------------------------------------------------------------===//
  // Scalars and shapes
  //===--------------------------------------------------------------------===//

  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value f32(double v) {
    return arith::ConstantOp::create(b, loc,
                                     b.getF32FloatAttr(static_cast<float>(v)));
  }
  Value negInf() { return f32(-std::numeric_limits<double>::infinity()); }
  OpFoldResult size(Value t, int64_t d) {
    return tensor::getMixedSize(b, loc, t, d);
  }
  Value sizeValue(Value t, int64_t d) {
    return getValueOrCreateConstantIndexOp(b, loc, size(t, d));
  }
  Value value(OpFoldResult ofr) {
    return getValueOrCreateConstantIndexOp(b, loc, ofr);
  }
  SmallVector<OpFoldResult> sizes(Value t) {
    return tensor::getMixedSizes(b, loc, t);
  }

  static Type elementType(Value t) {
    return cast<ShapedType>(t.getType()).getElementType();
  }
  static int64_t rank(Value t) {
    return cast<ShapedType>(t.getType()).getRank();
  }

  Value empty(ArrayRef<OpFoldResult> shape, Type elem) {
    return tensor::EmptyOp::create(b, loc, shape, elem);
  }
  Value filled(ArrayRef<OpFoldResult> shape, Value scalar) {
    Value init = empty(shape, scalar.getType());
    return linalg::FillOp::create(b, loc, ValueRange{scalar}, ValueRange{init})
        .getResult(0);
  }

  /// Scalar conversions used inside generic bodies.
  static Value toF32(OpBuilder &nb, Location l, Value x) {
    Type f32Type = nb.getF32Type();
    if (x.getType() == f32Type)
      return x;
    return arith::ExtFOp::create(nb, l, f32Type, x);
  }
  static Value fromF32(OpBuilder &nb, Location l, Value x, Type elem) {
    if (x.getType() == elem)
      return x;
    return arith::TruncFOp::create(nb, l, elem, x);
  }

  AffineMap map(unsigned numDims, ArrayRef<AffineExpr> exprs) {
    return AffineMap::get(numDims, 0, exprs, b.getContext());
  }
  AffineExpr dim(unsigned i) { return b.getAffineDimExpr(i); }
  AffineExpr zero() { return b.getAffineConstantExpr(0); }

  Value generic(Type resultType, ValueRange inputs, Value init,
                ArrayRef<AffineMap> maps, ArrayRef<IteratorType> iterators,
                function_ref<void(OpBuilder &, Location, ValueRange)> body) {
    return linalg::GenericOp::create(b, loc, TypeRange{resultType}, inputs,
                                     ValueRange{init}, maps, iterators, body)
        .getResult(0);
  }

  //===--------------------------------------------------------------------===//
  // Head grouping (GQA)
  //===--------------------------------------------------------------------===//

  /// H / Hkv (query heads per key/value head), static when both are.
  OpFoldResult groupSize(OpFoldResult h, OpFoldResult hkv) {
    std::optional<int64_t> hs = getConstantIntValue(h),
                           hkvs = getConstantIntValue(hkv);
    if (hs && hkvs)
      return b.getIndexAttr(*hs / *hkvs);
    return arith::DivUIOp::create(b, loc, value(h), value(hkv)).getResult();
  }
  OpFoldResult groupSize(Value q, Value k) {
    return groupSize(size(q, layout.heads()), size(k, layout.heads()));
  }

  /// Splits dimension `pos` of `t` into [outer, inner].
  Value splitDim(Value t, unsigned pos, OpFoldResult outer,
                 OpFoldResult inner) {
    SmallVector<OpFoldResult> shape = sizes(t);
    SmallVector<OpFoldResult> outShape;
    SmallVector<ReassociationIndices> reassoc;
    for (unsigned d = 0, e = shape.size(); d < e; ++d) {
      if (d == pos) {
        reassoc.push_back({static_cast<int64_t>(outShape.size()),
                           static_cast<int64_t>(outShape.size() + 1)});
        outShape.push_back(outer);
        outShape.push_back(inner);
        continue;
      }
      reassoc.push_back({static_cast<int64_t>(outShape.size())});
      outShape.push_back(shape[d]);
    }
    SmallVector<int64_t> staticShape;
    for (OpFoldResult s : outShape)
      staticShape.push_back(
          getConstantIntValue(s).value_or(ShapedType::kDynamic));
    auto type = RankedTensorType::get(staticShape, elementType(t));
    return tensor::ExpandShapeOp::create(b, loc, type, t, reassoc, outShape);
  }

  /// Merges dimensions `pos` and `pos + 1` of `t`.
  Value mergeDims(Value t, unsigned pos) {
    SmallVector<ReassociationIndices> reassoc;
    for (int64_t d = 0, e = rank(t); d < e; ++d) {
      if (d == pos + 1)
        continue;
      if (d == pos)
        reassoc.push_back({d, d + 1});
      else
        reassoc.push_back({d});
    }
    return tensor::CollapseShapeOp::create(b, loc, t, reassoc);
  }

  /// A mask or bias of rank 1..4, reshaped to 4-D [B,H,Lq,Lk] by adding
  /// leading unit dimensions (numpy broadcasting aligns to the right).
  Value scoreOperandTo4D(Value x) {
    int64_t r = rank(x);
    if (r == 4)
      return x;
    SmallVector<ReassociationIndices> reassoc;
    ReassociationIndices first;
    for (int64_t d = 0; d <= 4 - r; ++d)
      first.push_back(d);
    reassoc.push_back(first);
    for (int64_t d = 5 - r; d < 4; ++d)
      reassoc.push_back({d});
    SmallVector<OpFoldResult> outShape(4 - r, b.getIndexAttr(1));
    llvm::append_range(outShape, sizes(x));
    auto type = cast<RankedTensorType>(x.getType());
    SmallVector<int64_t> staticShape(4 - r, 1);
    llvm::append_range(staticShape, type.getShape());
    return tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get(staticShape, type.getElementType()), x,
        reassoc, outShape);
  }

  /// A 4-D score operand as an input of a generic over (b, kvh, g, i, j):
  /// static unit dimensions broadcast; a full head dimension is split into
  /// [Hkv, G] like the queries.
  std::pair<Value, AffineMap> scoreOperandInput(Value x, OpFoldResult hkv,
                                                OpFoldResult group) {
    auto type = cast<RankedTensorType>(x.getType());
    auto pick = [&](unsigned d, unsigned loopDim) {
      return type.getDimSize(d) == 1 ? zero() : dim(loopDim);
    };
    if (type.getDimSize(1) == 1)
      return {x, map(5, {pick(0, 0), zero(), pick(2, 3), pick(3, 4)})};
    Value split = splitDim(x, 1, hkv, group);
    return {split,
            map(5, {pick(0, 0), dim(1), dim(2), pick(2, 3), pick(3, 4)})};
  }

  //===--------------------------------------------------------------------===//
  // Scores
  //===--------------------------------------------------------------------===//

  /// S[b, kvh, g, i, j] in f32 with every hidden score at -inf.
  Value scores(const ScoreArgs &a) {
    Type f32Type = b.getF32Type();
    OpFoldResult hkv = size(a.k, layout.heads());
    OpFoldResult group = groupSize(a.q, a.k);
    Value q5 = splitDim(a.q, layout.heads(), hkv, group);
    OpFoldResult batch = size(a.q, 0), qLen = size(a.q, layout.len()),
                 headDim = size(a.q, 3), kLen = size(a.k, layout.len());

    // Kᵀ in f32 ([B, Hkv, D, Lk]) so that the innermost loop of the product
    // runs over contiguous keys.
    Value kT = generic(
        RankedTensorType::get(
            {getConstantIntValue(batch).value_or(ShapedType::kDynamic),
             getConstantIntValue(hkv).value_or(ShapedType::kDynamic),
             getConstantIntValue(headDim).value_or(ShapedType::kDynamic),
             getConstantIntValue(kLen).value_or(ShapedType::kDynamic)},
            f32Type),
        {a.k}, empty({batch, hkv, headDim, kLen}, f32Type),
        {layout.blhd ? map(4, {dim(0), dim(3), dim(1), dim(2)})
                     : map(4, {dim(0), dim(1), dim(3), dim(2)}),
         map(4, {dim(0), dim(1), dim(2), dim(3)})},
        SmallVector<IteratorType>(4, IteratorType::parallel),
        [](OpBuilder &nb, Location l, ValueRange args) {
          yieldValue(nb, l, toF32(nb, l, args[0]));
        });

    SmallVector<OpFoldResult> sShape = {batch, hkv, group, qLen, kLen};
    Value s0 = filled(sShape, f32(0.0));
    auto sType = s0.getType();
    // Loops (b, kvh, g, i, d, j): the reduction over d sits outside the key
    // loop so the innermost loop is a plain vectorisable axpy.
    AffineMap qMap = layout.blhd
                         ? map(6, {dim(0), dim(3), dim(1), dim(2), dim(4)})
                         : map(6, {dim(0), dim(1), dim(2), dim(3), dim(4)});
    Value s = generic(
        sType, {q5, kT}, s0,
        {qMap, map(6, {dim(0), dim(1), dim(4), dim(5)}),
         map(6, {dim(0), dim(1), dim(2), dim(3), dim(5)})},
        {IteratorType::parallel, IteratorType::parallel, IteratorType::parallel,
         IteratorType::parallel, IteratorType::reduction,
         IteratorType::parallel},
        [](OpBuilder &nb, Location l, ValueRange args) {
          Value prod =
              arith::MulFOp::create(nb, l, toF32(nb, l, args[0]), args[1]);
          yieldValue(nb, l, arith::AddFOp::create(nb, l, args[2], prod));
        });

    // Scale, bias, masks, causal rule, valid_len and padded keys.
    SmallVector<Value> inputs;
    SmallVector<AffineMap> maps;
    int maskArg = -1, biasArg = -1, validArg = -1;
    if (a.mask) {
      auto [v, m] = scoreOperandInput(a.mask, hkv, group);
      maskArg = inputs.size();
      inputs.push_back(v);
      maps.push_back(m);
    }
    if (a.bias) {
      auto [v, m] = scoreOperandInput(a.bias, hkv, group);
      biasArg = inputs.size();
      inputs.push_back(v);
      maps.push_back(m);
    }
    if (a.validLen) {
      validArg = inputs.size();
      inputs.push_back(a.validLen);
      maps.push_back(map(5, {dim(0)}));
    }
    maps.push_back(map(5, {dim(0), dim(1), dim(2), dim(3), dim(4)}));
    Value minusInf = negInf();
    // bottom_right: key j is visible from query i iff j + Lq <= i + Lk.
    Value causalLhsAdd, causalRhsAdd;
    if (a.causal == CausalKind::bottom_right) {
      causalLhsAdd = a.queryLen;
      causalRhsAdd = a.keyLen;
    }
    bool booleanMask = a.booleanMask;
    CausalKind causal = a.causal;
    Value scale = a.scale, rowOffset = a.rowOffset, colOffset = a.colOffset,
          keyLimit = a.keyLimit;
    return generic(
        sType, inputs, s, maps,
        SmallVector<IteratorType>(5, IteratorType::parallel),
        [&](OpBuilder &nb, Location l, ValueRange args) {
          Value x = arith::MulFOp::create(nb, l, args.back(), scale);
          if (biasArg >= 0)
            x = arith::AddFOp::create(nb, l, x, toF32(nb, l, args[biasArg]));
          if (maskArg >= 0 && !booleanMask)
            x = arith::AddFOp::create(nb, l, x, toF32(nb, l, args[maskArg]));
          Value keep;
          auto both = [&](Value c) {
            keep = keep ? arith::AndIOp::create(nb, l, keep, c).getResult() : c;
          };
          if (maskArg >= 0 && booleanMask)
            both(args[maskArg]);
          Value row = arith::AddIOp::create(
              nb, l, linalg::IndexOp::create(nb, l, 3), rowOffset);
          Value col = arith::AddIOp::create(
              nb, l, linalg::IndexOp::create(nb, l, 4), colOffset);
          if (causal == CausalKind::top_left)
            both(arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ule, col,
                                       row));
          if (causal == CausalKind::bottom_right)
            both(arith::CmpIOp::create(
                nb, l, arith::CmpIPredicate::ule,
                arith::AddIOp::create(nb, l, col, causalLhsAdd),
                arith::AddIOp::create(nb, l, row, causalRhsAdd)));
          if (validArg >= 0) {
            Value vl = arith::IndexCastOp::create(nb, l, nb.getIndexType(),
                                                  args[validArg]);
            both(arith::CmpIOp::create(nb, l, arith::CmpIPredicate::slt, col,
                                       vl));
          }
          if (keyLimit)
            both(arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ult, col,
                                       keyLimit));
          if (keep)
            x = arith::SelectOp::create(nb, l, keep, x, minusInf);
          yieldValue(nb, l, x);
        });
  }

  //===--------------------------------------------------------------------===//
  // Row softmax pieces (last dimension is the key dimension)
  //===--------------------------------------------------------------------===//

  SmallVector<OpFoldResult> rowShape(Value t) {
    SmallVector<OpFoldResult> s = sizes(t);
    s.pop_back();
    return s;
  }
  AffineMap identity(unsigned n) {
    return AffineMap::getMultiDimIdentityMap(n, b.getContext());
  }
  AffineMap dropLast(unsigned n) {
    SmallVector<AffineExpr> e;
    for (unsigned i = 0; i + 1 < n; ++i)
      e.push_back(dim(i));
    return map(n, e);
  }
  SmallVector<IteratorType> rowIterators(unsigned n, bool reduceLast) {
    SmallVector<IteratorType> it(n, IteratorType::parallel);
    if (reduceLast)
      it.back() = IteratorType::reduction;
    return it;
  }

  /// Row maximum, -inf for an empty or fully hidden row.
  Value rowMax(Value s) {
    unsigned n = rank(s);
    Value init = filled(rowShape(s), negInf());
    return generic(init.getType(), {s}, init, {identity(n), dropLast(n)},
                   rowIterators(n, true),
                   [](OpBuilder &nb, Location l, ValueRange args) {
                     yieldValue(nb, l,
                                arith::MaximumFOp::create(
                                    nb, l, toF32(nb, l, args[0]), args[1]));
                   });
  }

  /// Row sums of `e` added to `init` (a row tensor).
  Value rowSumInto(Value e, Value init) {
    unsigned n = rank(e);
    return generic(
        init.getType(), {e}, init, {identity(n), dropLast(n)},
        rowIterators(n, true), [](OpBuilder &nb, Location l, ValueRange args) {
          yieldValue(nb, l, arith::AddFOp::create(nb, l, args[0], args[1]));
        });
  }
  Value rowSum(Value e) { return rowSumInto(e, filled(rowShape(e), f32(0))); }

  /// exp(s - rowmax) in f32, 0 in rows whose maximum is -inf (all hidden).
  /// `s` may be narrower than f32; the result is a new f32 tensor unless `s`
  /// is f32 already (then it is updated in place).
  Value expShift(Value s, Value rowMaxima) {
    unsigned n = rank(s);
    Value minusInf = negInf(), zeroF = f32(0.0);
    bool inPlace = elementType(s).isF32();
    Value init = inPlace ? s : empty(sizes(s), b.getF32Type());
    SmallVector<Value> ins = {rowMaxima};
    SmallVector<AffineMap> maps = {dropLast(n)};
    if (!inPlace) {
      ins.insert(ins.begin(), s);
      maps.insert(maps.begin(), identity(n));
    }
    maps.push_back(identity(n));
    return generic(
        init.getType(), ins, init, maps, rowIterators(n, false),
        [&](OpBuilder &nb, Location l, ValueRange args) {
          Value x = inPlace ? args[1] : toF32(nb, l, args[0]);
          Value m = inPlace ? args[0] : args[1];
          Value dead = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OEQ,
                                             m, minusInf);
          Value e =
              math::ExpOp::create(nb, l, arith::SubFOp::create(nb, l, x, m));
          yieldValue(nb, l, arith::SelectOp::create(nb, l, dead, zeroF, e));
        });
  }

  //===--------------------------------------------------------------------===//
  // P·V and the final normalisation
  //===--------------------------------------------------------------------===//

  /// acc[b, kvh, g, i, e] += Σ_j P[b, kvh, g, i, j] · V[b, kvh, j, e].
  Value pvAccumulate(Value p5, Value v, Value acc5) {
    AffineMap vMap = layout.blhd ? map(6, {dim(0), dim(4), dim(1), dim(5)})
                                 : map(6, {dim(0), dim(1), dim(4), dim(5)});
    return generic(acc5.getType(), {p5, v}, acc5,
                   {map(6, {dim(0), dim(1), dim(2), dim(3), dim(4)}), vMap,
                    map(6, {dim(0), dim(1), dim(2), dim(3), dim(5)})},
                   {IteratorType::parallel, IteratorType::parallel,
                    IteratorType::parallel, IteratorType::parallel,
                    IteratorType::reduction, IteratorType::parallel},
                   [](OpBuilder &nb, Location l, ValueRange args) {
                     Value prod = arith::MulFOp::create(
                         nb, l, toF32(nb, l, args[0]), toF32(nb, l, args[1]));
                     yieldValue(nb, l,
                                arith::AddFOp::create(nb, l, args[2], prod));
                   });
  }

  /// Zero-initialised f32 accumulator [B, Hkv, G, rows, Dv].
  Value pvInit(Value p5, Value v) {
    SmallVector<OpFoldResult> shape = rowShape(p5);
    shape.push_back(size(v, 3));
    return filled(shape, f32(0.0));
  }

  /// O = acc / rowsum (0 where the sum is 0), zero query rows at or past
  /// valid_len, rounded to `elem`, written in the operand layout with the
  /// heads split: bhld [B, Hkv, G, L, Dv], blhd [B, L, Hkv, G, Dv].
  Value finalize(Value acc5, Value rowSums, Value validLen, Value rowOffset,
                 Type elem) {
    SmallVector<OpFoldResult> s = sizes(acc5);
    SmallVector<OpFoldResult> outShape =
        layout.blhd ? SmallVector<OpFoldResult>{s[0], s[3], s[1], s[2], s[4]}
                    : s;
    Value init = empty(outShape, elem);
    SmallVector<Value> ins = {acc5};
    SmallVector<AffineMap> maps = {identity(5)};
    int sumArg = -1, validArg = -1;
    if (rowSums) {
      sumArg = ins.size();
      ins.push_back(rowSums);
      maps.push_back(dropLast(5));
    }
    if (validLen) {
      validArg = ins.size();
      ins.push_back(validLen);
      maps.push_back(map(5, {dim(0)}));
    }
    maps.push_back(layout.blhd
                       ? map(5, {dim(0), dim(3), dim(1), dim(2), dim(4)})
                       : identity(5));
    Value zeroF = f32(0.0);
    return generic(
        init.getType(), ins, init, maps, rowIterators(5, false),
        [&](OpBuilder &nb, Location l, ValueRange args) {
          Value y = args[0];
          if (sumArg >= 0) {
            Value sum = args[sumArg];
            Value live = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGT,
                                               sum, zeroF);
            y = arith::SelectOp::create(
                nb, l, live, arith::DivFOp::create(nb, l, y, sum), zeroF);
          }
          if (validArg >= 0) {
            Value row = arith::AddIOp::create(
                nb, l, linalg::IndexOp::create(nb, l, 3), rowOffset);
            Value vl = arith::IndexCastOp::create(nb, l, nb.getIndexType(),
                                                  args[validArg]);
            Value inside = arith::CmpIOp::create(
                nb, l, arith::CmpIPredicate::slt, row, vl);
            y = arith::SelectOp::create(nb, l, inside, y, zeroF);
          }
          yieldValue(nb, l, fromF32(nb, l, y, elem));
        });
  }

  /// Converts `t` to `type` with a cast when only static information differs.
  Value castTo(Value t, Type type) {
    if (t.getType() == type)
      return t;
    return tensor::CastOp::create(b, loc, type, t);
  }

  /// The scale applied to Q·Kᵀ as an f32 value: the attribute, or 1/sqrt(D)
  /// (computed at run time when D is dynamic).
  Value scaleValue(std::optional<double> attr, Value q) {
    if (attr)
      return f32(*attr);
    std::optional<int64_t> d = getConstantIntValue(size(q, 3));
    if (d)
      return f32(1.0 / std::sqrt(static_cast<double>(*d)));
    Value dim =
        arith::IndexCastOp::create(b, loc, b.getI64Type(), sizeValue(q, 3));
    Value df = arith::SIToFPOp::create(b, loc, b.getF32Type(), dim);
    return math::RsqrtOp::create(b, loc, df);
  }

  //===--------------------------------------------------------------------===//
  // Helpers of the stage ops
  //===--------------------------------------------------------------------===//

  /// An elementwise generic: every input has the shape of `init` (identity
  /// maps) except those listed in `rowInputs`, which drop the last dimension.
  Value
  elementwise(ValueRange ins, ArrayRef<bool> rowInputs, Value init,
              function_ref<void(OpBuilder &, Location, ValueRange)> body) {
    unsigned n = rank(init);
    SmallVector<AffineMap> maps;
    for (bool row : rowInputs)
      maps.push_back(row ? dropLast(n) : identity(n));
    maps.push_back(identity(n));
    return generic(init.getType(), ins, init, maps, rowIterators(n, false),
                   body);
  }

  /// `t` with its elements converted to `elem` (extf/truncf).
  Value convertElements(Value t, Type elem) {
    if (elementType(t) == elem)
      return t;
    Value init = empty(sizes(t), elem);
    return elementwise({t}, {false}, init,
                       [&](OpBuilder &nb, Location l, ValueRange args) {
                         Value x = toF32(nb, l, args[0]);
                         yieldValue(nb, l, fromF32(nb, l, x, elem));
                       });
  }

  /// Scores `s` (batch first, keys last, any float type) as f32 with keys
  /// `j + colOffset >= valid_len[b]` hidden (-inf). Returns `s` itself when
  /// nothing changes.
  Value scoresToF32(Value s, Value validLen, Value colOffset) {
    if (!validLen && elementType(s).isF32())
      return s;
    unsigned n = rank(s);
    Value init = empty(sizes(s), b.getF32Type());
    SmallVector<Value> ins = {s};
    SmallVector<AffineMap> maps = {identity(n)};
    if (validLen) {
      ins.push_back(validLen);
      maps.push_back(map(n, {dim(0)}));
    }
    maps.push_back(identity(n));
    Value minusInf = negInf();
    bool hasValid = static_cast<bool>(validLen);
    return generic(
        init.getType(), ins, init, maps, rowIterators(n, false),
        [&](OpBuilder &nb, Location l, ValueRange args) {
          Value x = toF32(nb, l, args[0]);
          if (hasValid) {
            Value col = arith::AddIOp::create(
                nb, l, linalg::IndexOp::create(nb, l, n - 1), colOffset);
            Value vl =
                arith::IndexCastOp::create(nb, l, nb.getIndexType(), args[1]);
            Value keep = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::slt,
                                               col, vl);
            x = arith::SelectOp::create(nb, l, keep, x, minusInf);
          }
          yieldValue(nb, l, x);
        });
  }

  /// P = e / rowsum (0 where the sum is 0), rows `index(rowDim) + rowOffset
  /// >= valid_len[b]` zero, rounded to `elem`.
  Value normalizeRows(Value e, Value rowSums, Value validLen, Value rowOffset,
                      unsigned rowDim, Type elem) {
    unsigned n = rank(e);
    Value init = empty(sizes(e), elem);
    SmallVector<Value> ins = {e, rowSums};
    SmallVector<AffineMap> maps = {identity(n), dropLast(n)};
    if (validLen) {
      ins.push_back(validLen);
      maps.push_back(map(n, {dim(0)}));
    }
    maps.push_back(identity(n));
    Value zeroF = f32(0.0);
    bool hasValid = static_cast<bool>(validLen);
    return generic(
        init.getType(), ins, init, maps, rowIterators(n, false),
        [&](OpBuilder &nb, Location l, ValueRange args) {
          Value sum = args[1];
          Value live = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGT,
                                             sum, zeroF);
          Value y = arith::SelectOp::create(
              nb, l, live, arith::DivFOp::create(nb, l, args[0], sum), zeroF);
          if (hasValid) {
            Value row = arith::AddIOp::create(
                nb, l, linalg::IndexOp::create(nb, l, rowDim), rowOffset);
            Value vl =
                arith::IndexCastOp::create(nb, l, nb.getIndexType(), args[2]);
            Value inside = arith::CmpIOp::create(
                nb, l, arith::CmpIPredicate::slt, row, vl);
            y = arith::SelectOp::create(nb, l, inside, y, zeroF);
          }
          yieldValue(nb, l, fromF32(nb, l, y, elem));
        });
  }

  /// `t` restricted to [offset, offset + size) along `d` (all of every other
  /// dimension).
  Value slice(Value t, unsigned d, OpFoldResult offset, OpFoldResult len) {
    unsigned n = rank(t);
    SmallVector<OpFoldResult> offsets(n, b.getIndexAttr(0)),
        strides(n, b.getIndexAttr(1));
    SmallVector<OpFoldResult> lens = sizes(t);
    offsets[d] = offset;
    lens[d] = len;
    return tensor::ExtractSliceOp::create(b, loc, t, offsets, lens, strides);
  }

  /// Writes `tile` into `dest` at `offset` along `d` (and at `offset2` along
  /// `d2` when given).
  Value insert(Value tile, Value dest, unsigned d, OpFoldResult offset,
               std::optional<unsigned> d2 = std::nullopt,
               OpFoldResult offset2 = {}) {
    unsigned n = rank(dest);
    SmallVector<OpFoldResult> offsets(n, b.getIndexAttr(0)),
        strides(n, b.getIndexAttr(1));
    offsets[d] = offset;
    if (d2)
      offsets[*d2] = offset2;
    return tensor::InsertSliceOp::create(b, loc, tile, dest, offsets,
                                         sizes(tile), strides);
  }

  /// A 4-D mask/bias tile: rows [i0, i0+isz) and keys [j0, j0+jsz) where
  /// the operand is not broadcast along them.
  Value scoreOperandTile(Value x, OpFoldResult i0, OpFoldResult isz,
                         OpFoldResult j0, OpFoldResult jsz) {
    auto type = cast<RankedTensorType>(x.getType());
    if (type.getDimSize(2) != 1)
      x = slice(x, 2, i0, isz);
    if (type.getDimSize(3) != 1)
      x = slice(x, 3, j0, jsz);
    return x;
  }
};

/// Calls `body(b, offset, size, acc)` for consecutive tiles of `tile`
/// elements covering [0, total), threading `init` through as the loop
/// carried value; `body` returns the new value. Without a useful tile (0, or
/// not smaller than a static total) there is one call and no loop. The last
/// tile is shorter when `tile` does not divide `total`.
SmallVector<Value>
forEachTile(OpBuilder &b, Location loc, OpFoldResult total, int64_t tile,
            ValueRange init,
            function_ref<SmallVector<Value>(OpBuilder &, Value, OpFoldResult,
                                            ValueRange)>
                body) {
  std::optional<int64_t> staticTotal = getConstantIntValue(total);
  if (tile <= 0 || (staticTotal && tile >= *staticTotal)) {
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    return body(b, zero, total, init);
  }
  Value ub = getValueOrCreateConstantIndexOp(b, loc, total);
  Value lb = arith::ConstantIndexOp::create(b, loc, 0);
  Value step = arith::ConstantIndexOp::create(b, loc, tile);
  bool exact = staticTotal && *staticTotal % tile == 0;
  auto loop = scf::ForOp::create(
      b, loc, lb, ub, step, init,
      [&](OpBuilder &nb, Location l, Value iv, ValueRange iter) {
        OpFoldResult len;
        if (exact) {
          len = nb.getIndexAttr(tile);
        } else {
          Value left = arith::SubIOp::create(nb, l, ub, iv);
          len = arith::MinSIOp::create(nb, l, left, step).getResult();
        }
        SmallVector<Value> next = body(nb, iv, len, iter);
        scf::YieldOp::create(nb, l, next);
      });
  return SmallVector<Value>(loop.getResults());
}

//===----------------------------------------------------------------------===//
// Op lowerings
//===----------------------------------------------------------------------===//

/// L1 tile sizes of the enclosing stage's plan; 0 = not tiled.
struct Tiles {
  int64_t q = 0, kv = 0;
};

Tiles tilesOf(Operation *op) {
  auto stage = op->getParentOfType<StageOp>();
  if (!stage || !stage.getPlanAttr())
    return {};
  PlanAttr plan = stage.getPlanAttr();
  return {plan.getQTile(), plan.getKvTile()};
}

std::optional<double> scaleOf(std::optional<APFloat> attr) {
  if (!attr)
    return std::nullopt;
  return attr->convertToDouble();
}

/// Level 1: the whole layer in one pass over full tensors (no plan exists at
/// this level).
Value lowerAttention(OpBuilder &b, AttentionOp op) {
  Layout layout{op.getLayout() == LayoutKind::blhd};
  Emitter em(b, op.getLoc(), layout);
  ScoreArgs a;
  a.q = op.getQuery();
  a.k = op.getKey();
  if (op.getMask()) {
    a.mask = em.scoreOperandTo4D(op.getMask());
    a.booleanMask = op.hasBooleanMask();
  }
  if (op.getBias())
    a.bias = em.scoreOperandTo4D(op.getBias());
  a.validLen = op.getValidLen();
  a.causal = op.getCausal();
  a.scale = em.scaleValue(scaleOf(op.getScale()), a.q);
  a.rowOffset = em.index(0);
  a.colOffset = a.rowOffset;
  a.queryLen = em.sizeValue(a.q, layout.len());
  a.keyLen = em.sizeValue(a.k, layout.len());

  Value s = em.scores(a);
  Value rowMax = em.rowMax(s);
  Value e = em.expShift(s, rowMax);
  Value sum = em.rowSum(e);
  Value acc = em.pvAccumulate(e, op.getValue(), em.pvInit(e, op.getValue()));
  Type elem = Emitter::elementType(op.getResult());
  Value o5 = em.finalize(acc, sum, a.validLen, a.rowOffset, elem);
  return em.castTo(em.mergeDims(o5, layout.heads()), op.getResult().getType());
}

/// The operands of an attn.qk prepared once (outside the tile loops), and
/// the masked f32 score tile of any rows x keys window of it.
struct ScoreTiles {
  Layout layout;
  Value q, k, mask, bias, validLen, scale, queryLen, keyLen, keyLimit;
  bool booleanMask = false;
  CausalKind causal = CausalKind::none;
  Type elem; // element type of the attn.qk result

  ScoreTiles(OpBuilder &b, QKOp op)
      : layout{op.getLayout() == LayoutKind::blhd} {
    Emitter em(b, op.getLoc(), layout);
    q = op.getQuery();
    k = op.getKey();
    mask = op.getMask() ? em.scoreOperandTo4D(op.getMask()) : Value();
    bias = op.getBias() ? em.scoreOperandTo4D(op.getBias()) : Value();
    booleanMask = mask && Emitter::elementType(mask).isInteger(1);
    validLen = op.getValidLen();
    causal = op.getCausal();
    scale = em.scaleValue(scaleOf(op.getScale()), q);
    // Padded operands: causal alignment and key masking use the real lengths.
    queryLen = op.getQueryLen() ? em.index(*op.getQueryLen())
                                : em.sizeValue(q, layout.len());
    keyLen = op.getKeyLen() ? em.index(*op.getKeyLen())
                            : em.sizeValue(k, layout.len());
    keyLimit = op.getKeyLen() ? keyLen : Value();
    elem = Emitter::elementType(op.getScores());
  }

  /// S[b, kvh, g, i, j] (f32, hidden scores -inf) for query rows
  /// [i0, i0 + isz) and keys [j0, j0 + jsz).
  Value tile(OpBuilder &b, Location loc, Value i0, OpFoldResult isz, Value j0,
             OpFoldResult jsz) const {
    Emitter e(b, loc, layout);
    ScoreArgs a;
    a.q = e.slice(q, layout.len(), i0, isz);
    a.k = e.slice(k, layout.len(), j0, jsz);
    if (mask)
      a.mask = e.scoreOperandTile(mask, i0, isz, j0, jsz);
    if (bias)
      a.bias = e.scoreOperandTile(bias, i0, isz, j0, jsz);
    a.booleanMask = booleanMask;
    a.validLen = validLen;
    a.causal = causal;
    a.scale = scale;
    a.rowOffset = i0;
    a.colOffset = j0;
    a.queryLen = queryLen;
    a.keyLen = keyLen;
    a.keyLimit = keyLimit;
    return e.scores(a);
  }
};

/// attn.qk: score tiles of q_tile rows x kv_tile keys.
Value lowerQK(OpBuilder &b, QKOp op, Tiles tiles) {
  Location loc = op.getLoc();
  ScoreTiles st(b, op);
  Emitter em(b, loc, st.layout);
  auto resultType = cast<RankedTensorType>(op.getScores().getType());
  OpFoldResult lq = em.size(st.q, st.layout.len()),
               lk = em.size(st.k, st.layout.len());
  Value init = em.empty(
      {em.size(st.q, 0), em.size(st.q, st.layout.heads()), lq, lk}, st.elem);
  Value result = forEachTile(
      b, loc, lq, tiles.q, {init},
      [&](OpBuilder &bi, Value i0, OpFoldResult isz, ValueRange outI) {
        Value rows = forEachTile(
            bi, loc, lk, tiles.kv, outI,
            [&](OpBuilder &bj, Value j0, OpFoldResult jsz, ValueRange outJ) {
              Emitter e(bj, loc, st.layout);
              Value tile = e.convertElements(
                  e.mergeDims(st.tile(bj, loc, i0, isz, j0, jsz), 1), st.elem);
              return SmallVector<Value>{e.insert(tile, outJ[0], 2, i0, 3, j0)};
            })[0];
        return SmallVector<Value>{rows};
      })[0];
  return em.castTo(result, resultType);
}

/// attn.softmax: whole rows, q_tile rows at a time.
Value lowerSoftmax(OpBuilder &b, SoftmaxOp op, Tiles tiles) {
  Location loc = op.getLoc();
  Emitter em(b, loc, Layout{});
  Value s = op.getScores(), validLen = op.getValidLen();
  auto resultType = cast<RankedTensorType>(op.getProbs().getType());
  Type elem = resultType.getElementType();
  Value init = em.empty(em.sizes(s), elem);
  Value result = forEachTile(
      b, loc, em.size(s, 2), tiles.q, {init},
      [&](OpBuilder &bi, Value i0, OpFoldResult isz, ValueRange out) {
        Emitter e(bi, loc, Layout{});
        Value x = e.scoresToF32(e.slice(s, 2, i0, isz), validLen, e.index(0));
        Value ex = e.expShift(x, e.rowMax(x));
        Value p =
            e.normalizeRows(ex, e.rowSum(ex), validLen, i0, /*rowDim=*/2, elem);
        return SmallVector<Value>{e.insert(p, out[0], 2, i0)};
      })[0];
  return em.castTo(result, resultType);
}

/// Shape of the result of attn.pv / attn.online_softmax_pv from P/S and V.
SmallVector<OpFoldResult> outputShape(Emitter &em, Value scores, Value v) {
  OpFoldResult batch = em.size(scores, 0), heads = em.size(scores, 1),
               rows = em.size(scores, 2), dv = em.size(v, 3);
  if (em.layout.blhd)
    return {batch, rows, heads, dv};
  return {batch, heads, rows, dv};
}

/// attn.pv: per q_tile rows, accumulate P·V over kv_tile keys in f32.
Value lowerPV(OpBuilder &b, PVOp op, Tiles tiles) {
  Layout layout{op.getLayout() == LayoutKind::blhd};
  Location loc = op.getLoc();
  Emitter em(b, loc, layout);
  Value p = op.getProbs(), v = op.getValue(), validLen = op.getValidLen();
  auto resultType = cast<RankedTensorType>(op.getResult().getType());
  Type elem = resultType.getElementType();
  OpFoldResult hkv = em.size(v, layout.heads());
  OpFoldResult group = em.groupSize(em.size(p, 1), hkv);
  OpFoldResult batch = em.size(p, 0), lk = em.size(p, 3), dv = em.size(v, 3);
  Value init = em.empty(outputShape(em, p, v), elem);
  Value result = forEachTile(
      b, loc, em.size(p, 2), tiles.q, {init},
      [&](OpBuilder &bi, Value i0, OpFoldResult isz, ValueRange out) {
        Emitter e(bi, loc, layout);
        Value acc0 = e.filled({batch, hkv, group, isz, dv}, e.f32(0.0));
        Value acc = forEachTile(
            bi, loc, lk, tiles.kv, {acc0},
            [&](OpBuilder &bj, Value j0, OpFoldResult jsz, ValueRange accIn) {
              Emitter f(bj, loc, layout);
              Value pt = f.slice(f.slice(p, 2, i0, isz), 3, j0, jsz);
              Value vt = f.slice(v, layout.len(), j0, jsz);
              return SmallVector<Value>{
                  f.pvAccumulate(f.splitDim(pt, 1, hkv, group), vt, accIn[0])};
            })[0];
        Value o = e.mergeDims(e.finalize(acc, Value(), validLen, i0, elem),
                              layout.heads());
        return SmallVector<Value>{e.insert(o, out[0], layout.len(), i0)};
      })[0];
  return em.castTo(result, resultType);
}

/// attn.qk -> attn.softmax -> attn.pv of one stage (fold full), row-tiled
/// as the NPU runs it: per q_tile query rows, the whole score rows are built
/// from kv_tile-key tiles, normalised, and multiplied with V kv_tile keys at
/// a time. S and P exist for one row tile only (O(q_tile * Lk) memory), with
/// the same roundings as the three ops lowered one by one.
Value lowerRowFused(OpBuilder &b, QKOp qk, SoftmaxOp sm, PVOp pv, Tiles tiles) {
  Layout layout{pv.getLayout() == LayoutKind::blhd};
  Location loc = pv.getLoc();
  ScoreTiles st(b, qk);
  Emitter em(b, loc, layout);
  Emitter eq(b, loc, st.layout);
  Value v = pv.getValue();
  Type probElem = Emitter::elementType(sm.getProbs());
  auto resultType = cast<RankedTensorType>(pv.getResult().getType());
  Type elem = resultType.getElementType();
  OpFoldResult batch = eq.size(st.q, 0),
               heads = eq.size(st.q, st.layout.heads()),
               lq = eq.size(st.q, st.layout.len()),
               lk = eq.size(st.k, st.layout.len());
  OpFoldResult hkv = em.size(v, layout.heads());
  OpFoldResult group = em.groupSize(heads, hkv);
  OpFoldResult dv = em.size(v, 3);
  SmallVector<OpFoldResult> outShape =
      layout.blhd ? SmallVector<OpFoldResult>{batch, lq, heads, dv}
                  : SmallVector<OpFoldResult>{batch, heads, lq, dv};
  Value init = em.empty(outShape, elem);
  Value result = forEachTile(
      b, loc, lq, tiles.q, {init},
      [&](OpBuilder &bi, Value i0, OpFoldResult isz, ValueRange out) {
        Emitter e(bi, loc, layout);
        // Whole score rows of this query tile.
        Value rows0 = e.empty({batch, hkv, group, isz, lk}, bi.getF32Type());
        Value rows = forEachTile(
            bi, loc, lk, tiles.kv, {rows0},
            [&](OpBuilder &bj, Value j0, OpFoldResult jsz, ValueRange acc) {
              Emitter f(bj, loc, layout);
              Value t = st.tile(bj, loc, i0, isz, j0, jsz);
              if (!st.elem.isF32())
                t = f.convertElements(f.convertElements(t, st.elem),
                                      bj.getF32Type());
              return SmallVector<Value>{f.insert(t, acc[0], 4, j0)};
            })[0];
        Value x = e.scoresToF32(rows, sm.getValidLen(), e.index(0));
        Value ex = e.expShift(x, e.rowMax(x));
        Value p = e.normalizeRows(ex, e.rowSum(ex), sm.getValidLen(), i0,
                                  /*rowDim=*/3, probElem);
        Value acc0 = e.filled({batch, hkv, group, isz, dv}, e.f32(0.0));
        Value acc = forEachTile(
            bi, loc, lk, tiles.kv, {acc0},
            [&](OpBuilder &bj, Value j0, OpFoldResult jsz, ValueRange accIn) {
              Emitter f(bj, loc, layout);
              return SmallVector<Value>{
                  f.pvAccumulate(f.slice(p, 4, j0, jsz),
                                 f.slice(v, layout.len(), j0, jsz), accIn[0])};
            })[0];
        Value o =
            e.mergeDims(e.finalize(acc, Value(), pv.getValidLen(), i0, elem),
                        layout.heads());
        return SmallVector<Value>{e.insert(o, out[0], layout.len(), i0)};
      })[0];
  return em.castTo(result, resultType);
}

/// attn.online_softmax_pv: per q_tile rows, stream kv_tile-key blocks with
/// the running row max m, row sum l and accumulator in iter_args:
///   m' = max(m, rowmax(S_blk)),  alpha = exp(m - m'),  E = exp(S_blk - m')
///   l' = l * alpha + rowsum(E),  acc' = acc * alpha + E · V_blk
/// A row whose max is still -inf contributes nothing (E = 0, alpha = 1).
///
/// With `producer` (the attn.qk whose only use is `op`), each score block is
/// computed inside the key loop from Q and K instead of being read from a
/// materialised S: flash attention proper, O(L) memory instead of O(L^2).
Value lowerOnline(OpBuilder &b, OnlineSoftmaxPVOp op, Tiles tiles,
                  QKOp producer = {}) {
  Layout layout{op.getLayout() == LayoutKind::blhd};
  Location loc = op.getLoc();
  Emitter em(b, loc, layout);
  Value s = op.getScores(), v = op.getValue(), validLen = op.getValidLen();
  auto resultType = cast<RankedTensorType>(op.getResult().getType());
  Type elem = resultType.getElementType();
  std::optional<ScoreTiles> fused;
  if (producer)
    fused.emplace(b, producer);
  // Sizes of S come from Q and K when S is never materialised.
  OpFoldResult batch, heads, lq, lk;
  if (fused) {
    Emitter eq(b, loc, fused->layout);
    batch = eq.size(fused->q, 0);
    heads = eq.size(fused->q, fused->layout.heads());
    lq = eq.size(fused->q, fused->layout.len());
    lk = eq.size(fused->k, fused->layout.len());
  } else {
    batch = em.size(s, 0);
    heads = em.size(s, 1);
    lq = em.size(s, 2);
    lk = em.size(s, 3);
  }
  OpFoldResult hkv = em.size(v, layout.heads());
  OpFoldResult group = em.groupSize(heads, hkv);
  OpFoldResult dv = em.size(v, 3);
  SmallVector<OpFoldResult> outShape =
      layout.blhd ? SmallVector<OpFoldResult>{batch, lq, heads, dv}
                  : SmallVector<OpFoldResult>{batch, heads, lq, dv};
  Value init = em.empty(outShape, elem);
  Value result = forEachTile(
      b, loc, lq, tiles.q, {init},
      [&](OpBuilder &bi, Value i0, OpFoldResult isz, ValueRange out) {
        Emitter e(bi, loc, layout);
        SmallVector<OpFoldResult> rowShape = {batch, hkv, group, isz};
        Value m0 = e.filled(rowShape, e.negInf());
        Value l0 = e.filled(rowShape, e.f32(0.0));
        Value acc0 = e.filled({batch, hkv, group, isz, dv}, e.f32(0.0));
        SmallVector<Value> state = forEachTile(
            bi, loc, lk, tiles.kv, {m0, l0, acc0},
            [&](OpBuilder &bj, Value j0, OpFoldResult jsz, ValueRange st) {
              Emitter f(bj, loc, layout);
              Value m = st[0], l = st[1], acc = st[2];
              Value x;
              if (fused) {
                x = fused->tile(bj, loc, i0, isz, j0, jsz);
                // Same rounding as a materialised S of a narrower type.
                if (!fused->elem.isF32())
                  x = f.convertElements(f.convertElements(x, fused->elem),
                                        bj.getF32Type());
                if (validLen)
                  x = f.scoresToF32(x, validLen, j0);
              } else {
                Value blk = f.slice(f.slice(s, 2, i0, isz), 3, j0, jsz);
                x = f.splitDim(f.scoresToF32(blk, validLen, j0), 1, hkv, group);
              }
              Value blockMax = f.rowMax(x);
              // alpha reads the old max before the max is updated in place
              // (the loop-carried buffers are reused across blocks).
              Value minusInf = f.negInf(), one = f.f32(1.0);
              Value alpha = f.elementwise(
                  {m, blockMax}, {false, false},
                  f.empty(f.sizes(m), bj.getF32Type()),
                  [&](OpBuilder &nb, Location nl, ValueRange args) {
                    Value newMax =
                        arith::MaximumFOp::create(nb, nl, args[0], args[1]);
                    Value dead = arith::CmpFOp::create(
                        nb, nl, arith::CmpFPredicate::OEQ, newMax, minusInf);
                    Value r = math::ExpOp::create(
                        nb, nl, arith::SubFOp::create(nb, nl, args[0], newMax));
                    yieldValue(nb, nl,
                               arith::SelectOp::create(nb, nl, dead, one, r));
                  });
              Value newMax = f.elementwise(
                  {blockMax}, {false}, m,
                  [](OpBuilder &nb, Location nl, ValueRange args) {
                    yieldValue(
                        nb, nl,
                        arith::MaximumFOp::create(nb, nl, args[1], args[0]));
                  });
              Value ex = f.expShift(x, newMax);
              Value scaledSum = f.elementwise(
                  {alpha}, {false}, l,
                  [](OpBuilder &nb, Location nl, ValueRange args) {
                    yieldValue(nb, nl,
                               arith::MulFOp::create(nb, nl, args[1], args[0]));
                  });
              Value newSum = f.rowSumInto(ex, scaledSum);
              Value scaledAcc = f.elementwise(
                  {alpha}, {true}, acc,
                  [](OpBuilder &nb, Location nl, ValueRange args) {
                    yieldValue(nb, nl,
                               arith::MulFOp::create(nb, nl, args[1], args[0]));
                  });
              Value vt = f.slice(v, layout.len(), j0, jsz);
              Value newAcc = f.pvAccumulate(ex, vt, scaledAcc);
              return SmallVector<Value>{newMax, newSum, newAcc};
            });
        Value o = e.mergeDims(
            e.finalize(state[2], state[1], validLen, i0, elem), layout.heads());
        return SmallVector<Value>{e.insert(o, out[0], layout.len(), i0)};
      })[0];
  return em.castTo(result, resultType);
}

//===----------------------------------------------------------------------===//
// Pass
//===----------------------------------------------------------------------===//

struct AttnLowerToCPUPass
    : mlir::attn::impl::AttnLowerToCPUBase<AttnLowerToCPUPass> {
  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation()->walk([&](Operation *op) {
      if (isa<AttentionOp, QKOp, SoftmaxOp, PVOp, OnlineSoftmaxPVOp>(op))
        ops.push_back(op);
    });
    // attn.qk feeding only an attn.online_softmax_pv in the same block is
    // fused into its key loop (S is never materialised). `fusedQK` holds the
    // producers lowered together with their consumer.
    DenseMap<Operation *, QKOp> fusedProducer;
    DenseSet<Operation *> fusedQK;
    for (Operation *op : ops)
      if (auto online = dyn_cast<OnlineSoftmaxPVOp>(op))
        if (auto qk = online.getScores().getDefiningOp<QKOp>())
          if (qk->hasOneUse() && qk->getBlock() == online->getBlock()) {
            fusedProducer[op] = qk;
            fusedQK.insert(qk);
          }
    // attn.qk -> attn.softmax -> attn.pv chains (single uses, one block):
    // row-tiled together.
    DenseMap<Operation *, std::pair<QKOp, SoftmaxOp>> rowChains;
    for (Operation *op : ops)
      if (auto pv = dyn_cast<PVOp>(op))
        if (auto sm = pv.getProbs().getDefiningOp<SoftmaxOp>())
          if (auto qk = sm.getScores().getDefiningOp<QKOp>())
            if (sm->hasOneUse() && qk->hasOneUse() &&
                sm->getBlock() == pv->getBlock() &&
                qk->getBlock() == pv->getBlock()) {
              rowChains[op] = {qk, sm};
              fusedQK.insert(qk);
              fusedQK.insert(sm);
            }
    IRRewriter rewriter(&getContext());
    for (Operation *op : ops) {
      if (fusedQK.contains(op))
        continue;
      if (auto chain = rowChains.find(op); chain != rowChains.end()) {
        auto [qk, sm] = chain->second;
        rewriter.setInsertionPoint(op);
        Value result =
            lowerRowFused(rewriter, qk, sm, cast<PVOp>(op), tilesOf(op));
        rewriter.replaceOp(op, result);
        rewriter.eraseOp(sm);
        rewriter.eraseOp(qk);
        continue;
      }
      rewriter.setInsertionPoint(op);
      Tiles tiles = tilesOf(op);
      Value result =
          TypeSwitch<Operation *, Value>(op)
              .Case([&](AttentionOp o) { return lowerAttention(rewriter, o); })
              .Case([&](QKOp o) { return lowerQK(rewriter, o, tiles); })
              .Case(
                  [&](SoftmaxOp o) { return lowerSoftmax(rewriter, o, tiles); })
              .Case([&](PVOp o) { return lowerPV(rewriter, o, tiles); })
              .Case([&](OnlineSoftmaxPVOp o) {
                return lowerOnline(rewriter, o, tiles,
                                   fusedProducer.lookup(op));
              });
      rewriter.replaceOp(op, result);
      if (QKOp qk = fusedProducer.lookup(op))
        rewriter.eraseOp(qk);
    }

    // Stages only delimit DRAM round trips; on the host their bodies run
    // inline.
    SmallVector<StageOp> stages;
    getOperation()->walk([&](StageOp stage) { stages.push_back(stage); });
    for (StageOp stage : stages) {
      Block &body = stage.getBodyBlock();
      Operation *terminator = body.getTerminator();
      SmallVector<Value> results(terminator->getOperands());
      rewriter.inlineBlockBefore(&body, stage, stage.getInputs());
      rewriter.eraseOp(terminator);
      rewriter.replaceOp(stage, results);
    }

    // shadowAttn ops (attn-sparsify): LowerSparseToCPU.cpp.
    if (failed(lowerSparseOpsToCPU(getOperation())))
      return signalPassFailure();

    WalkResult leftover = getOperation()->walk([&](Operation *op) {
      if (isa<AttnDialect>(op->getDialect())) {
        op->emitOpError() << "has no CPU lowering in attn-lower-to-cpu";
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (leftover.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
