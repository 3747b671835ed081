//===- ConvertAttnToAIE.cpp - convert-attn-to-aie -------------------------===//
//
// Emits one aie.device per attn.stage scheduled by attn-schedule-dma: tiles,
// object FIFOs and links, core programs calling the kernels of
// docs/kernels.md, runtime-parameter buffers for valid_len, and the runtime
// sequence. Requires every stage of a converted function to carry the
// `dma_schedule` record of attn-schedule-dma: the devices are built from
// that record alone (it is never re-planned), so a hand-edited record is
// followed and a malformed one is a located error. The function holding the
// stages is replaced by the devices.
//
//===----------------------------------------------------------------------===//

#include "attn/Conversion/AttnToAIE/Passes.h"
#include "attn/Conversion/AttnToAIE/PilotStage.h"
#include "attn/Conversion/AttnToAIE/ScheduleRecord.h"
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
#include <numeric>

#define DEBUG_TYPE "convert-attn-to-aie"

namespace mlir::attn {
#define GEN_PASS_DEF_CONVERTATTNTOAIE
#include "attn/Conversion/AttnToAIE/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::aiemap;

namespace {

/// The plan as builtin attributes for the emitted device: upstream mlir-aie
/// parses the program, and it does not know the attn dialect. The keys are
/// the PlanAttr parameter names; a dynamic padded length is left out.
DictionaryAttr planDictionary(Builder &b, PlanAttr plan) {
  SmallVector<NamedAttribute> fields = {
      b.getNamedAttr("target", b.getStringAttr(plan.getTarget())),
      b.getNamedAttr("q_tile", b.getI64IntegerAttr(plan.getQTile())),
      b.getNamedAttr("kv_tile", b.getI64IntegerAttr(plan.getKvTile())),
      b.getNamedAttr("head_dim_tile",
                     b.getI64IntegerAttr(plan.getHeadDimTile())),
      b.getNamedAttr("l2_q_block", b.getI64IntegerAttr(plan.getL2QBlock())),
      b.getNamedAttr("l2_kv_block", b.getI64IntegerAttr(plan.getL2KvBlock())),
      b.getNamedAttr("intrinsic", b.getI64ArrayAttr(plan.getIntrinsic())),
      b.getNamedAttr("columns", b.getI64IntegerAttr(plan.getColumns())),
      b.getNamedAttr("cores_per_column",
                     b.getI64IntegerAttr(plan.getCoresPerColumn())),
      b.getNamedAttr("mapping",
                     b.getStringAttr(stringifyMappingKind(plan.getMapping()))),
      b.getNamedAttr("depth", b.getI64IntegerAttr(plan.getDepth()))};
  if (plan.getKvSplit() != 1)
    fields.push_back(
        b.getNamedAttr("kv_split", b.getI64IntegerAttr(plan.getKvSplit())));
  auto length = [&](StringRef name, int64_t value) {
    if (!ShapedType::isDynamic(value))
      fields.push_back(b.getNamedAttr(name, b.getI64IntegerAttr(value)));
  };
  length("padded_q_len", plan.getPaddedQLen());
  length("padded_kv_len", plan.getPaddedKvLen());
  length("padded_head_dim", plan.getPaddedHeadDim());
  length("padded_value_dim", plan.getPaddedValueDim());
  return b.getDictionaryAttr(fields);
}

constexpr llvm::StringLiteral kKernelObject = "attn_kernels.o";
/// The -D values an NPU build of kernels/aie2 or kernels/aie2p compiles the
/// kernel object with (docs/kernels.md), on every kernel declaration.
constexpr llvm::StringLiteral kKernelDefinesAttr = "attn.kernel_defines";

/// Builds one aie.device from a stage and its schedule.
class DeviceEmitter {
public:
  DeviceEmitter(OpBuilder &builder, Location loc, const DescribedStage &ds,
                const StageSchedule &sch, PlanAttr plan)
      : b(builder), loc(loc), ds(ds), sch(sch), d(sch.desc), t(*ds.target),
        plan(plan) {}

  aie::DeviceOp emit(StringRef deviceName, StringRef sequenceName);

private:
  OpBuilder &b;
  Location loc;
  const DescribedStage &ds;
  const StageSchedule &sch;
  const StageDesc &d;
  const NPUTarget &t;
  PlanAttr plan;
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
    case ElementKind::F16:
      return b.getF16Type();
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
    return acquireObjects(fifo, port, 1).front();
  }
  void release(StringRef fifo, aie::ObjectFifoPort port, int64_t n = 1) {
    aie::ObjectFifoReleaseOp::create(b, loc, port, fifo, n);
  }
  /// Acquires `n` objects at once; their memrefs in order.
  SmallVector<Value> acquireObjects(StringRef fifo, aie::ObjectFifoPort port,
                                    int64_t n) {
    MemRefType type = fifoType(*fifos.lookup(fifo));
    auto sv = aie::ObjectFifoAcquireOp::create(
        b, loc,
        TypeRange{aie::AIEObjectFifoSubviewType::get(b.getContext(), type)},
        port, fifo, n);
    SmallVector<Value> objects;
    for (int64_t i = 0; i < n; ++i)
      objects.push_back(aie::ObjectFifoSubviewAccessOp::create(
          b, loc, type, sv.getResult(0), i));
    return objects;
  }
  void call(StringRef name, ValueRange args);

  void emitTiles();
  void emitFifos();
  void emitCascadeFlows();
  void emitSequence(StringRef name);

  // Core bodies (docs/kernels.md): one emitter per stage kind. Cores move no
  // tile element by element; kernels address K/V inside their objects by
  // offset and score windows inside row buffers by row stride and column.
  // Every loop that acquires or releases an object FIFO has a constant trip
  // count.
  struct CoreState {
    const CoreSpec *core = nullptr;
    Value sBuf, rowBuf, accBuf, mBuf, lBuf, rtpBuf; // scratch (may be null)
    Value batch, q0;          // of the current item (i32 q0)
    Value groupHead;          // its head within the GQA group (index)
    Value rowLimit, keyLimit; // i32; rowLimit null without valid_len
    /// Step objects the current round streams (its round class's blocks).
    int64_t steps = 0;
    /// Per query tile the core keeps (the schedule's query_tiles_per_core):
    /// its running state and item; selectTile() makes tile j the current.
    struct Tile {
      Value rowBuf, accBuf, mBuf, lBuf, q0, groupHead;
    };
    SmallVector<Tile> tiles;
    void selectTile(int64_t j) {
      const Tile &tl = tiles[j];
      rowBuf = tl.rowBuf;
      accBuf = tl.accBuf;
      mBuf = tl.mBuf;
      lBuf = tl.lBuf;
      q0 = tl.q0;
      groupHead = tl.groupHead;
    }
  };
  void emitCore(const CoreSpec &core);
  CoreState emitScratch(const CoreSpec &core);
  void emitWorkLoops(CoreState &cs);
  void emitUnit(CoreState &cs, Value k, const ChunkRounds &classes,
                bool reversed);
  void emitItem(CoreState &cs);
  void emitOnlineItem(CoreState &cs);
  bool emitCascadeMerge(CoreState &cs, int position);
  void emitCascadeSteps(CoreState &cs, int position,
                        llvm::function_ref<void(Value, Value)> step);
  void emitFullItem(CoreState &cs);
  void emitScoreItem(CoreState &cs, StringRef kernel, int64_t headDim,
                     bool explicitMasking);
  void emitQKItem(CoreState &cs);
  void emitPilotItem(CoreState &cs);
  void emitSoftmaxItem(CoreState &cs);
  void emitStreamedSoftmaxItem(CoreState &cs);
  void emitQKSoftmaxItem(CoreState &cs);
  void emitPVItem(CoreState &cs);
  // Stream pipelines (StreamStage.h): every core walks the same items and
  // key blocks; S and P objects pass every step (constant trip counts), and
  // each core skips the work of a block no key of which is visible.
  void emitStreamQKItem(CoreState &cs);
  void emitStreamSoftmaxItem(CoreState &cs);
  void emitStreamPVItem(CoreState &cs);
  void readValidLen(CoreState &cs);
  void maskPositions(CoreState &cs, Value s, int64_t ld, Value col,
                     int64_t cols, Value k0);
  Value blockIsLive(CoreState &cs, Value k0);
  void guarded(CoreState &cs, Value k0, llvm::function_ref<void()> fn);
  void explicitMasks(CoreState &cs, Value obj, Value s, int64_t ld, Value col,
                     int64_t cols);
  bool needsMask() const {
    return d.causal || d.hasValidLen || d.keyLimit < d.kvLen;
  }
  bool joinedStep(const CoreSpec &core) {
    return fifos.lookup(core.stepFifo)->shape.size() == 1;
  }
  /// `kernel` for the stage's data type and matmul datapath: `_bf16`,
  /// `_f16`, `_f32`, or `_f16_as_bf16` / `_f32_as_bf16` (matmul_type bf16).
  std::string typed(StringRef kernel) {
    std::string name = (kernel + "_" + stringifyElementKind(d.elem)).str();
    if (d.matmulInBf16 && d.elem != ElementKind::BF16)
      name += "_as_bf16";
    return name;
  }
  /// Compile-time tile sizes of the kernel object this device links.
  DictionaryAttr kernelDefines();
  /// Whether the plan's intrinsic is the target's BFP16 datapath for a bf16
  /// stage (the kernels' ATTN_BFP16 variant).
  bool usesBfp16() const;
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
    fn->setAttr(kKernelDefinesAttr, kernelDefines());
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
    // Per-end depths (upstream's `[producer, consumer...]`) when the
    // consumers hold more objects than the producer.
    Attribute depth = b.getI32IntegerAttr(static_cast<int32_t>(f.depth));
    if (f.consumerDepth) {
      SmallVector<Attribute> depths = {depth};
      for (size_t i = 0; i < f.consumers.size(); ++i)
        depths.push_back(
            b.getI32IntegerAttr(static_cast<int32_t>(f.consumerDepth)));
      depth = b.getArrayAttr(depths);
    }
    // An L2-resident K/V broadcast: the memtile sends its resident object
    // repeat_count times in the recorded order.
    SmallVector<aie::BDDimLayoutAttr> toStream;
    for (auto [size, stride] : f.toStream)
      toStream.push_back(
          aie::BDDimLayoutAttr::get(b.getContext(), size, stride));
    IntegerAttr repeat =
        f.repeatCount ? b.getI32IntegerAttr(static_cast<int32_t>(f.repeatCount))
                      : IntegerAttr();
    aie::ObjectFifoCreateOp::create(
        b, loc, f.name, tile(f.producer), consumers, depth,
        aie::AIEObjectFifoType::get(b.getContext(), fifoType(f)), toStream,
        fromStream, /*via_DMA=*/false,
        /*plio=*/false, /*disable_synchronization=*/false, repeat,
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

bool DeviceEmitter::usesBfp16() const {
  const ElementKindInfo &bfp = t.bf16ViaBfp16;
  ArrayRef<int64_t> in = plan.getIntrinsic();
  IntrinsicShape native = t.intrinsic(ElementKind::BF16);
  bool isNative = in[0] == native.m && in[1] == native.k && in[2] == native.n;
  return d.elem == ElementKind::BF16 && bfp.macsPerCycle > 0 && !isNative &&
         in[0] == bfp.intrinsic.m && in[1] == bfp.intrinsic.k &&
         in[2] == bfp.intrinsic.n;
}

DictionaryAttr DeviceEmitter::kernelDefines() {
  // TK: key columns of the score windows the kernels take; LD: row stride of
  // the score buffer they live in (= TK for a dense tile).
  int64_t tk = sch.stepTile, ld = sch.stepTile;
  if (d.kind == StageKind::Full || d.kind == StageKind::QKSoftmax)
    ld = d.kvLen;
  if (d.kind == StageKind::Softmax && !d.streamedSoftmax())
    tk = ld = d.kvLen;
  auto value = [&](int64_t v) { return b.getI32IntegerAttr(v); };
  // The pilot's rows carry D int8 values and the f32 scale.
  bool pilot = d.kind == StageKind::Pilot;
  SmallVector<NamedAttribute> defs{
      b.getNamedAttr("ATTN_BF16", value(d.elem == ElementKind::BF16)),
      b.getNamedAttr("ATTN_D", value(pilot ? pilotHeadDim(d) : d.headDim)),
      b.getNamedAttr("ATTN_DV", value(pilot ? pilotHeadDim(d) : d.valueDim)),
      b.getNamedAttr("ATTN_LD", value(ld)),
      b.getNamedAttr("ATTN_TK", value(tk)),
      b.getNamedAttr("ATTN_TQ", value(d.qTile))};
  // The BFP16 variant is named only where the plan selects it.
  if (usesBfp16())
    defs.push_back(b.getNamedAttr("ATTN_BFP16", value(1)));
  // f16/f32 matmuls on the bf16 datapath: bf16 terms per operand of the
  // `_f16`/`_f32` kernels (the target table's emulation; 1 = operands
  // rounded to bf16, the `_as_bf16` kernels of allow-precision-loss).
  if (d.elem != ElementKind::BF16 && !pilot)
    defs.push_back(b.getNamedAttr(
        "ATTN_BF16_SPLITS", value(d.matmulInBf16 ? 1 : t.bf16Splits(d.elem))));
  return b.getDictionaryAttr(defs);
}

DeviceEmitter::CoreState DeviceEmitter::emitScratch(const CoreSpec &core) {
  // Named by the core's row in its column (cores of a cascade chain share
  // their lane's `row`).
  std::string at =
      llvm::formatv("c{0}_r{1}", core.tile.col, core.tile.row - t.firstCoreRow)
          .str();
  Value coreTile = tile(core.tile);
  // Per-core scratch buffers: exactly the stage layout's (StageLayout.h),
  // so that what aie-check-limits measures is what the schedule planned.
  // Online: one dense score tile and the running state. Full / QK+softmax:
  // the score row buffer the kernels write and read windows of. Full and PV
  // accumulate normalized probabilities, so they keep no m / l.
  // A buffer with several copies (the state of each query tile a core
  // keeps) is one aie.buffer per copy, `<name>_<core>_t<j>`.
  llvm::StringMap<SmallVector<Value>> scratch;
  for (const LayoutBuffer &lb : sch.layoutOf(core.role).buffers) {
    if (lb.use != LayoutBuffer::Scratch &&
        lb.use != LayoutBuffer::RuntimeParams)
      continue;
    for (int64_t copy = 0; copy < lb.copies; ++copy) {
      // The rtp buffer is named as the runtime sequence writes it.
      std::string symbol = lb.use == LayoutBuffer::RuntimeParams
                               ? core.rtpBuffer
                               : lb.name + "_" + at;
      if (lb.copies > 1)
        symbol += "_t" + std::to_string(copy);
      scratch[lb.name].push_back(
          aie::BufferOp::create(b, loc, memref(lb.shape, elemType(lb.elem)),
                                coreTile, b.getStringAttr(symbol),
                                IntegerAttr(), ElementsAttr(), IntegerAttr()));
    }
  }
  auto copyOf = [&](StringRef name, int64_t copy) -> Value {
    auto it = scratch.find(name);
    if (it == scratch.end() || it->second.empty())
      return Value();
    return it->second[std::min<int64_t>(copy, it->second.size() - 1)];
  };
  CoreState cs;
  cs.core = &core;
  cs.steps = sch.steps;
  cs.sBuf = copyOf("s", 0);
  cs.rtpBuf = copyOf("rtp", 0);
  for (int64_t j = 0; j < std::max<int64_t>(1, d.queryTiles); ++j)
    cs.tiles.push_back({copyOf("srow", j), copyOf("acc", j), copyOf("m", j),
                        copyOf("l", j), Value(), Value()});
  cs.selectTile(0);
  return cs;
}

void DeviceEmitter::emitCore(const CoreSpec &core) {
  CoreState cs = emitScratch(core);
  auto coreOp = aie::CoreOp::create(b, loc, tile(core.tile));
  Block *body = new Block();
  coreOp.getBody().push_back(body);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(body);
  aie::EndOp::create(b, loc);
  b.setInsertionPointToStart(body);
  emitWorkLoops(cs);
}

void DeviceEmitter::emitWorkLoops(CoreState &cs) {
  // Unit k of group g is WorkSplit::unitOf(g, k), chunk unitOf mod S of a
  // kv head. Its round count depends on the chunk and, dealt boustrophedon,
  // its lanes on k's parity: both repeat with period S / gcd(NG, S) (made
  // even when zigzag). Uniform counts: one loop. Otherwise one loop over
  // whole periods with the phases unrolled, then the remaining units peeled:
  // every loop around an acquire has a constant trip count.
  const WorkSplit split = sch.split();
  const int64_t NG = split.numGroups, S = split.queryChunks;
  const int64_t g = cs.core->group;
  const int64_t units = split.unitsOfGroup(g);
  if (units <= 0)
    return;
  int64_t period = S / std::gcd(NG, S);
  if (split.zigzag && period % 2)
    period *= 2;
  period = std::min(period, units);
  // A unit's rounds loop per round class (each streams its own number of
  // key blocks: WorkSplit.h, roundClasses).
  std::vector<ChunkRounds> classes;
  for (int64_t ph = 0; ph < period; ++ph)
    classes.push_back(sch.classesOfChunk(split.unitOf(g, ph) % S));
  if (!split.zigzag && llvm::all_equal(classes)) {
    loop(idx(0), idx(units),
         [&](Value k) { emitUnit(cs, k, classes[0], /*reversed=*/false); });
    return;
  }
  const int64_t whole = units / period;
  loop(idx(0), idx(whole), [&](Value kk) {
    for (int64_t ph = 0; ph < period; ++ph)
      emitUnit(cs, add(mul(kk, idx(period)), idx(ph)), classes[ph],
               split.reversed(ph));
  });
  for (int64_t k = whole * period; k < units; ++k)
    emitUnit(cs, idx(k), classes[k - whole * period], split.reversed(k));
}

void DeviceEmitter::emitUnit(CoreState &cs, Value k, const ChunkRounds &classes,
                             bool reversed) {
  const CoreSpec &core = *cs.core;
  const int64_t NG = sch.numGroups, S = sch.queryChunks, n = sch.itemsPerHead;
  const int64_t P = sch.coresPerGroup, nQ = d.qLen / d.qTile;
  const int64_t workPerBatch = sch.workHeads / d.batch;
  // Odd rows of a boustrophedon dealing reverse the groups and the columns
  // (WorkSplit::unitOf and laneOf).
  const int64_t column =
      reversed ? sch.groupColumns - 1 - core.columnInGroup : core.columnInGroup;
  const int64_t lane = column * d.coresPerColumn + core.row;
  const int64_t position = reversed ? NG - 1 - core.group : core.group;
  Value unit = add(idx(position), mul(k, idx(NG)));
  Value kh = div(unit, idx(S)), split = rem(unit, idx(S));
  Value start = div(mul(split, idx(n)), idx(S));
  Value end = div(mul(add(split, idx(1)), idx(n)), idx(S));
  Value len = sub(end, start);
  Value batch = div(kh, idx(workPerBatch));
  const int64_t perRound = P * d.queryTiles;
  auto emitRound = [&](Value round) {
    // Same item choice as the planner: the last round is shifted back to
    // end with the chunk; a chunk shorter than P k repeats its last item.
    // Query tile j of the core is item base + j P + lane.
    Value lastBase =
        arith::MaxSIOp::create(b, loc, sub(len, idx(perRound)), idx(0));
    Value base =
        arith::MinUIOp::create(b, loc, mul(round, idx(perRound)), lastBase);
    for (int64_t j = 0; j < d.queryTiles; ++j) {
      Value li = arith::MinUIOp::create(b, loc, add(base, idx(j * P + lane)),
                                        sub(len, idx(1)));
      Value qi = rem(add(start, li), idx(nQ));
      cs.tiles[j].q0 = toI32(mul(qi, idx(d.qTile)));
      cs.tiles[j].groupHead = div(add(start, li), idx(nQ));
    }
    cs.selectTile(0);
    cs.batch = batch;
    cs.rowLimit = cs.keyLimit = Value();
    emitItem(cs);
  };
  // One loop per class (inside one over the repeats of the class list).
  auto period = [&](Value rep) {
    int64_t first = 0;
    for (const RoundClass &c : classes.classes) {
      cs.steps = c.blocks;
      loop(idx(0), idx(c.rounds), [&](Value i) {
        Value round = add(idx(first), i);
        if (rep)
          round = add(mul(rep, idx(classes.periodRounds())), round);
        emitRound(round);
      });
      first += c.rounds;
    }
  };
  if (classes.repeats == 1)
    period(Value());
  else
    loop(idx(0), idx(classes.repeats), period);
  cs.steps = sch.steps;
}

void DeviceEmitter::emitItem(CoreState &cs) {
  switch (cs.core->role) {
  case CoreRole::fused:
    break;
  case CoreRole::qk:
    return emitStreamQKItem(cs);
  case CoreRole::softmax:
    return emitStreamSoftmaxItem(cs);
  case CoreRole::pv:
    return emitStreamPVItem(cs);
  }
  switch (d.kind) {
  case StageKind::Online:
    return emitOnlineItem(cs);
  case StageKind::Full:
    return emitFullItem(cs);
  case StageKind::QK:
    return emitQKItem(cs);
  case StageKind::Softmax:
    return emitSoftmaxItem(cs);
  case StageKind::QKSoftmax:
    return emitQKSoftmaxItem(cs);
  case StageKind::PV:
    return emitPVItem(cs);
  case StageKind::Pilot:
    return emitPilotItem(cs);
  }
}

void DeviceEmitter::readValidLen(CoreState &cs) {
  // Read after the first acquire, when the runtime sequence has written it.
  // Rows compare with the raw value, keys with it clamped to the real keys.
  if (!cs.rtpBuf) {
    cs.keyLimit = i32(d.keyLimit);
    return;
  }
  Value raw = memref::LoadOp::create(b, loc, cs.rtpBuf, ValueRange{cs.batch});
  cs.rowLimit = arith::MaxSIOp::create(b, loc, raw, i32(0));
  cs.keyLimit = arith::MinSIOp::create(b, loc, cs.rowLimit, i32(d.keyLimit));
}

void DeviceEmitter::maskPositions(CoreState &cs, Value s, int64_t ld, Value col,
                                  int64_t cols, Value k0) {
  if (!needsMask())
    return;
  // Padded query rows (>= valid_len) are hidden whole: their softmax is
  // zero and they finalize to zeros, with no per-row fix-up in the core.
  Value rows = cs.rowLimit ? cs.rowLimit : i32(INT32_MAX);
  auto mask = [&]() {
    call("attn_mask_positions",
         {s, i32(ld), col, i32(d.qTile), i32(cols), cs.q0, k0, cs.keyLimit,
          rows, i32(d.causal ? 1 : 0), i32(d.causalOffset)});
  };
  if (cs.rowLimit) {
    // Runtime valid_len: any block may hold hidden keys or query rows.
    mask();
    return;
  }
  // Only a block that holds a hidden position pays the pass (the cost
  // model's masked blocks): it reaches past the real keys, or (causal) its
  // last key lies right of the tile's first query row's diagonal.
  Value last = add(k0, i32(cols - 1));
  Value cond = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, last,
                                     cs.keyLimit);
  if (d.causal) {
    Value diag = add(cs.q0, i32(d.causalOffset));
    Value cut =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, last, diag);
    cond = arith::OrIOp::create(b, loc, cond, cut);
  }
  ifThen(cond, mask);
}

Value DeviceEmitter::blockIsLive(CoreState &cs, Value k0) {
  Value c =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, k0, cs.keyLimit);
  if (d.causal) {
    Value last = add(cs.q0, i32(d.qTile - 1 + d.causalOffset));
    Value seen =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle, k0, last);
    c = arith::AndIOp::create(b, loc, c, seen);
  }
  return c;
}

void DeviceEmitter::guarded(CoreState &cs, Value k0,
                            llvm::function_ref<void()> fn) {
  if (needsMask())
    ifThen(blockIsLive(cs, k0), fn);
  else
    fn();
}

void DeviceEmitter::explicitMasks(CoreState &cs, Value obj, Value s, int64_t ld,
                                  Value col, int64_t cols) {
  // Mask/bias follow the K (and V) blocks in the joined step object: a key
  // row the kernels broadcast over the query rows, or one [tq][st] tile per
  // core of the group, this core's at its lane; read in place either way.
  const int64_t st = sch.stepTile, tq = d.qTile;
  const bool withV = d.kind == StageKind::Online || d.kind == StageKind::Full;
  // Lanes: the cores of the group in order, as many as the mask/bias shim
  // stream's object holds tiles; cores beyond them repeat the last lane's
  // item and read its tile.
  int64_t lanes = sch.coresPerGroup;
  for (const FifoSpec &f : sch.fifos) {
    int64_t rows = f.dram == Role::M      ? d.maskLaneRows()
                   : f.dram == Role::Bias ? d.biasLaneRows()
                                          : 0;
    if (f.use == FifoSpec::Step && rows && !f.shape.empty())
      lanes = f.shape.front() / rows;
  }
  const int64_t lane = std::min<int64_t>(
      cs.core->columnInGroup * d.coresPerColumn + cs.core->row, lanes - 1);
  int64_t off = st * (d.headDim + (withV ? d.valueDim : 0));
  // Tiles at the core's lane; a GQA group's rows: the row of the item's
  // head (a run-time offset), read with row stride 0; else the shared row.
  auto apply = [&](StringRef kind, int64_t laneRows, int64_t groupRows) {
    if (laneRows)
      call(typed(("attn_mask_" + kind + "_tile").str()),
           {s, i32(ld), col, obj, i32(off + lane * laneRows * st), i32(st),
            i32(tq), i32(cols)});
    else if (groupRows)
      call(typed(("attn_mask_" + kind + "_tile").str()),
           {s, i32(ld), col, obj,
            toI32(add(idx(off), mul(cs.groupHead, idx(st)))), i32(0), i32(tq),
            i32(cols)});
    else
      call(typed(("attn_mask_" + kind + "_keys").str()),
           {s, i32(ld), col, obj, i32(off), i32(tq), i32(cols)});
  };
  if (d.maskKind == StageDesc::KeepMask)
    apply("keep", d.maskLaneRows(), d.maskGroupRows());
  else if (d.maskKind == StageDesc::AddMask)
    apply("add", d.maskLaneRows(), d.maskGroupRows());
  if (d.maskKind != StageDesc::NoMask)
    off += d.maskLaneRows()    ? lanes * d.maskLaneRows() * st
           : d.maskGroupRows() ? d.maskGroupRows() * st
                               : st;
  if (d.hasBias)
    apply("add", d.biasLaneRows(), d.biasGroupRows());
}

void DeviceEmitter::emitOnlineItem(CoreState &cs) {
  using aie::ObjectFifoPort;
  const CoreSpec &core = *cs.core;
  const int64_t tq = d.qTile, st = sch.stepTile;
  // K starts the joined K|V object, V follows it: addressed by offset.
  const int64_t vOff = joinedStep(core) ? st * d.headDim : 0;
  // k query tiles against one K/V stream: each step object serves the
  // core's k online states in turn (one shared score tile).
  const int64_t k = d.queryTiles;
  SmallVector<Value> q =
      acquireObjects(core.itemFifo, ObjectFifoPort::Consume, k);
  readValidLen(cs);
  const int position = sch.chainPosition(core.tile);
  if (position >= 0) {
    // A cascade chain core (one query tile: the emittable rule): its share
    // of the key steps, then the merge down the chain.
    call("attn_online_init",
         {cs.mBuf, cs.lBuf, cs.accBuf, i32(tq), i32(d.valueDim)});
    auto step = [&](Value obj, Value j) {
      Value k0 = toI32(mul(j, idx(st)));
      guarded(cs, k0, [&]() {
        call(typed("attn_qk"),
             {q[0], obj, i32(0), cs.sBuf, i32(st), i32(0), i32(tq), i32(st),
              i32(d.headDim), f32(d.scale)});
        maskPositions(cs, cs.sBuf, st, i32(0), st, k0);
        explicitMasks(cs, obj, cs.sBuf, st, i32(0), st);
        call(typed("attn_online_update"),
             {cs.sBuf, i32(st), i32(0), obj, i32(vOff), cs.mBuf, cs.lBuf,
              cs.accBuf, i32(tq), i32(st), i32(d.valueDim)});
      });
    };
    emitCascadeSteps(cs, position, step);
    if (!emitCascadeMerge(cs, position)) {
      Value o = acquire(core.outFifo, ObjectFifoPort::Produce);
      call(typed("attn_finalize"),
           {cs.accBuf, cs.lBuf, o, i32(tq), i32(d.valueDim)});
      release(core.outFifo, ObjectFifoPort::Produce);
    }
    release(core.itemFifo, ObjectFifoPort::Consume);
    return;
  }
  for (int64_t qt = 0; qt < k; ++qt) {
    cs.selectTile(qt);
    call("attn_online_init",
         {cs.mBuf, cs.lBuf, cs.accBuf, i32(tq), i32(d.valueDim)});
  }
  loop(idx(0), idx(cs.steps), [&](Value j) {
    Value obj = acquire(core.stepFifo, ObjectFifoPort::Consume);
    Value k0 = toI32(mul(j, idx(st)));
    for (int64_t qt = 0; qt < k; ++qt) {
      cs.selectTile(qt);
      guarded(cs, k0, [&]() {
        call(typed("attn_qk"),
             {q[qt], obj, i32(0), cs.sBuf, i32(st), i32(0), i32(tq), i32(st),
              i32(d.headDim), f32(d.scale)});
        maskPositions(cs, cs.sBuf, st, i32(0), st, k0);
        explicitMasks(cs, obj, cs.sBuf, st, i32(0), st);
        call(typed("attn_online_update"),
             {cs.sBuf, i32(st), i32(0), obj, i32(vOff), cs.mBuf, cs.lBuf,
              cs.accBuf, i32(tq), i32(st), i32(d.valueDim)});
      });
    }
    release(core.stepFifo, ObjectFifoPort::Consume);
  });
  for (int64_t qt = 0; qt < k; ++qt) {
    cs.selectTile(qt);
    Value o = acquire(core.outFifo, ObjectFifoPort::Produce);
    call(typed("attn_finalize"),
         {cs.accBuf, cs.lBuf, o, i32(tq), i32(d.valueDim)});
    release(core.outFifo, ObjectFifoPort::Produce);
  }
  release(core.itemFifo, ObjectFifoPort::Consume, k);
}

/// The key steps of core `position` of a cascade chain: the broadcast step
/// objects s at a time (constant trip counts), the core computing the one
/// at its position; a last group of steps mod s objects.
void DeviceEmitter::emitCascadeSteps(
    CoreState &cs, int position, llvm::function_ref<void(Value, Value)> step) {
  using aie::ObjectFifoPort;
  const int64_t split = sch.desc.kvSplit;
  const std::string &fifo = cs.core->stepFifo;
  auto group = [&](Value first, int64_t n) {
    MemRefType type = fifoType(*fifos.lookup(fifo));
    auto sv = aie::ObjectFifoAcquireOp::create(
        b, loc,
        TypeRange{aie::AIEObjectFifoSubviewType::get(b.getContext(), type)},
        ObjectFifoPort::Consume, fifo, n);
    if (position < n)
      step(aie::ObjectFifoSubviewAccessOp::create(b, loc, type, sv.getResult(0),
                                                  position),
           add(first, idx(position)));
    aie::ObjectFifoReleaseOp::create(b, loc, ObjectFifoPort::Consume, fifo, n);
  };
  const int64_t whole = cs.steps / split, tail = cs.steps % split;
  if (whole)
    loop(idx(0), idx(whole),
         [&](Value g) { group(mul(g, idx(split)), split); });
  if (tail)
    group(idx(whole * split), tail);
}

/// The cascade step after a chain core's part: merge the state of the core
/// above (all but the top), then pass the state down (all but the bottom).
/// Returns true when the core passed its state on (it writes no output).
bool DeviceEmitter::emitCascadeMerge(CoreState &cs, int position) {
  SmallVector<Value> state = {cs.mBuf, cs.lBuf, cs.accBuf, i32(d.qTile),
                              i32(d.valueDim)};
  if (position > 0)
    call("attn_cascade_merge", state);
  if (position + 1 == static_cast<int>(sch.desc.kvSplit))
    return false;
  call("attn_cascade_put", state);
  return true;
}

void DeviceEmitter::emitCascadeFlows() {
  for (const CascadeChain &chain : sch.chains)
    for (size_t i = 0; i + 1 < chain.tiles.size(); ++i)
      aie::CascadeFlowOp::create(b, loc, tile(chain.tiles[i]),
                                 tile(chain.tiles[i + 1]));
}

void DeviceEmitter::emitFullItem(CoreState &cs) {
  // Pass 1: score windows written straight into the row buffer; pass 2:
  // P V with P read from the row buffer, over the same K/V blocks.
  using aie::ObjectFifoPort;
  const CoreSpec &core = *cs.core;
  const int64_t tq = d.qTile, tk = sch.stepTile, Lk = d.kvLen;
  const int64_t blocks = Lk / tk, dv = d.valueDim;
  // A V block of its own (one stream, K then V) or the V half of a joined
  // object.
  const int64_t vOff = joinedStep(core) ? tk * d.headDim : 0;
  // k query tiles (k score row buffers and accumulators) against one K/V
  // stream: each block object serves them in turn.
  const int64_t k = d.queryTiles;
  SmallVector<Value> q =
      acquireObjects(core.itemFifo, ObjectFifoPort::Consume, k);
  readValidLen(cs);
  loop(idx(0), idx(blocks), [&](Value j) {
    Value obj = acquire(core.stepFifo, ObjectFifoPort::Consume);
    Value k0 = toI32(mul(j, idx(tk)));
    for (int64_t qt = 0; qt < k; ++qt) {
      cs.selectTile(qt);
      guarded(cs, k0, [&]() {
        call(typed("attn_qk"),
             {q[qt], obj, i32(0), cs.rowBuf, i32(Lk), k0, i32(tq), i32(tk),
              i32(d.headDim), f32(d.scale)});
      });
      // A hidden block skipped the matmul: masking fills it with -inf.
      maskPositions(cs, cs.rowBuf, Lk, k0, tk, k0);
      explicitMasks(cs, obj, cs.rowBuf, Lk, k0, tk);
    }
    release(core.stepFifo, ObjectFifoPort::Consume);
  });
  for (int64_t qt = 0; qt < k; ++qt) {
    cs.selectTile(qt);
    call("attn_softmax_rows", {cs.rowBuf, cs.rowBuf, i32(tq), i32(Lk)});
    call("attn_acc_zero", {cs.accBuf, i32(tq), i32(dv)});
  }
  loop(idx(0), idx(blocks), [&](Value j) {
    Value obj = acquire(core.stepFifo, ObjectFifoPort::Consume);
    Value k0 = toI32(mul(j, idx(tk)));
    for (int64_t qt = 0; qt < k; ++qt) {
      cs.selectTile(qt);
      guarded(cs, k0, [&]() {
        call(typed("attn_pv_accumulate"),
             {cs.rowBuf, i32(Lk), k0, obj, i32(vOff), cs.accBuf, i32(tq),
              i32(tk), i32(dv)});
      });
    }
    release(core.stepFifo, ObjectFifoPort::Consume);
  });
  // Padded query rows were hidden by the masks: their P rows are zeros.
  for (int64_t qt = 0; qt < k; ++qt) {
    cs.selectTile(qt);
    Value o = acquire(core.outFifo, ObjectFifoPort::Produce);
    call(typed("attn_store"),
         {cs.accBuf, o, cs.q0, i32(INT32_MAX), i32(tq), i32(dv)});
    release(core.outFifo, ObjectFifoPort::Produce);
  }
  release(core.itemFifo, ObjectFifoPort::Consume, k);
}

void DeviceEmitter::emitScoreItem(CoreState &cs, StringRef kernel,
                                  int64_t headDim, bool explicitMasking) {
  // One S tile per key step out of the core. S leaves unnormalized: padded
  // query rows keep their scores (the softmax stage, or the selection,
  // hides them); a fully hidden tile skips the matmul (masking fills it).
  using aie::ObjectFifoPort;
  const CoreSpec &core = *cs.core;
  const int64_t tq = d.qTile, tk = sch.stepTile;
  Value q = acquire(core.itemFifo, ObjectFifoPort::Consume);
  readValidLen(cs);
  cs.rowLimit = Value();
  loop(idx(0), idx(sch.steps), [&](Value j) {
    Value kt = acquire(core.stepFifo, ObjectFifoPort::Consume);
    Value s = acquire(core.outFifo, ObjectFifoPort::Produce);
    Value k0 = toI32(mul(j, idx(tk)));
    guarded(cs, k0, [&]() {
      call(kernel, {q, kt, i32(0), s, i32(tk), i32(0), i32(tq), i32(tk),
                    i32(headDim), f32(d.scale)});
    });
    maskPositions(cs, s, tk, i32(0), tk, k0);
    if (explicitMasking)
      explicitMasks(cs, kt, s, tk, i32(0), tk);
    release(core.outFifo, ObjectFifoPort::Produce);
    release(core.stepFifo, ObjectFifoPort::Consume);
  });
  release(core.itemFifo, ObjectFifoPort::Consume);
}

void DeviceEmitter::emitQKItem(CoreState &cs) {
  emitScoreItem(cs, typed("attn_qk"), d.headDim, /*explicitMasking=*/true);
}

void DeviceEmitter::emitPilotItem(CoreState &cs) {
  // The QK item with int8 rows of D + 4 bytes (values, f32 scale): the
  // kernel reads both from the objects; masking as for QK (-inf keys,
  // query rows keep their scores).
  emitScoreItem(cs, "attn_pilot_qk_i8", pilotHeadDim(d),
                /*explicitMasking=*/false);
}

void DeviceEmitter::emitSoftmaxItem(CoreState &cs) {
  using aie::ObjectFifoPort;
  if (d.streamedSoftmax())
    return emitStreamedSoftmaxItem(cs);
  const CoreSpec &core = *cs.core;
  const int64_t tq = d.qTile, Lk = d.kvLen;
  Value s = acquire(core.itemFifo, ObjectFifoPort::Consume);
  readValidLen(cs);
  Value p = acquire(core.outFifo, ObjectFifoPort::Produce);
  if (d.hasValidLen) // keys and padded query rows; causal was applied by QK
    call("attn_mask_positions",
         {s, i32(Lk), i32(0), i32(tq), i32(Lk), cs.q0, i32(0), cs.keyLimit,
          cs.rowLimit ? cs.rowLimit : i32(INT32_MAX), i32(0), i32(0)});
  call("attn_softmax_rows", {s, p, i32(tq), i32(Lk)});
  release(core.outFifo, ObjectFifoPort::Produce);
  release(core.itemFifo, ObjectFifoPort::Consume);
}

void DeviceEmitter::emitStreamedSoftmaxItem(CoreState &cs) {
  // Rows too long for L1 (the record's kv_tile chunks, 2 passes): pass 1
  // folds each S chunk into the running row max and sum, pass 2 reads the
  // chunks again and writes P = exp(s - max) / sum chunk by chunk.
  using aie::ObjectFifoPort;
  const CoreSpec &core = *cs.core;
  const int64_t tq = d.qTile, chunk = sch.stepTile;
  const int64_t chunks = sch.steps / 2;
  call("attn_softmax_stats_init", {cs.mBuf, cs.lBuf, i32(tq)});
  // valid_len hides keys and padded query rows of every chunk, in both
  // passes (causal was applied by QK).
  auto maskChunk = [&](Value s, Value j) {
    if (!d.hasValidLen)
      return;
    readValidLen(cs);
    call("attn_mask_positions",
         {s, i32(chunk), i32(0), i32(tq), i32(chunk), cs.q0,
          toI32(mul(j, idx(chunk))), cs.keyLimit,
          cs.rowLimit ? cs.rowLimit : i32(INT32_MAX), i32(0), i32(0)});
  };
  loop(idx(0), idx(chunks), [&](Value j) {
    Value s = acquire(core.coreStepFifo, ObjectFifoPort::Consume);
    maskChunk(s, j);
    call("attn_softmax_stats",
         {s, i32(chunk), i32(0), cs.mBuf, cs.lBuf, i32(tq), i32(chunk)});
    release(core.coreStepFifo, ObjectFifoPort::Consume);
  });
  loop(idx(0), idx(chunks), [&](Value j) {
    Value s = acquire(core.coreStepFifo, ObjectFifoPort::Consume);
    maskChunk(s, j);
    Value p = acquire(core.outFifo, ObjectFifoPort::Produce);
    call("attn_softmax_normalize",
         {s, i32(chunk), i32(0), cs.mBuf, cs.lBuf, p, i32(tq), i32(chunk)});
    release(core.outFifo, ObjectFifoPort::Produce);
    release(core.coreStepFifo, ObjectFifoPort::Consume);
  });
}

void DeviceEmitter::emitQKSoftmaxItem(CoreState &cs) {
  // Score rows in L1, then P handed out a key block at a time.
  using aie::ObjectFifoPort;
  const CoreSpec &core = *cs.core;
  const int64_t tq = d.qTile, tk = sch.stepTile, Lk = d.kvLen;
  const int64_t blocks = Lk / tk;
  Value q = acquire(core.itemFifo, ObjectFifoPort::Consume);
  readValidLen(cs);
  loop(idx(0), idx(blocks), [&](Value j) {
    Value kt = acquire(core.stepFifo, ObjectFifoPort::Consume);
    Value k0 = toI32(mul(j, idx(tk)));
    guarded(cs, k0, [&]() {
      call(typed("attn_qk"), {q, kt, i32(0), cs.rowBuf, i32(Lk), k0, i32(tq),
                              i32(tk), i32(d.headDim), f32(d.scale)});
    });
    maskPositions(cs, cs.rowBuf, Lk, k0, tk, k0);
    explicitMasks(cs, kt, cs.rowBuf, Lk, k0, tk);
    release(core.stepFifo, ObjectFifoPort::Consume);
  });
  call("attn_softmax_rows", {cs.rowBuf, cs.rowBuf, i32(tq), i32(Lk)});
  loop(idx(0), idx(blocks), [&](Value j) {
    Value p = acquire(core.outFifo, ObjectFifoPort::Produce);
    call("attn_copy_window",
         {cs.rowBuf, i32(Lk), toI32(mul(j, idx(tk))), p, i32(tq), i32(tk)});
    release(core.outFifo, ObjectFifoPort::Produce);
  });
  release(core.itemFifo, ObjectFifoPort::Consume);
}

void DeviceEmitter::emitPVItem(CoreState &cs) {
  // O = sum P V; rows of padded queries (>= valid_len) are stored as zeros
  // by the store kernel (no per-row fix-up in the core).
  using aie::ObjectFifoPort;
  const CoreSpec &core = *cs.core;
  const int64_t tq = d.qTile, tk = sch.stepTile, dv = d.valueDim;
  call("attn_acc_zero", {cs.accBuf, i32(tq), i32(dv)});
  loop(idx(0), idx(sch.steps), [&](Value) {
    Value p = acquire(core.coreStepFifo, ObjectFifoPort::Consume);
    Value vt = acquire(core.stepFifo, ObjectFifoPort::Consume);
    call(typed("attn_pv_accumulate"), {p, i32(tk), i32(0), vt, i32(0),
                                       cs.accBuf, i32(tq), i32(tk), i32(dv)});
    release(core.stepFifo, ObjectFifoPort::Consume);
    release(core.coreStepFifo, ObjectFifoPort::Consume);
  });
  readValidLen(cs);
  Value o = acquire(core.outFifo, ObjectFifoPort::Produce);
  call(typed("attn_store"),
       {cs.accBuf, o, cs.q0, cs.rowLimit ? cs.rowLimit : i32(INT32_MAX),
        i32(tq), i32(dv)});
  release(core.outFifo, ObjectFifoPort::Produce);
}

void DeviceEmitter::emitStreamQKItem(CoreState &cs) {
  // Masked S tiles to the softmax core; padded query rows (>= valid_len)
  // are hidden whole, so they finalize to zeros downstream.
  using aie::ObjectFifoPort;
  const CoreSpec &core = *cs.core;
  const int64_t tq = d.qTile, st = sch.stepTile;
  Value q = acquire(core.itemFifo, ObjectFifoPort::Consume);
  readValidLen(cs);
  loop(idx(0), idx(cs.steps), [&](Value j) {
    Value k = acquire(core.stepFifo, ObjectFifoPort::Consume);
    Value s = acquire(core.pipeOut, ObjectFifoPort::Produce);
    Value k0 = toI32(mul(j, idx(st)));
    guarded(cs, k0, [&]() {
      call(typed("attn_qk"), {q, k, i32(0), s, i32(st), i32(0), i32(tq),
                              i32(st), i32(d.headDim), f32(d.scale)});
      maskPositions(cs, s, st, i32(0), st, k0);
    });
    release(core.pipeOut, ObjectFifoPort::Produce);
    release(core.stepFifo, ObjectFifoPort::Consume);
  });
  release(core.itemFifo, ObjectFifoPort::Consume);
}

void DeviceEmitter::emitStreamSoftmaxItem(CoreState &cs) {
  // Running max / sum; each P block object carries P, the rescale factors
  // and the row sums to the PV core. Both objects are released right after
  // the kernel, so the QK core refills S while P is consumed.
  using aie::ObjectFifoPort;
  const CoreSpec &core = *cs.core;
  const int64_t tq = d.qTile, st = sch.stepTile;
  call("attn_stream_softmax_init", {cs.mBuf, cs.lBuf, i32(tq)});
  loop(idx(0), idx(cs.steps), [&](Value j) {
    Value s = acquire(core.pipeIn, ObjectFifoPort::Consume);
    Value p = acquire(core.pipeOut, ObjectFifoPort::Produce);
    readValidLen(cs); // after an acquire: the sequence has written it
    guarded(cs, toI32(mul(j, idx(st))), [&]() {
      call("attn_stream_softmax",
           {s, i32(st), i32(0), p, cs.mBuf, cs.lBuf, i32(tq), i32(st)});
    });
    release(core.pipeOut, ObjectFifoPort::Produce);
    release(core.pipeIn, ObjectFifoPort::Consume);
  });
}

void DeviceEmitter::emitStreamPVItem(CoreState &cs) {
  // acc = c acc + P V per visible block; l is the last visible block's row
  // sums (0 when none: zero rows).
  using aie::ObjectFifoPort;
  const CoreSpec &core = *cs.core;
  const int64_t tq = d.qTile, st = sch.stepTile, dv = d.valueDim;
  call("attn_stream_pv_init", {cs.accBuf, cs.lBuf, i32(tq), i32(dv)});
  loop(idx(0), idx(cs.steps), [&](Value j) {
    Value p = acquire(core.pipeIn, ObjectFifoPort::Consume);
    Value v = acquire(core.stepFifo, ObjectFifoPort::Consume);
    readValidLen(cs);
    guarded(cs, toI32(mul(j, idx(st))), [&]() {
      call(typed("attn_stream_pv"),
           {p, v, i32(0), cs.accBuf, cs.lBuf, i32(tq), i32(st), i32(dv)});
    });
    release(core.stepFifo, ObjectFifoPort::Consume);
    release(core.pipeIn, ObjectFifoPort::Consume);
  });
  Value o = acquire(core.outFifo, ObjectFifoPort::Produce);
  call(typed("attn_finalize"), {cs.accBuf, cs.lBuf, o, i32(tq), i32(dv)});
  release(core.outFifo, ObjectFifoPort::Produce);
}

void DeviceEmitter::emitSequence(StringRef name) {
  auto seq = aie::RuntimeSequenceOp::create(b, loc, name);
  Block *body = new Block();
  seq.getBody().push_back(body);
  std::map<Role, Value> roleArgs;
  auto flat = [&](Role role) {
    return memref({sch.roleElements(role)}, elemType(sch.roleElement(role)));
  };
  // valid_len is a runtime scalar: one i32 sequence argument per batch,
  // supplied at dispatch, in place of the layer's valid_len tensor.
  SmallVector<Value> validLens;
  for (const std::optional<Role> &role : ds.inputRoles) {
    if (role) {
      roleArgs[*role] = body->addArgument(flat(*role), loc);
      continue;
    }
    for (int64_t i = 0; i < d.batch; ++i)
      validLens.push_back(body->addArgument(
          b.getI32Type(),
          NameLoc::get(b.getStringAttr("valid_len_" + std::to_string(i)))));
  }
  Role out = stageOutput(d.kind);
  roleArgs[out] = body->addArgument(flat(out), loc);

  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(body);
  // The cores read valid_len from their runtime-parameter words, written
  // here from the sequence arguments (no instruction word is patched).
  for (const CoreSpec &c : sch.cores)
    if (!c.rtpBuffer.empty())
      for (int64_t i = 0; i < d.batch; ++i) {
        Value value = i < static_cast<int64_t>(validLens.size())
                          ? validLens[i]
                          : arith::ConstantIntOp::create(b, loc, d.keyLimit, 32)
                                .getResult();
        aiex::NpuWriteRTPOp::create(b, loc, c.rtpBuffer,
                                    static_cast<uint32_t>(i), value);
      }
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
  for (const std::array<int64_t, 3> &tile : sch.tileBytes)
    memory.push_back(b.getDenseI64ArrayAttr(tile));
  device->setAttr(kLayoutMemoryAttrName, b.getArrayAttr(memory));
  emitTiles();
  emitFifos();
  emitCascadeFlows();
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

/// The layer's host program as IR: an aie.device whose runtime sequence
/// takes every DRAM buffer of the layer (inputs, S / P between stages, O)
/// and the valid_len scalars, and dispatches the stage devices in order
/// with upstream's aiex.configure / aiex.run. The host pads the inputs to
/// the device shapes before and slices O after (`attn.host_program`).
void emitHostProgram(OpBuilder &b, Location loc, func::FuncOp fn,
                     StringRef name, const NPUTarget &target,
                     ArrayRef<aie::DeviceOp> devices,
                     ArrayRef<DescribedStage> described) {
  // Sequence arguments: the layer's inputs (first use), valid_len (one i32
  // per batch), then each stage's output in dispatch order.
  std::set<Role> produced;
  for (const DescribedStage &ds : described)
    produced.insert(stageOutput(ds.desc.kind));
  SmallVector<Type> types;
  SmallVector<Attribute> roleNames;
  std::map<Role, unsigned> roleArg;
  std::optional<unsigned> firstValidLen;
  auto sequenceOf = [](aie::DeviceOp device) {
    return *device.getBody()->getOps<aie::RuntimeSequenceOp>().begin();
  };
  for (auto [device, ds] : llvm::zip(devices, described)) {
    Block &args = sequenceOf(device).getBody().front();
    unsigned pos = 0;
    for (const std::optional<Role> &role : ds.inputRoles) {
      if (!role) {
        if (!firstValidLen) {
          firstValidLen = types.size();
          for (int64_t i = 0; i < ds.desc.batch; ++i) {
            types.push_back(args.getArgument(pos + i).getType());
            roleNames.push_back(b.getStringAttr("valid_len"));
          }
        }
        pos += ds.desc.batch;
        continue;
      }
      if (!produced.count(*role) && !roleArg.count(*role)) {
        roleArg[*role] = types.size();
        types.push_back(args.getArgument(pos).getType());
        roleNames.push_back(b.getStringAttr(stringifyRole(*role)));
      }
      ++pos;
    }
  }
  for (auto [device, ds] : llvm::zip(devices, described)) {
    Role out = stageOutput(ds.desc.kind);
    roleArg[out] = types.size();
    types.push_back(
        sequenceOf(device).getBody().front().getArguments().back().getType());
    roleNames.push_back(b.getStringAttr(stringifyRole(out)));
  }
  std::optional<aie::AIEDevice> kind = aie::symbolizeAIEDevice(target.name);
  auto host = aie::DeviceOp::create(
      b, loc, aie::AIEDeviceAttr::get(b.getContext(), *kind),
      b.getStringAttr(name));
  Block *hostBody = new Block();
  host.getBodyRegion().push_back(hostBody);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(hostBody);
  aie::EndOp::create(b, loc);
  b.setInsertionPoint(hostBody->getTerminator());
  auto seq = aie::RuntimeSequenceOp::create(b, loc, name);
  Block *body = new Block();
  seq.getBody().push_back(body);
  for (Type t : types)
    body->addArgument(t, loc);
  b.setInsertionPointToStart(body);
  for (auto [device, ds] : llvm::zip(devices, described)) {
    SmallVector<Value> operands;
    for (const std::optional<Role> &role : ds.inputRoles) {
      if (role) {
        operands.push_back(body->getArgument(roleArg.at(*role)));
        continue;
      }
      for (int64_t i = 0; i < ds.desc.batch; ++i)
        operands.push_back(body->getArgument(*firstValidLen + i));
    }
    operands.push_back(
        body->getArgument(roleArg.at(stageOutput(ds.desc.kind))));
    auto configure =
        aiex::ConfigureOp::create(b, loc, aie::DeviceOp(device).getSymName());
    Block *cfg = new Block();
    configure.getBody().push_back(cfg);
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(cfg);
    aiex::RunOp::create(b, loc, sequenceOf(device).getSymName(), operands);
  }
  // What the host does around the sequence: pad each input from the
  // layer's tensor to the device buffer, slice O back.
  SmallVector<Attribute> padding;
  std::set<Role> padded;
  for (const DescribedStage &ds : described)
    for (const DescribedStage::HostPadding &p : ds.padding) {
      Role role = p.operand >= 0 ? *ds.inputRoles[p.operand]
                                 : stageOutput(ds.desc.kind);
      if (!padded.insert(role).second)
        continue;
      padding.push_back(b.getDictionaryAttr(
          {b.getNamedAttr("device", TypeAttr::get(p.device)),
           b.getNamedAttr("logical", TypeAttr::get(p.logical)),
           b.getNamedAttr("role", b.getStringAttr(stringifyRole(role)))}));
    }
  // The host device holds no tile memory (aie-check-limits verifies that).
  host->setAttr(kLayoutMemoryAttrName, b.getArrayAttr({}));
  host->setAttr(kHostProgramAttrName,
                b.getDictionaryAttr(
                    {b.getNamedAttr("function", fn.getSymNameAttr()),
                     b.getNamedAttr("arguments", b.getArrayAttr(roleNames)),
                     b.getNamedAttr("host_padding", b.getArrayAttr(padding))}));
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
    FailureOr<StageSchedule> sch = scheduleFromAttr(stage, *ds, recorded);
    if (failed(sch))
      return failure();
    described.push_back(*ds);
    planned.push_back({stage, std::move(*sch)});
  }
  OpBuilder b(fn);
  SmallVector<aie::DeviceOp> devices;
  for (auto [i, entry] : llvm::enumerate(planned)) {
    auto &[stage, sch] = entry;
    std::string base = (fn.getSymName() + "_" + stage.getName()).str();
    std::string name = base;
    for (int n = 1; names.contains(name); ++n)
      name = llvm::formatv("{0}_{1}", base, n).str();
    names.insert(name);
    DeviceEmitter emitter(b, stage.getLoc(), described[i], sch,
                          stage.getPlanAttr());
    aie::DeviceOp device = emitter.emit(name, name);
    devices.push_back(device);
    ++numDevices;
    numCores += llvm::range_size(device.getOps<aie::CoreOp>());
    numScratch += llvm::range_size(device.getOps<aie::BufferOp>());
    LLVM_DEBUG(llvm::dbgs()
               << "@" << name << ": L1 per core " << sch.layout.l1Bytes
               << " B, busiest memtile " << sch.layout.l2Bytes << " B\n");
    // The host side stays IR: which layer and stage this dispatch is, its
    // place in the dispatch order, the plan and the recorded schedule
    // (arguments, typed host padding, buffer bytes).
    SmallVector<NamedAttribute> host = {
        b.getNamedAttr("function", fn.getSymNameAttr()),
        b.getNamedAttr("stage", stage.getNameAttr()),
        b.getNamedAttr("dispatch", b.getI64IntegerAttr(i)),
        b.getNamedAttr("fold", b.getStringAttr(stringifyFoldKind(
                                   stage.getFoldAttr().getValue()))),
        b.getNamedAttr("plan", planDictionary(b, stage.getPlanAttr())),
        b.getNamedAttr(kScheduleAttrName,
                       scheduleToBuiltin(stage->getAttrOfType<DictionaryAttr>(
                           kScheduleAttrName)))};
    device->setAttr(kHostAttrName, b.getDictionaryAttr(host));
  }
  if (!devices.empty()) {
    // The layer's function is replaced by its host program of that name.
    names.erase(fn.getSymName());
    std::string name = fn.getSymName().str();
    for (int n = 1; names.contains(name); ++n)
      name = llvm::formatv("{0}_{1}", fn.getSymName(), n).str();
    names.insert(name);
    emitHostProgram(b, fn.getLoc(), fn, name, *described.front().target,
                    devices, described);
  }
  fn.erase();
  return success();
}

} // namespace
