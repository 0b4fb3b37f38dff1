"""Every conductor declares what it can do (rollout/conductor.py), and the cockpit reads the
declarations instead of probing for methods: its badge, its quit note, whether it has a loop of
its own to run and stop, and whether its clock is the cockpit's to move."""

from __future__ import annotations

import pytest

from adapters.control import RemoteConductor
from adapters.live import LiveConductor
from rollout.conductor import Conductor
from rollout.engine import Engine
from rollout.journal import Journal
from rollout.plan import load_plan
from sim.drill import Drill
from sim.session import Rehearsal
from tui.app import TurnoutApp
from tui.drill_replay import ReplayConductor
from tui.screens.confirm import ConfirmScreen

from .fake_world import fast_world

PLAN = load_plan("plans/demo.yml")
DECLARED = ("world", "badge", "quit_note", "loop", "controls", "start_gate", "now", "snapshot", "submit")


def live(tmp_path) -> LiveConductor:
    world = fast_world(tmp_path)
    return LiveConductor(Engine(world.plan), world, Journal(str(tmp_path / "j.jsonl")))


def conductors(tmp_path) -> dict[str, Conductor]:
    return {"live": live(tmp_path), "remote": RemoteConductor(str(tmp_path / "control.sock")),
            "rehearsal": Rehearsal(PLAN), "drill": Drill(PLAN, seed=3, kind="none"),
            "library drill": _library_drill(), "review": ReplayConductor(PLAN, [], {"fault": {"onset_s": None}})}


def _library_drill():
    from sim.drill_file import library, load_drill
    from sim.drill_run import LibraryDrill

    return LibraryDrill(load_drill(str(library()["shift-y-errors"])), PLAN, seed=3)


def test_every_conductor_declares_the_whole_interface(tmp_path):
    for name, conductor in conductors(tmp_path).items():
        missing = [attr for attr in DECLARED if not hasattr(type(conductor), attr) and not hasattr(conductor, attr)]
        assert missing == [], f"{name} does not declare {missing}"
        assert isinstance(conductor.badge, str) and isinstance(conductor.quit_note, str)


def test_the_wall_clock_runs_a_loop_and_a_simulated_clock_is_the_cockpits(tmp_path):
    found = conductors(tmp_path)
    for name in ("live", "remote"):
        assert found[name].world == "live" and found[name].loop is found[name] and found[name].controls is None
    for name in ("rehearsal", "drill"):
        assert found[name].world == "rehearsal" and found[name].loop is None and found[name].controls is found[name]
    assert found["drill"].badge == "DRILL" and found["rehearsal"].badge == found["live"].badge == ""
    assert "goes on without you" in found["remote"].quit_note
    assert "scored" in found["drill"].quit_note and "discarded" in found["rehearsal"].quit_note
    assert found["live"].quit_note == ""  # the cockpit's own text: held, resumable from the journal


async def test_a_rehearsal_gets_no_conductor_worker_and_its_quit_note_is_shown():
    drill = Drill(PLAN, seed=3, kind="none")
    app = TurnoutApp(drill, autoplay=False)
    async with app.run_test(size=(80, 24)) as pilot:
        drill.advance(30.0)
        await pilot.pause()
        assert not [w for w in app.workers if w.name == "conductor"]
        await pilot.press("q")
        assert isinstance(app.screen, ConfirmScreen) and app.screen.body == drill.quit_note
        await pilot.press("y")
        await pilot.pause()
    assert app.return_value == 1


async def test_a_live_conductor_without_clock_controls_refuses_next_and_speed(tmp_path):
    conductor = live(tmp_path)
    app = TurnoutApp(conductor)
    async with app.run_test(size=(80, 24)) as pilot:
        assert [w.name for w in app.workers if w.name == "conductor"] == ["conductor"]
        for key in ("n", "plus"):
            await pilot.press(key)
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("next works only in a rehearsal" in m for m in messages)
        assert any("speed works only in a rehearsal" in m for m in messages)
        await pilot.press("q", "y")
        await pilot.pause()
    assert conductor.stopped


@pytest.mark.parametrize("speed", [1.0, 60.0])
async def test_the_screen_starts_at_the_rehearsals_declared_speed(speed):
    rehearsal = Rehearsal(PLAN)
    rehearsal.controls.speed = speed
    app = TurnoutApp(rehearsal, autoplay=False)
    async with app.run_test(size=(80, 24)):
        assert app.screen.speed == speed
