"""The drill library (plans/drills, sim/drill_file.py, sim/drill_run.py, sim/drill_calls.py): every drill
loads, the library covers every phase, and the two scripted trainees of tests/drill_operators.py score
as a careful and a careless operator should, on every drill, driven headlessly through the Rehearsal API."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from rollout.plan import load_plan
from sim.drill_file import PHASES, library, load_drill, plan_path
from sim.drill_run import LibraryDrill
from tui.drill_card import print_card

from .drill_operators import careful, careless

DRILLS = library()


def opened(name: str, seed: int) -> LibraryDrill:
    path = str(DRILLS[name])
    spec = load_drill(path)
    return LibraryDrill(spec, load_plan(plan_path(path, spec)), seed)


def test_the_library_covers_every_phase_with_two_healthy_drills():
    specs = [load_drill(str(p)) for p in DRILLS.values()]
    assert len(specs) >= 12
    assert {s.trains for s in specs} == set(PHASES)
    healthy = [s for s in specs if any(c.call == "continue" for c in s.calls)]
    assert len(healthy) >= 2
    for spec in specs:
        assert spec.name == Path(DRILLS[spec.name]).stem
        for kind in {f.fault.kind for f in spec.faults}:
            assert kind not in spec.summary and kind.replace("_", " ") not in spec.summary


def test_turnout_drill_list_prints_names_and_summaries_never_the_fault():
    run = subprocess.run([sys.executable, "-m", "tui.cli", "drill", "--list"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert [line.split()[0] for line in lines] == list(DRILLS)
    for line, path in zip(lines, DRILLS.values()):
        assert load_drill(str(path)).reveal not in line


@pytest.mark.parametrize("name", list(DRILLS))
@pytest.mark.parametrize("seed", [1, 7])
def test_careful_scores_at_least_90_and_careless_at_most_40(name, seed):
    good = careful(opened(name, seed))
    bad = careless(opened(name, seed))
    assert good["points"]["total"] >= 90, good
    assert bad["points"]["total"] <= 40, bad
    assert good["decision"] == "correct" and bad["decision"] != "correct"
    reasons = [r for c in bad["calls"] for r in c["reasons"]]
    assert reasons, "the careless card says why it lost its points"
    assert good["evidence"] is not None and good["evidence"]["panel"] in ("gates", "nodes", "log")


def test_the_same_seed_replays_the_same_drill():
    a, b = careful(opened("shift-y-errors", 5)), careful(opened("shift-y-errors", 5))
    assert a == b
    assert careful(opened("shift-y-errors", 6))["fault"]["onset_s"] != a["fault"]["onset_s"]


def _render(card: dict, width: int) -> str:
    out = io.StringIO()
    print_card(card, "demo 3.4 to 3.9", "turnout drill shift-y-slower --seed 1", console=Console(file=out, width=width, color_system=None))
    return out.getvalue()


def test_the_card_names_fault_evidence_calls_and_counts_slow_requests():
    card = careless(opened("shift-y-slower", 1))
    assert card["slow_requests"] > 1000, "a slower Y left in place serves thousands of slow requests"
    text = _render(card, 100)
    for needle in ("hidden fault", "first evidence", "the gates panel", "right call: roll back", "your call",
                   f"slow {card['slow_requests']}", "an expert", "--seed 1"):
        assert needle in text, needle


def test_the_card_wraps_between_words():
    card = careless(opened("healthy-slow-upstream", 1))
    text = _render(card, 60)
    assert max(len(line) for line in text.splitlines()) <= 60
    words = set(re.findall(r"[A-Za-z]{4,}", text))
    source = " ".join([card["expert"], card["fault"]["description"]] + [c["why"] for c in card["calls"]])
    for word in re.findall(r"[A-Za-z]{4,}", source):
        assert word in words, f"{word!r} was cut across lines"


def test_a_bad_drill_file_is_one_line_per_problem_and_exit_2(tmp_path):
    drills = tmp_path / "drills"
    drills.mkdir()
    bad = drills / "bad.yml"
    bad.write_text("name: bad\nsummary: s\ntrains: shift\nbriefing: b\nreveal: r\nexpert: e\nplan: /work/none.yml\n"
                   "calls:\n  - {call: roll_back, phase: shift, within: 2m, points: 100, why: w}\n"
                   "faults:\n  - {phase: shift, fault: {kind: crash, nod: y1}}\n")
    run = subprocess.run([sys.executable, "-m", "tui.cli", "drill", str(bad)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.strip().splitlines() == [f"{bad}:11: faults.0.fault.nod: unknown key (not allowed here)"] or \
        all(line.startswith(f"{bad}:") for line in run.stderr.strip().splitlines()), run.stderr


async def test_the_drill_opens_on_its_briefing_and_the_clock_waits_for_enter():
    from tui.drill_app import DrillApp
    from tui.screens.briefing import BriefingScreen
    from tui.screens.main import MainScreen

    drill = opened("shift-y-errors", 1)
    drill.speed = 60.0
    app = DrillApp(drill, "shift-y-errors", load_drill(str(DRILLS["shift-y-errors"])).briefing)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        assert isinstance(app.screen, BriefingScreen)
        text = app.screen.text()
        assert "Automatic rollback is OFF" in text and "r roll back" in text and "error_rate" not in text
        assert drill.now == 0.0, "the clock waits while the trainee reads the briefing"
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, MainScreen) and drill.now > 0.0


def test_the_history_lists_drills_taken_private_and_without_the_fault(tmp_path, monkeypatch):
    from tui.drill_history import append, entry, history_path, history_text, read

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    card = careful(opened("shift-y-errors", 1))
    append(entry(card, "shift-y-errors"))
    append(entry(careless(opened("shift-y-errors", 1)), "shift-y-errors"))
    path = history_path()
    assert path == tmp_path / "turnout" / "drills.jsonl" and oct(path.stat().st_mode & 0o777) == "0o600"
    lines = read()
    assert [(line["score"], line["decision"]) for line in lines] == [(100, "correct"), (10, "undecided")]
    assert "error_rate" not in path.read_text() and "5xx" not in path.read_text(), "the record never names the hidden fault"
    run = subprocess.run([sys.executable, "-m", "tui.cli", "drill", "--history"], capture_output=True, text=True,
                         timeout=60, env={**__import__("os").environ, "XDG_STATE_HOME": str(tmp_path)})
    assert run.returncode == 0 and run.stdout.strip() == history_text(lines)
    assert "shift-y-errors" in run.stdout and "rolled back at" in run.stdout and "left it halted" in run.stdout


def test_a_journaled_drill_is_reviewed_with_the_fault_revealed_and_the_trainees_acts_marked(tmp_path):
    from tui.drill_review import review, save_card

    path = str(DRILLS["shift-y-errors"])
    spec = load_drill(path)
    drill = LibraryDrill(spec, load_plan(plan_path(path, spec)), 1, journal_path=str(tmp_path / "journal.jsonl"))
    card = careful(drill)
    save_card(tmp_path, card, drill.plan)
    assert oct((tmp_path / "card.json").stat().st_mode & 0o777) == "0o600"
    lines = review(str(tmp_path))
    text = "\n".join(lines)
    assert lines[0].startswith("review of drill shift-y-errors (seed 1): 100/100, correct")
    onset = next(i for i, line in enumerate(lines) if "FAULT BEGINS" in line and spec.reveal in line)
    seen = next(i for i, line in enumerate(lines) if "FIRST EVIDENCE in the gates panel" in line)
    acted = next(i for i, line in enumerate(lines) if ">> TRAINEE" in line and "rollback" in line.lower())
    assert onset < seen < acted, text
    assert any("log error: gates failing, automatic rollback is off" in line for line in lines[seen:acted]), text
    run = subprocess.run([sys.executable, "-m", "tui.cli", "drill", "--review", str(tmp_path)], capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0 and run.stdout.splitlines() == lines


@pytest.mark.parametrize("size", [(60, 15), (80, 24), (160, 48)])
async def test_the_briefing_shows_how_to_start_at_every_size(size):
    """The start line is docked: at 60x15 the text scrolls, the way to start stays on screen."""
    from tui.drill_app import DrillApp

    drill = opened("shift-y-errors", 1)
    app = DrillApp(drill, "shift-y-errors", load_drill(str(DRILLS["shift-y-errors"])).briefing)
    async with app.run_test(size=size) as pilot:
        await pilot.pause(0.3)
        text = re.sub(r"<[^>]+>", "", app.export_screenshot()).replace("&#160;", " ")
        assert "DRILL BRIEFING" in text and "Press Enter to start the clock" in text
        if size[0] >= 80:
            assert "Automatic rollback is OFF" in text


def _journaled(tmp_path, name: str, operator) -> tuple:
    from tui.drill_review import read_run, save_card

    path = str(DRILLS[name])
    spec = load_drill(path)
    drill = LibraryDrill(spec, load_plan(plan_path(path, spec)), 1, journal_path=str(tmp_path / "journal.jsonl"))
    save_card(tmp_path, operator(drill), drill.plan)
    return read_run(str(tmp_path))


async def test_the_review_replays_in_the_cockpit_with_the_fault_revealed(tmp_path):
    from tui.app import TurnoutApp
    from tui.drill_replay import ReplayConductor
    from tui.widgets import Banner

    from .test_tui_keys import shown

    card, events, plan = _journaled(tmp_path, "shift-y-errors", careful)
    replay = ReplayConductor(plan, events, card)
    app = TurnoutApp(replay, autoplay=True)
    async with app.run_test(size=(100, 30)) as pilot:
        replay.speed = float("inf")
        await pilot.pause(0.5)
        assert "REVIEW" in shown(app.screen.query_one(Banner))
        await pilot.press("r")  # the trainee's keys do nothing to a review
    replay.advance(10_000.0)
    snap = replay.snapshot()
    assert replay.finished and snap.phase.value == card["outcome"] == "rolled_back"
    lines = [e.message for e in snap.log]
    begins = next(i for i, m in enumerate(lines) if m.startswith("!! FAULT BEGINS"))
    seen = next(i for i, m in enumerate(lines) if m.startswith("!! FIRST EVIDENCE in the gates panel"))
    acted = next(i for i, m in enumerate(lines) if m.startswith(">> TRAINEE: rollback requested"))
    assert begins < seen < acted
    assert sum(m.startswith(">> TRAINEE") for m in lines) == 1, "one act: the rollback (the replay's own r was dropped)"


def test_a_drills_run_is_rendered_as_a_report(tmp_path):
    _journaled(tmp_path, "shift-y-errors", careful)
    run = subprocess.run([sys.executable, "-m", "tui.cli", "report", str(tmp_path), "--plan", str(tmp_path / "plan.json")],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and run.stderr == "", run.stderr  # no "sha256 differs": plan.json is the plan the drill ran
    assert "rolled back" in run.stdout and "| world | rehearsal |" in run.stdout
