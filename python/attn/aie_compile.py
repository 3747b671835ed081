"""Compile attention layers to AIE programs (``attn.compiler.compile``).

The work is the C++ ``attn-to-aie`` pipeline (attn-fold, attn-tile,
attn-pad-and-mask, attn-schedule-dma, convert-attn-to-aie, aie-check-limits);
this module renders its options, runs it and assembles a report from the
decisions recorded on the stages and the exact DRAM traffic of the emitted
runtime sequences::

    >>> from attn import compiler
    >>> program = compiler.compile(text, target="npu2", fold="online")  # doctest: +SKIP
    >>> program.text            # the AIE module, upstream mlir-aie syntax
    >>> program.report["dram_read_bytes"], program.report["compulsory_bytes"]

Options are the pipeline's (``attn-to-aie{target=... fold=... q-tile=...}``):
``tile_options`` takes ``q_tile``, ``kv_tile``, ``l2_q_block``, ``l2_kv_block``,
``columns``, ``cores_per_column``, ``kv_split``, ``depth``, ``mapping``, ``datapath`` (``native``;
``bfp16``: bf16 on npu2 through the BFP16 block-float matmul; ``auto``), ``allow_precision_loss``,
``intermediate_type`` (attn-fold, attn-tile) and ``kv_group_columns``, ``query_chunks``
(attn-schedule-dma).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Union

from . import ir, passmanager
from .analysis import count_traffic
from .errors import AttnError, from_mlir_error
from .pipeline_options import FoldOptions, TileOptions

__all__ = ["AIEPipelineOptions", "CompiledProgram", "compile"]


@dataclass(frozen=True)
class AIEPipelineOptions:
    """The options of the ``attn-to-aie`` pipeline (C++ names with ``_`` for ``-``)."""

    target: str = "npu2"
    fold: str = "auto"
    intermediate_type: str = "f32"
    q_tile: int = 0
    kv_tile: int = 0
    l2_q_block: int = 0
    l2_kv_block: int = 0
    columns: int = 0
    cores_per_column: int = 0
    kv_split: int = 0
    depth: int = 2
    mapping: str = "fused"
    datapath: str = "native"
    allow_precision_loss: bool = False
    kv_group_columns: int = 0
    query_chunks: int = 0

    def __post_init__(self) -> None:
        # attn-fold / attn-tile options are validated by their own dataclasses.
        FoldOptions(
            mode=self.fold,
            target=self.target,
            intermediate_type=self.intermediate_type,
            allow_precision_loss=self.allow_precision_loss,
        )
        TileOptions(
            target=self.target,
            q_tile=self.q_tile,
            kv_tile=self.kv_tile,
            l2_q_block=self.l2_q_block,
            l2_kv_block=self.l2_kv_block,
            columns=self.columns,
            cores_per_column=self.cores_per_column,
            kv_split=self.kv_split,
            depth=self.depth,
            mapping=self.mapping,
            datapath=self.datapath,  # type: ignore[arg-type]
            allow_precision_loss=self.allow_precision_loss,
        )
        for name in ("kv_group_columns", "query_chunks"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise AttnError(
                    f"attn-schedule-dma: option '{name.replace('_', '-')}' must be a non-negative int, got {value!r}"
                )

    def render(self) -> str:
        """``attn-to-aie{...}`` with the options that differ from their defaults."""
        parts = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value != f.default or f.name in ("target", "fold"):
                text = str(value).lower() if isinstance(value, bool) else value
                parts.append(f"{f.name.replace('_', '-')}={text}")
        return "attn-to-aie{" + " ".join(parts) + "}"


@dataclass
class CompiledProgram:
    """What :func:`compile` returns."""

    aie: ir.Module  # the AIE module: one aie.device per stage
    text: str  # its text (upstream mlir-aie syntax)
    report: dict[str, Any]  # stages, plans, schedules, DRAM traffic
    pipeline: str  # the textual pipeline that produced it


_ROLE_TENSORS = ("q", "k", "v", "mask", "bias", "o")


def _attr_to_py(attr: ir.Attribute) -> Any:
    if isinstance(attr, ir.DictAttr):
        return {named.name: _attr_to_py(named.attr) for named in attr}
    if isinstance(attr, ir.ArrayAttr):
        return [_attr_to_py(a) for a in attr]
    if isinstance(attr, ir.DenseI64ArrayAttr):
        return list(attr)
    if isinstance(attr, ir.BoolAttr):
        return bool(attr.value)
    if isinstance(attr, ir.IntegerAttr):
        return attr.value
    if isinstance(attr, ir.StringAttr):
        return attr.value
    if isinstance(attr, ir.FloatAttr):
        return attr.value
    if isinstance(attr, ir.TypeAttr):
        return str(attr.value)
    return str(attr)


# A dynamic padded length is absent from the device's plan dictionary.
_DYNAMIC_PADDING = dict.fromkeys(("padded_q_len", "padded_kv_len", "padded_head_dim", "padded_value_dim"))


def _matmul_datapath(device: Any) -> str:
    """How the device's kernels multiply, from the ``ATTN_BF16_SPLITS`` of their
    ``attn.kernel_defines``: ``native`` (bf16), ``bf16x3`` / ``bf16x6`` (f16 / f32
    as sums of bf16 partial products: passes in the name) or ``bf16_rounded``
    (allow-precision-loss: operands rounded to bf16, one pass)."""
    for inner in device.regions[0].blocks[0].operations:
        if inner.operation.name != "func.func" or "attn.kernel_defines" not in inner.attributes:
            continue
        defines = ir.DictAttr(inner.attributes["attn.kernel_defines"])
        if "ATTN_BF16_SPLITS" not in defines:
            return "native"
        splits = ir.IntegerAttr(defines["ATTN_BF16_SPLITS"]).value
        return "bf16_rounded" if splits == 1 else f"bf16x{splits * (splits + 1) // 2}"
    return "native"


def _stage_records(module: ir.Module) -> list[dict[str, Any]]:
    """One record per dispatch, in dispatch order, read from the ``attn.host``
    dictionary convert-attn-to-aie puts on each ``aie.device`` (typed
    attributes read through the bindings, never printed text)."""
    records = []
    for op in module.body.operations:
        if op.operation.name != "aie.device" or "attn.host" not in op.attributes:
            continue
        host = ir.DictAttr(op.attributes["attn.host"])
        records.append(
            {
                "function": ir.StringAttr(host["function"]).value,
                "name": ir.StringAttr(host["stage"]).value,
                "dispatch": ir.IntegerAttr(host["dispatch"]).value,
                "fold": ir.StringAttr(host["fold"]).value,
                "plan": {**_DYNAMIC_PADDING, **_attr_to_py(host["plan"])},
                "schedule": _attr_to_py(host["dma_schedule"]),
                "device": ir.StringAttr(op.attributes["sym_name"]).value,
                "matmul": _matmul_datapath(op),
            }
        )
    return records


def compile(  # noqa: A001 - the public name is fixed by the project
    module: Union[ir.Module, str],
    target: str = "npu2",
    fold: str = "auto",
    **tile_options: Any,
) -> CompiledProgram:
    """Compile the attention layers of `module` to AIE devices for `target`.

    `module`: an ``attn.ir.Module`` (left unchanged) or MLIR text holding
    functions with ``attn.attention`` ops. `fold`: ``auto``, ``unfolded``,
    ``partial``, ``full`` or ``online``. `tile_options`: see the module
    docstring. Raises ``ValueError`` for bad options and for layers the
    pipeline cannot compile (the message carries the diagnostics: which
    stage, which limit).
    """
    names = {f.name for f in dataclasses.fields(AIEPipelineOptions)} - {"target", "fold"}
    unknown = sorted(set(tile_options) - names)
    if unknown:
        raise AttnError(f"compile: unknown option(s) {', '.join(unknown)}; valid: {', '.join(sorted(names))}")
    options = AIEPipelineOptions(target=target, fold=fold, **tile_options)

    if isinstance(module, str):
        context = ir.Context()
        text = module
    elif isinstance(module, ir.Module):
        context = module.context
        text = str(module)
    else:
        raise AttnError(f"compile: expected an attn.ir.Module or MLIR text, got {type(module).__name__}")

    pipeline = options.render()
    with context, ir.Location.unknown():
        try:
            work = ir.Module.parse(text)
        except ir.MLIRError as exc:  # the binding's error carries the diagnostics
            raise from_mlir_error("compile: cannot parse the module", exc) from None
        try:
            # The registered attn-to-aie pipeline, in one piece; the decisions
            # come back on the devices it emits.
            passmanager.PassManager.parse(f"builtin.module({pipeline})").run(work.operation)
        except ir.MLIRError as exc:
            raise from_mlir_error(f"compile: {pipeline} failed", exc) from None
        stages = _stage_records(work)
        if not stages:
            raise AttnError("compile: the module has no attn.attention to compile")
        per_device = []
        read = write = 0
        for stage in stages:
            device = stage["device"]
            traffic = count_traffic(work, sequence=device)
            roles = stage["schedule"]["arguments"]
            # valid_len is one i32 runtime scalar per batch in the runtime sequence.
            scalars = len(traffic["per_argument"]) - len(roles) + 1
            roles = [x for r in roles for x in ([r] * scalars if r == "valid_len" else [r])]
            arguments = {
                roles[i]: {"read_bytes": a["read_bytes"], "write_bytes": a["write_bytes"]}
                for i, a in traffic["per_argument"].items()
            }
            per_device.append(
                {
                    "device": device,
                    "read_bytes": traffic["read_bytes"],
                    "write_bytes": traffic["write_bytes"],
                    "arguments": arguments,
                }
            )
            read += traffic["read_bytes"]
            write += traffic["write_bytes"]
        # Compulsory: the program buffers of Q, K, V (and an explicit mask/bias)
        # read once, O written once
        # (per layer, i.e. per function).
        compulsory = 0
        by_function: dict[str, dict[str, int]] = {}
        for stage in stages:
            buffers = by_function.setdefault(stage["function"], {})
            for role, size in stage["schedule"]["buffer_bytes"].items():
                if role in _ROLE_TENSORS:
                    buffers.setdefault(role, size)
        for buffers in by_function.values():
            compulsory += sum(buffers.values())
        per_tensor: dict[str, dict[str, int]] = {}
        for dev in per_device:
            for role, t in dev["arguments"].items():
                acc = per_tensor.setdefault(role, {"read_bytes": 0, "write_bytes": 0})
                acc["read_bytes"] += t["read_bytes"]
                acc["write_bytes"] += t["write_bytes"]
        report = {
            "target": options.target,
            "fold": options.fold,
            "pipeline": pipeline,
            "stages": [{k: s[k] for k in ("function", "name", "fold", "device", "matmul")} for s in stages],
            # allow-precision-loss took effect: some stage's matmuls round f16/f32 operands to bf16
            "precision_loss": any(s["matmul"] == "bf16_rounded" for s in stages),
            "plans": {s["device"]: s["plan"] for s in stages},
            "schedules": {s["device"]: s["schedule"] for s in stages},
            "dram_read_bytes": read,
            "dram_write_bytes": write,
            "compulsory_bytes": compulsory,
            "per_device": per_device,
            "per_tensor": per_tensor,
        }
        return CompiledProgram(aie=work, text=str(work), report=report, pipeline=pipeline)
