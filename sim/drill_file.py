"""A drill file (``plans/drills/*.yml``): the plan it runs on, its hidden faults, its briefing and the right calls.

A library drill is data, like a plan or a scenario, and is read the same way: through the
hardened reader and ``rollout.located.load_model``, strict (an unknown or misspelt key is an
error, because a drill whose fault is silently dropped teaches the wrong call), every problem
one line ``FILE:LINE: key.path: why``. docs/drills.md documents the keys.

A fault is timed from the start of a phase (``phase: shift`` with ``from: {between: [1m, 4m]}``),
not from the start of the run: a trainee who thinks for a minute before approving still meets
the fault in the phase the drill trains. Faults of ``phase: preflight`` shape the world from its
first second. Values may be ranges (sim/ranges.py), drawn per run from the drill's seed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from rollout.located import load_model
from rollout.plan import Plan
from rollout.plan_values import Duration, Label, Line

from .scenario import FAULT_KINDS, Balancer, Fault, Nodes, Scenario, Strict, Traffic, cross_check

PhaseName = Literal["preflight", "freeze", "backup", "deploy_y", "smoke_y", "shift", "decommission_x", "watch"]
PHASES: tuple[str, ...] = PhaseName.__args__  # type: ignore[attr-defined]
CALLS = ("continue", "roll_back", "stop", "hold")
FROM_THE_START = ("lb_ignores_weights", "x_capacity")  # kinds that shape the world from its first second
LIBRARY = Path(__file__).resolve().parents[1] / "plans" / "drills"


class TimedFault(Strict):
    phase: PhaseName = "preflight"  # the fault's own from/at/until count from this phase's start
    fault: Fault

    @model_validator(mode="after")
    def _shapes_the_world(self) -> "TimedFault":
        if self.fault.kind in FROM_THE_START and self.phase != "preflight":
            raise ValueError(f"{self.fault.kind} shapes the world from its start: give it phase: preflight")
        return self


class ExpectedCall(Strict):
    """One decision the drill scores (sim/drill_calls.py)."""

    call: Literal[CALLS]  # type: ignore[valid-type]
    phase: PhaseName  # the phase the call belongs to (the card scores per phase)
    within: Duration | None = None  # roll_back, stop: the deadline after the evidence first shows
    at_least: Duration | None = None  # hold: how long to hold after the evidence before pushing on
    points: int = Field(ge=1, le=100)
    why: Line  # the right call in words, for the card

    @model_validator(mode="after")
    def _deadline(self) -> "ExpectedCall":
        if self.call in ("roll_back", "stop") and self.within is None:
            raise ValueError(f"a {self.call} call needs within: its deadline after the evidence shows")
        if self.call == "hold" and self.at_least is None:
            raise ValueError("a hold call needs at_least: how long to hold before pushing on")
        return self


class DrillFile(Strict):
    name: Label
    summary: Line  # `turnout drill --list`: what the trainee faces, never the fault
    trains: PhaseName  # the phase of the procedure this drill is about
    plan: Line = "../demo.yml"  # relative to the drill file
    briefing: str = Field(min_length=1, max_length=4000)  # the situation, in the briefing screen
    reveal: Line  # what the hidden fault was, in words, for the score card
    traffic: Traffic | None = None
    nodes: Nodes | None = None
    load_balancer: Balancer | None = None
    slo_ms: float | None = Field(default=None, gt=0, le=1e6)  # slower than this is a slow request on the card (None: the plan's latency limit)
    faults: list[TimedFault] = Field(default_factory=list, max_length=20)
    calls: list[ExpectedCall] = Field(min_length=1, max_length=8)
    expert: str = Field(min_length=1, max_length=2000)  # what an expert would have done, for the card

    @model_validator(mode="after")
    def _points_total_100(self) -> "DrillFile":
        total = sum(c.points for c in self.calls)
        if total != 100:
            raise ValueError(f"the calls' points add up to {total}, not 100")
        return self

    def scenario(self, plan: Plan, base: Scenario) -> Scenario:
        """The world before any phase-timed fault joins: the base (sized from the plan) with the
        drill's traffic, nodes and balancer, and its preflight faults."""
        given = (("traffic", self.traffic), ("nodes", self.nodes), ("load_balancer", self.load_balancer), ("slo_ms", self.slo_ms))
        update = {k: v for k, v in given if v is not None}
        first = [f.fault for f in self.faults if f.phase == "preflight"]
        return base.model_copy(update={**update, "name": f"drill {self.name}", "faults": first})


def _cross_check(drill: DrillFile, path: str) -> list[tuple[str, str]]:
    """The plan must load, and the faults' targets must exist in it (the scenario's own rules)."""
    from rollout.errors import PlanError
    from rollout.plan import load_plan

    try:
        plan = load_plan(plan_path(path, drill))
    except PlanError as exc:
        return [("plan", f"the plan does not load: {exc.problems[0]}")]
    every = Scenario(faults=[f.fault for f in drill.faults])
    return [(_in_drill(where), why) for where, why in cross_check(every, plan)]


def _in_drill(where: str) -> str:
    """A scenario's ``faults.0.node`` is a drill's ``faults.0.fault.node``."""
    parts = where.split(".")
    return ".".join(parts[:2] + ["fault"] + parts[2:]) if parts[0] == "faults" and len(parts) > 1 else where


def plan_path(drill_path: str, drill: DrillFile) -> str:
    return str((Path(drill_path).parent / drill.plan).resolve())


def load_drill(path: str) -> DrillFile:
    """Read and validate a drill file; raise PlanError listing every located problem."""
    return load_model(path, DrillFile, lambda d: _cross_check(d, path), tags=FAULT_KINDS)


def library(directory: Path = LIBRARY) -> dict[str, Path]:
    """Drill name (the file's stem) -> file, in name order."""
    return {p.stem: p for p in sorted(directory.glob("*.yml"))}


def is_drill_file(path: str) -> bool:
    """A file is a drill, not a plan, when it sits in a ``drills`` directory (told by its place, not
    by reading it: the hardened reader reads it once, as what it is)."""
    return Path(path).parent.name == "drills"
