"""How a library drill is scored: each expected call on its own, then the total out of 100. Pure.

A drill file lists the calls it expects (sim/drill_file.py), each with its points. Every call
is judged on what the trainee did and when, against the moment the evidence first showed on
screen (``Evidence``: when, in which panel, what it said):

- ``roll_back`` / ``stop``: the trainee pulled out (``r``, or a halt) after the fault began.
  Before it began is a false alarm; none at all is ``missed`` when Y reached 100%, else
  ``undecided``. Stop is a roll back before traffic moved ("refuse to start").
- ``hold``: the trainee did not push on (approve or resume) for ``at_least`` after the
  evidence, and did not roll back: the trouble was not Y's.
- ``continue``: the rollout finished and the trainee never pulled out.

Of each call's points, 60% are for the right call, 30% for the reaction (full within the
deadline, falling to nothing at three times it; a right hold or continue gets them all) and
10% for discipline: half of them is lost for each approval or resume given while the
evidence was showing and the call not yet made (pushing traffic onto trouble).
"""

from __future__ import annotations

from dataclasses import dataclass

from rollout.i18n import N_

from .drill_score import PUSHING_MOVES, Move

DECISION_SHARE, REACTION_SHARE, DISCIPLINE_SHARE = 0.6, 0.3, 0.1
PULLING_MOVES = ("RollbackRequested", "HaltRequested")


@dataclass(frozen=True)
class Evidence:
    """The first sign of the fault on screen."""

    at_s: float
    panel: str  # gates | nodes | log
    what: str


def _pull(moves: list[Move]) -> Move | None:
    return next((m for m in moves if m.what in PULLING_MOVES), None)


def _reaction_share(reaction: float, within: float) -> float:
    if reaction <= within:
        return 1.0
    return max(0.0, 1.0 - (reaction - within) / (2.0 * within))


def _pulled(call, onset, evidence, moves, outcome) -> tuple[str, float | None, float, list[str]]:
    """(decision, reaction seconds, reaction share, reasons) of a roll_back or stop call."""
    pull = _pull(moves)
    if pull is None:
        if outcome == "completed":
            return "missed", None, 0.0, [N_("you never rolled back: the faulty Y reached 100%")]
        return "undecided", None, 0.0, [N_("you never rolled back (the drill ended {outcome})").format(outcome=outcome)]
    if onset is None or pull.at_s < onset:
        return "false_alarm", None, 0.0, [N_("you rolled back before anything was wrong")]
    if evidence is None or pull.at_s <= evidence.at_s:
        return "correct", 0.0, 1.0, []
    reaction = pull.at_s - evidence.at_s
    share = _reaction_share(reaction, call.within)
    late = [] if share == 1.0 else [N_("you took {reaction} after the evidence; the deadline was {deadline}").format(
        reaction=_mmss(reaction), deadline=_mmss(call.within))]
    return "correct", reaction, share, late


def _held(call, evidence, moves) -> tuple[str, list[str]]:
    if _pull(moves) is not None:
        return "false_alarm", [N_("you rolled back, but Y was not the trouble: rolling back would not help")]
    if evidence is None:
        return "correct", []
    early = [m for m in moves if m.what in PUSHING_MOVES and evidence.at_s <= m.at_s < evidence.at_s + call.at_least]
    if early:
        return "pushed", [N_("you pushed on ({move}) {time} after the evidence; hold at least {hold}").format(
            move=early[0].what, time=_mmss(early[0].at_s - evidence.at_s), hold=_mmss(call.at_least))]
    return "correct", []


def _wrong_moves(call, evidence, moves) -> list[Move]:
    """Approvals and resumes given while the trouble showed and before the trainee's own call
    (for a continue: while the latest window failed)."""
    if call.call == "continue":
        return [m for m in moves if m.what in PUSHING_MOVES and m.gates_failing]
    pull = _pull(moves)
    end = pull.at_s if pull is not None else float("inf")
    if call.call == "hold" and evidence is not None:
        end = min(end, evidence.at_s + call.at_least)
    return [m for m in moves if m.what in PUSHING_MOVES and m.at_s < end
            and (m.gates_failing or (evidence is not None and m.at_s >= evidence.at_s))]


def score_call(call, onset: float | None, evidence: Evidence | None, moves: list[Move], outcome: str) -> dict:
    """One expected call's verdict and points (keys documented in docs/drills.md)."""
    reaction, share = None, 1.0
    if call.call in ("roll_back", "stop"):
        decision, reaction, share, reasons = _pulled(call, onset, evidence, moves, outcome)
    elif call.call == "hold":
        decision, reasons = _held(call, evidence, moves)
    else:
        pulled = _pull(moves) is not None
        decision = "false_alarm" if pulled else "correct" if outcome == "completed" else "undecided"
        reasons = [N_("you rolled back a healthy Y")] if pulled else [] if decision == "correct" else [
            N_("the drill ended {outcome}").format(outcome=outcome)]
    wrong = _wrong_moves(call, evidence, moves)
    reasons += [N_("{move} at {time} while the trouble showed").format(move=m.what, time=_mmss(m.at_s)) for m in wrong]
    right = decision == "correct"
    points = {"decision": round(call.points * DECISION_SHARE) if right else 0,
              "reaction": round(call.points * REACTION_SHARE * share) if right else 0,
              "discipline": round(call.points * DISCIPLINE_SHARE * max(0.0, 1.0 - 0.5 * len(wrong)))}
    points["total"], points["max"] = sum(points.values()), call.points
    deadline = call.within if call.call in ("roll_back", "stop") else call.at_least
    return {"call": call.call, "phase": call.phase, "why": call.why, "deadline_s": deadline, "decision": decision,
            "reaction_s": None if reaction is None else round(reaction, 3), "points": points, "reasons": reasons,
            "wrong_moves": [{"at_s": round(m.at_s, 3), "move": m.what} for m in wrong]}


def _mmss(seconds: float) -> str:
    from rollout.durations import format_duration

    return format_duration(max(0.0, seconds))
