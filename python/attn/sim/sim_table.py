"""The simulator's own constants: everything the timing model needs that is
not a hardware fact of the target table (``attn.target``).

Hardware numbers (rates, MACs/cycle, clock, DRAM bandwidth, queue depths...)
come only from the target table. What is here is either a modelling choice
or an assumption where no published number exists; each entry says which.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SimConstant:
    value: float
    unit: str
    note: str


SIM_CONSTANTS: dict[str, SimConstant] = {
    "bd_setup_cycles": SimConstant(
        16.0,
        "cycles per buffer-descriptor execution",
        "assumption: cost of loading a BD and starting its address generator (register fetch plus "
        "stream-switch arbitration). AM020/AM027 publish no figure; it matters only for small "
        "objects, and the DMA-bound timing test states it explicitly.",
    ),
    "lock_handoff_cycles": SimConstant(
        1.0,
        "cycles from a release to the waiter resuming",
        "assumption: not published (shared/design/AIE-TARGET.md: 'assume hidden by double "
        "buffering'); one cycle keeps hand-offs ordered without charging a made-up latency.",
    ),
    "scalar_op_cycles": SimConstant(
        1.0,
        "cycles per interpreted scalar op in a core body",
        "modelling choice: scalar arith/memref ops outside kernels are charged one cycle each "
        "(the scalar unit issues about one op per cycle); kernels are charged by their cost formula.",
    ),
    "f32_matmul_macs_per_lane": SimConstant(
        1.0,
        "MACs per f32 vector lane per cycle",
        "modelling choice for f32 matmul kernels on targets whose table gives no f32 MAC rate: "
        "they run on the vector unit at one MAC per f32 lane per cycle.",
    ),
}


def sim_constant(name: str) -> float:
    return SIM_CONSTANTS[name].value
