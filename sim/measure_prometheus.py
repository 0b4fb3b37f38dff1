"""A Prometheus server as the gates read it: Kong's counters scraped now and then, ``increase``
and ``rate`` over the plan's range, quantiles from the rated buckets.

The plan's queries (``metrics.queries``, as in plans/k8s-gateway-api.yml) sum
``increase(kong_http_requests_total[R])`` and take ``histogram_quantile`` of
``rate(kong_request_latency_ms_bucket[R])``, with R the plan's range (``{window}`` is the
gate window). What that gives, and what this module reproduces:

- counters exist only at scrape times (every ``metrics.scrape_interval`` of the scenario, at
  a phase of its own), and a node's series appears with its first request, so a window's
  numbers lag the traffic by up to a scrape interval and a new Y node has no rate at first;
- ``increase`` over R is the difference between the first and last samples inside R,
  extrapolated to R's edges as Prometheus does (promql/functions.go ``extrapolatedRate``,
  3.x: by up to half a scrape interval, never below the counter's zero), then summed over
  the pool's nodes; counts are therefore smoothed, fractional estimates, rounded as the live
  source rounds them (adapters/metrics.py ``PrometheusQuery``);
- quantiles come from the pool's summed bucket rates with Kong's edges and the shared
  estimator (sim/measure_kong.py, rollout/histograms.py); a pool with no rate reads 0, as
  the live source reads an empty answer.

Counts are Kong's own (kong_counts): requests a node never served are not in its counters.
"""

from __future__ import annotations

import re

import numpy as np

from rollout.durations import parse_duration
from rollout.i18n import N_
from rollout.observations import PoolWindow
from rollout.plan import Plan

from .tick_reads import kong_counts
from .measure_kong import bucket_counts, cumulative, merged, quantiles, request_buckets
from .metrics import TickLog

_RANGE = re.compile(r"\[([^\]:]+)\]")


def query_range(plan: Plan) -> float | None:
    """The range of the plan's requests query in seconds; None: ``{window}`` (or none found)."""
    queries = plan.metrics.queries
    found = _RANGE.search(queries.requests) if queries else None
    if not found or found.group(1).strip() == "{window}":
        return None
    try:
        return parse_duration(found.group(1).strip()) or None
    except ValueError:
        return None


def extrapolated_increase(times: list[float], values: list[float], start: float, end: float) -> float | None:
    """Prometheus' ``increase`` of one counter series over ``(start, end]``; None with fewer than two samples."""
    if len(times) < 2:
        return None
    delta = values[-1] - values[0]
    sampled = times[-1] - times[0]
    average = sampled / (len(times) - 1)
    to_start, to_end = times[0] - start, end - times[-1]
    if to_start >= 1.1 * average:
        to_start = average / 2
    if delta > 0 and values[0] >= 0:
        to_start = min(to_start, sampled * values[0] / delta)  # a counter is never extrapolated below zero
    if to_end >= 1.1 * average:
        to_end = average / 2
    return delta * (sampled + to_start + to_end) / sampled


class _Scrapes:
    """One node's scraped counters: at each scrape time, cumulative requests, 5xx and buckets."""

    def __init__(self, width: int):
        self.times: list[float] = []
        self.requests: list[float] = []
        self.errors: list[float] = []
        self.buckets: list[np.ndarray] = []
        self.tick = 0
        self.width = width


class PrometheusRate:
    name = "prometheus"

    def __init__(self, log: TickLog, rng: np.random.Generator, plan: Plan, interval: float):
        self.log, self.rng, self.interval = log, rng, interval
        self.phase = float(rng.uniform(0.0, interval))
        self.range_s = query_range(plan)
        queries = plan.metrics.queries
        self.asked = [name for name in ("p50_ms", "p99_ms") if queries is not None and getattr(queries, name)]
        self.edges = [request_buckets(node.version) for node in log.table.nodes]
        self.nodes = [_Scrapes(len(e) + 1) for e in self.edges]
        self.next_scrape = self.phase
        span = f"{self.range_s:g}s" if self.range_s else N_("the gate window")
        self.note = N_("measured as Prometheus measures: Kong's counters scraped every {interval}s, "
                       "increase/rate over {span}, quantiles from the rated buckets").format(interval=f"{interval:g}", span=span)

    def _scrape_to(self, end: float) -> None:
        while self.next_scrape <= end + 1e-9:
            at, tick = self.next_scrape, int(np.floor(self.next_scrape + 1e-9))
            self.log.extend_to(tick)
            for i, node in enumerate(self.nodes):
                requests, errors = kong_counts(self.log, node.tick, tick, i)
                before = node.buckets[-1] if node.buckets else np.zeros(node.width, dtype=np.int64)
                node.buckets.append(before + bucket_counts(self.log, node.tick, tick, i, self.edges[i], self.rng))
                node.requests.append((node.requests[-1] if node.requests else 0.0) + requests)
                node.errors.append((node.errors[-1] if node.errors else 0.0) + errors)
                node.times.append(at)
                node.tick = tick
            self.next_scrape += self.interval

    def window(self, pool: str, start: float, end: float) -> PoolWindow:
        self._scrape_to(end)
        span = self.range_s or max(1.0, round(end - start))
        requests = errors = 0.0
        histograms = []
        for i in (int(i) for i in np.flatnonzero(self.log.table.pool_mask(pool))):
            node = self.nodes[i]
            inside = [j for j, t in enumerate(node.times) if end - span < t <= end + 1e-9]
            requests += self._increase(node, inside, node.requests, end - span, end) or 0.0
            errors += self._increase(node, inside, node.errors, end - span, end) or 0.0
            stretch = self._stretch(node, inside, end - span, end)
            if stretch is not None:
                factor, first, last = stretch
                histograms.append(cumulative(self.edges[i], (node.buckets[last] - node.buckets[first]) * factor))
        latency = quantiles(merged(histograms)) if histograms else {"p50_ms": 0.0, "p99_ms": 0.0}
        stats = {name: latency[name] for name in self.asked}
        return PoolWindow(round(requests), round(errors), stats, (), "quantile")

    @staticmethod
    def _increase(node: _Scrapes, inside: list[int], series: list[float], start: float, end: float) -> float | None:
        present = [j for j in inside if series[j] > 0]  # a series appears with its first increment
        return extrapolated_increase([node.times[j] for j in present], [series[j] for j in present], start, end)

    @staticmethod
    def _stretch(node: _Scrapes, inside: list[int], start: float, end: float) -> tuple[float, int, int] | None:
        """How much ``rate`` stretches the node's bucket deltas, and between which samples (the
        bucket series appear with the node's first request, as its request count does)."""
        present = [j for j in inside if node.requests[j] > 0]
        if len(present) < 2:
            return None
        delta = node.requests[present[-1]] - node.requests[present[0]]
        stretched = extrapolated_increase([node.times[j] for j in present], [node.requests[j] for j in present], start, end)
        if delta <= 0 or stretched is None:
            return None
        return stretched / delta, present[0], present[-1]
