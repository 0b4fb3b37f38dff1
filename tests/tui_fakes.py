"""A small scripted rehearsal for the TUI tests: the REAL engine, a deterministic toy world.

It implements ``rollout.conductor.Conductor`` and ``RehearsalControls`` like
``sim.session.Rehearsal`` does, so the TUI tests exercise real phases, real gates and real
rollbacks without depending on the SimPy world. Each command the engine issues is answered
after a fixed latency; traffic is a constant rate split by the applied weights, with seeded
jitter, an optional error-rate fault on Y and an optional crashed node.
"""

from __future__ import annotations

import dataclasses
import hashlib
import heapq
import random
from pathlib import Path
from typing import Any

from rollout import commands as cmd
from rollout import events as ev
from rollout.engine import Engine
from rollout.observations import BackupRecord, CheckResult, NodeProbe, NodeWindow, PoolWindow, SmokeResult
from rollout.plan import Plan, load_plan

DEMO_PLAN = Path(__file__).resolve().parents[1] / "plans" / "demo.yml"
LATENCY = {cmd.StartNodes: 20.0, cmd.SetWeights: 1.0, cmd.StopNodes: 5.0}


def demo_plan() -> Plan:
    return load_plan(str(DEMO_PLAN))


class ScriptedRehearsal:
    """Conductor + RehearsalControls over the real engine and a toy world (no SimPy, no wall clock)."""

    world = "rehearsal"

    def __init__(self, plan: Plan | None = None, seed: int = 0, rps: float = 300.0,
                 y_error_rate: float = 0.0, fault_at: float = 0.0, crash: tuple[str, float] | None = None,
                 y_skew: float = 0.0):
        self.plan = plan or demo_plan()
        self.engine = Engine(self.plan)
        self.random = random.Random(seed)
        self.rps, self.y_error_rate, self.fault_at, self.crash = rps, y_error_rate, fault_at, crash
        self.y_skew = y_skew  # points of traffic Y gets beyond its weight (sticky connections)
        self.speed = 1.0
        self._now = 0.0
        self._queue: list[tuple[float, int, Any]] = []
        self._seq = 0
        self.submitted: list[Any] = []
        self._feed(ev.RunStarted(0.0, self.plan.name, "", "rehearsal"))

    # ---------------------------------------------------------------- Conductor
    @property
    def now(self) -> float:
        return self._now

    def snapshot(self):
        return self.engine.snapshot(self._now)

    def submit(self, event: Any) -> None:
        stamped = dataclasses.replace(event, at=self._now)
        self.submitted.append(stamped)
        self._feed(stamped)

    # ---------------------------------------------------------------- RehearsalControls
    def advance(self, seconds: float) -> None:
        target = self._now + max(0.0, seconds)
        while (at := self._next_time()) is not None and at <= target:
            self._step(at)
        self._now = target

    def advance_to_next(self) -> None:
        at = self._next_time()
        if at is not None:
            self._step(at)

    def approval(self) -> Any:
        """The operator's approval of the step that waits for one (for tests that script the operator)."""
        return ev.StepApproved(self._now, self.engine.pending_approval)

    # ---------------------------------------------------------------- the toy world
    def _next_time(self) -> float | None:
        times = [t for t in (self._queue[0][0] if self._queue else None, self.engine.next_deadline()) if t is not None]
        return max(self._now, min(times)) if times else None

    def _step(self, at: float) -> None:
        self._now = at
        if self._queue and self._queue[0][0] <= at:
            self._feed(heapq.heappop(self._queue)[2])
        elif (deadline := self.engine.next_deadline()) is not None and deadline <= at:
            self._feed(ev.TimerFired(at))

    def _feed(self, event: Any) -> None:
        for command in self.engine.handle(event):
            answer = self._answer(command)
            if answer is not None:
                self._seq += 1
                heapq.heappush(self._queue, (answer.at, self._seq, answer))

    def _answer(self, c: Any) -> Any | None:
        at = self._now + LATENCY.get(type(c), 0.5)
        match c:
            case cmd.RunPreflight():
                return ev.PreflightChecked(at, (CheckResult("versions", "pass", "X 3.4.3, Y 3.9.1"),))
            case cmd.FreezeConfig():
                return ev.ConfigFrozen(at, tuple((n, _hash(n)) for n in self.plan.pools.x.names))
            case cmd.BackupConfig():
                return ev.ConfigBackedUp(at, (BackupRecord("x1", "backups/x1.yml", "ab" * 32, _hash("x1"), 42),))
            case cmd.StartNodes():
                return ev.NodesStarted(at, c.pool, c.nodes)
            case cmd.RunSmoke():
                return ev.SmokeChecked(at, tuple(SmokeResult(s.name, n, True, "200", "200") for n in c.nodes for s in self.plan.smoke))
            case cmd.SetWeights():
                return ev.WeightsApplied(at, c.x, c.y)
            case cmd.ProbeNodes():
                return ev.NodesProbed(at, tuple(self._probe(n) for n in c.nodes))
            case cmd.JudgeWindow():
                return ev.WindowJudged(at, c.start, self._window("x", c), self._window("y", c))
            case cmd.StopNodes():
                return ev.NodesStopped(at, c.pool, c.nodes)
            case cmd.UnfreezeConfig():
                return ev.ConfigUnfrozen(at)
        return None

    def _down(self, node: str) -> bool:
        return self.crash is not None and self.crash[0] == node and self._now >= self.crash[1]

    def _probe(self, node: str) -> NodeProbe:
        version = self.plan.pools.x.version if node in self.plan.pools.x.names else self.plan.pools.y.version
        if self._down(node):
            return NodeProbe(node, reachable=False, ready=False, version=version, message="connection refused")
        return NodeProbe(node, reachable=True, ready=True, version=version, config_hash=_hash(node))

    def _window(self, pool: str, c: cmd.JudgeWindow) -> PoolWindow:
        applied = self.engine.applied or (100, 0)
        y_share = min(1.0, max(0.0, (applied[1] + (self.y_skew if applied[1] else 0.0)) / 100.0))
        share = y_share if pool == "y" else 1.0 - y_share
        names = [n for n in getattr(self.plan.pools, pool).names if not self._down(n)]
        rate = 0.001 + (self.y_error_rate if pool == "y" and c.end > self.fault_at else 0.0)
        nodes = []
        for name in names:
            requests = int(self.rps * (c.end - c.start) * share / max(1, len(names)) * self.random.uniform(0.97, 1.03))
            errors = int(requests * rate * self.random.uniform(0.8, 1.2))
            nodes.append(NodeWindow(name, requests, errors, {"p99_ms": round(self.random.uniform(80, 110) * (1.0 if pool == "x" else 0.95), 1)}))
        requests, errors = sum(n.requests for n in nodes), sum(n.errors for n in nodes)
        p99 = max((n.stats["p99_ms"] for n in nodes if n.requests), default=0.0)
        return PoolWindow(requests, errors, {"p50_ms": p99 / 4, "p99_ms": p99}, tuple(nodes))


def _hash(node: str) -> str:
    return hashlib.sha256(node.encode()).hexdigest()[:32]


class LiveView:
    """A scripted run seen as a LIVE conductor: no clock controls (the wall clock is not ours), a ``stop``."""

    world = "live"

    def __init__(self, rehearsal: ScriptedRehearsal):
        self.rehearsal, self.stopped = rehearsal, False

    @property
    def now(self) -> float:
        return self.rehearsal.now

    def snapshot(self):
        return self.rehearsal.snapshot()

    def submit(self, event: Any) -> None:
        self.rehearsal.submit(event)

    def stop(self) -> None:
        self.stopped = True


def started(seed: int, seconds: float, **world: Any) -> ScriptedRehearsal:
    """A scripted rehearsal already ``seconds`` into the demo plan."""
    rehearsal = ScriptedRehearsal(seed=seed, **world)
    rehearsal.advance(seconds)
    return rehearsal
