"""``turnout scenario capture PLAN --for DURATION [--out FILE] [--range 7d]``: measure pool X's
traffic through the plan's metrics source and write it as a commented scenario.

Reading is adapters/capture.py (a window over ``--for``) or adapters/capture_range.py
(Prometheus's history over ``--range``); the file is tui/capture_file.py's text, validated as a
scenario before it is written. Read-only on the live system. Exit 0 written, 2 bad input or a
source that cannot be read (one line naming it).
"""

from __future__ import annotations

import argparse
import sys

from rollout.i18n import _
from rollout.phrasebook import say

from .plan_input import add_env_file_flag


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("scenario", help="scenarios from the live system (capture)")
    actions = p.add_subparsers(dest="scenario_command", required=True, metavar="ACTION")
    capture = actions.add_parser("capture", help="measure pool X's traffic (read-only) and write it as a scenario")
    capture.add_argument("plan", metavar="PLAN")
    group = capture.add_mutually_exclusive_group(required=True)
    group.add_argument("--for", dest="for_", metavar="DURATION", help="watch the live counters this long (e.g. 15s, 10m)")
    group.add_argument("--range", metavar="DURATION", help="metrics.source prometheus: read this much history instead (e.g. 7d)")
    capture.add_argument("--out", metavar="FILE", help="write the scenario here (default: stdout)")
    add_env_file_flag(capture)
    capture.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from rollout.durations import parse_duration
    from rollout.errors import AdapterError, PlanError

    from .plan_input import fill_env_or_report, load_or_report

    plan = load_or_report(args.plan)
    if plan is None or not fill_env_or_report(plan, args.plan, args.env_file):
        return 2
    try:
        seconds = parse_duration(args.for_ or args.range)
    except ValueError as exc:
        print(f"{'--for' if args.for_ else '--range'}: {say(str(exc))}", file=sys.stderr)
        return 2
    try:
        capture = asyncio.run(_read(plan, seconds, by_range=args.range is not None))
    except PlanError as exc:
        print(f"{args.plan}: {_one_line(exc)}", file=sys.stderr)
        return 2
    except (AdapterError, OSError) as exc:
        print(_("turnout scenario capture: cannot read {value}: {value2}").format(
            value=_source(plan), value2=_one_line(exc)), file=sys.stderr)
        return 2
    return _write(args, plan, capture)


async def _read(plan, seconds: float, by_range: bool):
    if by_range:
        from adapters.capture_range import capture_range

        return await capture_range(plan, seconds)
    from adapters.capture import capture_window

    return await capture_window(plan, seconds)


def _source(plan) -> str:
    from adapters.capture import describe_source

    return f"metrics.source {plan.metrics.source} ({say(describe_source(plan))})"


def _one_line(exc: Exception) -> str:
    """The error in one line, said in the reader's language (its English is a marked template's)."""
    return say(" ".join(str(exc).split())[:300])


def _write(args: argparse.Namespace, plan, capture) -> int:
    from rollout.errors import PlanError
    from sim.scenario import load_scenario

    from .capture_file import scenario_text

    flag = f"--for {args.for_}" if args.for_ else f"--range {args.range}"
    text = scenario_text(capture, f"turnout scenario capture {args.plan} {flag}")
    try:
        load_scenario(args.out or "captured.yml", plan, text=text)
    except PlanError as exc:  # a bug here, not the operator's: say what the measurement gave
        print(_("turnout scenario capture: the captured values do not make a valid scenario: {exc}").format(
            exc=exc), file=sys.stderr)
        return 2
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
        print(_("wrote {out}: {rps:.1f} rps on X over {seconds:.0f} s").format(
            out=args.out, rps=capture.rps, seconds=capture.seconds), file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
