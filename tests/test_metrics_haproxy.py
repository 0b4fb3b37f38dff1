"""HAProxy stats as the metrics source, against a real HAProxy on loopback with counting backends."""

import asyncio
import time

import pytest

from adapters.lb import build_load_balancer
from adapters.lb_stats import HAProxyStats
from adapters.metrics import build_metrics

from .realparts import burst, make_plan

pytestmark = pytest.mark.haproxy
ALL = frozenset(["x1", "x2", "x3", "y1", "y2", "y3"])


def wire(lab):
    plan = make_plan({"type": "haproxy", "socket": lab.haproxy.socket, "backend": "be"})
    lb = build_load_balancer(plan)
    return lb, build_metrics(plan, lb)


async def test_injected_5xx_show_in_the_y_window(haproxy_lab):
    lb, metrics = wire(haproxy_lab)
    assert isinstance(metrics, HAProxyStats)
    await burst(haproxy_lab.haproxy.url, 50)  # traffic before the step: not in the window
    start = time.time()
    await lb.set_weights(50, 50, ALL)  # the LB hook takes the window's baseline
    haproxy_lab.backends.set_mode("y2", fail=0.5)
    before = haproxy_lab.backends.counts()
    outcome = await burst(haproxy_lab.haproxy.url, 400)
    x, y = await metrics.window(start, time.time())
    served = {k: v - before[k] for k, v in haproxy_lab.backends.counts().items()}
    assert x.requests == sum(v for k, v in served.items() if k.startswith("x"))
    assert y.requests == sum(v for k, v in served.items() if k.startswith("y"))
    assert x.errors == 0
    assert y.errors == outcome.get("500", 0) == haproxy_lab.backends.nodes["y2"].errors > 0
    rows = {n.node: n for n in y.nodes}
    assert rows["y2"].errors == y.errors and rows["y1"].errors == 0


async def test_killed_backend_failures_show_as_econ_eresp(haproxy_lab):
    """A dead node's failures never show as 5xx: they are connection errors HAProxy counts."""
    lb, metrics = wire(haproxy_lab)
    await lb.set_weights(50, 50, ALL)
    start = time.time()
    await metrics.window(start - 1, start)  # baseline
    haproxy_lab.backends.set_mode("y1", delay=0.5)
    traffic = asyncio.create_task(burst(haproxy_lab.haproxy.url, 200, concurrency=12))
    await asyncio.sleep(0.2)  # requests are in flight on y1
    haproxy_lab.backends.kill("y1")
    outcome = await traffic
    x, y = await metrics.window(start, time.time())
    assert outcome.get("500", 0) == 0  # nothing a backend-5xx-only gate would see
    rows = {n.node: n.errors for n in y.nodes}
    assert y.errors == rows["y1"] > 0  # eresp: the requests that were in flight when y1 died
    assert x.errors == 0


async def test_latency_is_rtime_for_p50_and_p99(haproxy_lab):
    lb, metrics = wire(haproxy_lab)
    await lb.set_weights(50, 50, ALL)
    haproxy_lab.backends.set_mode("y3", delay=0.03)
    start = time.time()
    await burst(haproxy_lab.haproxy.url, 120)
    x, y = await metrics.window(start, time.time())
    assert y.stats["p50_ms"] == y.stats["p99_ms"] > x.stats["p99_ms"] and y.latency_kind == "average"
    assert {n.node: n.stats["p99_ms"] for n in y.nodes}["y3"] >= 25
