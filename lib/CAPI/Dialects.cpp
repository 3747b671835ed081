//===- Dialects.cpp - C API for attn-aie ----------------------------------===//

#include "attn-c/Dialects.h"

#include "attn/Dialect/AIE/IR/AIEDialect.h"
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

intptr_t attnAIEBDDimLayoutArrayGet(MlirAttribute attr, intptr_t capacity,
                                    int64_t *sizes, int64_t *strides) {
  auto array =
      llvm::dyn_cast<mlir::attn::aie::BDDimLayoutArrayAttr>(unwrap(attr));
  if (!array)
    return -1;
  llvm::ArrayRef<mlir::attn::aie::BDDimLayoutAttr> dims = array.getValue();
  for (auto [i, dim] : llvm::enumerate(dims)) {
    if (static_cast<intptr_t>(i) >= capacity)
      break;
    sizes[i] = dim.getSize();
    strides[i] = dim.getStride();
  }
  return static_cast<intptr_t>(dims.size());
}

intptr_t attnAIEBDDimLayoutArrayArrayGetNumElements(MlirAttribute attr) {
  auto arrays =
      llvm::dyn_cast<mlir::attn::aie::BDDimLayoutArrayArrayAttr>(unwrap(attr));
  return arrays ? static_cast<intptr_t>(arrays.getValue().size()) : -1;
}

MlirAttribute attnAIEBDDimLayoutArrayArrayGetElement(MlirAttribute attr,
                                                     intptr_t pos) {
  auto arrays =
      llvm::cast<mlir::attn::aie::BDDimLayoutArrayArrayAttr>(unwrap(attr));
  return wrap(mlir::Attribute(arrays.getValue()[pos]));
}

MlirType attnAIEObjectFifoTypeGetObjectType(MlirType type, bool *subview) {
  mlir::Type t = unwrap(type);
  if (auto fifo = llvm::dyn_cast<mlir::attn::aie::AIEObjectFifoType>(t)) {
    *subview = false;
    return wrap(mlir::Type(fifo.getElementType()));
  }
  if (auto view =
          llvm::dyn_cast<mlir::attn::aie::AIEObjectFifoSubviewType>(t)) {
    *subview = true;
    return wrap(mlir::Type(view.getElementType()));
  }
  return {nullptr};
}
