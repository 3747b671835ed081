//===- AttnOps.td - Python bindings for the attn dialect ---*- tablegen -*-===//

#ifndef PYTHON_BINDINGS_ATTN_OPS
#define PYTHON_BINDINGS_ATTN_OPS

include "attn/Dialect/Attn/IR/Attn.td"

#endif
