"""Traffic in the exact mode: one SimPy process per request, the reference the fast mode is checked against.

Arrivals are a Poisson process (thinned to follow the traffic shape); the LB picks a server
by its current shares; a node is a single FIFO server whose service time is 1/capacity
(so it queues when overloaded, and refuses once its queue holds ``queue_s`` seconds of
work), followed by a log-normal processing time. About 50k simulated requests per wall
second: use it for small scenarios and to check the fast mode, not for Monte Carlo.
"""

from __future__ import annotations

import math

import numpy as np
import simpy

from .balancer import SimBalancer
from .metrics import TickLog
from .nodes import NodeTable
from .scenario import Traffic
from .traffic import TrafficModel, peak_rate, rate


class ExactTraffic(TrafficModel):
    def __init__(self, env: simpy.Environment, shape: Traffic, table: NodeTable, lb: SimBalancer, log: TickLog,
                 streams: dict[str, np.random.Generator]):
        super().__init__(shape, table, lb, log, streams)
        self.env = env
        self.servers = [simpy.Resource(env, capacity=1) for _ in table.nodes]
        self._cache: tuple | None = None
        self._params: tuple | None = None
        env.process(self._arrivals())

    def advance_to(self, now: float) -> None:
        """Nothing to catch up: every request is its own process."""

    def _shares(self, t: float) -> np.ndarray:
        key = (int(t), self.lb.version)
        if self._cache is None or self._cache[0] != key:
            self._cache = (key, np.cumsum(self.lb.shares(np.array([float(int(t))]))[0]))
        return self._cache[1]

    def _arrivals(self):
        peak = peak_rate(self.shape)
        while True:
            yield self.env.timeout(self.rng.exponential(1.0 / peak))
            now = self.env.now
            if self.shape.shape != "flat" and self.rng.random() * peak > rate(self.shape, np.array([now]))[0]:
                continue
            cumulative = self._shares(now)
            i = min(int(np.searchsorted(cumulative, self.rng.random() * cumulative[-1], side="right")), len(cumulative) - 1)
            self.env.process(self._request(i, now))

    def _physics(self, k: int) -> tuple:
        key = (k, self.table.epoch)
        if self._params is None or self._params[0] != key:
            self._params = (key, *(a.tolist() for a in self.table.physics(k)))
        return self._params

    def _slow_route(self, k: int, i: int) -> float:
        """ln(factor) when this request takes a slow route (route_latency), else 0. Drawn only
        while a slow route exists, so a rehearsal without one draws what it always drew."""
        if not self.table.route_faults:
            return 0.0
        share, log_factor = self.table.route_mix(np.array([float(k)]))
        if share[0, i] <= 0.0:
            return 0.0
        return float(log_factor[0, i]) if self.lat_rng.random() < share[0, i] else 0.0

    def _request(self, i: int, arrived: float):
        k = int(math.floor(arrived))
        _, capacity, fault_rate, mu = self._physics(k)
        node_up = self.table.nodes[i].state == "ready" and self.lb.rotation[i]
        server = self.servers[i]
        if not node_up or len(server.queue) > capacity[i] * self.table.queue_s:
            self.log.add_request(k, i, True, True, served=False)  # connection failure or refused: never the base rate
            return
        if np.isposinf(self.table.warm_from[i]) and self.table.warmup is not None:
            self.table.warm_from[i] = float(k)  # a cold node's first request: its warm-up starts in this tick
            self.table.epoch += 1
            _, capacity, fault_rate, mu = self._physics(k)
        base = self.err_rng.random() < self.table.base_error[i]
        fault = not base and self.err_rng.random() < fault_rate[i]
        self.log.add_request(k, i, base or fault, fault)
        with server.request() as slot:
            yield slot
            yield self.env.timeout(1.0 / capacity[i])
        processing_ms = math.exp(mu[i] + self._slow_route(k, i) + self.table.sigma[i] * self.lat_rng.standard_normal()) \
            + self.table.extra_ms[i]
        yield self.env.timeout(processing_ms / 1000.0)
        self.log.add_latency(k, i, 1000.0 * (self.env.now - arrived))
