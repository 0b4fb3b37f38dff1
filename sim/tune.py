"""``turnout tune``: search the plan's steps and gates for the cheapest catch of a bad Y.

Every candidate (sim/tune_space.py) is rehearsed in two worlds: the fault world (a bad Y: what
it costs, in requests failed beyond the base rate, before the gates roll it back) and the
healthy world (a good Y: how often the gates roll it back anyway, and how long the rollout
takes). The recommendation is the candidate with the lowest mean failed requests in the fault
world whose false-rollback rate (the upper end of its 95% Wilson interval) and p50 duration
stay within the budgets.

Why it finishes in minutes:

- **Common random numbers.** Run i of every candidate uses the same seed (fault world: SEED+i,
  healthy world: SEED+HEALTHY_SEEDS+i), so two candidates meet the same traffic and the same
  drawn fault, and their difference is the plans', not the dice's.
- **Successive halving.** Every candidate gets a few runs; the best third (by mean failed
  requests) gets three times as many, and so on until the survivors have ``runs``. A candidate
  whose false rollbacks already exceed the budget (the lower end of their interval above it) or
  whose p50 duration is over budget is dropped at any rung. A promoted candidate keeps its
  runs and only adds the new seeds.
- **Enough healthy runs to prove the budget.** Zero false rollbacks in n runs bound the rate by
  about 3.84/n: the healthy world's final rung has at least the runs that make a budget of
  ``max_false_rollback`` provable (``healthy_runs``), or no candidate could ever meet it. Those
  runs are spent on the finalists one at a time, in the order of their failed requests, until
  one meets the budgets (``_final``).

The operator's plan (the baseline) is measured at every rung, for the side by side.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from rollout.i18n import N_

from . import card
from .report import RunRecord
from .tune_runs import Runs, Task
from .tune_space import Candidate

ETA = 3  # each rung keeps a third of the candidates, with three times the runs
MIN_RUNS = 8  # the first rung's runs per candidate, at least
HEALTHY_SEEDS = 1_000_000  # the healthy world's seeds start here past the fault world's


@dataclass(frozen=True)
class Budgets:
    max_false_rollback: float = 0.01
    max_duration_s: float = 3600.0


@dataclass
class Measured:
    """One candidate's runs so far, in seed order, in each world."""

    candidate: Candidate
    fault: list[RunRecord] = field(default_factory=list)
    healthy: list[RunRecord] = field(default_factory=list)

    def mean_failed(self) -> float:
        return float(np.mean([r.bad for r in self.fault])) if self.fault else math.inf

    def false_rollbacks(self) -> int:
        return sum(1 for r in self.healthy if r.outcome in card.STOPPED)

    def false_rollback_ci(self) -> list[float]:
        return card.wilson(self.false_rollbacks(), len(self.healthy)) or [0.0, 1.0]

    def p50_duration(self) -> float:
        return float(np.quantile([r.sim_duration_s for r in self.healthy], 0.5)) if self.healthy else math.inf

    def hopeless(self, budgets: Budgets) -> bool:
        """Already shown to break a budget, however many more runs it gets."""
        if not self.healthy:
            return False
        return self.false_rollback_ci()[0] > budgets.max_false_rollback or self.p50_duration() > budgets.max_duration_s

    def feasible(self, budgets: Budgets) -> bool:
        return self.false_rollback_ci()[1] <= budgets.max_false_rollback and self.p50_duration() <= budgets.max_duration_s


@dataclass(frozen=True)
class Progress:
    """What the progress bar shows after each run."""

    candidates: int  # still in the search
    runs_done: int
    runs_total: int
    best_failed: float | None = None  # the best feasible candidate so far: its mean failed requests
    best_plan: str = ""  # ... and its steps and gates, described (plan keys and values, never translated)


BEST_SO_FAR = N_("{failed} failed: {candidate}")  # the bar's best so far, said where it is shown (tui/progress.py)


@dataclass
class TuneResult:
    baseline: Measured
    recommended: Measured | None  # None: no candidate met the budgets
    rungs: list[dict]  # per rung: {fault_runs, healthy_runs, candidates}
    runs: int  # rehearsals run in all


def healthy_runs(runs: int, max_false_rollback: float) -> int:
    """At least ``runs``, and enough that zero false rollbacks prove the budget (Wilson bound)."""
    n = runs
    while (card.wilson(0, n) or [0, 1])[1] > max_false_rollback:
        n = max(n + 1, int(n * 1.05))
    return n


def schedule(runs: int, healthy: int) -> list[tuple[int, int]]:
    """(fault runs, healthy runs) per candidate at each rung, the last being (runs, healthy)."""
    rungs = [(runs, healthy)]
    while math.ceil(rungs[0][0] / ETA) >= MIN_RUNS:
        f, h = rungs[0]
        rungs.insert(0, (math.ceil(f / ETA), math.ceil(h / ETA)))
    return rungs


def tune(candidates: list[Candidate], runner: Runs, runs: int, seed: int, budgets: Budgets,
         on_progress: Callable[[Progress], None] | None = None) -> TuneResult:
    """Successive halving over ``candidates`` (the first is the baseline, measured throughout)."""
    rungs = schedule(runs, healthy_runs(runs, budgets.max_false_rollback))
    measured = [Measured(c) for c in candidates]
    baseline, alive = measured[0], measured
    tracker = _Tracker(_planned_total(len(measured), rungs), on_progress, budgets)
    log = []
    for fault_runs, healthy in rungs[:-1]:
        _measure(runner, alive, fault_runs, healthy, seed, tracker)
        log.append({"fault_runs": fault_runs, "healthy_runs": healthy, "candidates": len(alive)})
        alive = _promote(alive, baseline, budgets)
    fault_runs, healthy = rungs[-1]
    log.append({"fault_runs": fault_runs, "healthy_runs": healthy, "candidates": len(alive)})
    return TuneResult(baseline, _final(runner, alive, baseline, rungs[-1], seed, budgets, tracker), log, tracker.done)


def _final(runner: Runs, alive: list[Measured], baseline: Measured, rung: tuple[int, int], seed: int,
           budgets: Budgets, tracker: "_Tracker") -> Measured | None:
    """The last rung: every finalist's fault runs, then the healthy runs that prove the budget for
    one finalist at a time, cheapest first, until one meets the budgets. The healthy world's last
    rung is the costliest part of a tune (hundreds of full rollouts per candidate); a finalist
    ranked after one that qualifies could not be recommended, so it is not measured."""
    fault_runs, healthy = rung
    _measure(runner, alive, fault_runs, 0, seed, tracker)
    for m in sorted((m for m in alive if not m.hopeless(budgets)), key=_rank):
        _measure(runner, [baseline, m] if m is not baseline else [m], fault_runs, healthy, seed, tracker)
        if m.feasible(budgets):
            return m
    _measure(runner, [baseline], fault_runs, healthy, seed, tracker)  # the side by side needs it whole
    return None


def _rank(m: Measured) -> tuple[float, float]:
    return (m.mean_failed(), m.p50_duration())


def _promote(alive: list[Measured], baseline: Measured, budgets: Budgets) -> list[Measured]:
    """The best third of the candidates not yet shown to break a budget, and the baseline."""
    hopeful = sorted((m for m in alive if not m.hopeless(budgets)), key=_rank)
    kept = hopeful[:max(1, math.ceil(len(alive) / ETA))]
    return kept if baseline in kept else [baseline, *kept]


def _measure(runner: Runs, alive: list[Measured], fault_runs: int, healthy: int, seed: int, tracker: "_Tracker") -> None:
    """Add each candidate's missing seeds in both worlds (one batch, so every core stays busy)."""
    tasks, owners = [], []
    for m in alive:
        for i in range(len(m.fault), fault_runs):
            tasks.append(Task(m.candidate, "fault", seed + i))
            owners.append(m.fault)
        for i in range(len(m.healthy), healthy):
            tasks.append(Task(m.candidate, "healthy", seed + HEALTHY_SEEDS + i))
            owners.append(m.healthy)
    tracker.rung(len(alive), alive)
    for owner, record in zip(owners, runner.run(tasks)):
        owner.append(record)
        tracker.tick()


def _planned_total(candidates: int, rungs: list[tuple[int, int]]) -> int:
    """Runs the search will take if each rung keeps a third and the first finalist qualifies (the
    bar's total: an estimate, since candidates may leave early or finalists fail the budgets)."""
    total, alive, before = 0, candidates, (0, 0)
    for f, h in rungs[:-1]:
        total += alive * (f - before[0] + h - before[1])
        alive, before = max(1, math.ceil(alive / ETA)) + 1, (f, h)
    f, h = rungs[-1]
    return total + alive * (f - before[0]) + 2 * (h - before[1])


class _Tracker:
    """Counts runs and reports progress (the best feasible candidate is re-read at each rung)."""

    def __init__(self, total: int, on_progress: Callable[[Progress], None] | None, budgets: Budgets):
        self.total, self.on_progress, self.budgets = total, on_progress, budgets
        self.done, self.alive, self.best = 0, 0, (None, "")

    def rung(self, alive: int, measured: list[Measured]) -> None:
        self.alive = alive
        feasible = sorted((m for m in measured if m.fault and not m.hopeless(self.budgets)), key=_rank)
        if feasible:
            self.best = (feasible[0].mean_failed(), feasible[0].candidate.describe())

    def tick(self) -> None:
        self.done += 1
        if self.on_progress is not None:
            self.on_progress(Progress(self.alive, self.done, max(self.total, self.done), *self.best))
