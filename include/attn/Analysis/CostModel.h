//===- CostModel.h - analytic cost model of attention on NPUs ---*- C++ -*-===//
//
// An analytic latency / DRAM-traffic / energy model of one attention layer
// mapped onto an AMD XDNA NPU with a given fold mode and tiling plan, plus a
// roofline bound. It works on plain structs (no IR), so passes, the C API and
// benchmarks share it: attn-fold{mode=auto} and attn-tile build an
// AttentionShape from the op, call explore() (DesignSpace.h) or estimate(),
// and read the Plan back. Every hardware constant comes from the NPUTarget
// table; the formulas are documented in docs/cost-model.md.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_ANALYSIS_COSTMODEL_H
#define ATTN_ANALYSIS_COSTMODEL_H

#include "attn/Dialect/Attn/IR/AttnEnums.h"
#include "attn/Target/NPUTarget.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace mlir::attn::cost {

//===----------------------------------------------------------------------===//
// Inputs
//===----------------------------------------------------------------------===//

enum class MaskKind { None, Boolean, Additive };

/// One attention layer, independent of the IR. Sizes are the real (unpadded)
/// logical sizes; Q [B,H,Lq,D], K [B,Hkv,Lk,D], V [B,Hkv,Lk,Dv].
struct AttentionShape {
  int64_t batch = 1, heads = 1, kvHeads = 1;
  int64_t queryLen = 0, keyLen = 0, headDim = 0, valueDim = 0;
  ElementKind element = ElementKind::BF16;
  CausalKind causal = CausalKind::none;
  /// Optional mask and bias with their shapes right-aligned to
  /// [B,H,Lq,Lk] (a broadcast dimension is 1) and their element types
  /// (a boolean mask is stored as I8).
  MaskKind mask = MaskKind::None;
  std::array<int64_t, 4> maskShape = {1, 1, 1, 1};
  ElementKind maskElement = ElementKind::I8;
  bool hasBias = false;
  std::array<int64_t, 4> biasShape = {1, 1, 1, 1};
  ElementKind biasElement = ElementKind::BF16;
  /// A runtime valid_len operand (tensor<Bxi32>).
  bool validLen = false;
  LayoutKind layout = LayoutKind::bhld;
  /// allow-precision-loss: an f16/f32 layer's matmul operands are rounded to
  /// bf16 and multiplied in one bf16 pass instead of the target table's
  /// multi-pass emulation (DRAM and L1 keep the layer's element type).
  bool matmulInBf16 = false;
};

/// Where Kᵀ is formed: by the DMA (block reorder; the kernel's transposed-
/// operand matmul does the in-block step) or by an extra core pass.
enum class KTransposePlacement { Dma, Core };
/// How a blhd layout is handled: native (bhld only), by strided shim DMA
/// access patterns, or by separate transpose dispatches.
enum class LayoutHandling { Native, Dma, Transpose };

/// A tiling plan: the fields of #attn.plan plus the choices the model needs.
/// Zero means "derive" where documented.
struct Plan {
  FoldKind fold = FoldKind::online;
  int64_t qTile = 64;  // query rows per core step (L1)
  int64_t kvTile = 64; // keys per core step (L1); the K/V streaming block
  /// Query rows of one head staged per column per round (L2); a multiple of
  /// cores_per_column * q_tile. Larger blocks let each core keep several
  /// query tiles against one K/V stream (fewer K/V re-reads, more L1).
  /// 0 = cores_per_column * q_tile.
  int64_t l2QBlock = 0;
  /// Keys per memtile K/V block; >= the padded key length keeps a head's
  /// whole K/V resident in L2 (read from DRAM once). 0 = kv_tile.
  int64_t l2KvBlock = 0;
  /// Core matmul intrinsic M x K x N; {0,0,0} = the target's native one.
  IntrinsicShape intrinsic = {0, 0, 0};
  int columns = 0;        // 0 = every column of the target
  int coresPerColumn = 0; // 0 = every core row
  /// fused: one core runs every step of a query tile; stream: a pipeline of
  /// cores (QK | softmax | PV) passes score tiles along (MAS-Attention).
  MappingKind mapping = MappingKind::fused;
  /// fused only: cores of a column that split one query tile's key range
  /// and merge partial results over the cascade (mlir-air style); 1 = none.
  int kvSplit = 1;
  int depth = 2; // objectfifo depth (2 = double buffering)
  KTransposePlacement kTranspose = KTransposePlacement::Dma;
  LayoutHandling layout = LayoutHandling::Native;
  /// Element type of S / P round trips through DRAM (unfolded, partial).
  ElementKind intermediate = ElementKind::F32;
  /// Skip key blocks that causal masking hides entirely.
  bool causalSkip = true;
};

llvm::StringRef stringifyKTranspose(KTransposePlacement placement);
llvm::StringRef stringifyLayoutHandling(LayoutHandling handling);
llvm::StringRef stringifyMaskKind(MaskKind kind);
std::optional<KTransposePlacement> symbolizeKTranspose(llvm::StringRef name);
std::optional<LayoutHandling> symbolizeLayoutHandling(llvm::StringRef name);
std::optional<MaskKind> symbolizeMaskKind(llvm::StringRef name);

/// A matmul datapath of a core for one element type.
struct MatmulDatapath {
  /// "native", "bfp16", "bf16x3" / "bf16x6" (f16 / f32 emulated on the bf16
  /// matmul, passes in the name) or "bf16_rounded" (allow-precision-loss)
  llvm::StringRef name;
  IntrinsicShape intrinsic;
  double macsPerCycle;
  double kernelEfficiency;
};
/// The datapaths `target` offers for `element` (empty: no matmul support).
llvm::SmallVector<MatmulDatapath, 2> matmulDatapaths(const NPUTarget &target,
                                                     ElementKind element);
/// The datapaths of `shape`'s matmuls: its element type's, or bf16's native
/// one named "bf16_rounded" when `shape.matmulInBf16` rounds an emulated
/// type's operands to bf16.
llvm::SmallVector<MatmulDatapath, 2>
matmulDatapaths(const NPUTarget &target, const AttentionShape &shape);

//===----------------------------------------------------------------------===//
// Outputs
//===----------------------------------------------------------------------===//

/// The resource that bounds a stage (or the roofline).
enum class Resource {
  Matrix,     // core matmul cycles
  Vector,     // core vector cycles (softmax, masking, rescale)
  Compute,    // matrix + vector on the critical core, neither alone dominant
  CoreDma,    // core tile DMA channels
  MemTileDma, // memtile DMA channels
  ShimDma,    // shim DMA channels
  Dram,       // DRAM bandwidth
  Dispatch,   // fixed cost per dispatch
};
llvm::StringRef stringifyResource(Resource resource);

/// Lengths rounded up to the plan's tiles.
struct PaddedSizes {
  int64_t queryLen, keyLen, headDim, valueDim;
  int64_t queryTiles, keyTiles;
};

/// Exact DRAM traffic of a plan, in bytes, by tensor.
struct DramTraffic {
  int64_t query = 0, key = 0, value = 0, mask = 0, bias = 0, validLen = 0;
  int64_t scoresWrite = 0, scoresRead = 0; // S (unfolded)
  int64_t probsWrite = 0, probsRead = 0;   // P (unfolded, partial)
  int64_t output = 0;
  int64_t layout = 0; // transpose dispatches (layout = transpose)
  int64_t total() const;
};

/// One dispatch.
struct StageEstimate {
  std::string name; // qk, softmax, pv, qk_softmax, attention, layout_in, ...
  int64_t rounds = 0;
  int64_t macs = 0; // executed MACs (padded tiles, skipped blocks excluded)
  /// Critical-path core cycles (sum over rounds of the busiest core).
  double matrixCycles = 0, vectorCycles = 0, overheadCycles = 0;
  double computeCycles = 0;
  /// Busiest channel of each hop, cycles (in = towards the cores).
  double shimInCycles = 0, memTileInCycles = 0, coreInCycles = 0;
  double coreOutCycles = 0, memTileOutCycles = 0, shimOutCycles = 0;
  int64_t dramReadBytes = 0, dramWriteBytes = 0;
  double dramSeconds = 0;
  double fillCycles = 0, drainCycles = 0;
  double dispatchSeconds = 0;
  double latencySeconds = 0;
  Resource binding = Resource::Compute;
  int64_t l1Bytes = 0, l2Bytes = 0; // per core / per memtile
};

/// One limit a plan breaks: what (`kind`), in which stage, the resource
/// counted, the amount the plan needs and the target's limit, and the
/// sentence reported to users.
struct Violation {
  enum class Kind {
    L1Bytes,
    L2Bytes,
    ShimInputStreams,
    MemTileOutputStreams,
    MemTileLinkFanOut,
    MemTileInputStreams,
    DmaSize,
    DmaStride,
    KTranspose,
  };
  Kind kind = Kind::L1Bytes;
  std::string stage; // "attention", "qk", ..., "matmul"
  std::string resource;
  int64_t needed = 0, limit = 0;
  std::string message;
};
/// "l1_bytes", "shim_input_streams", ...
llvm::StringRef stringifyViolationKind(Violation::Kind kind);

struct Estimate {
  Plan plan; // with every derived field filled in
  PaddedSizes padded;
  MatmulDatapath datapath;
  llvm::SmallVector<StageEstimate, 3> stages;
  DramTraffic dram;
  double latencySeconds = 0;
  int64_t dramBytes = 0;
  int64_t macs = 0;       // executed
  int64_t usefulMacs = 0; // unpadded, causally visible
  int64_t l1Bytes = 0, l2Bytes = 0;
  double energyJoules = 0; // dramEnergyJoules + macEnergyJoules
  double dramEnergyJoules = 0, macEnergyJoules = 0;
  Resource binding = Resource::Compute; // of the slowest stage
  /// Empty when the plan fits the target; otherwise one entry per violated
  /// limit (L1/L2 capacity, channels, DMA limits).
  llvm::SmallVector<Violation, 2> violations;
  bool legal() const { return violations.empty(); }
};

/// Roofline bound of one layer on one target: the largest of the MAC-bound
/// (useful MACs at peak rate on every core), the vector-bound (the minimal
/// softmax work: one max pass and one exp pass per visible score, at the
/// target's vector-pass and exp costs per element on every core) and the
/// DRAM-bound (compulsory bytes), plus one dispatch. `vectorOps` counts the
/// pass-elements (2 per visible score).
struct Roofline {
  double macSeconds = 0, vectorSeconds = 0, dramSeconds = 0;
  double dispatchSeconds = 0;
  double boundSeconds = 0;
  Resource binding = Resource::Matrix;
  int64_t usefulMacs = 0;
  int64_t compulsoryBytes = 0;
  double vectorOps = 0;
};

//===----------------------------------------------------------------------===//
// Buffer budget (shared with attn-tile)
//===----------------------------------------------------------------------===//

// The dispatches of the folds are attn::StageKind (foldStages(fold) in
// AttnEnums.h); their names are the attn.stage names (stageName).
/// Cores of one stream pipeline of `kind` (3 for attention, 2 for
/// qk_softmax; 1 for the one-op stages, which always run fused).
int pipelineLength(StageKind kind);

/// `copies` x `bytes` of one named buffer.
struct Buffer {
  std::string name;
  int64_t copies = 1;
  int64_t bytes = 0;
};

/// The buffers one core (or one memtile) holds.
struct Footprint {
  std::string role; // core of a stream pipeline ("qk", ...); empty if fused
  llvm::SmallVector<Buffer, 12> buffers;
  int64_t total() const;
  /// "2 x 8192 B (Q) + ... = 40960 B".
  void print(llvm::raw_ostream &os) const;
};

/// What a stage's buffers depend on besides the plan: element sizes in
/// bytes (0 = operand absent) and the padded sizes the tiles cover.
struct BufferSizes {
  int64_t elementBytes = 2;      // Q, K, V, O
  int64_t intermediateBytes = 4; // S / P crossing DRAM (plan.intermediate)
  /// Element bytes of the mask / bias on the device (the layer's element
  /// type: the AIE mapping carries a keep-mask as 1/0), 0 when absent.
  int64_t maskBytes = 0, biasBytes = 0;
  /// Rows per core of the mask / bias tile the AIE mapping streams in the
  /// step object: q_tile when it varies over queries, 1 when only over
  /// heads, 0 for a key row shared by every core (docs/aie-mapping.md).
  int64_t maskLaneRows = 0, biasLaneRows = 0;
  /// Else the key rows of a GQA group's heads (G), 0 for one shared row.
  int64_t maskGroupRows = 0, biasGroupRows = 0;
  /// Runtime-parameter words every core holds (valid_len: B x i32).
  int64_t runtimeParamBytes = 0;
  /// Padded key length; kUnknownLength when dynamic (then stages that hold
  /// whole score rows cannot be planned and unfolded softmax streams S).
  int64_t paddedKeyLen = 0;
  int64_t paddedHeadDim = 0, paddedValueDim = 0;
  static constexpr int64_t kUnknownLength = -1;
};

/// The per-core L1 and per-memtile L2 buffers of one stage.
struct StageBuffers {
  llvm::SmallVector<Footprint, 3> cores; // one per pipeline role (1 fused)
  Footprint memTile;
  /// Unfolded softmax only: whole score rows fit L1 (one pass over S from
  /// DRAM); otherwise S tiles are streamed twice (max/sum, normalize).
  bool softmaxRowsResident = false;
  /// Unfolded softmax the AIE back end emits as modelled: the score rows a
  /// core takes per item (the most, a divisor of q_tile, whose layout fits
  /// L1); 0 otherwise.
  int64_t softmaxRows = 0;
  /// The largest core footprint (the one that must fit L1).
  const Footprint &largestCore() const;
};

/// L1 bytes a core's buffers may use: L1 minus the stack reserve.
int64_t l1BufferBudget(const NPUTarget &target);

/// Query lanes per column of a resolved plan: fused lanes are cascades of
/// kv_split cores, a stream lane is a pipeline (2 cores for partial, 3 for
/// full/online); a column stages l2_q_block = lanes x q_tile x k rows.
int64_t lanesPerColumn(const Plan &plan);

/// THE buffer accounting of a plan: the buffers of stage `kind` under the
/// resolved `plan` (every streamed buffer `depth` times, scratch once, k =
/// l2_q_block / (lanes x q_tile) query tiles per lane). The cost model's
/// legality (and its reported L1/L2 use, plus the stack reserve) and
/// attn-tile's capacity checks and diagnostics both come from here.
StageBuffers stageBuffers(StageKind kind, const Plan &plan,
                          const BufferSizes &sizes, const NPUTarget &target);

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

/// Checks the shape itself (positive sizes, GQA divisibility, supported
/// element types). The message names the offending field.
llvm::Error verifyShape(const AttentionShape &shape);

/// Resolves the plan's derived fields (0 = derive) and checks its values
/// against the shape and the target (tiles multiples of the intrinsic, known
/// intrinsic, core counts in range, layout handling allowed for the layout).
/// The message names the offending plan field. Capacity and channel limits
/// are not errors: estimate() reports them as violations.
llvm::Expected<Plan> resolvePlan(const AttentionShape &shape, const Plan &plan,
                                 const NPUTarget &target);

/// Memoizes the schedule arithmetic (query-tile visibility, rounds, K/V
/// streams) across estimate() calls for ONE shape and target; the design
/// space exploration passes one to evaluate many plans quickly.
class EstimateCache {
public:
  EstimateCache();
  ~EstimateCache();
  EstimateCache(const EstimateCache &) = delete;
  EstimateCache &operator=(const EstimateCache &) = delete;
  struct Impl;
  std::unique_ptr<Impl> impl;
};

/// How far estimate() goes: everything, or only the capacity / channel
/// checks (then only `plan`, `padded`, `violations`, `l1Bytes` and `l2Bytes`
/// are filled in).
enum class EstimateDepth { Full, LegalityOnly };

/// Models `shape` under `plan` on `target`.
llvm::Expected<Estimate> estimate(const AttentionShape &shape, const Plan &plan,
                                  const NPUTarget &target,
                                  EstimateCache *cache = nullptr,
                                  EstimateDepth depth = EstimateDepth::Full);

/// The roofline bound of `shape` on `target`.
llvm::Expected<Roofline> roofline(const AttentionShape &shape,
                                  const NPUTarget &target);

/// A plain GEMM C[M,N] = A[M,K] B[K,N] and its tiling, for calibration of
/// the matmul datapath against published whole-array GEMM measurements.
struct MatmulProblem {
  int64_t m = 0, k = 0, n = 0;
  ElementKind element = ElementKind::BF16;
  ElementKind outElement = ElementKind::F32;
};
struct MatmulPlan {
  int64_t tileM = 64, tileK = 64, tileN = 64; // L1 tiles of A, B, C
  IntrinsicShape intrinsic = {0, 0, 0};       // {0,0,0} = native
  int columns = 0, coresPerColumn = 0;        // 0 = all
  int depth = 2;
};
/// Models the GEMM with the whole-array mapping of mlir-aie's
/// matrix_multiplication/whole_array: core (r, c) computes C tiles of row
/// block r and column block c; A row blocks are broadcast along a core row,
/// B column blocks down a column; a column's memtile keeps its whole-K B
/// column block when it fits (B then leaves DRAM once). One stage "matmul".
llvm::Expected<Estimate> estimateMatmul(const MatmulProblem &problem,
                                        const MatmulPlan &plan,
                                        const NPUTarget &target);

} // namespace mlir::attn::cost

#endif // ATTN_ANALYSIS_COSTMODEL_H
