"""The lab's state: what runs where (``<dir>/lab.json``), and the environment a lab plan needs.

``turnout lab up`` records every process it started (PIDs, ports, URLs) in ``<dir>/lab.json``,
mode 0600 because it holds the lab's key-auth key; every other lab command starts from
``load_state``. This module loads no HTTP client, so reading the state stays cheap.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from rollout.i18n import N_

from .layout import parse_env
from .procs import LabError, Proc, alive, read_json

STATE = "lab.json"


@dataclass(frozen=True)
class LabOptions:
    dir: str = "lab"
    x: int = 3
    y: int = 3
    x_version: str = "3.4.3"
    y_version: str = "3.9.1"
    mode: str = "dbless"  # dbless | hybrid | konnect
    traffic: float = 500.0  # background requests per second through the frontend (0: none)
    answer_ms: dict[str, float] | None = None  # {"p50", "p99"}: the nodes' stated answer time (None: as fast as they can)


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
    konnect: str = ""  # --mode konnect: the emulated Konnect API's URL

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
        raise LabError(N_("no lab in {dir} ({state} not found): start one with `turnout lab up --dir {dir}`").format(
            dir=os.path.abspath(directory), state=STATE)) from None
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise LabError(N_("{path}: unreadable lab state: {why}").format(path=path, why=exc)) from None


def running(state: LabState) -> list[Proc]:
    return [p for p in state.procs if alive(p)]


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
            return parse_env(f.read())
    except (OSError, ValueError, KeyError, TypeError):
        return {}
