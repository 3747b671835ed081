//===- AIEDialect.cpp - aie dialect registration --------------------------===//

#include "attn/Dialect/AIE/IR/AIEDialect.h"
#include "attn/Dialect/AIE/IR/AIEOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::attn::aie;

#include "attn/Dialect/AIE/IR/AIEOpsDialect.cpp.inc"

#include "attn/Dialect/AIE/IR/AIEEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "attn/Dialect/AIE/IR/AIEAttrs.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "attn/Dialect/AIE/IR/AIETypes.cpp.inc"

void AIEDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "attn/Dialect/AIE/IR/AIEAttrs.cpp.inc"
      >();
  addTypes<
#define GET_TYPEDEF_LIST
#include "attn/Dialect/AIE/IR/AIETypes.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "attn/Dialect/AIE/IR/AIEOps.cpp.inc"
      >();
}
