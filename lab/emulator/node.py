"""One emulated Kong node: its spec, its run-time faults, its three ports.

A node plays one Kong version (``NodeSpec.version``) in one role (``dbless``, ``data_plane``
or ``control_plane``) on up to three loopback ports: Admin API (plus the ``/__turnout/``
control endpoints), Status API, proxy. The Admin API handlers live in admin.py; the proxy
and Status API handlers are here because the proxy is the hot path (the lab pushes hundreds
of requests per second through HAProxy to it) and stays a handful of dict lookups.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
import uuid
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Callable

from adapters.kong_codec import EMPTY_HASH
from rollout.faults import SWITCHES, as_switches, check_switches
from rollout.kong.version import KongVersion

from . import declarative, metrics, shapes
from .admin import admin_handler
from .httpserver import HttpServer, Request, Response, json_response

ROLES = ("dbless", "data_plane", "control_plane")
HEALTH = Response(200, b'{"message":"ok"}', wire={})  # the LB's health check route; never delayed or counted


@dataclass
class NodeSpec:
    """What a node plays. ``ports`` maps admin/status/proxy to fixed ports (0 or absent: a free one)."""

    name: str
    version: str
    role: str = "dbless"
    api_key: str = "lab-key"
    admin_token: str | None = None  # when set, the Admin API wants it (header ``admin_token_header``)
    admin_token_header: str = "Kong-Admin-Token"
    config: str | None = None  # kong.yml text; default: declarative.lab_config(api_key)
    plugins: list[str] | None = None  # available_on_server; default: shapes.BUNDLED_PLUGINS
    control_plane: str | None = None  # a data plane's CP (a node name in the same cluster)
    status: bool = True  # serve a Status API port
    proxy: bool = True  # serve a proxy port (control planes have none by default)
    ports: dict[str, int] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    page_size: int = 100  # control plane: rows per /clustering/data-planes page
    seed: int = 0
    answer_ms: dict[str, float] | None = None  # {"p50", "p99"}: the proxy's own answer time, log-normal (None: at once)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "NodeSpec":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"node {data.get('name', '?')!r}: unknown key(s) {', '.join(unknown)}")
        missing = [k for k in ("name", "version") if not data.get(k)]
        if missing:
            raise ValueError(f"node {data.get('name', '?')!r}: missing {' and '.join(missing)}")
        spec = cls(**data)
        AnswerTime.check(spec.name, spec.answer_ms)
        if spec.role not in ROLES:
            raise ValueError(f"node {spec.name!r}: role must be one of {', '.join(ROLES)}, not {spec.role!r}")
        KongVersion.lenient(spec.version)
        return spec


@dataclass(frozen=True)
class AnswerTime:
    """How long the node takes to answer a proxied request before any fault: a log-normal through
    ``{p50, p99}`` (ms), as the rehearsal's scenarios state a node's latency (sim/nodes.py).

    Why: on loopback the emulator answers in a fraction of a millisecond, and how large that
    fraction is depends on the machine and its load, so HAProxy's whole-millisecond averages of
    the same lab read 0 ms on one machine and 1-3 ms on another. A stated answer time makes the
    lab a world a rehearsal can be told (lab.layout.scenario_text says the same numbers)."""

    p50: float
    p99: float

    @staticmethod
    def check(node: str, answer: dict[str, float] | None) -> None:
        if answer is None:
            return
        if set(answer) != {"p50", "p99"} or not 0 < answer["p50"] <= answer["p99"]:
            raise ValueError(f"node {node!r}: answer_ms must be {{p50, p99}} with 0 < p50 <= p99, not {answer!r}")

    def draw(self, rng: random.Random) -> float:
        """One answer time, in seconds."""
        sigma = math.log(self.p99 / self.p50) / Z99
        return rng.lognormvariate(math.log(self.p50), sigma) / 1000.0


Z99 = 2.3263478740408408  # the standard normal's 99th percentile


@dataclass
class Faults:
    """Run-time faults, switched through ``POST /__turnout/fault``.

    The body is any subset of these switches, or one fault in the scenario's words
    (``{"kind": "error_rate", "rate": 0.05}``). Their meanings, bounds and "off" values are
    declared once in ``rollout.faults.SWITCHES``, shared with the rehearsal's scenarios and
    ``turnout lab fault``; a test checks that these fields are exactly those switches.
    """

    latency_ms: float = SWITCHES["latency_ms"].off  # added to every Admin, Status and proxy answer
    route_latency_ms: float = SWITCHES["route_latency_ms"].off  # added to proxied requests on route_prefix
    route_prefix: str | None = SWITCHES["route_prefix"].off  # the slow route's path prefix
    error_share: float = SWITCHES["error_share"].off  # share of proxied requests answered 500 by the "upstream"
    not_ready: bool | str = SWITCHES["not_ready"].off  # True: no config loaded (hash zeros); a string: that 503 message (3.3+)
    config_hash: str | None = SWITCHES["config_hash"].off  # report this hash instead of the loaded one
    config_hash_drift: bool = SWITCHES["config_hash_drift"].off  # the hash changes on every /status
    crash: bool = SWITCHES["crash"].off  # close every port now (restart through the cluster control endpoint)
    sync_status: str | None = SWITCHES["sync_status"].off  # hybrid: what the CP reports for this DP
    admin_status: int | None = SWITCHES["admin_status"].off  # every Admin and Status API answer has this status
    plugin_missing: str | None = SWITCHES["plugin_missing"].off  # left out of plugins.available_on_server
    key_auth_message: str | None = SWITCHES["key_auth_message"].off  # key-auth's 401 message instead of the version's
    key_auth_rejects: bool = SWITCHES["key_auth_rejects"].off  # key-auth rejects valid keys too

    def update(self, data: dict[str, Any]) -> None:
        """Switch faults on or off; nothing changes when any key or value is refused (ValueError)."""
        if "kind" in data:
            params = dict(data)
            data = as_switches(params.pop("kind"), **params)
        problems = check_switches(data)
        if problems:
            raise ValueError("; ".join(problems))
        for key, value in data.items():
            setattr(self, key, value)


@dataclass
class Counters:
    """What the node itself counted on its proxy port (``/health`` excluded)."""

    requests: int = 0
    errors: int = 0  # 5xx answered
    by_code: dict[int, int] = field(default_factory=dict)
    total_requests: int = 0  # every request on every port, as /status's server.total_requests
    bytes_in: int = 0  # proxied request bodies (prometheus bandwidth, ingress)
    bytes_out: int = 0  # proxied answer bodies (egress)

    def as_json(self, name: str) -> dict[str, Any]:
        return {"node": name, "requests": self.requests, "errors": self.errors,
                "by_code": {str(k): v for k, v in sorted(self.by_code.items())}, "total_requests": self.total_requests}


class EmulatedNode:
    """A node's state and handlers; ``start``/``stop`` bind and release its ports (kept across restarts)."""

    def __init__(self, spec: NodeSpec, host: str = "127.0.0.1"):
        self.spec = spec
        self.host = host
        self.version: KongVersion = KongVersion.lenient(spec.version)
        self.node_id = str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{spec.name}.turnout.emulator"))
        self.faults = Faults()
        self.counters = Counters()
        self.latency = metrics.new_histogram(self.version)
        self.rng = random.Random(spec.seed or spec.name)
        self.answer = AnswerTime(**spec.answer_ms) if spec.answer_ms else None
        self.answer_rng = random.Random(f"{spec.seed or spec.name}:answer")  # its own stream: faults draw theirs unchanged
        self.draining = False
        self.stopped_at: float | None = None
        self.drift = 0
        # The boot config is checked against every bundled plugin, so a spec that takes a plugin away
        # (a preflight drill) still boots; POST /config checks against ``installed()``.
        boot = spec.config or declarative.lab_config(spec.api_key, self._format())
        self.loaded = declarative.load(self.version, boot, frozenset(shapes.BUNDLED_PLUGINS) | self.installed())
        self.on_config: Callable[["EmulatedNode"], None] | None = None  # the cluster pushes CP config to DPs
        self.rows: Callable[[], list[dict[str, Any]]] = list  # the cluster fills a CP's data-plane rows
        self.servers: dict[str, HttpServer] = {}
        self.ports: dict[str, int] = dict(spec.ports)
        self._echo = self._echo_response()

    def installed(self) -> frozenset[str]:
        """The plugins this node has (``available_on_server``); a config naming another is refused."""
        return frozenset(self.spec.plugins if self.spec.plugins is not None else shapes.BUNDLED_PLUGINS)

    def _format(self) -> str:
        return "3.0" if self.version.at_least(3, 0) else "2.1"

    # ---- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        handlers = {"admin": lambda r: admin_handler(self, r), "status": self.status_handler, "proxy": self.proxy_handler}
        wanted = ["admin"] + (["status"] if self.spec.status else []) + (["proxy"] if self.spec.proxy else [])
        for port_name in wanted:
            server = HttpServer(handlers[port_name])
            self.ports[port_name] = await server.start(self.host, self.ports.get(port_name, 0))
            self.servers[port_name] = server
        self.stopped_at = None
        self.draining = False
        self.faults.crash = False

    async def stop(self) -> None:
        for server in self.servers.values():
            await server.stop()
        self.servers.clear()
        self.stopped_at = time.time()

    @property
    def running(self) -> bool:
        return bool(self.servers)

    def urls(self) -> dict[str, Any]:
        out: dict[str, Any] = {"version": self.spec.version, "role": self.spec.role, "running": self.running}
        for port_name, port in self.ports.items():
            out[port_name] = f"http://{self.host}:{port}"
        return out

    # ---- state -----------------------------------------------------------------------------
    def config_hash(self) -> str:
        if self.faults.not_ready is True:
            return EMPTY_HASH
        if self.faults.config_hash_drift:
            self.drift += 1
            return declarative.md5(f"{self.loaded.config_hash}:{self.drift}")
        return self.faults.config_hash or self.loaded.config_hash

    def delay(self) -> float:
        return max(0.0, float(self.faults.latency_ms)) / 1000.0

    def route_delay(self, path: str) -> float:
        """The route_latency fault: seconds added to a proxied request on the slow route only."""
        prefix = self.faults.route_prefix
        return max(0.0, float(self.faults.route_latency_ms)) / 1000.0 if prefix and path.startswith(prefix) else 0.0

    def kong_headers(self) -> list[tuple[str, str]]:
        return [("Server", f"kong/{self.spec.version}")]

    def status_body(self) -> dict[str, Any]:
        c = self.counters
        server = {"total_requests": c.total_requests, "connections_active": len(self._connections()),
                  "connections_accepted": c.total_requests, "connections_handled": c.total_requests,
                  "connections_reading": 0, "connections_writing": 1, "connections_waiting": 0}
        return shapes.node_status(self.version, self.spec.role, self.config_hash(), server)

    def _connections(self) -> list[Any]:
        return [c for s in self.servers.values() for c in s.connections]

    def metrics_text(self) -> str:
        c = self.counters
        traffic = metrics.Traffic(c.by_code, self.latency, c.total_requests, c.bytes_in, c.bytes_out)
        return metrics.render(self.version, self.node_id, traffic, metrics.exporting(self.version, self.loaded.doc))

    def schedule_crash(self) -> None:
        asyncio.get_running_loop().call_soon(lambda: asyncio.ensure_future(self.stop()))

    # ---- Status API ------------------------------------------------------------------------
    def status_handler(self, req: Request) -> Response:
        self.counters.total_requests += 1
        resp = self.broken() or self.status_answer(req)
        resp.delay = self.delay()
        return resp

    def broken(self) -> Response | None:
        """The ``admin_status`` fault: the node's APIs answer that status with Kong's 5xx text."""
        code = self.faults.admin_status
        if not code:
            return None
        return json_response(int(code), {"message": "An unexpected error occurred"}, self.kong_headers())

    def status_answer(self, req: Request) -> Response:
        path, h = req.path, self.kong_headers()
        if path == "/status" and req.method == "GET":
            return json_response(200, self.status_body(), h)
        if path == "/metrics" and req.method == "GET":
            return Response(200, self.metrics_text().encode(), h, content_type="text/plain; charset=UTF-8")
        if path == "/status/ready" and self.version.at_least(3, 3):
            return self._ready(req, h)
        return json_response(404, {"message": "Not found"}, h)

    def _ready(self, req: Request, h: list[tuple[str, str]]) -> Response:
        if req.method == "POST" and self.version.at_least(3, 9):
            # ``kong drain`` sends JSON; the route reads lapis params, so a form body works too
            ok = req.params().get("status") == "draining"
            self.draining = self.draining or ok
            return Response(204, b"", h) if ok else json_response(400, {"message": "invalid request"}, h)
        if req.method != "GET":
            return json_response(405, {"message": "Method not allowed"}, h)
        not_ready = self.faults.not_ready
        message = not_ready if isinstance(not_ready, str) else (shapes.NOT_READY_NO_CONFIG if not_ready else "")
        empty = self.loaded.empty and not not_ready
        code, body = shapes.ready(self.version, self.spec.role, self.config_hash(), message, self.draining, empty)
        return json_response(code, body, h)

    # ---- proxy (hot path) ------------------------------------------------------------------
    def _echo_response(self) -> Response:
        body = f'{{"node":"{self.spec.name}","version":"{self.spec.version}"}}'.encode()
        via = f"1.1 kong/{self.spec.version}" if self.version.at_least(3, 0) else f"kong/{self.spec.version}"
        return Response(200, body, [("X-Kong-Node", self.spec.name), ("Via", via)], wire={})

    def proxy_handler(self, req: Request) -> Response:
        c = self.counters
        c.total_requests += 1
        path = req.path
        if path == "/health":
            return HEALTH
        c.requests += 1
        if path == "/echo" or path.startswith("/echo/"):
            resp = self._keyauth(req) or self._upstream()
        else:
            resp = json_response(404, {"message": "no Route matched with those values"}, self.kong_headers())
        c.by_code[resp.status] = c.by_code.get(resp.status, 0) + 1
        c.bytes_in += len(req.body)
        c.bytes_out += len(resp.body)
        if resp.status >= 500:
            c.errors += 1
        delay = self.delay() + self.route_delay(path) + (self.answer.draw(self.answer_rng) if self.answer else 0.0)
        self.latency.observe(delay * 1000.0 + 0.5)
        if delay:
            resp = Response(resp.status, resp.body, resp.headers, delay=delay, wire=resp.wire)
        return resp

    def _keyauth(self, req: Request) -> Response | None:
        """key-auth as the played version does it: header or query ``apikey``, 401 with its text."""
        key = req.headers.get("apikey")
        if key is None and "apikey=" in req.target:
            key = req.query.get("apikey")
        if key in self.loaded.keys and not self.faults.key_auth_rejects:
            return None
        body, headers = shapes.key_auth_reject(self.version, "missing" if not key else "invalid")
        if self.faults.key_auth_message is not None:  # the key_auth_change fault: a client reading the message breaks
            body = {"message": self.faults.key_auth_message}
        return json_response(401, body, self.kong_headers() + headers)

    def _upstream(self) -> Response:
        if self.faults.error_share and self.rng.random() < float(self.faults.error_share):
            return json_response(500, {"message": "injected upstream error", "node": self.spec.name},
                                 [("X-Kong-Node", self.spec.name)])
        return self._echo

    def reset_counters(self) -> None:
        self.counters = Counters()
        self.latency = metrics.new_histogram(self.version)

    def counters_json(self) -> dict[str, Any]:
        return {**self.counters.as_json(self.spec.name), "faults": asdict(self.faults)}
