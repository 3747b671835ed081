"""Timing model: DMA, DRAM, lock and kernel costs in core clock cycles.

Rates come from the target table (``attn.target``), simulator-specific
constants from ``attn.sim.sim_table``. Kernel costs are formulas over the
work a call does (``KernelWork``, counted by the kernel models in
``attn.sim.kernel_models``):

    cycles = kernel_call_overhead_cycles
           + macs / (macs_per_cycle(elem) * kernel_efficiency(elem))
           + exp_elements * exp_cycles_per_element
           + row_reductions * row_reduce_cycles
           + vector_elements * vector_pass_cycles_per_element

``vector_elements`` counts every element of every elementwise vector pass
(one pass over a tile of n elements adds n); the price per element is the
target table's one vector cost (``vector_pass_cycles_per_element``, derived
there from cycles per lane-vector), the same number the cost model and the
roofline use. (f32 matmuls on targets without an f32 MAC rate run on the vector unit, see
``sim_table``.) A DMA chunk of ``b`` bytes costs ``bd_setup_cycles`` per
buffer descriptor it starts plus ``b / stream_bytes_per_cycle``; chunks that
touch DRAM also reserve the shared DRAM bandwidth
(``dram_bytes_per_second / clock_hz`` bytes per cycle, first come first served).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from .errors import SimError
from .sim_table import sim_constant


@dataclass
class KernelWork:
    """What one kernel call does, in units the cost formula prices."""

    macs: float = 0.0
    mac_elem: str = "bf16"
    exp_elements: float = 0.0
    row_reductions: float = 0.0
    vector_elements: float = 0.0


@dataclass(frozen=True)
class TimingModel:
    """Cycle costs of one target (or all zero for a functional-only run)."""

    enabled: bool
    target_name: str
    clock_hz: float
    stream_bytes_per_cycle: float = 0.0
    cascade_bytes_per_cycle: float = 0.0
    dram_bytes_per_cycle: float = 0.0
    dram_bandwidth_is_assumption: bool = False
    dispatch_overhead_seconds: float = 0.0
    bd_setup_cycles: float = 0.0
    lock_handoff_cycles: float = 0.0
    scalar_op_cycles: float = 0.0
    kernel_call_overhead_cycles: float = 0.0
    exp_cycles_per_element: float = 0.0
    row_reduce_cycles: float = 0.0
    vector_pass_cycles_per_element: float = 0.0
    macs_per_cycle: dict[str, float] = field(default_factory=dict)
    kernel_efficiency: dict[str, float] = field(default_factory=dict)
    vector_lanes: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_target(cls, target: Any, enabled: bool = True) -> TimingModel:
        """Build from an ``attn.target.NPUTarget``; ``enabled=False`` gives zero costs
        (functional run) but keeps the clock for reporting."""
        if not enabled:
            return cls(enabled=False, target_name=target.name, clock_hz=target.clock_hz)
        elems = dict(target.elements)
        return cls(
            enabled=True,
            target_name=target.name,
            clock_hz=target.clock_hz,
            stream_bytes_per_cycle=target.stream_bytes_per_cycle,
            cascade_bytes_per_cycle=target.cascade_bytes_per_cycle,
            dram_bytes_per_cycle=target.dram_bytes_per_second / target.clock_hz,
            dram_bandwidth_is_assumption=target.dram_bandwidth_is_assumption,
            dispatch_overhead_seconds=target.dispatch_overhead_seconds,
            bd_setup_cycles=sim_constant("bd_setup_cycles"),
            lock_handoff_cycles=sim_constant("lock_handoff_cycles"),
            scalar_op_cycles=sim_constant("scalar_op_cycles"),
            kernel_call_overhead_cycles=target.kernel_call_overhead_cycles,
            exp_cycles_per_element=target.exp_cycles_per_element,
            row_reduce_cycles=target.row_reduce_cycles,
            vector_pass_cycles_per_element=target.vector_pass_cycles_per_element,
            # "bfp16": bf16 matmuls through the BFP16 datapath (ATTN_BFP16 kernels).
            macs_per_cycle={k: e.macs_per_cycle for k, e in elems.items()}
            | {"bfp16": target.bf16_via_bfp16.macs_per_cycle},
            kernel_efficiency={k: e.kernel_efficiency for k, e in elems.items()}
            | {"bfp16": target.bf16_via_bfp16.kernel_efficiency},
            vector_lanes={k: e.vector_lanes for k, e in elems.items()},
        )

    # --- DMA -----------------------------------------------------------------

    def stream_cycles(self, nbytes: int, bd_starts: int) -> float:
        if not self.enabled:
            return 0.0
        return bd_starts * self.bd_setup_cycles + nbytes / self.stream_bytes_per_cycle

    # --- kernels -------------------------------------------------------------

    def _lanes(self, elem: str) -> int:
        lanes = self.vector_lanes.get(elem, 0)
        if lanes <= 0:
            raise SimError(f"target {self.target_name} gives no vector lane count for {elem}; cannot time the kernel")
        return lanes

    def matmul_rate(self, elem: str) -> float:
        """Sustained MACs per cycle of a plain kernel for ``elem`` operands."""
        peak = self.macs_per_cycle.get(elem, 0.0)
        if peak > 0:
            return peak * self.kernel_efficiency.get(elem, 1.0)
        if elem == "f32":
            return self._lanes("f32") * sim_constant("f32_matmul_macs_per_lane")
        raise SimError(f"target {self.target_name} has no matmul support for {elem}")

    def kernel_cycles(self, work: KernelWork) -> float:
        if not self.enabled:
            return 0.0
        cycles = self.kernel_call_overhead_cycles
        if work.macs:
            cycles += work.macs / self.matmul_rate(work.mac_elem)
        if work.exp_elements:
            cycles += work.exp_elements * self.exp_cycles_per_element
        if work.row_reductions:
            cycles += work.row_reductions * self.row_reduce_cycles
        if work.vector_elements:
            cycles += work.vector_elements * self.vector_pass_cycles_per_element
        return cycles

    def cascade_cycles(self, nbytes: int) -> float:
        """Cycles to move ``nbytes`` over a core-to-core cascade (the table's rate)."""
        if not self.enabled or not nbytes:
            return 0.0
        return nbytes / self.cascade_bytes_per_cycle

    def seconds(self, cycles: float) -> float:
        return cycles / self.clock_hz

    def describe(self) -> dict[str, Optional[float]]:
        """The numbers a run used (for reports and benchmarks)."""
        return {
            "target": self.target_name,
            "clock_hz": self.clock_hz,
            "stream_bytes_per_cycle": self.stream_bytes_per_cycle,
            "dram_bytes_per_cycle": self.dram_bytes_per_cycle,
            "dram_bandwidth_is_assumption": self.dram_bandwidth_is_assumption,
            "bd_setup_cycles": self.bd_setup_cycles,
            "lock_handoff_cycles": self.lock_handoff_cycles,
            "scalar_op_cycles": self.scalar_op_cycles,
        }
