"""What every measurement (sim/measure.py) reads from the tick log: the ticks of a window,
per-tick latency moments (fast mode) or every request's latency (exact mode), the counts a
load balancer or Kong itself keeps, and latencies as a millisecond clock reports them."""

from __future__ import annotations

import math

import numpy as np

from . import route_mix
from .metrics import TickLog


def ticks(start: float, end: float) -> tuple[int, int]:
    """The ticks a window ``[start, end)`` covers, as the TickLog counts them."""
    return int(math.floor(start + 1e-9)), int(math.floor(end + 1e-9))


def moments(log: TickLog, a: int, b: int, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fast mode, node ``i``, ticks ``[a, b)``: (served, mean ms, variance ms^2) per tick of its
    shifted log-normal latency (queueing wait + exp(N(mu, sigma))), of the mixture when a share
    of the requests takes a slow route (sim/route_mix.py; exactly the plain moments without)."""
    sigma = float(log.table.sigma[i])
    served = log.served[a:b, i].astype(float)
    scale = np.exp(log.mu[a:b, i] + sigma * sigma / 2.0)
    first, second = route_mix.moment_factors(log.route_share[a:b, i], log.route_log[a:b, i])
    var = scale * scale * (math.expm1(sigma * sigma) * second + (second - first * first))
    return served, log.wait_ms[a:b, i] + scale * first, var


def pooled(served: np.ndarray, mean: np.ndarray, var: np.ndarray) -> tuple[float, float, float]:
    """(requests, mean, variance) of the requests of several ticks together (law of total variance)."""
    count = float(served.sum())
    if count <= 0:
        return 0.0, 0.0, 0.0
    m = float((served * mean).sum()) / count
    return count, m, max(0.0, float((served * (var + mean * mean)).sum()) / count - m * m)


def whole_ms(latencies_ms, rng: np.random.Generator) -> np.ndarray:
    """Latencies as a millisecond clock reports them: the difference of two truncated timestamps,
    ``floor(d + U)`` with U uniform (HAProxy's Tr, nginx's ``request_time`` and
    ``upstream_response_time`` all have millisecond resolution). Unbiased: its mean is d's."""
    values = np.asarray(latencies_ms, dtype=float)
    return np.floor(values + rng.random(len(values)))


def exact_latencies(log: TickLog, a: int, b: int, i: int) -> list[float]:
    """Exact mode: node ``i``'s request latencies (ms) of ticks ``[a, b)``, in arrival-tick order."""
    return [v for k in range(a, b) for v in log.latencies.get((k, i), ())]


def lb_counts(log: TickLog, a: int, b: int, i: int) -> tuple[int, int]:
    """What a load balancer counts: every request it sent, and 5xx plus connection failures."""
    return int(log.requests[a:b, i].sum()), int(log.errors[a:b, i].sum())


def kong_counts(log: TickLog, a: int, b: int, i: int) -> tuple[int, int]:
    """What Kong counts itself: only the requests it served (a refused or lost request never
    reaches its log phase), and the 5xx among them."""
    served = int(log.served[a:b, i].sum())
    lost = int(log.requests[a:b, i].sum()) - served
    return served, int(log.errors[a:b, i].sum()) - lost
