"""Chrome/Perfetto trace JSON and a matplotlib timeline of a simulation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

from .engine import TraceEvent


def _tile_order(name: str) -> tuple:
    kinds = {"host": 0, "shim": 1, "memtile": 2, "core": 3}
    head = name.split(" ", 1)[0]
    return (kinds.get(head, 9), name)


def chrome_trace(events: list[TraceEvent], clock_hz: float, metadata: Optional[dict[str, Any]] = None) -> dict:
    """Trace Event Format: one process per tile (and one for the host), one thread per
    core or DMA channel; complete ("X") events in microseconds of simulated time."""
    processes = sorted({e.process for e in events}, key=_tile_order)
    pid = {p: i + 1 for i, p in enumerate(processes)}
    threads: dict[tuple[str, str], int] = {}
    for e in events:
        threads.setdefault((e.process, e.thread), len(threads) + 1)
    us = 1e6 / clock_hz
    out: list[dict[str, Any]] = []
    for p in processes:
        out.append({"ph": "M", "name": "process_name", "pid": pid[p], "args": {"name": p}})
        out.append({"ph": "M", "name": "process_sort_index", "pid": pid[p], "args": {"sort_index": pid[p]}})
    for (p, t), tid in threads.items():
        out.append({"ph": "M", "name": "thread_name", "pid": pid[p], "tid": tid, "args": {"name": t}})
    for e in events:
        out.append(
            {
                "ph": "X",
                "name": e.name,
                "cat": e.category,
                "pid": pid[e.process],
                "tid": threads[(e.process, e.thread)],
                "ts": e.start * us,
                "dur": e.duration * us,
                "args": {"start_cycle": e.start, "cycles": e.duration},
            }
        )
    return {"traceEvents": out, "displayTimeUnit": "ns", "otherData": metadata or {}}


def write_chrome_trace(path: str | Path, events: list[TraceEvent], clock_hz: float, metadata=None) -> None:
    Path(path).write_text(json.dumps(chrome_trace(events, clock_hz, metadata)))


def plot_timeline(events: list[TraceEvent], clock_hz: float, path: Optional[str | Path] = None, ax: Any = None):
    """Gantt chart of busy (solid) and stalled (hatched) spans per core/DMA channel.

    Needs matplotlib, which attn-aie does not depend on. Returns the Axes; saves
    the figure to ``path`` when given."""
    try:
        import matplotlib

        if path is not None and ax is None:
            matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            "attn.sim timeline plots need matplotlib, which is not installed (it is optional): "
            "pip install matplotlib, or open the Chrome/Perfetto trace from SimResult.write_trace instead"
        ) from None
    rows = sorted({(e.process, e.thread) for e in events}, key=lambda r: (_tile_order(r[0]), r[1]))
    row_of = {r: i for i, r in enumerate(rows)}
    if ax is None:
        _, ax = plt.subplots(figsize=(12, 0.4 * len(rows) + 1.5))
    us = 1e6 / clock_hz
    for e in events:
        y = row_of[(e.process, e.thread)]
        busy = e.category == "busy"
        ax.broken_barh(
            [(e.start * us, e.duration * us)],
            (y - 0.4, 0.8),
            facecolors="tab:blue" if busy else "none",
            edgecolors="tab:blue" if busy else "tab:red",
            hatch=None if busy else "//",
            linewidth=0.3,
        )
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([f"{p} {t}" for p, t in rows], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("simulated time (µs)")
    if path is not None:
        ax.figure.tight_layout()
        ax.figure.savefig(path, dpi=150)
    return ax
