"""One run as a report tells it, rebuilt from its journal's events.

A rehearsal and a live run journal the same events, and the engine is deterministic, so one
replay gives both their report: the split over time, each judged window with its verdict, who
approved what, the backups, and what was rolled back and why. Nothing here reads a clock or a
file; the events hold no secrets (adapters keep them out of every message), so neither does
the story.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from rollout import events as ev
from rollout.describe import describe
from rollout.gates import WindowVerdict
from rollout.observations import BackupRecord
from rollout.plan import Plan
from rollout.replay import replay
from rollout.summary import outcome

QUIET = (ev.TimerFired,)


@dataclass(frozen=True)
class Approval:
    at_s: float
    step: int  # 0-based
    by: str


@dataclass(frozen=True)
class Rollback:
    at_s: float
    reason: str


@dataclass(frozen=True)
class Line:
    at_s: float
    text: str


@dataclass(frozen=True)
class RunStory:
    """Times are seconds from the run's start (RunStarted), whatever clock the world used."""

    plan: Plan
    world: str  # live | rehearsal
    started_at: float  # the RunStarted's ``at`` (epoch seconds for a live run, 0 in a rehearsal)
    plan_sha256: str
    outcome: str  # completed | rolled_back | halted
    phase: str
    reason: str
    duration_s: float
    splits: tuple[tuple[float, int], ...]  # (at_s, Y%) as the load balancer applied them
    windows: tuple[WindowVerdict, ...]  # start and end relative to the run's start
    approvals: tuple[Approval, ...]
    backups: tuple[tuple[float, BackupRecord], ...]
    rollbacks: tuple[Rollback, ...]
    detection: tuple[str, float, int] | None  # (gate, at_s, Y%)
    rolled_back_at_s: float | None  # when the engine began rolling back
    totals: dict
    lines: tuple[Line, ...]


def story_of(plan: Plan, events: list) -> RunStory:
    """Replay ``events`` (a journal, RunStarted first) for ``plan`` into the story a report tells."""
    engine = replay(plan, events)
    first = events[0] if events and isinstance(events[0], ev.RunStarted) else ev.RunStarted(0.0)
    t0 = first.at
    d = engine.detection
    return RunStory(
        plan=plan, world=first.world, started_at=t0, plan_sha256=first.plan_sha256,
        outcome=outcome(engine), phase=engine.phase.value, reason=engine.snapshot().reason,
        duration_s=max(0.0, (events[-1].at if events else t0) - t0),
        splits=tuple((e.at - t0, e.y) for e in events if isinstance(e, ev.WeightsApplied)),
        windows=tuple(_shifted(v, t0) for v in engine.verdicts),
        approvals=tuple(Approval(e.at - t0, e.step, e.by) for e in events if isinstance(e, ev.StepApproved)),
        backups=tuple((e.at - t0, b) for e in events if isinstance(e, ev.ConfigBackedUp) for b in e.backups),
        rollbacks=tuple(Rollback(e.at - t0, e.reason) for e in events if isinstance(e, ev.RollbackRequested)),
        detection=None if d is None else (d.gate, d.at - t0, d.y_percent),
        rolled_back_at_s=next((t.at - t0 for t in engine.timeline if t.phase == "rolling_back"), None),
        totals=engine.totals,
        lines=tuple(Line(e.at - t0, text) for e in events if not isinstance(e, QUIET) and (text := describe(e))),
    )


def _shifted(v: WindowVerdict, t0: float) -> WindowVerdict:
    """The verdict with its window's times from the run's start (the verdict itself is untouched)."""
    return replace(v, start=v.start - t0, end=v.end - t0)
