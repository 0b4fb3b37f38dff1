"""``turnout validate PLAN...``: check plans; one summary line each, or one located line per problem."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="check plan files; exit 0 when valid, 2 when not")
    p.add_argument("plans", nargs="+", metavar="PLAN")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rollout.errors import PlanError
    from rollout.plan import load_plan, plan_summary

    status = 0
    for path in args.plans:
        try:
            plan = load_plan(path)
        except PlanError as exc:
            for problem in exc.problems:
                print(problem)
            status = 2
            continue
        print(f"{path}: ok: {plan_summary(plan)}")
    return status
