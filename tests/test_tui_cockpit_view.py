"""Pilot tests for the cockpit's view (issue 13, items 1, 2, 5, 6): sizes, a pause that keeps
judging, the footer's keys per world and state, the node and log screens, failing nodes marked.

The conductor is tests/tui_fakes.ScriptedRehearsal (the real engine on plans/demo.yml, a toy
world); autoplay is off, so the simulated clock moves only when a test moves it.
"""

from __future__ import annotations

import dataclasses

from rich.console import Console

from textual.widgets import Input, RichLog, Static

from rollout.phases import Phase
from tui.app import TurnoutApp
from tui.screens.log import LogScreen
from tui.screens.main import MainScreen
from tui.screens.node import NodeScreen
from tui.widgets import Banner, EventLog, GatesView, PoolTable, ProcedureView, SplitMeter
from tui.widgets.pools import blamed_nodes

from .test_tui_keys import refreshed, shown
from .tui_fakes import LiveView, ScriptedRehearsal, started


def printed(renderable) -> str:
    console = Console(width=120, record=True, color_system=None, file=open("/dev/null", "w"))
    console.print(renderable)
    return console.export_text()


def footer_actions(screen) -> set[str]:
    """The actions the footer shows now (check_action said yes)."""
    return {b.binding.action for b in screen.active_bindings.values() if b.binding.show and b.enabled}


def on_screen(widget) -> bool:
    region = widget.region
    return widget.display and region.height > 0 and region.bottom <= widget.screen.size.height


async def test_below_the_minimum_one_notice_names_the_size_needed():
    app = TurnoutApp(started(1, 290), autoplay=False)
    async with app.run_test(size=(50, 12)) as pilot:
        await pilot.pause()
        notice = app.screen.query_one("#too-small", Static)
        assert on_screen(notice)
        assert "60x15" in str(notice.render()) and "50x12" in str(notice.render())
        assert not app.screen.query_one(Banner).display or app.screen.query_one(Banner).region.height == 0


async def test_at_60x15_the_banner_and_the_split_stay_on_screen():
    app = TurnoutApp(started(1, 290), autoplay=False)
    async with app.run_test(size=(60, 15)) as pilot:
        await pilot.pause()
        banner, split = app.screen.query_one(Banner), app.screen.query_one(SplitMeter)
        assert on_screen(banner) and banner.region.y == 0 and on_screen(split)
        assert "SHIFT" in shown(banner) and "REHEARSAL" in shown(banner)
        assert "25%" in shown(split)
        assert not on_screen(app.screen.query_one("#too-small"))


async def test_gate_limits_are_whole_at_80x24():
    rehearsal = started(1, 290)
    app = TurnoutApp(rehearsal, autoplay=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        gates = app.screen.query_one(GatesView)
        assert on_screen(gates)
        text = " ".join(shown(gates).split())
        for result in rehearsal.snapshot().last_verdict.results:
            assert result.threshold in text, (result.threshold, text)


async def test_paused_the_gates_keep_judging_and_the_step_shows_paused():
    rehearsal = started(4, 150)
    app = TurnoutApp(rehearsal, autoplay=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("p")
        screen = await refreshed(app, pilot)
        judged = len(rehearsal.snapshot().verdicts)
        screen = await refreshed(app, pilot, 180.0)
        snap = rehearsal.snapshot()
        assert snap.phase == Phase.PAUSED and len(snap.verdicts) >= judged + 2, "a pause holds traffic, not eyes"
        procedure = shown(screen.query_one(ProcedureView))
        assert "‖ shift: paused" in procedure and "✗" not in procedure


async def test_the_footer_says_resume_when_paused_and_p_resumes():
    rehearsal = started(4, 150)
    app = TurnoutApp(rehearsal, autoplay=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await refreshed(app, pilot)
        assert "pause" in footer_actions(screen) and "resume" not in footer_actions(screen)
        await pilot.press("p")
        screen = await refreshed(app, pilot)
        assert "resume" in footer_actions(screen) and "pause" not in footer_actions(screen)
        await pilot.press("p")
        screen = await refreshed(app, pilot)
        assert rehearsal.snapshot().phase == Phase.SHIFT and "pause" in footer_actions(screen)


async def test_the_footer_shows_only_the_keys_of_this_world_and_state():
    rehearsal = started(6, 150)
    async with TurnoutApp(rehearsal, autoplay=False).run_test(size=(120, 40)) as pilot:
        screen = await refreshed(pilot.app, pilot)
        actions = footer_actions(screen)
        assert {"next", "faster", "rollback", "pause", "quit"} <= actions
        assert "approve" not in actions, "nothing waits for approval at 25%"
    live = LiveView(started(6, 150))
    async with TurnoutApp(live, autoplay=False).run_test(size=(120, 40)) as pilot:
        screen = await refreshed(pilot.app, pilot)
        actions = footer_actions(screen)
        assert not {"next", "faster", "slower"} & actions, "the live clock is the wall clock"
        assert {"rollback", "pause", "quit"} <= actions


async def test_before_the_first_window_the_gates_say_what_they_wait_for():
    rehearsal = ScriptedRehearsal(seed=8)
    while rehearsal.snapshot().applied is None or rehearsal.snapshot().applied[1] == 0:
        rehearsal.advance_to_next()
    app = TurnoutApp(rehearsal, autoplay=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await refreshed(app, pilot)
        text = " ".join(shown(screen.query_one(GatesView)).split())
        assert "Y takes 5%" in text and "first window is judged at" in text


async def test_enter_on_a_node_opens_its_windows_probes_and_errors():
    rehearsal = started(1, 290)
    app = TurnoutApp(rehearsal, autoplay=False)
    async with app.run_test(size=(120, 40)) as pilot:
        app.screen.query_one("#pool-y", PoolTable).focus()
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, NodeScreen) and app.screen.node == "y2"
        text = printed(app.screen.query_one("#node-view", Static).content)
        assert "y2  pool Y  version 3.9.1" in text and "windows" in text and "warnings and errors" in text
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_slash_searches_the_log_and_f_shows_it_full_screen():
    rehearsal = started(1, 290)
    app = TurnoutApp(rehearsal, autoplay=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash")
        await pilot.pause()
        assert isinstance(app.screen, LogScreen) and app.screen.query_one(Input).has_focus
        await pilot.press(*"applied")
        await pilot.pause()
        count = str(app.screen.query_one("#count", Static).render())
        applied = [e for e in rehearsal.snapshot().log if "applied" in e.message.lower()]
        assert f"{len(applied)} of {len(rehearsal.snapshot().log)} lines match 'applied'" in count
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, LogScreen) and app.screen.size.height == 24
        log = app.screen.query_one(RichLog)
        await pilot.press("pageup")
        top = log.scroll_y
        await pilot.press("pagedown")
        assert log.scroll_y - top == log.scrollable_content_region.height - 1 or log.scroll_y == log.max_scroll_y


async def test_pgup_moves_the_main_log_by_a_page():
    rehearsal = started(1, 900)
    app = TurnoutApp(rehearsal, autoplay=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        log = app.screen.query_one(EventLog)
        bottom = log.scroll_y
        page = log.scrollable_content_region.height - 1
        assert page > 3 and log.max_scroll_y > page
        await pilot.press("pageup")
        await pilot.pause()
        assert bottom - log.scroll_y == page


async def test_a_node_a_gate_blames_is_drawn_apart_from_the_healthy_ones():
    snap = started(1, 290).snapshot()
    verdict = snap.last_verdict
    results = tuple(dataclasses.replace(r, verdict="fail", nodes=("y2",)) if r.gate == "error_rate_node" else r
                    for r in verdict.results)
    blamed = dataclasses.replace(snap, verdicts=snap.verdicts[:-1] + (dataclasses.replace(verdict, results=results),))
    assert blamed_nodes(blamed) == {"y2"}
    app = TurnoutApp(started(1, 290), autoplay=False)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one("#pool-y", PoolTable)
        table.snapshot = blamed
        await pilot.pause()
        rows = {line.split()[0]: line for line in shown(table).splitlines() if line.strip()}
        assert "y2 ✗" in shown(table) and "✗" not in rows["y1"] and "✗" not in rows["y3"]


async def test_the_first_frame_comes_before_the_rehearsal_is_built():
    import threading

    from tui.screens.opening import OpeningScreen

    release = threading.Event()

    def build():
        release.wait(10)  # the simulator's imports and set-up, held until the first frame is checked
        return started(1, 290)

    app = TurnoutApp(opening=("rehearsal", "demo 3.4 to 3.9", build), autoplay=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, OpeningScreen)
        banner = printed(app.screen.query_one("#opening-banner", Static).content)
        assert "REHEARSAL" in banner and "demo 3.4 to 3.9" in banner
        release.set()
        for _ in range(100):
            await pilot.pause(0.05)
            if isinstance(app.screen, MainScreen):
                break
        assert isinstance(app.screen, MainScreen) and app.conductor is not None
        assert "SHIFT" in shown(app.screen.query_one(Banner))


async def test_a_rehearsal_that_cannot_be_built_exits_2():
    def build():
        raise OSError("journal directory is read-only")

    app = TurnoutApp(opening=("rehearsal", "demo", build), autoplay=False)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(100):
            await pilot.pause(0.05)
            if not app.is_running:
                break
    assert app.return_value == 2


async def test_numbers_from_an_earlier_window_say_how_old_they_are():
    rehearsal = started(1, 170)  # step 2 applied at 2:23; the last window judged ran under step 1's weights
    app = TurnoutApp(rehearsal, autoplay=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = shown(app.screen.query_one("#pool-y", PoolTable))
        assert "numbers: window ending 0:02:22" in text and "ago" in text, text
