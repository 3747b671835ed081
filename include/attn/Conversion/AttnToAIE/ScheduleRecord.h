//===- ScheduleRecord.h - the DMA schedule as IR ----------------*- C++ -*-===//
//
// attn-schedule-dma records every decision of a StageSchedule on the stage
// as the `dma_schedule` dictionary: scalars as integers, and the object
// FIFOs, links, cores, core buffers and runtime sequence as typed attn
// attributes (#attn.fifo, #attn.link, #attn.core, #attn.buffer,
// #attn.transfer, #attn.wait). convert-attn-to-aie rebuilds the schedule
// from that record alone (it never re-plans); a malformed or inconsistent
// record is a located error naming the stage and the field. Each emitted
// aie.device keeps a builtin-only copy (upstream mlir-aie parses it).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_CONVERSION_ATTNTOAIE_SCHEDULERECORD_H
#define ATTN_CONVERSION_ATTNTOAIE_SCHEDULERECORD_H

#include "attn/Conversion/AttnToAIE/StageDescription.h"

namespace mlir::attn::aiemap {

/// The decisions of `schedule` as the dictionary attn-schedule-dma attaches.
DictionaryAttr scheduleToAttr(MLIRContext *ctx, const StageSchedule &schedule,
                              const DescribedStage &stage);

/// The schedule recorded on `stage` (its `dma_schedule`), read for the
/// described stage `ds`. On failure an error naming the stage and the field
/// has been emitted at the stage.
FailureOr<StageSchedule> scheduleFromAttr(StageOp stage,
                                          const DescribedStage &ds,
                                          DictionaryAttr record);

/// `record` with every attn attribute replaced by a builtin dictionary of
/// the same fields, without the runtime sequence (the device's
/// aie.runtime_sequence is it): what the emitted aie.device carries.
DictionaryAttr scheduleToBuiltin(DictionaryAttr record);

} // namespace mlir::attn::aiemap

#endif // ATTN_CONVERSION_ATTNTOAIE_SCHEDULERECORD_H
