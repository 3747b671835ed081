"""The NPU target table (npu1, npu2 and their column variants).

The classes are the C++ structs of ``include/attn/Target/NPUTarget.h`` bound
with nanobind (read-only; sources cited in ``lib/Target/NPUTarget.cpp``):
``get`` returns the table entry itself, nothing is copied or re-typed here.

>>> from attn import target
>>> npu2 = target.get("npu2")
>>> npu2.num_columns, npu2.channels("memtile", "mm2s")
(8, 6)
"""

from __future__ import annotations

from typing import Literal

from ._mlir_libs import _attn

TileKind = Literal["shim", "memtile", "core"]
ElementKind = Literal["bf16", "f16", "f32", "i8", "i16", "i32"]
Direction = Literal["s2mm", "mm2s"]

__all__ = ["DmaLimits", "ElementInfo", "NPUTarget", "TileInfo", "get", "names"]

# The bound C++ structs: DmaLimits, TileKindInfo, ElementKindInfo, NPUTarget.
DmaLimits = _attn.DmaLimits
TileInfo = _attn.TileInfo
ElementInfo = _attn.ElementInfo
NPUTarget = _attn.NPUTarget


def names() -> list[str]:
    """Every target name of the table, in table order."""
    return list(_attn.target_names())


def get(name: str) -> NPUTarget:
    """The target called `name` (e.g. "npu2", "npu1_2col").

    Raises AttnError (a ValueError) naming the valid targets when `name` is
    unknown.
    """
    return _attn.target(name)
