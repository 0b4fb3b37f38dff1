"""Rehearsal speed: a one-hour, 5,000 rps, 3+3-node rehearsal (target < 1 s wall) and a
1,000-run Monte Carlo of plans/demo.yml (target < 60 s on 2 cores).

    python3 bench/rehearsal_speed.py [--runs 1000]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from rollout.plan import load_plan  # noqa: E402
from sim.report import monte_carlo_json  # noqa: E402
from sim.runner import monte_carlo, run_one  # noqa: E402
from sim.scenario import Nodes, Scenario, Traffic  # noqa: E402

HOUR_PLAN = """
turnout: 1
name: one hour, 3+3 nodes
mode: dbless
pools:
  x: {version: "3.4.3", nodes: [{name: x1}, {name: x2}, {name: x3}]}
  y: {version: "3.9.1", nodes: [{name: y1}, {name: y2}, {name: y3}]}
load_balancer: {type: sim, propagation: 1s}
steps:
  - {y: 5, bake: 10m}
  - {y: 25, bake: 10m}
  - {y: 50, bake: 10m}
  - {y: 100, bake: 15m}
finish: {decommission_x: true, watch: 15m}
"""


def one_hour() -> tuple[float, float]:
    plan = load_plan("bench/rehearsal_speed.py:HOUR_PLAN", text=HOUR_PLAN)
    world = Scenario(name="5k rps", traffic=Traffic(rps=5000), nodes=Nodes(capacity_rps=4000))
    run_one(plan, world, seed=0)  # warm up imports and numpy
    start = time.perf_counter()
    record = run_one(plan, world, seed=1)
    return time.perf_counter() - start, record.sim_duration_s


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1000)
    args = parser.parse_args()
    wall, simulated = one_hour()
    print(f"one-hour rehearsal: {simulated:.0f} s simulated at 5000 rps on 3+3 nodes in {wall:.3f} s wall "
          f"({simulated / wall:.0f}x real time; target < 1 s)")
    plan = load_plan(os.path.join(os.path.dirname(__file__), "..", "plans", "demo.yml"))
    start, cpu = time.perf_counter(), _cpu()
    card = monte_carlo_json(monte_carlo(plan, runs=args.runs, seed=0))
    wall, cpu = time.perf_counter() - start, _cpu() - cpu
    print(f"Monte Carlo: {args.runs} runs of plans/demo.yml (A/A) on {os.cpu_count()} cores in {wall:.1f} s wall "
          f"({1000 * wall / args.runs:.0f} ms per run; target < 60 s for 1000 on 2 cores); outcomes {card['outcomes']}")
    print(f"  CPU: {cpu:.1f} s over every process ({1000 * cpu / args.runs:.0f} ms per run; on idle cores the wall "
          f"time is about CPU / cores; load average now {os.getloadavg()[0]:.1f})")


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the Monte Carlo's pool workers):
    the wall time on a shared machine is the others' load, the CPU time is ours."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


if __name__ == "__main__":
    main()
