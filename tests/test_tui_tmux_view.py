"""The cockpit's view in a real terminal (tmux): sizes, whole gate limits, a pause that keeps judging.

``turnout rehearse plans/demo.yml`` runs in tmux at the size under test; keys go in with
``send-keys`` and the screen comes back with ``capture-pane``, as in tests/test_tui_tmux.py, but
on a tmux server of the test's own (``-L``): a shared default server keeps the environment and
window-size options of whoever started it, and the size under test must be exactly the pane's.
The rehearsal's simulated world is used: nothing on the network.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid

import pytest

from .test_tui_tmux import ROOT
from .tmux_pane import wait_until_shown

pytestmark = pytest.mark.tmux  # drives a terminal in a tmux server (tests/conftest.py groups these)

LIMITS = (">= 200 requests on Y", "max 1.00%, Y-X <= 0.50%", "each Y node: node-X <= 0.50%",
          "max 1000ms, <= 1.3x X and +5ms")  # plans/demo.yml's gates, as the gates word them


@pytest.fixture
def view_session():
    """A session on a private tmux server, killed afterwards; without tmux the test skips (fails under CI),
    as tests/test_tui_tmux.py's do."""
    if shutil.which("tmux") is None:
        if os.environ.get("CI"):
            pytest.fail("tmux is missing but CI is set: install tmux (apt-get install -y tmux)")
        pytest.skip("tmux is not installed (apt-get install -y tmux); CI is not set, so this is allowed")
    name = f"turnout-test@{uuid.uuid4().hex[:8]}"
    yield name
    subprocess.run(tmux(name, "kill-server"), capture_output=True, timeout=10)


def tmux(name: str, *args: str) -> list[str]:
    """A tmux command on the private server of the session ``name`` (``session@socket``)."""
    return ["tmux", "-L", f"turnout-view-{name.split('@')[1]}", *args]


def session(name: str) -> str:
    return name.split("@")[0]


def screen(name: str) -> str:
    return subprocess.run(tmux(name, "capture-pane", "-p", "-t", session(name)), capture_output=True, text=True,
                          timeout=10).stdout


def keys(name: str, *sequence: str) -> None:
    subprocess.run(tmux(name, "send-keys", "-t", session(name), *sequence), check=True, timeout=10)


def wait_for(name: str, *needles: str, timeout: float = 20.0) -> str:
    return wait_until_shown(lambda: screen(name), needles, timeout)


def rehearse(name: str, width: int, height: int) -> None:
    """Start the rehearsal of plans/demo.yml in a detached tmux session of ``width`` x ``height``.

    PYTHONPATH is passed to the session itself, so this tree (not another checkout) is the one
    under test. COLUMNS and LINES are unset: the test process may carry them (80 and 24), and
    Textual takes them over the pane's real size."""
    command = [sys.executable, "-m", "tui.cli", "rehearse", "plans/demo.yml"]
    shell = f"unset COLUMNS LINES; cd {shlex.quote(str(ROOT))} && {shlex.join(command)}; echo EXIT=$?; sleep 30"
    subprocess.run(tmux(name, "new-session", "-d", "-s", session(name), "-x", str(width), "-y", str(height),
                        "-e", "TERM=xterm-256color", "-e", f"PYTHONPATH={ROOT}", shell), check=True, timeout=10)


def window_heads(text: str) -> list[str]:
    return re.findall(r"window (\d+:\d\d:\d\d)–(\d+:\d\d:\d\d)", text)


def test_60x15_shows_the_banner_and_the_split(view_session):
    rehearse(view_session, 60, 15)
    text = wait_for(view_session, "REHEARSAL", "SHIFT", "% Y", "set ", "q quit", timeout=30)
    lines = text.splitlines()
    assert "REHEARSAL" in lines[0] and "SHIFT" in lines[0], text
    assert lines[1].lstrip().startswith("X ") and lines[1].rstrip().endswith("Y"), text


def test_below_the_minimum_one_notice_names_the_size(view_session):
    rehearse(view_session, 50, 12)
    text = wait_for(view_session, "needs at least 60x15", timeout=30)
    assert "50x12" in text and "REHEARSAL" not in text, text


def _limits_whole(name: str, width: int, height: int) -> None:
    rehearse(name, width, height)
    wait_for(name, "REHEARSAL", timeout=30)
    keys(name, "+")  # 60x: a gate window every second of wall time
    text = wait_for(name, "PASS", "limit", timeout=40)
    flat = " ".join(text.split())  # a limit may wrap inside its cell, never be cut
    for limit in LIMITS:
        assert limit in flat or limit in text, f"{limit!r} is not whole at {width}x{height}:\n{text}"
    assert "…" not in "\n".join(line for line in text.splitlines() if "<=" in line or ">=" in line), text


def test_80x24_shows_every_gate_limit_whole(view_session):
    _limits_whole(view_session, 80, 24)


def test_160x48_shows_every_gate_limit_whole(view_session):
    _limits_whole(view_session, 160, 48)


def test_paused_the_judged_window_keeps_moving(view_session):
    rehearse(view_session, 100, 30)
    wait_for(view_session, "REHEARSAL", timeout=30)
    keys(view_session, "+")  # 60x
    wait_for(view_session, "PASS", timeout=40)
    keys(view_session, "p")
    paused = wait_for(view_session, "PAUSED", "‖", "resume", timeout=10)
    first = window_heads(paused)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        text = screen(view_session)
        assert "PAUSED" in text, text
        if window_heads(text) and window_heads(text) != first:
            break
        time.sleep(0.3)
    else:
        raise AssertionError(f"paused, no new window was judged in 30 s; the screen showed:\n{screen(view_session)}")
    assert "✗ shift" not in text and "p pause" not in text, text
