"""The simulated Kong nodes: their life (installed, starting, ready, down) and their physics.

Physics are per node and vectorised over ticks, so the fast mode can compute a whole stretch
of traffic in one numpy call: capacity (reduced by a memory leak), base and fault error
rates, and the log-normal latency fitted to the scenario's p50/p99 (each pool may have its
own, or a benign factor and extra milliseconds: ``nodes.x``/``nodes.y``), scaled by latency
faults, by a leak's GC pressure and by the warm-up of a node that started cold. The lifecycle itself is plain state that the world changes at
SimPy event times; the fast mode is told just before every change so past ticks keep the old
state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from rollout.plan import Plan

from .scenario import ErrorRateFault, LatencyFault, MemoryLeakFault, RouteLatencyFault, Scenario, XCapacityFault

Z99 = 2.3263478740408408  # standard normal quantile at 0.99
EMPTY_HASH = "0" * 32


@dataclass
class SimNode:
    name: str
    pool: str  # x | y
    index: int
    version: str
    state: str = "installed"  # installed (running, no config) | starting | ready | down
    ready_since: float | None = None
    config_hash: str = EMPTY_HASH
    sync_status: str = ""  # hybrid only: the CP's view of this DP
    message: str = ""
    generation: int = 0  # bumped by config writes


def fit_lognormal(p50_ms: float, p99_ms: float) -> tuple[float, float]:
    """(mu, sigma) of ln(latency in ms) so that the median and 99th percentile match."""
    sigma = max((math.log(p99_ms) - math.log(p50_ms)) / Z99, 1e-6)
    return math.log(p50_ms), sigma


def _pool_latency(spec, pool: str) -> tuple[float, float, float]:
    """(mu, sigma, extra ms) of one pool: its own p50/p99 or the nodes', times its factor."""
    tweak = getattr(spec, pool)
    latency = tweak.latency_ms or spec.latency_ms
    mu, sigma = fit_lognormal(latency.p50, latency.p99)
    return mu + math.log(tweak.latency_factor), sigma, tweak.latency_ms_extra


def _targets(fault, table: "NodeTable", default_pool: str) -> np.ndarray:
    mask = np.zeros(len(table.nodes), dtype=bool)
    if getattr(fault, "node", None):
        mask[table.index(fault.node)] = True
    else:
        mask[table.pool_mask(getattr(fault, "pool", None) or default_pool)] = True
    return mask


@dataclass
class NodeTable:
    """All nodes of both pools, in plan order (X then Y), with the scenario's per-node physics."""

    nodes: list[SimNode]
    capacity: np.ndarray
    base_error: np.ndarray
    mu: np.ndarray  # per node: ln(ms) of the healthy median
    sigma: np.ndarray  # per node (equal within a pool)
    queue_s: float
    is_y: np.ndarray
    extra_ms: np.ndarray = field(default_factory=lambda: np.zeros(0))  # per node: ms added to every request
    warmup: tuple[float, float] | None = None  # (seconds, factor) of a cold start
    warm_from: np.ndarray = field(default_factory=lambda: np.zeros(0))  # first request after a cold start; -inf: warm
    error_faults: list[tuple[np.ndarray, float, float, float]] = field(default_factory=list)  # (mask, from, rate, until)
    latency_faults: list[tuple[np.ndarray, float, float, float]] = field(default_factory=list)  # (mask, from, factor, until)
    route_faults: list[tuple[np.ndarray, float, float, float, float]] = field(default_factory=list)  # (mask, from, share, factor, until)
    leaks: list[tuple[np.ndarray, float, float]] = field(default_factory=list)  # (mask, from, per_min)
    epoch: int = 0  # bumped on every lifecycle change (the exact mode caches per-tick physics by it)

    @classmethod
    def build(cls, plan: Plan, scenario: Scenario) -> "NodeTable":
        nodes = [SimNode(n.name, pool, i, getattr(plan.pools, pool).version)
                 for i, (pool, n) in enumerate([("x", n) for n in plan.pools.x.nodes] + [("y", n) for n in plan.pools.y.nodes])]
        count = len(nodes)
        spec = scenario.nodes
        fitted = {pool: _pool_latency(spec, pool) for pool in ("x", "y")}
        warmup = (spec.warmup.for_, spec.warmup.factor) if spec.warmup and spec.warmup.for_ > 0 else None
        table = cls(nodes, np.full(count, spec.capacity_rps), np.full(count, spec.error_rate),
                    np.array([fitted[n.pool][0] for n in nodes]), np.array([fitted[n.pool][1] for n in nodes]),
                    spec.queue_s, np.array([n.pool == "y" for n in nodes]),
                    np.array([fitted[n.pool][2] for n in nodes]), warmup, np.full(count, -np.inf))
        for fault in scenario.faults:
            table.add_fault(fault)
        return table

    def add_fault(self, fault) -> None:
        """Take a fault's physics in (faults with none, such as a crash, are the world's lifecycle)."""
        if isinstance(fault, ErrorRateFault):
            until = np.inf if fault.until is None else fault.until
            self.error_faults.append((_targets(fault, self, "y"), fault.from_, fault.rate, until))
        elif isinstance(fault, LatencyFault):
            until = np.inf if fault.until is None else fault.until
            self.latency_faults.append((_targets(fault, self, "y"), fault.from_, fault.factor, until))
        elif isinstance(fault, RouteLatencyFault):
            until = np.inf if fault.until is None else fault.until
            self.route_faults.append((_targets(fault, self, "y"), fault.from_, fault.share, fault.factor, until))
        elif isinstance(fault, MemoryLeakFault):
            self.leaks.append((_targets(fault, self, "y"), fault.from_, fault.per_min))
        elif isinstance(fault, XCapacityFault):
            self.capacity = np.where(self.is_y, self.capacity, self.capacity * fault.factor)
        self.epoch += 1

    # ------------------------------------------------------------------ lookups
    def index(self, name: str) -> int:
        for node in self.nodes:
            if node.name == name:
                return node.index
        raise KeyError(name)

    def pool_mask(self, pool: str) -> np.ndarray:
        return self.is_y if pool == "y" else ~self.is_y

    def targets(self, fault, default_pool: str) -> list[SimNode]:
        return [n for n, hit in zip(self.nodes, _targets(fault, self, default_pool)) if hit]

    def serving(self) -> np.ndarray:
        return np.array([n.state == "ready" for n in self.nodes])

    def ready_since(self) -> np.ndarray:
        return np.array([n.ready_since if n.ready_since is not None else np.inf for n in self.nodes])

    # ------------------------------------------------------------------ physics over ticks (T,) -> (T, N)
    def leak_fraction(self, t: np.ndarray) -> np.ndarray:
        """Share of capacity a leaking node still has: falls per minute of uptime since the leak began."""
        frac = np.ones((len(t), len(self.nodes)))
        since = self.ready_since()
        for mask, start, per_min in self.leaks:
            begin = np.maximum(since, start)
            lost = per_min * np.clip(t[:, None] - begin[None, :], 0, None) / 60.0
            frac = np.where(mask[None, :], np.minimum(frac, np.clip(1.0 - lost, 0.02, 1.0)), frac)
        return frac

    def capacity_at(self, t: np.ndarray, frac: np.ndarray | None = None) -> np.ndarray:
        frac = self.leak_fraction(t) if frac is None else frac
        return self.capacity[None, :] * frac

    def fault_error_rate(self, t: np.ndarray) -> np.ndarray:
        rate = np.zeros((len(t), len(self.nodes)))
        for mask, start, value, until in self.error_faults:
            active = (t[:, None] >= start) & (t[:, None] < until) & mask[None, :]
            rate = np.where(active, 1.0 - (1.0 - rate) * (1.0 - value), rate)
        return rate

    def log_latency_mu(self, t: np.ndarray, frac: np.ndarray | None = None) -> np.ndarray:
        """mu of ln(ms) per tick and node: latency faults multiply, a leak adds up to 2x (GC pressure),
        a cold node's warm-up multiplies by a factor falling linearly to 1."""
        frac = self.leak_fraction(t) if frac is None else frac
        mu = np.broadcast_to(self.mu, (len(t), len(self.nodes))) + np.log(1.0 + (1.0 - frac))
        for mask, start, factor, until in self.latency_faults:
            active = (t[:, None] >= start) & (t[:, None] < until) & mask[None, :]
            mu = mu + np.where(active, math.log(factor), 0.0)
        if self.warmup is not None:
            seconds, factor = self.warmup
            since = t[:, None] - self.warm_from[None, :]
            cold = np.where(since >= 0, np.clip(1.0 - since / seconds, 0.0, 1.0), 0.0)
            mu = mu + np.log1p((factor - 1.0) * cold)
        return mu

    def route_mix(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(share, ln factor) per tick and node of the requests on a slow route (route_latency).

        A slow route is a second log-normal component with ``mu + ln(factor)`` beside the node's
        own. Two slow routes on one node are distinct requests, so their shares add (at most 1);
        their factors are then merged into one, the share-weighted geometric mean, the one
        approximation here (exact for one slow route per node, the case drills and docs use).
        """
        share = np.zeros((len(t), len(self.nodes)))
        weighted = np.zeros_like(share)
        for mask, start, value, factor, until in self.route_faults:
            active = (t[:, None] >= start) & (t[:, None] < until) & mask[None, :]
            share = share + np.where(active, value, 0.0)
            weighted = weighted + np.where(active, value * math.log(factor), 0.0)
        log_factor = np.divide(weighted, share, out=np.zeros_like(share), where=share > 0)
        return np.minimum(share, 1.0), log_factor

    def first_requests(self, t: np.ndarray, arrivals: np.ndarray) -> None:
        """A cold node's warm-up starts at its first request (the tick it arrives in)."""
        if self.warmup is None:
            return
        for i in np.flatnonzero(np.isposinf(self.warm_from)):
            hit = np.flatnonzero(arrivals[:, i] > 0)
            if len(hit):
                self.warm_from[i] = t[hit[0]]

    def physics(self, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(capacity, fault error rate, latency mu) per node during tick ``k``, as the fast mode uses them."""
        t = np.array([float(k)])
        frac = self.leak_fraction(t)
        return self.capacity_at(t, frac)[0], self.fault_error_rate(t)[0], self.log_latency_mu(t, frac)[0]

    def oom_time(self, node: SimNode) -> float | None:
        """When a leaking ready node runs out of memory (capacity would reach 0), or None."""
        if node.ready_since is None:
            return None
        times = [max(node.ready_since, start) + 60.0 / per_min for mask, start, per_min in self.leaks if mask[node.index]]
        return min(times) if times else None
