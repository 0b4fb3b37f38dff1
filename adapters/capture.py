"""``turnout scenario capture``, the reading half: pool X's traffic as the plan's metrics source sees it.

A scenario written by hand guesses the traffic; a captured one measures it. The capture reads
through the very Metrics port a live run uses (adapters/metrics.py ``build_metrics``: HAProxy
``show stat``, each node's Kong ``/metrics``, or the plan's PromQL), so it sees what the gates
will see, and it only reads: a snapshot now, another after ``--for``, the difference between
them. Nothing is written to the load balancer or the nodes (building the LB adapter opens no
connection; only its ``stat_rows`` is called). Turning the measurement into a scenario file is
tui/capture_file.py's job; this module knows no scenario format.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from rollout.observations import PoolWindow
from rollout.plan import Plan
from rollout.i18n import N_

from .lb import build_load_balancer
from .metrics import build_metrics

SOURCES = {
    "lb": N_("the load balancer's own counters"),
    "kong": N_("each node's Kong /metrics (Prometheus plugin)"),
    "prometheus": N_("the plan's PromQL on Prometheus"),
}


@dataclass(frozen=True)
class Shape:
    """A diurnal shape fitted to a range of history: rps x (1 + amplitude sin(2 pi (t + offset) / period))."""

    amplitude: float
    offset_s: float
    period_s: float = 86400.0
    points: int = 0  # samples the fit used


@dataclass(frozen=True)
class Capture:
    """What was measured on pool X, over which interval, by which source."""

    plan_name: str
    source: str  # the plan's metrics.source
    what: str  # the source in words, with its address
    start: float  # epoch seconds
    end: float
    x: PoolWindow
    nodes: int  # X's nodes
    shape: Shape | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def seconds(self) -> float:
        return self.end - self.start

    @property
    def rps(self) -> float:
        return self.x.requests / self.seconds if self.seconds > 0 else 0.0


def describe_source(plan: Plan) -> str:
    """The source in words, naming where it reads (for the file's comments and one-line errors)."""
    source = plan.metrics.source
    if source == "prometheus":
        return N_("{source} at {url}").format(source=SOURCES[source], url=plan.metrics.url)
    if source == "lb":
        return N_("{source} (load_balancer.type {type})").format(source=SOURCES[source], type=plan.load_balancer.type)
    return SOURCES[source]


async def capture_window(plan: Plan, seconds: float, clock=time.time, sleep=asyncio.sleep) -> Capture:
    """Snapshot, wait ``seconds``, snapshot: pool X's window over that interval."""
    metrics = build_metrics(plan, build_load_balancer(plan))
    start = clock()
    await metrics.window(start, start)  # the baseline snapshot (a counter source's first call)
    await sleep(seconds)
    end = clock()
    x, _ = await metrics.window(start, end)
    notes = tuple(metrics.warnings)  # every source advises (rollout.ports.Advises)
    return Capture(plan.name, plan.metrics.source, describe_source(plan), start, end, x, len(plan.pools.x.nodes),
                   notes=notes)
