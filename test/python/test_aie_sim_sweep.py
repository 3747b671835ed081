"""Seeded sweep: every program attn-to-aie emits simulates to attn.reference.

104 seeded shapes spread over the four folds and both targets (13 per
fold x target): odd lengths that are not multiples of the tiles, causal
top_left / bottom_right, MHA/GQA/MQA, B in {1, 2}, D in {40, 64, 80, 96,
128}, bhld/blhd, and static buckets served at a shorter valid_len given at
dispatch as runtime-sequence arguments (docs/aie-mapping.md). Every emitted
program also re-parses in the pinned upstream syntax and passes
aie-check-limits.

Simulator vs cost model: test_cost_model_vs_simulator asserts, per compiled
program (the model on the compiled plan), that the simulated array time is
within +-15 % of the modeled one (issue 12), on one case per fold x target
by default and on every case with ATTN_FULL_SWEEPS=1; known disagreements are
strict xfails naming their cause (KNOWN_MISMATCH); a negative control shows
the comparison fails when one simulator cost is off.

Tolerance: the inputs are rounded to bf16 before both the program and the
reference see them, so the error is the bf16 output rounding (half an ulp,
at most 2^-8 |ref|) plus f32 accumulation and exp (ATOL). The worst error
goes to <build>/aie_sim_sweep_report.json and the pytest summary, with the
simulator vs cost model agreement of every compared program.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import ml_dtypes
import numpy as np
import pytest

from attn import reference

sim = pytest.importorskip("attn.sim")
import aie_host  # noqa: E402
from sweep_sampling import full_sweeps, sample  # noqa: E402

from attn import dse  # noqa: E402
from attn.aie_compile import compile  # noqa: E402

RTOL = 2.0**-8  # bf16 output rounding (half an ulp)
ATOL = 1e-4  # f32 accumulation over <= 300 keys and exp
SEED = 20260701
N_CASES = 104
FOLDS = ("online", "full", "partial", "unfolded")
TARGETS = ("npu1", "npu2")
HEAD_DIMS = (40, 64, 80, 96, 128)
HEADS = ((2, 2), (4, 2), (3, 1))  # MHA, GQA, MQA
CAUSAL = ("none", "top_left", "bottom_right")


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
    blhd: bool
    q_tile: int
    kv_tile: int

    @property
    def id(self) -> str:
        vl = f"-vl{'_'.join(map(str, self.valid_len))}" if self.valid_len else ""
        lay = "-blhd" if self.blhd else ""
        return (
            f"{self.index:03d}-{self.target}-{self.fold}-b{self.b}h{self.h}kv{self.hkv}-q{self.lq}k{self.lk}d{self.d}"
            f"-{self.causal}{vl}{lay}-t{self.q_tile}x{self.kv_tile}"
        )

    def tiles(self) -> dict[str, int]:
        return {"q_tile": self.q_tile, "kv_tile": self.kv_tile, "columns": 2, "cores_per_column": 2}


def _cases() -> list[Case]:
    rng = np.random.default_rng(SEED)
    out = []
    for i in range(N_CASES):
        fold = FOLDS[i % 4]
        target = TARGETS[(i // 4) % 2]
        d = HEAD_DIMS[i % 5]
        h, hkv = HEADS[(i // 2) % 3]
        causal = CAUSAL[(i // 3) % 3]
        b = 1 + (i // 5) % 2
        online = fold == "online"
        # Online runs its V copy element by element in the simulator.
        lmax = 90 if online else 300
        lq = int(rng.integers(1, lmax))
        lk = int(rng.choice([lq, int(rng.integers(1, lmax))]))
        if online:
            b, h, hkv = 1, h // hkv, 1
        # Larger tiles overflow L1 for the longer rows and wider heads
        # (a clear attn-tile error, not a sweep case).
        q_tile = 16
        kv_tile = 16 if d >= 96 else int(rng.choice([16, 32]))
        valid_len = None
        if i % 7 in (2, 5):
            # Static bucket lk == lq, served at a shorter length per batch.
            lk = lq = max(lq, 8)
            valid_len = tuple(int(rng.integers(1, lq)) for _ in range(b))
        out.append(
            Case(i, target, fold, b, h, hkv, lq, lk, d, causal, valid_len, bool(rng.random() < 0.25), q_tile, kv_tile)
        )
    return out


CASES = _cases()
# Default run: a covering sample (sweep_sampling.py); ATTN_FULL_SWEEPS=1 runs all.
SAMPLED = sample(
    CASES,
    {
        "fold x target": lambda c: (c.fold, c.target),
        "head dim": lambda c: c.d,
        "causal": lambda c: c.causal,
        "batch": lambda c: c.b,
        "heads": lambda c: "mha" if c.h == c.hkv else "mqa" if c.hkv == 1 else "gqa",
        "valid_len x fold": lambda c: (c.valid_len is not None, c.fold),
        "layout": lambda c: c.blhd,
        "padded": lambda c: (c.lq % c.q_tile != 0, c.lk % c.kv_tile != 0),
    },
    extra=4,
    seed=SEED,
)
# Cases whose estimate is compared with the simulated time (every fold, both
# targets), and the agreement required (issue 12: simulator vs cost model
# within +-15 % on every compiled program, same plan and shape).
MODEL_TOLERANCE = 0.15
# Programs whose modeled array time is below MODEL_FLOOR_S are not compared:
# there the fixed latencies of one dispatch (buffer-descriptor setup, lock
# hand-offs, the first transfer over each hop) are most of the time, and the
# model prices only the two-hop fill.
MODEL_FLOOR_S = 20e-6
# Known disagreements beyond the tolerance, each with its cause (strict
# xfail: the test fails once they agree, so the list cannot go stale). The
# full-fold cases 9, 49 and 53 and the unfolded valid_len case 19 agree since
# the model takes the K/V step stream at one core input channel's rate, the
# stream of causally hidden key blocks and the emitted decomposition of every
# stage (softmax rows included).
KNOWN_MISMATCH: dict[int, str] = {}
# Default: one case per fold x target (sampled); ATTN_FULL_SWEEPS=1: every case.
MODEL_CASES = [c.index for c in sample(CASES, {"fold x target": lambda c: (c.fold, c.target)}, extra=0, seed=SEED + 1)]
_WORST: dict = {"cases": 0, "max_abs_error": 0.0, "worst_ratio": 0.0, "worst_case": "", "rtol": RTOL, "atol": ATOL}
_MODEL: list[dict] = []
REPORT: dict = {"worst": _WORST, "model": _MODEL, "path": None}


def _report_path() -> Path:
    build = os.environ.get("ATTN_BUILD_DIR")
    root = Path(build) if build else Path(__file__).resolve().parents[2] / "build"
    return root / "aie_sim_sweep_report.json"


@pytest.fixture(scope="module", autouse=True)
def sweep_report():
    yield
    if not _WORST["cases"]:
        return
    path = _report_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"seed": SEED, "total_cases": len(CASES), "worst": _WORST, "model_vs_sim": _MODEL}
    path.write_text(json.dumps(body, indent=2) + "\n")
    REPORT["path"] = str(path)


def _bf16(a: np.ndarray) -> np.ndarray:
    return a.astype(ml_dtypes.bfloat16).astype(np.float32)


def _inputs(case: Case):
    rng = np.random.default_rng(SEED + case.index)
    qs = (case.b, case.lq, case.h, case.d) if case.blhd else (case.b, case.h, case.lq, case.d)
    ks = (case.b, case.lk, case.hkv, case.d) if case.blhd else (case.b, case.hkv, case.lk, case.d)
    return tuple(_bf16(rng.standard_normal(s).astype(np.float32)) for s in (qs, ks, ks))


def _compile(case: Case):
    text = aie_host.layer_text(
        case.b,
        case.h,
        case.hkv,
        case.lq,
        case.lk,
        case.d,
        causal=case.causal,
        valid_len=case.valid_len is not None,
        blhd=case.blhd,
    )
    return text, compile(text, target=case.target, fold=case.fold, **case.tiles())


def test_sweep_covers_the_required_space():
    assert len(CASES) >= 100
    assert {(c.fold, c.target) for c in CASES} == {(f, t) for f in FOLDS for t in TARGETS}
    assert {c.d for c in CASES} == set(HEAD_DIMS)
    assert {c.causal for c in CASES} == set(CAUSAL)
    assert {c.b for c in CASES} == {1, 2}
    kinds = {"mha" if c.h == c.hkv else "mqa" if c.hkv == 1 else "gqa" for c in CASES}
    assert kinds == {"mha", "gqa", "mqa"}
    assert any(c.lq % c.q_tile for c in CASES) and any(c.lk % c.kv_tile for c in CASES)
    assert any(c.valid_len and min(c.valid_len) < c.lk for c in CASES)
    assert {c.fold for c in CASES if c.valid_len} == set(FOLDS)
    assert any(c.blhd for c in CASES)
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", SAMPLED, ids=[c.id for c in SAMPLED])
def test_sweep_program_simulates_to_reference(case: Case) -> None:
    q, k, v = _inputs(case)
    _, program = _compile(case)
    rtp_writes = aie_host.check_upstream_syntax(program)
    assert (rtp_writes > 0) == (case.valid_len is not None), f"{case.id}: {rtp_writes} rtp writes"
    out, _ = aie_host.run(program, q, k, v, None if case.valid_len is None else list(case.valid_len))
    ref = reference.attention(
        q,
        k,
        v,
        causal=case.causal,
        layout="blhd" if case.blhd else "bhld",
        valid_len=None if case.valid_len is None else np.asarray(case.valid_len),
    )
    out = aie_host.output(program, out, ref.shape)
    assert np.isfinite(out).all(), f"{case.id}: non-finite output"
    err = np.abs(out - ref)
    tol = RTOL * np.abs(ref) + ATOL
    ratio = float((err / tol).max())
    _WORST["cases"] += 1
    _WORST["max_abs_error"] = max(_WORST["max_abs_error"], float(err.max()))
    if ratio > _WORST["worst_ratio"]:
        _WORST["worst_ratio"], _WORST["worst_case"] = ratio, case.id
    assert ratio <= 1.0, f"{case.id}: max |err| {err.max():.3g}, worst err/tol {ratio:.3f}"


def _model_vs_sim(case: Case) -> dict:
    """Simulated and modeled time of one compiled program (same plan, same
    shape). `array`: without the per-dispatch host overhead (the same table
    constant on both sides), the comparison that can fail; `with_dispatch`:
    latency as the bench reports it."""
    from attn import ir

    q, k, v = _inputs(case)
    text, program = _compile(case)
    # The model prices a static bucket at its full length (valid_len is a
    # runtime value): time the program at valid_len = the bucket.
    full = None if case.valid_len is None else [case.lk] * case.b
    _, results = aie_host.run(program, q, k, v, full, timing=True)
    sim_array = sum(r.seconds for r in results)
    sim_dispatch = sum(r.dispatch_overhead_seconds for r in results)
    # The model on exactly the compiled plan: the fields attn-tile chose and
    # what the back end emits (fused lanes, no cascade, Kᵀ in the kernel,
    # f32 S/P, hidden causal tiles skipped).
    plan = program.report["plans"][program.report["stages"][0]["device"]]
    fields = ("q_tile", "kv_tile", "l2_q_block", "l2_kv_block", "columns", "cores_per_column", "depth")
    with ir.Context():
        shape = dse.shape_of(ir.Module.parse(text))
    est = dse.estimate_shape(
        shape,
        case.target,
        case.fold,
        allow_illegal=True,
        **{f: plan[f] for f in fields},
        intrinsic=tuple(plan["intrinsic"]),
        mapping="fused",
        kv_split=1,
        k_transpose="dma",
        intermediate="f32",
        causal_skip=True,
        layout="dma" if case.blhd else "native",
    )
    model_dispatch = sum(st.dispatch_s for st in est.stages)
    model_array = est.latency_s - model_dispatch
    return {
        "case": case.id,
        "sim_array_s": sim_array,
        "model_array_s": model_array,
        "array": sim_array / model_array - 1.0,
        "with_dispatch": (sim_array + sim_dispatch) / est.latency_s - 1.0,
        "binding": est.binding,
    }


@pytest.mark.parametrize(
    "index",
    [
        pytest.param(i, marks=pytest.mark.xfail(strict=True, reason=KNOWN_MISMATCH[i])) if i in KNOWN_MISMATCH else i
        for i in MODEL_CASES
    ],
    ids=[CASES[i].id for i in MODEL_CASES],
)
def test_cost_model_vs_simulator(index: int) -> None:
    """Simulator and cost model agree within MODEL_TOLERANCE on the array time
    of the same compiled plan (issue 12: +-15 % on every compiled program)."""
    rec = _model_vs_sim(CASES[index])
    _MODEL.append(rec)
    if rec["model_array_s"] < MODEL_FLOOR_S:
        floor = MODEL_FLOOR_S * 1e6
        pytest.skip(f"modeled array time {rec['model_array_s'] * 1e6:.1f} us is below the {floor:.0f} us floor")
    assert abs(rec["array"]) <= MODEL_TOLERANCE, (
        f"{rec['case']}: simulator {rec['sim_array_s'] * 1e6:.1f} us vs cost model "
        f"{rec['model_array_s'] * 1e6:.1f} us ({rec['array'] * 100:+.1f} %, tolerance "
        f"+-{MODEL_TOLERANCE * 100:.0f} %)"
    )


@dataclass(frozen=True)
class DecodeCase:
    """One decode layer (B 1, Lq 1, long Lk, online fold) and the kv_split the
    compiler is asked for (None: the cost model's own choice)."""

    target: str
    h: int
    hkv: int
    lk: int
    d: int
    kv_split: int | None
    dtype: str = "bf16"
    pins: tuple[tuple[str, int], ...] = ()  # more plan fields pinned

    @property
    def id(self) -> str:
        split = "dse" if self.kv_split is None else f"s{self.kv_split}"
        pins = "".join(f"-{k}{v}" for k, v in self.pins)
        return f"decode-{self.target}-h{self.h}kv{self.hkv}-k{self.lk}d{self.d}-{self.dtype}-{split}{pins}"


# Decode layers (issue 12): Llama-3.2-1B-like GQA 32/8 at Lk 512..16K with the
# DSE's choice and every cascade depth, mlir-air's npu2 decode shape (16 heads
# over 4 kv heads, Lk 512), npu1, D 128 and an f16 layer (emulated matmul:
# compute-bound cores, where the cascade wins). The first group runs by
# default (short Lk), the rest with ATTN_FULL_SWEEPS=1.
DECODE_DEFAULT = [
    DecodeCase("npu2", 32, 8, 512, 64, None),
    DecodeCase("npu2", 32, 8, 2048, 64, 1),
    DecodeCase("npu2", 32, 8, 2048, 64, 2),
    DecodeCase("npu2", 32, 8, 2048, 64, 4),
    DecodeCase("npu2", 16, 4, 512, 64, None),
    DecodeCase("npu1", 32, 8, 1024, 64, None),
    DecodeCase("npu2", 32, 8, 1024, 64, 2, "f16"),
    # k = 2 query tiles per core (l2_q_block 32 over 4 lanes of q_tile 4).
    DecodeCase("npu2", 32, 8, 1024, 64, 1, "f16", (("kv_tile", 16), ("columns", 8), ("l2_q_block", 32))),
]
DECODE_FULL = [
    DecodeCase("npu2", 32, 8, 2048, 64, None),
    DecodeCase("npu2", 32, 8, 8192, 64, None),
    DecodeCase("npu2", 32, 8, 8192, 64, 1),
    DecodeCase("npu2", 32, 8, 8192, 64, 2),
    DecodeCase("npu2", 32, 8, 16384, 64, None),
    DecodeCase("npu2", 32, 8, 16384, 64, 1),
    DecodeCase("npu2", 32, 8, 1024, 128, None),
    DecodeCase("npu2", 32, 8, 1024, 128, 2),
    DecodeCase("npu1", 32, 8, 1024, 64, 2),
    DecodeCase("npu2", 8, 1, 2048, 64, None),
    DecodeCase("npu2", 16, 4, 512, 64, 4),
]
DECODE_CASES = DECODE_DEFAULT + (DECODE_FULL if full_sweeps() else [])


def decode_model_vs_sim(case: DecodeCase, **opts) -> dict:
    """Compile a decode layer (kv_split as the case asks, `opts` pin more plan
    fields), check its output against attn.reference, and return the simulated
    and modeled array time of that plan (cascade depth included)."""
    from attn import ir

    text = aie_host.layer_text(1, case.h, case.hkv, 1, case.lk, case.d, dtype=case.dtype)
    if case.kv_split is not None:
        opts = {"kv_split": case.kv_split, **opts}
    program = compile(text, target=case.target, fold="online", **opts)
    plan = program.report["plans"][program.report["stages"][0]["device"]]
    rng = np.random.default_rng(SEED + case.lk + case.h)
    q = reference.round_to_dtype(rng.standard_normal((1, case.h, 1, case.d)), case.dtype)
    k, v = (reference.round_to_dtype(rng.standard_normal((1, case.hkv, case.lk, case.d)), case.dtype) for _ in "kv")
    out, results = aie_host.run(program, q, k, v, None, timing=True)
    ref = reference.attention(q, k, v)
    out = aie_host.output(program, out, ref.shape)
    err = float((np.abs(out - ref) / (RTOL * np.abs(ref) + ATOL)).max())
    assert err <= 1.0, f"{case.id}: worst err/tol {err:.3f}"
    fields = ("q_tile", "kv_tile", "l2_q_block", "l2_kv_block", "columns", "cores_per_column", "depth")
    with ir.Context():
        shape = dse.shape_of(ir.Module.parse(text))
    est = dse.estimate_shape(
        shape,
        case.target,
        "online",
        allow_illegal=True,
        **{f: plan[f] for f in fields},
        kv_split=plan.get("kv_split", 1),
        intrinsic=tuple(plan["intrinsic"]),
        mapping="fused",
        k_transpose="dma",
        intermediate="f32",
        causal_skip=True,
        layout="native",
    )
    sim_array = sum(r.seconds for r in results)
    sim_dispatch = sum(r.dispatch_overhead_seconds for r in results)
    model_array = est.latency_s - sum(st.dispatch_s for st in est.stages)
    return {
        "case": case.id,
        "plan": {f: plan.get(f, 1) for f in (*fields, "kv_split")},
        "sim_array_s": sim_array,
        "model_array_s": model_array,
        "array": sim_array / model_array - 1.0,
        "with_dispatch": (sim_array + sim_dispatch) / est.latency_s - 1.0,
        "binding": est.binding,
    }


@pytest.mark.parametrize("case", DECODE_CASES, ids=[c.id for c in DECODE_CASES])
def test_decode_cost_model_vs_simulator(case: DecodeCase) -> None:
    """Decode (Lq 1): the simulated array time of the compiled program (output
    checked against attn.reference) is within MODEL_TOLERANCE of the cost
    model on the same plan, cascade chains included (no time floor: decode
    programs are short by nature and the comparison holds down to ~10 us)."""
    rec = decode_model_vs_sim(case, **dict(case.pins))
    _MODEL.append(rec)
    assert case.kv_split is None or rec["plan"]["kv_split"] == case.kv_split
    assert all(rec["plan"][k] == v for k, v in case.pins), rec["plan"]
    assert abs(rec["array"]) <= MODEL_TOLERANCE, (
        f"{rec['case']} {rec['plan']}: simulator {rec['sim_array_s'] * 1e6:.1f} us vs cost model "
        f"{rec['model_array_s'] * 1e6:.1f} us ({rec['array'] * 100:+.1f} %, tolerance +-{MODEL_TOLERANCE * 100:.0f} %)"
    )


def test_cost_model_vs_simulator_detects_a_wrong_cost(monkeypatch: pytest.MonkeyPatch) -> None:
    """Negative control: with one kernel cost of the simulator's timing model
    off (matmuls at a quarter of the table's rate; the case is vector-bound,
    so half the rate moves it by only ~13 %), the same comparison fails."""
    from attn.sim import costs

    case = next(CASES[i] for i in MODEL_CASES if i not in KNOWN_MISMATCH and CASES[i].fold == "full")
    rec = _model_vs_sim(case)
    assert rec["model_array_s"] >= MODEL_FLOOR_S and abs(rec["array"]) <= MODEL_TOLERANCE
    real = costs.TimingModel.matmul_rate
    monkeypatch.setattr(costs.TimingModel, "matmul_rate", lambda self, elem: real(self, elem) / 4)
    assert abs(_model_vs_sim(case)["array"]) > MODEL_TOLERANCE


@pytest.mark.parametrize("operand", ["mask", "bias"])
def test_explicit_mask_or_bias_runs_as_tiles(operand: str) -> None:
    # A full [B, H, Lq, Lk] mask or bias maps (per-core tiles in the step
    # object) and matches the reference in simulation.
    text = aie_host.layer_text(1, 2, 2, 64, 64, 64, **{operand: True})
    program = compile(text, target="npu2", fold="online", q_tile=16, kv_tile=32, columns=4, cores_per_column=2)
    schedule = program.report["schedules"][program.report["stages"][0]["device"]]
    assert any(f["name"] == f"{operand}_l3_g0" for f in schedule["fifos"])
    rng = np.random.default_rng(7)
    q, k, v = (reference.round_to_dtype(rng.standard_normal((1, 2, 64, 64)), "bf16") for _ in range(3))
    extra = rng.random((1, 2, 64, 64)) > 0.3 if operand == "mask" else rng.standard_normal((1, 2, 64, 64))
    extra = extra if operand == "mask" else reference.round_to_dtype(extra, "bf16")
    out = sim.run(program, q, k, v, extra).output
    ref = reference.attention(q, k, v, **{operand: extra})
    assert float(np.abs(out - ref).max()) <= 2e-2
