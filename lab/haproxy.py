"""One way to run HAProxy, for the lab and for the tests: its files, its config, its start, its master CLI.

``turnout lab up`` starts HAProxy as a background process that outlives the command; the
tests' ``haproxy_lab`` fixture starts the same HAProxy and stops it by PID when the test ends.
Both run it the same way, so what the tests prove holds for the lab:

- master-worker mode, ``haproxy -W -S master.sock -f haproxy.cfg`` (HAProxy Management Guide,
  "Master CLI"), so a ``reload`` on the master CLI starts a new worker without a restart;
- the runtime API on a unix socket and on a loopback TCP port (Management Guide, "Unix Socket
  commands"), the stats page, and a ``server-state-file`` (Configuration Manual, section 3.1)
  that keeps runtime weights across a reload; the config comes from ``lab.haproxy_config``.
"""

from __future__ import annotations

import os
import secrets
import socket
import time
from dataclasses import dataclass

from .haproxy_config import Server, render_haproxy_cfg
from .procs import LabError, Proc, free_port, spawn, stop, wait_path, wait_port

MAX_UNIX_PATH = 100  # sun_path holds 108 bytes


@dataclass(frozen=True)
class HAProxyFiles:
    """Where one HAProxy keeps its files and which loopback ports it binds."""

    dir: str
    config: str
    unix: str  # the runtime API's unix socket
    master: str  # the master CLI's socket
    state_file: str
    pidfile: str
    log: str
    tcp_port: int  # the runtime API on loopback TCP
    frontend_port: int
    stats_port: int

    @property
    def tcp(self) -> str:
        return f"tcp://127.0.0.1:{self.tcp_port}"

    @classmethod
    def allocate(cls, directory: str, tag: str | None = None, log: str | None = None) -> "HAProxyFiles":
        """Paths under ``directory`` and free loopback ports; a socket path too long for sun_path moves
        to /tmp, named by ``tag`` (the lab's id; a random one when none is given)."""
        tag = tag or secrets.token_hex(3)
        unix, master = os.path.join(directory, "admin.sock"), os.path.join(directory, "master.sock")
        if len(unix) > MAX_UNIX_PATH:
            unix, master = (os.path.join("/tmp", f"turnout-lab-{tag}-{n}.sock") for n in ("admin", "master"))
        return cls(dir=directory, config=os.path.join(directory, "haproxy.cfg"), unix=unix, master=master,
                   state_file=os.path.join(directory, "server-state"), pidfile=os.path.join(directory, "haproxy.pid"),
                   log=log or os.path.join(directory, "haproxy.log"),
                   tcp_port=free_port(), frontend_port=free_port(), stats_port=free_port())

    def argv(self, binary: str) -> list[str]:
        return [binary, "-W", "-S", self.master, "-f", self.config]


def write_config(files: HAProxyFiles, backend: str, servers: list[Server], check_inter: str = "1s",
                 health_path: str = "/health") -> str:
    """Write haproxy.cfg for one backend of ``servers``; returns the text."""
    text = render_haproxy_cfg(files.frontend_port, backend, servers, files.unix, files.state_file,
                              tcp_api_port=files.tcp_port, stats_port=files.stats_port, pidfile=files.pidfile,
                              check_inter=check_inter, health_path=health_path)
    with open(files.config, "w", encoding="utf-8") as f:
        f.write(text)
    return text


def launch(binary: str, files: HAProxyFiles, role: str = "haproxy", timeout: float = 10.0) -> Proc:
    """Start HAProxy detached (it outlives the caller); return once its socket and ports answer.

    Raises LabError, quoting HAProxy's log, when it exits at start or does not listen in time;
    a started process is stopped again before that error is raised.
    """
    proc = spawn(role, files.argv(binary), files.log, marker=files.config)
    try:
        wait_path(files.unix, proc, files.log, timeout)
        for port in (files.frontend_port, files.tcp_port):
            wait_port(port, proc, files.log, timeout)
    except BaseException:
        stop(proc)
        raise
    return proc


def master_cli(path: str, command: str, timeout: float = 5.0) -> str:
    """One command on the master CLI. The master re-executes itself after forking a worker,
    and its socket refuses or resets connections meanwhile: retry those, bounded."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.socket(socket.AF_UNIX) as s:
                s.settimeout(timeout)
                s.connect(path)
                s.sendall(command.encode() + b"\n")
                chunks = []
                while chunk := s.recv(65536):
                    chunks.append(chunk)
            return b"".join(chunks).decode(errors="replace")
        except (ConnectionRefusedError, ConnectionResetError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def reload(files: HAProxyFiles) -> None:
    """``reload`` on the master CLI; returns once the new worker listens on the frontend."""
    reply = master_cli(files.master, "reload")
    time.sleep(0.3)
    wait_port(files.frontend_port)
    if reply.strip() and "Success" not in reply:
        raise LabError(f"haproxy reload: {reply.strip()}")
