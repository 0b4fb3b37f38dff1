"""The lab against its rehearsal on a whole-millisecond latency gate (issue 10, "Done when").

For each gate (the bare ratio ``min_delta_ms: 0``, and the defaults), plays ``--runs`` healthy
rollouts of the lab plan in fresh labs whose emulated nodes answer in a stated time (log-normal,
p50 0.8 ms, p99 2.4 ms, to the microsecond), and rehearses the same plan in the scenario the lab
writes for it (``--rehearsals`` runs, seed 0). Prints, per gate, how many rolled back in each
world, and per lab run the machine's load and the pools' readings (HAProxy's per-server ``rtime``
weighted into each pool, whole ms) in the windows of the first step, from the run's journal: the
readings say why a run went the way it did (bench/README.md, "Lab vs rehearsal").

    python3 bench/lab_flapping.py [--runs 6] [--rehearsals 100] [--rps 600] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import glob
import json
import os
import sys
import tempfile


sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from lab.state import LabOptions  # noqa: E402
from lab.up import down, up  # noqa: E402
from rollout.plan import load_plan  # noqa: E402
from sim.runner import monte_carlo  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402
from tests.lab_drill import STATED_ANSWER_MS, drill, plan_with_latency_gate  # noqa: E402

GATES = {"bare ratio": {"min_delta_ms": 0}, "defaults": {}}


def first_step_reads(journal_dir: str) -> list[tuple[float, float]]:
    """(X, Y) pool readings of the windows judged at the first weights that gave Y traffic."""
    journal = glob.glob(os.path.join(journal_dir, "*", "journal.jsonl"))[0]
    reads, steps = [], 0
    for line in open(journal, encoding="utf-8"):
        event = json.loads(line)
        if event["type"] == "WeightsApplied":
            steps += 1
        elif event["type"] == "WindowJudged" and steps == 1:
            reads.append((round(event["x"]["stats"]["p99_ms"], 2), round(event["y"]["stats"]["p99_ms"], 2)))
    return reads


def lab_run(latency: dict, rps: float, rehearsals: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="turnout-flap-") as tmp:
        state = up(LabOptions(dir=os.path.join(tmp, "lab"), traffic=0, answer_ms=STATED_ANSWER_MS))
        try:
            plan_path = plan_with_latency_gate(state, latency)
            load = os.getloadavg()[0]
            result = asyncio.run(drill(state, rps, plan=plan_path))
            figures = {"outcome": result.summary.get("outcome"), "load": round(load, 1), "failed": result.report.failed,
                       "first_step": first_step_reads(os.path.join(tmp, ".turnout"))}
            if rehearsals:
                plan = load_plan(plan_path)
                world = load_scenario(os.path.join(state.dir, "scenarios", "healthy.yml"), plan)
                world = world.model_copy(update={"traffic": world.traffic.model_copy(update={"rps": rps})})
                runs = monte_carlo(plan, world, runs=rehearsals, seed=0)
                figures["rehearsal_rolled_back"] = sum(r.outcome == "rolled_back" for r in runs)
            return figures
        finally:
            down(state.dir)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=6, help="lab runs per gate")
    parser.add_argument("--rehearsals", type=int, default=100, help="rehearsal runs per gate (seed 0)")
    parser.add_argument("--rps", type=float, default=600.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    table = {}
    for name, latency in GATES.items():
        runs = [lab_run(latency, args.rps, args.rehearsals if i == 0 else 0) for i in range(args.runs)]
        table[name] = {"lab_runs": runs, "lab_rolled_back": sum(r["outcome"] == "rolled_back" for r in runs),
                       "rehearsal_rolled_back": runs[0].get("rehearsal_rolled_back"), "rehearsals": args.rehearsals}
        if not args.json:
            print(f"{name}: lab rolled back {table[name]['lab_rolled_back']} of {args.runs}, "
                  f"rehearsal {table[name]['rehearsal_rolled_back']} of {args.rehearsals} (seed 0)", flush=True)
            for r in runs:
                print(f"  {r['outcome']:<12} load {r['load']:<4} failed {r['failed']}  first step X/Y ms: "
                      + ", ".join(f"{x:g}/{y:g}" for x, y in r["first_step"]), flush=True)
    if args.json:
        print(json.dumps(table, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
