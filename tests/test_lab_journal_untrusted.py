"""When the journal cannot be trusted, against a real HAProxy (issue 17): `turnout run` as a user runs it.

- a corrupt journal, or none at all, and ``--rollback`` still brings Y to 0 in HAProxy, from
  what HAProxy has (adapters/emergency.py), and says so in a line per outcome;
- a full disk mid-shift (the run directory on a tiny tmpfs) holds the run with the weights
  unchanged and no traceback; ``--rollback`` on the still-full disk brings Y to 0, and once
  there is space the journal catches up;
- SIGTERM mid-shift (headless, ``--serve`` and the cockpit in a real terminal) leaves the
  weights, journals a note, says how to go on, removes the control socket; ``--resume`` completes.

Nothing printed shows the lab's key. Every wait is bounded; the lab, mounts and tmux are
undone in finalizers.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import signal
import socket
import subprocess
import uuid

import pytest

from lab.control import haproxy_weights, y_share
from lab.procs import is_zombie
from rollout import events as ev
from rollout.journal import Journal
from tests.lab_drill import Observed, finish_run, start_run, turnout_argv

from .lab_support import lab  # noqa: F401
from .test_lab_rollout import _wait_for_share
from .test_tui_tmux import tmux_session, wait_for  # noqa: F401

pytestmark = [pytest.mark.lab, pytest.mark.timeout(120)]
RPS = 300.0


def run_dir_of(lab) -> str:
    """The lab plan's default run directory (``.turnout/<plan name>``), once a run has made it."""
    top = os.path.join(os.path.dirname(lab.dir), ".turnout")
    (name,) = os.listdir(top)
    return os.path.join(top, name)


def clean(lab, *outputs: str) -> None:
    """One line per outcome is for people: no traceback, and never the lab's key."""
    for text in outputs:
        assert "Traceback" not in text, text[-1500:]
        assert lab.api_key not in text


async def crash_at(lab, share: float) -> None:
    """A run that reaches ``share``% on Y and is then killed (-9): the journal is left as a crash leaves it."""
    run = await start_run(lab)
    await _wait_for_share(lab, share, run)
    run.kill()
    await run.wait()


def break_second_line(path: str) -> None:
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    lines[1] = lines[1].replace(b'"at":', b'"ct":', 1)
    with open(path, "wb") as f:
        f.write(b"\n".join(lines))


async def test_a_corrupt_journal_and_rollback_bring_y_to_0_in_haproxy(lab):
    async with Observed(lab, RPS) as observed:
        await crash_at(lab, 25.0)
        journal = os.path.join(run_dir_of(lab), "journal.jsonl")
        break_second_line(journal)
        code, _, err = await finish_run(await start_run(lab, "--rollback"))
        report, _ = await observed.finish()
    assert code == 0, err[-1500:]
    assert y_share(await haproxy_weights(lab), lab) == 0.0
    lines = err.splitlines()
    relative = os.path.relpath(journal, os.path.dirname(lab.dir))
    assert lines[0].startswith(f"turnout: {relative}:2: checksum does not match"), err
    assert lines[0].endswith("; rolling back without the journal, from what the load balancer has")
    assert "turnout: the load balancer has 75% X, 25% Y" in lines
    assert lines[-1] == "turnout: rolled back: the load balancer reads back 100% X, 0% Y"
    aside = [n for n in os.listdir(run_dir_of(lab)) if n.startswith("journal.corrupt-")]
    assert len(aside) == 1 and any(line.startswith("turnout: moved the journal aside to ") for line in lines)
    events = Journal.read(journal)  # the fresh journal verifies and says what happened
    assert isinstance(events[0], ev.RunStarted) and isinstance(events[-1], ev.WeightsApplied)
    assert (events[-1].x, events[-1].y) == (100, 0)
    clean(lab, err)
    assert report.failed == 0


async def test_no_journal_and_rollback_bring_y_to_0_in_haproxy(lab):
    await crash_at(lab, 5.0)
    journal = os.path.join(run_dir_of(lab), "journal.jsonl")
    os.unlink(journal)
    code, _, err = await finish_run(await start_run(lab, "--rollback"))
    assert code == 0, err[-1500:]
    assert y_share(await haproxy_weights(lab), lab) == 0.0
    assert err.splitlines()[0] == (f"turnout: {os.path.relpath(journal, os.path.dirname(lab.dir))}: no journal (nothing says where this run "
                                   "was); rolling back without the journal, from what the load balancer has")
    assert err.splitlines()[-1] == "turnout: rolled back: the load balancer reads back 100% X, 0% Y"
    clean(lab, err)


@pytest.fixture
def tiny_disk(tmp_path):
    """A 256 KiB tmpfs (root only: skipped elsewhere), unmounted in the finalizer."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", str(mount)],
                          capture_output=True, text=True, timeout=10)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield str(mount)
    finally:
        subprocess.run(["umount", "-l", str(mount)], timeout=10)


def fill(directory: str) -> str:
    """Write until the file system is full; return the filler's path."""
    filler = os.path.join(directory, "filler")
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    return filler


async def test_a_full_disk_mid_shift_holds_and_rollback_still_brings_y_to_0(lab, tiny_disk):
    run_dir = os.path.join(tiny_disk, "run")
    journal = os.path.join(run_dir, "journal.jsonl")
    async with Observed(lab, RPS) as observed:
        run = await start_run(lab, "--run-dir", run_dir)
        await _wait_for_share(lab, 25.0, run)
        filler = fill(tiny_disk)  # the journal's last page may still take a line or two: the hold comes soon after
        code, _, err = await finish_run(run)
        held_at = y_share(await haproxy_weights(lab), lab)
        await asyncio.sleep(2.0)
        still = y_share(await haproxy_weights(lab), lab)
        lines = len(Journal.read(journal))
        back, _, back_err = await finish_run(await start_run(lab, "--rollback", "--run-dir", run_dir))  # still full
        rolled_back_at = y_share(await haproxy_weights(lab), lab)
        after_rescue = len(Journal.read(journal))
        os.unlink(filler)
        again, summary, again_err = await finish_run(await start_run(lab, "--rollback", "--run-dir", run_dir))
        report, _ = await observed.finish()
    assert code == 1 and held_at in (25.0, 50.0) and still == held_at, err[-1500:]
    held = [line for line in err.splitlines() if line.startswith("held: ")]
    assert held == [f"held: {journal}: cannot append (No space left on device): the event was not journaled, so it was "
                    "not acted upon; the load balancer is left as it is. Once the journal can be written: turnout run "
                    f"{lab.plan} --resume (or --rollback); `turnout run {lab.plan} --rollback` works even if it cannot"], err
    assert back == 0 and rolled_back_at == 0.0, back_err[-1500:]
    assert f"turnout: {journal}: cannot append (No space left on device); rolling back without the journal" in back_err
    assert back_err.splitlines()[-1] == "turnout: rolled back: the load balancer reads back 100% X, 0% Y"
    assert after_rescue >= lines  # it still verifies: what the slack of its last page took, and nothing torn
    assert again == 1 and summary["outcome"] == "rolled_back", again_err[-1500:]  # the journal catches up
    assert y_share(await haproxy_weights(lab), lab) == 0.0
    clean(lab, err, back_err, again_err)
    assert report.failed == 0


async def test_sigterm_mid_shift_holds_with_a_note_then_resume_completes(lab):
    async with Observed(lab, RPS) as observed:
        run = await start_run(lab)
        await _wait_for_share(lab, 5.0, run)
        run.send_signal(signal.SIGTERM)
        code, summary, err = await finish_run(run)
        held_at = y_share(await haproxy_weights(lab), lab)
        last = Journal.read(os.path.join(run_dir_of(lab), "journal.jsonl"))[-1]
        again, resumed, again_err = await finish_run(await start_run(lab, "--resume"))
        report, _ = await observed.finish()
    assert code == 1 and held_at == pytest.approx(5.0, abs=0.5), err[-1500:]
    assert isinstance(last, ev.Noted) and (last.level, last.message) == ("warn", "stopped by SIGTERM")
    assert err.splitlines()[-1] == (f"held: stopped by SIGTERM; the load balancer is left as it is. "
                                    f"Go on with: turnout run {lab.plan} --resume (or --rollback)")
    assert again == 0 and resumed["outcome"] == "completed", again_err[-1500:]
    clean(lab, err, again_err)
    assert report.failed == 0


async def test_sighup_on_a_served_run_removes_its_socket(lab):
    run = await start_run(lab, "--serve")
    await _wait_for_share(lab, 5.0, run)
    sock = os.path.join(run_dir_of(lab), "control.sock")
    assert os.path.exists(sock)
    run.send_signal(signal.SIGHUP)
    code, _, err = await finish_run(run)
    assert code == 1 and not os.path.exists(sock), err[-1500:]
    assert "held: stopped by SIGHUP; the load balancer is left as it is." in err
    assert Journal.read(os.path.join(run_dir_of(lab), "journal.jsonl"))[-1].message == "stopped by SIGHUP"
    clean(lab, err)


async def test_sigterm_in_the_cockpit_restores_the_terminal(lab, tmux_session):
    cwd = os.path.dirname(lab.dir)
    command = shlex.join(turnout_argv("run", lab.plan, "--auto-approve"))
    mark = uuid.uuid4().hex[:8]
    subprocess.run(["tmux", "new-session", "-d", "-s", tmux_session, "-x", "100", "-y", "30", "-e", "TERM=xterm-256color",
                    f"cd {shlex.quote(cwd)} && {command}; echo EXIT-{mark}=$?; sleep 30"], check=True, timeout=10)
    await asyncio.to_thread(wait_for, tmux_session, "LIVE", "x1", "y3", timeout=30)
    pid = int(open(os.path.join(run_dir_of(lab), "lock")).read().strip())
    await _until_share(lab, 5.0)
    os.kill(pid, signal.SIGTERM)
    text = await asyncio.to_thread(wait_for, tmux_session, f"EXIT-{mark}=1", timeout=20)
    assert "held: stopped by SIGTERM; the load balancer is left as it is." in text.replace("\n", "")
    assert "LIVE" not in text, "the cockpit's screen is gone: the terminal left the alternate screen"
    assert y_share(await haproxy_weights(lab), lab) == pytest.approx(5.0, abs=0.5)
    clean(lab, text)


async def _until_share(lab, share: float, timeout: float = 40.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if abs(y_share(await haproxy_weights(lab), lab) - share) < 0.5:
            return
        await asyncio.sleep(0.1)
    pytest.fail(f"{share}% on Y never reached within {timeout:g}s")


async def test_detach_over_a_stale_socket_serves_and_sigterm_takes_the_socket_away(lab):
    cwd = os.path.dirname(lab.dir)
    run_dir = os.path.join(cwd, ".turnout", "stale")
    os.makedirs(run_dir, mode=0o700)
    sock = os.path.join(run_dir, "control.sock")
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(sock)  # a conductor killed by -9 leaves its socket file; nobody listens on it
    stale.close()
    started = subprocess.run(turnout_argv("run", lab.plan, "--detach", "--auto-approve", "--run-dir", run_dir),
                             capture_output=True, text=True, cwd=cwd, timeout=60)
    assert started.returncode == 0, started.stderr
    pid = int(started.stdout.split()[2])
    try:
        with socket.socket(socket.AF_UNIX) as probe:
            probe.connect(sock)  # the new conductor serves where the stale file was
        await _until_share(lab, 5.0)
        os.kill(pid, signal.SIGTERM)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 15
        while not is_zombie(pid) and loop.time() < deadline:  # the conductor's own exit, its last line written
            await asyncio.sleep(0.1)
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert not os.path.exists(sock)
    log = open(os.path.join(run_dir, "conductor.log")).read()
    assert "held: stopped by SIGTERM; the load balancer is left as it is." in log
    assert y_share(await haproxy_weights(lab), lab) == pytest.approx(5.0, abs=0.5)
    clean(lab, log)
