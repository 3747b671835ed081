//===- AttnExtension.cpp - attn-aie native Python module ------------------===//
//
// `attn._mlir_libs._attn`: dialect/pass registration (reached through
// `_site_initialize_0` for every Context) and project-level native helpers.
//
//===----------------------------------------------------------------------===//

#include "attn-c/Dialects.h"

#include "mlir/Bindings/Python/Nanobind.h"
#include "mlir/Bindings/Python/NanobindAdaptors.h"

namespace nb = nanobind;

NB_MODULE(_attn, m) {
  m.doc() = "attn-aie native helpers";
  // Pass registration is global; do it once when the package loads so that
  // PassManager.parse can name attn-aie passes.
  attnRegisterAllPasses();

  m.def(
      "register_dialects",
      [](MlirDialectRegistry registry) { attnRegisterAllDialects(registry); },
      nb::arg("registry"),
      "Insert the attn-aie dialects into a DialectRegistry.");
}
