"""A rehearsal session: the engine conducting a plan in the simulated world, on a clock we own.

``Rehearsal`` is a ``sim.conductor.SimConductor`` (rollout.conductor.Conductor with
RehearsalControls), so the TUI drives it exactly like a live run (snapshots down, operator
events up) and can also move the simulated clock (``advance``, ``advance_to_next``).
Headless runs call ``run_to_end``: a hold (PAUSED), or an approval nobody will give, ends a
headless rehearsal as ``halted`` and the timeline says so. The session records the timeline and the detection; sim/report.py turns
the record into text or JSON.
"""

from __future__ import annotations

import hashlib
from typing import Any, Callable

import simpy

from rollout import commands as cmd
from rollout import events as ev
from rollout.describe import describe
from rollout.engine import Engine
from rollout.i18n import N_
from rollout.journal import Journal
from rollout.phases import Phase
from rollout.plan import Plan
from rollout.summary import outcome

from .conductor import SimConductor
from .ranges import draw
from .report import Detection, RunRecord, TimelineEntry
from .scenario import Scenario, default_scenario
from .world import SimWorld, streams

QUIET = (ev.TimerFired, ev.NodesProbed)


def planned_duration(plan: Plan) -> float:
    """How long the plan takes when everything goes well (steps' bakes plus the watch)."""
    return sum(s.bake for s in plan.steps) + plan.finish.watch + len(plan.steps) * plan.gates.window


class Rehearsal(SimConductor):
    """The engine conducting a plan in the simulated world (sim/world.py), with its timeline and detection."""

    def __init__(self, plan: Plan, scenario: Scenario | None = None, seed: Any = 0, exact: bool = False,
                 auto_approve: bool = True, journal_path: str | None = None, keep_timeline: bool = True):
        self.scenario, self.drawn = self._drawn(scenario or default_scenario(plan), seed)
        self.seed = seed if isinstance(seed, int) else None
        self.auto_approve = auto_approve
        self.keep_timeline = keep_timeline
        env = simpy.Environment()
        self.cap = 3 * planned_duration(plan) + plan.timeouts.ready + 3600.0
        self.sim = SimWorld(plan, self.scenario, env, seed, exact, horizon=int(planned_duration(plan)) + 600)
        self.journal = Journal(journal_path) if journal_path else None
        self.timeline: list[TimelineEntry] = []
        self.detection: Detection | None = None
        self.ended = env.event()  # triggered when a headless run has nothing more to do
        sha = hashlib.sha256(plan.model_dump_json().encode()).hexdigest()
        first = ev.RunStarted(0.0, plan.name, sha, world="rehearsal")
        super().__init__(plan, env, self.sim.ports, [first], self.journal)

    def run_to_end(self, on_advance: Callable[[float], None] | None = None, slice_s: float = 60.0) -> RunRecord:
        """Headless: run until done, rolled back, halted, held or waiting for an approval (or the cap).
        ``on_advance(now)``: called every ``slice_s`` simulated seconds (a progress bar)."""
        if on_advance is None:
            slice_s = self.cap  # one stretch: nobody watches
        going = not self.ended.triggered and not self._waiting()
        while going:
            self.env.run(until=self.ended | self.env.timeout(max(1.0, min(slice_s, self.cap - self.env.now))))
            if on_advance is not None:
                on_advance(float(self.env.now))
            going = not self.ended.triggered and self.env.now < self.cap
        if not self.engine.finished:
            self._note_headless_end()
        return self.record()

    @staticmethod
    def _drawn(scenario: Scenario, seed: Any) -> tuple[Scenario, tuple]:
        """This run's faults: each range drawn from the seed's own ``draws`` stream (sim/ranges.py)."""
        return draw(scenario, streams(seed)["draws"]) if scenario.ranged() else (scenario, ())

    # ------------------------------------------------------------------ observing the engine
    def _waiting(self) -> bool:
        return self.engine.finished or self.engine.phase == Phase.PAUSED or (
            self.engine.pending_approval is not None and not self.auto_approve)

    def _observe(self, engine: Engine, event: Any, commands: list) -> None:
        self._flush_world_notes()
        if self.keep_timeline and not isinstance(event, QUIET):
            self._add(self._describe(engine, event), "event")
        for command in commands:
            if isinstance(command, cmd.Notify) and self.keep_timeline:
                self._add(command.message, command.level)
            if isinstance(command, cmd.AskApproval) and self.auto_approve:
                self.submit(ev.StepApproved(self.env.now, command.step, by="rehearsal auto-approve"))
        self._detect(engine, event)
        if self._waiting() and not self.ended.triggered:
            self.ended.succeed()

    def _y(self) -> int:
        return self.engine.applied[1] if self.engine.applied else 0

    def _add(self, text: str, level: str) -> None:
        self.timeline.append(TimelineEntry(float(self.env.now), self.engine.phase.value, self._y(), text, level))

    def _describe(self, engine: Engine, event: Any) -> str:
        if isinstance(event, ev.WindowJudged) and engine.verdicts:
            verdict = engine.verdicts[-1]
            text = N_("window {start:.0f}s-{end:.0f}s: {verdict}").format(
                start=event.start, end=event.at, verdict=verdict.describe())
            total = event.x.requests + event.y.requests
            if total and self._y() is not None and abs(100.0 * event.y.requests / total - self._y()) > 5:
                text = N_("{window}; observed split Y {observed:.1f}%, configured {configured}%").format(
                    window=text, observed=100.0 * event.y.requests / total, configured=self._y())
            return text
        return describe(event)

    def _flush_world_notes(self) -> None:
        for at, note in self.sim.notes:
            if self.keep_timeline:
                self.timeline.append(TimelineEntry(at, self.engine.phase.value, self._y(), note, "world"))
        self.sim.notes.clear()

    def _detect(self, engine: Engine, event: Any) -> None:
        """The engine knows what first stopped the plan on its own (rollout.snapshot.Detection)."""
        d = engine.detection
        if self.detection is None and d is not None:
            self.detection = Detection(d.gate, float(d.at), d.y_percent)

    def _note_headless_end(self) -> None:
        if self.driver.journal_failure is not None:
            text = N_("held: {failure}; the event was not journaled, so it was not acted upon").format(
                failure=self.driver.journal_failure)
        elif self.engine.phase == Phase.PAUSED:
            text = N_("held ({reason}); nobody can resume a headless rehearsal: it ends here, halted").format(reason=self.engine.reason)
        elif self.engine.pending_approval is not None:
            text = N_("step {step} waits for approval; a headless rehearsal ends here, halted").format(
                step=self.engine.pending_approval + 1)
        else:
            text = N_("stopped after {seconds}s of simulated time: the plan did not finish (inconclusive windows?)").format(
                seconds=f"{self.env.now:.0f}")
        self._add(text, "error")

    # ------------------------------------------------------------------ results
    def outcome(self) -> str:
        return outcome(self.engine)

    def record(self) -> RunRecord:
        self.sim.catch_up()
        self._flush_world_notes()
        totals = self.sim.log.totals(self.env.now)
        return RunRecord(self.outcome(), float(self.env.now), totals["total"], totals["failed"], totals["failed_on_y"],
                         totals["bad"], self.detection, self.sim.lb.split, self.scenario.onset(),
                         tuple(sorted(self.timeline, key=lambda e: e.at_s)), totals["slow"], totals["slow_on_y"],
                         self.sim.log.slo_ms, self.seed, self.drawn)

    def report(self) -> dict:
        """One run's JSON object (see sim/report.py for its exact keys)."""
        from .report import run_json

        return run_json(self.record())
