"""A progress bar on stderr while a Monte Carlo runs (runs done, runs per second, time left),
or a long rehearsal (``--exact``: simulated minutes done, time left), or a tune (runs,
candidates left, best so far).

A 1,000-run rehearsal takes most of a minute; silence that long reads as a hang. The bar is
rich's ``Progress`` (already installed with Textual) on stderr, so stdout stays the report
(or the JSON) alone; it is off when stderr is not a terminal (CI logs, pipes) and under
``--json``, where nothing but the object may be written by us.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Callable, Iterator

from rollout.i18n import _


def wanted(json_output: bool) -> bool:
    """Show a bar only to a person watching a terminal."""
    return not json_output and sys.stderr.isatty()


@contextmanager
def run_progress(total: int, label: str, show: bool) -> Iterator[Callable[[], None]]:
    """Yield a callback to call once per finished run (a no-op when ``show`` is false)."""
    if not show:
        yield lambda: None
        return
    with _bar(total, label, _("runs/s")) as advance:
        yield lambda: advance(1.0)


@contextmanager
def sim_progress(planned_s: float, label: str, show: bool) -> Iterator[Callable[[float], None] | None]:
    """Yield ``on_advance(now)`` for ``Rehearsal.run_to_end`` (None when ``show`` is false): the
    bar runs over the plan's planned duration (a rollback ends it early, a hold may pass it)."""
    if not show:
        yield None
        return
    with _bar(planned_s, label, _("sim s/s")) as advance:
        seen = [0.0]

        def on_advance(now: float) -> None:
            advance(max(0.0, min(now, planned_s) - seen[0]))
            seen[0] = max(seen[0], min(now, planned_s))

        yield on_advance


@contextmanager
def tune_progress(label: str, show: bool) -> Iterator[Callable | None]:
    """Yield ``on_progress(progress)`` for ``sim.tune.tune`` (None when ``show`` is false): runs done
    of the planned total, candidates still in the search, and the best feasible one so far."""
    if not show:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn(_("runs")),
               TimeElapsedColumn(), TextColumn(_("{alive} candidates; best {best}").format(alive="{task.fields[alive]}",
                                                                                         best="{task.fields[best]}")))
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None, alive="", best="-")

        def on_progress(p) -> None:
            bar.update(task, completed=p.runs_done, total=p.runs_total, alive=p.candidates, best=best_so_far(p))

        yield on_progress


def best_so_far(p) -> str:
    """The tune's best feasible candidate so far in the reader's words (``-`` before the first rung):
    its mean failed requests, then its steps and gates as plan keys and values, never translated."""
    from sim.tune import BEST_SO_FAR

    if p.best_failed is None:
        return "-"
    return _(BEST_SO_FAR).format(failed=f"{p.best_failed:.0f}", candidate=p.best_plan)


@contextmanager
def _bar(total: float, label: str, unit: str) -> Iterator[Callable[[float], None]]:
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
               TextColumn("[progress.data.speed]{task.fields[rate]}"),
               TimeElapsedColumn(), TextColumn(_("left")), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total, rate="")

        def advance(amount: float) -> None:
            bar.advance(task, amount)
            speed = bar.tasks[0].speed
            bar.update(task, rate=f"{speed:.1f} {unit}" if speed else "")

        yield advance
