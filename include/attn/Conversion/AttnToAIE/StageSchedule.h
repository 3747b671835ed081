//===- StageSchedule.h - how one attn.stage maps onto the array -*- C++ -*-===//
//
// The planning model shared by attn-schedule-dma (which decides and records)
// and convert-attn-to-aie (which materializes). A StageDesc is the stage's
// shape and plan in plain numbers; planStage() turns it into a StageSchedule:
// broadcast groups, units of work, object FIFOs with depths and channels,
// memory budgets, and the runtime sequence (shim transfers with 4-D access
// patterns, BD ids and waits). Every limit comes from the NPUTarget table.
// The design is described in docs/aie-mapping.md.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_CONVERSION_ATTNTOAIE_STAGESCHEDULE_H
#define ATTN_CONVERSION_ATTNTOAIE_STAGESCHEDULE_H

#include "attn/Analysis/StageLayout.h"
#include "attn/Analysis/WorkSplit.h"
#include "attn/Dialect/Attn/IR/AttnAttrs.h"
#include "attn/Target/NPUTarget.h"

#include "llvm/ADT/StringRef.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlir::attn::aiemap {

/// The DRAM tensors a stage reads or writes (the attn dialect's DramRole,
/// which the recorded schedule uses). M and Bias are the explicit mask and
/// bias ([Bm][Hm][Lqm][Lk] in the layer's element type; key-only rows when
/// Hm = Lqm = 1).
using Role = ::mlir::attn::DramRole;
constexpr int kNumRoles = 8;
llvm::StringRef stringifyRole(Role role);

/// A stage in plain numbers. Lengths are the padded (program) lengths.
struct StageDesc {
  StageKind kind = StageKind::Online;
  int64_t batch = 1, heads = 1, kvHeads = 1;
  int64_t qLen = 0, kvLen = 0, headDim = 0, valueDim = 0;
  ElementKind elem = ElementKind::BF16; // Q, K, V, O
  /// matmul_type = bf16 (allow-precision-loss): an f16/f32 stage's matmuls
  /// round their operands to bf16 (kernels `*_<elem>_as_bf16`).
  bool matmulInBf16 = false;
  bool blhd = false;             // layout of Q, K, V, O
  int64_t qTile = 0, kvTile = 0; // plan tiles
  int64_t columns = 1, coresPerColumn = 1, depth = 2;
  /// Query tiles a core keeps at once against one K/V stream (the plan's
  /// l2_q_block / (cores_per_column x q_tile)): each round gives a core
  /// `queryTiles` items, so a broadcast K/V block serves that many per core.
  int64_t queryTiles = 1;
  /// Cores of a cascade chain (the plan's kv_split; online stages only).
  int64_t kvSplit = 1;
  bool causal = false;
  int64_t causalOffset = 0; // key k hidden from query q when k > q + offset
  bool hasValidLen = false;
  /// Plan mapping `stream`: each lane is a QK | softmax | PV pipeline of
  /// three cores (online stages only; StreamStage.h).
  bool stream = false;
  int64_t keyLimit = 0; // keys at or beyond are padding (real key length)
  double scale = 1.0;
  /// Key-only explicit mask (`maskKind`) and bias rows: one row of Lk keys
  /// per batch (`*Batches` = B) or one for all (1). They travel in the
  /// broadcast step object, one element of `elem` per key.
  enum MaskKind { NoMask, KeepMask, AddMask } maskKind = NoMask;
  int64_t maskBatches = 0;
  bool hasBias = false;
  int64_t biasBatches = 0;
  /// Full masks/biases ([B|1, H|1, Lq|1, Lk]): `*Heads` is H or 1, `*Rows`
  /// the padded Lq or 1. Per step the step object carries
  /// (docs/aie-mapping.md): varying over queries, one [q_tile][kv_tile] tile
  /// per core of the group; varying over the heads of a GQA group only, the
  /// group's G key rows (each core reads its item's head's row); else one key
  /// row.
  int64_t maskHeads = 1, maskRows = 1, biasHeads = 1, biasRows = 1;
  /// Softmax stage only, decided by the planner (recorded as the schedule's
  /// kv_tile and steps): 0 = whole score rows in L1; else the keys per S/P
  /// chunk when the rows are streamed in two passes (running max/sum, then
  /// P chunk by chunk).
  int64_t softmaxChunk = 0;
  /// L2-resident K/V (the plan's l2_kv_block covers the padded key length):
  /// a kv head's K and V are read from DRAM once per unit into the group's
  /// host memtile, which streams them to the cores every round.
  bool kvResident = false;
  bool streamedSoftmax() const {
    return kind == StageKind::Softmax && softmaxChunk > 0;
  }
  bool maskTiles() const { return maskKind != NoMask && maskRows > 1; }
  bool biasTiles() const { return hasBias && biasRows > 1; }
  /// Rows of the per-core tile of the mask / bias (q_tile), 0 without tiles.
  int64_t maskLaneRows() const { return maskTiles() ? qTile : 0; }
  int64_t biasLaneRows() const { return biasTiles() ? qTile : 0; }
  /// Key rows of a GQA group's heads per step (G), 0 when not that case.
  int64_t maskGroupRows() const {
    return maskKind != NoMask ? groupRows(maskHeads, maskRows) : 0;
  }
  int64_t biasGroupRows() const {
    return hasBias ? groupRows(biasHeads, biasRows) : 0;
  }
  int64_t groupRows(int64_t h, int64_t rows) const {
    return rows == 1 && h > 1 && heads != kvHeads ? heads / kvHeads : 0;
  }
};

/// Choices attn-schedule-dma may be forced into (0 = choose).
struct ScheduleOptions {
  int64_t groupColumns = 0;
  int64_t queryChunks = 0;
};

struct TileCoord {
  int col = 0, row = 0;
  bool operator==(const TileCoord &o) const {
    return col == o.col && row == o.row;
  }
};

/// One object FIFO of the design.
struct FifoSpec {
  std::string name;
  TileCoord producer;
  std::vector<TileCoord> consumers;
  int64_t depth = 2;
  /// Objects at each consumer end when not `depth` (0); the producer end
  /// holds `depth` (a cascade chain's cores take kv_split at a time).
  int64_t consumerDepth = 0;
  std::vector<int64_t> shape; // object shape
  ElementKind elem = ElementKind::BF16;
  std::optional<Role> dram; // set when one end is a shim
  /// Roles a broadcast shim stream carries in turn each round (K then V for
  /// a full fold whose K and V blocks have one shape); else just `dram`.
  std::vector<Role> passRoles;
  int shimChannel = -1; // channel index at the shim end
  /// Which stream this is: a group's broadcast step stream (group >= 0), or
  /// a column's stream (column >= 0) carrying the tiles of the cores in
  /// `coreRows`, in order.
  using Use = ::mlir::attn::FifoUse;
  static constexpr Use Item = Use::Item, Step = Use::Step,
                       CoreStep = Use::CoreStep, Output = Use::Output,
                       Pipe = Use::Pipe;
  Use use = Item;
  int group = -1, column = -1;
  std::vector<int> coreRows;
  /// Producer end of an L2-resident K/V broadcast: the memtile sends the
  /// whole resident object `repeatCount` times (once per round of a unit),
  /// in the order of `toStream` ({size, stride} in elements, outermost
  /// first; empty = linear). 0 = an ordinary FIFO.
  int64_t repeatCount = 0;
  std::vector<std::array<int64_t, 2>> toStream;
  int64_t objectBytes() const;
};

/// aie.objectfifo.link: a join (several ins) or split (several outs).
struct LinkSpec {
  std::vector<std::string> ins, outs;
  std::vector<int64_t> srcOffsets, dstOffsets; // elements of the whole
};

/// What one core runs. Fifo names are empty when unused.
struct CoreSpec {
  TileCoord tile;
  int group = 0, columnInGroup = 0, row = 0; // row = index in its column
  std::string itemFifo, stepFifo, coreStepFifo, outFifo;
  std::string rtpBuffer; // empty without valid_len
  /// The part of the stage it runs; a stream pipeline's cores pass tiles
  /// core to core through `pipeIn` / `pipeOut`.
  CoreRole role = CoreRole::fused;
  std::string pipeIn, pipeOut;
};

/// A cascade chain (kv_split > 1): the cores serving query lane `lane` of
/// column `column`, adjacent in the column, listed top (highest row) to
/// bottom. Core i runs the online state over key steps i, i + s, ... and
/// the states merge down the chain (aie.cascade_flow from each core to the
/// next); the bottom core merges last and writes the output.
struct CascadeChain {
  int column = 0, lane = 0;
  std::vector<TileCoord> tiles;
};

/// A 4-D shim access pattern in elements of the DRAM buffer (outermost
/// first; dimension 0 of `sizes` is the repeat count).
struct Pattern {
  int64_t offset = 0;
  std::array<int64_t, 4> sizes{1, 1, 1, 1};
  std::array<int64_t, 4> strides{0, 0, 0, 1};
  int64_t elements() const { return sizes[0] * sizes[1] * sizes[2] * sizes[3]; }
};

/// One instruction of the runtime sequence.
struct SequenceOp {
  enum Kind { Transfer, Wait } kind = Transfer;
  std::string fifo; // metadata (transfer) or symbol (wait)
  Role role = Role::Q;
  int shimColumn = 0;
  bool toShim = false; // output transfer (S2MM at the shim)
  int channel = 0;
  Pattern pattern;
  int bdId = 0;
  bool issueToken = false;
};

/// A decided schedule.
struct StageSchedule {
  StageDesc desc;
  std::string targetName;
  // Work decomposition (docs/aie-mapping.md, "Work decomposition").
  int64_t groupColumns = 1, numGroups = 1, coresPerGroup = 1;
  int64_t queryChunks = 1;    // chunks per kv head
  int64_t workHeads = 1;      // kv heads (heads for softmax)
  int64_t itemsPerHead = 1;   // n = G * nQ
  int64_t groupSize = 1;      // G (query heads per work head)
  int64_t stepTile = 0;       // keys per step object (kv tile or Lk)
  int64_t steps = 1;          // step objects per item
  int64_t roundsPerHead = 0;  // rounds over all chunks of one kv head
  int64_t totalRounds = 0;    // over all units
  int64_t maxGroupRounds = 0; // critical path in rounds
  int64_t bypassCores = 0;    // host-column cores writing straight to shim
  /// Causal balance: units dealt boustrophedon (WorkSplit::zigzag).
  bool zigzag = false;
  /// Computed key blocks per core: the busiest core's, all cores' total.
  LaneBalance laneBlocks;
  /// Causal online stages: per chunk, its rounds' classes in round order
  /// (WorkSplit.h, roundClasses): a class's rounds stream only its first
  /// `blocks` key blocks, and the cores loop over exactly those. Empty:
  /// every round streams all `steps`.
  std::vector<ChunkRounds> roundClasses;
  /// Mask/bias tiles per step object: one per core of the group, or, when
  /// every chunk is shorter than the group (its last cores repeat the
  /// chunk's last item), one per item: the repeating cores read the last.
  int64_t maskLanes = 1;
  // Depths at the core ends.
  int64_t itemDepth = 0, stepDepth = 0, coreStepDepth = 0, outDepth = 0;
  int64_t l1Bytes = 0; // per core (StageLayout)
  int64_t l2Bytes = 0; // busiest memtile (StageLayout)
  /// The buffers of every core (they all hold the same) and the memory of
  /// every tile: THE accounting the emitter allocates from and
  /// aie-check-limits verifies.
  CoreLayout core;
  /// Stream pipelines: the QK, softmax and PV cores' buffers (`core` is
  /// unused then).
  std::array<CoreLayout, 3> streamCores;
  /// The buffers of a core of role `role`.
  const CoreLayout &layoutOf(CoreRole role) const {
    return role == CoreRole::fused ? core
                                   : streamCores[static_cast<int>(role) - 1];
  }
  StageLayout layout;
  int64_t memTileBDs = 0; // busiest memtile
  std::vector<FifoSpec> fifos;
  std::vector<LinkSpec> links;
  std::vector<CoreSpec> cores;
  /// Cascade chains (empty without a cascade, desc.kvSplit == 1).
  std::vector<CascadeChain> chains;
  std::vector<SequenceOp> sequence;
  int64_t transfers = 0, waits = 0, batches = 0, maxBatchesInFlight = 0;
  /// Bytes moved per DRAM role (reads for inputs, writes for outputs).
  std::array<int64_t, kNumRoles> roleBytes{};
  /// The stage layout's memory per tile, {column, row, bytes} (what
  /// aie-check-limits must measure on the device).
  std::vector<std::array<int64_t, 3>> tileBytes;

  /// The work decomposition these fields describe (WorkSplit.h).
  WorkSplit split() const;
  /// Units of group `g` and the work they cover.
  int64_t unitsOfGroup(int64_t g) const;
  /// Chunk [start, start + len) of the items of a kv head for split `s`.
  int64_t chunkStart(int64_t s) const;
  int64_t chunkLen(int64_t s) const;
  int64_t roundsOfChunk(int64_t s) const;
  /// The round classes of chunk `s` (one class of `steps` when the stage
  /// streams every block each round).
  ChunkRounds classesOfChunk(int64_t s) const;
  /// Step objects round `t` of chunk `s` streams.
  int64_t stepsOfRound(int64_t s, int64_t t) const;
  /// Items a group covers per round: its cores x the query tiles per core.
  int64_t itemsPerRound() const;
  /// Position of `tile` in its cascade chain (0 = top), or -1. Core p of
  /// a chain computes the key steps j with j mod kv_split = p.
  int chainPosition(TileCoord tile) const;
  /// Elements of a DRAM tensor.
  int64_t roleElements(Role role) const;
  ElementKind roleElement(Role role) const;
};

/// Which key blocks the stage's items compute (`stepTile` keys per block).
KeyVisibility stageKeyVisibility(const StageDesc &desc, int64_t stepTile);

/// Whether a stage streams only the key blocks its rounds compute (round
/// classes): causal online stages (fused lanes, cascade chains and stream
/// pipelines alike: every core of a lane walks the round's class).
bool streamsVisibleBlocks(const StageDesc &desc);

/// Roles read and written by a stage kind, in runtime-sequence order
/// (inputs, then outputs).
std::vector<Role> stageInputs(StageKind kind);
Role stageOutput(StageKind kind);

/// Plans `desc` on `target`. On failure returns std::nullopt and sets
/// `error` to a sentence saying which limit no schedule can meet.
/// planStage for desc.kvSplit > 1: the schedule of the query lanes (a lane
/// per chain), each lane then expanded into its cascade chain.
std::optional<StageSchedule> planCascadeStage(const StageDesc &desc,
                                              const NPUTarget &target,
                                              const ScheduleOptions &options,
                                              std::string &error);
std::optional<StageSchedule> planStage(const StageDesc &desc,
                                       const NPUTarget &target,
                                       const ScheduleOptions &options,
                                       std::string &error);

} // namespace mlir::attn::aiemap

#endif // ATTN_CONVERSION_ATTNTOAIE_STAGESCHEDULE_H
