"""Python builders for the ``aie`` dialect (the mlir-aie subset attn-aie emits).

Besides the generated op classes, thin helpers build the ops whose generated
builders are awkward (result types, regions with terminators, array
attributes)::

    with Context(), Location.unknown():
        module = Module.create()
        with InsertionPoint(module.body):
            dev = aie.device("npu2")
        with aie.device_body(dev):
            shim, core = aie.tile(0, 0), aie.tile(0, 2)
            aie.objectfifo("in", shim, [core], 2, MemRefType.get([64], i32))

Access patterns are sequences of ``(size, stride)`` pairs, outermost first,
counted in elements, exactly as in ``dimensionsToStream [<size = s, stride =
t>, ...]``. Verification (tile kinds, DMA limits) happens in C++ when the
module is verified.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional, Union

from ..ir import (
    ArrayAttr,
    Attribute,
    Block,
    DenseElementsAttr,
    DenseI32ArrayAttr,
    DenseI64ArrayAttr,
    FlatSymbolRefAttr,
    IndexType,
    InsertionPoint,
    IntegerAttr,
    IntegerType,
    MemRefType,
    Operation,
    StringAttr,
    Type,
    TypeAttr,
    Value,
)
from ._aie_enum_gen import *  # noqa: F401,F403
from ._aie_enum_gen import AIEDevice, DMAChannelDir, LockAction, ObjectFifoPort
from ._aie_ops_gen import *  # noqa: F401,F403
from ._aie_ops_gen import (
    BufferOp,
    CoreOp,
    DeviceOp,
    DMABDOp,
    EndOp,
    LockOp,
    ObjectFifoAcquireOp,
    ObjectFifoCreateOp,
    ObjectFifoLinkOp,
    ObjectFifoReleaseOp,
    ObjectFifoSubviewAccessOp,
    RuntimeSequenceOp,
    ShimDMAAllocationOp,
    TileOp,
    UseLockOp,
    _Dialect,  # noqa: F401
)

Dims = Sequence[tuple[int, int]]


def _i32(value: int) -> IntegerAttr:
    return IntegerAttr.get(IntegerType.get_signless(32), int(value))


def _enum(kind, value, what: str):
    """An enum case from its name or the enum itself (ValueError otherwise)."""
    if isinstance(value, kind):
        return value
    if isinstance(value, str) and isinstance(getattr(kind, value, None), kind):
        return getattr(kind, value)
    names = [name for name in dir(kind) if not name.startswith("_") and isinstance(getattr(kind, name), kind)]
    raise ValueError(f"aie: unknown {what} {value!r}; expected one of {sorted(names)}")


def _enum_attr(kind, value, what: str) -> IntegerAttr:
    return _i32(int(_enum(kind, value, what)))


def _nonneg(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"aie: {what} must be an int, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"aie: {what} must be non-negative, got {value}")
    return value


def i32_value(value: Union[int, Value], what: str, *, loc=None, ip=None) -> Value:
    """``value`` itself when it is an SSA value, else a new ``arith.constant value : i32``.

    Upstream's ops take lock amounts, runtime parameters and other scalars as
    SSA operands; this builds the constant for the compile-time case.
    """
    if isinstance(value, Value):
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"aie: {what} must be an int or an i32 SSA value, got {type(value).__name__}")
    if not -(2**31) <= value < 2**32:
        raise ValueError(f"aie: {what} {value} does not fit in 32 bits")
    if value >= 2**31:
        value -= 2**32
    op = Operation.create(
        "arith.constant", results=[IntegerType.get_signless(32)], attributes={"value": _i32(value)}, loc=loc, ip=ip
    )
    return op.results[0]


def _dims_text(dims: Dims, what: str) -> str:
    parts = []
    for i, dim in enumerate(dims):
        if len(dim) != 2:
            raise ValueError(f"aie: {what} entry #{i} must be a (size, stride) pair, got {dim!r}")
        size, stride = (_nonneg(v, f"{what} entry #{i}") for v in dim)
        parts.append(f"<size = {size}, stride = {stride}>")
    return "[" + ", ".join(parts) + "]"


def bd_dim_layout_array(dims: Dims) -> Attribute:
    """``#aie<bd_dim_layout_array[...]>`` from ``(size, stride)`` pairs."""
    return Attribute.parse(f"#aie<bd_dim_layout_array{_dims_text(dims, 'access pattern')}>")


def bd_dim_layout_array_array(per_consumer: Sequence[Dims]) -> Attribute:
    """One access pattern per object FIFO consumer."""
    inner = ", ".join(_dims_text(d, f"consumer #{i} pattern") for i, d in enumerate(per_consumer))
    return Attribute.parse(f"#aie<bd_dim_layout_array_array[{inner}]>")


def objectfifo_type(object_type: MemRefType) -> Type:
    """``!aie.objectfifo<memref<...>>``."""
    return Type.parse(f"!aie.objectfifo<{object_type}>")


def objectfifo_subview_type(object_type: MemRefType) -> Type:
    """``!aie.objectfifosubview<memref<...>>``."""
    return Type.parse(f"!aie.objectfifosubview<{object_type}>")


def _body_block(op: Operation) -> Block:
    region = op.regions[0]
    if len(region.blocks) == 0:
        region.blocks.append()
    return region.blocks[0]


def device(name: Union[str, AIEDevice], *, sym_name: Optional[str] = None, loc=None, ip=None) -> DeviceOp:
    """``aie.device(name)``: an empty device body ending in its ``aie.end``.

    Fill it with ``with device_body(op): ...``.
    """
    attrs = {"device": _enum_attr(AIEDevice, name, "device")}
    attrs["sym_name"] = StringAttr.get(sym_name if sym_name is not None else "main")
    op = DeviceOp.build_generic(results=[], operands=[], attributes=attrs, regions=1, loc=loc, ip=ip)
    with InsertionPoint(_body_block(op)):
        EndOp(loc=loc)
    return op


def device_body(op: DeviceOp) -> InsertionPoint:
    """Insertion point before the device body's terminator."""
    return InsertionPoint.at_block_terminator(_body_block(op))


def tile(col: int, row: int, *, loc=None, ip=None) -> Value:
    """``aie.tile(col, row)``; returns the tile value."""
    return TileOp(
        IndexType.get(), _i32(_nonneg(col, "tile column")), _i32(_nonneg(row, "tile row")), loc=loc, ip=ip
    ).result


def core(
    tile_value: Value,
    *,
    stack_size: Optional[int] = None,
    link_with: Optional[str] = None,
    loc=None,
    ip=None,
) -> CoreOp:
    """``aie.core(%tile) { aie.end }``; fill it with ``with core_body(op)``."""
    op = CoreOp(
        IndexType.get(),
        tile_value,
        stack_size=None if stack_size is None else _i32(stack_size),
        link_with=None if link_with is None else StringAttr.get(link_with),
        loc=loc,
        ip=ip,
    )
    block = op.regions[0].blocks.append()
    with InsertionPoint(block):
        EndOp(loc=loc)
    return op


def core_body(op: CoreOp) -> InsertionPoint:
    """Insertion point before the core body's ``aie.end``."""
    return InsertionPoint.at_block_terminator(op.regions[0].blocks[0])


def buffer(
    tile_value: Value,
    object_type: MemRefType,
    *,
    name: Optional[str] = None,
    initial_value: Optional[DenseElementsAttr] = None,
    loc=None,
    ip=None,
) -> Value:
    """``aie.buffer(%tile) {sym_name = name} : memref<...> [= dense<...>]``."""
    return BufferOp(
        object_type,
        tile_value,
        sym_name=None if name is None else StringAttr.get(name),
        initial_value=initial_value,
        loc=loc,
        ip=ip,
    ).result


def lock(
    tile_value: Value,
    lock_id: Optional[int] = None,
    *,
    init: Optional[int] = None,
    name: Optional[str] = None,
    loc=None,
    ip=None,
) -> Value:
    """``aie.lock(%tile[, id]) {init = ..., sym_name = ...}``."""
    return LockOp(
        IndexType.get(),
        tile_value,
        lockID=None if lock_id is None else _i32(_nonneg(lock_id, "lock id")),
        init=None if init is None else _i32(init),
        sym_name=None if name is None else StringAttr.get(name),
        loc=loc,
        ip=ip,
    ).result


def use_lock(
    lock_value: Value, action: Union[str, LockAction], value: Union[int, Value] = 1, *, loc=None, ip=None
) -> UseLockOp:
    """``aie.use_lock(%lock, Acquire|AcquireGreaterEqual|Release, %value)``.

    ``value`` is an i32 SSA value or an int (an ``arith.constant`` is built).
    """
    if isinstance(value, int) and not isinstance(value, bool):
        _nonneg(value, "lock value")
    return UseLockOp(
        lock_value,
        _enum_attr(LockAction, action, "lock action"),
        i32_value(value, "lock value", loc=loc, ip=ip),
        loc=loc,
        ip=ip,
    )


def objectfifo(
    name: str,
    producer: Value,
    consumers: Sequence[Value],
    depth: Union[int, Sequence[int]],
    object_type: MemRefType,
    *,
    dims_to_stream: Dims = (),
    dims_from_stream: Optional[Sequence[Dims]] = None,
    loc=None,
    ip=None,
) -> ObjectFifoCreateOp:
    """``aie.objectfifo @name(%producer [dimensionsToStream ...], {consumers}, depth)``.

    ``depth`` is one count for every end or a list (producer, then each
    consumer). ``dims_from_stream`` has one pattern per consumer.
    """
    consumers = list(consumers)
    if isinstance(depth, int):
        depth_attr = _i32(depth)
    else:
        depth_attr = ArrayAttr.get([_i32(d) for d in depth])
    per_consumer = list(dims_from_stream) if dims_from_stream is not None else [()] * len(consumers)
    if len(per_consumer) != len(consumers):
        raise ValueError(
            f"aie.objectfifo @{name}: dims_from_stream has {len(per_consumer)} entries for {len(consumers)} consumers"
        )
    return ObjectFifoCreateOp(
        StringAttr.get(name),
        producer,
        consumers,
        depth_attr,
        TypeAttr.get(objectfifo_type(object_type)),
        bd_dim_layout_array(dims_to_stream),
        bd_dim_layout_array_array(per_consumer),
        loc=loc,
        ip=ip,
    )


def objectfifo_link(
    ins: Sequence[str],
    outs: Sequence[str],
    src_offsets: Sequence[int] = (),
    dst_offsets: Sequence[int] = (),
    *,
    loc=None,
    ip=None,
) -> ObjectFifoLinkOp:
    """``aie.objectfifo.link [@in...] -> [@out...] ([src offsets] [dst offsets])``."""
    i64 = IntegerType.get_signless(64)
    return ObjectFifoLinkOp(
        ArrayAttr.get([FlatSymbolRefAttr.get(n) for n in ins]),
        ArrayAttr.get([FlatSymbolRefAttr.get(n) for n in outs]),
        ArrayAttr.get([IntegerAttr.get(i64, int(o)) for o in src_offsets]),
        ArrayAttr.get([IntegerAttr.get(i64, int(o)) for o in dst_offsets]),
        loc=loc,
        ip=ip,
    )


def acquire(
    name: str,
    port: Union[str, ObjectFifoPort],
    count: int,
    object_type: MemRefType,
    *,
    loc=None,
    ip=None,
) -> Value:
    """``aie.objectfifo.acquire @name(port, count) : !aie.objectfifosubview<...>``."""
    if count < 1:
        raise ValueError(f"aie.objectfifo.acquire @{name}: count must be positive, got {count}")
    op = ObjectFifoAcquireOp(
        [objectfifo_subview_type(object_type)],
        _enum_attr(ObjectFifoPort, port, "objectfifo port"),
        FlatSymbolRefAttr.get(name),
        _i32(count),
        loc=loc,
        ip=ip,
    )
    return op.results[0]


def subview_access(subview: Value, index: int, object_type: MemRefType, *, loc=None, ip=None) -> Value:
    """``aie.objectfifo.subview.access %sv[index]``; returns the object."""
    return ObjectFifoSubviewAccessOp(object_type, subview, _i32(_nonneg(index, "subview index")), loc=loc, ip=ip).result


def release(name: str, port: Union[str, ObjectFifoPort], count: int, *, loc=None, ip=None) -> ObjectFifoReleaseOp:
    """``aie.objectfifo.release @name(port, count)``."""
    return ObjectFifoReleaseOp(
        _enum_attr(ObjectFifoPort, port, "objectfifo port"),
        FlatSymbolRefAttr.get(name),
        _i32(count),
        loc=loc,
        ip=ip,
    )


def shim_dma_allocation(
    name: str,
    tile_value: Value,
    direction: Union[str, DMAChannelDir],
    channel: int,
    *,
    loc=None,
    ip=None,
) -> ShimDMAAllocationOp:
    """``aie.shim_dma_allocation @name(%shim, MM2S|S2MM, channel)``."""
    i64 = IntegerType.get_signless(64)
    return ShimDMAAllocationOp(
        StringAttr.get(name),
        tile_value,
        _enum_attr(DMAChannelDir, direction, "DMA direction"),
        IntegerAttr.get(i64, _nonneg(channel, "DMA channel")),
        loc=loc,
        ip=ip,
    )


def runtime_sequence(arg_types: Sequence[Type], *, name: Optional[str] = None, loc=None, ip=None) -> RuntimeSequenceOp:
    """``aie.runtime_sequence @name(%args...) {}``; its block holds the arguments.

    Fill it with ``with InsertionPoint(op.regions[0].blocks[0])``.
    """
    attrs = {"sym_name": StringAttr.get(name if name is not None else "sequence")}
    op = RuntimeSequenceOp.build_generic(results=[], operands=[], attributes=attrs, regions=1, loc=loc, ip=ip)
    op.regions[0].blocks.append(*arg_types)
    return op


def dma_bd(
    buffer_value: Value,
    offset: Union[int, Value, None] = None,
    length: Union[int, Value, None] = None,
    *,
    dims: Optional[Dims] = None,
    bd_id: Optional[int] = None,
    burst_length: Optional[int] = None,
    loc=None,
    ip=None,
) -> DMABDOp:
    """``aie.dma_bd(%buf : memref<...> offset = o len = n sizes = [...] strides = [...])``.

    ``offset`` and ``length`` are ints or i32 SSA values (omitted when None);
    ``dims`` gives the access pattern as ``(size, stride)`` pairs, outermost first.
    """
    operands: dict[str, Optional[Value]] = {"offset": None, "len": None}
    attrs: dict[str, Attribute] = {}
    for key, v in (("offset", offset), ("len", length)):
        if v is None:
            continue
        if isinstance(v, Value):
            operands[key] = v
        else:
            if key == "offset":
                _nonneg(v, "dma_bd offset")
            attrs[f"static_{key}"] = _i32(v)
    if dims is not None:
        sizes, strides = [], []
        for size, stride in dims:
            sizes.append(_nonneg(size, "dma_bd size"))
            strides.append(_nonneg(stride, "dma_bd stride"))
        attrs["static_sizes"] = DenseI64ArrayAttr.get(sizes)
        attrs["static_strides"] = DenseI64ArrayAttr.get(strides)
    if bd_id is not None:
        attrs["bd_id"] = _i32(bd_id)
    if burst_length is not None:
        attrs["burst_length"] = _i32(burst_length)
    present = [v for v in (operands["offset"], operands["len"]) if v is not None]
    attrs["operandSegmentSizes"] = DenseI32ArrayAttr.get(
        [1, int(operands["offset"] is not None), int(operands["len"] is not None), 0, 0]
    )
    op = Operation.create("aie.dma_bd", results=[], operands=[buffer_value, *present], attributes=attrs, loc=loc, ip=ip)
    return op.opview


def end(*, loc=None, ip=None) -> EndOp:
    """``aie.end``."""
    return EndOp(loc=loc, ip=ip)
