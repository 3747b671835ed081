"""L2-resident K/V (plan l2_kv_block = the padded key length).

A kv head's K and V are read from DRAM once per unit into the group's host
memtile, which streams them to the cores every round (docs/aie-mapping.md,
"L2-resident K/V"). Seeded sweep of online and full programs compiled so:
each simulates to attn.reference (odd lengths, causal top_left and
bottom_right, MHA/GQA/MQA, runtime valid_len, D 40-128, npu1 and npu2),
reads K and V from DRAM exactly once per unit (exact bytes, from the runtime
sequence) where the same layer streamed per round reads them once per round,
and the cost model's DRAM bytes equal the program's. A sample covering every
factor runs by default; ATTN_FULL_SWEEPS=1 runs all cases.
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
    TARGETS,
    heads_kind,
    random_qkv,
    simulate_vs_reference,
    valid_len_id,
)
from sweep_sampling import sample  # noqa: E402

from attn.aie_compile import compile  # noqa: E402

SEED = 20261208
N_CASES = 20
FOLDS = ("online", "full")
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

    @property
    def id(self) -> str:
        return (
            f"{self.index:02d}-{self.target}-{self.fold}-b{self.b}h{self.h}kv{self.hkv}"
            f"-q{self.lq}k{self.lk}d{self.d}-{self.causal}{valid_len_id(self.valid_len)}"
        )

    @property
    def kv_tile(self) -> int:
        return 16 if self.d >= 96 else 32

    def options(self, resident: bool) -> dict[str, int]:
        padded = -(-self.lk // self.kv_tile) * self.kv_tile
        return {
            "q_tile": 16,
            "kv_tile": self.kv_tile,
            "columns": COLUMNS,
            "cores_per_column": CORES,
            "l2_kv_block": padded if resident else self.kv_tile,
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
        # Several rounds per kv head (query tiles of 16 over up to 4 cores).
        lq = int(rng.integers(40, 140))
        lk = int(rng.choice([lq, int(rng.integers(5, 200))]))
        valid_len = None
        if i % 5 in (1, 3):
            lk = lq
            valid_len = tuple(int(rng.integers(1, lq)) for _ in range(b))
        out.append(Case(i, target, fold, b, h, hkv, lq, lk, d, causal, valid_len))
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
    },
    extra=1,
    seed=SEED,
)


def _compile(case: Case, resident: bool):
    text = aie_host.layer_text(
        case.b, case.h, case.hkv, case.lq, case.lk, case.d, causal=case.causal, valid_len=case.valid_len is not None
    )
    return compile(text, target=case.target, fold=case.fold, **case.options(resident))


def _schedule(program) -> dict:
    (schedule,) = program.report["schedules"].values()
    return schedule


def _resident_fifos(schedule: dict) -> list[dict]:
    return [f for f in schedule["fifos"] if f.get("repeat_count", 0) > 0]


def test_sweep_covers_the_required_space():
    assert {(c.fold, c.target) for c in CASES} == {(f, t) for f in FOLDS for t in TARGETS}
    assert {c.d for c in CASES} == set(HEAD_DIMS)
    assert {c.causal for c in CASES} == set(CAUSAL)
    assert {heads_kind(c.h, c.hkv) for c in CASES} == {"mha", "gqa", "mqa"}
    assert any(c.valid_len for c in CASES) and any(c.lq % 16 for c in CASES)


@pytest.mark.parametrize("case", SAMPLED, ids=[c.id for c in SAMPLED])
def test_l2_resident_program_simulates_to_reference(case: Case) -> None:
    program = _compile(case, resident=True)
    schedule = _schedule(program)
    resident = _resident_fifos(schedule)
    assert resident, f"{case.id}: no L2-resident K/V broadcast in the schedule"
    units = schedule["work_heads"] * schedule["query_chunks"]
    # K and V cross DRAM once per unit: their whole buffers once per chunk.
    for role in ("k", "v"):
        assert schedule["bytes"][role] == schedule["query_chunks"] * schedule["buffer_bytes"][role]
    # Every unit's rounds re-send the resident object (one repeat count).
    assert {f["repeat_count"] for f in resident} == {schedule["rounds_per_kv_head"] // schedule["query_chunks"]}
    assert units >= 1
    aie_host.check_upstream_syntax(program)
    rng = np.random.default_rng(SEED + case.index)
    q, k, v = random_qkv(rng, case.b, case.h, case.hkv, case.lq, case.lk, case.d)
    _, _, ratio = simulate_vs_reference(program, q, k, v, case.valid_len, causal=case.causal)
    assert ratio <= 1.0, f"{case.id}: error {ratio:.3f} x tolerance"


def test_l2_resident_reads_kv_once_where_streaming_reads_per_round() -> None:
    """Same layer, same plan but l2_kv_block: streamed per round, K/V cross DRAM
    rounds_per_kv_head times (causal: only the blocks a round computes);
    resident, once per unit (causal too: the memtile re-sends every block)."""
    for causal in ("none", "bottom_right"):
        case = Case(100, "npu2", "online", 1, 4, 1, 250, 150, 64, causal, None)
        resident, streamed = _schedule(_compile(case, True)), _schedule(_compile(case, False))
        assert streamed["rounds_per_kv_head"] > 1
        for role in ("k", "v"):
            every_round = streamed["rounds_per_kv_head"] * streamed["buffer_bytes"][role]
            if causal == "none":
                assert streamed["bytes"][role] == every_round
            else:
                assert streamed["bytes"][role] < every_round
            assert resident["bytes"][role] == resident["query_chunks"] * resident["buffer_bytes"][role]
        assert not _resident_fifos(streamed)


def test_partial_kv_block_is_rejected_naming_the_rule() -> None:
    """An l2_kv_block between kv_tile and the padded key length is not emitted."""
    from attn import dse

    text = aie_host.layer_text(1, 2, 2, 256, 256, 64)
    with pytest.raises(Exception, match="l2_kv_block"):
        compile(
            text, target="npu2", fold="online", q_tile=16, kv_tile=32, columns=2, cores_per_column=2, l2_kv_block=64
        )
    # The search proposes the resident block where it is emitted.
    assert dse.why_not_emittable is not None
