"""Many runs as a report tells them: the Monte Carlo JSON plus the per-run numbers its charts need.

The JSON (sim/report.py ``monte_carlo_json``) keeps summaries; a histogram needs each run's
value, so the report reads them from the run records the rehearsal produced. Keys that a newer
JSON adds (``p_detect_ci``, ``false_rollback``, ``blast_radius``, ``detection_step``, ``plan``,
``scenario``, ``seed``, ``versions``, ``drawn``) are read when present and left out when not.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from rollout.i18n import _
from rollout.plan import Plan


@dataclass(frozen=True)
class MonteCarlo:
    card: dict[str, Any]
    title: str  # the plan in the scenario
    scenario_name: str
    has_faults: bool  # False: a healthy Y, every rollback is a false one
    failed: tuple[int, ...]  # per run: requests failed beyond the base error rate
    detect_s: tuple[float, ...]  # per caught run: seconds from the fault's onset to detection
    detection_step: dict[str, int]  # Y% (as text) -> runs caught at that share


def monte_carlo_of(card: dict, records: list, plan: Plan, scenario) -> MonteCarlo:
    """Every step of the plan gets a bar, caught there or not, so a board sees where nothing was caught."""
    caught = [r for r in records if r.detection is not None]
    steps = card.get("detection_step")
    if steps is None:
        counts = Counter(str(r.detection.y_percent) for r in caught)
        steps = {**{str(s.y): 0 for s in plan.steps}, **counts}
    steps = dict(sorted({**{str(s.y): 0 for s in plan.steps}, **steps}.items(), key=lambda kv: float(kv[0])))
    return MonteCarlo(card, _("{plan} in {scenario}").format(plan=plan.name, scenario=scenario.name), scenario.name, bool(scenario.faults),
                      tuple(r.bad for r in records), tuple(r.time_to_detect_s for r in caught), steps)
