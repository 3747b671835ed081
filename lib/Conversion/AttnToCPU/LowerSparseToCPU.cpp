//===- LowerSparseToCPU.cpp - shadowAttn ops to scf/tensor for the host ---===//
//
// The attn-lower-to-cpu part for attn.quantize, attn.pilot_qk, attn.topk and
// attn.sparse_attention (see AttnSparseOps.td for their semantics). They
// are gathers and per-row selections, so they lower to scf.for nests over
// tensors with scalar tensor.extract / tensor.insert (bufferized in place)
// rather than linalg generics:
//
// - attn.quantize: per (b, h, row block) an abs-max pass and a quantizing
//   pass.
// - attn.pilot_qk: per score an i32 dot product of the int8 rows (the
//   innermost loop runs over D, contiguous in both layouts), dequantized in
//   f32 as ((dot * qs) * ks) * scale.
// - attn.pilot_qk_rows: the same on the NPU row format, each row's f32
//   scale assembled from its 4 little-endian bytes after the D values;
//   keys at or beyond key_len (padding) are -inf.
// - attn.topk: per row, the k-th largest score is found by bisection over
//   the order-preserving integer image of the f32 scores (at most 32
//   counting passes, O(Lk) memory), then one pass writes the selected key
//   positions in increasing order.
// - attn.sparse_attention: per row, the query row in f32, a score per
//   selected key (dot product, fast-math reassociation so LLVM vectorises
//   it), a softmax over the selected keys and an axpy of the gathered V rows
//   into an f32 row accumulator.
//
//===----------------------------------------------------------------------===//

#include "SparseToCPU.h"

#include "attn/Dialect/Attn/IR/AttnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::attn;

namespace {

using Body = function_ref<SmallVector<Value>(Value iv, ValueRange args)>;

/// Scalar-loop builder at one insertion point.
class LoopEmitter {
public:
  LoopEmitter(OpBuilder &b, Location loc, LayoutKind layout)
      : b(b), loc(loc), blhd(layout == LayoutKind::blhd) {}

  OpBuilder &b;
  Location loc;
  bool blhd;

  unsigned lenPos() const { return blhd ? 1 : 2; }
  unsigned headPos() const { return blhd ? 2 : 1; }

  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value f32(double v) {
    return arith::ConstantOp::create(b, loc,
                                     b.getF32FloatAttr(static_cast<float>(v)));
  }
  Value i32(int64_t v) {
    return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(v));
  }
  Value negInf() { return f32(-std::numeric_limits<double>::infinity()); }
  Value dim(Value t, int64_t d) {
    return getValueOrCreateConstantIndexOp(b, loc,
                                           tensor::getMixedSize(b, loc, t, d));
  }
  Value empty(Type resultType, ArrayRef<Value> dynSizes) {
    auto t = cast<RankedTensorType>(resultType);
    return tensor::EmptyOp::create(b, loc, t.getShape(), t.getElementType(),
                                   dynSizes);
  }
  /// tensor.empty of `resultType` whose dynamic sizes are `sizes[i]`.
  Value emptyLike(Type resultType, ArrayRef<Value> sizes) {
    auto t = cast<RankedTensorType>(resultType);
    SmallVector<Value> dyn;
    for (auto [i, s] : llvm::enumerate(t.getShape()))
      if (ShapedType::isDynamic(s))
        dyn.push_back(sizes[i]);
    return empty(resultType, dyn);
  }
  Value fill(Value t, Value scalar) {
    return linalg::FillOp::create(b, loc, ValueRange{scalar}, ValueRange{t})
        .getResult(0);
  }

  SmallVector<Value> loop(Value lb, Value ub, ValueRange init, Body body) {
    auto forOp = scf::ForOp::create(
        b, loc, lb, ub, index(1), init,
        [&](OpBuilder &, Location, Value iv, ValueRange args) {
          SmallVector<Value> results = body(iv, args);
          scf::YieldOp::create(b, loc, results);
        });
    return SmallVector<Value>(forOp.getResults());
  }
  SmallVector<Value> loop(Value ub, ValueRange init, Body body) {
    return loop(index(0), ub, init, body);
  }
  /// scf.if yielding the results of `thenBody` / `elseBody`.
  SmallVector<Value> ifElse(Value cond, TypeRange types,
                            function_ref<SmallVector<Value>()> thenBody,
                            function_ref<SmallVector<Value>()> elseBody) {
    auto ifOp = scf::IfOp::create(
        b, loc, cond,
        [&](OpBuilder &, Location) {
          scf::YieldOp::create(b, loc, thenBody());
        },
        [&](OpBuilder &, Location) {
          scf::YieldOp::create(b, loc, elseBody());
        });
    (void)types;
    return SmallVector<Value>(ifOp.getResults());
  }

  Value extract(Value t, ValueRange idx) {
    return tensor::ExtractOp::create(b, loc, t, idx);
  }
  Value insert(Value v, Value t, ValueRange idx) {
    return tensor::InsertOp::create(b, loc, v, t, idx);
  }
  /// Element [b, h, l, d] of a 4-D operand in the layout.
  Value at(Value t, Value bi, Value h, Value l, Value d) {
    return blhd ? extract(t, {bi, l, h, d}) : extract(t, {bi, h, l, d});
  }
  Value setAt(Value v, Value t, Value bi, Value h, Value l, Value d) {
    return blhd ? insert(v, t, {bi, l, h, d}) : insert(v, t, {bi, h, l, d});
  }

  Value toF32(Value x) {
    if (x.getType().isF32())
      return x;
    return arith::ExtFOp::create(b, loc, b.getF32Type(), x);
  }
  Value fromF32(Value x, Type elem) {
    if (elem.isF32())
      return x;
    return arith::TruncFOp::create(b, loc, elem, x);
  }
  Value addFast(Value x, Value y) {
    auto op = arith::AddFOp::create(b, loc, x, y);
    op.setFastmath(arith::FastMathFlags::reassoc |
                   arith::FastMathFlags::contract);
    return op;
  }
  Value mulFast(Value x, Value y) {
    auto op = arith::MulFOp::create(b, loc, x, y);
    op.setFastmath(arith::FastMathFlags::contract);
    return op;
  }
  Value cmpi(arith::CmpIPredicate p, Value x, Value y) {
    return arith::CmpIOp::create(b, loc, p, x, y);
  }
  /// x && y where a null operand means true.
  Value andi(Value x, Value y) {
    if (!x)
      return y;
    if (!y)
      return x;
    return arith::AndIOp::create(b, loc, x, y);
  }
  Value select(Value c, Value x, Value y) {
    return arith::SelectOp::create(b, loc, c, x, y);
  }
  Value indexCast(Value x) {
    return arith::IndexCastOp::create(b, loc, b.getIndexType(), x);
  }

  /// The scale of Q·Kᵀ in f32: the attribute, or 1/sqrt(D).
  Value scaleValue(std::optional<APFloat> attr, Value q) {
    if (attr)
      return f32(attr->convertToDouble());
    std::optional<int64_t> d =
        getConstantIntValue(tensor::getMixedSize(b, loc, q, 3));
    if (d)
      return f32(1.0 / std::sqrt(static_cast<double>(*d)));
    Value di = arith::IndexCastOp::create(b, loc, b.getI64Type(), dim(q, 3));
    Value df = arith::SIToFPOp::create(b, loc, b.getF32Type(), di);
    return math::RsqrtOp::create(b, loc, df);
  }

  /// Key `j` visible from query `i` under the causal rule and valid_len
  /// (null: always visible).
  Value visible(CausalKind causal, Value i, Value j, Value qLen, Value kLen,
                Value validLen, Value bi) {
    Value keep;
    if (causal == CausalKind::top_left)
      keep = cmpi(arith::CmpIPredicate::ule, j, i);
    if (causal == CausalKind::bottom_right)
      keep = cmpi(arith::CmpIPredicate::ule,
                  arith::AddIOp::create(b, loc, j, qLen),
                  arith::AddIOp::create(b, loc, i, kLen));
    if (validLen)
      keep = andi(keep, cmpi(arith::CmpIPredicate::slt, j,
                             indexCast(extract(validLen, {bi}))));
    return keep;
  }

  /// Element of a mask/bias of rank 1..4 broadcast to [B, H, Lq, Lk] (static
  /// unit dimensions broadcast; dynamic ones are taken to be full size).
  Value scoreOperandAt(Value t, ArrayRef<Value> coords) {
    auto type = cast<RankedTensorType>(t.getType());
    int64_t r = type.getRank();
    SmallVector<Value> idx;
    for (int64_t d = 0; d < r; ++d)
      idx.push_back(type.getDimSize(d) == 1 ? index(0) : coords[4 - r + d]);
    return extract(t, idx);
  }
};

//===----------------------------------------------------------------------===//
// attn.quantize
//===----------------------------------------------------------------------===//

SmallVector<Value> lowerQuantize(OpBuilder &b, QuantizeOp op) {
  LoopEmitter e(b, op.getLoc(), op.getLayout());
  Value x = op.getInput();
  Value batch = e.dim(x, 0), heads = e.dim(x, e.headPos()),
        len = e.dim(x, e.lenPos()), d = e.dim(x, 3);
  Value block = e.index(op.getBlock());
  Value blocks = arith::CeilDivUIOp::create(b, e.loc, len, block);
  SmallVector<Value> xSizes = {e.dim(x, 0), e.dim(x, 1), e.dim(x, 2), d};
  Value q = e.emptyLike(op.getQuantized().getType(), xSizes);
  Value s = e.emptyLike(op.getScales().getType(), {batch, heads, blocks});
  Value zero = e.f32(0.0), c127 = e.f32(127.0), cm127 = e.f32(-127.0);
  Type i8 = b.getI8Type();
  return e.loop(batch, {q, s}, [&](Value bi, ValueRange a0) {
    return e.loop(heads, a0, [&](Value h, ValueRange a1) {
      return e.loop(blocks, a1, [&](Value c, ValueRange a2) {
        Value l0 = arith::MulIOp::create(b, e.loc, c, block);
        Value l1 = arith::MinUIOp::create(
            b, e.loc, arith::AddIOp::create(b, e.loc, l0, block), len);
        Value m = e.loop(l0, l1, {zero}, [&](Value l, ValueRange m0) {
          return e.loop(d, m0, [&](Value k, ValueRange m1) {
            Value v =
                math::AbsFOp::create(b, e.loc, e.toF32(e.at(x, bi, h, l, k)));
            return SmallVector<Value>{
                arith::MaximumFOp::create(b, e.loc, m1[0], v)};
          });
        })[0];
        Value scale = arith::DivFOp::create(b, e.loc, m, c127);
        Value live = arith::CmpFOp::create(b, e.loc, arith::CmpFPredicate::OGT,
                                           scale, zero);
        Value sNew = e.insert(scale, a2[1], {bi, h, c});
        Value qNew = e.loop(l0, l1, {a2[0]}, [&](Value l, ValueRange q0) {
          return e.loop(d, q0, [&](Value k, ValueRange q1) {
            Value v = e.toF32(e.at(x, bi, h, l, k));
            Value r = math::RoundEvenOp::create(
                b, e.loc, arith::DivFOp::create(b, e.loc, v, scale));
            r = arith::MinimumFOp::create(
                b, e.loc, arith::MaximumFOp::create(b, e.loc, r, cm127), c127);
            r = e.select(live, r, zero);
            Value qi = arith::FPToSIOp::create(b, e.loc, i8, r);
            return SmallVector<Value>{e.setAt(qi, q1[0], bi, h, l, k)};
          });
        })[0];
        return SmallVector<Value>{qNew, sNew};
      });
    });
  });
}

//===----------------------------------------------------------------------===//
// attn.pilot_qk
//===----------------------------------------------------------------------===//

Value lowerPilot(OpBuilder &b, PilotQKOp op) {
  LoopEmitter e(b, op.getLoc(), op.getLayout());
  Value q = op.getQuery(), k = op.getKey();
  Value batch = e.dim(q, 0), heads = e.dim(q, e.headPos()),
        kvHeads = e.dim(k, e.headPos()), qLen = e.dim(q, e.lenPos()),
        kLen = e.dim(k, e.lenPos()), d = e.dim(q, 3);
  Value group = arith::DivUIOp::create(b, e.loc, heads, kvHeads);
  Value qBlock = e.index(op.getQBlock()), kBlock = e.index(op.getKBlock());
  Value scale = e.scaleValue(op.getScale(), q);
  Value out = e.emptyLike(op.getScores().getType(), {batch, heads, qLen, kLen});
  Value minusInf = e.negInf();
  Type i32 = b.getI32Type();
  Value zeroI = e.i32(0);
  CausalKind causal = op.getCausal();
  Value validLen = op.getValidLen();
  return e.loop(batch, {out}, [&](Value bi, ValueRange a0) {
    return e.loop(heads, a0, [&](Value h, ValueRange a1) {
      Value hk = arith::DivUIOp::create(b, e.loc, h, group);
      return e.loop(qLen, a1, [&](Value i, ValueRange a2) {
        Value qs =
            e.extract(op.getQueryScales(),
                      {bi, h, arith::DivUIOp::create(b, e.loc, i, qBlock)});
        return e.loop(kLen, a2, [&](Value j, ValueRange a3) {
          Value dot = e.loop(d, {zeroI}, [&](Value c, ValueRange acc) {
            Value x =
                arith::ExtSIOp::create(b, e.loc, i32, e.at(q, bi, h, i, c));
            Value y =
                arith::ExtSIOp::create(b, e.loc, i32, e.at(k, bi, hk, j, c));
            return SmallVector<Value>{arith::AddIOp::create(
                b, e.loc, acc[0], arith::MulIOp::create(b, e.loc, x, y))};
          })[0];
          Value ks =
              e.extract(op.getKeyScales(),
                        {bi, hk, arith::DivUIOp::create(b, e.loc, j, kBlock)});
          Value v = arith::SIToFPOp::create(b, e.loc, b.getF32Type(), dot);
          v = arith::MulFOp::create(b, e.loc, v, qs);
          v = arith::MulFOp::create(b, e.loc, v, ks);
          v = arith::MulFOp::create(b, e.loc, v, scale);
          if (Value keep = e.visible(causal, i, j, qLen, kLen, validLen, bi))
            v = e.select(keep, v, minusInf);
          return SmallVector<Value>{e.insert(v, a3[0], {bi, h, i, j})};
        });
      });
    });
  })[0];
}

//===----------------------------------------------------------------------===//
// attn.pilot_qk_rows
//===----------------------------------------------------------------------===//

/// The f32 stored little endian in bytes [d, d + 4) of row (bi, h, l).
Value rowScale(LoopEmitter &e, Value t, Value bi, Value h, Value l, Value d) {
  OpBuilder &b = e.b;
  Type i32 = b.getI32Type();
  Value bits = e.i32(0);
  for (int64_t byte = 0; byte < PilotQKRowsOp::kScaleBytes; ++byte) {
    Value at = arith::AddIOp::create(b, e.loc, d, e.index(byte));
    Value v = arith::ExtUIOp::create(b, e.loc, i32, e.at(t, bi, h, l, at));
    v = arith::ShLIOp::create(b, e.loc, v, e.i32(8 * byte));
    bits = arith::OrIOp::create(b, e.loc, bits, v);
  }
  return arith::BitcastOp::create(b, e.loc, b.getF32Type(), bits);
}

Value lowerPilotRows(OpBuilder &b, PilotQKRowsOp op) {
  LoopEmitter e(b, op.getLoc(), LayoutKind::bhld);
  Value q = op.getQuery(), k = op.getKey();
  Value batch = e.dim(q, 0), heads = e.dim(q, 1), kvHeads = e.dim(k, 1),
        qLen = e.dim(q, 2), kLen = e.dim(k, 2);
  int64_t rowBytes = cast<RankedTensorType>(q.getType()).getDimSize(3);
  int64_t dim = rowBytes - PilotQKRowsOp::kScaleBytes; // static (verifier)
  Value d = e.index(dim);
  Value group = arith::DivUIOp::create(b, e.loc, heads, kvHeads);
  Value scale = op.getScale()
                    ? e.f32(op.getScale()->convertToDouble())
                    : e.f32(1.0 / std::sqrt(static_cast<double>(dim)));
  // Real lengths: the causal alignment and the padded-key mask use them.
  Value keyLen = op.getKeyLen() ? e.index(*op.getKeyLen()) : kLen;
  Value queryLen = op.getQueryLen() ? e.index(*op.getQueryLen()) : qLen;
  Value out = e.emptyLike(op.getScores().getType(), {batch, heads, qLen, kLen});
  Value minusInf = e.negInf();
  Type i32 = b.getI32Type();
  CausalKind causal = op.getCausal();
  Value validLen = op.getValidLen();
  return e.loop(batch, {out}, [&](Value bi, ValueRange a0) {
    return e.loop(heads, a0, [&](Value h, ValueRange a1) {
      Value hk = arith::DivUIOp::create(b, e.loc, h, group);
      return e.loop(qLen, a1, [&](Value i, ValueRange a2) {
        Value qs = rowScale(e, q, bi, h, i, d);
        return e.loop(kLen, a2, [&](Value j, ValueRange a3) {
          Value dot = e.loop(d, {e.i32(0)}, [&](Value c, ValueRange acc) {
            Value x =
                arith::ExtSIOp::create(b, e.loc, i32, e.at(q, bi, h, i, c));
            Value y =
                arith::ExtSIOp::create(b, e.loc, i32, e.at(k, bi, hk, j, c));
            return SmallVector<Value>{arith::AddIOp::create(
                b, e.loc, acc[0], arith::MulIOp::create(b, e.loc, x, y))};
          })[0];
          Value v = arith::SIToFPOp::create(b, e.loc, b.getF32Type(), dot);
          v = arith::MulFOp::create(b, e.loc, v, qs);
          v = arith::MulFOp::create(b, e.loc, v, rowScale(e, k, bi, hk, j, d));
          v = arith::MulFOp::create(b, e.loc, v, scale);
          Value keep =
              e.andi(e.visible(causal, i, j, queryLen, keyLen, validLen, bi),
                     e.cmpi(arith::CmpIPredicate::ult, j, keyLen));
          v = e.select(keep, v, minusInf);
          return SmallVector<Value>{e.insert(v, a3[0], {bi, h, i, j})};
        });
      });
    });
  })[0];
}

//===----------------------------------------------------------------------===//
// attn.topk
//===----------------------------------------------------------------------===//

/// Order-preserving i32 image of an f32: bits for x >= +0, bits ^ 0x7fffffff
/// for negative x (so -inf < -max < ... < -0 < +0 < ... < +inf).
Value orderKey(LoopEmitter &e, Value x) {
  OpBuilder &b = e.b;
  Value bits = arith::BitcastOp::create(b, e.loc, b.getI32Type(), x);
  Value neg = e.cmpi(arith::CmpIPredicate::slt, bits, e.i32(0));
  Value flipped = arith::XOrIOp::create(b, e.loc, bits, e.i32(0x7fffffff));
  return e.select(neg, flipped, bits);
}

Value lowerTopK(OpBuilder &b, TopKOp op) {
  LoopEmitter e(b, op.getLoc(), LayoutKind::bhld);
  Value s = op.getScores();
  Value batch = e.dim(s, 0), heads = e.dim(s, 1), qLen = e.dim(s, 2),
        kLen = e.dim(s, 3);
  auto idxType = cast<RankedTensorType>(op.getIndices().getType());
  int64_t n = idxType.getDimSize(3);
  Value out =
      e.fill(e.emptyLike(idxType, {batch, heads, qLen, e.index(n)}), e.i32(-1));
  Value perHead;
  if (std::optional<ArrayRef<int64_t>> budgets = op.getHeadBudgets()) {
    SmallVector<int32_t> values(budgets->begin(), budgets->end());
    auto t = RankedTensorType::get({static_cast<int64_t>(values.size())},
                                   b.getI32Type());
    perHead = arith::ConstantOp::create(
        b, e.loc, DenseElementsAttr::get(t, ArrayRef<int32_t>(values)));
  }
  Type i64 = b.getI64Type();
  Value minusInf = e.negInf();
  Value one64 = arith::ConstantOp::create(b, e.loc, b.getI64IntegerAttr(1));
  Value two64 = arith::ConstantOp::create(b, e.loc, b.getI64IntegerAttr(2));
  Value zero64 = arith::ConstantOp::create(b, e.loc, b.getI64IntegerAttr(0));
  auto ext = [&](Value x) -> Value {
    return arith::ExtSIOp::create(b, e.loc, i64, x);
  };
  // Keys of -inf and the largest key: the bisection range.
  Value startKey =
      arith::AddIOp::create(b, e.loc, ext(orderKey(e, minusInf)), one64);
  Value maxKey = arith::ConstantOp::create(
      b, e.loc, b.getI64IntegerAttr(std::numeric_limits<int32_t>::max()));
  auto visible = [&](Value x) {
    return arith::CmpFOp::create(b, e.loc, arith::CmpFPredicate::OGT, x,
                                 minusInf);
  };
  return e.loop(batch, {out}, [&](Value bi, ValueRange a0) {
    return e.loop(heads, a0, [&](Value h, ValueRange a1) {
      Value kb = perHead ? ext(e.extract(perHead, {h}))
                         : Value(arith::ConstantOp::create(
                               b, e.loc, b.getI64IntegerAttr(n)));
      return e.loop(qLen, a1, [&](Value i, ValueRange a2) {
        // Number of visible keys with order key >= t (or > t).
        auto count = [&](Value t, arith::CmpIPredicate pred) {
          return e.loop(kLen, {zero64}, [&](Value j, ValueRange c) {
            Value x = e.extract(s, {bi, h, i, j});
            Value hit =
                e.andi(visible(x), e.cmpi(pred, ext(orderKey(e, x)), t));
            Value inc = arith::ExtUIOp::create(b, e.loc, i64, hit);
            return SmallVector<Value>{
                arith::AddIOp::create(b, e.loc, c[0], inc)};
          })[0];
        };
        // Largest t with count(>= t) >= kb (startKey when fewer keys).
        SmallVector<Value> range = e.loop(
            e.index(0), e.index(33), {startKey, maxKey},
            [&](Value, ValueRange lh) {
              Value lo = lh[0], hi = lh[1];
              Value open = e.cmpi(arith::CmpIPredicate::slt, lo, hi);
              return e.ifElse(
                  open, {i64, i64},
                  [&]() -> SmallVector<Value> {
                    Value span = arith::SubIOp::create(b, e.loc, hi, lo);
                    Value mid = arith::AddIOp::create(
                        b, e.loc, lo,
                        arith::DivSIOp::create(
                            b, e.loc,
                            arith::AddIOp::create(b, e.loc, span, one64),
                            two64));
                    Value enough =
                        e.cmpi(arith::CmpIPredicate::sge,
                               count(mid, arith::CmpIPredicate::sge), kb);
                    Value below = arith::SubIOp::create(b, e.loc, mid, one64);
                    return {e.select(enough, mid, lo),
                            e.select(enough, hi, below)};
                  },
                  [&]() -> SmallVector<Value> { return {lo, hi}; });
            });
        Value threshold = range[0];
        Value greater = count(threshold, arith::CmpIPredicate::sgt);
        Value ties = arith::SubIOp::create(b, e.loc, kb, greater);
        SmallVector<Value> fin =
            e.loop(kLen, {a2[0], zero64, ties}, [&](Value j, ValueRange st) {
              Value x = e.extract(s, {bi, h, i, j});
              Value key = ext(orderKey(e, x));
              Value vis = visible(x);
              Value above = e.cmpi(arith::CmpIPredicate::sgt, key, threshold);
              Value tie =
                  e.andi(e.cmpi(arith::CmpIPredicate::eq, key, threshold),
                         e.cmpi(arith::CmpIPredicate::sgt, st[2], zero64));
              Value take =
                  e.andi(vis, arith::OrIOp::create(b, e.loc, above, tie));
              Value usedTie = e.andi(
                  take,
                  arith::XOrIOp::create(b, e.loc, above,
                                        arith::ConstantOp::create(
                                            b, e.loc, b.getBoolAttr(true))));
              SmallVector<Value> taken = e.ifElse(
                  take, {st[0].getType()},
                  [&]() -> SmallVector<Value> {
                    Value slot = e.indexCast(st[1]);
                    Value jv =
                        arith::IndexCastOp::create(b, e.loc, b.getI32Type(), j);
                    return {e.insert(jv, st[0], {bi, h, i, slot})};
                  },
                  [&]() -> SmallVector<Value> { return {st[0]}; });
              Value slot = arith::AddIOp::create(
                  b, e.loc, st[1], arith::ExtUIOp::create(b, e.loc, i64, take));
              Value quota = arith::SubIOp::create(
                  b, e.loc, st[2],
                  arith::ExtUIOp::create(b, e.loc, i64, usedTie));
              return SmallVector<Value>{taken[0], slot, quota};
            });
        return SmallVector<Value>{fin[0]};
      });
    });
  })[0];
}

//===----------------------------------------------------------------------===//
// attn.sparse_attention
//===----------------------------------------------------------------------===//

Value lowerSparse(OpBuilder &b, SparseAttentionOp op) {
  LoopEmitter e(b, op.getLoc(), op.getLayout());
  Value q = op.getQuery(), k = op.getKey(), v = op.getValue(),
        idx = op.getIndices();
  Value batch = e.dim(q, 0), heads = e.dim(q, e.headPos()),
        kvHeads = e.dim(k, e.headPos()), qLen = e.dim(q, e.lenPos()),
        kLen = e.dim(k, e.lenPos()), d = e.dim(q, 3), dv = e.dim(v, 3),
        slots = e.dim(idx, 3);
  Value group = arith::DivUIOp::create(b, e.loc, heads, kvHeads);
  Value scale = e.scaleValue(op.getScale(), q);
  Type f32Type = b.getF32Type();
  Type elem = op.getResult().getType().getElementType();
  auto resultType = op.getResult().getType();
  SmallVector<Value> outSizes = {e.dim(q, 0), e.dim(q, 1), e.dim(q, 2), dv};
  Value out = e.emptyLike(resultType, outSizes);
  // Row scratch: the query row, the weights of the slots, the output row.
  auto vecType = RankedTensorType::get({ShapedType::kDynamic}, f32Type);
  Value qRow = tensor::EmptyOp::create(b, e.loc, vecType, ValueRange{d});
  Value wRow = tensor::EmptyOp::create(b, e.loc, vecType, ValueRange{slots});
  Value oRow = tensor::EmptyOp::create(b, e.loc, vecType, ValueRange{dv});
  Value zero = e.f32(0.0), minusInf = e.negInf(), zeroI = e.i32(0);
  Value mask = op.getMask(), bias = op.getBias(), validLen = op.getValidLen();
  bool boolMask =
      mask &&
      cast<RankedTensorType>(mask.getType()).getElementType().isInteger(1);
  CausalKind causal = op.getCausal();

  SmallVector<Value> init = {out, qRow, wRow, oRow};
  return e.loop(batch, init, [&](Value bi, ValueRange a0) {
    return e.loop(heads, a0, [&](Value h, ValueRange a1) {
      Value hk = arith::DivUIOp::create(b, e.loc, h, group);
      return e.loop(qLen, a1, [&](Value i, ValueRange a2) {
        Value qr = e.loop(d, {a2[1]}, [&](Value c, ValueRange t) {
          return SmallVector<Value>{
              e.insert(e.toF32(e.at(q, bi, h, i, c)), t[0], {c})};
        })[0];
        // Scores of the slots (-inf when hidden or unused) and their max.
        SmallVector<Value> sc =
            e.loop(slots, {a2[2], minusInf}, [&](Value n, ValueRange st) {
              Value j32 = e.extract(idx, {bi, h, i, n});
              Value used = e.cmpi(arith::CmpIPredicate::sge, j32, zeroI);
              Value j = e.indexCast(e.select(used, j32, zeroI));
              Value dot = e.loop(d, {zero}, [&](Value c, ValueRange acc) {
                Value prod = e.mulFast(e.extract(qr, {c}),
                                       e.toF32(e.at(k, bi, hk, j, c)));
                return SmallVector<Value>{e.addFast(acc[0], prod)};
              })[0];
              Value x = arith::MulFOp::create(b, e.loc, dot, scale);
              SmallVector<Value> coords = {bi, h, i, j};
              if (bias)
                x = arith::AddFOp::create(
                    b, e.loc, x, e.toF32(e.scoreOperandAt(bias, coords)));
              if (mask && !boolMask)
                x = arith::AddFOp::create(
                    b, e.loc, x, e.toF32(e.scoreOperandAt(mask, coords)));
              Value keep = e.andi(
                  used, e.visible(causal, i, j, qLen, kLen, validLen, bi));
              if (mask && boolMask)
                keep = e.andi(keep, e.scoreOperandAt(mask, coords));
              x = e.select(keep, x, minusInf);
              return SmallVector<Value>{
                  e.insert(x, st[0], {n}),
                  arith::MaximumFOp::create(b, e.loc, st[1], x)};
            });
        Value rowMax = sc[1];
        Value dead = arith::CmpFOp::create(b, e.loc, arith::CmpFPredicate::OEQ,
                                           rowMax, minusInf);
        SmallVector<Value> ex =
            e.loop(slots, {sc[0], zero}, [&](Value n, ValueRange st) {
              Value x = e.extract(st[0], {n});
              Value w = math::ExpOp::create(
                  b, e.loc, arith::SubFOp::create(b, e.loc, x, rowMax));
              w = e.select(dead, zero, w);
              return SmallVector<Value>{
                  e.insert(w, st[0], {n}),
                  arith::AddFOp::create(b, e.loc, st[1], w)};
            });
        Value sum = ex[1];
        Value acc0 = e.fill(a2[3], zero);
        Value acc = e.loop(slots, {acc0}, [&](Value n, ValueRange st) {
          Value w = e.extract(ex[0], {n});
          Value j32 = e.extract(idx, {bi, h, i, n});
          Value j = e.indexCast(e.select(
              e.cmpi(arith::CmpIPredicate::sge, j32, zeroI), j32, zeroI));
          return e.loop(dv, {st[0]}, [&](Value c, ValueRange t) {
            Value y = e.addFast(e.extract(t[0], {c}),
                                e.mulFast(w, e.toF32(e.at(v, bi, hk, j, c))));
            return SmallVector<Value>{e.insert(y, t[0], {c})};
          });
        })[0];
        Value live = arith::CmpFOp::create(b, e.loc, arith::CmpFPredicate::OGT,
                                           sum, zero);
        if (validLen)
          live = e.andi(live, e.cmpi(arith::CmpIPredicate::slt, i,
                                     e.indexCast(e.extract(validLen, {bi}))));
        Value o = e.loop(dv, {a2[0]}, [&](Value c, ValueRange t) {
          Value y = arith::DivFOp::create(b, e.loc, e.extract(acc, {c}), sum);
          y = e.fromF32(e.select(live, y, zero), elem);
          return SmallVector<Value>{e.setAt(y, t[0], bi, h, i, c)};
        })[0];
        return SmallVector<Value>{o, qr, ex[0], acc};
      });
    });
  })[0];
}

} // namespace

LogicalResult mlir::attn::lowerSparseOpsToCPU(Operation *root) {
  SmallVector<Operation *> ops;
  root->walk([&](Operation *op) {
    if (isa<QuantizeOp, PilotQKOp, PilotQKRowsOp, TopKOp, SparseAttentionOp>(
            op))
      ops.push_back(op);
  });
  IRRewriter rewriter(root->getContext());
  for (Operation *op : ops) {
    rewriter.setInsertionPoint(op);
    SmallVector<Value> results =
        TypeSwitch<Operation *, SmallVector<Value>>(op)
            .Case([&](QuantizeOp o) { return lowerQuantize(rewriter, o); })
            .Case([&](PilotQKOp o) {
              return SmallVector<Value>{lowerPilot(rewriter, o)};
            })
            .Case([&](PilotQKRowsOp o) {
              return SmallVector<Value>{lowerPilotRows(rewriter, o)};
            })
            .Case([&](TopKOp o) {
              return SmallVector<Value>{lowerTopK(rewriter, o)};
            })
            .Case([&](SparseAttentionOp o) {
              return SmallVector<Value>{lowerSparse(rewriter, o)};
            });
    rewriter.replaceOp(op, results);
  }
  return success();
}
