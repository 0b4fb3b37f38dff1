"""The local lab: emulated Kong nodes behind a real HAProxy on loopback, as background processes.

``up`` starts one emulator process (every node, and a control plane in hybrid mode, on free
loopback ports; ``python -m sim.kongnode``) and HAProxy in master-worker mode in front of
their proxy ports (config from adapters.haproxy_config, the settings lb-notes measured), then
writes a ready-to-run plan. Everything the lab started is recorded in ``<dir>/lab.json``
(PIDs, ports, URLs); ``down`` stops those PIDs and nothing else. The state file and the
``env`` file hold the lab's key-auth key and are written 0600.

Public API (used by tui/cmd_lab.py, the lab tests and bench/lab_*.py)::

    state = up(LabOptions(dir="lab"))     # -> LabState; raises LabError (one line)
    state = load_state("lab")
    await counters(state)                 # node -> {"requests", "errors", ...} as the nodes counted
    await haproxy_weights(state)          # server -> current weight
    await set_faults(state, "y", {"error_share": 0.05})
    down("lab")                           # -> lines saying what was stopped
    lab_env("lab/plan.yml")               # {"TURNOUT_LAB_KEY": ...} when that file is a lab plan
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import aiohttp

from adapters import haproxy_codec as codec
from adapters.haproxy import RuntimeAPI
from adapters.haproxy_config import render_haproxy_cfg
from adapters.private_file import write_private

from . import lab_plan as lp
from .lab_procs import LabError, Proc, alive, free_port, read_json, spawn, stop, wait_for_file, wait_port

STATE = "lab.json"
INSTALL_HAPROXY = "apt-get install -y --no-install-recommends haproxy"
MAX_UNIX_PATH = 100  # sun_path holds 108 bytes


@dataclass(frozen=True)
class LabOptions:
    dir: str = "lab"
    x: int = 3
    y: int = 3
    x_version: str = "3.4.3"
    y_version: str = "3.9.1"
    mode: str = "dbless"
    traffic: float = 500.0  # background requests per second through the frontend (0: none)


@dataclass
class LabState:
    """What runs, where: the content of ``<dir>/lab.json``."""

    lab_id: str
    dir: str
    mode: str
    x_version: str
    y_version: str
    x: list[str]
    y: list[str]
    frontend: str
    haproxy: dict[str, str]  # socket (the plan's), unix, tcp, config, state_file, stats, master, backend
    control: str  # the emulator's cluster control URL
    nodes: dict[str, dict[str, Any]]  # name -> urls, version, role, pool
    procs: list[Proc]
    plan: str
    env: str
    api_key: str
    traffic: float = 0.0
    created: float = field(default_factory=time.time)

    @property
    def traffic_file(self) -> str:
        return os.path.join(self.dir, "traffic.json")

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["procs"] = [p.as_json() for p in self.procs]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "LabState":
        data = dict(data)
        data["procs"] = [Proc.from_json(p) for p in data.get("procs", [])]
        return cls(**data)

    def pool_of(self, name: str) -> str:
        return "x" if name in self.x else "y" if name in self.y else "cp"


def state_path(directory: str) -> str:
    return os.path.join(os.path.abspath(directory), STATE)


def load_state(directory: str) -> LabState:
    path = state_path(directory)
    try:
        return LabState.from_json(read_json(path))
    except FileNotFoundError:
        raise LabError(f"no lab in {directory} ({STATE} not found): start one with `turnout lab up --dir {directory}`") from None
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise LabError(f"{path}: unreadable lab state: {exc}") from None


def running(state: LabState) -> list[Proc]:
    return [p for p in state.procs if alive(p)]


# ---- up -------------------------------------------------------------------------------------

def up(options: LabOptions) -> LabState:
    """Start the emulator and HAProxy, write the plan, env and state; stop what started on failure."""
    haproxy = shutil.which("haproxy")
    if not haproxy:
        raise LabError(f"HAProxy is not installed (the lab runs the real one): {INSTALL_HAPROXY}")
    _check_options(options)
    directory = os.path.abspath(options.dir)
    _refuse_running(directory, options.dir)
    for sub in ("", "haproxy", "logs", "backups"):
        os.makedirs(os.path.join(directory, sub), mode=0o700, exist_ok=True)
    _forget_previous(directory)
    started: list[Proc] = []
    try:
        return _start(options, directory, haproxy, started)
    except BaseException:
        for proc in reversed(started):
            stop(proc)
        raise


def _check_options(options: LabOptions) -> None:
    from rollout.kong.version import KongVersion

    if options.mode not in ("dbless", "hybrid"):
        raise LabError(f"--mode must be dbless or hybrid, not {options.mode!r}")
    if not (1 <= options.x <= 20 and 1 <= options.y <= 20):
        raise LabError(f"--x and --y must be between 1 and 20 nodes (got {options.x} and {options.y})")
    for flag, version in (("--x-version", options.x_version), ("--y-version", options.y_version)):
        try:
            KongVersion.lenient(version)
        except ValueError as exc:
            raise LabError(f"{flag} {version}: {exc}") from None


def _forget_previous(directory: str) -> None:
    """A previous lab's server-state file would restore its old ports and maint states into HAProxy."""
    for name in ("haproxy/server-state", "nodes.ready", "traffic.json"):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            os.unlink(path)


def _refuse_running(directory: str, shown: str) -> None:
    if not os.path.exists(state_path(directory)):
        return
    try:
        live = running(load_state(directory))
    except LabError:
        live = []
    if live:
        pids = ", ".join(f"{p.role} pid {p.pid}" for p in live)
        raise LabError(f"a lab already runs in {shown} ({pids}): `turnout lab down --dir {shown}` first")


def _start(options: LabOptions, directory: str, haproxy: str, started: list[Proc]) -> LabState:
    lab_id, api_key = secrets.token_hex(3), secrets.token_urlsafe(18)
    x, y = lp.node_names(options.x, "x"), lp.node_names(options.y, "y")
    layout = lp.LabLayout(lab_id, options.mode, options.x_version, options.y_version, x, y)
    control, nodes = _start_emulator(directory, lp.emulator_spec(layout, api_key), started)
    urls = {name: {k: info[k] for k in ("admin", "status", "proxy") if k in info} for name, info in nodes.items()}
    hap = _haproxy_paths(directory, lab_id)
    layout = lp.LabLayout(lab_id, options.mode, options.x_version, options.y_version, x, y, urls,
                          hap["socket"], hap["config"], os.path.join(directory, "backups"))
    frontend = _start_haproxy(haproxy, hap, lp.haproxy_servers(layout), started, directory)
    state = LabState(
        lab_id=lab_id, dir=directory, mode=options.mode, x_version=options.x_version, y_version=options.y_version,
        x=list(x), y=list(y), frontend=frontend, haproxy=hap, control=control,
        nodes={n: {**info, "pool": "x" if n in x else "y" if n in y else "cp"} for n, info in nodes.items()},
        procs=list(started), plan=os.path.join(directory, "plan.yml"), env=os.path.join(directory, "env"), api_key=api_key,
        traffic=options.traffic,
    )
    write_private(state.env, lp.env_text(api_key))
    with open(state.plan, "w", encoding="utf-8") as f:
        f.write(lp.plan_text(layout))
    _write_scenarios(directory, options.traffic or 500.0)
    asyncio.run(_wait_serving(state))
    if options.traffic > 0:
        _start_traffic(state, started)
        state.procs = list(started)
    write_private(state_path(directory), json.dumps(state.as_json(), indent=2) + "\n")
    return state


def _write_scenarios(directory: str, rps: float) -> None:
    """``<dir>/scenarios/*.yml``: the lab's world for ``turnout rehearse`` (docs/lab.md, bench/lab_fidelity.py)."""
    os.makedirs(os.path.join(directory, "scenarios"), exist_ok=True)
    for name, share in lp.SCENARIOS.items():
        with open(os.path.join(directory, "scenarios", name), "w", encoding="utf-8") as f:
            f.write(lp.scenario_text(rps, share))


def _start_traffic(state: LabState, started: list[Proc]) -> None:
    """Steady background load (sim.loadgen), so gates have requests to judge without a second terminal."""
    log = os.path.join(state.dir, "logs", "traffic.log")
    argv = [sys.executable, "-m", "sim.loadgen", "--url", state.frontend + "/echo", "--rps", f"{state.traffic:g}",
            "--key-env", lp.KEY_ENV, "--stats-file", state.traffic_file]
    started.append(spawn("traffic", argv, log, marker=state.traffic_file, env={**os.environ, lp.KEY_ENV: state.api_key}))


def _start_emulator(directory: str, spec: dict[str, Any], started: list[Proc]) -> tuple[str, dict[str, Any]]:
    spec_path = os.path.join(directory, "nodes.json")
    ready_path = os.path.join(directory, "nodes.ready")
    log = os.path.join(directory, "logs", "emulator.log")
    write_private(spec_path, json.dumps(spec, indent=2))
    if os.path.exists(ready_path):
        os.unlink(ready_path)
    argv = [sys.executable, "-m", "sim.kongnode", "--spec", spec_path, "--control-port", "0", "--ports-file", ready_path]
    proc = spawn("emulator", argv, log, marker=spec_path)
    started.append(proc)
    ready = json.loads(wait_for_file(ready_path, proc, log).splitlines()[0])
    return ready["control"], ready["nodes"]


def _haproxy_paths(directory: str, lab_id: str) -> dict[str, str]:
    """Where HAProxy's files go; a unix socket path too long for sun_path moves to /tmp."""
    hdir = os.path.join(directory, "haproxy")
    unix, master = os.path.join(hdir, "admin.sock"), os.path.join(hdir, "master.sock")
    if len(unix) > MAX_UNIX_PATH:
        unix, master = (os.path.join("/tmp", f"turnout-lab-{lab_id}-{n}.sock") for n in ("admin", "master"))
    return {
        "unix": unix, "tcp": f"tcp://127.0.0.1:{free_port()}", "socket": unix,
        "config": os.path.join(hdir, "haproxy.cfg"), "state_file": os.path.join(hdir, "server-state"),
        "master": master, "pidfile": os.path.join(hdir, "haproxy.pid"),
        "backend": lp.BACKEND, "frontend_port": str(free_port()), "stats_port": str(free_port()),
    }


def _start_haproxy(binary: str, hap: dict[str, str], servers, started: list[Proc], directory: str) -> str:
    port, stats = int(hap["frontend_port"]), int(hap["stats_port"])
    text = render_haproxy_cfg(
        port, lp.BACKEND, servers, hap["unix"], hap["state_file"], tcp_api_port=int(hap["tcp"].rsplit(":", 1)[1]),
        stats_port=stats, pidfile=hap["pidfile"],        health_path="/health",
    )
    with open(hap["config"], "w", encoding="utf-8") as f:
        f.write(text)
    log = os.path.join(directory, "logs", "haproxy.log")
    proc = spawn("haproxy", [binary, "-W", "-S", hap["master"], "-f", hap["config"]], log, marker=hap["config"])
    started.append(proc)
    wait_port(port, proc, log)
    wait_port(int(hap["tcp"].rsplit(":", 1)[1]), proc, log)
    hap["stats"] = f"http://127.0.0.1:{stats}/stats"
    return f"http://127.0.0.1:{port}"


async def _wait_serving(state: LabState, timeout: float = 10.0) -> None:
    """Until a keyed request through the frontend answers 200 (HAProxy's checks have run)."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(state.frontend + "/echo", headers={"apikey": state.api_key}) as resp:
                    await resp.read()
                    if resp.status == 200:
                        return
                    last = f"HTTP {resp.status}"
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
                last = type(exc).__name__
            await asyncio.sleep(0.1)
    raise LabError(f"the frontend {state.frontend}/echo does not answer 200 after {timeout:g}s ({last})")


# ---- down -----------------------------------------------------------------------------------

def down(directory: str) -> list[str]:
    """Stop every process the lab started (by PID, newest first); remove the state and env files."""
    state = load_state(directory)
    lines = [stop(proc) for proc in reversed(state.procs)]
    for path in (state_path(directory), state.env, os.path.join(state.dir, "nodes.ready"), state.traffic_file,
                 state.haproxy["state_file"]):
        if os.path.exists(path):
            os.unlink(path)
    return lines


# ---- while it runs --------------------------------------------------------------------------

def runtime_api(state: LabState) -> RuntimeAPI:
    return RuntimeAPI(state.haproxy["tcp"], timeout=2.0)


async def haproxy_weights(state: LabState) -> dict[str, int]:
    """Every server's current weight, as HAProxy has it right now."""
    names = state.x + state.y
    replies = await runtime_api(state).send([codec.get_weight(lp.BACKEND, n) for n in names])
    return {n: codec.parse_get_weight(r)[0] for n, r in zip(names, replies)}


def y_share(weights: dict[str, int], state: LabState) -> float:
    """The share of requests (percent) roundrobin sends to Y with these weights."""
    wy = sum(weights[n] for n in state.y)
    total = wy + sum(weights[n] for n in state.x)
    return 100.0 * wy / total if total else 0.0


async def counters(state: LabState, session: aiohttp.ClientSession | None = None) -> dict[str, dict[str, Any]]:
    """Each X and Y node's own proxy counters (``/health`` excluded), from the emulator's control port."""
    own = session is None
    session = session or aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3))
    try:
        names = state.x + state.y
        bodies = await asyncio.gather(*(_get_json(session, f"{state.control}/__turnout/nodes/{n}/counters") for n in names))
        return dict(zip(names, bodies))
    finally:
        if own:
            await session.close()


async def _get_json(session: aiohttp.ClientSession, url: str) -> Any:
    try:
        async with session.get(url) as resp:
            return await resp.json(content_type=None)
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError) as exc:
        raise LabError(f"GET {url}: {type(exc).__name__}: is the lab running? (turnout lab status)") from None


def targets(state: LabState, target: str) -> list[str]:
    """``x``, ``y``, ``all`` or a node name -> node names."""
    if target in ("x", "y"):
        return list(getattr(state, target))
    if target == "all":
        return state.x + state.y
    if target in state.nodes:
        return [target]
    raise LabError(f"no node or pool {target!r} in the lab (pools x, y; nodes {', '.join(state.nodes)})")


async def set_faults(state: LabState, target: str, changes: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """POST the fault changes to each target node's control endpoint; returns each node's faults."""
    names = targets(state, target)
    out = {}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as session:
        for name in names:
            url = f"{state.control}/__turnout/nodes/{name}/fault"
            try:
                async with session.post(url, json=changes) as resp:
                    body = await resp.json(content_type=None)
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError) as exc:
                raise LabError(f"POST {url}: {type(exc).__name__}: is the lab running?") from None
            if resp.status != 200:
                raise LabError(f"{name}: fault refused: {body.get('message', resp.status)}")
            out[name] = body
    return out


async def restart_node(state: LabState, name: str) -> None:
    """Bring a crashed (or stopped) emulated node back on its ports."""
    targets(state, name)
    url = f"{state.control}/__turnout/nodes/{name}/start"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as session:
        try:
            async with session.post(url) as resp:
                await resp.read()
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            raise LabError(f"POST {url}: {type(exc).__name__}") from None


def lab_env(plan_path: str) -> dict[str, str]:
    """The lab's environment (its key) when ``plan_path`` is the plan a running lab wrote, else {}.

    For scripts that talk to the lab themselves; ``turnout run`` reads the key through the
    plan's own ``env_file: env`` (adapters/env_file.py) and never imports the lab.
    """
    directory = os.path.dirname(os.path.abspath(plan_path))
    try:
        state = read_json(state_path(directory))
        if os.path.abspath(plan_path) != state.get("plan"):
            return {}
        with open(state["env"], encoding="utf-8") as f:
            return lp.parse_env(f.read())
    except (OSError, ValueError, KeyError, TypeError):
        return {}
