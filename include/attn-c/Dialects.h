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

#ifdef __cplusplus
}
#endif

#endif // ATTN_C_DIALECTS_H
