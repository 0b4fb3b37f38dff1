"""The asyncio driver with the shared command flow, against an in-memory world (tests/fake_world.py).

The real adapters are tested against real HAProxy/nginx and the Kong emulator elsewhere;
these tests pin the driver's own promises: journal before acting, LB changes in issue order,
resume after a crash reconciling with the load balancer.
"""

import asyncio

import pytest

from adapters.live import LiveConductor
from rollout import commands as cmd
from rollout import events as ev
from rollout.engine import Engine
from rollout.journal import Journal
from rollout.phases import Phase
from rollout.replay import replay

from .fake_world import FakeLB, fast_world


def approve_all(conductor):
    def observer(engine, commands):
        for c in commands:
            if isinstance(c, cmd.AskApproval):
                conductor.submit(ev.StepApproved(0.0, c.step, "test"))
    return observer


async def conduct(world, journal_path, first=None, engine=None, until=None):
    engine = engine or Engine(world.plan)
    journal = Journal(str(journal_path))
    conductor = LiveConductor(engine, world, journal, first=first or [ev.RunStarted(world.runtime.now(), "fast plan")])
    watch = approve_all(conductor)

    def observer(e, commands):
        watch(e, commands)
        if until and until(e):
            conductor.stop()
    conductor.observer = observer
    await asyncio.wait_for(conductor.run(), 10)
    journal.close()
    return engine


async def test_a_whole_live_run_completes_and_its_journal_replays(tmp_path):
    world = fast_world(tmp_path)
    engine = await conduct(world, tmp_path / "j.jsonl")
    assert engine.phase == Phase.DONE
    assert world.lb.history == [(90, 10), (50, 50), (0, 100)]
    assert world.fleet.stopped == ["x1", "x2"]
    rebuilt = replay(world.plan, Journal.read(str(tmp_path / "j.jsonl")))
    assert rebuilt.snapshot() == engine.snapshot()


async def test_failing_gates_roll_back_to_x(tmp_path):
    world = fast_world(tmp_path)
    world.metrics.y_error_rate = 0.4
    engine = await conduct(world, tmp_path / "j.jsonl")
    assert engine.phase == Phase.ROLLED_BACK
    assert world.lb.history[-1] == (100, 0)
    assert engine.detection is not None


async def test_an_adapter_failure_holds_and_never_pushes_forward(tmp_path):
    world = fast_world(tmp_path)
    world.lb.fail = True
    engine = await conduct(world, tmp_path / "j.jsonl", until=lambda e: e.phase == Phase.PAUSED)
    assert engine.phase == Phase.PAUSED and engine.paused_from == Phase.SHIFT
    assert "set weight" in engine.reason and world.lb.history == []


async def test_a_slow_step_change_never_lands_after_the_rollback(tmp_path):
    lb = FakeLB(delay=0.05)
    world = fast_world(tmp_path, lb)
    engine = Engine(world.plan)
    journal = Journal(str(tmp_path / "j.jsonl"))
    conductor = LiveConductor(engine, world, journal, first=[ev.RunStarted(world.runtime.now(), "p")])

    def observer(e, commands):
        if any(isinstance(c, cmd.SetWeights) and c.y == 10 for c in commands):
            conductor.submit(ev.RollbackRequested(0.0, "test"))
    conductor.observer = observer
    await asyncio.wait_for(conductor.run(), 10)
    assert engine.phase == Phase.ROLLED_BACK
    assert lb.history == [(90, 10), (100, 0)] and lb.weights == (100, 0)


async def test_resume_after_a_crash_reconciles_with_the_load_balancer(tmp_path):
    """Stop mid-shift (as kill -9 would: nothing after the last fsynced event), then restart from the journal."""
    world = fast_world(tmp_path)
    path = tmp_path / "j.jsonl"
    first = await conduct(world, path, until=lambda e: e.phase == Phase.SHIFT and e.step == 1 and e.bake_start is not None)
    assert first.phase == Phase.SHIFT
    world.lb.weights = (70, 30)  # someone moved the LB while Turnout was down
    engine = replay(world.plan, Journal.read(str(path)))
    resumed = [ev.Resumed(world.runtime.now(), *world.lb.weights)]
    engine = await conduct(world, path, first=resumed, engine=engine)
    assert engine.phase == Phase.DONE
    assert any("load balancer has 70/30" in entry.message for entry in engine.log)
    assert world.lb.history[-1] == (0, 100)
    rebuilt = replay(world.plan, Journal.read(str(path)))
    assert rebuilt.snapshot() == engine.snapshot()


async def test_adapter_warnings_become_journaled_notes(tmp_path):
    """An adapter's warning (here: weights lost on reload) reaches the log and the journal once."""
    world = fast_world(tmp_path)
    world.lb.warnings = ["haproxy: no server-state-file: runtime weights are lost on reload"]
    engine = await conduct(world, tmp_path / "j.jsonl")
    notes = [e for e in Journal.read(str(tmp_path / "j.jsonl")) if isinstance(e, ev.Noted)]
    assert [n.message for n in notes] == ["haproxy: no server-state-file: runtime weights are lost on reload"]
    assert any(entry.level == "warn" and "server-state-file" in entry.message for entry in engine.log)


RESUMABLE = [Phase.PREFLIGHT, Phase.FREEZE, Phase.BACKUP, Phase.DEPLOY_Y, Phase.SMOKE_Y, Phase.SHIFT,
             Phase.DECOMMISSION_X, Phase.UNFREEZE, Phase.WATCH]


@pytest.mark.parametrize("phase", RESUMABLE + [Phase.ROLLING_BACK])
async def test_a_crash_in_any_phase_resumes_from_the_journal(tmp_path, phase):
    """Stop the moment the run enters ``phase`` (as kill -9 would: in-flight commands are lost, the
    journal holds what was fsynced), restart from the journal with what the LB really has: the run
    finishes as it would have, and the journal still replays to the same engine."""
    world = fast_world(tmp_path)
    if phase == Phase.ROLLING_BACK:
        world.metrics.y_error_rate = 0.4
    path = tmp_path / "j.jsonl"
    crashed = await conduct(world, path, until=lambda e: e.phase == phase)
    assert crashed.phase == phase
    engine = replay(world.plan, Journal.read(str(path)))
    assert engine.snapshot() == crashed.snapshot()
    engine = await conduct(world, path, first=[ev.Resumed(world.runtime.now(), *world.lb.weights)], engine=engine)
    expected = (Phase.ROLLED_BACK, (100, 0)) if phase == Phase.ROLLING_BACK else (Phase.DONE, (0, 100))
    assert (engine.phase, world.lb.weights) == expected
    assert replay(world.plan, Journal.read(str(path))).snapshot() == engine.snapshot()
