"""Experiments: one rehearsal to a record, and Monte Carlo over independent seeds on every core.

Run i of a Monte Carlo with base seed s is the rehearsal of seed s + i (``run_seed``): the
same whatever the number of processes, and ``turnout rehearse --seed s+i`` (one run) replays
it exactly, ranged faults' draws included. Each seed becomes a ``numpy.random.SeedSequence``
whose children are the world's random streams (sim/world.py), so neighbouring seeds give
independent runs; two Monte Carlos whose base seeds are closer than their run counts share
runs, so keep base seeds of separate experiments at least ``runs`` apart. Records are small picklable values (no timeline in
Monte Carlo, it is not read); sim/report.py turns them into the report card.
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Callable

import numpy as np

from rollout.plan import Plan

from .report import RunRecord
from .scenario import Scenario, default_scenario
from .session import Rehearsal

_SHARED: dict = {}


def run_one(plan: Plan, scenario: Scenario | None = None, seed=0, exact: bool = False,
            keep_timeline: bool = True, journal_path: str | None = None) -> RunRecord:
    """One headless rehearsal to its end."""
    session = Rehearsal(plan, scenario, seed=seed, exact=exact, journal_path=journal_path, keep_timeline=keep_timeline)
    return session.run_to_end()


def run_seed(seed: int, run: int) -> int:
    """The seed of run ``run`` (from 0) of a Monte Carlo with base seed ``seed``."""
    return seed + run


def seeds(seed: int, runs: int) -> list[np.random.SeedSequence]:
    """Every run's seed as the world takes it (sim/world.py ``streams``)."""
    return [np.random.SeedSequence(run_seed(seed, i)) for i in range(runs)]


def _init(plan: Plan, scenario: Scenario, exact: bool) -> None:
    _SHARED.update(plan=plan, scenario=scenario, exact=exact)


def _replicate(run_seed_: int) -> RunRecord:
    return run_one(_SHARED["plan"], _SHARED["scenario"], run_seed_, _SHARED["exact"], keep_timeline=False)


def monte_carlo(plan: Plan, scenario: Scenario | None = None, runs: int = 100, seed: int = 0,
                processes: int | None = None, exact: bool = False,
                on_run: Callable[[], None] | None = None) -> list[RunRecord]:
    """``runs`` independent rehearsals, spread over ``processes`` (default: every core), in run
    order; ``on_run`` is called as each one finishes (a progress bar)."""
    scenario = scenario or default_scenario(plan)
    run_seeds = [run_seed(seed, i) for i in range(runs)]
    processes = min(processes or os.cpu_count() or 1, runs)
    done = on_run or (lambda: None)
    if processes <= 1:
        _init(plan, scenario, exact)
        return [_tick(_replicate(s), done) for s in run_seeds]
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    with context.Pool(processes, initializer=_init, initargs=(plan, scenario, exact)) as pool:
        chunks = pool.imap(_replicate, run_seeds, chunksize=max(1, min(8, runs // (processes * 8))))
        return [_tick(record, done) for record in chunks]


def _tick(record: RunRecord, done: Callable[[], None]) -> RunRecord:
    done()
    return record
