"""A pool with one slow route: each (tick, node)'s latency becomes a two-component mixture.

The simulated latency of a (tick, node) is ``wait + exp(N(mu, sigma))`` (sim/metrics.py). With
a ``route_latency`` fault a share ``s`` of those requests takes the slow route, where ``mu`` is
``mu + ln(factor)``; the rest are as before. Each real source sees only the mixture, and sees it
its own way, so each measurement takes what it needs from here:

- HAProxy's and nginx's averages: the mixture's first two moments (``moment_factors``);
- Kong's and Prometheus's histograms, and the slow-request count: the mixture's CDF at an edge
  (``mixed``: the two components' CDFs, weighted);
- the ideal view's order statistics: the mixture's quantile, solved numerically (``quantile``:
  scipy's ``brentq`` over the CDF, ``ndtr`` for the normal), since a mixture of log-normals
  has no closed-form quantile.

A window without a slow route never comes here, so every rehearsal without one draws the same
numbers as before this fault existed.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq
from scipy.special import ndtr, ndtri


def split(counts: np.ndarray, wait: np.ndarray, mu: np.ndarray, share: np.ndarray,
          log_factor: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The components as plain ones: each (tick, node) twice, healthy with ``1 - s`` of its
    requests and slowed with ``s`` (counts become expected, fractional counts)."""
    c = counts.astype(float)
    return (np.concatenate([c * (1.0 - share), c * share]), np.concatenate([wait, wait]),
            np.concatenate([mu, mu + log_factor]))


def cdf(x: float, counts: np.ndarray, wait: np.ndarray, mu: np.ndarray, sigma: float) -> float:
    """P(latency <= x ms) over the components, each weighted by its requests."""
    room = x - wait
    above = room > 0
    z = (np.log(np.where(above, room, 1.0)) - mu) / sigma
    return float((counts * np.where(above, ndtr(z), 0.0)).sum() / counts.sum())


def quantile(u: float, counts: np.ndarray, wait: np.ndarray, mu: np.ndarray, sigma: float) -> float:
    """The ``u``-quantile (ms) of the components: the root of ``cdf(x) = u``.

    It lies between the components' own ``u``-quantiles (a mixture's CDF is their weighted
    mean), which bracket the root for ``brentq``.
    """
    keep = counts > 0
    c, w, m = counts[keep], wait[keep], mu[keep]
    own = w + np.exp(m + sigma * float(ndtri(min(max(u, 1e-12), 1 - 1e-12))))
    lo, hi = float(own.min()), float(own.max())
    if hi - lo < 1e-9 * max(hi, 1.0):
        return lo
    lo, hi = max(lo * (1 - 1e-9), float(w.min())), hi * (1 + 1e-9) + 1e-9
    return float(brentq(lambda x: cdf(x, c, w, m, sigma) - u, lo, hi, xtol=1e-6, rtol=1e-10))


def moment_factors(share: np.ndarray, log_factor: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(E[X]/E[X0], E[X^2]/E[X0^2]) of the log-normal part: X is X0 with probability 1 - s, X0
    times the factor with probability s. Exactly (1, 1) without a slow route."""
    factor = np.exp(log_factor)
    return 1.0 - share + share * factor, 1.0 - share + share * factor * factor


def mixed(share: np.ndarray, healthy: np.ndarray, slowed: np.ndarray) -> np.ndarray:
    """A probability of the mixture from its components' (an edge's CDF, the share over the SLO)."""
    return (1.0 - share) * healthy + share * slowed


def slowed_z(z: np.ndarray, log_factor: np.ndarray, sigma) -> np.ndarray:
    """A healthy component's standard score at some latency, read for the slowed component."""
    return z - log_factor / sigma
