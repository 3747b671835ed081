//===- Target.cpp - C API for the NPU target table ------------------------===//

#include "attn-c/Target.h"

#include "attn/Target/NPUTarget.h"

#include "mlir/CAPI/Support.h"

using namespace mlir::attn;

static_assert(ATTN_NUM_TILE_KINDS == kNumTileKinds);
static_assert(ATTN_NUM_ELEMENT_KINDS == kNumElementKinds);
static_assert(ATTN_TILE_MEMTILE == static_cast<int>(TileKind::MemTile));
static_assert(ATTN_ELEMENT_I32 == static_cast<int>(ElementKind::I32));

bool attnTargetLookup(MlirStringRef name, AttnTargetInfo *info) {
  const NPUTarget *t = lookupTarget(unwrap(name));
  if (!t || !info)
    return false;
  AttnTargetInfo out{};
  out.name = wrap(t->name);
  out.family = wrap(t->family);
  out.arch = wrap(t->arch);
  out.numColumns = t->numColumns;
  out.numRows = t->numRows;
  out.shimRow = t->shimRow;
  out.memTileRow = t->memTileRow;
  out.firstCoreRow = t->firstCoreRow;
  out.numCoreRows = t->numCoreRows;
  out.coreL1Bytes = t->coreL1Bytes;
  out.memTileL2Bytes = t->memTileL2Bytes;
  out.coreStackReserveBytes = t->coreStackReserveBytes;
  out.coreLocks = t->coreLocks;
  out.memTileLocks = t->memTileLocks;
  out.shimLocks = t->shimLocks;
  out.objectFifoLocksPerEndpoint = t->objectFifoLocksPerEndpoint;
  out.shimTaskQueueDepth = t->shimTaskQueueDepth;
  out.shimRepeatCountMax = t->shimRepeatCountMax;
  out.memTileLinkFanOutMax = t->memTileLinkFanOutMax;
  out.streamBytesPerCycle = t->streamBytesPerCycle;
  out.expCyclesPerElement = t->expCyclesPerElement;
  out.expCostIsAssumption = t->expCostIsAssumption;
  out.rowReduceCycles = t->rowReduceCycles;
  out.kernelCallOverheadCycles = t->kernelCallOverheadCycles;
  out.clockHz = t->clockHz;
  out.dramBytesPerSecond = t->dramBytesPerSecond;
  out.dramBandwidthIsAssumption = t->dramBandwidthIsAssumption;
  out.dispatchOverheadSeconds = t->dispatchOverheadSeconds;
  out.dispatchOverheadIsAssumption = t->dispatchOverheadIsAssumption;
  for (int i = 0; i < kNumTileKinds; ++i) {
    const TileKindInfo &src = t->tiles[i];
    AttnTileKindInfo &dst = out.tiles[i];
    dst.s2mmChannels = src.s2mmChannels;
    dst.mm2sChannels = src.mm2sChannels;
    dst.bufferDescriptors = src.bufferDescriptors;
    dst.locks = src.locks;
    dst.dma.maxDims = src.dma.maxDims;
    dst.dma.maxObjectFifoDims = src.dma.maxObjectFifoDims;
    dst.dma.maxSize = src.dma.maxSize;
    dst.dma.maxOuterSize = src.dma.maxOuterSize;
    dst.dma.maxStrideWords = src.dma.maxStrideWords;
    dst.dma.unitBytes = src.dma.unitBytes;
  }
  for (int i = 0; i < kNumElementKinds; ++i) {
    const ElementKindInfo &src = t->elements[i];
    AttnElementKindInfo &dst = out.elements[i];
    dst.macsPerCycle = src.macsPerCycle;
    dst.intrinsicM = src.intrinsic.m;
    dst.intrinsicK = src.intrinsic.k;
    dst.intrinsicN = src.intrinsic.n;
    dst.kernelEfficiency = src.kernelEfficiency;
    dst.vectorLanes = src.vectorLanes;
    dst.bf16Splits = src.bf16Splits;
  }
  out.vectorPassCyclesPerElement = t->vectorPassCyclesPerElement;
  out.vectorPassCostIsAssumption = t->vectorPassCostIsAssumption;
  out.bf16ViaBfp16.macsPerCycle = t->bf16ViaBfp16.macsPerCycle;
  out.bf16ViaBfp16.intrinsicM = t->bf16ViaBfp16.intrinsic.m;
  out.bf16ViaBfp16.intrinsicK = t->bf16ViaBfp16.intrinsic.k;
  out.bf16ViaBfp16.intrinsicN = t->bf16ViaBfp16.intrinsic.n;
  out.bf16ViaBfp16.kernelEfficiency = t->bf16ViaBfp16.kernelEfficiency;
  out.bf16ViaBfp16.vectorLanes = t->bf16ViaBfp16.vectorLanes;
  out.bf16ViaBfp16.bf16Splits = t->bf16ViaBfp16.bf16Splits;
  out.dramJoulesPerByte = t->dramJoulesPerByte;
  out.joulesPerMac = t->joulesPerMac;
  out.energyIsAssumption = t->energyIsAssumption;
  *info = out;
  return true;
}

intptr_t attnTargetGetNumNames(void) { return targetNames().size(); }

MlirStringRef attnTargetGetName(intptr_t pos) {
  auto names = targetNames();
  if (pos < 0 || pos >= static_cast<intptr_t>(names.size()))
    return wrap(llvm::StringRef());
  return wrap(names[pos]);
}

MlirStringRef attnTargetTileKindName(int32_t kind) {
  if (kind < 0 || kind >= kNumTileKinds)
    return wrap(llvm::StringRef());
  return wrap(stringifyTileKind(static_cast<TileKind>(kind)));
}

MlirStringRef attnTargetElementKindName(int32_t kind) {
  if (kind < 0 || kind >= kNumElementKinds)
    return wrap(llvm::StringRef());
  return wrap(stringifyElementKind(static_cast<ElementKind>(kind)));
}
