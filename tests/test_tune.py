"""``turnout tune`` on a small plan with few runs: the search, its determinism, --json and --write.

The plan is tests/sim_support.py's small one with a comment added; the fault is one Y node
failing 5% of its requests; the budgets are loose (a 20% false-rollback bound needs only ~16
healthy runs) and the duration budget of 10 minutes keeps every candidate short, so the whole
file runs in well under a minute. The demo's full tune is measured in bench/tune_wall.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rollout.plan import load_plan
from sim.tune import Budgets, healthy_runs, schedule, tune
from sim.tune_runs import Job, LocalRuns
from sim.tune_space import apply, candidates, of_plan
from tests.sim_support import SMALL_PLAN, scenario, small_plan

ROOT = Path(__file__).resolve().parent.parent
FAULT = """
name: y1 fails 5%
traffic: {rps: 600}
nodes: {capacity_rps: 1500, error_rate: 0.0005}
faults:
  - {kind: error_rate, node: {one_of: [y1, y2]}, rate: {between: [0.03, 0.08]}}
"""
BUDGETS = Budgets(max_false_rollback=0.2, max_duration_s=600.0)


def small_tune(tmp_path, processes: int):
    plan = small_plan(tmp_path)
    fault = scenario(tmp_path, FAULT, plan)
    healthy = fault.model_copy(update={"faults": []})
    pool = candidates(plan, 5, 7, BUDGETS.max_duration_s)
    with LocalRuns(Job(plan, fault, healthy), processes) as runner:
        return pool, tune(pool, runner, 9, 7, BUDGETS)


def test_the_schedule_ends_at_the_runs_asked_and_enough_healthy_runs_to_prove_the_budget():
    assert healthy_runs(100, 0.01) >= 380  # 0 of n has a Wilson upper bound of about 3.84/n
    assert schedule(100, 400) == [(12, 45), (34, 134), (100, 400)]
    assert schedule(9, 16) == [(9, 16)]


def test_candidates_are_valid_plans_within_the_duration_budget_and_the_same_for_the_same_seed(tmp_path):
    from sim.session import planned_duration

    plan = small_plan(tmp_path)
    pool = candidates(plan, 12, 3, 900.0)
    assert pool[0] == of_plan(plan) and len(set(pool)) == len(pool) == 12
    assert pool == candidates(plan, 12, 3, 900.0) and pool != candidates(plan, 12, 4, 900.0)
    for candidate in pool[1:]:
        tuned = apply(plan, candidate)
        assert tuned.steps[-1].y == 100 and planned_duration(tuned) <= 900.0
        assert tuned.pools == plan.pools and tuned.gates.latency_p99_ms == plan.gates.latency_p99_ms


def test_a_tune_recommends_within_its_budgets_and_one_process_or_two_give_the_same_result(tmp_path):
    pool, one = small_tune(tmp_path, processes=1)
    _, two = small_tune(tmp_path, processes=2)
    assert one.recommended is not None
    assert one.recommended.candidate == two.recommended.candidate
    assert [r.bad for r in one.recommended.fault] == [r.bad for r in two.recommended.fault]
    rec = one.recommended
    assert rec.feasible(BUDGETS) and len(rec.fault) == 9 and len(rec.healthy) == healthy_runs(9, 0.2)
    assert rec.mean_failed() <= one.baseline.mean_failed()
    assert [r.seed for r in rec.fault] == [7 + i for i in range(9)]  # common random numbers: every candidate's seeds


PLAN_WITH_COMMENT = SMALL_PLAN.replace("steps:", "# the operator's own note, kept by --write\nsteps:")


def test_the_cli_prints_the_json_and_writes_a_plan_with_only_steps_and_gates_changed(tmp_path):
    plan_path, fault_path, out = tmp_path / "plan.yml", tmp_path / "fault.yml", tmp_path / "tuned.yml"
    plan_path.write_text(PLAN_WITH_COMMENT)
    fault_path.write_text(FAULT)
    done = subprocess.run([sys.executable, "-m", "tui.cli", "tune", str(plan_path), "--scenario", str(fault_path),
                           "--runs", "9", "--candidates", "5", "--seed", "7", "--max-false-rollback", "0.2",
                           "--max-duration", "10m", "--json", "--write", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    card = json.loads(done.stdout)
    for side in ("baseline", "recommended"):
        assert {"blast_radius", "false_rollback", "p_detect", "duration_s"} <= set(card[side])
    assert card["recommended"]["false_rollback"]["ci"][1] <= 0.2 and card["recommended"]["steps"][-1]["y"] == 100
    written, original = out.read_text(), load_plan(str(plan_path))
    assert "# the operator's own note, kept by --write" in written
    tuned = load_plan(str(out))
    assert [s.y for s in tuned.steps] == [s["y"] for s in card["recommended"]["steps"]]
    assert tuned.model_copy(update={"steps": original.steps, "gates": original.gates}) == original


def test_an_unreachable_dask_scheduler_is_one_line_and_exit_2(tmp_path):
    pytest.importorskip("distributed")
    plan_path, fault_path = tmp_path / "plan.yml", tmp_path / "fault.yml"
    plan_path.write_text(SMALL_PLAN)
    fault_path.write_text(FAULT)
    done = subprocess.run([sys.executable, "-m", "tui.cli", "tune", str(plan_path), "--scenario", str(fault_path),
                           "--dask", "tcp://127.0.0.1:9", "--json"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**__import__("os").environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"})
    assert done.returncode == 2 and done.stdout == ""
    assert "Dask scheduler tcp://127.0.0.1:9 cannot be reached" in done.stderr.strip().splitlines()[-1]


def test_no_candidate_within_the_duration_budget_means_no_recommendation_and_a_measured_baseline(tmp_path):
    from sim.tune_report import tune_json, tune_text

    plan = small_plan(tmp_path)
    fault = scenario(tmp_path, FAULT, plan)
    tight = Budgets(max_false_rollback=0.2, max_duration_s=30.0)
    pool = candidates(plan, 5, 7, tight.max_duration_s)
    assert pool == [of_plan(plan)]  # nothing else plans to finish in 30 s
    with LocalRuns(Job(plan, fault, fault.model_copy(update={"faults": []})), 1) as runner:
        result = tune(pool, runner, 9, 7, tight)
    assert result.recommended is None and len(result.baseline.healthy) == healthy_runs(9, 0.2)
    assert tune_json(result, None, tight, 7, 1)["recommended"] is None
    assert "recommended: none" in tune_text(result, tight)
