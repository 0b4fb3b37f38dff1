"""The real thing in a real terminal: ``turnout rehearse plans/demo.yml`` inside tmux at 80x24.

Keys go in with ``send-keys``; the screen comes back with ``capture-pane -p``. Every wait is
bounded and the tmux session is killed in a finalizer. The rehearsal's simulated world is
used (no Kong-shaped server, nothing on the network). Without tmux the test skips, unless
CI is set: there it must run.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from .tmux_pane import wait_until_shown

pytestmark = pytest.mark.tmux  # drives a terminal in a tmux server (tests/conftest.py groups these)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def tmux_session():
    if shutil.which("tmux") is None:
        if os.environ.get("CI"):
            pytest.fail("tmux is missing but CI is set: install tmux (apt-get install -y tmux)")
        pytest.skip("tmux is not installed (apt-get install -y tmux); CI is not set, so this is allowed")
    name = f"turnout-test-{uuid.uuid4().hex[:8]}"
    yield name
    subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True, timeout=10)


def screen(name: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", name], capture_output=True, text=True, timeout=10).stdout


def wait_for(name: str, *needles: str, timeout: float = 20.0) -> str:
    return wait_until_shown(lambda: screen(name), needles, timeout)


def shown(needle: str, text: str) -> bool:
    """``needle`` on the pane, whatever the terminal's wrapping did to it (whitespace is ignored)."""
    return "".join(needle.split()) in "".join(text.split())


def keys(name: str, *sequence: str) -> None:
    subprocess.run(["tmux", "send-keys", "-t", name, *sequence], check=True, timeout=10)


def test_rehearse_demo_in_tmux_80x24(tmux_session):
    turnout = shutil.which("turnout")
    command = [turnout] if turnout else [sys.executable, "-m", "tui.cli"]
    shell = f"cd {shlex.quote(str(ROOT))} && {shlex.join(command + ['rehearse', 'plans/demo.yml'])}; echo EXIT=$?; sleep 30"
    subprocess.run(["tmux", "new-session", "-d", "-s", tmux_session, "-x", "80", "-y", "24", "-e", "TERM=xterm-256color",
                    shell], check=True, timeout=10)
    first = wait_for(tmux_session, "REHEARSAL", "x1", "y3", "procedure", timeout=30)
    assert "LIVE" not in first
    keys(tmux_session, "+")  # 60x: a gate window every second of wall time
    judged = wait_for(tmux_session, "PASS", "observed Y", timeout=30)
    assert "set 100/0" not in judged, "traffic has moved to Y before the gates judged"
    keys(tmux_session, "r")
    wait_for(tmux_session, "Roll back?", timeout=10)
    keys(tmux_session, "Enter")
    # The event log may draw a frame after the banner: wait for its line too, not just the banner.
    wait_for(tmux_session, "ROLLED BACK", "X 100%", "set 100/0", "rolled back: 100% on X", timeout=20)
    keys(tmux_session, "q")  # finished: quits at once, exit 1 (rolled back)
    text = wait_for(tmux_session, "EXIT=1", timeout=15)
    # The exit summary stays on the terminal: the outcome, the (simulated) weights, how to go again.
    assert shown("turnout: rolled back: requested by operator", text)
    assert shown("load balancer: X 100% / Y 0% (the simulated load balancer; nothing real was touched)", text)
    assert shown("rehearse again: turnout rehearse plans/demo.yml --seed 0", text)
