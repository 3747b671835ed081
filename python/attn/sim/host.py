"""Host side of a compiled attention program: what a runtime does around the dispatches.

``attn.compiler.compile`` returns one ``aie.device`` per stage plus the layer's
host program: an ``aie.device`` whose runtime sequence dispatches the stage
devices in order with upstream's ``aiex.configure`` / ``aiex.run``, passing the
layer's DRAM buffers (S and P between stages) and ``valid_len`` scalars, and
whose ``attn.host_program`` record names each argument's role and the host
padding. Running the layer means, per docs/aie-mapping.md: zero-pad the inputs
to the device buffers, run that sequence (each stage's sequence writes
``valid_len`` to its cores with ``aiex.npu.rtp_write``; no instruction is
patched) and slice O back to the layer's shape. :func:`run_compiled` reads the
host program's ops and attributes and does exactly that on the simulator.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import numpy as np

from .errors import SimError
from .frontend import load
from .trace import chrome_trace, plot_timeline, write_chrome_trace


def is_compiled_program(program: Any) -> bool:
    """True for what ``attn.compiler.compile`` returns (devices plus a report with schedules)."""
    report = getattr(program, "report", None)
    return hasattr(program, "aie") and isinstance(report, dict) and "schedules" in report and "stages" in report


def host_padding(
    device: Any,
) -> tuple[dict[int, tuple[int, ...]], Optional[tuple[tuple[int, ...], tuple[int, ...]]]]:
    """Operand index -> padded device shape; and (padded, logical) shapes of the
    result. Read from the typed ``host_padding`` entries of the device's
    ``attn.host`` dictionary ({operand, logical, device} with tensor types)."""
    from .. import ir

    operands: dict[int, tuple[int, ...]] = {}
    result = None
    host = ir.DictAttr(device.attributes["attn.host"])
    schedule = ir.DictAttr(host["dma_schedule"])
    for entry in ir.ArrayAttr(schedule["host_padding"]):
        entry = ir.DictAttr(entry)
        padded = tuple(ir.RankedTensorType(ir.TypeAttr(entry["device"]).value).shape)
        logical = tuple(ir.RankedTensorType(ir.TypeAttr(entry["logical"]).value).shape)
        if "operand" in entry:
            operands[ir.IntegerAttr(entry["operand"]).value] = padded
        else:
            result = (padded, logical)
    return operands, result


def _zero_pad(a: np.ndarray, shape: tuple[int, ...], role: str) -> np.ndarray:
    if a.size == int(np.prod(shape)) and a.ndim == 1:
        return a  # a device buffer from an earlier dispatch: already padded
    if a.ndim != len(shape) or any(n > m for n, m in zip(a.shape, shape, strict=True)):
        raise SimError(f"argument '{role}' of shape {a.shape} does not fit the device buffer {shape}")
    out = np.zeros(shape, np.float32)
    out[tuple(slice(0, n) for n in a.shape)] = a
    return out


@dataclass
class CompiledRunResult:
    """A layer run on the simulator: every dispatch, in order, and the sliced output."""

    output: np.ndarray  # the attention result, in the layer's logical shape
    outputs: dict[str, np.ndarray]  # every tensor a device wrote (o, and s / p for split folds)
    devices: list[Any]  # one SimResult per dispatch
    device_names: list[str]
    target: str
    clock_hz: float
    timing: bool
    warnings: list[str] = field(default_factory=list)

    @property
    def cycles(self) -> float:
        """Array cycles of all dispatches (back to back; dispatch overhead not included)."""
        return float(sum(r.cycles for r in self.devices))

    @property
    def seconds(self) -> float:
        """Array time of all dispatches at the target clock (dispatch overhead not included)."""
        return float(sum(r.seconds for r in self.devices))

    @property
    def dispatch_overhead_seconds(self) -> float:
        """Host overhead of the dispatches, from the target table (one per device)."""
        return float(sum(r.dispatch_overhead_seconds for r in self.devices))

    @property
    def dram_bytes(self) -> int:
        return int(sum(r.dram_bytes for r in self.devices))

    @property
    def dram_bandwidth(self) -> float:
        return self.dram_bytes / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "timing": self.timing,
            "cycles": self.cycles,
            "seconds": self.seconds,
            "dispatch_overhead_seconds": self.dispatch_overhead_seconds,
            "dram_bytes": self.dram_bytes,
            "devices": [dict(name=n, **r.summary()) for n, r in zip(self.device_names, self.devices, strict=True)],
            "warnings": self.warnings,
        }

    def _events(self) -> list:
        # Dispatches run one after the other: shift each device's events by the
        # cycles of the ones before it and name its tracks after the device.
        events, offset = [], 0.0
        for name, r in zip(self.device_names, self.devices, strict=True):
            for e in r._events:
                events.append(dataclasses.replace(e, process=f"{name}: {e.process}", start=e.start + offset))
            offset += r.cycles
        return events

    def write_trace(self, path: str | Path) -> None:
        """Chrome/Perfetto trace JSON with one group of tracks per dispatch."""
        if not self.timing:
            raise SimError("this run was untimed (timing=False): there is no timeline to write")
        write_chrome_trace(path, self._events(), self.clock_hz, {"target": self.target, "cycles": self.cycles})

    def trace(self) -> dict:
        return chrome_trace(self._events(), self.clock_hz, {"target": self.target, "cycles": self.cycles})

    def plot(self, path: Optional[str | Path] = None, ax: Any = None) -> Any:
        return plot_timeline(self._events(), self.clock_hz, path, ax)


def run_compiled(program: Any, *arrays: Any, timing: bool = True, max_events: int) -> CompiledRunResult:
    """Run a compiled layer: ``arrays`` are the layer's arguments in its order
    (Q, K, V, then the explicit ``mask`` and/or ``bias`` in the order the layer
    takes them, then ``valid_len`` when the layer has one), in their logical shapes.

    A boolean keep-mask becomes 1.0 (keep) / 0.0 (hide) in the layer's element
    type and an additive mask or bias is rounded to it: the device carries one
    element per (query,) key inside the broadcast step object (docs/aie-mapping.md)."""
    from . import run_program  # the package's single-device runner

    report = program.report
    stages = report["stages"]
    if len({s["function"] for s in stages}) != 1:
        raise SimError("the compiled module holds several layers; simulate one function at a time")
    wants_valid_len = any("valid_len" in report["schedules"][s["device"]]["arguments"] for s in stages)
    explicit: list[str] = []
    for s in stages:
        for role in report["schedules"][s["device"]]["arguments"][:-1]:
            if role in ("mask", "bias") and role not in explicit:
                explicit.append(role)
    expected = ["q", "k", "v"] + explicit + (["valid_len"] if wants_valid_len else [])
    if len(arrays) != len(expected):
        raise SimError(f"the layer takes {len(expected)} arrays ({', '.join(expected)}), got {len(arrays)}")
    tensors: dict[str, np.ndarray] = {}
    for role, a in zip(expected, arrays, strict=True):
        tensors[role] = np.asarray(a)
    valid_len = None
    if wants_valid_len:
        valid_len = tensors.pop("valid_len").astype(np.int64).reshape(-1)
    for role in ["q", "k", "v"] + explicit:
        tensors[role] = np.asarray(tensors[role]).astype(np.float32)

    results, names, warnings = [], [], []
    program_roles, dispatches, padding = host_program(program)
    for device, operands in dispatches:
        op = device_op(program, device)
        prog = load("module {\n" + str(op) + "\n}")
        args: list[Any] = []
        scalars = [i for i in operands if program_roles[i] == "valid_len"]
        for i in operands[:-1]:  # the last is the buffer the dispatch writes
            role = program_roles[i]
            if role == "valid_len":
                # The runtime sequence takes valid_len as i32 scalars (one per
                # batch), given at dispatch; it writes them to the cores.
                if valid_len.size != len(scalars):
                    raise SimError(
                        f"valid_len has {valid_len.size} entries; device @{device} takes {len(scalars)} (one per batch)"
                    )
                args.append(int(valid_len[scalars.index(i)]))
            elif role not in tensors:
                raise SimError(f"device @{device} reads '{role}', which no earlier dispatch wrote")
            else:
                a = tensors[role]
                args.append(_zero_pad(a, padding[role][0], role) if role in padding else a)
        r = run_program(prog, *args, timing=timing, max_events=max_events)
        tensors[program_roles[operands[-1]]] = np.asarray(r.args[-1], np.float32)
        results.append(r)
        names.append(device)
        warnings += [f"@{device}: {w}" for w in r.warnings]

    o = tensors.get("o")
    if o is None:
        raise SimError("no dispatch of the program wrote the output 'o'")
    if "o" in padding:
        padded_shape, logical_shape = padding["o"]
        o = o.reshape(padded_shape)[tuple(slice(0, n) for n in logical_shape)]
    else:
        o = o.reshape(tensors["q"].shape[:-1] + (-1,))
    return CompiledRunResult(
        output=o,
        outputs={k: v for k, v in tensors.items() if k not in ("q", "k", "v", "mask", "bias")},
        devices=results,
        device_names=names,
        target=report["target"],
        clock_hz=results[0].clock_hz,
        timing=timing,
        warnings=warnings,
    )


def host_program(
    program: Any,
) -> tuple[list[str], list[tuple[str, list[int]]], dict[str, tuple[tuple[int, ...], tuple[int, ...]]]]:
    """The layer's host program, read from its IR: the aie.device carrying
    ``attn.host_program``, whose runtime sequence dispatches the stage devices
    with ``aiex.configure`` / ``aiex.run``. Returns the role of each sequence
    argument ("q", ..., "valid_len", "s", "p", "o"), the dispatches in order
    (device, argument numbers of the run's operands; the last is the buffer it
    writes) and the host padding per role ((device shape, logical shape))."""
    from .. import ir

    hosts = [
        op
        for op in program.aie.body.operations
        if op.operation.name == "aie.device" and "attn.host_program" in op.attributes
    ]
    if len(hosts) != 1:
        raise SimError(f"the compiled module holds {len(hosts)} host programs; simulate one layer at a time")
    record = ir.DictAttr(hosts[0].attributes["attn.host_program"])
    roles = [ir.StringAttr(a).value for a in ir.ArrayAttr(record["arguments"])]
    padding = {}
    for entry in ir.ArrayAttr(record["host_padding"]):
        entry = ir.DictAttr(entry)
        padded = tuple(ir.RankedTensorType(ir.TypeAttr(entry["device"]).value).shape)
        logical = tuple(ir.RankedTensorType(ir.TypeAttr(entry["logical"]).value).shape)
        padding[ir.StringAttr(entry["role"]).value] = (padded, logical)
    (sequence,) = [op for op in hosts[0].regions[0].blocks[0].operations if op.operation.name == "aie.runtime_sequence"]
    dispatches: list[tuple[str, list[int]]] = []
    for configure in sequence.regions[0].blocks[0].operations:
        if configure.operation.name != "aiex.configure":
            raise SimError(f"the host program holds {configure.operation.name}; expected aiex.configure")
        device = ir.FlatSymbolRefAttr(configure.attributes["symbol"]).value
        for run in configure.regions[0].blocks[0].operations:
            operands = [ir.BlockArgument(v).arg_number for v in run.operands]
            dispatches.append((device, operands))
    return roles, dispatches, padding


def device_op(program: Any, device: str) -> Any:
    """The one ``aie.device @device`` of the program."""
    for op in program.aie.body.operations:
        if op.operation.name == "aie.device" and op.attributes["sym_name"].value == device:
            return op
    raise SimError(f"the compiled program has no aie.device @{device}")
