//===- NPUTarget.h - hardware facts of AMD XDNA NPUs ------------*- C++ -*-===//
//
// The one source of truth for the hardware numbers of npu1 (AIE2) and npu2
// (AIE2P) and their column variants. Passes, cost models, the C API and the
// Python package all read these tables; nothing else may hard-code a size, a
// limit or a rate. The source of every number is cited in NPUTarget.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_TARGET_NPUTARGET_H
#define ATTN_TARGET_NPUTARGET_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Types.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <array>
#include <cstdint>
#include <optional>

namespace mlir::attn {

/// The three kinds of tiles of an NPU array.
enum class TileKind { Shim = 0, MemTile = 1, Core = 2 };
constexpr int kNumTileKinds = 3;

/// Element types the target table knows about.
enum class ElementKind { BF16 = 0, F16 = 1, F32 = 2, I8 = 3, I16 = 4, I32 = 5 };
constexpr int kNumElementKinds = 6;

/// Bytes of one element of `kind`.
int64_t bytes(ElementKind kind);
/// "bf16", "f16", "f32", "i8", "i16", "i32".
llvm::StringRef stringifyElementKind(ElementKind kind);
/// "shim", "memtile", "core".
llvm::StringRef stringifyTileKind(TileKind kind);
/// Inverse of stringifyElementKind / stringifyTileKind.
std::optional<ElementKind> symbolizeElementKind(llvm::StringRef name);
std::optional<TileKind> symbolizeTileKind(llvm::StringRef name);

/// The ElementKind of an MLIR scalar type (signless or signed integers count
/// by width); std::nullopt for any other type. Header-only so that the
/// AttnTarget library itself needs no MLIR IR library.
inline std::optional<ElementKind> elementKindFor(Type type) {
  if (type.isBF16())
    return ElementKind::BF16;
  if (type.isF16())
    return ElementKind::F16;
  if (type.isF32())
    return ElementKind::F32;
  if (auto intType = dyn_cast<IntegerType>(type)) {
    switch (intType.getWidth()) {
    case 8:
      return ElementKind::I8;
    case 16:
      return ElementKind::I16;
    case 32:
      return ElementKind::I32;
    default:
      return std::nullopt;
    }
  }
  return std::nullopt;
}

/// Core matmul intrinsic (M x K x N) for one element type.
struct IntrinsicShape {
  int64_t m, k, n;
};

/// Limits of a DMA access pattern (buffer descriptor) on one tile kind.
/// Sizes and strides are the user-facing values (element units are converted
/// to `unitBytes` words before comparing against the word limits).
struct DmaLimits {
  int maxDims;            // dims of an access pattern incl. the repeat dim
  int maxObjectFifoDims;  // dims of an objectfifo dimensionsToStream/From
  int64_t maxSize;        // per-dim size limit for inner dims (words, dim 0)
  int64_t maxOuterSize;   // repeat / outermost size limit
  int64_t maxStrideWords; // stride limit in `unitBytes` words
  int64_t unitBytes;      // transfer unit and alignment, bytes
};

/// Facts of one tile kind.
struct TileKindInfo {
  int s2mmChannels;      // DMA channels into the tile (stream to memory)
  int mm2sChannels;      // DMA channels out of the tile (memory to stream)
  int bufferDescriptors; // BDs of the tile's DMA
  int locks;             // hardware locks of the tile
  DmaLimits dma;
  /// Pools the BDs split into: a DMA channel c (either direction) takes its
  /// BD ids from pool c % bdPools only, each pool holding
  /// bufferDescriptors / bdPools ids (pool p: ids p * size .. (p + 1) *
  /// size - 1).
  int bdPools = 1;
};

/// Facts of one element type on the core.
struct ElementKindInfo {
  double macsPerCycle;      // peak matmul MACs/cycle/core; 0 = not supported
  IntrinsicShape intrinsic; // {0,0,0} when macsPerCycle is 0
  double kernelEfficiency;  // fraction of peak a plain kernel reaches
  int vectorLanes;          // elementwise lanes; 0 = not characterised
  /// Matmuls of this type with no datapath of their own run on the bf16
  /// matmul as a sum of products of bf16 parts (AIE-API's f32 emulation):
  /// each operand is split into `splits` bf16 terms and the
  /// splits * (splits + 1) / 2 largest cross products are accumulated, one
  /// bf16 matmul pass each. 0 = the type has its own datapath (or none);
  /// macsPerCycle and intrinsic are then the bf16 ones divided by passes.
  int bf16Splits = 0;
  /// bf16 matmul passes per MAC: 1 for a native datapath.
  int matmulPasses() const {
    return bf16Splits > 0 ? bf16Splits * (bf16Splits + 1) / 2 : 1;
  }
};

struct NPUTarget {
  llvm::StringRef name;    // "npu2", "npu1_2col", ...
  llvm::StringRef family;  // "npu1" (AIE2) or "npu2" (AIE2P)
  llvm::StringRef arch;    // "AIE2" or "AIE2P"
  int numColumns, numRows; // rows = shim + memtile + core rows
  int shimRow, memTileRow, firstCoreRow, numCoreRows;
  int64_t coreL1Bytes, memTileL2Bytes, coreStackReserveBytes;
  int coreLocks, memTileLocks, shimLocks;
  /// Locks an objectfifo uses on each tile it touches (producer lock and
  /// consumer lock of the semaphore-lock protocol).
  int objectFifoLocksPerEndpoint;
  int shimTaskQueueDepth;     // outstanding tasks per shim DMA channel
  int64_t shimRepeatCountMax; // task-form repeat_count limit
  int memTileLinkFanOutMax;   // consumers of one objectfifo.link via a memtile
  double streamBytesPerCycle; // per DMA channel
  /// Core-to-core cascade: the width of one cascade word (put_cascade /
  /// get_cascade operate on exactly this many bits) and the bytes it moves
  /// per cycle between vertically or horizontally adjacent cores.
  int cascadeBits;
  double cascadeBytesPerCycle;
  double expCyclesPerElement; // softmax exp cost
  bool expCostIsAssumption;
  double rowReduceCycles; // per row max/sum reduce
  double kernelCallOverheadCycles;
  double clockHz;
  double dramBytesPerSecond;
  bool dramBandwidthIsAssumption;
  double dispatchOverheadSeconds;
  bool dispatchOverheadIsAssumption;

  std::array<TileKindInfo, kNumTileKinds> tiles;
  std::array<ElementKindInfo, kNumElementKinds> elements;

  // Added for the cost model (lib/Analysis); sources in NPUTarget.cpp.
  /// THE vector cost: one elementwise vector pass (softmax max / scale /
  /// normalize, masking, accumulator rescale, a plain load-op-store chain)
  /// costs this many cycles per lane-vector (vectorLanes(bf16) elements) on
  /// one core. The cost model, the roofline and the simulator's kernel
  /// models all price vector passes from it (per element: divide by the
  /// lanes; see vectorPassCyclesPerElement).
  double vectorPassCyclesPerVector;
  /// Derived once from vectorPassCyclesPerVector / vectorLanes(BF16) when the
  /// table is built (never set on its own): cycles per element of a pass.
  double vectorPassCyclesPerElement;
  bool vectorPassCostIsAssumption;
  /// bf16 matmul through BFP16 emulation (8x8x8 block-float MMA, AIE2P);
  /// macsPerCycle 0 when the target has no such datapath.
  ElementKindInfo bf16ViaBfp16;
  /// Energy proxy: joules per DRAM byte moved and per executed MAC.
  double dramJoulesPerByte;
  double joulesPerMac;
  bool energyIsAssumption;

  /// DMA channels per tile and direction (s2mm = into the tile).
  int channels(TileKind kind, bool s2mm) const;
  int bufferDescriptors(TileKind kind) const;
  /// BD pools of a tile kind's DMA (TileKindInfo::bdPools), the BDs in
  /// each, and the pool channel `channel` draws from.
  int bdPools(TileKind kind) const;
  int bdsPerPool(TileKind kind) const;
  int bdPoolOf(TileKind kind, int channel) const;
  int locks(TileKind kind) const;
  const DmaLimits &dmaLimits(TileKind kind) const;
  double macsPerCycle(ElementKind kind) const;
  IntrinsicShape intrinsic(ElementKind kind) const;
  double kernelEfficiency(ElementKind kind) const;
  int vectorLanes(ElementKind kind) const;
  /// bf16 terms per operand of an emulated matmul (0: native datapath).
  int bf16Splits(ElementKind kind) const;
  /// bf16 matmul passes per MAC of `kind` (1: native datapath).
  int matmulPasses(ElementKind kind) const;
  /// Kind of tile (col, row); asserts nothing: check inBounds first.
  TileKind tileKind(int col, int row) const;
  bool inBounds(int col, int row) const;
  int numCores() const; // columns * core rows
  /// True if the tile at (col, row) can read and write the data memory of
  /// the tile at (memCol, memRow) directly (no DMA): a core reaches its own
  /// memory and its west, north and south neighbours' (not a memtile's); a
  /// memtile reaches its own and its east and west neighbours'.
  bool canAccessMemory(int col, int row, int memCol, int memRow) const;
};

/// nullptr when the name is unknown. Names: npu1, npu1_1col..npu1_3col,
/// npu2, npu2_1col..npu2_7col.
const NPUTarget *lookupTarget(llvm::StringRef name);
/// Every known target name, in table order.
llvm::ArrayRef<llvm::StringRef> targetNames();

} // namespace mlir::attn

#endif // ATTN_TARGET_NPUTARGET_H
