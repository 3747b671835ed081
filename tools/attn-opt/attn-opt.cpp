//===- attn-opt.cpp - attn-aie optimizer driver ---------------------------===//
//
// mlir-opt with the attn-aie dialects and passes: every upstream mlir-opt
// flag (--split-input-file, --verify-diagnostics, --pass-pipeline, ...)
// works unchanged.
//
//===----------------------------------------------------------------------===//

#include "attn/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::attn::registerAllDialects(registry);
  mlir::attn::registerAllPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "attn-aie optimizer driver\n", registry));
}
