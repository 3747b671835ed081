"""The exception family of the attn Python API.

Every rejection of user input by the Python entry points — bad arguments,
IR the verifiers reject, a pass that cannot compile a layer, a program the
simulator cannot run — raises :class:`AttnError` (a ``ValueError``), with a
message naming the op or argument and the reason. Errors that come from the
C++ compiler keep its diagnostics, one ``error:`` line each, in
:attr:`AttnError.diagnostics`.

The simulator's :class:`attn.sim.SimError` (and its subclasses) derive from
it, so ``except attn.AttnError`` catches every rejection of the API.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["AttnError", "from_mlir_error"]


class AttnError(ValueError):
    """A rejected input. ``diagnostics`` holds the compiler's error lines
    (``loc: error: 'op' message``), empty for Python-side checks."""

    def __init__(self, message: str, diagnostics: Iterable[str] = ()):
        super().__init__(message)
        self.diagnostics: list[str] = list(diagnostics)


def _error_lines(exc: BaseException) -> list[str]:
    """The ``error:`` lines of an MLIRError (notes that print whole ops dropped)."""
    lines = [line.strip() for line in str(exc).splitlines() if "error:" in line]
    return lines or [str(exc).strip()]


def from_mlir_error(prefix: str, exc: BaseException) -> AttnError:
    """An :class:`AttnError` for an MLIRError raised by a parse, verify or pass
    run: ``prefix`` followed by the diagnostics."""
    lines = _error_lines(exc)
    return AttnError(f"{prefix}:\n" + "\n".join(lines), lines)
