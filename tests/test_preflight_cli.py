"""``turnout preflight`` through tui.cli.main and ``gather_and_check`` against a sample-built fake world
(tests/preflight_samples.py: ports answering with NodeInfos built from Kong's response samples; no server)."""

from __future__ import annotations

import json

import pytest

from rollout.preflight import CHECKLIST
from tui import cmd_preflight
from tui.cli import main
from tui.cmd_preflight import gather_and_check

from .preflight_samples import dp_rows, infos_for, make_plan, sample, sample_world

PLAN = """turnout: 1
name: cli preflight
mode: dbless
pools:
  x: {{version: "{x}", nodes: [{{name: x1}}, {{name: x2}}]}}
  y: {{version: "{y}", nodes: [{{name: y1}}, {{name: y2}}]}}
load_balancer: {{type: haproxy, socket: /nonexistent.sock, backend: kong}}
steps: [{{y: 10}}, {{y: 100}}]
"""


@pytest.fixture
def plan_file(tmp_path):
    def write(x="2.8.5", y="3.4.2"):
        path = tmp_path / "plan.yml"
        path.write_text(PLAN.format(x=x, y=y))
        return path
    return write


def use_world(monkeypatch, shapes=("2.8", "3.4"), kong_yml=None, **y_changes):
    def build(plan, scratch):
        return sample_world(plan, infos_for(plan, *shapes, **y_changes), kong_yml=kong_yml, run_dir=scratch)
    monkeypatch.setattr(cmd_preflight, "build_live_world", build)


async def test_gather_and_check_runs_the_engine_preflight_and_lints_xs_config(tmp_path):
    plan = make_plan("2.8.5", "3.4.2")
    world = sample_world(plan, infos_for(plan, "2.8", "3.4"), kong_yml=sample("deck-convert-input-2.8.yaml"))
    results = await gather_and_check(plan, world)
    lint = [r for r in results if r.name == "config lint"]
    assert lint and all(r.status == "warn" and "x1's config line" in r.evidence for r in lint)
    assert [CHECKLIST.index(r.name) for r in results] == sorted(CHECKLIST.index(r.name) for r in results)


async def test_without_a_config_the_lint_is_a_warning_naming_the_failed_call(tmp_path):
    plan = make_plan("3.4.2", "3.5.0", mode="hybrid", extra='control_plane: {admin: "http://cp:8001", version: "3.5.0"}\n')
    rows = dp_rows()
    world = sample_world(plan, infos_for(plan, "3.4", "3.4"), rows=rows)
    results = await gather_and_check(plan, world, capacity={"peak_rps": 900, "node_rps": 1000})
    [lint] = [r for r in results if r.name == "config lint"]
    assert lint.status == "warn" and "x1: GET /config: unreachable" in lint.evidence
    assert [r.status for r in results if r.name == "capacity"] == ["pass", "pass"]
    assert any(r.name == "data planes in sync" for r in results)


def test_all_good_exits_0_with_a_readable_checklist(plan_file, monkeypatch, capsys):
    use_world(monkeypatch, kong_yml=sample("deck-convert-input-2.8.yaml"))
    assert main(["preflight", str(plan_file())]) == 0
    out = capsys.readouterr().out
    assert "0 failed" in out and "upgrade path: 2.8.5 -> 3.4.2 is an LTS-to-LTS upgrade" in out


def test_a_failed_check_exits_1_and_json_carries_the_evidence(plan_file, monkeypatch, capsys):
    use_world(monkeypatch, status_reachable=False, status_listen="off")
    path = plan_file()
    assert main(["preflight", str(path), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["plan"] == str(path) and data["ok"] is False
    failed = [c for c in data["checks"] if c["status"] == "fail"]
    assert {c["node"] for c in failed} == {"y1", "y2"} and all(c["name"] == "Y Status API reachable" for c in failed)
    assert all(set(c) == {"name", "status", "evidence", "node", "seen", "expected", "source"} for c in data["checks"])


def test_a_wrong_hop_exits_1(plan_file, monkeypatch, capsys):
    use_world(monkeypatch, shapes=("2.8", "3.9"))
    assert main(["preflight", str(plan_file(y="3.9.3"))]) == 1
    assert "go through 3.4" in capsys.readouterr().out


def test_an_invalid_plan_exits_2_with_located_problems(tmp_path, capsys):
    path = tmp_path / "plan.yml"
    path.write_text(PLAN.format(x="3.4.2", y="3.5.0").replace("steps:", "stepz:"))
    assert main(["preflight", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:" in err and "stepz" in err


def test_a_plan_for_the_simulated_lb_is_refused_in_one_line(capsys):
    """Preflight talks to real nodes; a rehearsal-only plan is pointed at `turnout rehearse`."""
    assert main(["preflight", "plans/rehearsal-only.yml"]) == 2
    err = capsys.readouterr().err
    assert err == "plans/rehearsal-only.yml: load_balancer.type: sim plans are checked in rehearsal (turnout rehearse)\n"
