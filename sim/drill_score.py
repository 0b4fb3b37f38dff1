"""How a drill is scored: the trainee's call, how fast it came, and what was done on the way. Pure.

A drill has a hidden fault, or none. The right call is to roll back when there is a fault
and to finish the rollout when there is none. The score has three parts, and the card shows
every number it was made from:

- **decision**, 60 points, for the right call:
  - ``correct``: rolled back once the fault had begun, or finished a rollout with no fault;
  - ``missed``: a faulty Y reached 100%;
  - ``late``: the engine's own safety net rolled back first (no healthy Y node left);
  - ``false_alarm``: rolled back a healthy Y, or rolled back before the fault began;
  - ``undecided``: the drill ended before any of these.
- **reaction**, 30 points: full when the rollback came within one gate window of the gates
  failing (or before they failed), then falling to zero at five windows. A correct
  no-fault drill gets them all. A wrong call gets none.
- **discipline**, 10 points: 5 are lost for each approval or resume given while the latest
  window failed (pushing traffic onto a failing Y).
"""

from __future__ import annotations

from dataclasses import dataclass

from rollout.durations import format_duration
from rollout.i18n import N_

from .report import RunRecord

DECISION_POINTS, REACTION_POINTS, DISCIPLINE_POINTS = 60, 30, 10
FORGIVEN_WINDOWS, ZERO_AT_WINDOWS = 1.0, 5.0
PUSHING_MOVES = ("StepApproved", "ResumeRequested")


@dataclass(frozen=True)
class HiddenFault:
    kind: str  # a key of sim.drill.DRILL_FAULTS
    description: str  # revealed on the score card, never on the screen
    onset_s: float | None  # None: no fault
    should_roll_back: bool


@dataclass(frozen=True)
class Move:
    """One operator event the trainee sent, with what the gates said at that moment."""

    at_s: float
    what: str  # the event's type name: StepApproved, PauseRequested, ResumeRequested, RollbackRequested
    gates_failing: bool


def _decision(fault: HiddenFault, record: RunRecord, rollback_at: float | None) -> str:
    if rollback_at is not None:
        if fault.should_roll_back and fault.onset_s is not None and rollback_at >= fault.onset_s:
            return "correct"
        return "false_alarm"
    if record.outcome == "completed":
        return "missed" if fault.should_roll_back else "correct"
    if record.outcome == "rolled_back":
        return "late" if fault.should_roll_back else "false_alarm"
    return "undecided"


def _reaction_points(decision: str, fault: HiddenFault, rollback_at: float | None,
                     detected_at: float | None, window: float) -> tuple[int, float | None]:
    """(points, reaction seconds after the gates failed)."""
    if decision != "correct":
        return 0, None
    if not fault.should_roll_back or rollback_at is None or detected_at is None or rollback_at <= detected_at:
        return REACTION_POINTS, None if detected_at is None or rollback_at is None else 0.0
    reaction = rollback_at - detected_at
    late_windows = max(0.0, reaction / window - FORGIVEN_WINDOWS)
    share = max(0.0, 1.0 - late_windows / (ZERO_AT_WINDOWS - FORGIVEN_WINDOWS))
    return round(REACTION_POINTS * share), reaction


def score(fault: HiddenFault, record: RunRecord, moves: list[Move], window: float, seed: int) -> dict:
    """The score card as one JSON object (keys documented in docs/drills.md)."""
    rollback_at = next((m.at_s for m in moves if m.what == "RollbackRequested"), None)
    detected_at = record.detection.at_s if record.detection is not None else None
    decision = _decision(fault, record, rollback_at)
    reaction_points, reaction = _reaction_points(decision, fault, rollback_at, detected_at, window)
    wrong = [m for m in moves if m.what in PUSHING_MOVES and m.gates_failing]
    points = {
        "decision": DECISION_POINTS if decision == "correct" else 0,
        "reaction": reaction_points,
        "discipline": max(0, DISCIPLINE_POINTS - 5 * len(wrong)),
    }
    points["total"] = sum(points.values())
    return {
        "seed": seed,
        "fault": {"kind": fault.kind, "description": fault.description,
                  "onset_s": None if fault.onset_s is None else round(fault.onset_s, 3)},
        "outcome": record.outcome,
        "decision": decision,
        "rollback_at_s": None if rollback_at is None else round(rollback_at, 3),
        "gates_failed_at_s": None if detected_at is None else round(detected_at, 3),
        "reaction_s": None if reaction is None else round(reaction, 3),
        "bad_requests": record.bad,
        "wrong_moves": [{"at_s": round(m.at_s, 3), "move": m.what} for m in wrong],
        "points": points,
    }


VERDICTS = {  # marked for the catalog: the score card (tui/drill_card.py) shows them translated
    "correct": N_("the right call"),
    "missed": N_("missed: the faulty Y reached 100%"),
    "late": N_("late: the engine rolled back on its own (no healthy Y node) before you did"),
    "false_alarm": N_("false alarm: you rolled back a Y that was (still) healthy"),
    "undecided": N_("undecided: the drill ended before a call was made"),
}


def _at(seconds: float | None) -> str:
    return "-" if seconds is None else format_duration(seconds)


def score_text(card: dict, title: str) -> str:
    fault, p = card["fault"], card["points"]
    lines = [f"drill on {title}: {p['total']}/100", "",
             f"  hidden fault  {fault['description']}" + (f", from {_at(fault['onset_s'])}" if fault["onset_s"] is not None else ""),
             f"  your call     {VERDICTS[card['decision']]} (outcome: {card['outcome']})",
             f"  gates failed  {_at(card['gates_failed_at_s'])}    you rolled back  {_at(card['rollback_at_s'])}"
             + (f"    reaction {_at(card['reaction_s'])}" if card["reaction_s"] is not None else ""),
             f"  bad requests  {card['bad_requests']} (failed because of the fault)"]
    for m in card["wrong_moves"]:
        lines.append(f"  wrong move    {m['move']} at {_at(m['at_s'])} while the gates were failing")
    lines += ["", f"  points: decision {p['decision']}/{DECISION_POINTS}, reaction {p['reaction']}/{REACTION_POINTS}, "
                  f"discipline {p['discipline']}/{DISCIPLINE_POINTS}",
              f"  replay this drill: --seed {card['seed']}"]
    return "\n".join(lines)
