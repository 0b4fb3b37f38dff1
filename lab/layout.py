"""What the lab writes: the emulator's node spec, the haproxy.cfg servers and the ready-to-run plan.

Pure functions over a ``LabLayout`` (names, versions, URLs, paths), so the texts are tested
without starting anything. The plan is sized for the lab: a rollout takes well under a
minute (bakes of a few seconds, 2 s gate windows) and the gates judge from the first step at
about 500 rps of load (5% of 1,000 requests per window is 50 on Y, above ``min_requests``).

The lab's key-auth key is not a production secret, but the plan format refuses literal
secret headers, so the plan names it as ``${env:TURNOUT_LAB_KEY}`` and the key lives in the
lab's ``env`` file (mode 0600), which the plan names as its ``env_file`` (read by ``turnout run``).
"""

from __future__ import annotations

import shlex
import zlib
from dataclasses import dataclass, field
from typing import Any

import yaml

from rollout.faults import RATE

from .haproxy_config import Server

KEY_ENV = "TURNOUT_LAB_KEY"
KONNECT_TOKEN_ENV = "TURNOUT_LAB_KONNECT_TOKEN"  # --mode konnect: the emulated Konnect's token, in the env file
KONNECT_CP_NAME = "lab"  # the emulated Konnect control plane's name (its id is drawn per lab)
BACKEND = "kong"
CP_NAME = "cp"
DP_HOST_SUFFIX = ".lab"  # lab/emulator/cluster.py lists a DP named y1 as hostname y1.lab
LAB_STEPS = ({"y": 5, "bake": "6s"}, {"y": 25, "bake": "4s"}, {"y": 50, "bake": "4s"}, {"y": 100, "bake": "4s"})
LAB_GATES: dict[str, Any] = {
    "window": "2s",
    "min_requests": 25,
    "failures_to_rollback": 2,
    "error_rate": {"max": 0.01, "max_delta_vs_x": 0.01},
    # latency_p99_ms keeps the plan defaults (max 1000 ms, at most 1.3x X and more than
    # min_delta_ms 5 ms over it): HAProxy gives whole-millisecond averages, 0-2 ms on loopback,
    # and the floor keeps that rounding from failing a healthy Y (tests/test_lab_gates.py).
}


@dataclass(frozen=True)
class LabLayout:
    """Everything the lab's texts are made from (no I/O)."""

    lab_id: str
    mode: str  # dbless | hybrid | konnect
    x_version: str
    y_version: str
    x: tuple[str, ...]  # node names of pool X
    y: tuple[str, ...]
    urls: dict[str, dict[str, str]] = field(default_factory=dict)  # node -> {"admin", "status", "proxy"}
    socket: str = ""  # HAProxy runtime API address (unix path or tcp://)
    haproxy_cfg: str = ""
    backup_dir: str = ""
    konnect: str = ""  # --mode konnect: the emulated Konnect API's URL
    dump_command: str = ""  # --mode konnect: the backup template (python -m lab.konnect_dump, decK's flags)
    answer_ms: dict[str, float] | None = None  # {"p50", "p99"}: the nodes' stated answer time (lab.emulator.node.AnswerTime)

    @property
    def hybrid(self) -> bool:
        """Data planes of a control plane: the lab's own CP (hybrid) or the emulated Konnect's (konnect)."""
        return self.mode in ("hybrid", "konnect")

    @property
    def nodes(self) -> tuple[str, ...]:
        return self.x + self.y


def node_names(count: int, pool: str) -> tuple[str, ...]:
    return tuple(f"{pool}{i}" for i in range(1, count + 1))


def emulator_spec(layout: LabLayout, api_key: str, konnect: dict[str, str] | None = None) -> dict[str, Any]:
    """The ``python -m lab.emulator --spec`` document: X and Y nodes (and a CP in hybrid and konnect
    mode; ``konnect``: the emulated Konnect API's token and control plane id, lab/emulator/konnect.py)."""
    role = "data_plane" if layout.hybrid else "dbless"
    nodes: list[dict[str, Any]] = []
    if layout.hybrid:
        nodes.append({"name": CP_NAME, "version": layout.y_version, "role": "control_plane", "api_key": api_key,
                      "proxy": False, "status": False})
    for names, version in ((layout.x, layout.x_version), (layout.y, layout.y_version)):
        for i, name in enumerate(names):
            # a seed per lab and node: each lab draws its own fault sequence, as independent drills should
            seed = zlib.crc32(f"{layout.lab_id}:{name}".encode()) or i + 1
            node: dict[str, Any] = {"name": name, "version": version, "role": role, "api_key": api_key, "seed": seed}
            if layout.answer_ms:
                node["answer_ms"] = dict(layout.answer_ms)
            if role == "data_plane":
                node["control_plane"] = CP_NAME
            nodes.append(node)
    if layout.mode == "konnect" and konnect:
        return {"nodes": nodes, "konnect": {"control_plane": CP_NAME, "control_plane_name": KONNECT_CP_NAME, **konnect}}
    return {"nodes": nodes}


def haproxy_servers(layout: LabLayout) -> list[Server]:
    """X at full config weight, Y at 0: the lab starts where a rollout starts (100% on X)."""
    servers = []
    for name in layout.nodes:
        address = layout.urls[name]["proxy"].removeprefix("http://")
        servers.append(Server(name, address, 100 if name in layout.x else 0))
    return servers


def plan_document(layout: LabLayout) -> dict[str, Any]:
    def pool(names: tuple[str, ...], version: str) -> dict[str, Any]:
        nodes = [{"name": n, **{k: layout.urls[n][k] for k in ("admin", "status", "proxy")}} for n in names]
        if layout.hybrid:  # how the emulated CP (or Konnect) lists its DPs
            nodes = [{**node, "hostname": f"{node['name']}{DP_HOST_SUFFIX}"} for node in nodes]
        return {"version": version, "nodes": nodes}

    doc: dict[str, Any] = {
        "turnout": 1,
        "name": f"lab {layout.x_version} to {layout.y_version} ({layout.lab_id})",
        "mode": layout.mode,
        "pools": {"x": pool(layout.x, layout.x_version), "y": pool(layout.y, layout.y_version)},
        "env_file": "env",  # the lab's key, written beside the plan (adapters/env_file.py)
    }
    if layout.mode == "hybrid":
        doc["control_plane"] = {"admin": layout.urls[CP_NAME]["admin"], "version": layout.y_version}
    if layout.mode == "konnect":
        doc["konnect"] = {"base_url": layout.konnect, "control_plane_name": KONNECT_CP_NAME, "token_env": KONNECT_TOKEN_ENV,
                          "ping_max_age": "30s", "retry_after_max": "10s", "backup": {"command": layout.dump_command}}
    doc.update({
        "timeouts": {"request": "2s", "retries": 1, "ready": "20s"},
        "load_balancer": {"type": "haproxy", "socket": layout.socket, "backend": BACKEND, "config": layout.haproxy_cfg,
                          "drain_timeout": "2s"},
        "backup": {"dir": layout.backup_dir},
        "smoke": [
            {"name": "key-auth accepts the lab key",
             "request": {"method": "GET", "path": "/echo", "headers": {"apikey": "${env:" + KEY_ENV + "}"}},
             "expect": {"status": 200, "body_contains": '"node"'}},
            {"name": "key-auth rejects a missing key", "request": {"method": "GET", "path": "/echo"},
             "expect": {"status": 401}},
        ],
        "steps": [dict(s) for s in LAB_STEPS],
        "gates": LAB_GATES,
        "rollback": {"automatic": True, "retry": "1s"},
        "finish": {"decommission_x": True, "watch": "4s"},
    })
    return doc


def plan_text(layout: LabLayout) -> str:
    """lab/plan.yml: a header that says where it came from, then the plan."""
    header = (
        f"# Written by `turnout lab up` for lab {layout.lab_id}: {len(layout.x)} x Kong {layout.x_version} -> "
        f"{len(layout.y)} x Kong {layout.y_version} ({layout.mode}),\n"
        "# emulated nodes behind a real HAProxy on loopback. Run it with\n"
        "#   turnout run <this file> --headless --auto-approve\n"
        f"# (the key-auth key ${{env:{KEY_ENV}}} is read from the env file beside this plan).\n"
    )
    return header + yaml.safe_dump(plan_document(layout), sort_keys=False, width=140)


LOOPBACK_MS = {"p50": 0.5, "p99": 2.0}  # emulated nodes with no stated answer time, as HAProxy sees them on loopback
# A stated answer time is what the nodes take, to the microsecond (lab/emulator/__main__.py
# FineTimerSelector), and the scenario states no warm-up: a new Y server reads above a warm X server
# only as HAProxy measures it (its plain mean rounded up, sim/measure_haproxy.py), which the
# rehearsal models. The warm-up once stated here was the event loop's millisecond rounding.


def scenario_text(rps: float, y_error_share: float = 0.0, answer_ms: dict[str, float] | None = None) -> str:
    """The lab as a rehearsal scenario: its load, loopback-fast nodes that never fail on their own
    (or answering in the lab's stated ``answer_ms``), and (optionally) Y answering ``y_error_share``
    500s, from the moment Y gets traffic as in a drill.

    The fault is the scenario's ``error_rate`` with ``rate``; in the lab the same fault is the
    switch ``rollout.faults.as_switches("error_rate", rate=...)`` gives (``error_share``): one vocabulary,
    ``rollout.faults``, so the rehearsed and the real drill use the same number."""
    name = f"lab, Y answers {y_error_share:.0%} 500s" if y_error_share else "lab, healthy"
    doc: dict[str, Any] = {
        "name": name,
        "traffic": {"rps": rps},
        "nodes": {"capacity_rps": 5000, "latency_ms": dict(answer_ms or LOOPBACK_MS), "error_rate": 0.0, "start_s": "0s"},
        "load_balancer": {"health_check": "1s"},
        "faults": [{"kind": "error_rate", "pool": "y", RATE.name: y_error_share, "from": "0s"}] if y_error_share else [],
    }
    header = ("# Written by `turnout lab up`: the same world as the lab, for `turnout rehearse <plan> --scenario <this>`.\n"
              "# Y gets no traffic before the first step, so a fault `from: 0s` starts when Y gets traffic, as in\n"
              "# `turnout lab fault y --error-share ...` switched on during the shift.\n")
    return header + yaml.safe_dump(doc, sort_keys=False)


SCENARIOS = {"healthy.yml": 0.0, "y-errors-5pct.yml": 0.05}


def dump_command(python: str, package_root: str) -> str:
    """The lab's ``konnect.backup.command``: decK's dump flags, the emulated Konnect (lab/konnect_dump.py)."""
    where = shlex.quote(package_root).replace("{", "{{").replace("}", "}}")
    return (f"cd {where} && {shlex.quote(python)} -m lab.konnect_dump --konnect-addr {{base_url}} "
            "--konnect-token-file {token_file} --konnect-control-plane-name {control_plane_name} -o {file} --yes")


def env_text(api_key: str, konnect_token: str = "") -> str:
    text = f"# the lab consumer's key-auth key (not a production secret; mode 0600 all the same)\n{KEY_ENV}={api_key}\n"
    if konnect_token:
        text += f"# the emulated Konnect API's access token (--mode konnect)\n{KONNECT_TOKEN_ENV}={konnect_token}\n"
    return text


def parse_env(text: str) -> dict[str, str]:
    """``NAME=value`` lines (``export`` and comments allowed), as a shell would read them."""
    out = {}
    for line in text.splitlines():
        line = line.strip().removeprefix("export ").strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, _, value = line.partition("=")
        out[name.strip()] = value.strip().strip("'\"")
    return out
