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


@pytest.fixture(scope="session")
def attn_opt() -> str:
    return find_attn_opt()
