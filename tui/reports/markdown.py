"""A report as Markdown: the verdict and the numbers as tables, to paste into a change ticket."""

from __future__ import annotations

from rollout.i18n import _

from .build import Report
from .tables import Table


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def table_md(t: Table) -> str:
    lines = [f"### {t.title}", ""]
    if not t.rows:
        return "\n".join(lines + [_("(none)"), ""])
    lines.append("| " + " | ".join(_cell(h) for h in t.headers) + " |")
    lines.append("|" + "---|" * len(t.headers))
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in t.rows]
    return "\n".join(lines + [""])


def render_markdown(report: Report) -> str:
    parts = [f"# {report.title}", "", f"**{report.verdict}**", ""]
    parts += [table_md(t) for t in report.tables]
    return "\n".join(parts)
