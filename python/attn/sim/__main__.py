"""``python -m attn.sim program.mlir --inputs in.npz [--trace t.json] [--out out.npz]``

Runs an AIE program on the arrays of ``in.npz`` (runtime-sequence arguments in
order: ``arr_0, arr_1, ...`` as ``numpy.savez`` writes them, otherwise the file
order), prints a JSON summary (cycles, seconds, DRAM bytes and bandwidth,
per-actor busy/stall), and optionally writes the Chrome/Perfetto trace and the
written arguments (``arg<i>`` plus ``output``) to an ``.npz``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np

from . import SimError, run


def _ordered_arrays(npz: np.lib.npyio.NpzFile) -> list[np.ndarray]:
    names = list(npz.files)
    if names and all(re.fullmatch(r"arr_\d+", n) for n in names):
        names.sort(key=lambda n: int(n[4:]))
    return [npz[n] for n in names]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m attn.sim",
        description="Simulate an AIE program on numpy arrays: prints a JSON summary (cycles, seconds, DRAM "
        "bytes, per-actor busy/stall), optionally writes the trace and the written arguments.",
    )
    parser.add_argument("program", type=Path, help="AIE program (.mlir, upstream mlir-aie syntax)")
    parser.add_argument("--inputs", type=Path, help=".npz with one array per runtime-sequence argument, in order")
    parser.add_argument("--trace", type=Path, help="write a Chrome/Perfetto trace JSON here")
    parser.add_argument("--out", type=Path, help="write the written arguments to this .npz")
    parser.add_argument("--no-timing", action="store_true", help="functional run only (no cycle model)")
    args = parser.parse_args(argv)

    try:
        text = args.program.read_text()
    except OSError as e:
        print(f"error: cannot read {args.program}: {e}", file=sys.stderr)
        return 2
    arrays: list[np.ndarray] = []
    if args.inputs is not None:
        try:
            with np.load(args.inputs) as npz:
                arrays = _ordered_arrays(npz)
        except (OSError, ValueError) as e:
            print(f"error: cannot read inputs {args.inputs}: {e}", file=sys.stderr)
            return 2
    if args.trace is not None and args.no_timing:
        print("error: --trace needs the timing model (drop --no-timing)", file=sys.stderr)
        return 2
    try:
        result = run(text, *arrays, timing=not args.no_timing)
    except SimError as e:  # includes deadlocks and misuse
        print(f"error: {e}", file=sys.stderr)
        return 1
    if args.trace is not None:
        result.write_trace(args.trace)
    if args.out is not None:
        payload = {f"arg{i}": a for i, a in result.outputs.items()}
        if result.output is not None:
            payload["output"] = result.output
        np.savez(args.out, **payload)
    summary = result.summary()
    summary["written_args"] = sorted(result.outputs)
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
