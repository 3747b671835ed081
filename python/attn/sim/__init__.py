"""Execute emitted AIE programs on numpy: functional results, timing, trace.

>>> from attn import sim
>>> result = sim.run(aie_module_or_text, q, k, v)      # doctest: +SKIP
>>> result.output, result.cycles, result.seconds, result.dram_bytes
>>> result.write_trace("attention.json")               # open in ui.perfetto.dev

The program (an ``aie.device`` module in upstream mlir-aie syntax) is
translated once (``attn.sim.frontend``) and run by a discrete-event engine
(``attn.sim.engine``): cores execute their bodies with the kernel library's
numpy semantics, DMAs move whole objects with their access patterns, the
runtime sequence drives the shim. Timing comes from the target table
(``attn.target``) plus the simulator's own constants (``attn.sim.sim_table``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import numpy as np

from .costs import KernelWork, TimingModel
from .engine import Engine, RunState
from .errors import SimDeadlockError, SimError, SimMisuseError
from .frontend import load
from .host import CompiledRunResult, is_compiled_program, run_compiled
from .kernel_models import known_kernels, register_kernel
from .program import Program, ScalarType, decode, encode, typed_view
from .trace import chrome_trace, plot_timeline, write_chrome_trace

__all__ = [
    "AttentionCheck",
    "CompiledRunResult",
    "KernelWork",
    "Program",
    "SimDeadlockError",
    "SimError",
    "SimMisuseError",
    "SimResult",
    "TimingModel",
    "known_kernels",
    "load",
    "register_kernel",
    "run",
    "run_compiled",
    "run_program",
    "verify_attention",
]

# Steps after which a run is declared runaway (a core spinning without waiting).
DEFAULT_MAX_EVENTS = 50_000_000


@dataclass
class SimResult:
    """What a simulated invocation produced and how long it took."""

    output: Optional[np.ndarray]  # the highest-numbered argument written by the array
    outputs: dict[int, np.ndarray]  # every written argument, by runtime-sequence position
    args: list[np.ndarray]  # all arguments after the run
    cycles: float  # core clock cycles until the runtime sequence finished
    seconds: float  # cycles at the target clock (array time; dispatch overhead not included)
    dram_bytes: int  # bytes the shim DMAs moved to and from DRAM
    target: str
    clock_hz: float
    dispatch_overhead_seconds: float  # per-invocation host overhead from the target table
    timing: bool
    actors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    _events: list = field(default_factory=list, repr=False)

    @property
    def dram_bandwidth(self) -> float:
        """Achieved DRAM bandwidth in bytes/second (0 for an untimed run)."""
        return self.dram_bytes / self.seconds if self.seconds > 0 else 0.0

    @property
    def tiles(self) -> dict[str, dict[str, dict[str, float]]]:
        """Busy and stall cycles per tile and per core/DMA channel on it (a core is
        busy computing and stalls on locks/objectfifos; a DMA channel is busy moving
        data and stalls waiting for data or for space)."""
        out: dict[str, dict[str, dict[str, float]]] = {}
        for a in self.actors:
            out.setdefault(a["tile"], {})[a["channel"]] = {"busy": a["busy"], "stall": a["stall"]}
        return out

    def summary(self) -> dict[str, Any]:
        """JSON-ready numbers of the run."""
        return {
            "target": self.target,
            "timing": self.timing,
            "cycles": self.cycles,
            "seconds": self.seconds,
            "dispatch_overhead_seconds": self.dispatch_overhead_seconds,
            "dram_bytes": self.dram_bytes,
            "dram_bandwidth_bytes_per_second": self.dram_bandwidth,
            "actors": self.actors,
            "warnings": self.warnings,
        }

    def write_trace(self, path: str | Path) -> None:
        """Chrome/Perfetto trace JSON (one track per tile and core/DMA channel)."""
        if not self.timing:
            raise SimError("this run was untimed (timing=False): there is no timeline to write")
        write_chrome_trace(path, self._events, self.clock_hz, {"target": self.target, "cycles": self.cycles})

    def trace(self) -> dict:
        return chrome_trace(self._events, self.clock_hz, {"target": self.target, "cycles": self.cycles})

    def plot(self, path: Optional[str | Path] = None, ax: Any = None) -> Any:
        """matplotlib timeline (matplotlib is optional; a clear ImportError when missing)."""
        return plot_timeline(self._events, self.clock_hz, path, ax)


def _scalar_arg(i: int, value: Any, st: ScalarType, prog: Program) -> np.ndarray:
    """A runtime scalar supplied at dispatch, range-checked for its integer type."""
    if value is None:
        raise SimError(
            f"argument {i} of the runtime sequence @{prog.seq_name} is the runtime scalar {st}: "
            "give its value at dispatch"
        )
    a = np.asarray(value)
    if a.size != 1 or a.dtype.kind not in "iub":
        raise SimError(f"argument {i} ({st}): expected one integer, got {value!r}")
    v = int(a.reshape(-1)[0])
    bits = int(st.elem[1:]) if st.elem[1:].isdigit() else 64
    if not -(2 ** (bits - 1)) <= v < 2 ** (bits - 1):
        raise SimError(f"argument {i} ({st}): {v} does not fit in {bits} bits")
    return np.array([v], np.int64)


def _prepare_args(prog: Program, arrays: tuple) -> list[np.ndarray]:
    if len(arrays) > len(prog.seq_args):
        raise SimError(
            f"{len(arrays)} arrays given but the runtime sequence @{prog.seq_name} takes {len(prog.seq_args)} "
            f"arguments ({', '.join(str(t) for t in prog.seq_args)})"
        )
    out = []
    for i, mt in enumerate(prog.seq_args):
        if isinstance(mt, ScalarType):
            out.append(_scalar_arg(i, arrays[i] if i < len(arrays) else None, mt, prog))
            continue
        raw = np.zeros(mt.nbytes, np.uint8)
        if i < len(arrays) and arrays[i] is not None:
            a = np.asarray(arrays[i])
            if a.size != mt.numel:
                raise SimError(
                    f"argument {i}: array of shape {a.shape} has {a.size} elements, the runtime sequence "
                    f"expects {mt} ({mt.numel} elements)"
                )
            if a.dtype.kind not in "biuf" and a.dtype.name != "bfloat16":
                raise SimError(f"argument {i}: unsupported array dtype {a.dtype}")
            typed_view(raw, mt).reshape(-1)[:] = encode(a, mt.elem).reshape(-1)
        out.append(raw)
    return out


def run_program(prog: Program, *arrays: Any, timing: bool = True, max_events: int = DEFAULT_MAX_EVENTS) -> SimResult:
    """Run an already-loaded :class:`Program` (see :func:`run`)."""
    from .. import target as targets

    tgt = targets.get(prog.device)
    model = TimingModel.from_target(tgt, enabled=timing)
    args = _prepare_args(prog, arrays)
    engine = Engine(prog, model, tgt, trace=timing, max_events=max_events)
    state: RunState = engine.execute(args)
    shaped = [
        int(a[0]) if isinstance(mt, ScalarType) else decode(typed_view(a, mt), mt.elem)
        for a, mt in zip(args, prog.seq_args, strict=True)
    ]
    outputs = {i: shaped[i] for i in state.written_args}
    actors = []
    for a in state.actors:
        actors.append(
            {
                "name": a.name,
                "tile": a.track[0],
                "channel": a.track[1],
                "busy": a.busy,
                "stall": a.stall,
                "finished": a.done,
            }
        )
    return SimResult(
        output=shaped[max(outputs)] if outputs else None,
        outputs=outputs,
        args=shaped,
        cycles=state.cycles,
        seconds=model.seconds(state.cycles) if timing else 0.0,
        dram_bytes=state.dram_bytes,
        target=prog.device,
        clock_hz=tgt.clock_hz,
        dispatch_overhead_seconds=tgt.dispatch_overhead_seconds,
        timing=timing,
        actors=actors,
        warnings=state.warnings,
        _events=state.events,
    )


def run(
    program: Any, *arrays: Any, timing: bool = True, max_events: int = DEFAULT_MAX_EVENTS
) -> SimResult | CompiledRunResult:
    """Simulate one invocation of an AIE program.

    ``program``: what ``attn.compiler.compile`` returns — then ``arrays`` are the
    layer's arguments (Q, K, V[, mask][, bias][, valid_len]) in their logical shapes, and the run
    does the host's part too (see :mod:`attn.sim.host`: padding, runtime
    parameters, one dispatch per stage, slicing), returning
    :class:`CompiledRunResult` whose ``.output`` is the attention result —
    or an ``aie.device`` module (``attn.ir.Module``) or its text, with one array per
    runtime-sequence argument, in order (any shape with the right number of
    elements; bf16 arguments accept floats, rounded to nearest even, or
    ml_dtypes.bfloat16); trailing arguments may be left out and start zeroed.
    ``timing=False`` runs the functional model only (all costs zero).

    Raises :class:`SimError` for programs it cannot run,
    :class:`SimMisuseError` for protocol or hardware-rule violations and
    :class:`SimDeadlockError` when actors wait on each other forever.
    """
    if is_compiled_program(program):
        return run_compiled(program, *arrays, timing=timing, max_events=max_events)
    return run_program(load(program), *arrays, timing=timing, max_events=max_events)


@dataclass
class AttentionCheck:
    """:func:`verify_attention`'s answer: the run and its error against ``attn.reference``."""

    result: SimResult
    reference: np.ndarray
    max_abs_error: float
    max_rel_error: float  # max |out - ref| / max |ref|


def verify_attention(
    program: Any,
    q: np.ndarray,
    k: np.ndarray,
    v: np.ndarray,
    *extra_args: Any,
    timing: bool = True,
    rows: Optional[np.ndarray] = None,
    **reference_kwargs: Any,
) -> AttentionCheck:
    """Run an attention program on ``q, k, v`` (then ``extra_args``; the output is the
    last argument written) and compare it with ``attn.reference.attention(q, k, v,
    **reference_kwargs)``. ``rows`` (boolean, broadcast to the output) limits the
    comparison, e.g. to query rows below a ``valid_len`` the program leaves unzeroed.

    The hook for checking compiler-emitted programs (``convert-attn-to-aie``): the
    arrays are passed in the program's runtime-sequence order, reshaped to its memrefs."""
    from .. import reference

    ref = reference.attention(q, k, v, **reference_kwargs)
    result = run(program, q, k, v, *extra_args, timing=timing)
    if result.output is None:
        raise SimError("the program wrote no runtime-sequence argument")
    out = result.output.reshape(ref.shape).astype(np.float64)
    diff = np.abs(out - ref)
    scale = np.abs(ref)
    if rows is not None:
        keep = np.broadcast_to(rows, ref.shape)
        diff, scale = diff[keep], scale[keep]
    max_abs = float(diff.max()) if diff.size else 0.0
    peak = float(scale.max()) if scale.size else 0.0
    return AttentionCheck(result, ref, max_abs, max_abs / peak if peak > 0 else max_abs)
