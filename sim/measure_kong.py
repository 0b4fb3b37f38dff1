"""Kong's prometheus plugin as the gates read it: request-latency histograms with Kong's bucket edges.

Kong observes each request's latency in whole ms (``request_time`` has millisecond
resolution) into a histogram whose edges are fixed in kong/plugins/prometheus/exporter.lua:

- 3.x ``kong_request_latency_ms`` uses ``UPSTREAM_LATENCY_BUCKETS`` {25, 50, 80, 100, 250, 400,
  700, 1000, 2000, 5000, 10000, 30000, 60000} (tags 3.0.0 to 3.9.x; 3.9 changed only the
  ``kong_latency_ms`` edges);
- 2.8 ``kong_latency{type="request"}`` uses ``DEFAULT_BUCKETS`` {1, 2, 5, 7, 10, 15, 20, 25, 30,
  40, 50, 60, 70, 80, 90, 100, 200, 300, 400, 500, 1000, 2000, 5000, 10000, 30000, 60000}.

A window's quantiles are estimated from the bucket counts by ``rollout.histograms``, the
estimator the live source uses (adapters/metrics_codec.py): linear inside a bucket, so
every request under 25 ms on a 3.x node reads as somewhere in 0-25 ms (p99 24.75 ms, whatever
the truth). Counts are Kong's own: only requests a node served (kong_counts).

Fast mode: per node, the window's expected bucket shares from the latency mixture (the
probability a whole-ms reading is at most an edge, ``F(le + 0.5)``), then one multinomial
draw of the served requests. Exact mode: every request's whole-ms latency, bucketed.
"""

from __future__ import annotations

import numpy as np

from rollout.histograms import histogram_quantile
from rollout.i18n import N_
from rollout.observations import NodeWindow, PoolWindow

from . import route_mix
from .tick_reads import exact_latencies, kong_counts, ticks, whole_ms
from .metrics import TickLog, _phi

KONG_3_REQUEST_BUCKETS = (25, 50, 80, 100, 250, 400, 700, 1000, 2000, 5000, 10000, 30000, 60000)
KONG_2_REQUEST_BUCKETS = (1, 2, 5, 7, 10, 15, 20, 25, 30, 40, 50, 60, 70, 80, 90, 100, 200, 300, 400, 500, 1000,
                          2000, 5000, 10000, 30000, 60000)


def request_buckets(version: str) -> tuple[int, ...]:
    """The request-latency bucket edges a Kong version's prometheus plugin uses."""
    major = int(version.split(".")[0]) if version.split(".")[0].isdigit() else 3
    return KONG_2_REQUEST_BUCKETS if major < 3 else KONG_3_REQUEST_BUCKETS


def bucket_counts(log: TickLog, a: int, b: int, i: int, edges: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Node ``i``'s requests of ticks ``[a, b)`` per bucket (not cumulative; the last is +Inf)."""
    if log.exact:
        values = whole_ms(exact_latencies(log, a, b, i), rng)
        return np.bincount(np.searchsorted(np.asarray(edges, dtype=float), values, side="left"), minlength=len(edges) + 1)
    served = log.served[a:b, i]
    keep = served > 0
    count = int(served[keep].sum())
    if count == 0:
        return np.zeros(len(edges) + 1, dtype=np.int64)
    wait, mu, sigma = log.wait_ms[a:b, i][keep], log.mu[a:b, i][keep], float(log.table.sigma[i])
    bound = np.asarray(edges, dtype=float)[None, :] + 0.5 - wait[:, None]  # a whole-ms reading <= le: d < le + 0.5 on average
    z = (np.log(np.where(bound > 0, bound, 1.0)) - mu[:, None]) / sigma
    under = _phi(z)
    share = log.route_share[a:b, i][keep][:, None]
    if (share > 0).any():  # a slow route: the mixture's CDF at each edge (sim/route_mix.py)
        under = route_mix.mixed(share, under, _phi(route_mix.slowed_z(z, log.route_log[a:b, i][keep][:, None], sigma)))
    cdf = np.where(bound > 0, under, 0.0)
    expected = (served[keep][:, None] * cdf).sum(axis=0) / count
    shares = np.diff(np.concatenate([[0.0], np.maximum.accumulate(expected), [1.0]]))
    return rng.multinomial(count, np.clip(shares, 0.0, None) / max(shares.sum(), 1e-12))


def cumulative(edges: tuple[int, ...], counts: np.ndarray) -> dict[float, float]:
    """Per-bucket counts as Prometheus exposes them: cumulative, keyed by ``le`` (+Inf last)."""
    bounds = [float(e) for e in edges] + [float("inf")]
    return dict(zip(bounds, np.cumsum(counts).astype(float).tolist()))


def merged(histograms: list[dict[float, float]]) -> dict[float, float]:
    """``sum by (le)``: nodes with different edges add up where their edges meet."""
    out: dict[float, float] = {}
    for histogram in histograms:
        for le, n in histogram.items():
            out[le] = out.get(le, 0.0) + n
    return _monotone(out)


def _monotone(buckets: dict[float, float]) -> dict[float, float]:
    """Cumulative counts over the union of edges (a node without an edge counts its lower one there)."""
    return dict(zip(sorted(buckets), np.maximum.accumulate([buckets[le] for le in sorted(buckets)]).tolist()))


def quantiles(histogram: dict[float, float]) -> dict[str, float]:
    return {"p50_ms": histogram_quantile(0.5, histogram), "p99_ms": histogram_quantile(0.99, histogram)}


class KongHistogram:
    name = "kong"
    note = N_("measured as Kong's /metrics: per-node request-latency histograms, quantiles estimated from Kong's buckets")

    def __init__(self, log: TickLog, rng: np.random.Generator):
        self.log, self.rng = log, rng
        self.edges = [request_buckets(node.version) for node in log.table.nodes]

    def window(self, pool: str, start: float, end: float) -> PoolWindow:
        a, b = ticks(start, end)
        self.log.extend_to(b)
        rows, histograms = [], []
        for i in (int(i) for i in np.flatnonzero(self.log.table.pool_mask(pool))):
            requests, errors = kong_counts(self.log, a, b, i)
            histogram = cumulative(self.edges[i], bucket_counts(self.log, a, b, i, self.edges[i], self.rng))
            histograms.append(histogram)
            rows.append(NodeWindow(self.log.table.nodes[i].name, requests, errors, quantiles(histogram)))
        stats = quantiles(merged(histograms))
        return PoolWindow(sum(r.requests for r in rows), sum(r.errors for r in rows), stats, tuple(rows), "quantile")
