/*===- attn-c/Analysis.h - C API for attn-aie analyses ------------*- C -*-===*\
|*                                                                            *|
|* DRAM traffic of aie.runtime_sequence ops (include/attn/Analysis/           *|
|* TrafficCount.h), for the Python `attn.analysis` module.                    *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef ATTN_C_ANALYSIS_H
#define ATTN_C_ANALYSIS_H

#include "mlir-c/IR.h"
#include "mlir-c/Support.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Traffic through one runtime-sequence argument.
typedef struct {
  intptr_t index;
  MlirStringRef name;
  int64_t readBytes;
  int64_t writeBytes;
} AttnArgumentTraffic;

/// Called once per runtime sequence with its totals and `numArguments`
/// per-argument entries (valid only during the call).
typedef void (*AttnTrafficCallback)(MlirStringRef sequenceName,
                                    int64_t readBytes, int64_t writeBytes,
                                    intptr_t numArguments,
                                    const AttnArgumentTraffic *arguments,
                                    void *userData);

/// Called once per error diagnostic (location and message).
typedef void (*AttnErrorCallback)(MlirStringRef message, void *userData);

/// Counts the DRAM traffic of every aie.runtime_sequence nested in `root`.
/// On success calls `onSequence` for each, in walk order; on failure calls
/// `onError` with each error and returns failure (no `onSequence` calls).
MLIR_CAPI_EXPORTED MlirLogicalResult
attnCountTraffic(MlirOperation root, AttnTrafficCallback onSequence,
                 AttnErrorCallback onError, void *userData);

#ifdef __cplusplus
}
#endif

#endif // ATTN_C_ANALYSIS_H
