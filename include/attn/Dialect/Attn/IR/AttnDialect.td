//===- AttnDialect.td - attn dialect definition ------------*- tablegen -*-===//
//
// The `attn` dialect: transformer attention as one op at tensor level, and
// the stage ops it is folded into on its way to the AIE dialect.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_DIALECT_ATTN_IR_ATTNDIALECT_TD
#define ATTN_DIALECT_ATTN_IR_ATTNDIALECT_TD

include "mlir/IR/OpBase.td"

def Attn_Dialect : Dialect {
  let name = "attn";
  let cppNamespace = "::mlir::attn";
  let summary = "Transformer attention for AMD XDNA NPUs";
  let description = [{
    The `attn` dialect models scaled dot-product attention
    `softmax(scale * Q Kᵀ + bias + mask) V` at tensor level, with GQA/MQA
    head sharing, causal masking in both alignments, explicit boolean or
    additive masks and runtime valid lengths. Passes fold it into stages,
    tile, pad and mask it, schedule its DMAs and convert it to the `aie`
    dialect of mlir-aie.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
  let useDefaultAttributePrinterParser = 1;
  let extraClassDeclaration = [{
    void registerAttributes();
  }];
}

#endif // ATTN_DIALECT_ATTN_IR_ATTNDIALECT_TD
