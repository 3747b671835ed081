/*===- attn-c/Dialects.h - C API for attn-aie --------------------*- C -*-===*\
|*                                                                            *|
|* Dialect handles and registration entry points used by the Python package. *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef ATTN_C_DIALECTS_H
#define ATTN_C_DIALECTS_H

#include "mlir-c/IR.h"

#ifdef __cplusplus
extern "C" {
#endif

MLIR_DECLARE_CAPI_DIALECT_REGISTRATION(Attn, attn);

/// Inserts every dialect attn-aie tools understand into `registry`.
MLIR_CAPI_EXPORTED void attnRegisterAllDialects(MlirDialectRegistry registry);

/// Registers attn-aie passes and pipelines (idempotent), so that textual
/// pipelines given to PassManager.parse can name them.
MLIR_CAPI_EXPORTED void attnRegisterAllPasses(void);

/// The fields of an #attn.plan attribute; a dynamic padded length is
/// INT64_MIN (ShapedType::kDynamic). String refs point into the context.
typedef struct {
  MlirStringRef target;
  int64_t qTile, kvTile, headDimTile, l2QBlock, l2KvBlock;
  int64_t intrinsic[3];
  int64_t columns, coresPerColumn, kvSplit;
  MlirStringRef mapping;
  int64_t depth;
  int64_t paddedQLen, paddedKvLen, paddedHeadDim, paddedValueDim;
} AttnPlanFields;

/// Fills `out` from `attr` and returns true when `attr` is an #attn.plan.
MLIR_CAPI_EXPORTED bool attnPlanAttrGetFields(MlirAttribute attr,
                                              AttnPlanFields *out);

/// The fold name ("unfolded", ..., "online") of an #attn.fold attribute;
/// returns false for any other attribute.
MLIR_CAPI_EXPORTED bool attnFoldAttrGetName(MlirAttribute attr,
                                            MlirStringRef *name);

/// The dimensions of an #aie.bd_dim_layout_array access pattern, outermost
/// first: writes min(n, capacity) sizes and strides and returns n, the
/// number of dimensions; returns -1 for any other attribute.
MLIR_CAPI_EXPORTED intptr_t attnAIEBDDimLayoutArrayGet(MlirAttribute attr,
                                                       intptr_t capacity,
                                                       int64_t *sizes,
                                                       int64_t *strides);

/// The patterns of an #aie.bd_dim_layout_array_array (one per object FIFO
/// consumer): their number, or -1 for any other attribute.
MLIR_CAPI_EXPORTED intptr_t
attnAIEBDDimLayoutArrayArrayGetNumElements(MlirAttribute attr);

/// Pattern `pos` of an #aie.bd_dim_layout_array_array.
MLIR_CAPI_EXPORTED MlirAttribute
attnAIEBDDimLayoutArrayArrayGetElement(MlirAttribute attr, intptr_t pos);

/// The object memref type of an !aie.objectfifo (`*subview` false) or an
/// !aie.objectfifosubview (`*subview` true); a null type for any other type.
MLIR_CAPI_EXPORTED MlirType attnAIEObjectFifoTypeGetObjectType(MlirType type,
                                                               bool *subview);

#ifdef __cplusplus
}
#endif

#endif // ATTN_C_DIALECTS_H
