"""A conductor on a simulated clock: the engine, the SimPy driver, and a clock the cockpit moves.

The base of every rehearsal-like conductor (``sim.session.Rehearsal``, the drill, the TUI
tests' scripted world): whatever the world behind the ports, commands are carried out by
the production flow (``rollout.execute`` run by ``sim.driver.SimDriver``), never by a second
event loop. It implements rollout.conductor.Conductor with ``controls`` (RehearsalControls:
``advance``, ``advance_to_next``, ``speed``) and no loop of its own.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Sequence

import simpy

from rollout.engine import Engine
from rollout.i18n import N_
from rollout.plan import Plan
from rollout.ports import World
from rollout.snapshot import Snapshot

from .driver import SimDriver


class SimConductor:
    world = "rehearsal"
    badge = ""
    # translated where it is shown (the cockpit's quit dialog)
    quit_note = N_("The rehearsal is discarded (nothing real was touched). Run it again with `turnout rehearse`.")
    loop = None  # nothing runs by itself: the simulated clock moves only through controls
    start_gate = None  # nothing real to protect: a rehearsal starts when the cockpit opens

    def __init__(self, plan: Plan, env: simpy.Environment, ports: World, first: Sequence[Any], journal=None):
        self.plan = plan
        self.env = env
        self.speed = 60.0
        self.engine = Engine(plan)
        self.driver = SimDriver(env, self.engine, ports, first, self._observe, journal)
        env.process(self.driver.run())

    def _observe(self, engine: Engine, event: Any, commands: list) -> None:
        """Called by the driver after each event; subclasses record, approve or stop here."""

    # ------------------------------------------------------------------ Conductor
    @property
    def now(self) -> float:
        return self.env.now

    def snapshot(self) -> Snapshot:
        return self.engine.snapshot(self.env.now)

    def submit(self, event: object) -> None:
        """Queue an operator event, stamped with simulated time; the driver journals and feeds it in order."""
        self.driver.inbox.put(dataclasses.replace(event, at=self.env.now))

    # ------------------------------------------------------------------ RehearsalControls
    @property
    def controls(self) -> SimConductor:
        return self

    @property
    def finished(self) -> bool:
        return self.engine.finished

    def advance(self, seconds: float) -> None:
        if seconds > 0:
            self.env.run(until=self.env.now + seconds)

    def settle(self) -> None:
        """Run everything due now without moving the clock (an operator event just submitted is fed)."""
        while self.env.peek() <= self.env.now:
            self.env.step()

    def advance_to_next(self) -> None:
        """Finish what is due now, then run every event of the next moment something happens."""
        self.settle()
        at = self.env.peek()
        while at != float("inf") and self.env.peek() <= at:
            self.env.step()
