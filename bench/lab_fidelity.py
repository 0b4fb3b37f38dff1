"""Rehearsal fidelity: the lab plan rehearsed in the simulated world vs the same plan in the lab.

For each drill (healthy; Y answering 5% 500s once it gets traffic) this runs the lab plan
``--lab-runs`` times for real (fresh lab each time: emulated Kong behind a real HAProxy, open-loop
load at ``--rps``) and rehearses the same plan with the lab's own scenario file
(lab.layout.scenario_text, as ``turnout lab up`` writes to ``lab/scenarios/``): single runs for the detection step and a
``--runs`` Monte Carlo for the spread. It prints the figures side by side and checks them
against the tolerances stated in TOLERANCE (exit 1 when one is outside).

    python3 bench/lab_fidelity.py [--lab-runs 3] [--rehearsal-runs 200] [--rps 600] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from rollout.plan import load_plan  # noqa: E402
from lab.layout import scenario_text  # noqa: E402
from rollout.faults import as_switches  # noqa: E402
from lab.state import LabOptions  # noqa: E402
from lab.up import down, up  # noqa: E402
from tests.lab_drill import drill, turnout_argv  # noqa: E402

DRILLS = {"healthy": None, "y-errors-5pct": 0.05}  # drill -> Y's error_rate fault (rate) once Y gets traffic
JITTER_S = 0.5  # a live window closes a few ms to a few hundred ms late (timer, HTTP calls)
TOLERANCE = (
    "outcome identical; detection at the same step (Y%); detection time (from Y's first traffic) within one "
    "gate window (+0.5 s timer jitter) of the rehearsal's p50..p95; failed requests (client side) within the rehearsal's p95 plus one gate window "
    "of Y traffic at the detection step times the fault rate (the lab also counts requests that fail "
    "while the rollback's weight change is on its way)"
)


def lab_run(rps: float, share: float | None, keep: str) -> dict:
    """One real drill in a fresh lab; its plan is kept in ``keep`` for the rehearsal (names and
    ports differ between labs, never the steps, gates or sizes)."""
    with tempfile.TemporaryDirectory(prefix="turnout-fidelity-") as tmp:
        state = up(LabOptions(dir=os.path.join(tmp, "lab"), traffic=0))
        try:
            result = asyncio.run(drill(state, rps, as_switches("error_rate", rate=share) if share else None))
            if not os.path.exists(os.path.join(keep, "plan.yml")):
                shutil.copy(state.plan, os.path.join(keep, "plan.yml"))
        finally:
            down(state.dir)
    d = result.summary.get("detection") or {}
    return {"outcome": result.summary.get("outcome"), "detect_y": d.get("y_percent"),
            "detect_at_s": None if d.get("at_s") is None else round(d["at_s"] - shift_at(result.summary), 3),
            "failed_client": result.report.failed, "failed_turnout": (result.summary.get("requests") or {}).get("failed"),
            "sent": result.report.sent, "duration_s": result.summary.get("sim_duration_s")}


def shift_at(summary: dict) -> float:
    """When Y first got traffic (s from the run's start): a live run spends a fraction of a second in
    preflight, backup and smoke that a rehearsal spends in no simulated time, so both clocks start here."""
    return min((t["at_s"] for t in summary.get("timeline", []) if t.get("y_percent")), default=0.0)


def rehearse(plan: str, scenario: str, *extra: str) -> dict:
    out = subprocess.run(turnout_argv("rehearse", plan, "--scenario", scenario, "--json", *extra),
                         capture_output=True, text=True, timeout=300)
    if not out.stdout.strip():
        raise SystemExit(f"turnout rehearse failed: {out.stderr.strip()[-400:]}")
    return json.loads(out.stdout)


def rehearsal_figures(plan: str, scenario: str, singles: int, runs: int) -> dict:
    one = [rehearse(plan, scenario, "--seed", str(i)) for i in range(singles)]
    mc = rehearse(plan, scenario, "--runs", str(runs))
    steps = [r["detection"]["y_percent"] for r in one if r.get("detection")]
    offsets = {shift_at(r) for r in one}
    assert offsets <= {0.0}, f"the rehearsal shifts at {offsets} s, not at 0: its time_to_detect needs the offset"
    return {"outcomes": mc["outcomes"], "detect_y": statistics.mode(steps) if steps else None,
            "time_to_detect_s": mc["time_to_detect_s"], "bad_requests": mc["bad_requests"], "duration_s": mc["duration_s"]}


def verdicts(lab: list[dict], sim: dict, plan, rps: float, share: float | None) -> list[str]:
    """Each tolerance, checked; returns the ones that failed (empty: the rehearsal predicted the lab)."""
    expected = max(sim["outcomes"], key=sim["outcomes"].get)
    window = plan.gates.window
    bad = [f"outcome {r['outcome']} != {expected}" for r in lab if r["outcome"] != expected]
    if not share:
        return bad + [f"{r['failed_client']} failed requests in a healthy drill" for r in lab if r["failed_client"]]
    t = sim["time_to_detect_s"]
    extra = rps * window * (sim["detect_y"] or 0) / 100 * share
    ceiling = (sim["bad_requests"]["p95"] or 0) + extra
    for r in lab:
        if r["detect_y"] != sim["detect_y"]:
            bad.append(f"detected at {r['detect_y']}% on Y, rehearsal {sim['detect_y']}%")
        if r["detect_at_s"] is None or not t["p50"] - window <= r["detect_at_s"] <= t["p95"] + window + JITTER_S:
            bad.append(f"detected {r['detect_at_s']} s into the shift, rehearsal p50 {t['p50']} p95 {t['p95']} (+-{window:g} s)")
        if r["failed_client"] > ceiling:
            bad.append(f"{r['failed_client']} failed requests > {ceiling:.1f}")
    return bad


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lab-runs", type=int, default=3)
    p.add_argument("--rehearsal-runs", type=int, default=200)
    p.add_argument("--rps", type=float, default=600.0)
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    out, failed = {}, []
    with tempfile.TemporaryDirectory(prefix="turnout-fidelity-plan-") as keep:
        for name, share in DRILLS.items():
            lab = [lab_run(args.rps, share, keep) for _ in range(args.lab_runs)]
            plan_path, scenario = os.path.join(keep, "plan.yml"), os.path.join(keep, f"{name}.yml")
            with open(scenario, "w", encoding="utf-8") as f:
                f.write(scenario_text(args.rps, share or 0.0))
            sim = rehearsal_figures(plan_path, scenario, args.lab_runs, args.rehearsal_runs)
            problems = verdicts(lab, sim, load_plan(plan_path), args.rps, share)
            out[name] = {"lab": lab, "rehearsal": sim, "outside_tolerance": problems}
            failed += problems
    out["tolerance"] = TOLERANCE
    print(json.dumps(out, indent=2) if args.json else render(out))
    return 1 if failed else 0


def render(out: dict) -> str:
    lines = []
    for name, d in out.items():
        if name == "tolerance":
            continue
        s = d["rehearsal"]
        lines.append(f"== {name}")
        lines.append(f"  rehearsal: outcomes {s['outcomes']}, detection step {s['detect_y']}% on Y, time to detect "
                     f"p50 {s['time_to_detect_s']['p50']} s p95 {s['time_to_detect_s']['p95']} s, failed requests "
                     f"mean {s['bad_requests']['mean']} p95 {s['bad_requests']['p95']}, duration p50 {s['duration_s']['p50']} s")
        for i, r in enumerate(d["lab"]):
            lines.append(f"  lab run {i + 1}: {r['outcome']}, detection {r['detect_y']}% on Y {r['detect_at_s']} s into the shift, "
                         f"failed {r['failed_client']} of {r['sent']} (client) / {r['failed_turnout']} (Turnout's windows), "
                         f"duration {r['duration_s']} s")
        lines.append("  " + ("within tolerance" if not d["outside_tolerance"] else "OUTSIDE: " + "; ".join(d["outside_tolerance"])))
    lines.append(f"tolerance: {out['tolerance']}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
