//===- AIEXDialect.cpp - aiex dialect registration ------------------------===//

#include "attn/Dialect/AIE/IR/AIEXDialect.h"
#include "attn/Dialect/AIE/IR/AIEXOps.h"

using namespace mlir;
using namespace mlir::attn::aiex;

#include "attn/Dialect/AIE/IR/AIEXOpsDialect.cpp.inc"

void AIEXDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "attn/Dialect/AIE/IR/AIEXOps.cpp.inc"
      >();
}
