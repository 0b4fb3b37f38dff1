"""The views' pure helpers, and the live conductor's loop running beside the UI.

Built on tests/tui_fakes.ScriptedRehearsal (the real engine, a scripted toy world; no
Kong-shaped server).
"""

from __future__ import annotations

import asyncio
import dataclasses

from rollout import events as ev
from rollout.phases import Phase
from rollout.snapshot import LogEntry
from tui.app import TurnoutApp
from tui.widgets.banner import phase_label
from tui.widgets.base import clock, duration
from tui.widgets.eventlog import fresh_entries
from tui.widgets.split import observed_is_current, split_gap

from .tui_fakes import LiveView, ScriptedRehearsal


def test_clock_and_duration_formats():
    assert clock(3725.9, "rehearsal") == "1:02:05"
    assert len(clock(0.0, "live")) == 8  # HH:MM:SS of the wall clock
    assert [duration(s) for s in (9.6, 125, 3720)] == ["10s", "2m05s", "1h02m"]


def test_fresh_entries_continue_after_the_last_one_shown():
    log = tuple(LogEntry(float(i), "shift", "event", f"e{i}") for i in range(5))
    assert fresh_entries(log, None) == log
    assert [e.message for e in fresh_entries(log, log[2])] == ["e3", "e4"]
    equal_copy = dataclasses.replace(log[3])
    assert [e.message for e in fresh_entries(log, equal_copy)] == ["e4"]
    assert fresh_entries(log[3:], LogEntry(99.0, "x", "event", "gone")) == log[3:], "unknown last: show all"


def test_split_gap_only_compares_a_window_run_under_the_current_weights():
    rehearsal = ScriptedRehearsal(seed=20, y_skew=4.0)
    rehearsal.advance(100)  # step 1 (5%) baking, a window judged under it
    snap = rehearsal.snapshot()
    assert observed_is_current(snap)
    assert abs(split_gap(snap) - (snap.observed_y - snap.applied[1])) < 1e-9 and split_gap(snap) > 2
    while rehearsal.snapshot().applied == (95, 5):
        rehearsal.advance_to_next()
    moved = rehearsal.snapshot()  # step 2 applied, its first window not judged yet
    assert moved.applied == (75, 25) and not observed_is_current(moved) and split_gap(moved) is None


def test_phase_label_names_the_step_and_the_pause():
    rehearsal = ScriptedRehearsal(seed=21)
    rehearsal.advance(100)
    assert phase_label(rehearsal.snapshot()) == "SHIFT 1/4"
    rehearsal.submit(ev.PauseRequested(0.0))
    assert phase_label(rehearsal.snapshot()) == "PAUSED IN SHIFT 1/4"


class LoopingLive(LiveView):
    """A live-shaped conductor whose ``run`` loop the app must start, and ``stop`` must end."""

    started = False

    async def run(self):
        self.started = True
        while not self.stopped:
            self.rehearsal.advance(5.0)
            await asyncio.sleep(0.01)


async def test_live_conductor_loop_runs_in_a_worker_and_stops_on_quit():
    live = LoopingLive(ScriptedRehearsal(seed=22))
    app = TurnoutApp(live)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        assert live.started and live.rehearsal.now > 0
        assert live.snapshot().phase != Phase.NEW
        await pilot.press("q", "y")
        await pilot.pause()
    assert live.stopped and app.return_value == 1
