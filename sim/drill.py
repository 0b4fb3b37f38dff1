"""Operator drills: a rehearsal with a hidden fault, automatic rollback off; the trainee decides.

A drill is ``sim.session.Rehearsal`` with three changes:

- the scenario is drawn from ``DRILL_FAULTS`` by the seed and never shown;
- the plan runs with ``rollback.automatic: false``, so failing gates only warn;
- every operator event is recorded with what the gates said at that moment.

When the drill ends, ``scorecard()`` reveals the fault and scores the trainee's call
(sim/drill_score.py). The screen is the normal cockpit, with a DRILL badge in its banner.
The fault starts somewhere in the shift, before the last step, so the trainee has to watch
the gates rather than the clock.
"""

from __future__ import annotations

import random
from typing import Callable

from rollout.i18n import N_
from rollout.plan import Plan

from .drill_evidence import EvidenceWatcher
from .drill_score import HiddenFault, Move, score
from .scenario import ErrorRateFault, LatencyFault, MemoryLeakFault, Scenario, default_scenario
from .session import Rehearsal

FaultMaker = Callable[[float], list]
# kind -> (the fault in words, English in the card's JSON and translated where the card is drawn; its scenario faults)
DRILL_FAULTS: dict[str, tuple[str, FaultMaker]] = {
    "none": (N_("none: Y was healthy all along"), lambda at: []),
    "y_errors": (N_("Y answered 3% of requests with 5xx"),
                 lambda at: [ErrorRateFault(kind="error_rate", pool="y", rate=0.03, **{"from": at})]),
    "y_latency": (N_("Y became three times slower"),
                  lambda at: [LatencyFault(kind="latency", pool="y", factor=3.0, **{"from": at})]),
    "y_leak": (N_("Y leaked memory: slower as it filled, then OOM-killed after 10 minutes"),
               lambda at: [MemoryLeakFault(kind="memory_leak", pool="y", per_min=0.1, **{"from": at})]),
}


def fault_onset(plan: Plan, scenario: Scenario, rng: random.Random) -> float:
    """A moment during the shift, before the last step. The shift starts once Y is up (after
    ``start_s`` when the plan starts Y itself), then each step bakes. Approvals only make the
    shift longer, so the fault still lands in it."""
    shift_start = 5.0 + (scenario.nodes.start_s if plan.provision.start_y else 0.0)
    before_last = sum(s.bake for s in plan.steps[:-1]) or plan.steps[0].bake
    return round(shift_start + rng.uniform(0.25, 1.0) * before_last, 1)


def hide_fault(plan: Plan, seed: int, kind: str | None = None) -> tuple[Scenario, HiddenFault]:
    """The drill's world and its secret: ``kind`` (else one drawn by the seed) from an onset drawn by the seed."""
    rng = random.Random(seed)
    kind = kind or rng.choice(sorted(DRILL_FAULTS))
    description, make = DRILL_FAULTS[kind]
    base = default_scenario(plan)
    onset = fault_onset(plan, base, rng)
    faults = make(onset)
    scenario = base.model_copy(update={"name": "drill", "faults": faults})
    return scenario, HiddenFault(kind, description, onset if faults else None, should_roll_back=bool(faults))


def drill_plan(plan: Plan) -> Plan:
    """The plan as the trainee conducts it: gates warn, the trainee rolls back."""
    return plan.model_copy(update={"rollback": plan.rollback.model_copy(update={"automatic": False})})


class Trainee(Rehearsal):
    """A rehearsal conducted by a trainee: automatic rollback off, every operator event recorded
    with what the gates said, and the first sign of trouble after ``onset_s`` noted with the panel
    it showed in (sim/drill_evidence.py)."""

    badge = "DRILL"  # shown beside REHEARSAL in the banner
    quit_note = N_("The drill ends here and is scored as it stands (a rollout left running is undecided).")  # translated as shown

    def __init__(self, plan: Plan, scenario: Scenario, seed: int, exact: bool = False, journal_path: str | None = None):
        self.seed = seed
        self.moves: list[Move] = []
        self.watcher = EvidenceWatcher()
        super().__init__(drill_plan(plan), scenario, seed=seed, exact=exact, auto_approve=False, journal_path=journal_path)

    def submit(self, event: object) -> None:
        verdicts = self.engine.verdicts
        failing = bool(verdicts) and verdicts[-1].verdict == "fail"
        self.moves.append(Move(float(self.env.now), type(event).__name__, failing))
        super().submit(event)

    def _observe(self, engine, event, commands) -> None:
        super()._observe(engine, event, commands)
        self.watcher.observe(engine, event, float(self.env.now), self.onset_s())

    def onset_s(self) -> float | None:
        raise NotImplementedError


class Drill(Trainee):
    """``turnout drill PLAN [--fault KIND]``: one of ``DRILL_FAULTS``, timed in the shift."""

    def __init__(self, plan: Plan, seed: int, kind: str | None = None, exact: bool = False, journal_path: str | None = None):
        scenario, self.fault = hide_fault(plan, seed, kind)
        super().__init__(plan, scenario, seed, exact, journal_path)

    def onset_s(self) -> float | None:
        return self.fault.onset_s

    def scorecard(self) -> dict:
        record = self.record()
        card = score(self.fault, record, self.moves, self.plan.gates.window, self.seed)
        return card | {"slow_requests": record.slow, "slo_ms": record.slo_ms, "evidence": self.watcher.as_json()}
