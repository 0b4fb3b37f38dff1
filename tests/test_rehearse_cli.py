"""``turnout rehearse``: every example plan rehearses (headless, exit 0), JSON has exactly the
issue's keys, bad input gives located problems and exit 2 (the simulated world only)."""

from __future__ import annotations

import glob
import json

import pytest

from tui.cli import main

RUN_KEYS = {"outcome", "sim_duration_s", "requests", "detection", "final_weights", "timeline"}
CARD_KEYS = {"runs", "outcomes", "p_detect", "time_to_detect_s", "bad_requests", "duration_s",
             # issue 11 (the report card): provenance, intervals, false rollbacks, blast radius, draws
             "plan", "scenario", "seed", "versions", "p_detect_ci", "false_rollback", "blast_radius",
             "detection_step", "drawn"}


@pytest.mark.parametrize("plan", sorted(glob.glob("plans/*.yml")))
def test_every_example_plan_rehearses_headless_and_completes(plan, capsys):
    assert main(["rehearse", plan, "--headless"]) == 0
    out = capsys.readouterr().out
    assert "outcome: completed" in out and "Traceback" not in out


def test_one_run_json_has_exactly_the_issue_keys(capsys):
    code = main(["rehearse", "plans/demo.yml", "--scenario", "plans/scenarios/y-errors-3pct.yml", "--json", "--seed", "4"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1 and set(data) == RUN_KEYS
    assert data["outcome"] == "rolled_back"
    assert set(data["requests"]) == {"total", "failed", "failed_on_y"}
    assert set(data["detection"]) == {"gate", "at_s", "y_percent"}
    assert set(data["final_weights"]) == {"x", "y"} and data["final_weights"] == {"x": 100, "y": 0}
    assert data["timeline"] and all(set(e) == {"at_s", "phase", "y_percent", "event"} for e in data["timeline"])


def test_monte_carlo_json_has_exactly_the_issue_keys(capsys):
    code = main(["rehearse", "plans/demo.yml", "--scenario", "plans/scenarios/aa.yml", "--runs", "4", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and set(data) == CARD_KEYS
    assert data["runs"] == 4 and set(data["outcomes"]) == {"completed", "rolled_back", "halted"}
    assert set(data["time_to_detect_s"]) == {"p50", "p95"} and set(data["bad_requests"]) == {"mean", "p95"}
    assert set(data["duration_s"]) == {"p50", "p95"}
    assert set(data["plan"]) == set(data["scenario"]) == {"name", "sha256"} and data["seed"] == 0
    assert set(data["versions"]) == {"turnout", "python"}
    assert set(data["blast_radius"]) == {"failed", "slow"}
    assert all(set(v) == {"mean", "p50", "p95", "max"} for v in data["blast_radius"].values())
    assert set(data["false_rollback"]) == {"count", "rate", "ci"} and set(data["detection_step"]) == {"5", "25", "50", "100"}
    assert [d["run"] for d in data["drawn"]] == [0, 1, 2, 3]


def test_same_seed_same_json(capsys):
    args = ["rehearse", "plans/demo.yml", "--scenario", "plans/scenarios/error_rate.yml", "--json", "--seed", "9"]
    main(args)
    first = capsys.readouterr().out
    main(args)
    assert capsys.readouterr().out == first


def test_a_bad_scenario_gives_located_problems_and_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.yml"
    bad.write_text("traffic: {rps: -1}\nfaults:\n  - kind: crash\n    nod: y1\n  - {kind: boom}\n")
    assert main(["rehearse", "plans/demo.yml", "--scenario", str(bad)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert f"{bad}:1: traffic.rps: input should be greater than 0 (got -1)" in err
    assert f"{bad}:4: faults.0.nod: unknown key" in err
    assert any(line.startswith(f"{bad}:5: faults.1.kind: unknown type 'boom'") for line in err)


def test_a_scenario_naming_a_node_the_plan_lacks_is_located(tmp_path, capsys):
    bad = tmp_path / "bad.yml"
    bad.write_text("faults:\n  - {kind: crash, node: y9, at: 1m}\n")
    assert main(["rehearse", "plans/demo.yml", "--scenario", str(bad), "--headless"]) == 2
    assert f"{bad}:2: faults.0.node: no node 'y9' in the plan" in capsys.readouterr().err


def test_a_bad_plan_exits_2_without_a_traceback(tmp_path, capsys):
    bad = tmp_path / "plan.yml"
    bad.write_text("turnout: 1\nname: x\n")
    assert main(["rehearse", str(bad), "--headless"]) == 2
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("path", sorted(glob.glob("plans/scenarios/*.yml")))
def test_every_example_scenario_loads_and_runs(path, capsys):
    plan = "plans/rehearsal-only.yml" if "cp_sync" in path else "plans/demo.yml"
    assert main(["rehearse", plan, "--scenario", path, "--headless"]) in (0, 1)
    assert "outcome:" in capsys.readouterr().out
