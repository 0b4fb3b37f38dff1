"""The plan's report card: plans/demo.yml catches a 3% Y error rate in >= 99 of 100 seeded runs
and completes an A/A (no-fault) scenario in >= 99 of 100 (the simulated world, Monte Carlo
runner on every core; no server is started)."""

from __future__ import annotations

from rollout.plan import load_plan
from sim.report import monte_carlo_json
from sim.runner import monte_carlo, seeds
from sim.scenario import load_scenario


def test_demo_plan_catches_three_percent_errors_and_passes_a_over_a():
    plan = load_plan("plans/demo.yml")
    faulty = monte_carlo_json(monte_carlo(plan, load_scenario("plans/scenarios/y-errors-3pct.yml", plan), runs=100, seed=11))
    healthy = monte_carlo_json(monte_carlo(plan, load_scenario("plans/scenarios/aa.yml", plan), runs=100, seed=12))
    assert faulty["runs"] == healthy["runs"] == 100
    assert faulty["outcomes"]["rolled_back"] >= 99
    assert faulty["p_detect"] >= 0.99 and faulty["bad_requests"]["mean"] > 0
    assert healthy["outcomes"]["completed"] >= 99
    assert healthy["bad_requests"]["mean"] == 0


def test_replications_do_not_depend_on_the_number_of_processes():
    plan = load_plan("plans/scenarios/../demo.yml")
    world = load_scenario("plans/scenarios/y-errors-3pct.yml", plan)
    one = monte_carlo(plan, world, runs=4, seed=3, processes=1)
    two = monte_carlo(plan, world, runs=4, seed=3, processes=2)
    assert [(r.total, r.failed, r.detection) for r in one] == [(r.total, r.failed, r.detection) for r in two]
    assert [s.entropy for s in seeds(3, 4)] == [3, 4, 5, 6]  # run i of base seed s is seed s + i (sim.runner.run_seed)
