"""A report as data: title, the one-sentence verdict, charts (SVG text) and tables.

The HTML and Markdown renderings take the same Report, so the two formats say the same thing.
Charts are drawn only for HTML (``charts=True``); without matplotlib the report carries the line
that says how to get it instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rollout.i18n import _
from rollout.plan import Plan

from . import charts
from .card import MonteCarlo
from .story import RunStory
from .tables import Table, monte_carlo_tables, plan_tables, run_tables
from .verdict import monte_carlo_verdict, run_verdict


@dataclass(frozen=True)
class Report:
    title: str
    verdict: str
    tables: list[Table]
    charts: list[tuple[str, str]] = field(default_factory=list)  # (caption, svg)
    note: str = ""  # why there are no charts


def _drawn(draw) -> tuple[list[tuple[str, str]], str]:
    """The charts, or none and the line that says how to get them."""
    try:
        return draw(), ""
    except charts.ChartsUnavailable as exc:
        return [], str(exc)


def run_report(story: RunStory, what: str, with_charts: bool = True) -> Report:
    figures, note = _drawn(lambda: _run_charts(story)) if with_charts else ([], "")
    return Report(f"{story.plan.name}: {what}", run_verdict(story, what),
                  run_tables(story)[:1] + plan_tables(story.plan) + run_tables(story)[1:], figures, note)


def _run_charts(story: RunStory) -> list[tuple[str, str]]:
    detected = story.detection[1] if story.detection else None
    marks = (detected, story.rolled_back_at_s)
    g = story.plan.gates
    average = any(w.y.latency_kind == "average" for w in story.windows)
    caption = _("Average latency (the source measures no p99) per judged window against the latency gate's limit") if average \
        else _("P99 latency per judged window against the latency gate's limit")
    return [
        (_("Y's share of traffic as the load balancer applied it; dashed: detection, dotted: rollback"),
         charts.split_chart(story.splits, story.duration_s, *marks)),
        (_("Error rate per judged window against the error_rate gate's limit"),
         charts.window_chart(story.windows, _("Error rate per window"), _("% of requests"),
                             lambda w: 100 * w.error_rate, 100 * g.error_rate.max, *marks)),
        (caption, charts.window_chart(story.windows, _("Average latency per window") if average else _("P99 latency per window"), "ms",
                                      lambda w: w.stat("p99_ms"), g.latency_p99_ms.max, *marks)),
    ]


def monte_carlo_report(mc: MonteCarlo, plan: Plan, with_charts: bool = True) -> Report:
    figures, note = _drawn(lambda: _monte_carlo_charts(mc)) if with_charts else ([], "")
    return Report(_("{title}: {runs} rehearsals").format(title=mc.title, runs=mc.card["runs"]), monte_carlo_verdict(mc),
                  monte_carlo_tables(mc) + plan_tables(plan), figures, note)


def _monte_carlo_charts(mc: MonteCarlo) -> list[tuple[str, str]]:
    return [
        (_("Blast radius: requests failed beyond the base error rate, per run"),
         charts.histogram(list(mc.failed), _("Blast radius"), _("failed requests per run"))),
        (_("Time from the fault's onset to detection, over the runs that caught it"),
         charts.histogram(charts.minutes(mc.detect_s), _("Time to detect"), _("minutes"))),
        (_("Runs caught at each step's share of Y"),
         charts.bars([f"{y}%" for y in mc.detection_step], list(mc.detection_step.values()), _("Caught at step"), _("Y share"))),
    ]
