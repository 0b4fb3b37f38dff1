"""Which splits each load balancer can really express, per plan step. Pure arithmetic.

A plan says "5% on Y"; the LB takes per-server integer weights. HAProxy's runtime API takes
0..256 per server (``set weight``), nginx takes ``weight=N`` with N >= 1 and marks a server
``down`` instead of weight 0, a command LB receives the percentages themselves. With nx X
nodes at weight wx and ny Y nodes at wy, Y's share is ny*wy / (nx*wx + ny*wy): preflight
shows the closest achievable share so nobody discovers at step 1 that "1%" means 4%.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import gcd

from .observations import CheckResult
from .plan import Plan

TOLERANCE_PP = 0.5  # an achievable share this close to the planned one counts as exact
SRC_HAPROXY = "HAProxy management guide 'set weight' (0..256 per server); lb-notes.md"
SRC_NGINX = "nginx ngx_http_upstream_module 'server ... weight=number' (>= 1) and 'down'"
SRC_COMMAND = "plan load_balancer.command: {x} and {y} are passed as percentages"


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


def achievable(plan: Plan, y: int) -> Split:
    lb = plan.load_balancer
    nx, ny = len(plan.pools.x.nodes), len(plan.pools.y.nodes)
    if lb.type == "haproxy":
        return haproxy_split(nx, ny, y, lb.max_weight)
    if lb.type == "nginx":
        return nginx_split(nx, ny, y)
    return Split(100 - y, y, float(y), "percentages passed as they are")


def lb_checks(plan: Plan) -> list[CheckResult]:
    """One line per plan step: the weights the LB will get and the share they give."""
    lb = plan.load_balancer
    nx, ny = len(plan.pools.x.nodes), len(plan.pools.y.nodes)
    source = {"haproxy": SRC_HAPROXY, "nginx": SRC_NGINX}.get(lb.type, SRC_COMMAND)
    results = []
    for i, step in enumerate(plan.steps, 1):
        split = achievable(plan, step.y)
        close = abs(split.y_share - step.y) <= TOLERANCE_PP
        weights = f"X {nx}x{split.x_weight}, Y {ny}x{split.y_weight}" if lb.type in ("haproxy", "nginx") else f"x={100 - step.y} y={step.y}"
        note = f" ({split.note})" if split.note else ""
        tail = "" if close else f"; {lb.type} cannot come closer than {split.y_share:.2f}% to the planned {step.y}%"
        results.append(CheckResult(
            "load balancer split", "pass" if close else "warn",
            f"step {i} ({step.y}% on Y): {lb.type} {weights} -> {split.y_share:.2f}% on Y{note}{tail}",
            seen=f"{split.y_share:.2f}%", expected=f"{step.y}%", source=source))
    return results
