//===- ScheduleDma.cpp - attn-schedule-dma --------------------------------===//
//
// Plans every transfer of every tiled attn.stage (broadcast groups, object
// FIFOs, depths, shim channels, access patterns, runtime-sequence order and
// waits) and records the decisions as the stage's typed `dma_schedule`
// record (ScheduleRecord.h).
// Requires: stages with an #attn.plan (attn-tile) and static padded shapes
// (attn-pad-and-mask). Fails with a located error when no schedule meets the
// target table's limits.
//
//===----------------------------------------------------------------------===//

#include "attn/Conversion/AttnToAIE/Passes.h"
#include "attn/Conversion/AttnToAIE/ScheduleRecord.h"
#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Support/PassOptionChecks.h"

#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "attn-schedule-dma"

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNSCHEDULEDMA
#include "attn/Conversion/AttnToAIE/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::aiemap;

namespace {

struct AttnScheduleDmaPass
    : public mlir::attn::impl::AttnScheduleDmaBase<AttnScheduleDmaPass> {
  using AttnScheduleDmaBase::AttnScheduleDmaBase;

  LogicalResult initializeOptions(
      StringRef options,
      function_ref<LogicalResult(const Twine &)> errorHandler) override {
    if (failed(checkPassOptions(getArgument(), options, {kScheduleOptionSpecs},
                                errorHandler)))
      return failure();
    return Pass::initializeOptions(options, errorHandler);
  }

  void runOnOperation() override {
    if (groupColumns < 0 || queryChunks < 0) {
      getOperation().emitError("attn-schedule-dma: kv-group-columns and "
                               "query-chunks must be non-negative");
      return signalPassFailure();
    }
    ScheduleOptions options{groupColumns, queryChunks};
    bool failed = false;
    getOperation().walk([&](StageOp stage) {
      FailureOr<DescribedStage> described = describeStage(stage);
      if (mlir::failed(described)) {
        failed = true;
        return;
      }
      std::string error;
      std::optional<StageSchedule> schedule =
          planStage(described->desc, *described->target, options, error);
      if (!schedule) {
        ++numRejected;
        stage.emitOpError("'") << stage.getName() << "' cannot be scheduled on "
                               << described->target->name << ": " << error;
        failed = true;
        return;
      }
      ++numScheduled;
      numFifos += schedule->fifos.size();
      numTransfers += schedule->transfers;
      LLVM_DEBUG({
        llvm::dbgs() << "stage '" << stage.getName() << "': L1 per core ";
        schedule->core.print(llvm::dbgs());
        llvm::dbgs() << "; L2 of the busiest memtile "
                     << schedule->layout.l2Bytes << " B\n";
      });
      stage->setAttr(kScheduleAttrName,
                     scheduleToAttr(stage.getContext(), *schedule, *described));
    });
    if (failed)
      signalPassFailure();
  }
};

} // namespace
