"""The report card's evidence: intervals, false rollbacks, blast radius, detection steps, provenance.

A change board cannot trust "p_detect 97%" without knowing over how many runs (the 95%
Wilson interval, from scipy's ``binomtest``), of which plan and scenario file (their sha256),
from which seed (so anyone can replay run i with ``--seed SEED+i``), and at what cost (the
blast radius: requests failed beyond the base error rate, and requests slower than the
scenario's SLO). In a scenario without faults every rollback or hold is of a healthy Y: it is
counted as a false rollback, not as a detection. Pure functions over run records
(sim/report.py ``RunRecord``, not imported: report imports this); sim/report.py puts them into
the Monte Carlo JSON and its text.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import platform

import numpy as np
from scipy.stats import binomtest

from rollout.i18n import _

CONFIDENCE = 0.95
STOPPED = ("rolled_back", "halted")  # what a healthy Y should never meet: a rollback or a hold


def wilson(hits: int, runs: int) -> list[float] | None:
    """The 95% Wilson score interval of ``hits`` out of ``runs``, or None without runs."""
    if runs <= 0:
        return None
    ci = binomtest(hits, runs).proportion_ci(confidence_level=CONFIDENCE, method="wilson")
    return [round(float(ci.low), 4), round(float(ci.high), 4)]


def spread(values: list[float]) -> dict:
    """{mean, p50, p95, max} of per-run counts (None each without runs)."""
    if not values:
        return {"mean": None, "p50": None, "p95": None, "max": None}
    arr = np.asarray(values, dtype=float)
    return {"mean": round(float(arr.mean()), 2), "p50": round(float(np.quantile(arr, 0.5)), 2),
            "p95": round(float(np.quantile(arr, 0.95)), 2), "max": round(float(arr.max()), 2)}


def blast_radius(records: list) -> dict:
    """Failed: beyond the nodes' base error rate (X and Y); slow: served over the SLO (X and Y)."""
    return {"failed": spread([r.bad for r in records]), "slow": spread([r.slow for r in records])}


def false_rollback(records: list) -> dict | None:
    """Runs of a fault-free scenario that rolled back or held; None when the scenario has faults."""
    if not records or any(r.onset_s is not None for r in records):
        return None
    count = sum(1 for r in records if r.outcome in STOPPED)
    return {"count": count, "rate": round(count / len(records), 4), "ci": wilson(count, len(records))}


def detection_steps(records: list, steps: tuple[int, ...] = ()) -> dict[str, int]:
    """How many runs were caught at each share of Y ("5": 12, ...); every planned step is listed."""
    counts = {int(y): 0 for y in steps}
    for r in records:
        if r.detection is not None:
            counts[r.detection.y_percent] = counts.get(r.detection.y_percent, 0) + 1
    return {str(y): counts[y] for y in sorted(counts)}


def drawn(records: list) -> list[dict]:
    """Per run (in run order): its seed and the fault values drawn for it (empty: nothing ranged)."""
    return [{"run": i, "seed": r.seed, "faults": list(r.drawn)} for i, r in enumerate(records)]


def file_sha256(path: str | None) -> str | None:
    if path is None:
        return None
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def provenance(plan_name: str, plan_path: str | None, scenario_name: str, scenario_path: str | None, seed: int) -> dict:
    """What the card is of: plan and scenario (a built-in scenario has no file: sha256 null), base seed, versions."""
    return {
        "plan": {"name": plan_name, "sha256": file_sha256(plan_path)},
        "scenario": {"name": scenario_name, "sha256": file_sha256(scenario_path)},
        "seed": int(seed),
        "versions": {"turnout": importlib.metadata.version("turnout"), "python": platform.python_version()},
    }


def percent_ci(ci: list[float] | None) -> str:
    return "" if ci is None else _(" (95% CI {low}-{high})").format(low=f"{ci[0]:.1%}", high=f"{ci[1]:.1%}")
