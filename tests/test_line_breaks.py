"""Japanese paragraphs broken where Unicode allows (tui/line_breaks.py), by cells; English left to Rich."""

from __future__ import annotations

import io

import pytest
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from tui.line_breaks import Breakable, breakable, wrap

EXPERT = ("レイテンシゲートの不合格(Yの平均がXよりかなり高く、エラーはなく、Yのどのノードも同じ)を見て、説明にあった話と結びつける: "
          "本番前の実行と同じく、3.9では1つのルートが遅い。25%や50%で保留すれば、Xが正常とわかっているのにordersのクライアントを"
          "待たせ続けるので、すぐにrでロールバックする。その後、ピークを外してYのノードで遅いルートを探す: Kongのルートごとのレイテンシ"
          "(routeごとのkong_request_latency_ms)や、ordersのリクエストをYに対して再生して調べる。")
NO_LINE_START = "、。)」:%"  # closing punctuation never begins a line
NO_LINE_END = "(「"  # opening punctuation never ends one


@pytest.mark.parametrize("width", [20, 33, 40, 66, 76])
def test_lines_fit_by_cells_break_at_allowed_places_and_lose_nothing(width):
    lines = wrap(EXPERT, width)
    assert all(cell_len(line) <= width for line in lines), [cell_len(line) for line in lines]
    assert all(line and line[0] not in NO_LINE_START and line[-1] not in NO_LINE_END for line in lines), lines
    assert "".join(lines).replace(" ", "") == EXPERT.replace(" ", ""), "every character kept, none cut"
    for word in ("kong_request_latency_ms", "orders", "3.9", "50%")[width < 30:]:  # 23 cells: folded only when wider than a line
        assert any(word in line for line in lines), (word, lines)  # an ASCII word is never cut in two
    assert sum(cell_len(line) for line in lines[:-1]) >= 0.85 * width * (len(lines) - 1), "lines are filled, not ragged"


def test_newlines_are_kept_and_a_unit_wider_than_the_width_folds_by_cells():
    assert wrap("一行目\n\n三行目", 20) == ["一行目", "", "三行目"]
    assert wrap("kong_request_latency_ms の", 10) == ["kong_reque", "st_latency", "_ms の"]
    assert all(cell_len(line) <= 3 for line in wrap("あいうえお", 3))  # two cells a character: one a line at 3, never half


def test_english_stays_rich_text_and_japanese_wraps_inside_a_table_cell():
    assert isinstance(breakable("roll back within two windows"), Text)
    assert isinstance(breakable(EXPERT), Breakable)
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True)
    grid.add_column()
    grid.add_row("熟練者なら", breakable(EXPERT))
    console = Console(file=io.StringIO(), width=80, color_system=None)
    console.print(grid)
    lines = console.file.getvalue().splitlines()
    assert all(cell_len(line) <= 80 for line in lines) and len(lines) > 3
    assert all(line.startswith(" " * 12) for line in lines[1:]), lines  # the value's column, under its label's width
    assert lines[0].startswith("熟練者なら  ")
    value = lines[0].removeprefix("熟練者なら  ") + "".join(line[12:] for line in lines[1:])
    assert value.replace(" ", "") == EXPERT.replace(" ", "")


@pytest.mark.timeout(20)
@pytest.mark.parametrize("width", [-1, 0, 1])
def test_a_width_below_one_character_still_ends(width):
    assert "".join(wrap("日本語のテキスト", width)) == "日本語のテキスト"
