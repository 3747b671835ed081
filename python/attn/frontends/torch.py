"""PyTorch frontend: find the attention layers of a module through ``torch.export``.

>>> from attn.frontends import torch as fe
>>> module = fe.import_module(model, (ids,), kwargs={"attention_mask": am})   # doctest: +SKIP
>>> fe.check(model, (ids,), kwargs={"attention_mask": am})                    # vs the module's forward

Matched (docs/frontends.md): ``aten.scaled_dot_product_attention`` with all its
arguments (``attn_mask`` bool or float, ``is_causal``, ``scale``,
``enable_gqa``; ``dropout_p`` must be 0) and the explicit form
``softmax(scale·Q·Kᵀ + mask) · V`` (``matmul``/``bmm``, scalar ``mul``/``div``,
``add``/``masked_fill``/``where`` masks, ``dropout``/casts on the
probabilities). K/V repeated for GQA (``repeat_kv``: unsqueeze/expand/reshape,
``repeat_interleave``) is recognized and verified by evaluating the repeat.
Masks are classified by evaluating their subgraph (causal, constant masks and
biases, key padding from a ``[B, Lk]`` attention-mask input, or a mask that is a
module input), as in the ONNX frontend.

Needs ``torch`` (imported lazily).
"""

from __future__ import annotations

from typing import Any, Optional

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

__all__ = ["check", "find_attention", "import_module"]

_WHO = "attn.frontends.torch"
_SOFTMAX = {"aten.softmax.int", "aten._softmax.default", "aten._safe_softmax.default"}
_MATMUL = {"aten.matmul.default", "aten.bmm.default"}
_SDPA = "aten.scaled_dot_product_attention.default"
_ELEMENTWISE = {
    "aten.add.Tensor",
    "aten.add.Scalar",
    "aten.sub.Tensor",
    "aten.mul.Tensor",
    "aten.mul.Scalar",
    "aten.div.Tensor",
    "aten.div.Scalar",
    "aten.where.self",
    "aten.masked_fill.Scalar",
    "aten.masked_fill.Tensor",
    "aten.to.dtype",
    "aten.to.dtype_layout",
    "aten._to_copy.default",
    "aten.type_as.default",
    "aten.clone.default",
    "aten.contiguous.default",
    "aten.alias.default",
}
_LAYOUT = {
    "aten.view.default",
    "aten.reshape.default",
    "aten._unsafe_view.default",
    "aten.expand.default",
    "aten.unsqueeze.default",
    "aten.transpose.int",
    "aten.permute.default",
    "aten.clone.default",
    "aten.contiguous.default",
    "aten.repeat_interleave.self_int",
    "aten.repeat.default",
    "aten.squeeze.dim",
    "aten.flatten.using_ints",
}
_PASS_PROBS = {
    "aten.dropout.default",
    "aten.to.dtype",
    "aten.to.dtype_layout",
    "aten._to_copy.default",
    "aten.type_as.default",
    "aten.clone.default",
    "aten.contiguous.default",
    "aten.alias.default",
}
_DTYPES = ("bf16", "f16", "f32")
_KEY_PADDING = ("mask", "valid_len")


class _NoMatch(Exception):
    pass


def _torch() -> Any:
    return require("torch", _WHO)


def _np(value: Any) -> np.ndarray:
    torch = _torch()
    if isinstance(value, torch.Tensor):
        t = value.detach()
        if t.dtype in (torch.bfloat16, torch.float16):
            t = t.float()
        return t.cpu().numpy()
    return np.asarray(value)


class _Graph:
    """The unlifted graph of an ExportedProgram with a cone evaluator."""

    def __init__(self, gm: Any):
        self.gm = gm
        self.nodes = list(gm.graph.nodes)
        self.order = {n: i for i, n in enumerate(self.nodes)}
        self.placeholders = [n for n in self.nodes if n.op == "placeholder"]

    @staticmethod
    def op(node: Any) -> str:
        return str(node.target) if node.op == "call_function" else node.op

    @staticmethod
    def shape(node: Any) -> Optional[tuple[int, ...]]:
        val = node.meta.get("val") if hasattr(node, "meta") else None
        shape = getattr(val, "shape", None)
        if shape is None:
            return None
        try:
            return tuple(int(d) for d in shape)
        except (TypeError, ValueError):  # symbolic sizes
            return None

    @staticmethod
    def np_dtype(node: Any) -> np.dtype:
        torch = _torch()
        dtype = node.meta["val"].dtype
        if dtype == torch.bool:
            return np.dtype(bool)
        if dtype.is_floating_point:
            return np.dtype(np.float32)
        return np.dtype(np.int64)

    def attr(self, target: str) -> Any:
        obj = self.gm
        for part in target.split("."):
            obj = getattr(obj, part)
        return obj

    def scalar(self, arg: Any) -> Optional[float]:
        if isinstance(arg, (int, float)) and not isinstance(arg, bool):
            return float(arg)
        if hasattr(arg, "op") and arg.op == "get_attr":
            v = _np(self.attr(arg.target))
            if v.size == 1:
                return float(v.reshape(()))
        return None

    def cone_inputs(self, outputs: list[Any], cut: set) -> list[Any]:
        """The placeholders `outputs` depend on, not looking past `cut`."""
        seen, stack, found = set(), list(outputs), []
        while stack:
            n = stack.pop()
            if n in seen or n in cut:
                continue
            seen.add(n)
            if n.op == "placeholder":
                found.append(n)
            stack.extend(n.all_input_nodes)
        return sorted(found, key=self.order.get)

    def evaluate(self, outputs: list[Any], env: dict) -> list[Any]:
        """Values of `outputs` given the values in `env` (nodes -> tensors), evaluating only their cone."""
        torch = _torch()
        needed, stack = set(), list(outputs)
        while stack:
            n = stack.pop()
            if n in needed or n in env:
                continue
            needed.add(n)
            stack.extend(n.all_input_nodes)
        values = dict(env)
        for n in sorted(needed, key=self.order.get):
            if n.op == "get_attr":
                values[n] = self.attr(n.target)
            elif n.op == "call_function":
                args = torch.fx.node.map_arg(n.args, values.__getitem__)
                kwargs = torch.fx.node.map_arg(n.kwargs, values.__getitem__)
                values[n] = n.target(*args, **kwargs)
            elif n.op == "placeholder":
                raise KeyError(f"no value for input '{n.name}'")
            else:
                raise _NoMatch(f"cannot evaluate {n.op} node '{n.name}'")
        return [values[o] for o in outputs]


def _tensor(array: np.ndarray, like: Any = None) -> Any:
    torch = _torch()
    t = torch.from_numpy(np.ascontiguousarray(array))
    if like is not None and hasattr(like, "meta") and "val" in like.meta:
        t = t.to(like.meta["val"].dtype)
    return t


def _strip_scale(g: _Graph, node: Any, nodes: list[str]) -> tuple[Any, float]:
    factor = 1.0
    while g.op(node) in ("aten.mul.Tensor", "aten.mul.Scalar", "aten.div.Tensor", "aten.div.Scalar"):
        a, b = node.args[0], node.args[1]
        mul = "mul" in g.op(node)
        if mul and g.scalar(a) is not None and hasattr(b, "op"):
            factor, nxt = factor * g.scalar(a), b
        elif g.scalar(b) is not None and hasattr(a, "op"):
            factor, nxt = (factor * g.scalar(b), a) if mul else (factor / g.scalar(b), a)
        else:
            break
        nodes.append(node.name)
        node = nxt
    return node, factor


def _score_chain(g: _Graph, t: Any) -> tuple[Any, list[Any]]:
    memo: dict = {}
    matmuls: dict = {}
    chain: dict = {}

    def visit(n: Any, depth: int) -> bool:
        if n in memo:
            return memo[n]
        found = False
        if n.op == "call_function" and depth < 32:
            if g.op(n) in _MATMUL:
                matmuls[n] = True
                found = True
            elif g.op(n) in _ELEMENTWISE:
                hits = [visit(i, depth + 1) for i in n.all_input_nodes]
                if any(hits):
                    chain[n] = True
                    found = True
        memo[n] = found
        return found

    visit(t, 0)
    if not matmuls:
        raise _NoMatch(f"no matmul (Q·Kᵀ) feeds the softmax through elementwise ops (its input is {g.op(t)})")
    if len(matmuls) > 1:
        raise _NoMatch(f"several matmuls ({', '.join(n.name for n in matmuls)}) feed the softmax")
    return next(iter(matmuls)), list(chain)


def _probs_to_pv(g: _Graph, probs: Any, nodes: list[str], notes: list[str]) -> Any:
    cur = probs
    for _ in range(8):
        pv = nxt = None
        for user in cur.users:
            if g.op(user) in _MATMUL and user.args[0] is cur:
                pv = user
            elif g.op(user) in _PASS_PROBS and user.args[0] is cur:
                if g.op(user) == "aten.dropout.default" and len(user.args) > 2 and user.args[2] and user.args[1]:
                    raise _NoMatch(f"dropout {user.args[1]} on the probabilities in training mode")
                nxt = nxt or user
            else:
                notes.append(f"the probabilities are also read by {user.name} ({g.op(user)}); that use stays")
        if pv is not None:
            return pv
        if nxt is None:
            break
        nodes.append(nxt.name)
        cur = nxt
    raise _NoMatch("the softmax output does not reach a matmul with V (through dropout/casts)")


def _gqa_source(g: _Graph, node: Any, heads: int, lk: int, dim: int, to_bhld: Any) -> Optional[tuple]:
    chain, cur = [], node
    for _ in range(10):
        if cur.op != "call_function" or g.op(cur) not in _LAYOUT:
            break
        chain.append(cur.name)
        cur = cur.args[0]
        shape = g.shape(cur)
        if shape is None or len(shape) != 4:
            continue
        b, hkv, length, d = shape
        if not (hkv < heads and heads % hkv == 0 and length == lk and d == dim):
            continue
        if g.cone_inputs([node], {cur}):
            continue
        probe = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
        (out,) = g.evaluate([node], {cur: _tensor(probe, cur)})
        got = to_bhld(_np(out))
        want = np.repeat(probe, heads // hkv, axis=1)
        if got.shape == want.shape and np.allclose(got, want):
            return cur, hkv, chain
    return None


def _operand(role: str, node: Any, shape4: tuple, to_bhld: Any, desc: str, dtype: str) -> Operand:
    def compute(values: Any, name: str = node.name) -> np.ndarray:
        return np.broadcast_to(to_bhld(np.asarray(values[name])), shape4)

    return Operand(role, shape4, dtype, (node.name,), compute, desc)


def _as4(x: np.ndarray) -> np.ndarray:
    return x if x.ndim == 4 else x.reshape((1,) + x.shape)


def _swap(x: np.ndarray) -> np.ndarray:
    return np.swapaxes(_as4(x), -1, -2)


def _make_as4(split: Optional[tuple[int, int]]) -> Any:
    """[B·H, L, X] -> [B, H, L, X] for `split` = (B, H) (a leading 1 broadcasts); 4-D unchanged."""

    def as4(x: np.ndarray) -> np.ndarray:
        if x.ndim == 4:
            return x
        if split is not None and x.shape[0] == split[0] * split[1]:
            return x.reshape(split + x.shape[1:])
        return x.reshape((1,) * (4 - x.ndim) + x.shape)

    return as4


def _batch_split(g: _Graph, node: Any, n: int, d: int) -> int:
    """B of a [B·H, L, D] tensor, read off the view/reshape that split the heads (1 if none found)."""
    cur = node
    for _ in range(8):
        if cur.op != "call_function" or g.op(cur) not in _LAYOUT:
            break
        if g.op(cur) in ("aten.view.default", "aten.reshape.default", "aten._unsafe_view.default"):
            out, inp = g.shape(cur), g.shape(cur.args[0])
            if out and inp and len(out) == len(inp):
                for p in range(len(out) - 1):
                    if out[p] == n and out[p + 1] == d and inp[p] * inp[p + 1] == n * d and n % inp[p] == 0:
                        return inp[p]
        cur = cur.args[0]
    return 1


def _classify(g: _Graph, outputs: list[Any], cut: set, additive: Any, scores: tuple) -> tuple[MaskForm, dict]:
    inputs = g.cone_inputs(outputs, cut)
    infos: dict[str, InputInfo] = {}
    by_name = {}
    for p in inputs:
        shape = g.shape(p)
        if shape is None:
            raise _NoMatch(f"the mask depends on input '{p.name}' of dynamic shape")
        infos[p.name] = InputInfo(shape, g.np_dtype(p))
        by_name[p.name] = p

    def evaluate(feeds: dict[str, np.ndarray]) -> np.ndarray:
        env = {by_name[k]: _tensor(v, by_name[k]) for k, v in feeds.items()}
        return additive(env)

    form = classify_mask(evaluate, infos, scores)
    if isinstance(form, str):
        raise _NoMatch(form)
    return form, infos


def _layer(
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
    notes: list[str],
    dtype: str,
    key_padding: str,
    to_bhld: Any = None,
) -> AttentionLayer:
    scores = (shape["batch"], shape["heads"], shape["q_len"], shape["kv_len"])
    if form.causal != "none":
        if causal not in ("none", form.causal):
            raise _NoMatch(f"the mask is {form.causal} causal and is_causal is set too")
        causal = form.causal
    if causal != "none" and shape["q_len"] == shape["kv_len"]:
        causal = "top_left"
    try:
        extra = mask_operands(
            form,
            scores,
            dtype,
            key_padding,
            lambda n, values: np.asarray(values[n]),
            {n: i.shape for n, i in infos.items()},
        )
    except ValueError as exc:
        raise _NoMatch(str(exc)) from None
    return AttentionLayer(
        name=f"attention_{index}",
        nodes=tuple(dict.fromkeys(nodes)),
        scale=float(scale),
        causal=causal,
        operands=[q, k, v, *extra],
        output=output,
        output_to_bhld=to_bhld or _as4,
        notes=notes,
        **shape,
    )


def _match_softmax(g: _Graph, sm: Any, index: int, dtype: str, key_padding: str) -> AttentionLayer:
    t = sm.args[0]
    tshape = g.shape(t)
    if tshape is None or len(tshape) not in (3, 4):
        raise _NoMatch(f"the scores have shape {tshape}; attention scores are [B, H, Lq, Lk] or [B·H, Lq, Lk]")
    rank = len(tshape)
    if sm.args[1] % rank != rank - 1:
        raise _NoMatch(f"softmax over dim {sm.args[1]}, not the key dim (last)")
    notes: list[str] = []
    nodes = [sm.name]
    s_node, chain = _score_chain(g, t)
    nodes += [s_node.name] + [n.name for n in chain]
    qn, q_scale = _strip_scale(g, s_node.args[0], nodes)
    ktn, k_scale = _strip_scale(g, s_node.args[1], nodes)
    pv = _probs_to_pv(g, sm, nodes, notes)
    nodes.append(pv.name)
    qs, ks, vs = g.shape(qn), g.shape(ktn), g.shape(pv.args[1])
    if None in (qs, ks, vs) or not (len(qs) == len(ks) == len(vs) == rank):
        raise _NoMatch(f"Q {qs}, Kᵀ {ks}, V {vs} and the scores {tshape} do not have one static rank")
    split = None
    if rank == 3:  # [B·H, L, D]: find B where the heads were split off
        b3 = _batch_split(g, qn, qs[0], qs[2])
        split = (b3, qs[0] // b3)
    as4 = _make_as4(split)
    q4, kt4, v4 = (as4(np.empty(s, np.int8)).shape for s in (qs, ks, vs))
    batch, heads, lq, d = q4
    lk, dv = kt4[3], v4[3]
    if kt4[2] != d or v4[2] != lk or kt4[0] not in (1, batch) or kt4[1] not in (1, heads) or v4[1] not in (1, heads):
        raise _NoMatch(f"shapes do not form attention: Q {qs}, Kᵀ {ks}, V {vs}")

    def swap(x: np.ndarray) -> np.ndarray:
        return np.swapaxes(as4(x), -1, -2)

    kv_heads = 1 if (kt4[1] == 1 and v4[1] == 1) else heads
    k_src = _gqa_source(g, ktn, heads, lk, d, swap) if kv_heads == heads and rank == 4 else None
    v_src = _gqa_source(g, pv.args[1], heads, lk, dv, as4) if k_src else None
    if k_src and v_src and k_src[1] == v_src[1]:
        kv_heads = k_src[1]
        nodes += k_src[2] + v_src[2]
        k = _operand("k", k_src[0], (batch, kv_heads, lk, d), lambda x: x, "K before the GQA repeat", dtype)
        v = _operand("v", v_src[0], (batch, kv_heads, lk, dv), lambda x: x, "V before the GQA repeat", dtype)
    else:
        k = _operand("k", ktn, (batch, kv_heads, lk, d), swap, "Kᵀ of the score matmul, transposed", dtype)
        v = _operand("v", pv.args[1], (batch, kv_heads, lk, dv), as4, "V of the P·V matmul", dtype)
    q = _operand("q", qn, (batch, heads, lq, d), as4, "Q of the score matmul", dtype)
    s_val = s_node.meta["val"]

    def shifted(env: dict, fill: float = 0.0) -> np.ndarray:
        torch = _torch()
        s = torch.full(tuple(s_val.shape), fill, dtype=s_val.dtype)
        (out,) = g.evaluate([t], {**env, s_node: s})
        return as4(_np(out).astype(np.float64))

    form, infos = _classify(g, [t], {s_node}, shifted, (batch, heads, lq, lk))
    fill = np.zeros if form.padding_inverted else np.ones
    ones = {p: _tensor(fill(infos[p.name].shape, infos[p.name].dtype), p) for p in g.cone_inputs([t], {s_node})}
    t0, t1, t2 = (shifted(ones, f) for f in (0.0, 1.0, 2.0))
    seen = np.isfinite(t0) & (t0 > -1e4)
    if not seen.any():
        raise _NoMatch("every score is masked for all-ones padding inputs")
    slope = t1[seen] - t0[seen]
    c = float(slope.flat[0])
    if c <= 0 or not (np.allclose(slope, c, rtol=1e-5) and np.allclose(t2[seen] - t0[seen], 2 * c, rtol=1e-5)):
        raise _NoMatch("the ops between the score matmul and the softmax are not scale·S + mask")
    shape = dict(batch=batch, heads=heads, kv_heads=kv_heads, q_len=lq, kv_len=lk, head_dim=d, value_dim=dv)
    return _layer(index, nodes, shape, q_scale * k_scale * c, "none", q, k, v, form, infos, pv.name, notes, dtype,
                  key_padding, as4)  # fmt: skip


def _match_sdpa(g: _Graph, node: Any, index: int, dtype: str, key_padding: str) -> AttentionLayer:
    names = ("query", "key", "value", "attn_mask", "dropout_p", "is_causal")
    a = dict(zip(names, node.args, strict=False))
    a.update(node.kwargs)
    qn, kn, vn = a["query"], a["key"], a["value"]
    mask, dropout, is_causal = a.get("attn_mask"), a.get("dropout_p", 0.0), bool(a.get("is_causal", False))
    scale, gqa = a.get("scale"), bool(a.get("enable_gqa", False))
    if dropout:
        raise _NoMatch(f"dropout_p {dropout} (training)")
    qs, ks, vs = g.shape(qn), g.shape(kn), g.shape(vn)
    if None in (qs, ks, vs) or not (len(qs) == len(ks) == len(vs)) or len(qs) not in (3, 4):
        raise _NoMatch(f"Q {qs}, K {ks}, V {vs}: attn.attention takes [B, H, L, D] or [B·H, L, D]")
    q4, k4, v4 = (_as4(np.empty(s, np.int8)).shape for s in (qs, ks, vs))
    batch, heads, lq, d = q4
    _, hk, lk, dk = k4
    dv = v4[3]
    if dk != d or v4[2] != lk or v4[1] != hk or k4[0] not in (1, batch):
        raise _NoMatch(f"shapes do not form attention: Q {qs}, K {ks}, V {vs}")
    notes: list[str] = []
    nodes = [node.name]
    if hk != heads and not (gqa and heads % hk == 0) and hk != 1:
        raise _NoMatch(f"{heads} query heads and {hk} kv heads without enable_gqa")
    kv_heads = hk
    src = _gqa_source(g, kn, heads, lk, d, _as4) if hk == heads and len(qs) == 4 else None
    vsrc = _gqa_source(g, vn, heads, lk, dv, _as4) if src else None
    if src and vsrc and src[1] == vsrc[1]:
        kv_heads = src[1]
        nodes += src[2] + vsrc[2]
        k = _operand("k", src[0], (batch, kv_heads, lk, d), lambda x: x, "K before the GQA repeat", dtype)
        v = _operand("v", vsrc[0], (batch, kv_heads, lk, dv), lambda x: x, "V before the GQA repeat", dtype)
    else:
        k = _operand("k", kn, (batch, kv_heads, lk, d), _as4, "key of scaled_dot_product_attention", dtype)
        v = _operand("v", vn, (batch, kv_heads, lk, dv), _as4, "value of scaled_dot_product_attention", dtype)
    q = _operand("q", qn, (batch, heads, lq, d), _as4, "query of scaled_dot_product_attention", dtype)
    scores = (batch, heads, lq, lk)
    if mask is not None:
        is_bool = g.np_dtype(mask) == np.bool_

        def additive(env: dict) -> np.ndarray:
            (m,) = g.evaluate([mask], env)
            m = _np(m)
            return np.where(m, 0.0, -np.inf) if is_bool else m.astype(np.float64)

        form, infos = _classify(g, [mask], set(), additive, scores)
    else:
        form, infos = MaskForm(), {}
    scale = 1.0 / np.sqrt(d) if scale is None else float(scale)
    shape = dict(batch=batch, heads=heads, kv_heads=kv_heads, q_len=lq, kv_len=lk, head_dim=d, value_dim=dv)
    return _layer(index, nodes, shape, scale, "top_left" if is_causal else "none", q, k, v, form, infos, node.name,
                  notes, dtype, key_padding)  # fmt: skip


def _export(module: Any, example_inputs: Any, kwargs: Optional[dict]) -> Any:
    torch = _torch()
    if not isinstance(module, torch.nn.Module):
        raise AttnError(f"{_WHO}: expected a torch.nn.Module, got {type(module).__name__}")
    args = tuple(example_inputs) if isinstance(example_inputs, (tuple, list)) else (example_inputs,)
    try:
        ep = torch.export.export(module, args, kwargs or {})
    except Exception as exc:
        raise AttnError(f"{_WHO}: torch.export failed: {type(exc).__name__}: {exc}") from None
    return ep, args


def find_attention(
    module: Any,
    example_inputs: Any,
    *,
    kwargs: Optional[dict] = None,
    dtype: str = "bf16",
    key_padding: str = "mask",
    _exported: Any = None,
) -> FrontendResult:
    """Every attention of `module` exported with ``torch.export`` on `example_inputs` (a tuple; plus
    `kwargs`), and every softmax / SDPA call not matched. Options as in
    :func:`attn.frontends.onnx.find_attention`."""
    if dtype not in _DTYPES:
        raise AttnError(f"{_WHO}: dtype must be one of {_DTYPES}, got {dtype!r}")
    if key_padding not in _KEY_PADDING:
        raise AttnError(f"{_WHO}: key_padding must be one of {_KEY_PADDING}, got {key_padding!r}")
    ep = _exported if _exported is not None else _export(module, example_inputs, kwargs)[0]
    g = _Graph(ep.module())
    layers: list[AttentionLayer] = []
    unmatched: list[Unmatched] = []
    for node in g.nodes:
        op = g.op(node)
        if op in _SOFTMAX:
            match = _match_softmax
        elif op == _SDPA:
            match = _match_sdpa
        elif "scaled_dot_product" in op or "attention" in op.lower():
            unmatched.append(Unmatched(node.name, f"{op} is not mapped (only {_SDPA} and explicit softmax)"))
            continue
        else:
            continue
        try:
            layers.append(match(g, node, len(layers), dtype, key_padding))
        except _NoMatch as exc:
            unmatched.append(Unmatched(node.name, str(exc)))
    return FrontendResult(layers, unmatched, dtype, "torch")


def import_module(
    module: Any,
    example_inputs: Any,
    *,
    kwargs: Optional[dict] = None,
    dtype: str = "bf16",
    key_padding: str = "mask",
) -> Any:
    """An MLIR module (``attn.ir.Module``) with one function per attention of `module` (exported by
    ``torch.export`` on `example_inputs`), each ``attn.attention`` tagged ``attn.torch_nodes`` with
    the FX nodes it replaces; ``attn.torch_unmatched`` on the module lists what was not matched."""
    return find_attention(module, example_inputs, kwargs=kwargs, dtype=dtype, key_padding=key_padding).module()


def check(
    module: Any,
    example_inputs: Any,
    *,
    kwargs: Optional[dict] = None,
    target: str = "npu2",
    simulate: bool = True,
    dtype: str = "bf16",
    key_padding: str = "mask",
    sim_heads: int = 2,
    tolerance: float = 2e-2,
) -> CheckResult:
    """Export `module`, find its attention layers, and compare each (run on the CPU path and in the
    simulator, large layers on a slice) with the value the module's own forward computes for it on
    `example_inputs`.

    The values come from evaluating the exported graph; that graph's outputs are first checked
    against ``module(*example_inputs, **kwargs)`` (a mismatch raises ValueError)."""
    torch = _torch()
    ep, args = _export(module, example_inputs, kwargs)
    found = find_attention(module, args, kwargs=kwargs, dtype=dtype, key_padding=key_padding, _exported=ep)
    g = _Graph(ep.module())
    leaves = torch.utils._pytree.tree_leaves((args, kwargs or {}))
    if len(leaves) != len(g.placeholders):
        raise AttnError(f"{_WHO}.check: {len(leaves)} input leaves for {len(g.placeholders)} graph inputs")
    env = dict(zip(g.placeholders, leaves, strict=True))
    wanted = {s for layer in found.layers for o in layer.operands for s in o.sources} | {
        layer.output for layer in found.layers
    }
    by_name = {n.name: n for n in g.nodes}
    out_node = next(n for n in g.nodes if n.op == "output")
    graph_outs = [n for n in torch.utils._pytree.tree_leaves(out_node.args) if hasattr(n, "op")]
    targets = [by_name[w] for w in sorted(wanted) if w in by_name]
    with torch.no_grad():
        vals = g.evaluate(targets + graph_outs, env)
        forward = module(*args, **(kwargs or {}))
    fwd = [t for t in torch.utils._pytree.tree_leaves(forward) if isinstance(t, torch.Tensor)]
    got = [t for t in vals[len(targets) :] if isinstance(t, torch.Tensor)]
    pairs = [(a, b) for a, b in zip(got, fwd, strict=False) if a.shape == b.shape]
    if not pairs:
        raise AttnError(f"{_WHO}.check: no output of the exported graph to compare with the module's forward")
    diff = max(float((a.float() - b.float()).abs().max()) if a.numel() else 0.0 for a, b in pairs)
    if not all(torch.allclose(a.float(), b.float(), rtol=1e-4, atol=1e-5) for a, b in pairs):
        raise AttnError(f"{_WHO}.check: the exported graph's outputs differ from the module's forward ({diff:.3e})")
    note = f"exported graph vs module forward: max |diff| {diff:.3e} over {len(pairs)} output(s)"
    values = {t.name: _np(v) for t, v in zip(targets, vals, strict=False)}
    values.update({p.name: _np(v) for p, v in env.items() if isinstance(v, torch.Tensor)})
    checks = [
        check_layer(layer, values, dtype, "torch", target, simulate, sim_heads, tolerance) for layer in found.layers
    ]
    return CheckResult(checks, found.unmatched, [note])
