"""Metrics source ``lb``: windows from the counters the load balancer keeps itself.

- HAProxy: ``show stat`` per server (requests = req_tot/stot; errors = hrsp_5xx + eresp + econ;
  latency = rtime, an average used for p50 and p99), snapshotted also after every weight
  change, so a step's first window has a baseline.
- the nginx Lua balancer: per-pool counters from its admin location (latency: the average
  upstream time; the snippet keeps no histogram).

Which LB gets which source is its entry in adapters/lb.py; what an LB can report is declared
by the capabilities it names (rollout.ports ``ReportsStatRows``, ``ReportsPoolCounters``).
Parsing is in adapters/metrics_codec.py.
"""

from __future__ import annotations

import time

from rollout.observations import PoolWindow
from rollout.plan import Plan
from rollout.ports import Advises, PoolCounts, ReportsPoolCounters, ReportsStatRows

from . import metrics_codec as mc
from . import nginx_config as nc
from .counter_history import History

AVERAGE_LATENCY = ("metrics: {what} gives an average response time, not a p99, so the latency_p99_ms gate "
                   "compares averages; metrics.source kong or prometheus gives real quantiles")


class HAProxyStats(Advises):
    """Per-pool windows from HAProxy's per-server counters."""

    def __init__(self, lb: ReportsStatRows, plan: Plan, clock=time.time):
        self.warnings = [AVERAGE_LATENCY.format(what="HAProxy's stats (rtime)")]  # said once, at the start of the run
        self.lb = lb
        self.x = list(plan.pools.x.nodes)
        self.y = list(plan.pools.y.nodes)
        self.clock = clock
        self.history: History[dict[str, mc.Counters]] = History()

    async def snapshot(self, at: float | None = None) -> dict[str, mc.Counters]:
        counters = mc.haproxy_counters(await self.lb.stat_rows())
        self.history.add(self.clock() if at is None else at, counters)
        return counters

    async def window(self, start: float, end: float) -> tuple[PoolWindow, PoolWindow]:
        # The counters read now stand for the window's end: stamped with ``end`` so that the next
        # window (which starts at this ``end``) takes them as its baseline, not an older snapshot.
        before = self.history.baseline(start)
        after = await self.snapshot(at=end)
        before = before or after  # the very first call: no baseline, an empty window
        x, y = (
            mc.pool_window((n.name, mc.difference(before.get(n.lb_name), after[n.lb_name])) for n in pool if n.lb_name in after)
            for pool in (self.x, self.y)
        )
        return x, y


class LuaPoolStats(Advises):
    """Per-pool counters of the nginx Lua balancer, differenced between calls.
    Latency is the average upstream time (p50 == p99), the snippet keeps no histogram."""

    def __init__(self, lb: ReportsPoolCounters, clock=time.time):
        self.warnings = [AVERAGE_LATENCY.format(what="the nginx Lua balancer")]  # said once, at the start of the run
        self.lb = lb
        self.clock = clock
        self.history: History[PoolCounts] = History()

    async def window(self, start: float, end: float) -> tuple[PoolWindow, PoolWindow]:
        before = self.history.baseline(start)
        after = await self.lb.pool_counters()
        self.history.add(self.clock(), after)
        if before is None or any(after.requests[p] < before.requests[p] for p in ("x", "y")):
            before = before if before is None else ZERO_STATE  # nginx restarted: counting starts again
        before = before or after
        x, y = (self._pool(pool, before, after) for pool in ("x", "y"))
        return x, y

    @staticmethod
    def _pool(pool: str, before: PoolCounts, after: PoolCounts) -> PoolWindow:
        requests = after.requests[pool] - before.requests[pool]
        average = (after.rt_ms[pool] - before.rt_ms[pool]) / requests if requests else 0.0
        return PoolWindow(requests, after.errors[pool] - before.errors[pool], {"p50_ms": average, "p99_ms": average},
                          latency_kind="average")


ZERO_STATE = nc.LuaState(0, 0, {"x": 0, "y": 0}, {"x": 0, "y": 0}, {"x": 0.0, "y": 0.0})
