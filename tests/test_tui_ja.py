"""The cockpit in Japanese (issue 14): SVG snapshots at 80x24, the banner and footer words, every line within 80 cells.

The language is chosen as the CLI chooses it (rollout.i18n.set_language), for the test's
duration; the screens translate as they draw, so the same app factory and fixtures as
tests/test_tui_snapshots.py serve. Japanese characters take two cells: widths are measured with
Rich's cell_len, never len().
"""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from textual.widgets import Footer

from rollout import i18n
from tui.widgets import Banner

from .test_tui_snapshots import mid_shift, plan_summary, rolled_back


@pytest.fixture
def japanese():
    i18n.set_language("ja")
    yield
    i18n.set_language(None)


def test_main_screen_ja_80x24(snap_compare, japanese):
    assert snap_compare(mid_shift(), terminal_size=(80, 24))


def test_main_screen_ja_120x40(snap_compare, japanese):
    """Wide and tall: each step on its own line with its bake, the probe column, every gate's history."""
    assert snap_compare(mid_shift(), terminal_size=(120, 40))


def test_help_ja_80x24(snap_compare, japanese):
    assert snap_compare(mid_shift(), press=["question_mark"], terminal_size=(80, 24))


def test_rollback_confirm_ja_80x24(snap_compare, japanese):
    assert snap_compare(mid_shift(), press=["r"], terminal_size=(80, 24))


def test_rolled_back_ja_80x24(snap_compare, japanese):
    """After a rollback: the procedure's outcome line and what is left to do, in Japanese."""
    assert snap_compare(rolled_back(), terminal_size=(80, 24))


def test_plan_summary_ja_80x24(snap_compare, japanese, tmp_path):
    assert snap_compare(plan_summary(tmp_path), terminal_size=(80, 24))


def screen_lines(app) -> list[str]:
    """What the terminal shows, line by line (the compositor's own render of the screen)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def test_banner_says_rehearsal_and_footer_rollback_in_japanese(japanese):
    app = mid_shift()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        banner = str(app.screen.query_one(Banner).render())
        assert banner.lstrip().startswith("リハーサル") and "REHEARSAL" not in banner, banner
        footer = " ".join(key.description for key in app.screen.query_one(Footer).query("FooterKey"))
        assert "ロールバック" in footer and "一時停止" in footer and "rollback" not in footer, footer
        lines = screen_lines(app)
        assert len(lines) == 24 and all(cell_len(line) == 80 for line in lines), [cell_len(line) for line in lines]
        await pilot.press("question_mark")
        await pilot.pause()
        help_text = "\n".join(screen_lines(app))
        assert "キー" in help_text and "ロールバック: Xへ100%" in help_text, help_text


async def test_switching_the_language_needs_no_rebuild():
    """The same app, drawn again after the switch: English, then Japanese, then English again."""
    app = mid_shift()
    async with app.run_test(size=(80, 24)) as pilot:
        banner = app.screen.query_one(Banner)
        assert "REHEARSAL" in str(banner.render())
        try:
            i18n.set_language("ja")
            app.screen.refresh_bindings()
            await pilot.pause()
            assert "リハーサル" in str(banner.render())
            footer = " ".join(key.description for key in app.screen.query_one(Footer).query("FooterKey"))
            assert "ロールバック" in footer, footer
        finally:
            i18n.set_language(None)
        assert "REHEARSAL" in str(banner.render())


def test_the_exit_summary_in_japanese_lines_up_by_cells(japanese):
    """The labels are padded by display width, so the values start in one column although the
    Japanese labels are two cells a character; the commands themselves stay as typed."""
    from tui.exit_summary import LABEL_WIDTH, ExitSummary, Weights, live_commands

    from .test_exit_summary import rolled_back as rolled_back_run
    from .test_exit_summary import run_command

    snap = rolled_back_run().snapshot()
    lines = ExitSummary(snap, Weights((100, 0), "sim"), "", live_commands(snap, run_command)).lines()
    assert lines[0].startswith("turnout: ロールバック済み: ")
    rows = lines[1:]
    assert any(row.startswith("  ロードバランサー:") for row in rows), rows
    assert any(row.startswith("  新しい実行:") and row.endswith(" turnout run plans/demo.yml --new-run") for row in rows), rows
    assert any("構成の更新は停止したまま" in row for row in rows), rows
    values = [(row, row.index(": ") + 1) for row in rows]
    starts = {cell_len(row[:colon]) + len(row[colon:]) - len(row[colon:].lstrip()) for row, colon in values}
    assert len(starts) == 1 and starts.pop() >= 2 + LABEL_WIDTH + 1, rows  # every value starts in one column (cells)


def drill_briefing(name: str = "shift-y-errors"):
    """A library drill's cockpit on its briefing, the clock stopped (autoplay off) so the screen is fixed."""
    from rollout.plan import load_plan
    from sim.drill_file import library, load_drill, plan_path
    from sim.drill_run import LibraryDrill
    from tui.drill_app import DrillApp

    path = str(library()[name])
    spec = load_drill(path)
    return DrillApp(LibraryDrill(spec, load_plan(plan_path(path, spec)), 1), name, spec.briefing, autoplay=False)


def test_drill_briefing_ja_80x24(snap_compare, japanese):
    """The drill file's situation in Japanese (the catalog's, sim/drill_texts.py), wrapped by cells inside the box."""
    assert snap_compare(drill_briefing(), terminal_size=(80, 24))
