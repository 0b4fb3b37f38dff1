"""The phases of a rolling upgrade and the table of legal transitions between them.

The phases follow Kong's rolling-upgrade procedure: freeze config writes, back up kong.yml,
deploy Y beside X, smoke-test Y, shift traffic in steps, decommission X, lift the freeze,
watch. ``TRANSITIONS`` is the single source of truth for which event may move which phase
where; the engine asserts every move against it, a test walks every (phase, event) pair,
and ``python -m rollout.diagram`` draws docs/state-diagram.md from it.
"""

from __future__ import annotations

from enum import StrEnum

from . import events as ev


class Phase(StrEnum):
    NEW = "new"
    PREFLIGHT = "preflight"
    FREEZE = "freeze"
    BACKUP = "backup"
    DEPLOY_Y = "deploy_y"
    SMOKE_Y = "smoke_y"
    SHIFT = "shift"
    DECOMMISSION_X = "decommission_x"
    UNFREEZE = "unfreeze"
    WATCH = "watch"
    DONE = "done"
    PAUSED = "paused"
    ROLLING_BACK = "rolling_back"
    ROLLED_BACK = "rolled_back"
    HALTED = "halted"


P = Phase
FORWARD = (P.PREFLIGHT, P.FREEZE, P.BACKUP, P.DEPLOY_Y, P.SMOKE_Y, P.SHIFT, P.DECOMMISSION_X, P.UNFREEZE, P.WATCH)
TERMINAL = (P.DONE, P.ROLLED_BACK, P.HALTED)
# Phases during which config writes are frozen, so a changed configuration_hash means someone wrote.
FROZEN = (P.BACKUP, P.DEPLOY_Y, P.SMOKE_Y, P.SHIFT, P.DECOMMISSION_X)
# The "procedure" as the operator reads it, in order.
PROCEDURE = FORWARD


def _table() -> dict[Phase, dict[type, frozenset[Phase]]]:
    t: dict[Phase, dict[type, set[Phase]]] = {p: {} for p in Phase}

    def allow(phase: Phase, event: type, *targets: Phase) -> None:
        t[phase].setdefault(event, set()).update(targets)

    allow(P.NEW, ev.RunStarted, P.PREFLIGHT)
    allow(P.PREFLIGHT, ev.PreflightChecked, P.FREEZE, P.HALTED)
    allow(P.FREEZE, ev.ConfigFrozen, P.BACKUP)
    allow(P.BACKUP, ev.ConfigBackedUp, P.DEPLOY_Y)
    allow(P.DEPLOY_Y, ev.NodesStarted, P.SMOKE_Y)
    allow(P.SMOKE_Y, ev.SmokeChecked, P.SHIFT, P.PAUSED)
    allow(P.SHIFT, ev.StepApproved, P.SHIFT, P.PAUSED)
    allow(P.SHIFT, ev.WeightsApplied, P.SHIFT, P.PAUSED)
    allow(P.SHIFT, ev.TimerFired, P.SHIFT)
    allow(P.SHIFT, ev.WindowJudged, P.SHIFT, P.PAUSED, P.ROLLING_BACK, P.DECOMMISSION_X, P.UNFREEZE, P.WATCH, P.DONE)
    allow(P.DECOMMISSION_X, ev.NodesStopped, P.UNFREEZE, P.WATCH, P.DONE)
    allow(P.UNFREEZE, ev.ConfigUnfrozen, P.WATCH, P.DONE)
    allow(P.WATCH, ev.TimerFired, P.WATCH)
    allow(P.WATCH, ev.WindowJudged, P.WATCH, P.PAUSED, P.DONE, P.ROLLING_BACK)
    allow(P.ROLLING_BACK, ev.WeightsApplied, P.ROLLED_BACK, P.ROLLING_BACK)
    allow(P.ROLLING_BACK, ev.TimerFired, P.ROLLING_BACK)
    allow(P.ROLLING_BACK, ev.NodesStarted, P.ROLLING_BACK)
    allow(P.ROLLING_BACK, ev.NodesProbed, P.ROLLING_BACK)
    allow(P.ROLLING_BACK, ev.CommandFailed, P.ROLLING_BACK)
    allow(P.ROLLING_BACK, ev.HaltRequested, P.HALTED)
    allow(P.ROLLING_BACK, ev.Resumed, P.ROLLING_BACK)
    allow(P.PAUSED, ev.ResumeRequested, *FORWARD)
    allow(P.PAUSED, ev.RollbackRequested, P.ROLLING_BACK)
    allow(P.PAUSED, ev.HaltRequested, P.HALTED)
    allow(P.PAUSED, ev.Resumed, P.PAUSED)
    for phase in FORWARD:
        allow(phase, ev.RollbackRequested, P.ROLLING_BACK)
        allow(phase, ev.PauseRequested, P.PAUSED)
        allow(phase, ev.HaltRequested, P.HALTED)
        allow(phase, ev.CommandFailed, P.PAUSED, P.ROLLING_BACK)
        allow(phase, ev.NodesProbed, phase, P.PAUSED, P.ROLLING_BACK)
        allow(phase, ev.Resumed, phase)
    return {p: {e: frozenset(ts) for e, ts in rows.items()} for p, rows in t.items()}


TRANSITIONS = _table()


def allowed(phase: Phase, event: object) -> frozenset[Phase]:
    """The phases ``event`` may lead to from ``phase``; an unlisted pair must leave the phase as it is."""
    return TRANSITIONS[phase].get(type(event), frozenset({phase}))
