"""Preflight test material built from Kong's response samples (read through tests/shared_files.py,
never retyped), plus a tiny fake world.

Node shapes: 2.8 (``available_on_server`` maps names to true, no /status/ready), 3.4 (status_listen
off by default) and 3.9 (status_listen on loopback by default), all starting from the 3.6 OSS
``GET /`` sample and the DB-less ``/status`` sample.
"""

from __future__ import annotations

import dataclasses

from adapters.live import AsyncioRuntime
from rollout.errors import Unreachable
from rollout.observations import BackupRecord, DataPlaneRow, NodeInfo, NodeProbe, SmokeResult
from rollout.plan import Plan, load_plan
from rollout.ports import World

from .shared_files import sample

DEFAULT_STATUS_LISTEN = {"2.8": "off", "3.4": "off", "3.9": "127.0.0.1:8007 reuseport backlog=16384"}
REBOUND_STATUS_LISTEN = "0.0.0.0:8100"  # kong.conf.default's example, what an operator sets to probe remotely
SHAPE_VERSION = {"2.8": "2.8.5", "3.4": "3.4.2", "3.9": "3.9.3"}


def root_for(shape: str) -> dict:
    """The GET / sample reshaped to a version: 2.8 maps plugin names to true, 3.x to {version, priority}."""
    root = sample("admin-root-3.6-oss.json")
    root["version"] = SHAPE_VERSION[shape]
    if shape == "2.8":
        root["plugins"]["available_on_server"] = {name: True for name in root["plugins"]["available_on_server"]}
    return root


def node_info(name: str, shape: str, *, enabled: tuple[str, ...] | None = None, extra_plugins: tuple[str, ...] = (),
              role: str = "traditional", **changes) -> NodeInfo:
    """What the adapter would report for a healthy DB-less node of this shape."""
    root, status = root_for(shape), sample("status-dbless-docs.json")
    ready_body = sample("status-ready-docs.json")["200"]
    info = NodeInfo(
        node=name, reachable=True, version=root["version"], database="off", role=role,
        plugins_available=tuple(root["plugins"]["available_on_server"]) + extra_plugins,
        plugins_enabled=tuple(root["plugins"]["enabled_in_cluster"]) if enabled is None else enabled,
        config_hash=status["configuration_hash"], ready=shape != "2.8", ready_message="" if shape == "2.8" else ready_body["message"],
        status_reachable=True, status_listen=REBOUND_STATUS_LISTEN)
    return dataclasses.replace(info, **changes)


def dp_rows(name: str = "clustering-data-planes-3.3-3.4-docs.json", **changes) -> list[DataPlaneRow]:
    fields = [f.name for f in dataclasses.fields(DataPlaneRow)]
    rows = [DataPlaneRow(**{k: row[k] for k in fields}) for row in sample(name)["data"]]
    return [dataclasses.replace(rows[0], **changes)] + rows[1:] if changes else rows


def make_plan(x: str = "3.4.2", y: str = "3.9.3", *, mode: str = "dbless", nx: int = 2, ny: int = 2,
              lb: str = "{type: haproxy, socket: /nonexistent.sock, backend: kong}", extra: str = "") -> Plan:
    xs = ", ".join(f"{{name: x{i + 1}}}" for i in range(nx))
    ys = ", ".join(f"{{name: y{i + 1}}}" for i in range(ny))
    text = (f'turnout: 1\nname: preflight test\nmode: {mode}\n'
            f'pools:\n  x: {{version: "{x}", nodes: [{xs}]}}\n  y: {{version: "{y}", nodes: [{ys}]}}\n'
            f'load_balancer: {lb}\n{_metrics_for(lb)}steps:\n  - {{y: 10}}\n  - {{y: 50}}\n  - {{y: 100}}\n{extra}')
    return load_plan("preflight-test.yml", text)


def _metrics_for(lb: str) -> str:
    """An LB that counts no requests (command, nginx reload) needs the gates' numbers from elsewhere:
    these nodes have no URLs (so not Kong's /metrics), a Prometheus query names none."""
    counts = "haproxy" in lb or "mode: lua" in lb
    return "" if counts else 'metrics: {source: prometheus, url: "http://127.0.0.1:9", queries: {requests: r, errors: e}}\n'


def infos_for(plan: Plan, x_shape: str, y_shape: str, **y_changes) -> list[NodeInfo]:
    """X and Y nodes of the given shapes, reporting the plan's versions (unless ``y_changes`` says otherwise)."""
    role = "data_plane" if plan.mode == "hybrid" else "traditional"
    xs = [node_info(n, x_shape, role=role, version=plan.pools.x.version) for n in plan.pools.x.names]
    ys = [node_info(n, y_shape, role=role, **{"version": plan.pools.y.version, **y_changes}) for n in plan.pools.y.names]
    return xs + ys


class SampleKong:
    """The KongNodes port answering from prepared NodeInfos; ``backup`` writes the given kong.yml text."""

    def __init__(self, infos: list[NodeInfo], kong_yml: str | None = None):
        self.infos = {i.node: i for i in infos}
        self.kong_yml = kong_yml

    async def info(self, node):
        return self.infos[node.name]

    async def probe(self, node):
        i = self.infos[node.name]
        return NodeProbe(node.name, i.reachable, i.ready, i.version, i.config_hash)

    async def config(self, node):
        if self.kong_yml is None:
            raise Unreachable(node.name, "GET /config", "connection refused")
        return self.kong_yml

    async def backup(self, node, directory):
        if self.kong_yml is None:
            raise Unreachable(node.name, "GET /config", "connection refused")
        path = os.path.join(directory, f"{node.name}.yml")
        Path(path).write_text(self.kong_yml)
        return BackupRecord(node.name, path, "0" * 64, self.infos[node.name].config_hash)

    async def smoke(self, node, check):
        return SmokeResult(check.name, node.name, True)


class SampleControlPlane:
    def __init__(self, rows):
        self.rows = rows

    async def data_planes(self):
        if isinstance(self.rows, Exception):
            raise self.rows
        return self.rows


class Unused:
    """LB, metrics and fleet are not touched by preflight."""

    def __getattr__(self, name):
        raise AssertionError(f"preflight must not call {name}")


def sample_world(plan: Plan, infos: list[NodeInfo], kong_yml: str | None = None, rows=None, run_dir: str = ".") -> World:
    cp = SampleControlPlane(rows) if rows is not None else None
    return World(plan=plan, runtime=AsyncioRuntime(), kong=SampleKong(infos, kong_yml), lb=Unused(), metrics=Unused(),
                 fleet=Unused(), control_plane=cp, run_dir=run_dir)
