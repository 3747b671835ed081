//===- Dialects.cpp - C API for attn-aie ----------------------------------===//

#include "attn-c/Dialects.h"

#include "attn/Dialect/Attn/IR/AttnAttrs.h"
#include "attn/Dialect/Attn/IR/AttnDialect.h"
#include "attn/InitAll.h"

#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Registration.h"
#include "mlir/CAPI/Support.h"

MLIR_DEFINE_CAPI_DIALECT_REGISTRATION(Attn, attn, mlir::attn::AttnDialect)

void attnRegisterAllDialects(MlirDialectRegistry registry) {
  mlir::attn::registerAllDialects(*unwrap(registry));
}

void attnRegisterAllPasses(void) { mlir::attn::registerAllPasses(); }

bool attnPlanAttrGetFields(MlirAttribute attr, AttnPlanFields *out) {
  auto plan = llvm::dyn_cast<mlir::attn::PlanAttr>(unwrap(attr));
  if (!plan || plan.getIntrinsic().size() != 3)
    return false;
  out->target = wrap(plan.getTarget());
  out->qTile = plan.getQTile();
  out->kvTile = plan.getKvTile();
  out->headDimTile = plan.getHeadDimTile();
  out->l2QBlock = plan.getL2QBlock();
  out->l2KvBlock = plan.getL2KvBlock();
  for (int i = 0; i < 3; ++i)
    out->intrinsic[i] = plan.getIntrinsic()[i];
  out->columns = plan.getColumns();
  out->coresPerColumn = plan.getCoresPerColumn();
  out->kvSplit = plan.getKvSplit();
  out->mapping = wrap(mlir::attn::stringifyMappingKind(plan.getMapping()));
  out->depth = plan.getDepth();
  out->paddedQLen = plan.getPaddedQLen();
  out->paddedKvLen = plan.getPaddedKvLen();
  out->paddedHeadDim = plan.getPaddedHeadDim();
  out->paddedValueDim = plan.getPaddedValueDim();
  return true;
}

bool attnFoldAttrGetName(MlirAttribute attr, MlirStringRef *name) {
  auto fold = llvm::dyn_cast<mlir::attn::FoldKindAttr>(unwrap(attr));
  if (!fold)
    return false;
  *name = wrap(mlir::attn::stringifyFoldKind(fold.getValue()));
  return true;
}
