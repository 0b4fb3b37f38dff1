"""A small scripted rehearsal for the TUI tests: the REAL engine and driver, a deterministic toy world.

``ScriptedRehearsal`` is a ``sim.conductor.SimConductor`` like ``sim.session.Rehearsal``: the
production command flow (``rollout.execute`` run by ``sim.driver.SimDriver``) carries out
every command against the toy ports below, so the TUI tests exercise real phases, real
preflight checks, real gates and real rollbacks without the SimPy world model. Each port
call takes a fixed simulated latency; traffic is a constant rate split by the applied
weights, with seeded jitter, an optional error-rate fault on Y and an optional crashed node.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
from pathlib import Path
from typing import Any

import simpy

from rollout import events as ev
from rollout.observations import BackupRecord, NodeInfo, NodeProbe, NodeWindow, PoolWindow, SmokeResult
from rollout.plan import Plan, load_plan
from rollout.ports import World
from sim.conductor import SimConductor
from sim.driver import SimRuntime

DEMO_PLAN = Path(__file__).resolve().parents[1] / "plans" / "demo.yml"
START_S, SET_WEIGHTS_S, RETIRE_S, READ_S = 20.0, 1.0, 5.0, 0.5  # simulated latencies of the toy world
CONFIG_HASH = "ec31682fde561917952ff78a7a8adeff"  # every node was fed the same kong.yml
CONFIG = '_format_version: "3.0"\nservices:\n- name: echo\n  url: http://127.0.0.1:9\n  routes:\n  - name: echo\n    paths: [/echo]\n'


def demo_plan() -> Plan:
    return load_plan(str(DEMO_PLAN))


class ToyWorld:
    """The ports' other side: nodes that start in ``START_S``, an LB, and seeded traffic."""

    def __init__(self, plan: Plan, runtime: SimRuntime, seed: int, rps: float, y_error_rate: float,
                 fault_at: float, crash: tuple[str, float] | None, y_skew: float):
        self.plan, self.runtime = plan, runtime
        self.random = random.Random(seed)
        self.rps, self.y_error_rate, self.fault_at, self.crash = rps, y_error_rate, fault_at, crash
        self.y_skew = y_skew  # points of traffic Y gets beyond its weight (sticky connections)
        self.weights = (100, 0)
        self.starting: dict[str, float] = {}  # node -> when it was asked to start

    def ports(self) -> World:
        return World(plan=self.plan, runtime=self.runtime, kong=ToyKong(self), lb=ToyLB(self), metrics=ToyMetrics(self),
                     fleet=ToyFleet(self))

    def version(self, node: str) -> str:
        return self.plan.pools.x.version if node in self.plan.pools.x.names else self.plan.pools.y.version

    def down(self, node: str) -> bool:
        return self.crash is not None and self.crash[0] == node and self.runtime.now() >= self.crash[1]

    def ready(self, node: str) -> bool:
        return not self.down(node) and self.runtime.now() >= self.starting.get(node, 0.0) + (START_S if node in self.starting else 0.0)

    def window(self, pool: str, start: float, end: float) -> PoolWindow:
        y_share = min(1.0, max(0.0, (self.weights[1] + (self.y_skew if self.weights[1] else 0.0)) / 100.0))
        share = y_share if pool == "y" else 1.0 - y_share
        names = [n for n in getattr(self.plan.pools, pool).names if not self.down(n)]
        rate = 0.001 + (self.y_error_rate if pool == "y" and end > self.fault_at else 0.0)
        nodes = []
        for name in names:
            requests = int(self.rps * (end - start) * share / max(1, len(names)) * self.random.uniform(0.97, 1.03))
            errors = int(requests * rate * self.random.uniform(0.8, 1.2))
            nodes.append(NodeWindow(name, requests, errors, {"p99_ms": round(self.random.uniform(80, 110) * (1.0 if pool == "x" else 0.95), 1)}))
        requests, errors = sum(n.requests for n in nodes), sum(n.errors for n in nodes)
        p99 = max((n.stats["p99_ms"] for n in nodes if n.requests), default=0.0)
        return PoolWindow(requests, errors, {"p50_ms": p99 / 4, "p99_ms": p99}, tuple(nodes))


class ToyKong:
    def __init__(self, toy: ToyWorld):
        self.toy = toy

    async def info(self, node) -> NodeInfo:
        return NodeInfo(node.name, True, version=self.toy.version(node.name), database="off", config_hash=CONFIG_HASH,
                        ready=True, status_reachable=True)

    async def probe(self, node) -> NodeProbe:
        version = self.toy.version(node.name)
        if self.toy.down(node.name):
            return NodeProbe(node.name, reachable=False, ready=False, version=version, message="connection refused")
        ready = self.toy.ready(node.name)
        return NodeProbe(node.name, reachable=True, ready=ready, version=version, config_hash=CONFIG_HASH,
                         message="" if ready else "starting")

    async def config(self, node) -> str:
        await self.toy.runtime.sleep(READ_S)
        return CONFIG

    async def backup(self, node, directory: str) -> BackupRecord:
        return BackupRecord(node.name, f"{directory}/{node.name}.yml", "ab" * 32, CONFIG_HASH, 42)

    async def smoke(self, node, check) -> SmokeResult:
        return SmokeResult(check.name, node.name, True, "200", "200")


class ToyLB:
    def __init__(self, toy: ToyWorld):
        self.toy = toy

    async def set_weights(self, x: int, y: int, healthy: frozenset[str]) -> tuple[int, int]:
        await self.toy.runtime.sleep(SET_WEIGHTS_S)
        self.toy.weights = (x, y)
        return self.toy.weights

    async def get_weights(self) -> tuple[int, int]:
        return self.toy.weights

    async def retire(self, nodes) -> None:
        await self.toy.runtime.sleep(RETIRE_S)


class ToyMetrics:
    def __init__(self, toy: ToyWorld):
        self.toy = toy

    async def window(self, start: float, end: float) -> tuple[PoolWindow, PoolWindow]:
        await self.toy.runtime.sleep(READ_S)
        return self.toy.window("x", start, end), self.toy.window("y", start, end)


class ToyFleet:
    def __init__(self, toy: ToyWorld):
        self.toy = toy

    async def start(self, node) -> None:
        self.toy.starting[node.name] = self.toy.runtime.now()

    async def stop(self, node) -> None:
        return None


class ScriptedRehearsal(SimConductor):
    """Conductor + RehearsalControls over the real engine and driver and a toy world (no wall clock)."""

    def __init__(self, plan: Plan | None = None, seed: int = 0, rps: float = 300.0,
                 y_error_rate: float = 0.0, fault_at: float = 0.0, crash: tuple[str, float] | None = None,
                 y_skew: float = 0.0):
        plan = plan or demo_plan()
        env = simpy.Environment()
        self.toy = ToyWorld(plan, SimRuntime(env), seed, rps, y_error_rate, fault_at, crash, y_skew)
        self.submitted: list[Any] = []
        super().__init__(plan, env, self.toy.ports(), [ev.RunStarted(0.0, plan.name, "", "rehearsal")])
        self.speed = 1.0
        self.settle()  # the RunStarted event is fed, as an operator opening the cockpit would see it

    def submit(self, event: Any) -> None:
        """Operator events are recorded (for the tests to read) and fed at once, as a key press is."""
        stamped = dataclasses.replace(event, at=self.now)
        self.submitted.append(stamped)
        super().submit(stamped)
        self.settle()  # nothing waits: the intent is fed before the key's handler returns

    def approval(self) -> Any:
        """The operator's approval of the step that waits for one (for tests that script the operator)."""
        return ev.StepApproved(self.now, self.engine.pending_approval)


class LiveView:
    """A scripted run seen as a LIVE conductor: no clock controls (the wall clock is not ours), a loop
    that only waits for ``stop`` (the test moves the scripted clock itself)."""

    world = "live"
    badge = ""
    quit_note = ""
    controls = None
    start_gate = None

    def __init__(self, rehearsal: ScriptedRehearsal):
        self.rehearsal, self.stopped = rehearsal, False

    @property
    def loop(self) -> LiveView:
        return self

    async def run(self) -> None:
        while not self.stopped:
            await asyncio.sleep(0.01)

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
