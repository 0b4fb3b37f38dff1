"""Helpers for engine tests: a plan, sample events of every type, and a scripted world that answers commands.

No I/O: the scripted world is a table of answers, so engine tests stay tables of events in and commands out.
"""

from __future__ import annotations

import copy

from rollout import commands as cmd
from rollout import events as ev
from rollout.engine import Engine
from rollout.observations import BackupRecord, CheckResult, NodeProbe, PoolWindow, SmokeResult
from rollout.phases import Phase
from rollout.plan import load_plan

PLAN_TEXT = """
turnout: 1
name: test plan
mode: dbless
pools:
  x: {version: "3.4.3", nodes: [{name: x1}, {name: x2}]}
  y: {version: "3.9.1", nodes: [{name: y1}, {name: y2}]}
load_balancer: {type: sim}
smoke:
  - {name: key-auth, request: {path: /echo, headers: {apikey: "${env:SMOKE_KEY}"}}, expect: {status: 200}}
steps:
  - {y: 10, bake: 2m}
  - {y: 50, bake: 2m, approve: true}
  - {y: 100, bake: 2m}
gates: {window: 60s, min_requests: 100, failures_to_rollback: 2}
finish: {decommission_x: true, watch: 2m}
"""

HASH = "a" * 32
LATENCY = {"p50_ms": 10.0, "p99_ms": 50.0}
GOOD = PoolWindow(1000, 1, LATENCY)
BAD = PoolWindow(1000, 80, LATENCY)
RATE = 20  # requests per window per percent of traffic


def window_for(template: PoolWindow, percent: int) -> PoolWindow:
    """A window with ``percent`` of the traffic and the template's error rate and latencies."""
    requests = RATE * percent
    return PoolWindow(requests, round(requests * template.error_rate), template.stats)


def plan(text: str = PLAN_TEXT):
    return load_plan("test.yml", text)


def sample_events(at: float) -> list:
    """One instance of every event type, as the world or the operator could send it at ``at``."""
    return [
        ev.RunStarted(at, "test plan"),
        ev.Resumed(at, 100, 0),
        ev.PreflightChecked(at, (CheckResult("version", "pass"),)),
        ev.ConfigFrozen(at, (("x1", HASH), ("x2", HASH))),
        ev.ConfigBackedUp(at, (BackupRecord("x1", "/b/x1.yml", "f" * 64, HASH, 3),)),
        ev.NodesStarted(at, "y", ("y1", "y2")),
        ev.SmokeChecked(at, (SmokeResult("key-auth", "y1", True), SmokeResult("key-auth", "y2", True))),
        ev.WeightsApplied(at, 90, 10),
        ev.NodesProbed(at, (NodeProbe("y1", True, True, config_hash=HASH),)),
        ev.WindowJudged(at, at - 60, GOOD, GOOD),
        ev.NodesStopped(at, "x", ("x1", "x2")),
        ev.ConfigUnfrozen(at),
        ev.StepApproved(at, 1),
        ev.PauseRequested(at),
        ev.ResumeRequested(at),
        ev.RollbackRequested(at),
        ev.HaltRequested(at),
        ev.CommandFailed(at, "SetWeights", "lb: set weight: rejected: No such server."),
        ev.Noted(at, "warn", "haproxy: no server-state-file: runtime weights are lost on reload"),
        ev.TimerFired(at),
    ]


def answer(command, at: float, y_window: PoolWindow = GOOD, split: tuple[int, int] = (50, 50)):
    """What a healthy world answers to a command (None when no answer is due)."""
    match command:
        case cmd.RunPreflight():
            return ev.PreflightChecked(at, (CheckResult("version", "pass"),))
        case cmd.FreezeConfig():
            return ev.ConfigFrozen(at, (("x1", HASH), ("x2", HASH)))
        case cmd.BackupConfig():
            return ev.ConfigBackedUp(at, (BackupRecord("x1", "/b/x1.yml", "f" * 64, HASH, 3),))
        case cmd.StartNodes(pool=pool, nodes=nodes):
            return ev.NodesStarted(at, pool, nodes)
        case cmd.RunSmoke(nodes=nodes):
            return ev.SmokeChecked(at, tuple(SmokeResult("key-auth", n, True) for n in nodes))
        case cmd.SetWeights(x=x, y=y):
            return ev.WeightsApplied(at, x, y)
        case cmd.ProbeNodes(nodes=nodes):
            return ev.NodesProbed(at, tuple(NodeProbe(n, True, True, config_hash=HASH) for n in nodes))
        case cmd.JudgeWindow(start=start):
            return ev.WindowJudged(at, start, window_for(GOOD, split[0]), window_for(y_window, split[1]))
        case cmd.AskApproval(step=step):
            return ev.StepApproved(at, step)
        case cmd.StopNodes(pool=pool, nodes=nodes):
            return ev.NodesStopped(at, pool, nodes)
        case cmd.UnfreezeConfig():
            return ev.ConfigUnfrozen(at)
    return None


def run_world(engine: Engine, first, until=lambda e: e.finished, y_window=GOOD, limit=500, journal=None):
    """Drive the engine with the healthy scripted world; returns every event fed, in order."""
    fed, queue = [], list(first)
    for _ in range(limit):
        if until(engine):
            break
        if not queue:
            deadline = engine.next_deadline()
            if deadline is None:
                break
            queue.append(ev.TimerFired(deadline))
        event = queue.pop(0)
        fed.append(event)
        if journal is not None:
            journal.append(event)
        for c in engine.handle(event):
            reply = answer(c, event.at, y_window, engine.applied or (100, 0))
            if reply is not None:
                queue.append(reply)
    return fed


def engine_at(phase: Phase, text: str = PLAN_TEXT) -> Engine:
    """An engine for the plan ``text``, brought to ``phase`` by the healthy world (PAUSED: paused in SHIFT at 10%)."""
    e = Engine(plan(text))
    start = [ev.RunStarted(0.0, "test plan")]
    if phase == Phase.NEW:
        return e
    if phase in (Phase.PAUSED, Phase.ROLLING_BACK, Phase.ROLLED_BACK, Phase.HALTED):
        run_world(e, start, until=lambda e: e.phase == Phase.SHIFT and e.bake_start is not None)
        special = {
            Phase.PAUSED: [ev.PauseRequested(200.0)],
            Phase.ROLLING_BACK: [ev.RollbackRequested(200.0)],
            Phase.ROLLED_BACK: [ev.RollbackRequested(200.0), ev.WeightsApplied(201.0, 100, 0)],
            Phase.HALTED: [ev.HaltRequested(200.0)],
        }[phase]
        for event in special:
            e.handle(event)
        return e
    run_world(e, start, until=lambda e: e.phase == phase)
    assert e.phase == phase, (phase, e.phase)
    return e


def clone(engine: Engine) -> Engine:
    return copy.deepcopy(engine)
