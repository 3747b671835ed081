"""ONNX frontend: find the attention layers of an ONNX graph.

>>> from attn.frontends import onnx as fe
>>> module = fe.import_model("model.onnx")          # doctest: +SKIP
>>> found = fe.find_attention("model.onnx")          # layers + unmatched softmaxes, as dataclasses
>>> fe.check("model.onnx", {"input_ids": ids})       # vs onnxruntime, CPU path and simulator

Matched (docs/frontends.md): the ONNX ``Attention`` op (opset 23+), and the
decomposed form exporters emit, ``Softmax(scale·Q·Kᵀ + mask/bias)·V``: a MatMul,
scalar Mul/Div on the scores or on Q/K, additive masks (Add) and Where-masks
between it and a Softmax over the last axis, then a MatMul with V (through
Cast/Dropout/the NaN guard of SDPA). K/V repeated for GQA (Unsqueeze/Expand/
Reshape, Tile) is recognized and verified by evaluating the layout chain. The
mask is classified by evaluating its subgraph (``onnx.reference``): causal
(top-left or bottom-right), constant masks and biases, key padding computed
from a ``[B, Lk]`` attention-mask input, or a mask that is itself a model input.
Every Softmax that does not fit is reported with the reason.

Needs the ``onnx`` package (``check`` also ``onnxruntime``), imported lazily.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from pathlib import Path
from typing import Any, Optional, Union

import numpy as np

from ..errors import AttnError
from ._common import (
    AttentionLayer,
    CheckResult,
    FrontendResult,
    InputInfo,
    MaskForm,
    Operand,
    Unmatched,
    check_layer,
    classify_mask,
    mask_operands,
    require,
)

__all__ = ["check", "find_attention", "import_model"]

_WHO = "attn.frontends.onnx"
_ELEMENTWISE = {"Add", "Sub", "Mul", "Div", "Where", "Cast", "CastLike", "Max", "Min", "Identity"}
_LAYOUT = {"Reshape", "Transpose", "Expand", "Unsqueeze", "Squeeze", "Tile", "Identity", "Flatten"}
_PASS_PROBS = {"Cast", "CastLike", "Dropout", "Identity"}
_DTYPES = ("bf16", "f16", "f32")
_KEY_PADDING = ("mask", "valid_len")


def _onnx() -> Any:
    return require("onnx", _WHO)


class _Graph:
    """An inferred ONNX graph with producer/consumer maps, constants and static types."""

    def __init__(self, model: Any):
        onnx = _onnx()
        from onnx import numpy_helper

        self.model = model
        g = model.graph
        self.nodes = list(g.node)
        self.order = {id(n): i for i, n in enumerate(self.nodes)}
        self.inits = {i.name: i for i in g.initializer}
        self.producer = {o: n for n in self.nodes for o in n.output if o}
        self.consumers: dict[str, list] = defaultdict(list)
        for n in self.nodes:
            for i in n.input:
                if i:
                    self.consumers[i].append(n)
        self.inputs = [i.name for i in g.input if i.name not in self.inits]
        self.outputs = {o.name for o in g.output}
        self.types: dict[str, tuple[Optional[tuple], int]] = {}
        for vi in list(g.input) + list(g.value_info) + list(g.output):
            t = vi.type.tensor_type
            if not vi.type.HasField("tensor_type"):
                continue
            shape = None
            if t.HasField("shape"):
                shape = tuple(d.dim_value if d.HasField("dim_value") else None for d in t.shape.dim)
            self.types[vi.name] = (shape, t.elem_type)
        for init in g.initializer:
            self.types[init.name] = (tuple(init.dims), init.data_type)
        self._consts: dict[str, np.ndarray] = {}
        for name, init in self.inits.items():
            self._consts[name] = numpy_helper.to_array(init)
        for n in self.nodes:
            if n.op_type == "Constant" and n.attribute:
                a = n.attribute[0]
                if a.name == "value":
                    self._consts[n.output[0]] = numpy_helper.to_array(a.t)
                elif a.name in ("value_float", "value_int"):
                    self._consts[n.output[0]] = np.array(onnx.helper.get_attribute_value(a))
                elif a.name in ("value_floats", "value_ints"):
                    self._consts[n.output[0]] = np.array(onnx.helper.get_attribute_value(a))
        self.opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 1)

    def name(self, node: Any) -> str:
        return node.name or f"{node.op_type}({node.output[0]})"

    def const(self, value: str) -> Optional[np.ndarray]:
        return self._consts.get(value)

    def scalar(self, value: str) -> Optional[float]:
        c = self.const(value)
        if c is None or c.size != 1 or c.dtype.kind not in "fiu":
            return None
        return float(c.reshape(()))

    def shape(self, value: str) -> Optional[tuple[int, ...]]:
        t = self.types.get(value)
        if t is None or t[0] is None or any(d is None for d in t[0]):
            return None
        return tuple(int(d) for d in t[0])

    def np_dtype(self, value: str) -> np.dtype:
        from onnx import helper

        return np.dtype(helper.tensor_dtype_to_np_dtype(self.types[value][1]))

    def attr(self, node: Any, name: str, default: Any = None) -> Any:
        from onnx import helper

        for a in node.attribute:
            if a.name == name:
                return helper.get_attribute_value(a)
        return default

    # -- subgraph evaluation -------------------------------------------------

    def evaluator(self, outputs: list[str], cut: set[str]) -> tuple[Any, list[str]]:
        """A function evaluating `outputs` from the values in `cut` and the model inputs they need
        (onnx.reference). Returns (run(feeds) -> list of arrays, the model inputs needed)."""
        onnx = _onnx()
        from onnx import helper, numpy_helper
        from onnx.reference import ReferenceEvaluator

        needed_nodes: dict[int, Any] = {}
        inputs: list[str] = []
        inits: list[str] = []
        stack = list(outputs)
        seen: set[str] = set()
        while stack:
            v = stack.pop()
            if v in seen or not v:
                continue
            seen.add(v)
            if v in cut:
                continue
            if v in self.inits:
                inits.append(v)
                continue
            node = self.producer.get(v)
            if node is None:
                inputs.append(v)
                continue
            if id(node) in needed_nodes:
                continue
            if node.op_type == "Shape" and self.shape(node.input[0]) is not None:
                # A static shape is a constant: do not pull the shaped tensor's cone in.
                dims = np.array(self.shape(node.input[0]), np.int64)
                start, end = self.attr(node, "start", 0), self.attr(node, "end", None)
                const = helper.make_node(
                    "Constant", [], [node.output[0]], value=numpy_helper.from_array(dims[start:end])
                )
                needed_nodes[id(node)] = const
                continue
            needed_nodes[id(node)] = node
            stack.extend(node.input)
        nodes = [needed_nodes[k] for k in sorted(needed_nodes, key=lambda k: self.order[k])]

        def info(v: str) -> Any:
            shape, elem = self.types.get(v, (None, onnx.TensorProto.FLOAT))
            return helper.make_tensor_value_info(v, elem, shape)

        graph_inputs = [info(v) for v in sorted(cut & seen)] + [info(v) for v in inputs]
        graph = helper.make_graph(
            nodes,
            "cone",
            graph_inputs,
            [helper.make_tensor_value_info(o, self.types.get(o, (None, 1))[1], None) for o in outputs],
            initializer=[self.inits[i] for i in inits],
        )
        sub = helper.make_model(graph, opset_imports=list(self.model.opset_import), ir_version=self.model.ir_version)
        sub.functions.extend(self.model.functions)
        ref = ReferenceEvaluator(sub)
        names = [i.name for i in graph_inputs]

        def run(feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
            return ref.run(None, {k: v for k, v in feeds.items() if k in names})

        return run, inputs


def _load(model: Any, dims: Optional[dict[str, int]]) -> Any:
    onnx = _onnx()
    if isinstance(model, (str, Path)):
        try:
            model = onnx.load(str(model))
        except (OSError, Exception) as exc:
            raise AttnError(f"{_WHO}: cannot load ONNX model {model}: {exc}") from None
    elif isinstance(model, onnx.ModelProto):
        model = copy.deepcopy(model)
    else:
        raise AttnError(f"{_WHO}: expected a path or an onnx.ModelProto, got {type(model).__name__}")
    if dims:
        for vi in model.graph.input:
            for d in vi.type.tensor_type.shape.dim:
                if d.HasField("dim_param") and d.dim_param in dims:
                    value = dims[d.dim_param]
                    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                        raise AttnError(f"{_WHO}: dims['{d.dim_param}'] must be a positive int, got {value!r}")
                    d.dim_value = value
    try:
        model = onnx.shape_inference.infer_shapes(model, data_prop=True)
    except Exception as exc:  # inference errors are the model's, report them
        raise AttnError(f"{_WHO}: ONNX shape inference failed: {exc}") from None
    return model


class _NoMatch(Exception):
    pass


def _strip_scale(g: _Graph, value: str, nodes: list[str]) -> tuple[str, float]:
    """Walk back through Mul/Div by scalar constants; returns the scaled value and the factor."""
    factor = 1.0
    while True:
        node = g.producer.get(value)
        if node is None or node.op_type not in ("Mul", "Div") or len(node.input) != 2:
            return value, factor
        a, b = node.input
        if node.op_type == "Mul" and g.scalar(a) is not None:
            factor, value = factor * g.scalar(a), b
        elif g.scalar(b) is not None:
            c = g.scalar(b)
            factor, value = (factor * c, a) if node.op_type == "Mul" else (factor / c, a)
        else:
            return value, factor
        nodes.append(g.name(node))


def _score_chain(g: _Graph, value: str) -> tuple[Any, list[Any]]:
    """The one MatMul feeding `value` through elementwise ops, and those ops."""
    memo: dict[str, bool] = {}
    matmuls: dict[int, Any] = {}
    chain: dict[int, Any] = {}

    def visit(v: str, depth: int) -> bool:
        if v in memo:
            return memo[v]
        node = g.producer.get(v)
        found = False
        if node is not None and depth < 32:
            if node.op_type == "MatMul":
                matmuls[id(node)] = node
                found = True
            elif node.op_type in _ELEMENTWISE:
                hits = [visit(i, depth + 1) for i in node.input if i]
                if any(hits):
                    chain[id(node)] = node
                    found = True
        memo[v] = found
        return found

    visit(value, 0)
    if not matmuls:
        node = g.producer.get(value)
        what = node.op_type if node is not None else "a model input"
        raise _NoMatch(f"no MatMul (Q·Kᵀ) feeds the Softmax through elementwise ops (its input comes from {what})")
    if len(matmuls) > 1:
        names = ", ".join(g.name(n) for n in matmuls.values())
        raise _NoMatch(f"several MatMuls ({names}) feed the Softmax through elementwise ops")
    return next(iter(matmuls.values())), list(chain.values())


def _probs_to_pv(g: _Graph, probs: str, nodes: list[str], notes: list[str]) -> Any:
    """Follow the probabilities through Cast/Dropout/the SDPA NaN guard to the P·V MatMul."""
    cur = probs
    for _ in range(8):
        pv, nxt = None, None
        consumers = g.consumers.get(cur, [])
        guards = {id(w) for c in consumers if c.op_type == "IsNaN" for w in g.consumers.get(c.output[0], [])}
        for c in consumers:
            if id(c) in guards:
                continue
            if c.op_type == "MatMul" and c.input[0] == cur:
                pv = c
            elif c.op_type in _PASS_PROBS and c.input[0] == cur:
                nxt = nxt or c
            elif c.op_type == "IsNaN":
                guard = [w for w in g.consumers.get(c.output[0], []) if w.op_type == "Where" and w.input[2] == cur]
                if guard and g.scalar(guard[0].input[1]) == 0.0:
                    nodes.append(g.name(c))
                    nxt = guard[0]
                else:
                    notes.append(f"the probabilities are also read by {g.name(c)} ({c.op_type})")
            else:
                notes.append(f"the probabilities are also read by {g.name(c)} ({c.op_type}); that use stays")
        if pv is not None:
            return pv
        if nxt is None:
            break
        nodes.append(g.name(nxt))
        cur = nxt.output[0]
    raise _NoMatch("the Softmax output does not reach a MatMul with V (through Cast/Dropout/NaN guard)")


def _gqa_source(g: _Graph, value: str, heads: int, lk: int, dim: int, to_bhld: Any) -> Optional[tuple]:
    """If `value` is K/V of `heads` heads built by repeating fewer kv heads (Unsqueeze/Expand/Reshape,
    Tile), the kv-head tensor [B, Hkv, Lk, dim], its head count and the nodes of the repeat."""
    chain, cur = [], value
    for _ in range(10):
        node = g.producer.get(cur)
        if node is None or node.op_type not in _LAYOUT:
            break
        chain.append(node)
        cur = node.input[0]
        shape = g.shape(cur)
        if shape is None or len(shape) != 4:
            continue
        b, hkv, length, d = shape
        if not (hkv < heads and heads % hkv == 0 and length == lk and d == dim):
            continue
        run, ins = g.evaluator([value], {cur})
        if ins:
            continue
        probe = np.random.default_rng(1).standard_normal(shape).astype(g.np_dtype(cur))
        (out,) = run({cur: probe})
        want = np.repeat(probe, heads // hkv, axis=1)
        got = to_bhld(np.asarray(out))
        if got.shape == want.shape and np.array_equal(got, want):
            return cur, hkv, [g.name(n) for n in chain]
    return None


def _head_operand(role: str, value: str, shape4: tuple, to_bhld: Any, desc: str) -> Operand:
    def compute(values: Any, value: str = value) -> np.ndarray:
        return np.broadcast_to(to_bhld(np.asarray(values[value])), shape4)

    return Operand(role, shape4, "", (value,), compute, desc)


def _swap(x: np.ndarray) -> np.ndarray:
    return np.swapaxes(x, -1, -2)


def _as4(x: np.ndarray) -> np.ndarray:
    return x if x.ndim == 4 else x.reshape((1,) + x.shape)


def _make_as4(split: Optional[tuple[int, int]]) -> Any:
    """[B·H, L, X] -> [B, H, L, X] for `split` = (B, H) (a leading 1 broadcasts); 4-D unchanged."""

    def as4(x: np.ndarray) -> np.ndarray:
        if x.ndim == 4:
            return x
        if split is not None and x.shape[0] == split[0] * split[1]:
            return x.reshape(split + x.shape[1:])
        return x.reshape((1,) * (4 - x.ndim) + x.shape)

    return as4


def _batch_split(g: _Graph, value: str, n: int, d: int) -> int:
    """B of a [B·H, L, D] tensor, read off the Reshape that split the heads (1 if none found)."""
    cur = value
    for _ in range(8):
        node = g.producer.get(cur)
        if node is None or node.op_type not in _LAYOUT:
            break
        if node.op_type == "Reshape":
            out, inp = g.shape(node.output[0]), g.shape(node.input[0])
            if out and inp and len(out) == len(inp):
                for p in range(len(out) - 1):
                    if out[p] == n and out[p + 1] == d and inp[p] * inp[p + 1] == n * d and n % inp[p] == 0:
                        return inp[p]
        cur = node.input[0]
    return 1


def _mask_form(
    g: _Graph, outputs: str, cut: set[str], shift: Any, scores: tuple[int, int, int, int]
) -> tuple[MaskForm, dict[str, InputInfo]]:
    run, needed = g.evaluator([outputs], cut)
    infos = {}
    for name in needed:
        shape = g.shape(name)
        if shape is None:
            raise _NoMatch(f"the mask depends on model input '{name}' of dynamic shape (give dims=)")
        infos[name] = InputInfo(shape, g.np_dtype(name))

    def evaluate(feeds: dict[str, np.ndarray]) -> np.ndarray:
        return shift(run, feeds)

    form = classify_mask(evaluate, infos, scores)
    if isinstance(form, str):
        raise _NoMatch(form)
    return form, infos


def _finish(
    g: _Graph,
    index: int,
    nodes: list[str],
    shape: dict[str, int],
    scale: float,
    causal: str,
    q: Operand,
    k: Operand,
    v: Operand,
    form: MaskForm,
    infos: dict[str, InputInfo],
    output: str,
    to_bhld: Any,
    notes: list[str],
    dtype: str,
    key_padding: str,
) -> AttentionLayer:
    scores = (shape["batch"], shape["heads"], shape["q_len"], shape["kv_len"])
    if form.causal != "none":
        if causal not in ("none", form.causal):
            raise _NoMatch(f"the mask is {form.causal} causal but the op asks for {causal}")
        causal = form.causal
    if causal != "none" and shape["q_len"] == shape["kv_len"]:
        causal = "top_left"

    def values_of(name: str, values: Any) -> np.ndarray:
        return np.asarray(values[name])

    try:
        extra = mask_operands(form, scores, dtype, key_padding, values_of, {n: i.shape for n, i in infos.items()})
    except ValueError as exc:
        raise _NoMatch(str(exc)) from None
    for o in (q, k, v):
        o.element = dtype
    return AttentionLayer(
        name=f"attention_{index}",
        nodes=tuple(dict.fromkeys(nodes)),
        scale=float(scale),
        causal=causal,
        operands=[q, k, v, *extra],
        output=output,
        output_to_bhld=to_bhld,
        notes=notes,
        **shape,
    )


def _match_softmax(g: _Graph, sm: Any, index: int, dtype: str, key_padding: str) -> AttentionLayer:
    t = sm.input[0]
    tshape = g.shape(t)
    if tshape is None:
        raise _NoMatch("the scores have a dynamic or unknown shape (give dims= for symbolic dimensions)")
    rank = len(tshape)
    if rank not in (3, 4):
        raise _NoMatch(f"the scores have rank {rank}; attention scores are [B, H, Lq, Lk] or [B·H, Lq, Lk]")
    axis = g.attr(sm, "axis", -1 if g.opset >= 13 else 1)
    if axis % rank != rank - 1:
        raise _NoMatch(f"softmax over axis {axis}, not the key axis (last)")
    notes: list[str] = []
    nodes = [g.name(sm)]
    s_node, chain = _score_chain(g, t)
    nodes += [g.name(s_node)] + [g.name(n) for n in chain]
    qv, q_scale = _strip_scale(g, s_node.input[0], nodes)
    kt, k_scale = _strip_scale(g, s_node.input[1], nodes)
    pv = _probs_to_pv(g, sm.output[0], nodes, notes)
    nodes.append(g.name(pv))
    qs, ks, vs, os_ = g.shape(qv), g.shape(kt), g.shape(pv.input[1]), g.shape(pv.output[0])
    if None in (qs, ks, vs, os_):
        raise _NoMatch("Q, Kᵀ, V or the output have a dynamic or unknown shape")
    if not (len(qs) == len(ks) == len(vs) == rank):
        raise _NoMatch(f"Q {qs}, Kᵀ {ks}, V {vs} and the scores {tshape} differ in rank")
    if rank == 3:  # [B·H, L, D]: find B where the heads were split off
        n = qs[0]
        b3 = _batch_split(g, qv, n, qs[2])
        split = (b3, n // b3)
    else:
        split = None
    as4 = _make_as4(split)
    q4, kt4, v4 = (as4(np.empty(s, np.int8)).shape for s in (qs, ks, vs))
    batch, heads, lq, d = q4
    _, hk, dk, lk = kt4
    dv = v4[3]
    if dk != d or v4[2] != lk or (batch, heads, lq, lk) != as4(np.empty(tshape, np.int8)).shape:
        raise _NoMatch(f"shapes do not form attention: Q {qs}, Kᵀ {ks}, V {vs}, scores {tshape}")
    if kt4[0] not in (1, batch) or v4[0] not in (1, batch) or hk not in (1, heads) or v4[1] not in (1, heads):
        raise _NoMatch(f"K/V batch or head counts {ks}, {vs} do not broadcast to Q {qs}")

    def k_bhld(x: np.ndarray) -> np.ndarray:
        return _swap(as4(x))

    kv_heads = 1 if (hk == 1 and v4[1] == 1) else heads
    k_src = _gqa_source(g, kt, heads, lk, d, k_bhld) if kv_heads == heads and rank == 4 else None
    v_src = _gqa_source(g, pv.input[1], heads, lk, dv, as4) if k_src is not None else None
    if k_src is not None and v_src is not None and k_src[1] == v_src[1]:
        kv_heads = k_src[1]
        nodes += k_src[2] + v_src[2]
        k = _head_operand("k", k_src[0], (batch, kv_heads, lk, d), lambda x: x, "K before the GQA repeat")
        v = _head_operand("v", v_src[0], (batch, kv_heads, lk, dv), lambda x: x, "V before the GQA repeat")
    else:
        k = _head_operand("k", kt, (batch, kv_heads, lk, d), k_bhld, "Kᵀ of the score MatMul, transposed")
        v = _head_operand("v", pv.input[1], (batch, kv_heads, lk, dv), as4, "V of the P·V MatMul")
    q = _head_operand("q", qv, (batch, heads, lq, d), as4, "Q of the score MatMul (before scalar scaling)")

    # The softmax input as a function of the raw scores S: T = c·S + M (M may hide entries).
    s_out = s_node.output[0]
    s_shape = g.shape(s_out)
    s_dtype = g.np_dtype(s_out)

    def shift(run: Any, feeds: dict[str, np.ndarray], fill: float = 0.0) -> np.ndarray:
        return as4(np.asarray(run({**feeds, s_out: np.full(s_shape, fill, s_dtype)})[0], np.float64))

    form, infos = _mask_form(g, t, {s_out}, shift, (batch, heads, lq, lk))
    run, _ = g.evaluator([t], {s_out})
    feeds = {n: (np.zeros if form.padding_inverted else np.ones)(i.shape, i.dtype) for n, i in infos.items()}
    t0, t1, t2 = (shift(run, feeds, f) for f in (0.0, 1.0, 2.0))
    seen = np.isfinite(t0) & (t0 > -1e4)
    if not seen.any():
        raise _NoMatch("every score is masked for all-ones padding inputs")
    slope = t1[seen] - t0[seen]
    c = float(slope.flat[0])
    if not (np.allclose(slope, c, rtol=1e-5) and np.allclose(t2[seen] - t0[seen], 2 * c, rtol=1e-5)) or c <= 0:
        raise _NoMatch("the ops between the score MatMul and the Softmax are not scale·S + mask")
    return _finish(
        g, index, nodes, dict(batch=batch, heads=heads, kv_heads=kv_heads, q_len=lq, kv_len=lk, head_dim=d,
                              value_dim=dv),
        q_scale * k_scale * c, "none", q, k, v, form, infos, pv.output[0], as4, notes, dtype, key_padding,
    )  # fmt: skip


def _attention_op_heads(g: _Graph, node: Any, value: str, heads_attr: str) -> tuple[tuple, Any, int]:
    """[B, H, L, D] shape of an Attention input and the numpy transform from the model value."""
    shape = g.shape(value)
    if shape is None:
        raise _NoMatch(f"input '{value}' has a dynamic or unknown shape")
    if len(shape) == 4:
        return shape, lambda x: x, shape[1]
    heads = g.attr(node, heads_attr)
    if len(shape) != 3 or not heads or shape[2] % heads:
        raise _NoMatch(f"input '{value}' {shape}: 3-D inputs need {heads_attr} dividing the hidden size")
    b, length, hidden = shape

    def to_bhld(x: np.ndarray, b: int = b, length: int = length, h: int = heads) -> np.ndarray:
        return np.asarray(x).reshape(b, length, h, hidden // h).transpose(0, 2, 1, 3)

    return (b, heads, length, hidden // heads), to_bhld, heads


def _match_attention_op(g: _Graph, node: Any, index: int, dtype: str, key_padding: str) -> AttentionLayer:
    ins = list(node.input) + [""] * (7 - len(node.input))
    qv, kv_, vv, mask, past_k, past_v, nonpad = ins[:7]
    softcap = g.attr(node, "softcap", 0.0)
    if softcap:
        raise _NoMatch(f"softcap {softcap} (attn.attention has no soft capping)")
    for window in ("left_window_size", "right_window_size"):
        if g.attr(node, window, -1) >= 0:
            raise _NoMatch(f"{window} set (sliding-window attention is not expressed by attn.attention)")
    notes = []
    for i, out in enumerate(node.output[1:], start=1):
        if out and g.consumers.get(out) or out in g.outputs:
            notes.append(f"output {i} ('{out}') of {g.name(node)} is used; the attn.attention replaces output 0 only")
    (batch, heads, lq, d), q_bhld, _ = _attention_op_heads(g, node, qv, "q_num_heads")
    (kb, hkv, lk_new, dk), k_bhld, _ = _attention_op_heads(g, node, kv_, "kv_num_heads")
    (_, hv, _, dv), v_bhld, _ = _attention_op_heads(g, node, vv, "kv_num_heads")
    past = 0
    if past_k or past_v:
        if not (past_k and past_v) or g.shape(past_k) is None:
            raise _NoMatch("past_key/past_value must both be given with static shapes")
        past = g.shape(past_k)[2]
    lk = past + lk_new
    if dk != d or hv != hkv or heads % hkv:
        raise _NoMatch(f"Q {g.shape(qv)}, K {g.shape(kv_)}, V {g.shape(vv)} do not form attention")
    is_causal = bool(g.attr(node, "is_causal", 0))
    if is_causal and nonpad:
        raise _NoMatch("is_causal with nonpad_kv_seqlen (a per-batch causal offset)")
    causal = ("bottom_right" if past else "top_left") if is_causal else "none"
    scale = g.attr(node, "scale", None)
    scale = 1.0 / np.sqrt(d) if scale is None else float(scale)

    def cat(which: str, new: str, old: str, to_bhld: Any, dim: int) -> Operand:
        if not old:
            return _head_operand(which, new, (batch, hkv, lk, dim), to_bhld, f"{which.upper()} input of Attention")

        def compute(values: Any) -> np.ndarray:
            return np.concatenate([np.asarray(values[old]), to_bhld(np.asarray(values[new]))], axis=2)

        return Operand(which, (batch, hkv, lk, dim), dtype, (old, new), compute, f"concat(past, new {which})")

    q = _head_operand("q", qv, (batch, heads, lq, d), q_bhld, "Q input of Attention")
    k, v = cat("k", kv_, past_k, k_bhld, d), cat("v", vv, past_v, v_bhld, dv)
    nodes = [g.name(node)]
    if hkv == heads and not past and len(g.shape(kv_)) == 4:  # K/V repeated for GQA before the op
        k_src = _gqa_source(g, kv_, heads, lk, d, lambda x: x)
        v_src = _gqa_source(g, vv, heads, lk, dv, lambda x: x) if k_src else None
        if k_src and v_src and k_src[1] == v_src[1]:
            hkv = k_src[1]
            nodes += k_src[2] + v_src[2]
            k = _head_operand("k", k_src[0], (batch, hkv, lk, d), lambda x: x, "K before the GQA repeat")
            v = _head_operand("v", v_src[0], (batch, hkv, lk, dv), lambda x: x, "V before the GQA repeat")
    scores = (batch, heads, lq, lk)
    if mask or nonpad:
        cut: set[str] = set()
        mshape = g.shape(mask) if mask else None
        if mask and mshape is None:
            raise _NoMatch("attn_mask has a dynamic or unknown shape")
        is_bool = mask and g.np_dtype(mask) == np.bool_
        outs = [o for o in (mask, nonpad) if o]
        run, needed = g.evaluator(outs, cut)

        def additive(r: Any, feeds: dict[str, np.ndarray]) -> np.ndarray:
            vals = r(feeds)
            total = np.zeros((1, 1, lq, lk))
            if mask:
                m = np.asarray(vals[0])
                m = np.where(m, 0.0, -np.inf) if is_bool else m.astype(np.float64)
                pad = lk - m.shape[-1]
                if pad > 0:  # a short mask hides the keys it does not cover (ONNX Attention)
                    m = np.pad(m, [(0, 0)] * (m.ndim - 1) + [(0, pad)], constant_values=-np.inf)
                total = total + m.reshape((1,) * (4 - m.ndim) + m.shape)
            if nonpad:
                n = np.asarray(vals[-1]).reshape(-1)
                keep = np.arange(lk)[None, :] < n[:, None]
                total = total + np.where(keep, 0.0, -np.inf)[:, None, None, :]
            return total

        if nonpad and not needed:
            raise _NoMatch("nonpad_kv_seqlen is a constant")
        if nonpad:
            # nonpad_kv_seqlen [B] is key padding: give the classifier a [B, Lk] 0/1 view of it.
            return _match_nonpad(g, node, index, dtype, key_padding, nonpad, mask, additive, run, needed, scores,
                                 dict(batch=batch, heads=heads, kv_heads=hkv, q_len=lq, kv_len=lk, head_dim=d,
                                      value_dim=dv), scale, causal, q, k, v, notes)  # fmt: skip
        form, infos = _mask_form(g, mask, cut, lambda r, f: additive(r, f), scores)
    else:
        form, infos = MaskForm(), {}
    shape = dict(batch=batch, heads=heads, kv_heads=hkv, q_len=lq, kv_len=lk, head_dim=d, value_dim=dv)
    out = node.output[0]
    o_bhld = _attention_op_heads(g, node, out, "q_num_heads")[1] if len(g.shape(out) or ()) == 3 else (lambda x: x)
    return _finish(g, index, nodes, shape, scale, causal, q, k, v, form, infos, out, o_bhld, notes, dtype,
                   key_padding)  # fmt: skip


def _match_nonpad(g, node, index, dtype, key_padding, nonpad, mask, additive, run, needed, scores, shape, scale,
                  causal, q, k, v, notes) -> AttentionLayer:  # fmt: skip
    if mask:
        raise _NoMatch("attn_mask together with nonpad_kv_seqlen")
    if needed != [nonpad]:
        raise _NoMatch("nonpad_kv_seqlen is computed from other model inputs")
    lk = scores[3]
    form = MaskForm()

    def lengths_as_padding(name: str, values: Any) -> np.ndarray:
        n = np.asarray(values[nonpad]).reshape(-1)
        return (np.arange(lk)[None, :] < n[:, None]).astype(np.int64)

    form.padding_input = nonpad
    try:
        extra = mask_operands(form, scores, dtype, key_padding, lengths_as_padding, {})
    except ValueError as exc:
        raise _NoMatch(str(exc)) from None
    for o in (q, k, v):
        o.element = dtype
    out = node.output[0]
    o_bhld = _attention_op_heads(g, node, out, "q_num_heads")[1] if len(g.shape(out) or ()) == 3 else (lambda x: x)
    return AttentionLayer(
        name=f"attention_{index}",
        nodes=(g.name(node),),
        scale=float(scale),
        causal=causal,
        operands=[q, k, v, *extra],
        output=out,
        output_to_bhld=o_bhld,
        notes=notes,
        **shape,
    )


def _validate(dtype: str, key_padding: str) -> None:
    if dtype not in _DTYPES:
        raise AttnError(f"{_WHO}: dtype must be one of {_DTYPES}, got {dtype!r}")
    if key_padding not in _KEY_PADDING:
        raise AttnError(f"{_WHO}: key_padding must be one of {_KEY_PADDING}, got {key_padding!r}")


def find_attention(
    model: Any, *, dims: Optional[dict[str, int]] = None, dtype: str = "bf16", key_padding: str = "mask"
) -> FrontendResult:
    """Every attention of `model` (a path or an ``onnx.ModelProto``) and every Softmax not matched.

    `dims` fixes symbolic input dimensions (``{"batch": 1, "sequence": 128}``). `dtype`: element type
    of the layers (bf16, f16, f32). `key_padding`: how a ``[B, Lk]`` attention-mask input becomes an
    operand: ``"mask"`` (an ``i1`` key mask ``[B, 1, 1, Lk]``, exact for any padding) or
    ``"valid_len"`` (``valid_len[b] = sum(mask[b] != 0)``; right padding only, and query rows at or
    beyond it are zero, per the op)."""
    _validate(dtype, key_padding)
    g = _Graph(_load(model, dims))
    layers: list[AttentionLayer] = []
    unmatched: list[Unmatched] = []
    for node in g.nodes:
        if node.op_type == "Softmax" and node.domain in ("", "ai.onnx"):
            match = _match_softmax
        elif node.op_type == "Attention" and node.domain in ("", "ai.onnx"):
            match = _match_attention_op
        elif "Attention" in node.op_type:
            where = f"domain '{node.domain}'" if node.domain else "an unknown opset"
            unmatched.append(Unmatched(g.name(node), f"{node.op_type} from {where} is not mapped (a contrib op)"))
            continue
        else:
            continue
        try:
            layers.append(match(g, node, len(layers), dtype, key_padding))
        except _NoMatch as exc:
            unmatched.append(Unmatched(g.name(node), str(exc)))
    return FrontendResult(layers, unmatched, dtype, "onnx")


def import_model(
    model: Union[str, Path, Any],
    *,
    dims: Optional[dict[str, int]] = None,
    dtype: str = "bf16",
    key_padding: str = "mask",
) -> Any:
    """An MLIR module (``attn.ir.Module``) with one function ``@attention_<i>`` per attention of
    `model`, each holding one ``attn.attention`` whose ``attn.onnx_nodes`` attribute lists the ONNX
    nodes it replaces; the module's ``attn.onnx_unmatched`` attribute lists every Softmax not matched
    (``{node, reason}``). Options: see :func:`find_attention`."""
    return find_attention(model, dims=dims, dtype=dtype, key_padding=key_padding).module()


def _run_onnxruntime(model: Any, feeds: dict[str, np.ndarray], names: list[str]) -> dict[str, np.ndarray]:
    ort = require("onnxruntime", _WHO + ".check")
    onnx = _onnx()
    from onnx import helper

    m = copy.deepcopy(model)
    g = _Graph(m)
    present = {o.name for o in m.graph.output}
    for name in names:
        if name in present or name in g.inputs:
            continue
        shape, elem = g.types.get(name, (None, onnx.TensorProto.FLOAT))
        m.graph.output.append(helper.make_tensor_value_info(name, elem, shape))
        present.add(name)
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(m.SerializeToString(), options, providers=["CPUExecutionProvider"])
    outs = [o.name for o in session.get_outputs()]
    values = dict(zip(outs, session.run(outs, feeds), strict=True))
    values.update(feeds)
    return values


def check(
    model: Any,
    inputs: Union[dict[str, Any], list[Any], tuple],
    *,
    target: str = "npu2",
    simulate: bool = True,
    dims: Optional[dict[str, int]] = None,
    dtype: str = "bf16",
    key_padding: str = "mask",
    sim_heads: int = 2,
    tolerance: float = 2e-2,
) -> CheckResult:
    """Run `model` in onnxruntime on `inputs` (a dict by input name, or a list in graph-input order)
    and, for each matched attention, compare onnxruntime's value of it with the layer run on the CPU
    path (MLIR ExecutionEngine) and with the compiled AIE program run in the simulator (the whole
    layer, or for layers of more than 65536 scores batch 0 and up to `sim_heads` query heads with
    their kv heads). Errors are max |err| / max |ref|; a layer passes when both are within
    `tolerance`."""
    onnx_model = _load(model, dims)
    found = find_attention(onnx_model, dtype=dtype, key_padding=key_padding)
    g = _Graph(onnx_model)
    if isinstance(inputs, dict):
        feeds = {k: np.asarray(v) for k, v in inputs.items()}
    else:
        if len(inputs) != len(g.inputs):
            raise AttnError(f"{_WHO}.check: the model takes {len(g.inputs)} inputs ({g.inputs}), got {len(inputs)}")
        feeds = {n: np.asarray(a) for n, a in zip(g.inputs, inputs, strict=True)}
    missing = [n for n in g.inputs if n not in feeds]
    if missing:
        raise AttnError(f"{_WHO}.check: no value for model input(s) {missing}")
    names = sorted({s for layer in found.layers for o in layer.operands for s in o.sources} |
                   {layer.output for layer in found.layers})  # fmt: skip
    values = _run_onnxruntime(onnx_model, feeds, names)
    checks = [
        check_layer(layer, values, dtype, "onnx", target, simulate, sim_heads, tolerance) for layer in found.layers
    ]
    return CheckResult(checks, found.unmatched)
