"""One operator per run and per target: the run directory's flock and the host-wide target lock
(adapters/rundir.py, adapters/target_lock.py), and where the target locks live. Real processes
and real flocks; no load balancer is contacted: these plans steer a command, whose lock is keyed
by its template. Locks keyed by what a real HAProxy or nginx file is: tests/test_lock_identity.py."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from adapters.rundir import Locked, RunDir
from adapters.target_lock import TargetLock, lock_directory, target_of
from rollout.plan import load_plan

PLAN = """
turnout: 1
name: {name}
mode: dbless
pools:
  x: {{version: "3.4.3", nodes: [{{name: x1, admin: "http://127.0.0.1:9"}}]}}
  y: {{version: "3.9.1", nodes: [{{name: y1, admin: "http://127.0.0.1:9"}}]}}
load_balancer: {lb}
metrics: {{source: kong}}
steps: [{{y: 100}}]
"""
HAPROXY = "{type: haproxy, socket: /run/haproxy/admin.sock, backend: kong}"
COMMAND = "{type: command, set_weights: 'dns-weights {x} {y}'}"


def write_plan(tmp_path, name: str, lb: str = COMMAND) -> str:
    path = tmp_path / f"{name}.yml"
    path.write_text(PLAN.format(name=name, lb=lb))
    return str(path)


@pytest.fixture(autouse=True)
def lock_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TURNOUT_LOCK_DIR", str(tmp_path / "locks"))


def test_the_target_is_what_the_plan_steers(tmp_path):
    plan = lambda lb: load_plan("p.yml", PLAN.format(name="p", lb=lb))  # noqa: E731
    assert target_of(plan(HAPROXY)) == "haproxy /run/haproxy/admin.sock backend kong"
    assert target_of(plan("{type: haproxy, socket: 'tcp://127.0.0.1:9999', backend: b}")) == "haproxy tcp://127.0.0.1:9999 backend b"
    assert target_of(plan("{type: nginx, upstream_file: /etc/nginx/kong.conf}")).startswith("nginx /etc/nginx/kong.conf upstream kong")
    assert target_of(plan("{type: nginx, mode: lua, admin: 'http://127.0.0.1:8083/weights'}")) == "nginx lua http://127.0.0.1:8083/weights"
    assert target_of(plan("{type: command, set_weights: 'dns-weights {x} {y}'}")) == "command dns-weights {x} {y}"
    assert target_of(plan("{type: sim}")) is None


def test_two_plans_on_one_target_exclude_each_other(tmp_path):
    """The command's template is the key, whitespace normalised: Turnout cannot know what it steers."""
    first = TargetLock(load_plan(write_plan(tmp_path, "a")), write_plan(tmp_path, "a"))
    spaced = COMMAND.replace("dns-weights {x} {y}", "  dns-weights   {x}\t{y} ")
    second = TargetLock(load_plan(write_plan(tmp_path, "b", spaced)), write_plan(tmp_path, "b", spaced))
    other = TargetLock(load_plan(write_plan(tmp_path, "c", COMMAND.replace("dns", "other"))), "c.yml")
    first.acquire()
    with pytest.raises(Locked) as exc:
        second.acquire()
    assert str(exc.value) == (f"command dns-weights   {{x}}\t{{y}}: another turnout (pid {os.getpid()}, plan {tmp_path / 'a.yml'}) "
                              "is steering this load balancer; one operator per target")
    other.acquire()  # another command is another target
    first.release()
    second.acquire()
    second.release()
    other.release()


def hold(code: str) -> subprocess.Popen:
    """A process that takes a lock, says so on stdout, then sleeps until killed."""
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert proc.stdout.readline().strip() == "locked"
    return proc


def turnout_run(plan: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui.cli", "run", plan, "--headless"], capture_output=True, text=True,
                          cwd=cwd, timeout=60, env={**os.environ, "PYTHONPATH": os.getcwd()})


def test_turnout_run_refuses_a_target_another_process_steers_and_takes_it_after_kill_9(tmp_path):
    holder = hold(f"""
        import time
        from adapters.target_lock import TargetLock
        from rollout.plan import load_plan
        TargetLock(load_plan({write_plan(tmp_path, 'colleague')!r}), {str(tmp_path / 'colleague.yml')!r}).acquire()
        print("locked", flush=True)
        time.sleep(600)
    """)
    try:
        run = turnout_run(write_plan(tmp_path, "mine"), tmp_path)
        assert run.returncode == 2 and run.stdout == ""
        assert run.stderr.strip() == (f"turnout: command dns-weights {{x}} {{y}}: another turnout "
                                      f"(pid {holder.pid}, plan {tmp_path / 'colleague.yml'}) is steering this load balancer; "
                                      "one operator per target")
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    lock = TargetLock(load_plan(str(tmp_path / "mine.yml")), "mine.yml")
    lock.acquire()  # the kernel dropped the dead process's flock
    lock.release()


def test_turnout_run_refuses_a_run_another_process_conducts(tmp_path):
    run_dir = tmp_path / ".turnout" / "mine"
    holder = hold(f"""
        import time
        from adapters.rundir import RunDir
        RunDir({str(run_dir)!r}).lock()
        print("locked", flush=True)
        time.sleep(600)
    """)
    try:
        run = turnout_run(write_plan(tmp_path, "mine"), tmp_path)
        assert run.returncode == 2
        assert run.stderr.strip() == (f"turnout: .turnout/mine: another turnout (pid {holder.pid}) is conducting this run; "
                                      "attach to it or wait")
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    mine = RunDir(str(run_dir))
    mine.lock()  # non-blocking: it would raise Locked if the dead holder's flock had survived
    mine.unlock()


def test_an_unusable_lock_directory_is_one_clear_line(tmp_path, monkeypatch):
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("")
    monkeypatch.setenv("TURNOUT_LOCK_DIR", str(blocked / "locks"))
    lock = TargetLock(load_plan(write_plan(tmp_path, "a")), "a.yml")
    with pytest.raises(Locked) as exc:
        lock.acquire()
    assert "cannot take the target lock" in str(exc.value) and "TURNOUT_LOCK_DIR" in str(exc.value)
    assert "\n" not in str(exc.value)


def test_detach_beside_a_live_conductor_leaves_its_socket_alone(tmp_path):
    """A conductor already serves the run: a second `turnout run --detach` reports the child's refusal
    and exit 2, and the first conductor's socket still answers."""
    run_dir = tmp_path / ".turnout" / "mine"
    holder = hold(f"""
        import socket, time
        from adapters.rundir import RunDir
        RunDir({str(run_dir)!r}).lock()
        server = socket.socket(socket.AF_UNIX)
        server.bind({str(run_dir / 'control.sock')!r})
        server.listen()
        print("locked", flush=True)
        time.sleep(600)
    """)
    try:
        run = subprocess.run([sys.executable, "-m", "tui.cli", "run", write_plan(tmp_path, "mine"), "--detach"],
                             capture_output=True, text=True, cwd=tmp_path, timeout=60,
                             env={**os.environ, "PYTHONPATH": os.getcwd()})
        assert run.returncode == 2, run.stdout + run.stderr
        assert f"another turnout (pid {holder.pid}) is conducting this run" in run.stderr
        with socket.socket(socket.AF_UNIX) as probe:
            probe.connect(str(run_dir / "control.sock"))
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()


# ---- where the target locks live ------------------------------------------------------------

def test_the_lock_directory_is_one_for_the_whole_host_by_default(tmp_path, monkeypatch):
    """The first shared directory this user can use (made 1777, never its parents), else /tmp's
    with a warning; TURNOUT_LOCK_DIR overrides both."""
    monkeypatch.delenv("TURNOUT_LOCK_DIR")
    (tmp_path / "run-lock").mkdir()
    shared, spare, fallback = (str(tmp_path / n / "turnout") for n in ("run-lock", "var-lock", "tmp"))
    assert lock_directory((shared, spare), fallback) == (shared, None)
    assert os.stat(shared).st_mode & 0o7777 == 0o1777
    assert not os.path.exists(spare) and not os.path.exists(fallback)
    assert lock_directory((shared, spare), fallback) == (shared, None)  # made once, then shared


def test_unusable_shared_directories_fall_back_to_tmp_with_a_warning(tmp_path, monkeypatch):
    monkeypatch.delenv("TURNOUT_LOCK_DIR")
    (tmp_path / "a-file").write_text("")
    (tmp_path / "open").mkdir(mode=0o777)
    os.chmod(tmp_path / "open", 0o777)  # world-writable, no sticky bit: anyone could remove a held lock's file
    under_a_file, no_parent, not_sticky = (str(tmp_path / n) for n in ("a-file/turnout", "none/turnout", "open"))
    fallback = str(tmp_path / "tmp" / "turnout-locks")
    directory, warning = lock_directory((under_a_file, no_parent, not_sticky), fallback)
    assert directory == fallback and os.stat(fallback).st_mode & 0o7777 == 0o1777
    assert not os.path.exists(tmp_path / "none") and os.stat(not_sticky).st_mode & 0o7777 == 0o777
    assert warning == (f"turnout: none of {under_a_file}, {no_parent}, {not_sticky} is writable by this user: the target "
                       f"lock is in {fallback}, where an operator locking in {under_a_file} does not see it; "
                       f"ask for `install -d -m 1777 {under_a_file}`")
    monkeypatch.setenv("TURNOUT_LOCK_DIR", str(tmp_path / "tests"))
    assert lock_directory((not_sticky,), fallback) == (str(tmp_path / "tests"), None)
    monkeypatch.setenv("TURNOUT_LOCK_DIR", not_sticky)
    lock = TargetLock(load_plan(write_plan(tmp_path, "a")), "a.yml")
    with pytest.raises(Locked, match=f"cannot take the target lock in {not_sticky}: world-writable without the sticky bit"):
        lock.acquire()


def test_a_lock_taken_outside_turnout_lock_dir_warns_once_it_is_taken(tmp_path, monkeypatch):
    monkeypatch.delenv("TURNOUT_LOCK_DIR")
    monkeypatch.setattr("adapters.target_lock.SHARED_DIRS", (str(tmp_path / "file" / "turnout"),))
    monkeypatch.setattr("adapters.target_lock.FALLBACK_DIR", str(tmp_path / "fallback"))
    (tmp_path / "file").write_text("")
    lock = TargetLock(load_plan(write_plan(tmp_path, "a")), "a.yml")
    lock.acquire()
    try:
        assert len(lock.warnings) == 1 and "the target lock is in " + str(tmp_path / "fallback") in lock.warnings[0]
        assert len(os.listdir(tmp_path / "fallback")) == 1
    finally:
        lock.release()


def as_nobody(attempt) -> str:
    """What ``attempt()`` returns when run as another user (uid 65534), as a colleague on the same
    bastion would: a forked child drops to that user (no exec: the interpreter may not be theirs)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            os.setgid(65534)
            os.setuid(65534)
            os.write(write, str(attempt()).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as answer:
        seen = answer.read()
    os.waitpid(pid, 0)
    return seen


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to act as a second user")
def test_another_users_run_is_refused_and_the_lock_file_is_0666(tmp_path, monkeypatch):
    """Lock files are 0666 in a 1777 directory: whoever made the file, another operator can lock
    it and read who holds it."""
    shared = tempfile.mkdtemp(prefix="turnout-test-")  # pytest's own tmp is 0700: the colleague could not reach it
    os.chmod(shared, 0o755)
    monkeypatch.setenv("TURNOUT_LOCK_DIR", os.path.join(shared, "locks"))
    try:
        _refused_then_taken(tmp_path, Path(shared) / "locks")
    finally:
        shutil.rmtree(shared)


def _refused_then_taken(tmp_path, locks: Path) -> None:
    plan = load_plan(write_plan(tmp_path, "mine"))
    lock = TargetLock(plan, str(tmp_path / "mine.yml"))
    lock.acquire()

    def colleague() -> str:
        try:
            TargetLock(plan, "colleague.yml").acquire()
        except Locked as exc:
            return str(exc)
        return "taken"

    try:
        (name,) = os.listdir(locks)
        assert os.stat(locks / name).st_mode & 0o7777 == 0o666
        assert os.stat(locks).st_mode & 0o7777 == 0o1777
        assert as_nobody(colleague) == (f"command dns-weights {{x}} {{y}}: another turnout (pid {os.getpid()}, plan "
                                        f"{tmp_path / 'mine.yml'}) is steering this load balancer; one operator per target")
    finally:
        lock.release()
    os.remove(locks / name)
    assert as_nobody(colleague) == "taken"  # a lock file the colleague made ...
    assert os.stat(locks / name).st_uid == 65534
    lock.acquire()  # ... is one root can take (and would be refused on, while they hold it)
    lock.release()


def test_a_symlink_planted_as_a_lock_file_is_not_followed(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("keep me\n")
    lock = TargetLock(load_plan(write_plan(tmp_path, "a")), "a.yml")
    lock.acquire()
    (name,) = os.listdir(tmp_path / "locks")
    lock.release()
    os.remove(tmp_path / "locks" / name)
    os.symlink(victim, tmp_path / "locks" / name)
    with pytest.raises(Locked, match="cannot take the target lock in .*: Too many levels of symbolic links"):
        lock.acquire()
    assert victim.read_text() == "keep me\n"
