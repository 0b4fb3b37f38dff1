"""Time to the first frame of ``turnout rehearse plans/demo.yml`` in a real (pseudo) terminal.

What the operator waits for after pressing Enter: the interpreter starts, the plan is read,
the cockpit paints. The command runs in a pty of 80x24 (as in tmux or an SSH session); the
clock stops when the terminal receives the banner's ``REHEARSAL``, which the cockpit draws in
its first frame. Each run is a fresh interpreter, killed once its frame is seen; the best time
is kept (the machine is shared and noisy), and ``python -c pass`` is timed the same way for a
ratio. With ``--against REV`` the same command also runs from a temporary git worktree at REV,
interleaved with this tree's (bench/startup.py's ``side_by_side``), so before and after are
measured side by side in one run.

    python3 bench/first_frame.py [--runs 7] [--against REV] [--json]
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from startup import side_by_side  # noqa: E402  (one way to measure beside REV, shared with bench/startup.py)

COMMANDS = {
    "python -c pass": (["-c", "print('REHEARSAL')"], b"REHEARSAL"),
    "turnout rehearse plans/demo.yml": (["-m", "tui.cli", "rehearse", "plans/demo.yml"], b"REHEARSAL"),
}
SIZE = (24, 80)  # rows, columns
TIMEOUT_S = 30.0


def once(argv: list[str], marker: bytes, tree: str) -> float:
    """Wall seconds from spawning ``argv`` in a fresh pty until ``marker`` reaches the terminal."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", *SIZE, 0, 0))
    # TURNOUT_LANG=en: the marker is the English banner, whatever the locale of the shell running the bench.
    env = dict(os.environ, PYTHONPATH=tree, TERM="xterm-256color", COLUMNS=str(SIZE[1]), LINES=str(SIZE[0]), TURNOUT_LANG="en")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, *argv], cwd=tree, env=env, stdin=follower, stdout=follower,
                            stderr=follower, start_new_session=True)
    os.close(follower)
    seen = b""
    try:
        while marker not in seen:
            if time.perf_counter() - start > TIMEOUT_S:
                raise TimeoutError(f"no {marker!r} within {TIMEOUT_S:.0f}s: {seen[-400:]!r}")
            ready, _, _ = select.select([leader], [], [], 0.05)
            if ready:
                try:
                    seen += os.read(leader, 65536)
                except OSError:  # the child closed the terminal
                    break
        seconds = time.perf_counter() - start
        if marker not in seen:
            raise RuntimeError(f"exited before drawing {marker!r}: {seen[-400:]!r}")
        return seconds
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        os.close(leader)


def measure(trees: dict[str, str], runs: int) -> dict[str, dict[str, float]]:
    """Best of ``runs`` per (tree, command), the trees interleaved so drift hits both alike."""
    best: dict[str, dict[str, float]] = {label: {} for label in trees}
    for _ in range(runs):
        for name, (argv, marker) in COMMANDS.items():
            for label, tree in trees.items():
                seconds = once(argv, marker, tree)
                best[label][name] = min(seconds, best[label].get(name, float("inf")))
    return best


def report(best: dict[str, dict[str, float]]) -> str:
    labels = list(best)
    lines = [f"{'first frame of':<34}" + "".join(f"{label:>22}" for label in labels)]
    for name in COMMANDS:
        cells = [f"{best[label][name] * 1000:8.0f} ms ({best[label][name] / best[label]['python -c pass']:4.1f}x)"
                 for label in labels]
        lines.append(f"{name:<34}" + "".join(f"{cell:>22}" for cell in cells))
    if len(labels) == 2:
        name = "turnout rehearse plans/demo.yml"
        lines.append(f"this tree / {labels[0]}: {best[labels[1]][name] / best[labels[0]][name]:.2f}")
    lines.append(f"best of N wall time in a {SIZE[1]}x{SIZE[0]} pty; in brackets, the ratio to `python -c pass` in the same run")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--against", metavar="REV", help="also measure a git revision, side by side")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    best = side_by_side(measure, args.against, args.runs)
    if args.json:
        print(json.dumps({"runs": args.runs, "size": f"{SIZE[1]}x{SIZE[0]}", "best_s": best}, indent=2))
    else:
        print(report(best))


if __name__ == "__main__":
    main()
