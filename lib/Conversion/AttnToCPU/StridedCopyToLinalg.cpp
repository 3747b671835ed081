//===- StridedCopyToLinalg.cpp - strided memref.copy as linalg.copy -------===//
//
// attn-strided-copy-to-linalg: memref.copy whose source or target is not a
// contiguous identity-layout buffer becomes linalg.copy, so that it lowers to
// loops instead of a call into the mlir_c_runner_utils runtime library (not
// available to the JIT of the attn-aie package).
//
// Requires: bufferized IR. Run before convert-linalg-to-loops.
//
//===----------------------------------------------------------------------===//

#include "attn/Conversion/AttnToCPU/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNSTRIDEDCOPYTOLINALG
#include "attn/Conversion/AttnToCPU/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;

namespace {

bool isContiguousIdentity(Type t) {
  auto type = dyn_cast<MemRefType>(t);
  return type && type.getLayout().isIdentity();
}

struct AttnStridedCopyToLinalgPass
    : mlir::attn::impl::AttnStridedCopyToLinalgBase<
          AttnStridedCopyToLinalgPass> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation()->walk([&](memref::CopyOp copy) {
      if (!isContiguousIdentity(copy.getSource().getType()) ||
          !isContiguousIdentity(copy.getTarget().getType()))
        copies.push_back(copy);
    });
    IRRewriter rewriter(&getContext());
    for (memref::CopyOp copy : copies) {
      rewriter.setInsertionPoint(copy);
      linalg::CopyOp::create(rewriter, copy.getLoc(), copy.getSource(),
                             copy.getTarget());
      rewriter.eraseOp(copy);
    }
  }
};

} // namespace
