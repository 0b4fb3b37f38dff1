"""An SSH drop in the middle of a live rollout: the LIVE cockpit runs `turnout run` in a real
terminal (tmux), the terminal goes away (tmux kill-session: SIGHUP, as when sshd loses the
client), and the same plan run again resumes from the journal and completes.

Talks to the Kong node emulator (lab/emulator) through a real HAProxy on loopback, under
real HTTP load; every wait is bounded and the lab and tmux are stopped in finalizers.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import subprocess

import pytest

from lab.control import haproxy_weights, y_share
from rollout import events as ev
from rollout.journal import Journal
from tests.lab_drill import Observed, finish_run, start_run, turnout_argv

from .lab_support import lab  # noqa: F401
from .test_tui_tmux import screen, tmux_session, wait_for  # noqa: F401

pytestmark = [pytest.mark.lab, pytest.mark.timeout(120)]
RPS = 600.0


def holder_pid(run_dir: str) -> int | None:
    """The pid written in the run directory's lock file, when a live process still has it."""
    try:
        pid = int(open(os.path.join(run_dir, "lock")).read().strip())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


async def until(condition, timeout: float, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if await condition():
            return
        await asyncio.sleep(0.1)
    pytest.fail(f"{what}: not within {timeout:g}s")


async def test_ssh_drop_in_the_live_cockpit_loses_nothing(lab, tmux_session):
    cwd = os.path.dirname(lab.dir)
    run_dir = os.path.join(cwd, ".turnout", "lab-rollout")
    command = shlex.join(turnout_argv("run", lab.plan, "--auto-approve", "--run-dir", run_dir))
    async with Observed(lab, RPS) as observed:
        subprocess.run(["tmux", "new-session", "-d", "-s", tmux_session, "-x", "80", "-y", "24", "-e", "TERM=xterm-256color",
                        f"cd {shlex.quote(cwd)} && {command}"], check=True, timeout=10)
        await asyncio.to_thread(wait_for, tmux_session, "LIVE", "x1", "y3", timeout=30)

        async def at_25():
            return abs(y_share(await haproxy_weights(lab), lab) - 25.0) < 0.5
        await until(at_25, 40, "25% on Y in the live cockpit")
        pid = holder_pid(run_dir)
        assert pid is not None, "the live run holds its run directory's lock"
        subprocess.run(["tmux", "kill-session", "-t", tmux_session], check=True, timeout=10)  # the terminal is gone

        async def gone():
            return holder_pid(run_dir) is None
        await until(gone, 15, f"turnout (pid {pid}) to end with its terminal")
        held = y_share(await haproxy_weights(lab), lab)
        note = Journal.read(os.path.join(run_dir, "journal.jsonl"))[-1]
        code, summary, err = await finish_run(await start_run(lab, "--run-dir", run_dir))
        report, _ = await observed.finish()
    assert held == pytest.approx(25.0, abs=0.5), "HAProxy kept the weights while nobody was attached"
    assert note == ev.Noted(note.at, "warn", "stopped by SIGHUP"), "the hang-up is journaled before the conductor leaves"
    assert "resuming the run" in err, err[-800:]
    assert code == 0 and summary["outcome"] == "completed", err[-800:]
    assert report.failed == 0, f"{report.failed} failed: {report.http_errors} {report.socket_errors}"
