"""The rehearsal measures like the real world: one measurement per metrics source.

A gate can only be as sound as the numbers it is given, and the real sources do not give
the true quantiles of every request: HAProxy reports a whole-millisecond average over its
last 1024 responses per server, Kong's prometheus plugin a histogram with fixed bucket
edges, a Prometheus server a ``rate()`` over counters it scraped every so often. A
rehearsal that judged true quantiles would call "safe" a plan whose gates flap in the real
world (issue 10: a healthy Y rolled back on "Y 1ms > 1.3x X 1ms" through real HAProxy).

So the simulated traffic (the ``TickLog``) is read through the same kind of measurement as
the plan's ``metrics.source``, chosen from the plan as ``adapters.metrics.build_metrics``
chooses the live source:

- ``haproxy`` (source ``lb``, HAProxy): sim/measure_haproxy.py;
- ``nginx_lua`` (source ``lb``, the nginx Lua balancer): the pool's average upstream time;
- ``kong`` (source ``kong``): per-node histograms with Kong's bucket edges (sim/measure_kong.py);
- ``prometheus`` (source ``prometheus``): scraped counters and ``increase``/``rate`` over the
  plan's range (sim/measure_prometheus.py);
- ``ideal`` (a ``sim`` load balancer, or an LB whose own counters Turnout does not read): the
  true order statistics of the window's requests, as before (sim/metrics.py).

Both traffic modes measure the same way: the fast mode from per-tick moments of the latency
mixture, the exact mode from every request's latency (tests/test_sim_agreement.py).
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np

from rollout.i18n import N_
from rollout.observations import PoolWindow
from rollout.plan import Plan

from .measure_haproxy import HAProxyAverage
from .measure_kong import KongHistogram
from .measure_prometheus import PrometheusRate
from .metrics import TickLog
from .scenario import Scenario
from .tick_reads import exact_latencies, lb_counts, moments, pooled, ticks, whole_ms


class Measurement(Protocol):
    name: str  # the measurement's name, after the source it imitates
    note: str  # one line for the rehearsal's timeline: how the gates' numbers were measured ("" for ideal)

    def window(self, pool: str, start: float, end: float) -> PoolWindow: ...


def measurement_name(plan: Plan) -> str:
    """Which measurement the plan's metrics source gets (the live choice: adapters.metrics.build_metrics)."""
    source = plan.metrics.source
    if source in ("kong", "prometheus"):
        return source
    lb = plan.load_balancer
    if lb.type == "haproxy":
        return "haproxy"
    if lb.type == "nginx" and lb.mode == "lua":
        return "nginx_lua"
    return "ideal"  # sim (and LBs whose counters Turnout does not read): the rehearsal's own exact view


def build_measurement(plan: Plan, scenario: Scenario, log: TickLog, rng: np.random.Generator) -> Measurement:
    name = measurement_name(plan)
    if name == "haproxy":
        return HAProxyAverage(log, rng)
    if name == "nginx_lua":
        return LuaAverage(log, rng)
    if name == "kong":
        return KongHistogram(log, rng)
    if name == "prometheus":
        return PrometheusRate(log, rng, plan, scenario.metrics.scrape_interval)
    return Ideal(log)


# ---- the simple ones -------------------------------------------------------------------------------

class Ideal:
    """The true order statistics of the window's requests (sim/metrics.py), per pool and node."""

    name = "ideal"
    note = ""  # nothing to say: the rehearsal's own exact view

    def __init__(self, log: TickLog):
        self.log = log

    def window(self, pool: str, start: float, end: float) -> PoolWindow:
        return self.log.pool_window(pool, start, end)


class LuaAverage:
    """The nginx Lua balancer (adapters/snippets/nginx-lua-balancer.conf): per pool, requests,
    5xx and the sum of ``upstream_response_time`` in ms; the window's latency is their average
    (p50 == p99, ``latency_kind`` average). It keeps no per-node rows."""

    name = "nginx_lua"
    note = N_("measured as the nginx Lua balancer measures: the pool's average upstream time per window (avg, not p99)")

    def __init__(self, log: TickLog, rng: np.random.Generator):
        self.log, self.rng = log, rng

    def window(self, pool: str, start: float, end: float) -> PoolWindow:
        a, b = ticks(start, end)
        self.log.extend_to(b)
        nodes = np.flatnonzero(self.log.table.pool_mask(pool))
        counts = [lb_counts(self.log, a, b, int(i)) for i in nodes]
        average = self._average(a, b, nodes)
        stats = {"p50_ms": average, "p99_ms": average}
        return PoolWindow(sum(c[0] for c in counts), sum(c[1] for c in counts), stats, (), "average")

    def _average(self, a: int, b: int, nodes: np.ndarray) -> float:
        if self.log.exact:
            values = [v for i in nodes for v in exact_latencies(self.log, a, b, int(i))]
            return float(whole_ms(values, self.rng).mean()) if values else 0.0
        parts = [moments(self.log, a, b, int(i)) for i in nodes]
        count, mean, var = pooled(*(np.concatenate(p) for p in zip(*parts)))
        if count <= 0:
            return 0.0
        return max(0.0, float(self.rng.normal(mean, math.sqrt((var + 1.0 / 12.0) / count))))
