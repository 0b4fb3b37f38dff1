"""Fast mode (batched ticks, fluid queues, drawn quantiles) agrees with exact mode (one SimPy
process per request) on the same scenario. The simulated world only; no server is started.

Tolerances, stated: request counts within 3%; failed requests within 20% (a few hundred
Poisson-distributed failures per run); the Y windows' mean p50 within 5% and mean p99 within
10%; the fault is detected in the same or the next 10 s window.
"""

from __future__ import annotations

import numpy as np

from sim.session import Rehearsal

from .sim_support import SMALL_PLAN, scenario, small_plan

LENIENT = SMALL_PLAN.replace(
    "gates: {window: 10s, min_requests: 50, failures_to_rollback: 2}",
    "gates: {window: 10s, min_requests: 50, failures_to_rollback: 2, latency_p99_ms: {max: 5000, max_ratio_vs_x: 3.0},"
    " error_rate: {max: 0.05, max_delta_vs_x: 0.03}}")
WORLD = "traffic: {rps: 400}\nnodes: {capacity_rps: 300, latency_ms: {p50: 20, p99: 120}, error_rate: 0.01}\n"


def _figures(plan, world, exact: bool, seeds=(1, 2)) -> dict:
    runs = []
    for seed in seeds:
        session = Rehearsal(plan, world, seed=seed, exact=exact)
        record = session.run_to_end()
        windows = [v for v in session.engine.verdicts if v.y.requests]
        runs.append((record, np.mean([w.y.stats["p50_ms"] for w in windows]), np.mean([w.y.stats["p99_ms"] for w in windows])))
    return {
        "outcomes": [r.outcome for r, _, _ in runs],
        "total": np.mean([r.total for r, _, _ in runs]),
        "failed": np.mean([r.failed for r, _, _ in runs]),
        "p50": np.mean([p for _, p, _ in runs]),
        "p99": np.mean([p for _, _, p in runs]),
        "detected": [r.detection.at_s if r.detection else None for r, _, _ in runs],
    }


def test_fast_and_exact_agree_on_counts_and_latency(tmp_path):
    plan = small_plan(tmp_path, LENIENT)
    world = scenario(tmp_path, WORLD + "faults:\n  - {kind: latency, pool: y, factor: 1.15}\n", plan)
    fast, exact = _figures(plan, world, False), _figures(plan, world, True)
    assert fast["outcomes"] == exact["outcomes"] == ["completed", "completed"]
    assert abs(fast["total"] - exact["total"]) <= 0.03 * exact["total"]
    assert abs(fast["failed"] - exact["failed"]) <= 0.20 * exact["failed"]
    assert abs(fast["p50"] - exact["p50"]) <= 0.05 * exact["p50"]
    assert abs(fast["p99"] - exact["p99"]) <= 0.10 * exact["p99"]


def test_fast_and_exact_detect_a_fault_in_the_same_window(tmp_path):
    plan = small_plan(tmp_path, LENIENT)
    world = scenario(tmp_path, WORLD + "faults:\n  - {kind: error_rate, pool: y, rate: 0.2, from: 45s}\n", plan)
    fast, exact = _figures(plan, world, False, seeds=(3,)), _figures(plan, world, True, seeds=(3,))
    assert fast["outcomes"] == exact["outcomes"] == ["rolled_back"]
    assert None not in fast["detected"] + exact["detected"]
    assert abs(fast["detected"][0] - exact["detected"][0]) <= 10.0
