"""Cost model and design-space exploration of one attention layer on an NPU.

The model, the roofline and the search run in C++ (``include/attn/Analysis``);
their structs (``AttentionShape``, ``Plan``, ``PlanConstraints``, ``Estimate``,
``Violation``, ``ExploreResult``, ...) are bound with nanobind
(``python/AttnModelBindings.cpp``). This module reads the layer's shape from an
attn ``Module`` and gives the results as frozen dataclasses whose field names
are the bound structs' own.

    from attn import dse, ir

    with ir.Context():
        module = ir.Module.parse(open("examples/llama32_1b_prefill.mlir").read())
        result = dse.explore(module, target="npu2")
    result.plan.fold, result.latency_s, result.roofline.binding
    dse.estimate(module, target="npu2", fold="unfolded", q_tile=32)  # other fields searched
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from . import ir
from ._mlir_libs import _attn
from .errors import AttnError

__all__ = [
    "Alternative",
    "AttentionShape",
    "Estimate",
    "Exploration",
    "Plan",
    "Roofline",
    "Stage",
    "MatmulEstimate",
    "NotEmittable",
    "estimate",
    "estimate_matmul",
    "estimate_shape",
    "explore",
    "explore_shape",
    "plot",
    "compile_options",
    "shape_of",
    "why_not_emittable",
]

# Plan fields a caller may set (estimate's **tile_options, explore_shape's
# **fixed), with the Python types they accept.
_PLAN_FIELDS: dict[str, type | tuple[type, ...]] = {
    "q_tile": int,
    "kv_tile": int,
    "l2_q_block": int,
    "l2_kv_block": int,
    "intrinsic": (tuple, list),
    "columns": int,
    "cores_per_column": int,
    "mapping": str,
    "kv_split": int,
    "depth": int,
    "k_transpose": str,
    "layout": str,
    "intermediate": str,
    "causal_skip": bool,
}
_FOLDS = ("unfolded", "partial", "full", "online")
_CAUSAL = ("none", "top_left", "bottom_right")
_LAYOUT = ("bhld", "blhd")
_SPACES = ("all", "attn-tile")


@dataclass(frozen=True)
class AttentionShape:
    """The sizes and options of one attention layer (real, unpadded sizes)."""

    batch: int
    heads: int
    kv_heads: int
    query_len: int
    key_len: int
    head_dim: int
    value_dim: int
    element: str = "bf16"
    causal: str = "none"
    mask: str = "none"
    mask_shape: tuple[int, int, int, int] = (1, 1, 1, 1)
    mask_element: str = "i8"
    bias: bool = False
    bias_shape: tuple[int, int, int, int] = (1, 1, 1, 1)
    bias_element: str = "bf16"
    valid_len: bool = False
    layout: str = "bhld"
    # allow-precision-loss: f16/f32 matmuls in one bf16 pass (operands rounded)
    matmul_in_bf16: bool = False

    def to_json(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["mask_shape"] = list(self.mask_shape)
        d["bias_shape"] = list(self.bias_shape)
        return d

    def _native(self) -> Any:
        """The bound ``cost::AttentionShape``."""
        native = _attn.AttentionShape()
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            try:
                setattr(native, f.name, value)
            except TypeError:
                raise AttnError(f"shape field {f.name!r}: expected {f.type}, got {value!r}") from None
        return native


@dataclass(frozen=True)
class Plan:
    """A tiling plan (the fields of ``#attn.plan`` plus the model's choices)."""

    target: str
    fold: str
    q_tile: int
    kv_tile: int
    l2_q_block: int
    l2_kv_block: int
    intrinsic: tuple[int, int, int]
    columns: int
    cores_per_column: int
    mapping: str
    kv_split: int
    depth: int
    k_transpose: str
    layout: str
    intermediate: str
    causal_skip: bool

    @staticmethod
    def _from_native(native: Any, target: str) -> Plan:
        return _copy(Plan, native, target=target)

    def options(self) -> dict[str, Any]:
        """The plan as keyword arguments of :func:`estimate`."""
        d = dict(self.__dict__)
        del d["target"], d["fold"]
        return d


@dataclass(frozen=True)
class Stage:
    """One dispatch of a plan: cycles of the critical core, DMA hops, DRAM."""

    name: str
    latency_s: float
    binding: str
    rounds: int
    macs: int
    matrix_cycles: float
    vector_cycles: float
    overhead_cycles: float
    compute_cycles: float
    dma_cycles: Mapping[str, float]
    dram_read_bytes: int
    dram_write_bytes: int
    dram_s: float
    fill_cycles: float
    drain_cycles: float
    dispatch_s: float
    l1_bytes: int
    l2_bytes: int


@dataclass(frozen=True)
class Estimate:
    """The modelled latency, DRAM traffic, memory use and energy of one plan."""

    latency_s: float
    dram_bytes: int
    plan: Plan
    binding: str
    energy_j: float
    l1_bytes: int
    l2_bytes: int
    macs: int = 0
    useful_macs: int = 0
    dram: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    stages: tuple[Stage, ...] = ()
    datapath: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    padded: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    violations: tuple[str, ...] = ()
    # One per violation, in the same order: {kind, stage, resource, needed, limit}.
    violation_kinds: tuple[Mapping[str, Any], ...] = ()

    @property
    def legal(self) -> bool:
        return not self.violations

    @staticmethod
    def _from_native(native: Any, target: str) -> Estimate:
        violations = native.violations
        return _copy(
            Estimate,
            native,
            plan=Plan._from_native(native.plan, target),
            dram=MappingProxyType(native.dram),
            stages=tuple(_stage(s) for s in native.stages),
            datapath=MappingProxyType(native.datapath),
            padded=MappingProxyType(native.padded),
            violations=tuple(v.message for v in violations),
            violation_kinds=tuple(
                MappingProxyType({key: getattr(v, key) for key in ("kind", "stage", "resource", "needed", "limit")})
                for v in violations
            ),
        )


def _copy(cls: Any, native: Any, **given: Any) -> Any:
    """An instance of the dataclass `cls` from the bound struct `native`:
    fields in `given` as given, the others read from `native` by name."""
    return cls(
        **{f.name: given[f.name] if f.name in given else getattr(native, f.name) for f in dataclasses.fields(cls)}
    )


def _stage(native: Any) -> Stage:
    return _copy(Stage, native, dma_cycles=MappingProxyType(native.dma_cycles))


@dataclass(frozen=True)
class Roofline:
    """max(MAC-bound, vector-bound, DRAM-bound) + one dispatch; `binding` names the largest."""

    bound_s: float
    binding: str
    mac_s: float
    vector_s: float
    dram_s: float
    dispatch_s: float
    useful_macs: int
    compulsory_bytes: int
    vector_ops: float


@dataclass(frozen=True)
class NotEmittable:
    """Why the AIE back end does not emit a plan (``cost::whyNotEmittable``):
    the rule, the plan field and the message the compiler reports."""

    rule: str
    field: str
    message: str


@dataclass(frozen=True)
class Alternative:
    """A runner-up plan and why it lost against the best one."""

    estimate: Estimate
    reason: str


@dataclass(frozen=True)
class Exploration:
    """Result of :func:`explore`: the best plan and the explored space."""

    best: Estimate
    pareto: tuple[Estimate, ...]  # non-dominated in (latency, DRAM bytes, L1, L2)
    alternatives: tuple[Alternative, ...]
    roofline: Roofline
    per_fold: Mapping[str, Estimate | str]  # best plan of each fold, or why none fits
    stats: Mapping[str, Any]
    shape: AttentionShape
    target: str

    @property
    def latency_s(self) -> float:
        return self.best.latency_s

    @property
    def dram_bytes(self) -> int:
        return self.best.dram_bytes

    @property
    def plan(self) -> Plan:
        return self.best.plan

    @property
    def binding(self) -> str:
        return self.best.binding


# ---------------------------------------------------------------------------
# Reading the shape from IR
# ---------------------------------------------------------------------------


def _static_dims(value: ir.Value, operand: str) -> list[int]:
    ty = ir.RankedTensorType(value.type)
    dims = list(ty.shape)
    for i in range(len(dims)):
        if ty.is_dynamic_dim(i):
            raise AttnError(
                f"module: operand '{operand}' of attn.attention has a dynamic dim {i} "
                f"({value.type}); the cost model needs static sizes (give the bucket length)"
            )
    return dims


def _element_name(ty: ir.Type, operand: str) -> str:
    for name, cls in (("bf16", ir.BF16Type), ("f16", ir.F16Type), ("f32", ir.F32Type)):
        if isinstance(ty, cls):
            return name
    if isinstance(ty, ir.IntegerType):
        width = ir.IntegerType(ty).width
        if width == 1:
            return "i8"  # a boolean mask is stored one byte per element
        if width in (8, 16, 32):
            return f"i{width}"
    raise AttnError(f"module: operand '{operand}' of attn.attention has unsupported element type {ty}")


def _right_aligned(dims: list[int], operand: str) -> tuple[int, int, int, int]:
    if len(dims) > 4:
        raise AttnError(f"module: operand '{operand}' has rank {len(dims)}; at most 4 is allowed")
    return tuple([1] * (4 - len(dims)) + dims)  # type: ignore[return-value]


def _find_attention(module: Any) -> ir.Operation:
    if isinstance(module, ir.Module):
        root = module.operation
    elif isinstance(module, ir.Operation):
        root = module
    elif isinstance(module, ir.OpView):
        root = module.operation
    else:
        raise AttnError(f"module must be an attn.ir.Module or Operation, got {type(module).__name__}")
    found: list[ir.Operation] = []

    def visit(op: ir.Operation) -> ir.WalkResult:
        if op.name == "attn.attention":
            found.append(op)
        return ir.WalkResult.ADVANCE

    root.walk(visit)
    if len(found) != 1:
        raise AttnError(f"module must hold exactly one attn.attention op, found {len(found)}")
    return found[0]


def shape_of(module: Any) -> AttentionShape:
    """The :class:`AttentionShape` of the single ``attn.attention`` in `module`."""
    op = _find_attention(module)
    view = op.opview
    attrs = op.attributes
    causal = _CAUSAL[ir.IntegerAttr(attrs["causal"]).value] if "causal" in attrs else "none"
    layout = _LAYOUT[ir.IntegerAttr(attrs["layout"]).value] if "layout" in attrs else "bhld"
    q = _static_dims(view.query, "query")
    k = _static_dims(view.key, "key")
    v = _static_dims(view.value, "value")
    if layout == "blhd":  # [B, L, H, D] -> logical [B, H, L, D]
        q, k, v = ([d[0], d[2], d[1], d[3]] for d in (q, k, v))
    kwargs: dict[str, Any] = dict(
        batch=q[0],
        heads=q[1],
        kv_heads=k[1],
        query_len=q[2],
        key_len=k[2],
        head_dim=q[3],
        value_dim=v[3],
        element=_element_name(ir.RankedTensorType(view.query.type).element_type, "query"),
        causal=causal,
        layout=layout,
        valid_len=view.valid_len is not None,
    )
    if view.mask is not None:
        ty = ir.RankedTensorType(view.mask.type)
        elem = _element_name(ty.element_type, "mask")
        kwargs["mask"] = "boolean" if isinstance(ty.element_type, ir.IntegerType) else "additive"
        kwargs["mask_shape"] = _right_aligned(_static_dims(view.mask, "mask"), "mask")
        kwargs["mask_element"] = elem
    if view.bias is not None:
        ty = ir.RankedTensorType(view.bias.type)
        kwargs["bias"] = True
        kwargs["bias_shape"] = _right_aligned(_static_dims(view.bias, "bias"), "bias")
        kwargs["bias_element"] = _element_name(ty.element_type, "bias")
    return AttentionShape(**kwargs)


# ---------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------


def _check_target(target: Any) -> str:
    if not isinstance(target, str):
        raise AttnError(f"target must be a string, got {type(target).__name__}")
    names = list(_attn.target_names())
    if target not in names:
        raise AttnError(f"target: unknown NPU target {target!r}; valid targets: {', '.join(names)}")
    return target


def _check_fold(fold: Any) -> str:
    if fold not in _FOLDS:
        raise AttnError(f"fold: unknown fold mode {fold!r}; valid: {', '.join(_FOLDS)}")
    return fold


def _check_options(options: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in options.items():
        if name not in _PLAN_FIELDS:
            raise AttnError(f"unknown tile option {name!r}; valid: {', '.join(_PLAN_FIELDS)}")
        expected = _PLAN_FIELDS[name]
        if expected is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise AttnError(f"tile option {name!r} must be an int, got {value!r}")
        if not isinstance(value, expected):
            raise AttnError(f"tile option {name!r} must be {expected}, got {value!r}")
        if expected is int and not -(2**62) < value < 2**62:
            raise AttnError(f"tile option {name!r} is out of range: {value}")
        if name == "intrinsic":
            if len(value) != 3 or not all(isinstance(x, int) and not isinstance(x, bool) for x in value):
                raise AttnError(f"tile option 'intrinsic' must be three ints [M, K, N], got {value!r}")
            value = list(value)
        out[name] = value
    return out


def _check_shape(shape: Any) -> AttentionShape:
    if not isinstance(shape, AttentionShape):
        raise AttnError(f"shape must be an attn.dse.AttentionShape, got {type(shape).__name__}")
    return shape


def _exploration(native: Any, shape: AttentionShape, target: str) -> Exploration:
    per_fold: dict[str, Estimate | str] = {
        f.fold: Estimate._from_native(f.best, target) if f.best is not None else f.reason for f in native.per_fold
    }
    stats = native.stats
    return Exploration(
        best=Estimate._from_native(native.best, target),
        pareto=tuple(Estimate._from_native(p, target) for p in native.pareto),
        alternatives=tuple(
            Alternative(Estimate._from_native(a.estimate, target), a.reason) for a in native.alternatives
        ),
        roofline=_copy(Roofline, native.roofline),
        per_fold=MappingProxyType(per_fold),
        stats=MappingProxyType(
            {
                **{
                    key: getattr(stats, key)
                    for key in ("candidates", "invalid", "illegal", "pruned", "evaluated", "not_emittable")
                },
                "seconds": stats.seconds,
                "illegal_by": [list(entry) for entry in stats.illegal_by],
                "not_emittable_by": [list(entry) for entry in stats.not_emittable_by],
            }
        ),
        shape=shape,
        target=target,
    )


def _check_space(space: Any) -> str:
    if space not in _SPACES:
        raise AttnError(f"space: unknown search space {space!r}; valid: {', '.join(_SPACES)}")
    return space


def explore_shape(
    shape: AttentionShape, target: str = "npu2", space: str = "all", max_alternatives: int = 8, **fixed: Any
) -> Exploration:
    """Explores the plans of `shape`; `fixed` pins plan fields (and ``fold``).

    Only plans the AIE back end emits are searched (:func:`why_not_emittable`
    prunes the rest), except in the fields `fixed` pins. `max_alternatives`
    runner-up plans are reported (``space="all"``).

    ``space="attn-tile"`` searches only the plans the compiler attaches (what
    ``attn-fold{mode=auto}`` and ``attn-tile`` choose from: native intrinsic,
    no cascade, fused mapping and depth 2 unless fixed, f32 S/P in DRAM unless
    ``intermediate`` is fixed); ``"all"`` searches everything the model knows.
    ``datapath`` (``space="attn-tile"`` only) is attn-tile's option: ``native``
    (default), ``bfp16`` (npu2's BFP16 intrinsic for bf16 layers) or ``auto``
    (every datapath the kernels have, as ``attn-tile{datapath=auto}``).
    """
    shape = _check_shape(shape)
    target = _check_target(target)
    space = _check_space(space)
    fixed = dict(fixed)
    constraints = _attn.PlanConstraints()
    if "datapath" in fixed:
        datapath = fixed.pop("datapath")
        if space != "attn-tile":
            raise AttnError(
                "datapath: an attn-tile option; use space='attn-tile' (space='all' searches every datapath)"
            )
        if datapath not in ("native", "bfp16", "auto"):
            raise AttnError(f"datapath: unknown matmul datapath {datapath!r}; valid: native, bfp16, auto")
        if datapath == "auto":
            constraints.any_datapath = True
        elif datapath == "bfp16":
            bfp = _attn.target(target).bf16_via_bfp16
            if bfp.macs_per_cycle <= 0 or shape.element != "bf16":
                raise AttnError(f"datapath=bfp16: target {target!r} has no BFP16 datapath for {shape.element} layers")
            constraints.intrinsic = tuple(bfp.intrinsic)
    if "fold" in fixed:
        constraints.fold = _check_fold(fixed.pop("fold"))
    for name, value in _check_options(fixed).items():
        setattr(constraints, name, value)
    if isinstance(max_alternatives, bool) or not isinstance(max_alternatives, int):
        raise AttnError(f"max_alternatives must be an int, got {max_alternatives!r}")
    native = _attn.explore(shape._native(), target, constraints, max_alternatives=max_alternatives, space=space)
    return _exploration(native, shape, target)


def why_not_emittable(
    shape: AttentionShape, target: str = "npu2", fold: str = "online", **plan_fields: Any
) -> NotEmittable | None:
    """None when the AIE back end emits the plan (`fold` and `plan_fields`, the
    fields of :class:`Plan`; unset ones take the model's defaults), else why
    not: the rule of ``cost::whyNotEmittable`` the plan breaks and the message
    the compiler reports for it. The design-space search prunes such plans."""
    shape = _check_shape(shape)
    target = _check_target(target)
    fold = _check_fold(fold)
    plan = _attn.Plan()
    plan.fold = fold
    for name, value in _check_options(plan_fields).items():
        setattr(plan, name, value)
    why = _attn.why_not_emittable(shape._native(), plan, target)
    return None if why is None else NotEmittable(**why)


def compile_options(plan: Plan, shape: AttentionShape) -> dict[str, Any]:
    """Keyword arguments of ``attn.compiler.compile`` that pin every field of
    `plan` the ``attn-to-aie`` pipeline takes (fold, tiles, L2 blocks, array
    part, mapping, depth, matmul datapath, S/P type). The other fields are
    fixed by the compiler's space (K transposed by the kernel, the
    layout's own handling, causal skip): :func:`why_not_emittable` reports a
    plan that differs there."""
    if not isinstance(plan, Plan):
        raise AttnError(f"plan must be an attn.dse.Plan, got {type(plan).__name__}")
    shape = _check_shape(shape)
    bfp16 = _attn.target(plan.target).bf16_via_bfp16
    datapath = (
        "bfp16"
        if shape.element == "bf16" and bfp16.macs_per_cycle > 0 and tuple(plan.intrinsic) == tuple(bfp16.intrinsic)
        else "native"
    )
    options: dict[str, Any] = {
        "fold": plan.fold,
        "q_tile": plan.q_tile,
        "kv_tile": plan.kv_tile,
        "l2_q_block": plan.l2_q_block,
        "l2_kv_block": plan.l2_kv_block,
        "columns": plan.columns,
        "cores_per_column": plan.cores_per_column,
        "kv_split": plan.kv_split,
        "depth": plan.depth,
        "mapping": plan.mapping,
        "datapath": datapath,
        "intermediate_type": plan.intermediate,
    }
    if shape.matmul_in_bf16:
        options["allow_precision_loss"] = True
    return options


def estimate_shape(
    shape: AttentionShape,
    target: str = "npu2",
    fold: str = "online",
    allow_illegal: bool = False,
    **tile_options: Any,
) -> Estimate:
    """Models `shape` under a plan. Unset tile options are chosen by a search
    with the given ones fixed; with every option set the plan is modelled as
    given. An illegal plan (L1/L2 capacity, channels) raises ValueError unless
    `allow_illegal` (then ``.violations`` lists the broken limits)."""
    shape = _check_shape(shape)
    target = _check_target(target)
    fold = _check_fold(fold)
    options = _check_options(tile_options)
    explorable = set(_PLAN_FIELDS) - {"causal_skip"}
    if explorable - set(options) and not allow_illegal:
        # Fill the free fields with the fastest plan that fits.
        return explore_shape(shape, target, fold=fold, **tile_options).best
    plan = _attn.Plan()
    plan.fold = fold
    for name, value in options.items():
        setattr(plan, name, value)
    result = Estimate._from_native(_attn.estimate(shape._native(), plan, target), target)
    if result.violations and not allow_illegal:
        given = ", ".join(f"{k}={v}" for k, v in options.items())
        raise AttnError(f"plan ({given}) does not fit {target}: " + "; ".join(result.violations))
    return result


def estimate(module: Any, target: str = "npu2", fold: str = "online", **tile_options: Any) -> Estimate:
    """Models the attention layer in `module` on `target` with fold mode `fold`.

    `tile_options` are plan fields (q_tile, kv_tile, l2_q_block, l2_kv_block,
    intrinsic, columns, cores_per_column, mapping, kv_split, depth,
    k_transpose, layout, intermediate, causal_skip); the ones left out are
    chosen by the design-space search. Raises ValueError naming a bad
    argument, or listing the limits a plan breaks.
    """
    target = _check_target(target)
    fold = _check_fold(fold)
    return estimate_shape(shape_of(module), target, fold, **tile_options)


def explore(module: Any, target: str = "npu2", space: str = "all", **fixed: Any) -> Exploration:
    """Explores every fold and tiling of the attention layer in `module`.

    Returns the fastest legal plan (``.plan``, ``.latency_s``,
    ``.dram_bytes``), the Pareto set over latency, DRAM bytes, L1 and L2
    use (``.pareto``), runner-up plans with the reason they lost
    (``.alternatives``), the best plan of each fold (``.per_fold``) and the
    roofline bound with its binding resource (``.roofline``).

    ``space="attn-tile"`` restricts the search to the plans the compiler
    attaches: ``.plan.fold`` is the fold ``attn-fold{mode=auto}`` picks and
    ``.plan`` the ``#attn.plan`` ``attn-tile`` then attaches. `fixed` pins
    plan fields (``fold``, ``q_tile``, ``mapping``, ...), like attn-tile's
    options.
    """
    target = _check_target(target)
    space = _check_space(space)
    return explore_shape(shape_of(module), target, space, **fixed)


@dataclass(frozen=True)
class MatmulEstimate:
    """Modelled whole-array GEMM (for calibrating the matmul datapaths)."""

    latency_s: float
    dram_bytes: int
    macs: int
    binding: str
    datapath: Mapping[str, Any]
    stage: Stage
    violations: tuple[str, ...]

    @property
    def ops_per_second(self) -> float:
        """2 * M * N * K / latency (FLOP/s or OP/s)."""
        return 2.0 * self.macs / self.latency_s


def estimate_matmul(
    m: int,
    k: int,
    n: int,
    target: str = "npu2",
    element: str = "bf16",
    out_element: str = "f32",
    tile_m: int = 64,
    tile_k: int = 64,
    tile_n: int = 64,
    intrinsic: tuple[int, int, int] | None = None,
) -> MatmulEstimate:
    """Models C[m,n] = A[m,k] B[k,n] on every core of `target` (mlir-aie's
    whole-array mapping) with `intrinsic` (default: the native one)."""
    target = _check_target(target)
    for name, value in (("m", m), ("k", k), ("n", n), ("tile_m", tile_m), ("tile_k", tile_k), ("tile_n", tile_n)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise AttnError(f"{name} must be an int, got {value!r}")
        if not -(2**62) < value < 2**62:
            raise AttnError(f"{name} is out of range: {value}")
    problem = _attn.MatmulProblem()
    problem.m, problem.k, problem.n = m, k, n
    problem.element, problem.out_element = element, out_element
    plan = _attn.MatmulPlan()
    plan.tile_m, plan.tile_k, plan.tile_n = tile_m, tile_k, tile_n
    if intrinsic is not None:
        plan.intrinsic = _check_options({"intrinsic": intrinsic})["intrinsic"]
    native = _attn.estimate_matmul(problem, plan, target)
    (stage,) = native.stages
    return MatmulEstimate(
        latency_s=native.latency_s,
        dram_bytes=native.dram_bytes,
        macs=native.useful_macs,
        binding=native.binding,
        datapath=MappingProxyType(native.datapath),
        stage=_stage(stage),
        violations=tuple(v.message for v in native.violations),
    )


_FOLD_COLORS = {"unfolded": "tab:red", "partial": "tab:orange", "full": "tab:green", "online": "tab:blue"}


def plot(exploration: Exploration, path: str | None = None, ax: Any = None) -> Any:
    """Plots the explored space: DRAM bytes vs latency of the Pareto set and of
    the best plan of every fold, the chosen plan and the roofline bound.
    Saves to `path` when given; returns the matplotlib Axes."""
    if not isinstance(exploration, Exploration):
        raise AttnError(f"exploration must be an attn.dse.Exploration, got {type(exploration).__name__}")
    try:
        import matplotlib

        if ax is None and path is not None:
            matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("attn.dse.plot needs matplotlib; install it with 'pip install matplotlib'") from err
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.5))
    for fold, color in _FOLD_COLORS.items():
        points = [p for p in exploration.pareto if p.plan.fold == fold]
        if points:
            ax.scatter(
                [p.latency_s * 1e3 for p in points],
                [p.dram_bytes / 2**20 for p in points],
                s=14,
                color=color,
                alpha=0.6,
                label=f"{fold} (Pareto)",
            )
        best = exploration.per_fold.get(fold)
        if isinstance(best, Estimate):
            ax.scatter([best.latency_s * 1e3], [best.dram_bytes / 2**20], s=90, marker="D", color=color)
    ax.scatter(
        [exploration.latency_s * 1e3],
        [exploration.dram_bytes / 2**20],
        s=180,
        marker="*",
        color="black",
        label="chosen",
    )
    ax.axvline(
        exploration.roofline.bound_s * 1e3,
        color="gray",
        linestyle="--",
        label=f"roofline ({exploration.roofline.binding})",
    )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("modelled latency (ms)")
    ax.set_ylabel("DRAM traffic (MiB)")
    s = exploration.shape
    ax.set_title(
        f"{exploration.target}: B={s.batch} H={s.heads}/{s.kv_heads} L={s.query_len}x{s.key_len} "
        f"D={s.head_dim} {s.causal}"
    )
    ax.legend(fontsize=7)
    if path is not None:
        ax.figure.savefig(path, dpi=120, bbox_inches="tight")
    return ax
