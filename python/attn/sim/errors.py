"""Errors the simulator raises. Each names the op (with its location) and the reason."""

from __future__ import annotations

from ..errors import AttnError


class SimError(AttnError):
    """A program the simulator cannot run: unsupported op, malformed IR, bad inputs."""


class SimMisuseError(SimError):
    """The program breaks a rule of the hardware or of the objectfifo protocol
    (stale buffer access, over-release, out-of-bounds DMA, queue overflow...)."""


class SimDeadlockError(SimError):
    """No actor can progress but the runtime sequence has not finished.

    ``waiters`` lists one line per blocked actor: who waits on what."""

    def __init__(self, message: str, waiters: list[str]):
        super().__init__(message)
        self.waiters = list(waiters)


def where(loc: str | None) -> str:
    """`` at <loc>`` or nothing, for error messages."""
    return f" at {loc}" if loc else ""
