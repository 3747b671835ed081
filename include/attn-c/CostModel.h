/*===- attn-c/CostModel.h - C API for the attention cost model ----*- C -*-===*\
|*                                                                            *|
|* JSON-in / JSON-out access to include/attn/Analysis/CostModel.h and        *|
|* DesignSpace.h (the Python `attn.dse` module is built on it).              *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef ATTN_C_COSTMODEL_H
#define ATTN_C_COSTMODEL_H

#include "mlir-c/Support.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Runs one cost-model request. `request` is a JSON object:
///   {"action": "estimate" | "explore" | "roofline" | "matmul",
///    "target": "npu2",
///    "shape": {...},          (estimate, explore, roofline)
///    "plan": {...},           (estimate: every plan field)
///    "fixed": {...},          (explore: plan fields to keep fixed)
///    "max_alternatives": 8,   (explore)
///    "space": "all" | "attn-tile",  (explore; attn-tile: the plans
///                             attn-fold{mode=auto} / attn-tile choose from)
///    "matmul": {...}, "matmul_plan": {...}}   (matmul)
/// Field names are those of docs/cost-model.md. The JSON response is passed
/// to `callback` (possibly in several pieces). On an invalid request the
/// response is {"error": "<message naming the field>"} and the result is
/// failure.
MLIR_CAPI_EXPORTED MlirLogicalResult attnCostModelRun(
    MlirStringRef request, MlirStringCallback callback, void *userData);

#ifdef __cplusplus
}
#endif

#endif // ATTN_C_COSTMODEL_H
