"""A frozen view of the engine for the TUI, reports and ``turnout attach``: where we are and why.

Widgets render a Snapshot and nothing else; they never reach into the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .gates import WindowVerdict
from .observations import BackupRecord, CheckResult, NodeProbe, SmokeResult
from .phases import PROCEDURE, TERMINAL, Phase

if TYPE_CHECKING:
    from .engine import Engine


@dataclass(frozen=True)
class LogEntry:
    at: float
    phase: str
    level: str  # event | info | warn | error
    message: str


@dataclass(frozen=True)
class Detection:
    """What first stopped the run on its own: a gate (``error_rate``, ``latency_p99_ms``), or
    ``smoke``, ``config_hash``, ``node_health``, ``split``, ``lb_readback``, ``preflight``,
    ``command:<Name>``. Operator actions are not detections."""

    gate: str
    at: float
    y_percent: int
    reason: str


@dataclass(frozen=True)
class TimelineEntry:
    at: float
    phase: str
    y_percent: int
    event: str


@dataclass(frozen=True)
class StepView:
    index: int
    y: int
    bake: float
    approve: bool
    mark: str  # done | running | waiting | failed


@dataclass(frozen=True)
class ProcedureItem:
    phase: str
    mark: str  # done | running | waiting | failed | skipped


@dataclass(frozen=True)
class Snapshot:
    now: float
    plan_name: str
    x_version: str
    y_version: str
    phase: Phase
    paused_from: Phase | None
    reason: str
    step: int
    steps: tuple[StepView, ...]
    procedure: tuple[ProcedureItem, ...]
    pending_approval: int | None
    desired: tuple[int, int]
    applied: tuple[int, int] | None
    observed_y: float | None  # share of requests Y served in the last judged window, percent
    bake_remaining: float | None
    next_deadline: float | None
    failures: int
    failures_to_rollback: int
    auto_rollback: bool  # plan.rollback.automatic: off in drills, where failing gates only warn
    verdicts: tuple[WindowVerdict, ...]
    x_nodes: tuple[NodeProbe, ...]
    y_nodes: tuple[NodeProbe, ...]
    frozen: bool
    preflight: tuple[CheckResult, ...]
    backups: tuple[BackupRecord, ...]
    smoke: tuple[SmokeResult, ...]
    log: tuple[LogEntry, ...]
    detection: Detection | None

    @property
    def finished(self) -> bool:
        return self.phase in TERMINAL

    @property
    def last_verdict(self) -> WindowVerdict | None:
        return self.verdicts[-1] if self.verdicts else None


def _procedure(engine: "Engine") -> tuple[ProcedureItem, ...]:
    current = engine.paused_from or engine.phase
    if engine.phase in (Phase.ROLLING_BACK, Phase.ROLLED_BACK, Phase.HALTED):
        current = _last_forward(engine)
    order = list(PROCEDURE)
    index = order.index(current) if current in order else (len(order) if engine.phase == Phase.DONE else -1)
    items = []
    for i, phase in enumerate(order):
        if i < index:
            mark = "done"
        elif i == index:
            mark = "failed" if engine.phase in (Phase.ROLLING_BACK, Phase.ROLLED_BACK, Phase.HALTED, Phase.PAUSED) else "running"
        else:
            mark = "waiting"
        if phase == Phase.DECOMMISSION_X and not engine.plan.finish.decommission_x and mark == "done":
            mark = "skipped"
        items.append(ProcedureItem(phase.value, mark))
    return tuple(items)


def _last_forward(engine: "Engine") -> Phase:
    for entry in reversed(engine.log):
        if entry.phase in {p.value for p in PROCEDURE}:
            return Phase(entry.phase)
    return Phase.PREFLIGHT


def _steps(engine: "Engine") -> tuple[StepView, ...]:
    views = []
    for i, s in enumerate(engine.plan.steps):
        if engine.phase == Phase.DONE or i < engine.step or (i == engine.step and engine.phase in (Phase.DECOMMISSION_X, Phase.UNFREEZE, Phase.WATCH)):
            mark = "done"
        elif i == engine.step:
            mark = "failed" if engine.phase in (Phase.ROLLING_BACK, Phase.ROLLED_BACK) else "running"
        else:
            mark = "waiting"
        views.append(StepView(i, s.y, s.bake, s.approve, mark))
    return tuple(views)


def build_snapshot(engine: "Engine", now: float) -> Snapshot:
    plan = engine.plan
    bake_remaining = None
    if engine.phase == Phase.SHIFT and engine.bake_start is not None:
        bake_remaining = max(0.0, engine.bake_start + plan.steps[engine.step].bake - now)
    elif engine.phase == Phase.WATCH and engine.watch_start is not None:
        bake_remaining = max(0.0, engine.watch_start + plan.finish.watch - now)
    observed = None
    if engine.tally.verdicts:
        last = engine.tally.verdicts[-1]
        total = last.x.requests + last.y.requests
        observed = 100.0 * last.y.requests / total if total else None
    def probes(pool: str) -> tuple[NodeProbe, ...]:
        version = getattr(plan.pools, pool).version
        return tuple(engine.nodes.get(n) or NodeProbe(n, reachable=False, ready=False, version=version, message="not probed yet")
                     for n in getattr(plan.pools, pool).names)
    return Snapshot(
        now=now, plan_name=plan.name, x_version=plan.pools.x.version, y_version=plan.pools.y.version,
        phase=engine.phase, paused_from=engine.paused_from, reason=engine.reason, step=engine.step,
        steps=_steps(engine), procedure=_procedure(engine), pending_approval=engine.pending_approval,
        desired=engine.desired, applied=engine.applied, observed_y=observed, bake_remaining=bake_remaining,
        next_deadline=engine.next_deadline(), failures=engine.tally.failures,
        failures_to_rollback=plan.gates.failures_to_rollback, auto_rollback=plan.rollback.automatic, verdicts=tuple(engine.tally.verdicts[-60:]),
        x_nodes=probes("x"), y_nodes=probes("y"), frozen=engine.frozen,
        preflight=tuple(engine.results["preflight"]), backups=tuple(engine.results["backups"]),
        smoke=tuple(engine.results["smoke"]), log=tuple(engine.log[-200:]), detection=engine.detection,
    )
