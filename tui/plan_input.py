"""Loading the PLAN argument the same way in every subcommand: a valid plan, or every located problem
on stderr and exit code 2 (no traceback ever reaches the operator for bad input)."""

from __future__ import annotations

import sys

from rollout.errors import PlanError
from rollout.plan import Plan, load_plan


def load_or_report(path: str) -> Plan | None:
    """The plan at ``path``, or None after printing each problem as ``FILE:LINE: key: message``."""
    try:
        return load_plan(path)
    except PlanError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return None
