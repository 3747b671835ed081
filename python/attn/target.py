"""The NPU target table (npu1, npu2 and their column variants).

Every number comes from the C++ table (``include/attn/Target/NPUTarget.h``,
sources cited in ``lib/Target/NPUTarget.cpp``) through the C API; nothing is
re-typed here.

>>> from attn import target
>>> npu2 = target.get("npu2")
>>> npu2.num_columns, npu2.channels("memtile", "mm2s")
(8, 6)
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

from ._mlir_libs import _attn
from .errors import AttnError

TileKind = Literal["shim", "memtile", "core"]
ElementKind = Literal["bf16", "f16", "f32", "i8", "i16", "i32"]
Direction = Literal["s2mm", "mm2s"]

__all__ = ["DmaLimits", "ElementInfo", "NPUTarget", "TileInfo", "get", "names"]


@dataclass(frozen=True)
class DmaLimits:
    """Access-pattern limits of one tile kind's DMA (sizes/strides in 4-byte words)."""

    max_dims: int
    max_object_fifo_dims: int
    max_size: int
    max_outer_size: int
    max_stride_words: int
    unit_bytes: int


@dataclass(frozen=True)
class TileInfo:
    """DMA channels, buffer descriptors, locks and DMA limits of one tile kind."""

    s2mm_channels: int
    mm2s_channels: int
    buffer_descriptors: int
    locks: int
    dma: DmaLimits


@dataclass(frozen=True)
class ElementInfo:
    """Core compute facts of one element type (macs_per_cycle 0 = no matmul support)."""

    macs_per_cycle: float
    intrinsic: tuple[int, int, int]
    kernel_efficiency: float
    vector_lanes: int
    # bf16 terms per operand when the type's matmuls run on the bf16 datapath
    # (f16: 2, f32: 3); 0 = its own datapath. Passes: splits * (splits + 1) / 2.
    bf16_splits: int = 0

    @property
    def matmul_passes(self) -> int:
        """bf16 matmul passes per MAC (1 for a native datapath)."""
        return self.bf16_splits * (self.bf16_splits + 1) // 2 if self.bf16_splits else 1


@dataclass(frozen=True)
class NPUTarget:
    """One entry of the target table; field names are NPUTarget's in snake_case."""

    name: str
    family: str
    arch: str
    num_columns: int
    num_rows: int
    shim_row: int
    mem_tile_row: int
    first_core_row: int
    num_core_rows: int
    core_l1_bytes: int
    mem_tile_l2_bytes: int
    core_stack_reserve_bytes: int
    core_locks: int
    mem_tile_locks: int
    shim_locks: int
    object_fifo_locks_per_endpoint: int
    shim_task_queue_depth: int
    shim_repeat_count_max: int
    mem_tile_link_fan_out_max: int
    stream_bytes_per_cycle: float
    exp_cycles_per_element: float
    exp_cost_is_assumption: bool
    row_reduce_cycles: float
    kernel_call_overhead_cycles: float
    clock_hz: float
    dram_bytes_per_second: float
    dram_bandwidth_is_assumption: bool
    dispatch_overhead_seconds: float
    dispatch_overhead_is_assumption: bool
    tiles: MappingProxyType[str, TileInfo]
    elements: MappingProxyType[str, ElementInfo]
    # Cost-model facts (lib/Analysis): vector pass cost, the bf16-through-BFP16
    # matmul datapath (macs_per_cycle 0 when absent) and the energy proxy.
    vector_pass_cycles_per_element: float
    vector_pass_cost_is_assumption: bool
    bf16_via_bfp16: ElementInfo
    dram_joules_per_byte: float
    joules_per_mac: float
    energy_is_assumption: bool

    def tile(self, kind: TileKind) -> TileInfo:
        if kind not in self.tiles:
            raise AttnError(f"unknown tile kind {kind!r}; valid: {', '.join(self.tiles)}")
        return self.tiles[kind]

    def element(self, kind: ElementKind) -> ElementInfo:
        if kind not in self.elements:
            raise AttnError(f"unknown element kind {kind!r}; valid: {', '.join(self.elements)}")
        return self.elements[kind]

    def channels(self, kind: TileKind, direction: Direction) -> int:
        """DMA channels of a `kind` tile in `direction` ("s2mm" into the tile, "mm2s" out)."""
        tile = self.tile(kind)
        if direction == "s2mm":
            return tile.s2mm_channels
        if direction == "mm2s":
            return tile.mm2s_channels
        raise AttnError(f"unknown DMA direction {direction!r}; valid: s2mm, mm2s")

    def buffer_descriptors(self, kind: TileKind) -> int:
        return self.tile(kind).buffer_descriptors

    def locks(self, kind: TileKind) -> int:
        return self.tile(kind).locks

    def dma_limits(self, kind: TileKind) -> DmaLimits:
        return self.tile(kind).dma

    def macs_per_cycle(self, kind: ElementKind) -> float:
        return self.element(kind).macs_per_cycle

    def intrinsic(self, kind: ElementKind) -> tuple[int, int, int]:
        return self.element(kind).intrinsic

    def kernel_efficiency(self, kind: ElementKind) -> float:
        return self.element(kind).kernel_efficiency

    def vector_lanes(self, kind: ElementKind) -> int:
        return self.element(kind).vector_lanes

    @property
    def num_cores(self) -> int:
        return self.num_columns * self.num_core_rows

    def in_bounds(self, col: int, row: int) -> bool:
        return 0 <= col < self.num_columns and 0 <= row < self.num_rows

    def tile_kind(self, col: int, row: int) -> TileKind:
        if not self.in_bounds(col, row):
            shape = f"{self.num_columns}x{self.num_rows}"
            raise AttnError(f"tile ({col}, {row}) is outside the {shape} array of {self.name}")
        if row == self.shim_row:
            return "shim"
        if row == self.mem_tile_row:
            return "memtile"
        return "core"


def names() -> list[str]:
    """Every target name of the table, in table order."""
    return list(_attn.target_names())


def _build(info: dict[str, Any]) -> NPUTarget:
    fields = dict(info)
    fields["tiles"] = MappingProxyType(
        {kind: TileInfo(**{**tile, "dma": DmaLimits(**tile["dma"])}) for kind, tile in info["tiles"].items()}
    )
    fields["elements"] = MappingProxyType(
        {
            kind: ElementInfo(**{**elem, "intrinsic": tuple(elem["intrinsic"])})
            for kind, elem in info["elements"].items()
        }
    )
    bfp16 = info["bf16_via_bfp16"]
    fields["bf16_via_bfp16"] = ElementInfo(**{**bfp16, "intrinsic": tuple(bfp16["intrinsic"])})
    return NPUTarget(**fields)


def get(name: str) -> NPUTarget:
    """The target called `name` (e.g. "npu2", "npu1_2col").

    Raises ValueError naming the valid targets when `name` is unknown.
    """
    if not isinstance(name, str):
        raise AttnError(f"target name must be a string, got {type(name).__name__}")
    info = _attn.target_info(name)
    if info is None:
        raise AttnError(f"unknown NPU target {name!r}; valid targets: {', '.join(names())}")
    return _build(info)
