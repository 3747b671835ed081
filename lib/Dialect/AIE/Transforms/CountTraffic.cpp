//===- CountTraffic.cpp - report the DRAM traffic of runtime sequences ----===//
//
// aie-count-traffic: emits one remark per aie.runtime_sequence with the exact
// bytes it reads from and writes to DRAM (total and per argument). Requires a
// module of aie.device ops; the counting itself is mlir::attn::countTraffic
// (the same code serves attn.analysis.count_traffic).
//
//===----------------------------------------------------------------------===//

#include "attn/Analysis/TrafficCount.h"
#include "attn/Dialect/AIE/IR/AIEOps.h"
#include "attn/Dialect/AIE/Transforms/Passes.h"

namespace mlir::attn::aie {
#define GEN_PASS_DEF_AIECOUNTTRAFFIC
#include "attn/Dialect/AIE/Transforms/Passes.h.inc"
} // namespace mlir::attn::aie

using namespace mlir;
using namespace mlir::attn;

namespace {
struct AIECountTrafficPass
    : aie::impl::AIECountTrafficBase<AIECountTrafficPass> {
  using Base::Base;

  void runOnOperation() override {
    bool failedAny = false;
    getOperation().walk([&](aie::RuntimeSequenceOp sequence) {
      FailureOr<SequenceTraffic> traffic = countTraffic(sequence);
      if (failed(traffic)) {
        failedAny = true;
        return;
      }
      InFlightDiagnostic remark = sequence.emitRemark();
      remark << "DRAM traffic of @" << traffic->name << ": read "
             << traffic->readBytes << " B, write " << traffic->writeBytes
             << " B, total " << traffic->totalBytes() << " B";
      for (const ArgumentTraffic &arg : traffic->arguments)
        remark << "; arg " << arg.index << " (" << arg.name << "): read "
               << arg.readBytes << " B, write " << arg.writeBytes << " B";
    });
    if (failedAny)
      signalPassFailure();
  }
};
} // namespace
