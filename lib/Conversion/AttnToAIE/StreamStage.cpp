//===- StreamStage.cpp - the stream mapping (MAS-Attention) ---------------===//
//
// Plans an online stage whose lanes are QK | softmax | PV pipelines: the
// fused online planner decides the work decomposition, the shim streams and
// the runtime sequence for one lane per column; this file turns each lane's
// core into three neighbouring cores, splits the joined K|V broadcast into a
// K broadcast to the QK cores and a V broadcast to the PV cores, adds the
// core-to-core S and P FIFOs, and recomputes and checks the stage layout
// (every tile's memory, channels, locks and buffer descriptors).
//
//===----------------------------------------------------------------------===//

#include "attn/Conversion/AttnToAIE/StreamStage.h"

#include "attn/Conversion/AttnToAIE/MemTileBDs.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <limits>
#include <map>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::aiemap;

namespace {

CoreLayoutParams streamParams(const StageDesc &d) {
  CoreLayoutParams p;
  p.kind = StageKind::Online;
  p.qTile = d.qTile;
  p.kvTile = d.kvTile;
  p.keyLen = d.kvLen;
  p.headDim = d.headDim;
  p.valueDim = d.valueDim;
  p.elem = d.elem;
  p.depth = d.depth;
  p.validLenWords = d.hasValidLen ? d.batch : 0;
  return p;
}

/// Replaces each group's joined K|V broadcast by a K broadcast to the QK
/// cores and a V broadcast to the PV cores (1:1 memtile links from the K
/// and V shim streams).
bool splitBroadcasts(StageSchedule &sch, std::string &error) {
  const StageDesc &d = sch.desc;
  std::vector<FifoSpec> fifos;
  std::vector<LinkSpec> links;
  for (const LinkSpec &l : sch.links) {
    const FifoSpec *out = nullptr;
    for (const FifoSpec &f : sch.fifos)
      if (f.name == l.outs.front())
        out = &f;
    bool broadcast = out && out->use == FifoSpec::Step && !out->dram;
    if (!broadcast) {
      links.push_back(l);
      continue;
    }
    if (l.ins.size() != 2) {
      error = "internal: the online step broadcast is not a K|V join";
      return false;
    }
    for (const std::string &in : l.ins) {
      const FifoSpec *shim = nullptr;
      for (const FifoSpec &f : sch.fifos)
        if (f.name == in)
          shim = &f;
      bool isK = shim->dram == Role::K;
      FifoSpec b;
      b.name = llvm::formatv("{0}_g{1}", isK ? "k" : "v", out->group).str();
      b.producer = out->producer;
      for (TileCoord c : out->consumers)
        b.consumers.push_back({c.col, c.row + (isK ? 0 : 2)});
      b.depth = d.depth;
      b.shape = {sch.stepTile, isK ? d.headDim : d.valueDim};
      b.elem = d.elem;
      b.use = FifoSpec::Step;
      b.group = out->group;
      fifos.push_back(b);
      links.push_back({{in}, {b.name}, {}, {}});
    }
  }
  std::vector<FifoSpec> kept;
  for (const FifoSpec &f : sch.fifos)
    if (!(f.use == FifoSpec::Step && !f.dram))
      kept.push_back(f);
  llvm::append_range(kept, fifos);
  sch.fifos = std::move(kept);
  sch.links = std::move(links);
  return true;
}

/// Turns each lane's core into a QK | softmax | PV pipeline down its
/// column, with the S and P FIFOs between them.
void buildPipelines(StageSchedule &sch) {
  const StageDesc &d = sch.desc;
  std::vector<CoreSpec> cores;
  for (const CoreSpec &lane : sch.cores) {
    int c = lane.tile.col, row = lane.tile.row;
    TileCoord qkTile{c, row}, smTile{c, row + 1}, pvTile{c, row + 2};
    FifoSpec s;
    s.name = llvm::formatv("s_c{0}", c).str();
    s.producer = qkTile;
    s.consumers = {smTile};
    s.depth = d.depth;
    s.shape = {d.qTile, sch.stepTile};
    s.elem = ElementKind::F32;
    s.use = FifoSpec::Pipe;
    s.column = c;
    FifoSpec p = s;
    p.name = llvm::formatv("p_c{0}", c).str();
    p.producer = smTile;
    p.consumers = {pvTile};
    p.shape = {streamPBlockElements(d.qTile, sch.stepTile)};
    sch.fifos.push_back(s);
    sch.fifos.push_back(p);
    for (FifoSpec &f : sch.fifos)
      if (f.name == lane.outFifo)
        f.producer = pvTile;
    auto rtp = [&](int r) {
      return d.hasValidLen ? llvm::formatv("rtp_c{0}_r{1}", c, r).str()
                           : std::string();
    };
    CoreSpec qk = lane;
    qk.role = CoreRole::qk;
    qk.stepFifo = llvm::formatv("k_g{0}", lane.group).str();
    qk.outFifo.clear();
    qk.pipeOut = s.name;
    qk.rtpBuffer = rtp(0);
    CoreSpec sm = lane;
    sm.tile = smTile;
    sm.role = CoreRole::softmax;
    sm.itemFifo.clear();
    sm.stepFifo.clear();
    sm.outFifo.clear();
    sm.pipeIn = s.name;
    sm.pipeOut = p.name;
    sm.rtpBuffer = rtp(1);
    CoreSpec pv = lane;
    pv.tile = pvTile;
    pv.role = CoreRole::pv;
    pv.itemFifo.clear();
    pv.stepFifo = llvm::formatv("v_g{0}", lane.group).str();
    pv.pipeIn = p.name;
    pv.rtpBuffer = rtp(2);
    cores.push_back(qk);
    cores.push_back(sm);
    cores.push_back(pv);
  }
  sch.cores = std::move(cores);
}

/// The stage layout of the pipelines (cores: their role's buffers;
/// memtiles: the link buffers, owned as upstream's objectfifo lowering
/// allocates them) and the per-tile checks: memory, DMA channels, locks and
/// memtile buffer descriptors.
bool layoutAndCheck(StageSchedule &sch, const NPUTarget &t,
                    std::string &error) {
  const StageDesc &d = sch.desc;
  sch.streamCores = streamCoreLayouts(streamParams(d), t);
  for (auto [i, c] : llvm::enumerate(sch.streamCores))
    if (c.total() > t.coreL1Bytes) {
      static const char *names[] = {"QK", "softmax", "PV"};
      std::string buffers;
      llvm::raw_string_ostream os(buffers);
      c.print(os);
      error = llvm::formatv("the {0} core of the stream pipeline at depth {1} "
                            "needs {2}, more than the {3} bytes of L1 on {4}; "
                            "use smaller q_tile/kv_tile or depth 1",
                            names[i], d.depth, buffers, t.coreL1Bytes, t.name)
                  .str();
      return false;
    }
  // The QK core's Q FIFO end holds what its layout holds.
  const int64_t qDepth = sch.streamCores[0].find(LayoutBuffer::Item)->copies;
  for (const CoreSpec &c : sch.cores)
    for (FifoSpec &f : sch.fifos)
      if (c.role == CoreRole::qk && f.name == c.itemFifo)
        f.depth = qDepth;
  sch.layout = StageLayout();
  std::map<std::pair<int, int>, size_t> index;
  auto tileLayout = [&](TileCoord c) -> TileLayout & {
    auto [it, inserted] =
        index.try_emplace({c.col, c.row}, sch.layout.tiles.size());
    if (inserted) {
      sch.layout.tiles.emplace_back();
      sch.layout.tiles.back().col = c.col;
      sch.layout.tiles.back().row = c.row;
    }
    return sch.layout.tiles[it->second];
  };
  for (const CoreSpec &c : sch.cores) {
    TileLayout &tl = tileLayout(c.tile);
    tl.buffers = sch.layoutOf(c.role).buffers;
    tl.stackBytes = sch.layoutOf(c.role).stackBytes;
  }
  auto fifo = [&](const std::string &name) -> const FifoSpec & {
    for (const FifoSpec &f : sch.fifos)
      if (f.name == name)
        return f;
    return sch.fifos.front();
  };
  auto elements = [](const FifoSpec &f) {
    int64_t n = 1;
    for (int64_t x : f.shape)
      n *= x;
    return n;
  };
  for (const LinkSpec &l : sch.links) {
    const FifoSpec &in = fifo(l.ins.front()), &out = fifo(l.outs.front());
    const FifoSpec &owner = l.ins.size() > 1                ? out
                            : l.outs.size() > 1             ? in
                            : elements(in) >= elements(out) ? in
                                                            : out;
    tileLayout(in.consumers.front())
        .buffers.push_back({LayoutBuffer::Link, owner.name, owner.shape,
                            owner.elem, owner.depth});
  }
  sch.tileBytes.clear();
  sch.l1Bytes = sch.l2Bytes = sch.memTileBDs = 0;
  for (const TileLayout &tl : sch.layout.tiles) {
    sch.tileBytes.push_back({tl.col, tl.row, tl.bytes()});
    if (tl.row >= t.firstCoreRow)
      sch.layout.l1Bytes = std::max(sch.layout.l1Bytes, tl.bytes());
    else if (tl.row == t.memTileRow)
      sch.layout.l2Bytes = std::max(sch.layout.l2Bytes, tl.bytes());
  }
  sch.l1Bytes = sch.layout.l1Bytes;
  sch.l2Bytes = sch.layout.l2Bytes;
  // Channels, locks, memtile BDs (aie-check-limits' counts). Core-to-core
  // FIFOs join neighbours down a column, which share memory: no DMA.
  struct Use {
    int in = 0, out = 0, locks = 0;
  };
  std::map<std::pair<int, int>, Use> uses;
  for (const FifoSpec &f : sch.fifos) {
    if (f.use == FifoSpec::Pipe) { // shared memory: locks at the producer
      uses[{f.producer.col, f.producer.row}].locks +=
          t.objectFifoLocksPerEndpoint;
      continue;
    }
    Use &p = uses[{f.producer.col, f.producer.row}];
    p.out += 1;
    p.locks += t.objectFifoLocksPerEndpoint;
    for (const TileCoord &c : f.consumers) {
      Use &u = uses[{c.col, c.row}];
      u.in += 1;
      u.locks += t.objectFifoLocksPerEndpoint;
    }
  }
  for (auto &[tile, u] : uses) {
    TileKind kind = t.tileKind(tile.first, tile.second);
    const char *what = u.in > t.channels(kind, true)     ? "input DMA channels"
                       : u.out > t.channels(kind, false) ? "output DMA channels"
                       : kind != TileKind::Shim && u.locks > t.locks(kind)
                           ? "locks"
                           : nullptr;
    if (what) {
      error =
          llvm::formatv("{0} tile ({1}, {2}) of the stream pipelines "
                        "needs more {3} than it has",
                        stringifyTileKind(kind), tile.first, tile.second, what)
              .str();
      return false;
    }
  }
  // Memtile BDs per channel pool (MemTileBDs.h).
  std::string why;
  if (!checkMemTileBDs(sch, t, why)) {
    error = "the stream pipelines: " + why;
    return false;
  }
  if (sch.l2Bytes > t.memTileL2Bytes) {
    error = llvm::formatv("a memtile of the stream pipelines needs {0} bytes, "
                          "L2 has {1}",
                          sch.l2Bytes, t.memTileL2Bytes)
                .str();
    return false;
  }
  sch.itemDepth = qDepth;
  sch.stepDepth = sch.outDepth = d.depth;
  sch.coreStepDepth = 0;
  return true;
}

} // namespace

std::optional<StageSchedule>
aiemap::planStreamStage(const StageDesc &desc, const NPUTarget &target,
                        const ScheduleOptions &options, std::string &error) {
  if (desc.kind != StageKind::Online) {
    error = "mapping 'stream' pipelines the online fold only";
    return std::nullopt;
  }
  if (desc.maskKind != StageDesc::NoMask || desc.hasBias) {
    error = "mapping 'stream' does not carry explicit mask/bias operands; use "
            "mapping 'fused'";
    return std::nullopt;
  }
  if (desc.coresPerColumn < kStreamPipelineCores ||
      target.numCoreRows < kStreamPipelineCores) {
    error = llvm::formatv("mapping 'stream' needs {0} cores of a column per "
                          "pipeline; the plan has {1} cores per column",
                          kStreamPipelineCores, desc.coresPerColumn)
                .str();
    return std::nullopt;
  }
  // One pipeline per column (its cores are neighbours down the column). The
  // fused planner decides the lanes' work and the runtime sequence; the
  // pipelines' own memory is checked below, not the fused core's.
  StageDesc lanes = desc;
  lanes.stream = false;
  lanes.coresPerColumn = 1;
  NPUTarget roomy = target;
  roomy.coreL1Bytes = std::numeric_limits<int32_t>::max();
  std::optional<StageSchedule> sch = planStage(lanes, roomy, options, error);
  if (!sch)
    return std::nullopt;
  sch->desc.stream = true;
  sch->targetName = target.name.str();
  if (!splitBroadcasts(*sch, error))
    return std::nullopt;
  buildPipelines(*sch);
  if (!layoutAndCheck(*sch, target, error))
    return std::nullopt;
  return sch;
}

std::optional<StageSchedule>
aiemap::planAnyStage(const StageDesc &desc, const NPUTarget &target,
                     const ScheduleOptions &options, std::string &error) {
  return desc.stream ? planStreamStage(desc, target, options, error)
                     : planStage(desc, target, options, error);
}
