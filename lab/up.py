"""Start and stop the local lab: emulated Kong nodes behind a real HAProxy on loopback, as background processes.

``up`` starts one emulator process (every node, and a control plane in hybrid mode, on free
loopback ports; in konnect mode also the emulated Konnect API the plan reads the DPs from,
loopback ports; ``python -m lab.emulator``) and HAProxy in master-worker mode in front of
their proxy ports (``lab.haproxy``), then writes a ready-to-run plan. Everything the lab
started is recorded in ``<dir>/lab.json`` (PIDs, ports, URLs); ``down`` stops those PIDs and
nothing else. The state file and the ``env`` file hold the lab's key-auth key and are written 0600.

Public API of the lab (used by tui/cmd_lab.py, the lab tests and bench/lab_*.py)::

    state = up(LabOptions(dir="lab"))     # lab.up -> LabState; raises LabError (one line)
    state = load_state("lab")             # lab.state
    await counters(state)                 # lab.control: node -> {"requests", "errors", ...} as the nodes counted
    await haproxy_weights(state)          # lab.control: server -> current weight
    await set_faults(state, "y", {"error_share": 0.05})   # lab.control
    down("lab")                           # lab.up -> lines saying what was stopped
    lab_env("lab/plan.yml")               # lab.state: {"TURNOUT_LAB_KEY": ...} when that file is a lab plan
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import sys
import time
import uuid
from dataclasses import replace
from typing import Any

import aiohttp

from adapters.private_file import write_private
from rollout.i18n import N_

from . import layout as lp
from .haproxy import HAProxyFiles, launch, write_config
from .procs import LabError, Proc, spawn, stop, wait_for_file
from .state import LabOptions, LabState, load_state, running, state_path

INSTALL_HAPROXY = "apt-get install -y --no-install-recommends haproxy"
# The lab's Python processes (``python -m lab.emulator``, ``python -m lab.loadgen``) start in the
# directory that holds this package: ``-m`` puts the current directory first on sys.path, and
# the lab's own runtime directory ``./lab`` (no __init__.py) there would be imported as a
# namespace package ``lab`` in place of this one under an editable install.
PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def up(options: LabOptions) -> LabState:
    """Start the emulator and HAProxy, write the plan, env and state; stop what started on failure."""
    haproxy = shutil.which("haproxy")
    if not haproxy:
        raise LabError(N_("HAProxy is not installed (the lab runs the real one): {install}").format(install=INSTALL_HAPROXY))
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

    if options.mode not in ("dbless", "hybrid", "konnect"):
        raise LabError(N_("--mode must be dbless, hybrid or konnect, not {mode}").format(mode=repr(options.mode)))
    if not (1 <= options.x <= 20 and 1 <= options.y <= 20):
        raise LabError(N_("--x and --y must be between 1 and 20 nodes (got {x} and {y})").format(x=options.x, y=options.y))
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
        raise LabError(N_("a lab already runs in {dir} ({pids}): `turnout lab down --dir {dir}` first").format(dir=shown, pids=pids))


def _start(options: LabOptions, directory: str, haproxy: str, started: list[Proc]) -> LabState:
    lab_id, api_key = secrets.token_hex(3), secrets.token_urlsafe(18)
    x, y = lp.node_names(options.x, "x"), lp.node_names(options.y, "y")
    layout = lp.LabLayout(lab_id, options.mode, options.x_version, options.y_version, x, y, answer_ms=options.answer_ms)
    konnect = _konnect_secrets() if options.mode == "konnect" else {}
    control, nodes, konnect_url = _start_emulator(directory, lp.emulator_spec(layout, api_key, konnect), started)
    urls = {name: {k: info[k] for k in ("admin", "status", "proxy") if k in info} for name, info in nodes.items()}
    layout = replace(layout, urls=urls, konnect=konnect_url,
                     dump_command=lp.dump_command(sys.executable, PACKAGE_ROOT) if konnect else "")
    hap = _start_haproxy(haproxy, directory, lab_id, lp.haproxy_servers(layout), started)
    layout = replace(layout, socket=hap["socket"], haproxy_cfg=hap["config"], backup_dir=os.path.join(directory, "backups"))
    frontend = f"http://127.0.0.1:{hap['frontend_port']}"
    state = LabState(
        lab_id=lab_id, dir=directory, mode=options.mode, x_version=options.x_version, y_version=options.y_version,
        x=list(x), y=list(y), frontend=frontend, haproxy=hap, control=control,
        nodes={n: {**info, "pool": "x" if n in x else "y" if n in y else "cp"} for n, info in nodes.items()},
        procs=list(started), plan=os.path.join(directory, "plan.yml"), env=os.path.join(directory, "env"), api_key=api_key,
        traffic=options.traffic, konnect=konnect_url,
    )
    write_private(state.env, lp.env_text(api_key, konnect.get("token", "")))
    with open(state.plan, "w", encoding="utf-8") as f:
        f.write(lp.plan_text(layout))
    _write_scenarios(directory, options.traffic or 500.0, options.answer_ms)
    asyncio.run(_wait_serving(state))
    if options.traffic > 0:
        _start_traffic(state, started)
        state.procs = list(started)
    write_private(state_path(directory), json.dumps(state.as_json(), indent=2) + "\n")
    return state


def _write_scenarios(directory: str, rps: float, answer_ms: dict[str, float] | None = None) -> None:
    """``<dir>/scenarios/*.yml``: the lab's world for ``turnout rehearse`` (docs/lab.md, bench/lab_fidelity.py)."""
    os.makedirs(os.path.join(directory, "scenarios"), exist_ok=True)
    for name, share in lp.SCENARIOS.items():
        with open(os.path.join(directory, "scenarios", name), "w", encoding="utf-8") as f:
            f.write(lp.scenario_text(rps, share, answer_ms))


def _start_traffic(state: LabState, started: list[Proc]) -> None:
    """Steady background load (lab.loadgen), so gates have requests to judge without a second terminal."""
    log = os.path.join(state.dir, "logs", "traffic.log")
    argv = [sys.executable, "-m", "lab.loadgen", "--url", state.frontend + "/echo", "--rps", f"{state.traffic:g}",
            "--key-env", lp.KEY_ENV, "--stats-file", state.traffic_file]
    started.append(spawn("traffic", argv, log, marker=state.traffic_file, env={**os.environ, lp.KEY_ENV: state.api_key},
                         cwd=PACKAGE_ROOT))


def _konnect_secrets() -> dict[str, str]:
    """The emulated Konnect's access token (shaped as a personal one) and control plane id, drawn per lab."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return {"token": "kpat_" + "".join(secrets.choice(alphabet) for _ in range(49)), "control_plane_id": str(uuid.uuid4())}


def _start_emulator(directory: str, spec: dict[str, Any], started: list[Proc]) -> tuple[str, dict[str, Any], str]:
    spec_path = os.path.join(directory, "nodes.json")
    ready_path = os.path.join(directory, "nodes.ready")
    log = os.path.join(directory, "logs", "emulator.log")
    write_private(spec_path, json.dumps(spec, indent=2))
    if os.path.exists(ready_path):
        os.unlink(ready_path)
    argv = [sys.executable, "-m", "lab.emulator", "--spec", spec_path, "--control-port", "0", "--ports-file", ready_path]
    proc = spawn("emulator", argv, log, marker=spec_path, cwd=PACKAGE_ROOT)
    started.append(proc)
    ready = json.loads(wait_for_file(ready_path, proc, log).splitlines()[0])
    return ready["control"], ready["nodes"], ready.get("konnect", "")


def _start_haproxy(binary: str, directory: str, lab_id: str, servers, started: list[Proc]) -> dict[str, str]:
    """HAProxy in front of the nodes (``lab.haproxy``); returns the state's ``haproxy`` record."""
    files = HAProxyFiles.allocate(os.path.join(directory, "haproxy"), lab_id,
                                  log=os.path.join(directory, "logs", "haproxy.log"))
    write_config(files, lp.BACKEND, servers)
    started.append(launch(binary, files))
    return {
        "unix": files.unix, "tcp": files.tcp, "socket": files.unix, "config": files.config,
        "state_file": files.state_file, "master": files.master, "pidfile": files.pidfile, "backend": lp.BACKEND,
        "frontend_port": str(files.frontend_port), "stats_port": str(files.stats_port),
        "stats": f"http://127.0.0.1:{files.stats_port}/stats",
    }


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
    raise LabError(N_("the frontend {frontend}/echo does not answer 200 after {seconds}s ({last})").format(
        frontend=state.frontend, seconds=f"{timeout:g}", last=last))


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
