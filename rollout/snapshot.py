"""A frozen view of the engine for the TUI, reports and ``turnout attach``: where we are and why.

Widgets render a Snapshot and nothing else; they never reach into the engine. It is built
from the engine's state (rollout.state), not from the engine, so this module and the engine
do not import each other.
"""

from __future__ import annotations

from dataclasses import dataclass

from .gates import WindowVerdict
from .observations import BackupRecord, CheckResult, NodeProbe, SmokeResult
from .phases import PROCEDURE, TERMINAL, Phase
from .state import Detection, LogEntry, RunState, TimelineEntry


@dataclass(frozen=True)
class StepView:
    index: int
    y: int
    bake: float
    approve: bool
    mark: str  # done | running | paused | waiting | failed


@dataclass(frozen=True)
class ProcedureItem:
    phase: str
    mark: str  # done | running | paused | waiting | failed | skipped


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
    decided: bool  # the last window failed on the step's accumulated evidence (no run of failures needed)
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


def _procedure(state: RunState) -> tuple[ProcedureItem, ...]:
    current = state.paused_from or state.phase
    if state.phase in (Phase.ROLLING_BACK, Phase.ROLLED_BACK, Phase.HALTED):
        current = _last_forward(state)
    order = list(PROCEDURE)
    index = order.index(current) if current in order else (len(order) if state.phase == Phase.DONE else -1)
    items = []
    for i, phase in enumerate(order):
        if i < index:
            mark = "done"
        elif i == index:
            mark = _current_mark(state.phase)
        else:
            mark = "waiting"
        if phase == Phase.DECOMMISSION_X and not state.plan.finish.decommission_x and mark == "done":
            mark = "skipped"
        items.append(ProcedureItem(phase.value, mark))
    return tuple(items)


def _current_mark(phase: Phase) -> str:
    """A held phase is paused, not failed: a pause holds traffic and can be resumed."""
    if phase == Phase.PAUSED:
        return "paused"
    return "failed" if phase in (Phase.ROLLING_BACK, Phase.ROLLED_BACK, Phase.HALTED) else "running"


def _last_forward(state: RunState) -> Phase:
    for entry in reversed(state.log):
        if entry.phase in {p.value for p in PROCEDURE}:
            return Phase(entry.phase)
    return Phase.PREFLIGHT


def _steps(state: RunState) -> tuple[StepView, ...]:
    views = []
    for i, s in enumerate(state.plan.steps):
        if state.phase == Phase.DONE or i < state.step or (i == state.step and state.phase in (Phase.DECOMMISSION_X, Phase.UNFREEZE, Phase.WATCH)):
            mark = "done"
        elif i == state.step:
            mark = "paused" if state.phase == Phase.PAUSED else "failed" if state.phase in (Phase.ROLLING_BACK, Phase.ROLLED_BACK) else "running"
        else:
            mark = "waiting"
        views.append(StepView(i, s.y, s.bake, s.approve, mark))
    return tuple(views)


def build_snapshot(state: RunState, now: float) -> Snapshot:
    """The snapshot of a run's state at ``now`` (the driver's clock, for the bake countdown)."""
    plan = state.plan
    bake_remaining = None
    if state.phase == Phase.SHIFT and state.bake_start is not None:
        bake_remaining = max(0.0, state.bake_start + plan.steps[state.step].bake - now)
    elif state.phase == Phase.WATCH and state.watch_start is not None:
        bake_remaining = max(0.0, state.watch_start + plan.finish.watch - now)
    observed = None
    if state.tally.verdicts:
        last = state.tally.verdicts[-1]
        total = last.x.requests + last.y.requests
        observed = 100.0 * last.y.requests / total if total else None
    def probes(pool: str) -> tuple[NodeProbe, ...]:
        version = getattr(plan.pools, pool).version
        return tuple(state.nodes.get(n) or NodeProbe(n, reachable=False, ready=False, version=version, message="not probed yet")
                     for n in getattr(plan.pools, pool).names)
    return Snapshot(
        now=now, plan_name=plan.name, x_version=plan.pools.x.version, y_version=plan.pools.y.version,
        phase=state.phase, paused_from=state.paused_from, reason=state.reason, step=state.step,
        steps=_steps(state), procedure=_procedure(state), pending_approval=state.pending_approval,
        desired=state.desired, applied=state.applied, observed_y=observed, bake_remaining=bake_remaining,
        next_deadline=state.next_deadline, failures=state.tally.failures,
        failures_to_rollback=plan.gates.failures_to_rollback, decided=state.tally.decided, auto_rollback=plan.rollback.automatic, verdicts=tuple(state.tally.verdicts[-60:]),
        x_nodes=probes("x"), y_nodes=probes("y"), frozen=state.frozen,
        preflight=state.preflight, backups=state.backups, smoke=state.smoke, log=tuple(state.log[-200:]), detection=state.detection,
    )


__all__ = ["Detection", "LogEntry", "ProcedureItem", "Snapshot", "StepView", "TimelineEntry", "build_snapshot"]
