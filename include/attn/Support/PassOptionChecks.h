//===- PassOptionChecks.h - checks on textual pass options ------*- C++ -*-===//
//
// Checks MLIR's option parser does not make: an option given twice in one
// pass's option string (`attn-tile{q-tile=3 q-tile=64}`) is an error naming
// the option, not a silent "last one wins" that hides a rejected first value.
// Passes call this from their initializeOptions override; the error goes to
// the pipeline's error handler, which prints it as an `error:` diagnostic.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_SUPPORT_PASSOPTIONCHECKS_H
#define ATTN_SUPPORT_PASSOPTIONCHECKS_H

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/Twine.h"

#include <initializer_list>

namespace mlir::attn {

/// The `key=value` pairs of an option string `key=value key2={...}
/// key3="..."`, in order (a key without `=` has an empty value).
inline SmallVector<std::pair<StringRef, StringRef>>
optionPairs(StringRef options) {
  SmallVector<std::pair<StringRef, StringRef>> pairs;
  size_t i = 0, n = options.size();
  while (i < n) {
    while (i < n && (options[i] == ' ' || options[i] == '\t'))
      ++i;
    size_t start = i;
    while (i < n && options[i] != '=' && options[i] != ' ')
      ++i;
    if (i == start)
      continue;
    StringRef key = options.slice(start, i), value;
    if (i < n && options[i] == '=') {
      size_t valueStart = ++i;
      int depth = 0;
      char quote = 0;
      for (; i < n; ++i) {
        char c = options[i];
        if (quote) {
          if (c == quote)
            quote = 0;
        } else if (c == '"' || c == '\'') {
          quote = c;
        } else if (c == '{' || c == '[' || c == '(') {
          ++depth;
        } else if (c == '}' || c == ']' || c == ')') {
          --depth;
        } else if (c == ' ' && depth <= 0) {
          break;
        }
      }
      value = options.slice(valueStart, i);
    }
    pairs.push_back({key, value});
  }
  return pairs;
}

/// What an option's value must parse as.
enum class OptionKind { Integer, Bool };
struct OptionSpec {
  StringRef name;
  OptionKind kind;
};

/// Fails through `errorHandler` when a value of an integer or boolean
/// option does not parse (MLIR's option parser would print an unprefixed
/// message and an empty error).
inline LogicalResult
checkOptionValues(StringRef pass, StringRef options, ArrayRef<OptionSpec> specs,
                  function_ref<LogicalResult(const Twine &)> errorHandler) {
  for (auto [key, value] : optionPairs(options)) {
    const OptionSpec *spec = llvm::find_if(
        specs, [&, key = key](const OptionSpec &s) { return s.name == key; });
    if (spec == specs.end())
      continue;
    StringRef v = value.trim().trim('"');
    if (spec->kind == OptionKind::Integer) {
      int64_t parsed;
      if (v.getAsInteger(0, parsed))
        return errorHandler(pass + ": option '" + key +
                            "' expects an integer (int64), got '" + value +
                            "'");
    } else if (!llvm::is_contained({"true", "false", "1", "0", "TRUE", "FALSE",
                                    "True", "False"},
                                   v)) {
      return errorHandler(pass + ": option '" + key +
                          "' expects true or false, got '" + value + "'");
    }
  }
  return success();
}

/// Fails through `errorHandler` when an option appears twice in `options`.
inline LogicalResult
rejectRepeatedOptions(StringRef pass, StringRef options,
                      function_ref<LogicalResult(const Twine &)> errorHandler) {
  llvm::StringSet<> seen;
  for (auto [key, value] : optionPairs(options))
    if (!seen.insert(key).second)
      return errorHandler(pass + ": option '" + key +
                          "' is given more than once; give each option once");
  return success();
}

/// The typed options of each pass, one list per pass; a pipeline checks the
/// lists of the passes it forwards options to.
/// attn-fold.
inline const OptionSpec kFoldOptionSpecs[] = {
    {"explain", OptionKind::Bool}, {"allow-precision-loss", OptionKind::Bool}};
/// attn-tile (and attn-to-aie, which forwards them).
inline const OptionSpec kTileOptionSpecs[] = {
    {"q-tile", OptionKind::Integer},
    {"kv-tile", OptionKind::Integer},
    {"l2-q-block", OptionKind::Integer},
    {"l2-kv-block", OptionKind::Integer},
    {"columns", OptionKind::Integer},
    {"cores-per-column", OptionKind::Integer},
    {"kv-split", OptionKind::Integer},
    {"depth", OptionKind::Integer},
    {"allow-precision-loss", OptionKind::Bool}};
/// attn-schedule-dma (and attn-to-aie).
inline const OptionSpec kScheduleOptionSpecs[] = {
    {"kv-group-columns", OptionKind::Integer},
    {"query-chunks", OptionKind::Integer}};
/// attn-extract-pilot (and attn-pilot-to-aie).
inline const OptionSpec kPilotOptionSpecs[] = {
    {"q-tile", OptionKind::Integer},
    {"kv-tile", OptionKind::Integer},
    {"columns", OptionKind::Integer},
    {"cores-per-column", OptionKind::Integer},
    {"depth", OptionKind::Integer}};

/// Both checks, for a pass's initializeOptions or a pipeline's parser:
/// no option given twice, and every value of an option in `specLists`
/// parses as its kind.
inline LogicalResult
checkPassOptions(StringRef pass, StringRef options,
                 std::initializer_list<ArrayRef<OptionSpec>> specLists,
                 function_ref<LogicalResult(const Twine &)> errorHandler) {
  SmallVector<OptionSpec> specs;
  for (ArrayRef<OptionSpec> list : specLists)
    specs.append(list.begin(), list.end());
  if (failed(rejectRepeatedOptions(pass, options, errorHandler)))
    return failure();
  return checkOptionValues(pass, options, specs, errorHandler);
}

} // namespace mlir::attn

#endif // ATTN_SUPPORT_PASSOPTIONCHECKS_H
