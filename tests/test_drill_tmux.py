"""Library drills in a real terminal, from the briefing to the score card, inside tmux at 80x24 (the
helpers are tests/test_tui_tmux.py's). In the first test the trainee is the test: it reads the
briefing, starts the clock, waits for the gates to fail, rolls back and quits. The second opens
every drill of the library, starts its clock and quits at once: each still ends on its card."""

from __future__ import annotations

import json
import shlex
import stat
import subprocess
import sys

import pytest

from sim.drill_file import library

from .test_tui_tmux import ROOT, keys, tmux_session, wait_for  # noqa: F401 (tmux_session is a fixture)

pytestmark = pytest.mark.tmux  # drives a terminal in a tmux server (tests/conftest.py groups these)


def scrolled(session: str) -> str:
    """The pane with its scrollback (a card taller than 24 rows scrolls its top away)."""
    return subprocess.run(["tmux", "capture-pane", "-p", "-J", "-S", "-200", "-t", session], capture_output=True, text=True,
                          timeout=10).stdout


def start(session: str, state_dir, *args: str) -> None:
    """The checkout's own code (PYTHONPATH, ``python -m tui.cli``): a tmux server started earlier keeps
    its own environment, which may not reach this checkout."""
    command = [sys.executable, "-m", "tui.cli", "drill", *args]
    shell = f"cd {shlex.quote(str(ROOT))} && {shlex.join(command)}; echo EXIT=$?; sleep 30"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "80", "-y", "24", "-e", "TERM=xterm-256color",
                    "-e", f"XDG_STATE_HOME={state_dir}", "-e", f"PYTHONPATH={ROOT}", shell], check=True, timeout=10)


def leave_for_the_card(session: str) -> None:
    """From the briefing: start the drill, quit at once (confirming if asked), wait for the card."""
    keys(session, "Enter")
    wait_for(session, "REHEARSAL", "DRILL", timeout=15)
    keys(session, "q")
    if "Quit while" in wait_for(session, "Quit", timeout=10):
        keys(session, "y")
    wait_for(session, "EXIT=", timeout=20)


def test_a_drill_from_briefing_to_score_card_in_tmux(tmux_session, tmp_path):  # noqa: F811
    start(tmux_session, tmp_path, "shift-y-errors", "--seed", "1")
    briefing = wait_for(tmux_session, "DRILL BRIEFING", "Automatic rollback is OFF", "Enter", timeout=30)
    assert "error_rate" not in briefing and "5xx" not in briefing
    keys(tmux_session, "Enter")
    wait_for(tmux_session, "REHEARSAL", "DRILL", timeout=15)
    keys(tmux_session, "+")  # 60x
    wait_for(tmux_session, "FAIL", timeout=60)
    keys(tmux_session, "r")
    wait_for(tmux_session, "Roll back?", timeout=10)
    keys(tmux_session, "y")
    wait_for(tmux_session, "ROLLED BACK", timeout=30)
    keys(tmux_session, "q")
    wait_for(tmux_session, "EXIT=0", timeout=20)
    card = scrolled(tmux_session)
    for needle in ("/100", "hidden fault", "first evidence", "the gates panel", "right call", "--seed 1"):
        assert needle in card, card
    record = tmp_path / "turnout" / "drills.jsonl"
    assert stat.S_IMODE(record.stat().st_mode) == 0o600
    [line] = [json.loads(raw) for raw in record.read_text().splitlines()]
    assert line["drill"] == "shift-y-errors" and line["decision"] == "correct" and line["call"].startswith("rolled back at")
    review = subprocess.run([sys.executable, "-m", "tui.cli", "drill", "--review", line["run_dir"]], capture_output=True,
                            text=True, timeout=60, cwd=ROOT)
    assert review.returncode == 0, review.stderr
    assert "!! FAULT BEGINS" in review.stdout and ">> TRAINEE rollback requested" in review.stdout.lower().replace(
        ">> trainee", ">> TRAINEE"), review.stdout


@pytest.mark.parametrize("name", list(library()))
def test_every_drill_opens_on_its_briefing_and_ends_on_its_card(tmux_session, tmp_path, name):  # noqa: F811
    start(tmux_session, tmp_path, name, "--seed", "2")
    wait_for(tmux_session, "DRILL BRIEFING", name, "Automatic rollback is OFF", timeout=30)
    leave_for_the_card(tmux_session)
    card = scrolled(tmux_session)
    assert "/100" in card and "hidden fault" in card and "replay" in card, card


def test_a_plan_drill_opens_on_a_briefing_that_says_automatic_rollback_is_off(tmux_session, tmp_path):  # noqa: F811
    """Issue 13's check: ``turnout drill plans/demo.yml`` (a traffic fault drawn by the seed) opens on the briefing."""
    start(tmux_session, tmp_path, "plans/demo.yml", "--seed", "3")
    briefing = wait_for(tmux_session, "DRILL BRIEFING", "demo 3.4 to 3.9", "Automatic rollback is OFF", timeout=30)
    assert not any(kind in briefing for kind in ("y_errors", "y_latency", "y_leak"))
    leave_for_the_card(tmux_session)
    assert "hidden fault" in scrolled(tmux_session)
