"""Faults beyond traffic in the simulated world (sim/world.py, sim/kong_model.py, sim/nodes.py), each
declared in rollout/faults.py, each with an effect the engine, preflight or smoke reacts to."""

from __future__ import annotations

import pytest

from rollout import events as ev
from rollout import faults as vocab
from rollout.plan import load_plan
from sim.scenario import Scenario, default_scenario
from sim.session import Rehearsal

DEMO = load_plan("plans/demo.yml")
HYBRID = load_plan("plans/rehearsal-only.yml")


def rehearse(plan, *faults: dict, **world) -> Rehearsal:
    scenario = default_scenario(plan).model_copy(update={"faults": Scenario.model_validate({"faults": list(faults)}).faults, **world})
    session = Rehearsal(plan, scenario, seed=3)
    session.run_to_end()
    return session


def warnings(session: Rehearsal) -> list[str]:
    return [e.message for e in session.snapshot().log if e.level in ("warn", "error")]


def test_every_new_kind_is_declared_once_for_the_rehearsal():
    for kind in ("backup_unreadable", "plugin_missing", "key_auth_change", "x_capacity"):
        assert kind in vocab.rehearsal_kinds()
    lab = {k for k in ("backup_unreadable", "plugin_missing", "key_auth_change", "x_capacity") if vocab.LAB in vocab.KINDS[k].worlds}
    assert lab == {"plugin_missing", "key_auth_change"}  # the others are rehearsal-only (docs/drills.md says so)


def test_an_unreadable_backup_holds_the_run_in_the_backup_phase():
    session = rehearse(DEMO, {"kind": "backup_unreadable"})
    snap = session.snapshot()
    assert snap.phase.value == "paused" and session.engine.paused_from.value == "backup"
    assert "does not parse" in snap.reason and snap.applied is None  # no traffic moved


def test_a_plugin_missing_on_a_deployed_y_fails_preflight():
    session = rehearse(DEMO, {"kind": "plugin_missing", "pool": "y", "plugin": "prometheus"})
    assert session.outcome() == "halted"
    assert "Y has every plugin in use" in session.engine.reason and "lacks prometheus" in session.engine.reason


def test_a_plugin_missing_on_a_y_the_plan_starts_fails_its_smoke():
    session = rehearse(HYBRID, {"kind": "plugin_missing", "pool": "y", "plugin": "rate-limiting"})
    assert session.engine.paused_from.value == "smoke_y" and "got rate-limiting" in session.engine.reason


def test_key_auth_rejecting_a_valid_key_fails_the_smoke():
    session = rehearse(DEMO, {"kind": "key_auth_change", "answer": "rejects_key"})
    assert session.engine.paused_from.value == "smoke_y"
    assert "key-auth accepts a valid key" in session.engine.reason and "got status 401" in session.engine.reason
    assert "key-auth rejects a missing key" not in session.engine.reason  # a 401 check still passes


def test_another_401_message_fails_a_check_that_expects_the_old_one():
    plan = DEMO.model_copy(update={"smoke": [DEMO.smoke[0], DEMO.smoke[1].model_copy(update={
        "expect": DEMO.smoke[1].expect.model_copy(update={"body_contains": "No API key found"})})]})
    session = rehearse(plan, {"kind": "key_auth_change", "answer": "message", "message": "Unauthorized"})
    assert session.engine.paused_from.value == "smoke_y" and "No API key found" in session.engine.reason
    same = rehearse(plan, {"kind": "key_auth_change", "answer": "message", "message": "No API key found in request"})
    assert same.outcome() == "completed"


def test_x_below_the_peak_warns_at_preflight_and_overloads_x_after_a_rollback():
    from sim.scenario import Traffic

    session = rehearse(DEMO, {"kind": "x_capacity", "factor": 0.4}, traffic=Traffic(rps=2000, shape="diurnal", amplitude=0.3))
    assert any("preflight warning: capacity" in w and "would overload it" in w for w in warnings(session))
    healthy = rehearse(DEMO)
    assert not any("capacity" in w for w in warnings(healthy))
    drill = Rehearsal(DEMO, session.scenario, seed=3, auto_approve=True)
    drill.advance(400.0)  # 50% on Y
    drill.submit(ev.RollbackRequested(0.0, "test"))
    drill.advance(300.0)
    assert drill.record().failed > 10 * healthy.record().failed, "X alone (1680 rps) cannot carry 2000+ rps"


@pytest.mark.parametrize("kind", ["latency", "error_rate"])
def test_a_fault_with_until_ends(kind):
    extra = {"factor": 4.0} if kind == "latency" else {"rate": 0.05}
    session = rehearse(DEMO, {"kind": kind, "pool": "y", "from": 130, "until": 250, **extra})
    assert session.outcome() in ("rolled_back",)  # automatic rollback: it was real while it lasted
    with pytest.raises(Exception, match="must be after from"):
        Scenario.model_validate({"faults": [{"kind": kind, "from": 100, "until": 50, **extra}]})


def test_a_fault_injected_later_counts_its_times_from_now():
    """A drill injects faults at a phase's start with absolute times: a crash at now+5 happens then."""
    session = Rehearsal(DEMO, default_scenario(DEMO), seed=3, auto_approve=True)
    session.advance(200.0)
    crash = Scenario.model_validate({"faults": [{"kind": "crash", "node": "y2", "at": 205.0}]}).faults[0]
    session.sim.inject(crash)
    session.advance(4.0)
    assert session.sim.table.nodes[session.sim.table.index("y2")].state == "ready"
    session.advance(2.0)
    assert session.sim.table.nodes[session.sim.table.index("y2")].state == "down"


def test_a_leak_injected_in_the_watch_ooms_the_nodes_already_up():
    session = Rehearsal(DEMO, default_scenario(DEMO), seed=3, auto_approve=True)
    session.advance(1300.0)
    assert session.engine.phase.value == "watch"
    leak = Scenario.model_validate({"faults": [{"kind": "memory_leak", "pool": "y", "per_min": 0.5, "from": 1300.0}]}).faults[0]
    session.sim.inject(leak)
    session.advance(200.0)
    assert any("OOM-killed" in e.event for e in session.record().timeline)


def _lab_node():
    from lab.emulator import EmulatedNode, NodeSpec

    return EmulatedNode(NodeSpec("y1", "3.9.1"))


def _proxy(node, headers: dict) -> tuple[int, dict]:
    import json

    from lab.emulator.httpserver import Request

    resp = node.proxy_handler(Request("GET", "/echo", headers, b""))
    return resp.status, json.loads(resp.body)


def test_the_lab_plays_a_plugin_missing_on_y():
    import json

    from lab.emulator.admin import _root_facts

    node = _lab_node()
    assert "rate-limiting" in _root_facts(node)["plugins"]
    node.faults.update({"kind": "plugin_missing", "plugin": "rate-limiting"})
    assert node.faults.plugin_missing == "rate-limiting" and "rate-limiting" not in _root_facts(node)["plugins"]
    assert vocab.as_switches("plugin_missing", plugin="key-auth") == {"plugin_missing": "key-auth"}
    assert json.dumps(vocab.active({"plugin_missing": "key-auth"})) == '{"plugin_missing": "key-auth"}'


def test_the_lab_plays_a_key_auth_change_on_y():
    node = _lab_node()
    assert _proxy(node, {}) == (401, {"message": "No API key found in request"})
    node.faults.update({"kind": "key_auth_change", "message": "Unauthorized"})
    assert _proxy(node, {}) == (401, {"message": "Unauthorized"})
    node.faults.update({"key_auth_message": None, "key_auth_rejects": True})
    assert node.loaded.keys, "the emulator's default config has a consumer key"
    for key in node.loaded.keys:
        assert _proxy(node, {"apikey": key})[0] == 401
    node.faults.update(vocab.all_off())
    for key in node.loaded.keys:
        assert _proxy(node, {"apikey": key})[0] == 200
