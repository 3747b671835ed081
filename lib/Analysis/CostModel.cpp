//===- CostModel.cpp - analytic cost model of attention on NPUs -----------===//
//
// Latency, DRAM traffic, memory use and energy of one attention layer under a
// fold mode and tiling plan. The structure follows the work decomposition of
// docs/aie-mapping.md: an item is one query tile (b, h, qi) processed by one
// lane (a core, a cascade of kv_split cores, or a stream pipeline); a round
// runs lanes * (q tiles per lane) items of consecutive heads sharing one K/V
// stream. Per round the critical lane's cycles are summed; DMA hops and DRAM
// are aggregated per stage and overlap compute when the plan double-buffers.
// All rates, sizes and overheads come from the NPUTarget table; the formulas
// are written out in docs/cost-model.md.
//
//===----------------------------------------------------------------------===//

#include "attn/Analysis/CostModel.h"
#include "attn/Analysis/StageLayout.h"
#include "attn/Analysis/WorkSplit.h"
#include "attn/Support/CheckedArith.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <tuple>
#include <unordered_map>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::cost;

//===----------------------------------------------------------------------===//
// Names
//===----------------------------------------------------------------------===//

llvm::StringRef cost::stringifyKTranspose(KTransposePlacement placement) {
  return placement == KTransposePlacement::Dma ? "dma" : "core";
}
llvm::StringRef cost::stringifyLayoutHandling(LayoutHandling handling) {
  switch (handling) {
  case LayoutHandling::Native:
    return "native";
  case LayoutHandling::Dma:
    return "dma";
  case LayoutHandling::Transpose:
    return "transpose";
  }
  return "";
}
llvm::StringRef cost::stringifyMaskKind(MaskKind kind) {
  switch (kind) {
  case MaskKind::None:
    return "none";
  case MaskKind::Boolean:
    return "boolean";
  case MaskKind::Additive:
    return "additive";
  }
  return "";
}
llvm::StringRef cost::stringifyResource(Resource resource) {
  switch (resource) {
  case Resource::Matrix:
    return "matrix";
  case Resource::Vector:
    return "vector";
  case Resource::Compute:
    return "compute";
  case Resource::CoreDma:
    return "core_dma";
  case Resource::MemTileDma:
    return "memtile_dma";
  case Resource::ShimDma:
    return "shim_dma";
  case Resource::Dram:
    return "dram";
  case Resource::Dispatch:
    return "dispatch";
  }
  return "";
}

int64_t DramTraffic::total() const {
  return query + key + value + mask + bias + validLen + scoresWrite +
         scoresRead + probsWrite + probsRead + output + layout;
}

llvm::SmallVector<MatmulDatapath, 2>
cost::matmulDatapaths(const NPUTarget &target, ElementKind element) {
  llvm::SmallVector<MatmulDatapath, 2> paths;
  static constexpr llvm::StringLiteral emulated[] = {"native", "native",
                                                     "bf16x3", "bf16x6"};
  int splits = target.bf16Splits(element);
  if (target.macsPerCycle(element) > 0)
    paths.push_back({splits > 0 && splits < 4 ? emulated[splits] : "native",
                     target.intrinsic(element), target.macsPerCycle(element),
                     target.kernelEfficiency(element)});
  if (element == ElementKind::BF16 && target.bf16ViaBfp16.macsPerCycle > 0)
    paths.push_back({"bfp16", target.bf16ViaBfp16.intrinsic,
                     target.bf16ViaBfp16.macsPerCycle,
                     target.bf16ViaBfp16.kernelEfficiency});
  return paths;
}

llvm::SmallVector<MatmulDatapath, 2>
cost::matmulDatapaths(const NPUTarget &target, const AttentionShape &shape) {
  if (!shape.matmulInBf16 || target.bf16Splits(shape.element) == 0)
    return matmulDatapaths(target, shape.element);
  llvm::SmallVector<MatmulDatapath, 2> paths;
  if (target.macsPerCycle(ElementKind::BF16) > 0)
    paths.push_back({"bf16_rounded", target.intrinsic(ElementKind::BF16),
                     target.macsPerCycle(ElementKind::BF16),
                     target.kernelEfficiency(ElementKind::BF16)});
  return paths;
}

//===----------------------------------------------------------------------===//
// Validation
//===----------------------------------------------------------------------===//

static llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

static int64_t roundUp(int64_t value, int64_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}
static int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// Query rows per K/V head ((H / Hkv) x Lq) of a causal layer the model
/// walks one query tile at a time (the tiles see different key prefixes);
/// layers without a causal rule are modeled in closed form at any size.
/// A policy bound on compile time, not a hardware fact.
static constexpr int64_t kMaxCausalRowsPerKvHead = int64_t(1) << 18;

/// Every tensor of the layer, and its f32 score matrix, within the sizes the
/// compiler represents (CheckedArith.h); the model's own products of these
/// sizes by tile, lane and round counts then stay inside int64.
static llvm::Error verifyRepresentable(const AttentionShape &s) {
  struct Tensor {
    const char *name;
    std::optional<int64_t> bytes;
  };
  int64_t e = bytes(s.element);
  for (Tensor t :
       {Tensor{"query",
               checkedProduct({s.batch, s.heads, s.queryLen, s.headDim, e})},
        Tensor{"key",
               checkedProduct({s.batch, s.kvHeads, s.keyLen, s.headDim, e})},
        Tensor{"value",
               checkedProduct({s.batch, s.kvHeads, s.keyLen, s.valueDim, e})},
        Tensor{"output",
               checkedProduct({s.batch, s.heads, s.queryLen, s.valueDim, e})},
        Tensor{"f32 score matrix [B,H,Lq,Lk]",
               checkedProduct({s.batch, s.heads, s.queryLen, s.keyLen, 4})}})
    if (!t.bytes || *t.bytes > kMaxRepresentableBytes)
      return error(llvm::formatv(
          "the {0} of shape [B={1}, H={2}, Hkv={3}, Lq={4}, Lk={5}, D={6}, "
          "Dv={7}] exceeds the 2^48 bytes the compiler represents",
          t.name, s.batch, s.heads, s.kvHeads, s.queryLen, s.keyLen, s.headDim,
          s.valueDim));
  if (s.causal != CausalKind::none &&
      (s.heads / s.kvHeads) * s.queryLen > kMaxCausalRowsPerKvHead)
    return error(llvm::formatv(
        "a causal layer with (H/Hkv) x Lq = {0} query rows per K/V head "
        "exceeds the {1} the cost model walks tile by tile",
        (s.heads / s.kvHeads) * s.queryLen, kMaxCausalRowsPerKvHead));
  return llvm::Error::success();
}

llvm::Error cost::verifyShape(const AttentionShape &s) {
  struct Field {
    const char *name;
    int64_t value;
  };
  for (Field f : {Field{"batch", s.batch}, Field{"heads", s.heads},
                  Field{"kv_heads", s.kvHeads}, Field{"query_len", s.queryLen},
                  Field{"key_len", s.keyLen}, Field{"head_dim", s.headDim},
                  Field{"value_dim", s.valueDim}})
    if (f.value <= 0)
      return error(llvm::formatv("shape field '{0}' must be positive, got {1}",
                                 f.name, f.value));
  if (s.heads % s.kvHeads != 0)
    return error(llvm::formatv(
        "shape field 'heads' ({0}) must be a multiple of 'kv_heads' ({1})",
        s.heads, s.kvHeads));
  if (llvm::Error err = verifyRepresentable(s))
    return err;
  auto checkBroadcast = [&](const std::array<int64_t, 4> &dims,
                            const char *field) -> llvm::Error {
    const int64_t full[4] = {s.batch, s.heads, s.queryLen, s.keyLen};
    for (int i = 0; i < 4; ++i)
      if (dims[i] != 1 && dims[i] != full[i])
        return error(llvm::formatv(
            "shape field '{0}' dim {1} is {2}; it must be 1 or {3} to "
            "broadcast to [B,H,Lq,Lk]",
            field, i, dims[i], full[i]));
    return llvm::Error::success();
  };
  if (s.mask != MaskKind::None)
    if (llvm::Error err = checkBroadcast(s.maskShape, "mask_shape"))
      return err;
  if (s.hasBias)
    if (llvm::Error err = checkBroadcast(s.biasShape, "bias_shape"))
      return err;
  return llvm::Error::success();
}

static bool isPowerOfTwoOrZero(int64_t v) { return (v & (v - 1)) == 0; }

llvm::Expected<Plan> cost::resolvePlan(const AttentionShape &shape,
                                       const Plan &in,
                                       const NPUTarget &target) {
  if (llvm::Error err = verifyShape(shape))
    return std::move(err);
  Plan p = in;
  auto paths = matmulDatapaths(target, shape);
  if (paths.empty())
    return error(
        llvm::formatv("element type {0} has no matmul datapath on target {1}",
                      stringifyElementKind(shape.element), target.name));
  if (p.intrinsic.m == 0 && p.intrinsic.k == 0 && p.intrinsic.n == 0)
    p.intrinsic = paths.front().intrinsic;
  bool known = llvm::any_of(paths, [&](const MatmulDatapath &d) {
    return d.intrinsic.m == p.intrinsic.m && d.intrinsic.k == p.intrinsic.k &&
           d.intrinsic.n == p.intrinsic.n;
  });
  if (!known) {
    std::string options;
    for (const MatmulDatapath &d : paths)
      options +=
          llvm::formatv("{0}[{1}, {2}, {3}] ({4})", options.empty() ? "" : ", ",
                        d.intrinsic.m, d.intrinsic.k, d.intrinsic.n, d.name)
              .str();
    return error(llvm::formatv(
        "plan field 'intrinsic' [{0}, {1}, {2}] is not a {3} matmul intrinsic "
        "of {4}; valid: {5}",
        p.intrinsic.m, p.intrinsic.k, p.intrinsic.n,
        stringifyElementKind(shape.element), target.name, options));
  }
  if (p.columns == 0)
    p.columns = target.numColumns;
  if (p.coresPerColumn == 0)
    p.coresPerColumn = target.numCoreRows;
  if (p.columns < 1 || p.columns > target.numColumns)
    return error(
        llvm::formatv("plan field 'columns' must be in 1..{0} on {1}, got {2}",
                      target.numColumns, target.name, p.columns));
  if (p.coresPerColumn < 1 || p.coresPerColumn > target.numCoreRows)
    return error(llvm::formatv(
        "plan field 'cores_per_column' must be in 1..{0} on {1}, got {2}",
        target.numCoreRows, target.name, p.coresPerColumn));
  if (p.qTile <= 0 || p.qTile % p.intrinsic.m != 0)
    return error(llvm::formatv("plan field 'q_tile' ({0}) must be a positive "
                               "multiple of the intrinsic M ({1})",
                               p.qTile, p.intrinsic.m));
  int64_t kvMultiple = std::lcm(p.intrinsic.n, p.intrinsic.k);
  if (p.kvTile <= 0 || p.kvTile % kvMultiple != 0)
    return error(llvm::formatv(
        "plan field 'kv_tile' ({0}) must be a positive multiple of {1} (the "
        "intrinsic N of Q·Kᵀ and K of P·V)",
        p.kvTile, kvMultiple));
  if (p.depth < 1 || p.depth > 4)
    return error(
        llvm::formatv("plan field 'depth' must be in 1..4, got {0}", p.depth));
  if (p.kvSplit < 1 || !isPowerOfTwoOrZero(p.kvSplit) ||
      p.coresPerColumn % p.kvSplit != 0)
    return error(llvm::formatv(
        "plan field 'kv_split' ({0}) must be a power of two dividing "
        "'cores_per_column' ({1})",
        p.kvSplit, p.coresPerColumn));
  if (p.kvSplit > 1 &&
      (p.fold != FoldKind::online || p.mapping != MappingKind::fused))
    return error(llvm::formatv(
        "plan field 'kv_split' > 1 needs fold 'online' with mapping 'fused' "
        "(the cascade merges running softmax states), got fold '{0}', "
        "mapping '{1}'",
        stringifyFoldKind(p.fold), stringifyMappingKind(p.mapping)));
  if (p.mapping == MappingKind::stream && p.fold != FoldKind::online)
    return error(llvm::formatv(
        "plan field 'mapping' 'stream' needs fold 'online' (the QK | softmax "
        "| PV pipeline streams key blocks), got fold '{0}'",
        stringifyFoldKind(p.fold)));
  if (p.intermediate != ElementKind::F32 &&
      p.intermediate != ElementKind::BF16 && p.intermediate != ElementKind::F16)
    return error(llvm::formatv(
        "plan field 'intermediate' must be f32, bf16 or f16, got {0}",
        stringifyElementKind(p.intermediate)));
  if (shape.layout == LayoutKind::bhld && p.layout != LayoutHandling::Native)
    return error(llvm::formatv(
        "plan field 'layout' '{0}' applies to the blhd layout only; a bhld "
        "layer uses 'native'",
        stringifyLayoutHandling(p.layout)));
  if (shape.layout == LayoutKind::blhd && p.layout == LayoutHandling::Native)
    return error("plan field 'layout' 'native' needs the bhld layout; a blhd "
                 "layer uses 'dma' (strided shim access patterns) or "
                 "'transpose' (separate transpose dispatches)");

  // Lanes per column: fused lanes are cascades of kv_split cores; a stream
  // lane is a QK | softmax | PV pipeline.
  int64_t lanes = arrayLanes(p);
  if (lanes == 0)
    return error(llvm::formatv(
        "plan field 'mapping' 'stream' needs {0} cores per pipeline, the "
        "plan has {1}",
        pipelineLength(StageKind::Online),
        int64_t(p.columns) * p.coresPerColumn));
  int64_t lanesPerColumn = ceilDiv(lanes, p.columns);
  int64_t roundBlock = lanesPerColumn * p.qTile;
  if (p.l2QBlock == 0)
    p.l2QBlock = roundBlock;
  if (p.l2QBlock <= 0 || p.l2QBlock % roundBlock != 0)
    return error(llvm::formatv(
        "plan field 'l2_q_block' ({0}) must be a positive multiple of {1} (the "
        "{2} lanes of a column times q_tile {3})",
        p.l2QBlock, roundBlock, lanesPerColumn, p.qTile));
  if (p.l2KvBlock == 0)
    p.l2KvBlock = p.kvTile;
  if (p.l2KvBlock <= 0 || p.l2KvBlock % p.kvTile != 0)
    return error(llvm::formatv("plan field 'l2_kv_block' ({0}) must be a "
                               "positive multiple of kv_tile ({1})",
                               p.l2KvBlock, p.kvTile));
  return p;
}

//===----------------------------------------------------------------------===//
// Buffer budget
//===----------------------------------------------------------------------===//

llvm::StringRef cost::stringifyViolationKind(Violation::Kind kind) {
  switch (kind) {
  case Violation::Kind::L1Bytes:
    return "l1_bytes";
  case Violation::Kind::L2Bytes:
    return "l2_bytes";
  case Violation::Kind::ShimInputStreams:
    return "shim_input_streams";
  case Violation::Kind::MemTileOutputStreams:
    return "memtile_output_streams";
  case Violation::Kind::MemTileLinkFanOut:
    return "memtile_link_fan_out";
  case Violation::Kind::MemTileInputStreams:
    return "memtile_input_streams";
  case Violation::Kind::DmaSize:
    return "dma_size";
  case Violation::Kind::DmaStride:
    return "dma_stride";
  case Violation::Kind::KTranspose:
    return "k_transpose";
  }
  return "";
}

int cost::pipelineLength(StageKind kind) {
  return kind == StageKind::Online ? 3 : 1; // QK | softmax | PV
}

int64_t Footprint::total() const {
  int64_t sum = 0;
  for (const Buffer &b : buffers)
    sum += b.copies * b.bytes;
  return sum;
}

void Footprint::print(llvm::raw_ostream &os) const {
  llvm::interleave(
      buffers, os,
      [&](const Buffer &b) {
        os << b.copies << " x " << b.bytes << " B (" << b.name << ")";
      },
      " + ");
  os << " = " << total() << " B";
}

const Footprint &StageBuffers::largestCore() const {
  const Footprint *top = &cores.front();
  for (const Footprint &fp : cores)
    if (fp.total() > top->total())
      top = &fp;
  return *top;
}

int64_t cost::l1BufferBudget(const NPUTarget &target) {
  return target.coreL1Bytes - target.coreStackReserveBytes;
}

int64_t cost::arrayLanes(const Plan &p) {
  int64_t cores = int64_t(p.columns) * p.coresPerColumn;
  return p.mapping == MappingKind::fused
             ? cores / std::max(1, p.kvSplit)
             : cores / pipelineLength(StageKind::Online);
}

int64_t cost::lanesPerColumn(const Plan &p) {
  return std::max<int64_t>(1, (arrayLanes(p) + p.columns - 1) / p.columns);
}

namespace {
/// Builds a footprint, skipping absent (0-byte) buffers.
struct FootprintBuilder {
  Footprint fp;
  explicit FootprintBuilder(llvm::StringRef role) { fp.role = role.str(); }
  FootprintBuilder &add(llvm::StringRef name, int64_t copies, int64_t bytes) {
    if (bytes > 0 && copies > 0)
      fp.buffers.push_back({name.str(), copies, bytes});
    return *this;
  }
};
} // namespace

/// The emitted core layout of `kind` under `p`, when the AIE back end emits
/// this core as the model describes it.
static std::optional<aiemap::CoreLayoutParams>
emittedCore(StageKind kind, const Plan &p, const BufferSizes &z) {
  constexpr int64_t f32 = 4;
  bool attention = isAttentionStage(kind);
  if (p.mapping != MappingKind::fused ||
      (p.kvSplit != 1 &&
       (kind != StageKind::Online || z.maskBytes || z.biasBytes)) ||
      p.kTranspose != KTransposePlacement::Dma ||
      z.paddedKeyLen == BufferSizes::kUnknownLength ||
      (!attention && z.intermediateBytes != f32))
    return std::nullopt;
  if (attention && p.fold != FoldKind::full && p.fold != FoldKind::online)
    return std::nullopt;
  aiemap::CoreLayoutParams lp;
  lp.kind = kind;
  // A cascade core holds `depth` groups of kv_split step objects.
  if (p.kvSplit > 1)
    lp.stepDepth = int64_t(p.depth) * p.kvSplit;
  lp.qTile = p.qTile;
  lp.kvTile = p.kvTile;
  lp.keyLen = z.paddedKeyLen;
  lp.headDim = z.paddedHeadDim;
  lp.valueDim = z.paddedValueDim;
  lp.elem = z.elementBytes == f32 ? ElementKind::F32 : ElementKind::BF16;
  lp.depth = p.depth;
  lp.validLenWords = z.runtimeParamBytes / 4;
  // Mask / bias in the step object: key rows, or one tile per core of the
  // broadcast group; the model assumes one column's cores per group (the
  // narrowest group attn-schedule-dma may choose).
  lp.keepMask = z.maskBytes != 0;
  lp.bias = z.biasBytes != 0;
  lp.maskLaneRows = z.maskBytes ? z.maskLaneRows : 0;
  lp.biasLaneRows = z.biasBytes ? z.biasLaneRows : 0;
  lp.maskGroupRows = z.maskBytes ? z.maskGroupRows : 0;
  lp.biasGroupRows = z.biasBytes ? z.biasGroupRows : 0;
  lp.lanes = lanesPerColumn(p);
  lp.queryTiles =
      std::max<int64_t>(1, p.l2QBlock / (lanesPerColumn(p) * p.qTile));
  // L2-resident K/V (whyNotEmittable's kv_block rule admits only the
  // padded key length beyond kv_tile).
  return lp;
}

namespace {
/// The sizes the model's buffer lists of one stage share.
struct BufferContext {
  // Accumulators, score scratch and row statistics are f32 (kernel ABI).
  static constexpr int64_t f32 = 4;
  const Plan &p;
  const BufferSizes &z;
  const NPUTarget &t;
  int64_t d, q, kv, D, Dv, e, ib, lanes, k;
  bool knownKeys, coreTranspose;
  int64_t rowF32, sTileF32, statsB;

  BufferContext(const Plan &plan, const BufferSizes &sizes,
                const NPUTarget &target)
      : p(plan), z(sizes), t(target), d(plan.depth), q(plan.qTile),
        kv(plan.kvTile), D(sizes.paddedHeadDim), Dv(sizes.paddedValueDim),
        e(sizes.elementBytes), ib(sizes.intermediateBytes),
        lanes(lanesPerColumn(plan)),
        k(std::max<int64_t>(1, plan.l2QBlock / (lanes * q))), // tiles / lane
        knownKeys(sizes.paddedKeyLen != BufferSizes::kUnknownLength),
        coreTranspose(plan.kTranspose == KTransposePlacement::Core),
        rowF32(knownKeys ? q * sizes.paddedKeyLen * f32 : 0),
        sTileF32(q * kv * f32), statsB(2 * q * f32) {}

  /// Q·Kᵀ operands of a core: max(depth, k) query tiles (k tiles per lane
  /// acquired at once), the K block, the mask/bias
  /// tiles, and the K scratch of a core-side transpose.
  void addQK(FootprintBuilder &b) const {
    b.add("Q", std::max(d, k), q * D * e)
        .add("K", d, kv * D * e)
        .add("mask", d, q * kv * z.maskBytes)
        .add("bias", d, q * kv * z.biasBytes)
        .add("K transposed", coreTranspose ? 1 : 0, kv * D * e);
  }
  void addRuntime(FootprintBuilder &b) const {
    b.add("valid_len runtime parameters", 1, z.runtimeParamBytes);
  }
  void push(FootprintBuilder &b, StageBuffers &out) const {
    addRuntime(b);
    out.cores.push_back(std::move(b.fp));
  }
};
} // namespace

/// An online stream pipeline the AIE back end emits (Kᵀ by the kernel, no
/// mask/bias, one query tile per lane) is sized by the emitter's own
/// pipeline layouts (StageLayout.h): S and P live in the producing core.
static bool emittedStreamCores(const BufferContext &c, StageBuffers &out) {
  if (c.p.fold != FoldKind::online ||
      c.p.kTranspose != KTransposePlacement::Dma || c.z.maskBytes != 0 ||
      c.z.biasBytes != 0 || c.k != 1)
    return false;
  aiemap::CoreLayoutParams lp;
  lp.qTile = c.q;
  lp.kvTile = c.kv;
  lp.headDim = c.D;
  lp.valueDim = c.Dv;
  lp.elem = c.e == c.f32 ? ElementKind::F32 : ElementKind::BF16;
  lp.depth = c.d;
  lp.validLenWords = c.z.runtimeParamBytes / 4;
  static const char *roles[] = {"qk", "softmax", "pv"};
  for (auto [i, layout] : llvm::enumerate(aiemap::streamCoreLayouts(lp, c.t))) {
    FootprintBuilder b(roles[i]);
    for (const aiemap::LayoutBuffer &lb : layout.buffers)
      b.add(lb.name, lb.copies, lb.objectBytes());
    out.cores.push_back(std::move(b.fp));
  }
  return true;
}

/// Online and full folds: one fused core, or (online only) a QK | softmax
/// | PV pipeline whose cores pass f32 score/probability tiles and the
/// rescale factors.
static void attentionCores(const BufferContext &c, bool stream,
                           StageBuffers &out) {
  const int64_t d = c.d, k = c.k, q = c.q, kv = c.kv, f32 = c.f32;
  if (stream && emittedStreamCores(c, out))
    return;
  if (!stream) {
    FootprintBuilder b("");
    c.addQK(b);
    if (c.p.fold == FoldKind::full)
      b.add("S rows f32", k, c.rowF32);
    else
      b.add("S tile f32", 1, c.sTileF32);
    b.add("row max/sum f32", k, c.statsB)
        .add("V", d, kv * c.Dv * c.e)
        .add("O", d, q * c.Dv * c.e)
        .add("O accumulator f32", k, q * c.Dv * f32)
        .add("cascade partial O + row max/sum f32", c.p.kvSplit > 1 ? 1 : 0,
             q * c.Dv * f32 + c.statsB);
    c.push(b, out);
    return;
  }
  FootprintBuilder qk("qk");
  c.addQK(qk);
  qk.add("S to softmax core", d, c.sTileF32);
  FootprintBuilder sm("softmax");
  sm.add("S from qk core", d, c.sTileF32)
      .add("row max/sum f32", k, c.statsB)
      .add("P to pv core", d, c.sTileF32)
      .add("rescale factors to pv core", d, q * f32);
  FootprintBuilder pv("pv");
  pv.add("P from softmax core", d, c.sTileF32)
      .add("rescale factors from softmax core", d, q * f32)
      .add("V", d, kv * c.Dv * c.e)
      .add("O", d, q * c.Dv * c.e)
      .add("O accumulator f32", k, q * c.Dv * f32);
  c.push(qk, out);
  c.push(sm, out);
  c.push(pv, out);
}

/// The partial fold's QK+softmax: one fused core.
static void qkSoftmaxCores(const BufferContext &c, StageBuffers &out) {
  FootprintBuilder b("");
  c.addQK(b);
  b.add("S rows f32", c.k, c.rowF32)
      .add("row max/sum f32", c.k, c.statsB)
      .add("P", c.d, c.q * c.kv * c.ib);
  c.push(b, out);
}

/// The unfolded softmax: whole rows in L1 when they fit (one pass over S
/// from DRAM), the most rows, a divisor of q_tile, that fit (as the back
/// end's softmax stage takes them); else S tiles streamed twice (running
/// max/sum, then normalize).
static void softmaxCores(const BufferContext &c, StageBuffers &out) {
  const int64_t d = c.d, q = c.q, kv = c.kv, ib = c.ib;
  for (int64_t r = q; r >= 1 && c.knownKeys; --r) {
    if (q % r != 0)
      continue;
    FootprintBuilder rows("");
    rows.add("S rows", d, r * c.z.paddedKeyLen * ib)
        .add("S rows f32", 1, c.rowF32 / q * r)
        .add("row max/sum f32", 1, c.statsB / q * r)
        .add("P", d, r * kv * ib);
    c.addRuntime(rows);
    if (rows.fp.total() <= l1BufferBudget(c.t)) {
      out.softmaxRowsResident = true;
      out.cores.push_back(std::move(rows.fp));
      return;
    }
  }
  FootprintBuilder b("");
  b.add("S", d, q * kv * ib)
      .add("S tile f32", 1, c.sTileF32)
      .add("row max/sum f32", 1, c.statsB)
      .add("P", d, q * kv * ib);
  c.push(b, out);
}

/// A memtile of a plan the AIE back end does not emit as modelled: the
/// column's lanes' query tiles (a lane's k tiles pass in turn), the K/V
/// block, the lanes' output tiles and their mask/bias/S/P step tiles,
/// `depth` times.
static Footprint modelMemTile(StageKind kind, const BufferContext &c) {
  const int64_t d = c.d, q = c.q, kv = c.kv, lanes = c.lanes;
  const int64_t e = c.e, ib = c.ib;
  int64_t kvRows =
      c.knownKeys ? std::min(c.p.l2KvBlock, c.z.paddedKeyLen) : c.p.l2KvBlock;
  FootprintBuilder m("");
  auto addQKBlock = [&] {
    m.add("Q", d, lanes * q * c.D * e)
        .add("K", d, kvRows * c.D * e)
        .add("mask", d, lanes * q * kv * c.z.maskBytes)
        .add("bias", d, lanes * q * kv * c.z.biasBytes);
  };
  switch (kind) {
  case StageKind::Online:
  case StageKind::Full:
    addQKBlock();
    m.add("V", d, kvRows * c.Dv * e).add("O", d, lanes * q * c.Dv * e);
    break;
  case StageKind::QK:
  case StageKind::Pilot:
    addQKBlock();
    m.add("S", d, lanes * q * kv * ib);
    break;
  case StageKind::Softmax:
    m.add("S", d, lanes * q * kv * ib).add("P", d, lanes * q * kv * ib);
    break;
  case StageKind::QKSoftmax:
    addQKBlock();
    m.add("P", d, lanes * q * kv * ib);
    break;
  case StageKind::PV:
    m.add("P", d, lanes * c.k * q * kv * ib)
        .add("V", d, kvRows * c.Dv * e)
        .add("O", d, lanes * q * c.Dv * e);
    break;
  }
  return std::move(m.fp);
}

static Footprint footprintOf(llvm::ArrayRef<aiemap::LayoutBuffer> buffers) {
  FootprintBuilder b("");
  for (const aiemap::LayoutBuffer &lb : buffers)
    b.add(lb.name, lb.copies, lb.objectBytes());
  return std::move(b.fp);
}

/// A stage the AIE back end emits as modelled is sized by the stage layout
/// (StageLayout.h) attn-schedule-dma checks and aie-check-limits measures:
/// the core layout with the plan's query tiles per lane, and the busiest
/// memtile, a group's first column (the step object, the column's item
/// split, the output join of the cores that do not bypass it, and the
/// plan's K/V block when it is larger than the step). Returns false (and
/// leaves `out` alone) for any other stage.
static bool emittedBuffers(StageKind kind, const Plan &p, const BufferSizes &z,
                           const NPUTarget &t, StageBuffers &out) {
  std::optional<aiemap::CoreLayoutParams> lp = emittedCore(kind, p, z);
  if (!lp)
    return false;
  if (kind == StageKind::Softmax) {
    // attn-fold's unfolded softmax takes no valid_len (the qk stage masked
    // the scores). The most rows, a divisor of q_tile, whose layout fits L1
    // (as attn-schedule-dma takes them): whole rows, else rows streamed
    // twice in kv_tile chunks.
    lp->validLenWords = 0;
    auto mostRows = [&]() {
      for (lp->qTile = p.qTile; lp->qTile >= 1; --lp->qTile)
        if (p.qTile % lp->qTile == 0 &&
            aiemap::coreLayout(*lp, t).total() <= t.coreL1Bytes)
          return true;
      return false;
    };
    out.softmaxRowsResident = mostRows();
    if (!out.softmaxRowsResident) {
      lp->softmaxChunk = p.kvTile;
      if (!mostRows())
        return false;
    }
    out.softmaxRows = lp->qTile;
  }
  // L2-resident K/V: an l2_kv_block covering the padded key length, where
  // the mapping serves the stage (else the back end streams K/V a kv_tile at
  // a time, as it emits a hand-written plan).
  if (isAttentionStage(kind) && p.l2KvBlock > p.kvTile &&
      p.l2KvBlock >= z.paddedKeyLen) {
    aiemap::CoreLayoutParams resident = *lp;
    resident.kvResident = true;
    lp->kvResident =
        aiemap::whyNotKvResident(resident, p.kvSplit,
                                 p.mapping == MappingKind::stream, t)
            .empty();
  }
  out.kvResident = lp->kvResident;
  out.cores.assign(1, footprintOf(aiemap::coreLayout(*lp, t).buffers));
  aiemap::MemTileLayoutParams m;
  // Per column: one Q split / O join end per lane (a cascade chain of
  // kv_split cores shares its lane's Q tile and writes one O tile).
  m.cores = p.coresPerColumn / std::max(1, p.kvSplit);
  m.outputCores = m.cores - aiemap::bypassCores(*lp, m.cores, t);
  m.hostsStep = true;
  if (lp->kvResident)
    m.kvBlockKeys = z.paddedKeyLen;
  if (lp->kvResident) {
    // The rounds of a unit are at most those of a whole kv head on one
    // column's lanes (the scheduler keeps within this bound).
    int64_t bound = 0;
    if (z.groupHeads > 0 && z.queryLen > 0)
      bound = aiemap::residentRoundsBound(
          z.groupHeads * ((z.queryLen + p.qTile - 1) / p.qTile),
          lanesPerColumn(p), lp->queryTiles);
    m.kvResidentCopies = out.kvResidentCopies =
        aiemap::residentKvCopies(*lp, m, bound, t);
  }
  out.memTile = footprintOf(aiemap::memTileLayout(*lp, m, t));
  return true;
}

StageBuffers cost::stageBuffers(StageKind kind, const Plan &p,
                                const BufferSizes &z, const NPUTarget &t) {
  StageBuffers out;
  if (emittedBuffers(kind, p, z, t, out))
    return out;
  BufferContext c(p, z, t);
  bool stream = p.mapping == MappingKind::stream && kind == StageKind::Online;
  switch (kind) {
  case StageKind::Online:
  case StageKind::Full:
    attentionCores(c, stream, out);
    break;
  case StageKind::QK:
  case StageKind::Pilot: {
    FootprintBuilder b("");
    c.addQK(b);
    // A narrower S in DRAM is rounded from an f32 tile.
    b.add("S tile f32", c.ib == c.f32 ? 0 : 1, c.sTileF32)
        .add("S", c.d, c.q * c.kv * c.ib);
    c.push(b, out);
    break;
  }
  case StageKind::Softmax:
    softmaxCores(c, out);
    break;
  case StageKind::QKSoftmax:
    qkSoftmaxCores(c, out);
    break;
  case StageKind::PV: {
    FootprintBuilder b("");
    b.add("P", c.d * c.k, c.q * c.kv * c.ib)
        .add("V", c.d, c.kv * c.Dv * c.e)
        .add("O", c.d, c.q * c.Dv * c.e)
        .add("O accumulator f32", c.k, c.q * c.Dv * c.f32);
    c.push(b, out);
    break;
  }
  }
  out.memTile = modelMemTile(kind, c);
  return out;
}

//===----------------------------------------------------------------------===//
// Visibility and schedules
//===----------------------------------------------------------------------===//

namespace mlir::attn::cost::detail {

/// Per query tile: key tiles computed, and how many of those need a position
/// mask pass (causal edge, padded keys, runtime valid_len).
struct TileVisibility {
  int64_t computed = 0;
  int64_t masked = 0;
  int64_t realKeys = 0; // real key columns inside the computed tiles
};

struct Geometry {
  int64_t lq, lk;        // real lengths
  int64_t qTile, kvTile; // tiles
  int64_t nQ, nK;        // tile counts (padded)
  CausalKind causal;
  bool skip;
  bool validLen;
};

TileVisibility visibility(const Geometry &g, int64_t qi) {
  TileVisibility v;
  int64_t firstRow = qi * g.qTile;
  int64_t lastRow = std::min((qi + 1) * g.qTile, g.lq) - 1;
  int64_t offset = g.causal == CausalKind::bottom_right ? g.lk - g.lq : 0;
  int64_t visible = g.nK, fully = g.nK;
  if (g.causal != CausalKind::none) {
    // Key tiles any real row of the tile sees, and tiles every row sees.
    int64_t lastKey = std::min(lastRow + offset, g.lk - 1);
    visible = lastKey < 0 ? 0 : std::min(g.nK, lastKey / g.kvTile + 1);
    int64_t firstKey = firstRow + offset;
    fully = firstKey < 0 ? 0 : std::min(g.nK, (firstKey + 1) / g.kvTile);
  }
  v.computed = g.skip ? visible : g.nK;
  if (g.validLen) {
    v.masked = v.computed;
  } else {
    v.masked = std::max<int64_t>(0, v.computed - fully);
    // The last key tile holds padding keys: masked too unless counted.
    bool paddedTail = g.nK * g.kvTile > g.lk;
    if (paddedTail && v.computed == g.nK && fully == g.nK)
      v.masked += 1;
  }
  v.realKeys = std::min(g.lk, v.computed * g.kvTile);
  return v;
}

/// Critical-path counts of one stage schedule (sums over rounds of the
/// busiest lane) and K/V stream totals. Cost = coefficients x counts.
struct Schedule {
  int64_t rounds = 0;
  int64_t critItems = 0;       // items on the critical lane
  int64_t critBlocks = 0;      // computed blocks (busiest cascade part)
  int64_t critMasked = 0;      // of which masked
  int64_t critRowTiles = 0;    // computed tiles of whole rows (full/partial)
  int64_t streamBlocks = 0;    // K/V blocks streamed (padded tiles)
  int64_t streamKeyRows = 0;   // real key rows streamed from DRAM
  int64_t residentKeyRows = 0; // same when K/V stay resident in L2
  /// Emitted decomposition: key rows an L2-resident K/V plan reads from
  /// DRAM (a kv head's K/V once per unit), and the critical group's units
  /// (each one exposed K/V load: the resident object is single-buffered).
  int64_t unitKeyRows = 0;
  int64_t critUnits = 0;
  int64_t coreInBlocks = 0; // sum over rounds of blocks a core receives
  /// Emitted decomposition only: the critical group's rounds by the
  /// (computed, masked) blocks of their busiest core and the key blocks the
  /// round streams (its round class's: WorkSplit.h, roundClasses), and how
  /// many. A round lasts at least its stream.
  std::map<std::tuple<int64_t, int64_t, int64_t>, int64_t> critRounds;
  /// Emitted decomposition only: query tiles a core keeps per round (the
  /// split's k) and cores per cascade chain (a round's stream blocks a chain
  /// core computes are every kv_split-th of the chain's).
  int64_t tilesPerCore = 1, kvSplit = 1;
};

struct ScheduleKey {
  int64_t qTile, kvTile, lanes, perLane, kvSplit;
  bool skip;
  bool operator==(const ScheduleKey &o) const {
    return qTile == o.qTile && kvTile == o.kvTile && lanes == o.lanes &&
           perLane == o.perLane && kvSplit == o.kvSplit && skip == o.skip;
  }
};

/// Sum over i in [0, n) of floor((a * i + b) / m), for n, a, b >= 0 and
/// m > 0, in O(log m) steps (the Euclid-like reduction of floor sums). 128-bit
/// intermediates: n * a may exceed int64 even when the sum does not.
__int128 floorSum(__int128 n, __int128 m, __int128 a, __int128 b) {
  __int128 sum = 0;
  while (n > 0) {
    if (a >= m) {
      sum += n * (n - 1) / 2 * (a / m);
      a %= m;
    }
    if (b >= m) {
      sum += n * (b / m);
      b %= m;
    }
    __int128 yMax = a * n + b;
    if (yMax < m)
      break;
    n = yMax / m;
    b = yMax % m;
    std::swap(m, a);
  }
  return sum;
}

/// Sum over rounds [0, rounds) of the K/V heads round r touches: items
/// [r * perRound, min(total, (r + 1) * perRound)) of `itemsPerKv` items per
/// K/V head. Closed form (floor sums), independent of B and H.
int64_t kvSegments(int64_t total, int64_t perRound, int64_t itemsPerKv) {
  int64_t full = total / perRound;
  __int128 sum = floorSum(full, itemsPerKv, perRound, perRound - 1) -
                 floorSum(full, itemsPerKv, perRound, 0) + full;
  if (int64_t begin = full * perRound; begin < total)
    sum += (total - 1) / itemsPerKv - begin / itemsPerKv + 1;
  return static_cast<int64_t>(sum);
}

/// One round's contribution to a Schedule.
struct RoundCounts {
  int64_t critItems = 0, critBlocks = 0, critMasked = 0, critRowTiles = 0;
  int64_t stream = 0, rows = 0, coreIn = 0;
  void addTo(Schedule &sch, int64_t times) const {
    sch.critItems += times * critItems;
    sch.critBlocks += times * critBlocks;
    sch.critMasked += times * critMasked;
    sch.critRowTiles += times * critRowTiles;
    sch.streamBlocks += times * stream;
    sch.streamKeyRows += times * rows;
    sch.coreInBlocks += times * coreIn;
  }
};

/// Items are ordered (b, kv head, head of the group, qi); round r holds items
/// [r * lanes * perLane, ...) and item t of a round goes to lane t % lanes.
/// Modeled without walking every item: when all query tiles see the same key
/// tiles (no causal rule) in closed form; otherwise by equivalence class: a
/// full round's counts depend only on where it starts inside a K/V head's
/// items (begin mod itemsPerKv), so at most lcm(perRound, itemsPerKv) items
/// are visited whatever the batch and head counts.
Schedule computeSchedule(const AttentionShape &s, const Geometry &g,
                         int64_t lanes, int64_t perLane, int64_t kvSplit) {
  Schedule sch;
  int64_t group = s.heads / s.kvHeads;
  int64_t itemsPerKv = group * g.nQ;
  int64_t totalItems = s.batch * s.kvHeads * itemsPerKv;
  int64_t perRound = lanes * perLane;
  sch.rounds = ceilDiv(totalItems, perRound);
  // A cascade chain's cores take the key steps in turn (step j on core
  // j mod kv_split), so the busiest computes ceil(computed / kv_split)
  // blocks and its share of the masked ones.
  auto partBlocks = [&](int64_t computed) {
    return ceilDiv(computed, kvSplit);
  };
  auto partMasked = [&](const TileVisibility &v) {
    return ceilDiv(v.masked, kvSplit);
  };
  // Real key rows of a streamed prefix of `tiles` key tiles.
  auto keyRows = [&](int64_t tiles) {
    return std::min(g.lk, tiles * g.kvTile);
  };

  if (g.causal == CausalKind::none) {
    // Every query tile sees the same key tiles: lanes differ only in their
    // item counts, lane 0 holds the most, and each K/V head a round touches
    // streams the same prefix.
    TileVisibility v = visibility(g, 0);
    int64_t fullRounds = totalItems / perRound;
    int64_t lastItems = totalItems - fullRounds * perRound;
    int64_t critItems =
        fullRounds * perLane + (lastItems ? ceilDiv(lastItems, lanes) : 0);
    sch.critItems = critItems;
    sch.critBlocks = critItems * partBlocks(v.computed);
    sch.critMasked = critItems * partMasked(v);
    sch.critRowTiles = critItems * v.computed;
    int64_t segments = kvSegments(totalItems, perRound, itemsPerKv);
    sch.streamBlocks = segments * v.computed;
    sch.streamKeyRows = segments * keyRows(v.computed);
    sch.coreInBlocks = segments * v.computed;
    return sch;
  }

  std::vector<TileVisibility> vis(g.nQ);
  int64_t maxComputed = 0;
  for (int64_t qi = 0; qi < g.nQ; ++qi) {
    vis[qi] = visibility(g, qi);
    maxComputed = std::max(maxComputed, vis[qi].computed);
  }

  std::vector<int64_t> laneBlocks(lanes), laneMasked(lanes), laneItems(lanes),
      laneRow(lanes);
  auto round = [&](int64_t begin, int64_t end) {
    std::fill(laneBlocks.begin(), laneBlocks.end(), 0);
    std::fill(laneMasked.begin(), laneMasked.end(), 0);
    std::fill(laneItems.begin(), laneItems.end(), 0);
    std::fill(laneRow.begin(), laneRow.end(), 0);
    RoundCounts rc;
    int64_t streamMax = 0, currentKv = -1;
    for (int64_t t = begin; t < end; ++t) {
      int64_t kv = t / itemsPerKv;
      const TileVisibility &v = vis[(t % itemsPerKv) % g.nQ];
      int64_t lane = (t - begin) % lanes;
      laneBlocks[lane] += partBlocks(v.computed);
      laneMasked[lane] += partMasked(v);
      laneItems[lane] += 1;
      laneRow[lane] += v.computed;
      if (kv != currentKv) {
        if (currentKv >= 0) {
          rc.stream += streamMax;
          rc.rows += keyRows(streamMax);
          rc.coreIn += streamMax;
        }
        currentKv = kv;
        streamMax = 0;
      }
      streamMax = std::max(streamMax, v.computed);
    }
    rc.stream += streamMax;
    rc.rows += keyRows(streamMax);
    // Every core of a cascade chain receives the whole broadcast stream
    // and computes its part of it (the emitted chains share the group's
    // K/V broadcast).
    rc.coreIn += streamMax;
    // Critical lane: most computed blocks, then most masked blocks.
    int64_t best = 0;
    for (int64_t l = 1; l < lanes; ++l)
      if (laneBlocks[l] > laneBlocks[best] ||
          (laneBlocks[l] == laneBlocks[best] &&
           laneMasked[l] > laneMasked[best]))
        best = l;
    rc.critItems = laneItems[best];
    rc.critBlocks = laneBlocks[best];
    rc.critMasked = laneMasked[best];
    rc.critRowTiles = laneRow[best];
    return rc;
  };
  int64_t fullRounds = totalItems / perRound;
  // Round r starts at offset (r * perRound) mod itemsPerKv of a K/V head:
  // the offsets repeat with period itemsPerKv / gcd(perRound, itemsPerKv).
  int64_t period = itemsPerKv / std::gcd(perRound, itemsPerKv);
  int64_t classes = std::min(fullRounds, period);
  for (int64_t c = 0; c < classes; ++c) {
    int64_t times = (fullRounds - c + period - 1) / period;
    round(c * perRound, (c + 1) * perRound).addTo(sch, times);
  }
  if (int64_t begin = fullRounds * perRound; begin < totalItems)
    round(begin, totalItems).addTo(sch, 1);
  return sch;
}

/// The rounds of the work decomposition the AIE back end emits for fused
/// lanes of one core (aiemap::WorkSplit, the scheduler's own choice): the
/// broadcast groups run in parallel, the cores of a group take one item each
/// per round and run in step with the group's K/V stream (a round lasts as
/// long as its busiest core), a chunk's last round is shifted back (its items
/// are computed twice), and a round streams the key blocks of its round
/// class (`streamVis`: causal online stages stream only the blocks the
/// round's items compute; otherwise all of them). The critical group is the
/// one whose rounds cost most. A cascade plan (`kvSplit` > 1) is the same
/// decomposition over its chains (`split` counts a chain as one core, as
/// attn-schedule-dma plans it): every chain core receives the whole stream
/// and computes the key steps j with j mod kvSplit = its position, so the
/// busiest computes ceil(computed / kvSplit) blocks of a round.
Schedule computeEmittedSchedule(const AttentionShape &s, const Geometry &g,
                                const aiemap::WorkSplit &split, int64_t kvSplit,
                                const aiemap::KeyVisibility &streamVis) {
  Schedule sch;
  std::vector<TileVisibility> vis(g.nQ);
  int64_t maxComputed = 0;
  for (int64_t qi = 0; qi < g.nQ; ++qi) {
    vis[qi] = visibility(g, qi);
    maxComputed = std::max(maxComputed, vis[qi].computed);
  }
  auto keyRows = [&](int64_t tiles) {
    return std::min(g.lk, tiles * g.kvTile);
  };
  sch.residentKeyRows = s.batch * s.kvHeads * keyRows(maxComputed);
  // Per chunk: the critical counts summed over its rounds.
  struct ChunkCounts {
    int64_t rounds = 0, items = 0, blocks = 0, masked = 0, rowTiles = 0;
    int64_t units = 0;
    int64_t streamed = 0, streamedRows = 0; // key blocks / rows streamed
    std::map<std::tuple<int64_t, int64_t, int64_t>, int64_t> paces;
  };
  std::vector<ChunkCounts> chunks(split.queryChunks);
  for (int64_t c = 0; c < split.queryChunks; ++c) {
    // Per round and lane: the blocks, masked blocks and score-row tiles of
    // the lane's k query tiles (cascade: its chain core's share of each).
    struct Lane {
      int64_t blocks = 0, masked = 0, rowTiles = 0;
    };
    int64_t P = split.coresPerGroup();
    std::vector<Lane> lanes(split.roundsOfChunk(c) * P);
    split.forEachRound(c, [&](int64_t t, int64_t lane, int64_t item) {
      const TileVisibility &v = vis[item % split.queryTiles];
      Lane &l = lanes[t * P + lane];
      l.blocks += ceilDiv(v.computed, kvSplit);
      l.masked += ceilDiv(v.masked, kvSplit);
      l.rowTiles += v.computed;
    });
    aiemap::ChunkRounds classes = aiemap::roundClasses(split, streamVis, c);
    for (int64_t t = 0, n = split.roundsOfChunk(c); t < n; ++t) {
      const Lane *busiest = &lanes[t * P];
      for (int64_t lane = 1; lane < P; ++lane) {
        const Lane &l = lanes[t * P + lane];
        if (l.blocks > busiest->blocks ||
            (l.blocks == busiest->blocks && l.masked > busiest->masked))
          busiest = &l;
      }
      int64_t streamed = classes.blocksOfRound(t);
      chunks[c].paces[{busiest->blocks, busiest->masked, streamed}] += 1;
      chunks[c].streamed += streamed;
      chunks[c].streamedRows += keyRows(streamed);
      chunks[c].rounds += 1;
      chunks[c].items += split.tilesPerCore;
      chunks[c].blocks += busiest->blocks;
      chunks[c].masked += busiest->masked;
      chunks[c].rowTiles += busiest->rowTiles;
    }
  }
  ChunkCounts critical;
  int64_t totalUnits = 0;
  int64_t streamedBlocks = 0, streamedRows = 0;
  for (int64_t grp = 0; grp < split.numGroups; ++grp) {
    ChunkCounts sum;
    split.forEachUnitClass(grp, [&](int64_t chunk, bool, int64_t n) {
      const ChunkCounts &c = chunks[chunk];
      sum.units += n;
      sum.rounds += n * c.rounds;
      sum.items += n * c.items;
      sum.blocks += n * c.blocks;
      sum.masked += n * c.masked;
      sum.rowTiles += n * c.rowTiles;
      sum.streamed += n * c.streamed;
      sum.streamedRows += n * c.streamedRows;
      for (auto [pace, times] : c.paces)
        sum.paces[pace] += n * times;
    });
    totalUnits += sum.units;
    streamedBlocks += sum.streamed;
    streamedRows += sum.streamedRows;
    if (std::make_tuple(sum.blocks, sum.masked, sum.items) >
        std::make_tuple(critical.blocks, critical.masked, critical.items))
      critical = sum;
  }
  sch.rounds = critical.rounds;
  sch.critItems = critical.items;
  sch.critBlocks = critical.blocks;
  sch.critMasked = critical.masked;
  sch.critRowTiles = critical.rowTiles;
  sch.streamBlocks = streamedBlocks;
  sch.streamKeyRows = streamedRows;
  sch.unitKeyRows = totalUnits * keyRows(g.nK);
  sch.critUnits = critical.units;
  sch.coreInBlocks = critical.streamed;
  sch.critRounds = std::move(critical.paces);
  sch.tilesPerCore = split.tilesPerCore;
  sch.kvSplit = kvSplit;
  return sch;
}

struct ScheduleKeyHash {
  size_t operator()(const ScheduleKey &k) const {
    size_t h = std::hash<int64_t>()(k.qTile);
    for (int64_t v : {k.kvTile, k.lanes, k.perLane, k.kvSplit, int64_t(k.skip)})
      h = h * 1000003u ^ std::hash<int64_t>()(v);
    return h;
  }
};

/// Exact totals over every item (independent of lanes).
struct Totals {
  int64_t items = 0;
  int64_t computedBlocks = 0;
  int64_t maskedBlocks = 0;
  int64_t realRowKeys = 0; // sum over items of realRows * realKeys
  int64_t realRows = 0;    // sum over items of real query rows
  int64_t maskBytesPerElement = 0;
};

Totals computeTotals(const AttentionShape &s, const Geometry &g) {
  Totals t;
  int64_t perQ = s.batch * s.heads;
  auto add = [&](int64_t qi, int64_t times) {
    TileVisibility v = visibility(g, qi);
    int64_t rows = std::min((qi + 1) * g.qTile, g.lq) - qi * g.qTile;
    int64_t n = perQ * times;
    t.items += n;
    t.computedBlocks += n * v.computed;
    t.maskedBlocks += n * v.masked;
    t.realRowKeys += n * rows * v.realKeys;
    t.realRows += n * rows;
  };
  if (g.causal == CausalKind::none) {
    // All tiles alike but the last, which may hold fewer real rows.
    if (g.nQ > 1)
      add(0, g.nQ - 1);
    add(g.nQ - 1, 1);
    return t;
  }
  for (int64_t qi = 0; qi < g.nQ; ++qi)
    add(qi, 1);
  return t;
}

/// Bytes of a mask-like operand (shape right-aligned to [B,H,Lq,Lk]) that the
/// items read: every item reads the part of its computed tiles it needs
/// (broadcast dims are read once per tile, not expanded).
int64_t maskLikeBytes(const AttentionShape &s, const Geometry &g,
                      const std::array<int64_t, 4> &dims, ElementKind element) {
  int64_t total = 0;
  int64_t perQ = s.batch * s.heads;
  auto add = [&](int64_t qi, int64_t times) {
    TileVisibility v = visibility(g, qi);
    int64_t rows = std::min((qi + 1) * g.qTile, g.lq) - qi * g.qTile;
    int64_t r = dims[2] == 1 ? 1 : rows;
    int64_t c = dims[3] == 1 ? v.computed : v.realKeys;
    total += perQ * times * r * c;
  };
  if (g.causal == CausalKind::none) {
    if (g.nQ > 1)
      add(0, g.nQ - 1);
    add(g.nQ - 1, 1);
  } else {
    for (int64_t qi = 0; qi < g.nQ; ++qi)
      add(qi, 1);
  }
  return total * bytes(element);
}

//===----------------------------------------------------------------------===//
// The model
//===----------------------------------------------------------------------===//

} // namespace mlir::attn::cost::detail

using namespace mlir::attn::cost::detail;

struct EstimateCache::Impl {
  std::unordered_map<ScheduleKey, Schedule, ScheduleKeyHash> schedules;
  std::unordered_map<ScheduleKey, Totals, ScheduleKeyHash> totals;
  // Mask-like bytes by (q tile, kv tile, skip, operand index).
  std::map<std::tuple<int64_t, int64_t, bool, int>, int64_t> maskBytes;
  // Emitted decompositions by (q tile, kv tile, columns, cores per column,
  // query tiles per core, kv_split, stage kind, skip, L2-resident K/V).
  std::map<std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int,
                      bool, bool>,
           Schedule>
      emitted;
};
EstimateCache::EstimateCache() : impl(std::make_unique<Impl>()) {}
EstimateCache::~EstimateCache() = default;

namespace {

/// What every part of one stage's estimate reads: its schedule (the K/V
/// stream and the critical lane), its buffers and the counts of that lane.
struct StageContext {
  StageKind kind;
  Schedule sch;
  StageBuffers buffers;
  bool rowResident = true; // softmax: whole score rows fit L1
  int64_t kvRows = 0;      // key rows streamed from DRAM
  /// L2-resident K/V (docs/aie-mapping.md): DRAM once per unit, the host
  /// memtile streams K/V to the cores every round.
  bool kvResident = false;
  // Critical lane: items, computed blocks, masked blocks, computed tiles of
  // whole rows, and every tile of those rows (hidden causal tiles included:
  // the whole-row folds mask and normalize them).
  double items = 0, blocks = 0, masked = 0, rowTiles = 0, rowAllTiles = 0;
};

/// Critical-lane core cycles of a stage, by unit.
struct StageWork {
  double matrix = 0, vector = 0, overhead = 0;
};

/// Bytes a core moves per item, per K/V step and per result.
struct TileBytes {
  int64_t step = 0, item = 0, out = 0, perBlockOut = 0;
};

struct Model {
  const AttentionShape &s;
  const Plan &p;
  const NPUTarget &t;
  MatmulDatapath dp;
  PaddedSizes pad;
  Geometry geo;
  Totals totals;
  int64_t e;      // element bytes
  int64_t interB; // S / P bytes in DRAM
  int64_t lanes, lanesPerColumn, perLane;
  double rate;        // effective MACs per cycle
  double passCost;    // vector pass, cycles per element
  double expCost;     // exp pass, cycles per element
  double stream;      // bytes per cycle per DMA channel
  double call;        // kernel call overhead
  int64_t maskPasses; // boolean/additive mask + bias passes per block
  EstimateCache::Impl *cache = nullptr;
  Estimate est;

  Model(const AttentionShape &s, const Plan &p, const NPUTarget &t,
        EstimateCache *cache)
      : s(s), p(p), t(t), cache(cache ? cache->impl.get() : nullptr) {}

  bool emittedDecomposition(StageKind kind, int64_t stageLanes, int64_t perLane,
                            int64_t kvSplit) const;
  aiemap::WorkSplit emittedSplit(StageKind kind, int64_t tilesPerCore,
                                 int64_t kvSplit) const;
  aiemap::KeyVisibility emittedVisibility(StageKind kind) const;
  aiemap::KeyVisibility emittedStreamVisibility(StageKind kind,
                                                bool kvResident) const;
  aiemap::WorkSplit rankedSplit(StageKind kind, const aiemap::WorkSplit &base,
                                const aiemap::KeyVisibility &vis,
                                int64_t laneRows) const;
  void emittedSoftmax(StageContext &c) const;
  Schedule emittedSchedule(StageKind kind, int64_t tilesPerCore,
                           int64_t kvSplit, bool kvResident) {
    if (!cache)
      return computeEmittedSchedule(
          s, geo, emittedSplit(kind, tilesPerCore, kvSplit), kvSplit,
          emittedStreamVisibility(kind, kvResident));
    auto key = std::make_tuple(p.qTile, p.kvTile, int64_t(p.columns),
                               int64_t(p.coresPerColumn), tilesPerCore, kvSplit,
                               int(kind), p.causalSkip, kvResident);
    auto it = cache->emitted.find(key);
    if (it != cache->emitted.end())
      return it->second;
    Schedule sch = computeEmittedSchedule(
        s, geo, emittedSplit(kind, tilesPerCore, kvSplit), kvSplit,
        emittedStreamVisibility(kind, kvResident));
    cache->emitted.emplace(key, sch);
    return sch;
  }
  Schedule schedule(int64_t lanes, int64_t perLane, int64_t kvSplit) {
    if (!cache)
      return computeSchedule(s, geo, lanes, perLane, kvSplit);
    ScheduleKey key{p.qTile, p.kvTile, lanes, perLane, kvSplit, p.causalSkip};
    auto it = cache->schedules.find(key);
    if (it != cache->schedules.end())
      return it->second;
    Schedule sch = computeSchedule(s, geo, lanes, perLane, kvSplit);
    cache->schedules.emplace(key, sch);
    return sch;
  }
  Totals getTotals() {
    if (!cache)
      return computeTotals(s, geo);
    ScheduleKey key{p.qTile, p.kvTile, 0, 0, 0, p.causalSkip};
    auto it = cache->totals.find(key);
    if (it != cache->totals.end())
      return it->second;
    Totals tot = computeTotals(s, geo);
    cache->totals.emplace(key, tot);
    return tot;
  }
  int64_t maskBytes(int which) {
    const auto &dims = which == 0 ? s.maskShape : s.biasShape;
    // On the device: the layer's element type (docs/aie-mapping.md).
    ElementKind elem = s.element;
    if (!cache)
      return maskLikeBytes(s, geo, dims, elem);
    auto key = std::make_tuple(p.qTile, p.kvTile, p.causalSkip, which);
    auto it = cache->maskBytes.find(key);
    if (it != cache->maskBytes.end())
      return it->second;
    int64_t b = maskLikeBytes(s, geo, dims, elem);
    cache->maskBytes.emplace(key, b);
    return b;
  }

  int64_t realRows(int64_t qi) const {
    return std::min((qi + 1) * p.qTile, s.queryLen) - qi * p.qTile;
  }

  // Per-block building blocks, cycles.
  double mmQK() const {
    return double(p.qTile) * p.kvTile * pad.headDim / rate;
  }
  double mmPV() const {
    return double(p.qTile) * p.kvTile * pad.valueDim / rate;
  }
  double passS() const { return double(p.qTile) * p.kvTile * passCost; }
  double expS() const { return double(p.qTile) * p.kvTile * expCost; }
  double passO() const { return double(p.qTile) * pad.valueDim * passCost; }
  double rowReduce() const { return double(p.qTile) * t.rowReduceCycles; }
  double kTranspose() const {
    return p.kTranspose == KTransposePlacement::Core
               ? double(p.kvTile) * pad.headDim * passCost
               : 0.0;
  }
  /// Vector work of the QKᵀ kernel per block besides its matmul: the scale
  /// of the scores (one pass over S) and, on the core, K's transpose.
  double qkVector() const { return passS() + kTranspose(); }
  void run(bool legalityOnly);
  llvm::SmallVector<StageKind, 3> stageKinds() const;
  StageEstimate stage(StageKind kind);
  StageContext stageContext(StageKind kind);
  void stageTraffic(const StageContext &c, StageEstimate &st);
  int64_t stageMacs(StageKind kind) const;
  StageWork maskWork(const StageContext &c, bool wholeRows) const;
  StageWork onlineWork(const StageContext &c) const;
  StageWork fullWork(const StageContext &c) const;
  StageWork qkSoftmaxWork(const StageContext &c) const;
  StageWork stageWork(const StageContext &c) const;
  TileBytes tileBytes(const StageContext &c) const;
  void stageDma(const StageContext &c, StageEstimate &st) const;
  double fusedCoreIn(const StageContext &c, const TileBytes &b,
                     double stepBlocks) const;
  double streamStalls(const StageContext &c) const;
  void stageBinding(StageEstimate &st) const;
  BufferSizes bufferSizes() const;
  void checkChannels(StageKind kind, llvm::SmallVectorImpl<Violation> &v);
};

BufferSizes Model::bufferSizes() const {
  BufferSizes b;
  b.elementBytes = e;
  b.intermediateBytes = interB;
  // The device carries mask and bias in the layer's element type.
  // Query-varying: a tile per core; head-varying in a GQA group: the
  // group's rows; else one shared key row (docs/aie-mapping.md).
  auto laneRows = [&](const std::array<int64_t, 4> &dims) -> int64_t {
    return dims[2] > 1 ? p.qTile : 0;
  };
  auto groupRows = [&](const std::array<int64_t, 4> &dims) -> int64_t {
    return dims[2] == 1 && dims[1] > 1 && s.heads != s.kvHeads
               ? s.heads / s.kvHeads
               : 0;
  };
  if (s.mask != MaskKind::None) {
    b.maskBytes = e;
    b.maskLaneRows = laneRows(s.maskShape);
    b.maskGroupRows = groupRows(s.maskShape);
  }
  if (s.hasBias) {
    b.biasBytes = e;
    b.biasLaneRows = laneRows(s.biasShape);
    b.biasGroupRows = groupRows(s.biasShape);
  }
  b.runtimeParamBytes = s.validLen ? s.batch * 4 : 0;
  b.paddedKeyLen = pad.keyLen;
  b.groupHeads = s.kvHeads > 0 ? s.heads / s.kvHeads : 0;
  b.queryLen = s.queryLen;
  b.paddedHeadDim = pad.headDim;
  b.paddedValueDim = pad.valueDim;
  return b;
}

/// Channel and DMA-pattern limits of a stage, as violations.
void Model::checkChannels(StageKind kind,
                          llvm::SmallVectorImpl<Violation> &violations) {
  auto violate = [&](Violation::Kind k, llvm::StringRef resource,
                     int64_t needed, int64_t limit, std::string message) {
    violations.push_back(
        {k, "", resource.str(), needed, limit, std::move(message)});
  };
  int memMM2S = t.channels(TileKind::MemTile, /*s2mm=*/false);
  int memS2MM = t.channels(TileKind::MemTile, /*s2mm=*/true);
  int shimMM2S = t.channels(TileKind::Shim, /*s2mm=*/false);
  int shimS2MM = t.channels(TileKind::Shim, /*s2mm=*/true);
  int masks = (s.mask != MaskKind::None ? 1 : 0) + (s.hasBias ? 1 : 0);
  // DRAM tensors a stage streams besides its per-item operand.
  int stepTensors = 0;
  switch (kind) {
  case StageKind::Online:
  case StageKind::Full:
    stepTensors = 2 + masks;
    break;
  case StageKind::QK:
  case StageKind::QKSoftmax:
    stepTensors = 1 + masks;
    break;
  case StageKind::Softmax:
    stepTensors = 0;
    break;
  case StageKind::PV:
    stepTensors = 1;
    break;
  }
  // Per column: one item stream in from the shim, the step tensors spread
  // over the shims of the used columns.
  int64_t shimStreams = p.columns + stepTensors;
  if (shimStreams > int64_t(p.columns) * shimMM2S)
    violate(Violation::Kind::ShimInputStreams, "shim MM2S channels",
            shimStreams, int64_t(p.columns) * shimMM2S,
            llvm::formatv("shim input streams: {0} DRAM streams (one item "
                          "stream per column + {1} step tensors) exceed the "
                          "{2} shim MM2S channels of {3} columns",
                          shimStreams, stepTensors,
                          int64_t(p.columns) * shimMM2S, p.columns));
  // Memtile to cores: one split stream per lane (broadcast to the cores of
  // a cascade chain); the K/V step is one broadcast stream to every core
  // of the group (cascade chains included), or, with a mask or bias
  // (per-core tiles joined to the step), one stream per lane.
  int64_t stepStreams = stepTensors == 0 ? 0 : masks > 0 ? lanesPerColumn : 1;
  int64_t memOut = lanesPerColumn + stepStreams;
  if (kind == StageKind::PV)
    memOut = lanesPerColumn + 1;
  if (memOut > memMM2S)
    violate(Violation::Kind::MemTileOutputStreams, "memtile MM2S channels",
            memOut, memMM2S,
            llvm::formatv("memtile output streams: {0} (item streams of {1} "
                          "lanes + {2} step streams) exceed its {3} MM2S "
                          "channels",
                          memOut, lanesPerColumn, stepStreams, memMM2S));
  if (lanesPerColumn > t.memTileLinkFanOutMax)
    violate(Violation::Kind::MemTileLinkFanOut, "memtile link fan-out",
            lanesPerColumn, t.memTileLinkFanOutMax,
            llvm::formatv("memtile link fan-out {0} exceeds {1}",
                          lanesPerColumn, t.memTileLinkFanOutMax));
  // Into the memtile: results of the column's lanes and the inputs from the
  // shim; a lane may bypass the memtile into a spare shim S2MM channel.
  int64_t memIn = lanesPerColumn + 1 + std::min<int64_t>(stepTensors, 2);
  int64_t memInLimit = memS2MM + (shimS2MM - 1);
  if (memIn > memInLimit)
    violate(Violation::Kind::MemTileInputStreams,
            "memtile S2MM channels + spare shim S2MM", memIn, memInLimit,
            llvm::formatv("memtile input streams: {0} exceed its {1} S2MM "
                          "channels plus {2} spare shim S2MM",
                          memIn, memS2MM, shimS2MM - 1));
  // DMA pattern sizes: tiles and rows fit one dimension of a shim pattern.
  const DmaLimits &shim = t.dmaLimits(TileKind::Shim);
  auto words = [&](int64_t elements, int64_t elemBytes) {
    return ceilDiv(elements * elemBytes, shim.unitBytes);
  };
  if (p.qTile > shim.maxSize || p.kvTile > shim.maxSize)
    violate(Violation::Kind::DmaSize, "shim DMA dimension size",
            std::max(p.qTile, p.kvTile), shim.maxSize,
            llvm::formatv("tile rows ({0}, {1}) exceed the shim DMA size "
                          "limit {2}",
                          p.qTile, p.kvTile, shim.maxSize));
  if (words(pad.headDim, e) > shim.maxSize ||
      words(pad.valueDim, e) > shim.maxSize)
    violate(Violation::Kind::DmaSize, "shim DMA dimension size (words)",
            std::max(words(pad.headDim, e), words(pad.valueDim, e)),
            shim.maxSize,
            llvm::formatv("head dims ({0}, {1}) exceed the shim DMA size "
                          "limit of {2} words",
                          pad.headDim, pad.valueDim, shim.maxSize));
  int64_t rowStride =
      s.layout == LayoutKind::blhd && p.layout == LayoutHandling::Dma
          ? words(s.heads * s.headDim, e)
          : words(s.headDim, e);
  if (rowStride > shim.maxStrideWords)
    violate(Violation::Kind::DmaStride, "shim DMA stride (words)", rowStride,
            shim.maxStrideWords,
            llvm::formatv("row stride of {0} words exceeds the shim DMA "
                          "stride limit {1}",
                          rowStride, shim.maxStrideWords));
  if (kind == StageKind::QK || kind == StageKind::Softmax ||
      kind == StageKind::QKSoftmax || kind == StageKind::PV) {
    if (words(s.keyLen, interB) > shim.maxStrideWords)
      violate(Violation::Kind::DmaStride, "shim DMA stride (words)",
              words(s.keyLen, interB), shim.maxStrideWords,
              llvm::formatv("score row stride of {0} words exceeds the shim "
                            "DMA stride limit {1}",
                            words(s.keyLen, interB), shim.maxStrideWords));
  }
  // Kᵀ by DMA: [kv/n][D/k][n][k] blocks on the memtile, runs of k elements
  // in whole transfer units.
  if (p.kTranspose == KTransposePlacement::Dma &&
      (isAttentionStage(kind) || kind == StageKind::QK ||
       kind == StageKind::QKSoftmax)) {
    const DmaLimits &mem = t.dmaLimits(TileKind::MemTile);
    if (mem.maxObjectFifoDims < 4)
      violate(Violation::Kind::KTranspose, "memtile pattern dimensions", 4,
              mem.maxObjectFifoDims,
              "k_transpose 'dma' needs a 4-D memtile pattern");
    if ((p.intrinsic.k * e) % mem.unitBytes != 0)
      violate(Violation::Kind::KTranspose, "memtile DMA unit (bytes)",
              p.intrinsic.k * e, mem.unitBytes,
              llvm::formatv("k_transpose 'dma': a run of {0} elements ({1} "
                            "bytes) is not a whole number of {2}-byte DMA "
                            "units",
                            p.intrinsic.k, p.intrinsic.k * e, mem.unitBytes));
  }
}

/// Whether the stage runs as the AIE back end emits it: fused lanes of one
/// core, one query tile per lane and round, a K/V stream per group (the
/// unfolded softmax stage takes rows of its own and keeps the round-robin).
bool Model::emittedDecomposition(StageKind kind, int64_t stageLanes,
                                 int64_t perLane, int64_t kvSplit) const {
  // Cascade chains (kv_split > 1) are lanes of the same decomposition, and
  // k = perLane query tiles per core its tilesPerCore.
  return p.mapping == MappingKind::fused && (perLane == 1 || kvSplit == 1) &&
         stageLanes * kvSplit == int64_t(p.columns) * p.coresPerColumn &&
         kind != StageKind::Softmax;
}

/// The key blocks the emitted cores of a stage compute (the scheduler's
/// stageKeyVisibility for this plan).
aiemap::KeyVisibility Model::emittedVisibility(StageKind kind) const {
  aiemap::KeyVisibility vis;
  vis.qTile = p.qTile;
  vis.kvTile = p.kvTile;
  vis.keyLen = geo.nK * p.kvTile;
  vis.keyLimit = geo.lk;
  bool skips = kind == StageKind::Online || kind == StageKind::Full ||
               kind == StageKind::QK || kind == StageKind::QKSoftmax;
  vis.causal = geo.causal != CausalKind::none && geo.skip && skips;
  vis.causalOffset =
      geo.causal == CausalKind::bottom_right ? geo.lk - geo.lq : 0;
  return vis;
}

/// The key blocks the emitted K/V stream carries per round: only those the
/// round computes for a causal online stage (the scheduler's
/// streamsVisibleBlocks), every block otherwise (L2-resident K/V: the
/// memtile re-sends the whole object every round).
aiemap::KeyVisibility Model::emittedStreamVisibility(StageKind kind,
                                                     bool kvResident) const {
  aiemap::KeyVisibility vis = emittedVisibility(kind);
  vis.causal = vis.causal && kind == StageKind::Online && !kvResident;
  return vis;
}

/// The scheduler's decomposition of this plan (WorkSplit.h): the same
/// group widths, chunk range and ranking attn-schedule-dma uses. A cascade
/// plan is scheduled as its lanes (cores_per_column / kv_split per column,
/// a chain standing for one core), as attn-schedule-dma plans it before it
/// expands the chains (planCascadeStage).
aiemap::WorkSplit Model::emittedSplit(StageKind kind, int64_t tilesPerCore,
                                      int64_t kvSplit) const {
  int64_t laneRows = p.coresPerColumn / std::max<int64_t>(1, kvSplit);
  aiemap::WorkSplit base;
  base.workHeads = s.batch * s.kvHeads;
  base.queryTiles = geo.nQ;
  base.itemsPerHead = (s.heads / s.kvHeads) * geo.nQ;
  base.coresPerColumn = laneRows;
  base.tilesPerCore = tilesPerCore;
  aiemap::KeyVisibility vis = emittedVisibility(kind);
  return rankedSplit(kind, base, vis, laneRows);
}

/// attn-schedule-dma's choice for `base`: the group widths its shims allow,
/// every chunk count up to its maximum, ranked (WorkSplit.h).
aiemap::WorkSplit Model::rankedSplit(StageKind kind,
                                     const aiemap::WorkSplit &base,
                                     const aiemap::KeyVisibility &vis,
                                     int64_t laneRows) const {
  int64_t shimIn = t.channels(TileKind::Shim, /*s2mm=*/false);
  std::vector<int64_t> widths = aiemap::groupWidths(
      p.columns, t.numColumns, shimIn, aiemap::columnStreams(kind),
      aiemap::stepStreamCount(kind, pad.headDim, pad.valueDim,
                              s.mask != MaskKind::None, s.hasBias));
  if (widths.empty())
    widths.push_back(1); // illegal anyway: the channel check reports it
  std::vector<aiemap::SplitRank> ranks =
      aiemap::rankSplits(base, p.columns, laneRows, widths, 1,
                         aiemap::maxQueryChunks(base, p.columns, vis), vis);
  return ranks.front().split;
}

/// The unfolded softmax as the AIE back end runs it: items of
/// `softmaxRows` score rows of every head, dealt over all cores by the same
/// ranking (the stage has no broadcast stream, so every core runs its own
/// rounds); the critical core's rows, in q_tile units for the work terms.
void Model::emittedSoftmax(StageContext &c) const {
  int64_t rows = c.buffers.softmaxRows;
  aiemap::WorkSplit base;
  base.workHeads = s.batch * s.heads;
  base.itemsPerHead = pad.queryLen / rows;
  base.queryTiles = base.itemsPerHead;
  base.coresPerColumn = p.coresPerColumn;
  aiemap::KeyVisibility vis;
  vis.qTile = rows;
  vis.kvTile = p.kvTile;
  vis.keyLen = pad.keyLen;
  vis.keyLimit = geo.lk;
  aiemap::WorkSplit split =
      rankedSplit(StageKind::Softmax, base, vis, p.coresPerColumn);
  std::vector<int64_t> paces = aiemap::chunkPaces(split, vis);
  int64_t rounds = 0;
  for (int64_t g = 0; g < split.numGroups; ++g)
    rounds = std::max(rounds, split.groupWork(g, paces));
  c.sch.rounds = rounds;
  c.items = double(rounds * rows) / double(p.qTile);
  c.rowAllTiles = c.items * double(pad.keyTiles);
  c.rowTiles = c.blocks = c.rowAllTiles;
  c.masked = 0;
}

StageContext Model::stageContext(StageKind kind) {
  StageContext c;
  c.kind = kind;
  int64_t stageLanes = lanes, stageSplit = p.kvSplit, stagePerLane = perLane;
  if (!isAttentionStage(kind) && kind != StageKind::QKSoftmax) {
    // Single-step stages run fused on every core.
    stageLanes = int64_t(p.columns) * p.coresPerColumn;
    stageSplit = 1;
  }
  if (kind == StageKind::Softmax)
    stagePerLane = 1;
  // K/V stream from DRAM once per round and kv head, or (l2_kv_block >=
  // the padded key length, L2-resident K/V) once per unit into the host
  // memtile, which streams them every round (docs/cost-model.md).
  bool emitted =
      emittedDecomposition(kind, stageLanes, stagePerLane, stageSplit);
  c.buffers = stageBuffers(kind, p, bufferSizes(), t);
  c.kvResident = c.buffers.kvResident && emitted;
  c.sch = emitted
              ? emittedSchedule(kind, stagePerLane, stageSplit, c.kvResident)
              : schedule(stageLanes, stagePerLane, stageSplit);
  c.kvRows = c.sch.streamKeyRows;
  if (c.kvResident)
    c.kvRows = c.sch.unitKeyRows;
  if (kind == StageKind::Softmax)
    c.rowResident = c.buffers.softmaxRowsResident;
  c.items = c.sch.critItems;
  c.blocks = c.sch.critBlocks;
  c.masked = c.sch.critMasked;
  c.rowTiles = c.sch.critRowTiles;
  c.rowAllTiles = c.items * double(pad.keyTiles);
  if (kind == StageKind::Softmax && c.buffers.softmaxRows > 0 &&
      p.mapping == MappingKind::fused)
    emittedSoftmax(c);
  return c;
}

/// DRAM bytes the stage reads and writes; adds them to the layer's traffic.
void Model::stageTraffic(const StageContext &c, StageEstimate &st) {
  DramTraffic &tr = est.dram;
  int64_t qBytes = totals.realRows * s.headDim * e;
  int64_t oBytes = totals.realRows * s.valueDim * e;
  // S and P cross DRAM as whole padded rows: every key tile of every query
  // tile (hidden causal tiles hold their mask, padded rows and keys their
  // padding), since the next stage reads rows.
  int64_t sBytes = totals.items * p.qTile * pad.keyLen * interB;
  int64_t kBytes = c.kvRows * s.headDim * e;
  int64_t vBytes = c.kvRows * s.valueDim * e;
  int64_t maskB = s.mask != MaskKind::None ? maskBytes(0) : 0;
  int64_t biasB = s.hasBias ? maskBytes(1) : 0;
  // The full fold streams its step object (with the mask/bias) twice.
  if (c.kind == StageKind::Full) {
    maskB *= 2;
    biasB *= 2;
  }
  int64_t vlB = s.validLen ? s.batch * 4 : 0;
  int64_t rd = 0, wr = 0;
  auto queryAndKeys = [&]() {
    tr.query += qBytes;
    tr.key += kBytes;
    tr.mask += maskB;
    tr.bias += biasB;
    tr.validLen += vlB;
    rd = qBytes + kBytes + maskB + biasB + vlB;
  };
  switch (c.kind) {
  case StageKind::Online:
  case StageKind::Full:
    queryAndKeys();
    tr.value += vBytes;
    tr.output += oBytes;
    rd += vBytes;
    wr = oBytes;
    break;
  case StageKind::QK:
    queryAndKeys();
    tr.scoresWrite += sBytes;
    wr = sBytes;
    break;
  case StageKind::QKSoftmax:
    queryAndKeys();
    tr.probsWrite += sBytes;
    wr = sBytes;
    break;
  case StageKind::Softmax: {
    int64_t sRead = c.rowResident ? sBytes : 2 * sBytes;
    tr.scoresRead += sRead;
    tr.probsWrite += sBytes;
    tr.validLen += vlB;
    rd = sRead + vlB;
    wr = sBytes;
    break;
  }
  case StageKind::PV:
    tr.probsRead += sBytes;
    tr.value += vBytes;
    tr.validLen += vlB;
    tr.output += oBytes;
    rd = sBytes + vBytes + vlB;
    wr = oBytes;
    break;
  }
  st.dramReadBytes = rd;
  st.dramWriteBytes = wr;
}

/// Executed MACs of the stage (skipped blocks excluded).
int64_t Model::stageMacs(StageKind kind) const {
  int64_t blockMacs = p.qTile * p.kvTile;
  switch (kind) {
  case StageKind::Online:
  case StageKind::Full:
    return totals.computedBlocks * blockMacs * (pad.headDim + pad.valueDim);
  case StageKind::QK:
  case StageKind::QKSoftmax:
    return totals.computedBlocks * blockMacs * pad.headDim;
  case StageKind::PV: // every tile of the P rows (no causal rule)
    return totals.items * pad.keyTiles * blockMacs * pad.valueDim;
  case StageKind::Softmax:
    return 0;
  }
  return 0;
}

/// Mask passes of the critical lane: one position-mask pass per block that
/// holds a hidden position (causal edge, padded keys, runtime valid_len),
/// one per hidden tile of a whole-row buffer (the mask fills it), and one
/// per explicit mask / bias per computed block.
StageWork Model::maskWork(const StageContext &c, bool wholeRows) const {
  double passes = c.masked + c.blocks * maskPasses;
  if (wholeRows)
    passes += c.rowAllTiles - c.rowTiles;
  return {0, passes * passS(), passes * call};
}

/// Fused online softmax: per block QKᵀ (+ scale), max pass, exp pass (row
/// sums fused), accumulator rescale, P·V; per item init and finalize.
StageWork Model::onlineWork(const StageContext &c) const {
  StageWork w, mask = maskWork(c, /*wholeRows=*/false);
  double q = p.qTile, Dv = pad.valueDim;
  double softmax = passS() + expS() + 2 * rowReduce() + q * expCost;
  if (p.mapping == MappingKind::fused) {
    w.matrix = c.blocks * (mmQK() + mmPV());
    w.vector = c.blocks * (qkVector() + softmax + passO()) + mask.vector +
               c.items * 2 * passO(); // init + finalize
    w.overhead = c.blocks * 2 * call + mask.overhead + c.items * 2 * call;
    if (p.kvSplit > 1) {
      // Cascade merge (attn_cascade_put, attn_cascade_merge): rescale both
      // partials and add (3 passes over acc), two row exps, and move the
      // f32 accumulator and row stats over the cascade.
      double merge = 3 * passO() + 2 * q * expCost +
                     double(q * Dv * 4 + 2 * q * 4) / t.cascadeBytesPerCycle +
                     2 * call;
      w.vector += c.items * (p.kvSplit - 1) * merge;
    }
    return w;
  }
  // QK core | softmax core | PV core; a block passes every core (the
  // emitted kernels: qk + mask | stream_softmax | stream_pv, which also
  // copies the q row sums; per item the softmax core's init, the PV core's
  // init and finalize).
  double qkOne = mmQK() + qkVector(), smOne = softmax,
         pvOne = mmPV() + passO() + q * passCost;
  double qkCore = c.blocks * (qkOne + call) + mask.vector + mask.overhead;
  double smCore =
      c.blocks * (smOne + call) + c.items * (2 * q * passCost + call);
  double pvCore = c.blocks * (pvOne + call) + c.items * 2 * (passO() + call);
  // Blocks flow without a break across items and rounds: the pipeline
  // fills once (the other cores' first block).
  w.overhead = qkOne + smOne + pvOne - std::max({qkOne, smOne, pvOne});
  double slowest = std::max({qkCore, smCore, pvCore});
  if (slowest == smCore) {
    w.vector = smCore;
  } else if (slowest == qkCore) {
    w.matrix = c.blocks * mmQK();
    w.vector = qkCore - w.matrix;
  } else {
    w.matrix = c.blocks * mmPV();
    w.vector = pvCore - w.matrix;
  }
  return w;
}

/// Whole rows: QKᵀ (+ scale) of the computed tiles into a row buffer,
/// softmax over the whole row (max, exp with row sums, normalize), P·V of
/// the computed tiles; per item the accumulator is zeroed and stored. One
/// fused core (stream pipelines run the online fold only).
StageWork Model::fullWork(const StageContext &c) const {
  StageWork w, mask = maskWork(c, /*wholeRows=*/true);
  double rows = c.rowAllTiles * (2 * passS() + expS());
  w.matrix = c.rowTiles * (mmQK() + mmPV());
  w.vector = c.rowTiles * qkVector() + rows +
             c.items * (2 * rowReduce() + 2 * passO()) + mask.vector;
  w.overhead = c.rowTiles * 2 * call + c.items * 3 * call + mask.overhead;
  return w;
}

/// QKᵀ and the whole-row softmax on one fused core (partial fold's first
/// stage); P leaves a key block at a time (one copy pass per block).
StageWork Model::qkSoftmaxWork(const StageContext &c) const {
  StageWork w, mask = maskWork(c, /*wholeRows=*/true);
  double rows = c.rowAllTiles * (3 * passS() + expS()); // + copy out
  w.matrix = c.rowTiles * mmQK();
  w.vector =
      c.rowTiles * qkVector() + rows + c.items * 2 * rowReduce() + mask.vector;
  w.overhead =
      c.rowTiles * call + (c.items + c.rowAllTiles) * call + mask.overhead;
  return w;
}

/// Critical-lane compute of a stage of kind `c.kind`.
StageWork Model::stageWork(const StageContext &c) const {
  StageWork w;
  switch (c.kind) {
  case StageKind::Online:
    return onlineWork(c);
  case StageKind::Full:
    return fullWork(c);
  case StageKind::QK: {
    // Every tile of the score rows leaves the stage: hidden ones masked.
    StageWork mask = maskWork(c, /*wholeRows=*/true);
    w.matrix = c.blocks * mmQK();
    w.vector = c.blocks * qkVector() + mask.vector +
               (p.intermediate == ElementKind::F32 ? 0.0 : c.blocks * passS());
    w.overhead = c.blocks * call + mask.overhead;
    return w;
  }
  case StageKind::Softmax:
    if (c.rowResident) {
      w.vector =
          c.rowAllTiles * (2 * passS() + expS()) + c.items * 2 * rowReduce();
      w.overhead = c.items * call;
    } else {
      // Two passes over S from DRAM: running max/sum, then normalize.
      w.vector = c.rowAllTiles * (2 * passS() + 2 * expS()) +
                 c.rowAllTiles * 2 * rowReduce();
      w.overhead = c.rowAllTiles * 2 * call;
    }
    if (s.validLen) { // keys and padded rows of every tile
      w.vector += c.rowAllTiles * passS();
      w.overhead += c.items * call;
    }
    return w;
  case StageKind::QKSoftmax:
    return qkSoftmaxWork(c);
  case StageKind::PV:
    // Every tile of the P rows: the P·V stage has no causal rule of its
    // own (hidden tiles hold P = 0 and are multiplied all the same).
    w.matrix = c.rowAllTiles * mmPV();
    w.vector = c.items * 2 * passO();
    w.overhead = c.rowAllTiles * call + c.items * 2 * call;
    return w;
  }
  return w;
}

/// Bytes of one stage's tiles a core receives and sends.
TileBytes Model::tileBytes(const StageContext &c) const {
  int64_t q = p.qTile, kv = p.kvTile, D = pad.headDim, Dv = pad.valueDim;
  int64_t maskTileB = 0;
  if (s.mask != MaskKind::None)
    maskTileB += q * kv * bytes(s.maskElement);
  if (s.hasBias)
    maskTileB += q * kv * bytes(s.biasElement);
  TileBytes b;
  switch (c.kind) {
  case StageKind::Online:
  case StageKind::Full:
    b.step = kv * (D + Dv) * e + maskTileB;
    b.item = q * D * e;
    b.out = q * Dv * e;
    break;
  case StageKind::QK:
  case StageKind::QKSoftmax:
    b.step = kv * D * e + maskTileB;
    b.item = q * D * e;
    b.perBlockOut = q * kv * interB;
    break;
  case StageKind::Softmax:
    b.step = q * kv * interB * (c.rowResident ? 1 : 2);
    b.perBlockOut = q * kv * interB;
    break;
  case StageKind::PV:
    b.step = kv * Dv * e + q * kv * interB;
    b.out = q * Dv * e;
    break;
  }
  return b;
}

/// Cycles of a fused core's busiest input channel: every objectfifo enters
/// the core through an S2MM channel of its own, so the step stream (K|V
/// joined, the full fold's shared K/V object, K alone, or V of a pv stage)
/// moves on one channel and the query tiles (or a pv stage's P tiles) on
/// another, in parallel; neither is split over both.
double Model::fusedCoreIn(const StageContext &c, const TileBytes &b,
                          double stepBlocks) const {
  double step = stepBlocks * double(b.step), other = c.items * double(b.item);
  if (c.kind == StageKind::PV) {
    double probs = stepBlocks * double(p.qTile * p.kvTile * interB);
    step -= probs;
    other += probs;
  }
  return std::max(step, other) / stream;
}

/// DMA hops (busiest channel of each), fill and drain. Inputs to a core:
/// its items' operands and every block of the rounds' stream; outputs: its
/// results.
void Model::stageDma(const StageContext &c, StageEstimate &st) const {
  double coreS2MM = t.channels(TileKind::Core, true);
  double coreMM2S = t.channels(TileKind::Core, false);
  double memMM2S = t.channels(TileKind::MemTile, false);
  double memS2MM = t.channels(TileKind::MemTile, true);
  double shimMM2S = t.channels(TileKind::Shim, false);
  double shimS2MM = t.channels(TileKind::Shim, true);
  TileBytes b = tileBytes(c);
  double stepBlocks = c.kind == StageKind::Softmax || c.kind == StageKind::PV
                          ? c.blocks
                          : double(c.sch.coreInBlocks);
  double coreIn =
      (stepBlocks * b.step + c.items * b.item) / (coreS2MM * stream);
  if (p.mapping == MappingKind::fused && coreS2MM >= 2)
    coreIn = fusedCoreIn(c, b, stepBlocks);
  double coreOut =
      (c.items * b.out + c.blocks * b.perBlockOut) / (coreMM2S * stream);
  if (p.mapping == MappingKind::fused) // one output objectfifo: one channel
    coreOut = (c.items * b.out + c.blocks * b.perBlockOut) / stream;
  if (p.mapping == MappingKind::stream) {
    // Score tiles (f32, kernel ABI) move core to core once or twice per
    // block, on top of the stage operands.
    double hop = c.blocks * double(p.qTile * p.kvTile * 4) / stream;
    coreIn += hop / coreS2MM;
    coreOut += hop / coreMM2S;
  }
  double columns = p.columns;
  double rd = st.dramReadBytes, wr = st.dramWriteBytes;
  st.coreInCycles = coreIn;
  st.coreOutCycles = coreOut;
  // L2-resident K/V: the memtiles send every round's K/V stream, which
  // DRAM delivered once per unit.
  double memRd =
      rd + (c.kvResident ? double(c.sch.streamKeyRows - c.sch.unitKeyRows) *
                               double((s.headDim + s.valueDim) * e)
                         : 0.0);
  st.memTileInCycles = memRd / columns /
                       (std::min(memMM2S, double(lanesPerColumn + 2)) * stream);
  st.memTileOutCycles =
      wr / columns / (std::min(memS2MM, double(lanesPerColumn)) * stream);
  st.shimInCycles = rd / (columns * shimMM2S * stream);
  st.shimOutCycles = wr / (columns * shimS2MM * stream);
  st.dramSeconds = (rd + wr) / t.dramBytesPerSecond;
  // Fill: the first item and step tile cross shim->memtile->core; drain:
  // the last result crosses core->memtile->shim.
  st.fillCycles = 2.0 * double(b.item + b.step) / stream;
  st.drainCycles = 2.0 * double(std::max(b.out, b.perBlockOut)) / stream;
}

/// Cycles the critical core of an emitted decomposition waits for its
/// group's K/V stream. Its cores run in step with the stream, which carries
/// the key blocks of the round's class each round (every key block of the kv
/// head unless round classes skip the hidden ones: WorkSplit.h). The step
/// stream is one objectfifo (K|V joined, or the full fold's shared K/V object),
/// so it enters a core through one S2MM channel at the stream rate (the query
/// tiles come through another, in parallel), and it runs at most its depth
/// ahead of the cores: a block the busiest core computes takes the longer of
/// its work and its transfer, and a block no core of the group computes
/// (causally hidden for every item of the round) still takes its transfer,
/// which cannot hide behind the computed blocks' work.
double Model::streamStalls(const StageContext &c) const {
  TileBytes b = tileBytes(c);
  double k = double(c.sch.tilesPerCore);
  double perBlock = double(b.step) / stream;
  if (c.kind == StageKind::PV) {
    // V on the step channel, the core's own P tile on the other.
    double probs = double(p.qTile * p.kvTile * interB);
    perBlock = std::max(double(b.step) - probs, probs) / stream;
  }
  double itemIn = k * double(b.item) / stream;
  // Stages that keep whole score rows fill each hidden tile of a row with
  // its mask (one pass) as its block goes by.
  bool wholeRows = c.kind == StageKind::Full || c.kind == StageKind::QK ||
                   c.kind == StageKind::QKSoftmax;
  double fill = wholeRows ? passS() + call : 0.0;
  // Waiting over `blocks` stream blocks of which the first `computed` carry
  // `work` cycles of the busiest core and the others `hidden` each.
  auto wait = [&](double blocks, double computed, double work, double hidden) {
    computed = std::min(computed, blocks);
    return std::max(0.0, computed * perBlock - work) +
           (blocks - computed) * std::max(0.0, perBlock - hidden);
  };
  // Only the per-block work overlaps the stream: the per-item work (the
  // whole-row softmax between the full fold's two passes, init, finalize)
  // runs while the stream can prefetch no more than its depth.
  auto roundWork = [&](int64_t blocks, int64_t masked) {
    StageContext one = c;
    one.items = k;
    one.blocks = double(blocks);
    one.masked = double(masked);
    one.rowTiles = double(blocks);
    // A pv stage computes every tile of its P rows as the blocks go by.
    one.rowAllTiles =
        c.kind == StageKind::PV ? double(blocks) : k * double(pad.keyTiles);
    StageWork w = stageWork(one);
    return w.matrix + w.vector + w.overhead;
  };
  double perItem = roundWork(0, 0);
  double stall = 0;
  for (auto [pace, times] : c.sch.critRounds) {
    auto [paceBlocks, paceMasked, paceStreamed] = pace;
    double streamed = double(paceStreamed);
    // A pv stage computes every block of its P rows (no causal skip).
    int64_t blocks = c.kind == StageKind::PV
                         ? int64_t(std::llround(streamed * k))
                         : paceBlocks;
    double blockWork = roundWork(blocks, paceMasked) - perItem;
    // Stream blocks the round computes before its hidden ones: the busiest
    // core's (its k tiles share them; a cascade chain core computes every
    // kv_split-th block of its chain's).
    double computed = double(blocks) * double(c.sch.kvSplit) / k;
    // perItem filled every tile of the row as hidden; the computed blocks
    // are not filled.
    blockWork += double(blocks) * fill;
    if (c.kind == StageKind::Full) {
      // Two passes, each against half the stream: scores (K), then P V (V).
      double pv = double(blocks) * (mmPV() + call);
      stall += double(times) *
               (wait(streamed / 2, computed, blockWork - pv, k * fill) +
                wait(streamed / 2, computed, pv, 0.0));
      continue;
    }
    stall +=
        double(times) * std::max(wait(streamed, computed, blockWork, k * fill),
                                 itemIn - blockWork);
  }
  // L2-resident K/V: the memtile sends an object only once it holds all of
  // it, so the critical group's first unit waits for its kv head's K then V
  // to cross one shim channel (a streamed plan's fill is one block); with
  // one resident copy every later unit's load is exposed too, with two it
  // overlaps the previous unit's rounds.
  if (c.kvResident && c.sch.critUnits > 0) {
    double load =
        double(pad.keyLen) * double((pad.headDim + pad.valueDim) * e) / stream;
    stall += load *
             (c.buffers.kvResidentCopies == 1 ? double(c.sch.critUnits) : 1.0);
  }
  return stall;
}

/// The stage's latency and the resource that binds it: the slowest of
/// compute and every DMA hop when double-buffered (depth >= 2), compute
/// plus the core's own transfers otherwise.
void Model::stageBinding(StageEstimate &st) const {
  struct Candidate {
    double cycles;
    Resource resource;
  };
  double matrix = st.matrixCycles, vector = st.vectorCycles,
         overhead = st.overheadCycles;
  Resource computeRes = matrix >= vector + overhead   ? Resource::Matrix
                        : vector >= matrix + overhead ? Resource::Vector
                                                      : Resource::Compute;
  // One buffer: a core waits for its transfers. A fused core's input and
  // output objectfifos move on channels of their own, both after the step
  // that released them, so they overlap each other.
  double coreIO = p.mapping == MappingKind::fused
                      ? std::max(st.coreInCycles, st.coreOutCycles)
                      : st.coreInCycles + st.coreOutCycles;
  llvm::SmallVector<Candidate, 6> candidates;
  if (p.depth >= 2)
    candidates = {
        {st.computeCycles, computeRes},
        {std::max(st.coreInCycles, st.coreOutCycles), Resource::CoreDma}};
  else // one buffer: a core waits for its input and output transfers
    candidates = {{st.computeCycles + coreIO, st.computeCycles >= coreIO
                                                  ? computeRes
                                                  : Resource::CoreDma}};
  candidates.push_back({std::max(st.memTileInCycles, st.memTileOutCycles),
                        Resource::MemTileDma});
  candidates.push_back(
      {std::max(st.shimInCycles, st.shimOutCycles), Resource::ShimDma});
  candidates.push_back({st.dramSeconds * t.clockHz, Resource::Dram});
  Candidate top = candidates.front();
  for (const Candidate &c : candidates)
    if (c.cycles > top.cycles)
      top = c;
  st.dispatchSeconds = t.dispatchOverheadSeconds;
  double body = (st.fillCycles + top.cycles + st.drainCycles) / t.clockHz;
  st.latencySeconds = st.dispatchSeconds + body;
  st.binding = st.dispatchSeconds > body ? Resource::Dispatch : top.resource;
}

StageEstimate Model::stage(StageKind kind) {
  StageEstimate st;
  st.name = stageName(kind).str();
  StageContext c = stageContext(kind);
  st.rounds = c.sch.rounds;
  stageTraffic(c, st);
  st.macs = stageMacs(kind);
  StageWork w = stageWork(c);
  st.matrixCycles = w.matrix;
  st.vectorCycles = w.vector;
  st.overheadCycles = w.overhead;
  st.computeCycles = w.matrix + w.vector + w.overhead;
  stageDma(c, st);
  if (p.depth >= 2 && !c.sch.critRounds.empty()) {
    // Waiting for the round's stream is time the critical core spends.
    double stall = streamStalls(c);
    st.overheadCycles += stall;
    st.computeCycles += stall;
  }
  stageBinding(st);
  st.l1Bytes = t.coreStackReserveBytes + c.buffers.largestCore().total();
  st.l2Bytes = c.buffers.memTile.total();
  return st;
}

llvm::SmallVector<StageKind, 3> Model::stageKinds() const {
  return foldStages(p.fold);
}

void Model::run(bool legalityOnly) {
  e = bytes(s.element);
  interB = bytes(p.intermediate);
  for (const MatmulDatapath &d : matmulDatapaths(t, s))
    if (d.intrinsic.m == p.intrinsic.m && d.intrinsic.k == p.intrinsic.k &&
        d.intrinsic.n == p.intrinsic.n)
      dp = d;
  rate = dp.macsPerCycle * dp.kernelEfficiency;
  passCost = t.vectorPassCyclesPerElement;
  expCost = t.expCyclesPerElement;
  stream = t.streamBytesPerCycle;
  call = t.kernelCallOverheadCycles;
  maskPasses = (s.mask != MaskKind::None ? 1 : 0) + (s.hasBias ? 1 : 0);

  pad.queryLen = roundUp(s.queryLen, p.qTile);
  pad.keyLen = roundUp(s.keyLen, p.kvTile);
  // Both head dims pad to a multiple of lcm(K, N): #attn.plan's
  // head_dim_tile divides both and is a multiple of K and N (Q·Kᵀ contracts
  // D over K; P·V produces Dv over N).
  int64_t headGranule = std::lcm(p.intrinsic.k, p.intrinsic.n);
  pad.headDim = roundUp(s.headDim, headGranule);
  pad.valueDim = roundUp(s.valueDim, headGranule);
  pad.queryTiles = pad.queryLen / p.qTile;
  pad.keyTiles = pad.keyLen / p.kvTile;
  geo = {s.queryLen,   s.keyLen, p.qTile,      p.kvTile,  pad.queryTiles,
         pad.keyTiles, s.causal, p.causalSkip, s.validLen};

  lanes = arrayLanes(p);
  lanesPerColumn = ceilDiv(lanes, p.columns);
  perLane = p.l2QBlock / (lanesPerColumn * p.qTile);

  est.plan = p;
  est.padded = pad;
  est.datapath = dp;

  // Legality first: capacity and channels need no schedule.
  llvm::SmallVector<StageKind, 3> kinds = stageKinds();
  BufferSizes sizes = bufferSizes();
  for (StageKind kind : kinds) {
    llvm::StringRef name = stageName(kind);
    StageBuffers buffers = stageBuffers(kind, p, sizes, t);
    int64_t l1 = t.coreStackReserveBytes + buffers.largestCore().total();
    int64_t l2 = buffers.memTile.total();
    est.l1Bytes = std::max(est.l1Bytes, l1);
    est.l2Bytes = std::max(est.l2Bytes, l2);
    if (l1 > t.coreL1Bytes)
      est.violations.push_back(
          {Violation::Kind::L1Bytes, name.str(), "L1 bytes of a core", l1,
           t.coreL1Bytes,
           llvm::formatv("stage {0}: L1 use {1} bytes exceeds the {2} bytes "
                         "of a core",
                         name, l1, t.coreL1Bytes)});
    if (l2 > t.memTileL2Bytes)
      est.violations.push_back(
          {Violation::Kind::L2Bytes, name.str(), "L2 bytes of a memtile", l2,
           t.memTileL2Bytes,
           llvm::formatv("stage {0}: L2 use {1} bytes exceeds the {2} bytes "
                         "of a memtile",
                         name, l2, t.memTileL2Bytes)});
    llvm::SmallVector<Violation, 2> channelViolations;
    checkChannels(kind, channelViolations);
    for (Violation &v : channelViolations) {
      v.stage = name.str();
      v.message = llvm::formatv("stage {0}: {1}", name, v.message);
      est.violations.push_back(std::move(v));
    }
  }
  if (legalityOnly)
    return;
  totals = getTotals();
  for (StageKind kind : kinds)
    est.stages.push_back(stage(kind));

  // Layout handled by separate transpose dispatches: Q, K, V to bhld before,
  // O back after; each is a DRAM-bound copy.
  if (s.layout == LayoutKind::blhd && p.layout == LayoutHandling::Transpose) {
    int64_t in = 2 *
                 (s.batch * s.heads * s.queryLen * s.headDim +
                  s.batch * s.kvHeads * s.keyLen * (s.headDim + s.valueDim)) *
                 e;
    int64_t out = 2 * s.batch * s.heads * s.queryLen * s.valueDim * e;
    for (auto [name, bytesMoved] :
         {std::pair<const char *, int64_t>{"layout_in", in},
          std::pair<const char *, int64_t>{"layout_out", out}}) {
      StageEstimate st;
      st.name = name;
      st.dramReadBytes = bytesMoved / 2;
      st.dramWriteBytes = bytesMoved / 2;
      st.dramSeconds = double(bytesMoved) / t.dramBytesPerSecond;
      st.shimInCycles =
          double(bytesMoved / 2) /
          (double(p.columns) * t.channels(TileKind::Shim, false) * stream);
      st.shimOutCycles =
          double(bytesMoved / 2) /
          (double(p.columns) * t.channels(TileKind::Shim, true) * stream);
      st.dispatchSeconds = t.dispatchOverheadSeconds;
      double body =
          std::max(st.dramSeconds,
                   std::max(st.shimInCycles, st.shimOutCycles) / t.clockHz);
      st.latencySeconds = st.dispatchSeconds + body;
      st.binding = st.dispatchSeconds > body ? Resource::Dispatch
                   : st.dramSeconds * t.clockHz >=
                           std::max(st.shimInCycles, st.shimOutCycles)
                       ? Resource::Dram
                       : Resource::ShimDma;
      est.dram.layout += bytesMoved;
      est.stages.push_back(std::move(st));
    }
  }

  double slowest = -1;
  for (const StageEstimate &st : est.stages) {
    est.latencySeconds += st.latencySeconds;
    est.macs += st.macs;
    est.l1Bytes = std::max(est.l1Bytes, st.l1Bytes);
    est.l2Bytes = std::max(est.l2Bytes, st.l2Bytes);
    if (st.latencySeconds > slowest) {
      slowest = st.latencySeconds;
      est.binding = st.binding;
    }
  }
  est.dramBytes = est.dram.total();
  est.dramEnergyJoules = double(est.dramBytes) * t.dramJoulesPerByte;
  est.macEnergyJoules = double(est.macs) * t.joulesPerMac;
  est.energyJoules = est.dramEnergyJoules + est.macEnergyJoules;
}

/// Sum over real query rows of the keys each row sees, in closed form: row
/// i sees clamp(i + offset + 1, 0, Lk) keys.
int64_t visibleScores(const AttentionShape &s) {
  if (s.causal == CausalKind::none)
    return s.queryLen * s.keyLen;
  int64_t offset =
      s.causal == CausalKind::bottom_right ? s.keyLen - s.queryLen : 0;
  // Rows [lo, hi) see a growing prefix i + offset + 1; rows from hi on see
  // all Lk keys; rows below lo see none.
  int64_t lo = std::clamp<int64_t>(-offset, 0, s.queryLen);
  int64_t hi = std::clamp<int64_t>(s.keyLen - offset - 1, lo, s.queryLen);
  __int128 first = lo + offset + 1, last = hi - 1 + offset + 1;
  __int128 growing = hi > lo ? (first + last) * (hi - lo) / 2 : 0;
  return static_cast<int64_t>(growing + __int128(s.queryLen - hi) * s.keyLen);
}

} // namespace

llvm::Expected<Estimate> cost::estimate(const AttentionShape &shape,
                                        const Plan &plan,
                                        const NPUTarget &target,
                                        EstimateCache *cache,
                                        EstimateDepth depth) {
  llvm::Expected<Plan> resolved = resolvePlan(shape, plan, target);
  if (!resolved)
    return resolved.takeError();
  Model model(shape, *resolved, target, cache);
  model.run(depth == EstimateDepth::LegalityOnly);
  model.est.usefulMacs = shape.batch * shape.heads * visibleScores(shape) *
                         (shape.headDim + shape.valueDim);
  return std::move(model.est);
}

llvm::Expected<Roofline> cost::roofline(const AttentionShape &shape,
                                        const NPUTarget &target) {
  if (llvm::Error err = verifyShape(shape))
    return std::move(err);
  auto paths = matmulDatapaths(target, shape);
  if (paths.empty())
    return error(
        llvm::formatv("element type {0} has no matmul datapath on target {1}",
                      stringifyElementKind(shape.element), target.name));
  double peak = 0;
  for (const MatmulDatapath &d : paths)
    peak = std::max(peak, d.macsPerCycle);
  Roofline r;
  int64_t scores = shape.batch * shape.heads * visibleScores(shape);
  r.usefulMacs = scores * (shape.headDim + shape.valueDim);
  double cores = target.numCores();
  r.macSeconds = double(r.usefulMacs) / (peak * cores * target.clockHz);
  // Minimal softmax work per visible score, priced like every other vector
  // pass (the target's one vector cost): one max pass and one exp pass with
  // the row sum fused into it (the scale folds into the exp).
  r.vectorOps = 2.0 * double(scores);
  r.vectorSeconds =
      double(scores) *
      (target.vectorPassCyclesPerElement + target.expCyclesPerElement) /
      (cores * target.clockHz);
  int64_t e = bytes(shape.element);
  r.compulsoryBytes = shape.batch * shape.heads * shape.queryLen *
                          (shape.headDim + shape.valueDim) * e +
                      shape.batch * shape.kvHeads * shape.keyLen *
                          (shape.headDim + shape.valueDim) * e +
                      (shape.validLen ? shape.batch * 4 : 0);
  auto operandBytes = [](const std::array<int64_t, 4> &dims,
                         ElementKind element) {
    return dims[0] * dims[1] * dims[2] * dims[3] * bytes(element);
  };
  if (shape.mask != MaskKind::None)
    r.compulsoryBytes += operandBytes(shape.maskShape, shape.maskElement);
  if (shape.hasBias)
    r.compulsoryBytes += operandBytes(shape.biasShape, shape.biasElement);
  r.dramSeconds = double(r.compulsoryBytes) / target.dramBytesPerSecond;
  r.dispatchSeconds = target.dispatchOverheadSeconds;
  r.binding = Resource::Matrix;
  double top = r.macSeconds;
  if (r.vectorSeconds > top) {
    top = r.vectorSeconds;
    r.binding = Resource::Vector;
  }
  if (r.dramSeconds > top) {
    top = r.dramSeconds;
    r.binding = Resource::Dram;
  }
  if (r.dispatchSeconds > top)
    r.binding = Resource::Dispatch;
  r.boundSeconds = top + r.dispatchSeconds;
  return r;
}

namespace {
/// A matmul plan with its defaults filled in and its datapath.
struct ResolvedMatmul {
  MatmulPlan plan;
  MatmulDatapath datapath;
};
/// DRAM bytes of A, B and C, and the memtile staging of the mapping.
struct MatmulTraffic {
  int64_t a = 0, b = 0, c = 0;
  int64_t aStaging = 0, cStaging = 0, bColumnBlock = 0;
  bool bResident = false;
};
} // namespace

/// Checks `in` against `mp` and the target and fills in its defaults.
static llvm::Expected<ResolvedMatmul> resolveMatmul(const MatmulProblem &mp,
                                                    const MatmulPlan &in,
                                                    const NPUTarget &t) {
  for (auto [name, value] : {std::pair<const char *, int64_t>{"m", mp.m},
                             {"k", mp.k},
                             {"n", mp.n},
                             {"tile_m", in.tileM},
                             {"tile_k", in.tileK},
                             {"tile_n", in.tileN}})
    if (value <= 0)
      return error(llvm::formatv("matmul field '{0}' must be positive, got {1}",
                                 name, value));
  auto paths = matmulDatapaths(t, mp.element);
  if (paths.empty())
    return error(
        llvm::formatv("element type {0} has no matmul datapath on target {1}",
                      stringifyElementKind(mp.element), t.name));
  MatmulPlan p = in;
  if (p.intrinsic.m == 0 && p.intrinsic.k == 0 && p.intrinsic.n == 0)
    p.intrinsic = paths.front().intrinsic;
  const MatmulDatapath *dp = nullptr;
  for (const MatmulDatapath &d : paths)
    if (d.intrinsic.m == p.intrinsic.m && d.intrinsic.k == p.intrinsic.k &&
        d.intrinsic.n == p.intrinsic.n)
      dp = &d;
  if (!dp)
    return error(llvm::formatv(
        "matmul field 'intrinsic' [{0}, {1}, {2}] is not a {3} intrinsic of "
        "{4}",
        p.intrinsic.m, p.intrinsic.k, p.intrinsic.n,
        stringifyElementKind(mp.element), t.name));
  if (p.columns == 0)
    p.columns = t.numColumns;
  if (p.coresPerColumn == 0)
    p.coresPerColumn = t.numCoreRows;
  if (p.columns < 1 || p.columns > t.numColumns || p.coresPerColumn < 1 ||
      p.coresPerColumn > t.numCoreRows)
    return error(llvm::formatv(
        "matmul fields 'columns'/'cores_per_column' ({0}/{1}) exceed the "
        "{2}x{3} cores of {4}",
        p.columns, p.coresPerColumn, t.numColumns, t.numCoreRows, t.name));
  if (p.tileM % p.intrinsic.m || p.tileK % p.intrinsic.k ||
      p.tileN % p.intrinsic.n)
    return error(llvm::formatv(
        "matmul tiles {0}x{1}x{2} must be multiples of the intrinsic "
        "{3}x{4}x{5}",
        p.tileM, p.tileK, p.tileN, p.intrinsic.m, p.intrinsic.k,
        p.intrinsic.n));
  if (p.depth < 1 || p.depth > 4)
    return error(llvm::formatv("matmul field 'depth' must be in 1..4, got {0}",
                               p.depth));

  return ResolvedMatmul{p, *dp};
}

/// Loop order: column-block rounds outside, row-block rounds inside. A is
/// re-read once per column-block round. B is re-read per row-block round
/// unless each column's memtile holds its whole-K B column block (then it
/// is read once); C is written once.
static MatmulTraffic matmulTraffic(const MatmulProblem &mp, const MatmulPlan &p,
                                   const NPUTarget &t) {
  int64_t e = bytes(mp.element), eo = bytes(mp.outElement);
  int64_t mP = roundUp(mp.m, p.tileM), kP = roundUp(mp.k, p.tileK),
          nP = roundUp(mp.n, p.tileN);
  int64_t rows = p.coresPerColumn, cols = p.columns;
  int64_t roundsM = ceilDiv(mP / p.tileM, rows);
  int64_t roundsN = ceilDiv(nP / p.tileN, cols);
  MatmulTraffic tr;
  tr.bColumnBlock = kP * p.tileN * e;
  tr.aStaging = p.depth * rows * p.tileM * p.tileK * e;
  tr.cStaging = p.depth * rows * p.tileM * p.tileN * eo;
  tr.bResident =
      tr.bColumnBlock + tr.aStaging + tr.cStaging <= t.memTileL2Bytes;
  tr.a = mp.m * mp.k * e * roundsN;
  tr.b = mp.k * mp.n * e * (tr.bResident ? 1 : roundsM);
  tr.c = mp.m * mp.n * eo;
  return tr;
}

/// The binding resource of a matmul stage and its latency.
static void matmulBinding(StageEstimate &st, const MatmulPlan &p,
                          const NPUTarget &t) {
  struct Candidate {
    double cycles;
    Resource resource;
  };
  llvm::SmallVector<Candidate, 5> candidates = {
      {p.depth >= 2 ? st.computeCycles
                    : st.computeCycles + st.coreInCycles + st.coreOutCycles,
       Resource::Matrix},
      {std::max(st.coreInCycles, st.coreOutCycles), Resource::CoreDma},
      {std::max(st.memTileInCycles, st.memTileOutCycles), Resource::MemTileDma},
      {std::max(st.shimInCycles, st.shimOutCycles), Resource::ShimDma},
      {st.dramSeconds * t.clockHz, Resource::Dram}};
  Candidate top = candidates.front();
  for (const Candidate &c : candidates)
    if (c.cycles > top.cycles)
      top = c;
  double body = (st.fillCycles + top.cycles + st.drainCycles) / t.clockHz;
  st.latencySeconds = st.dispatchSeconds + body;
  st.binding = st.dispatchSeconds > body ? Resource::Dispatch : top.resource;
}

/// The "matmul" stage: work, DMA hops, memory and latency.
static StageEstimate matmulStage(const MatmulProblem &mp,
                                 const ResolvedMatmul &r,
                                 const MatmulTraffic &tr, const NPUTarget &t) {
  const MatmulPlan &p = r.plan;
  int64_t e = bytes(mp.element), eo = bytes(mp.outElement);
  int64_t mP = roundUp(mp.m, p.tileM), kP = roundUp(mp.k, p.tileK),
          nP = roundUp(mp.n, p.tileN);
  int64_t rows = p.coresPerColumn, cols = p.columns;
  int64_t tilesM = mP / p.tileM, tilesN = nP / p.tileN;
  // Rounds: the rows x cols cores take a rows x cols block of C tiles.
  int64_t rounds = ceilDiv(tilesM, rows) * ceilDiv(tilesN, cols);
  double rate = r.datapath.macsPerCycle * r.datapath.kernelEfficiency;
  double stream = t.streamBytesPerCycle;
  int64_t kSteps = kP / p.tileK;
  double tileMacs = double(p.tileM) * p.tileN * kP;
  double perTile = tileMacs / rate + kSteps * t.kernelCallOverheadCycles;

  StageEstimate st;
  st.name = "matmul";
  st.rounds = rounds;
  st.macs = tilesM * tilesN * int64_t(tileMacs);
  st.matrixCycles = rounds * tileMacs / rate;
  st.overheadCycles = rounds * kSteps * t.kernelCallOverheadCycles;
  st.computeCycles = rounds * perTile;
  st.dramReadBytes = tr.a + tr.b;
  st.dramWriteBytes = tr.c;
  st.dramSeconds = double(tr.a + tr.b + tr.c) / t.dramBytesPerSecond;
  double coreS2MM = t.channels(TileKind::Core, true);
  double coreMM2S = t.channels(TileKind::Core, false);
  st.coreInCycles = rounds * double(kSteps) * (p.tileM + p.tileN) * p.tileK *
                    e / (coreS2MM * stream);
  st.coreOutCycles =
      rounds * double(p.tileM * p.tileN * eo) / (coreMM2S * stream);
  st.memTileInCycles = double(tr.a + tr.b) / cols /
                       (t.channels(TileKind::MemTile, false) * stream);
  st.memTileOutCycles =
      double(tr.c) / cols / (t.channels(TileKind::MemTile, true) * stream);
  st.shimInCycles =
      double(tr.a + tr.b) / (cols * t.channels(TileKind::Shim, false) * stream);
  st.shimOutCycles =
      double(tr.c) / (cols * t.channels(TileKind::Shim, true) * stream);
  st.fillCycles = 2.0 * (p.tileM + p.tileN) * p.tileK * e / stream;
  st.drainCycles = 2.0 * p.tileM * p.tileN * eo / stream;
  st.dispatchSeconds = t.dispatchOverheadSeconds;
  matmulBinding(st, p, t);
  int64_t d = p.depth;
  st.l1Bytes = t.coreStackReserveBytes + d * (p.tileM + p.tileN) * p.tileK * e +
               d * p.tileM * p.tileN * eo + p.tileM * p.tileN * 4;
  st.l2Bytes = tr.aStaging + tr.cStaging +
               (tr.bResident ? tr.bColumnBlock : d * p.tileN * p.tileK * e);
  return st;
}

llvm::Expected<Estimate> cost::estimateMatmul(const MatmulProblem &mp,
                                              const MatmulPlan &in,
                                              const NPUTarget &t) {
  llvm::Expected<ResolvedMatmul> resolved = resolveMatmul(mp, in, t);
  if (!resolved)
    return resolved.takeError();
  MatmulTraffic tr = matmulTraffic(mp, resolved->plan, t);
  StageEstimate st = matmulStage(mp, *resolved, tr, t);
  Estimate est;
  if (st.l1Bytes > t.coreL1Bytes)
    est.violations.push_back(
        {Violation::Kind::L1Bytes, "matmul", "L1 bytes of a core", st.l1Bytes,
         t.coreL1Bytes,
         llvm::formatv("matmul: L1 use {0} bytes exceeds the {1} bytes of a "
                       "core",
                       st.l1Bytes, t.coreL1Bytes)});
  if (st.l2Bytes > t.memTileL2Bytes)
    est.violations.push_back(
        {Violation::Kind::L2Bytes, "matmul", "L2 bytes of a memtile",
         st.l2Bytes, t.memTileL2Bytes,
         llvm::formatv("matmul: L2 use {0} bytes exceeds the {1} bytes of a "
                       "memtile",
                       st.l2Bytes, t.memTileL2Bytes)});
  est.datapath = resolved->datapath;
  est.latencySeconds = st.latencySeconds;
  est.macs = st.macs;
  est.usefulMacs = mp.m * mp.k * mp.n;
  est.l1Bytes = st.l1Bytes;
  est.l2Bytes = st.l2Bytes;
  est.binding = st.binding;
  est.dram.query = tr.a;
  est.dram.key = tr.b;
  est.dram.output = tr.c;
  est.dramBytes = est.dram.total();
  est.dramEnergyJoules = double(est.dramBytes) * t.dramJoulesPerByte;
  est.macEnergyJoules = double(est.macs) * t.joulesPerMac;
  est.energyJoules = est.dramEnergyJoules + est.macEnergyJoules;
  est.stages.push_back(std::move(st));
  return est;
}
