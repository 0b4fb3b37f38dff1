"""SVG snapshots of the main screen through the app's real factory (``TurnoutApp``).

Deterministic: the scripted rehearsal (real engine, plans/demo.yml, seed fixed; no
Kong-shaped server) is advanced to a fixed simulated time and autoplay is off, so the clock
is frozen; the main screen has no text cursor to blink. The SVGs under
tests/__snapshots__/ were reviewed by eye; update them (--snapshot-update) only after
looking at the new ones.
"""

from __future__ import annotations

from tui.app import TurnoutApp

from .tui_fakes import ScriptedRehearsal


def mid_shift() -> TurnoutApp:
    """Step 2 (25% on Y) baking, four windows judged, step 3 waiting for approval next."""
    rehearsal = ScriptedRehearsal(seed=1)
    rehearsal.advance(290)
    return TurnoutApp(rehearsal, autoplay=False)


def rolled_back() -> TurnoutApp:
    """A 3% error rate on Y from 6 minutes in: the gates fail twice and roll back at 50%."""
    rehearsal = ScriptedRehearsal(seed=2, y_error_rate=0.03, fault_at=360)
    rehearsal.advance(330)
    rehearsal.submit(rehearsal.approval())
    rehearsal.advance(300)
    return TurnoutApp(rehearsal, autoplay=False)


def test_main_screen_80x24(snap_compare):
    assert snap_compare(mid_shift(), terminal_size=(80, 24))


def test_main_screen_160x48(snap_compare):
    assert snap_compare(mid_shift(), terminal_size=(160, 48))


def test_rolled_back_80x24(snap_compare):
    assert snap_compare(rolled_back(), terminal_size=(80, 24))


def plan_summary(tmp_path) -> TurnoutApp:
    """A fresh live run of plans/demo.yml at its start gate: nothing is fed until ``s``, ``y``, so
    the in-memory world behind it is never asked anything and the screen holds no clock."""
    from adapters.live import LiveConductor
    from rollout.engine import Engine
    from rollout.journal import Journal

    from .fake_world import fast_world
    from .tui_fakes import demo_plan

    conductor = LiveConductor(Engine(demo_plan()), fast_world(tmp_path), Journal(str(tmp_path / "j.jsonl")),
                              wait_for_start=True)
    return TurnoutApp(conductor)


def test_plan_summary_80x24(snap_compare, tmp_path):
    assert snap_compare(plan_summary(tmp_path), terminal_size=(80, 24))
