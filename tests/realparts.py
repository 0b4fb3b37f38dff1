"""Real parts for tests: HAProxy, nginx (with and without Lua), Prometheus and tiny backends.

Every process binds 127.0.0.1 on a free port, keeps all its files in a tmp dir, runs in the
foreground and is stopped by its PID when the context manager exits (the fixtures in
tests/conftest.py wrap these). A missing binary skips the test, or fails it with the
``apt-get install`` line when ``CI`` is set (CI must install the real parts).
Reused by the lab: ``start_haproxy`` with ``adapters.haproxy_config.render_haproxy_cfg``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pytest

from adapters.haproxy_config import Server, render_haproxy_cfg
from tests.realparts_backend import Backends

APT = {"haproxy": "haproxy", "nginx": "nginx", "prometheus": "prometheus", "lua": "libnginx-mod-http-lua"}
LUA_MODULES = ("/usr/lib/nginx/modules/ndk_http_module.so", "/usr/lib/nginx/modules/ngx_http_lua_module.so")


def require(binary: str) -> str:
    """The binary's path; skip (or fail under CI) with the install command when it is missing."""
    path = shutil.which(binary) or (binary if os.path.exists(binary) else None)
    if path:
        return path
    package = APT.get(binary, binary)
    message = f"{binary} not installed: apt-get install -y --no-install-recommends {package}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def require_lua() -> None:
    missing = [m for m in LUA_MODULES if not os.path.exists(m)]
    if missing:
        message = f"nginx Lua module missing ({missing[0]}): apt-get install -y --no-install-recommends libnginx-mod-http-lua"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.02)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def wait_http_ok(url: str, timeout: float = 20.0) -> None:
    """Poll ``url`` until it answers 200: a port that accepts is not yet a server that is ready."""
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, urllib.error.URLError):
            with urllib.request.urlopen(url, timeout=1) as answer:
                if answer.status == 200:
                    return
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer 200 within {timeout}s")


def wait_path(path: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} did not appear after {timeout}s")
        time.sleep(0.02)


@contextlib.contextmanager
def process(argv: list[str], log: Path, stop: signal.Signals = signal.SIGTERM) -> Iterator[subprocess.Popen]:
    """Run argv in its own session; on exit signal it by PID, then SIGKILL after 5 s."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(stop)
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


@contextlib.contextmanager
def backends(names: list[str]) -> Iterator[Backends]:
    b = Backends({n: 0 for n in names})
    try:
        yield b
    finally:
        b.close()


# ---- HAProxy --------------------------------------------------------------------------------

@dataclass
class HAProxyRun:
    dir: Path
    cfg: Path
    socket: str  # unix admin socket
    tcp: str  # tcp://127.0.0.1:PORT admin API
    master_socket: str
    frontend_port: int
    stats_port: int
    state_file: str
    backend: str
    proc: subprocess.Popen | None = None
    log: Path = field(default=Path("."))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.frontend_port}/"

    def reload(self) -> None:
        """``reload`` on the master CLI; returns once the new worker answers the admin socket."""
        reply = master_cli(self.master_socket, "reload")
        time.sleep(0.3)
        wait_port(self.frontend_port)
        if reply.strip() and "Success" not in reply:
            raise RuntimeError(f"haproxy reload: {reply.strip()}")


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


@contextlib.contextmanager
def start_haproxy(tmp: Path, servers: list[Server], backend: str = "be", check_inter: str = "500ms") -> Iterator[HAProxyRun]:
    """HAProxy master-worker in the foreground (``haproxy -W -S master.sock -f cfg``), stopped by PID."""
    binary = require("haproxy")
    tmp.mkdir(parents=True, exist_ok=True)
    run = HAProxyRun(
        dir=tmp, cfg=tmp / "haproxy.cfg", socket=str(tmp / "admin.sock"), tcp="", master_socket=str(tmp / "master.sock"),
        frontend_port=free_port(), stats_port=free_port(), state_file=str(tmp / "server-state"), backend=backend,
        log=tmp / "haproxy.log",
    )
    tcp_port = free_port()
    run.tcp = f"tcp://127.0.0.1:{tcp_port}"
    run.cfg.write_text(render_haproxy_cfg(
        run.frontend_port, backend, servers, run.socket, run.state_file, tcp_api_port=tcp_port,
        stats_port=run.stats_port, pidfile=str(tmp / "haproxy.pid"), check_inter=check_inter,
    ))
    with process([binary, "-W", "-S", run.master_socket, "-f", str(run.cfg)], run.log) as proc:
        run.proc = proc
        try:
            wait_path(run.socket)
            wait_port(run.frontend_port)
        except TimeoutError as exc:
            raise RuntimeError(f"{exc}; haproxy log: {run.log.read_text()[-500:]}") from None
        yield run


# ---- nginx ----------------------------------------------------------------------------------

def nginx_main_conf(tmp: Path, http_body: str, lua: bool = False) -> str:
    """An nginx.conf whose pid, logs and temp paths all live in tmp."""
    loads = "".join(f"load_module {m};\n" for m in LUA_MODULES) if lua else ""
    user = "user root;\n" if os.geteuid() == 0 else ""
    temps = "".join(f"    {k}_temp_path {tmp}/{k}_temp;\n" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (
        f"{loads}{user}worker_processes 2;\npid {tmp}/nginx.pid;\nerror_log {tmp}/error.log warn;\n"
        f"events {{ worker_connections 512; }}\n"
        f"http {{\n    access_log off;\n{temps}{http_body}\n}}\n"
    )


@dataclass
class NginxRun:
    dir: Path
    conf: Path
    binary: str
    port: int
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"


@contextlib.contextmanager
def start_nginx(tmp: Path, conf_text: str, port: int, lua: bool = False) -> Iterator[NginxRun]:
    """``nginx -c conf -g 'daemon off;'`` in the foreground; SIGQUIT (graceful) to the master PID."""
    binary = require("nginx")
    if lua:
        require_lua()
    run = NginxRun(dir=tmp, conf=tmp / "nginx.conf", binary=binary, port=port)
    run.conf.write_text(conf_text)
    test = subprocess.run([binary, "-t", "-c", str(run.conf)], capture_output=True, text=True, timeout=10)
    if test.returncode:
        raise RuntimeError(f"nginx -t failed: {test.stderr.strip()}")
    with process([binary, "-c", str(run.conf), "-g", "daemon off;"], tmp / "nginx.out", stop=signal.SIGQUIT) as proc:
        run.proc = proc
        wait_port(port)
        yield run


# ---- Prometheus -----------------------------------------------------------------------------

@dataclass
class PrometheusRun:
    url: str
    proc: subprocess.Popen


@contextlib.contextmanager
def start_prometheus(tmp: Path, targets: list[str], job: str = "haproxy") -> Iterator[PrometheusRun]:
    """Prometheus scraping targets every second; ready on /-/ready (first sample after about 5.5 s)."""
    binary = require("prometheus")
    tmp.mkdir(parents=True, exist_ok=True)
    port = free_port()
    cfg = tmp / "prometheus.yml"
    quoted = ", ".join(f'"{t}"' for t in targets)
    cfg.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        f"scrape_configs:\n  - job_name: {job}\n    static_configs:\n      - targets: [{quoted}]\n"
    )
    argv = [binary, f"--config.file={cfg}", f"--storage.tsdb.path={tmp / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=1h"]
    with process(argv, tmp / "prometheus.log") as proc:
        wait_port(port, 10)
        # Before /-/ready says 200, the API answers 503 with a text body (not JSON).
        wait_http_ok(f"http://127.0.0.1:{port}/-/ready")
        yield PrometheusRun(f"http://127.0.0.1:{port}", proc)


# ---- traffic --------------------------------------------------------------------------------

async def burst(url: str, requests: int, concurrency: int = 8, timeout: float = 10.0) -> dict[str, int]:
    """Send a bounded number of GETs; count answers by status and client-side failures."""
    import aiohttp

    outcome: dict[str, int] = {}
    queue = list(range(requests))

    async def worker(session: aiohttp.ClientSession) -> None:
        while queue:
            queue.pop()
            try:
                async with session.get(url) as resp:
                    await resp.read()
                    key = str(resp.status)
            except aiohttp.ClientError:
                key = "error"
            outcome[key] = outcome.get(key, 0) + 1

    client_timeout = aiohttp.ClientTimeout(total=timeout)
    async with aiohttp.ClientSession(timeout=client_timeout) as session:
        await asyncio.wait_for(asyncio.gather(*(worker(session) for _ in range(concurrency))), timeout)
    return outcome


def pool_split(before: dict[str, int], after: dict[str, int]) -> tuple[float, float]:
    """Observed X%/Y% from the backends' own counters (names starting with x or y)."""
    delta = {k: after[k] - before.get(k, 0) for k in after}
    x = sum(v for k, v in delta.items() if k.startswith("x"))
    y = sum(v for k, v in delta.items() if k.startswith("y"))
    total = x + y or 1
    return 100 * x / total, 100 * y / total


# ---- plans ----------------------------------------------------------------------------------

def make_plan(load_balancer: dict, metrics: dict | None = None, nodes: dict[str, list[dict]] | None = None):
    """A valid Plan around a load balancer section; nodes default to x1..x3 and y1..y3."""
    from rollout.plan import Plan

    nodes = nodes or {p: [{"name": f"{p}{i}"} for i in (1, 2, 3)] for p in ("x", "y")}
    doc = {
        "turnout": 1, "name": "realparts", "mode": "dbless",
        "pools": {"x": {"version": "3.4.3", "nodes": nodes["x"]}, "y": {"version": "3.9.1", "nodes": nodes["y"]}},
        "load_balancer": load_balancer, "steps": [{"y": 50}, {"y": 100}],
    }
    if metrics:
        doc["metrics"] = metrics
    return Plan.model_validate(doc)
