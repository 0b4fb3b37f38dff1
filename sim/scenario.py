"""The scenario: the simulated world a rehearsal runs in (traffic, node behaviour, faults).

A frozen, strict model like the plan (unknown keys are errors, because a misspelt fault that
is silently ignored makes a rehearsal lie), loaded through ``rollout.located.load_model`` so
every problem reads ``FILE:LINE: key.path: what is wrong``. Targets (nodes, pools, smoke
checks) are cross-checked against the plan being rehearsed. The format is documented in
docs/scenario-format.md; examples live in plans/scenarios/. Fault kinds, their parameters'
bounds and defaults come from ``rollout.faults``, the vocabulary the lab's emulator and
``turnout lab fault`` share (a test checks the models below against it).
"""

from __future__ import annotations

import math
from typing import Annotated, Literal, Union

from annotated_types import Gt, Le
from pydantic import BaseModel, Field, model_validator

from rollout import faults as vocab
from rollout.i18n import N_
from rollout.located import load_model
from rollout.plan import Plan
from rollout.plan_values import STRICT, Duration, Label, duration

from .ranges import Between, OneOf, ranged

PoolName = Literal["x", "y"]
PLUGINS_IN_USE = ("key-auth", "rate-limiting", "prometheus")  # what the simulated X enables (sim/kong_model.py)
SYNC_STATUSES = ("kong_version_incompatible", "plugin_set_incompatible", "plugin_version_incompatible",
                 "filter_set_incompatible", "unknown")


class Strict(BaseModel):
    model_config = STRICT  # as plans: numbers are numbers, finite; durations bounded (rollout.plan_values)


class Traffic(Strict):
    """Requests per second offered to the load balancer, Poisson arrivals around a shape."""

    rps: float = Field(default=2000.0, gt=0, le=1e6)
    shape: Literal["flat", "diurnal", "bursts"] = "flat"
    amplitude: float = Field(default=0.3, ge=0, lt=1)  # diurnal: +-30% around rps
    period: duration(1.0) = 86400.0  # diurnal: one day
    offset: Duration = 0.0  # diurnal: where in the period the rehearsal starts
    burst_factor: float = Field(default=3.0, ge=1, le=1000)  # bursts: rps multiplied by this...
    burst_every: duration(1.0) = 300.0  # ...once every burst_every seconds...
    burst_length: Duration = 20.0  # ...for burst_length seconds


class LatencyMs(Strict):
    p50: float = Field(default=15.0, gt=0, le=1e6)
    p99: float = Field(default=90.0, gt=0, le=1e6)

    @model_validator(mode="after")
    def _ordered(self) -> "LatencyMs":
        if self.p99 < self.p50:
            raise ValueError(N_("p99 ({p99}) must not be below p50 ({p50})").format(p99=self.p99, p50=self.p50))
        return self


class PoolLatency(Strict):
    """How one pool's healthy latency differs from ``nodes.latency_ms``, benignly (not a fault).

    A new release is often a little slower or faster without being broken; the rehearsal must
    be able to say whether the gates take that for a regression.
    """

    latency_ms: LatencyMs | None = None  # the pool's own distribution (None: nodes.latency_ms)
    latency_factor: float = Field(default=1.0, gt=0, le=1000)  # p50 and p99 multiplied (1.1: 10% slower)
    latency_ms_extra: float = Field(default=0.0, ge=0, le=1e6)  # ms added to every request


class Warmup(Strict):
    """A node that starts cold is slower at first (LuaJIT traces, caches, connection pools)."""

    for_: duration(0.0, 86400.0) = Field(alias="for")  # from the node's first request until it is warm
    factor: float = Field(ge=1, le=1000)  # latency multiplied by this at the first request, falling linearly to 1


class Nodes(Strict):
    """How every Kong node behaves when healthy (faults change some of them)."""

    capacity_rps: float = Field(default=1500.0, gt=0, le=1e7)
    latency_ms: LatencyMs = LatencyMs()
    error_rate: float = Field(default=0.0005, ge=0, le=1)
    start_s: duration(0.0, 86400.0) = 20.0  # from start to /status/ready 200
    queue_s: duration(0.0, 3600.0) = 2.0  # backlog a node holds (in seconds of capacity) before it refuses requests
    x: PoolLatency = PoolLatency()  # pool X's own latency, when it differs
    y: PoolLatency = PoolLatency()  # pool Y's own latency, when it differs (e.g. latency_factor: 1.1)
    warmup: Warmup | None = None  # nodes that start cold during the rehearsal (Y, restarts) warm up


class Balancer(Strict):
    """The simulated load balancer (the plan's own LB is replaced in a rehearsal)."""

    propagation: Duration | None = None  # None: the plan's sim LB propagation, else 1s
    health_check: Duration = 5.0  # how long until the LB notices a node went down or came up
    sticky: float = Field(default=0.0, ge=0, le=1)  # share of traffic on long-lived connections
    sticky_ttl: Duration = 300.0  # mean lifetime of those connections


_LEAK = vocab.KINDS["memory_leak"].param("per_min")


# A fault's values may be ranges or choices drawn per run (sim/ranges.py); each bound is held to
# the parameter's own bounds from rollout.faults.
Rate = Annotated[float, Gt(vocab.RATE.low), Le(vocab.RATE.high)]
Factor = Annotated[float, Gt(vocab.FACTOR.low), Le(1000)]
Share = Annotated[float, Gt(vocab.SHARE.low), Le(vocab.SHARE.high)]
PerMin = Annotated[float, Gt(_LEAK.low), Le(_LEAK.high)]
Onset = ranged(Duration)


def _ordered_window(fault):
    """A fault that ends must end after it begins (checked once both are plain numbers, not ranges)."""
    plain = all(isinstance(v, (int, float)) for v in (fault.from_, fault.until))
    if fault.until is not None and plain and fault.until <= fault.from_:
        raise ValueError(N_("until ({until:g}s) must be after from ({start:g}s)").format(until=fault.until, start=fault.from_))
    return fault


class _Fault(Strict):
    pool: PoolName | None = None
    node: ranged(Label, numeric=False) | None = None


class ErrorRateFault(_Fault):
    kind: Literal["error_rate"]
    rate: ranged(Rate)  # the lab's error_share
    from_: Onset = Field(default=0.0, alias="from")
    until: Onset | None = None  # when it ends (None: never); an upstream failing for a while, then back

    @model_validator(mode="after")
    def _ends_after_it_begins(self) -> "ErrorRateFault":
        return _ordered_window(self)


class LatencyFault(_Fault):
    kind: Literal["latency"]
    factor: ranged(Factor)
    from_: Onset = Field(default=0.0, alias="from")
    until: Onset | None = None  # when it ends (None: never); an upstream slow for a while, then back

    @model_validator(mode="after")
    def _ends_after_it_begins(self) -> "LatencyFault":
        return _ordered_window(self)


class RouteLatencyFault(_Fault):
    """One route is slower on the node (a plugin or an upstream only it uses), the others are not.

    The pool's latency becomes a mixture: ``1 - share`` of its requests as healthy, ``share``
    times ``factor``. A pool gate sees only the mixture, so a small share is a fault the
    numbers may hide (docs/scenario-format.md gives the figures).
    """

    kind: Literal["route_latency"]
    route: Label  # the route's name (in the lab: the path prefix, ``turnout lab fault --route-prefix``)
    share: ranged(Share)  # of the pool's requests, those on this route
    factor: ranged(Factor)  # their latency multiplied by this
    from_: Onset = Field(default=0.0, alias="from")
    until: Onset | None = None

    @model_validator(mode="after")
    def _ends_after_it_begins(self) -> "RouteLatencyFault":
        return _ordered_window(self)


class CrashFault(_Fault):
    kind: Literal["crash"]
    at: Onset = vocab.KINDS["crash"].param("at").default  # a node not running then crashes as soon as it is ready
    restart: bool = vocab.KINDS["crash"].param("restart").default  # a supervisor restarts it (ready again after nodes.start_s)


class MemoryLeakFault(_Fault):
    kind: Literal["memory_leak"]
    per_min: ranged(PerMin) = _LEAK.default  # capacity lost per minute of uptime
    from_: Onset = Field(default=0.0, alias="from")


class ConfigWriteFault(_Fault):
    kind: Literal["config_write"]
    at: Onset


class SmokeFailFault(_Fault):
    kind: Literal["smoke_fail"]
    check: Label | None = None  # the plan's smoke check that fails; None: the first one
    status: int = Field(default=401, ge=100, le=599)
    body: str = '{"message":"Unauthorized"}'


class CpSyncFault(_Fault):
    kind: Literal["cp_sync"]
    status: Literal[SYNC_STATUSES] = vocab.KINDS["cp_sync"].param("status").default  # type: ignore[valid-type]


class LbIgnoresWeightsFault(Strict):
    kind: Literal["lb_ignores_weights"]
    readback: Literal["effective", "configured"] = "effective"  # what the LB reports after a change
    from_: Onset = Field(default=0.0, alias="from")


class BackupUnreadableFault(_Fault):
    """X's backup is written but does not parse (truncated, or an encoding the reader refuses)."""

    kind: Literal["backup_unreadable"]


class PluginMissingFault(_Fault):
    """A plugin X uses is not in Y's ``plugins.available_on_server`` (a custom plugin not installed on Y)."""

    kind: Literal["plugin_missing"]
    plugin: Literal[PLUGINS_IN_USE] = vocab.KINDS["plugin_missing"].param("plugin").default  # type: ignore[valid-type]


class KeyAuthChangeFault(_Fault):
    """Y's key-auth answers differently from X's: it rejects a valid key, or its 401 says something else."""

    kind: Literal["key_auth_change"]
    answer: Literal["rejects_key", "message"] = vocab.KINDS["key_auth_change"].param("answer").default
    message: Label = vocab.KINDS["key_auth_change"].param("message").default  # the 401 body's message on Y


class XCapacityFault(Strict):
    """X's nodes carry less than the traffic: fine while Y takes its share, overloaded after a rollback."""

    kind: Literal["x_capacity"]
    factor: Annotated[float, Gt(0.0), Le(1.0)]


Fault = Annotated[
    Union[ErrorRateFault, LatencyFault, RouteLatencyFault, CrashFault, MemoryLeakFault, ConfigWriteFault, SmokeFailFault,
          CpSyncFault, LbIgnoresWeightsFault, BackupUnreadableFault, PluginMissingFault, KeyAuthChangeFault,
          XCapacityFault],
    Field(discriminator="kind"),
]
FAULT_KINDS = vocab.rehearsal_kinds()


class Metrics(Strict):
    """How the rehearsal measures, beyond what the plan's ``metrics.source`` says (sim/measure.py)."""

    scrape_interval: duration(1.0, 3600.0) = 15.0  # source prometheus: how often Prometheus scrapes each node


class Scenario(Strict):
    name: Label = "scenario"
    traffic: Traffic = Traffic()
    nodes: Nodes = Nodes()
    load_balancer: Balancer = Balancer()
    metrics: Metrics = Metrics()
    faults: list[Fault] = Field(default_factory=list)
    slo_ms: float | None = Field(default=None, gt=0, le=1e6)  # a request slower than this is slow (None: the plan's latency limit)

    def slo(self, plan: Plan) -> float:
        """The latency over which a request counts as slow in the blast radius."""
        return self.slo_ms if self.slo_ms is not None else float(plan.gates.latency_p99_ms.max)

    def ranged(self) -> bool:
        """Whether some fault value is a range or a choice (drawn per run by sim.ranges.draw)."""
        return any(isinstance(getattr(f, name), (Between, OneOf)) for f in self.faults for name in type(f).model_fields)

    def onset(self) -> float | None:
        """When the first fault begins (seconds), or None for an A/A (no-fault) scenario.
        Of a drawn scenario only: a range has no onset until it is drawn."""
        times = [getattr(f, "from_", getattr(f, "at", 0.0)) for f in self.faults]
        return min(times) if times else None


def cross_check(scenario: Scenario, plan: Plan | None) -> list[tuple[str, str]]:
    """Rules that need the plan: targets must exist, hybrid-only faults need a hybrid plan."""
    if plan is None:
        return []
    problems: list[tuple[str, str]] = []
    names = set(plan.pools.x.names + plan.pools.y.names)
    checks = [c.name for c in plan.smoke]
    for i, fault in enumerate(scenario.faults):
        node = getattr(fault, "node", None)
        for name in node.one_of if isinstance(node, OneOf) else [node] if node is not None else []:
            if name not in names:
                problems.append((f"faults.{i}.node", N_("no node {name} in the plan (nodes: {nodes})").format(
                    name=repr(name), nodes=", ".join(sorted(names)))))
        if getattr(fault, "pool", None) and node:
            problems.append((f"faults.{i}.pool", N_("give a pool or a node, not both")))
        if fault.kind == "smoke_fail":
            if not checks:
                problems.append((f"faults.{i}.check", N_("the plan has no smoke checks to fail")))
            elif fault.check is not None and fault.check not in checks:
                problems.append((f"faults.{i}.check", N_("no smoke check {check} in the plan (checks: {checks})").format(
                    check=repr(fault.check), checks=", ".join(map(repr, checks)))))  # quoted: names, not clauses to read
        if fault.kind == "cp_sync" and not plan.data_planes:
            problems.append((f"faults.{i}.kind", N_("cp_sync needs a hybrid plan (or a konnect one; this plan is mode: dbless)")))
        if fault.kind == "crash" and node is None and getattr(fault, "pool", None) is None:
            problems.append((f"faults.{i}", N_("a crash needs a node or a pool")))
    return problems


def load_scenario(path: str, plan: Plan | None = None, text: str | None = None) -> Scenario:
    """Read and validate a scenario file; raise PlanError listing every located problem."""
    return load_model(path, Scenario, lambda s: cross_check(s, plan), text=text, tags=FAULT_KINDS)


def default_scenario(plan: Plan) -> Scenario:
    """A healthy world sized from the plan.

    Enough traffic that Y's first step serves three times ``min_requests`` per window (so
    gates judge from the first window), at least 2,000 rps; node capacity twice the load
    one pool would carry alone, so neither pool is overloaded at 100%.
    """
    first_y = next((s.y for s in plan.steps if s.y > 0), 100)
    needed = 3 * plan.gates.min_requests / (first_y / 100.0 * plan.gates.window)
    rps = max(2000.0, math.ceil(needed / 100.0) * 100.0)
    smallest = min(len(plan.pools.x.nodes), len(plan.pools.y.nodes))
    capacity = math.ceil(2 * rps / smallest / 100.0) * 100.0
    return Scenario(name="healthy default", traffic=Traffic(rps=rps), nodes=Nodes(capacity_rps=capacity))
