"""Translate an ``aie.core`` body into Python closures, once.

Every SSA value gets a slot in a per-core list (``env``; slot 0 holds the
core's :class:`~attn.sim.engine.CoreAPI`). Each op becomes a closure over its
slots; ops that can block or take time (objectfifo acquire, lock acquire,
kernel calls) become generator functions, and so does every region that
contains one, so a loop whose body only computes scalars runs as a plain
Python loop. The IR is walked once per core, never per iteration.

Supported: ``arith`` (integer, float, compare, select, casts), a few ``math``
ops, ``scf.for`` (with ``iter_args``), ``scf.if``, ``scf.while``, ``scf.yield``,
``memref.load/store/subview/copy/alloca/alloc/dealloc/cast/collapse_shape/
expand_shape``, ``func.call`` of kernels (``attn.sim.kernel_models``),
``aie.objectfifo.acquire/release/subview.access``, ``aie.use_lock``, ``aie.end``.
Anything else is an error naming the op.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import Any, Optional

import numpy as np

from ..reference import round_to_dtype
from . import kernel_models
from .errors import SimError, SimMisuseError, where
from .program import MemType, bf16_bits, bf16_values, element_bytes, typed_view

Step = tuple[bool, Callable[[list], Any]]  # (is_generator, fn(env))

DYNAMIC = -(2**63)  # ShapedType::kDynamic in static offset/size/stride arrays


def loc_str(op: Any) -> str:
    """``file:line:col`` of an op (``<input>`` for parsed strings)."""
    text = str(op.location)
    if text.startswith("loc(") and text.endswith(")"):
        text = text[4:-1]
    if text.startswith('"'):
        end = text.find('"', 1)
        name = text[1:end] or "<input>"
        name = "<input>" if name == "-" else name
        return name + text[end + 1 :]
    return text


def attr_map(op: Any) -> dict[str, Any]:
    attrs = op.attributes
    return {attrs[i].name: attrs[i].attr for i in range(len(attrs))}


def int_attr(a: Any) -> int:
    from ..ir import IntegerAttr

    return int(IntegerAttr(a).value)


def sym_attr(a: Any) -> str:
    """The name of a FlatSymbolRefAttr (``@name`` -> ``name``)."""
    from ..ir import FlatSymbolRefAttr

    return str(FlatSymbolRefAttr(a).value)


def str_attr(a: Any) -> str:
    """The value of a StringAttr (``sym_name``)."""
    from ..ir import StringAttr

    return str(StringAttr(a).value)


def flag_attr(attrs: dict[str, Any], name: str) -> bool:
    """A BoolAttr (or unit) flag of an op: False when absent."""
    from ..ir import BoolAttr, UnitAttr

    if name not in attrs:
        return False
    a = attrs[name]
    return isinstance(a, UnitAttr) or bool(BoolAttr(a).value)


def type_name(t: Any) -> str:
    return str(t)


def memref_type(t: Any) -> MemType:
    from ..ir import MemRefType

    try:
        mt = t if isinstance(t, MemRefType) else MemRefType(t)
    except ValueError:
        raise SimError(f"expected a memref type, got {t}") from None
    if any(d < 0 for d in mt.shape):
        raise SimError(f"memref type {t} has dynamic dimensions; the simulator needs static shapes")
    return MemType(tuple(int(d) for d in mt.shape), type_name(mt.element_type))


# --- scalar semantics -----------------------------------------------------------------


def _int_width(t: str) -> Optional[int]:
    if t == "index":
        return 64
    if t.startswith("i") and t[1:].isdigit():
        return int(t[1:])
    if t.startswith("ui") and t[2:].isdigit():
        return int(t[2:])
    return None


def normalizer(t: str) -> Callable[[Any], Any]:
    """Brings a computed Python/numpy value to the representation of type ``t``:
    wrapped signed ints, numpy float32/float16, bf16 rounded (in float32)."""
    w = _int_width(t)
    if w is not None:
        if w == 1:
            return lambda x: int(x) & 1
        mask, half = (1 << w) - 1, 1 << (w - 1)
        if t.startswith("ui"):
            return lambda x: int(x) & mask
        return lambda x: ((int(x) + half) & mask) - half
    if t == "f32":
        return np.float32
    if t == "f16":
        return np.float16
    if t == "f64":
        return float
    if t == "bf16":
        return lambda x: np.float32(round_to_dtype(np.float32(x), "bf16"))
    raise SimError(f"unsupported scalar type {t}")


def _unsigned(x: int, w: int) -> int:
    return x & ((1 << w) - 1)


def _divs(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


_CMPI = {
    0: lambda a, b, w: a == b,
    1: lambda a, b, w: a != b,
    2: lambda a, b, w: a < b,
    3: lambda a, b, w: a <= b,
    4: lambda a, b, w: a > b,
    5: lambda a, b, w: a >= b,
    6: lambda a, b, w: _unsigned(a, w) < _unsigned(b, w),
    7: lambda a, b, w: _unsigned(a, w) <= _unsigned(b, w),
    8: lambda a, b, w: _unsigned(a, w) > _unsigned(b, w),
    9: lambda a, b, w: _unsigned(a, w) >= _unsigned(b, w),
}


def _cmpf(pred: int) -> Callable[[Any, Any], bool]:
    def unordered(a, b):
        return math.isnan(a) or math.isnan(b)

    table = {
        0: lambda a, b: False,
        1: lambda a, b: a == b,
        2: lambda a, b: a > b,
        3: lambda a, b: a >= b,
        4: lambda a, b: a < b,
        5: lambda a, b: a <= b,
        6: lambda a, b: a != b and not unordered(a, b),
        7: lambda a, b: not unordered(a, b),
        8: lambda a, b: a == b or unordered(a, b),
        9: lambda a, b: a > b or unordered(a, b),
        10: lambda a, b: a >= b or unordered(a, b),
        11: lambda a, b: a < b or unordered(a, b),
        12: lambda a, b: a <= b or unordered(a, b),
        13: lambda a, b: a != b or unordered(a, b),
        14: unordered,
        15: lambda a, b: True,
    }
    if pred not in table:
        raise SimError(f"arith.cmpf: unknown predicate {pred}")
    return table[pred]


def _div_checked(kind: str, fn: Callable[[int, int], int]) -> Callable[[int, int], int]:
    def run(a, b):
        if b == 0:
            raise SimMisuseError(f"arith.{kind}: division by zero")
        return fn(a, b)

    return run


def _int_binops(w: int) -> dict[str, Callable[[int, int], int]]:
    return {
        "addi": lambda a, b: a + b,
        "subi": lambda a, b: a - b,
        "muli": lambda a, b: a * b,
        "divsi": _div_checked("divsi", _divs),
        "divui": _div_checked("divui", lambda a, b: _unsigned(a, w) // _unsigned(b, w)),
        "remsi": _div_checked("remsi", lambda a, b: a - _divs(a, b) * b),
        "remui": _div_checked("remui", lambda a, b: _unsigned(a, w) % _unsigned(b, w)),
        "floordivsi": _div_checked("floordivsi", lambda a, b: a // b),
        "ceildivsi": _div_checked("ceildivsi", lambda a, b: -((-a) // b)),
        "maxsi": max,
        "minsi": min,
        "maxui": lambda a, b: a if _unsigned(a, w) >= _unsigned(b, w) else b,
        "minui": lambda a, b: a if _unsigned(a, w) <= _unsigned(b, w) else b,
        "andi": lambda a, b: a & b,
        "ori": lambda a, b: a | b,
        "xori": lambda a, b: a ^ b,
        "shli": lambda a, b: a << b if 0 <= b < w else 0,
        "shrsi": lambda a, b: a >> min(b, w - 1),
        "shrui": lambda a, b: _unsigned(a, w) >> b if b < w else 0,
    }


def _fmax(a, b):
    return a if (a >= b or math.isnan(a)) else b


def _fmin(a, b):
    return a if (a <= b or math.isnan(a)) else b


_FLOAT_BINOPS: dict[str, Callable[[Any, Any], Any]] = {
    "addf": lambda a, b: a + b,
    "subf": lambda a, b: a - b,
    "mulf": lambda a, b: a * b,
    "divf": lambda a, b: np.divide(a, b),
    "remf": lambda a, b: np.fmod(a, b),
    "maximumf": _fmax,
    "minimumf": _fmin,
    "maxnumf": lambda a, b: b if math.isnan(a) else a if math.isnan(b) else max(a, b),
    "minnumf": lambda a, b: b if math.isnan(a) else a if math.isnan(b) else min(a, b),
}

_MATH_UNARY: dict[str, Callable[[Any], Any]] = {
    "math.exp": np.exp,
    "math.exp2": np.exp2,
    "math.log": np.log,
    "math.log2": np.log2,
    "math.sqrt": np.sqrt,
    "math.rsqrt": lambda x: 1 / np.sqrt(x),
    "math.absf": np.abs,
    "math.tanh": np.tanh,
    "arith.negf": lambda x: -x,
}


# --- the compiler ----------------------------------------------------------------------


class CoreCompiler:
    """Compiles one ``aie.core`` region. ``device`` maps device-level values to what
    they are (tiles, buffers, locks) and names the declared kernels."""

    def __init__(self, device: Any, core_loc: str):
        self.device = device
        self.core_loc = core_loc
        self.slots: dict[Any, int] = {}
        self.template: list[Any] = [None]  # slot 0: the CoreAPI
        self.captures: list[tuple[int, str]] = []  # (slot, buffer name) bound at core start

    # slots -------------------------------------------------------------------------------

    def new_slot(self, value: Any, initial: Any = None) -> int:
        s = len(self.template)
        self.template.append(initial)
        self.slots[value] = s
        return s

    def slot(self, value: Any, op: Any) -> int:
        s = self.slots.get(value)
        if s is not None:
            return s
        # Values defined outside the core: buffers of the device.
        name = self.device.buffer_of(value)
        if name is not None:
            s = self.new_slot(value)
            self.captures.append((s, name))
            return s
        raise SimError(
            f"{op.name}{where(loc_str(op))}: uses a value defined outside the core that is not an aie.buffer"
        )

    # entry -------------------------------------------------------------------------------

    def compile(self, region: Any) -> Callable[[Any], Generator]:
        blocks = list(region.blocks)
        if len(blocks) != 1:
            raise SimError(
                f"aie.core{where(self.core_loc)}: the body has {len(blocks)} blocks; the simulator runs structured "
                "control flow (scf) only"
            )
        is_gen, run = self.block(blocks[0], terminators=("aie.end",))
        template, captures = self.template, self.captures

        def body(api: Any) -> Generator:
            env = list(template)
            env[0] = api
            for s, name in captures:
                env[s] = api.buffer(name, None)
            if is_gen:
                yield from run(env)
            else:
                run(env)
            yield from api.flush()

        return body

    def block(self, block: Any, terminators: tuple[str, ...]) -> Step:
        steps: list[Step] = []
        scalar_ops = 0
        ops = list(block.operations)
        for i, op in enumerate(ops):
            o = op.operation
            name = o.name
            if name in terminators:
                if i != len(ops) - 1:
                    raise SimError(f"{name}{where(loc_str(o))}: terminator is not last in its block")
                continue
            step, scalar = self.op(o)
            scalar_ops += scalar
            if step is not None:
                steps.append(step)
        return _make_block(steps, scalar_ops)

    # ops ---------------------------------------------------------------------------------

    def op(self, o: Any) -> tuple[Optional[Step], int]:
        """Returns the op's step (None for compile-time-only ops) and its scalar-op count."""
        name = o.name
        dialect = name.split(".", 1)[0]
        if name == "arith.constant":
            self.constant(o)
            return None, 0
        if dialect == "arith" or name in _MATH_UNARY:
            return (False, self.arith(o)), 1
        if name == "scf.for":
            return self.scf_for(o), 1
        if name == "scf.if":
            return self.scf_if(o), 1
        if name == "scf.while":
            return self.scf_while(o), 1
        if dialect == "memref":
            return self.memref(o)
        if name == "func.call":
            return self.call(o), 0
        if name == "aie.objectfifo.acquire":
            return self.acquire(o), 0
        if name == "aie.objectfifo.release":
            return self.release(o), 0
        if name == "aie.objectfifo.subview.access":
            return self.access(o), 0
        if name == "aie.use_lock":
            return self.use_lock(o), 0
        raise SimError(f"{name}{where(loc_str(o))}: op not supported in a core body by the simulator")

    def constant(self, o: Any) -> None:
        from ..ir import FloatAttr, IntegerAttr

        attr = attr_map(o)["value"]
        t = type_name(o.results[0].type)
        if isinstance(attr, IntegerAttr):
            value = normalizer(t)(IntegerAttr(attr).value)
        elif isinstance(attr, FloatAttr):
            value = normalizer(t)(FloatAttr(attr).value)
        else:
            raise SimError(f"arith.constant{where(loc_str(o))}: only scalar integer/float constants are supported")
        self.new_slot(o.results[0], value)

    def arith(self, o: Any) -> Callable[[list], None]:
        name = o.name
        kind = name.split(".", 1)[1]
        loc = loc_str(o)
        ins = [self.slot(v, o) for v in o.operands]
        r = self.new_slot(o.results[0])
        rt = type_name(o.results[0].type)
        norm = normalizer(rt) if not rt.startswith(("vector", "tensor")) else None
        if norm is None:
            raise SimError(f"{name}{where(loc)}: vector/tensor operands are not supported in core bodies")
        in_t = type_name(o.operands[0].type) if len(o.operands) else rt
        attrs = attr_map(o)

        def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
            def run(*args):
                try:
                    return fn(*args)
                except SimMisuseError as e:
                    raise SimMisuseError(f"{e}{where(loc)}") from None

            return run

        w = _int_width(in_t)
        if kind in (
            "addi",
            "subi",
            "muli",
            "divsi",
            "divui",
            "remsi",
            "remui",
            "floordivsi",
            "ceildivsi",
            "maxsi",
            "minsi",
            "maxui",
            "minui",
            "andi",
            "ori",
            "xori",
            "shli",
            "shrsi",
            "shrui",
        ):
            fn = wrap(_int_binops(w or 64)[kind])
            a, b = ins
            return _bin(fn, norm, a, b, r)
        if kind in _FLOAT_BINOPS:
            fn = _FLOAT_BINOPS[kind]
            a, b = ins
            return _bin(fn, norm, a, b, r)
        if name in _MATH_UNARY:
            fn = _MATH_UNARY[name]
            (a,) = ins

            def unary(env, fn=fn, a=a, r=r, norm=norm):
                env[r] = norm(fn(env[a]))

            return unary
        if kind == "cmpi":
            pred = int_attr(attrs["predicate"])
            cmp = _CMPI[pred]
            a, b = ins
            width = w or 64

            def cmpi(env):
                env[r] = 1 if cmp(env[a], env[b], width) else 0

            return cmpi
        if kind == "cmpf":
            cmp = _cmpf(int_attr(attrs["predicate"]))
            a, b = ins

            def cmpf(env):
                env[r] = 1 if cmp(float(env[a]), float(env[b])) else 0

            return cmpf
        if kind == "select":
            c, a, b = ins

            def select(env):
                env[r] = env[a] if env[c] else env[b]

            return select
        if kind in (
            "index_cast",
            "extsi",
            "trunci",
            "sitofp",
            "extf",
            "truncf",
            "index_castui",
            "extui",
            "uitofp",
            "fptosi",
            "fptoui",
        ):
            (a,) = ins
            pre = _cast_pre(kind, in_t, loc)

            def cast(env):
                env[r] = norm(pre(env[a]))

            return cast
        if kind == "fma":
            a, b, c = ins

            def fma(env):
                env[r] = norm(env[a] * env[b] + env[c])

            return fma
        raise SimError(f"{name}{where(loc)}: op not supported in a core body by the simulator")

    def region_block(self, region: Any, op: Any, terminator: str) -> tuple[Step, Any, list[int]]:
        blocks = list(region.blocks)
        if len(blocks) != 1:
            raise SimError(f"{op.name}{where(loc_str(op))}: regions must have exactly one block")
        blk = blocks[0]
        arg_slots = [self.new_slot(a) for a in blk.arguments]
        ops = list(blk.operations)
        term = ops[-1].operation if ops else None
        if term is None or term.name != terminator:
            raise SimError(f"{op.name}{where(loc_str(op))}: region must end with {terminator}")
        step = self.block(blk, terminators=(terminator,))
        yielded = [self.slot(v, term) for v in term.operands]
        return step, term, arg_slots + [None] + yielded  # split below

    def scf_for(self, o: Any) -> Step:
        lb, ub, st, *inits = [self.slot(v, o) for v in o.operands]
        (is_gen, body), _, slots = self.region_block(o.regions[0], o, "scf.yield")
        sep = slots.index(None)
        iv, carried, yields = slots[0], slots[1:sep], slots[sep + 1 :]
        results = [self.new_slot(v) for v in o.results]
        if is_gen:

            def run_gen(env):
                vals = [env[s] for s in inits]
                for i in range(env[lb], env[ub], env[st]):
                    env[iv] = i
                    for s, v in zip(carried, vals, strict=True):
                        env[s] = v
                    yield from body(env)
                    vals = [env[s] for s in yields]
                for s, v in zip(results, vals, strict=True):
                    env[s] = v

            return True, run_gen

        if not inits:

            def run_plain_noargs(env):
                for i in range(env[lb], env[ub], env[st]):
                    env[iv] = i
                    body(env)

            return False, run_plain_noargs

        def run_plain(env):
            vals = [env[s] for s in inits]
            for i in range(env[lb], env[ub], env[st]):
                env[iv] = i
                for s, v in zip(carried, vals, strict=True):
                    env[s] = v
                body(env)
                vals = [env[s] for s in yields]
            for s, v in zip(results, vals, strict=True):
                env[s] = v

        return False, run_plain

    def scf_if(self, o: Any) -> Step:
        (cond,) = [self.slot(v, o) for v in o.operands]
        results = [self.new_slot(v) for v in o.results]
        branches = []
        for region in o.regions:
            if not list(region.blocks):
                branches.append(((False, lambda env: None), []))
                continue
            (is_gen, run), _, slots = self.region_block(region, o, "scf.yield")
            branches.append(((is_gen, run), slots[slots.index(None) + 1 :]))
        if len(branches) == 1:
            branches.append(((False, lambda env: None), []))
        (t_gen, t_run), t_y = branches[0]
        (e_gen, e_run), e_y = branches[1]

        def pick(env):
            return (t_gen, t_run, t_y) if env[cond] else (e_gen, e_run, e_y)

        if t_gen or e_gen:

            def run_gen(env):
                g, run, ys = pick(env)
                if g:
                    yield from run(env)
                else:
                    run(env)
                vals = [env[s] for s in ys]
                for s, v in zip(results, vals, strict=True):
                    env[s] = v

            return True, run_gen

        def run_plain(env):
            _, run, ys = pick(env)
            run(env)
            vals = [env[s] for s in ys]
            for s, v in zip(results, vals, strict=True):
                env[s] = v

        return False, run_plain

    def scf_while(self, o: Any) -> Step:
        inits = [self.slot(v, o) for v in o.operands]
        before, after = o.regions
        (b_gen, b_run), b_term, b_slots = self.region_block(before, o, "scf.condition")
        sep = b_slots.index(None)
        b_args, (cond, *passed) = b_slots[:sep], b_slots[sep + 1 :]
        (a_gen, a_run), _, a_slots = self.region_block(after, o, "scf.yield")
        sep = a_slots.index(None)
        a_args, a_yields = a_slots[:sep], a_slots[sep + 1 :]
        results = [self.new_slot(v) for v in o.results]

        def run_gen(env):
            vals = [env[s] for s in inits]
            while True:
                for s, v in zip(b_args, vals, strict=True):
                    env[s] = v
                if b_gen:
                    yield from b_run(env)
                else:
                    b_run(env)
                vals = [env[s] for s in passed]
                if not env[cond]:
                    break
                for s, v in zip(a_args, vals, strict=True):
                    env[s] = v
                if a_gen:
                    yield from a_run(env)
                else:
                    a_run(env)
                vals = [env[s] for s in a_yields]
            for s, v in zip(results, vals, strict=True):
                env[s] = v

        if b_gen or a_gen:
            return True, run_gen

        def run_plain(env):
            for _ in run_gen(env):
                pass

        return False, run_plain

    # memref ------------------------------------------------------------------------------

    def memref(self, o: Any) -> tuple[Optional[Step], int]:
        name = o.name
        loc = loc_str(o)
        if name == "memref.load":
            m, *idx = [self.slot(v, o) for v in o.operands]
            r = self.new_slot(o.results[0])
            rt = type_name(o.results[0].type)
            if rt == "bf16":

                def conv(x):
                    return bf16_values(x)[()]
            elif _int_width(rt) is not None:
                conv = int
            else:

                def conv(x):
                    return x

            what = "memref.load"

            def load(env):
                arr = env[m].check(what, loc)
                ix = tuple(env[i] for i in idx)
                _check_index(ix, arr.shape, what, loc)
                env[r] = conv(arr[ix])

            return (False, load), 1
        if name == "memref.store":
            v, m, *idx = [self.slot(x, o) for x in o.operands]
            what = "memref.store"
            bf16 = type_name(o.operands[0].type) == "bf16"

            def store(env):
                arr = env[m].check(what, loc)
                ix = tuple(env[i] for i in idx)
                _check_index(ix, arr.shape, what, loc)
                arr[ix] = bf16_bits(env[v])[()] if bf16 else env[v]

            return (False, store), 1
        if name == "memref.copy":
            src, dst = [self.slot(x, o) for x in o.operands]

            def copy(env):
                a = env[src].check("memref.copy source", loc)
                b = env[dst].check("memref.copy target", loc)
                if a.shape != b.shape:
                    raise SimMisuseError(f"memref.copy{where(loc)}: shapes {a.shape} and {b.shape} differ")
                b[...] = a

            return (False, copy), 1
        if name in ("memref.alloca", "memref.alloc"):
            if len(o.operands):
                raise SimError(f"{name}{where(loc)}: dynamic sizes are not supported")
            mt = memref_type(o.results[0].type)
            r = self.new_slot(o.results[0])
            from .engine import MemView

            def alloc(env):
                env[r] = MemView(typed_view(np.zeros(mt.nbytes, np.uint8), mt), mt.elem, f"{name} {mt}")

            return (False, alloc), 1
        if name == "memref.dealloc":
            return None, 0
        if name == "memref.subview":
            return (False, self.subview(o)), 1
        if name == "memref.view":
            return (False, self.view(o)), 1
        if name in ("memref.cast", "memref.collapse_shape", "memref.expand_shape", "memref.reinterpret_cast"):
            return (False, self.reshape(o)), 1
        raise SimError(f"{name}{where(loc)}: op not supported in a core body by the simulator")

    def subview(self, o: Any) -> Callable[[list], None]:
        from ..ir import MemRefType

        loc = loc_str(o)
        a = attr_map(o)
        src_t = MemRefType(o.operands[0].type)
        res_t = MemRefType(o.results[0].type)
        static = {k: [int(x) for x in a[f"static_{k}"]] for k in ("offsets", "sizes", "strides")}
        seg = [int(x) for x in a["operandSegmentSizes"]]
        operands = [self.slot(v, o) for v in o.operands]
        src = operands[0]
        dyn = {"offsets": operands[1 : 1 + seg[1]], "sizes": operands[1 + seg[1] : 1 + seg[1] + seg[2]]}
        dyn["strides"] = operands[1 + seg[1] + seg[2] :]
        # A plan per entry: (is_dynamic, value or slot).
        plans = {}
        for k in static:
            it = iter(dyn[k])
            plans[k] = [(True, next(it)) if v == DYNAMIC else (False, v) for v in static[k]]
        rank, res_shape = len(src_t.shape), list(res_t.shape)
        sizes_static = static["sizes"]
        # Dimensions dropped by a rank-reducing subview: unit sizes not in the result.
        keep, j = [], 0
        for d in range(rank):
            if j < len(res_shape) and (sizes_static[d] == res_shape[j] or sizes_static[d] == DYNAMIC):
                keep.append(True)
                j += 1
            elif sizes_static[d] == 1:
                keep.append(False)
            else:
                raise SimError(f"memref.subview{where(loc)}: cannot match result type {res_t} to sizes {sizes_static}")
        r = self.new_slot(o.results[0])

        def value(env, plan):
            dynamic, v = plan
            return env[v] if dynamic else v

        def run(env):
            view = env[src]
            arr = view.check("memref.subview", loc)
            index = []
            for d in range(rank):
                off = value(env, plans["offsets"][d])
                size = value(env, plans["sizes"][d])
                stride = value(env, plans["strides"][d])
                if off < 0 or size < 0 or stride < 1 or (size and off + (size - 1) * stride >= arr.shape[d]):
                    raise SimMisuseError(
                        f"memref.subview{where(loc)}: dimension {d} offset {off} size {size} stride {stride} "
                        f"is outside the source of size {arr.shape[d]}"
                    )
                index.append(slice(off, off + (size - 1) * stride + 1, stride) if keep[d] else off)
            env[r] = view.derive(arr[tuple(index)])

        return run

    def view(self, o: Any) -> Callable[[list], None]:
        """``memref.view %bytes[%shift][]``: typed memory at a byte offset of an i8 buffer."""
        loc = loc_str(o)
        src_t = memref_type(o.operands[0].type)
        if src_t.elem not in ("i8", "ui8") or len(src_t.shape) != 1:
            raise SimError(f"memref.view{where(loc)}: the source must be a 1-D i8 memref, got {src_t}")
        if len(o.operands) != 2:
            raise SimError(f"memref.view{where(loc)}: dynamic result sizes are not supported")
        src, shift = self.slot(o.operands[0], o), self.slot(o.operands[1], o)
        mt = memref_type(o.results[0].type)
        r = self.new_slot(o.results[0])

        def run(env):
            view = env[src]
            raw = view.check("memref.view", loc).view(np.uint8)
            start = env[shift]
            if start < 0 or start + mt.nbytes > raw.size or start % element_bytes(mt.elem):
                raise SimMisuseError(
                    f"memref.view{where(loc)}: {mt} at byte {start} does not fit (aligned) in {raw.size} bytes"
                )
            env[r] = view.derive(typed_view(raw[start : start + mt.nbytes], mt), mt.elem)

        return run

    def reshape(self, o: Any) -> Callable[[list], None]:
        loc = loc_str(o)
        name = o.name
        src = self.slot(o.operands[0], o)
        shape = memref_type(o.results[0].type).shape
        r = self.new_slot(o.results[0])

        def run(env):
            view = env[src]
            arr = view.check(name, loc)
            out = arr.view()
            try:
                out.shape = shape
            except AttributeError:
                raise SimMisuseError(
                    f"{name}{where(loc)}: cannot view a strided {arr.shape} memref as {shape}"
                ) from None
            env[r] = view.derive(out)

        return run

    # calls and AIE ops ------------------------------------------------------------------------

    def call(self, o: Any) -> Step:
        loc = loc_str(o)
        callee = attr_map(o)["callee"]
        name = sym_attr(callee)
        model = kernel_models.lookup(name)
        if model is None:
            raise SimError(
                f"func.call @{name}{where(loc)}: no simulator model for this kernel; known kernels: "
                f"{', '.join(kernel_models.known_kernels())} (add one with attn.sim.register_kernel)"
            )
        if len(o.results):
            raise SimError(f"func.call @{name}{where(loc)}: kernels return nothing; this call has results")
        self.device.check_kernel_decl(name, model, o)
        model = kernel_models.lookup(name, self.device.kernel_defines(name)) or model
        args = [self.slot(v, o) for v in o.operands]
        kinds = model.params
        scalar = [k in kernel_models.SCALAR_KINDS for k in kinds]
        conv = [(int if k == "i32" else float) if s else None for k, s in zip(kinds, scalar, strict=True)]

        def run(env):
            vals = [c(env[a]) if c is not None else env[a] for a, c in zip(args, conv, strict=True)]
            yield from env[0].call_kernel(model, vals, loc)

        return True, run

    def acquire(self, o: Any) -> Step:
        loc = loc_str(o)
        a = attr_map(o)
        port = _port(int_attr(a["port"]), o)
        fifo = sym_attr(a["objFifo_name"])
        n = int_attr(a["size"])
        results = [self.new_slot(v) for v in o.results]
        subview = len(results) == 1 and _is_subview(o.results[0].type)
        if not subview and len(results) != n:
            raise SimError(f"aie.objectfifo.acquire{where(loc)}: returns {len(results)} memrefs for size {n}")

        def run(env):
            views = yield from env[0].acquire(fifo, port, n, loc)
            if subview:
                env[results[0]] = views
            else:
                for s, v in zip(results, views, strict=True):
                    env[s] = v

        return True, run

    def release(self, o: Any) -> Step:
        loc = loc_str(o)
        a = attr_map(o)
        port = _port(int_attr(a["port"]), o)
        fifo = sym_attr(a["objFifo_name"])
        n = int_attr(a["size"])

        def run(env):
            # Work done before a release must be charged before the data is handed over.
            api = env[0]
            if api.pending:
                yield from api.flush()
            api.release(fifo, port, n, loc)

        return True, run

    def access(self, o: Any) -> Step:
        loc = loc_str(o)
        sv = self.slot(o.operands[0], o)
        index = int_attr(attr_map(o)["index"])
        r = self.new_slot(o.results[0])

        def run(env):
            views = env[sv]
            if index >= len(views):
                raise SimMisuseError(
                    f"aie.objectfifo.subview.access{where(loc)}: index {index} but only {len(views)} acquired"
                )
            env[r] = views[index]

        return False, run

    def use_lock(self, o: Any) -> Step:
        loc = loc_str(o)
        a = attr_map(o)
        lock = self.device.lock_of(o.operands[0])
        if lock is None:
            raise SimError(f"aie.use_lock{where(loc)}: operand is not an aie.lock")
        action = int_attr(a["action"])
        amount = self.slot(o.operands[1], o)  # the i32 lock amount (SSA operand)
        if "blocking" in a and int_attr(a["blocking"]) == 0:
            raise SimError(f"aie.use_lock{where(loc)}: NonBlocking locks are not supported by the simulator")
        if action == 1:  # Release

            def release(env):
                api = env[0]
                if api.pending:
                    yield from api.flush()
                api.lock_release(lock, int(env[amount]), loc)

            return True, release
        equal = action == 0  # Acquire waits for equality; AcquireGreaterEqual decrements

        def acquire(env):
            yield from env[0].lock_acquire(lock, int(env[amount]), equal, loc)

        return True, acquire


def _is_subview(t: Any) -> bool:
    """Whether `t` is an ``!aie.objectfifosubview`` (read through the aie type bindings)."""
    from .._mlir_libs import _attn

    fifo = _attn.objectfifo_object_type(t)
    return fifo is not None and bool(fifo[1])


def _port(value: int, o: Any) -> str:
    if value == 0:
        return "Produce"
    if value == 1:
        return "Consume"
    raise SimError(f"{o.name}{where(loc_str(o))}: unknown objectfifo port {value}")


def _check_index(ix: tuple, shape: tuple, what: str, loc: str) -> None:
    for i, n in zip(ix, shape, strict=True):
        if not 0 <= i < n:
            raise SimMisuseError(f"{what}{where(loc)}: index {list(ix)} is outside the memref of shape {list(shape)}")


def _cast_pre(kind: str, in_t: str, loc: str) -> Callable[[Any], Any]:
    w = _int_width(in_t)
    if kind in ("index_castui", "extui", "uitofp"):
        return lambda x: _unsigned(int(x), w or 64)
    if kind in ("sitofp",):
        return int
    if kind in ("fptosi", "fptoui"):

        def to_int(x):
            f = float(x)
            if math.isnan(f) or math.isinf(f):
                raise SimMisuseError(f"arith.{kind}{where(loc)}: cannot convert {f} to an integer")
            return int(f)

        return to_int
    return lambda x: x


def _bin(fn: Callable[[Any, Any], Any], norm: Callable[[Any], Any], a: int, b: int, r: int) -> Callable[[list], None]:
    def run(env):
        env[r] = norm(fn(env[a], env[b]))

    return run


def _make_block(steps: list[Step], scalar_ops: int) -> Step:
    if not any(g for g, _ in steps):
        fns = tuple(f for _, f in steps)

        def run_plain(env):
            for f in fns:
                f(env)
            env[0].pending += scalar_ops

        return False, run_plain

    seq = tuple(steps)

    def run_gen(env):
        env[0].pending += scalar_ops
        for g, f in seq:
            if g:
                yield from f(env)
            else:
                f(env)

    return True, run_gen


def initial_value(attr: Any, mt: MemType) -> np.ndarray:
    """numpy array of a DenseElementsAttr initial value."""
    from ..ir import DenseElementsAttr

    try:
        arr = np.array(DenseElementsAttr(attr))
    except Exception as e:  # noqa: BLE001 - binding raises several types
        raise SimError(f"cannot read initial value {attr} of a {mt} buffer: {e}") from None
    if arr.size == 1 and mt.numel > 1:
        arr = np.full(mt.numel, arr.reshape(-1)[0])
    return arr
