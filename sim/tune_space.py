"""What ``turnout tune`` may change in a plan: the steps (their number, shares and bakes) and the
gates' window, ``min_requests``, ``failures_to_rollback`` and statistical keys. Nothing else.

A candidate is a small frozen value (``Candidate``), not a plan: it pickles cheaply to the
workers, hashes, and says in one line what it changed. ``apply`` turns it into a plan through
the plan's own model and cross-key rules, so a candidate the plan format would refuse is never
rehearsed. The space is a grid too large to rehearse whole (thousands of points); ``candidates``
draws a sample of it from the tune's seed (the same seed, the same candidates) and always puts
the operator's own plan first, so the recommendation is never worse than what they wrote on
the measures the search ranks by.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rollout.errors import PlanError
from rollout.plan import Plan, check_plan

from .session import planned_duration

# Ladders of Y shares, each ending at 100 (rollout.plan.check_plan): from one canary step to five.
SHARES = ((100,), (5, 100), (10, 100), (1, 25, 100), (5, 25, 100), (5, 50, 100), (10, 50, 100), (1, 10, 50, 100),
          (5, 25, 50, 100), (2, 10, 25, 50, 100), (1, 5, 25, 50, 100))
BAKES = (0.0, 60.0, 120.0, 300.0, 600.0)  # seconds each step bakes (the last step: LAST_BAKES)
LAST_BAKES = (60.0, 300.0, 600.0)  # the 100% step is also the new version's first full load
WINDOWS = (15.0, 30.0, 60.0, 120.0)
MIN_REQUESTS = (50, 100, 200, 400)
FAILURES = (1, 2, 3)
FALSE_ROLLBACK_RATES = (0.001, 0.005, 0.01)
PER_NODE = (True, False)
MAX_DELTAS = (0.0025, 0.005, 0.01)  # gates.error_rate.max_delta_vs_x: the regression worth rolling back


@dataclass(frozen=True)
class Candidate:
    """One point of the space: steps as (y, bake) pairs and the gate keys tuned."""

    steps: tuple[tuple[int, float], ...]
    window: float
    min_requests: int
    failures_to_rollback: int
    false_rollback_rate: float
    per_node: bool
    max_delta_vs_x: float | None

    def describe(self) -> str:
        steps = " ".join(f"{y}%/{_dur(b)}" for y, b in self.steps)
        return (f"steps {steps}; window {_dur(self.window)}, min_requests {self.min_requests}, "
                f"failures_to_rollback {self.failures_to_rollback}, false_rollback_rate {self.false_rollback_rate:g}, "
                f"per_node {str(self.per_node).lower()}, max_delta_vs_x {self.max_delta_vs_x}")


def _dur(seconds: float) -> str:
    return f"{seconds / 60:g}m" if seconds >= 60 and seconds % 60 == 0 else f"{seconds:g}s"


def of_plan(plan: Plan) -> Candidate:
    """The operator's plan as a candidate (the baseline)."""
    g = plan.gates
    return Candidate(tuple((s.y, float(s.bake)) for s in plan.steps), float(g.window), g.min_requests,
                     g.failures_to_rollback, g.false_rollback_rate, g.per_node, g.error_rate.max_delta_vs_x)


def apply(plan: Plan, candidate: Candidate) -> Plan:
    """The plan with the candidate's steps and gates, validated as a plan file would be.

    A step keeps ``approve: true`` when the baseline asked for approval at that share or, when
    the share is gone, at the first later share: tuning must not drop a human decision point.
    """
    data = plan.model_dump(mode="json", by_alias=True)
    data["steps"] = [{"y": y, "bake": bake, "approve": False} for y, bake in candidate.steps]
    for share in (s.y for s in plan.steps if s.approve):
        step = next(s for s in data["steps"] if s["y"] >= share)
        step["approve"] = True
    gates = data["gates"]
    gates.update(window=candidate.window, min_requests=candidate.min_requests,
                 failures_to_rollback=candidate.failures_to_rollback,
                 false_rollback_rate=candidate.false_rollback_rate, per_node=candidate.per_node)
    gates["error_rate"]["max_delta_vs_x"] = candidate.max_delta_vs_x
    tuned = Plan.model_validate(data)
    problems = check_plan(tuned)
    if problems:
        raise PlanError([f"tuned plan: {p[0]}: {p[1]}" for p in problems])
    return tuned


def candidates(plan: Plan, count: int, seed: int, max_duration: float) -> list[Candidate]:
    """The baseline, then up to ``count - 1`` distinct draws from the grid whose planned duration
    (every bake, window and the watch, when nothing goes wrong) fits ``max_duration``: a candidate
    that cannot finish in time in a healthy world is not worth a single run."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x7E5E]))
    baseline = of_plan(plan)
    chosen, seen = [baseline], {baseline}
    for _ in range(count * 50):
        if len(chosen) >= count:
            break
        candidate = _draw(rng, baseline)
        if candidate in seen:
            continue
        seen.add(candidate)
        if planned_duration(apply(plan, candidate)) <= max_duration:
            chosen.append(candidate)
    return chosen


def _draw(rng: np.random.Generator, baseline: Candidate) -> Candidate:
    def pick(values):
        return values[int(rng.integers(len(values)))]

    shares = pick(SHARES)
    bakes = [float(pick(BAKES)) for _ in shares[:-1]] + [float(pick(LAST_BAKES))]
    delta = pick(MAX_DELTAS) if baseline.max_delta_vs_x is not None else None
    return Candidate(tuple(zip(shares, bakes)), float(pick(WINDOWS)), int(pick(MIN_REQUESTS)), int(pick(FAILURES)),
                     float(pick(FALSE_ROLLBACK_RATES)), bool(pick(PER_NODE)), delta)
