"""The control socket refuses what the run would not take, and a live conductor keeps going.

Issue 17, item 1: ``{"op":"submit","event":{"type":"StepApproved","at":0,"step":"abc"}}`` was
answered ok, journaled, crashed the conductor and every replay after it. Item 11: the socket
said ok for events the engine ignores, and the log said "approved" for refused approvals.
Here a real LiveConductor (in-memory world, tests/fake_world.py) serves the socket while its
run waits for the approval of step 2.
"""

import asyncio
import json

from adapters.control import ControlServer, RemoteConductor
from adapters.live import LiveConductor
from rollout import events as ev
from rollout.engine import Engine
from rollout.journal import Journal
from rollout.phases import Phase
from rollout.replay import replay

from .fake_world import fast_world

REFUSED = [
    ({"type": "StepApproved", "at": 0, "step": "abc"}, "bad StepApproved: StepApproved.step: expected an integer, got 'abc'"),
    ({"type": "StepApproved", "at": 0, "step": True}, "bad StepApproved: StepApproved.step: expected an integer, got True"),
    ({"type": "StepApproved", "ct": 0, "step": 1}, "bad StepApproved: StepApproved: unknown field 'ct'"),
    ({"type": "PauseRequested", "at": float("nan")}, "bad PauseRequested: PauseRequested.at: expected a finite number, got nan"),
    ({"type": "StepApproved", "at": 0, "step": 0},
     "refused: approval of step 1 by operator: step 1 does not wait for approval; step 2 does"),
    ({"type": "StepApproved", "at": 0, "step": 9}, "refused: approval of step 10 by operator: the plan has no step 10 (it has 3)"),
    ({"type": "ResumeRequested", "at": 0}, "refused: resume requested: cannot resume while the run is shift"),
    ({"type": "StepApproved", "at": 0, "step": 1, "by": "ann\n12:00:00    shift  step 3 approved"},
     "refused: approval of step 2 by 'ann\\n12:00:00    shift  step 3 approved': by must be one printable line "
     "of at most 200 characters"),
    ({"type": "WeightsApplied", "at": 0, "x": 0, "y": 100}, "not an operator event: 'WeightsApplied' (one of HaltRequested, "
     "PauseRequested, ResumeRequested, RollbackRequested, StepApproved)"),
]


async def ask(path: str, request: dict) -> dict:
    reader, writer = await asyncio.open_unix_connection(path)
    writer.write((json.dumps(request) + "\n").encode())
    await writer.drain()
    answer = json.loads(await reader.readline())
    writer.close()
    return answer


async def wait_for(condition, seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("never happened")


async def test_malformed_and_illegal_events_are_refused_and_the_run_goes_on(tmp_path):
    world = fast_world(tmp_path)
    path = tmp_path / "journal.jsonl"
    engine = Engine(world.plan)
    journal = Journal(str(path))
    conductor = LiveConductor(engine, world, journal, first=[ev.RunStarted(world.runtime.now(), "fast plan")])
    server = ControlServer(conductor, str(tmp_path / "control.sock"))
    await server.start()
    run = asyncio.create_task(conductor.run())
    try:
        await wait_for(lambda: engine.pending_approval == 1)
        for event, error in REFUSED:
            assert await ask(server.path, {"op": "submit", "event": event}) == {"ok": False, "error": error}
        assert not run.done()
        answer = await ask(server.path, {"op": "snapshot"})
        assert answer["ok"] and answer["snapshot"]["phase"] == "shift" and answer["snapshot"]["pending_approval"] == 1
        journaled = Journal.read(str(path))
        assert not any(isinstance(e, (ev.StepApproved, ev.ResumeRequested)) for e in journaled)
        assert await ask(server.path, {"op": "submit", "event": {"type": "StepApproved", "at": 0, "step": 1}}) == {"ok": True}
        await asyncio.wait_for(run, 10)
    finally:
        conductor.stop()
        await server.close()
        journal.close()
    assert engine.phase == Phase.DONE
    journaled = Journal.read(str(path))
    assert [e.step for e in journaled if isinstance(e, ev.StepApproved)] == [1]
    assert replay(world.plan, journaled).snapshot() == engine.snapshot()


async def test_an_intent_refused_at_its_turn_is_journaled_as_a_refusal_not_as_approved(tmp_path):
    """The intent passed when it arrived but the run moved before its turn: the log says refused."""
    world = fast_world(tmp_path)
    path = tmp_path / "journal.jsonl"
    engine = Engine(world.plan)
    journal = Journal(str(path))
    conductor = LiveConductor(engine, world, journal, first=[ev.RunStarted(world.runtime.now(), "fast plan")])

    sent = []

    def observer(e, commands):
        if e.pending_approval == 1 and not sent:
            sent.append(True)
            conductor.submit(ev.RollbackRequested(0.0, "test"))  # first in line
            conductor.submit(ev.StepApproved(0.0, 1, by="ann"))  # then the approval, now too late
    conductor.observer = observer
    await asyncio.wait_for(conductor.run(), 10)
    journal.close()
    assert engine.phase == Phase.ROLLED_BACK
    messages = [entry.message for entry in engine.log]
    assert "refused: approval of step 2 by ann: no step waits for approval (the run is rolling_back)" in messages
    assert not any("approved" in m for m in messages)
    journaled = Journal.read(str(path))
    assert not any(isinstance(e, ev.StepApproved) for e in journaled)
    assert replay(world.plan, journaled).snapshot() == engine.snapshot()


async def test_an_attached_cockpit_shows_a_refusal_in_its_log_and_stays(tmp_path):
    world = fast_world(tmp_path)
    engine = Engine(world.plan)
    journal = Journal(str(tmp_path / "journal.jsonl"))
    conductor = LiveConductor(engine, world, journal, first=[ev.RunStarted(world.runtime.now(), "fast plan")])
    server = ControlServer(conductor, str(tmp_path / "control.sock"))
    await server.start()
    run = asyncio.create_task(conductor.run())
    remote = RemoteConductor(server.path)
    try:
        await wait_for(lambda: engine.pending_approval == 1)
        await remote.connect()
        cockpit = asyncio.create_task(remote.run())
        remote.submit(ev.ResumeRequested(0.0))
        await wait_for(lambda: remote.refused)
        assert not cockpit.done()
        assert remote.snapshot().log[-1].message == "refused: resume requested: cannot resume while the run is shift"
        remote.submit(ev.RollbackRequested(0.0, "operator"))
        await asyncio.wait_for(cockpit, 10)
        await asyncio.wait_for(run, 10)
    finally:
        remote.stop()
        conductor.stop()
        await server.close()
        journal.close()
    assert engine.phase == Phase.ROLLED_BACK
