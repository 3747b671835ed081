//===- AIEOps.td - Python bindings for the aie dialect -----*- tablegen -*-===//

#ifndef PYTHON_BINDINGS_AIE_OPS
#define PYTHON_BINDINGS_AIE_OPS

include "attn/Dialect/AIE/IR/AIE.td"

#endif
