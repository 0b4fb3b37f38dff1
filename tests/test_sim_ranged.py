"""Ranged faults and the report card's evidence (issue 11): a ranged scenario spreads its runs
over nodes, rates and minutes, says per run what it drew, and a single ``--seed N`` rehearsal
replays run N of the Monte Carlo exactly; p_detect sits in its Wilson interval; a healthy
world reports false rollbacks; slow requests are counted over the SLO in both modes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rollout.errors import PlanError
from rollout.plan import load_plan
from sim.report import monte_carlo_json
from sim.runner import monte_carlo, run_one
from sim.scenario import load_scenario
from tui.cli import main

RANGED = "plans/scenarios/error_rate_ranged.yml"
KEYS = {"runs", "outcomes", "p_detect", "time_to_detect_s", "bad_requests", "duration_s", "plan", "scenario", "seed",
        "versions", "p_detect_ci", "false_rollback", "blast_radius", "detection_step", "drawn"}


@pytest.fixture(scope="module")
def plan():
    return load_plan("plans/demo.yml")


@pytest.fixture(scope="module")
def ranged_card(plan):
    records = monte_carlo(plan, load_scenario(RANGED, plan), runs=300, seed=1000)
    return records, monte_carlo_json(records, None, tuple(s.y for s in plan.steps))


def test_a_ranged_scenario_spreads_detection_over_minutes(ranged_card):
    records, card = ranged_card
    caught = [r.detection.at_s for r in records if r.detection is not None]
    assert len(caught) > 250
    assert np.quantile(caught, 0.95) - np.quantile(caught, 0.05) >= 120.0
    assert len({r.time_to_detect_s for r in records if r.detection is not None}) > 20


def test_every_run_says_what_it_drew_within_the_ranges(ranged_card):
    records, card = ranged_card
    assert [d["run"] for d in card["drawn"]] == list(range(300)) and [d["seed"] for d in card["drawn"]] == list(range(1000, 1300))
    faults = [d["faults"][0] for d in card["drawn"]]
    assert {f["node"] for f in faults} == {"y1", "y2", "y3"}
    assert all(0.02 <= f["rate"] <= 0.12 and 60.0 <= f["from"] <= 1200.0 for f in faults)
    assert np.std([f["from"] for f in faults]) > 200  # spread over the range, not one minute
    assert all(r.onset_s == f["from"] or abs(r.onset_s - f["from"]) < 1e-5 for r, f in zip(records, faults))


def test_p_detect_lies_inside_its_wilson_interval_and_steps_add_up(ranged_card):
    records, card = ranged_card
    low, high = card["p_detect_ci"]
    assert 0.0 <= low <= card["p_detect"] <= high <= 1.0 and high - low < 0.1
    assert card["false_rollback"] is None  # the scenario has faults: its stops are detections
    caught = sum(1 for r in records if r.detection is not None)
    assert sum(card["detection_step"].values()) == caught and {"5", "25", "50", "100"} <= set(card["detection_step"])
    failed = card["blast_radius"]["failed"]
    assert 0 < failed["p50"] <= failed["p95"] <= failed["max"] and failed["mean"] == card["bad_requests"]["mean"]


def test_a_single_seeded_rehearsal_replays_run_n_of_the_monte_carlo(plan, capsys):
    scenario = load_scenario(RANGED, plan)
    runs = monte_carlo(plan, scenario, runs=6, seed=40, processes=2)
    assert main(["rehearse", "plans/demo.yml", "--scenario", RANGED, "--json", "--seed", "44"]) in (0, 1)
    one = json.loads(capsys.readouterr().out)
    fifth = runs[4]
    assert fifth.seed == 44 and one["outcome"] == fifth.outcome
    assert one["detection"] == {"gate": fifth.detection.gate, "at_s": round(fifth.detection.at_s, 3),
                                "y_percent": fifth.detection.y_percent}
    assert one["requests"]["failed"] == fifth.failed and one["requests"]["total"] == fifth.total
    assert run_one(plan, scenario, seed=44).drawn == fifth.drawn
    main(["rehearse", "plans/demo.yml", "--scenario", RANGED, "--headless", "--seed", "44"])
    text = capsys.readouterr().out
    drawn = fifth.drawn[0]
    assert f"drawn: fault 0 error_rate: node {drawn['node']}, rate {drawn['rate']:g}, from " in text and "seed: 44" in text
    assert len({json.dumps(r.drawn) for r in runs}) == 6  # each run its own fault


def test_a_healthy_world_reports_false_rollbacks_with_an_interval(capsys):
    code = main(["rehearse", "plans/demo.yml", "--scenario", "plans/scenarios/aa.yml", "--runs", "30", "--seed", "7"])
    text = capsys.readouterr().out
    assert "false rollbacks (a healthy Y rolled back or held):" in text and "95% CI" in text and "(seed 7)" in text
    assert "p_detect" not in text
    main(["rehearse", "plans/demo.yml", "--scenario", "plans/scenarios/aa.yml", "--runs", "30", "--seed", "7", "--json"])
    card = json.loads(capsys.readouterr().out)
    assert set(card) == KEYS and code in (0, 1)
    false = card["false_rollback"]
    assert false["count"] == card["outcomes"]["rolled_back"] + card["outcomes"]["halted"]
    assert false["ci"][0] <= false["rate"] <= false["ci"][1] and false["ci"][1] > 0
    assert card["scenario"]["sha256"] and len(card["plan"]["sha256"]) == 64 and card["seed"] == 7


def test_ranges_are_validated_like_every_value(plan, tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("faults:\n"
                   "  - {kind: error_rate, rate: {between: [0.2, 0.1]}}\n"
                   "  - {kind: latency, factor: {between: [0, 2]}, from: {between: [1m, 2x]}}\n"
                   "  - {kind: error_rate, rate: {betwen: [0.1, 0.2]}}\n"
                   "  - {kind: error_rate, rate: {between: [0.5, 1.5]}}\n")
    with pytest.raises(PlanError) as exc:
        load_scenario(str(bad), plan)
    problems = [str(p) for p in exc.value.problems]
    assert f"{bad}:2: faults.0.rate: the low bound (0.2) is above the high bound (0.1)" in problems
    assert f"{bad}:3: faults.1.factor.between.0: input should be greater than 0 (got 0)" in problems
    assert any(p.startswith(f"{bad}:3: faults.1.from.between.1: unparsable duration") for p in problems)
    assert f"{bad}:4: faults.2.rate.betwen: unknown key" in problems
    assert f"{bad}:5: faults.3.rate.between.1: input should be less than or equal to 1 (got 1.5)" in problems
    ghost = tmp_path / "ghost.yml"
    ghost.write_text("faults:\n  - {kind: crash, node: {one_of: [y1, y9]}}\n")
    with pytest.raises(PlanError) as exc:
        load_scenario(str(ghost), plan)
    assert any("faults.0.node: no node 'y9'" in str(p) for p in exc.value.problems)


@pytest.mark.parametrize("exact", [False, True])
def test_slow_requests_are_counted_over_the_slo_in_both_modes(plan, tmp_path, exact):
    slow = tmp_path / "slow.yml"
    slow.write_text("name: y slow\ntraffic: {rps: 300}\nslo_ms: 40\nnodes: {latency_ms: {p50: 15, p99: 90}}\n"
                    "faults:\n  - {kind: latency, pool: y, factor: 3, from: 1m}\n")
    rec = run_one(plan, load_scenario(str(slow), plan), seed=2, exact=exact, keep_timeline=False)
    assert rec.slo_ms == 40.0 and 0 < rec.slow_on_y < rec.slow
    # healthy X: P(lognormal(p50 15, p99 90) > 40 ms) is about 11%
    x_share = (rec.slow - rec.slow_on_y) / (rec.total - rec.failed)
    assert 0.05 < x_share < 0.2


def _stderr_on_a_terminal(args: list[str]) -> tuple[int, str, str]:
    """Run the CLI with stdout a pipe and stderr a pseudo-terminal (as an operator's shell); the
    terminal is read while the command runs, since a full terminal buffer would block its writes."""
    import os
    import pty
    import subprocess
    import sys
    import threading

    master, slave = pty.openpty()
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the terminal's other end is closed: everything was read
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    proc = subprocess.run([sys.executable, "-m", "tui.cli", *args], stdout=subprocess.PIPE, stderr=slave, timeout=300)
    os.close(slave)
    reader.join(10)
    os.close(master)
    return proc.returncode, proc.stdout.decode(), b"".join(chunks).decode(errors="replace")


def test_a_monte_carlo_shows_progress_on_a_terminal_and_none_under_json():
    code, out, err = _stderr_on_a_terminal(["rehearse", "plans/demo.yml", "--runs", "12"])
    assert code == 0 and out.startswith("report card of") and "\x1b" not in out
    assert "12/12" in err and "runs/s" in err and "left" in err
    code, out, err = _stderr_on_a_terminal(["rehearse", "plans/demo.yml", "--runs", "12", "--json"])
    assert json.loads(out)["runs"] == 12 and err == ""


def test_no_progress_when_stderr_is_not_a_terminal(capsys):
    assert main(["rehearse", "plans/demo.yml", "--runs", "3"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and "over 3 runs" in captured.out


def test_a_long_exact_rehearsal_shows_simulated_time_on_a_terminal(tmp_path):
    small = tmp_path / "small.yml"
    small.write_text("name: small\ntraffic: {rps: 100}\n")
    code, out, err = _stderr_on_a_terminal(["rehearse", "plans/demo.yml", "--scenario", str(small), "--exact", "--headless"])
    assert code == 0 and "outcome: completed" in out and "\x1b" not in out
    assert "(exact)" in err and "sim s/s" in err


def test_watching_a_rehearsal_in_slices_does_not_change_it(plan):
    from sim.session import Rehearsal

    scenario = load_scenario(RANGED, plan)
    seen: list[float] = []
    watched = Rehearsal(plan, scenario, seed=12).run_to_end(seen.append, slice_s=7.0)
    alone = Rehearsal(plan, scenario, seed=12).run_to_end()
    assert len(seen) > 10 and seen == sorted(seen)
    assert (watched.outcome, watched.detection, watched.total, watched.failed, watched.slow, watched.drawn) == \
        (alone.outcome, alone.detection, alone.total, alone.failed, alone.slow, alone.drawn)
    assert [(e.at_s, e.event) for e in watched.timeline] == [(e.at_s, e.event) for e in alone.timeline]
