"""The cockpit's start and stop flows in a real terminal (tmux) on the lab: a real HAProxy in front of
the Kong node emulator, under background load from its own process.

- live start: ``turnout run lab/plan.yml`` opens on the plan summary and HAProxy keeps Y's weights
  at 0 (and the journal stays empty) until ``s`` then ``y``; then the first step shifts 5%;
- rollback: ``r`` then ``y`` sends 100% to X;
- quit summary: after quitting, the outcome and the weights read back from HAProxy stay on the
  terminal, with the journal and the command to go on.

Every wait is bounded; the lab and the tmux session are stopped in finalizers.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import subprocess
import uuid

import pytest

from lab.control import haproxy_weights, y_share
from rollout.journal import Journal
from tests.lab_drill import turnout_argv

from .lab_support import busy_lab  # noqa: F401
from .test_tui_tmux import keys, shown, tmux_session, wait_for  # noqa: F401

pytestmark = [pytest.mark.tmux, pytest.mark.lab, pytest.mark.timeout(150)]


def open_cockpit(lab, session: str) -> tuple[str, str]:
    """``turnout run lab/plan.yml`` in a 100x30 tmux pane; returns (the exit marker, the run's journal)."""
    cwd = os.path.dirname(lab.dir)
    mark = f"EXIT-{uuid.uuid4().hex[:8]}"
    command = shlex.join(turnout_argv("run", lab.plan, "--run-dir", ".turnout/flow"))
    # The tmux server may be older than this test (and its environment another's): pass PYTHONPATH on.
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "100", "-y", "30", "-e", "TERM=xterm-256color",
                    "-e", f"PYTHONPATH={os.environ.get('PYTHONPATH', '')}", f"cd {shlex.quote(cwd)} && {command}; echo {mark}=$?; sleep 60"], check=True, timeout=10)
    return mark, os.path.join(cwd, ".turnout", "flow", "journal.jsonl")


async def share(lab) -> float:
    return y_share(await haproxy_weights(lab), lab)


async def until_share(lab, target: float, timeout: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if abs(await share(lab) - target) < 0.5:
            return
        await asyncio.sleep(0.1)
    pytest.fail(f"{target}% on Y never reached within {timeout:g}s (now {await share(lab)}%)")


def journaled(path: str) -> list:
    return Journal.read(path) if os.path.exists(path) else []


async def test_live_start_waits_for_s_y_then_r_y_rolls_back_and_the_summary_stays(busy_lab, tmux_session):
    lab = busy_lab
    mark, journal = open_cockpit(lab, tmux_session)
    summary = await asyncio.to_thread(wait_for, tmux_session, "not started", "first", "freeze config writes", timeout=30)
    assert shown("then shift 5% to Y", summary)
    for _ in range(10):  # three seconds on the plan summary: nothing moves, nothing is journaled
        assert await share(lab) == 0.0 and journaled(journal) == []
        await asyncio.sleep(0.3)
    keys(tmux_session, "s")
    await asyncio.to_thread(wait_for, tmux_session, "Start the rollout?", timeout=10)
    assert await share(lab) == 0.0 and journaled(journal) == [], "the confirm itself changes nothing"
    keys(tmux_session, "y")
    await until_share(lab, 5.0, 60)
    assert type(journaled(journal)[0]).__name__ == "RunStarted"
    keys(tmux_session, "r")
    await asyncio.to_thread(wait_for, tmux_session, "Roll back?", timeout=10)
    keys(tmux_session, "y")
    await until_share(lab, 0.0, 20)
    await asyncio.to_thread(wait_for, tmux_session, "ROLLED BACK", timeout=20)
    keys(tmux_session, "q")  # finished: quits at once
    text = await asyncio.to_thread(wait_for, tmux_session, f"{mark}=1", timeout=20)
    assert shown("turnout: rolled back: requested by operator", text)
    assert shown("load balancer: X 100% / Y 0% (read back from the load balancer)", text)
    assert shown("journal: .turnout/flow/journal.jsonl", text)
    assert shown("next: Y 3.9.1 still deployed", text) and shown("config writes still frozen", text)
    assert "ROLLED BACK" not in text, "the cockpit's screen is gone; the summary is what remains"


async def test_quitting_a_held_run_leaves_outcome_weights_and_the_commands_on_the_terminal(busy_lab, tmux_session):
    lab = busy_lab
    mark, _ = open_cockpit(lab, tmux_session)
    await asyncio.to_thread(wait_for, tmux_session, "not started", timeout=30)
    keys(tmux_session, "s")
    await asyncio.to_thread(wait_for, tmux_session, "Start the rollout?", timeout=10)
    keys(tmux_session, "y")
    await until_share(lab, 5.0, 60)
    keys(tmux_session, "q")
    await asyncio.to_thread(wait_for, tmux_session, "Quit while the rollout is running?", timeout=10)
    keys(tmux_session, "y")
    text = await asyncio.to_thread(wait_for, tmux_session, f"{mark}=1", timeout=20)
    held = await share(lab)
    assert held in (5.0, 25.0), "quitting leaves the load balancer as it is"
    assert shown("turnout: held at shift with", text)
    assert shown(f"load balancer: X {100 - held:g}% / Y {held:g}% (read back from the load balancer)", text)
    assert shown(f"resume: turnout run {lab.plan} --run-dir .turnout/flow --resume", text)
    assert shown(f"roll back: turnout run {lab.plan} --run-dir .turnout/flow --rollback", text)
