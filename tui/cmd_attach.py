"""``turnout attach PLAN``: the LIVE cockpit on a run conducted by another process.

The conductor was started with ``turnout run PLAN --detach`` (or ``--serve``). Keys work as
in ``turnout run``: approve, pause and resume, roll back (type the word). Quitting leaves
the run going on. Exit 0 when the run completed, 1 when it rolled back, halted or is still
going, 2 when no conductor answers.
"""

from __future__ import annotations

import argparse
import os
import sys

from .plan_input import load_or_report


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("attach", help="the LIVE cockpit on a run conducted in the background (turnout run --detach)")
    p.add_argument("plan", metavar="PLAN")
    p.add_argument("--run-dir", help="the run's directory (default .turnout/<plan name>)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from adapters.control import socket_path
    from adapters.rundir import slug

    plan = load_or_report(args.plan)
    if plan is None:
        return 2
    path = socket_path(args.run_dir or os.path.join(".turnout", slug(plan.name)))
    return asyncio.run(_attach(path))


async def _attach(path: str) -> int:
    from adapters.control import AttachError, RemoteConductor

    conductor = RemoteConductor(path)
    try:
        await conductor.connect()
    except AttachError as exc:
        print(f"turnout attach: {exc}", file=sys.stderr)
        return 2
    from .app import run_live_async

    return await run_live_async(conductor)
