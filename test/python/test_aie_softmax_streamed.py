"""The unfolded fold's streamed softmax (docs/aie-mapping.md): score rows too
long for L1 are read in kv_tile chunks twice (running max/sum, then P chunk
by chunk). Sampled sweep: long odd key lengths, causal in both alignments,
valid_len, GQA/MQA, npu1 and npu2; each program simulates to attn.reference
(same tolerance as the seeded AIE sweep), its softmax stage is the streamed
one (record: steps = 2 x chunks; DRAM: S read exactly twice), and the
simulated array time is within +-15 % of the cost model on the same plan.
ATTN_FULL_SWEEPS=1 runs every case."""

from __future__ import annotations

import os

import pytest

sim = pytest.importorskip("attn.sim")
import aie_host  # noqa: E402
import test_aie_sim_sweep as sweep  # noqa: E402
from plan_cases import MODEL_TOLERANCE, simulate_vs_reference  # noqa: E402

Case = sweep.Case

# (target, b, h, hkv, lq, lk, d, causal, valid_len): every key length is odd
# and beyond the ~3.9K keys whose f32 row fits L1 at depth 2.
_ALL = [
    Case(900, "npu1", "unfolded", 1, 2, 1, 37, 4999, 64, "top_left", None, False, 16, 32),
    Case(901, "npu2", "unfolded", 1, 2, 2, 23, 5001, 64, "bottom_right", None, False, 16, 32),
    Case(902, "npu2", "unfolded", 2, 2, 1, 40, 4500, 80, "none", (3001, 4500), False, 16, 32),
    Case(903, "npu1", "unfolded", 1, 4, 2, 17, 6143, 40, "bottom_right", None, True, 16, 32),
    Case(904, "npu1", "unfolded", 2, 3, 1, 9, 4123, 128, "top_left", (4001, 17), False, 16, 16),
    Case(905, "npu2", "unfolded", 1, 1, 1, 50, 8191, 96, "top_left", None, False, 16, 16),
]
CASES = _ALL if os.environ.get("ATTN_FULL_SWEEPS") else _ALL[:3]
# Known model/simulator disagreements (strict xfail), with their cause.
KNOWN_MISMATCH = {
    904: "work decomposition, not the streamed softmax: 6 one-tile heads on 2 columns x 2 cores; "
    "attn-schedule-dma runs the softmax stage on 1 core per column (3 rounds each, no repeated items), "
    "the model spreads the 6 items over all 4 cores (2 each): +54 % on the layer, +35 % on the softmax stage",
}


def _softmax_schedule(program) -> dict:
    name = next(s["device"] for s in program.report["stages"] if s["device"].endswith("_softmax"))
    return program.report["schedules"][name]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_streamed_softmax_simulates_to_reference(case: Case) -> None:
    q, k, v = sweep._inputs(case)
    _, program = sweep._compile(case)
    sched = _softmax_schedule(program)
    padded_keys = -(-case.lk // case.kv_tile) * case.kv_tile
    assert sched["kv_tile"] == case.kv_tile
    assert sched["steps"] == 2 * padded_keys // case.kv_tile, f"{case.id}: softmax rows not streamed"
    assert sched["bytes"]["s"] == 2 * sched["bytes"]["p"], f"{case.id}: S must be read exactly twice"
    aie_host.check_upstream_syntax(program)
    _, max_err, ratio = simulate_vs_reference(
        program, q, k, v, case.valid_len, causal=case.causal, layout="blhd" if case.blhd else "bhld"
    )
    assert ratio <= 1.0, f"{case.id}: max |err| {max_err:.3g}, worst err/tol {ratio:.3f}"


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=KNOWN_MISMATCH[c.index]))
        if c.index in KNOWN_MISMATCH
        else c
        for c in CASES
    ],
    ids=[c.id for c in CASES],
)
def test_streamed_softmax_cost_model_vs_simulator(case: Case) -> None:
    rec = sweep._model_vs_sim(case)
    assert abs(rec["array"]) <= MODEL_TOLERANCE, (
        f"{case.id}: simulator {rec['sim_array_s'] * 1e6:.1f} us vs cost model "
        f"{rec['model_array_s'] * 1e6:.1f} us ({rec['array'] * 100:+.1f} %)"
    )
