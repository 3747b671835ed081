/*===- attn-c/Target.h - C API for the NPU target table -----------*- C -*-===*\
|*                                                                            *|
|* Read-only access to the hardware facts of include/attn/Target/NPUTarget.h *|
|* (the Python `attn.target` module is built on these).                      *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef ATTN_C_TARGET_H
#define ATTN_C_TARGET_H

#include "mlir-c/Support.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Indices of the per-tile-kind and per-element-kind arrays below; they match
 * mlir::attn::TileKind and mlir::attn::ElementKind. */
enum { ATTN_TILE_SHIM = 0, ATTN_TILE_MEMTILE = 1, ATTN_TILE_CORE = 2 };
#define ATTN_NUM_TILE_KINDS 3
enum {
  ATTN_ELEMENT_BF16 = 0,
  ATTN_ELEMENT_F16 = 1,
  ATTN_ELEMENT_F32 = 2,
  ATTN_ELEMENT_I8 = 3,
  ATTN_ELEMENT_I16 = 4,
  ATTN_ELEMENT_I32 = 5
};
#define ATTN_NUM_ELEMENT_KINDS 6

typedef struct {
  int32_t maxDims;
  int32_t maxObjectFifoDims;
  int64_t maxSize;
  int64_t maxOuterSize;
  int64_t maxStrideWords;
  int64_t unitBytes;
} AttnDmaLimits;

typedef struct {
  int32_t s2mmChannels;
  int32_t mm2sChannels;
  int32_t bufferDescriptors;
  int32_t locks;
  AttnDmaLimits dma;
} AttnTileKindInfo;

typedef struct {
  double macsPerCycle;
  int64_t intrinsicM, intrinsicK, intrinsicN;
  double kernelEfficiency;
  int32_t vectorLanes;
  int32_t bf16Splits; /* bf16 terms per operand of an emulated matmul; 0 = native */
} AttnElementKindInfo;

/* A copy of one mlir::attn::NPUTarget. The string refs point into static
 * storage and stay valid for the life of the process. */
typedef struct {
  MlirStringRef name;
  MlirStringRef family;
  MlirStringRef arch;
  int32_t numColumns, numRows;
  int32_t shimRow, memTileRow, firstCoreRow, numCoreRows;
  int64_t coreL1Bytes, memTileL2Bytes, coreStackReserveBytes;
  int32_t coreLocks, memTileLocks, shimLocks;
  int32_t objectFifoLocksPerEndpoint;
  int32_t shimTaskQueueDepth;
  int64_t shimRepeatCountMax;
  int32_t memTileLinkFanOutMax;
  double streamBytesPerCycle;
  double expCyclesPerElement;
  bool expCostIsAssumption;
  double rowReduceCycles;
  double kernelCallOverheadCycles;
  double clockHz;
  double dramBytesPerSecond;
  bool dramBandwidthIsAssumption;
  double dispatchOverheadSeconds;
  bool dispatchOverheadIsAssumption;
  AttnTileKindInfo tiles[ATTN_NUM_TILE_KINDS];
  AttnElementKindInfo elements[ATTN_NUM_ELEMENT_KINDS];
  /* Cost-model facts (see NPUTarget.h). */
  double vectorPassCyclesPerElement;
  bool vectorPassCostIsAssumption;
  AttnElementKindInfo bf16ViaBfp16;
  double dramJoulesPerByte;
  double joulesPerMac;
  bool energyIsAssumption;
} AttnTargetInfo;

/// Fills `*info` with the target called `name`; returns false (leaving
/// `*info` untouched) when the name is unknown.
MLIR_CAPI_EXPORTED bool attnTargetLookup(MlirStringRef name,
                                         AttnTargetInfo *info);

/// Number of known targets and the name of the `pos`-th one (empty when
/// `pos` is out of range).
MLIR_CAPI_EXPORTED intptr_t attnTargetGetNumNames(void);
MLIR_CAPI_EXPORTED MlirStringRef attnTargetGetName(intptr_t pos);

/// "shim"/"memtile"/"core" and "bf16"/.../"i32" for the indices above
/// (empty when out of range).
MLIR_CAPI_EXPORTED MlirStringRef attnTargetTileKindName(int32_t kind);
MLIR_CAPI_EXPORTED MlirStringRef attnTargetElementKindName(int32_t kind);

#ifdef __cplusplus
}
#endif

#endif // ATTN_C_TARGET_H
