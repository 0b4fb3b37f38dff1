"""``turnout attach PLAN``: the LIVE cockpit on a run conducted by another process.

The conductor was started with ``turnout run PLAN --detach`` (or ``--serve``). Keys work as
in ``turnout run``: approve, pause and resume, roll back (``r`` then ``y``). Quitting leaves
the run going on and prints the exit summary (where the run stands, how to come back). Exit 0
when the run completed or goes on without us (detached), 1 when it rolled back or halted, 2 when
no conductor answers. When none answers because the run has finished, the
line says what happened and when, and how to start a new run (``turnout run PLAN --new-run``).
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from typing import Callable

from rollout.i18n import N_, _
from rollout.phrasebook import say

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
    return asyncio.run(_attach(run_dir, lambda: finished_run(plan, args.plan, run_dir),
                               lambda snap: _summary(plan, args, run_dir, snap)))


def _summary(plan, args: argparse.Namespace, run_dir: str, snap) -> list[str]:
    """The exit summary of an attached cockpit: the weights are the conductor's last report."""
    from adapters.new_run import command

    from .exit_summary import ExitSummary, Weights, live_commands, terminal_columns

    again = f"turnout attach {shlex.quote(args.plan)}" + (f" --run-dir {shlex.quote(args.run_dir)}" if args.run_dir else "")
    if snap.finished:
        commands = live_commands(snap, lambda flag: command(plan, args.plan, run_dir, flag).rstrip())
    else:
        commands = [(N_("come back"), again), (N_("roll back"), f"{again}, then r, y")]
    weights = (Weights(snap.applied, N_("as the run's conductor last reported them")) if snap.applied
               else Weights(None, N_("the run has not changed them")))
    return ExitSummary(snap, weights, os.path.join(run_dir, "journal.jsonl"), commands, going_on=True).lines(terminal_columns(sys.stdout))


async def _attach(run_dir: str, finished: Callable[[], str | None], summary: Callable) -> int:
    """``finished`` reads the run's journal, only when no conductor answers; ``summary`` words the exit."""
    from adapters.control import AttachError, RemoteConductor, socket_path

    conductor = RemoteConductor(socket_path(run_dir))
    try:
        await conductor.connect()
    except AttachError as exc:
        print(_("turnout attach: {value}").format(value=say(finished() or str(exc))), file=sys.stderr)
        return 2
    from .app import run_live_async

    code = await run_live_async(conductor)
    snap = conductor.snapshot()
    for line in summary(snap):
        print(line)
    return code if snap.finished else 0  # detached: the run goes on in its conductor
