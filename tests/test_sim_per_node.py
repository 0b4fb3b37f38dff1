"""One bad Y node of three, rehearsed 100 times: the per-node gate catches it in the first step and names it.

Issue 10: one Y node of three failing 1.5% of its requests (30x the base 0.05%, 0.5% on the pool)
must be rolled back within two windows of the first step, the verdict naming the node.
plans/demo.yml at 300 rps (plans/scenarios/one-node-errors.yml): at 5% on Y the node serves about
290 requests a 60 s window, so about 8.7 errors in the step's two windows. The node's SPRT alone
(Ville's bound, valid for any number of windows) needs about 5 of them at the first step's level
(ln(1/0.000625) = 7.4): about 90 in 100 within the step. The step's number of windows is known (a
2 minute bake in 60 s windows: two), so three quarters of the node test's level go to Fisher's
exact test on the step's counts at each of those two windows (Bonferroni: p < 0.000234 each),
which acts on 4 errors in 580 requests against X's 34,000: measured 97 of 100 in the first step
(72 in its first window), the other 3 in the first window of the 25% step, every one naming y2.
What is left is a Poisson of mean 8.7 showing 3 or fewer (about 3%), which no test at this level
can tell from a healthy node's 0.3 (bench/README.md, "One bad node").
"""

from __future__ import annotations

from collections import Counter

from rollout.plan import load_plan
from sim.runner import monte_carlo, run_one
from sim.scenario import load_scenario

DEMO = "plans/demo.yml"
ONE_NODE = "plans/scenarios/one-node-errors.yml"
RUNS = 100


def test_one_bad_node_is_rolled_back_in_the_first_step_and_named():
    plan = load_plan(DEMO)
    records = monte_carlo(plan, load_scenario(ONE_NODE, plan), runs=RUNS, seed=0, processes=1)
    assert all(r.outcome == "rolled_back" and "error_rate_node" in r.detection.gate for r in records)
    where = Counter(r.detection.y_percent for r in records)
    assert where[5] >= 95, where  # within the first step's two windows (measured: 97)
    assert all(r.detection.at_s <= 180 for r in records)  # the rest in the first window of the 25% step


def test_the_verdict_names_the_node():
    plan = load_plan(DEMO)
    record = run_one(plan, load_scenario(ONE_NODE, plan), seed=1)
    assert record.outcome == "rolled_back"
    assert any("error_rate_node fail (node y2 step" in e.event for e in record.timeline)
