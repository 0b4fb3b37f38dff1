"""Which splits a load balancer can really express: per-server integer weights. Pure arithmetic.

A plan says "5% on Y"; the LB takes per-server integer weights. HAProxy's runtime API takes
0..256 per server (``set weight``), nginx takes ``weight=N`` with N >= 1 and marks a server
``down`` instead of weight 0, a command LB receives the percentages themselves. With nx X
nodes at weight wx and ny Y nodes at wy, Y's share is ny*wy / (nx*wx + ny*wy): preflight
shows the closest achievable share so nobody discovers at step 1 that "1%" means 4%.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import gcd


@dataclass(frozen=True)
class Split:
    x_weight: int
    y_weight: int
    y_share: float  # percent of requests on Y
    note: str = ""


def share(nx: int, ny: int, wx: int, wy: int) -> float:
    total = nx * wx + ny * wy
    return 100.0 * ny * wy / total if total else 0.0


def haproxy_split(nx: int, ny: int, y: int, max_weight: int) -> Split:
    """The per-server weights in 0..max_weight whose share is closest to ``y`` percent."""
    if y <= 0 or y >= 100:
        return Split(0 if y >= 100 else max_weight, max_weight if y >= 100 else 0, float(min(max(y, 0), 100)))
    best: tuple[float, int, int] | None = None
    for wy in range(1, max_weight + 1):
        ideal = ny * wy * (100 - y) / (y * nx)
        for wx in {int(ideal), int(ideal) + 1}:
            wx = min(max(wx, 1), max_weight)
            err = abs(share(nx, ny, wx, wy) - y)
            if best is None or err < best[0] - 1e-9:
                best = (err, wx, wy)
    _, wx, wy = best  # type: ignore[misc]
    return Split(wx, wy, share(nx, ny, wx, wy))


def nginx_split(nx: int, ny: int, y: int) -> Split:
    """nginx weights are >= 1 and unbounded, so every whole percentage is exact; 0 and 100 use ``down``."""
    if y <= 0:
        return Split(1, 0, 0.0, "Y servers marked down")
    if y >= 100:
        return Split(0, 1, 100.0, "X servers marked down")
    wx, wy = (100 - y) * ny, y * nx
    g = gcd(wx, wy)
    return Split(wx // g, wy // g, share(nx, ny, wx // g, wy // g))


def percent_split(y: int) -> Split:
    """An LB that takes the pool percentages themselves expresses every whole percentage exactly."""
    return Split(100 - y, y, float(y), "percentages passed as they are")
