"""Zero-loss rollout under load in the lab: rps achieved, failures, per-step observed split vs configured.

Starts a fresh lab (emulated Kong 3.4.3 -> 3.9.1 nodes behind a real HAProxy, loopback only),
offers a steady open-loop load through the frontend, runs ``turnout run lab/plan.yml
--headless --auto-approve --json`` as a subprocess, and prints what an outside observer saw:
the client's totals and failures, and for every weight setting the share of requests the Y
nodes themselves counted. The lab is stopped by PID at the end, whatever happened.

    python3 bench/lab_rollout.py [--rps 600] [--runs 1] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from lab.state import LabOptions  # noqa: E402
from lab.up import down, up  # noqa: E402
from tests.lab_drill import DrillResult, drill  # noqa: E402


def figures(result: DrillResult) -> dict:
    r = result.report
    return {
        "outcome": result.summary.get("outcome"), "exit": result.code,
        "run_wall_s": round(result.run_ended - result.run_started, 1),
        "offered_rps": r.rps, "achieved_rps": round(r.achieved_rps, 1), "sent": r.sent, "failed": r.failed,
        "http_errors": r.http_errors, "socket_errors": r.socket_errors, "skipped": r.skipped,
        "p50_ms": round(r.percentile(0.5), 2), "p99_ms": round(r.percentile(0.99), 2),
        "steps": [s.as_json() for s in result.samples if s.configured_y > 0],
    }


def run_once(rps: float, y_fault: dict | None = None) -> DrillResult:
    with tempfile.TemporaryDirectory(prefix="turnout-lab-bench-") as tmp:
        state = up(LabOptions(dir=os.path.join(tmp, "lab"), traffic=0))
        try:
            return asyncio.run(drill(state, rps, y_fault))
        finally:
            down(state.dir)


def print_run(i: int, f: dict) -> None:
    print(f"run {i + 1}: {f['outcome']} in {f['run_wall_s']} s; {f['sent']} requests at {f['achieved_rps']} rps "
          f"(offered {f['offered_rps']:g}); failed {f['failed']} (http {f['http_errors']}, socket {f['socket_errors']}); "
          f"client p50 {f['p50_ms']} ms, p99 {f['p99_ms']} ms")
    print("  configured Y%  observed Y% (nodes' counters)  off by  requests sampled")
    for s in f["steps"]:
        print(f"  {s['configured_y']:>12.2f}  {s['observed_y']:>29.2f}  {s['off_by']:>6.2f}  {s['requests']:>16}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rps", type=float, default=600.0)
    p.add_argument("--runs", type=int, default=1)
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    runs = [figures(run_once(args.rps)) for _ in range(args.runs)]
    if args.json:
        print(json.dumps(runs, indent=2))
    else:
        for i, f in enumerate(runs):
            print_run(i, f)
    ok = all(f["outcome"] == "completed" and f["failed"] == 0 and all(s["off_by"] <= 2 for s in f["steps"]) for f in runs)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
