"""The plan: one rolling upgrade of Kong nodes from pool X to pool Y, as the operator wrote it.

The model is strict (unknown keys are errors) because a misspelt ``aproval: true`` that is
silently ignored is how traffic moves without a human looking, and its values are held to what a
live run survives: finite bounded durations, strict numbers, names safe for the run directory and
the LB's syntax (rollout.plan_values says why each rule exists). ``load_plan`` reports every
problem at once, each located as ``FILE:LINE: key.path: what is wrong`` (see rollout.located);
a hostile file is refused in one line before that (rollout.yaml_input). The format and its
limits are documented in docs/plan-format.md.
"""

from __future__ import annotations

import re
from typing import Annotated, ClassVar, Literal, Union, get_args

from pydantic import BaseModel, Field, field_validator

from .env_refs import ENV_REF
from .errors import Problem
from .i18n import N_, _, ngettext
from .located import load_model
from .plan_konnect import Konnect, konnect_problems
from .plan_values import (IDENT, STRICT, Duration, EnvName, HttpToken, Label, LbToken, Line, NodeName, NotBool, RunName,
                          duration, haproxy_name, nginx_name, one_line)

Percent = Annotated[int, Field(ge=0, le=100)]
SECRET_HEADER = re.compile(r"(apikey|api-key|authorization|token|secret|password)", re.I)


class Strict(BaseModel):
    model_config = STRICT  # unknown keys refused; numbers must be numbers, finite (see plan_values)


class Node(Strict):
    """One Kong node (DB-less) or data plane (hybrid, konnect)."""

    name: NodeName
    admin: Line | None = None  # Admin API base URL
    status: Line | None = None  # Status API base URL (status_listen); /status/ready lives only here
    proxy: Line | None = None  # proxy URL; smoke requests go here directly, not through the LB
    server: LbToken | None = None  # the LB's name for this node when it is not ``name``
    metrics: Line | None = None  # where /metrics is served when not on the Status API
    hostname: LbToken | None = None  # hybrid, konnect: the DP's hostname as the CP (or Konnect) lists it, when not ``name``

    @property
    def lb_name(self) -> str:
        return self.server or self.name


class Pool(Strict):
    version: Label
    nodes: list[Node] = Field(min_length=1)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n.name for n in self.nodes)


class Pools(Strict):
    x: Pool
    y: Pool


class ControlPlane(Strict):
    admin: Line
    version: Label | None = None


class AdminAuth(Strict):
    header: HttpToken = "Kong-Admin-Token"
    token_env: EnvName  # a pasted token is refused without being echoed


class Tls(Strict):
    verify: bool = True
    ca_file: Line | None = None


class Timeouts(Strict):
    request: duration(0.1, 600.0) = 5.0  # one HTTP call to a node
    retries: int = Field(default=2, ge=0, le=10)
    ready: duration(1.0, 86400.0) = 300.0  # how long a started Y node may take to become ready


class HAProxyLB(Strict):
    type: Literal["haproxy"]
    rehearsal_only: ClassVar[bool] = False
    counts_requests: ClassVar[bool] = True  # ``show stat`` counts requests, 5xx and response times per server
    socket: str  # unix socket path or tcp://HOST:PORT of the runtime API (level admin)
    backend: str
    config: str | None = None  # haproxy.cfg, read to find server-state-file
    state_file: str | None = None  # where ``show servers state`` is saved after each change
    max_weight: int = Field(default=256, ge=1, le=256)
    drain_timeout: Duration = 30.0  # retire: wait this long for a server's open sessions to end before maint

    _backend_name = field_validator("backend")(haproxy_name)  # sent in `;`-joined runtime API lines
    _one_line = field_validator("socket", "config", "state_file")(one_line)


class NginxLB(Strict):
    type: Literal["nginx"]
    rehearsal_only: ClassVar[bool] = False
    mode: Literal["reload", "lua"] = "reload"

    @property
    def counts_requests(self) -> bool:
        """Only the Lua balancer snippet counts requests per pool; a reloaded upstream block counts nothing."""
        return self.mode == "lua"

    upstream_file: str | None = None  # reload mode: the file Turnout writes
    upstream: str = "kong"  # reload mode: the upstream block's name
    conf: str | None = None  # nginx.conf for `nginx -t -c` and `-s reload`
    binary: str = "nginx"
    admin: str | None = None  # lua mode: the loopback admin location, e.g. http://127.0.0.1:8083/weights
    status: str | None = None  # stub_status URL, optional

    _upstream_name = field_validator("upstream")(nginx_name)  # written as `upstream NAME {`
    _one_line = field_validator("upstream_file", "conf", "binary", "admin", "status")(one_line)


class CommandLB(Strict):
    type: Literal["command"]
    rehearsal_only: ClassVar[bool] = False
    counts_requests: ClassVar[bool] = False  # only its commands know what it does
    set_weights: str  # shell template with {x} and {y} (percent); may use {x_weight}/{y_weight}
    get_weights: str | None = None  # prints "X Y" (percent) on stdout
    timeout: Duration = 30.0


class SimLB(Strict):
    type: Literal["sim"]
    rehearsal_only: ClassVar[bool] = True  # the simulated LB exists only in a rehearsal
    counts_requests: ClassVar[bool] = True  # the rehearsal's world counts every request
    propagation: Duration = 1.0


LB_SPECS = (HAProxyLB, NginxLB, CommandLB, SimLB)  # one per load_balancer.type; rollout/lb_types.py: what each can do
LoadBalancer = Annotated[Union[LB_SPECS], Field(discriminator="type")]


def lb_type_name(spec: type[Strict]) -> str:
    """The ``load_balancer.type`` a model answers to (its ``type`` Literal)."""
    return get_args(spec.model_fields["type"].annotation)[0]


class PromQueries(Strict):
    """PromQL with ``{pool}`` (x or y) and ``{window}`` (e.g. 60s) placeholders."""

    requests: str
    errors: str
    p50_ms: str | None = None
    p99_ms: str | None = None


class MetricsSpec(Strict):
    source: Literal["lb", "kong", "prometheus"] = "lb"
    url: str | None = None  # Prometheus base URL (source: prometheus)
    queries: PromQueries | None = None


class Backup(Strict):
    dir: Line = "./backups"
    kong_yml: Line | None = None  # used when the node's version does not serve GET /config


class SmokeRequest(Strict):
    method: HttpToken = "GET"
    path: Line = "/"
    headers: dict[HttpToken, Line] = Field(default_factory=dict)
    body: str | None = None


class SmokeExpect(Strict):
    status: int = Field(default=200, ge=100, le=599)
    body_contains: str | None = None


class SmokeCheck(Strict):
    name: Label
    request: SmokeRequest
    expect: SmokeExpect = SmokeExpect()


class Step(Strict):
    y: Percent
    bake: Duration = 60.0  # 0s is a step of one judged window
    approve: bool = False  # ask the operator before traffic moves to this step


class ErrorRateGate(Strict):
    max: float = Field(default=0.01, ge=0, le=1)
    max_delta_vs_x: float | None = Field(default=0.005, ge=0, le=1)  # the regression over X worth rolling back
    dry_run: bool = False  # judged, journaled and shown; never moves traffic


class LatencyGate(Strict):
    max: float = Field(default=1000, gt=0)
    max_ratio_vs_x: float | None = Field(default=1.3, gt=0)
    min_delta_ms: float = Field(default=5.0, ge=0, le=60000)  # a ratio never fails Y less slower than this; 0: bare ratio
    dry_run: bool = False


class Gates(Strict):
    window: duration(0.05, 86400.0) = 60.0  # every window is a judged, journaled event
    min_requests: int = Field(default=200, ge=1)
    failures_to_rollback: int = Field(default=2, ge=1)
    error_rate: ErrorRateGate = ErrorRateGate()
    latency_p99_ms: LatencyGate = LatencyGate()
    # Percentage points the observed share on Y may differ from the configured split before the
    # run holds (the LB is not doing what it was told); judged on windows with min_requests.
    max_split_error: float = Field(default=10.0, gt=0, le=100)
    per_node: bool = True  # judge each Y node against X too (and name it)
    # The chance that a healthy Y is rolled back over the whole rollout; each test's level follows
    # from it (rollout.evidence.Budget).
    false_rollback_rate: float = Field(default=0.01, gt=0, lt=1)


class Rollback(Strict):
    automatic: bool = True  # off in drills: the trainee decides
    on_command_failure: Literal["hold", "rollback"] = "hold"
    retry: duration(1.0, 600.0) = 2.0  # how often a failed rollback weight change is tried again (maybe for hours)


class Finish(Strict):
    decommission_x: bool = True
    watch: Duration = 600.0


class Provision(Strict):
    """Shell templates with ``{name}`` run per node; the driver then waits for readiness."""

    start_y: str | None = None
    stop_x: str | None = None


class Plan(Strict):
    turnout: Annotated[Literal[1], NotBool]
    name: RunName
    mode: Literal["dbless", "hybrid", "konnect"]  # konnect: hybrid DPs whose control plane is Kong Konnect
    pools: Pools
    control_plane: ControlPlane | None = None
    konnect: Konnect | None = None  # mode konnect: where Konnect lists the DPs (rollout/plan_konnect.py)
    admin_auth: AdminAuth | None = None
    env_file: Line | None = None  # NAME=value file (relative to the plan) filling the environment at run time; see adapters/env_file.py
    tls: Tls = Tls()
    timeouts: Timeouts = Timeouts()
    load_balancer: LoadBalancer
    metrics: MetricsSpec = MetricsSpec()
    backup: Backup = Backup()
    provision: Provision = Provision()
    smoke: list[SmokeCheck] = Field(default_factory=list)
    steps: list[Step] = Field(min_length=1)
    gates: Gates = Gates()
    rollback: Rollback = Rollback()
    finish: Finish = Finish()

    @property
    def data_planes(self) -> bool:
        """The nodes are data planes of a control plane: the plan's own (hybrid) or Konnect's (konnect)."""
        return self.mode in ("hybrid", "konnect")

    def node(self, name: str) -> Node:
        for pool in (self.pools.x, self.pools.y):
            for node in pool.nodes:
                if node.name == name:
                    return node
        raise KeyError(name)


def check_plan(plan: Plan) -> list[tuple[str, ...]]:
    """The rules that span keys; returns (key.path, message[, key.path to point the line at])."""
    problems: list[tuple[str, ...]] = []
    if plan.steps[-1].y != 100:
        problems.append((f"steps.{len(plan.steps) - 1}.y",
                         N_("the last step must send 100% to Y, not {y}").format(y=plan.steps[-1].y)))
    for i in range(1, len(plan.steps)):
        if plan.steps[i].y < plan.steps[i - 1].y:
            problems.append((f"steps.{i}.y", N_("steps must not go back ({before} then {after}); rollback is not a step").format(
                before=plan.steps[i - 1].y, after=plan.steps[i].y)))
    if plan.mode == "hybrid" and plan.control_plane is None:
        problems.append(("control_plane", N_("a hybrid plan needs control_plane.admin (the CP's Admin API)"), "mode"))
    if plan.mode == "konnect" and plan.control_plane is not None:
        problems.append(("control_plane", N_("a konnect plan's control plane is Konnect's: name it in the konnect block")))
    problems += konnect_problems(plan.mode, plan.konnect)
    seen: dict[str, str] = {}
    for pool in ("x", "y"):
        for i, node in enumerate(getattr(plan.pools, pool).nodes):
            if node.name in seen:
                problems.append((f"pools.{pool}.nodes.{i}.name", N_("duplicate node name {name} (also in {where})").format(
                    name=repr(node.name), where=seen[node.name])))
            seen.setdefault(node.name, f"pools.{pool}")
    for i, check in enumerate(plan.smoke):
        for header, value in check.request.headers.items():
            if SECRET_HEADER.search(header) and not ENV_REF.match(value):
                problems.append((f"smoke.{i}.request.headers.{header}", N_('a secret written in clear; use "${{env:NAME}}"')))
    if plan.metrics.source == "lb" and not plan.load_balancer.counts_requests:
        problems.append(("metrics.source", N_("source lb reads HAProxy stats (or the nginx Lua balancer's counters); "
                                            "this load balancer counts no requests: use source kong or prometheus")))
    if not plan.load_balancer.rehearsal_only:
        problems += _metrics_sources(plan)
    if plan.load_balancer.type == "haproxy":
        problems += _haproxy_server_names(plan)
    return problems


def _metrics_sources(plan: Plan) -> list[tuple[str, ...]]:
    """What a live run's metrics source needs, said at validate rather than when the run starts
    (a rehearsal simulates the metrics, so a plan for the simulated LB needs none of it)."""
    spec = plan.metrics
    if spec.source == "prometheus" and (not spec.url or not spec.queries):
        return [("metrics", N_("source prometheus needs metrics.url and metrics.queries (requests, errors)"))]
    if spec.source != "kong":
        return []
    return [(f"pools.{pool}.nodes.{i}", N_("metrics.source kong needs the node's metrics, status or admin URL ({name} has none)").format(
        name=node.name))
            for pool in ("x", "y") for i, node in enumerate(getattr(plan.pools, pool).nodes)
            if not (node.metrics or node.status or node.admin)]


def _haproxy_server_names(plan: Plan) -> list[tuple[str, ...]]:
    """A node's ``server:`` is an HAProxy server name behind an HAProxy LB (node names always are)."""
    return [(f"pools.{pool}.nodes.{i}.server", N_("an HAProxy server name is letters, digits and . _ : - (got {value})").format(
        value=repr(node.server)))
            for pool in ("x", "y") for i, node in enumerate(getattr(plan.pools, pool).nodes)
            if node.server is not None and not IDENT.fullmatch(node.server)]


SPECIAL_MESSAGES = {
    "admin_auth.token": N_("a token written in clear; put it in an environment variable and name it with token_env"),
    "konnect.token": N_("a token written in clear; put it in an environment variable and name it with konnect.token_env"),
}


def load_plan(path: str, text: str | None = None) -> Plan:
    """Read, validate and cross-check a plan; raise PlanError listing every located problem."""
    return load_model(path, Plan, check_plan, text=text, special=SPECIAL_MESSAGES,
                      tags=tuple(lb_type_name(spec) for spec in LB_SPECS))


def plan_summary(plan: Plan) -> str:
    """The one line ``turnout validate`` prints for a valid plan, in the reader's language (it is shown, never stored)."""
    def nodes(n: int) -> str:
        return ngettext("{n} node", "{n} nodes", n).format(n=n)

    smoke = ngettext("{n} smoke check", "{n} smoke checks", len(plan.smoke)).format(n=len(plan.smoke))
    return _("{name}: {mode}, X {x_version} ({x_nodes}) -> Y {y_version} ({y_nodes}), LB {lb}, "
             "steps {steps}% on Y, {smoke}").format(
        name=plan.name, mode=plan.mode, x_version=plan.pools.x.version, x_nodes=nodes(len(plan.pools.x.nodes)),
        y_version=plan.pools.y.version, y_nodes=nodes(len(plan.pools.y.nodes)), lb=plan.load_balancer.type,
        steps="/".join(str(s.y) for s in plan.steps), smoke=smoke)


def count(n: int, noun: str) -> str:
    """``1 node``, ``3 nodes``: for the one-line summaries users read."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


__all__ = ["Plan", "Node", "Pool", "Step", "Gates", "load_plan", "plan_summary", "Problem"]
