//===- PipelineSupport.h - shared code of the attn pipelines -----*- C++
//-*-===//
//
// The attn pipelines register like PassPipelineRegistration<Options>, but
// option errors (repeated options, typed values that do not parse, unknown
// options) go to the error handler, which prints them as `error:`
// diagnostics naming the pipeline; the plan options they forward to their
// planning pass (attn-tile, attn-extract-pilot) are copied alike.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_LIB_PIPELINES_PIPELINESUPPORT_H
#define ATTN_LIB_PIPELINES_PIPELINESUPPORT_H

#include "attn/Support/PassOptionChecks.h"

#include "mlir/Pass/PassRegistry.h"

#include <initializer_list>
#include <string>
#include <vector>

namespace mlir::attn {

/// Copies the plan options a pipeline forwards to its planning pass under
/// the same names: target, q-tile, kv-tile, columns, cores-per-column and
/// depth.
template <typename PassOptions, typename PipelineOptions>
void forwardPlanOptions(PassOptions &to, const PipelineOptions &from) {
  to.target = from.target;
  to.qTile = from.qTile;
  to.kvTile = from.kvTile;
  to.columns = from.columns;
  to.coresPerColumn = from.coresPerColumn;
  to.depth = from.depth;
}

/// Registers pipeline `name`: the options of `specLists` are checked
/// (checkPassOptions), then parsed into `Options` and handed to `build`.
template <typename Options>
void registerCheckedPipeline(
    StringRef name, StringRef description,
    std::initializer_list<ArrayRef<OptionSpec>> specLists,
    void (*build)(OpPassManager &, const Options &)) {
  std::vector<OptionSpec> specs;
  for (ArrayRef<OptionSpec> list : specLists)
    specs.insert(specs.end(), list.begin(), list.end());
  std::string pipeline = name.str();
  registerPassPipeline(
      name, description,
      [pipeline, specs,
       build](OpPassManager &pm, StringRef text,
              function_ref<LogicalResult(const Twine &)> errorHandler) {
        if (failed(checkPassOptions(pipeline, text, {ArrayRef(specs)},
                                    errorHandler)))
          return failure();
        Options options;
        std::string error;
        llvm::raw_string_ostream os(error);
        if (failed(options.parseFromString(text, os)))
          return errorHandler(pipeline + ": " + error);
        build(pm, options);
        return success();
      },
      [](function_ref<void(const detail::PassOptions &)> optHandler) {
        optHandler(Options());
      });
}

} // namespace mlir::attn

#endif // ATTN_LIB_PIPELINES_PIPELINESUPPORT_H
