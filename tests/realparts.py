"""Real parts for tests: HAProxy, nginx (with and without Lua), Prometheus and tiny backends.

Every process binds 127.0.0.1 on a free port, keeps all its files in a tmp dir, runs in the
foreground and is stopped by its PID when the context manager exits (the fixtures in
tests/conftest.py wrap these). A missing binary skips the test, or fails it with the
``apt-get install`` line when ``CI`` is set (CI must install the real parts).
HAProxy, the counting backends and free ports are the lab's own (``lab.haproxy``,
``lab.backends``, ``lab.procs``): the tests run the HAProxy that ``turnout lab up`` runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from lab.backends import Backends
from lab.haproxy import HAProxyFiles, launch, reload, write_config
from lab.haproxy_config import Server
from lab.procs import Proc, free_port, stop, wait_port

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
    """A running HAProxy from ``lab.haproxy`` (the lab's own launcher), with the names the tests use."""

    files: HAProxyFiles
    backend: str
    proc: Proc

    dir = property(lambda self: Path(self.files.dir))
    cfg = property(lambda self: Path(self.files.config))
    socket = property(lambda self: self.files.unix)  # the runtime API's unix socket
    tcp = property(lambda self: self.files.tcp)
    master_socket = property(lambda self: self.files.master)
    frontend_port = property(lambda self: self.files.frontend_port)
    stats_port = property(lambda self: self.files.stats_port)
    state_file = property(lambda self: self.files.state_file)
    log = property(lambda self: Path(self.files.log))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.frontend_port}/"

    def reload(self) -> None:
        """``reload`` on the master CLI; returns once the new worker listens."""
        reload(self.files)


@contextlib.contextmanager
def start_haproxy(tmp: Path, servers: list[Server], backend: str = "be", check_inter: str = "500ms") -> Iterator[HAProxyRun]:
    """HAProxy master-worker as the lab runs it (``lab.haproxy.launch``), stopped by PID on exit."""
    binary = require("haproxy")
    tmp.mkdir(parents=True, exist_ok=True)
    files = HAProxyFiles.allocate(str(tmp))
    write_config(files, backend, servers, check_inter=check_inter)
    proc = launch(binary, files)
    try:
        yield HAProxyRun(files, backend, proc)
    finally:
        stop(proc)


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
        wait_port(port, timeout=10)
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
