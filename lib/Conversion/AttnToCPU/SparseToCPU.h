//===- SparseToCPU.h - CPU lowering of the shadowAttn ops -------*- C++ -*-===//
//
// Private to the AttnToCPU library: attn-lower-to-cpu calls this for
// attn.quantize, attn.pilot_qk, attn.topk and attn.sparse_attention.
//
//===----------------------------------------------------------------------===//

#ifndef LIB_CONVERSION_ATTNTOCPU_SPARSETOCPU_H
#define LIB_CONVERSION_ATTNTOCPU_SPARSETOCPU_H

#include "mlir/IR/Operation.h"
#include "mlir/Support/LLVM.h"

namespace mlir::attn {

/// Replaces every sparse attn op under `root` with scf/tensor/arith/math
/// code (see LowerSparseToCPU.cpp).
LogicalResult lowerSparseOpsToCPU(Operation *root);

} // namespace mlir::attn

#endif // LIB_CONVERSION_ATTNTOCPU_SPARSETOCPU_H
