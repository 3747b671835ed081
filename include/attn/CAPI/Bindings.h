//===- Bindings.h - C++ entry points of the Python bindings -----*- C++ -*-===//
//
// The Python extension binds the C++ structs of the target table and the
// cost model (NPUTarget, AttentionShape, Plan, Estimate, ExploreResult, ...)
// with nanobind. The code behind them lives in the shared library that holds
// the C API, which hides every symbol of the static libraries it links (so
// that two MLIR-based Python packages can share a process); these functions
// are the only C++ symbols it exports. They take and return the plain structs
// of attn/Target and attn/Analysis by value; an error is returned as its
// message (never an llvm::Error: the extension links its own LLVMSupport).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_CAPI_BINDINGS_H
#define ATTN_CAPI_BINDINGS_H

#include "attn/Analysis/CostModel.h"
#include "attn/Analysis/DesignSpace.h"
#include "attn/Analysis/Emittable.h"
#include "attn/Target/NPUTarget.h"

#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>
#include <vector>

#define ATTN_BINDINGS_EXPORTED __attribute__((visibility("default")))

namespace mlir::attn::bindings {

//===----------------------------------------------------------------------===//
// Target table
//===----------------------------------------------------------------------===//

/// The table entry `name`, or nullptr.
ATTN_BINDINGS_EXPORTED const NPUTarget *findTarget(llvm::StringRef name);
/// Every entry's name, in table order.
ATTN_BINDINGS_EXPORTED std::vector<std::string> targetNameList();
/// NPUTarget::tileKind, inBounds and numCores.
ATTN_BINDINGS_EXPORTED TileKind tileKindAt(const NPUTarget &target, int col,
                                           int row);
ATTN_BINDINGS_EXPORTED bool inBounds(const NPUTarget &target, int col, int row);
ATTN_BINDINGS_EXPORTED int numCores(const NPUTarget &target);

//===----------------------------------------------------------------------===//
// Enum names (the stringify / symbolize functions of each enum)
//===----------------------------------------------------------------------===//

/// For every enum E the bindings show as strings: its name, the value of a
/// name (false when unknown) and all names in declaration order.
#define ATTN_BINDINGS_ENUM(E)                                                  \
  ATTN_BINDINGS_EXPORTED llvm::StringRef enumName(E value);                    \
  ATTN_BINDINGS_EXPORTED bool enumValue(llvm::StringRef name, E &out);         \
  ATTN_BINDINGS_EXPORTED std::vector<llvm::StringRef> enumNames(E);
ATTN_BINDINGS_ENUM(FoldKind)
ATTN_BINDINGS_ENUM(MappingKind)
ATTN_BINDINGS_ENUM(CausalKind)
ATTN_BINDINGS_ENUM(LayoutKind)
ATTN_BINDINGS_ENUM(StageKind)
ATTN_BINDINGS_ENUM(ElementKind)
ATTN_BINDINGS_ENUM(TileKind)
ATTN_BINDINGS_ENUM(cost::MaskKind)
ATTN_BINDINGS_ENUM(cost::KTransposePlacement)
ATTN_BINDINGS_ENUM(cost::LayoutHandling)
ATTN_BINDINGS_ENUM(cost::Resource)
ATTN_BINDINGS_ENUM(cost::Violation::Kind)
#undef ATTN_BINDINGS_ENUM

//===----------------------------------------------------------------------===//
// Cost model (attn/Analysis/CostModel.h, DesignSpace.h)
//===----------------------------------------------------------------------===//

/// Each returns the error message of the call (naming the offending field),
/// empty on success with the result in `out`.
ATTN_BINDINGS_EXPORTED std::string estimate(const cost::AttentionShape &shape,
                                            const cost::Plan &plan,
                                            const NPUTarget &target,
                                            cost::Estimate &out);
ATTN_BINDINGS_EXPORTED std::string roofline(const cost::AttentionShape &shape,
                                            const NPUTarget &target,
                                            cost::Roofline &out);
/// explore() over every plan the model knows, or (`compilerSpace`)
/// exploreCompilerSpace(): the plans attn-fold / attn-tile choose from.
ATTN_BINDINGS_EXPORTED std::string
explore(const cost::AttentionShape &shape, const NPUTarget &target,
        const cost::PlanConstraints &fixed, unsigned maxAlternatives,
        bool compilerSpace, cost::ExploreResult &out);
/// cost::whyNotEmittable: whether the AIE back end does not emit `plan`
/// (then `out` says why and `rule` names its rule).
ATTN_BINDINGS_EXPORTED bool whyNotEmittable(const cost::AttentionShape &shape,
                                            const cost::Plan &plan,
                                            const NPUTarget &target,
                                            cost::NotEmittable &out,
                                            std::string &rule);
ATTN_BINDINGS_EXPORTED std::string
estimateMatmul(const cost::MatmulProblem &problem, const cost::MatmulPlan &plan,
               const NPUTarget &target, cost::Estimate &out);

} // namespace mlir::attn::bindings

#endif // ATTN_CAPI_BINDINGS_H
