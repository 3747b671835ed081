"""Analyses of attn-aie output IR.

``count_traffic`` reports the exact DRAM bytes an ``aie.runtime_sequence``
reads and writes; the counting is the C++ ``mlir::attn::countTraffic``
(``include/attn/Analysis/TrafficCount.h``) reached through the C API, the same
code as the ``aie-count-traffic`` pass.
"""

from __future__ import annotations

from typing import Any

from . import ir
from ._mlir_libs import _attn
from .errors import AttnError

__all__ = ["count_traffic"]


def count_traffic(module: ir.Module | ir.Operation | ir.OpView, sequence: str | None = None) -> dict[str, Any]:
    """DRAM traffic of one runtime sequence of `module`.

    Returns ``{"sequence", "read_bytes", "write_bytes", "total_bytes",
    "per_argument"}`` where ``per_argument`` maps each argument index to
    ``{"name", "read_bytes", "write_bytes"}``. `sequence` names the
    ``aie.runtime_sequence`` to report (its symbol, without ``@``); it may be
    omitted when the module has exactly one.

    Raises AttnError (a ValueError) when the module has no (or no such)
    runtime sequence, or when a transfer cannot be counted exactly (the
    message carries the diagnostics).
    """
    if isinstance(module, ir.Module):
        operation = module.operation
    elif isinstance(module, ir.OpView):
        operation = module.operation
    elif isinstance(module, ir.Operation):
        operation = module
    else:
        raise AttnError(f"count_traffic expects an attn.ir.Module or Operation, got {type(module).__name__}")
    try:
        sequences = _attn.count_traffic(operation)
    except ValueError as err:  # the C API's diagnostics, as the API's own error type
        raise AttnError(str(err)) from None
    names = [s["name"] for s in sequences]
    if not sequences:
        raise AttnError("count_traffic: the module has no aie.runtime_sequence")
    if sequence is None:
        if len(sequences) > 1:
            raise AttnError(
                f"count_traffic: the module has {len(sequences)} runtime sequences "
                f"({', '.join(names)}); pass sequence= to pick one"
            )
        chosen = sequences[0]
    else:
        matches = [s for s in sequences if s["name"] == sequence]
        if not matches:
            raise AttnError(f"count_traffic: no runtime sequence named {sequence!r}; have: {', '.join(names)}")
        if len(matches) > 1:
            raise AttnError(f"count_traffic: {len(matches)} runtime sequences are named {sequence!r} (one per device)")
        chosen = matches[0]
    return {
        "sequence": chosen["name"],
        "read_bytes": chosen["read_bytes"],
        "write_bytes": chosen["write_bytes"],
        "total_bytes": chosen["read_bytes"] + chosen["write_bytes"],
        "per_argument": {
            arg["index"]: {"name": arg["name"], "read_bytes": arg["read_bytes"], "write_bytes": arg["write_bytes"]}
            for arg in chosen["arguments"]
        },
    }
