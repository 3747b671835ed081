//===- ConvertAttnToAIE.cpp - convert-attn-to-aie -------------------------===//
//
// Emits one aie.device per attn.stage scheduled by attn-schedule-dma: tiles,
// object FIFOs and links, core programs calling the kernels of
// docs/kernels.md, runtime-parameter buffers for valid_len, and the runtime
// sequence. Requires every stage of a converted function to carry a
// `dma_schedule` attribute that still matches its plan (it is re-derived and
// compared). The function holding the stages is replaced by the devices.
//
//===----------------------------------------------------------------------===//

#include "attn/Conversion/AttnToAIE/Passes.h"
#include "attn/Conversion/AttnToAIE/StageDescription.h"
#include "attn/Dialect/AIE/IR/AIEOps.h"
#include "attn/Dialect/AIE/IR/AIEXOps.h"
#include "attn/Dialect/Attn/IR/AttnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Debug.h"
#include "llvm/Support/FormatVariadic.h"

#include <map>

#define DEBUG_TYPE "convert-attn-to-aie"

namespace mlir::attn {
#define GEN_PASS_DEF_CONVERTATTNTOAIE
#include "attn/Conversion/AttnToAIE/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::aiemap;

namespace {

constexpr llvm::StringLiteral kKernelObject = "attn_kernels.o";

/// Builds one aie.device from a stage and its schedule.
class DeviceEmitter {
public:
  DeviceEmitter(OpBuilder &builder, Location loc, const DescribedStage &ds,
                const StageSchedule &sch)
      : b(builder), loc(loc), ds(ds), sch(sch), d(sch.desc), t(*ds.target) {}

  aie::DeviceOp emit(StringRef deviceName, StringRef sequenceName);

private:
  OpBuilder &b;
  Location loc;
  const DescribedStage &ds;
  const StageSchedule &sch;
  const StageDesc &d;
  const NPUTarget &t;
  aie::DeviceOp device;
  Block *deviceBody = nullptr;
  std::map<std::pair<int, int>, Value> tiles;
  llvm::StringMap<const FifoSpec *> fifos;
  llvm::StringMap<func::FuncOp> kernels;
  func::FuncOp lastKernel;

  Type elemType(ElementKind kind) {
    switch (kind) {
    case ElementKind::BF16:
      return b.getBF16Type();
    case ElementKind::F32:
      return b.getF32Type();
    case ElementKind::I8:
      return b.getIntegerType(8);
    default:
      return b.getI32Type();
    }
  }
  Type dataType() { return elemType(d.elem); }
  MemRefType memref(ArrayRef<int64_t> shape, Type elem) {
    return MemRefType::get(shape, elem);
  }
  MemRefType fifoType(const FifoSpec &f) {
    return memref(f.shape, elemType(f.elem));
  }
  Value tile(TileCoord c) { return tiles.at({c.col, c.row}); }

  // Scalars in core code.
  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value i32(int64_t v) {
    return arith::ConstantIntOp::create(b, loc, b.getI32Type(), v);
  }
  Value f32(double v) {
    return arith::ConstantFloatOp::create(b, loc, b.getF32Type(),
                                          APFloat(static_cast<float>(v)));
  }
  Value toI32(Value v) {
    return arith::IndexCastOp::create(b, loc, b.getI32Type(), v);
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value div(Value x, Value y) { return arith::DivUIOp::create(b, loc, x, y); }
  Value rem(Value x, Value y) { return arith::RemUIOp::create(b, loc, x, y); }

  /// A loop whose body is built with the insertion point inside it.
  template <typename Fn> void loop(Value lb, Value ub, Fn body) {
    auto forOp = scf::ForOp::create(b, loc, lb, ub, idx(1));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(forOp.getBody()->getTerminator());
    body(forOp.getInductionVar());
  }
  template <typename Fn> void ifThen(Value cond, Fn body) {
    auto ifOp = scf::IfOp::create(b, loc, cond, /*withElseRegion=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
    body();
  }

  Value acquire(StringRef fifo, aie::ObjectFifoPort port) {
    MemRefType type = fifoType(*fifos.lookup(fifo));
    auto sv = aie::ObjectFifoAcquireOp::create(
        b, loc,
        TypeRange{aie::AIEObjectFifoSubviewType::get(b.getContext(), type)},
        port, fifo, 1);
    return aie::ObjectFifoSubviewAccessOp::create(b, loc, type, sv.getResult(0),
                                                  0);
  }
  void release(StringRef fifo, aie::ObjectFifoPort port) {
    aie::ObjectFifoReleaseOp::create(b, loc, port, fifo, 1);
  }
  void call(StringRef name, ValueRange args);

  void emitTiles();
  void emitFifos();
  void emitCore(const CoreSpec &core);
  void emitSequence(StringRef name);
};

void DeviceEmitter::call(StringRef name, ValueRange args) {
  func::FuncOp fn = kernels.lookup(name);
  if (!fn) {
    OpBuilder::InsertionGuard guard(b);
    // Declarations come first, in order of first use.
    if (lastKernel)
      b.setInsertionPointAfter(lastKernel);
    else
      b.setInsertionPointToStart(deviceBody);
    fn = func::FuncOp::create(b, loc, name,
                              b.getFunctionType(args.getTypes(), {}));
    fn.setPrivate();
    fn->setAttr("link_with", b.getStringAttr(kKernelObject));
    kernels[name] = fn;
    lastKernel = fn;
  }
  func::CallOp::create(b, loc, fn, args);
}

void DeviceEmitter::emitTiles() {
  std::set<std::pair<int, int>> coords;
  for (const FifoSpec &f : sch.fifos) {
    coords.insert({f.producer.col, f.producer.row});
    for (const TileCoord &c : f.consumers)
      coords.insert({c.col, c.row});
  }
  for (const CoreSpec &c : sch.cores)
    coords.insert({c.tile.col, c.tile.row});
  for (auto [col, row] : coords)
    tiles[{col, row}] = aie::TileOp::create(b, loc, col, row);
}

void DeviceEmitter::emitFifos() {
  for (const FifoSpec &f : sch.fifos) {
    fifos[f.name] = &f;
    SmallVector<Value> consumers;
    SmallVector<aie::BDDimLayoutArrayAttr> fromStream;
    for (const TileCoord &c : f.consumers) {
      consumers.push_back(tile(c));
      fromStream.push_back(aie::BDDimLayoutArrayAttr::get(b.getContext(), {}));
    }
    aie::ObjectFifoCreateOp::create(
        b, loc, f.name, tile(f.producer), consumers,
        b.getI32IntegerAttr(static_cast<int32_t>(f.depth)),
        aie::AIEObjectFifoType::get(b.getContext(), fifoType(f)),
        ArrayRef<aie::BDDimLayoutAttr>{}, fromStream, /*via_DMA=*/false,
        /*plio=*/false, /*disable_synchronization=*/false, IntegerAttr(),
        aie::BDPadLayoutArrayAttr());
  }
  auto names = [&](const std::vector<std::string> &list) {
    SmallVector<Attribute> refs;
    for (const std::string &n : list)
      refs.push_back(FlatSymbolRefAttr::get(b.getContext(), n));
    return b.getArrayAttr(refs);
  };
  auto offsets = [&](const std::vector<int64_t> &list) {
    SmallVector<Attribute> attrs;
    for (int64_t o : list)
      attrs.push_back(b.getI64IntegerAttr(o));
    return b.getArrayAttr(attrs);
  };
  for (const LinkSpec &l : sch.links)
    aie::ObjectFifoLinkOp::create(b, loc, names(l.ins), names(l.outs),
                                  offsets(l.srcOffsets), offsets(l.dstOffsets));
}

void DeviceEmitter::emitCore(const CoreSpec &core) {
  const int64_t R = d.coresPerColumn, tq = d.qTile, tk = d.kvTile;
  const int64_t st = sch.stepTile, Lk = d.kvLen, D = d.headDim, Dv = d.valueDim;
  const llvm::StringRef tsuffix = d.elem == ElementKind::BF16 ? "bf16" : "f32";
  const bool needsMask = d.causal || d.hasValidLen || d.keyLimit < d.kvLen;
  Type f32t = b.getF32Type();
  std::string at = llvm::formatv("c{0}_r{1}", core.tile.col, core.row).str();
  Value coreTile = tile(core.tile);

  // Per-core scratch buffers: exactly the stage layout's (StageLayout.h),
  // so that what aie-check-limits measures is what the schedule planned.
  llvm::StringMap<Value> scratch;
  for (const LayoutBuffer &lb : sch.core.buffers) {
    if (lb.use != LayoutBuffer::Scratch &&
        lb.use != LayoutBuffer::RuntimeParams)
      continue;
    std::string symbol = lb.use == LayoutBuffer::RuntimeParams
                             ? core.rtpBuffer
                             : lb.name + "_" + at;
    scratch[lb.name] = aie::BufferOp::create(
        b, loc, memref(lb.shape, elemType(lb.elem)), coreTile,
        b.getStringAttr(symbol), IntegerAttr(), ElementsAttr(), IntegerAttr());
  }
  bool rows = d.kind == StageKind::Full || d.kind == StageKind::QKSoftmax;
  Value rowBuf = scratch.lookup("srow");
  // With one key block the score tile is the score rows.
  Value sBuf = scratch.lookup("s");
  if (rows && !sBuf)
    sBuf = rowBuf;
  // The V half of a joined K/V object, copied out for the kernels.
  Value vBuf = scratch.lookup("v");
  // Key-only mask/bias rows of the step object, expanded to the tiles the
  // kernels take: a byte keep tile, an f32 additive tile.
  Value keepBuf = scratch.lookup("keep"), addBuf = scratch.lookup("add");
  Value accBuf = scratch.lookup("acc"), mBuf = scratch.lookup("m");
  Value lBuf = scratch.lookup("l"), rtpBuf = scratch.lookup("rtp");

  auto coreOp = aie::CoreOp::create(b, loc, coreTile);
  Block *body = new Block();
  coreOp.getBody().push_back(body);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(body);
  aie::EndOp::create(b, loc);
  b.setInsertionPointToStart(body);

  using aie::ObjectFifoPort;
  const int64_t NG = sch.numGroups, S = sch.queryChunks, n = sch.itemsPerHead;
  const int64_t P = sch.coresPerGroup, nQ = d.qLen / tq;
  const int64_t workPerBatch = sch.workHeads / d.batch;
  const int64_t lane = core.columnInGroup * R + core.row;

  loop(idx(0), idx(sch.unitsOfGroup(core.group)), [&](Value k) {
    Value unit = add(idx(core.group), mul(k, idx(NG)));
    Value kh = div(unit, idx(S)), split = rem(unit, idx(S));
    Value start = div(mul(split, idx(n)), idx(S));
    Value end = div(mul(add(split, idx(1)), idx(n)), idx(S));
    Value len = sub(end, start);
    Value rounds = div(add(len, idx(P - 1)), idx(P));
    Value batch = div(kh, idx(workPerBatch));
    loop(idx(0), rounds, [&](Value round) {
      // Same item choice as the planner: the last round is shifted back
      // to end with the chunk; a chunk shorter than P repeats its last item.
      Value lastBase = arith::MaxSIOp::create(b, loc, sub(len, idx(P)), idx(0));
      Value base = arith::MinUIOp::create(b, loc, mul(round, idx(P)), lastBase);
      Value li = arith::MinUIOp::create(b, loc, add(base, idx(lane)),
                                        sub(len, idx(1)));
      Value item = add(start, li);
      Value qi = rem(item, idx(nQ));
      Value q0 = mul(qi, idx(tq));
      Value q0i = toI32(q0);

      // valid_len: read after the first acquire, when the runtime sequence
      // has written it. Rows compare with the raw value, keys with the
      // value clamped to the real keys.
      Value rowLimit, keyLimit;
      auto readValidLen = [&]() {
        if (rtpBuf) {
          Value raw = memref::LoadOp::create(b, loc, rtpBuf, ValueRange{batch});
          rowLimit = arith::MaxSIOp::create(b, loc, raw, i32(0));
          keyLimit = arith::MinSIOp::create(b, loc, rowLimit, i32(d.keyLimit));
        } else {
          keyLimit = i32(d.keyLimit);
        }
      };
      auto mask = [&](Value s, int64_t cols, Value k0) {
        if (!needsMask)
          return;
        call("attn_mask_positions",
             {s, i32(tq), i32(cols), q0i, k0, keyLimit, i32(d.causal ? 1 : 0),
              i32(d.causalOffset)});
      };
      // Whether key block [k0, k0 + cols) has any visible key for the tile.
      auto live = [&](Value k0) -> Value {
        Value c = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, k0,
                                        keyLimit);
        if (d.causal) {
          Value last = add(q0i, i32(tq - 1 + d.causalOffset));
          Value seen = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle,
                                             k0, last);
          c = arith::AndIOp::create(b, loc, c, seen);
        }
        return c;
      };
      auto guarded = [&](Value k0, auto fn) {
        if (needsMask)
          ifThen(live(k0), fn);
        else
          fn();
      };
      // l[i] = 0 (keep = true: l[i] unchanged) / 1 per row validity.
      auto setRowWeights = [&](bool keep) {
        if (!rowLimit && keep)
          return;
        loop(idx(0), idx(tq), [&](Value i) {
          Value one = keep ? memref::LoadOp::create(b, loc, lBuf, ValueRange{i})
                                 .getResult()
                           : f32(1.0);
          Value w = one;
          if (rowLimit) {
            Value row = add(q0i, toI32(i));
            Value valid = arith::CmpIOp::create(
                b, loc, arith::CmpIPredicate::slt, row, rowLimit);
            w = arith::SelectOp::create(b, loc, valid, one, f32(0.0));
          }
          memref::StoreOp::create(b, loc, w, lBuf, ValueRange{i});
        });
      };
      // Zero the rows of padded queries in a [tq][cols] probability block.
      auto zeroRows = [&](Value p, int64_t cols) {
        if (!rowLimit)
          return;
        Value first =
            arith::MaxSIOp::create(b, loc, sub(rowLimit, q0i), i32(0));
        first = arith::MinSIOp::create(b, loc, first, i32(tq));
        Value firstIdx =
            arith::IndexCastOp::create(b, loc, b.getIndexType(), first);
        loop(firstIdx, idx(tq), [&](Value i) {
          loop(idx(0), idx(cols), [&](Value j) {
            memref::StoreOp::create(b, loc, f32(0.0), p, ValueRange{i, j});
          });
        });
      };
      // A joined K/V object is one flat buffer, K block first: K is that
      // buffer's start (a reinterpretation, no copy); V is copied out into a
      // tile of its own (kernels take one pointer per operand and a pointer
      // into the middle of an object has no identity-layout memref).
      auto kView = [&](Value obj) -> Value {
        if (fifos.lookup(core.stepFifo)->shape.size() == 2)
          return obj;
        Value flat = memref::SubViewOp::create(
            b, loc, memref({st * D}, dataType()), obj,
            ArrayRef<OpFoldResult>{b.getIndexAttr(0)},
            ArrayRef<OpFoldResult>{b.getIndexAttr(st * D)},
            ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
        return memref::ExpandShapeOp::create(
            b, loc, memref({st, D}, dataType()), flat,
            ArrayRef<ReassociationIndices>{{0, 1}});
      };
      auto vCopy = [&](Value obj) -> Value {
        loop(idx(0), idx(st), [&](Value i) {
          loop(idx(0), idx(Dv), [&](Value j) {
            Value at = add(idx(st * D), add(mul(i, idx(Dv)), j));
            Value x = memref::LoadOp::create(b, loc, obj, ValueRange{at});
            memref::StoreOp::create(b, loc, x, vBuf, ValueRange{i, j});
          });
        });
        return vBuf;
      };
      // Explicit key-only mask/bias: their rows follow the K and V blocks
      // in the joined step object; each is broadcast over the tile's rows.
      auto explicitMasks = [&](Value obj, Value s) {
        int64_t off = st * (D + Dv);
        auto row = [&](Value j) -> Value {
          Value x =
              memref::LoadOp::create(b, loc, obj, ValueRange{add(idx(off), j)});
          if (x.getType() != f32t)
            x = arith::ExtFOp::create(b, loc, f32t, x);
          return x;
        };
        auto expand = [&](Value tileBuf, auto convert) {
          loop(idx(0), idx(st), [&](Value j) {
            Value v = convert(row(j));
            loop(idx(0), idx(tq), [&](Value i) {
              memref::StoreOp::create(b, loc, v, tileBuf, ValueRange{i, j});
            });
          });
        };
        if (d.maskKind == StageDesc::KeepMask) {
          expand(keepBuf, [&](Value x) -> Value {
            Value keep = arith::CmpFOp::create(
                b, loc, arith::CmpFPredicate::UNE, x, f32(0.0));
            return arith::ExtUIOp::create(b, loc, b.getIntegerType(8), keep);
          });
          call("attn_mask_keep", {s, keepBuf, i32(tq), i32(st)});
        } else if (d.maskKind == StageDesc::AddMask) {
          expand(addBuf, [](Value x) { return x; });
          call("attn_mask_add", {s, addBuf, i32(tq), i32(st)});
        }
        if (d.maskKind != StageDesc::NoMask)
          off += st;
        if (d.hasBias) {
          expand(addBuf, [](Value x) { return x; });
          call("attn_mask_add", {s, addBuf, i32(tq), i32(st)});
        }
      };
      // Score tiles and whole score rows: the kernels write dense [tq][tk]
      // tiles, the row softmax wants [tq][Lk] rows.
      auto copyTile = [&](Value from, Value to, Value k0, bool toRows) {
        if (from == to)
          return;
        Value col0 = arith::IndexCastOp::create(b, loc, b.getIndexType(), k0);
        loop(idx(0), idx(tq), [&](Value i) {
          loop(idx(0), idx(tk), [&](Value j) {
            Value wide = add(col0, j);
            Value v = memref::LoadOp::create(
                b, loc, from, toRows ? ValueRange{i, j} : ValueRange{i, wide});
            memref::StoreOp::create(
                b, loc, v, to, toRows ? ValueRange{i, wide} : ValueRange{i, j});
          });
        });
      };
      const int64_t blocks = Lk / tk;

      switch (d.kind) {
      case StageKind::Online: {
        Value q = acquire(core.itemFifo, ObjectFifoPort::Consume);
        readValidLen();
        call("attn_online_init", {mBuf, lBuf, accBuf, i32(tq), i32(Dv)});
        loop(idx(0), idx(sch.steps), [&](Value j) {
          Value obj = acquire(core.stepFifo, ObjectFifoPort::Consume);
          Value k0 = toI32(mul(j, idx(st)));
          guarded(k0, [&]() {
            Value kt = kView(obj);
            Value vt = vCopy(obj);
            call(("attn_qk_" + tsuffix).str(),
                 {q, kt, sBuf, i32(tq), i32(st), i32(D), f32(d.scale)});
            mask(sBuf, st, k0);
            explicitMasks(obj, sBuf);
            call(("attn_online_update_" + tsuffix).str(),
                 {sBuf, vt, mBuf, lBuf, accBuf, i32(tq), i32(st), i32(Dv)});
          });
          release(core.stepFifo, ObjectFifoPort::Consume);
        });
        setRowWeights(/*keep=*/true);
        Value o = acquire(core.outFifo, ObjectFifoPort::Produce);
        call(("attn_finalize_" + tsuffix).str(),
             {accBuf, lBuf, o, i32(tq), i32(Dv)});
        release(core.outFifo, ObjectFifoPort::Produce);
        release(core.itemFifo, ObjectFifoPort::Consume);
        break;
      }
      case StageKind::Full: {
        // Pass 1: score rows; pass 2: P V over the same K/V blocks.
        Value q = acquire(core.itemFifo, ObjectFifoPort::Consume);
        readValidLen();
        loop(idx(0), idx(blocks), [&](Value j) {
          Value obj = acquire(core.stepFifo, ObjectFifoPort::Consume);
          Value k0 = toI32(mul(j, idx(tk)));
          guarded(k0, [&]() {
            Value kt = kView(obj);
            call(("attn_qk_" + tsuffix).str(),
                 {q, kt, sBuf, i32(tq), i32(tk), i32(D), f32(d.scale)});
          });
          mask(sBuf, tk, k0);
          if (d.maskKind != StageDesc::NoMask || d.hasBias)
            explicitMasks(obj, sBuf);
          copyTile(sBuf, rowBuf, k0, /*toRows=*/true);
          release(core.stepFifo, ObjectFifoPort::Consume);
        });
        call("attn_softmax_rows", {rowBuf, rowBuf, i32(tq), i32(Lk)});
        call("attn_online_init", {mBuf, lBuf, accBuf, i32(tq), i32(Dv)});
        loop(idx(0), idx(blocks), [&](Value j) {
          Value obj = acquire(core.stepFifo, ObjectFifoPort::Consume);
          Value k0 = toI32(mul(j, idx(tk)));
          guarded(k0, [&]() {
            // A V block of its own (one stream, K then V) or the V half of
            // a joined object.
            Value vt = fifos.lookup(core.stepFifo)->shape.size() == 2
                           ? obj
                           : vCopy(obj);
            copyTile(rowBuf, sBuf, k0, /*toRows=*/false);
            call(("attn_pv_accumulate_" + tsuffix).str(),
                 {sBuf, vt, accBuf, i32(tq), i32(tk), i32(Dv)});
          });
          release(core.stepFifo, ObjectFifoPort::Consume);
        });
        setRowWeights(/*keep=*/false);
        Value o = acquire(core.outFifo, ObjectFifoPort::Produce);
        call(("attn_finalize_" + tsuffix).str(),
             {accBuf, lBuf, o, i32(tq), i32(Dv)});
        release(core.outFifo, ObjectFifoPort::Produce);
        release(core.itemFifo, ObjectFifoPort::Consume);
        break;
      }
      case StageKind::QK: {
        Value q = acquire(core.itemFifo, ObjectFifoPort::Consume);
        readValidLen();
        loop(idx(0), idx(sch.steps), [&](Value j) {
          Value kt = acquire(core.stepFifo, ObjectFifoPort::Consume);
          Value s = acquire(core.outFifo, ObjectFifoPort::Produce);
          Value k0 = toI32(mul(j, idx(tk)));
          // A fully hidden tile skips the matmul: masking fills it.
          guarded(k0, [&]() {
            call(("attn_qk_" + tsuffix).str(),
                 {q, kt, s, i32(tq), i32(tk), i32(D), f32(d.scale)});
          });
          mask(s, tk, k0);
          release(core.outFifo, ObjectFifoPort::Produce);
          release(core.stepFifo, ObjectFifoPort::Consume);
        });
        release(core.itemFifo, ObjectFifoPort::Consume);
        break;
      }
      case StageKind::Softmax: {
        Value s = acquire(core.itemFifo, ObjectFifoPort::Consume);
        readValidLen();
        Value p = acquire(core.outFifo, ObjectFifoPort::Produce);
        if (d.hasValidLen)
          call("attn_mask_positions",
               {s, i32(tq), i32(Lk), q0i, i32(0), keyLimit, i32(0), i32(0)});
        call("attn_softmax_rows", {s, p, i32(tq), i32(Lk)});
        zeroRows(p, Lk);
        release(core.outFifo, ObjectFifoPort::Produce);
        release(core.itemFifo, ObjectFifoPort::Consume);
        break;
      }
      case StageKind::QKSoftmax: {
        // Score rows in L1, then P written out a tile per key block.
        Value q = acquire(core.itemFifo, ObjectFifoPort::Consume);
        readValidLen();
        loop(idx(0), idx(blocks), [&](Value j) {
          Value kt = acquire(core.stepFifo, ObjectFifoPort::Consume);
          Value k0 = toI32(mul(j, idx(tk)));
          guarded(k0, [&]() {
            call(("attn_qk_" + tsuffix).str(),
                 {q, kt, sBuf, i32(tq), i32(tk), i32(D), f32(d.scale)});
          });
          mask(sBuf, tk, k0);
          copyTile(sBuf, rowBuf, k0, /*toRows=*/true);
          release(core.stepFifo, ObjectFifoPort::Consume);
        });
        call("attn_softmax_rows", {rowBuf, rowBuf, i32(tq), i32(Lk)});
        zeroRows(rowBuf, Lk);
        loop(idx(0), idx(blocks), [&](Value j) {
          Value p = acquire(core.outFifo, ObjectFifoPort::Produce);
          copyTile(rowBuf, p, toI32(mul(j, idx(tk))), /*toRows=*/false);
          release(core.outFifo, ObjectFifoPort::Produce);
        });
        release(core.itemFifo, ObjectFifoPort::Consume);
        break;
      }
      case StageKind::PV: {
        call("attn_online_init", {mBuf, lBuf, accBuf, i32(tq), i32(Dv)});
        loop(idx(0), idx(sch.steps), [&](Value) {
          Value p = acquire(core.coreStepFifo, ObjectFifoPort::Consume);
          Value vt = acquire(core.stepFifo, ObjectFifoPort::Consume);
          call(("attn_pv_accumulate_" + tsuffix).str(),
               {p, vt, accBuf, i32(tq), i32(tk), i32(Dv)});
          release(core.stepFifo, ObjectFifoPort::Consume);
          release(core.coreStepFifo, ObjectFifoPort::Consume);
        });
        readValidLen();
        setRowWeights(/*keep=*/false);
        Value o = acquire(core.outFifo, ObjectFifoPort::Produce);
        call(("attn_finalize_" + tsuffix).str(),
             {accBuf, lBuf, o, i32(tq), i32(Dv)});
        release(core.outFifo, ObjectFifoPort::Produce);
        break;
      }
      }
    });
  });
}

void DeviceEmitter::emitSequence(StringRef name) {
  auto seq = aie::RuntimeSequenceOp::create(b, loc, name);
  Block *body = new Block();
  seq.getBody().push_back(body);
  std::map<Role, Value> roleArgs;
  auto flat = [&](Role role) {
    return memref({sch.roleElements(role)}, elemType(sch.roleElement(role)));
  };
  for (const std::optional<Role> &role : ds.inputRoles) {
    if (role)
      roleArgs[*role] = body->addArgument(flat(*role), loc);
    else
      body->addArgument(memref({d.batch}, b.getI32Type()), loc);
  }
  Role out = stageOutput(d.kind);
  roleArgs[out] = body->addArgument(flat(out), loc);

  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(body);
  // valid_len reaches the cores as runtime parameters; the bucket length is
  // the value written here (a host patches these words for shorter lengths).
  for (const CoreSpec &c : sch.cores)
    if (!c.rtpBuffer.empty())
      for (int64_t i = 0; i < d.batch; ++i)
        aiex::NpuWriteRTPOp::create(b, loc, c.rtpBuffer,
                                    static_cast<uint32_t>(i),
                                    static_cast<uint32_t>(d.keyLimit));
  for (const SequenceOp &op : sch.sequence) {
    if (op.kind == SequenceOp::Wait) {
      aiex::NpuDmaWaitOp::create(b, loc, op.fifo);
      continue;
    }
    const aiemap::Pattern &p = op.pattern;
    std::array<int64_t, 4> offsets{0, 0, 0, p.offset};
    aiex::NpuDmaMemcpyNdOp::create(
        b, loc, roleArgs.at(op.role), ValueRange{}, ValueRange{}, ValueRange{},
        ArrayRef<int64_t>(offsets), ArrayRef<int64_t>(p.sizes),
        ArrayRef<int64_t>(p.strides), aie::PacketInfoAttr(), op.fifo,
        static_cast<uint64_t>(op.bdId), op.issueToken);
  }
}

aie::DeviceOp DeviceEmitter::emit(StringRef deviceName,
                                  StringRef sequenceName) {
  std::optional<aie::AIEDevice> kind = aie::symbolizeAIEDevice(t.name);
  device = aie::DeviceOp::create(b, loc,
                                 aie::AIEDeviceAttr::get(b.getContext(), *kind),
                                 b.getStringAttr(deviceName));
  deviceBody = new Block();
  device.getBodyRegion().push_back(deviceBody);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(deviceBody);
  aie::EndOp::create(b, loc);
  b.setInsertionPoint(deviceBody->getTerminator());
  // The stage layout's memory per tile, for aie-check-limits to verify.
  SmallVector<Attribute> memory;
  for (const TileLayout &tl : sch.layout.tiles)
    memory.push_back(b.getDenseI64ArrayAttr({tl.col, tl.row, tl.bytes()}));
  device->setAttr(kLayoutMemoryAttrName, b.getArrayAttr(memory));
  emitTiles();
  emitFifos();
  for (const CoreSpec &c : sch.cores)
    emitCore(c);
  emitSequence(sequenceName);
  // Fold the index arithmetic of the core programs (constant operands,
  // multiplications by one) and share their constants.
  RewritePatternSet patterns(b.getContext());
  for (Dialect *dialect : {b.getContext()->getLoadedDialect("arith"),
                           b.getContext()->getLoadedDialect("scf")})
    dialect->getCanonicalizationPatterns(patterns);
  for (RegisteredOperationName op : b.getContext()->getRegisteredOperations())
    if (op.getDialectNamespace() == "arith" ||
        op.getDialectNamespace() == "scf")
      op.getCanonicalizationPatterns(patterns, b.getContext());
  FrozenRewritePatternSet frozen(std::move(patterns));
  GreedyRewriteConfig config;
  config.setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled);
  for (auto core : device.getOps<aie::CoreOp>()) {
    config.setScope(&core.getBody());
    (void)applyPatternsGreedily(device.getBodyRegion(), frozen, config);
  }
  // The folder hoists constants to the device body; a core program must
  // own its constants, so they move back into each core that uses them.
  SmallVector<arith::ConstantOp> hoisted(
      device.getBody()->getOps<arith::ConstantOp>());
  for (auto core : device.getOps<aie::CoreOp>()) {
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(&core.getBody().front());
    for (arith::ConstantOp cst : hoisted) {
      bool used = llvm::any_of(cst->getUses(), [&](OpOperand &use) {
        return core->isProperAncestor(use.getOwner());
      });
      if (!used)
        continue;
      Operation *copy = b.clone(*cst);
      cst.getResult().replaceUsesWithIf(
          copy->getResult(0), [&](OpOperand &use) {
            return core->isProperAncestor(use.getOwner());
          });
    }
  }
  for (arith::ConstantOp cst : hoisted)
    if (cst->use_empty())
      cst.erase();
  return device;
}

struct ConvertAttnToAIEPass
    : public mlir::attn::impl::ConvertAttnToAIEBase<ConvertAttnToAIEPass> {
  using ConvertAttnToAIEBase::ConvertAttnToAIEBase;

  LogicalResult convertFunction(func::FuncOp fn, llvm::StringSet<> &names);

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> fns;
    for (auto fn : module.getOps<func::FuncOp>())
      if (!fn.getBody().getOps<StageOp>().empty() ||
          !fn.getBody().getOps<AttentionOp>().empty())
        fns.push_back(fn);
    llvm::StringSet<> names;
    for (Operation &op : module.getBody()->getOperations())
      if (auto sym =
              op.getAttrOfType<StringAttr>(SymbolTable::getSymbolAttrName()))
        names.insert(sym.getValue());
    for (func::FuncOp fn : fns)
      if (failed(convertFunction(fn, names)))
        return signalPassFailure();
  }
};

LogicalResult ConvertAttnToAIEPass::convertFunction(func::FuncOp fn,
                                                    llvm::StringSet<> &names) {
  for (auto att : fn.getBody().getOps<AttentionOp>())
    return att.emitOpError("is not folded into stages; run attn-fold, "
                           "attn-tile and attn-schedule-dma first");
  std::vector<std::pair<StageOp, StageSchedule>> planned;
  std::vector<DescribedStage> described;
  for (StageOp stage : fn.getBody().getOps<StageOp>()) {
    auto recorded = stage->getAttrOfType<DictionaryAttr>(kScheduleAttrName);
    if (!recorded)
      return stage.emitOpError("has no '")
             << kScheduleAttrName << "' attribute; run attn-schedule-dma first";
    FailureOr<DescribedStage> ds = describeStage(stage);
    if (failed(ds))
      return failure();
    auto option = [&](StringRef key) -> int64_t {
      if (auto v = recorded.getAs<IntegerAttr>(key))
        return v.getInt();
      return -1;
    };
    ScheduleOptions options{option("group_columns"), option("query_chunks")};
    if (options.groupColumns < 1 || options.queryChunks < 1)
      return stage.emitOpError("'")
             << kScheduleAttrName
             << "' lacks positive 'group_columns' and 'query_chunks'";
    std::string error;
    std::optional<StageSchedule> sch =
        planStage(ds->desc, *ds->target, options, error);
    if (!sch)
      return stage.emitOpError("cannot be scheduled: ") << error;
    if (scheduleToAttr(stage.getContext(), *sch, *ds) != recorded)
      return stage.emitOpError("'")
             << kScheduleAttrName
             << "' does not match the stage and its plan (stale or edited); "
                "rerun attn-schedule-dma";
    described.push_back(*ds);
    planned.push_back({stage, std::move(*sch)});
  }
  OpBuilder b(fn);
  for (auto [i, entry] : llvm::enumerate(planned)) {
    auto &[stage, sch] = entry;
    std::string base = (fn.getSymName() + "_" + stage.getName()).str();
    std::string name = base;
    for (int n = 1; names.contains(name); ++n)
      name = llvm::formatv("{0}_{1}", base, n).str();
    names.insert(name);
    DeviceEmitter emitter(b, stage.getLoc(), described[i], sch);
    aie::DeviceOp device = emitter.emit(name, name);
    ++numDevices;
    numCores += llvm::range_size(device.getOps<aie::CoreOp>());
    numScratch += llvm::range_size(device.getOps<aie::BufferOp>());
    LLVM_DEBUG(llvm::dbgs() << "@" << name << ": L1 per core "
                            << sch.layout.l1Bytes << " B, busiest memtile "
                            << sch.layout.l2Bytes << " B\n");
    // The host side stays IR: which layer and stage this dispatch is, its
    // place in the dispatch order, the plan and the recorded schedule
    // (arguments, typed host padding, buffer bytes).
    SmallVector<NamedAttribute> host = {
        b.getNamedAttr("function", fn.getSymNameAttr()),
        b.getNamedAttr("stage", stage.getNameAttr()),
        b.getNamedAttr("dispatch", b.getI64IntegerAttr(i)),
        b.getNamedAttr("fold", stage->getAttr("fold")),
        b.getNamedAttr("plan", stage->getAttr("plan")),
        b.getNamedAttr(kScheduleAttrName,
                       stage->getAttr(kScheduleAttrName))};
    device->setAttr(kHostAttrName, b.getDictionaryAttr(host));
  }
  fn.erase();
  return success();
}

} // namespace
