"""Fast mode vs exact mode on the same scenario, side by side: wall-time ratio and agreement.

The scenario is plans/demo.yml's first two steps shortened to ten minutes at 2,000 rps, with
Y 15% slower (enough to see latency differ, not enough to roll back): about 1.2 M requests,
each a SimPy process in exact mode. Target: fast at least 300x faster.

    python3 bench/fast_vs_exact.py [--seeds 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from rollout.plan import load_plan  # noqa: E402
from sim.scenario import LatencyFault, Nodes, Scenario, Traffic  # noqa: E402
from sim.session import Rehearsal  # noqa: E402

PLAN = """
turnout: 1
name: ten minutes, 3+3 nodes
mode: dbless
pools:
  x: {version: "3.4.3", nodes: [{name: x1}, {name: x2}, {name: x3}]}
  y: {version: "3.9.1", nodes: [{name: y1}, {name: y2}, {name: y3}]}
load_balancer: {type: sim}
steps:
  - {y: 10, bake: 3m}
  - {y: 50, bake: 3m}
  - {y: 100, bake: 2m}
gates: {window: 30s, latency_p99_ms: {max: 1000, max_ratio_vs_x: 2.0}}
finish: {decommission_x: true, watch: 2m}
"""


def measure(plan, world, exact: bool, seed: int) -> dict:
    start = time.perf_counter()
    session = Rehearsal(plan, world, seed=seed, exact=exact)
    record = session.run_to_end()
    wall = time.perf_counter() - start
    windows = [v for v in session.engine.verdicts if v.y.requests]
    return {"wall": wall, "outcome": record.outcome, "total": record.total, "failed": record.failed,
            "p50": float(np.mean([w.y.stats["p50_ms"] for w in windows])), "p99": float(np.mean([w.y.stats["p99_ms"] for w in windows]))}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=1)
    args = parser.parse_args()
    plan = load_plan("bench/fast_vs_exact.py:PLAN", text=PLAN)
    world = Scenario(name="Y 15% slower", traffic=Traffic(rps=2000), nodes=Nodes(capacity_rps=1500),
                     faults=[LatencyFault.model_validate({"kind": "latency", "pool": "y", "factor": 1.15})])
    Rehearsal(plan, world, seed=99).run_to_end()  # warm-up
    rows = {mode: [measure(plan, world, mode == "exact", s) for s in range(args.seeds)] for mode in ("fast", "exact")}
    print(f"{'':10}{'wall s':>10}{'requests':>12}{'failed':>9}{'Y p50 ms':>10}{'Y p99 ms':>10}  outcome")
    for mode, runs in rows.items():
        m = {k: np.mean([r[k] for r in runs]) for k in ("wall", "total", "failed", "p50", "p99")}
        print(f"{mode:10}{m['wall']:10.3f}{m['total']:12.0f}{m['failed']:9.0f}{m['p50']:10.2f}{m['p99']:10.2f}  "
              + ",".join(r["outcome"] for r in runs))
    fast, exact = rows["fast"], rows["exact"]
    ratio = np.mean([r["wall"] for r in exact]) / np.mean([r["wall"] for r in fast])
    rel = {k: (np.mean([r[k] for r in fast]) / np.mean([r[k] for r in exact]) - 1) * 100 for k in ("total", "failed", "p50", "p99")}
    print(f"fast is {ratio:.0f}x faster (target >= 300x); fast vs exact: requests {rel['total']:+.2f}%, "
          f"failed {rel['failed']:+.1f}%, Y p50 {rel['p50']:+.2f}%, Y p99 {rel['p99']:+.2f}%")


if __name__ == "__main__":
    main()
