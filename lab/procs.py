"""Background processes of the lab: start detached, find alive, stop by PID (and only ours).

``turnout lab up`` returns while HAProxy and the emulator keep running, so the processes are
started in their own session with their output in log files under the lab directory. Their
PIDs go into the lab's state file; ``turnout lab down`` signals exactly those PIDs, and only
after checking that the PID still runs the command the lab started (a PID can be reused by
an unrelated process once ours has died).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass

from rollout.i18n import N_


class LabError(Exception):
    """A lab operation failed; the message is one line for the operator."""


@dataclass(frozen=True)
class Proc:
    """One process the lab started: a role name, its PID and a marker found in its command line."""

    role: str
    pid: int
    marker: str  # a path only this lab's process has on its command line

    def as_json(self) -> dict:
        return {"role": self.role, "pid": self.pid, "marker": self.marker}

    @classmethod
    def from_json(cls, data: dict) -> "Proc":
        return cls(str(data["role"]), int(data["pid"]), str(data["marker"]))


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def spawn(role: str, argv: list[str], log_path: str, marker: str, env: dict[str, str] | None = None,
          cwd: str | None = None) -> Proc:
    """Start argv detached (own session, stdin closed, output to log_path); it outlives us."""
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True, close_fds=True, env=env, cwd=cwd)
    return Proc(role, proc.pid, marker)


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return f.read().rsplit(")", 1)[-1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def alive(proc: Proc) -> bool:
    """The PID runs and is still the process the lab started (its marker is on the command line)."""
    line = cmdline(proc.pid)
    return bool(line) and proc.marker in line and not is_zombie(proc.pid)


def stop(proc: Proc, grace: float = 5.0) -> str:
    """SIGTERM, wait up to ``grace`` seconds, then SIGKILL; returns what happened, in words."""
    if not alive(proc):
        return N_("{role} (pid {pid}) was not running").format(role=proc.role, pid=proc.pid)
    with contextlib.suppress(ProcessLookupError):
        os.kill(proc.pid, signal.SIGTERM)
    if _wait_gone(proc, grace):
        return N_("{role} (pid {pid}) stopped").format(role=proc.role, pid=proc.pid)
    with contextlib.suppress(ProcessLookupError):
        os.kill(proc.pid, signal.SIGKILL)
    _wait_gone(proc, 2.0)
    return N_("{role} (pid {pid}) killed after {seconds}s").format(role=proc.role, pid=proc.pid, seconds=f"{grace:g}")


def _wait_gone(proc: Proc, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _reap(proc.pid)
        if not alive(proc):
            return True
        time.sleep(0.05)
    return not alive(proc)


def _reap(pid: int) -> None:
    """Collect our own child's exit status (tests start the lab in-process), so it is not a zombie."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def exited(proc: Proc) -> bool:
    """Our just-started child has ended (its command line can read empty while it execs: not an end)."""
    _reap(proc.pid)
    return not os.path.exists(f"/proc/{proc.pid}") or is_zombie(proc.pid)


def wait_for_file(path: str, proc: Proc, log_path: str, timeout: float = 10.0) -> str:
    """Wait until ``path`` exists and is non-empty; fail early (quoting the log) if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            with open(path, encoding="utf-8") as f:
                text = f.read()
            if text.strip():
                return text
        _check_alive(proc, log_path)
        time.sleep(0.02)
    raise LabError(N_("{role} (pid {pid}) not ready after {seconds}s: {log}").format(
        role=proc.role, pid=proc.pid, seconds=f"{timeout:g}", log=last_line(log_path)))


def wait_port(port: int, proc: Proc | None = None, log_path: str | None = None, timeout: float = 10.0,
              host: str = "127.0.0.1") -> None:
    """Until something accepts on ``host:port``; with ``proc``, fail early (quoting its log) if it died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((host, port), 0.2):
            return
        _check_alive(proc, log_path)
        time.sleep(0.02)
    said = N_("nothing listens on {address} after {seconds}s").format(address=f"{host}:{port}", seconds=f"{timeout:g}")
    said = f"{said}: {last_line(log_path)}" if log_path else said
    raise LabError(N_("{role} (pid {pid}): {said}").format(role=proc.role, pid=proc.pid, said=said) if proc else said)


def wait_path(path: str, proc: Proc | None = None, log_path: str | None = None, timeout: float = 10.0) -> None:
    """Until ``path`` exists (a unix socket bound); with ``proc``, fail early if it died."""
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            said = N_("{path} did not appear after {seconds}s").format(path=path, seconds=f"{timeout:g}")
            raise LabError(f"{said}: {last_line(log_path)}" if log_path else said)
        _check_alive(proc, log_path)
        time.sleep(0.02)


def _check_alive(proc: Proc | None, log_path: str | None) -> None:
    if proc is not None and exited(proc):
        raise LabError(N_("{role} exited at start: {log}").format(role=proc.role, log=last_line(log_path) if log_path else N_("(no log)")))


def last_line(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = [line.strip() for line in f if line.strip()]
    except OSError:
        return "(no log)"
    return lines[-1][:300] if lines else N_("(empty log)")


def read_json(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)
