"""``turnout scenario capture --range 7d``: pool X's traffic from Prometheus's history, without waiting.

Prometheus already holds weeks of the counters the plan's PromQL reads, so a capture over a
range needs no ``--for``: the plan's own queries are evaluated over the range (``{window}`` =
the whole range) at its end for the totals, and the requests query over ``query_range`` steps
(``{window}`` = one step) for the shape. A range of two days or more is enough to fit a daily
cycle (least squares on a 24 h sinusoid, numpy's ``lstsq``); a shorter one is written flat and
says so. Read-only: the HTTP API's GET endpoints
(https://prometheus.io/docs/prometheus/latest/querying/api/#range-queries).
"""

from __future__ import annotations

import math
import time

import httpx
import numpy as np

from rollout.errors import Rejected, Timeout, Unreachable
from rollout.i18n import N_
from rollout.observations import PoolWindow
from rollout.plan import Plan

from .capture import Capture, Shape, describe_source
from .metrics import PrometheusQuery
from .plan_problem import plan_problem

DAY = 86400.0
STEPS = 168  # samples over the range (hourly over a week)


def range_values(answer: dict) -> list[tuple[float, float]]:
    """A ``/api/v1/query_range`` matrix summed over its series: [(time, value)] in time order."""
    if answer.get("status") != "success":
        raise ValueError(f"{answer.get('errorType', 'error')}: {answer.get('error', answer)}")
    data = answer.get("data", {})
    if data.get("resultType") != "matrix":
        raise ValueError(N_("expected a matrix result, got {kind}").format(kind=repr(data.get("resultType"))))
    totals: dict[float, float] = {}
    for series in data.get("result", []):
        for at, value in series["values"]:
            if not math.isnan(float(value)):
                totals[float(at)] = totals.get(float(at), 0.0) + float(value)
    return sorted(totals.items())


def fit_daily(points: list[tuple[float, float]]) -> Shape | None:
    """rate = mean (1 + a sin(2 pi (t + offset) / 1 day)) by least squares; None when under two days."""
    if len(points) < 8 or points[-1][0] - points[0][0] < 2 * DAY:
        return None
    t = np.array([p[0] for p in points])
    y = np.array([p[1] for p in points])
    phase = 2 * math.pi * t / DAY
    design = np.column_stack([np.ones_like(t), np.sin(phase), np.cos(phase)])
    (mean, s, c), *_ = np.linalg.lstsq(design, y, rcond=None)
    if mean <= 0:
        return None
    amplitude = min(0.95, math.hypot(s, c) / mean)
    offset = (math.atan2(c, s) / (2 * math.pi) * DAY) % DAY  # sin(x + phi) = s sin x + c cos x, over hypot
    return Shape(round(float(amplitude), 3), round(float(offset)), DAY, len(points))


async def capture_range(plan: Plan, seconds: float, client: httpx.AsyncClient | None = None, clock=time.time) -> Capture:
    """Pool X over the last ``seconds`` of Prometheus's history (source prometheus only)."""
    if plan.metrics.source != "prometheus":
        raise plan_problem("metrics.source", N_("--range reads Prometheus's history; this plan's source is {source}").format(
            source=plan.metrics.source))
    query = PrometheusQuery(plan, client)
    end = clock()
    x = await query.pool("x", end - seconds, end)
    step = max(1.0, seconds / STEPS)
    promql = plan.metrics.queries.requests.replace("{pool}", "x").replace("{window}", f"{round(step)}s")
    points = [(at, value / step) for at, value in await _range(query, promql, end - seconds, end, step)]
    return Capture(plan.name, "prometheus", describe_source(plan), end - seconds, end,
                   PoolWindow(x.requests, x.errors, x.stats, latency_kind=x.latency_kind), len(plan.pools.x.nodes),
                   shape=fit_daily(points))


async def _range(query: PrometheusQuery, promql: str, start: float, end: float, step: float) -> list[tuple[float, float]]:
    url = query.url.replace("/api/v1/query", "/api/v1/query_range")
    params = {"query": promql, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": f"{step:g}"}
    try:
        resp = await query.client.get(url, params=params)
    except httpx.TimeoutException:
        raise Timeout("prometheus", f"query_range {promql}", N_("no answer in time")) from None
    except httpx.HTTPError as exc:
        raise Unreachable("prometheus", f"GET {url}", type(exc).__name__) from None
    try:
        return range_values(resp.json())
    except ValueError as exc:
        raise Rejected("prometheus", f"query_range {promql}", str(exc), status=resp.status_code) from None

