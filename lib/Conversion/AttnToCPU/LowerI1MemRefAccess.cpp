//===- LowerI1MemRefAccess.cpp - byte-sized i1 loads and stores -----------===//
//
// attn-lower-i1-memref-access: memref.load/store of i1 become llvm.load/store
// of one byte (i1 memrefs hold one byte per element, like numpy bool). MLIR
// 22's finalize-memref-to-llvm asserts on sub-byte element types, and
// boolean attention masks are exactly such memrefs on the CPU path.
//
// Requires: memrefs in strided form (run after expand-strided-metadata).
// Leaves every other memref op for finalize-memref-to-llvm.
//
//===----------------------------------------------------------------------===//

#include "attn/Conversion/AttnToCPU/Passes.h"

#include "mlir/Conversion/LLVMCommon/ConversionTarget.h"
#include "mlir/Conversion/LLVMCommon/Pattern.h"
#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNLOWERI1MEMREFACCESS
#include "attn/Conversion/AttnToCPU/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;

namespace {

bool isI1(Type t) { return t.isSignlessInteger(1); }

struct LoadI1 : ConvertOpToLLVMPattern<memref::LoadOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult
  matchAndRewrite(memref::LoadOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    MemRefType type = op.getMemRefType();
    if (!isI1(type.getElementType()))
      return failure();
    Location loc = op.getLoc();
    Value ptr = getStridedElementPtr(rewriter, loc, type, adaptor.getMemref(),
                                     adaptor.getIndices());
    Type i8 = rewriter.getI8Type();
    Value byte = LLVM::LoadOp::create(rewriter, loc, i8, ptr, /*alignment=*/1);
    Value zero = LLVM::ConstantOp::create(rewriter, loc, i8, 0);
    rewriter.replaceOpWithNewOp<LLVM::ICmpOp>(op, LLVM::ICmpPredicate::ne, byte,
                                              zero);
    return success();
  }
};

struct StoreI1 : ConvertOpToLLVMPattern<memref::StoreOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult
  matchAndRewrite(memref::StoreOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    MemRefType type = op.getMemRefType();
    if (!isI1(type.getElementType()))
      return failure();
    Location loc = op.getLoc();
    Value ptr = getStridedElementPtr(rewriter, loc, type, adaptor.getMemref(),
                                     adaptor.getIndices());
    Value byte = LLVM::ZExtOp::create(rewriter, loc, rewriter.getI8Type(),
                                      adaptor.getValue());
    rewriter.replaceOpWithNewOp<LLVM::StoreOp>(op, byte, ptr, /*alignment=*/1);
    return success();
  }
};

struct AttnLowerI1MemRefAccessPass
    : mlir::attn::impl::AttnLowerI1MemRefAccessBase<
          AttnLowerI1MemRefAccessPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    LLVMTypeConverter converter(ctx);
    RewritePatternSet patterns(ctx);
    patterns.add<LoadI1, StoreI1>(converter);
    ConversionTarget target(*ctx);
    target.addLegalDialect<LLVM::LLVMDialect>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    target.addDynamicallyLegalOp<memref::LoadOp>(
        [](memref::LoadOp op) { return !isI1(op.getResult().getType()); });
    target.addDynamicallyLegalOp<memref::StoreOp>(
        [](memref::StoreOp op) { return !isI1(op.getValue().getType()); });
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
