"""A/A rehearsals of plans/demo.yml over traffic and latency: the false-rollback acceptance of issue 10.

Issue 10, "Done when": A/A rehearsals of ``plans/demo.yml`` at 100 to 5,000 rps and p99 from
1 ms to 900 ms complete at least 99% of healthy upgrades with the default gates, 200 runs each;
a rollback or a hold (``halted``) of a healthy Y both count against it.

The grid is rps {100, 500, 2000, 5000} x p99 {1, 50, 300, 900} ms. Each cell's world is
plans/scenarios/aa.yml (no fault, base error rate 0.05%) with two things changed:

- ``traffic.rps``, and ``nodes.capacity_rps`` raised where the load needs it to the rule of
  ``sim.scenario.default_scenario`` (twice what one pool of three carries alone), so that no
  cell overloads a pool at 100% (aa.yml's 1,500 rps per node would at 5,000 rps);
- ``nodes.latency_ms``: the scenario's latency model is a log-normal processing time fitted to
  ``{p50, p99}`` (docs/scenario-format.md), after a FIFO service of ``1 / capacity_rps`` and
  any queueing. The cell's p99 sets the log-normal's ``p99``; ``p50`` keeps aa.yml's shape,
  one sixth of it (15 / 90 ms). demo.yml reads HAProxy, so the gates see whole-millisecond
  averages of those times (sim/measure_haproxy.py), as the live run would.

``--measure ideal`` plays the same plan on the rehearsal's own load balancer (``load_balancer:
{type: sim}``), whose gates read the true p99 of each window's requests instead of HAProxy's
averages: the p99 gate itself, at the cell's p99.

Each cell is ``sim.runner.monte_carlo(plan, world, runs, seed)`` on a local process pool, with its
own seed (``--seed`` plus the cell's index), printed so any cell can be replayed alone. The
completed share carries its 95% Wilson interval (scipy's ``binomtest``). Exit 1 when a cell
completes under 99%.

    python3 bench/aa_grid.py [--runs 200] [--seed 0] [--processes 2] [--measure haproxy|ideal] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from dataclasses import asdict, dataclass

import yaml
from scipy.stats import binomtest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from rollout.plan import Plan, load_plan  # noqa: E402
from sim.runner import monte_carlo  # noqa: E402
from sim.scenario import Scenario, load_scenario  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
PLAN = os.path.join(ROOT, "plans", "demo.yml")
AA = os.path.join(ROOT, "plans", "scenarios", "aa.yml")
RPS = (100, 500, 2000, 5000)
P99_MS = (1, 50, 300, 900)
TARGET = 0.99  # issue 10: at least 99% of healthy upgrades complete


@dataclass(frozen=True)
class Cell:
    rps: float
    p99_ms: float
    seed: int
    runs: int
    completed: int
    rolled_back: int
    halted: int
    ci_low: float
    ci_high: float
    wall_s: float
    stopped_by: dict[str, int]  # detection gate of every run that did not complete, counted

    @property
    def share(self) -> float:
        return self.completed / self.runs


def demo_plan(measure: str = "haproxy") -> Plan:
    """plans/demo.yml as it is, or on the simulated LB (true quantiles) for ``ideal``."""
    if measure == "haproxy":
        return load_plan(PLAN)
    doc = yaml.safe_load(open(PLAN, encoding="utf-8"))
    doc["load_balancer"] = {"type": "sim"}
    return load_plan(PLAN, text=yaml.safe_dump(doc, sort_keys=False))


def aa_world(plan: Plan, rps: float, p99_ms: float) -> Scenario:
    """aa.yml with the cell's traffic and latency, validated as a scenario file is."""
    doc = yaml.safe_load(open(AA, encoding="utf-8"))
    shape = doc["nodes"]["latency_ms"]["p50"] / doc["nodes"]["latency_ms"]["p99"]
    one_pool = 2 * rps / min(len(plan.pools.x.nodes), len(plan.pools.y.nodes))
    doc["name"] = f"A/A, {rps:g} rps, p99 {p99_ms:g} ms"
    doc["traffic"]["rps"] = rps
    doc["nodes"]["capacity_rps"] = max(doc["nodes"]["capacity_rps"], math.ceil(one_pool / 100.0) * 100.0)
    doc["nodes"]["latency_ms"] = {"p50": p99_ms * shape, "p99": p99_ms}
    return load_scenario(AA, plan, text=yaml.safe_dump(doc, sort_keys=False))


def play_cell(plan: Plan, rps: float, p99_ms: float, runs: int, seed: int, processes: int) -> Cell:
    started = time.perf_counter()
    records = monte_carlo(plan, aa_world(plan, rps, p99_ms), runs=runs, seed=seed, processes=processes)
    wall = time.perf_counter() - started
    count = {o: sum(1 for r in records if r.outcome == o) for o in ("completed", "rolled_back", "halted")}
    stopped: dict[str, int] = {}
    for r in records:
        if r.outcome != "completed":
            gate = r.detection.gate if r.detection else "none"
            stopped[gate] = stopped.get(gate, 0) + 1
    ci = binomtest(count["completed"], runs).proportion_ci(confidence_level=0.95, method="wilson")
    return Cell(rps, p99_ms, seed, runs, count["completed"], count["rolled_back"], count["halted"],
                ci.low, ci.high, wall, stopped)


def play_grid(runs: int, seed: int, processes: int, cells=None, measure: str = "haproxy") -> list[Cell]:
    """Every (rps, p99) cell, in order; cell i plays with seed ``seed + i``."""
    plan = demo_plan(measure)
    grid = cells or [(rps, p99) for rps in RPS for p99 in P99_MS]
    return [play_cell(plan, rps, p99, runs, seed + i, processes) for i, (rps, p99) in enumerate(grid)]


def table(cells: list[Cell]) -> str:
    lines = ["| rps | p99 | completed | share | 95% Wilson | rolled back | halted | stopped by | seed | wall |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for c in cells:
        stopped = ", ".join(f"{g} {n}" for g, n in sorted(c.stopped_by.items())) or "-"
        lines.append(f"| {c.rps:g} | {c.p99_ms:g} ms | {c.completed}/{c.runs} | {c.share:.3f} | "
                     f"{c.ci_low:.3f}-{c.ci_high:.3f} | {c.rolled_back} | {c.halted} | {stopped} | {c.seed} | {c.wall_s:.1f} s |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="rehearsals per cell (default 200)")
    parser.add_argument("--seed", type=int, default=0, help="cell i plays with seed SEED + i (default 0)")
    parser.add_argument("--processes", type=int, default=2, help="local process pool size (default 2)")
    parser.add_argument("--measure", choices=("haproxy", "ideal"), default="haproxy",
                        help="haproxy: demo.yml as it is (whole-ms averages); ideal: on the sim LB (true p99)")
    parser.add_argument("--json", action="store_true", help="one JSON object per cell, as a list")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    cells = play_grid(args.runs, args.seed, args.processes, measure=args.measure)
    if args.json:
        print(json.dumps([{**asdict(c), "share": c.share} for c in cells], indent=2))
    else:
        print(f"A/A rehearsals of plans/demo.yml, default gates, {args.measure} measurement, {args.runs} runs per cell")
        print(table(cells))
        print(f"total wall {time.perf_counter() - started:.1f} s; target: every cell completes >= {TARGET:.0%}")
    return 0 if all(c.share >= TARGET for c in cells) else 1


if __name__ == "__main__":
    sys.exit(main())
