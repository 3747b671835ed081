"""Build a :class:`~attn.sim.program.Program` from an ``aie.device`` module.

The module is read with the project's MLIR bindings (``attn.ir``), op by op
through the generic operation API, so it needs the ``aie``/``aiex`` dialects
registered in ``attn`` (upstream mlir-aie syntax). Core bodies are compiled
to Python closures here, once (``attn.sim.corebody``).
"""

from __future__ import annotations

from typing import Any, Optional

from .corebody import (
    DYNAMIC,
    CoreCompiler,
    attr_map,
    flag_attr,
    initial_value,
    int_attr,
    loc_str,
    memref_type,
    str_attr,
    sym_attr,
    type_name,
)
from .errors import SimError, where
from .kernel_models import POINTER_ELEMS, KernelModel
from .program import (
    AwaitTask,
    BufferSpec,
    ConfigureTask,
    CoreSpec,
    DmaMemcpy,
    DmaWait,
    FifoSpec,
    FreeTask,
    LinkSpec,
    LockSpec,
    Program,
    RtpWrite,
    ScalarType,
    SeqArg,
    StartTask,
    TaskBD,
    TileId,
)

Dims = tuple[tuple[int, int], ...]


def parse_dims(attr: Any) -> Optional[Dims]:
    """``#aie<bd_dim_layout_array[<size = 4, stride = 1>, ...]>`` -> ((4, 1), ...); None when empty."""
    from .._mlir_libs import _attn

    try:
        dims = tuple((int(s), int(t)) for s, t in _attn.bd_dim_layouts(attr))
    except TypeError as e:
        raise SimError(f"expected an access pattern (#aie.bd_dim_layout_array), got {attr}: {e}") from None
    return dims or None


def parse_dims_per_consumer(attr: Any, n: int) -> list[Optional[Dims]]:
    """``#aie<bd_dim_layout_array_array[[...], []]>`` -> one pattern (or None) per consumer."""
    from .._mlir_libs import _attn

    try:
        groups = _attn.bd_dim_layouts(attr)
    except TypeError as e:
        raise SimError(f"expected access patterns per consumer, got {attr}: {e}") from None
    if not groups:
        return [None] * n
    if len(groups) != n:
        raise SimError(f"dimensionsFromStream gives {len(groups)} patterns for {n} consumers")
    return [tuple((int(s), int(t)) for s, t in g) or None for g in groups]


def _device_name(dev: Any) -> str:
    """The ``aie.device`` target, read from its AIEDevice enum attribute."""
    from ..dialects.aie import AIEDevice

    try:
        return str(AIEDevice(int_attr(attr_map(dev)["device"])))
    except (KeyError, ValueError) as e:
        raise SimError(f"aie.device{where(loc_str(dev))}: cannot read its device: {e}") from None


class _Device:
    """Device-level value maps the core compiler consults."""

    def __init__(self) -> None:
        self.tiles: dict[Any, TileId] = {}
        self.buffers: dict[Any, str] = {}
        self.locks: dict[Any, str] = {}
        self.kernels: dict[str, Any] = {}  # name -> func.func op

    def buffer_of(self, value: Any) -> Optional[str]:
        return self.buffers.get(value)

    def lock_of(self, value: Any) -> Optional[str]:
        return self.locks.get(value)

    def kernel_defines(self, name: str) -> dict[str, int]:
        """``attn.kernel_defines`` of the declaration of kernel ``name`` ({} without)."""
        from ..ir import DictAttr

        decl = self.kernels.get(name)
        if decl is None:
            return {}
        defines = attr_map(decl).get("attn.kernel_defines")
        if defines is None:
            return {}
        d = DictAttr(defines)
        return {d[i].name: int_attr(d[i].attr) for i in range(len(d))}

    def check_kernel_decl(self, name: str, model: KernelModel, call: Any) -> None:
        loc = loc_str(call)
        operands = list(call.operands)
        if len(operands) != len(model.params):
            raise SimError(
                f"func.call @{name}{where(loc)}: {len(operands)} arguments, the kernel takes {len(model.params)} "
                f"({', '.join(model.params)})"
            )
        from ..ir import MemRefType

        for i, (v, kind) in enumerate(zip(operands, model.params, strict=True)):
            t = type_name(v.type)
            if kind in POINTER_ELEMS:
                ok = isinstance(v.type, MemRefType) and memref_type(v.type).elem in POINTER_ELEMS[kind]
            else:
                ok = t == kind
            if not ok:
                raise SimError(f"func.call @{name}{where(loc)}: argument {i} has type {t}, the kernel takes {kind}")
        decl = self.kernels.get(name)
        if decl is None:
            raise SimError(f"func.call @{name}{where(loc)}: no func.func @{name} declared in the aie.device")


def _resolve(program: Any) -> Any:
    """The module operation of a compiler result (``.aie``), a Module, an Operation or text."""
    from .. import ir

    if hasattr(program, "aie"):
        program = program.aie
    if isinstance(program, ir.Module):
        return program.operation
    if isinstance(program, ir.Operation):
        return program
    if isinstance(program, ir.OpView):
        return program.operation
    if isinstance(program, str):
        ctx = ir.Context()
        try:
            with ctx:
                module = ir.Module.parse(program)
        except ir.MLIRError as e:
            raise SimError(f"cannot parse the AIE program: {e}") from None
        return module.operation
    raise SimError(
        "expected an AIE module (attn.ir.Module), its text, or an object with an .aie attribute; "
        f"got {type(program).__name__}"
    )


def load(program: Any) -> Program:
    """Translate an AIE program into the simulator's :class:`Program`."""
    from .. import target as targets

    module_op = _resolve(program)
    devices = []
    for region in module_op.regions:
        for block in region.blocks:
            for op in block.operations:
                if op.operation.name == "aie.device":
                    devices.append(op.operation)
    if len(devices) != 1:
        raise SimError(f"expected exactly one aie.device in the module, found {len(devices)}")
    dev_op = devices[0]
    device_name = _device_name(dev_op)
    try:
        tgt = targets.get(device_name)
    except ValueError as e:
        raise SimError(f"aie.device({device_name}){where(loc_str(dev_op))}: {e}") from None

    dev = _Device()
    prog = Program(device=device_name, tile_kinds={})
    body_ops = [op.operation for op in dev_op.regions[0].blocks[0].operations]
    cores = []
    sequences = []
    unnamed = 0
    for o in body_ops:
        name = o.name
        loc = loc_str(o)
        a = attr_map(o)
        if name == "aie.tile":
            col, row = int_attr(a["col"]), int_attr(a["row"])
            try:
                kind = tgt.tile_kind(col, row)
            except ValueError as e:
                raise SimError(f"aie.tile{where(loc)}: {e}") from None
            dev.tiles[o.results[0]] = (col, row)
            prog.tile_kinds[(col, row)] = kind
        elif name == "func.func":
            sym = _sym(a)
            if len(o.regions[0].blocks):
                raise SimError(
                    f"func.func @{sym}{where(loc)}: functions with a body inside aie.device are not supported; "
                    "the simulator runs kernels declared without a body"
                )
            dev.kernels[sym] = o
        elif name == "aie.objectfifo":
            prog.fifos[_sym(a)] = _fifo(o, a, dev, loc)
        elif name == "aie.objectfifo.link":
            prog.links.append(
                LinkSpec(
                    ins=[sym_attr(x) for x in _array(a["fifoIns"])],
                    outs=[sym_attr(x) for x in _array(a["fifoOuts"])],
                    src_offsets=[int_attr(x) for x in _array(a["src_offsets"])],
                    dst_offsets=[int_attr(x) for x in _array(a["dst_offsets"])],
                    loc=loc,
                )
            )
        elif name == "aie.buffer":
            mt = memref_type(o.results[0].type)
            tile = _tile(dev, o.operands[0], o)
            if "sym_name" in a:
                sym = _sym(a)
            else:
                unnamed += 1
                sym = f"buffer_{tile[0]}_{tile[1]}_{unnamed}"
            init = initial_value(a["initial_value"], mt) if "initial_value" in a else None
            prog.buffers[sym] = BufferSpec(sym, tile, mt, init, loc)
            dev.buffers[o.results[0]] = sym
        elif name == "aie.lock":
            tile = _tile(dev, o.operands[0], o)
            if "sym_name" in a:
                sym = _sym(a)
            else:
                lock_id = int_attr(a["lockID"]) if "lockID" in a else len(prog.locks)
                sym = f"lock_{tile[0]}_{tile[1]}_{lock_id}"
            prog.locks[sym] = LockSpec(sym, tile, int_attr(a["init"]) if "init" in a else 0, loc)
            dev.locks[o.results[0]] = sym
        elif name == "aie.core":
            cores.append(o)
        elif name == "aie.runtime_sequence":
            sequences.append(o)
        elif name == "aie.cascade_flow":
            src, dst = _tile(dev, o.operands[0], o), _tile(dev, o.operands[1], o)
            if src in prog.cascades or dst in prog.cascades.values():
                raise SimError(f"aie.cascade_flow{where(loc_str(o))}: a tile has one cascade output and one input")
            prog.cascades[src] = dst
        elif name in ("aie.shim_dma_allocation", "aie.end"):
            continue
        else:
            raise SimError(f"{name}{where(loc)}: op not supported inside aie.device by the simulator")

    for o in cores:
        tile = _tile(dev, o.operands[0], o)
        compiler = CoreCompiler(dev, loc_str(o))
        prog.cores.append(CoreSpec(tile, compiler.compile(o.regions[0]), loc_str(o)))

    if len(sequences) != 1:
        raise SimError(f"aie.device({device_name}): expected exactly one aie.runtime_sequence, found {len(sequences)}")
    _sequence(sequences[0], prog, dev)
    return prog


def _sym(a: dict[str, Any]) -> str:
    return str_attr(a["sym_name"])


def _array(attr: Any) -> list[Any]:
    from ..ir import ArrayAttr

    return list(ArrayAttr(attr))


def _tile(dev: _Device, value: Any, o: Any) -> TileId:
    if value not in dev.tiles:
        raise SimError(f"{o.name}{where(loc_str(o))}: tile operand is not an aie.tile")
    return dev.tiles[value]


def _fifo(o: Any, a: dict[str, Any], dev: _Device, loc: str) -> FifoSpec:
    from .._mlir_libs import _attn
    from ..ir import ArrayAttr, IntegerAttr, TypeAttr

    name = _sym(a)
    producer = _tile(dev, o.operands[0], o)
    consumers = [_tile(dev, v, o) for v in list(o.operands)[1:]]
    for flag in ("plio", "disable_synchronization"):
        if flag_attr(a, flag):
            raise SimError(f"aie.objectfifo @{name}{where(loc)}: {flag} = true is not supported by the simulator")
    for attr in ("padDimensions", "initValues", "consumerElemType", "memtile_repeat"):
        if attr in a:
            raise SimError(f"aie.objectfifo @{name}{where(loc)}: '{attr}' is not supported by the simulator")
    depth_attr = a["elemNumber"]
    if isinstance(depth_attr, IntegerAttr):
        depths = [int_attr(depth_attr)] * (1 + len(consumers))
    else:
        depths = [int_attr(x) for x in ArrayAttr(depth_attr)]
    fifo_type = _attn.objectfifo_object_type(TypeAttr(a["elemType"]).value)
    if fifo_type is None or fifo_type[1]:
        raise SimError(f"aie.objectfifo @{name}{where(loc)}: elemType {a['elemType']} is not an !aie.objectfifo type")
    obj = memref_type(fifo_type[0])
    to_stream = parse_dims(a["dimensionsToStream"]) if "dimensionsToStream" in a else None
    from_stream = (
        parse_dims_per_consumer(a["dimensionsFromStreamPerConsumer"], len(consumers))
        if "dimensionsFromStreamPerConsumer" in a
        else [None] * len(consumers)
    )
    repeat = int_attr(a["repeat_count"]) if "repeat_count" in a else 1
    if repeat < 1:
        raise SimError(f"aie.objectfifo @{name}{where(loc)}: repeat_count {repeat} must be at least 1")
    return FifoSpec(name, producer, consumers, depths, obj, to_stream, from_stream, loc, repeat)


def _sequence(seq: Any, prog: Program, dev: _Device) -> None:
    a = attr_map(seq)
    prog.seq_name = _sym(a) if "sym_name" in a else "sequence"
    block = seq.regions[0].blocks[0]
    args: dict[Any, int] = {}
    for i, arg in enumerate(block.arguments):
        t = arg.type
        text = type_name(t)
        if text in ("i8", "i16", "i32", "i64", "index"):
            prog.seq_args.append(ScalarType("i64" if text == "index" else text))
        else:
            try:
                prog.seq_args.append(memref_type(t))
            except SimError:
                raise SimError(
                    f"aie.runtime_sequence{where(loc_str(seq))}: argument {i} has type {t}; "
                    "only memrefs (host buffers) and integers (runtime scalars) are supported"
                ) from None
        args[arg] = i
    consts: dict[Any, int] = {}
    handles: dict[Any, int] = {}

    def arg_of(v: Any, o: Any) -> int:
        if v not in args:
            raise SimError(f"{o.name}{where(loc_str(o))}: buffer operand is not a runtime-sequence argument")
        if isinstance(prog.seq_args[args[v]], ScalarType):
            raise SimError(f"{o.name}{where(loc_str(o))}: buffer operand is the runtime scalar argument {args[v]}")
        return args[v]

    def scalar_of(v: Any, o: Any, what: str) -> int | SeqArg:
        """A constant, or the runtime-sequence scalar argument that supplies the value at dispatch."""
        if v in consts:
            return consts[v]
        if v in args and isinstance(prog.seq_args[args[v]], ScalarType):
            return SeqArg(args[v])
        raise SimError(
            f"{o.name}{where(loc_str(o))}: {what} must be an arith.constant or a scalar argument of the "
            "runtime sequence"
        )

    def const_of(v: Any, o: Any, what: str) -> int:
        if v not in consts:
            raise SimError(f"{o.name}{where(loc_str(o))}: {what} must be an arith.constant for the simulator")
        return consts[v]

    for op in block.operations:
        o = op.operation
        name = o.name
        loc = loc_str(o)
        at = attr_map(o)
        if name == "arith.constant":
            consts[o.results[0]] = int_attr(at["value"])
        elif name == "aiex.npu.dma_memcpy_nd":
            prog.seq_ops.append(_memcpy(o, at, consts, arg_of, loc))
        elif name == "aiex.npu.dma_wait":
            prog.seq_ops.append(DmaWait(sym_attr(at["symbol"]), loc))
        elif name == "aiex.npu.rtp_write":
            prog.seq_ops.append(
                RtpWrite(
                    sym_attr(at["buffer"]),
                    int_attr(at["index"]),
                    scalar_of(o.operands[0], o, "the value"),
                    loc,
                )
            )
        elif name == "aiex.dma_configure_task_for":
            handle = len(handles)
            handles[o.results[0]] = handle
            bds = []
            for blk in o.regions[0].blocks:
                for inner in blk.operations:
                    io = inner.operation
                    if io.name == "aie.dma_bd":
                        bds.append(_bd(io, arg_of, lambda v, w, io=io: const_of(v, io, w)))
                    elif io.name not in ("aie.end", "aie.next_bd"):
                        raise SimError(f"{io.name}{where(loc_str(io))}: not supported inside a DMA task")
            prog.seq_ops.append(
                ConfigureTask(
                    handle,
                    sym_attr(at["alloc"]),
                    bds,
                    const_of(o.operands[0], o, "the repeat count")
                    if len(o.operands)
                    else (int_attr(at["repeat_count"]) if "repeat_count" in at else 0),
                    flag_attr(at, "issue_token"),
                    loc,
                )
            )
        elif name in ("aiex.dma_start_task", "aiex.dma_await_task", "aiex.dma_free_task"):
            v = o.operands[0]
            if v not in handles:
                raise SimError(f"{name}{where(loc)}: operand is not a task from aiex.dma_configure_task_for")
            cls = {"aiex.dma_start_task": StartTask, "aiex.dma_await_task": AwaitTask}.get(name, FreeTask)
            prog.seq_ops.append(cls(handles[v], loc))
        else:
            raise SimError(f"{name}{where(loc)}: not supported in a runtime sequence by the simulator")


def _memcpy(o: Any, at: dict[str, Any], consts: dict[Any, int], arg_of, loc: str) -> DmaMemcpy:
    what = "aiex.npu.dma_memcpy_nd"
    if "packet" in at:
        raise SimError(f"{what}{where(loc)}: packet-switched transfers are not supported by the simulator")
    for k in ("d0_zero_before", "d1_zero_before", "d2_zero_before", "d0_zero_after", "d1_zero_after", "d2_zero_after"):
        if k in at and int_attr(at[k]) != 0:
            raise SimError(f"{what}{where(loc)}: zero padding ({k}) is not supported by the simulator")
    operands = list(o.operands)
    seg = [int(x) for x in at["operandSegmentSizes"]]
    memref = operands[0]
    pos = 1
    lists = []
    for k, n in zip(("offsets", "sizes", "strides"), seg[1:], strict=True):
        dyn = operands[pos : pos + n]
        pos += n
        it = iter(dyn)
        vals = []
        for v in [int(x) for x in at[f"static_{k}"]]:
            if v == DYNAMIC:
                d = next(it)
                if d not in consts:
                    raise SimError(f"{what}{where(loc)}: dynamic {k} must be arith.constant values")
                v = consts[d]
            vals.append(v)
        lists.append(tuple(vals))
    offsets, sizes, strides = lists
    return DmaMemcpy(
        arg=arg_of(memref, o),
        offsets=offsets,
        sizes=sizes,
        strides=strides,
        metadata=sym_attr(at["metadata"]),
        bd_id=int_attr(at["id"]),
        issue_token=flag_attr(at, "issue_token"),
        loc=loc,
    )


def _bd(o: Any, arg_of, const_of) -> TaskBD:
    """One ``aie.dma_bd(%buf : memref<..> offset = .. len = .. sizes = [..] strides = [..])``."""
    at = attr_map(o)
    loc = loc_str(o)
    for k in ("pad_dimensions", "packet"):
        if k in at:
            raise SimError(f"aie.dma_bd{where(loc)}: '{k}' is not supported by the simulator")
    operands = list(o.operands)
    seg = [int(x) for x in at["operandSegmentSizes"]]  # buffer, offset, len, sizes, strides
    pos = 1

    def scalar(key: str, n: int) -> Optional[int]:
        nonlocal pos
        if n:
            v = const_of(operands[pos], f"'{key}'")
            pos += 1
            return v
        return int_attr(at[f"static_{key}"]) if f"static_{key}" in at else None

    offset = scalar("offset", seg[1])
    length = scalar("len", seg[2])
    lists = []
    for key, n in (("sizes", seg[3]), ("strides", seg[4])):
        dyn = iter(operands[pos : pos + n])
        pos += n
        vals = []
        for v in [int(x) for x in at[f"static_{key}"]] if f"static_{key}" in at else []:
            vals.append(const_of(next(dyn), f"a dynamic entry of '{key}'") if v == DYNAMIC else v)
        lists.append(vals)
    sizes, strides = lists
    if len(sizes) != len(strides):
        raise SimError(f"aie.dma_bd{where(loc)}: {len(sizes)} sizes but {len(strides)} strides")
    arg = arg_of(operands[0], o)
    if length is None:
        length = memref_type(operands[0].type).numel
    return TaskBD(
        arg=arg,
        offset=offset or 0,
        length=length,
        dims=tuple(zip(sizes, strides, strict=True)) or None,
        bd_id=int_attr(at["bd_id"]) if "bd_id" in at else None,
        loc=loc,
    )
