"""A finished run is not restarted by accident, and a lost journal does not go unnoticed (adapters/new_run.py).

Runs are conducted through ``LiveRun`` against tests/fake_world.py (``build_world`` is swapped for
it), so the lifecycle is the production one; the command-line tests run ``turnout run`` and
``turnout attach`` as a user does, over a journal such a run left. The lab test with a real
HAProxy is tests/test_lab_new_run.py.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

import adapters.world
from adapters.new_run import command, what_happened
from adapters.run import Intent, LiveRun, Refused, Rescued
from rollout import events as ev
from rollout.errors import Unreachable
from rollout.journal import Journal
from rollout.phases import Phase
from rollout.plan import load_plan
from rollout.replay import replay
from tui.detach import _child_argv
from tui.headless import HeadlessOperator

from .fake_world import FAST_PLAN, FakeLB, fast_world

ROOT = Path(__file__).resolve().parents[1]
LB_COMMAND = '{type: command, set_weights: "false", get_weights: "false"}\nmetrics: {source: prometheus, url: "http://127.0.0.1:9", queries: {requests: r, errors: e}}'


@pytest.fixture(autouse=True)
def lock_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TURNOUT_LOCK_DIR", str(tmp_path / "locks"))


@pytest.fixture
def plan_path(tmp_path) -> str:
    # A command LB: its lock is keyed by the template, so no load balancer has to answer for the
    # lock (the fake world stands in for it; an HAProxy nobody serves would be refused at the lock).
    path = tmp_path / "fast.yml"
    path.write_text(FAST_PLAN.replace("{type: haproxy, socket: /nonexistent.sock, backend: kong}", LB_COMMAND))
    return str(path)


def use_world(monkeypatch, tmp_path, lb: FakeLB, y_error_rate: float = 0.0):
    """``LiveRun.open`` builds this fake world instead of the real adapters."""
    world = fast_world(tmp_path, lb)
    world.metrics.y_error_rate = y_error_rate
    monkeypatch.setattr(adapters.world, "build_world", lambda plan, run_dir: world)
    return world


async def open_run(plan_path: str, run_dir: str, intent: Intent = Intent()) -> LiveRun:
    return await LiveRun.open(load_plan(plan_path), plan_path, run_dir, intent)


async def conduct(plan_path: str, run_dir: str, intent: Intent = Intent()) -> tuple[Phase, str]:
    """Open and conduct a run headless with auto-approve, as ``turnout run --headless --auto-approve``; the printed lines."""
    out = io.StringIO()
    run = await open_run(plan_path, run_dir, intent)
    try:
        operator = HeadlessOperator(auto_approve=True, stream=out)
        conductor = run.conductor(observer=operator.observe, on_idle=operator.idle)
        operator.operate(conductor)
        await asyncio.wait_for(conductor.run(), 10)
    finally:
        run.close()
    return run.engine.phase, out.getvalue()


@pytest.fixture(params=[(0.0, Phase.DONE), (0.4, Phase.ROLLED_BACK)], ids=["completed", "rolled_back"])
async def finished(request, tmp_path, monkeypatch, plan_path):
    """A run directory whose run finished (completed, or rolled back by its gates); the LB at 100% X."""
    y_error_rate, phase = request.param
    lb = FakeLB()
    use_world(monkeypatch, tmp_path, lb, y_error_rate)
    run_dir = str(tmp_path / "run")
    assert (await conduct(plan_path, run_dir))[0] == phase
    if phase == Phase.DONE:
        lb.weights = (100, 0)  # the next rollout of the same pools starts from X again
    return run_dir, phase, lb


def listing(run_dir: str) -> list[str]:
    return sorted(n for n in os.listdir(run_dir) if n.startswith("journal"))


# ---------------------------------------------------------------- a finished run

async def test_a_finished_run_is_refused_in_one_line_and_its_journal_is_untouched(finished, plan_path):
    run_dir, phase, lb = finished
    journal = os.path.join(run_dir, "journal.jsonl")
    before = Path(journal).read_bytes()
    engine = replay(load_plan(plan_path), Journal.read(journal))
    with pytest.raises(Refused) as exc:
        await open_run(plan_path, run_dir)
    line = str(exc.value)
    assert line == (f"turnout: the run in {run_dir} {what_happened(engine)}; its journal stays at {journal}. "
                    f"Start a new run with: turnout run {plan_path} --run-dir {run_dir} --new-run "
                    "(the journal is then archived)")
    assert "\n" not in line and (" UTC" in line)
    assert ("completed at " if phase == Phase.DONE else "rolled back at ") in line
    if phase == Phase.ROLLED_BACK:
        assert f"({engine.reason})" in line and engine.reason
    assert Path(journal).read_bytes() == before and listing(run_dir) == ["journal.jsonl"]
    moved = list(lb.history)
    with pytest.raises(Refused):
        await open_run(plan_path, run_dir, Intent(rollback=True))  # --rollback does not restart it either
    assert lb.history == moved, "a refusal never touches the load balancer"


async def test_with_new_run_the_journal_is_archived_and_a_new_run_starts(finished, plan_path):
    run_dir, phase, lb = finished
    old = Path(run_dir, "journal.jsonl").read_bytes()
    new_phase, printed = await conduct(plan_path, run_dir, Intent(new_run=True))
    archives = [n for n in listing(run_dir) if n != "journal.jsonl"]
    assert len(archives) == 1 and Path(run_dir, archives[0]).read_bytes() == old
    assert f"a new run: the finished run's journal is archived as {os.path.join(run_dir, archives[0])}" in printed
    events = Journal.read(os.path.join(run_dir, "journal.jsonl"))
    assert isinstance(events[0], ev.RunStarted) and isinstance(events[1], ev.Noted)
    assert new_phase == phase  # the same world again: the fake Y still fails, or still passes


async def test_new_run_over_an_unfinished_run_is_refused(tmp_path, monkeypatch, plan_path):
    """A new run would abandon a run in progress (Y's share, a config freeze): finish or roll it back first."""
    lb = FakeLB()
    lb.fail = True  # the first weight change fails: the run holds mid-shift
    use_world(monkeypatch, tmp_path, lb)
    run_dir = str(tmp_path / "run")
    run = await open_run(plan_path, run_dir)
    conductor = run.conductor(on_idle=lambda: conductor.engine.phase == Phase.PAUSED and conductor.stop())
    await asyncio.wait_for(conductor.run(), 10)
    run.close()
    with pytest.raises(Refused) as exc:
        await open_run(plan_path, run_dir, Intent(new_run=True))
    assert str(exc.value) == (f"turnout: the run in {run_dir} has not finished (at paused); --new-run starts a new run "
                              f"only after one finished. Resume it with: turnout run {plan_path} --run-dir {run_dir} "
                              "--resume, or roll it back with --rollback")
    assert listing(run_dir) == ["journal.jsonl"]


# ---------------------------------------------------------------- a fresh run: the LB must be at 100% X

async def test_a_fresh_run_refuses_while_y_has_weight_and_changes_nothing(tmp_path, monkeypatch, plan_path):
    lb = FakeLB()
    lb.weights = (75, 25)
    use_world(monkeypatch, tmp_path, lb)
    run_dir = str(tmp_path / "run")
    with pytest.raises(Refused) as exc:
        await open_run(plan_path, run_dir)
    assert str(exc.value) == ("turnout: the load balancer has X 75% / Y 25%, not 100% on X: a run may have been in "
                              "progress and its journal lost; nothing was changed. Bring traffic back to X with: "
                              f"turnout run {plan_path} --run-dir {run_dir} --rollback")
    assert lb.weights == (75, 25) and lb.history == []
    assert not os.path.exists(os.path.join(run_dir, "journal.jsonl"))
    with pytest.raises(Refused, match="X 75% / Y 25%"):  # the refusal gave the locks back
        await open_run(plan_path, run_dir, Intent(resume=True))


async def test_new_run_needs_the_lb_at_100_x_too_and_keeps_the_finished_journal(finished, plan_path):
    run_dir, _, lb = finished
    lb.weights = (95, 5)  # someone moved it after the run finished
    with pytest.raises(Refused, match=r"X 95% / Y 5%.*--rollback$"):
        await open_run(plan_path, run_dir, Intent(new_run=True))
    assert listing(run_dir) == ["journal.jsonl"], "refused: nothing archived"


async def test_rollback_without_a_journal_is_not_refused_by_the_check(tmp_path, monkeypatch, plan_path):
    """``--rollback`` is where the refusal points: the check must not stand in its way. Without a
    journal it rolls back from what the load balancer has (adapters/emergency.py)."""
    lb = FakeLB()
    lb.weights = (75, 25)
    use_world(monkeypatch, tmp_path, lb)
    with pytest.raises(Rescued) as rescued:
        await open_run(plan_path, str(tmp_path / "run"), Intent(rollback=True))
    assert rescued.value.rolled_back and lb.weights == (100, 0)


class UnreadableLB(FakeLB):
    async def get_weights(self):
        raise Unreachable("haproxy /nonexistent.sock", "get weight", "No such file or directory")


async def test_weights_that_cannot_be_read_leave_the_run_to_its_own_commands(tmp_path, monkeypatch, plan_path):
    use_world(monkeypatch, tmp_path, UnreadableLB())
    run = await open_run(plan_path, str(tmp_path / "run"))
    try:
        assert isinstance(run.first[0], ev.RunStarted)
    finally:
        run.close()


# ---------------------------------------------------------------- the commands

def turnout(cwd, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})


async def test_turnout_run_on_a_finished_run_exits_2_with_the_line(finished, plan_path, tmp_path):
    run_dir, _, _ = finished
    before = Path(run_dir, "journal.jsonl").read_bytes()
    for extra in ([], ["--detach"]):
        done = turnout(tmp_path, "run", plan_path, "--headless", "--run-dir", run_dir, *extra)
        assert done.returncode == 2, done.stderr
        assert f"turnout: the run in {run_dir} " in done.stderr and "--new-run (the journal is then archived)" in done.stderr
        assert "Traceback" not in done.stderr and done.stdout == ""
    assert Path(run_dir, "journal.jsonl").read_bytes() == before and listing(run_dir) == ["journal.jsonl"]


async def test_turnout_run_new_run_archives_and_starts_a_new_run(finished, plan_path, tmp_path):
    """The plan's LB (a socket nobody serves) cannot be read, so the new run starts and its preflight
    halts it on nodes nobody serves: what matters is the archive and the new journal."""
    run_dir, _, _ = finished
    done = turnout(tmp_path, "run", plan_path, "--headless", "--run-dir", run_dir, "--new-run")
    archives = [n for n in listing(run_dir) if n != "journal.jsonl"]
    assert len(archives) == 1 and os.path.join(run_dir, archives[0]) in done.stdout, done.stdout + done.stderr
    assert isinstance(Journal.read(os.path.join(run_dir, "journal.jsonl"))[0], ev.RunStarted)
    assert "Traceback" not in done.stderr


def test_a_signal_while_the_run_opens_is_held_to_after_the_open_and_then_stops_the_run(tmp_path, monkeypatch, plan_path,
                                                                                      capsys):
    """SIGTERM during LiveRun.open (lock, journal, reconcile) does not kill the process halfway:
    the open finishes, nothing is conducted, and the operator is told how to go on."""
    import signal

    from tui.cli import main

    world = use_world(monkeypatch, tmp_path, FakeLB())
    real_open = LiveRun.open.__func__

    async def open_with_a_signal(cls, *args, **kwargs):
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.sleep(0.05)  # the signal is delivered here, in the middle of the opening
        return await real_open(cls, *args, **kwargs)
    monkeypatch.setattr(LiveRun, "open", classmethod(open_with_a_signal))
    assert main(["run", plan_path, "--headless", "--run-dir", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err
    assert "SIGTERM arrived while the run was opening; nothing was conducted" in err
    assert f"turnout run {plan_path} --resume" in err and world.lb.history == []
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


def test_new_run_with_resume_or_rollback_is_refused(plan_path, tmp_path):
    for flag in ("--resume", "--rollback"):
        done = turnout(tmp_path, "run", plan_path, "--headless", "--new-run", flag)
        assert done.returncode == 2 and "--new-run starts a new run" in done.stderr
    assert not (tmp_path / ".turnout").exists()


def test_detach_passes_new_run_to_its_conductor():
    args = argparse.Namespace(plan="p.yml", run_dir=None, auto_approve=False, resume=False, rollback=False, new_run=True)
    assert _child_argv(args, "d")[-1] == "--new-run"


async def test_attach_on_a_finished_run_says_what_happened(finished, plan_path, tmp_path):
    run_dir, _, _ = finished
    engine = replay(load_plan(plan_path), Journal.read(os.path.join(run_dir, "journal.jsonl")))
    done = turnout(tmp_path, "attach", plan_path, "--run-dir", run_dir)
    assert done.returncode == 2
    assert done.stderr.strip() == (f"turnout attach: the run in {run_dir} {what_happened(engine)}; its journal is "
                                   f"{run_dir}/journal.jsonl. Start a new run with: turnout run {plan_path} "
                                   f"--run-dir {run_dir} --new-run")


def test_attach_with_no_run_still_says_no_conductor_answers(plan_path, tmp_path):
    done = turnout(tmp_path, "attach", plan_path)
    assert done.returncode == 2 and "no conductor answers" in done.stderr and "--detach" in done.stderr


async def test_on_a_terminal_the_refusal_comes_before_the_cockpit_opens(finished, plan_path, tmp_path):
    """``turnout run`` on a terminal (the TUI path): the same line, and no cockpit drawn (no escape sequence)."""
    run_dir, _, _ = finished
    primary, secondary = os.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "tui.cli", "run", plan_path, "--run-dir", run_dir],
                              stdin=secondary, stdout=secondary, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                              timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT), "TERM": "xterm"})
        os.close(secondary)
        drawn = b""
        while chunk := _read_some(primary):
            drawn += chunk
    finally:
        os.close(primary)
    assert done.returncode == 2 and done.stderr.startswith(f"turnout: the run in {run_dir} "), done.stderr
    assert done.stderr.count("\n") == 1 and "\x1b[" not in done.stderr + drawn.decode(errors="replace"), \
        "the cockpit (Textual draws on stderr) never opened"


def _read_some(fd: int) -> bytes:
    try:
        return os.read(fd, 4096)
    except OSError:  # EIO: the terminal's other side is closed and drained
        return b""


def test_the_command_it_points_at_is_quoted_and_names_only_a_run_dir_of_ones_own(plan_path):
    plan = load_plan(plan_path)
    assert command(plan, "my plans/p.yml", ".turnout/fast-plan", "--new-run") == "turnout run 'my plans/p.yml' --new-run"
    assert command(plan, "p.yml", "runs/a b", "--rollback") == "turnout run p.yml --run-dir 'runs/a b' --rollback"
