"""Seeded execution sweep of the CPU path against the float64 reference.

Every case is a visible pytest item (its id spells the configuration). The
sweep covers L in {1, 7, 64, 197, 384, 1500, 2049}, D in {40, 64, 80, 96,
128}, B in {1, 2}, MHA/GQA/MQA, causal none/top_left/bottom_right, boolean
and additive masks, per-head bias, dynamic lengths with a runtime valid_len,
bf16/f16/f32 and every fold mode (level 1 direct, unfolded, partial, full,
online, auto). Every layer goes through the whole chain (fold -> tile for
npu2 -> pad-and-mask -> CPU lowering); f16/f32 layers are tiled at the bf16
intrinsic their emulated matmuls use. Each compiled program
serves two cases (two seeds, or two run lengths of a dynamic program), so
the engine cache halves the compile time. Large lengths use few heads to
keep the sweep within a few minutes on two cores.

Tolerances are explained in cpu_cases.py. The worst error per dtype is
written to <build>/cpu_sweep_report.json and printed in the pytest summary.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
from pathlib import Path

import numpy as np
import pytest
from cpu_cases import RTOL, Case, run_case
from sweep_sampling import sample

SMALL_LENGTHS = (1, 7, 64, 197)
LARGE_LENGTHS = (384, 1500, 2049)
HEAD_DIMS = (40, 64, 80, 96, 128)
HEAD_CONFIGS = ((2, 2), (4, 2), (4, 1), (3, 3), (6, 2))  # MHA, GQA, MQA, MHA, GQA
CAUSAL = ("none", "top_left", "bottom_right")
MASKS = (None, "bool", "additive")
DTYPES = ("bf16", "f16", "f32")
FOLDS = (None, "unfolded", "partial", "full", "online", "auto")
# attn-tile needs a static key length for the folds that keep whole score
# rows on chip; tiled dynamic layers (every dtype) use the others.
DYNAMIC_TILED_FOLDS = (None, "unfolded", "online", "auto")

SEED = 20250101
N_SMALL_PROGRAMS = 134
N_LARGE_REPEATS = 2


def _programs() -> list[Case]:
    rng = np.random.default_rng(SEED)
    out: list[Case] = []
    # Factors advance with coprime strides so every value of every factor
    # meets every other factor's values; the rest is drawn at random.
    for i in range(N_SMALL_PROGRAMS):
        dtype = DTYPES[i % 3]
        dynamic = i % 4 == 3
        folds = DYNAMIC_TILED_FOLDS if dynamic else FOLDS
        fold = folds[(i // 3) % len(folds)]
        h, hkv = HEAD_CONFIGS[i % 5]
        lq = SMALL_LENGTHS[(i // 2) % 4]
        # Mostly square, sometimes a KV cache longer than the queries
        # (prefill/decode: bottom_right alignment matters) or shorter.
        lk = int(rng.choice([lq, lq, lq + 13, max(1, lq // 2)]))
        out.append(
            Case(
                batch=1 + i % 2,
                heads=h,
                kv_heads=hkv,
                q_len=lq,
                kv_len=lk,
                head_dim=HEAD_DIMS[(i // 7) % 5],
                dtype=dtype,
                causal=CAUSAL[(i // 11) % 3],
                mask=MASKS[(i // 5) % 3],
                bias=bool(rng.random() < 0.25),
                dynamic=dynamic,
                fold=fold,
            )
        )
    # Large lengths: every dtype meets every large length, with two or three
    # fold modes each (one of them dynamic for some).
    for i, (dtype, lq) in enumerate(itertools.product(DTYPES, LARGE_LENGTHS * N_LARGE_REPEATS)):
        dynamic = i % 4 == 1
        folds = DYNAMIC_TILED_FOLDS if dynamic else FOLDS
        out.append(
            Case(
                batch=1,
                heads=1 + i % 2,
                kv_heads=1,
                q_len=lq,
                kv_len=lq,
                head_dim=(40, 64)[i % 2] if lq > 1000 else HEAD_DIMS[i % 5],
                dtype=dtype,
                causal=CAUSAL[i % 3],
                mask=MASKS[(i // 2) % 3] if lq < 1000 else None,
                dynamic=dynamic,
                fold=folds[(i * 5) % len(folds)],
            )
        )
    return out


def _cases() -> list[Case]:
    cases = []
    programs = {p.program_key(): p for p in reversed(_programs())}  # first one wins
    for p in sorted(programs.values(), key=_programs().index):
        for rep in range(2):
            if p.dynamic:
                # Two run lengths of one compiled program: the bucket and a
                # shorter one.
                shrink = (1.0, 0.6)[rep]
                cases.append(
                    dataclasses.replace(
                        p,
                        seed=rep,
                        run_q_len=max(1, int(p.q_len * shrink)),
                        run_kv_len=max(1, int(p.kv_len * shrink)),
                    )
                )
            else:
                cases.append(dataclasses.replace(p, seed=rep))
    return cases


CASES = _cases()
# Default run: a covering sample (sweep_sampling.py); ATTN_FULL_SWEEPS=1 runs all.
SAMPLED = sample(
    CASES,
    {
        "fold x dtype": lambda c: (c.fold, c.dtype),
        "fold x causal": lambda c: (c.fold, c.causal),
        "mask": lambda c: c.mask,
        "bias": lambda c: c.bias,
        "dynamic x dtype": lambda c: (c.dynamic, c.dtype),
        "head dim": lambda c: c.head_dim,
        "heads": lambda c: "mha" if c.heads == c.kv_heads else "mqa" if c.kv_heads == 1 else "gqa",
        "batch": lambda c: c.batch,
        "q length": lambda c: c.q_len,
    },
    extra=6,
    seed=SEED,
)
_WORST: dict[str, dict] = {}


def _record(case: Case, outcome) -> None:
    w = _WORST.setdefault(
        case.dtype,
        {"cases": 0, "max_abs_error": 0.0, "worst_ratio": 0.0, "worst_case": "", "rtol": RTOL[case.dtype]},
    )
    w["cases"] += 1
    if outcome.max_abs_error > w["max_abs_error"]:
        w["max_abs_error"] = outcome.max_abs_error
    if outcome.worst_ratio > w["worst_ratio"]:
        w["worst_ratio"] = outcome.worst_ratio
        w["worst_case"] = case.id


def _report_path() -> Path:
    build = os.environ.get("ATTN_BUILD_DIR")
    root = Path(build) if build else Path(__file__).resolve().parents[2] / "build"
    return root / "cpu_sweep_report.json"


@pytest.fixture(scope="module", autouse=True)
def sweep_report():
    yield
    if not _WORST:
        return
    path = _report_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"seed": SEED, "total_cases": len(CASES), "per_dtype": _WORST}, indent=2) + "\n")
    REPORT["path"] = str(path)


# Read by the pytest_terminal_summary hook in conftest.py.
REPORT: dict = {"per_dtype": _WORST, "path": None}


def test_sweep_covers_the_required_space():
    assert len(CASES) >= 300
    seen = {
        "lengths": {c.q_len for c in CASES} | {c.kv_len for c in CASES},
        "head_dims": {c.head_dim for c in CASES},
        "batches": {c.batch for c in CASES},
        "heads": {("mha" if c.heads == c.kv_heads else "mqa" if c.kv_heads == 1 else "gqa") for c in CASES},
        "causal": {c.causal for c in CASES},
        "masks": {c.mask for c in CASES},
        "dtypes": {c.dtype for c in CASES},
        "folds": {c.fold for c in CASES},
    }
    assert set(SMALL_LENGTHS + LARGE_LENGTHS) <= seen["lengths"]
    assert set(HEAD_DIMS) == seen["head_dims"]
    assert seen["batches"] == {1, 2}
    assert seen["heads"] == {"mha", "gqa", "mqa"}
    assert seen["causal"] == set(CAUSAL)
    assert seen["masks"] == set(MASKS)
    assert seen["dtypes"] == set(DTYPES)
    assert seen["folds"] == set(FOLDS)
    assert any(c.dynamic for c in CASES) and any(c.bias for c in CASES)
    # Every fold mode meets every dtype and both causal alignments.
    combos = {(c.fold, c.dtype) for c in CASES}
    assert set(itertools.product(FOLDS, DTYPES)) <= combos
    assert {(c.fold, c.causal) for c in CASES} >= set(itertools.product(FOLDS, CAUSAL))
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", SAMPLED, ids=[c.id for c in SAMPLED])
def test_cpu_path_matches_reference(case: Case):
    outcome = run_case(case)
    _record(case, outcome)
    assert not outcome.has_nan, f"NaN in the output of {case.id}"
    assert outcome.worst_ratio <= 1.0, (
        f"{case.id}: max |err| {outcome.max_abs_error:.3g} exceeds the {case.dtype} tolerance "
        f"(worst err/tol {outcome.worst_ratio:.3f})"
    )
