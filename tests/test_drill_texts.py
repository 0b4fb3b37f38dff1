"""A drill file's own texts in Japanese (issue 14, sim/drill_texts.py): extracted into the catalog by a Babel
extraction method, translated where they are shown (``--list``, the briefing, the score card), and an
operator's own drill file, which the catalog does not know, shown as written.

Layout is measured in cells (Rich's cell_len): a Japanese character takes two.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from rich.cells import cell_len
from rich.console import Console

from rollout import events as ev
from rollout import i18n
from rollout.plan import load_plan
from sim.drill_file import library, load_drill, plan_path
from sim.drill_run import LibraryDrill
from sim.drill_calls import score_call
from sim.drill_texts import drill_text, extract_drill
from tui.drill_card import print_card

from .drill_operators import careful

ROOT = Path(__file__).resolve().parent.parent
DRILLS = library()
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
OWN_DRILL = """\
name: my-own-drill
summary: "Our own shift, with our own words."
trains: shift
plan: {plan}
briefing: |
  Our team's own drill: the shift begins,
  and nobody translated this.
reveal: "Y answers 4% with 5xx, a fault we wrote ourselves"
faults:
  - {{phase: shift, fault: {{kind: error_rate, pool: y, rate: 0.04, from: 1m}}}}
calls:
  - {{call: roll_back, phase: shift, within: 2m, points: 100,
     why: "roll back (r): our own words for the call"}}
expert: >-
  Our expert rolls back at once,
  in words of our own.
"""


@pytest.fixture
def japanese():
    i18n.set_language("ja")
    yield
    i18n.set_language(None)


@pytest.fixture
def own_drill(tmp_path) -> Path:
    """A drill file an operator wrote: in a directory named drills, beside nothing of the library."""
    path = tmp_path / "drills" / "my-own-drill.yml"
    path.parent.mkdir()
    path.write_text(OWN_DRILL.format(plan=ROOT / "plans" / "demo.yml"))
    return path


def test_the_extractor_yields_each_text_with_its_line_and_a_translators_comment(own_drill):
    found = list(extract_drill(io.BytesIO(own_drill.read_bytes()), ["_", "N_"], ["TRANSLATORS:"], {}))
    assert [(line, funcname) for line, funcname, _text, _comments in found] == [(2, None), (5, None), (8, None), (13, None),
                                                                                 (14, None)]
    spec = load_drill(str(own_drill))
    assert [text for _line, _f, text, _c in found] == [spec.summary, spec.briefing, spec.reveal, spec.calls[0].why, spec.expert]
    assert spec.briefing == "Our team's own drill: the shift begins,\nand nobody translated this.\n"  # the msgid keeps the block's breaks
    assert spec.expert == "Our expert rolls back at once, in words of our own."  # a folded scalar is one line
    comments = [c for _line, _f, _text, c in found]
    assert comments[0] == ["TRANSLATORS: drill my-own-drill, summary: one line of turnout drill --list, never the fault"]
    assert comments[3][0].startswith("TRANSLATORS: drill my-own-drill, calls.0.why: ")
    assert comments[4][0].startswith("TRANSLATORS: drill my-own-drill, expert: ")


def test_the_extractor_runs_through_babel_and_skips_a_file_that_does_not_parse(tmp_path):
    """babel.cfg names it ``sim.drill_texts:extract_drill``, as Babel resolves a method given by reference."""
    assert "drill = sim.drill_texts:extract_drill" in (ROOT / "babel.cfg").read_text()
    path = str(DRILLS["shift-y-errors"])
    spec = load_drill(path)
    found = list(extract_from_file("sim.drill_texts:extract_drill", path, comment_tags=("TRANSLATORS:",)))
    assert [message for _line, message, _comments, _context in found] == [spec.summary, spec.briefing, spec.reveal,
                                                                         spec.calls[0].why, spec.expert]
    broken = tmp_path / "broken.yml"
    broken.write_text("summary: [unclosed\n")
    assert list(extract_from_file(extract_drill, str(broken))) == []


def test_every_library_text_has_a_japanese_translation_in_the_glossarys_words(japanese):
    words = {"briefing": 0, "translated": 0}
    for path in DRILLS.values():
        spec = load_drill(str(path))
        for text in (spec.summary, spec.briefing, spec.reveal, spec.expert, *(c.why for c in spec.calls)):
            shown = drill_text(text)
            assert shown != text and JAPANESE.search(shown), text
            words["translated"] += 1
        words["briefing"] += "クラスター" in drill_text(spec.briefing) or "ステージングテスト" in drill_text(spec.briefing) or \
            "トラフィックの転送" in drill_text(spec.briefing)
    assert words["translated"] > 70 and words["briefing"] >= 12, words
    assert "宣言型構成 (kong.yml) のバックアップ" in drill_text(load_drill(str(DRILLS["backup-unreadable"])).briefing)
    assert "コントロールプレーン" in drill_text(load_drill(str(DRILLS["deploy-dp-out-of-sync"])).briefing)
    assert "ロードバランサー" in drill_text(load_drill(str(DRILLS["shift-lb-ignores-weights"])).briefing)
    assert "構成の更新を停止" in drill_text(load_drill(str(DRILLS["freeze-config-write"])).briefing)
    assert "廃止" in drill_text(load_drill(str(DRILLS["decommission-y-crash"])).briefing)
    assert drill_text("") == "", "never the catalog's header"


def test_turnout_drill_list_in_japanese_shows_the_translated_summaries():
    run = lambda *flags: subprocess.run([sys.executable, "-m", "tui.cli", "drill", "--list", *flags], capture_output=True,  # noqa: E731
                                        text=True, timeout=60, cwd=ROOT)
    english, japanese = run("--lang", "en"), run("--lang", "ja")
    assert english.returncode == japanese.returncode == 0, japanese.stderr
    lines = japanese.stdout.splitlines()
    assert [line.split()[0] for line in lines] == list(DRILLS) == [line.split()[0] for line in english.stdout.splitlines()]
    try:
        i18n.set_language("ja")
        for line, path in zip(lines, DRILLS.values()):
            spec = load_drill(str(path))
            assert line.endswith(" " + drill_text(spec.summary)) and JAPANESE.search(line), line
            assert spec.summary not in line and spec.reveal not in line and drill_text(spec.reveal) not in line
    finally:
        i18n.set_language(None)


def opened(path: Path, seed: int = 1) -> LibraryDrill:
    spec = load_drill(str(path))
    return LibraryDrill(spec, load_plan(plan_path(str(path), spec)), seed)


def inside(lines: list[str]) -> str:
    """The briefing box's text, borders and spaces removed (what a reader reads, however it wrapped)."""
    return "".join("".join(line.strip().strip("█▀▄▂ ").split()) for line in lines)


async def briefing_lines(path: Path, size: tuple[int, int]) -> list[str]:
    from tui.drill_app import DrillApp
    from tui.screens.briefing import BriefingScreen

    app = DrillApp(opened(path), path.stem, load_drill(str(path)).briefing, autoplay=False)
    async with app.run_test(size=size) as pilot:
        await pilot.pause(0.3)
        assert isinstance(app.screen, BriefingScreen)
        return [strip.text for strip in app.screen._compositor.render_strips()]


@pytest.mark.parametrize("name", ["shift-y-errors", "backup-unreadable", "deploy-dp-out-of-sync"])
async def test_the_japanese_briefing_shows_the_translated_situation_within_80x24_by_cells(japanese, name):
    lines = await briefing_lines(DRILLS[name], (80, 24))
    assert len(lines) == 24 and all(cell_len(line) == 80 for line in lines), [cell_len(line) for line in lines]
    situation = drill_text(load_drill(str(DRILLS[name])).briefing)
    assert JAPANESE.search(situation)
    assert "".join(situation.split()) in inside(lines), "every character of the situation, none cut"
    assert "訓練の説明:" + name in inside(lines) and "Enterで時計を開始" in "".join(lines)


async def test_an_operators_own_drill_shows_its_own_words_in_japanese(japanese, own_drill):
    lines = await briefing_lines(own_drill, (80, 24))
    assert "Ourteam'sowndrill:theshiftbegins,andnobodytranslatedthis." in inside(lines)
    assert "訓練の説明:my-own-drill" in inside(lines), "the fixed texts around it are still translated"
    spec = load_drill(str(own_drill))
    assert [drill_text(t) for t in (spec.summary, spec.reveal, spec.expert)] == [spec.summary, spec.reveal, spec.expert]
    card = careful(opened(own_drill))
    console = Console(file=io.StringIO(), width=80, color_system=None)
    print_card(card, "demo", "turnout drill my-own-drill --seed 1", console=console)
    text = "".join(console.file.getvalue().split())
    assert all("".join(t.split()) in text for t in (spec.reveal, spec.calls[0].why, spec.expert)) and "隠れた障害" in text


def test_the_card_in_japanese_translates_the_drills_texts_and_keeps_its_json():
    path = DRILLS["healthy-slow-upstream"]
    english = careful(opened(path))
    try:
        i18n.set_language("ja")
        japanese_card = careful(opened(path))
        console = Console(file=io.StringIO(), width=80, color_system=None)
        print_card(japanese_card, "demo", "turnout drill healthy-slow-upstream --seed 1", console=console)
        lines = console.file.getvalue().splitlines()
        spec = load_drill(str(path))
        shown = "".join("".join(lines).split())
        for text in (spec.reveal, spec.expert, *(c.why for c in spec.calls)):
            assert "".join(drill_text(text).split()) in shown, text
    finally:
        i18n.set_language(None)
    assert all(cell_len(line) <= 80 for line in lines), [cell_len(line) for line in lines]
    assert json.dumps(japanese_card, sort_keys=True) == json.dumps(english, sort_keys=True)
    assert japanese_card["fault"]["description"] == spec.reveal and japanese_card["expert"] == spec.expert


def test_the_scorers_reasons_stay_english_on_the_card_and_read_in_japanese_on_screen():
    """A missed roll back: the card (JSON) keeps the scorer's English reason, the screen says it in Japanese."""
    path = DRILLS["healthy-slow-upstream"]
    card = careful(opened(path))
    call = next(c for c in load_drill(str(DRILLS["shift-y-errors"])).calls if c.call == "roll_back")
    scored = score_call(call, onset=60.0, evidence=None, moves=[], outcome="completed")
    assert scored["reasons"] == ["you never rolled back: the faulty Y reached 100%"]
    card["calls"][0]["reasons"] = scored["reasons"]
    try:
        i18n.set_language("ja")
        console = Console(file=io.StringIO(), width=80, color_system=None)
        print_card(card, "demo", "turnout drill healthy-slow-upstream --seed 1", console=console)
    finally:
        i18n.set_language(None)
    shown = "".join(console.file.getvalue().split())
    assert "ロールバックしなかった:障害のあるYが100%に達した" in shown and "youneverrolledback" not in shown


def test_the_history_says_the_call_again_in_japanese_and_lines_up_by_cells(japanese):
    """The record keeps English words (a fact); the listing says them in the reader's language."""
    from tui.drill_history import entry, history_text

    card = {"points": {"total": 100}, "decision": "correct", "seed": 1, "rollback_at_s": 185.0, "outcome": "rolled_back"}
    held = card | {"points": {"total": 10}, "decision": "undecided", "rollback_at_s": None, "outcome": "halted"}
    lines = [entry(card, "shift-y-errors"), entry(held, "shift-y-slower")]
    assert [line["call"] for line in lines] == ["rolled back at 3m05s", "left it halted"]
    rows = history_text(lines).splitlines()
    assert rows[0].split() == ["日時", "訓練", "得点", "判断"]
    assert rows[1].endswith("3m05s にロールバックしました (正しい判断)") and rows[2].endswith("中断のまま (判断なし)"), rows
    starts = {cell_len(row[:row.index(word)]) for row, word in zip(rows, ("判断", "3m05s", "中断"))}
    assert len(starts) == 1, rows  # the call column starts in one cell column under a Japanese header


def test_the_review_reveals_the_fault_in_the_drills_japanese_words(japanese):
    from tui.drill_review import review_lines

    path = DRILLS["shift-y-errors"]
    card = careful(opened(path))
    lines = review_lines([], card)
    reveal = drill_text(load_drill(str(path)).reveal)
    assert any(line.endswith("  !! 障害発生 (訓練者には非表示): " + reveal) for line in lines), lines
    started = ev.RunStarted(at=0.0, plan_name="demo", plan_sha256="0" * 64, world="sim")
    assert any(line.endswith("demo' の実行を開始しました (sim)") for line in review_lines([started], card)), lines


def test_a_plan_drills_situation_and_its_fault_in_japanese(japanese):
    """``turnout drill PLAN``: the situation and the ``--fault`` descriptions are the code's own (``N_``)."""
    from sim.drill import DRILL_FAULTS, Drill
    from tui.cmd_drill import PLAN_BRIEFING
    from tui.screens.briefing import BriefingScreen

    assert "模擬の世界" in BriefingScreen("demo", PLAN_BRIEFING).text()
    drill = Drill(load_plan(str(ROOT / "plans" / "demo.yml")), seed=3, kind="y_errors")
    drill.advance(600.0)
    card = drill.scorecard()
    assert card["fault"]["description"] == DRILL_FAULTS["y_errors"][0] == "Y answered 3% of requests with 5xx"
    console = Console(file=io.StringIO(), width=80, color_system=None)
    print_card(card, "demo", "turnout drill plans/demo.yml --seed 3 --fault y_errors", console=console)
    assert "隠れた障害  Yがリクエストの3%に5xxを返した (y_errors)" in console.file.getvalue()
