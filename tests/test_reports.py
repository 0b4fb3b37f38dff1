"""Reports (issue 11, items 4-6): ``turnout rehearse --report`` and ``turnout report RUN_DIR``.

The HTML is rendered in headless Chromium (tests/report_support.py): the charts must be drawn
(SVG with paths) and the page must not be blank; nothing may be fetched from the network.
Markdown carries the same numbers as tables. A live run's report is checked on a journal whose
RunStarted is a live one (the plan found by its sha256); tests/test_lab_report.py does it on a
real lab run.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rollout import events as ev
from rollout.journal import Journal, load
from rollout.plan import load_plan
from sim.scenario import load_scenario
from sim.session import Rehearsal
from tests.report_support import charts_in, colours_in, fetches_in, render
from tui.reports.build import monte_carlo_report, run_report
from tui.reports.card import MonteCarlo
from tui.reports.markdown import render_markdown
from tui.reports.story import story_of
from tui.reports.verdict import monte_carlo_verdict

ROOT = Path(__file__).resolve().parent.parent
DEMO, ERRORS = "plans/demo.yml", "plans/scenarios/error_rate.yml"


def turnout(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=240)


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, Path]:
    """One rehearsal and a 40-run Monte Carlo of the demo plan with a failing Y node, each as HTML and Markdown."""
    out = tmp_path_factory.mktemp("reports")
    made = {}
    for name, extra in (("one", ["--headless"]), ("many", ["--runs", "40"])):
        for fmt in ("html", "md"):
            path = out / f"{name}.{fmt}"
            done = turnout("rehearse", DEMO, "--scenario", ERRORS, "--seed", "3", *extra, "--report", str(path))
            assert done.returncode == 1, done.stderr[-800:]  # rolled back: the fault is caught
            assert f"report: {path}" in done.stderr
            made[f"{name}.{fmt}"] = path
    return made


@pytest.mark.parametrize("name", ["one", "many"])
def test_the_html_report_is_one_self_contained_page_with_three_charts(reports, name):
    html = reports[f"{name}.html"].read_text()
    assert html.startswith("<!DOCTYPE html>") and "@media print" in html and 'name="viewport"' in html
    assert fetches_in(html) == [] and "<script" not in html
    assert charts_in(html) >= 3


@pytest.mark.parametrize("name", ["one", "many"])
def test_headless_chromium_renders_the_charts_and_the_page_is_not_blank(reports, name, tmp_path):
    dom, shot = render(tmp_path, reports[f"{name}.html"])
    assert charts_in(dom) >= 3, dom[:2000]
    assert "demo 3.4 to 3.9" in dom
    assert colours_in(shot) > 16, "the screenshot is (nearly) one colour: a blank page"


def test_one_runs_report_says_what_stopped_it_and_shows_every_window(reports):
    md = reports["one.md"].read_text()
    verdict = md.splitlines()[2]
    assert verdict.startswith("**The rehearsal in y2 error rate from 4m rolled back:") and "25% on Y" in verdict
    assert "| end | Y % seen | verdict |" in md and "| 5m00s |" in md and "| fail |" in md
    assert "### What stopped the run" in md and "error_rate" in md
    assert "| 3 | 50 | 5m00s | asked |" in md  # the plan's steps
    assert "| error_rate | 1.00% | +0.50% | yes |" in md  # the plan's gates
    assert "backup verified: x1 sha256" in md  # the timeline


def test_monte_carlo_report_has_the_card_and_the_caught_at_step_tables(reports):
    md = reports["many.md"].read_text()
    assert "caught in 100.0% of 40 runs" in md.splitlines()[2]
    assert "| runs | 40 |" in md and "| completed / rolled back / halted | 0 / 40 / 0 |" in md
    assert "### Caught at each step" in md and "| 25 | 40 |" in md and "| 5 | 0 |" in md


def test_a_healthy_monte_carlo_reports_its_false_rollbacks(tmp_path):
    md = tmp_path / "aa.md"
    done = turnout("rehearse", DEMO, "--scenario", "plans/scenarios/aa.yml", "--runs", "3", "--report", str(md))
    assert done.returncode == 0, done.stderr[-800:]
    assert md.read_text().splitlines()[2].startswith("**A healthy Y (") and "rolled back in 0.0% of 3 runs" in md.read_text()


def test_a_report_file_that_is_neither_html_nor_markdown_is_refused(tmp_path):
    done = turnout("rehearse", DEMO, "--headless", "--report", str(tmp_path / "x.pdf"))
    assert done.returncode == 2 and "--report writes FILE.html or FILE.md" in done.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_newer_monte_carlo_keys_light_up_the_verdict_and_tables():
    """The keys issue 11 item 2 adds (read when present): intervals, false rollbacks, blast radius."""
    card = {"runs": 300, "outcomes": {"completed": 8, "rolled_back": 292, "halted": 0}, "p_detect": 0.9733,
            "p_detect_ci": [0.948, 0.988], "time_to_detect_s": {"p50": 190.0, "p95": 400.0},
            "bad_requests": {"mean": 50.0, "p95": 120.0}, "duration_s": {"p50": 600.0, "p95": 900.0},
            "blast_radius": {"failed": {"mean": 50.0, "p50": 41, "p95": 120, "max": 300},
                             "slow": {"mean": 3.0, "p50": 0, "p95": 10, "max": 40}},
            "detection_step": {"5": 200, "25": 92}, "seed": 7, "drawn": [{"rate": 0.05, "node": "y2"}],
            "plan": {"name": "demo", "sha256": "ab" * 32}, "versions": {"turnout": "0.1.0", "python": "3.11"}}
    mc = MonteCarlo(card, "demo in ranged", "a 2-12% error regression on one Y node", True, (41,), (190.0,), card["detection_step"])
    assert monte_carlo_verdict(mc) == ("a 2-12% error regression on one Y node: caught in 97.3% of 300 runs "
                                       "(95% CI 94.8-98.8%), after a median 3m10s and 41 failed requests.")
    md = render_markdown(monte_carlo_report(mc, load_plan(DEMO), with_charts=False))
    assert "| slow | 3.0 | 0 | 10 | 40 |" in md and '| 0 | {"node": "y2", "rate": 0.05} |' in md and "| seed | 7 |" in md
    healthy = MonteCarlo(dict(card, false_rollback={"count": 1, "rate": 0.0033, "ci": [0.0, 0.018]}), "demo", "aa", False, (), (), {})
    assert monte_carlo_verdict(healthy) == "A healthy Y (aa) is rolled back in 0.3% of 300 runs (95% CI 0.0-1.8%): 1 false rollbacks."


def test_without_matplotlib_the_html_report_says_how_to_get_it(monkeypatch):
    plan = load_plan(DEMO)
    story = story_of(plan, _rehearsal_events(plan))
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    report = run_report(story, "the rehearsal")
    assert report.charts == [] and "pip install 'turnout[report]'" in report.note


def _rehearsal_events(plan, tmp: Path | None = None) -> list:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        path = str(Path(d) / "journal.jsonl")
        Rehearsal(plan, load_scenario(ERRORS, plan), seed=1, journal_path=path).run_to_end()
        return load(path).events


@pytest.fixture
def live_run_dir(tmp_path) -> Path:
    """A run directory as ``turnout run plans/demo.yml`` leaves it beside ``plans/``: a live RunStarted
    naming the plan file's sha256, then a run's events (the rehearsal's, as the engine replays either)."""
    shutil.copytree(ROOT / "plans", tmp_path / "plans")
    plan_path = tmp_path / "plans" / "demo.yml"
    events = _rehearsal_events(load_plan(str(plan_path)))
    sha = hashlib.sha256(plan_path.read_bytes()).hexdigest()
    run_dir = tmp_path / ".turnout" / "demo"
    run_dir.mkdir(parents=True)
    journal = Journal(str(run_dir / "journal.jsonl"))
    for event in [ev.RunStarted(1764400000.0, "demo 3.4 to 3.9", sha, "live")] + [
            type(e)(**{**e.__dict__, "at": e.at + 1764400000.0}) for e in events[1:]]:
        journal.append(event)
    journal.close()
    return run_dir


def test_turnout_report_finds_the_plan_by_its_sha256_and_writes_both_formats(live_run_dir, tmp_path):
    html, md = tmp_path / "run.html", tmp_path / "run.md"
    done = turnout("report", str(live_run_dir), "--html", str(html), "--md", str(md), cwd=tmp_path / ".turnout")
    assert done.returncode == 0, done.stderr
    text = md.read_text()
    assert text.splitlines()[2].startswith("**The live run rolled back:")
    assert "2025-11-29 07:06:40 UTC" in text  # a live run's times carry the wall clock
    assert charts_in(html.read_text()) >= 3


def test_turnout_report_without_a_file_prints_markdown(live_run_dir):
    done = turnout("report", str(live_run_dir), "--plan", str(live_run_dir.parent.parent / "plans" / "demo.yml"))
    assert done.returncode == 0 and done.stdout.startswith("# demo 3.4 to 3.9: the live run")


def test_a_corrupt_journal_is_one_line_and_exit_2(live_run_dir):
    journal = live_run_dir / "journal.jsonl"
    lines = journal.read_text().splitlines(keepends=True)
    lines[3] = lines[3].replace('"at":', '"at":1', 1)
    journal.write_text("".join(lines))
    done = turnout("report", str(live_run_dir))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [f"{journal}:4: checksum does not match (the line was changed, or a line before "
                                        "it was removed, added or reordered)"]


def test_no_plan_found_names_the_plan_and_asks_for_it(live_run_dir):
    (live_run_dir.parent.parent / "plans" / "demo.yml").write_text("# changed\n")
    done = turnout("report", str(live_run_dir), cwd=live_run_dir)  # not the repository, whose plans/demo.yml matches
    assert done.returncode == 2 and "'demo 3.4 to 3.9'" in done.stderr and "--plan PLAN" in done.stderr
