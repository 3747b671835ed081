#!/usr/bin/env python3
"""Simulator speed: wall time of attn.sim on the hand-written one-core flash
attention program at a BERT-base layer shape (L = 512, 12 heads, D = 64).

Prints one JSON object: wall seconds for the program load (parse + core-body
translation), a functional run (timing=False) and a timed run, the simulated
cycles/seconds/DRAM traffic of the timed run, and the error against
attn.reference. Not a test: numbers depend on the machine.

    PYTHONPATH=build/dev/python_packages python bench/sim_speed.py [--heads 12] [--seq-len 512] \
        [--head-dim 64] [--tq 32] [--tk 32] [--out result.json] [--trace trace.json] [--plot timeline.png]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "test" / "python"))

from sim_programs.flash_attention import flash_attention_program  # noqa: E402

from attn import reference, sim  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--heads", type=int, default=12)
    parser.add_argument("--seq-len", type=int, default=512)
    parser.add_argument("--head-dim", type=int, default=64)
    parser.add_argument("--tq", type=int, default=32)
    parser.add_argument("--tk", type=int, default=32)
    parser.add_argument("--device", default="npu2")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    parser.add_argument("--trace", type=Path, help="write the timed run's Perfetto trace here")
    parser.add_argument("--plot", type=Path, help="save the timed run's timeline (needs matplotlib)")
    args = parser.parse_args()

    h, seq_len, d = args.heads, args.seq_len, args.head_dim
    rng = np.random.default_rng(0)
    q, k, v = (reference.round_to_dtype(rng.standard_normal((1, h, seq_len, d)), "bf16") for _ in range(3))
    text = flash_attention_program(h, seq_len, d, tq=args.tq, tk=args.tk, device=args.device)

    t0 = time.perf_counter()
    program = sim.load(text)
    t_load = time.perf_counter() - t0

    t0 = time.perf_counter()
    functional = sim.run_program(program, q, k, v, timing=False)
    t_functional = time.perf_counter() - t0

    t0 = time.perf_counter()
    timed = sim.run_program(program, q, k, v, timing=True)
    t_timed = time.perf_counter() - t0

    ref = reference.attention(q, k, v)
    err = float(np.abs(functional.output.reshape(ref.shape) - ref).max())
    assert np.array_equal(functional.output, timed.output), "timing must not change results"
    if args.trace is not None:
        timed.write_trace(args.trace)

    flops = 2 * h * seq_len * seq_len * 2 * d
    result = {
        "benchmark": "attn.sim one-core flash attention",
        "shape": {"heads": h, "seq_len": seq_len, "head_dim": d, "tq": args.tq, "tk": args.tk},
        "device": args.device,
        "wall_seconds": {
            "load": round(t_load, 4),
            "functional_run": round(t_functional, 4),
            "timed_run": round(t_timed, 4),
            "functional_total": round(t_load + t_functional, 4),
        },
        "goal_functional_seconds_per_layer": 10.0,
        "simulated": {
            "cycles": timed.cycles,
            "seconds": timed.seconds,
            "dispatch_overhead_seconds": timed.dispatch_overhead_seconds,
            "dram_bytes": timed.dram_bytes,
            "dram_bandwidth_bytes_per_second": timed.dram_bandwidth,
            "tflops": flops / timed.seconds / 1e12,
            "core_busy_fraction": timed.tiles["core (0, 2)"]["core"]["busy"] / timed.cycles,
            "trace_events": len(timed.trace()["traceEvents"]),
        },
        "max_abs_error_vs_reference": err,
        "machine": {"python": platform.python_version(), "numpy": np.__version__, "processor": platform.machine()},
    }
    text_out = json.dumps(result, indent=2)
    print(text_out)
    if args.out is not None:
        args.out.write_text(text_out + "\n")
    if args.plot is not None:
        try:
            timed.plot(args.plot)
        except ImportError as e:
            print(f"no plot: {e}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
