"""HAProxy's ``rtime`` as the gates read it: whole milliseconds, per server, over ~1024 responses.

What HAProxy does (2.6; include/haproxy/freq_ctr.h ``swrate_add_dynamic``/``swrate_avg``,
src/stream.c ``stream_update_time_stats``, src/stats.c ``stats_fill_sv_stats``):

- each response adds its response time Tr in whole ms (a difference of millisecond
  timestamps, ``floor(d + U)``) to a per-server sum S;
- while the server has served at most 1024 requests, S is a plain sum and ``rtime`` is
  ``ceil(S / requests)``: rounded UP, so a new server whose responses take 0.3 ms reads 1 ms;
- after that, ``S = S - ceil(S / 1024) + Tr`` (a sliding window) and ``rtime = ceil(S / 1024)``.
  With integers this pins S at the whole millisecond below the true mean m, and ``rtime``
  reads floor(m) or floor(m) + 1, the latter a share frac(m) of the time: an unbiased but
  whole-millisecond reading. A loopback X at 0.4 ms reads 0 or 1 from one window to the next.

The window's pool latency is then what adapters/metrics_codec.py ``pool_window`` computes
from ``show stat``: each server's ``rtime`` at the window's end weighted by its requests in
the window (``latency_kind`` average). Counts are HAProxy's: every request, and 5xx plus
connection failures (adapters/lb_stats.py).

The exact mode runs the integer recursion on every response. The fast mode has no single
responses: between two reads it folds a server's traffic in as (count, mean, variance), the
warm-up sum drawn, the sliding level moved by the recursion's fluid limit (drift ``m -
ceil(level)`` per response, band by band, on the recency-weighted mean), and the reading
drawn around the pinned level with the window's sampling noise. A server is warm (past its
first 1024 requests, level settled) when the rehearsal starts if it served then: pool X.
"""

from __future__ import annotations

import math

import numpy as np

from rollout.i18n import N_
from rollout.observations import NodeWindow, PoolWindow

from .tick_reads import exact_latencies, lb_counts, moments, pooled, ticks, whole_ms
from .metrics import TickLog

SAMPLES = 1024  # HAProxy's TIME_STATS_SAMPLES
WARM = 10 ** 9  # requests a server had served before the rehearsal began (any number past SAMPLES)


class _Server:
    """One HAProxy server's time statistics: requests seen, the integer sum S (fast mode: S / 1024)."""

    def __init__(self, warm: bool):
        self.requests = WARM if warm else 0
        self.total = 0  # the plain sum of Tr while requests <= SAMPLES
        self.level: float | None = None if warm else 0.0  # S / 1024 afterwards; None: settled at the first traffic
        self.upto = 0  # ticks folded in so far
        self.mean, self.var = 0.0, 0.0  # the traffic last folded in


class HAProxyAverage:
    name = "haproxy"
    note = N_("measured as HAProxy measures: per server rtime, whole ms over its last 1024 responses "
              "(a new server's rounded up); the pool's latency is their average (avg, not p99)")

    def __init__(self, log: TickLog, rng: np.random.Generator):
        self.log, self.rng = log, rng
        self.servers = [_Server(warm=node.pool == "x") for node in log.table.nodes]

    def window(self, pool: str, start: float, end: float) -> PoolWindow:
        a, b = ticks(start, end)
        self.log.extend_to(b)
        rows = []
        for i in np.flatnonzero(self.log.table.pool_mask(pool)):
            requests, errors = lb_counts(self.log, a, b, int(i))
            rtime = float(self.rtime(int(i), b))
            rows.append(NodeWindow(self.log.table.nodes[i].name, requests, errors, {"p50_ms": rtime, "p99_ms": rtime}))
        total = sum(r.requests for r in rows)
        average = sum(r.stats["p99_ms"] * r.requests for r in rows) / total if total else 0.0
        return PoolWindow(total, sum(r.errors for r in rows), {"p50_ms": average, "p99_ms": average}, tuple(rows), "average")

    def rtime(self, i: int, b: int) -> int:
        """Server ``i``'s ``rtime`` read after tick ``b``."""
        server = self.servers[i]
        if b > server.upto:
            (self._replay if self.log.exact else self._fold)(server, i, b)
            server.upto = b
        if self.log.exact:
            return _exact_reading(server)
        return self._reading(server)

    # ------------------------------------------------------------------ exact: the recursion itself
    def _replay(self, server: _Server, i: int, b: int) -> None:
        samples = whole_ms(exact_latencies(self.log, server.upto, b, i), self.rng).astype(int).tolist()
        if server.level is None and samples:
            server.level = float(SAMPLES * math.floor(sum(samples) / len(samples)))  # settled before the rehearsal
        total = int(server.level or 0) if server.requests > SAMPLES else server.total
        for tr in samples:
            server.requests += 1
            total = total - (total + SAMPLES - 1) // SAMPLES + tr if server.requests > SAMPLES else total + tr
        if server.requests > SAMPLES:
            server.level = float(total)
        else:
            server.total = total

    # ------------------------------------------------------------------ fast: folded moments
    def _fold(self, server: _Server, i: int, b: int) -> None:
        served, mean, var = moments(self.log, server.upto, b, i)
        count, m, v = pooled(served, mean, var)
        if count <= 0:
            return
        server.mean, server.var = m, v + _rounding(m)
        first = int(min(count, max(0, SAMPLES - server.requests)))
        if first:
            server.total += self._sum(first, m, server.var)
            server.requests += first
            if server.requests < SAMPLES:
                return
            server.level = server.total / SAMPLES
        recent = _recent_mean(served, mean)
        if server.level is None:
            server.level = float(_pinned(recent))
        server.mean = recent
        server.level = _settle(server.level, recent, count - first)
        server.requests += int(count) - first

    def _sum(self, count: int, mean: float, var: float) -> int:
        """The sum of ``count`` whole-ms response times: exact for sub-ms worlds (each is 0 or 1)."""
        if mean < 1.0:
            return int(self.rng.binomial(count, mean))
        return max(0, int(round(self.rng.normal(count * mean, math.sqrt(count * var)))))

    def _reading(self, server: _Server) -> int:
        if server.requests == 0:
            return 0
        if server.requests <= SAMPLES:
            return -(-server.total // server.requests)  # ceil, in integers as HAProxy does
        noise = float(self.rng.normal(0.0, math.sqrt(server.var / (2 * SAMPLES))))
        if server.level is not None and server.level != _pinned(server.mean):
            return max(0, math.ceil(server.level + noise - 1e-9))
        value = max(0.0, server.mean + noise)  # pinned: floor(m) or floor(m) + 1, the latter frac(m) of the time
        return int(math.floor(value)) + int(self.rng.random() < value - math.floor(value))


def _exact_reading(server: _Server) -> int:
    if server.requests == 0:
        return 0
    if server.requests <= SAMPLES:
        return -(-server.total // server.requests)
    return -(-int(server.level or 0) // SAMPLES)


def _rounding(mean: float) -> float:
    """Variance the millisecond clock adds to a response time (a Bernoulli of the fraction)."""
    frac = mean - math.floor(mean)
    return frac * (1.0 - frac)


def _recent_mean(served: np.ndarray, mean: np.ndarray) -> float:
    """The mean the sliding sum tracks: each tick weighted by its responses and how recent they are."""
    after = served.sum() - np.cumsum(served)
    weight = served * np.power(1.0 - 1.0 / SAMPLES, after)
    return float((weight * mean).sum() / weight.sum())


def _pinned(mean: float) -> float:
    """Where the integer recursion settles S / 1024 for a steady mean: the whole ms at or below it."""
    return float(math.floor(mean))


def _settle(level: float, mean: float, count: float) -> float:
    """Move S / 1024 by ``count`` responses of mean ``mean``: a drift of ``(mean - ceil(level)) / 1024``
    per response, band by band, until the level reaches where the integers pin it."""
    target = _pinned(mean)
    while count > 0 and level != target:
        if level > target:
            band = math.ceil(level - 1e-12)
            goal = max(band - 1.0, target)
        else:
            band = math.floor(level + 1e-12) + 1
            goal = min(float(band), target)
        rate = (mean - band) / SAMPLES
        if rate == 0.0:
            break
        needed = (goal - level) / rate
        if needed >= count:
            return level + rate * count
        level, count = goal, count - needed
    return level
