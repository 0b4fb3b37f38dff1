"""Start-up time of ``turnout --help`` and ``turnout validate plans/demo.yml``.

An operator types these first, and scripts call ``validate`` in loops: a command that loads the
whole cockpit, the simulator and the lab before printing its help feels broken. Each command runs
N times in a fresh interpreter; the best time is kept (the machine is shared and noisy, and the
best run is the one least disturbed), and reported beside ``python -c pass`` run the same way, as
a ratio. With ``--against REV`` the same commands also run from a temporary git worktree at REV,
interleaved with this tree's, so before and after are measured side by side in one run.

    python3 bench/startup.py [--runs 15] [--against REV] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))

COMMANDS = {
    "python -c pass": ["-c", "pass"],
    "turnout --help": ["-m", "tui.cli", "--help"],
    "turnout validate plans/demo.yml": ["-m", "tui.cli", "validate", "plans/demo.yml"],
}


def once(argv: list[str], tree: str) -> float:
    """Wall seconds for one fresh interpreter running ``argv`` with ``tree`` first on its path."""
    env = dict(os.environ, PYTHONPATH=tree)
    # An installed turnout has its bytecode compiled (pip does it); let the first run write it
    # rather than recompile every module on every run when the shell sets PYTHONDONTWRITEBYTECODE.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    start = time.perf_counter()
    subprocess.run([sys.executable, *argv], cwd=tree, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def measure(trees: dict[str, str], runs: int) -> dict[str, dict[str, float]]:
    """Best of ``runs`` per (tree, command), the trees interleaved so drift hits both alike."""
    best: dict[str, dict[str, float]] = {label: {} for label in trees}
    for _ in range(runs):
        for name, argv in COMMANDS.items():
            for label, tree in trees.items():
                seconds = once(argv, tree)
                best[label][name] = min(best[label].get(name, seconds), seconds)
    return best


def worktree_at(rev: str, parent: str) -> str:
    path = os.path.join(parent, "before")
    subprocess.run(["git", "-C", ROOT, "worktree", "add", "--detach", "-q", path, rev], check=True)
    return path


def side_by_side(measure_trees, against: str | None, runs: int) -> dict[str, dict[str, float]]:
    """``measure_trees({label: tree}, runs)`` on this tree, and on a checkout of ``against`` beside it
    (interleaved by the measure, so both see the same machine), the checkout removed afterwards."""
    with tempfile.TemporaryDirectory() as scratch:
        trees = {"this tree": ROOT}
        if against:
            trees = {f"at {against}": worktree_at(against, scratch), **trees}
        try:
            return measure_trees(trees, runs)
        finally:
            if against:
                subprocess.run(["git", "-C", ROOT, "worktree", "remove", "--force", trees[f"at {against}"]], check=False)


def report(best: dict[str, dict[str, float]]) -> str:
    labels = list(best)
    lines = [f"{'command':<34}" + "".join(f"{label:>22}" for label in labels)]
    for name in COMMANDS:
        cells = []
        for label in labels:
            seconds = best[label][name]
            ratio = seconds / best[label]["python -c pass"]
            cells.append(f"{seconds * 1000:8.0f} ms ({ratio:4.1f}x)")
        lines.append(f"{name:<34}" + "".join(f"{cell:>22}" for cell in cells))
    lines.append("best of N wall time; in brackets, the ratio to `python -c pass` in the same run")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--against", metavar="REV", help="also measure a git revision, side by side")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    best = side_by_side(measure, args.against, args.runs)
    if args.json:
        print(json.dumps({"runs": args.runs, "best_s": best}, indent=2))
    else:
        print(report(best))


if __name__ == "__main__":
    main()
