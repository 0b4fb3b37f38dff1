"""Pilot tests: press the cockpit's keys, then check the engine's snapshot and what the views show.

The conductor is tests/tui_fakes.ScriptedRehearsal: the real engine on plans/demo.yml in a
scripted toy world (no Kong-shaped server is involved). Autoplay is off, so the simulated
clock moves only when a test moves it.
"""

from __future__ import annotations

import math

from rich.console import Console
from rollout import events as ev
from rollout.phases import Phase
from tui.app import TurnoutApp
from tui.screens.confirm import ConfirmScreen
from tui.screens.help import HelpScreen
from tui.screens.main import MainScreen
from tui.widgets import Banner, PoolTable, ProcedureView, SplitMeter

from .tui_fakes import LiveView, ScriptedRehearsal, started

SIZE = (80, 24)


def shown(widget) -> str:
    """The plain text a view renders at its current width."""
    console = Console(width=max(widget.size.width, 20), record=True, color_system=None, file=open("/dev/null", "w"))
    console.print(widget.render())
    return console.export_text()


def at_approval() -> ScriptedRehearsal:
    """A rehearsal advanced until step 3 (50%, approve: true) waits for the operator."""
    rehearsal = ScriptedRehearsal(seed=3)
    while rehearsal.snapshot().pending_approval is None:
        rehearsal.advance_to_next()
    return rehearsal


async def refreshed(app: TurnoutApp, pilot, seconds: float = 0.0) -> MainScreen:
    if seconds:
        app.conductor.advance(seconds)
    screen = app.screen_stack[0]
    screen.refresh_snapshot()
    await pilot.pause()
    return screen


async def test_approve_asks_then_moves_the_step():
    rehearsal = at_approval()
    app = TurnoutApp(rehearsal, autoplay=False)
    async with app.run_test(size=SIZE) as pilot:
        assert "approve step 3" in shown(app.screen.query_one(ProcedureView))
        await pilot.press("a")
        assert isinstance(app.screen, ConfirmScreen)
        assert rehearsal.snapshot().pending_approval == 2, "nothing moves before the operator confirms"
        await pilot.press("y")
        screen = await refreshed(app, pilot, 2.0)
        snap = rehearsal.snapshot()
        assert snap.pending_approval is None and snap.applied == (50, 50)
        assert isinstance(rehearsal.submitted[-1], ev.StepApproved) and rehearsal.submitted[-1].step == 2
        assert "50%" in shown(screen.query_one(SplitMeter))


async def test_approve_cancelled_with_escape_sends_nothing():
    rehearsal = at_approval()
    app = TurnoutApp(rehearsal, autoplay=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "escape")
        assert isinstance(app.screen, MainScreen)
        assert rehearsal.submitted == [] and rehearsal.snapshot().pending_approval == 2


async def test_p_pauses_and_resumes():
    rehearsal = started(4, 150)
    app = TurnoutApp(rehearsal, autoplay=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        screen = await refreshed(app, pilot)
        assert rehearsal.snapshot().phase == Phase.PAUSED
        assert "PAUSED IN SHIFT" in shown(screen.query_one(Banner))
        await pilot.press("p")
        screen = await refreshed(app, pilot)
        assert rehearsal.snapshot().phase == Phase.SHIFT
        assert "PAUSED" not in shown(screen.query_one(Banner))


async def test_r_with_confirm_rolls_back_and_the_meter_shows_100_0():
    rehearsal = started(5, 250)
    app = TurnoutApp(rehearsal, autoplay=False)
    async with app.run_test(size=SIZE) as pilot:
        assert rehearsal.snapshot().applied == (75, 25)
        await pilot.press("r")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")  # the confirm button has the focus in a rehearsal
        screen = await refreshed(app, pilot, 2.0)
        snap = rehearsal.snapshot()
        assert snap.phase == Phase.ROLLED_BACK and snap.applied == (100, 0)
        meter = shown(screen.query_one(SplitMeter))
        assert "X 100%" in meter and "0% Y" in meter and "set 100/0" in meter
        assert "ROLLED BACK" in shown(screen.query_one(Banner))


async def test_live_rollback_is_r_then_y():
    """The safe action is the fastest one: LIVE too, r then y rolls back (no word to type)."""
    rehearsal = started(6, 250)
    live = LiveView(rehearsal)
    app = TurnoutApp(live, autoplay=False)
    async with app.run_test(size=SIZE) as pilot:
        assert "LIVE" in shown(app.screen.query_one(Banner))
        await pilot.press("r")
        assert isinstance(app.screen, ConfirmScreen) and "LIVE" in app.screen.body
        assert rehearsal.submitted == [], "nothing moves before the operator confirms"
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert isinstance(rehearsal.submitted[-1], ev.RollbackRequested)
        assert rehearsal.snapshot().phase == Phase.ROLLING_BACK


async def test_live_rollback_cancelled_with_n_sends_nothing():
    rehearsal = started(6, 250)
    app = TurnoutApp(LiveView(rehearsal), autoplay=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r", "n")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen) and rehearsal.submitted == []


async def test_q_asks_first_while_running_and_says_the_rehearsal_is_discarded():
    rehearsal = started(7, 100)
    app = TurnoutApp(rehearsal, autoplay=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        assert isinstance(app.screen, ConfirmScreen)
        assert "discarded" in app.screen.body
        await pilot.press("escape", "ctrl+q")
        assert isinstance(app.screen, ConfirmScreen), "ctrl+q asks too"
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen) and app.is_running
        await pilot.press("q", "y")
        await pilot.pause()
    assert app.return_value == 1


async def test_live_quit_leaves_the_rollout_held_and_resumable():
    rehearsal = started(8, 100)
    live = LiveView(rehearsal)
    app = TurnoutApp(live, autoplay=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        body = app.screen.body
        assert "held" in body and "turnout run" in body and "journal" in body
        await pilot.press("y")
        await pilot.pause()
    assert live.stopped and app.return_value == 1
    assert not any(isinstance(e, ev.RollbackRequested) for e in rehearsal.submitted)


async def test_q_after_the_end_quits_at_once_with_the_outcome():
    rehearsal = ScriptedRehearsal(seed=9, y_error_rate=0.05, fault_at=0.0)
    while not rehearsal.snapshot().finished:
        rehearsal.advance_to_next()
    assert rehearsal.snapshot().phase == Phase.ROLLED_BACK, "the gates catch a 5% error rate on Y"
    app = TurnoutApp(rehearsal, autoplay=False)
    async with app.run_test(size=SIZE) as pilot:
        assert "step evidence" in shown(app.screen.query_one("GatesView"))  # one window sufficed
        await pilot.press("q")
        await pilot.pause()
    assert app.return_value == 1


async def test_help_next_speed_and_log_keys():
    rehearsal = ScriptedRehearsal(seed=10)
    app = TurnoutApp(rehearsal, autoplay=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        before = rehearsal.now
        await pilot.press("n")
        assert rehearsal.now > before or rehearsal.snapshot().phase != Phase.PREFLIGHT
        speeds = []
        for _ in range(4):
            await pilot.press("plus")
            speeds.append(rehearsal.speed)
        assert speeds == [10.0, 60.0, math.inf, math.inf]
        assert " max " in shown(app.screen.query_one(Banner))
        await pilot.press("minus")
        assert rehearsal.speed == 60.0
        await pilot.press("l")
        assert app.focused is app.screen.query_one("#log")


async def test_autoplay_moves_the_simulated_clock_in_bounded_slices():
    rehearsal = ScriptedRehearsal(seed=11)
    rehearsal.speed = 60.0
    app = TurnoutApp(rehearsal, autoplay=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.6)
        assert 0 < rehearsal.now <= 60.0 * 3, f"simulated clock at {rehearsal.now}"
        assert "sim 0:0" in shown(app.screen.query_one(Banner))


async def test_a_failing_node_stands_out_and_a_skewed_split_warns():
    rehearsal = ScriptedRehearsal(seed=12, crash=("y2", 150.0), y_skew=5.0)
    rehearsal.advance(215)
    app = TurnoutApp(rehearsal, autoplay=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        rows = shown(app.screen.query_one("#pool-y", PoolTable)).splitlines()
        assert any(line.split()[:1] == ["y2"] and "DOWN" in line for line in rows)
        assert all("DOWN" not in line for line in rows if line.split()[:1] in (["y1"], ["y3"]))
        assert "⚠" in shown(app.screen.query_one(SplitMeter))


async def test_real_rehearsal_session_approve_and_rollback():
    """The same keys over sim.session.Rehearsal (the SimPy world, no Kong-shaped server)."""
    from sim.session import Rehearsal

    from .tui_fakes import demo_plan

    session = Rehearsal(demo_plan(), seed=0, auto_approve=False)
    while session.snapshot().pending_approval is None and session.now < 3600:
        session.advance(30.0)
    assert session.snapshot().pending_approval == 2
    app = TurnoutApp(session, autoplay=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "y")
        await refreshed(app, pilot, 5.0)
        assert session.snapshot().applied == (50, 50)
        await pilot.press("r", "enter")
        screen = await refreshed(app, pilot, 5.0)
        assert session.snapshot().phase == Phase.ROLLED_BACK
        assert "X 100%" in shown(screen.query_one(SplitMeter))
