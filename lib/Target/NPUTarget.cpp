//===- NPUTarget.cpp - hardware facts of AMD XDNA NPUs --------------------===//
//
// The target table. Every number carries its source:
//   [TM.h]   mlir-aie include/aie/Dialect/AIE/IR/AIETargetModel.h
//   [TM.cpp] mlir-aie lib/Dialect/AIE/IR/AIETargetModel.cpp
//   [AIEX]   mlir-aie lib/Dialect/AIEX/IR/AIEXDialect.cpp
//   [FACTS]  /work/shared/design/AIE-TARGET.md (AM020/AM027 manuals, mlir-aie
//            programming guide, published measurements); "measured" there
//            means on hardware by others, "assumption" means ours and is
//            flagged in the table.
//
//===----------------------------------------------------------------------===//

#include "attn/Target/NPUTarget.h"

#include "llvm/ADT/StringSwitch.h"

#include <cassert>

using namespace mlir;
using namespace mlir::attn;

int64_t mlir::attn::bytes(ElementKind kind) {
  switch (kind) {
  case ElementKind::I8:
    return 1;
  case ElementKind::BF16:
  case ElementKind::F16:
  case ElementKind::I16:
    return 2;
  case ElementKind::F32:
  case ElementKind::I32:
    return 4;
  }
  return 0;
}

llvm::StringRef mlir::attn::stringifyElementKind(ElementKind kind) {
  switch (kind) {
  case ElementKind::BF16:
    return "bf16";
  case ElementKind::F16:
    return "f16";
  case ElementKind::F32:
    return "f32";
  case ElementKind::I8:
    return "i8";
  case ElementKind::I16:
    return "i16";
  case ElementKind::I32:
    return "i32";
  }
  return "";
}

llvm::StringRef mlir::attn::stringifyTileKind(TileKind kind) {
  switch (kind) {
  case TileKind::Shim:
    return "shim";
  case TileKind::MemTile:
    return "memtile";
  case TileKind::Core:
    return "core";
  }
  return "";
}

std::optional<ElementKind>
mlir::attn::symbolizeElementKind(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<ElementKind>>(name)
      .Case("bf16", ElementKind::BF16)
      .Case("f16", ElementKind::F16)
      .Case("f32", ElementKind::F32)
      .Case("i8", ElementKind::I8)
      .Case("i16", ElementKind::I16)
      .Case("i32", ElementKind::I32)
      .Default(std::nullopt);
}

std::optional<TileKind> mlir::attn::symbolizeTileKind(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<TileKind>>(name)
      .Case("shim", TileKind::Shim)
      .Case("memtile", TileKind::MemTile)
      .Case("core", TileKind::Core)
      .Default(std::nullopt);
}

//===----------------------------------------------------------------------===//
// Accessors
//===----------------------------------------------------------------------===//

int NPUTarget::channels(TileKind kind, bool s2mm) const {
  const TileKindInfo &info = tiles[static_cast<int>(kind)];
  return s2mm ? info.s2mmChannels : info.mm2sChannels;
}
int NPUTarget::bufferDescriptors(TileKind kind) const {
  return tiles[static_cast<int>(kind)].bufferDescriptors;
}

int NPUTarget::bdPools(TileKind kind) const {
  return tiles[static_cast<int>(kind)].bdPools;
}

int NPUTarget::bdsPerPool(TileKind kind) const {
  return bufferDescriptors(kind) / bdPools(kind);
}

int NPUTarget::bdPoolOf(TileKind kind, int channel) const {
  return channel % bdPools(kind);
}
int NPUTarget::locks(TileKind kind) const {
  return tiles[static_cast<int>(kind)].locks;
}
const DmaLimits &NPUTarget::dmaLimits(TileKind kind) const {
  return tiles[static_cast<int>(kind)].dma;
}
double NPUTarget::macsPerCycle(ElementKind kind) const {
  return elements[static_cast<int>(kind)].macsPerCycle;
}
IntrinsicShape NPUTarget::intrinsic(ElementKind kind) const {
  return elements[static_cast<int>(kind)].intrinsic;
}
double NPUTarget::kernelEfficiency(ElementKind kind) const {
  return elements[static_cast<int>(kind)].kernelEfficiency;
}
int NPUTarget::vectorLanes(ElementKind kind) const {
  return elements[static_cast<int>(kind)].vectorLanes;
}
int NPUTarget::bf16Splits(ElementKind kind) const {
  return elements[static_cast<int>(kind)].bf16Splits;
}
int NPUTarget::matmulPasses(ElementKind kind) const {
  return elements[static_cast<int>(kind)].matmulPasses();
}
bool NPUTarget::inBounds(int col, int row) const {
  return col >= 0 && col < numColumns && row >= 0 && row < numRows;
}
TileKind NPUTarget::tileKind(int col, int row) const {
  (void)col;
  if (row == shimRow)
    return TileKind::Shim;
  if (row == memTileRow)
    return TileKind::MemTile;
  return TileKind::Core;
}
int NPUTarget::numCores() const { return numColumns * numCoreRows; }

// AIE2TargetModel::isLegalMemAffinity [TM.cpp]: a core tile reaches the
// memory west of it (col - 1), its own (the "east" memory is internal on
// AIE2), north (row + 1) and south (row - 1) unless that is a memtile; a
// memtile reaches its own and its east/west neighbours (isMemTile branch).
// Shim tiles have no data memory.
bool NPUTarget::canAccessMemory(int col, int row, int memCol,
                                int memRow) const {
  if (!inBounds(col, row) || !inBounds(memCol, memRow))
    return false;
  TileKind kind = tileKind(col, row);
  TileKind memKind = tileKind(memCol, memRow);
  if (kind == TileKind::Shim || memKind == TileKind::Shim)
    return false;
  bool sameTile = col == memCol && row == memRow;
  bool west = memCol == col - 1 && memRow == row;
  if (kind == TileKind::MemTile) {
    bool east = memCol == col + 1 && memRow == row;
    return memKind == TileKind::MemTile && (sameTile || west || east);
  }
  if (memKind != TileKind::Core)
    return false;
  bool north = memCol == col && memRow == row + 1;
  bool south = memCol == col && memRow == row - 1;
  return sameTile || west || north || south;
}

//===----------------------------------------------------------------------===//
// The table
//===----------------------------------------------------------------------===//

namespace {

enum class Family { NPU1, NPU2 };

/// Facts common to both families (AIE2 and AIE2P share the AIE2TargetModel of
/// upstream mlir-aie: BaseNPU1TargetModel and BaseNPU2TargetModel both derive
/// from AIE2TargetModel [TM.h]).
NPUTarget makeCommon(llvm::StringRef name, int columns) {
  NPUTarget t{};
  t.name = name;
  t.numColumns = columns;
  // 1 shim row, 1 memtile row, 4 core rows: BaseNPU1TargetModel::rows() and
  // BaseNPU2TargetModel::rows() return 6, isMemTile is row == 1, isCoreTile
  // is row > 1 [TM.h]; [FACTS] "array" row.
  t.numRows = 6;
  t.shimRow = 0;
  t.memTileRow = 1;
  t.firstCoreRow = 2;
  t.numCoreRows = 4;
  // AIE2TargetModel::getLocalMemorySize() = 0x10000 [TM.h]; [FACTS] 64 KiB.
  t.coreL1Bytes = 0x10000;
  // AIE2TargetModel::getMemTileSize() = 0x80000 [TM.h]; [FACTS] 512 KiB.
  t.memTileL2Bytes = 0x80000;
  // [FACTS] "Memory" limits: stack ~1 KiB per core.
  t.coreStackReserveBytes = 1024;
  // AIE2TargetModel::getNumLocks(): 64 on memtiles, 16 elsewhere (core and
  // shim) [TM.h]; [FACTS] "locks: 16 per core tile, 64 per memtile".
  t.coreLocks = 16;
  t.memTileLocks = 64;
  t.shimLocks = 16;
  // The objectfifo stateful transform gives an AIE2 (semaphore-lock) fifo
  // one producer lock and one consumer lock on every tile it touches,
  // shim endpoints included (mlir-aie
  // lib/Dialect/AIE/Transforms/AIEObjectFifoStatefulTransform.cpp,
  // createObjectFifoLocks; visible in its tests' output under
  // test/objectFifo-stateful-transform/: `<fifo>_prod_lock_0` and
  // `<fifo>_cons_lock_0` per tile, `<fifo>_cons_prod_lock_0` /
  // `<fifo>_cons_cons_lock_0` on each consumer tile).
  t.objectFifoLocksPerEndpoint = 2;
  // [FACTS] "the shim task queue is 4 deep per channel (overflow is silently
  // dropped)"; upstream reads it from aie-rt (XAie_DmaGetMaxQueueSize, used
  // e.g. by iree-amd-aie AMDAIEDeviceModel::getDmaMaxQueueSize).
  t.shimTaskQueueDepth = 4;
  // Repeat count of a queue push is an 8-bit field:
  // AIEX::NpuPushQueueOp::verify "Repeat count exceeds the [0:255] range"
  // [AIEX]. ([FACTS] mentions 31; no upstream verifier or model uses 31.)
  t.shimRepeatCountMax = 255;
  // A link through a memtile fans out over its MM2S DMA channels: 6
  // (AIE2TargetModel::getNumSourceSwitchboxConnections, memtile DMA = 6
  // [TM.cpp]); [FACTS] "link fan-out through a memtile <= 6".
  t.memTileLinkFanOutMax = 6;
  // [FACTS] "row reduction (max/sum) ~16 cycles per row reduce", both.
  t.rowReduceCycles = 16;
  // [FACTS] "kernel call overhead ~6 cycles + ~14-stage loop
  // prologue/epilogue": 6 + 14.
  t.kernelCallOverheadCycles = 6 + 14;
  // Cascade between neighbouring cores, both families: 512-bit words
  // (upstream AIE2TargetModel::getAccumulatorCascadeSize = 512; AM020
  // "cascade stream, 512 bits wide"); one word per cycle is our assumption
  // (AM020 gives the width, not a sustained rate measured through kernels).
  t.cascadeBits = 512;
  t.cascadeBytesPerCycle = 512.0 / 8;
  // Energy proxy for the cost model, both families (assumptions, order of
  // magnitude only): LPDDR5/5X interface energy ~5 pJ/bit = 40 pJ/byte;
  // a bf16-class MAC ~0.15 pJ (Horowitz, ISSCC 2014, 45 nm: fp16 multiply
  // 1.1 pJ + add 0.4 pJ, scaled ~10x down to a 4 nm-class process).
  t.dramJoulesPerByte = 40e-12;
  t.joulesPerMac = 0.15e-12;
  t.energyIsAssumption = true;
  // No BFP16 datapath unless the family sets one (npu2).
  t.bf16ViaBfp16 = {0, {0, 0, 0}, 0, 0};

  // DMA channels. Core tiles: DMA bundle has 2 masters and 2 slaves
  // (AIE2TargetModel::getNumDestSwitchboxConnections /
  // getNumSourceSwitchboxConnections, `case WireBundle::DMA: return 2`).
  // Memtiles: `case WireBundle::DMA: return 6` in both [TM.cpp]. Shim tiles:
  // the shim DMA reaches the switch through the shim mux with 2 channels per
  // direction (AIE2TargetModel::getNumDestShimMuxConnections /
  // getNumSourceShimMuxConnections, DMA = 2 [TM.cpp]). [FACTS] "core 2/2,
  // memtile 6/6, shim 2/2".
  // BDs: AIE2TargetModel::getNumBDs(): 48 on memtiles, 16 elsewhere [TM.h];
  // [FACTS] "BDs core 16, memtile 48, shim 16". Memtile BD pools:
  // AIE2TargetModel::isBdChannelAccessible [TM.h] lets an even channel
  // (S2MM or MM2S) use BD ids 0-23 and an odd one 24-47 only, and
  // AIEAssignBufferDescriptorIDs draws a channel's BDs from its pool
  // ("Allocator exhausted available BD IDs (maximum 24 available for
  // channel N)"); core and shim BDs are open to every channel. Both npu1
  // (BaseNPU1TargetModel) and npu2 (BaseNPU2TargetModel) derive from
  // AIE2TargetModel (mlir-aie 3ca0193c).
  // DMA limits: AIEX::verifyStridesWraps [AIEX] uses, per tile kind,
  //   shim    step_bits 20, wrap_bits 10   (XAIEMLGBL_NOC_MODULE_DMA_BD*)
  //   memtile step_bits 17, wrap_bits 10   (XAIEMLGBL_MEM_TILE_MODULE_DMA_BD*)
  //   core    step_bits 13, wrap_bits 8    (XAIEMLGBL_MEMORY_MODULE_DMA_BD*)
  //   iter_bits 6 for the repeat (iteration) dimension,
  // strides are encoded minus one (so a field of step_bits holds strides
  // 1..2^step_bits words) and sizes up to 2^wrap_bits - 1;
  // AIEX::NpuWriteBdOp::verify: "Iteration Size exceeds the [0:63] range"
  // (size - 1), i.e. at most 64 repeats. The address granularity is 32 bits
  // (AIE2TargetModel::getAddressGenGranularity() = 32 [TM.h]): 4-byte units.
  // Dims: dma_memcpy_nd/dma_bd take 4 dims (3 + iteration) on the shim
  // (NpuWriteBdOp::verify "ShimTile only supports 3 dimensions of sizes" plus
  // the iteration dim). Objectfifo dimensionsToStream: at most 3 dims on core
  // and shim tiles, 4 on memtiles (AIE::ObjectFifoCreateOp::verify in
  // mlir-aie lib/Dialect/AIE/IR/AIEDialect.cpp; [FACTS] "ObjectFifo
  // dimensionsToStream").
  TileKindInfo &shim = t.tiles[static_cast<int>(TileKind::Shim)];
  shim = {/*s2mm=*/2, /*mm2s=*/2, /*bds=*/16, /*locks=*/16,
          DmaLimits{/*maxDims=*/4, /*maxObjectFifoDims=*/3,
                    /*maxSize=*/(1 << 10) - 1, /*maxOuterSize=*/1 << 6,
                    /*maxStrideWords=*/1 << 20, /*unitBytes=*/4}};
  TileKindInfo &mem = t.tiles[static_cast<int>(TileKind::MemTile)];
  mem = {/*s2mm=*/6,
         /*mm2s=*/6,
         /*bds=*/48,
         /*locks=*/64,
         DmaLimits{/*maxDims=*/4, /*maxObjectFifoDims=*/4,
                   /*maxSize=*/(1 << 10) - 1, /*maxOuterSize=*/1 << 6,
                   /*maxStrideWords=*/1 << 17, /*unitBytes=*/4},
         /*bdPools=*/2};
  TileKindInfo &core = t.tiles[static_cast<int>(TileKind::Core)];
  core = {/*s2mm=*/2, /*mm2s=*/2, /*bds=*/16, /*locks=*/16,
          DmaLimits{/*maxDims=*/3, /*maxObjectFifoDims=*/3,
                    /*maxSize=*/(1 << 8) - 1, /*maxOuterSize=*/1 << 6,
                    /*maxStrideWords=*/1 << 13, /*unitBytes=*/4}};
  return t;
}

/// Cycles of one plain elementwise vector pass per lane-vector: the midpoint
/// of mlir-air's measured 17-27 cycles per 32-lane bf16 vector on npu2
/// (Xilinx/mlir-air PR #2006; see makeNPU2).
constexpr double kPlainVectorPassCycles = (17.0 + 27.0) / 2.0;

/// The per-element pass cost, derived from the per-vector one and the bf16
/// lanes: the only place it is computed.
void deriveVectorPass(NPUTarget &t) {
  int lanes = t.elements[static_cast<int>(ElementKind::BF16)].vectorLanes;
  assert(lanes > 0 && "bf16 vector lanes must be set before deriving");
  t.vectorPassCyclesPerElement = t.vectorPassCyclesPerVector / lanes;
}

ElementKindInfo &elem(NPUTarget &t, ElementKind kind) {
  return t.elements[static_cast<int>(kind)];
}

/// `kind` through the bf16 matmul, each operand split into `splits` bf16
/// terms: the bf16 intrinsic and efficiency, the bf16 rate divided by the
/// passes, `lanes` element-wise lanes (f32 lanes: the kernels compute in
/// f32). Why f16 and f32 go this way, both families:
///  - AIE2 and AIE2P have no f32 or f16 matmul datapath. AIE-API implements
///    `aie::mmul<4, 8, 4, float, float>` on AIE2 by splitting each f32
///    operand into bf16 terms and summing bf16 4x8x4 matmuls: 3 passes
///    (2 terms, "low"), 6 ("fast") or 9 ("safe") (Xilinx/llvm-aie
///    clang/lib/Headers/aiev2/aiev2_core.h, mul_4x8_8x4_accuracy_{low,fast,
///    safe}); mlir-aie's aiecc compiles kernels with
///    -DAIE2_FP32_EMULATION_ACCURACY_FAST (6 passes); AMD UG1603
///    "Floating-Point Operations": "fast (default) ... slightly less
///    accuracy than FP32", "low ... better accuracy than FP16". On AIE2P
///    AIE-API builds the same mmul from eight 16-lane f32 element MACs
///    (aie_api detail/aie2p/emulated_mmul_intrinsics.hpp,
///    mul_4x8_8x4_fp32); the kernels here split explicitly onto AIE2P's
///    native bf16 4x8x8 matmul instead, the same 6 products.
///  - float16 `mmul` exists in AIE-API only on AIE2PS
///    (__AIE_API_FP16_SUPPORT__, detail/aie2ps/mmul_fp_fp.hpp), not on
///    AIE2/AIE2P. An f16 value is exactly the sum of two bf16 terms (11
///    significand bits, bf16 has 8, same exponent range as f32), so f16
///    needs the 3 products of "low" (the dropped lo*lo term is below 2^-16
///    relative, 32x under f16's epsilon).
/// Efficiency is the bf16 kernel's (assumption: the split and its extra
/// vector work are not costed separately).
void viaBf16(NPUTarget &t, ElementKind kind, int splits, int lanes) {
  const ElementKindInfo &bf16 = elem(t, ElementKind::BF16);
  ElementKindInfo info{0, bf16.intrinsic, bf16.kernelEfficiency, lanes, splits};
  info.macsPerCycle = bf16.macsPerCycle / info.matmulPasses();
  elem(t, kind) = info;
}

NPUTarget makeNPU1(llvm::StringRef name, int columns) {
  NPUTarget t = makeCommon(name, columns);
  t.family = "npu1";
  t.arch = "AIE2"; // BaseNPU1TargetModel derives AIE2TargetModel [TM.h]
  // [FACTS] "clock 1.024 GHz default (levels 0.8-1.6 GHz)".
  t.clockHz = 1.024e9;
  // [FACTS] "stream / DMA rate per channel: 4 B/cycle (32-bit stream)".
  t.streamBytesPerCycle = 4;
  // [FACTS] "DRAM bandwidth: not published; ceiling 2 MM2S x 4 B/cycle x
  // columns at the clock; assume ~50% of ceiling until measured".
  t.dramBytesPerSecond =
      0.5 * t.tiles[static_cast<int>(TileKind::Shim)].mm2sChannels *
      t.streamBytesPerCycle * columns * t.clockHz;
  t.dramBandwidthIsAssumption = true;
  // [FACTS] "per-dispatch overhead: assumption: as npu2" (npu2 60-90 us,
  // midpoint 75 us).
  t.dispatchOverheadSeconds = 75e-6;
  t.dispatchOverheadIsAssumption = true;
  // [FACTS] "no hardware exp: lookup-table routine ... assumption 2-4x
  // npu2's per-element cost": 3x npu2's 1 cycle/element.
  t.expCyclesPerElement = 3.0;
  t.expCostIsAssumption = true;
  // [FACTS] "bf16 matmul: 128 MACs/cycle/core, mmul 4x8x4; single-core
  // kernels reach ~45-80%": the low end, 0.45, since attention tiles are
  // small. "bf16 vector lanes (elementwise) 16".
  elem(t, ElementKind::BF16) = {128, {4, 8, 4}, 0.45, 16};
  // [FACTS] "int8 matmul 256 MACs/cycle/core (4x8x8)"; efficiency from the
  // measured whole-array GEMM 6.76 TOPS over the peak 2 x 256 x 16 cores x
  // 1.024 GHz = 8.39 TOPS: 0.81. Vector lanes not characterised (0).
  elem(t, ElementKind::I8) = {256, {4, 8, 8}, 0.81, 0};
  // f32 (3 bf16 terms, 6 passes) and f16 (2 terms, 3 passes) through the
  // bf16 matmul (viaBf16). Element-wise f32 work runs in the bf16
  // datapath's f32 accumulator lanes (assumption: same lane count as bf16).
  viaBf16(t, ElementKind::F32, /*splits=*/3, /*lanes=*/16);
  viaBf16(t, ElementKind::F16, /*splits=*/2, /*lanes=*/16);
  // No npu1 measurement: a plain elementwise pass is the same serialized
  // load -> op -> store chain per vector as on npu2 (below), so we assume
  // the same cycles per lane-vector over npu1's 16 bf16 lanes (flagged).
  t.vectorPassCyclesPerVector = kPlainVectorPassCycles;
  t.vectorPassCostIsAssumption = true;
  deriveVectorPass(t);
  return t;
}

NPUTarget makeNPU2(llvm::StringRef name, int columns) {
  NPUTarget t = makeCommon(name, columns);
  t.family = "npu2";
  // BaseNPU2TargetModel::getTargetArch() is overridden (AIE2P) [TM.h].
  t.arch = "AIE2P";
  // [FACTS] "clock 1.76 GHz measured core clock".
  t.clockHz = 1.76e9;
  // [FACTS] "64-bit stream; ~8 B/cycle measured per tile DMA channel".
  t.streamBytesPerCycle = 8;
  // [FACTS] "DRAM bandwidth measured ~58-66 GB/s (in+out, full array)": the
  // low end for the full 8 columns; column variants scale it by columns / 8,
  // which is our assumption.
  constexpr int kFullColumns = 8;
  t.dramBytesPerSecond = 58e9 * columns / kFullColumns;
  t.dramBandwidthIsAssumption = columns != kFullColumns;
  // [FACTS] "per-dispatch overhead ~60-90 us per dispatch (measured)":
  // midpoint.
  t.dispatchOverheadSeconds = 75e-6;
  t.dispatchOverheadIsAssumption = false;
  // [FACTS] "hardware bf16 exp2 ... optimized softmax ~1 cycle/element per
  // pass".
  t.expCyclesPerElement = 1.0;
  t.expCostIsAssumption = false;
  // [FACTS] "bf16: 4x8x8 native ... plain bf16 kernels ~30 MACs/cycle": peak
  // is one 4x8x8 intrinsic per cycle = 256 MACs, efficiency 30 / 256.
  // "bf16 vector lanes (elementwise) 32".
  elem(t, ElementKind::BF16) = {256, {4, 8, 8}, 30.0 / 256.0, 32};
  // [FACTS] "int8 matmul 512 MACs/cycle/core (8x8x8)"; efficiency from the
  // measured whole-array GEMM 38.05 TOPS over the peak 2 x 512 x 32 cores x
  // 1.76 GHz = 57.67 TOPS: 0.66.
  elem(t, ElementKind::I8) = {512, {8, 8, 8}, 0.66, 0};
  // As npu1: f32 and f16 through the bf16 matmul, element-wise f32 work in
  // the bf16 lanes (assumption).
  viaBf16(t, ElementKind::F32, /*splits=*/3, /*lanes=*/32);
  viaBf16(t, ElementKind::F16, /*splits=*/2, /*lanes=*/32);
  // Every elementwise vector pass over an L1 tile: measured on npu2 by
  // mlir-air (Xilinx/mlir-air PR #2006, attn_npu2.cc before that PR's
  // tuning): each of mul_r_gp, max_g_bf16 and exp_g_minus_u "ran as one
  // serialized load -> op -> store chain per 32-lane vector (17-27 cycles per
  // vector, mostly nops)". The project's kernels (kernels/attn_kernels.cpp)
  // are plain, untuned loops of that kind: the midpoint, 22 cycles per
  // 32-lane vector = 0.6875 cycles per element. ([FACTS]' "optimized softmax
  // ~1 cycle/element per pass" is the hand-tuned figure.)
  t.vectorPassCyclesPerVector = kPlainVectorPassCycles;
  t.vectorPassCostIsAssumption = false;
  // [FACTS] "bf16: 4x8x8 native; full rate needs BFP16 emulation (8x8x8)":
  // one 8x8x8 block-float MMA per cycle, the int8 array rate (512). Both
  // published npu2 attention designs use it (mlir-air
  // programming_examples/flash_attention/kernel_fusion_based/attn_npu2.cc,
  // "8x8x8 MMA, BFP16-emulated"; IRON operators/mha/design.py forces
  // emulate_bf16_mmul_with_bfp16). Efficiency from the measured whole-array
  // GEMM, as for int8: 14.71 TFLOPS over 2 x 512 x 32 cores x 1.76 GHz =
  // 57.67 TFLOPS peak: 0.255. Lanes as bf16. The 8x8x8 block (bfp16ebs8: 8
  // values per shared 8-bit exponent, 8-bit mantissas) is AIE-API's AIE2P
  // aie::mmul<8, 8, 8, bfp16ebs8> (block_vector<bfp16ebs8, 64> operands),
  // block-float matmul being AIE-ML v2 only (AMD UG1603, "Block Floating Type
  // Operations"); one block per cycle (512 MACs) is the int8 rate, not a
  // published bfp16 figure.
  t.bf16ViaBfp16 = {512, {8, 8, 8}, 14.71e12 / (2.0 * 512 * 32 * 1.76e9), 32};
  deriveVectorPass(t);
  return t;
}

struct Table {
  // npu1_Ncol: VirtualizedNPU1TargetModel(N); npu1: the full 4-column Phoenix
  // array (TK_AIE2_NPU1_4Col "whole array") [TM.h]; [FACTS] "4 columns".
  // npu2: NPU2TargetModel::columns() = 8; npu2_Ncol:
  // VirtualizedNPU2TargetModel(N) [TM.h].
  std::array<NPUTarget, 12> targets = {
      makeNPU1("npu1", 4),      makeNPU1("npu1_1col", 1),
      makeNPU1("npu1_2col", 2), makeNPU1("npu1_3col", 3),
      makeNPU2("npu2", 8),      makeNPU2("npu2_1col", 1),
      makeNPU2("npu2_2col", 2), makeNPU2("npu2_3col", 3),
      makeNPU2("npu2_4col", 4), makeNPU2("npu2_5col", 5),
      makeNPU2("npu2_6col", 6), makeNPU2("npu2_7col", 7)};
  std::array<llvm::StringRef, 12> names;
  Table() {
    for (size_t i = 0; i < targets.size(); ++i)
      names[i] = targets[i].name;
  }
};

const Table &table() {
  static const Table instance;
  return instance;
}

} // namespace

const NPUTarget *mlir::attn::lookupTarget(llvm::StringRef name) {
  for (const NPUTarget &target : table().targets)
    if (target.name == name)
      return &target;
  return nullptr;
}

llvm::ArrayRef<llvm::StringRef> mlir::attn::targetNames() {
  return table().names;
}
