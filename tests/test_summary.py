"""``turnout run --json`` and ``turnout rehearse --json`` print the same object, with the keys the issues name."""

from rollout import events as ev
from rollout.engine import Engine
from rollout.summary import summarize
from sim.report import run_json
from sim.runner import run_one
from rollout.plan import load_plan

from .engine_support import BAD, plan, run_world

KEYS = {"outcome", "sim_duration_s", "requests", "detection", "final_weights", "timeline"}


def test_live_summary_and_rehearsal_report_share_their_keys():
    engine = Engine(plan())
    run_world(engine, [ev.RunStarted(100.0, "test plan")], y_window=BAD)
    live = summarize(engine)
    rehearsal = run_json(run_one(load_plan("plans/demo.yml"), seed=1))
    assert set(live) == set(rehearsal) == KEYS
    assert set(live["requests"]) == set(rehearsal["requests"]) == {"total", "failed", "failed_on_y"}
    assert set(live["timeline"][0]) == set(rehearsal["timeline"][0]) == {"at_s", "phase", "y_percent", "event"}
    assert live["outcome"] == "rolled_back" and live["final_weights"] == {"x": 100, "y": 0}
    assert live["detection"]["gate"] == "error_rate" and live["detection"]["y_percent"] == 10
    assert live["timeline"][0]["at_s"] == 0.0  # relative to the start of the run
