"""Operator intents the run would ignore are refused where they arrive, with the reason. Pure.

The engine ignores an approval for a step that does not wait, a resume while nothing is
held, a pause after the rollout ended (it warns and stays put). Taking such an intent, saying
``ok``, journaling it and logging "step 2 approved" misleads the operator who sent it. So the
control socket answers ``ok: false`` with ``refusal``'s reason, and the conductors, which
check again when the intent's turn comes (the run may have moved since it arrived), journal
a note "refused: ..." in its place: a refused intent never reaches the engine or the journal.

``refusal`` reads only the Snapshot (the engine's public face) and the phase table.
"""

from __future__ import annotations

from . import events as ev
from .describe import describe_refusal
from .phases import TRANSITIONS, Phase
from .snapshot import Snapshot

OPERATOR_EVENTS = (ev.StepApproved, ev.PauseRequested, ev.ResumeRequested, ev.RollbackRequested, ev.HaltRequested)
TEXT_LIMIT = 200  # an operator's ``by`` or ``reason``: one short line in the log and the journal


def is_intent(event: object) -> bool:
    return isinstance(event, OPERATOR_EVENTS)


def refusal(snapshot: Snapshot, event: object) -> str | None:
    """Why the run in ``snapshot`` would not act on ``event``, or None when it would."""
    if not is_intent(event):
        return f"{type(event).__name__} is not an operator event (one of {', '.join(c.__name__ for c in OPERATOR_EVENTS)})"
    text = _bad_text(event)
    if text:
        return text
    phase = snapshot.phase
    if isinstance(event, ev.StepApproved):
        return _approval(snapshot, event.step)
    if isinstance(event, ev.RollbackRequested) and phase == Phase.ROLLING_BACK:
        return None  # rolling back already: the intent retries the move at once
    if type(event) not in TRANSITIONS[phase]:
        return f"cannot {_verb(event)} while the run is {phase}"
    if isinstance(event, ev.ResumeRequested) and snapshot.paused_from is None:
        return "nothing to resume: the run was not held on its way forward"
    return None


def admit(snapshot: Snapshot, event: object) -> object:
    """What a conductor feeds and journals for an operator's intent when its turn comes:
    the intent itself, or a note that says it was refused and why."""
    why = refusal(snapshot, event)
    return event if why is None else ev.Noted(event.at, "warn", describe_refusal(event, why))


def _approval(snapshot: Snapshot, step: int) -> str | None:
    if not 0 <= step < len(snapshot.steps):
        return f"the plan has no step {step + 1} (it has {len(snapshot.steps)})"
    if snapshot.phase != Phase.SHIFT or snapshot.pending_approval is None:
        return f"no step waits for approval (the run is {snapshot.phase})"
    if snapshot.pending_approval != step:
        return f"step {step + 1} does not wait for approval; step {snapshot.pending_approval + 1} does"
    return None


def _bad_text(event: object) -> str | None:
    match event:
        case ev.StepApproved(by=text):
            name = "by"
        case ev.PauseRequested(reason=text) | ev.RollbackRequested(reason=text) | ev.HaltRequested(reason=text):
            name = "reason"
        case _:
            return None
    if len(text) > TEXT_LIMIT or not text.isprintable():
        return f"{name} must be one printable line of at most {TEXT_LIMIT} characters"
    return None


def _verb(event: object) -> str:
    return {ev.PauseRequested: "pause", ev.ResumeRequested: "resume", ev.RollbackRequested: "roll back",
            ev.HaltRequested: "halt"}.get(type(event), f"take {type(event).__name__}")
