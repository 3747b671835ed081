//===- AIEOps.td - aie dialect operations ------------------*- tablegen -*-===//
//
// Each op's assembly format reproduces upstream mlir-aie's spelling. Where
// upstream has two spellings in the current release line (object FIFO
// acquire, shim DMA allocation) both parse and the op prints the one it was
// given.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_DIALECT_AIE_IR_AIEOPS_TD
#define ATTN_DIALECT_AIE_IR_AIEOPS_TD

include "attn/Dialect/AIE/IR/AIEDialect.td"
include "attn/Dialect/AIE/IR/AIEAttrs.td"
include "attn/Dialect/AIE/IR/AIETypes.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/OpAsmInterface.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

class AIE_Op<string mnemonic, list<Trait> traits = []>
    : Op<AIE_Dialect, mnemonic, traits>;

//===----------------------------------------------------------------------===//
// Device, tiles, terminator
//===----------------------------------------------------------------------===//

def AIE_DeviceOp : AIE_Op<"device", [
    Symbol, SymbolTable, IsolatedFromAbove, HasParent<"::mlir::ModuleOp">,
    SingleBlockImplicitTerminator<"EndOp">
  ]> {
  let summary = "a design for one NPU device or column partition";
  let description = [{
    Holds a complete design for one device. Tile coordinates inside are
    absolute. The device name selects the target-table entry (array shape,
    tile kinds, DMA limits) that the verifiers of the ops inside use.

    ```mlir
    aie.device(npu2) {
      %tile_0_2 = aie.tile(0, 2)
      ...
    }
    aie.device(npu1_2col) @second { ... }
    ```

    The optional symbol name defaults to `main` and is printed only when it
    differs. The body's `aie.end` terminator is implicit.
  }];
  let arguments = (ins AIE_AIEDevice:$device,
                       DefaultValuedAttr<SymbolNameAttr, "\"main\"">:$sym_name);
  let regions = (region SizedRegion<1>:$body_region);
  let assemblyFormat = [{
    `(` $device `)` ($sym_name^)? regions attr-dict
  }];
  let hasVerifier = 1;
  let skipDefaultBuilders = 1;
  let builders = [
    OpBuilder<(ins "AIEDevice":$device), [{
      $_state.getOrAddProperties<Properties>().device =
          AIEDeviceAttr::get($_builder.getContext(), device);
      $_state.getOrAddProperties<Properties>().sym_name =
          $_builder.getStringAttr("main");
      (void)$_state.addRegion();
    }]>,
    OpBuilder<(ins "::mlir::attn::aie::AIEDeviceAttr":$device,
                   CArg<"::mlir::StringAttr", "{}">:$sym_name), [{
      $_state.getOrAddProperties<Properties>().device = device;
      $_state.getOrAddProperties<Properties>().sym_name =
          sym_name ? sym_name : $_builder.getStringAttr("main");
      (void)$_state.addRegion();
    }]>
  ];
}

def AIE_TileOp : AIE_Op<"tile", [
    Pure, HasParent<"DeviceOp">,
    DeclareOpInterfaceMethods<OpAsmOpInterface, ["getAsmResultNames"]>
  ]> {
  let summary = "a tile of the array, by column and row";
  let description = [{
    `%tile_0_2 = aie.tile(0, 2)` names the tile in column 0, row 2. Which
    kind of tile that is (shim, memory tile, core) comes from the device's
    target-table entry; the verifier rejects coordinates outside the array
    and a second `aie.tile` with the same coordinates.
  }];
  let arguments = (ins ConfinedAttr<AIE_I32Attr, [IntMinValue<0>]>:$col,
                       ConfinedAttr<AIE_I32Attr, [IntMinValue<0>]>:$row,
                       OptionalAttr<StrAttr>:$allocation_scheme);
  let results = (outs Index:$result);
  let assemblyFormat = [{ `(` $col `,` $row `)` attr-dict }];
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins "int32_t":$col, "int32_t":$row), [{
      build($_builder, $_state, $_builder.getIndexType(),
            $_builder.getI32IntegerAttr(col), $_builder.getI32IntegerAttr(row),
            ::mlir::StringAttr());
    }]>
  ];
}

def AIE_EndOp : AIE_Op<"end", [Terminator]> {
  let summary = "terminator of aie regions";
  let assemblyFormat = "attr-dict";
}

//===----------------------------------------------------------------------===//
// Cores, buffers, locks
//===----------------------------------------------------------------------===//

def AIE_CoreOp : AIE_Op<"core", [
    HasParent<"DeviceOp">,
    DeclareOpInterfaceMethods<OpAsmOpInterface, ["getAsmResultNames"]>
  ]> {
  let summary = "the program of one core tile";
  let description = [{
    The region runs on the core of `tile`, which must be a core tile; it
    ends with `aie.end`. Optional attributes as upstream: `stack_size`
    (bytes), `link_with` (object file with external kernels; the preferred
    place for it is the `func.func` declaration), `elf_file`,
    `dynamic_objfifo_lowering`.

    ```mlir
    %core_0_2 = aie.core(%tile_0_2) {
      ...
      aie.end
    } {stack_size = 3328 : i32}
    ```
  }];
  let arguments = (ins Index:$tile,
      OptionalAttr<ConfinedAttr<AIE_I32Attr, [IntMinValue<1>]>>:$stack_size,
      OptionalAttr<StrAttr>:$link_with,
      OptionalAttr<StrAttr>:$elf_file,
      OptionalAttr<BoolAttr>:$dynamic_objfifo_lowering);
  let results = (outs Index:$result);
  let regions = (region AnyRegion:$body);
  let assemblyFormat = [{ `(` $tile `)` regions attr-dict }];
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins "::mlir::Value":$tile), [{
      build($_builder, $_state, $_builder.getIndexType(), tile,
            ::mlir::IntegerAttr(), ::mlir::StringAttr(), ::mlir::StringAttr(),
            ::mlir::BoolAttr());
    }]>
  ];
}

def AIE_BufferOp : AIE_Op<"buffer", [
    HasParent<"DeviceOp">,
    DeclareOpInterfaceMethods<OpAsmOpInterface, ["getAsmResultNames"]>
  ]> {
  let summary = "a buffer in the memory of a core or memory tile";
  let description = [{
    ```mlir
    %rtp = aie.buffer(%tile_0_2) {sym_name = "rtp"} : memref<16xi32>
    %w = aie.buffer(%tile_0_2) : memref<4xi32> = dense<[1, 2, 3, 4]>
    ```
    Runtime parameters (`aiex.npu.rtp_write`) name a buffer by `sym_name`.
    Shim tiles have no data memory, so buffers on them are rejected.
  }];
  let arguments = (ins Index:$tile,
                       OptionalAttr<StrAttr>:$sym_name,
                       OptionalAttr<AIE_I32Attr>:$address,
                       OptionalAttr<ElementsAttr>:$initial_value,
                       OptionalAttr<AIE_I32Attr>:$mem_bank);
  let results = (outs AnyStaticShapeMemRef:$buffer);
  let assemblyFormat = [{
    `(` $tile `)` attr-dict `:` type($buffer) ``
    custom<BufferInitialValue>(ref(type($buffer)), $initial_value)
  }];
  let hasVerifier = 1;
}

def AIE_LockOp : AIE_Op<"lock", [
    HasParent<"DeviceOp">,
    DeclareOpInterfaceMethods<OpAsmOpInterface, ["getAsmResultNames"]>
  ]> {
  let summary = "a hardware lock (counting semaphore) of a tile";
  let description = [{
    ```mlir
    %lock = aie.lock(%tile_0_2, 3) {init = 1 : i32, sym_name = "rtp_lock"}
    ```
    The lock id is optional (upstream assigns missing ids in a pass); when
    given it must be below the tile kind's lock count from the target table.
  }];
  let arguments = (ins Index:$tile,
      OptionalAttr<ConfinedAttr<AIE_I32Attr, [IntMinValue<0>]>>:$lockID,
      OptionalAttr<AIE_I32Attr>:$init,
      OptionalAttr<StrAttr>:$sym_name);
  let results = (outs Index:$result);
  let assemblyFormat = [{ `(` $tile (`,` $lockID^)? `)` attr-dict }];
  let hasVerifier = 1;
}

def AIE_UseLockOp : AIE_Op<"use_lock", []> {
  let summary = "acquire or release a lock";
  let description = [{
    ```mlir
    %c1 = arith.constant 1 : i32
    aie.use_lock(%lock, AcquireGreaterEqual, %c1)
    ```
    waits until the lock value is at least `%c1` and decrements it by that
    amount; `Release` increments it; `Acquire` waits for equality. The
    amount is an `i32` SSA operand, as in upstream mlir-aie since 2026;
    when it is an `arith.constant` the verifier checks it is non-negative.
  }];
  let arguments = (ins Index:$lock,
                       AIE_LockAction:$action,
                       I32:$value,
                       OptionalAttr<AIE_LockBlocking>:$blocking,
                       DefaultValuedOptionalAttr<BoolAttr, "true">:$acq_en);
  let assemblyFormat = [{
    `(` $lock `,` $action `,` $value (`,` $blocking^)? `)` attr-dict
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The amount when it is an integer constant, else nullopt.
    std::optional<int64_t> getConstantValue();
  }];
}

//===----------------------------------------------------------------------===//
// Cascade
//===----------------------------------------------------------------------===//

def AIE_CascadeFlowOp : AIE_Op<"cascade_flow", [HasParent<"DeviceOp">]> {
  let summary = "a cascade connection from one core tile to its neighbour";
  let description = [{
    ```mlir
    %t03 = aie.tile(0, 3)
    %t02 = aie.tile(0, 2)
    aie.cascade_flow(%t03, %t02)
    ```
    connects the cascade output of the core on the source tile to the
    cascade input of the core on the destination tile. On AIE2 and AIE2P
    (npu1, npu2) a core's cascade input comes from the North or the West and
    its output goes South or East, so the source must be the core tile
    directly above (same column, row + 1) or directly left of (column - 1,
    same row) the destination; upstream lowers the op to a
    `aie.configure_cascade` per tile. A tile has one cascade input and one
    output: the verifier rejects a second flow into or out of a tile.
    Kernels running on the two cores move data with put/get cascade
    intrinsics (`aie.put_cascade` / `aie.get_cascade` in a core body).
  }];
  let arguments = (ins Index:$source_tile, Index:$dest_tile);
  let assemblyFormat = [{ `(` $source_tile `,` $dest_tile `)` attr-dict }];
  let hasVerifier = 1;
}

def AIE_PutCascadeOp : AIE_Op<"put_cascade", []> {
  let summary = "write one word to the core's cascade output";
  let description = [{
    `aie.put_cascade(%v : vector<16xi32>)` writes one cascade word (as wide
    as the target's cascade, 512 bits on npu1 and npu2) to the cascade
    output of the core it runs on; it blocks while the neighbour has not
    read the previous word. Only inside an `aie.core`.
  }];
  let arguments = (ins AnyType:$cascade_value);
  let assemblyFormat = [{ `(` $cascade_value `:` type($cascade_value) `)` attr-dict }];
  let hasVerifier = 1;
}

def AIE_GetCascadeOp : AIE_Op<"get_cascade", []> {
  let summary = "read one word from the core's cascade input";
  let description = [{
    `%v = aie.get_cascade() : vector<16xi32>` reads one cascade word (512
    bits on npu1 and npu2) from the cascade input of the core it runs on,
    blocking until the neighbour has written it. Only inside an `aie.core`.
  }];
  let results = (outs AnyType:$cascade_value);
  let assemblyFormat = [{ `(` `)` attr-dict `:` type($cascade_value) }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Object FIFOs
//===----------------------------------------------------------------------===//

def AIE_ObjectFifo_Depth
    : AnyAttrOf<[ConfinedAttr<AIE_I32Attr, [IntMinValue<1>]>, ArrayAttr]>;

def AIE_ObjectFifoCreateOp : AIE_Op<"objectfifo", [
    HasParent<"DeviceOp">, Symbol
  ]> {
  let summary = "a FIFO of objects from one producer tile to consumer tiles";
  let description = [{
    ```mlir
    aie.objectfifo @in(%shim_noc_tile_0_0, {%mem_tile_0_1}, 2 : i32)
        : !aie.objectfifo<memref<64x64xbf16>>
    aie.objectfifo @a(%mem_tile_0_1 dimensionsToStream
                        [<size = 16, stride = 256>, <size = 8, stride = 8>,
                         <size = 4, stride = 64>, <size = 8, stride = 1>],
                      {%tile_0_2, %tile_1_2 dimensionsFromStream []},
                      [2 : i32, 2 : i32, 2 : i32])
        : !aie.objectfifo<memref<64x64xbf16>>
    ```
    `depth` is one count for every end, or an array with the producer's
    count followed by one per consumer. `dimensionsToStream` is the
    producer's DMA access pattern, `dimensionsFromStream` a consumer's;
    patterns count in elements, outermost dimension first. Shim ends take
    their pattern from the runtime sequence instead.

    Upstream's two trailing forms parse and print as there:
    `: !aie.objectfifo<memref<40xi32>> -> !aie.objectfifo<memref<10xi32>>`
    (the consumers receive objects of another size; the producer's element
    count must be a multiple of theirs, same element type) and
    `: !aie.objectfifo<memref<4xi32>> = [dense<[0, 1, 2, 3]> : memref<4xi32>]`
    (one initial value per producer object, not on a shim producer).

    The verifier checks, against the device's target-table entry: tile
    kinds of the ends, the number of pattern dimensions per tile kind,
    per-dimension size and stride limits, that the innermost run is whole
    4-byte words, and that the pattern stays inside the object.
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
      Index:$producerTile,
      Variadic<Index>:$consumerTiles,
      AIE_ObjectFifo_Depth:$elemNumber,
      TypeAttrOf<AIE_ObjectFifoType>:$elemType,
      AIE_BDDimLayoutArrayAttr:$dimensionsToStream,
      AIE_BDDimLayoutArrayArrayAttr:$dimensionsFromStreamPerConsumer,
      DefaultValuedAttr<BoolAttr, "false">:$via_DMA,
      DefaultValuedAttr<BoolAttr, "false">:$plio,
      DefaultValuedAttr<BoolAttr, "false">:$disable_synchronization,
      OptionalAttr<ConfinedAttr<AIE_I32Attr, [IntMinValue<1>]>>:$repeat_count,
      OptionalAttr<AIE_BDPadLayoutArrayAttr>:$padDimensions,
      // Last, so that builders written before they existed still apply.
      OptionalAttr<TypeAttrOf<AIE_ObjectFifoType>>:$consumerElemType,
      OptionalAttr<TypedArrayAttrBase<ElementsAttr,
                                      "one initial value per object">>:$initValues);
  let assemblyFormat = [{
    $sym_name
    `(`
      custom<ObjectFifoProducerTile>($producerTile, $dimensionsToStream) `,`
      `{` custom<ObjectFifoConsumerTiles>($consumerTiles,
                                          $dimensionsFromStreamPerConsumer) `}`
      `,` $elemNumber
    `)` attr-dict `:` $elemType
    custom<ObjectFifoConsumerElemType>($consumerElemType)
    custom<ObjectFifoInitValues>(ref($elemType), $initValues)
  }];
  let hasVerifier = 1;
  let builders = [
    // Without a consumer object type and initial values.
    OpBuilder<(ins "::llvm::StringRef":$sym_name, "::mlir::Value":$producer,
                   "::mlir::ValueRange":$consumers,
                   "::mlir::Attribute":$elemNumber,
                   "AIEObjectFifoType":$elemType,
                   "::llvm::ArrayRef<BDDimLayoutAttr>":$toStream,
                   "::llvm::ArrayRef<BDDimLayoutArrayAttr>":$fromStream,
                   "bool":$viaDMA, "bool":$plio, "bool":$noSync,
                   "::mlir::IntegerAttr":$repeatCount,
                   "BDPadLayoutArrayAttr":$padDimensions), [{
      build($_builder, $_state, sym_name, producer, consumers, elemNumber,
            elemType, toStream, fromStream, viaDMA, plio, noSync, repeatCount,
            padDimensions, ::mlir::TypeAttr(), ::mlir::ArrayAttr());
    }]>
  ];
  let extraClassDeclaration = [{
    /// The memref type of one object.
    ::mlir::MemRefType getObjectType();
    /// Depth at the producer (index 0) or at consumer `index - 1`.
    int64_t getDepth(unsigned index = 0);
    /// Depth at the end running on `tile`, or -1 if `tile` is not an end.
    int64_t getDepthAt(::mlir::Value tile, ObjectFifoPort port);
  }];
}

def AIE_ObjectFifoLinkOp : AIE_Op<"objectfifo.link", [HasParent<"DeviceOp">]> {
  let summary = "forward object FIFOs through a shared tile (join/split)";
  let description = [{
    ```mlir
    aie.objectfifo.link [@in] -> [@in_l1] ([] [])
    aie.objectfifo.link [@a0, @a1] -> [@a] ([0, 4096] [])      // join
    aie.objectfifo.link [@c] -> [@c0, @c1] ([] [0, 2048])      // split
    ```
    The inputs' consumer and the outputs' producer are one tile, the link
    point (a memory tile or core tile, not a shim). A join lists one element
    offset per input into the output object, a split one offset per output
    into the input object. Every piece must fit inside that object; a join's
    pieces must not overlap (a split may send one slice to several outputs,
    e.g. offsets `[0, 0]`). All linked FIFOs carry the same element type.
  }];
  let arguments = (ins SymbolRefArrayAttr:$fifoIns,
                       SymbolRefArrayAttr:$fifoOuts,
                       I64ArrayAttr:$src_offsets,
                       I64ArrayAttr:$dst_offsets);
  let assemblyFormat = [{
    $fifoIns `->` $fifoOuts `(` $src_offsets $dst_offsets `)` attr-dict
  }];
  let hasVerifier = 1;
}

def AIE_ObjectFifoAcquireOp : AIE_Op<"objectfifo.acquire", []> {
  let summary = "acquire objects of an object FIFO inside a core";
  let description = [{
    Two spellings, as in upstream:

    ```mlir
    %sv = aie.objectfifo.acquire @in(Consume, 2) : !aie.objectfifosubview<memref<64xi32>>
    %a, %b = aie.objectfifo.acquire @in(Consume, 2) : memref<64xi32>, memref<64xi32>
    ```
    The first returns a subview (read with `aie.objectfifo.subview.access`),
    the second the objects themselves; attn-aie emits the first. The port
    must match the role of the core's tile in the FIFO, and at most the
    depth at that end may be acquired.
  }];
  let arguments = (ins AIE_ObjectFifoPort:$port,
                       FlatSymbolRefAttr:$objFifo_name,
                       ConfinedAttr<AIE_I32Attr, [IntMinValue<1>]>:$size);
  let results = (outs Variadic<AnyType>:$results);
  let hasCustomAssemblyFormat = 1;
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// True for the form returning one `!aie.objectfifosubview`.
    bool returnsSubview();
  }];
}

def AIE_ObjectFifoSubviewAccessOp
    : AIE_Op<"objectfifo.subview.access", [Pure]> {
  let summary = "one object of an acquired subview";
  let description = [{
    ```mlir
    %elem = aie.objectfifo.subview.access %sv[0]
        : !aie.objectfifosubview<memref<64xi32>> -> memref<64xi32>
    ```
    The index must be below the number of objects acquired.
  }];
  let arguments = (ins AIE_ObjectFifoSubviewType:$subview,
                       ConfinedAttr<AIE_I32Attr, [IntMinValue<0>]>:$index);
  let results = (outs AnyMemRef:$output);
  let assemblyFormat = [{
    $subview `[` $index `]` attr-dict `:` qualified(type($subview)) `->`
    qualified(type($output))
  }];
  let hasVerifier = 1;
}

def AIE_ObjectFifoReleaseOp : AIE_Op<"objectfifo.release", []> {
  let summary = "release objects of an object FIFO inside a core";
  let description = [{
    `aie.objectfifo.release @in(Consume, 1)`. The port must match the role
    of the core's tile in the FIFO.
  }];
  let arguments = (ins AIE_ObjectFifoPort:$port,
                       FlatSymbolRefAttr:$objFifo_name,
                       ConfinedAttr<AIE_I32Attr, [IntMinValue<1>]>:$size);
  let assemblyFormat = [{
    attr-dict $objFifo_name `(` $port `,` $size `)`
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Shim DMA allocation and the runtime sequence
//===----------------------------------------------------------------------===//

def AIE_ShimDMAAllocationOp : AIE_Op<"shim_dma_allocation", [
    HasParent<"DeviceOp">, Symbol
  ]> {
  let summary = "a named shim DMA channel for the runtime sequence";
  let description = [{
    Names a shim DMA channel so runtime-sequence transfers can refer to it
    (`metadata = @name`):

    ```mlir
    aie.shim_dma_allocation @out(%shim_noc_tile_0_0, S2MM, 0)
    aie.shim_dma_allocation @pk(%shim_noc_tile_0_0, MM2S, 1, <pkt_type = 0, pkt_id = 2>)
    ```
    The tile must be a shim tile and the channel index below the shim's
    channel count for that direction.
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       Index:$tile,
                       AIE_DMAChannelDir:$channel_dir,
                       AIE_I64Attr:$channel_index,
                       DefaultValuedAttr<BoolAttr, "false">:$plio,
                       OptionalAttr<AIE_PacketInfoAttr>:$packet);
  let assemblyFormat = [{
    $sym_name `(` $tile `,` $channel_dir `,` $channel_index (`,` $packet^)? `)`
    attr-dict
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Shim column of the tile operand (-1 if it is not an aie.tile).
    int64_t getColumn();
  }];
}

def AIE_RuntimeSequenceOp : AIE_Op<"runtime_sequence", [
    HasParent<"DeviceOp">, Symbol, NoTerminator
  ]> {
  let summary = "the host-side instruction sequence of a design";
  let description = [{
    ```mlir
    aie.runtime_sequence @attention(%q: memref<4096xbf16>, %o: memref<4096xbf16>) {
      aiex.npu.dma_memcpy_nd(...)
      aiex.npu.dma_wait {symbol = @out}
    }
    ```
    Block arguments are the host buffers (memrefs) and runtime scalars
    (`i32`) passed at kernel invocation; a scalar flows into SSA operands
    such as `aiex.npu.rtp_write`'s value. The name defaults to `sequence`
    and is printed only when it differs; further attributes follow the
    arguments as `attributes {...}`.
  }];
  let arguments = (ins DefaultValuedAttr<SymbolNameAttr,
                                         "\"sequence\"">:$sym_name);
  let regions = (region SizedRegion<1>:$body);
  let hasCustomAssemblyFormat = 1;
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Buffer descriptors (task form)
//===----------------------------------------------------------------------===//

def AIE_DMABDOp : AIE_Op<"dma_bd", [AttrSizedOperandSegments]> {
  let summary = "a DMA buffer descriptor";
  let description = [{
    Upstream's keyword form (mlir-aie 3ca0193c):

    ```mlir
    aie.dma_bd(%buf : memref<4096xbf16> offset = 0 len = 4096
               sizes = [64, 64] strides = [64, 1]) {bd_id = 0 : i32}
    aie.dma_bd(%buf : memref<4096xbf16> offset = %off len = %n)
    ```
    `offset` and `len` count elements and are each an integer or an `i32`
    SSA value; `sizes`/`strides` list the access pattern outermost first,
    each entry an integer or an `i64` SSA value. Without `offset` the
    transfer starts at element 0; without `len` it covers the whole
    (statically shaped) buffer. `pad [<const_pad_before = 0,
    const_pad_after = 1>, ...]` adds zero padding per dimension. In a
    runtime sequence it appears inside `aiex.dma_configure_task_for`,
    followed by `aie.end`.
  }];
  let arguments = (ins AnyMemRef:$buffer,
      Optional<I32>:$offset,
      Optional<I32>:$len,
      OptionalAttr<AIE_I32Attr>:$static_offset,
      OptionalAttr<AIE_I32Attr>:$static_len,
      Variadic<I64>:$sizes,
      Variadic<I64>:$strides,
      OptionalAttr<DenseI64ArrayAttr>:$static_sizes,
      OptionalAttr<DenseI64ArrayAttr>:$static_strides,
      OptionalAttr<AIE_BDPadLayoutArrayAttr>:$pad_dimensions,
      OptionalAttr<AIE_I32Attr>:$bd_id,
      OptionalAttr<AIE_PacketInfoAttr>:$packet,
      DefaultValuedOptionalAttr<AIE_I32Attr, "0">:$burst_length,
      OptionalAttr<AIE_I32Attr>:$next_bd_id);
  let assemblyFormat = [{
    `(` $buffer `:` type($buffer)
    (`offset` `=` custom<DynamicScalar>($offset, $static_offset)^)?
    (`len` `=` custom<DynamicScalar>($len, $static_len)^)?
    (`sizes` `=` custom<DynamicIndexList>($sizes, $static_sizes)^)?
    (`strides` `=` custom<DynamicIndexList>($strides, $static_strides)^)?
    (`pad` $pad_dimensions^)?
    `)` attr-dict
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// `offset` when it is constant (0 when absent), else nullopt.
    std::optional<int64_t> getConstantOffset();
    /// `len` when it is constant, the whole static buffer when absent,
    /// else nullopt (runtime value, or no len on a dynamic buffer).
    std::optional<int64_t> getConstantLen();
    /// The access pattern as (size, stride) pairs, outermost first, when
    /// every entry is constant; an empty list for a linear transfer.
    std::optional<::llvm::SmallVector<std::pair<int64_t, int64_t>>>
    getConstantDims();
  }];
}

#endif // ATTN_DIALECT_AIE_IR_AIEOPS_TD
