"""Metrics as the gates see them in production: per pool and per node, per window.

Both modes write into one ``TickLog`` (requests, errors, requests failed because of a
fault, requests slower than the scenario's SLO, per second and node); they differ only in
how latency is kept:

- exact mode keeps every request's latency and takes the window's order statistic;
- fast mode keeps, per (tick, node), the served count, the queueing wait and the log-normal
  ``mu``, and draws the window's quantile from that mixture: the k-th smallest of n
  requests falls at F^-1(U) with U ~ Beta(k, n + 1 - k), so the drawn p99 scatters exactly
  as a real p99 computed over n requests would, without sampling n latencies.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

from rollout.observations import NodeWindow, PoolWindow

from . import route_mix
from .nodes import NodeTable

_NORMAL = NormalDist()


def _phi(z: np.ndarray) -> np.ndarray:
    """Standard normal CDF, vectorised (Abramowitz & Stegun 7.1.26, error < 2e-7)."""
    x = np.abs(z) / math.sqrt(2.0)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t
    return 0.5 * (1.0 + np.sign(z) * (1.0 - poly * np.exp(-x * x)))


def mixture_quantile(q: float, counts: np.ndarray, wait: np.ndarray, mu: np.ndarray, sigma: float,
                     rng: np.random.Generator, route: tuple[np.ndarray, np.ndarray] | None = None) -> float:
    """The q-quantile (ms) of ``counts`` requests drawn from shifted log-normal components;
    ``route``: (share, ln factor) per component of a slow route (sim/route_mix.py)."""
    keep = counts > 0
    if not keep.any():
        return 0.0
    c, w, m = counts[keep].astype(float), wait[keep], mu[keep]
    n = int(c.sum())
    k = min(n, max(1, math.ceil(q * n)))
    u = float(rng.beta(k, n + 1 - k))
    if route is not None and (route[0][keep] > 0).any():
        return route_mix.quantile(u, *route_mix.split(c, w, m, route[0][keep], route[1][keep]), sigma)
    z = _NORMAL.inv_cdf(min(max(u, 1e-12), 1 - 1e-12))
    if np.ptp(w) < 1e-6 and np.ptp(m) < 1e-9:
        return float(w[0] + math.exp(m[0] + sigma * z))
    (w, m), inverse = np.unique(np.round(np.stack([w, m]), 4), axis=1, return_inverse=True)
    c = np.bincount(inverse.ravel(), weights=c)  # identical components (to 0.1 us, 1e-4 in mu) merged
    lo, hi = float(np.min(w + np.exp(m + sigma * z))), float(np.max(w + np.exp(m + sigma * z)))
    for _ in range(32):
        mid = 0.5 * (lo + hi)
        above = mid > w
        cdf = np.where(above, _phi((np.log(np.where(above, mid - w, 1.0)) - m) / sigma), 0.0)
        if float((c * cdf).sum()) / n < u:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def slow_share(slo_ms: float, wait_ms: np.ndarray, mu: np.ndarray, sigma: np.ndarray,
               route: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Share of a (tick, node)'s requests over ``slo_ms``: P(wait + exp(mu + sigma Z) > slo),
    of the mixture when a share of them takes a slow route."""
    room = slo_ms - wait_ms
    z = (np.log(np.where(room > 0, room, 1.0)) - mu) / sigma
    under = _phi(z)
    if route is not None and (route[0] > 0).any():
        under = route_mix.mixed(route[0], under, _phi(route_mix.slowed_z(z, route[1], sigma)))
    return np.where(room > 0, 1.0 - under, 1.0)


def exact_quantile(q: float, values: list[float]) -> float:
    if not values:
        return 0.0
    return float(np.quantile(np.asarray(values), q, method="inverted_cdf"))


class TickLog:
    """Per-second, per-node counters of one rehearsal; grows as simulated time goes on."""

    def __init__(self, table: NodeTable, latency_rng: np.random.Generator, exact: bool = False, horizon: int = 3600,
                 slo_ms: float = math.inf, slow_rng: np.random.Generator | None = None):
        self.table = table
        self.rng = latency_rng
        self.exact = exact
        self.slo_ms = slo_ms  # a served request slower than this is slow (the blast radius counts it)
        self.slow_rng = slow_rng or np.random.default_rng(0)
        shape = (max(horizon, 1), len(table.nodes))
        self.requests = np.zeros(shape, dtype=np.int64)
        self.errors = np.zeros(shape, dtype=np.int64)
        self.bad = np.zeros(shape, dtype=np.int64)  # failed because of a fault, not the base error rate
        self.served = np.zeros(shape, dtype=np.int64)
        self.slow = np.zeros(shape, dtype=np.int64)  # served, but slower than slo_ms
        self.wait_ms = np.zeros(shape)
        self.mu = np.full(shape, table.mu)
        self.route_share = np.zeros(shape)  # share of the (tick, node)'s requests on a slow route (route_latency)
        self.route_log = np.zeros(shape)  # their ln(factor)
        self.latencies: dict[tuple[int, int], list[float]] = {}

    def _room(self, end: int) -> None:
        if end <= len(self.requests):
            return
        size = max(end, 2 * len(self.requests))
        for name in ("requests", "errors", "bad", "served", "slow", "wait_ms", "mu", "route_share", "route_log"):
            old = getattr(self, name)
            new = np.zeros((size, old.shape[1]), dtype=old.dtype) if name != "mu" else np.full((size, old.shape[1]), self.table.mu)
            new[: len(old)] = old
            setattr(self, name, new)

    def extend_to(self, end: int) -> None:
        """Room for ticks up to ``end`` (a window may be read before traffic reached its last tick)."""
        self._room(end)

    def store(self, k0: int, requests, errors, bad, served, wait_ms, mu, route=None) -> None:
        """Fast mode: a whole stretch of ticks at once; ``route``: (share, ln factor) of a slow route."""
        k1 = k0 + len(requests)
        self._room(k1)
        self.requests[k0:k1] = requests
        self.errors[k0:k1] = errors
        self.bad[k0:k1] = bad
        self.served[k0:k1] = served
        self.wait_ms[k0:k1] = wait_ms
        self.mu[k0:k1] = mu
        if route is not None:
            self.route_share[k0:k1], self.route_log[k0:k1] = route
        if math.isfinite(self.slo_ms):  # drawn, not sampled: each request is slow with its component's chance
            share = slow_share(self.slo_ms, wait_ms, mu, self.table.sigma[None, :], route)
            self.slow[k0:k1] = self.slow_rng.binomial(served, share)

    def add_request(self, k: int, i: int, error: bool, bad: bool, served: bool = True) -> None:
        """Exact mode: one request arrived (counted when it arrives, as the fast mode does);
        ``served``: a node took it (not refused, not sent to a node that is not there)."""
        self._room(k + 1)
        self.requests[k, i] += 1
        self.errors[k, i] += error
        self.bad[k, i] += bad
        self.served[k, i] += served

    def add_latency(self, k: int, i: int, ms: float) -> None:
        self.latencies.setdefault((k, i), []).append(ms)
        self.slow[k, i] += ms > self.slo_ms

    # ------------------------------------------------------------------ reading
    def _quantile(self, q: float, a: int, b: int, mask: np.ndarray) -> float:
        if self.exact:
            values = [v for k in range(a, b) for i in np.flatnonzero(mask) for v in self.latencies.get((k, int(i)), ())]
            return exact_quantile(q, values)
        return mixture_quantile(q, self.served[a:b, mask], self.wait_ms[a:b, mask], self.mu[a:b, mask],
                                float(self.table.sigma[mask][0]), self.rng,  # one pool: one sigma
                                (self.route_share[a:b, mask], self.route_log[a:b, mask]))

    def pool_window(self, pool: str, start: float, end: float) -> PoolWindow:
        a, b = int(math.floor(start + 1e-9)), int(math.floor(end + 1e-9))
        self._room(b)
        mask = self.table.pool_mask(pool)
        nodes = []
        for i in np.flatnonzero(mask):
            one = np.zeros(len(mask), dtype=bool)
            one[i] = True
            nodes.append(NodeWindow(self.table.nodes[i].name, int(self.requests[a:b, i].sum()),
                                    int(self.errors[a:b, i].sum()), {"p99_ms": round(self._quantile(0.99, a, b, one), 2)}))
        stats = {"p50_ms": round(self._quantile(0.50, a, b, mask), 2), "p99_ms": round(self._quantile(0.99, a, b, mask), 2)}
        return PoolWindow(int(self.requests[a:b, mask].sum()), int(self.errors[a:b, mask].sum()), stats, tuple(nodes))

    def totals(self, end: float) -> dict:
        b = int(math.floor(end + 1e-9))
        y = self.table.is_y
        return {
            "total": int(self.requests[:b].sum()),
            "failed": int(self.errors[:b].sum()),
            "failed_on_y": int(self.errors[:b, y].sum()),
            "bad": int(self.bad[:b].sum()),
            "slow": int(self.slow[:b].sum()),
            "slow_on_y": int(self.slow[:b, y].sum()),
        }


class SimMetrics:
    """rollout.ports.Metrics over the tick log, read through the plan's kind of measurement
    (sim/measure.py); brings traffic up to date before reading."""

    def __init__(self, log: TickLog, traffic, measurement=None):
        self.log = log
        self.traffic = traffic
        self.measurement = measurement

    async def window(self, start: float, end: float) -> tuple[PoolWindow, PoolWindow]:
        self.traffic.advance_to(end)
        if self.measurement is None:
            return self.log.pool_window("x", start, end), self.log.pool_window("y", start, end)
        return self.measurement.window("x", start, end), self.measurement.window("y", start, end)
