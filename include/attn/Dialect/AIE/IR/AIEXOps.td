//===- AIEXOps.td - aiex dialect operations ----------------*- tablegen -*-===//
//
// Runtime-sequence instructions, spelled as in upstream mlir-aie.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_DIALECT_AIE_IR_AIEXOPS_TD
#define ATTN_DIALECT_AIE_IR_AIEXOPS_TD

include "attn/Dialect/AIE/IR/AIEXDialect.td"
include "attn/Dialect/AIE/IR/AIEAttrs.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

class AIEX_Op<string mnemonic, list<Trait> traits = []>
    : Op<AIEX_Dialect, mnemonic, traits>;

def AIEX_NpuDmaMemcpyNdOp : AIEX_Op<"npu.dma_memcpy_nd", [
    AttrSizedOperandSegments
  ]> {
  let summary = "shim DMA transfer between a host buffer and an object FIFO";
  let description = [{
    ```mlir
    aiex.npu.dma_memcpy_nd(%q[0, 0, 0, 0][1, 1, 64, 64][0, 0, 64, 1])
        {id = 0 : i64, issue_token = true, metadata = @q_in} : memref<4096xbf16>
    ```
    Programs buffer descriptor `id` of the shim DMA named by `metadata` (an
    `aie.objectfifo` with a shim end, or an `aie.shim_dma_allocation`) to
    move the part of `memref` given by offsets, sizes and strides. Each list
    has four entries, outermost first, in elements of the memref; the
    outermost size is the repeat count. Offsets, sizes and strides may be
    SSA values (`i64`) or constants, as upstream.

    The verifier checks against the shim's target-table DMA limits: the
    innermost run is whole 4-byte words and starts 4-byte aligned, sizes and
    strides stay within the address generator's fields, the buffer
    descriptor id exists, and the innermost stride is 1 unless the transfer
    is linear.
  }];
  let arguments = (ins AnyMemRef:$memref,
      Variadic<I64>:$offsets,
      Variadic<I64>:$sizes,
      Variadic<I64>:$strides,
      DenseI64ArrayAttr:$static_offsets,
      DenseI64ArrayAttr:$static_sizes,
      DenseI64ArrayAttr:$static_strides,
      OptionalAttr<AIE_PacketInfoAttr>:$packet,
      FlatSymbolRefAttr:$metadata,
      I64Attr:$id,
      DefaultValuedOptionalAttr<BoolAttr, "false">:$issue_token,
      DefaultValuedOptionalAttr<I64Attr, "0">:$d0_zero_before,
      DefaultValuedOptionalAttr<I64Attr, "0">:$d1_zero_before,
      DefaultValuedOptionalAttr<I64Attr, "0">:$d2_zero_before,
      DefaultValuedOptionalAttr<I64Attr, "0">:$d0_zero_after,
      DefaultValuedOptionalAttr<I64Attr, "0">:$d1_zero_after,
      DefaultValuedOptionalAttr<I64Attr, "0">:$d2_zero_after,
      DefaultValuedOptionalAttr<I64Attr, "0">:$burst_length);
  let assemblyFormat = [{
    `(` $memref ``
    custom<DynamicIndexList>($offsets, $static_offsets) ``
    custom<DynamicIndexList>($sizes, $static_sizes) ``
    custom<DynamicIndexList>($strides, $static_strides) ``
    (`,` `packet` `=` $packet^)? `)`
    attr-dict `:` type($memref)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Offsets/sizes/strides with SSA entries folded in (outermost first).
    ::llvm::SmallVector<::mlir::OpFoldResult> getMixedOffsets();
    ::llvm::SmallVector<::mlir::OpFoldResult> getMixedSizes();
    ::llvm::SmallVector<::mlir::OpFoldResult> getMixedStrides();
  }];
}

def AIEX_NpuDmaWaitOp : AIEX_Op<"npu.dma_wait", []> {
  let summary = "wait until a shim DMA's transfers have completed";
  let description = [{
    `aiex.npu.dma_wait {symbol = @out}` blocks the runtime sequence until the
    shim DMA named by `symbol` (an object FIFO with a shim end or an
    `aie.shim_dma_allocation`) signals completion.
  }];
  let arguments = (ins FlatSymbolRefAttr:$symbol);
  let assemblyFormat = "attr-dict";
  let hasVerifier = 1;
}

def AIEX_NpuWriteRTPOp : AIEX_Op<"npu.rtp_write", []> {
  let summary = "write a runtime parameter into a named buffer";
  let description = [{
    ```mlir
    aie.runtime_sequence(%q: memref<4096xbf16>, %valid_len: i32) {
      aiex.npu.rtp_write(@rtp, 0, %valid_len) : i32
    }
    ```
    writes the 32-bit SSA value into element `index` of the `aie.buffer`
    whose `sym_name` is `rtp`. The value is a runtime-sequence argument
    (supplied at dispatch) or an `arith.constant`. The index must be inside
    the buffer.
  }];
  let arguments = (ins FlatSymbolRefAttr:$buffer,
                       UI32Attr:$index,
                       I32:$value);
  let assemblyFormat = [{
    `(` $buffer `,` $index `,` $value `)` attr-dict `:` type($value)
  }];
  let hasVerifier = 1;
}

def AIEX_NpuPushQueueOp : AIEX_Op<"npu.push_queue", []> {
  let summary = "push a buffer descriptor onto a DMA channel's task queue";
  let description = [{
    ```mlir
    aiex.npu.push_queue(0, 0, MM2S : 0) bd_id %bd repeat %rep
        {issue_token = true} : i32, i32
    ```
    Starts buffer descriptor `bd_id` on channel `channel` of direction
    `direction` of tile (`column`, `row`), `repeat_count + 1` times.
    `bd_id` and `repeat_count` are `i32` SSA values.
  }];
  let arguments = (ins I32Attr:$column,
                       I32Attr:$row,
                       AIE_DMAChannelDir:$direction,
                       I32Attr:$channel,
                       BoolAttr:$issue_token,
                       I32:$repeat_count,
                       I32:$bd_id);
  let assemblyFormat = [{
    `(` $column `,` $row `,` $direction `:` $channel `)`
    `bd_id` $bd_id `repeat` $repeat_count attr-dict `:` type($bd_id) `,`
    type($repeat_count)
  }];
  let hasVerifier = 1;
}

def AIEX_NpuWrite32Op : AIEX_Op<"npu.write32", []> {
  let summary = "write a 32-bit word into the array's address space";
  let description = [{
    ```mlir
    aiex.npu.write32(%address, %value) {column = 0 : i32, row = 2 : i32} : i32, i32
    ```
    `address` and `value` are `i32` SSA values. With `buffer`, `address` is
    a word offset into that buffer; with `column` and `row` an offset in
    that tile; otherwise an absolute address.
  }];
  let arguments = (ins I32:$address,
                       I32:$value,
                       OptionalAttr<FlatSymbolRefAttr>:$buffer,
                       OptionalAttr<I32Attr>:$column,
                       OptionalAttr<I32Attr>:$row);
  let assemblyFormat = [{
    `(` $address `,` $value `)` attr-dict `:` type($address) `,` type($value)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// DMA task form
//===----------------------------------------------------------------------===//

def AIEX_DMAConfigureTaskForOp : AIEX_Op<"dma_configure_task_for", [
    HasParent<"::mlir::attn::aie::RuntimeSequenceOp">
  ]> {
  let summary = "a DMA task (chain of buffer descriptors) on a named shim DMA";
  let description = [{
    ```mlir
    %t = aiex.dma_configure_task_for @in {
      aie.dma_bd(%a : memref<4096xbf16> offset = 0 len = 4096) {burst_length = 0 : i32}
      aie.end
    } {issue_token = true, repeat_count = 1 : i32}
    ```
    `alloc` names an object FIFO with a shim end or an
    `aie.shim_dma_allocation`. The task runs `repeat_count + 1` times once
    started with `aiex.dma_start_task`; `repeat %n : i32` after the symbol
    gives the count as a runtime value instead of the attribute.
  }];
  let arguments = (ins FlatSymbolRefAttr:$alloc,
                       DefaultValuedOptionalAttr<BoolAttr, "false">:$issue_token,
                       DefaultValuedOptionalAttr<I32Attr, "0">:$repeat_count,
                       Optional<I32>:$repeat_count_val);
  let results = (outs Index:$result);
  let regions = (region AnyRegion:$body);
  let assemblyFormat = [{
    $alloc (`repeat` $repeat_count_val^ `:` type($repeat_count_val))?
    regions attr-dict
  }];
  let hasVerifier = 1;
}

class AIEX_TaskUseOp<string mnemonic, string what>
    : AIEX_Op<mnemonic, [HasParent<"::mlir::attn::aie::RuntimeSequenceOp">]> {
  let summary = what;
  let arguments = (ins Index:$task);
  let assemblyFormat = "`(` $task `)` attr-dict";
  let hasVerifier = 1;
}

def AIEX_DMAStartTaskOp
    : AIEX_TaskUseOp<"dma_start_task", "submit a configured DMA task"> {
  let description = [{ `aiex.dma_start_task(%t)` queues task `%t`. }];
}

def AIEX_DMAAwaitTaskOp
    : AIEX_TaskUseOp<"dma_await_task", "wait for a DMA task to complete"> {
  let description = [{
    `aiex.dma_await_task(%t)` blocks until `%t` completes; the task must be
    configured with `issue_token = true`, otherwise no completion token is
    ever sent.
  }];
}

def AIEX_DMAFreeTaskOp
    : AIEX_TaskUseOp<"dma_free_task",
                     "release a DMA task's buffer descriptor ids"> {
  let description = [{
    `aiex.dma_free_task(%t)` lets later tasks reuse the buffer descriptor
    ids allocated to `%t`.
  }];
}

//===----------------------------------------------------------------------===//
// Host-level sequencing of devices
//===----------------------------------------------------------------------===//

def AIEX_ConfigureOp : AIEX_Op<"configure", [
    HasParent<"::mlir::attn::aie::RuntimeSequenceOp">, NoTerminator
  ]> {
  let summary = "configure the array with another aie.device's design";
  let description = [{
    Inside a host device's runtime sequence: load the design of the
    aie.device `symbol` (program memories, stream switches, ...) and run the
    `aiex.run` ops of the body on it, in order.

    ```mlir
    aiex.configure @layer_qk {
      aiex.run @layer_qk(%q, %k, %s) : (memref<4096xbf16>, memref<4096xbf16>, memref<8192xf32>)
    }
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$symbol);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$symbol regions attr-dict";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The configured aie.device (nullptr if the symbol names none).
    ::mlir::attn::aie::DeviceOp getReferencedDevice();
  }];
}

def AIEX_RunOp : AIEX_Op<"run", [HasParent<"ConfigureOp">]> {
  let summary = "run a runtime sequence of the configured design";
  let description = [{
    Executes the `aie.runtime_sequence` named `runtime_sequence_symbol` of
    the enclosing `aiex.configure`'s device with `args` (host buffers and
    runtime scalars, matching the sequence's arguments).
  }];
  let arguments = (ins FlatSymbolRefAttr:$runtime_sequence_symbol,
                       Variadic<AnyType>:$args);
  let assemblyFormat = [{
    $runtime_sequence_symbol `(` $args `)` `:` `(` type($args) `)` attr-dict
  }];
  let hasVerifier = 1;
}

#endif // ATTN_DIALECT_AIE_IR_AIEXOPS_TD
