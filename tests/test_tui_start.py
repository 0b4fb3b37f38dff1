"""Start with intent: a fresh live run in the cockpit opens on its plan summary and changes nothing
(no journal line, no freeze, no weight) until the operator presses ``s`` then ``y``.

The conductor is the real LiveConductor over the in-memory world (tests/fake_world.py); the
real-HAProxy version of the same promise is tests/test_tmux_flows.py.
"""

from __future__ import annotations

import asyncio

from rich.console import Console

from adapters.live import LiveConductor
from rollout import events as ev
from rollout.engine import Engine
from rollout.journal import Journal
from rollout.phases import Phase
from tui.app import TurnoutApp
from tui.plan_brief import brief, first_actions
from tui.screens.confirm import ConfirmScreen
from tui.screens.main import MainScreen
from tui.screens.start import StartScreen, brief_table

from .fake_world import fast_world

SIZE = (80, 24)


def gated(tmp_path, wait: bool = True) -> tuple[LiveConductor, object, str]:
    world = fast_world(tmp_path)
    path = str(tmp_path / "journal.jsonl")
    conductor = LiveConductor(Engine(world.plan), world, Journal(path), first=[ev.RunStarted(world.runtime.now(), "fast plan")],
                              wait_for_start=wait)
    return conductor, world, path


async def test_the_conductor_feeds_nothing_until_start(tmp_path):
    conductor, world, path = gated(tmp_path)
    assert conductor.start_gate is conductor and conductor.waiting
    task = asyncio.create_task(conductor.run())
    await asyncio.sleep(0.3)
    assert Journal.read(path) == [] and world.lb.history == [] and conductor.engine.phase == Phase.NEW
    conductor.start()
    assert conductor.start_gate is None
    for _ in range(100):
        if world.lb.history:
            break
        await asyncio.sleep(0.02)
    assert world.lb.history[0] == (90, 10), "after the start the run shifts its first step"
    first = Journal.read(path)[0]
    assert isinstance(first, ev.RunStarted)
    conductor.stop()
    await asyncio.wait_for(task, 5)


async def test_stopping_at_the_gate_leaves_nothing_behind(tmp_path):
    conductor, world, path = gated(tmp_path)
    task = asyncio.create_task(conductor.run())
    await asyncio.sleep(0.05)
    conductor.stop()
    await asyncio.wait_for(task, 5)
    conductor.start()  # too late: a stopped run never starts
    assert Journal.read(path) == [] and world.lb.history == [] and conductor.engine.phase == Phase.NEW


async def test_without_the_gate_the_run_starts_at_once(tmp_path):
    conductor, world, _ = gated(tmp_path, wait=False)
    assert conductor.start_gate is None


def test_the_brief_names_nodes_versions_lb_steps_gates_and_the_first_actions(tmp_path):
    plan = fast_world(tmp_path).plan
    text = "\n".join(f"{label} {line}" for label, line in brief(plan))
    for needle in ("x1, x2", "y1, y2", "X 3.4.3 → Y 3.9.1", "HAProxy backend kong via /nonexistent.sock",
                   "10% 0s", "50% 0s (approve)", "5xx rate at most 1.00%", "0.50 points over X",
                   "latency at most 1000 ms", "1.3x X", "2 failed windows roll back"):
        assert needle in text, f"{needle!r} missing from:\n{text}"
    assert first_actions(plan).startswith("preflight checks (read only), then freeze config writes on x1, x2")
    assert first_actions(plan).endswith("then shift 10% to Y")


async def test_the_cockpit_opens_on_the_summary_and_s_y_starts(tmp_path):
    conductor, world, path = gated(tmp_path)
    app = TurnoutApp(conductor)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, StartScreen)
        await pilot.press("a", "r", "p")  # the main screen's keys do nothing here
        await pilot.press("s")
        assert isinstance(app.screen, ConfirmScreen) and "freeze config writes" in app.screen.body
        await pilot.press("n")
        await pilot.pause(0.2)
        assert isinstance(app.screen, StartScreen) and Journal.read(path) == [] and world.lb.history == []
        await pilot.press("s", "y")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen) and not conductor.waiting
        for _ in range(100):
            if world.lb.history:
                break
            await pilot.pause(0.02)
        assert world.lb.history[0] == (90, 10)
        await pilot.press("q", "y")
        await pilot.pause()
    assert conductor.stopped


async def test_q_on_the_summary_leaves_without_starting(tmp_path):
    conductor, world, path = gated(tmp_path)
    app = TurnoutApp(conductor)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
    assert conductor.stopped and conductor.waiting
    assert Journal.read(path) == [] and world.lb.history == [] and app.return_value == 1


async def test_ctrl_c_on_the_summary_leaves_too(tmp_path):
    conductor, _, path = gated(tmp_path)
    app = TurnoutApp(conductor)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+c")
        await pilot.pause()
    assert conductor.stopped and Journal.read(path) == []


def test_the_brief_wraps_whole_words_at_80_columns(tmp_path):
    conductor, _, _ = gated(tmp_path)
    console = Console(width=78, record=True, color_system=None, file=open("/dev/null", "w"))
    console.print(brief_table(conductor))
    text = console.export_text()
    assert all(len(line) <= 78 for line in text.splitlines())
    words = text.split()
    assert all(word in words for word in first_actions(conductor.plan).split()), "a word was cut at the edge"
