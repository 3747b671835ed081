//===- ScheduleRecord.cpp - the DMA schedule as IR ------------------------===//
//
// Writes a StageSchedule as the typed `dma_schedule` record, reads it back
// (checking every field against the stage, the target table and the rest
// of the record), and converts it to builtin attributes for the device.
//
//===----------------------------------------------------------------------===//

#include "attn/Conversion/AttnToAIE/ScheduleRecord.h"

#include "mlir/IR/Builders.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"

#include <optional>
#include <set>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::aiemap;

namespace {

Type typeOf(MLIRContext *ctx, ElementKind kind) {
  switch (kind) {
  case ElementKind::BF16:
    return BFloat16Type::get(ctx);
  case ElementKind::F16:
    return Float16Type::get(ctx);
  case ElementKind::F32:
    return Float32Type::get(ctx);
  case ElementKind::I8:
    return IntegerType::get(ctx, 8);
  case ElementKind::I16:
    return IntegerType::get(ctx, 16);
  case ElementKind::I32:
    return IntegerType::get(ctx, 32);
  }
  return IntegerType::get(ctx, 32);
}

MemRefType objectType(MLIRContext *ctx, ArrayRef<int64_t> shape,
                      ElementKind elem) {
  return MemRefType::get(shape, typeOf(ctx, elem));
}

DictionaryAttr depthsAttr(Builder &b, const StageSchedule &sch) {
  return b.getDictionaryAttr({
      b.getNamedAttr("item", b.getI64IntegerAttr(sch.itemDepth)),
      b.getNamedAttr("step", b.getI64IntegerAttr(sch.stepDepth)),
      b.getNamedAttr("core_step", b.getI64IntegerAttr(sch.coreStepDepth)),
      b.getNamedAttr("output", b.getI64IntegerAttr(sch.outDepth)),
  });
}

ArrayAttr fifosAttr(Builder &b, const StageSchedule &sch) {
  MLIRContext *ctx = b.getContext();
  SmallVector<Attribute> fifos;
  for (const FifoSpec &f : sch.fifos) {
    SmallVector<Attribute> consumers;
    for (const TileCoord &c : f.consumers)
      consumers.push_back(b.getDenseI64ArrayAttr({c.col, c.row}));
    SmallVector<Role> dram;
    if (f.dram)
      dram = f.passRoles.empty()
                 ? SmallVector<Role>{*f.dram}
                 : SmallVector<Role>(f.passRoles.begin(), f.passRoles.end());
    SmallVector<int64_t> rows(f.coreRows.begin(), f.coreRows.end());
    SmallVector<int64_t> toStream;
    for (auto [size, stride] : f.toStream)
      toStream.append({size, stride});
    fifos.push_back(FifoAttr::get(
        ctx, f.name, {f.producer.col, f.producer.row},
        b.getArrayAttr(consumers), f.depth, objectType(ctx, f.shape, f.elem),
        dram, f.dram ? f.shimChannel : -1, f.use, f.group, f.column, rows,
        f.consumerDepth, f.repeatCount, toStream));
  }
  return b.getArrayAttr(fifos);
}

ArrayAttr linksAttr(Builder &b, const StageSchedule &sch) {
  auto names = [&](const std::vector<std::string> &list) {
    SmallVector<Attribute> refs;
    for (const std::string &n : list)
      refs.push_back(b.getStringAttr(n));
    return b.getArrayAttr(refs);
  };
  SmallVector<Attribute> links;
  for (const LinkSpec &l : sch.links)
    links.push_back(LinkAttr::get(b.getContext(), names(l.ins), names(l.outs),
                                  l.srcOffsets, l.dstOffsets));
  return b.getArrayAttr(links);
}

ArrayAttr coresAttr(Builder &b, const StageSchedule &sch) {
  SmallVector<Attribute> cores;
  for (const CoreSpec &c : sch.cores)
    cores.push_back(CoreAttr::get(b.getContext(), {c.tile.col, c.tile.row},
                                  c.group, c.columnInGroup, c.row, c.itemFifo,
                                  c.stepFifo, c.coreStepFifo, c.outFifo,
                                  c.rtpBuffer, c.role, c.pipeIn, c.pipeOut));
  return b.getArrayAttr(cores);
}

ArrayAttr cascadesAttr(Builder &b, const StageSchedule &sch) {
  SmallVector<Attribute> chains;
  for (const CascadeChain &c : sch.chains) {
    SmallVector<Attribute> tiles;
    for (TileCoord t : c.tiles)
      tiles.push_back(b.getDenseI64ArrayAttr({t.col, t.row}));
    chains.push_back(CascadeAttr::get(b.getContext(), c.column, c.lane,
                                      b.getArrayAttr(tiles)));
  }
  return b.getArrayAttr(chains);
}

ArrayAttr sequenceAttr(Builder &b, const StageSchedule &sch) {
  SmallVector<Attribute> ops;
  for (const SequenceOp &op : sch.sequence) {
    if (op.kind == SequenceOp::Wait) {
      ops.push_back(WaitAttr::get(b.getContext(), op.fifo));
      continue;
    }
    ops.push_back(TransferAttr::get(
        b.getContext(), op.fifo, op.role, op.shimColumn,
        op.toShim ? DmaDirection::S2MM : DmaDirection::MM2S, op.channel,
        op.pattern.offset, op.pattern.sizes, op.pattern.strides, op.bdId,
        b.getBoolAttr(op.issueToken)));
  }
  return b.getArrayAttr(ops);
}

ArrayAttr buffersAttr(Builder &b, const CoreLayout &layout) {
  SmallVector<Attribute> buffers;
  for (const LayoutBuffer &lb : layout.buffers)
    buffers.push_back(BufferAttr::get(
        b.getContext(), stringifyBufferUse(lb.use), lb.name,
        objectType(b.getContext(), lb.shape, lb.elem), lb.copies));
  return b.getArrayAttr(buffers);
}

/// A stream pipeline's core buffers per role: {qk = [...], softmax = [...],
/// pv = [...]}.
DictionaryAttr streamBuffersAttr(Builder &b, const StageSchedule &sch) {
  SmallVector<NamedAttribute> roles;
  for (CoreRole role : {CoreRole::qk, CoreRole::softmax, CoreRole::pv})
    roles.push_back(b.getNamedAttr(stringifyCoreRole(role),
                                   buffersAttr(b, sch.layoutOf(role))));
  return b.getDictionaryAttr(roles);
}

ArrayAttr layoutAttrs(Builder &b, const StageSchedule &sch,
                      ArrayAttr &tileMemory) {
  ArrayAttr buffers =
      sch.desc.stream ? b.getArrayAttr({}) : buffersAttr(b, sch.core);
  SmallVector<Attribute> memory;
  for (const std::array<int64_t, 3> &m : sch.tileBytes)
    memory.push_back(b.getDenseI64ArrayAttr(m));
  tileMemory = b.getArrayAttr(memory);
  return buffers;
}

/// The host side of the record: runtime-sequence arguments, DRAM buffer
/// bytes per role and the typed host padding.
void hostFields(Builder &b, const StageSchedule &sch,
                const DescribedStage &stage,
                SmallVectorImpl<NamedAttribute> &attrs) {
  SmallVector<Attribute> pads;
  // {operand = i (absent for the result), logical = the tensor the host
  // has, device = the device buffer's tensor}.
  for (const DescribedStage::HostPadding &p : stage.padding) {
    SmallVector<NamedAttribute> entry;
    entry.push_back(b.getNamedAttr("device", TypeAttr::get(p.device)));
    entry.push_back(b.getNamedAttr("logical", TypeAttr::get(p.logical)));
    if (p.operand >= 0)
      entry.push_back(
          b.getNamedAttr("operand", b.getI64IntegerAttr(p.operand)));
    pads.push_back(b.getDictionaryAttr(entry));
  }
  attrs.push_back(b.getNamedAttr("host_padding", b.getArrayAttr(pads)));
  SmallVector<Attribute> args;
  std::vector<Role> roles;
  for (const std::optional<Role> &role : stage.inputRoles) {
    args.push_back(b.getStringAttr(role ? stringifyRole(*role) : "valid_len"));
    if (role)
      roles.push_back(*role);
  }
  args.push_back(b.getStringAttr(stringifyRole(stageOutput(sch.desc.kind))));
  roles.push_back(stageOutput(sch.desc.kind));
  attrs.push_back(b.getNamedAttr("arguments", b.getArrayAttr(args)));
  SmallVector<NamedAttribute> buffers;
  for (Role role : roles)
    buffers.push_back(b.getNamedAttr(
        stringifyRole(role),
        b.getI64IntegerAttr(sch.roleElements(role) *
                            attn::bytes(sch.roleElement(role)))));
  attrs.push_back(b.getNamedAttr("buffer_bytes", b.getDictionaryAttr(buffers)));
  SmallVector<NamedAttribute> bytes;
  for (int r = 0; r < kNumRoles; ++r)
    if (int64_t n = sch.roleBytes[r])
      bytes.push_back(b.getNamedAttr(stringifyRole(static_cast<Role>(r)),
                                     b.getI64IntegerAttr(n)));
  attrs.push_back(b.getNamedAttr("bytes", b.getDictionaryAttr(bytes)));
}

} // namespace

DictionaryAttr aiemap::scheduleToAttr(MLIRContext *ctx,
                                      const StageSchedule &sch,
                                      const DescribedStage &stage) {
  Builder b(ctx);
  SmallVector<NamedAttribute> attrs;
  auto i64 = [&](StringRef name, int64_t v) {
    attrs.push_back(b.getNamedAttr(name, b.getI64IntegerAttr(v)));
  };
  attrs.push_back(b.getNamedAttr(
      "kind", b.getStringAttr(stringifyStageKind(sch.desc.kind))));
  attrs.push_back(b.getNamedAttr("target", b.getStringAttr(sch.targetName)));
  // Work decomposition (docs/aie-mapping.md).
  i64("group_columns", sch.groupColumns);
  i64("groups", sch.numGroups);
  i64("cores_per_group", sch.coresPerGroup);
  i64("query_tiles_per_core", sch.desc.queryTiles);
  i64("query_chunks", sch.queryChunks);
  i64("work_heads", sch.workHeads);
  i64("items_per_head", sch.itemsPerHead);
  i64("group_size", sch.groupSize);
  i64("steps", sch.steps);
  i64("rounds_per_kv_head", sch.roundsPerHead);
  i64("total_rounds", sch.totalRounds);
  i64("max_group_rounds", sch.maxGroupRounds);
  i64("bypass_cores", sch.bypassCores);
  // Causal balance: the dealing, and the key blocks the busiest core and all
  // cores compute (busiest * lanes / total is the imbalance).
  attrs.push_back(b.getNamedAttr("zigzag_units", b.getBoolAttr(sch.zigzag)));
  attrs.push_back(b.getNamedAttr(
      "lane_key_blocks",
      b.getDenseI64ArrayAttr({sch.laneBlocks.busiest, sch.laneBlocks.total,
                              sch.laneBlocks.lanes})));
  if (!sch.roundClasses.empty()) {
    // Per chunk: the repeats of its class list, then (rounds, key blocks
    // streamed) of each class, in round order.
    SmallVector<Attribute> perChunk;
    for (const ChunkRounds &chunk : sch.roundClasses) {
      SmallVector<int64_t> flat{chunk.repeats};
      for (const RoundClass &c : chunk.classes)
        flat.append({c.rounds, c.blocks});
      perChunk.push_back(b.getDenseI64ArrayAttr(flat));
    }
    attrs.push_back(b.getNamedAttr("round_classes", b.getArrayAttr(perChunk)));
  }
  i64("cores_per_column", sch.desc.coresPerColumn);
  i64("q_tile", sch.desc.qTile);
  i64("kv_tile", sch.stepTile);
  attrs.push_back(b.getNamedAttr("depths", depthsAttr(b, sch)));
  // Memory: the core layout and the stage layout's bytes per tile.
  i64("l1_bytes", sch.l1Bytes);
  i64("l2_bytes", sch.l2Bytes);
  i64("memtile_bds", sch.memTileBDs);
  ArrayAttr tileMemory;
  attrs.push_back(
      b.getNamedAttr("core_buffers", layoutAttrs(b, sch, tileMemory)));
  if (sch.desc.stream)
    attrs.push_back(
        b.getNamedAttr("stream_core_buffers", streamBuffersAttr(b, sch)));
  i64("core_stack_bytes", sch.layoutOf(sch.cores.front().role).stackBytes);
  attrs.push_back(b.getNamedAttr("tile_memory", tileMemory));
  // The array side and the runtime sequence.
  attrs.push_back(b.getNamedAttr("fifos", fifosAttr(b, sch)));
  attrs.push_back(b.getNamedAttr("links", linksAttr(b, sch)));
  attrs.push_back(b.getNamedAttr("cores", coresAttr(b, sch)));
  if (sch.desc.kvSplit > 1) {
    i64("kv_split", sch.desc.kvSplit);
    attrs.push_back(b.getNamedAttr("cascades", cascadesAttr(b, sch)));
  }
  attrs.push_back(b.getNamedAttr("sequence", sequenceAttr(b, sch)));
  i64("transfers", sch.transfers);
  i64("waits", sch.waits);
  i64("batches", sch.batches);
  i64("max_batches_in_flight", sch.maxBatchesInFlight);
  hostFields(b, sch, stage, attrs);
  return b.getDictionaryAttr(attrs);
}

//===----------------------------------------------------------------------===//
// Reading the record
//===----------------------------------------------------------------------===//

namespace {

/// Reads one record, reporting the first problem at the stage.
class RecordReader {
public:
  RecordReader(StageOp stage, const DescribedStage &ds, DictionaryAttr record)
      : stage(stage), ds(ds), t(*ds.target), record(record) {}

  FailureOr<StageSchedule> read();

private:
  StageOp stage;
  const DescribedStage &ds;
  const NPUTarget &t;
  DictionaryAttr record;
  StageSchedule sch;
  llvm::StringMap<const FifoSpec *> fifoByName;

  InFlightDiagnostic error(StringRef field) {
    return stage.emitOpError("'")
           << stage.getName() << "': '" << kScheduleAttrName << "' field '"
           << field << "' ";
  }
  InFlightDiagnostic error(StringRef field, size_t index) {
    return stage.emitOpError("'")
           << stage.getName() << "': '" << kScheduleAttrName << "' field '"
           << field << "'[" << index << "] ";
  }
  template <typename AttrT> FailureOr<AttrT> get(StringRef field) {
    Attribute a = record.get(field);
    if (!a)
      return error(field) << "is missing";
    auto typed = dyn_cast<AttrT>(a);
    if (!typed)
      return error(field) << "has the wrong kind of attribute: " << a;
    return typed;
  }
  FailureOr<int64_t> integer(StringRef field, int64_t min) {
    FailureOr<IntegerAttr> a = get<IntegerAttr>(field);
    if (failed(a))
      return failure();
    int64_t v = a->getInt();
    if (v < min)
      return error(field) << "must be >= " << min << ", is " << v;
    return v;
  }
  template <typename AttrT>
  FailureOr<SmallVector<AttrT>> list(StringRef field) {
    FailureOr<ArrayAttr> a = get<ArrayAttr>(field);
    if (failed(a))
      return failure();
    SmallVector<AttrT> out;
    for (auto [i, e] : llvm::enumerate(*a)) {
      auto typed = dyn_cast<AttrT>(e);
      if (!typed)
        return error(field, i) << "has the wrong kind of attribute: " << e;
      out.push_back(typed);
    }
    return out;
  }
  bool inArray(int64_t col, int64_t row) const {
    return col >= 0 && col < t.numColumns && row >= 0 && row < t.numRows;
  }

  LogicalResult readScalars();
  LogicalResult readBalance();
  LogicalResult readRoundClasses();
  LogicalResult readLayout();
  LogicalResult readStreamLayout();
  LogicalResult readBuffers(StringRef field, ArrayAttr list,
                            CoreLayout &layout);
  LogicalResult checkScratch(StringRef field, const CoreLayout &layout,
                             ArrayRef<StringRef> needed, StringRef what);
  LogicalResult readFifos();
  LogicalResult readLinks();
  LogicalResult readCascades();
  LogicalResult readCores();
  LogicalResult readSequence();
  LogicalResult readTransfer(TransferAttr tr, size_t index);
};

LogicalResult RecordReader::readBalance() {
  // Optional (absent: round-robin dealing, no balance figures).
  if (record.get("zigzag_units")) {
    FailureOr<BoolAttr> zigzag = get<BoolAttr>("zigzag_units");
    if (failed(zigzag))
      return failure();
    sch.zigzag = zigzag->getValue();
    int64_t shortest = sch.itemsPerHead / sch.queryChunks;
    if (sch.zigzag && shortest < sch.coresPerGroup)
      return error("zigzag_units")
             << "needs every chunk to fill a round: the shortest of the "
             << sch.queryChunks << " chunks has " << shortest
             << " items, a group " << sch.coresPerGroup << " cores";
  }
  if (record.get("lane_key_blocks")) {
    FailureOr<DenseI64ArrayAttr> lanes =
        get<DenseI64ArrayAttr>("lane_key_blocks");
    if (failed(lanes))
      return failure();
    if (lanes->size() != 3 || (*lanes)[0] < 0 || (*lanes)[1] < (*lanes)[0] ||
        (*lanes)[2] < 1)
      return error("lane_key_blocks")
             << "must be [busiest, total, lanes] with 0 <= busiest <= total "
                "and lanes >= 1";
    sch.laneBlocks = {(*lanes)[0], (*lanes)[1], (*lanes)[2]};
  }
  return success();
}

LogicalResult RecordReader::readRoundClasses() {
  // Optional (absent: every round streams all `steps` key blocks).
  if (!record.get("round_classes"))
    return success();
  const StageDesc &d = sch.desc;
  if (!streamsVisibleBlocks(d))
    return error("round_classes") << "is only for causal online stages";
  FailureOr<SmallVector<DenseI64ArrayAttr>> chunks =
      list<DenseI64ArrayAttr>("round_classes");
  if (failed(chunks))
    return failure();
  if (static_cast<int64_t>(chunks->size()) != sch.queryChunks)
    return error("round_classes") << "has " << chunks->size() << " entries for "
                                  << sch.queryChunks << " query chunks";
  WorkSplit split = sch.split();
  KeyVisibility vis = stageKeyVisibility(d, sch.stepTile);
  for (auto [s, attr] : llvm::enumerate(*chunks)) {
    ArrayRef<int64_t> flat = attr.asArrayRef();
    if (flat.size() < 3 || flat.size() % 2 != 1 ||
        flat.size() > 1 + 2 * static_cast<size_t>(kMaxRoundClasses) ||
        flat[0] < 1)
      return error("round_classes", s)
             << "must be [repeats >= 1, then 1 to " << kMaxRoundClasses
             << " (rounds, key blocks) pairs]";
    ChunkRounds classes;
    classes.repeats = flat[0];
    int64_t total = 0;
    for (size_t i = 1; i < flat.size(); i += 2) {
      if (flat[i] < 1 || flat[i + 1] < 1 || flat[i + 1] > sch.steps)
        return error("round_classes", s)
               << "class " << i / 2 << " needs >= 1 rounds and 1 to "
               << sch.steps << " key blocks, has (" << flat[i] << ", "
               << flat[i + 1] << ")";
      classes.classes.push_back({flat[i], flat[i + 1]});
      total += flat[i];
    }
    if (total * classes.repeats != split.roundsOfChunk(s))
      return error("round_classes", s)
             << "covers " << classes.repeats << " x " << total
             << " rounds; the chunk has " << split.roundsOfChunk(s);
    sch.roundClasses.push_back(std::move(classes));
  }
  // No class may stream fewer key blocks than one of its items computes.
  for (int64_t s = 0; s < sch.queryChunks; ++s) {
    std::optional<std::string> why;
    split.forEachRound(s, [&](int64_t t, int64_t, int64_t item) {
      int64_t need = vis.computedBlocks(item % split.queryTiles);
      int64_t streamed = sch.stepsOfRound(s, t);
      if (!why && streamed < need)
        why = llvm::formatv("streams {0} key blocks in round {1}, whose "
                            "query tile {2} computes {3}",
                            streamed, t, item % split.queryTiles, need)
                  .str();
    });
    if (why)
      return error("round_classes", s) << *why;
  }
  return success();
}

LogicalResult RecordReader::readScalars() {
  const StageDesc &d = ds.desc;
  FailureOr<StringAttr> kind = get<StringAttr>("kind");
  FailureOr<StringAttr> target = get<StringAttr>("target");
  if (failed(kind) || failed(target))
    return failure();
  if (kind->getValue() != stringifyStageKind(d.kind))
    return error("kind") << "is '" << kind->getValue()
                         << "', the stage computes '"
                         << stringifyStageKind(d.kind) << "'";
  if (target->getValue() != t.name)
    return error("target") << "is '" << target->getValue()
                           << "', the stage's plan targets '" << t.name << "'";
  sch.targetName = target->getValue().str();
  struct Field {
    StringRef name;
    int64_t *dst;
    int64_t min;
  };
  int64_t qTile = 0, coresPerColumn = 0, queryTiles = 0;
  Field fields[] = {{"group_columns", &sch.groupColumns, 1},
                    {"groups", &sch.numGroups, 1},
                    {"cores_per_group", &sch.coresPerGroup, 1},
                    {"query_tiles_per_core", &queryTiles, 1},
                    {"query_chunks", &sch.queryChunks, 1},
                    {"work_heads", &sch.workHeads, 1},
                    {"items_per_head", &sch.itemsPerHead, 1},
                    {"group_size", &sch.groupSize, 1},
                    {"kv_tile", &sch.stepTile, 0},
                    {"steps", &sch.steps, 0},
                    {"rounds_per_kv_head", &sch.roundsPerHead, 0},
                    {"total_rounds", &sch.totalRounds, 0},
                    {"max_group_rounds", &sch.maxGroupRounds, 0},
                    {"bypass_cores", &sch.bypassCores, 0},
                    {"q_tile", &qTile, 1},
                    {"cores_per_column", &coresPerColumn, 1},
                    {"l1_bytes", &sch.l1Bytes, 0},
                    {"l2_bytes", &sch.l2Bytes, 0},
                    {"memtile_bds", &sch.memTileBDs, 0},
                    {"core_stack_bytes", &sch.core.stackBytes, 0},
                    {"transfers", &sch.transfers, 0},
                    {"waits", &sch.waits, 0},
                    {"batches", &sch.batches, 0},
                    {"max_batches_in_flight", &sch.maxBatchesInFlight, 0}};
  for (Field &f : fields) {
    FailureOr<int64_t> v = integer(f.name, f.min);
    if (failed(v))
      return failure();
    *f.dst = *v;
  }
  // A softmax stage holds whole score rows (steps = 0) or streams them in
  // kv_tile-key chunks, twice (steps = 2 x chunks per row).
  bool wholeRows = d.kind == StageKind::Softmax && sch.steps == 0;
  if (!wholeRows &&
      (sch.stepTile < 1 || sch.steps < 1 || d.kvLen % sch.stepTile != 0 ||
       sch.steps % (d.kvLen / sch.stepTile) != 0 ||
       (d.kind == StageKind::Softmax &&
        sch.steps != 2 * (d.kvLen / sch.stepTile))))
    return error("kv_tile") << "and 'steps' (" << sch.stepTile << ", "
                            << sch.steps << ") must walk whole passes over "
                            << "the " << d.kvLen << " padded keys"
                            << (d.kind == StageKind::Softmax
                                    ? " (a softmax: 0 steps, or two passes)"
                                    : "");
  sch.desc.softmaxChunk =
      d.kind == StageKind::Softmax && !wholeRows ? sch.stepTile : 0;
  // The planner may take fewer query rows per core step (softmax rows that
  // fit L1) and fewer cores per column than the plan allows.
  if (d.qTile % qTile != 0 || d.qLen % qTile != 0)
    return error("q_tile") << "is " << qTile
                           << "; it must divide the plan's q_tile (" << d.qTile
                           << ") and the padded query length (" << d.qLen
                           << ")";
  if (coresPerColumn > d.coresPerColumn || coresPerColumn > t.numCoreRows)
    return error("cores_per_column")
           << "is " << coresPerColumn << "; the plan allows "
           << d.coresPerColumn << " and " << t.name << " has " << t.numCoreRows
           << " core rows";
  sch.desc.qTile = qTile;
  sch.desc.coresPerColumn = coresPerColumn;
  // Several query tiles per core: the fused stages' k states against one
  // K/V stream (the emitter has core programs for online and full only).
  if (queryTiles > 1 && d.kind != StageKind::Online &&
      d.kind != StageKind::Full)
    return error("query_tiles_per_core")
           << "is " << queryTiles << "; a " << stringifyStageKind(d.kind)
           << " core keeps one query tile";
  sch.desc.queryTiles = queryTiles;
  if (sch.workHeads % d.batch != 0)
    return error("work_heads")
           << "(" << sch.workHeads << ") must be a multiple of the batch ("
           << d.batch << ")";
  if (sch.numGroups * sch.groupColumns > t.numColumns)
    return error("groups") << "x 'group_columns' (" << sch.numGroups << " x "
                           << sch.groupColumns << ") exceeds the "
                           << t.numColumns << " columns of " << t.name;
  if (sch.itemsPerHead % (d.qLen / qTile) != 0)
    return error("items_per_head")
           << "(" << sch.itemsPerHead << ") must cover whole query tiles of "
           << "the " << d.qLen << " padded queries";
  if (failed(readBalance()) || failed(readRoundClasses()))
    return failure();
  FailureOr<DictionaryAttr> depths = get<DictionaryAttr>("depths");
  if (failed(depths))
    return failure();
  for (auto [key, dst] :
       {std::pair<StringRef, int64_t *>{"item", &sch.itemDepth},
        {"step", &sch.stepDepth},
        {"core_step", &sch.coreStepDepth},
        {"output", &sch.outDepth}}) {
    auto v = depths->getAs<IntegerAttr>(key);
    if (!v || v.getInt() < 0)
      return error("depths") << "needs a non-negative integer '" << key << "'";
    *dst = v.getInt();
  }
  FailureOr<DictionaryAttr> bytes = get<DictionaryAttr>("bytes");
  if (failed(bytes))
    return failure();
  for (NamedAttribute entry : *bytes) {
    std::optional<Role> role = symbolizeDramRole(entry.getName().strref());
    auto n = dyn_cast<IntegerAttr>(entry.getValue());
    if (!role || !n || n.getInt() < 0)
      return error("bytes") << "entry '" << entry.getName().strref()
                            << "' must be a DRAM role with a non-negative "
                               "byte count";
    sch.roleBytes[static_cast<int>(*role)] = n.getInt();
  }
  sch.layout.l1Bytes = sch.l1Bytes;
  sch.layout.l2Bytes = sch.l2Bytes;
  return success();
}

LogicalResult RecordReader::readBuffers(StringRef field, ArrayAttr list,
                                        CoreLayout &layout) {
  for (auto [i, a] : llvm::enumerate(list)) {
    auto buf = dyn_cast<BufferAttr>(a);
    if (!buf)
      return error(field, i) << "has the wrong kind of attribute: " << a;
    std::optional<LayoutBuffer::Use> use = symbolizeBufferUse(buf.getUse());
    std::optional<ElementKind> elem =
        elementKindFor(buf.getObject().getElementType());
    if (!use || *use == LayoutBuffer::Link)
      return error("core_buffers", i)
             << "has unknown use '" << buf.getUse() << "' for a core buffer";
    if (!elem)
      return error("core_buffers", i)
             << "has element type " << buf.getObject().getElementType()
             << ", which the target table does not know";
    LayoutBuffer lb;
    lb.use = *use;
    lb.name = buf.getName().str();
    lb.shape.assign(buf.getObject().getShape().begin(),
                    buf.getObject().getShape().end());
    lb.elem = *elem;
    lb.copies = buf.getCopies();
    layout.buffers.push_back(lb);
  }
  return success();
}

LogicalResult RecordReader::checkScratch(StringRef field,
                                         const CoreLayout &layout,
                                         ArrayRef<StringRef> needed,
                                         StringRef what) {
  for (StringRef name : needed)
    if (llvm::none_of(layout.buffers, [&](const LayoutBuffer &lb) {
          return lb.name == name && (lb.use == LayoutBuffer::Scratch ||
                                     lb.use == LayoutBuffer::RuntimeParams);
        }))
      return error(field) << "lacks the '" << name << "' buffer a " << what
                          << " core uses";
  return success();
}

LogicalResult RecordReader::readStreamLayout() {
  FailureOr<DictionaryAttr> roles = get<DictionaryAttr>("stream_core_buffers");
  if (failed(roles))
    return failure();
  for (CoreRole role : {CoreRole::qk, CoreRole::softmax, CoreRole::pv}) {
    StringRef name = stringifyCoreRole(role);
    auto list = roles->getAs<ArrayAttr>(name);
    if (!list)
      return error("stream_core_buffers")
             << "needs the '" << name << "' core's buffer list";
    CoreLayout &layout = sch.streamCores[static_cast<int>(role) - 1];
    layout.stackBytes = sch.core.stackBytes;
    SmallVector<StringRef> needed;
    if (role == CoreRole::softmax)
      needed = {"m", "l"};
    if (role == CoreRole::pv)
      needed = {"acc", "l"};
    if (ds.desc.hasValidLen)
      needed.push_back("rtp");
    std::string what = ("stream pipeline's " + name).str();
    if (failed(readBuffers("stream_core_buffers", list, layout)) ||
        failed(checkScratch("stream_core_buffers", layout, needed, what)))
      return failure();
  }
  return success();
}

LogicalResult RecordReader::readLayout() {
  FailureOr<ArrayAttr> buffers = get<ArrayAttr>("core_buffers");
  if (failed(buffers) ||
      failed(readBuffers("core_buffers", *buffers, sch.core)))
    return failure();
  if (ds.desc.stream && failed(readStreamLayout()))
    return failure();
  // The scratch and runtime parameters the core programs of this kind use.
  SmallVector<StringRef> needed;
  switch (ds.desc.kind) {
  case StageKind::Online:
    needed = {"s", "m", "l", "acc"};
    break;
  case StageKind::Full:
    needed = {"srow", "acc"};
    break;
  case StageKind::QKSoftmax:
    needed = {"srow"};
    break;
  case StageKind::PV:
    needed = {"acc"};
    break;
  case StageKind::Softmax:
    if (sch.desc.streamedSoftmax())
      needed = {"m", "l"};
    break;
  case StageKind::QK:
    break;
  }
  if (ds.desc.hasValidLen)
    needed.push_back("rtp");
  if (ds.desc.stream)
    needed.clear(); // every core is a pipeline core
  if (failed(checkScratch("core_buffers", sch.core, needed,
                          stringifyStageKind(ds.desc.kind))))
    return failure();
  // The running state of every query tile a core keeps: one copy each.
  for (const LayoutBuffer &lb : sch.core.buffers)
    if (lb.use == LayoutBuffer::Scratch &&
        llvm::is_contained({"m", "l", "acc", "srow"}, lb.name) &&
        lb.copies != sch.desc.queryTiles)
      return error("core_buffers")
             << "has " << lb.copies << " copies of '" << lb.name
             << "'; a core keeping " << sch.desc.queryTiles
             << " query tiles needs one per tile";
  FailureOr<SmallVector<DenseI64ArrayAttr>> memory =
      list<DenseI64ArrayAttr>("tile_memory");
  if (failed(memory))
    return failure();
  for (auto [i, m] : llvm::enumerate(*memory)) {
    ArrayRef<int64_t> v = m.asArrayRef();
    if (v.size() != 3 || !inArray(v[0], v[1]) || v[2] < 0)
      return error("tile_memory", i)
             << "must be [column, row, bytes] of a tile of " << t.name;
    sch.tileBytes.push_back({v[0], v[1], v[2]});
  }
  return success();
}

LogicalResult RecordReader::readFifos() {
  FailureOr<SmallVector<FifoAttr>> fifos = list<FifoAttr>("fifos");
  if (failed(fifos))
    return failure();
  for (auto [i, f] : llvm::enumerate(*fifos)) {
    FifoSpec spec;
    spec.name = f.getName().str();
    if (!inArray(f.getProducer()[0], f.getProducer()[1]))
      return error("fifos", i)
             << "('" << f.getName()
             << "') has its producer outside the array of " << t.name;
    spec.producer = {static_cast<int>(f.getProducer()[0]),
                     static_cast<int>(f.getProducer()[1])};
    for (Attribute c : f.getConsumers()) {
      ArrayRef<int64_t> v = cast<DenseI64ArrayAttr>(c).asArrayRef();
      if (!inArray(v[0], v[1]))
        return error("fifos", i)
               << "('" << f.getName()
               << "') has a consumer outside the array of " << t.name;
      spec.consumers.push_back(
          {static_cast<int>(v[0]), static_cast<int>(v[1])});
    }
    spec.depth = f.getDepth();
    spec.consumerDepth = f.getConsumerDepth();
    spec.repeatCount = f.getRepeatCount();
    for (size_t k = 0; k + 1 < f.getToStream().size(); k += 2)
      spec.toStream.push_back({f.getToStream()[k], f.getToStream()[k + 1]});
    spec.shape.assign(f.getObject().getShape().begin(),
                      f.getObject().getShape().end());
    std::optional<ElementKind> elem =
        elementKindFor(f.getObject().getElementType());
    if (!elem)
      return error("fifos", i) << "('" << f.getName()
                               << "') has an element type the target table "
                                  "does not know";
    spec.elem = *elem;
    if (!f.getDram().empty()) {
      bool shimEnd = spec.producer.row == t.shimRow ||
                     spec.consumers.front().row == t.shimRow;
      bool out = spec.consumers.front().row == t.shimRow;
      if (!shimEnd)
        return error("fifos", i) << "('" << f.getName()
                                 << "') carries DRAM tensors but has no shim "
                                    "end";
      if (f.getShimChannel() >= t.channels(TileKind::Shim, out))
        return error("fifos", i)
               << "('" << f.getName() << "') uses shim channel "
               << f.getShimChannel() << "; the shim has "
               << t.channels(TileKind::Shim, out);
      spec.dram = f.getDram().front();
      spec.passRoles.assign(f.getDram().begin(), f.getDram().end());
      spec.shimChannel = static_cast<int>(f.getShimChannel());
    }
    spec.use = f.getUse();
    spec.group = static_cast<int>(f.getGroup());
    spec.column = static_cast<int>(f.getColumn());
    for (int64_t r : f.getCoreRows())
      spec.coreRows.push_back(static_cast<int>(r));
    sch.fifos.push_back(std::move(spec));
  }
  for (auto [i, f] : llvm::enumerate(sch.fifos))
    if (!fifoByName.try_emplace(f.name, &f).second)
      return error("fifos", i) << "repeats the name '" << f.name << "'";
  return success();
}

LogicalResult RecordReader::readLinks() {
  FailureOr<SmallVector<LinkAttr>> links = list<LinkAttr>("links");
  if (failed(links))
    return failure();
  for (auto [i, l] : llvm::enumerate(*links)) {
    LinkSpec spec;
    for (auto [names, dst] :
         {std::pair{l.getIns(), &spec.ins}, std::pair{l.getOuts(), &spec.outs}})
      for (Attribute n : names) {
        StringRef name = cast<StringAttr>(n).getValue();
        if (!fifoByName.count(name))
          return error("links", i) << "names unknown FIFO '" << name << "'";
        dst->push_back(name.str());
      }
    spec.srcOffsets.assign(l.getSrcOffsets().begin(), l.getSrcOffsets().end());
    spec.dstOffsets.assign(l.getDstOffsets().begin(), l.getDstOffsets().end());
    sch.links.push_back(std::move(spec));
  }
  return success();
}

LogicalResult RecordReader::readCores() {
  FailureOr<SmallVector<CoreAttr>> cores = list<CoreAttr>("cores");
  if (failed(cores))
    return failure();
  if (cores->empty())
    return error("cores") << "must list at least one core";
  const StageKind kind = ds.desc.kind;
  for (auto [i, c] : llvm::enumerate(*cores)) {
    CoreSpec spec;
    int64_t col = c.getTile()[0], row = c.getTile()[1];
    if (col >= t.numColumns || row < t.firstCoreRow || row >= t.numRows)
      return error("cores", i) << "is not a core tile of " << t.name;
    if (c.getGroup() >= sch.numGroups)
      return error("cores", i) << "works for group " << c.getGroup()
                               << "; the schedule has " << sch.numGroups;
    if (c.getRow() >= sch.desc.coresPerColumn)
      return error("cores", i) << "is row " << c.getRow() << " of a column of "
                               << sch.desc.coresPerColumn << " cores";
    spec.tile = {static_cast<int>(col), static_cast<int>(row)};
    spec.group = static_cast<int>(c.getGroup());
    spec.columnInGroup = static_cast<int>(c.getColumnInGroup());
    spec.row = static_cast<int>(c.getRow());
    spec.role = c.getRole();
    if ((spec.role != CoreRole::fused) != ds.desc.stream)
      return error("cores", i)
             << "is a '" << stringifyCoreRole(spec.role)
             << "' core; the plan's "
             << "mapping is '" << (ds.desc.stream ? "stream" : "fused") << "'";
    // A core above the bottom of its cascade chain writes no output.
    int position = sch.chainPosition(spec.tile);
    bool upperChainCore =
        position >= 0 && position + 1 < static_cast<int>(sch.desc.kvSplit);
    if (sch.desc.kvSplit > 1 && position < 0)
      return error("cores", i)
             << "is in no cascade chain of the kv_split = " << sch.desc.kvSplit
             << " schedule";
    bool streamed = sch.desc.streamedSoftmax();
    bool needsItem = kind != StageKind::PV && !streamed;
    bool needsStep = kind != StageKind::Softmax;
    bool needsCoreStep = kind == StageKind::PV || streamed;
    bool needsOut = !upperChainCore, needsPipeIn = false, needsPipeOut = false;
    if (spec.role != CoreRole::fused) {
      // QK: Q, K, S out; softmax: S in, P out; PV: P in, V, O out.
      needsItem = spec.role == CoreRole::qk;
      needsStep = spec.role != CoreRole::softmax;
      needsOut = spec.role == CoreRole::pv;
      needsPipeIn = spec.role != CoreRole::qk;
      needsPipeOut = spec.role != CoreRole::pv;
    }
    std::string kindName =
        spec.role == CoreRole::fused
            ? (stringifyStageKind(kind) + " stage").str()
            : ("stream pipeline's " + stringifyCoreRole(spec.role) + " core")
                  .str();
    for (auto [name, needed, what, dst] :
         {std::tuple{c.getItem(), needsItem, "item", &spec.itemFifo},
          std::tuple{c.getStep(), needsStep, "step", &spec.stepFifo},
          std::tuple{c.getCoreStep(), needsCoreStep, "core_step",
                     &spec.coreStepFifo},
          std::tuple{c.getOut(), needsOut, "out", &spec.outFifo},
          std::tuple{c.getPipeIn(), needsPipeIn, "pipe_in", &spec.pipeIn},
          std::tuple{c.getPipeOut(), needsPipeOut, "pipe_out",
                     &spec.pipeOut}}) {
      if (name.empty() && needed)
        return error("cores", i)
               << "needs an '" << what << "' FIFO for a " << kindName;
      if (!name.empty() && !fifoByName.count(name))
        return error("cores", i) << "names unknown FIFO '" << name << "'";
      *dst = name.str();
    }
    if (c.getRtp().empty() == ds.desc.hasValidLen)
      return error("cores", i)
             << (ds.desc.hasValidLen ? "needs an 'rtp' buffer (the stage "
                                       "has a valid_len)"
                                     : "has an 'rtp' buffer but the stage "
                                       "has no valid_len");
    spec.rtpBuffer = c.getRtp().str();
    // A core keeping k query tiles acquires k objects of its item FIFO.
    if (!spec.itemFifo.empty() &&
        fifoByName.lookup(spec.itemFifo)->depth < sch.desc.queryTiles)
      return error("cores", i)
             << "takes " << sch.desc.queryTiles << " query tiles at once from "
             << "FIFO '" << spec.itemFifo << "' of depth "
             << fifoByName.lookup(spec.itemFifo)->depth;
    sch.cores.push_back(std::move(spec));
  }
  return success();
}

/// `kv_split` and `cascades` (kv_split > 1 only): one chain per query lane,
/// kv_split cores each, North to South in one column, every core once.
LogicalResult RecordReader::readCascades() {
  const int64_t split = ds.desc.kvSplit;
  if (split <= 1) {
    if (record.get("cascades") || record.get("kv_split"))
      return error("cascades") << "is recorded but the plan has kv_split = 1";
    return success();
  }
  FailureOr<int64_t> recorded = integer("kv_split", 2);
  if (failed(recorded))
    return failure();
  if (*recorded != split)
    return error("kv_split")
           << "is " << *recorded << ", the plan's is " << split;
  FailureOr<SmallVector<CascadeAttr>> chains = list<CascadeAttr>("cascades");
  if (failed(chains))
    return failure();
  if (chains->empty())
    return error("cascades")
           << "must list the chains of a kv_split = " << split << " schedule";
  std::set<std::pair<int64_t, int64_t>> seen;
  for (auto [i, c] : llvm::enumerate(*chains)) {
    if (static_cast<int64_t>(c.getTiles().size()) != split)
      return error("cascades", i) << "has " << c.getTiles().size()
                                  << " cores; kv_split is " << split;
    CascadeChain chain;
    chain.column = static_cast<int>(c.getColumn());
    chain.lane = static_cast<int>(c.getLane());
    for (Attribute a : c.getTiles()) {
      auto tile = cast<DenseI64ArrayAttr>(a); // CascadeAttr::verify
      if (!inArray(tile[0], tile[1]) || tile[1] < t.firstCoreRow)
        return error("cascades", i) << "lists (" << tile[0] << ", " << tile[1]
                                    << "), not a core tile of " << t.name;
      if (!seen.insert({tile[0], tile[1]}).second)
        return error("cascades", i) << "lists (" << tile[0] << ", " << tile[1]
                                    << ") already in a chain";
      chain.tiles.push_back(
          {static_cast<int>(tile[0]), static_cast<int>(tile[1])});
    }
    sch.chains.push_back(std::move(chain));
  }
  return success();
}

LogicalResult RecordReader::readTransfer(TransferAttr tr, size_t index) {
  const FifoSpec *f = fifoByName.lookup(tr.getFifo());
  if (!f)
    return error("sequence", index)
           << "names unknown FIFO '" << tr.getFifo() << "'";
  bool toShim = tr.getDirection() == DmaDirection::S2MM;
  TileCoord shim = toShim ? f->consumers.front() : f->producer;
  if (!f->dram || shim.row != t.shimRow || shim.col != tr.getColumn())
    return error("sequence", index)
           << "moves FIFO '" << tr.getFifo() << "' "
           << stringifyDmaDirection(tr.getDirection()) << " at shim column "
           << tr.getColumn() << ", which is not that FIFO's shim end";
  if (!llvm::is_contained(f->passRoles, tr.getRole()))
    return error("sequence", index)
           << "moves '" << stringifyRole(tr.getRole()) << "' through FIFO '"
           << tr.getFifo() << "', which carries other DRAM tensors";
  if (tr.getChannel() != f->shimChannel)
    return error("sequence", index)
           << "uses channel " << tr.getChannel() << "; FIFO '" << tr.getFifo()
           << "' has shim channel " << f->shimChannel;
  int64_t bds = t.bufferDescriptors(TileKind::Shim);
  if (tr.getBdId() >= bds)
    return error("sequence", index)
           << "uses BD " << tr.getBdId() << "; a shim tile has " << bds;
  SequenceOp op;
  op.kind = SequenceOp::Transfer;
  op.fifo = tr.getFifo().str();
  op.role = tr.getRole();
  op.shimColumn = static_cast<int>(tr.getColumn());
  op.toShim = toShim;
  op.channel = static_cast<int>(tr.getChannel());
  op.pattern.offset = tr.getOffset();
  for (int k = 0; k < 4; ++k) {
    op.pattern.sizes[k] = tr.getSizes()[k];
    op.pattern.strides[k] = tr.getStrides()[k];
  }
  // The last element the pattern touches must lie inside the DRAM buffer.
  int64_t extent = op.pattern.offset;
  for (int k = 0; k < 4; ++k) {
    int64_t step = 0;
    if (llvm::MulOverflow(op.pattern.sizes[k] - 1, op.pattern.strides[k],
                          step) ||
        llvm::AddOverflow(extent, step, extent))
      return error("sequence", index) << "has an access pattern whose extent "
                                         "overflows";
  }
  int64_t elements = sch.roleElements(op.role);
  if (extent >= elements)
    return error("sequence", index)
           << "reaches element " << extent << " of the '"
           << stringifyRole(op.role) << "' buffer, which has " << elements;
  op.bdId = static_cast<int>(tr.getBdId());
  op.issueToken = tr.getIssueToken().getValue();
  sch.sequence.push_back(op);
  return success();
}

LogicalResult RecordReader::readSequence() {
  FailureOr<ArrayAttr> seq = get<ArrayAttr>("sequence");
  if (failed(seq))
    return failure();
  for (auto [i, a] : llvm::enumerate(*seq)) {
    if (auto tr = dyn_cast<TransferAttr>(a)) {
      if (failed(readTransfer(tr, i)))
        return failure();
      continue;
    }
    auto wait = dyn_cast<WaitAttr>(a);
    if (!wait)
      return error("sequence", i)
             << "must be #attn.transfer or #attn.wait, got " << a;
    if (!fifoByName.count(wait.getFifo()))
      return error("sequence", i)
             << "waits for unknown FIFO '" << wait.getFifo() << "'";
    SequenceOp op;
    op.kind = SequenceOp::Wait;
    op.fifo = wait.getFifo().str();
    sch.sequence.push_back(op);
  }
  return success();
}

FailureOr<StageSchedule> RecordReader::read() {
  sch.desc = ds.desc;
  if (failed(readScalars()) || failed(readLayout()) || failed(readFifos()) ||
      failed(readLinks()) || failed(readCascades()) || failed(readCores()) ||
      failed(readSequence()))
    return failure();
  return std::move(sch);
}

} // namespace

FailureOr<StageSchedule> aiemap::scheduleFromAttr(StageOp stage,
                                                  const DescribedStage &ds,
                                                  DictionaryAttr record) {
  return RecordReader(stage, ds, record).read();
}

//===----------------------------------------------------------------------===//
// The device's builtin copy
//===----------------------------------------------------------------------===//

static Attribute toBuiltin(Attribute a);

static DictionaryAttr fields(MLIRContext *ctx,
                             ArrayRef<std::pair<StringRef, Attribute>> kv) {
  Builder b(ctx);
  SmallVector<NamedAttribute> attrs;
  for (auto [k, v] : kv)
    if (v)
      attrs.push_back(b.getNamedAttr(k, v));
  return b.getDictionaryAttr(attrs);
}

static Attribute toBuiltin(Attribute a) {
  MLIRContext *ctx = a.getContext();
  Builder b(ctx);
  auto roles = [&](ArrayRef<Role> list) {
    SmallVector<Attribute> out;
    for (Role r : list)
      out.push_back(b.getStringAttr(stringifyRole(r)));
    return b.getArrayAttr(out);
  };
  if (auto f = dyn_cast<FifoAttr>(a))
    return fields(
        ctx, {{"name", b.getStringAttr(f.getName())},
              {"producer", b.getDenseI64ArrayAttr(f.getProducer())},
              {"consumers", f.getConsumers()},
              {"depth", b.getI64IntegerAttr(f.getDepth())},
              {"consumer_depth", f.getConsumerDepth()
                                     ? b.getI64IntegerAttr(f.getConsumerDepth())
                                     : Attribute()},
              {"object", TypeAttr::get(f.getObject())},
              {"dram", roles(f.getDram())},
              {"shim_channel", b.getI64IntegerAttr(f.getShimChannel())},
              {"use", b.getStringAttr(stringifyFifoUse(f.getUse()))},
              {"group", b.getI64IntegerAttr(f.getGroup())},
              {"column", b.getI64IntegerAttr(f.getColumn())},
              {"core_rows", b.getDenseI64ArrayAttr(f.getCoreRows())},
              {"repeat_count", f.getRepeatCount()
                                   ? b.getI64IntegerAttr(f.getRepeatCount())
                                   : Attribute()},
              {"to_stream", f.getToStream().empty()
                                ? Attribute()
                                : b.getDenseI64ArrayAttr(f.getToStream())}});
  if (auto l = dyn_cast<LinkAttr>(a))
    return fields(ctx,
                  {{"ins", l.getIns()},
                   {"outs", l.getOuts()},
                   {"src_offsets", b.getDenseI64ArrayAttr(l.getSrcOffsets())},
                   {"dst_offsets", b.getDenseI64ArrayAttr(l.getDstOffsets())}});
  if (auto c = dyn_cast<CoreAttr>(a))
    return fields(
        ctx, {{"tile", b.getDenseI64ArrayAttr(c.getTile())},
              {"group", b.getI64IntegerAttr(c.getGroup())},
              {"column_in_group", b.getI64IntegerAttr(c.getColumnInGroup())},
              {"row", b.getI64IntegerAttr(c.getRow())},
              {"item", b.getStringAttr(c.getItem())},
              {"step", b.getStringAttr(c.getStep())},
              {"core_step", b.getStringAttr(c.getCoreStep())},
              {"out", b.getStringAttr(c.getOut())},
              {"rtp", b.getStringAttr(c.getRtp())},
              {"role", b.getStringAttr(stringifyCoreRole(c.getRole()))},
              {"pipe_in", b.getStringAttr(c.getPipeIn())},
              {"pipe_out", b.getStringAttr(c.getPipeOut())}});
  if (auto c = dyn_cast<CascadeAttr>(a))
    return fields(ctx, {{"column", b.getI64IntegerAttr(c.getColumn())},
                        {"lane", b.getI64IntegerAttr(c.getLane())},
                        {"tiles", c.getTiles()}});
  if (auto tr = dyn_cast<TransferAttr>(a))
    return fields(ctx,
                  {{"op", b.getStringAttr("transfer")},
                   {"fifo", b.getStringAttr(tr.getFifo())},
                   {"role", b.getStringAttr(stringifyRole(tr.getRole()))},
                   {"column", b.getI64IntegerAttr(tr.getColumn())},
                   {"direction",
                    b.getStringAttr(stringifyDmaDirection(tr.getDirection()))},
                   {"channel", b.getI64IntegerAttr(tr.getChannel())},
                   {"offset", b.getI64IntegerAttr(tr.getOffset())},
                   {"sizes", b.getDenseI64ArrayAttr(tr.getSizes())},
                   {"strides", b.getDenseI64ArrayAttr(tr.getStrides())},
                   {"bd_id", b.getI64IntegerAttr(tr.getBdId())},
                   {"issue_token", tr.getIssueToken()}});
  if (auto w = dyn_cast<WaitAttr>(a))
    return fields(ctx, {{"op", b.getStringAttr("wait")},
                        {"fifo", b.getStringAttr(w.getFifo())}});
  if (auto buf = dyn_cast<BufferAttr>(a))
    return fields(ctx, {{"use", b.getStringAttr(buf.getUse())},
                        {"name", b.getStringAttr(buf.getName())},
                        {"object", TypeAttr::get(buf.getObject())},
                        {"copies", b.getI64IntegerAttr(buf.getCopies())}});
  if (auto arr = dyn_cast<ArrayAttr>(a)) {
    SmallVector<Attribute> out;
    for (Attribute e : arr)
      out.push_back(toBuiltin(e));
    return b.getArrayAttr(out);
  }
  if (auto dict = dyn_cast<DictionaryAttr>(a)) {
    SmallVector<NamedAttribute> out;
    for (NamedAttribute entry : dict)
      out.emplace_back(entry.getName(), toBuiltin(entry.getValue()));
    return DictionaryAttr::get(ctx, out);
  }
  return a;
}

DictionaryAttr aiemap::scheduleToBuiltin(DictionaryAttr record) {
  // The runtime sequence is left out: the device's aie.runtime_sequence is
  // that sequence, op for op.
  SmallVector<NamedAttribute> out;
  for (NamedAttribute entry : record)
    if (entry.getName() != "sequence")
      out.emplace_back(entry.getName(), toBuiltin(entry.getValue()));
  return DictionaryAttr::get(record.getContext(), out);
}
