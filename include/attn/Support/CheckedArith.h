//===- CheckedArith.h - overflow-checked size arithmetic --------*- C++ -*-===//
//
// Every product or sum of sizes, byte counts or strides that user input can
// reach goes through these helpers: they return std::nullopt on int64
// overflow instead of wrapping (which turns a 2^62-element buffer into a
// negative byte count that passes every capacity check). Header-only so any
// library (dialects, analyses, passes) can use it without a link dependency.
//
// A value that fails here is a size the compiler cannot represent; callers
// turn std::nullopt into a diagnostic naming the op/option and the sizes.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_SUPPORT_CHECKEDARITH_H
#define ATTN_SUPPORT_CHECKEDARITH_H

#include "mlir/IR/BuiltinTypeInterfaces.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/CheckedArithmetic.h"

#include <cstdint>
#include <initializer_list>
#include <optional>

namespace mlir::attn {

/// a * b, or std::nullopt on overflow.
inline std::optional<int64_t> checkedMul(int64_t a, int64_t b) {
  return llvm::checkedMul<int64_t>(a, b);
}
/// a + b, or std::nullopt on overflow.
inline std::optional<int64_t> checkedAdd(int64_t a, int64_t b) {
  return llvm::checkedAdd<int64_t>(a, b);
}
/// Product of all `factors` (1 for none), or std::nullopt on overflow.
inline std::optional<int64_t> checkedProduct(llvm::ArrayRef<int64_t> factors) {
  int64_t result = 1;
  for (int64_t f : factors) {
    std::optional<int64_t> next = llvm::checkedMul<int64_t>(result, f);
    if (!next)
      return std::nullopt;
    result = *next;
  }
  return result;
}
inline std::optional<int64_t>
checkedProduct(std::initializer_list<int64_t> factors) {
  return checkedProduct(
      llvm::ArrayRef<int64_t>(factors.begin(), factors.size()));
}
/// Sum of all `terms`, or std::nullopt on overflow.
inline std::optional<int64_t> checkedSum(std::initializer_list<int64_t> terms) {
  int64_t result = 0;
  for (int64_t t : terms) {
    std::optional<int64_t> next = llvm::checkedAdd<int64_t>(result, t);
    if (!next)
      return std::nullopt;
    result = *next;
  }
  return result;
}
/// a * b for a, b >= 0, saturating at INT64_MAX: for totals compared
/// against a capacity, where "too large" is the only answer needed.
inline int64_t saturatingMul(int64_t a, int64_t b) {
  return llvm::checkedMul<int64_t>(a, b).value_or(INT64_MAX);
}
/// a + b for a, b >= 0, saturating at INT64_MAX.
inline int64_t saturatingAdd(int64_t a, int64_t b) {
  return llvm::checkedAdd<int64_t>(a, b).value_or(INT64_MAX);
}

/// ceil(value / multiple) * multiple for value >= 0, multiple > 0, or
/// std::nullopt on overflow.
inline std::optional<int64_t> checkedRoundUp(int64_t value, int64_t multiple) {
  if (multiple <= 0 || value < 0)
    return std::nullopt;
  int64_t tiles = value / multiple + (value % multiple != 0);
  return llvm::checkedMul<int64_t>(tiles, multiple);
}

/// Elements of the static dimensions of `type` (dynamic dimensions count as
/// 1), or std::nullopt on overflow.
inline std::optional<int64_t> checkedStaticElements(ShapedType type) {
  int64_t result = 1;
  for (int64_t d : type.getShape()) {
    if (ShapedType::isDynamic(d))
      continue;
    std::optional<int64_t> next = llvm::checkedMul<int64_t>(result, d);
    if (!next)
      return std::nullopt;
    result = *next;
  }
  return result;
}

/// Bytes of the static part of `type` (elements of a sub-byte type rounded
/// up to whole bytes; dynamic dimensions count as 1; index is 8 bytes), or
/// std::nullopt on overflow or an element type without a bit width.
inline std::optional<int64_t> checkedStaticBytes(ShapedType type) {
  std::optional<int64_t> elems = checkedStaticElements(type);
  Type elem = type.getElementType();
  if (!elems || !elem.isIntOrIndexOrFloat())
    return std::nullopt;
  int64_t width = elem.isIndex() ? 64 : elem.getIntOrFloatBitWidth();
  std::optional<int64_t> bits = checkedMul(*elems, width);
  if (!bits)
    return std::nullopt;
  return *bits / 8 + (*bits % 8 != 0);
}

/// The largest tensor, score matrix or buffer, in bytes, the compiler
/// represents: 2^48, the virtual address space of the x86-64 hosts that run
/// the CPU path and drive the NPU. Verifiers reject larger sizes with a
/// diagnostic, so passes that multiply verified sizes by a few tile, lane or
/// round counts stay far from int64 overflow.
inline constexpr int64_t kMaxRepresentableBytes = int64_t(1) << 48;

} // namespace mlir::attn

#endif // ATTN_SUPPORT_CHECKEDARITH_H
