"""Many emulated nodes in one process, plus a cluster control port.

``start_nodes(specs)`` binds every node on loopback and wires hybrid clusters: a control
plane lists its data planes in ``/clustering/data-planes`` (rows in the CP version's shape,
``sync_status`` from Kong's version rule unless a DP's ``sync_status`` fault overrides it,
``last_seen`` frozen once a DP stops), and a config posted to the CP reaches every
compatible DP, so their ``configuration_hash`` values agree as Kong's do.

The control port (optional) lets a lab in another process restart crashed nodes:
``GET /__turnout/nodes`` (every node's URLs), ``POST /__turnout/nodes/<name>/start|stop``,
``POST /__turnout/nodes/<name>/fault`` (same body as a node's own fault endpoint).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import asdict
from typing import Any, Iterable

from .admin import control
from .httpserver import HttpServer, Request, Response, json_response
from .konnect import DataPlaneFacts, KonnectApi
from .node import EmulatedNode, NodeSpec
from .shapes import compat_sync_status, data_plane_row


class EmulatorCluster:
    """The running nodes. ``urls()`` is what the CLI prints; ``stop()`` releases every port."""

    def __init__(self, nodes: list[EmulatedNode], host: str = "127.0.0.1"):
        self.host = host
        self.nodes = {n.spec.name: n for n in nodes}
        self.control_server: HttpServer | None = None
        self.konnect: KonnectApi | None = None
        self.konnect_server: HttpServer | None = None
        self._wire()

    def node(self, name: str) -> EmulatedNode:
        return self.nodes[name]

    def __getitem__(self, name: str) -> EmulatedNode:
        return self.nodes[name]

    def _wire(self) -> None:
        for node in self.nodes.values():
            if node.spec.role == "control_plane":
                node.rows = lambda cp=node: self.rows(cp)
                node.on_config = self.push_config
        for cp in (n for n in self.nodes.values() if n.spec.role == "control_plane"):
            self.push_config(cp)

    def data_planes_of(self, cp: EmulatedNode) -> list[EmulatedNode]:
        return [n for n in self.nodes.values() if n.spec.role == "data_plane" and n.spec.control_plane == cp.spec.name]

    def push_config(self, cp: EmulatedNode) -> None:
        """The CP pushes its config to every DP the version rule accepts (others keep their own)."""
        for dp in self.data_planes_of(cp):
            if compat_sync_status(cp.version, dp.version) == "normal":
                dp.loaded = cp.loaded

    def rows(self, cp: EmulatedNode) -> list[dict[str, Any]]:
        now = time.time()
        out = []
        for dp in self.data_planes_of(cp):
            status = dp.faults.sync_status or compat_sync_status(cp.version, dp.version)
            facts = {"id": dp.node_id, "ip": self.host, "hostname": f"{dp.spec.name}.lab", "version": dp.spec.version,
                     "config_hash": dp.config_hash(), "sync_status": status, "labels": dp.spec.labels,
                     "last_seen": dp.stopped_at if dp.stopped_at else now, "now": now}
            out.append(data_plane_row(cp.version, facts))
        return out

    def facts(self, cp: EmulatedNode) -> list[DataPlaneFacts]:
        """What the CP's DPs report, as Konnect lists them (``last_ping`` frozen once a DP stops)."""
        now = time.time()
        return [DataPlaneFacts(dp.spec.name, dp.node_id, f"{dp.spec.name}.lab", dp.spec.version, dp.config_hash(),
                               dp.stopped_at or now, compat_sync_status(cp.version, dp.version) == "normal")
                for dp in self.data_planes_of(cp)]

    async def start_konnect(self, spec: dict[str, Any], port: int = 0) -> str:
        """The emulated Konnect API over the DPs of ``spec["control_plane"]`` (lab/emulator/konnect.py)."""
        cp = self.nodes[spec["control_plane"]]
        self.konnect = KonnectApi(spec["token"], spec["control_plane_id"], spec["control_plane_name"], lambda: self.facts(cp),
                                  lambda: cp.loaded.text)
        self.konnect_server = HttpServer(self.konnect.handle)
        await self.konnect_server.start(self.host, port)
        return f"http://{self.host}:{self.konnect_server.port}"

    def urls(self) -> dict[str, Any]:
        out: dict[str, Any] = {"nodes": {name: n.urls() for name, n in self.nodes.items()}}
        if self.control_server is not None:
            out["control"] = f"http://{self.host}:{self.control_server.port}"
        if self.konnect_server is not None:
            out["konnect"] = f"http://{self.host}:{self.konnect_server.port}"
        return out

    async def start_control(self, port: int = 0) -> str:
        self.control_server = HttpServer(self._control_handler)
        await self.control_server.start(self.host, port)
        return f"http://{self.host}:{self.control_server.port}"

    async def restart(self, name: str) -> None:
        node = self.nodes[name]
        if node.running:
            await node.stop()
        await node.start()

    async def stop(self) -> None:
        for node in self.nodes.values():
            await node.stop()
        for server in (self.control_server, self.konnect_server):
            if server is not None:
                await server.stop()
        self.control_server = self.konnect_server = None

    def _control_handler(self, req: Request) -> Response:
        parts = req.path.strip("/").split("/")
        if parts[:2] != ["__turnout", "nodes"]:
            return json_response(404, {"message": "unknown control endpoint"})
        if len(parts) == 2:
            return json_response(200, self.urls())
        node = self.nodes.get(parts[2])
        if node is None or len(parts) != 4:
            return json_response(404, {"message": f"no node {parts[2]!r}" if len(parts) > 2 else "unknown"})
        action = parts[3]
        if action in ("start", "stop") and req.method == "POST":
            asyncio.ensure_future(node.start() if action == "start" and not node.running else node.stop())
            return json_response(202, {"node": node.spec.name, "action": action})
        if action in ("fault", "counters"):
            inner = Request(req.method, f"/__turnout/{action}", req.headers, req.body)
            return control(node, inner)
        return json_response(404, {"message": f"unknown action {action!r}"})


def parse_specs(data: Any) -> list[NodeSpec]:
    """``{"nodes": [...]}`` or a bare list of node objects -> specs (clear ValueError on bad input)."""
    items = data.get("nodes") if isinstance(data, dict) else data
    if not isinstance(items, list) or not items:
        raise ValueError('expected {"nodes": [ {name, version, ...}, ... ]}')
    specs = [NodeSpec.from_dict(item) if isinstance(item, dict) else item for item in items]
    names = [s.name for s in specs]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"duplicate node name(s): {', '.join(dupes)}")
    for spec in specs:
        if spec.role == "data_plane" and spec.control_plane and spec.control_plane not in names:
            raise ValueError(f"node {spec.name!r}: control_plane {spec.control_plane!r} is not a node in this spec")
    return specs


async def start_nodes(specs: Iterable[NodeSpec | dict[str, Any]] | dict[str, Any], host: str = "127.0.0.1",
                      control_port: int | None = None) -> EmulatorCluster:
    """Start every node (and the control port when ``control_port`` is not None; 0 = a free port),
    and the emulated Konnect API when the spec document has a ``konnect`` block.

    On any failure the nodes already bound are stopped again before the error propagates."""
    parsed = parse_specs(specs if isinstance(specs, dict) else list(specs))
    cluster = EmulatorCluster([EmulatedNode(spec, host) for spec in parsed], host)
    try:
        for node in cluster.nodes.values():
            await node.start()
        if control_port is not None:
            await cluster.start_control(control_port)
        if isinstance(specs, dict) and isinstance(specs.get("konnect"), dict):
            await cluster.start_konnect(specs["konnect"])
    except BaseException:
        await cluster.stop()
        raise
    return cluster


def spec_json(specs: list[NodeSpec]) -> str:
    return json.dumps({"nodes": [asdict(s) for s in specs]})
