//===- Analysis.cpp - C API for attn-aie analyses -------------------------===//

#include "attn-c/Analysis.h"

#include "attn/Analysis/TrafficCount.h"

#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Support.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <string>

using namespace mlir;

MlirLogicalResult attnCountTraffic(MlirOperation root,
                                   AttnTrafficCallback onSequence,
                                   AttnErrorCallback onError, void *userData) {
  Operation *op = unwrap(root);
  // Collect the errors instead of printing them, so the caller can report
  // them (Python raises them as a ValueError).
  SmallVector<std::string> errors;
  FailureOr<SmallVector<attn::SequenceTraffic>> traffic;
  {
    ScopedDiagnosticHandler handler(
        op->getContext(), [&](Diagnostic &diag) -> LogicalResult {
          if (diag.getSeverity() != DiagnosticSeverity::Error)
            return success();
          std::string text;
          llvm::raw_string_ostream os(text);
          os << diag.getLocation() << ": " << diag.str();
          errors.push_back(std::move(text));
          return success();
        });
    traffic = attn::countTraffic(op);
  }
  if (failed(traffic)) {
    if (onError)
      for (const std::string &error : errors)
        onError(wrap(StringRef(error)), userData);
    return mlirLogicalResultFailure();
  }
  if (onSequence) {
    for (const attn::SequenceTraffic &sequence : *traffic) {
      SmallVector<AttnArgumentTraffic> args;
      for (const attn::ArgumentTraffic &arg : sequence.arguments)
        args.push_back({static_cast<intptr_t>(arg.index),
                        wrap(StringRef(arg.name)), arg.readBytes,
                        arg.writeBytes});
      onSequence(wrap(StringRef(sequence.name)), sequence.readBytes,
                 sequence.writeBytes, static_cast<intptr_t>(args.size()),
                 args.data(), userData);
    }
  }
  return mlirLogicalResultSuccess();
}
