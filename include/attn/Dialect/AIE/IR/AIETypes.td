//===- AIETypes.td - aie dialect types ---------------------*- tablegen -*-===//

#ifndef ATTN_DIALECT_AIE_IR_AIETYPES_TD
#define ATTN_DIALECT_AIE_IR_AIETYPES_TD

include "attn/Dialect/AIE/IR/AIEDialect.td"
include "mlir/IR/AttrTypeBase.td"

class AIE_Type<string name, string typeMnemonic, list<Trait> traits = []>
    : TypeDef<AIE_Dialect, name, traits> {
  let mnemonic = typeMnemonic;
}

def AIE_ObjectFifoType : AIE_Type<"AIEObjectFifo", "objectfifo"> {
  let summary = "an object FIFO carrying objects of one memref type";
  let description = [{
    `!aie.objectfifo<memref<64x64xbf16>>`: the type of an `aie.objectfifo`,
    naming the memref type of each object it moves.
  }];
  let parameters = (ins "::mlir::MemRefType":$element_type);
  let assemblyFormat = "`<` $element_type `>`";
}

def AIE_ObjectFifoSubviewType
    : AIE_Type<"AIEObjectFifoSubview", "objectfifosubview"> {
  let summary = "the objects an `aie.objectfifo.acquire` returns";
  let description = [{
    `!aie.objectfifosubview<memref<64x64xbf16>>`: a window of acquired
    objects; `aie.objectfifo.subview.access` picks one of them.
  }];
  let parameters = (ins "::mlir::MemRefType":$element_type);
  let assemblyFormat = "`<` $element_type `>`";
}

#endif // ATTN_DIALECT_AIE_IR_AIETYPES_TD
