"""CI slice of the mutation fuzzer (test/fuzz/fuzz_attn_opt.py): a few hundred
seeded runs of attn-opt on mutated test inputs and random pass options, and a
few calls of the Python entry points, each in a subprocess under a time and
memory limit. No crash, timeout, unprefixed rejection, foreign Python
exception or accepted AIE program that fails --aie-check-limits is allowed.
The long campaign: ``python test/fuzz/fuzz_attn_opt.py --runs 20000``."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

FUZZ = Path(__file__).resolve().parents[1] / "fuzz" / "fuzz_attn_opt.py"
RUNS = int(os.environ.get("ATTN_FUZZ_RUNS", "240"))
SEED = 20261206


def _load():
    spec = importlib.util.spec_from_file_location("fuzz_attn_opt", FUZZ)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_corpus_and_mutators_are_deterministic() -> None:
    fuzz = _load()
    import random

    corpus = fuzz.load_corpus()
    assert len(corpus) > 100
    # 100 draws: the corpus (every test input) changes as tests are added,
    # and 50 draws at p = 0.1 miss the Python calls with probability 0.5 %.
    a = fuzz.make_cases(random.Random(1), corpus, 100, 0.1)
    b = fuzz.make_cases(random.Random(1), corpus, 100, 0.1)
    assert [(c.text, c.args, c.call) for c in a] == [(c.text, c.args, c.call) for c in b]
    assert any(c.tool == "python" for c in a) and any(c.text != corpus[0][1] for c in a)


def test_seeded_fuzz_slice_has_no_crash(attn_opt: str, tmp_path: Path) -> None:
    os.environ.setdefault("ATTN_OPT", attn_opt)
    fuzz = _load()
    report = fuzz.campaign(
        RUNS, SEED, timeout=20.0, mem_mb=4096, python_fraction=0.04, out_dir=tmp_path, minimize_crashes=True
    )
    assert report["runs"] == RUNS
    assert report["counts"].get("diagnostic", 0) > 0 and report["counts"].get("accepted", 0) > 0
    bad = [f for f in report["findings"]]
    assert not bad, "\n".join(f"{f['class']}: {f['detail']} ({f.get('reproducer') or f.get('call')})" for f in bad)
