"""Python entry points of the compiler: build attention layers and run them
on the host CPU through the MLIR ExecutionEngine.

* :func:`attention_layer` builds a module holding one ``attn.attention``.
* :func:`run_on_cpu` lowers a module with ``attn-lower-to-cpu`` plus the
  upstream bufferization / LLVM passes, JIT-compiles it and runs it on numpy
  arrays. Compiled engines are cached per (module text, pipeline).

Arrays at the boundary: ``bf16`` operands accept ``ml_dtypes.bfloat16``
arrays, ``uint16`` arrays holding bf16 bit patterns, or any float array (it
is rounded to bf16, round-to-nearest-even); ``f16``/``f32`` operands accept
any float array (rounded to the operand type). Boolean masks take ``bool``
arrays, ``valid_len`` an integer array. A bf16 result is returned as an
``ml_dtypes.bfloat16`` array when ml_dtypes is installed, otherwise as
float32 holding the exact bf16 values.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import dataclasses
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Optional, Union

import numpy as np

from .aie_compile import AIEPipelineOptions, CompiledProgram, compile  # noqa: A004
from .errors import AttnError, from_mlir_error
from .pipeline_options import (
    FoldMode,
    FoldOptions,
    IntermediateType,
    Mapping,
    PassOptions,
    TileOptions,
    parse_pipeline,
    render_pipeline,
)
from .reference import CAUSAL_KINDS, DTYPES, round_to_dtype

__all__ = [
    "AIEPipelineOptions",
    "CompiledProgram",
    "compile",
    "FOLD_MODES",
    "FoldMode",
    "FoldOptions",
    "IntermediateType",
    "MASK_KINDS",
    "Mapping",
    "PassOptions",
    "TileOptions",
    "parse_pipeline",
    "render_pipeline",
    "CPU_LOWERING_PIPELINE",
    "attention_layer",
    "cpu_pipeline",
    "run_on_cpu",
    "clear_engine_cache",
    "from_storage",
    "to_storage",
]

MASK_KINDS = (None, "bool", "additive")

# Upstream passes that take the output of attn-lower-to-cpu (linalg on
# tensors) to the LLVM dialect. arith-expand{include-bf16} rewrites bf16
# conversions into integer code (round-to-nearest-even), so the JIT needs no
# bf16 support from the host CPU or its runtime library.
CPU_LOWERING_PIPELINE = (
    "canonicalize",
    "cse",
    "one-shot-bufferize{bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map}",
    "buffer-deallocation-pipeline",
    "attn-strided-copy-to-linalg",
    "convert-linalg-to-loops",
    "expand-strided-metadata",
    "lower-affine",
    # Simpler index arithmetic in the loop nests: less work for LLVM -O2.
    "canonicalize",
    "loop-invariant-code-motion",
    "cse",
    "arith-expand{include-bf16=true}",
    "convert-scf-to-cf",
    "convert-math-to-llvm",
    "convert-arith-to-llvm",
    "convert-index-to-llvm",
    "attn-lower-i1-memref-access",
    "finalize-memref-to-llvm",
    "convert-cf-to-llvm",
    "convert-func-to-llvm",
    "convert-ub-to-llvm",
    "reconcile-unrealized-casts",
)

_ELEMENT_TYPES = {"bf16": "bf16", "f16": "f16", "f32": "f32"}


# ---------------------------------------------------------------------------
# Building layers
# ---------------------------------------------------------------------------


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise AttnError(f"{name} must be a positive integer, got {value!r}")
    if value <= 0:
        raise AttnError(f"{name} must be a positive integer, got {value}")
    return int(value)


def attention_layer(
    batch: int,
    heads: int,
    kv_heads: int,
    q_len: int,
    kv_len: int,
    head_dim: int,
    *,
    dtype: str = "bf16",
    causal: str = "none",
    mask: Optional[str] = None,
    bias: bool = False,
    dynamic: bool = False,
):
    """A module with one function ``@attention`` holding one ``attn.attention``.

    Arguments of ``@attention``, in order (layout ``bhld``, element type
    ``dtype`` unless said otherwise):

    * ``q`` ``[batch, heads, q_len, head_dim]``, ``k`` and ``v``
      ``[batch, kv_heads, kv_len, head_dim]``;
    * ``mask`` ``[batch, 1, q_len, kv_len]`` (broadcast over heads) when
      ``mask`` is ``"bool"`` (``i1`` keep-mask, true = attend) or
      ``"additive"`` (added to the scores);
    * ``bias`` ``[1, heads, q_len, kv_len]`` (per-head additive bias, e.g.
      ALiBi) when ``bias`` is true;
    * ``valid_len`` ``[batch]`` ``i32`` when ``dynamic`` is true.

    The result is ``[batch, heads, q_len, head_dim]``. With ``dynamic=True``
    both lengths are ``?`` in the IR (``q_len``/``kv_len`` still describe
    the intended bucket and are validated) and one compiled program serves
    every length. Invalid arguments raise ``ValueError`` naming the argument.
    """
    from .ir import Context, Location, Module

    batch = _positive_int("batch", batch)
    heads = _positive_int("heads", heads)
    kv_heads = _positive_int("kv_heads", kv_heads)
    q_len = _positive_int("q_len", q_len)
    kv_len = _positive_int("kv_len", kv_len)
    head_dim = _positive_int("head_dim", head_dim)
    if heads % kv_heads != 0:
        raise AttnError(f"heads ({heads}) must be a multiple of kv_heads ({kv_heads})")
    if dtype not in DTYPES:
        raise AttnError(f"dtype must be one of {DTYPES}, got {dtype!r}")
    if causal not in CAUSAL_KINDS:
        raise AttnError(f"causal must be one of {CAUSAL_KINDS}, got {causal!r}")
    if mask not in MASK_KINDS:
        raise AttnError(f"mask must be one of {MASK_KINDS}, got {mask!r}")
    if not isinstance(bias, bool):
        raise AttnError(f"bias must be a bool, got {bias!r}")
    if not isinstance(dynamic, bool):
        raise AttnError(f"dynamic must be a bool, got {dynamic!r}")

    et = _ELEMENT_TYPES[dtype]
    lq = "?" if dynamic else str(q_len)
    lk = "?" if dynamic else str(kv_len)
    q_t = f"tensor<{batch}x{heads}x{lq}x{head_dim}x{et}>"
    kv_t = f"tensor<{batch}x{kv_heads}x{lk}x{head_dim}x{et}>"
    args = [f"%q: {q_t}", f"%k: {kv_t}", f"%v: {kv_t}"]
    extras = []
    if mask is not None:
        m_t = f"tensor<{batch}x1x{lq}x{lk}x{'i1' if mask == 'bool' else et}>"
        args.append(f"%mask: {m_t}")
        extras.append(f"mask(%mask : {m_t})")
    if bias:
        b_t = f"tensor<1x{heads}x{lq}x{lk}x{et}>"
        args.append(f"%bias: {b_t}")
        extras.append(f"bias(%bias : {b_t})")
    if dynamic:
        vl_t = f"tensor<{batch}xi32>"
        args.append(f"%valid_len: {vl_t}")
        extras.append(f"valid_len(%valid_len : {vl_t})")
    if causal != "none":
        extras.append(f"causal {causal}")
    text = (
        f"func.func @attention({', '.join(args)}) -> {q_t} {{\n"
        f"  %o = attn.attention %q, %k, %v {' '.join(extras)} : {q_t}, {kv_t}, {kv_t} -> {q_t}\n"
        f"  return %o : {q_t}\n"
        "}\n"
    )
    with Context(), Location.unknown():
        return Module.parse(text)


# ---------------------------------------------------------------------------
# Running on the CPU
# ---------------------------------------------------------------------------


FOLD_MODES = ("auto", "unfolded", "partial", "full", "online")


def _fold_and_tile(
    fold: Union[str, FoldOptions, None], target: Optional[str], tile_options: dict[str, Any]
) -> list[PassOptions]:
    """The attn-fold / attn-tile options run_on_cpu applies (empty for fold=None)."""
    tile_options = dict(tile_options)
    if fold is None:
        if tile_options:
            raise AttnError(f"tile options {sorted(tile_options)} need a fold mode (fold=None lowers level 1 directly)")
        return []
    if isinstance(fold, FoldOptions):
        fold_opts = fold
    elif isinstance(fold, str):
        if fold not in FOLD_MODES:
            raise AttnError(f"fold must be one of {FOLD_MODES}, a FoldOptions or None, got {fold!r}")
        extra = (
            {"intermediate_type": tile_options.pop("intermediate_type")} if "intermediate_type" in tile_options else {}
        )
        if tile_options.get("allow_precision_loss"):  # fold's auto mode costs the same datapath
            extra["allow_precision_loss"] = True
        fold_opts = FoldOptions(mode=fold, target=target if target is not None else "npu2", **extra)
    else:
        raise AttnError(f"fold must be one of {FOLD_MODES}, a FoldOptions or None, got {fold!r}")
    if target is None:
        if tile_options:
            raise AttnError(f"tile options {sorted(tile_options)} need a target (target=None folds without tiling)")
        return [fold_opts]
    known = {f.name for f in dataclasses.fields(TileOptions)} - {"target"}
    unknown = sorted(set(tile_options) - known)
    if unknown:
        raise AttnError(f"unknown tile option(s) {unknown}; expected some of {sorted(known)} or intermediate_type")
    return [fold_opts, TileOptions(target=target, **tile_options)]


def cpu_pipeline(
    fold: Union[str, FoldOptions, None] = "auto", target: Optional[str] = "npu2", **tile_options: Any
) -> str:
    """The textual pass pipeline :func:`run_on_cpu` applies to a module.

    ``fold=None`` lowers the module as it is: ``attn.attention`` directly
    (level 1), or a module that is already folded/tiled (it is padded to its
    plans by attn-pad-and-mask, a no-op elsewhere, and lowered). Otherwise the
    layer is folded (``attn-fold``; ``fold`` is a mode or a
    :class:`FoldOptions`), tiled for ``target`` (``attn-tile`` with
    ``tile_options``, the fields of :class:`TileOptions`), padded to its
    tiles (``attn-pad-and-mask``) and lowered stage by stage.
    ``target=None`` folds without tiling or padding (stages without a plan
    run untiled). ``intermediate_type`` may be given with the tile options; it
    goes to attn-fold.
    """
    passes: list[Union[PassOptions, str]] = list(_fold_and_tile(fold, target, tile_options))
    if len(passes) != 1:  # tiled, or already tiled by the caller (fold=None)
        passes.append("attn-pad-and-mask")
    passes += ["attn-lower-to-cpu", *CPU_LOWERING_PIPELINE]
    return render_pipeline(*passes)


@dataclass(frozen=True)
class _ArgType:
    """A function argument or result type: shape (None = dynamic) and element."""

    shape: tuple[Optional[int], ...]
    element: str  # bf16, f16, f32, i1, i32, ...


def _arg_type(t: Any) -> _ArgType:
    """Shape and element name of a ranked tensor type (read through the
    type accessors)."""
    from .ir import RankedTensorType

    try:
        tensor = RankedTensorType(t)
    except ValueError:
        raise AttnError(f"run_on_cpu: only ranked tensor arguments/results are supported, got {t}") from None
    shape = tuple(None if tensor.is_dynamic_dim(i) else tensor.get_dim_size(i) for i in range(tensor.rank))
    return _ArgType(shape, str(tensor.element_type))


_STORAGE = {"bf16": np.uint16, "f16": np.float16, "f32": np.float32, "i1": np.bool_, "i32": np.int32, "i64": np.int64}


class _Compiled:
    """A JIT-compiled function with the types of its arguments and results.

    ``roles`` maps the operands of the function's ``attn.attention`` (when it
    reads the function arguments directly, as attention_layer builds it) to
    argument numbers, so that run_on_cpu can check the relations between
    dynamic sizes before the compiled code reads out of bounds.
    """

    def __init__(
        self,
        engine: Any,
        name: str,
        args: list[_ArgType],
        results: list[_ArgType],
        roles: Optional[dict[str, int]],
        blhd: bool,
        keep: Any,
    ):
        self.engine = engine
        self.name = name
        self.args = args
        self.results = results
        self.roles = roles
        self.blhd = blhd
        self._keep = keep  # context/module the engine was built from


_ENGINE_CACHE: OrderedDict[tuple[str, str], _Compiled] = OrderedDict()
_ENGINE_CACHE_SIZE = 128
_CACHE_LOCK = threading.Lock()


def clear_engine_cache() -> None:
    """Drop every cached compiled program."""
    with _CACHE_LOCK:
        _ENGINE_CACHE.clear()


def _entry_function(module: Any) -> Any:
    from .dialects import func

    funcs = [op for op in module.body.operations if isinstance(op, func.FuncOp) and not op.is_external]
    public = [f for f in funcs if "sym_visibility" not in f.attributes]
    if len(public) != 1:
        raise AttnError(f"run_on_cpu: the module must define exactly one public function, found {len(public)}")
    return public[0]


def _compile(text: str, pipeline: str, opt_level: int) -> _Compiled:
    from .ir import Context, Location, MLIRError

    ctx = Context()
    with ctx, Location.unknown():
        try:
            return _compile_in(ctx, text, pipeline, opt_level)
        except MLIRError as exc:  # a verifier or pass rejected the module
            raise from_mlir_error("run_on_cpu: the module was rejected", exc) from None


def _compile_in(ctx: Any, text: str, pipeline: str, opt_level: int) -> _Compiled:
    from .execution_engine import ExecutionEngine
    from .ir import FunctionType, Module, StringAttr, UnitAttr
    from .passmanager import PassManager

    module = Module.parse(text)
    entry = _entry_function(module)
    name = StringAttr(entry.attributes["sym_name"]).value
    ftype = FunctionType(entry.attributes["function_type"].value)
    args = [_arg_type(t) for t in ftype.inputs]
    results = [_arg_type(t) for t in ftype.results]
    for i, a in enumerate(args + results):
        if a.element not in _STORAGE:
            raise AttnError(f"run_on_cpu: unsupported element type {a.element} (argument/result {i})")
    roles, blhd = _attention_roles(entry)
    entry.attributes["llvm.emit_c_interface"] = UnitAttr.get()
    PassManager.parse(pipeline).run(module.operation)
    engine = ExecutionEngine(module, opt_level=opt_level)
    return _Compiled(engine, name, args, results, roles, blhd, (ctx, module))


def _attention_roles(entry: Any) -> tuple[Optional[dict[str, int]], bool]:
    """Argument numbers of q/k/v/mask/bias/valid_len of the single
    attn.attention in ``entry`` if it reads the arguments directly."""
    from .ir import BlockArgument

    ops = [op for op in entry.entry_block.operations if op.operation.name == "attn.attention"]
    if len(ops) != 1:
        return None, False
    op = ops[0]
    roles: dict[str, int] = {}
    for role in ("query", "key", "value", "mask", "bias", "valid_len"):
        value = getattr(op, role)
        if value is None:
            continue
        if not isinstance(value, BlockArgument) or value.owner != entry.entry_block:
            return None, False
        roles[role] = value.arg_number
    return roles, int(op.layout) == 1


def _check_attention_shapes(compiled: _Compiled, arrays: list[np.ndarray]) -> None:
    """The shape relations of attn.attention on the actual arrays (dynamic
    dimensions are only known now)."""
    roles = compiled.roles
    if roles is None:
        return

    def arg(role: str) -> np.ndarray:
        return arrays[roles[role]]

    def name(role: str) -> str:
        return f"argument {roles[role]} ({role})"

    length, heads = (1, 2) if compiled.blhd else (2, 1)
    q, k, v = arg("query"), arg("key"), arg("value")
    batch, num_heads, q_len, head_dim = q.shape[0], q.shape[heads], q.shape[length], q.shape[3]
    kv_heads, kv_len = k.shape[heads], k.shape[length]
    checks = [
        (k.shape[0] == batch and v.shape[0] == batch, f"batch sizes differ: q {batch}, k {k.shape[0]}, v {v.shape[0]}"),
        (v.shape[heads] == kv_heads, f"{name('key')} has {kv_heads} heads but {name('value')} has {v.shape[heads]}"),
        (kv_heads > 0 and num_heads % kv_heads == 0, f"query heads {num_heads} are not a multiple of {kv_heads}"),
        (k.shape[3] == head_dim, f"head dim of {name('query')} ({head_dim}) differs from {name('key')}"),
        (v.shape[length] == kv_len, f"{name('key')} length {kv_len} differs from {name('value')} ({v.shape[length]})"),
    ]
    for ok, message in checks:
        if not ok:
            raise AttnError(f"run_on_cpu: {message}")
    scores = (batch, num_heads, q_len, kv_len)
    for role in ("mask", "bias"):
        if role not in roles:
            continue
        a, declared = arg(role), compiled.args[roles[role]].shape
        for i, (size, static) in enumerate(zip(a.shape, declared, strict=True)):
            want = scores[4 - a.ndim + i]
            if static != 1 and size != want:
                raise AttnError(
                    f"run_on_cpu: {name(role)} has shape {a.shape}; dimension {i} must be {want} "
                    f"to match the scores [B, H, Lq, Lk] = {list(scores)}"
                )
    if "valid_len" in roles and arg("valid_len").shape != (batch,):
        raise AttnError(f"run_on_cpu: {name('valid_len')} must have shape ({batch},), got {arg('valid_len').shape}")


def _engine_for(text: str, pipeline: str, opt_level: int) -> _Compiled:
    key = (text, f"{pipeline} O{opt_level}")
    with _CACHE_LOCK:
        hit = _ENGINE_CACHE.get(key)
        if hit is not None:
            _ENGINE_CACHE.move_to_end(key)
            return hit
    compiled = _compile(text, pipeline, opt_level)
    with _CACHE_LOCK:
        _ENGINE_CACHE[key] = compiled
        while len(_ENGINE_CACHE) > _ENGINE_CACHE_SIZE:
            _ENGINE_CACHE.popitem(last=False)
    return compiled


def to_storage(array: Any, element: str, name: str = "array") -> np.ndarray:
    """``array`` as a C-contiguous numpy array in the storage format of the
    MLIR element type ``element`` (bf16 as uint16 bit patterns)."""
    a = np.asarray(array)
    if element == "bf16":
        if a.dtype == np.uint16:
            out = a
        elif a.dtype.name == "bfloat16":
            out = a.view(np.uint16)
        elif a.dtype.kind in "fiu" and a.dtype != np.bool_:
            out = (round_to_dtype(a, "bf16").view(np.uint32) >> 16).astype(np.uint16)
        else:
            raise AttnError(f"{name}: cannot convert dtype {a.dtype} to bf16")
    elif element in ("f16", "f32"):
        if (a.dtype.kind not in "fiu" and a.dtype.name != "bfloat16") or a.dtype == np.bool_:
            raise AttnError(f"{name}: cannot convert dtype {a.dtype} to {element}")
        if a.dtype == _STORAGE[element]:
            out = a
        else:
            # Through float32, exactly as attn.reference.round_to_dtype rounds.
            out = round_to_dtype(a.astype(np.float32), element).astype(_STORAGE[element])
    elif element == "i1":
        if a.dtype != np.bool_:
            raise AttnError(f"{name}: a boolean (i1) mask must be a bool array, got dtype {a.dtype}")
        out = a
    else:
        if a.dtype.kind not in "iu":
            raise AttnError(f"{name}: expected an integer array for {element}, got dtype {a.dtype}")
        info = np.iinfo(_STORAGE[element])
        if a.size and (a.min() < info.min or a.max() > info.max):
            raise AttnError(f"{name}: values do not fit in {element}")
        out = a.astype(_STORAGE[element], copy=False)
    return np.ascontiguousarray(out)


def from_storage(array: np.ndarray, element: str) -> np.ndarray:
    """Inverse of :func:`to_storage` for results (see the module docstring)."""
    if element != "bf16":
        return array
    try:
        import ml_dtypes

        return array.view(ml_dtypes.bfloat16)
    except ImportError:
        return (array.astype(np.uint32) << 16).view(np.float32)


def _descriptor_type(rank: int) -> type:
    fields = [
        ("allocated", ctypes.c_void_p),
        ("aligned", ctypes.c_void_p),
        ("offset", ctypes.c_int64),
    ]
    if rank:
        fields += [("sizes", ctypes.c_int64 * rank), ("strides", ctypes.c_int64 * rank)]
    return type(f"MemRef{rank}D", (ctypes.Structure,), {"_fields_": fields})


def _descriptor(array: np.ndarray) -> ctypes.Structure:
    desc = _descriptor_type(array.ndim)()
    desc.allocated = array.ctypes.data
    desc.aligned = array.ctypes.data
    desc.offset = 0
    if array.ndim:
        desc.sizes[:] = list(array.shape)
        desc.strides[:] = [s // array.itemsize for s in array.strides]
    return desc


_LIBC = ctypes.CDLL(ctypes.util.find_library("c"))
_LIBC.free.argtypes = [ctypes.c_void_p]


def _take_result(desc: ctypes.Structure, element: str, rank: int, inputs: list[np.ndarray]) -> np.ndarray:
    """Copies a memref returned by compiled code into numpy and frees it
    (unless it is one of the caller's input buffers)."""
    dtype = np.dtype(_STORAGE[element])
    sizes = list(desc.sizes) if rank else []
    strides = list(desc.strides) if rank else []
    count = int(np.prod(sizes)) if sizes else 1
    out = np.empty(sizes, dtype=dtype)
    if count:
        span = 1 + sum((s - 1) * st for s, st in zip(sizes, strides, strict=True)) if sizes else 1
        base = desc.aligned + desc.offset * dtype.itemsize
        raw = (ctypes.c_char * (span * dtype.itemsize)).from_address(base)
        view = np.lib.stride_tricks.as_strided(
            np.frombuffer(raw, dtype=dtype), shape=sizes, strides=[st * dtype.itemsize for st in strides]
        )
        out[...] = view
    if desc.allocated and desc.allocated not in {a.ctypes.data for a in inputs}:
        _LIBC.free(desc.allocated)
    return out


# LLVM's -O2 costs 0.2-3 s per program (mostly IndVarSimplify on the deep
# loop nests) and runs the loops ~10x faster than -O0. Below this many
# multiply-adds the unoptimised code finishes before -O2 would have compiled.
_O2_MIN_MULTIPLY_ADDS = 1e8


def _opt_level(arrays: tuple[Any, ...]) -> int:
    """LLVM optimisation level for a call: 2 for large layers, else 0.

    The work is estimated from the first two arguments (Q and K):
    Q elements x K rows per batch entry.
    """
    if len(arrays) < 2:
        return 2
    q, k = np.asarray(arrays[0]), np.asarray(arrays[1])
    if q.ndim < 2 or k.ndim < 2 or k.shape[0] == 0 or k.shape[-1] == 0:
        return 2
    work = float(q.size) * (k.size / k.shape[0] / k.shape[-1])
    return 2 if work >= _O2_MIN_MULTIPLY_ADDS else 0


def _module_text(module: Any) -> str:
    if isinstance(module, str):
        return module
    op = getattr(module, "operation", None)
    if op is None:
        raise AttnError(f"module must be an attn.ir.Module or MLIR text, got {type(module).__name__}")
    return str(op)


def run_on_cpu(
    module: Any,
    *arrays: Any,
    fold: Union[str, FoldOptions, None] = "auto",
    target: Optional[str] = "npu2",
    **tile_options: Any,
) -> np.ndarray:
    """Run the module's single public function on the host CPU.

    ``arrays`` are the function arguments in order; float arrays are rounded
    to the argument's element type first. Returns the single result as a
    numpy array (bf16: see the module docstring). Arguments whose shapes
    disagree with the function type raise ``ValueError`` naming the
    argument; a verifier or pass that rejects the module raises
    :class:`attn.AttnError` (a ``ValueError``) carrying its diagnostics.

    f16 and f32 layers are tiled like bf16 ones (the target table runs their
    matmuls on the bf16 matmul); the CPU path computes them in their own type.

    Programs are compiled once per (module text, pipeline, LLVM level) and
    cached; small layers are JIT-compiled at -O0 (faster to compile than to
    optimise), layers of 1e8 multiply-adds or more at -O2.
    """
    text = _module_text(module)
    compiled = _engine_for(text, cpu_pipeline(fold, target, **tile_options), _opt_level(arrays))
    if len(arrays) != len(compiled.args):
        raise AttnError(
            f"run_on_cpu: @{compiled.name} takes {len(compiled.args)} arguments, {len(arrays)} arrays were given"
        )
    storage = []
    for i, (a, t) in enumerate(zip(arrays, compiled.args, strict=True)):
        arr = to_storage(a, t.element, name=f"argument {i}")
        if arr.ndim != len(t.shape) or any(d is not None and d != s for d, s in zip(t.shape, arr.shape, strict=True)):
            shape = "x".join("?" if d is None else str(d) for d in t.shape)
            raise AttnError(f"run_on_cpu: argument {i} has shape {arr.shape}, @{compiled.name} expects {shape}")
        storage.append(arr)
    _check_attention_shapes(compiled, storage)
    descs = [_descriptor(a) for a in storage]
    result_descs = [_descriptor_type(len(r.shape))() for r in compiled.results]
    if len(result_descs) > 1:
        raise AttnError(f"run_on_cpu: @{compiled.name} returns {len(result_descs)} values; one is supported")
    ptrs = [ctypes.pointer(ctypes.pointer(d)) for d in result_descs + descs]
    compiled.engine.invoke(compiled.name, *ptrs)
    outs = [
        from_storage(_take_result(d, r.element, len(r.shape), storage), r.element)
        for d, r in zip(result_descs, compiled.results, strict=True)
    ]
    return outs[0]
