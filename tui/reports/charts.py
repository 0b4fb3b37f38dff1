"""The report's charts: matplotlib figures rendered as SVG text, to inline in one HTML file.

matplotlib is a well-kept plotting library and an optional extra (``pip install
'turnout[report]'``): the object-oriented ``Figure`` API is used (no pyplot, no global state, no
display), with text kept as text (``svg.fonttype: none``: smaller, selectable, prints sharp) and
a fixed hash salt and no date, so the same report renders the same bytes. Because the text stays
text, the browser draws Japanese labels with its own fonts: matplotlib's warning that its
default font has no such glyph (it only sizes the layout with it) is not the operator's concern.
"""

from __future__ import annotations

import io
import warnings
from contextlib import contextmanager

from rollout.i18n import N_, _, pgettext

INSTALL = N_("the charts need matplotlib: pip install 'turnout[report]' (or pip install matplotlib)")
X_COLOUR, Y_COLOUR, LIMIT_COLOUR, MARK_COLOUR = "#4c72b0", "#dd8452", "#c44e52", "#55a868"


class ChartsUnavailable(RuntimeError):
    """matplotlib is not installed: the report says how to get it instead of drawing."""


def available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


@contextmanager
def figure(title: str, xlabel: str, ylabel: str):
    """A small figure whose SVG text is appended to the list the block yields into."""
    try:
        import matplotlib
        from matplotlib.figure import Figure
    except ImportError:
        raise ChartsUnavailable(_(INSTALL)) from None
    out: list[str] = []
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "turnout", "font.size": 9}), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font", category=UserWarning)
        fig = Figure(figsize=(6.4, 2.8), layout="constrained")
        ax = fig.add_subplot()
        ax.set_title(title, loc="left", fontsize=10)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(True, alpha=0.3)
        yield ax, out
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = buf.getvalue()
    out.append(svg[svg.index("<svg"):])


def minutes(seconds) -> list[float]:
    return [s / 60.0 for s in seconds]


def _marks(ax, detection_s: float | None, rollback_s: float | None) -> None:
    if detection_s is not None:
        ax.axvline(detection_s / 60.0, color=LIMIT_COLOUR, linestyle="--", label=_("detected"))
    if rollback_s is not None:
        ax.axvline(rollback_s / 60.0, color=MARK_COLOUR, linestyle=":", label=_("rollback"))


def split_chart(splits, end_s: float, detection_s: float | None, rollback_s: float | None) -> str:
    """Y's share of traffic over time, as the load balancer applied it."""
    times = [t for t, _ in splits] + [end_s]
    shares = [y for _, y in splits] + ([splits[-1][1]] if splits else [0])
    with figure(_("Traffic split over time"), _("minutes from start"), _("% on Y")) as (ax, out):
        ax.step(minutes(times), shares, where="post", color=Y_COLOUR, label=_("Y %"))
        ax.set_ylim(-2, 105)
        _marks(ax, detection_s, rollback_s)
        ax.legend(loc="upper left", fontsize=8)
    return out[0]


def window_chart(windows, title: str, ylabel: str, value, limit: float | None,
                 detection_s: float | None, rollback_s: float | None) -> str:
    """One statistic per judged window on X and Y (at each window's end), against the gate's limit."""
    ends = minutes([w.end for w in windows])
    with figure(title, _("minutes from start"), ylabel) as (ax, out):
        ax.plot(ends, [value(w.x) for w in windows], marker=".", color=X_COLOUR, label="X")
        ax.plot(ends, [value(w.y) for w in windows], marker="o", color=Y_COLOUR, label="Y")
        if limit is not None:
            ax.axhline(limit, color=LIMIT_COLOUR, label=_("gate limit"))
        _marks(ax, detection_s, rollback_s)
        ax.legend(loc="upper left", fontsize=8)
    return out[0]


def histogram(values, title: str, xlabel: str, bins: int = 30) -> str:
    with figure(title, xlabel, pgettext("report card: rehearsals counted", "runs")) as (ax, out):
        if values:
            ax.hist(values, bins=min(bins, max(1, len(set(values)))), color=Y_COLOUR, edgecolor="white")
        else:
            ax.text(0.5, 0.5, _("no run to show"), transform=ax.transAxes, ha="center")
    return out[0]


def bars(labels: list[str], counts: list[int], title: str, xlabel: str) -> str:
    with figure(title, xlabel, pgettext("report card: rehearsals counted", "runs")) as (ax, out):
        ax.bar(labels, counts, color=Y_COLOUR)
        if not labels:
            ax.text(0.5, 0.5, _("no run was caught"), transform=ax.transAxes, ha="center")
    return out[0]
