"""Experiments: one rehearsal to a record, and Monte Carlo over independent seeds on every core.

Each replication gets its own child of one ``numpy.random.SeedSequence``, so run i of a
Monte Carlo with seed s is the same whatever the number of processes, and a single
``--seed`` run reproduces exactly. Records are small picklable values (no timeline in
Monte Carlo, it is not read); sim/report.py turns them into the report card.
"""

from __future__ import annotations

import multiprocessing
import os

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


def seeds(seed: int, runs: int) -> list[np.random.SeedSequence]:
    return np.random.SeedSequence(seed).spawn(runs)


def _init(plan: Plan, scenario: Scenario, exact: bool) -> None:
    _SHARED.update(plan=plan, scenario=scenario, exact=exact)


def _replicate(child: np.random.SeedSequence) -> RunRecord:
    return run_one(_SHARED["plan"], _SHARED["scenario"], child, _SHARED["exact"], keep_timeline=False)


def monte_carlo(plan: Plan, scenario: Scenario | None = None, runs: int = 100, seed: int = 0,
                processes: int | None = None, exact: bool = False) -> list[RunRecord]:
    """``runs`` independent rehearsals, spread over ``processes`` (default: every core)."""
    scenario = scenario or default_scenario(plan)
    children = seeds(seed, runs)
    processes = min(processes or os.cpu_count() or 1, runs)
    if processes <= 1:
        _init(plan, scenario, exact)
        return [_replicate(c) for c in children]
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    with context.Pool(processes, initializer=_init, initargs=(plan, scenario, exact)) as pool:
        return pool.map(_replicate, children, chunksize=max(1, runs // (processes * 8)))
