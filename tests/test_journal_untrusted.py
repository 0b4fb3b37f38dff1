"""When the journal cannot be trusted (issue 17): the rollback goes on without it, a journal that
cannot be written holds the run, a signal holds it too, and a run directory others can write is refused.

Against the in-memory world (tests/fake_world.py) and an injected ``OSError(ENOSPC)`` in the
journal's own write; the same paths against a real HAProxy are in tests/test_lab_journal_untrusted.py.
"""

from __future__ import annotations

import asyncio
import errno
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from adapters import emergency
from adapters.control import ControlServer
from adapters.live import LiveConductor, signals_deferred, signals_hold
from adapters.rundir import RunDir, Unsafe
from rollout import events as ev
from rollout import journal as journal_module
from rollout.engine import Engine
from rollout.errors import JournalCorrupt, JournalIOError
from rollout.journal import Journal
from rollout.observations import NodeProbe
from rollout.phases import Phase
from rollout.replay import replay

from .fake_world import FakeLB, fast_world

ROOT = Path(__file__).resolve().parents[1]


class FullDisk:
    """``os`` as rollout.journal sees it, whose ``write`` fails with ENOSPC once ``full`` is set."""

    def __init__(self):
        self.full = False

    def __getattr__(self, name):
        return getattr(os, name)

    def write(self, fd, data):
        if self.full:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return os.write(fd, data)


@pytest.fixture
def disk(monkeypatch) -> FullDisk:
    fake = FullDisk()
    monkeypatch.setattr(journal_module, "os", fake)
    return fake


def corrupt(path: Path) -> None:
    """A byte of the second line changed: the chain breaks there."""
    lines = path.read_bytes().split(b"\n")
    lines[1] = lines[1].replace(b'"at":', b'"ct":', 1)
    path.write_bytes(b"\n".join(lines))


def shifted_journal(tmp_path: Path, world) -> Path:
    """A journal of a run that has 25% on Y, as a crash would leave it."""
    path = tmp_path / "run" / "journal.jsonl"
    journal = Journal(str(path))
    for event in (ev.RunStarted(1.0, world.plan.name, "", "live"), ev.Noted(2.0, "info", "one"), ev.Noted(3.0, "info", "two")):
        journal.append(event)
    journal.close()
    world.lb.weights = (75, 25)
    return path


async def rescue(world, path: Path, problem) -> tuple[bool, list[str]]:
    lines: list[str] = []
    plan_path = ROOT / "tests" / "fake_world.py"  # any file: only its sha256 is journaled
    ok = await emergency.rollback_without_journal(world, str(plan_path), str(path), problem, [], lines.append)
    return ok, lines


# ---------------------------------------------------------------- item 1: rollback without the journal

async def test_a_corrupt_journal_is_moved_aside_and_a_fresh_one_records_the_rollback(tmp_path):
    world = fast_world(tmp_path)
    path = shifted_journal(tmp_path, world)
    corrupt(path)
    with pytest.raises(JournalCorrupt) as problem:
        Journal.read(str(path))
    ok, lines = await rescue(world, path, problem.value)
    assert ok and world.lb.weights == (100, 0) and world.lb.history == [(100, 0)]
    assert lines[0] == f"turnout: {path}:2: {journal_module.CHANGED}; rolling back without the journal, from what the load balancer has"
    assert lines[1] == "turnout: the load balancer has 75% X, 25% Y"
    assert lines[2].startswith(f"turnout: moved the journal aside to {path.parent}/journal.corrupt-")
    assert lines[2].endswith(".jsonl; a fresh journal records this rollback")
    assert lines[3:] == ["turnout: X ready: x1, x2", "turnout: rolled back: the load balancer reads back 100% X, 0% Y"]
    aside = [p for p in path.parent.iterdir() if p.name.startswith("journal.corrupt-")]
    assert len(aside) == 1 and aside[0].read_bytes().count(b"\n") == 3  # kept as it was
    engine = replay(world.plan, Journal.read(str(path)))  # the fresh journal verifies and replays
    assert engine.phase == Phase.ROLLED_BACK and engine.applied == (100, 0)


async def test_a_missing_journal_with_traffic_on_y_rolls_back_and_starts_a_journal(tmp_path):
    world = fast_world(tmp_path)
    world.lb.weights = (75, 25)
    path = tmp_path / "run" / "journal.jsonl"
    ok, lines = await rescue(world, path, JournalIOError(str(path), "no journal"))
    assert ok and world.lb.weights == (100, 0)
    assert "moved" not in "".join(lines)
    assert replay(world.plan, Journal.read(str(path))).phase == Phase.ROLLED_BACK


async def test_no_journal_and_no_traffic_on_y_moves_nothing_and_writes_nothing(tmp_path):
    world = fast_world(tmp_path)
    path = tmp_path / "run" / "journal.jsonl"
    ok, lines = await rescue(world, path, JournalIOError(str(path), "no journal"))
    assert ok and world.lb.history == [] and not path.exists()
    assert lines[-1] == "turnout: nothing to move: the load balancer already sends 100% to X"


async def test_no_ready_x_node_leaves_the_lb_as_it_is_and_says_why(tmp_path):
    world = fast_world(tmp_path)
    path = shifted_journal(tmp_path, world)

    async def not_ready(node):
        return NodeProbe(node.name, True, False, message=f"{node.name}: not ready: 503")
    world.kong.probe = not_ready
    ok, lines = await rescue(world, path, JournalIOError(str(path), "cannot read (Permission denied)"))
    assert not ok and world.lb.history == [] and world.lb.weights == (75, 25)
    assert lines[-1] == ("turnout: not rolled back: no healthy X node to send traffic to "
                         "(x1: not ready: 503; x2: not ready: 503); Y left at 25%")


async def test_only_ready_x_nodes_take_the_traffic(tmp_path):
    world = fast_world(tmp_path)
    path = shifted_journal(tmp_path, world)
    seen = []

    async def x2_down(node):
        return NodeProbe(node.name, node.name != "x2", node.name != "x2", message="x2: unreachable")

    async def set_weights(x, y, healthy):
        seen.append(healthy)
        return await FakeLB.set_weights(world.lb, x, y, healthy)
    world.kong.probe, world.lb.set_weights = x2_down, set_weights
    ok, lines = await rescue(world, path, JournalIOError(str(path), "x"))
    assert ok and seen == [frozenset({"x1", "y1", "y2"})]
    assert "turnout: X ready: x1 (left out: x2)" in lines


async def test_a_full_disk_does_not_stop_the_rollback(tmp_path, disk):
    world = fast_world(tmp_path)
    path = shifted_journal(tmp_path, world)
    disk.full = True
    ok, lines = await rescue(world, path, JournalIOError(str(path), "cannot append (No space left on device)"))
    assert ok and world.lb.weights == (100, 0)
    assert lines[2] == f"turnout: cannot journal the rollback ({path}: cannot append (No space left on device)); going on without it"
    assert len(Journal.read(str(path))) == 3  # unchanged: the failed line was taken back


async def test_an_unreadable_lb_is_still_sent_to_x_and_a_failed_set_says_so(tmp_path):
    world = fast_world(tmp_path)
    path = shifted_journal(tmp_path, world)
    world.lb.fail = True

    async def unreadable():
        from rollout.errors import Unreachable
        raise Unreachable("haproxy /x.sock", "get weight", "No such file or directory")
    world.lb.get_weights = unreadable
    ok, lines = await rescue(world, path, JournalIOError(str(path), "x"))
    assert not ok
    assert lines[1].startswith("turnout: cannot read the load balancer's weights (haproxy /x.sock: get weight: unreachable")
    assert lines[-1] == ("turnout: not rolled back: haproxy /nonexistent.sock: set weight: unreachable: No such file or "
                         "directory; the load balancer left as it is")


# ---------------------------------------------------------------- item 2: a journal that cannot be written holds

async def test_a_full_disk_mid_shift_holds_the_run_without_acting(tmp_path, disk):
    world = fast_world(tmp_path)
    path = tmp_path / "j.jsonl"
    journal = Journal(str(path))
    conductor = LiveConductor(Engine(world.plan), world, journal, first=[ev.RunStarted(world.runtime.now(), "fast plan")])
    stopped = []
    conductor.on_stopped = lambda: stopped.append(conductor.engine.phase)

    def observer(engine, commands):
        if engine.applied == (90, 10):
            disk.full = True  # the next event (a window, a timer) cannot be journaled
    conductor.observer = observer
    engine = await asyncio.wait_for(conductor.run(), 10)
    journal.close()
    assert stopped == [Phase.SHIFT] and engine.phase == Phase.SHIFT
    assert isinstance(conductor.journal_failure, JournalIOError)
    assert str(conductor.journal_failure) == f"{path}: cannot append (No space left on device)"
    assert world.lb.history == [(90, 10)] and world.lb.weights == (90, 10)  # left as it is
    disk.full = False
    rebuilt = replay(world.plan, Journal.read(str(path)))  # readable; and it is exactly what the engine was fed
    assert rebuilt.snapshot() == engine.snapshot()


class HalfwayLB(FakeLB):
    """An LB whose change takes a while, and a hang-up (SIGHUP) that arrives as the change starts."""

    def __init__(self):
        super().__init__(delay=0.3)
        self.conductor: LiveConductor | None = None

    async def set_weights(self, x, y, healthy):
        if (x, y) != (100, 0):
            asyncio.get_running_loop().call_soon(self.conductor.interrupt, "SIGHUP")
        return await super().set_weights(x, y, healthy)


async def test_a_load_balancer_change_under_way_when_the_run_stops_is_finished_not_cut(tmp_path):
    """HAProxy takes one ``set weight`` per server: a change cancelled halfway would leave a split
    no step planned. Stopping (a signal, a hold, a journal that cannot be written) waits for it;
    the resume reads the weights back."""
    lb = HalfwayLB()
    world = fast_world(tmp_path, lb)
    journal = Journal(str(tmp_path / "j.jsonl"))
    conductor = lb.conductor = LiveConductor(Engine(world.plan), world, journal,
                                             first=[ev.RunStarted(world.runtime.now(), "fast plan")])
    engine = await asyncio.wait_for(conductor.run(), 10)
    journal.close()
    assert conductor.stopped_by == "stopped by SIGHUP" and engine.phase == Phase.SHIFT
    assert world.lb.weights == (90, 10) and world.lb.history == [(90, 10)]  # finished, though the run had stopped
    assert engine.applied != (90, 10)  # the engine never heard: the resume reconciles from the LB


def test_a_rehearsal_whose_journal_fails_ends_held(tmp_path, disk):
    from sim.session import Rehearsal

    world = fast_world(tmp_path)
    session = Rehearsal(world.plan, journal_path=str(tmp_path / "j.jsonl"))
    disk.full = True
    record = session.run_to_end()
    assert session.driver.journal_failure is not None and session.engine.phase == Phase.NEW
    assert record.timeline[-1].event.startswith(f"held: {tmp_path / 'j.jsonl'}: cannot append (No space left on device)")


# ---------------------------------------------------------------- item 3: signals hold the run

async def test_sigterm_is_journaled_and_holds_the_run_where_it_is(tmp_path):
    world = fast_world(tmp_path)
    path = tmp_path / "j.jsonl"
    journal = Journal(str(path))
    conductor = LiveConductor(Engine(world.plan), world, journal, first=[ev.RunStarted(world.runtime.now(), "fast plan")])

    def observer(engine, commands):
        if engine.applied == (90, 10) and not conductor.stopped_by:
            os.kill(os.getpid(), signal.SIGTERM)
    conductor.observer = observer
    with signals_hold(conductor):
        engine = await asyncio.wait_for(conductor.run(), 10)
    journal.close()
    assert conductor.stopped_by == "stopped by SIGTERM" and engine.phase == Phase.SHIFT
    assert world.lb.weights == (90, 10)
    events = Journal.read(str(path))
    assert events[-1] == ev.Noted(events[-1].at, "warn", "stopped by SIGTERM")
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # given back after the run


async def test_a_signal_before_the_opening_events_journals_nothing_out_of_order(tmp_path):
    world = fast_world(tmp_path)
    journal = Journal(str(tmp_path / "j.jsonl"))
    conductor = LiveConductor(Engine(world.plan), world, journal, first=[ev.RunStarted(world.runtime.now(), "fast plan")])
    conductor.interrupt("SIGHUP")
    await asyncio.wait_for(conductor.run(), 10)
    journal.close()
    assert conductor.stopped_by == "stopped by SIGHUP" and conductor.engine.phase == Phase.NEW
    assert Journal.read(str(tmp_path / "j.jsonl")) == [] and world.lb.history == []


async def test_a_hang_up_during_an_emergency_rollback_waits_for_it_to_finish(tmp_path):
    """SIGHUP (the SSH session gone) while the LB is being sent back to X: the rollback still
    completes, and the signal is handed to the caller afterwards instead of killing the process."""
    world = fast_world(tmp_path)
    path = shifted_journal(tmp_path, world)
    corrupt(path)
    with pytest.raises(JournalCorrupt) as problem:
        Journal.read(str(path))
    world.lb.delay = 0.2
    asyncio.get_running_loop().call_later(0.05, os.kill, os.getpid(), signal.SIGHUP)
    with signals_deferred() as received:
        ok, lines = await rescue(world, path, problem.value)
    assert received == ["SIGHUP"] and ok and world.lb.weights == (100, 0)
    assert lines[-1] == "turnout: rolled back: the load balancer reads back 100% X, 0% Y"
    assert signal.getsignal(signal.SIGHUP) == signal.SIG_DFL  # given back afterwards


# ---------------------------------------------------------------- item 4: no stale control socket

async def test_a_stale_control_socket_is_replaced_and_removed_at_the_end(tmp_path):
    path = str(tmp_path / "control.sock")
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(path)
    stale.close()  # a conductor killed by -9: the file stays, nobody listens
    server = ControlServer(None, path)
    await server.start()
    with socket.socket(socket.AF_UNIX) as probe:
        probe.connect(path)
    await server.close()
    assert not os.path.exists(path)


# ---------------------------------------------------------------- item 5: a run directory others can write

@pytest.mark.parametrize("mode, who", [(0o777, "everyone"), (0o770, "its group"), (0o1777, "everyone")])
def test_a_run_directory_others_can_write_is_refused(tmp_path, mode, who):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    run_dir.chmod(mode)
    with pytest.raises(Unsafe) as exc:
        RunDir(str(run_dir)).lock()
    assert str(exc.value) == (f"{run_dir}: writable by {who} (mode {mode:o}); its journal decides what traffic does, "
                              f"so it must be yours alone: chmod go-w {run_dir}")


def test_a_journal_others_can_write_is_refused_and_a_private_directory_is_taken(tmp_path):
    run = RunDir(str(tmp_path / "run"))
    run.check_private()
    Path(run.journal_path).write_text("")
    os.chmod(run.journal_path, 0o666)
    with pytest.raises(Unsafe, match="journal.jsonl: writable by everyone"):
        run.lock()


def test_turnout_run_refuses_a_world_writable_run_dir_in_one_line(tmp_path):
    plan = tmp_path / "plan.yml"
    plan.write_text(journal_plan())
    run_dir = tmp_path / "shared"
    run_dir.mkdir()
    run_dir.chmod(0o777)
    for extra in ((), ("--detach",)):
        done = subprocess.run([sys.executable, "-m", "tui.cli", "run", str(plan), "--headless", "--run-dir", str(run_dir),
                               *extra], capture_output=True, text=True, cwd=ROOT, timeout=60)
        assert done.returncode == 2, done.stderr
        assert done.stderr.splitlines() == [f"{run_dir}: writable by everyone (mode 777); its journal decides what "
                                            f"traffic does, so it must be yours alone: chmod go-w {run_dir}"]
    assert os.listdir(run_dir) == []


def journal_plan() -> str:
    from .fake_world import FAST_PLAN
    return FAST_PLAN

