"""Seeded sampling of the long sweeps for the default test run.

``pytest`` runs a sample of each sweep (test_aie_sim_sweep, test_cpu_sweep,
test_aie_legality_sweep) that still covers every value of every factor the
sweep varies (fold, target, dtype, causal rule, head dim, ...) at least once;
``ATTN_FULL_SWEEPS=1 pytest ...`` (or ``pytest --full-sweeps``) runs every
case. The sample is deterministic: the same cases run on every machine.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


def full_sweeps() -> bool:
    """True when the full sweeps were requested (env var or --full-sweeps)."""
    return os.environ.get("ATTN_FULL_SWEEPS", "") not in ("", "0")


def sample(cases: Sequence[T], factors: dict[str, Callable[[T], Any]], extra: int, seed: int) -> list[T]:
    """All ``cases`` under ATTN_FULL_SWEEPS; otherwise a covering subset: for
    each factor, every value it takes on ``cases`` appears in at least one
    chosen case (greedy, most uncovered values first), plus ``extra`` cases
    drawn at random with ``seed``. The result keeps the sweep's order."""
    if full_sweeps():
        return list(cases)
    uncovered = {(name, fn(c)) for c in cases for name, fn in factors.items()}
    chosen: set[int] = set()
    while uncovered:
        best = max(
            range(len(cases)),
            key=lambda i: (sum((n, fn(cases[i])) in uncovered for n, fn in factors.items()), -i),
        )
        chosen.add(best)
        uncovered -= {(n, fn(cases[best])) for n, fn in factors.items()}
    rest = [i for i in range(len(cases)) if i not in chosen]
    chosen.update(random.Random(seed).sample(rest, min(extra, len(rest))))
    return [cases[i] for i in sorted(chosen)]
