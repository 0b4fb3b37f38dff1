"""A library drill in a real terminal, from its briefing to its score card: ``turnout drill shift-y-errors``
inside tmux at 80x24 (the helpers are tests/test_tui_tmux.py's). The trainee here is the test: it
reads the briefing, starts the clock, waits for the gates to fail, rolls back and quits."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys

from .test_tui_tmux import ROOT, keys, tmux_session, wait_for  # noqa: F401 (tmux_session is a fixture)


def test_a_drill_from_briefing_to_score_card_in_tmux(tmux_session):  # noqa: F811
    turnout = shutil.which("turnout")
    command = [turnout] if turnout else [sys.executable, "-m", "tui.cli"]
    shell = (f"cd {shlex.quote(str(ROOT))} && {shlex.join(command + ['drill', 'shift-y-errors', '--seed', '1'])}; "
             "echo EXIT=$?; sleep 30")
    subprocess.run(["tmux", "new-session", "-d", "-s", tmux_session, "-x", "80", "-y", "24", "-e", "TERM=xterm-256color",
                    shell], check=True, timeout=10)
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
    card = wait_for(tmux_session, "EXIT=0", timeout=20)
    for needle in ("/100", "hidden fault", "first evidence", "the gates panel", "right call", "--seed 1"):
        assert needle in card, card
