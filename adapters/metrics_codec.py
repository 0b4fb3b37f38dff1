"""Metrics, pure half: counters out of HAProxy ``show stat`` rows, Kong ``/metrics`` text and
Prometheus API answers; differences between two snapshots; one PoolWindow per pool.

Counters only ever grow, so a window is ``after - before``; a counter that went down means
the process restarted, and then ``after`` alone is the best estimate of the window.
Quantiles come from rollout/histograms.py, the estimator the rehearsal shares.
The Kong exposition format is parsed with prometheus-client's parser, never by hand; the
family names differ before and after Kong 3.0 (kong/plugins/prometheus/exporter.lua at
https://github.com/Kong/kong/blob/2.8.5/kong/plugins/prometheus/exporter.lua and
https://github.com/Kong/kong/blob/3.4.2/kong/plugins/prometheus/exporter.lua).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from prometheus_client.parser import text_string_to_metric_families

from rollout.histograms import histogram_quantile
from rollout.observations import LatencyKind, NodeWindow, PoolWindow
from rollout.i18n import N_

from .haproxy_codec import stat_int

# Counter families by the parser's name (it drops "_total" and names 2.8's kong_http_status samples
# kong_http_status_total): 3.x kong_http_requests_total (needs status_code_metrics), 2.8 kong_http_status.
KONG_REQUESTS = ("kong_http_requests", "kong_http_status")
KONG_LATENCY = {"kong_request_latency_ms_bucket": {}, "kong_latency_bucket": {"type": "request"}}


@dataclass(frozen=True)
class Counters:
    """One server's or node's cumulative counters at one instant.

    ``rtime_ms`` is HAProxy's average response time over its last 1024 requests (a gauge, not
    a counter: it is weighted by requests, never differenced). ``buckets`` maps a histogram
    bucket's upper bound (ms, ``inf`` last) to its cumulative count.
    """

    requests: int = 0
    errors: int = 0
    rtime_ms: float = 0.0
    buckets: Mapping[float, float] = field(default_factory=dict)


# ---- sources --------------------------------------------------------------------------------

def haproxy_counters(rows: Iterable[Mapping[str, str]]) -> dict[str, Counters]:
    """Per server: requests = stot (req_tot when present), errors = hrsp_5xx + eresp + econ.

    ``eresp``/``econ`` are there because a dying node's failures never show as 5xx: a request
    lost mid-response counts as a response error, a refused one as a connection error
    (https://docs.haproxy.org/2.6/management.html#9.1, fields 13-14; measured on loopback: a
    server killed under load gave eresp and client socket errors, no hrsp_5xx).
    """
    out = {}
    for row in rows:
        name = row.get("svname", "")
        if not name or name in ("BACKEND", "FRONTEND"):
            continue
        requests = stat_int(row, "req_tot") or stat_int(row, "stot")
        errors = stat_int(row, "hrsp_5xx") + stat_int(row, "eresp") + stat_int(row, "econ")
        out[name] = Counters(requests, errors, float(stat_int(row, "rtime")))
    return out


def kong_counters(text: str) -> Counters:
    """One Kong node's ``/metrics``: requests and 5xx from the status family, the request-latency histogram."""
    requests = errors = 0.0
    buckets: dict[float, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if family.name in KONG_REQUESTS and sample.name in (family.name, family.name + "_total"):
                requests += sample.value
                if str(sample.labels.get("code", "")).startswith("5"):
                    errors += sample.value
            wanted = KONG_LATENCY.get(sample.name)
            if wanted is not None and all(sample.labels.get(k) == v for k, v in wanted.items()):
                le = float(sample.labels["le"])
                buckets[le] = buckets.get(le, 0.0) + sample.value
    return Counters(int(requests), int(errors), 0.0, buckets)


def prometheus_value(answer: Mapping) -> float:
    """A ``/api/v1/query`` answer: the sum of a vector (0 when empty), or a scalar; NaN reads as 0."""
    if answer.get("status") != "success":
        raise ValueError(f"{answer.get('errorType', 'error')}: {answer.get('error', answer)}")
    data = answer.get("data", {})
    kind, result = data.get("resultType"), data.get("result")
    if kind == "vector":
        values = [float(item["value"][1]) for item in result]
    elif kind == "scalar":
        values = [float(result[1])]
    else:
        raise ValueError(N_("expected a vector or scalar result, got {kind}").format(kind=repr(kind)))
    return sum(v for v in values if not math.isnan(v))


# ---- windows --------------------------------------------------------------------------------

def difference(before: Counters | None, after: Counters) -> Counters:
    """``after - before``; a counter that went down (restart) counts from zero."""
    if before is None or after.requests < before.requests:
        return after
    buckets = {le: max(0.0, n - before.buckets.get(le, 0.0)) for le, n in after.buckets.items()}
    return Counters(after.requests - before.requests, max(0, after.errors - before.errors), after.rtime_ms, buckets)


def pool_window(deltas: Iterable[tuple[str, Counters]]) -> PoolWindow:
    """Sum a pool's per-node deltas (with the per-node rows); latency from histogram buckets
    when there are any, else the request-weighted ``rtime`` average (then p50 == p99, and the
    window says its latency is an average)."""
    deltas = list(deltas)
    stats, kind = _latency([d for _, d in deltas])
    rows = tuple(NodeWindow(name, d.requests, d.errors, _latency([d])[0]) for name, d in deltas)
    return PoolWindow(sum(d.requests for _, d in deltas), sum(d.errors for _, d in deltas), stats, rows, kind)


def _latency(deltas: list[Counters]) -> tuple[dict[str, float], LatencyKind]:
    """p50 and p99 in ms over some deltas: histogram quantiles, or the averaged rtime for both."""
    buckets: dict[float, float] = {}
    for d in deltas:
        for le, n in d.buckets.items():
            buckets[le] = buckets.get(le, 0.0) + n
    if buckets and max(buckets.values()) > 0:
        return {"p50_ms": histogram_quantile(0.5, buckets), "p99_ms": histogram_quantile(0.99, buckets)}, "quantile"
    requests = sum(d.requests for d in deltas)
    average = sum(d.rtime_ms * d.requests for d in deltas) / requests if requests else 0.0
    return {"p50_ms": average, "p99_ms": average}, "average"
