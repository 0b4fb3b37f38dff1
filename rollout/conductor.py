"""What the TUI (and ``turnout attach``) needs from whatever is conducting a run.

Two implementations: the rehearsal session (sim/session.py, simulated clock the operator
can speed up) and the live conductor (adapters/live.py, wall clock). The TUI only reads
snapshots and submits operator events (StepApproved, PauseRequested, ResumeRequested,
RollbackRequested, HaltRequested); it never talks to an adapter.
"""

from __future__ import annotations

from typing import Protocol

from .snapshot import Snapshot


class Conductor(Protocol):
    world: str  # "rehearsal" or "live"

    @property
    def now(self) -> float: ...

    def snapshot(self) -> Snapshot: ...

    def submit(self, event: object) -> None:
        """Queue an operator event; it is stamped, journaled and fed to the engine in order."""
        ...


class RehearsalControls(Protocol):
    """Extra controls a rehearsal offers: its clock is ours to move."""

    speed: float  # simulated seconds per wall second; float('inf') = as fast as possible

    def advance(self, seconds: float) -> None:
        """Run the simulated world forward by ``seconds`` of simulated time (never blocks on wall time)."""
        ...

    def advance_to_next(self) -> None:
        """Run to the next thing that happens (the engine's next deadline or the world's next event)."""
        ...
