"""Python builders for the ``aiex`` dialect (runtime-sequence instructions).

Helpers build the instructions attn-aie emits inside an
``aie.runtime_sequence``::

    aiex.dma_memcpy_nd(q, [0, 0, 0, 0], [1, 1, 64, 64], [0, 0, 64, 1],
                       metadata="q_in", id=0, issue_token=True)
    aiex.dma_wait("q_in")
    aiex.rtp_write("rtp", 0, seq_block.arguments[2])   # value supplied at dispatch

Offsets, sizes and strides list four entries, outermost first, in elements
of the memref, as in upstream's ``aiex.npu.dma_memcpy_nd``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional, Union

from ..ir import (
    BoolAttr,
    DenseI64ArrayAttr,
    FlatSymbolRefAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
    Value,
)
from ._aie_enum_gen import DMAChannelDir
from ._aiex_ops_gen import *  # noqa: F401,F403
from ._aiex_ops_gen import (
    DMAAwaitTaskOp,
    DMAConfigureTaskForOp,
    DMAFreeTaskOp,
    DMAStartTaskOp,
    NpuDmaMemcpyNdOp,
    NpuDmaWaitOp,
    NpuPushQueueOp,
    NpuWrite32Op,
    NpuWriteRTPOp,
    _Dialect,  # noqa: F401
)
from .aie import i32_value


def _int_attr(bits: int, value: int, *, unsigned: bool = False) -> IntegerAttr:
    kind = IntegerType.get_unsigned(bits) if unsigned else IntegerType.get_signless(bits)
    return IntegerAttr.get(kind, int(value))


def _static_list(values: Sequence[int], what: str) -> DenseI64ArrayAttr:
    values = list(values)
    if len(values) != 4:
        raise ValueError(f"aiex.npu.dma_memcpy_nd: {what} needs 4 entries (outermost first), got {len(values)}")
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int):
            raise TypeError(f"aiex.npu.dma_memcpy_nd: {what} entries must be ints, got {v!r}")
    return DenseI64ArrayAttr.get(values)


def dma_memcpy_nd(
    memref: Value,
    offsets: Sequence[int],
    sizes: Sequence[int],
    strides: Sequence[int],
    *,
    metadata: str,
    id: int,
    issue_token: bool = False,
    loc=None,
    ip=None,
) -> NpuDmaMemcpyNdOp:
    """``aiex.npu.dma_memcpy_nd(%m[offsets][sizes][strides]) {id, metadata, issue_token}``."""
    attrs = {}
    if issue_token:
        attrs["issue_token"] = BoolAttr.get(True)
    return NpuDmaMemcpyNdOp(
        memref,
        [],
        [],
        [],
        _static_list(offsets, "offsets"),
        _static_list(sizes, "sizes"),
        _static_list(strides, "strides"),
        FlatSymbolRefAttr.get(metadata),
        _int_attr(64, id),
        loc=loc,
        ip=ip,
        **attrs,
    )


def dma_wait(symbol: str, *, loc=None, ip=None) -> NpuDmaWaitOp:
    """``aiex.npu.dma_wait {symbol = @symbol}``."""
    return NpuDmaWaitOp(FlatSymbolRefAttr.get(symbol), loc=loc, ip=ip)


def rtp_write(buffer: str, index: int, value: Union[int, Value], *, loc=None, ip=None) -> NpuWriteRTPOp:
    """``aiex.npu.rtp_write(@buffer, index, %value) : i32``.

    ``value`` is an i32 SSA value (e.g. a runtime-sequence argument, supplied
    at dispatch) or an int (an ``arith.constant`` is built).
    """
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise ValueError(f"aiex.npu.rtp_write @{buffer}: index must be a non-negative int, got {index!r}")
    return NpuWriteRTPOp(
        FlatSymbolRefAttr.get(buffer),
        _int_attr(32, index, unsigned=True),
        i32_value(value, f"aiex.npu.rtp_write @{buffer} value", loc=loc, ip=ip),
        loc=loc,
        ip=ip,
    )


def push_queue(
    column: int,
    row: int,
    direction: Union[str, DMAChannelDir],
    channel: int,
    *,
    bd_id: Union[int, Value],
    repeat_count: Union[int, Value] = 0,
    issue_token: bool = False,
    loc=None,
    ip=None,
) -> NpuPushQueueOp:
    """``aiex.npu.push_queue(col, row, dir : channel) bd_id %bd repeat %rep : i32, i32``."""
    from .aie import _enum_attr

    return NpuPushQueueOp(
        _int_attr(32, column),
        _int_attr(32, row),
        _enum_attr(DMAChannelDir, direction, "DMA direction"),
        _int_attr(32, channel),
        BoolAttr.get(bool(issue_token)),
        i32_value(repeat_count, "aiex.npu.push_queue repeat_count", loc=loc, ip=ip),
        i32_value(bd_id, "aiex.npu.push_queue bd_id", loc=loc, ip=ip),
        loc=loc,
        ip=ip,
    )


def write32(
    address: Union[int, Value],
    value: Union[int, Value],
    *,
    column: Optional[int] = None,
    row: Optional[int] = None,
    buffer: Optional[str] = None,
    loc=None,
    ip=None,
) -> NpuWrite32Op:
    """``aiex.npu.write32(%address, %value) {column, row | buffer} : i32, i32``."""
    return NpuWrite32Op(
        i32_value(address, "aiex.npu.write32 address", loc=loc, ip=ip),
        i32_value(value, "aiex.npu.write32 value", loc=loc, ip=ip),
        buffer=None if buffer is None else FlatSymbolRefAttr.get(buffer),
        column=None if column is None else _int_attr(32, column),
        row=None if row is None else _int_attr(32, row),
        loc=loc,
        ip=ip,
    )


def dma_configure_task_for(
    alloc: str, *, issue_token: bool = False, repeat_count: Union[int, Value] = 0, loc=None, ip=None
) -> DMAConfigureTaskForOp:
    """``aiex.dma_configure_task_for @alloc [repeat %n : i32] { }``; add one ``aie.dma_bd`` and ``aie.end``.

    An int ``repeat_count`` becomes the attribute, an i32 SSA value the
    runtime ``repeat`` operand. Fill the body with
    ``with InsertionPoint(op.regions[0].blocks[0])``.
    """
    attrs = {}
    if issue_token:
        attrs["issue_token"] = BoolAttr.get(True)
    runtime = None
    if isinstance(repeat_count, Value):
        runtime = repeat_count
    elif repeat_count:
        attrs["repeat_count"] = _int_attr(32, repeat_count)
    op = DMAConfigureTaskForOp(
        IndexType.get(), FlatSymbolRefAttr.get(alloc), repeat_count_val=runtime, loc=loc, ip=ip, **attrs
    )
    op.regions[0].blocks.append()
    return op


def dma_start_task(task: Value, *, loc=None, ip=None) -> DMAStartTaskOp:
    """``aiex.dma_start_task(%task)``."""
    return DMAStartTaskOp(task, loc=loc, ip=ip)


def dma_await_task(task: Value, *, loc=None, ip=None) -> DMAAwaitTaskOp:
    """``aiex.dma_await_task(%task)``."""
    return DMAAwaitTaskOp(task, loc=loc, ip=ip)


def dma_free_task(task: Value, *, loc=None, ip=None) -> DMAFreeTaskOp:
    """``aiex.dma_free_task(%task)``."""
    return DMAFreeTaskOp(task, loc=loc, ip=ip)
