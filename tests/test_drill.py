"""Scored drills (sim/drill.py, sim/drill_score.py, tui/cmd_drill.py): a rehearsal of plans/demo.yml
with a hidden fault and automatic rollback off. The world is the simulated one; no server.
The trainee is a script here, or the Pilot pressing keys."""

from __future__ import annotations

import subprocess
import sys

import pytest

from rollout import events as ev
from rollout.plan import load_plan
from sim.drill import DRILL_FAULTS, Drill, hide_fault
from sim.drill_score import HiddenFault, Move, score, score_text
from sim.session import Rehearsal
from sim.report import Detection, RunRecord
from tui.app import TurnoutApp
from tui.screens.confirm import ConfirmScreen
from tui.widgets import Banner

from .test_tui_keys import shown

PLAN = load_plan("plans/demo.yml")
WINDOW = 60.0
FAULT = HiddenFault("y_errors", "Y answered 3% of requests with 5xx", 300.0, True)
NO_FAULT = HiddenFault("none", "none: Y was healthy all along", None, False)


def record(outcome: str, gates_failed_at: float | None = None) -> RunRecord:
    detection = None if gates_failed_at is None else Detection("error_rate", gates_failed_at, 25)
    return RunRecord(outcome, 1800.0, 100_000, 900, 800, 700, detection, (100, 0), 300.0)


def rollback(at: float) -> Move:
    return Move(at, "RollbackRequested", True)


# (fault, outcome, gates failed at, moves) -> (decision, points {decision, reaction, discipline})
CASES = [
    (FAULT, "rolled_back", 420.0, [rollback(450.0)], "correct", (60, 30, 10)),  # within one window
    (FAULT, "rolled_back", 420.0, [rollback(420.0 + 3 * WINDOW)], "correct", (60, 15, 10)),  # 2 windows late of 4
    (FAULT, "rolled_back", 420.0, [rollback(420.0 + 6 * WINDOW)], "correct", (60, 0, 10)),
    (FAULT, "rolled_back", None, [rollback(360.0)], "correct", (60, 30, 10)),  # before the gates: spotted it
    (FAULT, "rolled_back", None, [rollback(200.0)], "false_alarm", (0, 0, 10)),  # before the fault began
    (FAULT, "completed", 420.0, [], "missed", (0, 0, 10)),
    (FAULT, "rolled_back", 420.0, [], "late", (0, 0, 10)),  # the engine's node-health rollback, not the trainee
    (FAULT, "halted", 420.0, [], "undecided", (0, 0, 10)),
    (NO_FAULT, "completed", None, [Move(400.0, "StepApproved", False)], "correct", (60, 30, 10)),
    (NO_FAULT, "rolled_back", None, [rollback(500.0)], "false_alarm", (0, 0, 10)),
    (FAULT, "rolled_back", 420.0, [Move(430.0, "StepApproved", True), Move(440.0, "ResumeRequested", True), rollback(450.0)],
     "correct", (60, 30, 0)),
]


@pytest.mark.parametrize("fault, outcome, failed_at, moves, decision, points", CASES)
def test_score_table(fault, outcome, failed_at, moves, decision, points):
    card = score(fault, record(outcome, failed_at), moves, WINDOW, seed=5)
    assert card["decision"] == decision
    assert (card["points"]["decision"], card["points"]["reaction"], card["points"]["discipline"]) == points
    assert card["points"]["total"] == sum(points)
    text = score_text(card, "demo")
    assert f"{sum(points)}/100" in text.splitlines()[0] and "--seed 5" in text


def test_the_card_keeps_its_keys():
    card = score(FAULT, record("rolled_back", 420.0), [rollback(450.0)], WINDOW, seed=1)
    assert set(card) == {"seed", "fault", "outcome", "decision", "rollback_at_s", "gates_failed_at_s", "reaction_s",
                         "bad_requests", "wrong_moves", "points"}
    assert card["reaction_s"] == 30.0 and card["fault"]["onset_s"] == 300.0


def test_the_seed_picks_the_fault_and_its_onset_during_the_shift():
    picks = {hide_fault(PLAN, seed)[1].kind for seed in range(40)}
    assert picks == set(DRILL_FAULTS)
    before_last = sum(s.bake for s in PLAN.steps[:-1])
    for seed in range(20):
        scenario, fault = hide_fault(PLAN, seed, "y_latency")
        assert fault.should_roll_back and 0 < fault.onset_s <= 5 + before_last
        assert scenario.onset() == fault.onset_s and scenario.faults[0].pool == "y"
    assert hide_fault(PLAN, 3) == hide_fault(PLAN, 3)
    scenario, fault = hide_fault(PLAN, 3, "none")
    assert scenario.faults == [] and fault.onset_s is None and not fault.should_roll_back


def play(drill: Drill, roll_back_when_gates_fail: bool) -> dict:
    """A scripted trainee: approves every step, rolls back at the first warning of failing gates."""
    rolled = False
    while not drill.finished and drill.now < 4 * 3600:
        drill.advance(10.0)
        snap = drill.snapshot()
        if snap.pending_approval is not None and not rolled:
            drill.submit(ev.StepApproved(0.0, snap.pending_approval, by="trainee"))
        if roll_back_when_gates_fail and drill.engine.detection is not None and not rolled:
            drill.submit(ev.RollbackRequested(0.0, "trainee"))
            rolled = True
    return drill.scorecard()


@pytest.mark.parametrize("kind", ["y_errors", "y_latency", "y_leak"])
def test_a_trainee_who_rolls_back_when_the_gates_fail_scores_full_marks(kind):
    drill = Drill(PLAN, seed=11, kind=kind)
    assert drill.plan.rollback.automatic is False
    card = play(drill, roll_back_when_gates_fail=True)
    assert card["outcome"] == "rolled_back" and card["decision"] == "correct"
    assert card["reaction_s"] <= WINDOW and card["points"]["total"] == 100


def until_gates_fail(drill: Drill) -> Drill:
    """Advance (nobody approves) until the gates have failed; bounded, so a regression fails instead of hanging."""
    while drill.engine.detection is None and drill.now < 3600:
        drill.advance(30.0)
    assert drill.engine.detection is not None, "the gates never failed"
    return drill


def test_failing_gates_do_not_roll_back_a_drill_on_their_own():
    drill = until_gates_fail(Drill(PLAN, seed=11, kind="y_errors"))
    drill.advance(600.0)
    snap = drill.snapshot()
    assert snap.phase.value == "shift" and snap.applied[1] > 0, "the engine warns and holds the step; the trainee decides"
    assert any("automatic rollback is off" in entry.message for entry in snap.log)


def test_no_fault_finished_is_the_right_call():
    card = play(Drill(PLAN, seed=11, kind="none"), roll_back_when_gates_fail=True)
    assert card["outcome"] == "completed" and card["decision"] == "correct" and card["points"]["total"] == 100


async def test_the_cockpit_shows_drill_but_never_the_fault():
    drill = until_gates_fail(Drill(PLAN, seed=11, kind="y_errors"))
    drill.speed = 60.0
    app = TurnoutApp(drill, autoplay=True)
    async with app.run_test(size=(80, 24)) as pilot:
        start = drill.now
        await pilot.pause(0.3)
        assert drill.now > start, "the simulated clock runs while the cockpit is on screen"
        banner = shown(app.screen.query_one(Banner))
        assert "REHEARSAL" in banner and "DRILL" in banner
        screen_text = " ".join(shown(w) for w in app.screen.query("*") if hasattr(w, "render_snapshot"))
        for secret in ("y_errors", "error_rate fault", DRILL_FAULTS["y_errors"][0]):
            assert secret not in screen_text
        await pilot.press("r")
        assert isinstance(app.screen, ConfirmScreen)
        before = drill.now
        await pilot.pause(0.3)
        assert drill.now == before, "the simulated clock waits while the trainee reads the dialog"
        await pilot.press("enter")
        await pilot.pause()
    drill.advance(30.0)
    card = drill.scorecard()
    # The rollback lands when the app handles the intent: at most a few clock ticks (0.1 s at 60x) after the dialog.
    assert card["decision"] == "correct" and round(before, 3) <= card["rollback_at_s"] <= before + 30.0


def test_turnout_drill_needs_a_terminal():
    """Run as a script (no TTY): a one-line refusal, exit 2, before any screen starts."""
    run = subprocess.run([sys.executable, "-m", "tui.cli", "drill", "plans/demo.yml"], capture_output=True, text=True,
                         stdin=subprocess.DEVNULL, timeout=60)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.strip().splitlines() == [
        "turnout drill: a drill needs a terminal, because the trainee makes the calls "
        "(for a report without one: turnout rehearse --headless)"]


async def test_the_approve_dialog_says_who_rolls_back():
    """With automatic rollback off (a drill) the approve dialog must not promise a rollback the engine won't make."""
    drill = Drill(PLAN, seed=11, kind="none")
    while drill.snapshot().pending_approval is None and drill.now < 3600:
        drill.advance(10.0)
    app = TurnoutApp(drill, autoplay=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a")
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.body.endswith("The gates keep judging; automatic rollback is off: you decide.")
    rehearsal_snap = Rehearsal(PLAN).snapshot()
    assert rehearsal_snap.auto_rollback is True and drill.snapshot().auto_rollback is False
