"""``turnout preflight PLAN [--json]``: the checklist that must pass before any traffic moves.

It runs the engine's own preflight command (``rollout.execute.execute(RunPreflight(), world)``)
against the live world, so ``turnout preflight`` and a run's preflight phase can never
disagree (both lint X's kong.yml for the hop, read through the Kong port and kept in memory).
Exit 0 nothing failed (warnings allowed), 1 a check failed, 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from .plan_input import add_env_file_flag, fill_env_or_report, load_or_report

if TYPE_CHECKING:
    from rollout.observations import CheckResult
    from rollout.plan import Plan
    from rollout.ports import World

MARKS = {"pass": "✓", "warn": "!", "fail": "✗"}
ASCII_MARKS = {"pass": "ok", "warn": "!!", "fail": "XX"}


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("preflight", help="check X, Y, the config and the LB before traffic moves; exit 0 ok, 1 a check failed, 2 bad input")
    p.add_argument("plan", metavar="PLAN")
    p.add_argument("--json", action="store_true", help="one JSON object {plan, ok, checks}")
    p.add_argument("--peak-rps", type=float, help="current peak requests per second (capacity hint)")
    p.add_argument("--node-rps", type=float, help="what one X node carries, requests per second (capacity hint)")
    add_env_file_flag(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from rollout.errors import AdapterError
    from rollout.i18n import _
    from rollout.phrasebook import say

    plan = load_or_report(args.plan)
    if plan is None or not fill_env_or_report(plan, args.plan, args.env_file):
        return 2
    if plan.load_balancer.rehearsal_only:
        print(_("{plan}: load_balancer.type: sim plans are checked in rehearsal (turnout rehearse)").format(
            plan=args.plan), file=sys.stderr)
        return 2
    capacity = {"peak_rps": args.peak_rps, "node_rps": args.node_rps} if args.peak_rps and args.node_rps else None
    try:
        world = build_live_world(plan, ".")
    except (ImportError, AdapterError, ValueError) as exc:
        print(_("turnout: cannot build the live world for {plan}: {reason}").format(plan=args.plan, reason=say(str(exc))),
              file=sys.stderr)
        return 2
    results = asyncio.run(gather_and_check(plan, world, capacity=capacity))
    report(args.plan, results, as_json=args.json)
    return 1 if any(r.status == "fail" for r in results) else 0


def build_live_world(plan: Plan, run_dir: str) -> World:
    """The real Kong adapters (imported here: the CLI's composition root); preflight reads, so its
    world cannot move traffic."""
    from adapters.world import build_world

    return build_world(plan, run_dir, traffic=False)


async def gather_and_check(plan: Plan, world: World, capacity: dict | None = None) -> list[CheckResult]:
    """The engine's preflight (which lints X's config too), with the capacity hint, in checklist order."""
    from rollout import events as ev
    from rollout.commands import RunPreflight
    from rollout.execute import execute
    from rollout.observations import CheckResult
    from rollout.preflight import capacity_checks, in_checklist_order

    answer = await execute(RunPreflight(), world)
    if isinstance(answer, ev.CommandFailed):
        return [CheckResult("preflight", "fail", answer.error)]
    results = list(answer.results)
    if capacity:
        results = [r for r in results if r.name != "capacity"] + capacity_checks(plan, capacity)
    return in_checklist_order(results)


def report(plan_path: str, results: list[CheckResult], as_json: bool = False) -> None:
    if as_json:
        checks = [{k: getattr(r, k) for k in ("name", "status", "evidence", "node", "seen", "expected", "source")} for r in results]
        print(json.dumps({"plan": plan_path, "ok": not any(r.status == "fail" for r in results), "checks": checks}, indent=2))
        return
    from rollout.i18n import _, ngettext
    from rollout.phrasebook import say

    marks = MARKS if (sys.stdout.encoding or "").lower().startswith("utf") else ASCII_MARKS
    counts = {s: sum(1 for r in results if r.status == s) for s in ("pass", "warn", "fail")}
    print(_("preflight {plan}: {passed} passed, {warnings}, {failed} failed").format(
        plan=plan_path, passed=counts["pass"], failed=counts["fail"],
        warnings=ngettext("{n} warning", "{n} warnings", counts["warn"]).format(n=counts["warn"])))
    for r in results:  # the results are facts (--json, the journal); what they say is said here
        print(f"  {marks[r.status]} {say(r.name)}: {say(r.evidence)}")
        if r.status != "pass" and r.source:
            print(_("      rests on: {source}").format(source=r.source))
