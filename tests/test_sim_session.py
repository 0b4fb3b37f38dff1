"""The rehearsal session and its SimPy driver: determinism, the Conductor/RehearsalControls API,
approvals and holds (the simulated world only; no server is started)."""

from __future__ import annotations


from rollout import events as ev
from rollout.journal import Journal
from rollout.phases import Phase
from rollout.plan import load_plan
from sim.driver import SimRuntime, step
from sim.report import run_json
from sim.scenario import load_scenario
from sim.session import Rehearsal

DEMO = "plans/demo.yml"


def test_same_seed_same_record_after_a_full_run():
    plan = load_plan(DEMO)
    world = load_scenario("plans/scenarios/error_rate.yml", plan)
    a, b, c = (Rehearsal(plan, world, seed=s).run_to_end() for s in (5, 5, 6))
    assert run_json(a) == run_json(b)
    assert run_json(a) != run_json(c)


def test_the_driver_runs_execute_coroutines_on_simulated_time():
    import simpy

    env = simpy.Environment()
    runtime = SimRuntime(env)

    async def flow():
        await runtime.sleep(5)
        results = await runtime.gather([_fails(), _value(3)])
        return runtime.now(), results

    out = {}

    def proc():
        out["value"] = yield from step(flow())

    env.process(proc())
    env.run()
    at, results = out["value"]
    assert at == 5 and isinstance(results[0], RuntimeError) and results[1] == 3


async def _fails():
    raise RuntimeError("boom")


async def _value(v):
    return v


def test_advance_moves_simulated_time_and_the_snapshot_follows():
    session = Rehearsal(load_plan(DEMO), seed=1)
    assert session.world == "rehearsal" and session.now == 0
    session.advance(90)
    snap = session.snapshot()
    assert session.now == 90 and snap.phase == Phase.SHIFT and snap.applied == (95, 5)
    before = session.now
    session.advance_to_next()
    assert session.now > before and not session.finished


def test_without_auto_approve_the_approval_waits_for_a_submitted_step_approved():
    session = Rehearsal(load_plan(DEMO), seed=1, auto_approve=False)
    session.advance(400)  # steps 1 and 2 take 5 minutes; step 3 needs approval
    snap = session.snapshot()
    assert snap.pending_approval == 2 and snap.desired == (75, 25)
    session.submit(ev.StepApproved(0.0, 2))
    session.advance(1)
    assert session.snapshot().applied == (50, 50)
    assert any("approved by operator" in e.event and e.at_s == 400 for e in session.timeline)


def test_headless_waiting_for_approval_ends_halted_and_says_so():
    record = Rehearsal(load_plan(DEMO), seed=1, auto_approve=False).run_to_end()
    assert record.outcome == "halted"
    assert "waits for approval" in record.timeline[-1].event


def test_operator_rollback_is_honoured_and_is_not_a_detection():
    session = Rehearsal(load_plan(DEMO), seed=1)
    session.advance(200)
    session.submit(ev.RollbackRequested(0.0, "operator"))
    record = session.run_to_end()
    assert record.outcome == "rolled_back" and record.detection is None
    assert record.final_weights == (100, 0)


def test_journal_of_a_rehearsal_replays(tmp_path):
    from rollout.replay import replay

    plan = load_plan(DEMO)
    path = str(tmp_path / "journal.jsonl")
    session = Rehearsal(plan, load_scenario("plans/scenarios/y-errors-3pct.yml", plan), seed=2, journal_path=path)
    session.run_to_end()
    engine = replay(plan, Journal.read(path))
    assert engine.phase == session.engine.phase == Phase.ROLLED_BACK
