"""Discrete-event execution of a :class:`~attn.sim.program.Program`.

Actors are Python generators driven by one scheduler: each core body, one DMA
actor per objectfifo connection (producer MM2S to the consumers' S2MM, with a
broadcast writing every consumer), and the runtime sequence. An actor yields

* ``(DELAY, cycles, label)`` - busy for ``cycles`` (a trace span), or
* ``(WAIT, waitable, ready, describe, label)`` - blocked until ``ready()``
  holds; ``waitable`` is the object whose state changes can make it hold,
  ``describe()`` says, for deadlock reports, who waits on what, and ``label``
  names the stall in the trace.

Objectfifo ends are *pools* of ``depth`` objects with counting semantics (the
semaphore locks upstream lowers them to): a writer port may hold object ``n``
once every reader has finished object ``n - depth``; a reader may hold object
``n`` once every writer has finished it. Joins and splits through a memtile
are pools with several writer or reader ports, each with its own offset into
the object. Objects, buffers and arguments are raw bytes; DMAs move 4-byte
words along access patterns converted from elements to words. All state changes
happen inside actor steps, so the simulation is deterministic.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from . import kernel_models
from .costs import TimingModel
from .errors import SimDeadlockError, SimError, SimMisuseError, where
from .patterns import (
    Index,
    as_slice_if_contiguous,
    check_bounds,
    check_word_units,
    indices,
    shim_base,
    shim_dims,
    word_pattern,
)
from .program import (
    AwaitTask,
    ConfigureTask,
    DmaMemcpy,
    DmaWait,
    FifoSpec,
    FreeTask,
    MemType,
    Program,
    RtpWrite,
    SeqArg,
    StartTask,
    TileId,
    bf16_bits,
    bf16_values,
    element_bytes,
    encode,
    tile_name,
    typed_view,
)

DELAY = 0
WAIT = 1


class Waitable:
    """Something actors block on; the engine re-checks its waiters when it changes."""

    __slots__ = ("waiters",)

    def __init__(self) -> None:
        self.waiters: list[Actor] = []


@dataclass(eq=False)
class Actor:
    name: str
    track: tuple[str, str]  # (process, thread) in the trace: (tile, channel/core)
    gen: Any = None
    done: bool = False
    blocked: Optional[tuple] = None
    block_since: float = 0.0
    busy: float = 0.0
    stall: float = 0.0


# --- objectfifo pools ----------------------------------------------------------


class Pool(Waitable):
    """The objects of one objectfifo end (or of a memtile link point)."""

    __slots__ = ("name", "tile", "depth", "obj", "slots", "words", "writers", "readers")

    def __init__(self, name: str, tile: TileId, depth: int, obj: MemType, word: np.dtype):
        super().__init__()
        if depth < 1:
            raise SimError(f"{name}: depth must be at least 1, got {depth}")
        if obj.nbytes % word.itemsize:
            raise SimError(f"{name}: objects of {obj} are {obj.nbytes} bytes, not whole {word.itemsize}-byte DMA words")
        self.name, self.tile, self.depth, self.obj = name, tile, depth, obj
        self.slots = [np.zeros(obj.nbytes, np.uint8) for _ in range(depth)]  # raw bytes
        self.words = [raw.view(word) for raw in self.slots]  # what DMAs move
        self.writers: list[Port] = []
        self.readers: list[Port] = []

    def written(self) -> int:
        return min(w.count for w in self.writers)

    def read(self) -> int:
        return min(r.count for r in self.readers)

    def state(self) -> str:
        return f"{self.name}: {self.written()} objects written, {self.read()} read, depth {self.depth}"


class Port:
    """One side of a pool. ``count`` objects are finished (released); a core port
    also ``held`` objects after them. ``idx`` is what a DMA port moves of each object."""

    __slots__ = ("pool", "writer", "count", "held", "idx", "owner")

    def __init__(self, pool: Pool, writer: bool, owner: str, idx: Optional[Index] = None):
        self.pool, self.writer, self.owner, self.idx = pool, writer, owner, idx
        self.count = 0
        self.held = 0
        (pool.writers if writer else pool.readers).append(self)

    def can_hold(self, n: int) -> bool:
        """True when objects ``count .. count + n - 1`` are available to this port."""
        pool = self.pool
        if self.writer:
            return self.count + n <= pool.read() + pool.depth
        return self.count + n <= pool.written()

    def slot(self, seq: int) -> np.ndarray:
        """Raw bytes of object ``seq``."""
        return self.pool.slots[seq % self.pool.depth]

    def words(self, seq: int) -> np.ndarray:
        return self.pool.words[seq % self.pool.depth]


class MemView:
    """A memref value in a core body: a numpy view plus, for objectfifo objects,
    the port and object number whose possession every access checks."""

    __slots__ = ("arr", "port", "seq", "label", "elem")

    def __init__(self, arr: np.ndarray, elem: str, label: str, port: Optional[Port] = None, seq: int = 0):
        self.arr, self.elem, self.label, self.port, self.seq = arr, elem, label, port, seq

    def check(self, what: str, loc: Optional[str]) -> np.ndarray:
        p = self.port
        if p is not None and not (p.count <= self.seq < p.count + p.held):
            state = "was released" if self.seq < p.count else "is not acquired"
            raise SimMisuseError(
                f"{what}{where(loc)}: {self.label} (object #{self.seq}) {state} by this core; "
                "access objectfifo objects only between acquire and release"
            )
        return self.arr

    def derive(self, arr: np.ndarray, elem: Optional[str] = None) -> MemView:
        """A view of (part of) the same memory, under the same possession rule."""
        return MemView(arr, elem or self.elem, self.label, self.port, self.seq)


class Lock(Waitable):
    __slots__ = ("name", "value")

    def __init__(self, name: str, value: int):
        super().__init__()
        self.name, self.value = name, value


class Cascade(Waitable):
    """One ``aie.cascade_flow``: the source core's cascade output feeding the
    destination core's input. It holds at most one message (a kernel's whole put):
    a put blocks while the previous message has not been read, a get while none
    is there (the hardware's blocking put/get, at message granularity)."""

    __slots__ = ("src", "dst", "message")

    def __init__(self, src: TileId, dst: TileId):
        super().__init__()
        self.src, self.dst = src, dst
        self.message: Optional[tuple[np.ndarray, ...]] = None


# --- shim DMA channels -----------------------------------------------------------


@dataclass(eq=False)
class ShimTask:
    arg: int
    host: np.ndarray  # the runtime-sequence argument as DMA words
    idx: np.ndarray  # host words in stream order
    bd_starts: np.ndarray  # stream positions where a buffer descriptor execution starts
    issue_token: bool
    bd_ids: tuple[int, ...]
    label: str
    loc: Optional[str]
    pos: int = 0  # elements reserved by the DMA
    finished: int = 0  # elements whose transfer completed
    done: bool = False


class ShimChannel(Waitable):
    """A shim DMA channel bound to an objectfifo's shim end (``metadata``/``alloc`` symbol)."""

    __slots__ = ("fifo", "tile", "mm2s", "queue", "tokens", "outstanding", "label")

    def __init__(self, fifo: str, tile: TileId, mm2s: bool):
        super().__init__()
        self.fifo, self.tile, self.mm2s = fifo, tile, mm2s
        self.queue: deque[ShimTask] = deque()
        self.tokens = 0
        self.outstanding: list[ShimTask] = []
        self.label = f"shim {tile_name(tile)} {'MM2S' if mm2s else 'S2MM'} @{fifo}"

    def queued_elements(self) -> int:
        return sum(t.idx.size - t.pos for t in self.queue)


# --- DMA endpoints (uniform interface for the DMA actor) -------------------------


class PoolSource:
    """A DMA reading objects out of a pool (MM2S of a core or memtile)."""

    def __init__(self, port: Port):
        self.port, self.waitable = port, port.pool
        self.length = _index_len(port.idx)

    def ready(self) -> bool:
        return self.port.can_hold(1)

    def take(self, n: int) -> tuple[np.ndarray, int]:
        p = self.port
        return p.words(p.count)[p.idx], 1

    def commit(self, engine: Engine) -> None:
        self.port.count += 1
        engine.notify(self.port.pool)

    def describe(self) -> str:
        return f"a full object of {self.port.pool.state()}"


class PoolSink:
    """A DMA writing objects into a pool (S2MM of a core or memtile)."""

    def __init__(self, port: Port):
        self.port, self.waitable = port, port.pool
        self.length = _index_len(port.idx)
        self.dram = False

    def ready(self) -> bool:
        return self.port.can_hold(1)

    def bd_starts(self, n: int) -> int:
        return 1  # one buffer descriptor per object

    def put(self, data: np.ndarray) -> None:
        p = self.port
        p.words(p.count)[p.idx] = data

    def commit(self, engine: Engine) -> None:
        self.port.count += 1
        engine.notify(self.port.pool)

    def describe(self) -> str:
        return f"a free object in {self.port.pool.state()}"


class ShimSource:
    """MM2S of a shim: the host tasks queued on the channel, cut into object-sized chunks."""

    def __init__(self, channel: ShimChannel, length: int):
        self.ch, self.waitable, self.length = channel, channel, length
        self._pending: list[tuple[ShimTask, int]] = []

    def ready(self) -> bool:
        return self.ch.queued_elements() >= self.length

    def take(self, n: int) -> tuple[np.ndarray, int]:
        parts, starts, need = [], 0, n
        self._pending = []
        for task in self.ch.queue:
            if need == 0:
                break
            k = min(need, task.idx.size - task.pos)
            if k <= 0:
                continue
            lo = task.pos
            parts.append(task.host[task.idx[lo : lo + k]])
            starts += int(np.count_nonzero((task.bd_starts >= lo) & (task.bd_starts < lo + k)))
            task.pos += k
            self._pending.append((task, k))
            need -= k
        return (parts[0] if len(parts) == 1 else np.concatenate(parts)), starts

    def commit(self, engine: Engine) -> None:
        _finish_tasks(engine, self.ch, self._pending)

    def describe(self) -> str:
        return (
            f"{self.length} words queued on {self.ch.label} "
            f"(has {self.ch.queued_elements()}; issue a transfer with metadata = @{self.ch.fifo})"
        )


class ShimSink:
    """S2MM of a shim: writes object-sized chunks into the host tasks queued on the channel."""

    def __init__(self, channel: ShimChannel, length: int):
        self.ch, self.waitable, self.length = channel, channel, length
        self.dram = True
        self._pending: list[tuple[ShimTask, int]] = []
        self._starts = 0

    def ready(self) -> bool:
        return self.ch.queued_elements() >= self.length

    def put(self, data: np.ndarray) -> None:
        pos = 0
        self._pending = []
        for task in self.ch.queue:
            if pos == data.size:
                break
            k = min(data.size - pos, task.idx.size - task.pos)
            if k <= 0:
                continue
            lo = task.pos
            task.host[task.idx[lo : lo + k]] = data[pos : pos + k]
            task.pos += k
            self._pending.append((task, k))
            pos += k

    def bd_starts(self, n: int) -> int:
        starts, need = 0, n
        for task in self.ch.queue:
            if need == 0:
                break
            k = min(need, task.idx.size - task.pos)
            if k <= 0:
                continue
            starts += int(np.count_nonzero((task.bd_starts >= task.pos) & (task.bd_starts < task.pos + k)))
            need -= k
        return starts

    def commit(self, engine: Engine) -> None:
        _finish_tasks(engine, self.ch, self._pending)

    def describe(self) -> str:
        return (
            f"room for {self.length} words on {self.ch.label} "
            f"(has {self.ch.queued_elements()}; issue a transfer with metadata = @{self.ch.fifo})"
        )


def _finish_tasks(engine: Engine, ch: ShimChannel, pending: list[tuple[ShimTask, int]]) -> None:
    for task, k in pending:
        task.finished += k
        if task.finished == task.idx.size and not task.done:
            task.done = True
            ch.outstanding.remove(task)
            if ch.queue and ch.queue[0] is task:
                ch.queue.popleft()
            else:
                ch.queue.remove(task)
            if task.issue_token:
                ch.tokens += 1
    engine.notify(ch)


def _index_len(idx: Index) -> int:
    if isinstance(idx, slice):
        return idx.stop - idx.start
    return int(idx.size)


# --- results ----------------------------------------------------------------------


@dataclass
class TraceEvent:
    process: str
    thread: str
    name: str
    start: float  # cycles
    duration: float  # cycles
    category: str  # "busy" | "stall"


@dataclass
class RunState:
    """What the engine hands to :class:`attn.sim.SimResult`."""

    args: list[np.ndarray]
    written_args: list[int]
    cycles: float
    dram_bytes: int
    actors: list[Actor]
    events: list[TraceEvent]
    warnings: list[str] = field(default_factory=list)


# --- the engine -----------------------------------------------------------------------


class Engine:
    def __init__(self, program: Program, timing: TimingModel, limits: Any, trace: bool = True, max_events: int = 0):
        """``limits`` is the ``attn.target.NPUTarget`` of the device (queue depth,
        DMA word size); ``max_events`` bounds the run (0: no bound)."""
        self.program = program
        self.timing = timing
        self.limits = limits
        self.trace = trace
        self.max_events = max_events
        self.now = 0.0
        self._heap: list[tuple[float, int, Actor]] = []
        self._seq = 0
        self.actors: list[Actor] = []
        self.events: list[TraceEvent] = []
        self.dram_bytes = 0
        self._dram_free = 0.0
        self.core_ports: dict[tuple[str, str, TileId], Port] = {}
        self.channels: dict[str, ShimChannel] = {}
        self.locks: dict[str, Lock] = {}
        self.buffers: dict[str, MemView] = {}
        # aie.cascade_flow by source and by destination tile.
        self.cascade_out: dict[TileId, Cascade] = {}
        self.cascade_in: dict[TileId, Cascade] = {}
        self.unit_bytes = int(limits.tile("shim").dma.unit_bytes)
        self.word = np.dtype(f"<u{self.unit_bytes}")
        self._build()

    # --- construction ---------------------------------------------------------------

    def _word_idx(self, dims, base: int, limit: int, mt: MemType, what: str, loc: Optional[str]) -> np.ndarray:
        """DMA word indices of an access pattern over a ``mt`` buffer (``dims`` in its
        elements), after checking it stays inside ``limit`` elements and moves whole words."""
        eb = element_bytes(mt.elem)
        check_word_units(dims, base, eb, self.unit_bytes, what, loc)
        check_bounds(dims, base, limit, what, loc)
        wdims, wbase = word_pattern(dims, base, eb, self.unit_bytes)
        return indices(wdims, wbase)

    def _end_idx(self, dims, base: int, length: int, limit: int, obj: MemType, what: str, loc) -> Index:
        """Words one DMA end moves within a pool object: ``dims`` from element ``base``, or
        ``length`` contiguous elements from ``base``."""
        return as_slice_if_contiguous(self._word_idx(dims or ((length, 1),), base, limit, obj, what, loc))

    def _build(self) -> None:
        prog = self.program
        for name, spec in prog.buffers.items():
            arr = typed_view(np.zeros(spec.type.nbytes, np.uint8), spec.type)
            if spec.init is not None:
                init = encode(spec.init, spec.type.elem).reshape(-1)
                if init.size != arr.size:
                    raise SimError(
                        f"aie.buffer {name}{where(spec.loc)}: initial value has {init.size} elements, "
                        f"the buffer {spec.type.numel}"
                    )
                arr.reshape(-1)[:] = init
            self.buffers[name] = MemView(arr, spec.type.elem, f"aie.buffer {name}")
        for name, spec in prog.locks.items():
            self.locks[name] = Lock(name, spec.init)
        for src, dst in prog.cascades.items():
            for t in (src, dst):
                if prog.kind(t) != "core":
                    raise SimError(f"aie.cascade_flow: tile {tile_name(t)} is not a core tile")
            c = Cascade(src, dst)
            self.cascade_out[src] = c
            self.cascade_in[dst] = c

        # Link points: which fifo ends are served by a shared memtile pool.
        link_in: dict[str, tuple[Pool, Port]] = {}  # fifo -> writer port at the link point
        link_out: dict[str, tuple[Pool, Port]] = {}  # fifo -> reader port at the link point
        for link in prog.links:
            self._build_link(link, link_in, link_out)

        for fifo in prog.fifos.values():
            self._build_fifo(fifo, link_in, link_out)

        for core in prog.cores:
            if prog.kind(core.tile) != "core":
                raise SimError(f"aie.core{where(core.loc)}: tile {tile_name(core.tile)} is not a core tile")
            actor = Actor(f"core {tile_name(core.tile)}", (f"core {tile_name(core.tile)}", "core"))
            api = CoreAPI(self, core.tile, actor)
            actor.gen = core.body(api)
            self._spawn(actor)

        self.seq_actor = Actor("runtime sequence", ("host", "runtime sequence"))
        self.seq_actor.gen = self._sequence()
        self._spawn(self.seq_actor)

    def _fifo(self, name: str, loc: Optional[str], what: str) -> FifoSpec:
        if name not in self.program.fifos:
            raise SimError(f"{what}{where(loc)}: no aie.objectfifo named @{name}")
        return self.program.fifos[name]

    def _build_link(self, link, link_in, link_out) -> None:
        prog = self.program
        what = "aie.objectfifo.link"
        ins = [self._fifo(n, link.loc, what) for n in link.ins]
        outs = [self._fifo(n, link.loc, what) for n in link.outs]
        if not ins or not outs:
            raise SimError(f"{what}{where(link.loc)}: needs at least one input and one output objectfifo")
        if len(ins) > 1 and len(outs) > 1:
            raise SimError(f"{what}{where(link.loc)}: a link is a join or a split, not both")
        tile = outs[0].producer
        for f in outs:
            if f.producer != tile:
                raise SimError(f"{what}{where(link.loc)}: output @{f.name} is not produced on {tile_name(tile)}")
        for f in ins:
            if tile not in f.consumers:
                raise SimError(
                    f"{what}{where(link.loc)}: input @{f.name} has no consumer on the link point {tile_name(tile)}"
                )
            if len(f.consumers) != 1:
                raise SimError(f"{what}{where(link.loc)}: input @{f.name} of a link must have exactly one consumer")
        if prog.kind(tile) == "shim":
            raise SimError(f"{what}{where(link.loc)}: the link point {tile_name(tile)} is a shim tile")
        elems = {f.obj.elem for f in ins + outs}
        if len(elems) != 1:
            raise SimError(f"{what}{where(link.loc)}: linked objectfifos mix element types {sorted(elems)}")

        join = len(ins) > 1
        split = len(outs) > 1
        whole = outs[0] if join else ins[0]
        depth = whole.depths[0] if join else ins[0].depths[1 + ins[0].consumers.index(tile)]
        kind = "join" if join else "split" if split else "link"
        name = f"{kind} @{'+@'.join(link.ins)} -> @{'+@'.join(link.outs)}"
        pool = Pool(f"{name} at {tile_name(tile, prog.kind(tile))}", tile, depth, whole.obj, self.word)
        limit = whole.obj.numel

        def offsets(given: list[int], fifos: list[FifoSpec], which: str) -> list[int]:
            if len(fifos) == 1:
                if given and given != [0]:
                    raise SimError(f"{what}{where(link.loc)}: {which} must be [] or [0] with one objectfifo")
                return [0]
            if len(given) != len(fifos):
                raise SimError(
                    f"{what}{where(link.loc)}: {which} needs one offset per objectfifo ({len(fifos)}), got {given}"
                )
            return list(given)

        in_offs = offsets(link.src_offsets, ins, "src_offsets") if join else [0]
        out_offs = offsets(link.dst_offsets, outs, "dst_offsets") if split else [0]
        # A 1:1 link may narrow: the memtile keeps the input's (larger) objects
        # and sends each one whole, received as several output objects (upstream
        # sends the larger side's length through a 1:1 link).
        narrowing = not join and not split and ins[0].obj.numel != outs[0].obj.numel
        if narrowing and ins[0].obj.numel % outs[0].obj.numel:
            raise SimError(
                f"{what}{where(link.loc)}: @{ins[0].name} objects have {ins[0].obj.numel} elements, "
                f"@{outs[0].name} objects {outs[0].obj.numel}; a 1:1 link needs equal sizes or input "
                "objects that are a whole number of output objects"
            )
        for f, seen in [(f, link_in) for f in ins] + [(f, link_out) for f in outs]:
            if f.name in seen:
                role = "input" if seen is link_in else "output"
                raise SimError(f"{what}{where(link.loc)}: objectfifo @{f.name} is already the {role} of a link")
        for f, off in zip(ins, in_offs, strict=True):
            dims = f.from_stream[f.consumers.index(tile)] if f.from_stream else None
            idx = self._end_idx(dims, off, f.obj.numel, limit, f.obj, f"objectfifo @{f.name} into the link", f.loc)
            link_in[f.name] = (pool, Port(pool, True, f"DMA @{f.name}", idx))
        for f, off in zip(outs, out_offs, strict=True):
            sent = whole.obj if narrowing else f.obj
            idx = self._end_idx(
                f.to_stream, off, sent.numel, limit, sent, f"objectfifo @{f.name} out of the link", f.loc
            )
            link_out[f.name] = (pool, Port(pool, False, f"DMA @{f.name}", idx))

    def _build_fifo(self, f: FifoSpec, link_in, link_out) -> None:
        prog = self.program
        what = f"aie.objectfifo @{f.name}"
        if len(f.depths) != 1 + len(f.consumers):
            raise SimError(f"{what}{where(f.loc)}: needs one depth per end, got {f.depths}")
        if f.from_stream and len(f.from_stream) != len(f.consumers):
            raise SimError(f"{what}{where(f.loc)}: dimensionsFromStream must be given per consumer")
        if f.producer in f.consumers:
            raise SimError(f"{what}{where(f.loc)}: producer {tile_name(f.producer)} is also a consumer")
        pkind = prog.kind(f.producer)
        numel = f.obj.numel

        # Producer side.
        src: Any
        if pkind == "shim":
            ch = self._channel(f.name, f.producer, True)
            src = None  # length known once the consumers are
        elif f.name in link_out:
            src = PoolSource(link_out[f.name][1])
        elif pkind == "core":
            pool = Pool(f"@{f.name} at {tile_name(f.producer, 'core')}", f.producer, f.depths[0], f.obj, self.word)
            self.core_ports[(f.name, "Produce", f.producer)] = Port(pool, True, f"core {tile_name(f.producer)}")
            idx = self._end_idx(f.to_stream, 0, numel, numel, f.obj, f"{what} dimensionsToStream", f.loc)
            src = PoolSource(Port(pool, False, f"DMA @{f.name}", idx))
        else:
            raise SimError(
                f"{what}{where(f.loc)}: produced on {tile_name(f.producer, pkind)}, which has no core; "
                "make it the output of an aie.objectfifo.link"
            )

        # Consumer sides.
        sinks: list[Any] = []
        shim_sinks: list[tuple[int, ShimChannel]] = []
        for i, c in enumerate(f.consumers):
            ckind = prog.kind(c)
            dims = f.from_stream[i] if f.from_stream else None
            if ckind == "shim":
                if dims:
                    raise SimError(
                        f"{what}{where(f.loc)}: dimensionsFromStream on shim consumer {tile_name(c)}; "
                        "shim ends take their pattern from the runtime sequence"
                    )
                shim_sinks.append((i, self._channel(f.name, c, False)))
                sinks.append(None)
            elif f.name in link_in:
                sinks.append(PoolSink(link_in[f.name][1]))
            elif ckind == "core":
                pool = Pool(f"@{f.name} at {tile_name(c, 'core')}", c, f.depths[1 + i], f.obj, self.word)
                self.core_ports[(f.name, "Consume", c)] = Port(pool, False, f"core {tile_name(c)}")
                idx = self._end_idx(dims, 0, numel, numel, f.obj, f"{what} dimensionsFromStream", f.loc)
                sinks.append(PoolSink(Port(pool, True, f"DMA @{f.name}", idx)))
            else:
                raise SimError(
                    f"{what}{where(f.loc)}: consumed on {tile_name(c, ckind)}, which has no core; "
                    "make it the input of an aie.objectfifo.link"
                )

        lengths = {s.length for s in sinks if s is not None}
        # A narrowing link output sends a whole (larger) link object as several
        # of this FIFO's objects.
        pieces = 1
        if isinstance(src, PoolSource) and lengths and src.length != min(lengths):
            if len(lengths) == 1 and src.length % min(lengths) == 0:
                pieces = src.length // min(lengths)
            else:
                lengths.add(src.length)
        elif src is not None:
            lengths.add(src.length)
        if len(lengths) > 1:
            raise SimError(
                f"{what}{where(f.loc)}: the producer sends and the consumers receive different numbers of "
                f"{self.unit_bytes}-byte words per object ({sorted(lengths)}); dimensionsToStream/FromStream "
                "patterns must agree"
            )
        length = lengths.pop() if lengths else f.obj.nbytes // self.unit_bytes
        if src is None:
            src = ShimSource(ch, length)
        for i, ch_out in shim_sinks:
            sinks[i] = ShimSink(ch_out, length)
        if isinstance(src, ShimSource) and any(isinstance(s, ShimSink) for s in sinks):
            raise SimError(f"{what}{where(f.loc)}: connects a shim to a shim")

        ends = ", ".join(tile_name(c) for c in f.consumers)
        actor = Actor(
            f"DMA @{f.name} {tile_name(f.producer)} -> {ends}",
            (f"{prog.kind(f.producer)} {tile_name(f.producer)}", f"MM2S @{f.name}"),
        )
        nbytes = length * self.unit_bytes
        if f.repeat_count > 1 and not isinstance(src, PoolSource):
            raise SimError(f"{what}{where(f.loc)}: repeat_count is supported on core and memtile producers")
        actor.gen = self._dma(actor, src, sinks, nbytes, pieces, f.repeat_count)
        self._spawn(actor)

    def _channel(self, fifo: str, tile: TileId, mm2s: bool) -> ShimChannel:
        if fifo in self.channels:
            raise SimError(f"aie.objectfifo @{fifo}: more than one shim end")
        ch = ShimChannel(fifo, tile, mm2s)
        self.channels[fifo] = ch
        return ch

    # --- scheduling ------------------------------------------------------------------

    def _spawn(self, actor: Actor, at: float = 0.0) -> None:
        self.actors.append(actor)
        self._push(at, actor)

    def _push(self, t: float, actor: Actor) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (t, self._seq, actor))

    def notify(self, w: Waitable) -> None:
        """Wake the actors blocked on ``w`` whose condition now holds."""
        if not w.waiters:
            return
        still = []
        latency = self.timing.lock_handoff_cycles
        for actor in w.waiters:
            if actor.blocked[2]():
                wake = self.now + latency
                actor.stall += wake - actor.block_since
                if self.trace and wake > actor.block_since:
                    self.events.append(
                        TraceEvent(*actor.track, actor.blocked[4], actor.block_since, wake - actor.block_since, "stall")
                    )
                actor.blocked = None
                self._push(wake, actor)
            else:
                still.append(actor)
        w.waiters[:] = still

    def run(self) -> float:
        """Run to quiescence; return the cycle at which the runtime sequence finished."""
        heap = self._heap
        steps = 0
        limit = self.max_events
        trace = self.trace
        while heap:
            t, _, actor = heapq.heappop(heap)
            self.now = t
            gen = actor.gen
            while True:
                steps += 1
                if limit and steps > limit:
                    raise SimError(
                        f"simulation stopped after {limit} steps at cycle {t:.0f} without finishing; "
                        f"a core may loop forever without waiting (last active: {actor.name})"
                    )
                try:
                    req = gen.send(None)
                except StopIteration:
                    actor.done = True
                    break
                if req[0] == DELAY:
                    cycles = req[1]
                    if cycles > 0:
                        actor.busy += cycles
                        if trace:
                            self.events.append(TraceEvent(*actor.track, req[2], t, cycles, "busy"))
                        self._push(t + cycles, actor)
                        break
                else:
                    if req[2]():
                        continue
                    actor.blocked = req
                    actor.block_since = t
                    req[1].waiters.append(actor)
                    break
        if not self.seq_actor.done:
            waiters = [
                f"{a.name}: waits for {a.blocked[3]()}" for a in self.actors if a.blocked is not None and not a.done
            ]
            raise SimDeadlockError(
                "deadlock: no actor can progress and the runtime sequence has not finished\n  " + "\n  ".join(waiters),
                waiters,
            )
        return self.seq_end

    # --- DMA actor --------------------------------------------------------------------

    def _dma(self, actor: Actor, src, sinks, nbytes: int, pieces: int = 1, repeat: int = 1) -> Generator:
        """Moves objects from ``src`` to every sink. A source object is sent
        ``repeat`` times before it is released, each time as ``pieces`` sink
        objects of ``nbytes`` (a narrowing link output)."""
        label = actor.track[1]
        touches_dram = isinstance(src, ShimSource) or any(isinstance(s, ShimSink) for s in sinks)
        length = src.length // pieces
        while True:
            while not src.ready():
                yield (WAIT, src.waitable, src.ready, src.describe, "wait data")
            if pieces == 1 and repeat == 1:
                yield from self._dma_object(src, sinks, nbytes, length, label, touches_dram, None)
                continue
            whole, starts = src.take(src.length)
            for _ in range(repeat):
                for k in range(pieces):
                    piece = (whole[k * length : (k + 1) * length], starts)
                    yield from self._dma_object(src, sinks, nbytes, length, label, touches_dram, piece)
            src.commit(self)

    def _dma_object(self, src, sinks, nbytes: int, length: int, label: str, touches_dram: bool, piece) -> Generator:
        """One object from ``src`` into every sink, releasing it at ``src``; or the
        given ``piece`` of a source object the caller releases."""
        timing = self.timing
        for s in sinks:
            while not s.ready():
                yield (WAIT, s.waitable, s.ready, s.describe, "wait space")
        # Both ends' DMAs run at once: the slower buffer-descriptor start counts.
        bd_starts = max(s.bd_starts(length) for s in sinks)
        data, starts = piece if piece is not None else src.take(length)
        bd_starts = max(bd_starts, starts)
        if timing.enabled:
            cycles = timing.stream_cycles(nbytes, bd_starts)
            if touches_dram:
                start = max(self.now, self._dram_free)
                self._dram_free = start + nbytes / timing.dram_bytes_per_cycle
                cycles = max(cycles, self._dram_free - self.now)
            yield (DELAY, cycles, label)
        if touches_dram:
            self.dram_bytes += nbytes
        for s in sinks:
            s.put(data)
        if piece is None:
            src.commit(self)
        for s in sinks:
            s.commit(self)

    # --- runtime sequence ---------------------------------------------------------------

    def _shim_channel(self, symbol: str, what: str, loc: Optional[str]) -> ShimChannel:
        ch = self.channels.get(symbol)
        if ch is None:
            if symbol in self.program.fifos:
                raise SimError(f"{what}{where(loc)}: objectfifo @{symbol} has no shim end")
            raise SimError(f"{what}{where(loc)}: @{symbol} names no objectfifo with a shim end")
        return ch

    def _issue(self, ch: ShimChannel, task: ShimTask, what: str, loc: Optional[str]) -> None:
        depth = self.limits.shim_task_queue_depth
        if len(ch.outstanding) >= depth:
            raise SimMisuseError(
                f"{what}{where(loc)}: {ch.label} already has {len(ch.outstanding)} outstanding transfers; "
                f"the shim task queue holds {depth} (hardware drops the overflow): wait for one first"
            )
        for other in self.channels.values():
            if other.tile != ch.tile:
                continue
            for t in other.outstanding:
                shared = set(t.bd_ids) & set(task.bd_ids)
                if shared:
                    raise SimMisuseError(
                        f"{what}{where(loc)}: buffer descriptor {min(shared)} of shim {tile_name(ch.tile)} is "
                        f"reused while transfer {t.label}{where(t.loc)} using it is still in flight; "
                        "wait for that transfer (dma_wait/dma_await_task) before reusing the id"
                    )
        ch.queue.append(task)
        ch.outstanding.append(task)
        self.notify(ch)

    def _host_task(self, ch, arg: int, pieces, issue_token: bool, bd_ids, label: str, what: str, loc) -> ShimTask:
        """``pieces``: list of (dims, base) BD executions in order."""
        prog = self.program
        if not 0 <= arg < len(self.args):
            raise SimError(f"{what}{where(loc)}: runtime sequence argument {arg} does not exist")
        mt = prog.seq_args[arg]
        if not isinstance(mt, MemType):
            raise SimError(f"{what}{where(loc)}: runtime sequence argument {arg} is the scalar {mt}, not a buffer")
        idx_parts, starts, pos = [], [], 0
        host = self.arg_words[arg]
        if host is None:
            raise SimError(
                f"{what}{where(loc)}: argument {arg} ({mt}) is {mt.nbytes} bytes, not whole "
                f"{self.unit_bytes}-byte DMA words"
            )
        for dims, base in pieces:
            idx = self._word_idx(dims, base, mt.numel, mt, f"{what} on argument {arg} ({mt})", loc)
            idx_parts.append(idx)
            starts.append(pos)
            pos += idx.size
        idx = idx_parts[0] if len(idx_parts) == 1 else np.concatenate(idx_parts)
        if ch.mm2s is False:
            self.written_args.add(arg)
        return ShimTask(arg, host, idx, np.array(starts, np.int64), issue_token, tuple(bd_ids), label, loc)

    def _sequence(self) -> Generator:
        prog = self.program
        tasks: dict[int, tuple[ConfigureTask, ShimChannel]] = {}
        started: dict[int, ShimTask] = {}
        for op in prog.seq_ops:
            if isinstance(op, DmaMemcpy):
                what = "aiex.npu.dma_memcpy_nd"
                ch = self._shim_channel(op.metadata, what, op.loc)
                for n, s in zip(("sizes", "strides", "offsets"), (op.sizes, op.strides, op.offsets), strict=True):
                    if len(s) != 4:
                        raise SimError(f"{what}{where(op.loc)}: {n} must have 4 entries, got {list(s)}")
                if any(s < 1 for s in op.sizes):
                    raise SimMisuseError(f"{what}{where(op.loc)}: sizes must be positive, got {list(op.sizes)}")
                dims = shim_dims(op.sizes, op.strides)
                base = shim_base(op.offsets, op.strides)
                task = self._host_task(
                    ch,
                    op.arg,
                    [(dims, base)],
                    op.issue_token,
                    (op.bd_id,),
                    f"{what} id {op.bd_id} @{op.metadata}",
                    what,
                    op.loc,
                )
                self._issue(ch, task, what, op.loc)
            elif isinstance(op, DmaWait):
                what = "aiex.npu.dma_wait"
                ch = self._shim_channel(op.symbol, what, op.loc)
                yield from self._await_token(ch, lambda ch=ch: ch.tokens > 0, what, op.loc)
                ch.tokens -= 1
            elif isinstance(op, ConfigureTask):
                what = "aiex.dma_configure_task_for"
                ch = self._shim_channel(op.alloc, what, op.loc)
                if not op.bds:
                    raise SimError(f"{what}{where(op.loc)}: the task has no aie.dma_bd")
                if op.repeat_count < 0 or op.repeat_count > self.limits.shim_repeat_count_max:
                    raise SimMisuseError(
                        f"{what}{where(op.loc)}: repeat_count {op.repeat_count} outside "
                        f"[0, {self.limits.shim_repeat_count_max}]"
                    )
                tasks[op.handle] = (op, ch)
            elif isinstance(op, StartTask):
                what = "aiex.dma_start_task"
                if op.handle not in tasks:
                    raise SimError(f"{what}{where(op.loc)}: task was not configured")
                cfg, ch = tasks[op.handle]
                task = self._task_from_bds(cfg, ch, what)
                started[op.handle] = task
                self._issue(ch, task, what, op.loc)
            elif isinstance(op, AwaitTask):
                what = "aiex.dma_await_task"
                if op.handle not in started:
                    raise SimError(f"{what}{where(op.loc)}: task was never started")
                task = started[op.handle]
                if not task.issue_token:
                    raise SimMisuseError(
                        f"{what}{where(op.loc)}: the task is not configured with issue_token = true, so no "
                        "completion token is ever sent and the wait would hang"
                    )
                ch = tasks[op.handle][1]
                yield from self._await_token(ch, lambda task=task: task.done, what, op.loc)
                ch.tokens = max(0, ch.tokens - 1)
            elif isinstance(op, FreeTask):
                if op.handle not in tasks:
                    raise SimError(f"aiex.dma_free_task{where(op.loc)}: task was not configured")
            elif isinstance(op, RtpWrite):
                buf = self.buffers.get(op.buffer)
                if buf is None:
                    raise SimError(f"aiex.npu.rtp_write{where(op.loc)}: no aie.buffer named {op.buffer}")
                flat = buf.arr.reshape(-1)
                if not 0 <= op.index < flat.size:
                    raise SimMisuseError(
                        f"aiex.npu.rtp_write{where(op.loc)}: index {op.index} outside buffer {op.buffer} "
                        f"of {flat.size} elements"
                    )
                value = op.value
                if isinstance(value, SeqArg):
                    value = int(self.args[value.index].reshape(-1)[0])
                flat[op.index] = encode(value, buf.elem)
            else:
                raise SimError(f"runtime sequence: unsupported instruction {type(op).__name__}")
        self.seq_end = self.now

    def _await_token(self, ch: ShimChannel, ready: Callable[[], bool], what: str, loc) -> Generator:
        while not ready():
            if ch.tokens == 0 and not any(t.issue_token for t in ch.outstanding):
                raise SimMisuseError(
                    f"{what}{where(loc)}: no transfer with issue_token = true is outstanding on {ch.label}; "
                    "the wait would never return"
                )

            def describe(ch=ch, what=what, loc=loc) -> str:
                pending = [f"{t.label} ({t.finished}/{t.idx.size} words)" for t in ch.outstanding]
                return f"completion of {ch.label} at {what}{where(loc)}; outstanding: {', '.join(pending) or 'none'}"

            yield (WAIT, ch, ready, describe, "wait " + ch.fifo)

    def _task_from_bds(self, cfg: ConfigureTask, ch: ShimChannel, what: str) -> ShimTask:
        """A task runs its BD chain ``repeat_count + 1`` times; a 4-dimension BD's
        outermost dimension is the iteration (address step per run, wrapping after
        ``size`` runs)."""
        args = {bd.arg for bd in cfg.bds}
        if len(args) != 1:
            raise SimError(f"aiex.dma_configure_task_for{where(cfg.loc)}: BDs of one task use different buffers")
        pieces = []
        for run in range(cfg.repeat_count + 1):
            for bd in cfg.bds:
                dims = list(bd.dims or ())
                base = bd.offset
                if len(dims) == 4:
                    it_size, it_stride = dims[0]
                    dims = dims[1:]
                    base += (run % max(it_size, 1)) * it_stride
                if dims:
                    total = int(np.prod([s for s, _ in dims]))
                    if total != bd.length:
                        raise SimMisuseError(
                            f"aie.dma_bd{where(bd.loc)}: len {bd.length} differs from the {total} elements its "
                            f"access pattern {dims} visits"
                        )
                else:
                    dims = [(bd.length, 1)]
                pieces.append((tuple(dims), base))
        ids = tuple(bd.bd_id for bd in cfg.bds if bd.bd_id is not None)
        return self._host_task(
            ch, cfg.bds[0].arg, pieces, cfg.issue_token, ids, f"task @{cfg.alloc}{where(cfg.loc)}", what, cfg.loc
        )

    # --- entry point --------------------------------------------------------------------------

    def execute(self, args: list[np.ndarray]) -> RunState:
        """Run on the raw bytes of each runtime-sequence argument (updated in place)."""
        self.args = args
        unit = self.unit_bytes
        self.arg_words = [a.view(self.word) if a.size % unit == 0 else None for a in args]
        self.written_args: set[int] = set()
        self.seq_end = 0.0
        cycles = self.run()
        warnings = []
        for ch in self.channels.values():
            for t in ch.outstanding:
                warnings.append(
                    f"{t.label}{where(t.loc)} on {ch.label} did not complete ({t.finished}/{t.idx.size} words) "
                    "before the runtime sequence ended"
                )
        return RunState(
            args=args,
            written_args=sorted(self.written_args),
            cycles=cycles,
            dram_bytes=self.dram_bytes,
            actors=self.actors,
            events=self.events,
            warnings=warnings,
        )


# --- the API compiled core bodies call -------------------------------------------------------


class CoreAPI:
    """What a core body sees: objectfifo acquire/release, locks, buffers, kernels, time."""

    def __init__(self, engine: Engine, tile: TileId, actor: Actor):
        self.engine, self.tile, self.actor = engine, tile, actor
        self.name = f"core {tile_name(tile)}"
        self.pending = 0.0  # cycles of interpreted scalar ops not yet charged
        self.scalar_cycles = engine.timing.scalar_op_cycles

    def port(self, fifo: str, port: str, loc: Optional[str]) -> Port:
        key = (fifo, port, self.tile)
        p = self.engine.core_ports.get(key)
        if p is None:
            spec = self.engine._fifo(fifo, loc, f"aie.objectfifo.acquire/release @{fifo}")
            role = "producer" if port == "Produce" else "consumer"
            raise SimError(
                f"objectfifo @{fifo} ({port}){where(loc)}: {self.name} is not a {role} of it "
                f"(producer {tile_name(spec.producer)}, consumers {', '.join(tile_name(c) for c in spec.consumers)})"
            )
        return p

    def flush(self) -> Generator:
        """Charge the scalar ops run since the last blocking point."""
        if self.pending:
            cycles = self.pending * self.scalar_cycles
            self.pending = 0.0
            if cycles > 0:
                yield (DELAY, cycles, "scalar")

    def acquire(self, fifo: str, port: str, n: int, loc: Optional[str]) -> Generator:
        p = self.port(fifo, port, loc)
        if n < 1:
            raise SimMisuseError(f"aie.objectfifo.acquire @{fifo}{where(loc)}: size must be positive, got {n}")
        if n > p.pool.depth:
            raise SimMisuseError(
                f"aie.objectfifo.acquire @{fifo} ({port}, {n}){where(loc)}: more objects than the depth "
                f"{p.pool.depth} at {self.name}; this can never be satisfied"
            )
        yield from self.flush()
        if not p.can_hold(n):

            def ready(p=p, n=n) -> bool:
                return p.can_hold(n)

            def describe(p=p, n=n) -> str:
                verb = "free" if p.writer else "full"
                return (
                    f"{n} {verb} object(s) of @{fifo} ({port}) at aie.objectfifo.acquire{where(loc)}; "
                    f"holds {p.held}, {p.pool.state()}"
                )

            while not p.can_hold(n):
                yield (WAIT, p.pool, ready, describe, f"acquire @{fifo}")
        if n > p.held:
            p.held = n
        obj = p.pool.obj
        return [
            MemView(typed_view(p.slot(s), obj), obj.elem, f"@{fifo} ({port})", p, s)
            for s in range(p.count, p.count + n)
        ]

    def release(self, fifo: str, port: str, n: int, loc: Optional[str]) -> None:
        p = self.port(fifo, port, loc)
        if n > p.held:
            raise SimMisuseError(
                f"aie.objectfifo.release @{fifo} ({port}, {n}){where(loc)}: {self.name} holds only {p.held} "
                "object(s); releasing more than acquired"
            )
        p.count += n
        p.held -= n
        self.engine.notify(p.pool)

    def lock(self, name: str, loc: Optional[str]) -> Lock:
        lock = self.engine.locks.get(name)
        if lock is None:
            raise SimError(f"aie.use_lock{where(loc)}: no aie.lock {name}")
        return lock

    def lock_acquire(self, name: str, value: int, equal: bool, loc: Optional[str]) -> Generator:
        lock = self.lock(name, loc)
        yield from self.flush()
        if equal:

            def ready() -> bool:
                return lock.value == value
        else:

            def ready() -> bool:
                return lock.value >= value

        def describe() -> str:
            op = "==" if equal else ">="
            return f"lock {name} {op} {value} at aie.use_lock{where(loc)} (value {lock.value})"

        while not ready():
            yield (WAIT, lock, ready, describe, f"lock {name}")
        if not equal:
            lock.value -= value

    def lock_release(self, name: str, value: int, loc: Optional[str]) -> None:
        lock = self.lock(name, loc)
        lock.value += value
        self.engine.notify(lock)

    def buffer(self, name: str, loc: Optional[str]) -> MemView:
        buf = self.engine.buffers.get(name)
        if buf is None:
            raise SimError(f"{self.name}{where(loc)}: no aie.buffer {name}")
        return buf

    def call_kernel(self, model: kernel_models.KernelModel, args: list[Any], loc: Optional[str]) -> Generator:
        """Run a kernel model on resolved arguments (MemViews and numbers) and charge its cost."""
        flat_args = []
        bf16_args = []  # (bit-pattern view, float32 copy the kernel works on)
        for i, (kind, a) in enumerate(zip(model.params, args, strict=True)):
            if kind in kernel_models.POINTER_ELEMS:
                arr = a.check(f"func.call @{model.name} argument {i}", loc)
                if a.elem not in kernel_models.POINTER_ELEMS[kind]:
                    raise SimMisuseError(
                        f"func.call @{model.name}{where(loc)}: argument {i} is a {a.elem} memref, the kernel "
                        f"takes {kind}"
                    )
                if not arr.flags.c_contiguous:
                    raise SimMisuseError(
                        f"func.call @{model.name}{where(loc)}: argument {i} ({a.label}) is a strided view; "
                        "kernels take dense tiles"
                    )
                flat = arr.reshape(-1)
                if a.elem == "bf16":
                    values = bf16_values(flat)
                    bf16_args.append((flat, values))
                    flat = values
                flat_args.append(flat)
            else:
                flat_args.append(a)
        yield from self.flush()
        if model.cascade == "get":
            message = yield from self.cascade_get(model.name, loc)
            flat_args.append(message)
        try:
            work = kernel_models.call(model, flat_args)
        except SimError as e:
            raise type(e)(f"{e}{where(loc)}") from None
        if model.cascade == "put":
            work, message = work
            yield from self.cascade_put(model.name, message, self.engine.timing.kernel_cycles(work), loc)
            return
        for bits, values in bf16_args:  # what the kernel stored, rounded to bf16
            bits[:] = bf16_bits(values)
        cycles = self.engine.timing.kernel_cycles(work)
        if cycles > 0:
            yield (DELAY, cycles, model.name)

    # --- cascade -------------------------------------------------------------------------

    def _cascade(self, table: dict[TileId, Cascade], what: str, kernel: str, loc: Optional[str]) -> Cascade:
        c = table.get(self.tile)
        if c is None:
            raise SimMisuseError(
                f"func.call @{kernel}{where(loc)}: {self.name} has no aie.cascade_flow {what}; "
                "a cascade kernel needs one"
            )
        return c

    def cascade_put(self, kernel: str, message: tuple, cycles: float, loc: Optional[str]) -> Generator:
        """Send ``message`` over this core's cascade output: wait until the previous
        message was read, then take the kernel's cycles plus the words' transfer."""
        c = self._cascade(self.engine.cascade_out, "out", kernel, loc)

        def free() -> bool:
            return c.message is None

        def describe() -> str:
            return f"cascade {tile_name(c.src)} -> {tile_name(c.dst)} to be read (put in @{kernel}{where(loc)})"

        while not free():
            yield (WAIT, c, free, describe, "cascade put")
        nbytes = sum(a.nbytes for a in message)
        cycles += self.engine.timing.cascade_cycles(nbytes)
        if cycles > 0:
            yield (DELAY, cycles, kernel)
        c.message = message
        self.engine.notify(c)

    def cascade_get(self, kernel: str, loc: Optional[str]) -> Generator:
        """Wait for a message on this core's cascade input and take it."""
        c = self._cascade(self.engine.cascade_in, "in", kernel, loc)

        def full() -> bool:
            return c.message is not None

        def describe() -> str:
            return f"cascade {tile_name(c.src)} -> {tile_name(c.dst)} to carry a message (get in @{kernel}{where(loc)})"

        while not full():
            yield (WAIT, c, full, describe, "cascade get")
        message, c.message = c.message, None
        self.engine.notify(c)
        return message
