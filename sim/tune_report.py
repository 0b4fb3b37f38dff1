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
from rich.cells import cell_len

from rollout.durations import format_duration
from rollout.i18n import _, ngettext, pgettext
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
    """Two columns, one row per measure; then the recommended steps and gates, or why none.

    Said in the reader's language when it is printed (the JSON above is the record), padded by
    display width: a Japanese character takes two cells. A candidate's steps and gates are plan
    keys and values, the same in every language."""
    base = summary(result.baseline)
    rec = summary(result.recommended) if result.recommended is not None else None
    rows = [(_("failed requests on a bad Y (mean)"), lambda s: f"{s['blast_radius']['failed']['mean']:.0f}"),
            (_("failed requests on a bad Y (p95)"), lambda s: f"{s['blast_radius']['failed']['p95']:.0f}"),
            (_("p_detect"), lambda s: f"{s['p_detect']['rate']:.1%}{card.percent_ci(s['p_detect']['ci'])}"),
            (_("false rollbacks"), lambda s: f"{s['false_rollback']['count']}/{s['false_rollback']['runs']}"
                                             f"{card.percent_ci(s['false_rollback']['ci'])}"),
            (pgettext("tune table: a row", "duration (p50)"), lambda s: format_duration(s["duration_s"]["p50"]))]
    head = (pgettext("tune table: a column", "baseline"), pgettext("tune table: a column", "recommended"))
    width = max(cell_len(label) for label, _cell in rows)
    column = max([28, cell_len(head[0])] + [cell_len(cell(base)) for _label, cell in rows])
    lines = [f"{_pad('', width)}  {_pad(head[0], column)}  {head[1]}"]
    for label, cell in rows:
        lines.append(f"{_pad(label, width)}  {_pad(cell(base), column)}  {cell(rec) if rec else '-'}")
    return "\n".join(lines + [""] + _outcome(result, budgets))


def _outcome(result: TuneResult, budgets: Budgets) -> list[str]:
    """The baseline's and the recommendation's steps and gates (or why none), and the rungs run."""
    labels = (pgettext("tune report: a line's label", "baseline:"),
              pgettext("tune report: a line's label", "recommended:"))
    width = max(cell_len(label) for label in labels)
    lines = [f"{_pad(labels[0], width)} {result.baseline.candidate.describe()}"]
    if result.recommended is None:
        why = _("none: no candidate kept false rollbacks under {rate} (upper 95% bound) and the p50 duration under "
                "{duration}").format(rate=f"{budgets.max_false_rollback:.1%}",
                                     duration=format_duration(budgets.max_duration_s))
        lines.append(f"{_pad(labels[1], width)} {why}")
    else:
        lines.append(f"{_pad(labels[1], width)} {result.recommended.candidate.describe()}")
    schedule = ", ".join(f"{r['candidates']} x {r['fault_runs']}+{r['healthy_runs']}" for r in result.rungs)
    lines.append(ngettext("{runs} rehearsals over {count} rung: {schedule}",
                          "{runs} rehearsals over {count} rungs: {schedule}", len(result.rungs)).format(
        runs=result.runs, count=len(result.rungs), schedule=schedule))
    return lines


def _pad(text: str, width: int) -> str:
    """``text`` followed by spaces up to ``width`` cells."""
    return text + " " * max(0, width - cell_len(text))
