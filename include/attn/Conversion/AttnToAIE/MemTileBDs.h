//===- MemTileBDs.h - memtile buffer descriptors of a schedule --*- C++ -*-===//
//
// The buffer descriptors each memtile of a StageSchedule needs, per BD pool
// (attn/Analysis/BDPools.h), counted as aie-check-limits counts the emitted
// device: one per buffer a DMA end cycles through, the link buffers times
// the join/split factor at the end that owns them, the ends taking channels
// in the order the emitter creates the object FIFOs (StageSchedule::fifos).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_CONVERSION_ATTNTOAIE_MEMTILEBDS_H
#define ATTN_CONVERSION_ATTNTOAIE_MEMTILEBDS_H

#include "attn/Analysis/BDPools.h"
#include "attn/Conversion/AttnToAIE/StageSchedule.h"

#include <map>
#include <string>
#include <utility>

namespace mlir::attn::aiemap {

/// The BD pools of every memtile `sch` uses, keyed by (column, row).
std::map<std::pair<int, int>, TileBDPools>
memTileBDPools(const StageSchedule &sch, const NPUTarget &target);

/// Checks every memtile pool against the target. On failure sets `error` to
/// a sentence naming the memtile, the pool, its count, the limit and the
/// ends drawing on it; else sets sch.memTileBDs to the busiest memtile's
/// total.
bool checkMemTileBDs(StageSchedule &sch, const NPUTarget &target,
                     std::string &error);

} // namespace mlir::attn::aiemap

#endif // ATTN_CONVERSION_ATTNTOAIE_MEMTILEBDS_H
