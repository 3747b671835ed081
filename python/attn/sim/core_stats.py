"""Static statistics of the ``aie.core`` bodies of an AIE program.

Per core it counts, from the IR (no execution):

* ``scalar_accesses``: ``memref.load``/``memref.store`` executions, each op
  weighted by the product of its enclosing ``scf.for`` trip counts (both
  branches of an ``scf.if`` counted as taken, an upper bound);
* ``computed_blocks``: calls of the block kernels of docs/kernels.md, weighted
  the same way: ``attn_qk_*`` (one query tile against one key block), or for
  cores without them ``attn_pv_accumulate_*``, else ``attn_softmax_rows``;
* ``query_rows``: ``ATTN_TQ`` of the ``attn.kernel_defines`` on the kernel
  declarations (None when the program has none);
* ``dynamic_fifo_loops``: ``scf.for`` loops that acquire or release an
  object FIFO (directly or nested) and whose bounds are not constants
  (upstream's static object FIFO lowering needs constant trip counts);
* ``define_mismatches``: kernel calls whose size arguments differ from the
  compile-time sizes on their declaration (``attn.kernel_defines``): an NPU
  kernel object built with those -D values would compute something else.

``python -m attn.sim.core_stats program.mlir [--check]`` prints one line per
core; ``--check`` fails (exit 1) when a core does more scalar accesses per
computed block than it has query rows, has a dynamic FIFO loop, or calls a
kernel with sizes its declaration's defines do not give.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from typing import Any, Optional

from .corebody import attr_map, int_attr, loc_str, str_attr, sym_attr
from .errors import SimError

_FIFO_OPS = ("aie.objectfifo.acquire", "aie.objectfifo.release")

# Operand index of each size argument of the kernel ABI (docs/kernels.md), by
# symbol prefix: define name -> index; "ld" is a row stride (ATTN_TK or ATTN_LD).
_SIZE_ARGS: dict[str, dict[str, int]] = {
    "attn_qk_": {"ATTN_TQ": 6, "ATTN_TK": 7, "ATTN_D": 8, "ld": 4},
    "attn_mask_positions": {"ATTN_TQ": 3, "ATTN_TK": 4, "ld": 1},
    "attn_mask_keep_keys_": {"ATTN_TQ": 5, "ATTN_TK": 6, "ld": 1},
    "attn_mask_add_keys_": {"ATTN_TQ": 5, "ATTN_TK": 6, "ld": 1},
    "attn_mask_keep_tile_": {"ATTN_TQ": 6, "ATTN_TK": 7, "ld": 1},
    "attn_mask_add_tile_": {"ATTN_TQ": 6, "ATTN_TK": 7, "ld": 1},
    "attn_online_init": {"ATTN_TQ": 3, "ATTN_DV": 4},
    "attn_online_update_": {"ATTN_TQ": 8, "ATTN_TK": 9, "ATTN_DV": 10, "ld": 1},
    "attn_finalize_": {"ATTN_TQ": 3, "ATTN_DV": 4},
    "attn_softmax_rows": {"ATTN_TQ": 2, "ATTN_LD": 3},
    "attn_acc_zero": {"ATTN_TQ": 1, "ATTN_DV": 2},
    "attn_pv_accumulate_": {"ATTN_TQ": 6, "ATTN_TK": 7, "ATTN_DV": 8, "ld": 1},
    "attn_store_": {"ATTN_TQ": 4, "ATTN_DV": 5},
    "attn_copy_window": {"ATTN_TQ": 4, "ATTN_TK": 5, "ld": 1},
}


@dataclass
class CoreStats:
    """What one ``aie.core`` body does, counted statically."""

    core: str
    query_rows: Optional[int]
    scalar_accesses: int = 0
    computed_blocks: int = 0
    dynamic_fifo_loops: list[str] = field(default_factory=list)
    define_mismatches: list[str] = field(default_factory=list)
    _calls: dict[str, int] = field(default_factory=dict, repr=False)

    @property
    def accesses_per_block(self) -> float:
        return self.scalar_accesses / self.computed_blocks if self.computed_blocks else float(self.scalar_accesses)

    def violations(self) -> list[str]:
        """Reasons this core breaks the copy-free / constant-loop rules (empty if none)."""
        out = [
            f"{self.core}: loop acquiring/releasing an object FIFO at {w} has a non-constant trip count"
            for w in self.dynamic_fifo_loops
        ]
        out += [f"{self.core}: {m}" for m in self.define_mismatches]
        if self.query_rows is not None and self.accesses_per_block > self.query_rows:
            out.append(
                f"{self.core}: {self.accesses_per_block:g} scalar loads/stores per computed block exceed its "
                f"{self.query_rows} query rows"
            )
        return out


def _constant(value: Any) -> Optional[int]:
    from ..ir import OpResult

    if not isinstance(value, OpResult):
        return None
    owner = value.owner
    if owner.name != "arith.constant":
        return None
    try:
        return int_attr(attr_map(owner)["value"])
    except (ValueError, KeyError):
        return None


def _touches_fifo(op: Any) -> bool:
    for region in op.regions:
        for block in region.blocks:
            for inner in block.operations:
                if inner.operation.name in _FIFO_OPS or _touches_fifo(inner.operation):
                    return True
    return False


def _check_sizes(o: Any, callee: str, defines: dict[str, dict[str, int]], stats: CoreStats) -> None:
    want = defines.get(callee)
    if want is None:
        return
    args = list(o.operands)
    for prefix, positions in _SIZE_ARGS.items():
        if not callee.startswith(prefix):
            continue
        for name, index in positions.items():
            got = _constant(args[index]) if index < len(args) else None
            allowed = {want.get("ATTN_TK"), want.get("ATTN_LD")} if name == "ld" else {want.get(name)}
            if got is not None and None not in allowed and got not in allowed:
                stats.define_mismatches.append(
                    f"@{callee} at {loc_str(o)}: argument {index} is {got}, the kernel object is built for "
                    f"{' or '.join(str(a) for a in sorted(allowed))} ({name})"
                )
        return


def _walk(op: Any, weight: int, stats: CoreStats, defines: dict[str, dict[str, int]]) -> None:
    for region in op.regions:
        for block in region.blocks:
            for inner in block.operations:
                o = inner.operation
                name = o.name
                if name in ("memref.load", "memref.store"):
                    stats.scalar_accesses += weight
                elif name == "func.call":
                    callee = sym_attr(attr_map(o)["callee"])
                    stats._calls[callee] = stats._calls.get(callee, 0) + weight
                    _check_sizes(o, callee, defines, stats)
                if name == "scf.for":
                    lb, ub, step = (_constant(v) for v in list(o.operands)[:3])
                    if None in (lb, ub, step) or step <= 0:
                        if _touches_fifo(o):
                            stats.dynamic_fifo_loops.append(loc_str(o))
                        trips = 1  # unknown: counted once
                    else:
                        trips = max(0, -(-(ub - lb) // step))
                    _walk(o, weight * trips, stats, defines)
                elif o.regions:
                    _walk(o, weight, stats, defines)


def _kernel_defines(device: Any) -> dict[str, dict[str, int]]:
    """``attn.kernel_defines`` of every kernel declaration of a device, by symbol."""
    from ..ir import DictAttr

    out: dict[str, dict[str, int]] = {}
    for inner in device.regions[0].blocks[0].operations:
        o = inner.operation
        if o.name != "func.func":
            continue
        a = attr_map(o)
        defines = a.get("attn.kernel_defines")
        if defines is not None:
            d = DictAttr(defines)
            out[str_attr(a["sym_name"])] = {d[i].name: int_attr(d[i].attr) for i in range(len(d))}
    return out


def core_stats(program: Any) -> list[CoreStats]:
    """Statistics of every core of every ``aie.device`` in ``program`` (module, op or text)."""
    from .frontend import _resolve

    top = _resolve(program)
    out: list[CoreStats] = []
    devices = (
        [top]
        if top.name == "aie.device"
        else [i.operation for i in top.regions[0].blocks[0].operations if i.operation.name == "aie.device"]
    )
    for device in devices:
        defines = _kernel_defines(device)
        rows = next((d["ATTN_TQ"] for d in defines.values() if "ATTN_TQ" in d), None)
        for inner in device.regions[0].blocks[0].operations:
            o = inner.operation
            if o.name != "aie.core":
                continue
            a = attr_map(o.operands[0].owner)
            tile = f"({int_attr(a['col'])}, {int_attr(a['row'])})"
            stats = CoreStats(core=f"core{tile}", query_rows=rows)
            _walk(o, 1, stats, defines)
            for prefix in ("attn_qk_", "attn_pv_accumulate_", "attn_softmax_rows"):
                n = sum(c for k, c in stats._calls.items() if k.startswith(prefix))
                if n:
                    stats.computed_blocks = n
                    break
            out.append(stats)
    return out


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m attn.sim.core_stats", description=__doc__.split("\n\n")[0])
    parser.add_argument("program", help="AIE program (.mlir), '-' for stdin")
    parser.add_argument("--check", action="store_true", help="exit 1 on a violation of the core-body rules")
    args = parser.parse_args(argv)
    text = sys.stdin.read() if args.program == "-" else open(args.program).read()
    try:
        stats = core_stats(text)
    except SimError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    bad = []
    for s in stats:
        print(
            f"{s.core}: query_rows={s.query_rows} scalar_accesses={s.scalar_accesses} "
            f"computed_blocks={s.computed_blocks} per_block={s.accesses_per_block:.3g} "
            f"dynamic_fifo_loops={len(s.dynamic_fifo_loops)} define_mismatches={len(s.define_mismatches)}"
        )
        bad += s.violations()
    for reason in bad:
        print(f"violation: {reason}", file=sys.stderr)
    return 1 if args.check and bad else 0


if __name__ == "__main__":
    sys.exit(main())
