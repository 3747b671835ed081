"""What the ONNX and PyTorch frontends share: the layer record, the mask
classifier, the MLIR builder and the numerical check of one layer."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from ..errors import AttnError

# Additive mask entries at or below this count as "hidden" (-inf): exporters
# use finfo(float32).min, older models -10000.
MASKED_BELOW = -1.0e4

Values = Mapping[str, np.ndarray]


def require(package: str, who: str) -> Any:
    """Import `package` or raise an ImportError naming what to install."""
    try:
        return importlib.import_module(package)
    except ImportError as exc:
        pip = {"onnxruntime": "onnxruntime", "onnx": "onnx", "torch": "torch"}.get(package, package)
        raise ImportError(f"{who} needs the '{package}' package: pip install {pip} ({exc})") from None


@dataclass
class Operand:
    """One argument of a layer's function and how to compute it from the model's values."""

    role: str  # q, k, v, mask, bias, valid_len
    shape: tuple[int, ...]
    element: str  # MLIR element type: bf16/f16/f32 (the layer's), i1, i32
    sources: tuple[str, ...]  # model values (ONNX value names / FX node names) it is computed from
    compute: Callable[[Values], np.ndarray] = field(repr=False)
    description: str = ""


@dataclass
class AttentionLayer:
    """One attention found in a model: the facts of its ``attn.attention``."""

    name: str  # the function of the module holding it
    nodes: tuple[str, ...]  # the model's nodes it replaces (ONNX node names / FX node names)
    batch: int
    heads: int
    kv_heads: int
    q_len: int
    kv_len: int
    head_dim: int
    value_dim: int
    scale: float
    causal: str  # none / top_left / bottom_right
    operands: list[Operand]  # the function's arguments, in order
    output: str  # the model value holding the result
    output_to_bhld: Callable[[np.ndarray], np.ndarray] = field(repr=False)
    notes: list[str] = field(default_factory=list)

    def operand(self, role: str) -> Optional[Operand]:
        return next((o for o in self.operands if o.role == role), None)

    @property
    def shape(self) -> str:
        return (
            f"B={self.batch} H={self.heads} Hkv={self.kv_heads} Lq={self.q_len} Lk={self.kv_len} "
            f"D={self.head_dim} Dv={self.value_dim}"
        )


@dataclass
class Unmatched:
    """A Softmax (or attention op) the frontend could not map, and why."""

    node: str
    reason: str


@dataclass
class FrontendResult:
    """Everything a frontend found: the layers and the softmaxes it could not match."""

    layers: list[AttentionLayer]
    unmatched: list[Unmatched]
    dtype: str
    source: str  # "onnx" or "torch"

    def module_text(self) -> str:
        return module_text(self.layers, self.unmatched, self.dtype, self.source)

    def module(self) -> Any:
        from ..ir import Context, Module

        return Module.parse(self.module_text(), context=Context())


# ---------------------------------------------------------------------------
# Mask classification
# ---------------------------------------------------------------------------


@dataclass
class InputInfo:
    shape: tuple[int, ...]
    dtype: np.dtype


@dataclass
class MaskForm:
    """An additive score mask M (Softmax input = scale·QKᵀ + M), classified."""

    causal: str = "none"
    keep: Optional[np.ndarray] = None  # constant keep-mask (4-D, minimal broadcast shape), None: all visible
    bias: Optional[np.ndarray] = None  # constant additive bias (4-D, minimal shape), None: zero
    padding_input: Optional[str] = None  # model input [B, Lk]: key j of batch b visible iff input[b, j] != 0
    padding_inverted: bool = False  # ... iff input[b, j] == 0 (torch key_padding_mask)
    runtime: Optional[tuple[str, str]] = None  # (model input, "bool" | "additive"): the mask is that input


def _to4d(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a)
    if a.ndim > 4:
        raise AttnError(f"a mask of rank {a.ndim} (> 4)")
    return a.reshape((1,) * (4 - a.ndim) + a.shape)


def minimal(a: np.ndarray) -> np.ndarray:
    """`a` (4-D) with every axis it is constant along reduced to size 1."""
    for axis in range(a.ndim):
        if a.shape[axis] > 1:
            first = np.take(a, [0], axis=axis)
            if np.array_equal(np.broadcast_to(first, a.shape), a, equal_nan=True):
                a = first
    return a


def _split(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An additive mask as (keep, finite bias where kept)."""
    m = np.asarray(m, np.float64)
    keep = ~(m <= MASKED_BELOW) & ~np.isnan(m)
    return keep, np.where(keep, m, 0.0)


def _causal_kind(keep: np.ndarray, lq: int, lk: int) -> Optional[str]:
    full = np.broadcast_to(keep, keep.shape[:2] + (lq, lk))
    i, j = np.arange(lq)[:, None], np.arange(lk)[None, :]
    for kind, rule in (("top_left", j <= i), ("bottom_right", j <= i + (lk - lq))):
        if np.array_equal(full, np.broadcast_to(rule, full.shape)):
            return kind
    return None


def _padding_probes(batch: int, lk: int, rng: np.random.Generator) -> list[np.ndarray]:
    probes = []
    right = np.ones((batch, lk), np.int64)
    left = np.ones((batch, lk), np.int64)
    for b in range(batch):
        n = max(1, lk - 1 - (b * 3) % max(1, lk - 1))
        right[b, n:] = 0
        left[b, : lk - n] = 0
    scattered = (rng.random((batch, lk)) < 0.6).astype(np.int64)
    scattered[:, 0] = 1
    probes += [right, left, scattered]
    return probes


def _as_input(probe: np.ndarray, info: InputInfo) -> np.ndarray:
    if info.dtype == np.bool_:
        return probe.astype(bool)
    return probe.astype(info.dtype)


def _check_padding(
    evaluate: Callable[[dict[str, np.ndarray]], np.ndarray],
    pad_like: Mapping[str, InputInfo],
    keep1: np.ndarray,
    bias1: np.ndarray,
    scores: tuple[int, int, int, int],
    inverted: bool,
    rng: np.random.Generator,
) -> Optional[str]:
    batch, _, _, lk = scores
    name = next(iter(pad_like))
    for probe in _padding_probes(batch, lk, rng):
        visible = probe != 0
        feed = {n: _as_input(~visible if inverted else visible, i) for n, i in pad_like.items()}
        keep, bias = _split(_to4d(evaluate(feed)))
        shape = np.broadcast_shapes(keep.shape, keep1.shape, (batch, 1, 1, lk))
        want = np.broadcast_to(keep1, shape) & np.broadcast_to(visible[:, None, None, :], shape)
        if not np.array_equal(np.broadcast_to(keep, shape), want):
            return (
                f"the mask depends on model input '{name}' {tuple(pad_like[name].shape)} in a way that is not key "
                "padding (key j of batch b visible iff input[b, j] != 0, or iff it is 0)"
            )
        if not np.allclose(np.broadcast_to(bias, shape)[want], np.broadcast_to(bias1, shape)[want]):
            return f"the additive bias depends on model input '{name}'"
    return None


def classify_mask(
    evaluate: Callable[[dict[str, np.ndarray]], np.ndarray],
    inputs: Mapping[str, InputInfo],
    scores: tuple[int, int, int, int],
    seed: int = 0,
) -> MaskForm | str:
    """Classify the additive mask `evaluate(inputs) -> M` (broadcastable to `scores` = [B, H, Lq, Lk]).

    `inputs`: the model inputs M depends on. Returns a MaskForm or the reason it is not an
    attention mask the op can express (a string)."""
    batch, _, lq, lk = scores
    rng = np.random.default_rng(seed)
    pad_like = {
        n: i for n, i in inputs.items() if len(i.shape) == 2 and tuple(i.shape) == (batch, lk) and i.dtype != object
    }
    others = [n for n in inputs if n not in pad_like]
    if others and pad_like:
        return f"the mask depends on inputs {sorted(inputs)}, more than one key-padding mask"
    if len(others) > 1:
        return f"the mask depends on several model inputs ({', '.join(sorted(others))})"
    form = MaskForm()
    if len(others) == 1:
        name = others[0]
        info = inputs[name]
        if info.dtype == np.bool_:
            probe = rng.random(info.shape) < 0.7
            m = _to4d(evaluate({name: probe}))
            keep, bias = _split(m)
            want = _to4d(probe)
            if np.array_equal(np.broadcast_to(keep, m.shape), np.broadcast_to(want, m.shape)) and not bias.any():
                form.runtime = (name, "bool")
                return form
        elif np.issubdtype(info.dtype, np.floating):
            probe = rng.standard_normal(info.shape).astype(info.dtype)
            m = _to4d(evaluate({name: probe}))
            if np.allclose(np.broadcast_to(m, m.shape), np.broadcast_to(_to4d(probe), m.shape), rtol=1e-6, atol=0):
                form.runtime = (name, "additive")
                return form
        return f"the mask is computed from model input '{name}' {tuple(info.shape)}, not that input itself"

    base_inputs = {n: _as_input(np.ones((batch, lk)), i) for n, i in pad_like.items()}
    try:
        m1 = _to4d(evaluate(base_inputs))
    except Exception as exc:  # the mask subgraph could not be evaluated
        return f"cannot evaluate the mask subgraph: {type(exc).__name__}: {exc}"
    if m1.shape[-1] not in (1, lk) or (m1.shape[-2] not in (1, lq)):
        return f"the mask has shape {m1.shape}, not broadcastable to the scores {list(scores)}"
    keep1, bias1 = _split(m1)
    if pad_like:
        name = next(iter(pad_like))
        # Key j of batch b is visible iff input[b, j] != 0 (HF attention_mask), or iff it is 0
        # (torch key_padding_mask: True = ignore); with all-zero input for the latter.
        for inverted in (False, True):
            base = {n: _as_input(np.full((batch, lk), 0 if inverted else 1), i) for n, i in pad_like.items()}
            m1 = _to4d(evaluate(base))
            keep1, bias1 = _split(m1)
            reason = _check_padding(evaluate, pad_like, keep1, bias1, scores, inverted, rng)
            if reason is None:
                break
        if reason is not None:
            return reason
        form.padding_input = name
        form.padding_inverted = inverted
    keep1 = minimal(keep1)
    if not keep1.all():
        kind = _causal_kind(keep1, lq, lk) if keep1.shape[-2:] != (1, 1) else None
        if kind is not None:
            form.causal = kind
        else:
            form.keep = keep1
    if bias1.any():
        form.bias = minimal(bias1.astype(np.float32))
    return form


# ---------------------------------------------------------------------------
# Operands from a mask form
# ---------------------------------------------------------------------------


def mask_operands(
    form: MaskForm,
    scores: tuple[int, int, int, int],
    dtype: str,
    key_padding: str,
    values_of: Callable,
    input_shapes: Mapping[str, tuple[int, ...]],
) -> list[Operand]:
    """The mask / bias / valid_len operands of a classified mask (in that order).

    `values_of(name, values)` returns a model input's value as a numpy array.
    Raises ValueError for combinations the op cannot express."""
    batch, _, _, lk = scores
    ops: list[Operand] = []
    keep = form.keep
    if form.runtime is not None:
        name, kind = form.runtime

        def runtime(values: Values, name: str = name) -> np.ndarray:
            return _to4d(values_of(name, values))

        shape = (1,) * (4 - len(input_shapes[name])) + tuple(input_shapes[name])
        ops.append(
            Operand(
                "mask",
                shape,
                "i1" if kind == "bool" else dtype,
                (name,),
                runtime,
                f"{kind} mask: model input '{name}'",
            )
        )
    pad = form.padding_input
    if pad is not None and key_padding == "mask":
        inv = form.padding_inverted

        def padded(values: Values, pad: str = pad, keep: Optional[np.ndarray] = keep, inv: bool = inv) -> np.ndarray:
            a = np.asarray(values_of(pad, values))
            out = ((a == 0) if inv else (a != 0))[:, None, None, :]
            return out & keep if keep is not None else out

        shape = (batch, 1, 1, lk) if keep is None else np.broadcast_shapes(keep.shape, (batch, 1, 1, lk))
        desc = f"keep key j of batch b iff {pad}[b, j] {'==' if inv else '!='} 0"
        desc += " and the constant mask" if keep is not None else ""
        ops.append(Operand("mask", tuple(shape), "i1", (pad,), padded, desc))
        keep = None
    if keep is not None:
        if ops:
            raise AttnError("a constant mask together with a runtime mask input")
        const = keep.copy()
        ops.append(Operand("mask", const.shape, "i1", (), lambda values, c=const: c, "constant keep-mask"))
    if form.bias is not None:
        bias = form.bias.copy()
        ops.append(Operand("bias", bias.shape, dtype, (), lambda values, c=bias: c, "constant additive bias"))
    if pad is not None and key_padding == "valid_len":

        def lengths(values: Values, pad: str = pad, inv: bool = form.padding_inverted) -> np.ndarray:
            a = np.asarray(values_of(pad, values))
            a = (a == 0) if inv else (a != 0)
            n = a.sum(axis=-1)
            prefix = np.arange(a.shape[-1])[None, :] < n[:, None]
            if not np.array_equal(a, prefix):
                raise AttnError(
                    f"key_padding='valid_len' needs right padding, but input '{pad}' is not a prefix of ones in "
                    "every row; import with key_padding='mask'"
                )
            return n.astype(np.int32)

        ops.append(Operand("valid_len", (batch,), "i32", (pad,), lengths, f"valid_len[b] = sum({pad}[b] != 0)"))
    return ops


# ---------------------------------------------------------------------------
# MLIR
# ---------------------------------------------------------------------------


def _mlir_string(s: str) -> str:
    out = []
    for byte in s.encode("utf-8"):
        ch = chr(byte)
        if 0x20 <= byte < 0x7F and ch not in '"\\':
            out.append(ch)
        else:
            out.append(f"\\{byte:02X}")
    return '"' + "".join(out) + '"'


def _tensor(shape: tuple[int, ...], element: str) -> str:
    return "tensor<" + "".join(f"{d}x" for d in shape) + element + ">"


def layer_text(layer: AttentionLayer, dtype: str, source: str, name: Optional[str] = None) -> str:
    """One ``func.func`` holding the layer's ``attn.attention`` (arguments: its operands in order)."""
    q = _tensor((layer.batch, layer.heads, layer.q_len, layer.head_dim), dtype)
    k = _tensor((layer.batch, layer.kv_heads, layer.kv_len, layer.head_dim), dtype)
    v = _tensor((layer.batch, layer.kv_heads, layer.kv_len, layer.value_dim), dtype)
    o = _tensor((layer.batch, layer.heads, layer.q_len, layer.value_dim), dtype)
    args, extras = [], []
    for operand in layer.operands:
        t = _tensor(operand.shape, operand.element)
        args.append(f"%{operand.role}: {t}")
        if operand.role in ("mask", "bias", "valid_len"):
            extras.append(f"{operand.role}(%{operand.role} : {t})")
    if layer.causal != "none":
        extras.append(f"causal {layer.causal}")
    extras.append(f"scale {layer.scale:.17e}")
    nodes = ", ".join(_mlir_string(n) for n in layer.nodes)
    fname = name or layer.name
    attrs = f"attn.{source}_output = {_mlir_string(layer.output)}"
    return (
        f"func.func @{fname}({', '.join(args)}) -> {o} attributes {{{attrs}}} {{\n"
        f"  %o = attn.attention %q, %k, %v {' '.join(extras)} {{attn.{source}_nodes = [{nodes}]}}"
        f" : {q}, {k}, {v} -> {o}\n"
        f"  return %o : {o}\n}}\n"
    )


def module_text(layers: list[AttentionLayer], unmatched: list[Unmatched], dtype: str, source: str) -> str:
    entries = ", ".join(f"{{node = {_mlir_string(u.node)}, reason = {_mlir_string(u.reason)}}}" for u in unmatched)
    body = "".join(layer_text(layer, dtype, source) for layer in layers)
    return f"module attributes {{attn.{source}_unmatched = [{entries}]}} {{\n{body}}}\n"


# ---------------------------------------------------------------------------
# Numerical check of one layer
# ---------------------------------------------------------------------------


@dataclass
class LayerCheck:
    """One layer's errors against the model's own value of the attention (max |err| / max |ref|)."""

    layer: str
    nodes: tuple[str, ...]
    reference_error: float  # float64 attn.reference on the bf16-rounded operands vs the model
    cpu_error: Optional[float]  # CPU path (MLIR ExecutionEngine)
    sim_error: Optional[float]  # simulated AIE program (on the slice below)
    sim_slice: str  # what part of the layer was simulated
    sim_seconds: Optional[float]  # simulated array time of the slice (modeled)
    skipped: list[str] = field(default_factory=list)  # reasons a path was not run
    tolerance: float = 0.0

    @property
    def ok(self) -> bool:
        errs = [e for e in (self.cpu_error, self.sim_error) if e is not None]
        return not self.skipped and all(e <= self.tolerance for e in errs)


@dataclass
class CheckResult:
    layers: list[LayerCheck]
    unmatched: list[Unmatched]
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.layers)

    @property
    def worst_cpu_error(self) -> float:
        return max((c.cpu_error for c in self.layers if c.cpu_error is not None), default=0.0)

    @property
    def worst_sim_error(self) -> float:
        return max((c.sim_error for c in self.layers if c.sim_error is not None), default=0.0)


def _relerr(out: np.ndarray, ref: np.ndarray, rows: Optional[np.ndarray]) -> float:
    out = np.asarray(out, np.float64)
    diff, mag = np.abs(out - ref), np.abs(ref)
    if rows is not None:
        keep = np.broadcast_to(rows, ref.shape)
        diff, mag = diff[keep], mag[keep]
    if not diff.size:
        return 0.0
    peak = float(mag.max())
    return float(diff.max()) / peak if peak > 0 else float(diff.max())


# Layers with at most this many scores (B·H·Lq·Lk) are simulated whole, larger ones on a slice.
SIM_WHOLE_SCORES = 1 << 16


def _slice_layer(layer: AttentionLayer, arrays: list[np.ndarray], heads: int) -> tuple[AttentionLayer, list, str]:
    """The whole layer if it is small, else batch 0 and up to `heads` query heads with their kv heads."""
    if layer.batch * layer.heads * layer.q_len * layer.kv_len <= SIM_WHOLE_SCORES:
        return layer, arrays, "whole layer"
    group = layer.heads // layer.kv_heads
    kv = min(layer.kv_heads, max(1, heads // group))
    h = min(group, heads) if kv == 1 else kv * group
    if layer.batch == 1 and kv == layer.kv_heads and h == layer.heads:
        return layer, arrays, "whole layer"
    sliced, ops = [], []
    for operand, a in zip(layer.operands, arrays, strict=True):
        a = np.asarray(a)
        if operand.role == "q":
            a = a[:1, :h]
        elif operand.role in ("k", "v"):
            a = a[:1, :kv]
        elif operand.role == "valid_len":
            a = a[:1]
        else:
            a = a[: 1 if a.shape[0] > 1 else None, : h if a.shape[1] > 1 else None]
        sliced.append(a)
        ops.append(Operand(operand.role, tuple(a.shape), operand.element, operand.sources, operand.compute))
    small = AttentionLayer(
        layer.name,
        layer.nodes,
        1,
        h,
        kv,
        layer.q_len,
        layer.kv_len,
        layer.head_dim,
        layer.value_dim,
        layer.scale,
        layer.causal,
        ops,
        layer.output,
        layer.output_to_bhld,
    )
    return small, sliced, f"batch 0, kv heads 0..{kv - 1}, query heads 0..{h - 1}"


def check_layer(
    layer: AttentionLayer,
    values: Values,
    dtype: str,
    source: str,
    target: str = "npu2",
    simulate: bool = True,
    sim_heads: int = 2,
    tolerance: float = 2e-2,
) -> LayerCheck:
    """Run `layer` on the CPU path and in the simulator on the operands computed from the model's
    `values` and compare both with the model's value of the attention (`layer.output`)."""
    from .. import reference, sim
    from ..compiler import compile, run_on_cpu

    arrays = [op.compute(values) for op in layer.operands]
    for operand, a in zip(layer.operands, arrays, strict=True):
        if tuple(np.shape(a)) != tuple(operand.shape):
            raise AttnError(
                f"layer {layer.name}: operand '{operand.role}' computed from {operand.sources} has shape "
                f"{np.shape(a)}, the layer expects {operand.shape}"
            )
    expected = np.asarray(layer.output_to_bhld(np.asarray(values[layer.output])), np.float64)
    roles = {op.role: a for op, a in zip(layer.operands, arrays, strict=True)}
    rows = None
    if "valid_len" in roles:
        rows = (np.arange(layer.q_len)[None, :] < roles["valid_len"][:, None])[:, None, :, None]
    rounded = {r: reference.round_to_dtype(roles[r], dtype) for r in ("q", "k", "v")}
    kwargs: dict[str, Any] = {"causal": layer.causal, "scale": layer.scale}
    if "mask" in roles:
        m = roles["mask"]
        kwargs["mask"] = m if m.dtype == np.bool_ else reference.round_to_dtype(m, dtype)
    if "bias" in roles:
        kwargs["bias"] = reference.round_to_dtype(roles["bias"], dtype)
    if "valid_len" in roles:
        kwargs["valid_len"] = roles["valid_len"]
    ref = reference.attention(rounded["q"], rounded["k"], rounded["v"], **kwargs)
    skipped: list[str] = []
    ref_err = _relerr(ref, expected, rows)
    text = "module {\n" + layer_text(layer, dtype, source, name="attention") + "}\n"
    cpu_err = _relerr(run_on_cpu(text, *arrays, target=target), expected, rows)
    sim_err = sim_s = None
    what = "not simulated"
    if simulate:
        small, sliced, what = _slice_layer(layer, arrays, sim_heads)
        small_text = "module {\n" + layer_text(small, dtype, source, name="attention") + "}\n"
        b, h = small.batch, small.heads
        try:
            program = compile(small_text, target=target)
        except ValueError as exc:
            skipped.append(f"simulator: the AIE path rejects the slice ({what}): {exc}")
        else:
            run = sim.run(program, *sliced)
            srows = None if rows is None else rows[:b]
            sim_err = _relerr(run.output, expected[:b, :h], srows)
            sim_s = run.seconds
    return LayerCheck(layer.name, layer.nodes, ref_err, cpu_err, sim_err, what, sim_s, skipped, tolerance)
