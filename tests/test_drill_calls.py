"""Scoring one expected call (sim/drill_calls.py), a pure function of the call, the fault's onset, the
first evidence, the trainee's moves and the outcome."""

from __future__ import annotations

import pytest

from sim.drill_calls import Evidence, score_call
from sim.drill_file import ExpectedCall
from sim.drill_score import Move

ROLL_BACK = ExpectedCall(call="roll_back", phase="shift", within=120.0, points=100, why="roll back")
HOLD = ExpectedCall(call="hold", phase="shift", at_least=180.0, points=70, why="hold")
CONTINUE = ExpectedCall(call="continue", phase="shift", points=30, why="continue")
SEEN = Evidence(300.0, "gates", "window fail")


def move(at: float, what: str, failing: bool = False) -> Move:
    return Move(at, what, failing)


# (call, moves, outcome) -> (decision, (decision, reaction, discipline) points)
CASES = [
    (ROLL_BACK, [move(330, "RollbackRequested")], "rolled_back", "correct", (60, 30, 10)),
    (ROLL_BACK, [move(300 + 240, "RollbackRequested")], "rolled_back", "correct", (60, 15, 10)),  # 2m late of a 2m deadline
    (ROLL_BACK, [move(300 + 400, "RollbackRequested")], "rolled_back", "correct", (60, 0, 10)),
    (ROLL_BACK, [move(260, "HaltRequested")], "halted", "correct", (60, 30, 10)),  # after onset, before the evidence
    (ROLL_BACK, [move(100, "RollbackRequested")], "rolled_back", "false_alarm", (0, 0, 10)),
    (ROLL_BACK, [], "completed", "missed", (0, 0, 10)),
    (ROLL_BACK, [move(310, "StepApproved", True), move(320, "ResumeRequested")], "halted", "undecided", (0, 0, 0)),
    (HOLD, [move(500, "ResumeRequested")], "completed", "correct", (42, 21, 7)),
    (HOLD, [move(320, "ResumeRequested")], "completed", "pushed", (0, 0, 4)),
    (HOLD, [move(400, "RollbackRequested")], "rolled_back", "false_alarm", (0, 0, 7)),
    (CONTINUE, [move(500, "ResumeRequested")], "completed", "correct", (18, 9, 3)),
    (CONTINUE, [move(500, "RollbackRequested")], "rolled_back", "false_alarm", (0, 0, 3)),
    (CONTINUE, [move(500, "StepApproved", True)], "completed", "correct", (18, 9, 2)),
]


@pytest.mark.parametrize("call, moves, outcome, decision, points", CASES)
def test_one_call(call, moves, outcome, decision, points):
    scored = score_call(call, 250.0, SEEN, moves, outcome)
    assert scored["decision"] == decision
    p = scored["points"]
    assert (p["decision"], p["reaction"], p["discipline"]) == points
    assert p["total"] == sum(points) <= p["max"] == call.points
    assert bool(scored["reasons"]) == (decision != "correct" or bool(scored["wrong_moves"]) or p["reaction"] < call.points * 0.3 - 0.5)


def test_a_call_without_a_deadline_is_refused():
    with pytest.raises(ValueError, match="needs within"):
        ExpectedCall(call="stop", phase="backup", points=100, why="stop")
    with pytest.raises(ValueError, match="needs at_least"):
        ExpectedCall(call="hold", phase="shift", points=100, why="hold")
