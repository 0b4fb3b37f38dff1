"""The Prometheus source against a real Prometheus scraping a real HAProxy's built-in exporter."""

import asyncio
import time

import httpx
import pytest

from adapters.lb import build_load_balancer
from adapters.metrics import PrometheusQuery, build_metrics
from rollout.errors import Rejected, Unreachable

from .realparts import burst, make_plan, start_prometheus

pytestmark = [pytest.mark.prometheus, pytest.mark.haproxy]
ALL = frozenset(["x1", "x2", "x3", "y1", "y2", "y3"])
SERVER = 'proxy="be",server=~"{pool}.*"'
QUERIES = {
    "requests": f"sum(increase(haproxy_server_http_responses_total{{{SERVER}}}[{{window}}]))",
    "errors": f'sum(increase(haproxy_server_http_responses_total{{{SERVER},code="5xx"}}[{{window}}]))',
    "p50_ms": f"1000 * max(haproxy_server_response_time_average_seconds{{{SERVER}}})",
    "p99_ms": f"1000 * max(haproxy_server_response_time_average_seconds{{{SERVER}}})",
}
WAIT_S = 15.0


async def poll(predicate, timeout: float = WAIT_S, every: float = 0.25):
    """Poll until predicate() returns a truthy value; the first sample takes about 5.5 s, because
    Prometheus's discovery manager hands targets to the scrapers on a 5 s tick (``updatert`` in
    https://github.com/prometheus/prometheus/blob/v2.42.0/discovery/manager.go)."""
    deadline = time.monotonic() + timeout
    while True:
        value = await predicate()
        if value or time.monotonic() > deadline:
            return value
        await asyncio.sleep(every)


async def test_windows_from_promql(haproxy_lab, tmp_path):
    h = haproxy_lab.haproxy
    with start_prometheus(tmp_path / "prom", [f"127.0.0.1:{h.stats_port}"]) as prom:
        async with httpx.AsyncClient(timeout=2) as client:
            async def up():
                answer = (await client.get(f"{prom.url}/api/v1/query", params={"query": 'up{job="haproxy"} == 1'})).json()
                return answer.get("data", {}).get("result")
            assert await poll(up), "Prometheus never scraped HAProxy"
        plan = make_plan({"type": "haproxy", "socket": h.socket, "backend": "be"},
                         metrics={"source": "prometheus", "url": prom.url, "queries": QUERIES})
        lb = build_load_balancer(plan)
        metrics = build_metrics(plan, lb)
        assert isinstance(metrics, PrometheusQuery)
        await lb.set_weights(50, 50, ALL)
        haproxy_lab.backends.set_mode("y2", fail=0.6)
        outcome = await burst(h.url, 300)

        async def judged():
            now = time.time()
            x, y = await metrics.window(now - 10, now)
            return (x, y) if y.errors > 0 and x.requests > 0 else None
        result = await poll(judged)
        assert result, "the window never showed the injected errors"
        x, y = result
        assert x.errors == 0 and 0 < y.errors <= outcome["500"] * 1.5 + 2  # increase() extrapolates
        assert y.requests > 0 and x.stats["p99_ms"] >= 0


async def test_bad_promql_is_rejected_and_no_server_unreachable(haproxy_lab, tmp_path):
    h = haproxy_lab.haproxy
    with start_prometheus(tmp_path / "prom", [f"127.0.0.1:{h.stats_port}"]) as prom:
        plan = make_plan({"type": "haproxy", "socket": h.socket, "backend": "be"},
                         metrics={"source": "prometheus", "url": prom.url, "queries": {"requests": "sum(", "errors": "0"}})
        with pytest.raises(Rejected, match="prometheus: query sum\\(: rejected: HTTP 400 bad_data"):
            await PrometheusQuery(plan).window(0, 60)
    with pytest.raises(Unreachable, match="prometheus: GET"):
        await PrometheusQuery(plan).window(0, 60)
