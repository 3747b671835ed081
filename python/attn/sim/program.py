"""The simulator's own description of an AIE program.

The MLIR frontend (``attn.sim.frontend``) builds a :class:`Program` from an
``aie.device`` module; engine tests can build one directly. Everything here is
plain data: tiles, objectfifos, links, buffers, locks, core bodies (already
translated to Python generator functions) and the runtime sequence.

Conventions (as upstream mlir-aie): access patterns list dimensions outermost
first as ``(size, stride)`` pairs counted in elements; shim transfers give four
offsets/sizes/strides, outermost first, the outermost size being the repeat.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from ..reference import round_to_dtype
from .errors import SimError

# Every buffer, objectfifo object and runtime-sequence argument is stored as raw
# bytes; ops see typed numpy views of them. DMAs move 4-byte words, so ends of
# one transfer may use different element types (e.g. bf16 host data into an i8
# object that a core reinterprets with memref.view). bf16 is viewed as its
# uint16 bit pattern and converted (round to nearest even) where values are
# computed.
_VIEW = {
    "bf16": np.uint16,
    "f16": np.float16,
    "f32": np.float32,
    "f64": np.float64,
    "i1": np.bool_,
    "i8": np.int8,
    "ui8": np.uint8,
    "i16": np.int16,
    "ui16": np.uint16,
    "i32": np.int32,
    "ui32": np.uint32,
    "i64": np.int64,
    "index": np.int64,
}
ELEMENT_TYPES = tuple(_VIEW)


def view_dtype(elem: str) -> np.dtype:
    """numpy dtype of the typed view of ``elem`` data (uint16 bit patterns for bf16)."""
    if elem not in _VIEW:
        raise SimError(f"unsupported element type {elem!r}; supported: {', '.join(ELEMENT_TYPES)}")
    return np.dtype(_VIEW[elem])


def element_bytes(elem: str) -> int:
    return view_dtype(elem).itemsize


def bf16_bits(x: Any) -> np.ndarray:
    """bf16 bit patterns (uint16) of ``x`` rounded to nearest even; NaN stays NaN."""
    rounded = round_to_dtype(np.asarray(x, dtype=np.float32), "bf16")
    return (rounded.view(np.uint32) >> 16).astype(np.uint16)


def bf16_values(bits: np.ndarray) -> np.ndarray:
    """float32 values of bf16 bit patterns."""
    return (np.asarray(bits, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)


def encode(values: Any, elem: str) -> np.ndarray:
    """Values as the typed view of ``elem`` holds them (bf16: bit patterns, from floats
    rounded to nearest even or exactly from ml_dtypes.bfloat16)."""
    a = np.asarray(values)
    if elem == "bf16":
        if a.dtype.name == "bfloat16":
            return a.view(np.uint16).copy()
        return bf16_bits(a.astype(np.float32))
    return a.astype(view_dtype(elem))


def decode(typed: np.ndarray, elem: str) -> np.ndarray:
    """numpy values of a typed view (bf16 as float32)."""
    return bf16_values(typed) if elem == "bf16" else typed


def typed_view(raw: np.ndarray, mt: MemType) -> np.ndarray:
    """The typed, shaped view of the raw bytes of a ``mt`` buffer."""
    return raw.view(view_dtype(mt.elem)).reshape(mt.shape)


@dataclass(frozen=True)
class MemType:
    """A static memref type: shape and element type name (``bf16``, ``i32``...)."""

    shape: tuple[int, ...]
    elem: str

    def __post_init__(self) -> None:
        view_dtype(self.elem)
        if any(d < 0 for d in self.shape):
            raise SimError(f"memref shape {self.shape} has a dynamic or negative dimension")

    @property
    def numel(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def nbytes(self) -> int:
        return self.numel * element_bytes(self.elem)

    def __str__(self) -> str:
        return "memref<" + "".join(f"{d}x" for d in self.shape) + self.elem + ">"


@dataclass(frozen=True)
class ScalarType:
    """A runtime-sequence scalar argument (``%valid_len_0: i32``), supplied at dispatch."""

    elem: str = "i32"

    def __str__(self) -> str:
        return self.elem


@dataclass(frozen=True)
class SeqArg:
    """A runtime-sequence argument used as an SSA value (e.g. ``rtp_write``'s value)."""

    index: int


Dims = tuple[tuple[int, int], ...]  # ((size, stride), ...), outermost first
TileId = tuple[int, int]  # (col, row)


@dataclass
class FifoSpec:
    """``aie.objectfifo``: ``depths[0]`` at the producer, ``depths[1 + i]`` at consumer ``i``.

    ``repeat_count``: the producer's DMA sends each object that many times before
    releasing it (upstream's attribute; the L2-resident K/V broadcast uses it at a
    memtile link output whose input objects are larger: each send is the whole
    input object, received as several objects of this FIFO)."""

    name: str
    producer: TileId
    consumers: list[TileId]
    depths: list[int]
    obj: MemType
    to_stream: Optional[Dims] = None
    from_stream: list[Optional[Dims]] = field(default_factory=list)
    loc: Optional[str] = None
    repeat_count: int = 1


@dataclass
class LinkSpec:
    """``aie.objectfifo.link [ins] -> [outs] (src_offsets dst_offsets)``."""

    ins: list[str]
    outs: list[str]
    src_offsets: list[int]
    dst_offsets: list[int]
    loc: Optional[str] = None


@dataclass
class BufferSpec:
    name: str
    tile: TileId
    type: MemType
    init: Optional[np.ndarray] = None
    loc: Optional[str] = None


@dataclass
class LockSpec:
    name: str
    tile: TileId
    init: int = 0
    loc: Optional[str] = None


# A core body: called with the core's CoreAPI, returns a generator the engine drives.
CoreBody = Callable[[Any], Generator]


@dataclass
class CoreSpec:
    tile: TileId
    body: CoreBody
    loc: Optional[str] = None


# --- runtime sequence instructions -------------------------------------------


@dataclass
class DmaMemcpy:
    """``aiex.npu.dma_memcpy_nd``: offsets/sizes/strides have 4 entries, outermost first."""

    arg: int
    offsets: tuple[int, int, int, int]
    sizes: tuple[int, int, int, int]
    strides: tuple[int, int, int, int]
    metadata: str
    bd_id: int
    issue_token: bool = False
    loc: Optional[str] = None


@dataclass
class DmaWait:
    symbol: str
    loc: Optional[str] = None


@dataclass
class RtpWrite:
    buffer: str
    index: int
    value: int | SeqArg  # a constant, or the sequence argument supplying it at dispatch
    loc: Optional[str] = None


@dataclass
class TaskBD:
    """One ``aie.dma_bd`` of a task: ``length`` elements from ``offset``; ``dims`` outermost
    first (a 4th dimension is the iteration across repeats of the task)."""

    arg: int
    offset: int
    length: int
    dims: Optional[Dims] = None
    bd_id: Optional[int] = None
    loc: Optional[str] = None


@dataclass
class ConfigureTask:
    handle: int
    alloc: str
    bds: list[TaskBD]
    repeat_count: int = 0
    issue_token: bool = False
    loc: Optional[str] = None


@dataclass
class StartTask:
    handle: int
    loc: Optional[str] = None


@dataclass
class AwaitTask:
    handle: int
    loc: Optional[str] = None


@dataclass
class FreeTask:
    handle: int
    loc: Optional[str] = None


RuntimeOp = DmaMemcpy | DmaWait | RtpWrite | ConfigureTask | StartTask | AwaitTask | FreeTask


@dataclass
class Program:
    """A whole ``aie.device``: what the engine executes."""

    device: str
    tile_kinds: dict[TileId, str]  # "shim" | "memtile" | "core"
    fifos: dict[str, FifoSpec] = field(default_factory=dict)
    links: list[LinkSpec] = field(default_factory=list)
    buffers: dict[str, BufferSpec] = field(default_factory=dict)
    locks: dict[str, LockSpec] = field(default_factory=dict)
    cores: list[CoreSpec] = field(default_factory=list)
    # aie.cascade_flow: source core tile -> destination core tile.
    cascades: dict[TileId, TileId] = field(default_factory=dict)
    seq_name: str = "sequence"
    seq_args: list[MemType | ScalarType] = field(default_factory=list)
    seq_ops: list[RuntimeOp] = field(default_factory=list)

    def kind(self, tile: TileId) -> str:
        if tile not in self.tile_kinds:
            raise SimError(f"tile {tile_name(tile)} is not declared with aie.tile")
        return self.tile_kinds[tile]


def tile_name(tile: TileId, kind: Optional[str] = None) -> str:
    return f"{kind + ' ' if kind else ''}({tile[0]}, {tile[1]})"
