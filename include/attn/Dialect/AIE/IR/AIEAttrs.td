//===- AIEAttrs.td - aie dialect attributes and enums ------*- tablegen -*-===//
//
// Enum spellings and integer values follow upstream mlir-aie, so the generic
// (`"aie.device"() <{device = 8 : i32}>`) form also agrees with upstream.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_DIALECT_AIE_IR_AIEATTRS_TD
#define ATTN_DIALECT_AIE_IR_AIEATTRS_TD

include "attn/Dialect/AIE/IR/AIEDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

//===----------------------------------------------------------------------===//
// Signed-returning integer attributes
//===----------------------------------------------------------------------===//

// Like I32Attr/I64Attr but the C++ getter returns a signed value, so that
// comparisons against limits do not silently wrap.
class AIE_SignedIntAttrBase<I attrValType, string retType, string descr>
    : SignlessIntegerAttrBase<attrValType, descr> {
  let returnType = retType;
  let convertFromStorage = "$_self.getValue().getSExtValue()";
}
def AIE_I32Attr : AIE_SignedIntAttrBase<I32, "int32_t",
                                        "32-bit signless integer attribute">;
def AIE_I64Attr : AIE_SignedIntAttrBase<I64, "int64_t",
                                        "64-bit signless integer attribute">;

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

// Only the NPU devices the target table knows; values match upstream.
def AIE_AIEDevice : I32EnumAttr<"AIEDevice", "AIE device (NPU partition)", [
    I32EnumAttrCase<"npu1", 4>,
    I32EnumAttrCase<"npu1_1col", 5>,
    I32EnumAttrCase<"npu1_2col", 6>,
    I32EnumAttrCase<"npu1_3col", 7>,
    I32EnumAttrCase<"npu2", 8>,
    I32EnumAttrCase<"npu2_1col", 9>,
    I32EnumAttrCase<"npu2_2col", 10>,
    I32EnumAttrCase<"npu2_3col", 11>,
    I32EnumAttrCase<"npu2_4col", 12>,
    I32EnumAttrCase<"npu2_5col", 13>,
    I32EnumAttrCase<"npu2_6col", 14>,
    I32EnumAttrCase<"npu2_7col", 15>
  ]> {
  let cppNamespace = "::mlir::attn::aie";
}

def AIE_ObjectFifoPort : I32EnumAttr<"ObjectFifoPort",
    "side of an object FIFO a core acquires or releases", [
    I32EnumAttrCase<"Produce", 0>,
    I32EnumAttrCase<"Consume", 1>
  ]> {
  let cppNamespace = "::mlir::attn::aie";
}

def AIE_DMAChannelDir : I32EnumAttr<"DMAChannelDir",
    "DMA channel direction (stream to memory, memory to stream)", [
    I32EnumAttrCase<"S2MM", 0>,
    I32EnumAttrCase<"MM2S", 1>
  ]> {
  let cppNamespace = "::mlir::attn::aie";
}

def AIE_LockAction : I32EnumAttr<"LockAction", "lock acquire/release", [
    I32EnumAttrCase<"Acquire", 0>,
    I32EnumAttrCase<"AcquireGreaterEqual", 2>,
    I32EnumAttrCase<"Release", 1>
  ]> {
  let cppNamespace = "::mlir::attn::aie";
}

def AIE_LockBlocking : I32EnumAttr<"LockBlocking",
    "whether a lock operation blocks", [
    I32EnumAttrCase<"NonBlocking", 0>,
    I32EnumAttrCase<"Blocking", 1>
  ]> {
  let cppNamespace = "::mlir::attn::aie";
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

class AIE_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<AIE_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def AIE_BDDimLayoutAttr : AIE_Attr<"BDDimLayout", "bd_dim_layout"> {
  let summary = "size and stride of one dimension of a DMA access pattern";
  let description = [{
    One loop of an n-dimensional DMA address generator, written
    `<size = 8, stride = 64>`: `size` iterations, each advancing the address
    by `stride` elements. In an array the first entry is the outermost loop.
  }];
  let parameters = (ins "uint32_t":$size, "uint32_t":$stride);
  let assemblyFormat = "`<` struct(params) `>`";
}

def AIE_BDDimLayoutArrayAttr : ArrayOfAttr<AIE_Dialect, "BDDimLayoutArray",
    "bd_dim_layout_array", "BDDimLayoutAttr"> {
  let summary = "DMA access pattern, outermost dimension first";
}

def AIE_BDDimLayoutArrayArrayAttr : ArrayOfAttr<AIE_Dialect,
    "BDDimLayoutArrayArray", "bd_dim_layout_array_array",
    "BDDimLayoutArrayAttr"> {
  let summary = "one DMA access pattern per object FIFO consumer";
}

def AIE_BDPadLayoutAttr : AIE_Attr<"BDPadLayout", "bd_pad_layout"> {
  let summary = "zero padding before and after one DMA dimension";
  let parameters = (ins "uint16_t":$const_pad_before,
                        "uint16_t":$const_pad_after);
  let assemblyFormat = "`<` struct(params) `>`";
}

def AIE_BDPadLayoutArrayAttr : ArrayOfAttr<AIE_Dialect, "BDPadLayoutArray",
    "bd_pad_layout_array", "BDPadLayoutAttr"> {
  let summary = "zero padding per DMA dimension, outermost first";
}

def AIE_PacketInfoAttr : AIE_Attr<"PacketInfo", "packet_info"> {
  let summary = "packet type and id of a packet-switched stream";
  let parameters = (ins "uint16_t":$pkt_type, "uint16_t":$pkt_id);
  let assemblyFormat = "`<` struct(params) `>`";
}

#endif // ATTN_DIALECT_AIE_IR_AIEATTRS_TD
