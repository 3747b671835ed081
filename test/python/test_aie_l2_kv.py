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

import ml_dtypes
import numpy as np
import pytest

from attn import reference

sim = pytest.importorskip("attn.sim")
import aie_host  # noqa: E402
from sweep_sampling import sample  # noqa: E402

from attn.aie_compile import compile  # noqa: E402

RTOL = 2.0**-8  # bf16 output rounding
ATOL = 1e-4  # f32 accumulation and exp
SEED = 20261208
N_CASES = 20
HEAD_DIMS = (40, 64, 80, 96, 128)
HEADS = ((2, 2), (4, 2), (3, 1))  # MHA, GQA, MQA
CAUSAL = ("none", "top_left", "bottom_right")
TARGETS = ("npu1", "npu2")
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
        vl = f"-vl{'_'.join(map(str, self.valid_len))}" if self.valid_len else ""
        return (
            f"{self.index:02d}-{self.target}-{self.fold}-b{self.b}h{self.h}kv{self.hkv}"
            f"-q{self.lq}k{self.lk}d{self.d}-{self.causal}{vl}"
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
        "heads": lambda c: "mha" if c.h == c.hkv else "mqa" if c.hkv == 1 else "gqa",
        "valid_len": lambda c: c.valid_len is not None,
        "batch": lambda c: c.b,
    },
    extra=1,
    seed=SEED,
)


def _bf16(a: np.ndarray) -> np.ndarray:
    return a.astype(ml_dtypes.bfloat16).astype(np.float32)


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
    assert {"mha" if c.h == c.hkv else "mqa" if c.hkv == 1 else "gqa" for c in CASES} == {"mha", "gqa", "mqa"}
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
    q = _bf16(rng.standard_normal((case.b, case.h, case.lq, case.d)).astype(np.float32))
    k = _bf16(rng.standard_normal((case.b, case.hkv, case.lk, case.d)).astype(np.float32))
    v = _bf16(rng.standard_normal((case.b, case.hkv, case.lk, case.d)).astype(np.float32))
    vl = None if case.valid_len is None else list(case.valid_len)
    out, _ = aie_host.run(program, q, k, v, vl)
    ref = reference.attention(q, k, v, causal=case.causal, valid_len=None if vl is None else np.asarray(vl))
    out = aie_host.output(program, out, ref.shape)
    err = np.abs(out - ref)
    ratio = float((err / (RTOL * np.abs(ref) + ATOL)).max())
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
