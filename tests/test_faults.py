"""One fault vocabulary (rollout/faults.py) for the rehearsal's scenarios, the lab's emulator and `turnout lab fault`.

Each side keeps the names its users already write (a scenario's ``error_rate`` with ``rate``, the
emulator's ``error_share``), and these tests hold both to the one declaration.
"""

import dataclasses
import json
import typing

import pytest
from pydantic import ValidationError

from lab.emulator import EmulatedNode, Faults, NodeSpec
from lab.emulator.admin import control
from lab.emulator.httpserver import Request
from rollout import faults as vocab
from sim import scenario as sc
from tui.cli import build_parser, main
from tui.cmd_lab import _fault_changes


def test_the_scenario_accepts_exactly_the_rehearsal_kinds():
    union = typing.get_args(typing.get_args(sc.Fault)[0])
    kinds = tuple(typing.get_args(model.model_fields["kind"].annotation)[0] for model in union)
    assert kinds == vocab.rehearsal_kinds() == sc.FAULT_KINDS
    assert set(vocab.rehearsal_kinds()) < set(vocab.KINDS)  # the lab has kinds a rehearsal does not model


@pytest.mark.parametrize(("rate", "ok"), [(0.0, False), (0.05, True), (1.0, True), (1.5, False)])
def test_a_scenario_error_rate_keeps_the_vocabulary_bounds(rate, ok):
    fault = {"kind": "error_rate", "pool": "y", "rate": rate}
    if ok:
        assert sc.Scenario.model_validate({"faults": [fault]}).faults[0].rate == rate
    else:
        with pytest.raises(ValidationError):
            sc.Scenario.model_validate({"faults": [fault]})
    assert (vocab.RATE.problem(rate) is None) == ok


def test_scenario_defaults_come_from_the_vocabulary():
    crash = sc.Scenario.model_validate({"faults": [{"kind": "crash", "pool": "y"}]}).faults[0]
    leak = sc.Scenario.model_validate({"faults": [{"kind": "memory_leak"}]}).faults[0]
    assert (crash.at, crash.restart) == (vocab.KINDS["crash"].param("at").default, False)
    assert leak.per_min == vocab.KINDS["memory_leak"].param("per_min").default == 0.05


def test_the_emulator_faults_are_exactly_the_lab_switches_at_their_off_values():
    assert {f.name: f.default for f in dataclasses.fields(Faults)} == {k: s.off for k, s in vocab.SWITCHES.items()}
    assert all(s.kind in vocab.KINDS and vocab.LAB in vocab.KINDS[s.kind].worlds for s in vocab.SWITCHES.values())


def test_a_scenario_fault_switches_the_same_thing_in_the_lab():
    faults = Faults()
    faults.update({"kind": "error_rate", "rate": 0.05})
    assert faults.error_share == 0.05
    assert vocab.as_switches("error_rate", rate=0.05) == {"error_share": 0.05}
    assert vocab.as_switches("cp_sync", status="unknown") == {"sync_status": "unknown"}
    for kind, params in (("latency", {"factor": 3.0}), ("memory_leak", {"per_min": 0.1})):
        with pytest.raises(ValueError, match=f"the lab has no switch for {kind}"):
            vocab.as_switches(kind, **params)


def test_a_refused_fault_changes_nothing():
    faults = Faults()
    with pytest.raises(ValueError, match="error_share must be at most 1, not 1.5"):
        faults.update({"latency_ms": 100, "error_share": 1.5})
    with pytest.raises(ValueError, match=r"unknown fault key\(s\): error_rat; known: admin_status"):
        faults.update({"error_rat": 0.1})
    assert faults == Faults()
    faults.update({"error_share": 0.0, "latency_ms": 0})  # "off" is always allowed
    assert vocab.active(dataclasses.asdict(faults)) == {}


def test_the_fault_endpoint_takes_either_form_and_refuses_bad_values_with_400():
    node = EmulatedNode(NodeSpec("y1", "3.9.1"))

    def post(body: dict):
        resp = control(node, Request("POST", "/__turnout/fault", {}, json.dumps(body).encode()))
        return resp.status, json.loads(resp.body)

    assert post({"kind": "error_rate", "rate": 0.2}) == (200, {**vocab.all_off(), "crash": False, "error_share": 0.2})
    status, body = post({"latency_ms": -5})
    assert status == 400 and "latency_ms must be at least 0" in body["message"]
    assert node.faults.latency_ms == 0.0


def test_lab_fault_clear_turns_every_switch_off_and_error_rate_is_an_alias(tmp_path):
    args = build_parser().parse_args(["lab", "fault", "all", "--clear"])
    assert _fault_changes(args) == vocab.all_off()
    assert set(vocab.all_off()) == set(vocab.SWITCHES) - {"crash"}  # crash is an action, not a state
    args = build_parser().parse_args(["lab", "fault", "y", "--error-rate", "0.05", "--latency-ms", "30"])
    assert _fault_changes(args) == {"error_share": 0.05, "latency_ms": 30.0}


@pytest.mark.parametrize(("flag", "value", "says"), [("--error-share", "1.5", "error_share must be at most 1"),
                                                      ("--latency-ms", "-1", "latency_ms must be at least 0")])
def test_lab_fault_refuses_out_of_bounds_values_before_touching_a_lab(tmp_path, capsys, flag, value, says):
    assert main(["lab", "fault", "y", flag, value, "--dir", str(tmp_path)]) == 2
    assert says in capsys.readouterr().err


def test_route_latency_is_one_kind_in_both_worlds():
    """The scenario's route is the lab's route_prefix; share and factor have no lab equal (the lab's
    share is whatever the load sends down that path, its delay is in ms), so they refuse to translate."""
    fault = sc.Scenario.model_validate({"faults": [{"kind": "route_latency", "pool": "y", "route": "/orders",
                                                     "share": 0.05, "factor": 3.0}]}).faults[0]
    assert (fault.route, fault.share, fault.factor) == ("/orders", 0.05, 3.0)
    assert vocab.as_switches("route_latency", route="/echo/orders") == {"route_prefix": "/echo/orders"}
    with pytest.raises(ValueError, match="the lab has no switch for route_latency.share"):
        vocab.as_switches("route_latency", share=0.05)
    assert vocab.check_switches({"route_latency_ms": -1}) == ["route_latency_ms must be at least 0, not -1"]


def test_the_emulator_delays_a_proxied_request_only_on_the_route_prefix():
    node = EmulatedNode(NodeSpec("y1", "3.9.1", api_key="k-1"))
    node.faults.update({"route_latency_ms": 50, "route_prefix": "/echo/orders"})
    key = {"apikey": "k-1"}
    assert node.proxy_handler(Request("GET", "/echo/orders/7?x=1", key)).delay == pytest.approx(0.05)
    assert not node.proxy_handler(Request("GET", "/echo/users", key)).delay
    node.faults.update({"route_prefix": None})
    assert not node.proxy_handler(Request("GET", "/echo/orders/7", key)).delay


def test_lab_fault_takes_a_route_prefix_and_its_latency(tmp_path, capsys):
    args = build_parser().parse_args(["lab", "fault", "y", "--route-prefix", "/orders", "--route-latency-ms", "50"])
    assert _fault_changes(args) == {"route_prefix": "/orders", "route_latency_ms": 50.0}
    assert main(["lab", "fault", "y", "--route-prefix", "orders", "--route-latency-ms", "50", "--dir", str(tmp_path)]) == 2
    assert "a path prefix starts with /" in capsys.readouterr().err
    assert main(["lab", "fault", "y", "--route-latency-ms", "-5", "--dir", str(tmp_path)]) == 2
    assert "route_latency_ms must be at least 0" in capsys.readouterr().err
