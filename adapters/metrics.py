"""The Metrics port: one PoolWindow per pool per gate window, from one of three sources.

- ``lb`` (the default): the load balancer's own counters, as its entry in adapters/lb.py
  says (HAProxy ``show stat``, the nginx Lua balancer's pool counters; adapters/lb_stats.py).
- ``kong``: each node's Prometheus plugin ``/metrics``, scraped and differenced.
- ``prometheus``: a Prometheus server's HTTP API with the plan's PromQL.

Counter sources difference snapshots kept in adapters/counter_history.py.
Parsing is in adapters/metrics_codec.py.
"""

from __future__ import annotations

import asyncio
import os
import time

import httpx

from rollout.errors import Rejected, Timeout, Unreachable
from rollout.i18n import N_
from rollout.observations import PoolWindow
from rollout.plan import Node, Plan
from rollout.ports import Advises, LoadBalancer

from . import metrics_codec as mc
from .counter_history import History
from .lb import LiveMetrics, live_lb
from .plan_problem import plan_problem


def metrics_url(node: Node) -> str:
    """Where a node serves ``/metrics``: ``metrics:``, else the Status API, else the Admin API."""
    if node.metrics:
        return node.metrics
    base = node.status or node.admin
    if not base:
        raise plan_problem(f"node {node.name}", N_("metrics.source kong needs the node's metrics, status or admin URL"))
    return base.rstrip("/") + "/metrics"


class KongScrape(Advises):
    """Each node's Kong Prometheus plugin ``/metrics``, scraped concurrently and differenced.

    Needs per-request metrics: 3.x ``status_code_metrics`` (and ``latency_metrics`` for p50/p99)
    on the prometheus plugin; 2.8 exports them by default.
    """

    def __init__(self, plan: Plan, client: httpx.AsyncClient | None = None, clock=time.time):
        self.warnings: list[str] = []
        self.x = list(plan.pools.x.nodes)
        self.y = list(plan.pools.y.nodes)
        self.urls = {n.name: metrics_url(n) for n in self.x + self.y}
        self.admin_urls = {n.name for n in self.x + self.y if n.admin and self.urls[n.name].startswith(n.admin)}
        self.auth = plan.admin_auth
        verify = (plan.tls.ca_file or True) if plan.tls.verify else False
        self.client = client or httpx.AsyncClient(timeout=plan.timeouts.request, verify=verify)
        self.clock = clock
        self.history: History[dict[str, mc.Counters]] = History()

    def _headers(self, node: Node) -> dict[str, str]:
        """The admin token goes to Admin API URLs only (read per call, never stored)."""
        if self.auth and node.name in self.admin_urls and os.environ.get(self.auth.token_env):
            return {self.auth.header: os.environ[self.auth.token_env]}
        return {}

    async def scrape(self, node: Node) -> mc.Counters:
        url = self.urls[node.name]
        try:
            resp = await self.client.get(url, headers=self._headers(node))
        except httpx.TimeoutException:
            raise Timeout(node.name, f"GET {url}", N_("no answer in time")) from None
        except httpx.HTTPError as exc:
            raise Unreachable(node.name, f"GET {url}", type(exc).__name__) from None
        if resp.status_code != 200:
            raise Rejected(node.name, f"GET {url}", status=resp.status_code, body=resp.text[:200])
        try:
            return mc.kong_counters(resp.text)
        except ValueError as exc:
            raise Rejected(node.name, f"GET {url}", N_("not the Prometheus text format: {why}").format(why=exc)) from None

    async def window(self, start: float, end: float) -> tuple[PoolWindow, PoolWindow]:
        before = self.history.baseline(start)
        nodes = self.x + self.y
        after = dict(zip((n.name for n in nodes), await asyncio.gather(*(self.scrape(n) for n in nodes))))
        self.history.add(end, after)  # stands for the window's end: the next window's baseline
        before = before or after
        x, y = (mc.pool_window((n.name, mc.difference(before.get(n.name), after[n.name])) for n in pool) for pool in (self.x, self.y))
        return x, y


class PrometheusQuery(Advises):
    """The plan's PromQL, with ``{pool}`` -> x|y and ``{window}`` -> the window in seconds, at ``end``."""

    def __init__(self, plan: Plan, client: httpx.AsyncClient | None = None):
        self.warnings: list[str] = []
        spec = plan.metrics
        if not spec.url or not spec.queries:
            raise plan_problem("metrics", N_("source prometheus needs metrics.url and metrics.queries (requests, errors)"))
        self.url = spec.url.rstrip("/") + "/api/v1/query"
        self.queries = spec.queries
        self.client = client or httpx.AsyncClient(timeout=plan.timeouts.request)

    async def value(self, promql: str, end: float) -> float:
        try:
            resp = await self.client.get(self.url, params={"query": promql, "time": f"{end:.3f}"})
        except httpx.TimeoutException:
            raise Timeout("prometheus", f"query {promql}", N_("no answer in time")) from None
        except httpx.HTTPError as exc:
            raise Unreachable("prometheus", f"GET {self.url}", type(exc).__name__) from None
        try:
            return mc.prometheus_value(resp.json())
        except ValueError as exc:
            raise Rejected("prometheus", f"query {promql}", str(exc), status=resp.status_code) from None

    async def pool(self, pool: str, start: float, end: float) -> PoolWindow:
        window = f"{max(1, round(end - start))}s"
        q = self.queries
        texts = {"requests": q.requests, "errors": q.errors, "p50_ms": q.p50_ms, "p99_ms": q.p99_ms}
        asked = {name: t for name, t in texts.items() if t}  # a statistic with no query is not measured
        values = dict(zip(asked, await asyncio.gather(*(
            self.value(t.replace("{pool}", pool).replace("{window}", window), end) for t in asked.values()
        ))))
        stats = {name: v for name, v in values.items() if name not in ("requests", "errors")}
        return PoolWindow(round(values["requests"]), round(values["errors"]), stats)

    async def window(self, start: float, end: float) -> tuple[PoolWindow, PoolWindow]:
        x, y = await asyncio.gather(self.pool("x", start, end), self.pool("y", start, end))
        return x, y


def build_metrics(plan: Plan, lb: LoadBalancer) -> LiveMetrics:
    """The Metrics port for the plan's ``metrics.source``; ``lb`` is the built LoadBalancer, and
    source ``lb`` is whatever its type's entry (adapters/lb.py) reads from it."""
    source = plan.metrics.source
    if source == "kong":
        return KongScrape(plan)
    if source == "prometheus":
        return PrometheusQuery(plan)
    counters = live_lb(plan.load_balancer).lb_metrics
    if counters is None:
        raise plan_problem(
            "metrics.source",
            N_("source lb reads HAProxy stats (or the nginx Lua balancer's counters); with load_balancer.type "
               "{type} use source kong or prometheus").format(type=plan.load_balancer.type),
        )
    return counters(plan, lb)
