"""Console entry points for the native tools shipped inside the package."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def tool_path(name: str) -> Path:
    """Path of a native tool (e.g. ``attn-opt``) installed in ``attn/bin``."""
    path = Path(__file__).resolve().parent / "bin" / name
    if not path.is_file():
        raise FileNotFoundError(f"attn-aie tool '{name}' not found at {path}; is the package built and installed?")
    return path


def _exec(name: str) -> None:
    path = tool_path(name)
    os.execv(str(path), [str(path), *sys.argv[1:]])


def attn_opt() -> None:
    """``attn-opt``: mlir-opt with the attn-aie dialects and passes."""
    _exec("attn-opt")
