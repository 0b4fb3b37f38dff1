"""Each fault kind of a scenario has its expected effect on the rehearsal (the simulated world only).

Uses the example scenarios in plans/scenarios/ against plans/demo.yml (DB-less) and
plans/rehearsal-only.yml (hybrid), so the examples are checked to do what their comments say.
"""

from __future__ import annotations

import pytest

from rollout.plan import load_plan
from sim.runner import run_one
from sim.scenario import load_scenario
from sim.session import Rehearsal

from .sim_support import scenario

DEMO = "plans/demo.yml"
HYBRID = "plans/rehearsal-only.yml"


def _run(plan_path: str, scenario_path: str, seed: int = 1):
    plan = load_plan(plan_path)
    return run_one(plan, load_scenario(scenario_path, plan), seed=seed)


def _text(record) -> str:
    return "\n".join(e.event for e in record.timeline)


def test_error_rate_on_one_node_is_rolled_back_by_the_error_gate():
    record = _run(DEMO, "plans/scenarios/error_rate.yml")
    assert record.outcome == "rolled_back"
    assert record.detection.gate.startswith("error_rate")
    assert record.detection.at_s > 240  # the fault begins at 4m
    assert record.bad > 0


def test_latency_fault_is_caught_by_the_p99_gate():
    record = _run(DEMO, "plans/scenarios/latency.yml")
    assert record.outcome == "rolled_back"
    assert "latency_p99_ms" in record.detection.gate
    assert record.detection.at_s > 240


def test_crash_of_one_node_is_seen_and_its_requests_fail():
    record = _run(DEMO, "plans/scenarios/crash.yml")
    assert "y2 crashed" in _text(record)
    assert record.bad > 0  # connection failures until the LB's health check took y2 out
    assert "window fail" in _text(record)  # the gates saw it (one failed window does not roll back)


def test_crash_of_the_whole_y_pool_rolls_back_for_want_of_a_healthy_node(tmp_path):
    plan = load_plan(DEMO)
    world = scenario(tmp_path, "faults:\n  - {kind: crash, pool: y, at: 3m}\n", plan)
    record = run_one(plan, world, seed=2)
    assert record.outcome == "rolled_back"
    assert record.final_weights == (100, 0)
    assert record.detection is not None
    assert record.detection.gate in ("node_health", "error_rate") or "error_rate" in record.detection.gate


def test_config_write_during_the_freeze_halts_naming_the_node():
    record = _run(DEMO, "plans/scenarios/config_write.yml")
    assert record.outcome == "halted"
    assert record.detection.gate == "config_hash"
    held = [e.event for e in record.timeline if "configuration changed during the freeze" in e.event]
    assert held and "x1" in held[0]


def test_smoke_failure_halts_naming_the_check_before_any_traffic_moves():
    record = _run(DEMO, "plans/scenarios/smoke_fail.yml")
    assert record.outcome == "halted"
    assert record.detection.gate == "smoke" and record.detection.y_percent == 0
    assert "key-auth accepts a valid key" in _text(record) and "401" in _text(record)
    assert record.failed_on_y == 0


def test_cp_sync_failure_leaves_y_never_ready_and_halts():
    record = _run(HYBRID, "plans/scenarios/cp_sync.yml")
    assert record.outcome == "halted"
    assert record.detection.gate == "readiness"
    assert "plugin_set_incompatible" in _text(record)
    assert record.final_weights == (100, 0)


def test_cp_sync_needs_a_hybrid_plan():
    from rollout.errors import PlanError

    with pytest.raises(PlanError) as exc:
        load_scenario("plans/scenarios/cp_sync.yml", load_plan(DEMO))
    assert "faults.0.kind: cp_sync needs a hybrid plan" in str(exc.value)


def test_lb_ignoring_weights_shows_a_different_split_and_the_engine_holds():
    plan = load_plan(DEMO)
    session = Rehearsal(plan, load_scenario("plans/scenarios/lb_ignores_weights.yml", plan), seed=1)
    record = session.run_to_end()
    assert session.sim.lb.observed_split() != (95, 5)  # round robin over six servers: 50/50
    assert record.outcome == "halted"
    assert record.detection.gate == "lb_readback"
    assert "load balancer applied 50/50, expected 95/5" in _text(record)


def test_lb_ignoring_weights_with_a_truthful_readback_is_caught_by_the_split_check(tmp_path):
    plan = load_plan(DEMO)
    world = scenario(tmp_path, "faults:\n  - {kind: lb_ignores_weights, readback: configured}\n", plan)
    record = run_one(plan, world, seed=1)
    assert "observed split Y" in _text(record)
    assert record.outcome == "halted" and record.detection.gate == "split"


def test_memory_leak_is_caught_before_it_runs_its_course():
    record = _run(DEMO, "plans/scenarios/memory_leak.yml")
    assert record.outcome == "rolled_back"
    assert record.detection is not None
