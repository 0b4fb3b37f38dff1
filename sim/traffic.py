"""Traffic in the fast mode: per-tick batched sampling with a fluid queue per node.

The world's state (weights, rotation, which nodes serve) only changes at SimPy events, and
the world calls ``advance_to(now)`` just before each change. So a whole stretch of ticks
between two changes is computed in a few numpy calls: Poisson arrivals per tick and node,
a capped fluid queue where a node gets more than its capacity (backlog -> waiting time, and
requests refused once the backlog exceeds ``queue_s`` seconds of capacity) plus the M/D/1
wait of arrivals bunching within a second, binomial errors.
Latency is not sampled per request: each (tick, node) is a log-normal component shifted by
its queueing wait, and the metrics draw window quantiles from that mixture exactly as an
order statistic of the requests would fall (sim/metrics.py).
"""

from __future__ import annotations

import math

import numpy as np

from .balancer import SimBalancer
from .metrics import TickLog
from .nodes import NodeTable
from .scenario import Traffic


def rate(shape: Traffic, t: np.ndarray) -> np.ndarray:
    """Offered requests per second at times ``t`` (seconds since the rehearsal began)."""
    if shape.shape == "diurnal":
        return shape.rps * (1.0 + shape.amplitude * np.sin(2 * math.pi * (t + shape.offset) / shape.period))
    if shape.shape == "bursts":
        return shape.rps * np.where(np.mod(t, shape.burst_every) < shape.burst_length, shape.burst_factor, 1.0)
    return np.full(len(t), shape.rps)


def peak_rate(shape: Traffic) -> float:
    return shape.rps * {"flat": 1.0, "diurnal": 1.0 + shape.amplitude, "bursts": shape.burst_factor}[shape.shape]


def fluid_queue(arrivals: np.ndarray, capacity: np.ndarray, backlog: float, limit: float) -> tuple[np.ndarray, np.ndarray, float]:
    """One node over T ticks: (refused per tick, mean backlog per tick, backlog after).

    Lindley's recursion with a cap: b' = min(limit, max(0, b + a - c)); what would pass the
    cap is refused (the node's accept queue is full).
    """
    refused = np.zeros(len(arrivals))
    mean = np.zeros(len(arrivals))
    for k, (a, c) in enumerate(zip(arrivals.tolist(), capacity.tolist())):
        after = max(0.0, backlog + a - c)
        cap = limit * c
        if after > cap:
            refused[k] = after - cap
            after = cap
        mean[k] = 0.5 * (backlog + after)
        backlog = after
    return refused, mean, backlog


def jitter_wait(offered: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Mean wait (s) from arrivals bunching inside a tick: M/D/1's Pollaczek-Khinchine formula.

    The fluid queue only sees backlog that outlasts a second; below capacity, Poisson arrivals
    still queue for a moment, and more so as utilisation nears 1 (capped at 95%).
    """
    rho = np.clip(offered / capacity, 0.0, 0.95)
    return rho / (2.0 * capacity * (1.0 - rho))


class TrafficModel:
    """What both traffic modes read and write: the shape, the nodes, the LB, the log, the random streams."""

    def __init__(self, shape: Traffic, table: NodeTable, lb: SimBalancer, log: TickLog, streams: dict[str, np.random.Generator]):
        self.shape, self.table, self.lb, self.log = shape, table, lb, log
        self.rng, self.err_rng, self.lat_rng = streams["traffic"], streams["errors"], streams["latency"]

    def advance_to(self, now: float) -> None:
        raise NotImplementedError


class FluidTraffic(TrafficModel):
    def __init__(self, shape: Traffic, table: NodeTable, lb: SimBalancer, log: TickLog, streams: dict[str, np.random.Generator]):
        super().__init__(shape, table, lb, log, streams)
        self.done = 0  # the next tick to compute
        self.backlog = np.zeros(len(table.nodes))

    def advance_to(self, now: float) -> None:
        end = int(math.floor(now + 1e-9))
        if end > self.done:
            self._segment(np.arange(self.done, end, dtype=float))
            self.done = end

    def _segment(self, t: np.ndarray) -> None:
        table = self.table
        offered = rate(self.shape, t)[:, None] * self.lb.shares(t)
        arrivals = self.rng.poisson(offered)
        serving = table.serving() & self.lb.rotation
        frac = table.leak_fraction(t)
        capacity = table.capacity_at(t, frac)
        refused = np.zeros(arrivals.shape)
        wait = np.zeros(arrivals.shape)
        for i in np.flatnonzero(serving):
            if self.backlog[i] > 0 or np.any(arrivals[:, i] > capacity[:, i]):
                r, mean, self.backlog[i] = fluid_queue(arrivals[:, i].astype(float), capacity[:, i], self.backlog[i], table.queue_s)
                refused[:, i] = np.round(r)
                wait[:, i] = mean / capacity[:, i]
        self.backlog[~serving] = 0.0
        refused = np.minimum(refused, arrivals).astype(np.int64)
        served = np.where(serving[None, :], arrivals - refused, 0)
        lost = arrivals - served  # refused by a full queue, or sent to a node that is not there
        table.first_requests(t, served)
        base = self.err_rng.binomial(served, table.base_error[None, :])
        fault = self.err_rng.binomial(served - base, table.fault_error_rate(t))
        wait_ms = 1000.0 * (wait + jitter_wait(offered, capacity) + 1.0 / capacity) + table.extra_ms  # queueing, service, a pool's extra
        self.log.store(int(t[0]), arrivals, base + fault + lost, fault + lost, served, wait_ms,
                       table.log_latency_mu(t, frac), table.route_mix(t) if table.route_faults else None)
