//===- StageLayout.h - the buffers of one AIE stage, computed once -*- C++ -*-//
//
// THE accounting of the memory an emitted AIE stage uses, per tile: every
// buffer a core holds (the ends of its object FIFOs, `depth` objects each,
// the kernels' scratch, the runtime parameters and the stack reserve) and
// every buffer a memtile holds at an object FIFO link. attn-schedule-dma
// checks the L1/L2 limits on it, convert-attn-to-aie allocates the cores'
// aie.buffer ops from it and records the per-tile totals on the device, and
// aie-check-limits verifies that what it measures on the device equals those
// totals. The cost model and attn-tile size a fused stage's cores and
// memtiles with the same coreLayout() and memTileLayout().
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_ANALYSIS_STAGELAYOUT_H
#define ATTN_ANALYSIS_STAGELAYOUT_H

#include "attn/Dialect/Attn/IR/AttnEnums.h"
#include "attn/Target/NPUTarget.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlir::attn::aiemap {

// What a stage computes is attn::StageKind (the dialect's enum).

/// What one core's buffers depend on. Lengths are padded lengths.
struct CoreLayoutParams {
  StageKind kind = StageKind::Online;
  int64_t qTile = 0;  // query rows per core step (softmax: rows per step)
  int64_t kvTile = 0; // keys per step object
  int64_t keyLen = 0; // padded key length (score rows)
  int64_t headDim = 0, valueDim = 0;
  ElementKind elem = ElementKind::BF16; // Q, K, V, O
  int64_t depth = 2;                    // objects per object FIFO end
  /// Objects of the step FIFO end when not `depth` (0): a core of a
  /// cascade chain holds `depth` groups of kv_split step objects.
  int64_t stepDepth = 0;
  /// Key-only mask / bias rows carried in the K/V step object.
  bool keepMask = false, addMask = false, bias = false;
  /// Mask / bias as per-core tiles, `lanes` of them (the cores of a
  /// broadcast group) per step object: rows per tile (qTile, or 1 for a key
  /// row per core); 0 = one key row shared by all cores.
  int64_t maskLaneRows = 0, biasLaneRows = 0;
  /// Else the key rows of a GQA group's heads (G), 0 for one shared row.
  int64_t maskGroupRows = 0, biasGroupRows = 0;
  int64_t lanes = 1;
  /// valid_len runtime-parameter words (the batch) or 0.
  int64_t validLenWords = 0;
  /// Query tiles a core keeps at once (online and full stages): the plan's
  /// l2_q_block / (lanes x q_tile).
  int64_t queryTiles = 1;
  /// Softmax: 0 = whole score rows in L1; else the keys per chunk of a
  /// two-pass streamed softmax (S chunks in, P chunks out, row max/sum).
  int64_t softmaxChunk = 0;
  /// L2-resident K/V (online and full stages, docs/aie-mapping.md): a kv
  /// head's K and V reach the group's host memtile once per unit as one
  /// object (K, then V, on one shim stream), which the memtile streams to
  /// the cores every round. The core's step object is unchanged.
  bool kvResident = false;
};

/// One buffer of a tile: `copies` objects of `shape` x `elem`.
struct LayoutBuffer {
  enum Use {
    Item,
    Step,
    CoreStep,
    Output,
    Scratch,
    RuntimeParams,
    Link,
    Pipe // stream pipeline: to the next core, in the producer's memory
  };
  Use use = Scratch;
  /// Scratch: the aie.buffer name prefix ("acc", "s", ...); FIFO ends: the
  /// role ("q", "kv", ...); Link: the object FIFO owning the buffers.
  std::string name;
  std::vector<int64_t> shape;
  ElementKind elem = ElementKind::F32;
  int64_t copies = 1;
  int64_t objectBytes() const;
  int64_t bytes() const { return copies * objectBytes(); }
};

/// Spelling of a buffer use in the recorded schedule (#attn.buffer): "item",
/// "step", "core_step", "output", "scratch", "rtp", "link".
llvm::StringRef stringifyBufferUse(LayoutBuffer::Use use);
std::optional<LayoutBuffer::Use> symbolizeBufferUse(llvm::StringRef name);

/// The buffers of one core.
struct CoreLayout {
  std::vector<LayoutBuffer> buffers;
  int64_t stackBytes = 0;
  /// The step object is one flat block K (| V) (| mask | bias), the mask
  /// and bias a key row or `lanes` tiles each.
  bool joinedStep = false;
  /// The buffer of `use` (FIFO ends), or nullptr when the core has none.
  const LayoutBuffer *find(LayoutBuffer::Use use) const;
  /// Buffers plus the stack reserve: what L1 must hold.
  int64_t total() const;
  /// "2 x 8192 B (q) + ... + 1024 B (stack) = 62976 B".
  void print(llvm::raw_ostream &os) const;
};

/// The core buffers of a stage kind: its object FIFO ends (item, step,
/// per-core step, output) at `depth`, the kernels' scratch, the runtime
/// parameters and the stack reserve of `target`.
CoreLayout coreLayout(const CoreLayoutParams &params, const NPUTarget &target);

/// The cores of an online stage run as a stream pipeline (mapping `stream`,
/// MAS-Attention): [0] the QK core (Q item, K step, S tiles out), [1] the
/// softmax core (S in, P block objects out, running m / l), [2] the PV core
/// (P blocks in, V step, O out, acc and l). A P block object is one flat f32
/// [tq*tk + 2*tq]: P dense, the rescale factors, the running row sums.
/// A core-to-core FIFO joins neighbouring cores, which share memory: its
/// `depth` objects live in the producer's memory only (upstream's objectfifo
/// lowering, as aie-check-limits counts it) and it uses no DMA channel.
/// Explicit mask/bias operands are not part of this mapping. Q (held for a
/// whole item) is single-buffered when the QK core would not fit L1
/// otherwise.
std::array<CoreLayout, 3> streamCoreLayouts(const CoreLayoutParams &params,
                                            const NPUTarget &target);
/// Elements of the P block object of a stream pipeline.
inline int64_t streamPBlockElements(int64_t qTile, int64_t kvTile) {
  return qTile * kvTile + 2 * qTile;
}

/// What one memtile of a stage holds besides `CoreLayoutParams`: the
/// object FIFO links through it. Upstream's objectfifo lowering allocates a
/// link's buffers in the memtile, `depth` objects of its larger side.
struct MemTileLayoutParams {
  /// Cores of the column: the item (and P) split serves all of them.
  int64_t cores = 1;
  /// Cores whose outputs the memtile joins (the others write to the shim
  /// directly, see bypassCores()).
  int64_t outputCores = 1;
  /// The column hosts its broadcast group's step object (the group's first
  /// column).
  bool hostsStep = false;
  /// Keys of the L2-resident K/V object the host memtile keeps instead of
  /// staging step objects (CoreLayoutParams::kvResident: the padded key
  /// length), `kvResidentCopies` copies (residentKvCopies()); 0 = none.
  int64_t kvBlockKeys = 0;
  int64_t kvResidentCopies = 1;
};

/// Why the L2-resident K/V mapping (CoreLayoutParams::kvResident) cannot be
/// emitted for a stage (empty when it can): the online and full folds of
/// the fused mapping without a cascade or explicit mask/bias tensors; the
/// online fold's joined K|V step object needs D == Dv (the memtile
/// interleaves K and V blocks with one 4-D pattern), which the memtile's
/// access-pattern limits must hold. The one rule attn-schedule-dma and
/// cost::whyNotEmittable apply.
std::string whyNotKvResident(const CoreLayoutParams &params, int64_t kvSplit,
                             bool streamMapping, const NPUTarget &target);

/// The memtile's 4-D send order of an L2-resident K/V object (online fold:
/// for each key block, its K rows then its V rows; {size, stride} in
/// elements, outermost first); empty for the full fold, whose K blocks then
/// V blocks are the object's own order.
std::vector<std::array<int64_t, 2>>
residentKvToStream(const CoreLayoutParams &params);

/// Copies of the L2-resident K/V object the host memtile keeps (`memTile`
/// with kvBlockKeys set): 2 (the next unit's K/V load overlaps this unit's
/// rounds) when the layout with two fits L2 and, for up to `roundsBound`
/// rounds per unit, the memtile's buffer descriptors do (upstream repeats a
/// chain of two buffers by BDs, one per copy and round, within one
/// channel's half of them; the item split and output join take 2 x depth
/// per core each, as aie-check-limits counts); else 1 (one BD, task
/// repeat; each unit's load is exposed). `roundsBound` <= 0: not known, 1.
int64_t residentKvCopies(const CoreLayoutParams &params,
                         MemTileLayoutParams memTile, int64_t roundsBound,
                         const NPUTarget &target);

/// The most rounds a unit of an L2-resident K/V stage may take: a kv
/// head's `items` (query tiles of its G heads) on one column's `lanes`
/// keeping `tilesPerLane` tiles each (attn-schedule-dma keeps its units
/// within it when the memtile holds two copies).
inline int64_t residentRoundsBound(int64_t items, int64_t lanes,
                                   int64_t tilesPerLane) {
  int64_t perRound = std::max<int64_t>(1, lanes * tilesPerLane);
  return (items + perRound - 1) / perRound;
}

/// Shim streams of a stage's broadcast step operand (K, V, mask, bias; one
/// for a full fold whose K and V blocks share a shape and carry no rows).
int64_t stepStreams(const CoreLayoutParams &params);

/// Cores of a group's first column that bypass its memtile (their outputs
/// go straight to a spare shim S2MM channel) because the memtile has fewer
/// S2MM channels than item, P, output and step streams into it.
int64_t bypassCores(const CoreLayoutParams &params, int64_t cores,
                    const NPUTarget &target);

/// The link buffers of one memtile: the step object (host column), the item
/// and P splits (`cores` tiles), the output join (`outputCores` tiles) and
/// the plan's K/V block, each `depth` objects.
std::vector<LayoutBuffer> memTileLayout(const CoreLayoutParams &params,
                                        const MemTileLayoutParams &memTile,
                                        const NPUTarget &target);

/// The memory of one tile of an emitted stage.
struct TileLayout {
  int col = 0, row = 0;
  std::vector<LayoutBuffer> buffers;
  int64_t stackBytes = 0; // cores only
  int64_t bytes() const;
};

/// Per-tile memory of an emitted stage (cores and memtiles; shim tiles hold
/// no buffers), in the order tiles are first used.
struct StageLayout {
  std::vector<TileLayout> tiles;
  /// The largest core and memtile totals.
  int64_t l1Bytes = 0, l2Bytes = 0;

  /// The layout of tile (col, row), appended empty on its first use.
  TileLayout &tile(int col, int row);
  /// Sets l1Bytes and l2Bytes from `tiles` (core and memtile rows of
  /// `target`).
  void setLargest(const NPUTarget &target);
};

/// The discardable attribute convert-attn-to-aie puts on each aie.device:
/// the stage layout's bytes per tile, [col, row, bytes] each. aie-check-limits
/// reports every tile whose measured memory differs from it.
inline constexpr llvm::StringLiteral kLayoutMemoryAttrName =
    "attn.layout_memory";

} // namespace mlir::attn::aiemap

#endif // ATTN_ANALYSIS_STAGELAYOUT_H
