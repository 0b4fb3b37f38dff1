"""What the TUI (and ``turnout attach``, and the headless stand-in) needs from whatever conducts a run.

Implementations: the live conductor (adapters/live.py, wall clock, its own loop), the remote
conductor (adapters/control.py, a live run in another process), the rehearsal session
(sim/session.py, a simulated clock the cockpit moves) and the drill (sim/drill.py). The
cockpit only reads snapshots and submits operator events (StepApproved, PauseRequested,
ResumeRequested, RollbackRequested, HaltRequested); it never talks to an adapter.

What differs between them is declared, never sniffed (no ``hasattr``/``getattr`` probing):

- ``badge`` and ``quit_note``: what the banner shows beside the world, and what quitting does;
- ``loop``: a conductor whose loop runs on its own (live, remote) offers ``ConductorLoop``:
  the cockpit runs it in a worker and stops it when the operator leaves; a rehearsal has none;
- ``controls``: a conductor whose clock is the cockpit's to move (rehearsals, drills) offers
  ``RehearsalControls``; on the wall clock it is None;
- ``start_gate``: a live run opened in the cockpit waits for the operator's start before it
  touches anything (no freeze, no backup, no weight) and offers ``StartGate``; a run that
  starts at once (headless, ``--auto-approve``, resumed, rehearsed, attached) has None.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from .snapshot import Snapshot

if TYPE_CHECKING:
    from .plan import Plan


class ConductorLoop(Protocol):
    """A conductor that runs by itself: on the wall clock, beside the cockpit."""

    async def run(self) -> object:
        """Conduct until the run ends or ``stop`` is called."""
        ...

    def stop(self) -> None:
        """Leave the loop at the next event. A local live run is left held (its journal resumes it);
        a remote one only detaches (the run goes on in its conductor process)."""
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


class StartGate(Protocol):
    """A live run that has done nothing yet: the operator reads its plan, then starts it."""

    @property
    def plan(self) -> Plan:
        """The plan the run will carry out, for the cockpit's summary."""
        ...

    @property
    def waiting(self) -> bool:
        """True until ``start`` (or until the run is left without starting)."""
        ...

    def start(self) -> None:
        """The operator's go: the run's first events are fed now (preflight, then the freeze)."""
        ...


class Conductor(Protocol):
    world: str  # "rehearsal" or "live"

    @property
    def badge(self) -> str:
        """Shown beside the world in the banner ("DRILL"); empty for none."""
        ...

    @property
    def quit_note(self) -> str:
        """What quitting mid-run does, for the quit dialog; empty for the cockpit's text for the world."""
        ...

    @property
    def loop(self) -> ConductorLoop | None: ...

    @property
    def controls(self) -> RehearsalControls | None: ...

    @property
    def start_gate(self) -> StartGate | None: ...

    @property
    def now(self) -> float: ...

    def snapshot(self) -> Snapshot: ...

    def submit(self, event: object) -> None:
        """Queue an operator event; it is stamped, journaled and fed to the engine in order."""
        ...
