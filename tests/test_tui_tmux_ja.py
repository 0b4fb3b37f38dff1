"""``LANG=ja_JP.UTF-8 turnout rehearse plans/demo.yml`` in a real terminal (tmux) at 80x24 (issue 14).

The language comes from the locale alone, as an operator's shell gives it (no --lang, no
TURNOUT_LANG), and the pane is read back with capture-pane: the banner says リハーサル, the footer
ロールバック, and every line fits the 80 cells of the terminal by display width (Japanese
characters take two cells: Rich's cell_len, as the terminal counts them). A private tmux server (``-L``,
tests/test_tui_tmux_view.py's fixture), COLUMNS and LINES unset in the pane; ``-u`` makes tmux
treat the pane as UTF-8 whatever the test's own locale is.
"""

from __future__ import annotations

import pytest

import shlex
import subprocess
import sys

from rich.cells import cell_len

from .test_tui_tmux import ROOT
from .test_tui_tmux_view import session, tmux, view_session  # noqa: F401  (the fixture: a private tmux server)
from .tmux_pane import wait_until_shown

pytestmark = pytest.mark.tmux  # drives a terminal in a tmux server (tests/conftest.py groups these)

SIZE = (80, 24)


def utf8(name: str, *args: str) -> list[str]:
    command = tmux(name, *args)
    return [command[0], "-u", *command[1:]]


def screen(name: str) -> str:
    return subprocess.run(utf8(name, "capture-pane", "-p", "-t", session(name)), capture_output=True, text=True,
                          encoding="utf-8", timeout=10).stdout


def wait_for(name: str, *needles: str, timeout: float = 30.0) -> str:
    return wait_until_shown(lambda: screen(name), needles, timeout)


def rehearse_in_japanese(name: str) -> None:
    command = [sys.executable, "-m", "tui.cli", "rehearse", "plans/demo.yml"]
    shell = (f"unset COLUMNS LINES LC_ALL LC_MESSAGES TURNOUT_LANG; export LANG=ja_JP.UTF-8; cd {shlex.quote(str(ROOT))} && "
             f"{shlex.join(command)}; echo EXIT=$?; sleep 30")
    subprocess.run(utf8(name, "new-session", "-d", "-s", session(name), "-x", str(SIZE[0]), "-y", str(SIZE[1]),
                        "-e", "TERM=xterm-256color", "-e", f"PYTHONPATH={ROOT}", shell), check=True, timeout=10)


def test_ja_locale_rehearsal_at_80x24_fits_and_speaks_japanese(view_session):  # noqa: F811
    rehearse_in_japanese(view_session)
    text = wait_for(view_session, "リハーサル", "ロールバック", "手順", "ゲート")
    lines = text.splitlines()
    assert "リハーサル" in lines[0] and "REHEARSAL" not in text, text
    assert "ロールバック" in lines[-1] and "rollback" not in lines[-1], text
    widths = [cell_len(line) for line in lines]
    assert all(0 <= width <= SIZE[0] for width in widths), list(zip(widths, lines))
    assert "\ufffd" not in text, "a character was cut (replacement character on screen)"
    subprocess.run(utf8(view_session, "send-keys", "-t", session(view_session), "?"), check=True, timeout=10)
    help_text = wait_for(view_session, "キー", "パネル")
    assert all(0 <= cell_len(line) <= SIZE[0] for line in help_text.splitlines()), help_text
