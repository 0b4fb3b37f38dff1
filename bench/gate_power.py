"""The error-rate gates against the statistical limit: requests to detect, detection probability,
false-rollback rate, beside Wald's SPRT expected sample number (issue 10, item 7).

The grid: base error rate 0.05%; Y regressions +0.5, +1, +2, +5 points; Y's share 5% and 25%;
500 and 5,000 rps; and healthy A/A. Windows are drawn from Poisson request counts and binomial
error counts and fed to the engine's own gates (rollout.tally.Tally, as the engine records a
WindowJudged), with the error budget of a plan shaped like plans/demo.yml (steps 5/25/50/100,
three Y nodes, false_rollback_rate 0.01: each sequential test at alpha 0.000625 in the first
step, 0.000208 in the others).

- **Regressions** (one step at the share): windows of 5 requests on Y in every case (the step's
  share of 100 requests at 5%, of 20 at 25%: 0.2 s and 0.04 s at 500 rps), so the window's
  granularity is small against the test's own sample size (at most 1/8 of the smallest SPRT
  expected sample, 40 requests: the gate decides only at a window's end), ``min_requests: 1``.
  Not smaller: the split test weighs each window's errors by that window's traffic split, and in
  windows of one or two Y requests the split itself is noise (1 Y request a window: +5 points at
  5% took 89 Y requests, against 82 with 5); played until the gates roll back or Y served 10x the SPRT's
  expected sample. 5% is the demo's first step (no X history); 25% its second, after the first
  step's 2 minutes of X traffic at 95% (X's history, from which the step bounds X's rate). "Y req" is the mean requests on Y until the rollback (the whole last window
  counted); the SPRT columns are the expected sample number of Wald's SPRT for Y's known base
  rate against base + regression at the step's alpha and the measured miss rate (a bound no test
  that must learn X's rate from X's traffic can beat): played (``sprt_simulated``, 20,000 runs,
  with the overshoot over the boundary that discrete errors make) and by Wald's formula (which
  ignores the overshoot, so it is 12-26% lower here than the SPRT achieves).
- **A/A**: the whole demo rollout (5% 2m, 25% 3m, 50% 5m, 100% 10m, watch 10m) in the plan's
  60 s windows, both pools at the base rate, one tally for the run (X's history carries from
  step to step): the share of rollouts the gates roll back or hold.

    python3 bench/gate_power.py [--json] [--reps 300] [--aa-reps 2000] [--seed 10]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

import numpy as np
from scipy.stats import entropy

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from rollout import events as ev  # noqa: E402
from rollout.evidence import Budget  # noqa: E402
from rollout.observations import PoolWindow  # noqa: E402
from rollout.plan import load_plan  # noqa: E402
from rollout.tally import Tally  # noqa: E402

PLAN = """
turnout: 1
name: gate power
mode: dbless
pools:
  x: {version: "3.4.3", nodes: [{name: x1}, {name: x2}, {name: x3}]}
  y: {version: "3.9.1", nodes: [{name: y1}, {name: y2}, {name: y3}]}
load_balancer: {type: sim}
steps:
  - {y: 5, bake: 2m}
  - {y: 25, bake: 3m}
  - {y: 50, bake: 5m}
  - {y: 100, bake: 10m}
finish: {decommission_x: true, watch: 10m}
"""
BASE = 0.0005
REGRESSIONS = (0.005, 0.01, 0.02, 0.05)
SHARES = (0.05, 0.25)
RPS = (500, 5000)
WINDOW_Y_REQUESTS = 5  # per window on Y, in every case: the regressions' resolution
LATENCY = {"p50_ms": 10.0, "p99_ms": 50.0}


def sprt_asn(p0: float, p1: float, alpha: float, beta: float) -> float:
    """Wald's expected sample number under H1 for Bernoulli p0 against p1 (requests on Y)."""
    a, b = math.log((1 - beta) / alpha), math.log(beta / (1 - alpha))
    return ((1 - beta) * a + beta * b) / entropy([p1, 1 - p1], [p0, 1 - p0])


def sprt_simulated(p0: float, p1: float, alpha: float, beta: float, rng: np.random.Generator, runs: int = 20000) -> float:
    """The same SPRT's expected sample number under H1, played (requests on Y): Wald's formula takes the
    log likelihood ratio to stop exactly on its boundary, but each error jumps it by ln(p1/p0) (2.4 nats
    at +0.5 points, 4.6 at +5, against a boundary of about 7.4), so the SPRT overshoots and its real
    expected sample is 12-26% above the formula's. Played error by error: the gaps between errors are
    geometric, the ratio falls by ln((1-p0)/(1-p1)) per request in a gap and may cross the lower boundary there."""
    up, down = math.log(p1 / p0), math.log((1 - p0) / (1 - p1))
    upper, lower = math.log((1 - beta) / alpha), math.log(beta / (1 - alpha))
    llr, used, alive = np.zeros(runs), np.zeros(runs), np.ones(runs, bool)
    while alive.any():
        idx = np.flatnonzero(alive)
        gap = rng.geometric(p1, idx.size) - 1  # requests without an error before the next error
        room = np.floor((llr[idx] - lower) / down) + 1  # such requests that take the ratio to the lower boundary
        accepts = gap >= room
        used[idx[accepts]] += room[accepts]
        alive[idx[accepts]] = False
        rest = idx[~accepts]
        used[rest] += gap[~accepts] + 1
        llr[rest] += up - down * gap[~accepts]
        alive[rest[llr[rest] >= upper]] = False
    return float(used.mean())


def windows(rng: np.random.Generator, rate: float, share: float, seconds: float, y_rate: float):
    """One window's X and Y counts, traffic Poisson, errors binomial."""
    x_n, y_n = rng.poisson(rate * (1 - share) * seconds), rng.poisson(rate * share * seconds)
    return (PoolWindow(int(x_n), int(rng.binomial(x_n, BASE)), LATENCY),
            PoolWindow(int(y_n), int(rng.binomial(y_n, y_rate)), LATENCY))


def regression_case(plan, budget, reg: float, share: float, rps: int, reps: int, rng) -> dict:
    """One step at ``share`` as the demo plan has it: 5% is its first step (no X history); 25% its
    second, after the first step's 2 minutes of X traffic at 95% (a healthy Y, played as one draw)."""
    step = next(i for i, s in enumerate(plan.steps) if s.y == round(share * 100))
    alpha = budget.level(step)
    horizon = 10 * sprt_asn(BASE, BASE + reg, alpha, 0.05)
    gates = plan.gates.model_copy(update={"window": WINDOW_Y_REQUESTS / (rps * share), "min_requests": 1})
    seconds = gates.window
    used, found = [], 0
    for _ in range(reps):
        tally, y_seen, t = Tally(gates, budget), 0, 0.0
        tally.x_run = _x_history(rng, plan, step, rps)
        tally.new_step(step)
        while y_seen < horizon:
            x, y = windows(rng, rps, share, seconds, BASE + reg)
            tally.record(ev.WindowJudged(t + seconds, t, x, y))
            t, y_seen = t + seconds, y_seen + y.requests
            if tally.tripped:
                found += 1
                used.append(y_seen)
                break
    power = found / reps
    sprt = sprt_asn(BASE, BASE + reg, alpha, max(1 - power, 1e-3))
    played = sprt_simulated(BASE, BASE + reg, alpha, max(1 - power, 1e-3), rng)
    mean = float(np.mean(used)) if used else float("nan")
    return {"case": f"+{reg * 100:g} pt", "share": share, "rps": rps, "window_s": seconds, "step": step + 1,
            "x_history": tally.x_before[0], "alpha": alpha,
            "y_per_window": rps * share * seconds, "mean_y_requests": round(mean), "sprt_y_requests": round(sprt),
            "ratio": round(mean / sprt, 2), "sprt_played_y_requests": round(played), "ratio_played": round(mean / played, 2), "detection": power, "seconds": round(mean / (rps * share), 2), "reps": reps}


def _x_history(rng, plan, step: int, rps: int) -> tuple[int, int]:
    """X's requests and errors over the plan's steps before ``step`` (their whole bakes, healthy Y)."""
    requests = int(rng.poisson(sum(rps * (1 - s.y / 100) * s.bake for s in plan.steps[:step])))
    return requests, int(rng.binomial(requests, BASE))


def aa_rollout(plan, budget, rps: int, reps: int, rng) -> dict:
    """Healthy Y through the whole rollout in the plan's windows: rolled back or held counts against it.
    One tally for the run, a new step at each step (X's history carries over), the watch continues the last."""
    gates, stopped = plan.gates, 0
    stages = [(i, s.y / 100, s.bake) for i, s in enumerate(plan.steps)] + [(None, 1.0, plan.finish.watch)]
    for _ in range(reps):
        tally = Tally(gates, budget)
        for index, share, bake in stages:
            if index is not None:
                tally.new_step(index)
            if any(_tripped(tally, rng, rps, share, gates.window, i) for i in range(max(1, math.ceil(bake / gates.window)))):
                stopped += 1
                break
    return {"case": "A/A rollout", "rps": rps, "window_s": gates.window, "false_rollback": stopped / reps,
            "claimed": gates.false_rollback_rate, "reps": reps}


def _tripped(tally: Tally, rng, rps: int, share: float, seconds: float, i: int) -> bool:
    x, y = windows(rng, rps, share, seconds, BASE)
    tally.record(ev.WindowJudged((i + 1) * seconds, i * seconds, x, y))
    return tally.tripped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--reps", type=int, default=300, help="replications per regression case")
    parser.add_argument("--aa-reps", type=int, default=2000, help="healthy rollouts per rate")
    parser.add_argument("--seed", type=int, default=10)
    args = parser.parse_args(argv)
    plan = load_plan("gate_power.yml", PLAN)
    budget = Budget.of(plan)
    streams = iter(np.random.SeedSequence(args.seed).spawn(64))
    began = time.perf_counter()
    rows = [regression_case(plan, budget, reg, share, rps, args.reps, np.random.default_rng(next(streams)))
            for reg in REGRESSIONS for share in SHARES for rps in RPS]
    aa = [aa_rollout(plan, budget, rps, args.aa_reps, np.random.default_rng(next(streams))) for rps in RPS]
    report = {"base_error_rate": BASE, "alpha_first_step": budget.level(0), "alpha_sequential": budget.sequential,
              "alpha_window": budget.window,
              "regressions": rows, "aa": aa, "wall_s": round(time.perf_counter() - began, 1)}
    print(json.dumps(report, indent=2) if args.json else table(report))
    return 0


def table(report: dict) -> str:
    lines = [f"base {report['base_error_rate']:.2%}; sequential alpha {report['alpha_first_step']:.3g} per test in the first "
             f"step, {report['alpha_sequential']:.3g} in the others; window alpha {report['alpha_window']:.3g}",
             "| case | Y share (step) | rps | X history | window | Y req/window | mean Y req to detect | SPRT E[N] played | ratio | "
             "SPRT E[N] Wald's formula | ratio | detection | seconds |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in report["regressions"]:
        lines.append(f"| {r['case']} | {r['share']:.0%} ({r['step']}) | {r['rps']} | {r['x_history']} | {r['window_s']:g} s | {r['y_per_window']:g} | "
                     f"{r['mean_y_requests']} | {r['sprt_played_y_requests']} | {r['ratio_played']} | {r['sprt_y_requests']} | {r['ratio']} | "
                     f"{r['detection']:.3f} | {r['seconds']} |")
    lines += ["", "| case | rps | window | false rollbacks (rolled back or held) | claimed | runs |", "|---|---|---|---|---|---|"]
    for a in report["aa"]:
        lines.append(f"| {a['case']} | {a['rps']} | {a['window_s']:g} s | {a['false_rollback']:.4f} | {a['claimed']} | {a['reps']} |")
    lines.append(f"\nwall {report['wall_s']} s")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
