//===- InitAll.h - register attn-aie dialects and passes --------*- C++ -*-===//
//
// One list of what attn-aie tools know: attn-opt, the C API and the Python
// package all call these, so they accept the same IR and the same passes.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_INITALL_H
#define ATTN_INITALL_H

namespace mlir {
class DialectRegistry;
namespace attn {

/// Registers the attn dialects and every upstream dialect (with its external
/// interface models) that attn-aie pipelines produce or consume.
void registerAllDialects(DialectRegistry &registry);

/// Registers attn-aie passes and pipelines plus the upstream passes they are
/// used with. Idempotent.
void registerAllPasses();

} // namespace attn
} // namespace mlir

#endif // ATTN_INITALL_H
