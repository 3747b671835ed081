//===- Bindings.cpp - C++ entry points of the Python bindings -------------===//
//
// Thin exported forwarders to the target table and the cost model (see
// attn/CAPI/Bindings.h for why they exist).
//
//===----------------------------------------------------------------------===//

#include "attn/CAPI/Bindings.h"

#include "llvm/Support/Error.h"

using namespace mlir;
using namespace mlir::attn;
namespace bindings = mlir::attn::bindings;

const NPUTarget *bindings::findTarget(llvm::StringRef name) {
  return lookupTarget(name);
}

std::vector<std::string> bindings::targetNameList() {
  std::vector<std::string> names;
  for (llvm::StringRef name : targetNames())
    names.push_back(name.str());
  return names;
}

TileKind bindings::tileKindAt(const NPUTarget &target, int col, int row) {
  return target.tileKind(col, row);
}

bool bindings::inBounds(const NPUTarget &target, int col, int row) {
  return target.inBounds(col, row);
}

int bindings::numCores(const NPUTarget &target) { return target.numCores(); }

//===----------------------------------------------------------------------===//
// Enum names
//===----------------------------------------------------------------------===//

namespace {
/// The names of the values 0..last of E.
template <typename E> std::vector<llvm::StringRef> namesUpTo(E last) {
  std::vector<llvm::StringRef> names;
  for (int i = 0; i <= static_cast<int>(last); ++i)
    names.push_back(bindings::enumName(static_cast<E>(i)));
  return names;
}
template <typename E> bool valueOf(llvm::StringRef name, E last, E &out) {
  for (int i = 0; i <= static_cast<int>(last); ++i)
    if (bindings::enumName(static_cast<E>(i)) == name) {
      out = static_cast<E>(i);
      return true;
    }
  return false;
}
} // namespace

#define ATTN_BINDINGS_ENUM(E, STRINGIFY, LAST)                                 \
  llvm::StringRef bindings::enumName(E value) { return STRINGIFY(value); }     \
  bool bindings::enumValue(llvm::StringRef name, E &out) {                     \
    return valueOf(name, LAST, out);                                           \
  }                                                                            \
  std::vector<llvm::StringRef> bindings::enumNames(E) {                        \
    return namesUpTo(LAST);                                                    \
  }
ATTN_BINDINGS_ENUM(FoldKind, stringifyFoldKind,
                   FoldKind(getMaxEnumValForFoldKind()))
ATTN_BINDINGS_ENUM(MappingKind, stringifyMappingKind,
                   MappingKind(getMaxEnumValForMappingKind()))
ATTN_BINDINGS_ENUM(CausalKind, stringifyCausalKind,
                   CausalKind(getMaxEnumValForCausalKind()))
ATTN_BINDINGS_ENUM(LayoutKind, stringifyLayoutKind,
                   LayoutKind(getMaxEnumValForLayoutKind()))
ATTN_BINDINGS_ENUM(StageKind, stringifyStageKind,
                   StageKind(getMaxEnumValForStageKind()))
ATTN_BINDINGS_ENUM(ElementKind, stringifyElementKind,
                   ElementKind(kNumElementKinds - 1))
ATTN_BINDINGS_ENUM(TileKind, stringifyTileKind, TileKind(kNumTileKinds - 1))
ATTN_BINDINGS_ENUM(cost::MaskKind, cost::stringifyMaskKind,
                   cost::MaskKind::Additive)
ATTN_BINDINGS_ENUM(cost::KTransposePlacement, cost::stringifyKTranspose,
                   cost::KTransposePlacement::Core)
ATTN_BINDINGS_ENUM(cost::LayoutHandling, cost::stringifyLayoutHandling,
                   cost::LayoutHandling::Transpose)
ATTN_BINDINGS_ENUM(cost::Resource, cost::stringifyResource,
                   cost::Resource::Dispatch)
ATTN_BINDINGS_ENUM(cost::Violation::Kind, cost::stringifyViolationKind,
                   cost::Violation::Kind::KTranspose)
#undef ATTN_BINDINGS_ENUM

//===----------------------------------------------------------------------===//
// Cost model
//===----------------------------------------------------------------------===//

namespace {
/// Moves the value of `result` into `out`; returns its error message.
template <typename T> std::string unpack(llvm::Expected<T> result, T &out) {
  if (!result)
    return llvm::toString(result.takeError());
  out = std::move(*result);
  return "";
}
} // namespace

std::string bindings::estimate(const cost::AttentionShape &shape,
                               const cost::Plan &plan, const NPUTarget &target,
                               cost::Estimate &out) {
  return unpack(cost::estimate(shape, plan, target), out);
}

std::string bindings::roofline(const cost::AttentionShape &shape,
                               const NPUTarget &target, cost::Roofline &out) {
  return unpack(cost::roofline(shape, target), out);
}

std::string bindings::explore(const cost::AttentionShape &shape,
                              const NPUTarget &target,
                              const cost::PlanConstraints &fixed,
                              unsigned maxAlternatives, bool compilerSpace,
                              cost::ExploreResult &out) {
  if (compilerSpace)
    return unpack(cost::exploreCompilerSpace(shape, target, fixed), out);
  cost::ExploreOptions options;
  options.fixed = fixed;
  options.maxAlternatives = maxAlternatives;
  return unpack(cost::explore(shape, target, options), out);
}

bool bindings::whyNotEmittable(const cost::AttentionShape &shape,
                               const cost::Plan &plan, const NPUTarget &target,
                               cost::NotEmittable &out, std::string &rule) {
  std::optional<cost::NotEmittable> why =
      cost::whyNotEmittable(plan, shape, target);
  if (why) {
    rule = cost::stringifyNotEmittableRule(why->rule).str();
    out = std::move(*why);
  }
  return why.has_value();
}

std::string bindings::estimateMatmul(const cost::MatmulProblem &problem,
                                     const cost::MatmulPlan &plan,
                                     const NPUTarget &target,
                                     cost::Estimate &out) {
  return unpack(cost::estimateMatmul(problem, plan, target), out);
}
