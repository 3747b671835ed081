//===- AIEXOps.td - Python bindings for the aiex dialect ---*- tablegen -*-===//

#ifndef PYTHON_BINDINGS_AIEX_OPS
#define PYTHON_BINDINGS_AIEX_OPS

include "attn/Dialect/AIE/IR/AIEX.td"

#endif
