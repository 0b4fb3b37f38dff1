"""One operator per run and per target: the run directory's flock and the host-wide target lock
(adapters/rundir.py, adapters/target_lock.py). Real processes and real flocks; no load balancer
is contacted (the locks are taken before any adapter is built)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap

import pytest

from adapters.rundir import Locked, RunDir
from adapters.target_lock import TargetLock, target_of
from rollout.plan import load_plan

PLAN = """
turnout: 1
name: {name}
mode: dbless
pools:
  x: {{version: "3.4.3", nodes: [{{name: x1, admin: "http://127.0.0.1:9"}}]}}
  y: {{version: "3.9.1", nodes: [{{name: y1, admin: "http://127.0.0.1:9"}}]}}
load_balancer: {lb}
steps: [{{y: 100}}]
"""
HAPROXY = "{type: haproxy, socket: /run/haproxy/admin.sock, backend: kong}"


def write_plan(tmp_path, name: str, lb: str = HAPROXY) -> str:
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


def test_two_plans_on_one_backend_exclude_each_other(tmp_path):
    first = TargetLock(load_plan(write_plan(tmp_path, "a")), write_plan(tmp_path, "a"))
    second = TargetLock(load_plan(write_plan(tmp_path, "b")), write_plan(tmp_path, "b"))
    other = TargetLock(load_plan(write_plan(tmp_path, "c", HAPROXY.replace("kong", "other"))), "c.yml")
    first.acquire()
    with pytest.raises(Locked) as exc:
        second.acquire()
    assert f"pid {os.getpid()}" in str(exc.value) and "a.yml" in str(exc.value) and "backend kong" in str(exc.value)
    other.acquire()  # another backend is another target
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
        assert run.stderr.strip() == (f"turnout: haproxy /run/haproxy/admin.sock backend kong: another turnout "
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
