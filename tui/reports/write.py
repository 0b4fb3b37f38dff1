"""Write a report to the file the operator named: ``.html``/``.htm`` or ``.md`` (anything else is bad input).

Charts are drawn for HTML only (Markdown carries the numbers as tables).
"""

from __future__ import annotations

import os

from rollout.plan import Plan

from .build import Report, monte_carlo_report, run_report
from .card import monte_carlo_of
from .story import RunStory

FORMATS = {".html": "html", ".htm": "html", ".md": "md", ".markdown": "md"}


def report_format(path: str) -> str | None:
    """``html`` or ``md`` from the file's extension, None when it is neither."""
    return FORMATS.get(os.path.splitext(path)[1].lower())


def render(report: Report, fmt: str) -> str:
    if fmt == "html":
        from .html import render_html

        return render_html(report)
    from .markdown import render_markdown

    return render_markdown(report)


def write_text(text: str, path: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def write_run(story: RunStory, what: str, path: str) -> None:
    """One run's report (a rehearsal or a live run) to ``path``, in the format its extension names."""
    fmt = report_format(path)
    write_text(render(run_report(story, what, with_charts=fmt == "html"), fmt), path)


def write_monte_carlo(card: dict, records: list, plan: Plan, scenario, path: str) -> None:
    """A Monte Carlo's report to ``path``: the JSON's numbers and the records' distributions."""
    fmt = report_format(path)
    mc = monte_carlo_of(card, records, plan, scenario)
    write_text(render(monte_carlo_report(mc, plan, with_charts=fmt == "html"), fmt), path)
