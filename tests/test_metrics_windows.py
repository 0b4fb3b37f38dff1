"""Windows are contiguous: each counts only its own requests, even when the counters are read a
moment after the window's end (a stub LB with counters that grow 100 per second; no server)."""

from adapters.lb_stats import HAProxyStats
from rollout.plan import load_plan

PLAN = load_plan("p.yml", """
turnout: 1
name: windows
mode: dbless
pools:
  x: {version: "3.4.3", nodes: [{name: x1}]}
  y: {version: "3.9.1", nodes: [{name: y1}]}
load_balancer: {type: haproxy, socket: /nonexistent.sock, backend: kong}
steps: [{y: 100}]
""")


class GrowingCounters:
    """``show stat`` rows whose totals are 100 requests per second of the fake clock, per server."""

    def __init__(self):
        self.now = 0.0

    async def stat_rows(self):
        total = str(int(self.now * 100))
        return [{"svname": s, "req_tot": total, "hrsp_5xx": "0", "eresp": "0", "econ": "0", "rtime": "3"} for s in ("x1", "y1")]


async def test_each_window_counts_its_own_requests_when_read_late():
    lb = GrowingCounters()
    stats = HAProxyStats(lb, PLAN, clock=lambda: lb.now)
    lb.now = 0.0
    await stats.snapshot()  # taken when the weights were applied
    counted = []
    for start in (0.0, 2.0, 4.0):
        lb.now = start + 2.25  # the JudgeWindow command runs a moment after the window's end
        x, y = await stats.window(start, start + 2.0)
        counted.append((x.requests, y.requests))
    # The first window also holds the quarter second read late; after that, exactly 2 s each
    # (before the fix, a window took an older baseline and counted about twice its requests).
    assert counted == [(225, 225), (200, 200), (200, 200)]


def test_haproxy_stats_say_once_that_the_latency_gate_sees_an_average():
    """HAProxy 2.6 keeps no latency histogram: the operator is told at the start, through adapter_notes."""
    from adapters.live import adapter_notes

    class World:
        lb = kong = fleet = None
        metrics = HAProxyStats(GrowingCounters(), PLAN)
        advisers = (metrics,)

    first, again = adapter_notes(World, 0.0), adapter_notes(World, 1.0)
    assert [n.level for n in first] == ["warn"] and "not a p99" in first[0].message and "metrics.source kong" in first[0].message
    assert again == []
