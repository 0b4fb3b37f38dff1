"""What ``turnout tune`` tells the operator: baseline and recommended side by side, and the JSON.

The JSON has ``baseline`` and ``recommended`` (null when no candidate met the budgets), each with
``blast_radius`` (failed and slow requests in the fault world: {mean, p50, p95, max}),
``false_rollback`` ({count, runs, rate, ci} in the healthy world), ``p_detect`` ({rate, ci} in
the fault world) and ``duration_s`` ({p50, p95} in the healthy world); the recommended one also
has its ``steps`` [{y, bake_s, approve}] and ``gates`` (the tuned keys). Beside them: ``budgets``,
``seed``, ``runs`` (rehearsals in all), ``candidates`` and ``rungs``. Pure functions over
measured candidates; sim/tune.py measures them.
"""

from __future__ import annotations

import numpy as np

from rollout.durations import format_duration
from rollout.plan import Plan

from . import card
from .tune import Budgets, Measured, TuneResult


def summary(m: Measured) -> dict:
    detected = sum(1 for r in m.fault if r.detection is not None)
    durations = [r.sim_duration_s for r in m.healthy]
    return {
        "blast_radius": card.blast_radius(m.fault),
        "false_rollback": {"count": m.false_rollbacks(), "runs": len(m.healthy),
                           "rate": round(m.false_rollbacks() / len(m.healthy), 4), "ci": m.false_rollback_ci()},
        "p_detect": {"rate": round(detected / len(m.fault), 4), "ci": card.wilson(detected, len(m.fault))},
        "duration_s": {"p50": round(float(np.quantile(durations, 0.5)), 1),
                       "p95": round(float(np.quantile(durations, 0.95)), 1)},
    }


def plan_keys(plan: Plan) -> dict:
    """The steps and gates of a (tuned) plan, as the JSON carries them."""
    g = plan.gates
    return {
        "steps": [{"y": s.y, "bake_s": s.bake, "approve": s.approve} for s in plan.steps],
        "gates": {"window_s": g.window, "min_requests": g.min_requests, "failures_to_rollback": g.failures_to_rollback,
                  "false_rollback_rate": g.false_rollback_rate, "per_node": g.per_node,
                  "error_rate": {"max_delta_vs_x": g.error_rate.max_delta_vs_x}},
    }


def tune_json(result: TuneResult, tuned: Plan | None, budgets: Budgets, seed: int, candidates: int) -> dict:
    recommended = None
    if result.recommended is not None and tuned is not None:
        recommended = {**summary(result.recommended), **plan_keys(tuned)}
    return {"baseline": summary(result.baseline), "recommended": recommended,
            "budgets": {"max_false_rollback": budgets.max_false_rollback, "max_duration_s": budgets.max_duration_s},
            "seed": seed, "runs": result.runs, "candidates": candidates, "rungs": result.rungs}


def tune_text(result: TuneResult, budgets: Budgets) -> str:
    """Two columns, one row per measure; then the recommended steps and gates, or why none."""
    base = summary(result.baseline)
    rec = summary(result.recommended) if result.recommended is not None else None
    rows = [("failed requests on a bad Y (mean)", lambda s: f"{s['blast_radius']['failed']['mean']:.0f}"),
            ("failed requests on a bad Y (p95)", lambda s: f"{s['blast_radius']['failed']['p95']:.0f}"),
            ("p_detect", lambda s: f"{s['p_detect']['rate']:.1%}{card.percent_ci(s['p_detect']['ci'])}"),
            ("false rollbacks", lambda s: f"{s['false_rollback']['count']}/{s['false_rollback']['runs']}"
                                          f"{card.percent_ci(s['false_rollback']['ci'])}"),
            ("duration (p50)", lambda s: format_duration(s["duration_s"]["p50"]))]
    width = max(len(r[0]) for r in rows)
    lines = [f"{'':{width}}  {'baseline':<28}  recommended"]
    for label, cell in rows:
        lines.append(f"{label:{width}}  {cell(base):<28}  {cell(rec) if rec else '-'}")
    lines.append("")
    lines.append(f"baseline:    {result.baseline.candidate.describe()}")
    if result.recommended is None:
        lines.append(f"recommended: none: no candidate kept false rollbacks under {budgets.max_false_rollback:.1%} "
                     f"(upper 95% bound) and the p50 duration under {format_duration(budgets.max_duration_s)}")
    else:
        lines.append(f"recommended: {result.recommended.candidate.describe()}")
    lines.append(f"{result.runs} rehearsals over {len(result.rungs)} rungs "
                 + ", ".join(f"{r['candidates']} x {r['fault_runs']}+{r['healthy_runs']}" for r in result.rungs))
    return "\n".join(lines)
