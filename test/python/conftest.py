"""Shared pytest fixtures: locate attn-opt the same way test/lit.cfg.py does."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest


def find_attn_opt() -> str:
    if os.environ.get("ATTN_OPT"):
        return os.environ["ATTN_OPT"]
    if os.environ.get("ATTN_BUILD_DIR"):
        return str(Path(os.environ["ATTN_BUILD_DIR"]) / "bin" / "attn-opt")
    spec = importlib.util.find_spec("attn")
    for loc in (spec.submodule_search_locations or []) if spec else []:
        cand = Path(loc) / "bin" / "attn-opt"
        if cand.is_file():
            return str(cand)
    found = shutil.which("attn-opt")
    if found:
        return found
    raise RuntimeError("attn-opt not found: install the package or set ATTN_BUILD_DIR")


def pytest_addoption(parser) -> None:
    parser.addoption(
        "--full-sweeps",
        action="store_true",
        help="run every case of the long sweeps (same as ATTN_FULL_SWEEPS=1); default: a covering sample",
    )


def pytest_configure(config) -> None:
    # Read by sweep_sampling.full_sweeps() when the sweep modules are collected.
    if config.getoption("--full-sweeps", default=False):
        os.environ["ATTN_FULL_SWEEPS"] = "1"


@pytest.fixture(scope="session")
def attn_opt() -> str:
    return find_attn_opt()


def pytest_terminal_summary(terminalreporter) -> None:
    """Worst error per dtype of the CPU execution sweep (test_cpu_sweep.py)."""
    import sys

    sweep = sys.modules.get("test_cpu_sweep")
    report = getattr(sweep, "REPORT", None)
    if not report or not report["per_dtype"]:
        _aie_sim_sweep_summary(terminalreporter)
        return
    terminalreporter.write_sep("-", "CPU path sweep: worst error per dtype")
    for dtype, w in sorted(report["per_dtype"].items()):
        terminalreporter.write_line(
            f"{dtype}: {w['cases']} cases, rtol {w['rtol']:.3g}, max |err| {w['max_abs_error']:.3g}, "
            f"worst err/tolerance {w['worst_ratio']:.3f} ({w['worst_case']})"
        )
    if report["path"]:
        terminalreporter.write_line(f"report: {report['path']}")
    _aie_sim_sweep_summary(terminalreporter)


def _aie_sim_sweep_summary(terminalreporter) -> None:
    """Worst error and simulator vs cost-model agreement of test_aie_sim_sweep.py."""
    import sys

    report = getattr(sys.modules.get("test_aie_sim_sweep"), "REPORT", None)
    if not report or not report["worst"]["cases"]:
        return
    w = report["worst"]
    terminalreporter.write_sep("-", "AIE simulator sweep")
    terminalreporter.write_line(
        f"bf16: {w['cases']} cases, tol {w['rtol']:.3g}*|ref| + {w['atol']:.3g}, max |err| {w['max_abs_error']:.3g}, "
        f"worst err/tolerance {w['worst_ratio']:.3f} ({w['worst_case']})"
    )
    for m in report["model"]:
        terminalreporter.write_line(
            f"sim vs model {m['array'] * 100:+.1f} % (array), {m['with_dispatch'] * 100:+.1f} % (with dispatch)"
            f"  {m['case']}"
        )
    if report["path"]:
        terminalreporter.write_line(f"report: {report['path']}")
