"""``turnout attach PLAN``: the LIVE cockpit on a run conducted by another process.

The conductor was started with ``turnout run PLAN --detach`` (or ``--serve``). Keys work as
in ``turnout run``: approve, pause and resume, roll back (``r`` then ``y``). Quitting leaves
the run going on. Exit 0 when the run completed, 1 when it rolled back, halted or is still
going, 2 when no conductor answers. When none answers because the run has finished, the
line says what happened and when, and how to start a new run (``turnout run PLAN --new-run``).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Callable

from .plan_input import load_or_report


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("attach", help="the LIVE cockpit on a run conducted in the background (turnout run --detach)")
    p.add_argument("plan", metavar="PLAN")
    p.add_argument("--run-dir", help="the run's directory (default .turnout/<plan name>)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from adapters.new_run import finished_run
    from adapters.rundir import slug

    plan = load_or_report(args.plan)
    if plan is None:
        return 2
    run_dir = args.run_dir or os.path.join(".turnout", slug(plan.name))
    return asyncio.run(_attach(run_dir, lambda: finished_run(plan, args.plan, run_dir)))


async def _attach(run_dir: str, finished: Callable[[], str | None]) -> int:
    """``finished`` reads the run's journal, only when no conductor answers."""
    from adapters.control import AttachError, RemoteConductor, socket_path

    conductor = RemoteConductor(socket_path(run_dir))
    try:
        await conductor.connect()
    except AttachError as exc:
        print(f"turnout attach: {finished() or exc}", file=sys.stderr)
        return 2
    from .app import run_live_async

    return await run_live_async(conductor)
