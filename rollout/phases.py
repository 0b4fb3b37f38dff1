"""The phases of a rolling upgrade and the table of legal transitions between them.

The phases follow Kong's rolling-upgrade procedure: freeze config writes, back up kong.yml,
deploy Y beside X, smoke-test Y, shift traffic in steps, decommission X, lift the freeze,
watch. Two tables, beside small code (as h11 keeps its states):

- ``NEXT`` is the procedure: for each phase, the event that completes it and the phase that
  follows. When a handler says its phase is complete, the engine looks the next phase up
  here (``next_phase``); no handler names the phase that comes after its own.
- ``TRANSITIONS`` is every move an event may cause: NEXT's, plus those a handler decides
  from what the event says (a failed check halts, a failed gate window holds or rolls back,
  the operator pauses, a skipped phase jumps ahead). Those decisions go to PAUSED,
  ROLLING_BACK or HALTED; the engine guards every move with ``allowed`` and raises
  IllegalTransition on one the table does not list.

A test walks every (phase, event) pair against TRANSITIONS, and ``python -m rollout.diagram``
draws docs/state-diagram.md from it.
"""

from __future__ import annotations

from enum import StrEnum

from . import events as ev


class IllegalTransition(AssertionError):
    """A programming error: the engine moved in a way this module's tables do not allow."""


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


NEXT: dict[Phase, tuple[type, Phase]] = {
    P.NEW: (ev.RunStarted, P.PREFLIGHT),
    P.PREFLIGHT: (ev.PreflightChecked, P.FREEZE),
    P.FREEZE: (ev.ConfigFrozen, P.BACKUP),
    P.BACKUP: (ev.ConfigBackedUp, P.DEPLOY_Y),
    P.DEPLOY_Y: (ev.NodesStarted, P.SMOKE_Y),
    P.SMOKE_Y: (ev.SmokeChecked, P.SHIFT),
    P.SHIFT: (ev.WindowJudged, P.DECOMMISSION_X),  # the last step passed its bake
    P.DECOMMISSION_X: (ev.NodesStopped, P.UNFREEZE),
    P.UNFREEZE: (ev.ConfigUnfrozen, P.WATCH),
    P.WATCH: (ev.WindowJudged, P.DONE),  # the watch passed
    P.ROLLING_BACK: (ev.WeightsApplied, P.ROLLED_BACK),  # the LB confirmed 100% on X
}


def next_phase(phase: Phase) -> Phase:
    """The phase the procedure goes to once ``phase`` is complete."""
    return NEXT[phase][1]


def _table() -> dict[Phase, dict[type, frozenset[Phase]]]:
    t: dict[Phase, dict[type, set[Phase]]] = {p: {} for p in Phase}

    def allow(phase: Phase, event: type, *targets: Phase) -> None:
        t[phase].setdefault(event, set()).update(targets)

    for phase, (event, target) in NEXT.items():
        allow(phase, event, target)
    # Decided by a handler from what the event says: a failed check, a verdict, a skipped phase
    # (decommission_x false skips DECOMMISSION_X; watch 0 makes WATCH done at once).
    allow(P.PREFLIGHT, ev.PreflightChecked, P.HALTED)
    allow(P.SMOKE_Y, ev.SmokeChecked, P.PAUSED)
    allow(P.SHIFT, ev.StepApproved, P.SHIFT, P.PAUSED)
    allow(P.SHIFT, ev.WeightsApplied, P.SHIFT, P.PAUSED)
    allow(P.SHIFT, ev.TimerFired, P.SHIFT)
    allow(P.SHIFT, ev.WindowJudged, P.SHIFT, P.PAUSED, P.ROLLING_BACK, P.UNFREEZE, P.WATCH, P.DONE)
    allow(P.DECOMMISSION_X, ev.NodesStopped, P.WATCH, P.DONE)
    allow(P.UNFREEZE, ev.ConfigUnfrozen, P.DONE)
    allow(P.WATCH, ev.TimerFired, P.WATCH)
    allow(P.WATCH, ev.WindowJudged, P.WATCH, P.PAUSED, P.ROLLING_BACK)
    allow(P.ROLLING_BACK, ev.WeightsApplied, P.ROLLING_BACK)
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
    # Paused with Y taking traffic, windows are still judged (a pause holds traffic, not eyes):
    # failing gates or no healthy Y node still roll back.
    allow(P.PAUSED, ev.TimerFired, P.PAUSED)
    allow(P.PAUSED, ev.WindowJudged, P.PAUSED, P.ROLLING_BACK)
    allow(P.PAUSED, ev.NodesProbed, P.PAUSED, P.ROLLING_BACK)
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
