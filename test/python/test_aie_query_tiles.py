"""Several query tiles per core (plan l2_q_block = k x cores_per_column x q_tile).

Seeded sweep of online and full programs compiled with k = 2 (online also 4)
query tiles per core (k online states / score row buffers against one K/V stream): each
simulates to attn.reference (odd lengths, causal top_left and bottom_right,
MHA/GQA/MQA, runtime valid_len, D 40-128, npu1 and npu2), records
``query_tiles_per_core = 2`` in its schedule, and reads K and V from DRAM
half as often as the same layer compiled with k = 1 (exact bytes, from the
runtime sequence). A sample covering every factor runs by default;
ATTN_FULL_SWEEPS=1 runs all cases.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

sim = pytest.importorskip("attn.sim")
import aie_host  # noqa: E402
from plan_cases import (  # noqa: E402
    CAUSAL,
    HEAD_DIMS,
    HEADS,
    MODEL_TOLERANCE,
    TARGETS,
    array_seconds,
    heads_kind,
    model_of_compiled,
    random_qkv,
    simulate_vs_reference,
    valid_len_id,
)
from sweep_sampling import sample  # noqa: E402

from attn.aie_compile import compile  # noqa: E402

SEED = 20261207
N_CASES = 24
FOLDS = ("online", "full")
K = 2  # query tiles per core
COLUMNS, CORES = 2, 2


@dataclass(frozen=True)
class Case:
    index: int
    target: str
    fold: str
    b: int
    h: int
    hkv: int
    lq: int
    lk: int
    d: int
    causal: str
    valid_len: tuple[int, ...] | None
    k: int = K

    @property
    def id(self) -> str:
        return (
            f"{self.index:02d}-{self.target}-{self.fold}-b{self.b}h{self.h}kv{self.hkv}"
            f"-q{self.lq}k{self.lk}d{self.d}-{self.causal}{valid_len_id(self.valid_len)}-x{self.k}"
        )

    def text(self) -> str:
        return aie_host.layer_text(
            self.b, self.h, self.hkv, self.lq, self.lk, self.d, causal=self.causal, valid_len=self.valid_len is not None
        )

    def inputs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rng = np.random.default_rng(SEED + self.index)
        return random_qkv(rng, self.b, self.h, self.hkv, self.lq, self.lk, self.d)

    def options(self, k: int) -> dict[str, int]:
        # The full fold keeps k score rows [16][Lk] f32: short tiles fit L1.
        q_tile = 16
        return {
            "q_tile": q_tile,
            "kv_tile": 16 if self.d >= 96 else 32,
            "columns": COLUMNS,
            "cores_per_column": CORES,
            "l2_q_block": k * CORES * q_tile,
            "l2_kv_block": 16 if self.d >= 96 else 32,  # K/V streamed per round
        }


def _cases() -> list[Case]:
    rng = np.random.default_rng(SEED)
    out = []
    for i in range(N_CASES):
        fold = FOLDS[i % 2]
        target = TARGETS[(i // 2) % 2]
        d = HEAD_DIMS[i % 5]
        h, hkv = HEADS[(i // 3) % 3]
        causal = CAUSAL[(i // 4) % 3]
        b = 1 + (i // 6) % 2
        # Online cores also keep 4 query tiles where 4 accumulators fit L1
        # (D <= 80; the full fold's 4 score rows do not).
        k = 4 if fold == "online" and i % 4 == 0 and d <= 80 else K
        # 8 k query tiles of 16 per head (the last one odd): every unit fills
        # rounds of up to 4 cores x k tiles, so the scheduler keeps the plan's
        # k (with fewer items it takes fewer tiles per core: a round of k
        # tiles lasts k times one tile's).
        lq = 16 * 8 * k - int(rng.integers(0, 16))
        lk = int(rng.choice([lq, int(rng.integers(5, 140))])) if fold == "online" else int(rng.integers(5, 140))
        valid_len = None
        if i % 5 in (1, 3):
            lk = lq
            valid_len = tuple(int(rng.integers(1, lq)) for _ in range(b))
            if fold == "full":  # 2 score rows of 256 keys + Q, K/V, O, acc
                d = min(d, 64)
        out.append(Case(i, target, fold, b, h, hkv, lq, lk, d, causal, valid_len, k))
    return out


CASES = _cases()
SAMPLED = sample(
    CASES,
    {
        "fold x target": lambda c: (c.fold, c.target),
        "head dim": lambda c: c.d,
        "causal": lambda c: c.causal,
        "heads": lambda c: heads_kind(c.h, c.hkv),
        "valid_len": lambda c: c.valid_len is not None,
        "batch": lambda c: c.b,
        "tiles per core": lambda c: c.k,
    },
    extra=1,
    seed=SEED,
)


def _compile(case: Case, k: int):
    return compile(case.text(), target=case.target, fold=case.fold, **case.options(k))


def _schedule(program) -> dict:
    (schedule,) = program.report["schedules"].values()
    return schedule


def test_sweep_covers_the_required_space():
    assert {(c.fold, c.target) for c in CASES} == {(f, t) for f in FOLDS for t in TARGETS}
    assert {c.d for c in CASES} == set(HEAD_DIMS)
    assert {c.causal for c in CASES} == set(CAUSAL)
    assert {heads_kind(c.h, c.hkv) for c in CASES} == {"mha", "gqa", "mqa"}
    assert any(c.valid_len for c in CASES) and any(c.lq % 16 for c in CASES)


@pytest.mark.parametrize("case", SAMPLED, ids=[c.id for c in SAMPLED])
def test_query_tiles_program_simulates_to_reference(case: Case) -> None:
    program = _compile(case, case.k)
    schedule = _schedule(program)
    assert schedule["query_tiles_per_core"] == case.k
    aie_host.check_upstream_syntax(program)
    q, k, v = case.inputs()
    _, _, ratio = simulate_vs_reference(program, q, k, v, case.valid_len, causal=case.causal)
    assert ratio <= 1.0, f"{case.id}: error {ratio:.3f} x tolerance"


KV_CASES = [
    Case(100, "npu2", "online", 1, 4, 1, 250, 150, 64, "bottom_right", None),
    Case(101, "npu1", "full", 2, 4, 2, 250, 77, 80, "none", None),
]


@pytest.mark.parametrize("case", KV_CASES, ids=[c.id for c in KV_CASES])
def test_query_tiles_read_kv_once_per_round(case: Case) -> None:
    """K and V cross DRAM once per round of a kv head (the full fold with D == Dv
    streams the round's K blocks, then its V blocks, through one FIFO), and
    k = 2 query tiles per core need fewer rounds."""
    two, one = _schedule(_compile(case, K)), _schedule(_compile(case, 1))
    for sch in (two, one):
        # A causal online stage streams per round only its round class's first
        # key blocks (round_classes: per chunk [repeats, (rounds, blocks)...]).
        classes = sch.get("round_classes")
        assert (classes is not None) == (case.causal != "none" and case.fold == "online")
        steps = sch["steps"]
        if classes is None:
            streamed, per_round = sch["rounds_per_kv_head"] * steps, steps
        else:
            pairs = [(c[0] * c[i], c[i + 1]) for c in classes for i in range(1, len(c), 2)]
            assert sum(r for r, _ in pairs) == sch["rounds_per_kv_head"]
            streamed, per_round = sum(r * b for r, b in pairs), steps
            assert streamed < sch["rounds_per_kv_head"] * steps
        for role in ("k", "v"):
            assert sch["bytes"][role] * per_round == streamed * sch["buffer_bytes"][role]
    assert two["query_tiles_per_core"] == K and one["query_tiles_per_core"] == 1
    assert two["rounds_per_kv_head"] < one["rounds_per_kv_head"]


@pytest.mark.parametrize("index", [0, 3], ids=[CASES[0].id, CASES[3].id])
def test_query_tiles_model_vs_simulator(index: int) -> None:
    """The cost model on exactly the compiled plan (its l2_q_block: k tiles per
    lane) and the simulated array time of the program agree within +-15 %."""
    case = CASES[index]
    program = _compile(case, case.k)
    assert _schedule(program)["query_tiles_per_core"] == case.k
    q, k, v = case.inputs()
    # The model prices a static bucket at its full length.
    full = None if case.valid_len is None else [case.lk] * case.b
    _, results = aie_host.run(program, q, k, v, full, timing=True)
    sim_array = sum(r.seconds for r in results)
    est = model_of_compiled(case.text(), program, case.target, case.fold, kv_split=1)
    model_array = array_seconds(est)
    assert abs(sim_array / model_array - 1.0) <= MODEL_TOLERANCE, (
        f"{case.id}: simulator {sim_array * 1e6:.1f} us vs cost model {model_array * 1e6:.1f} us"
    )
