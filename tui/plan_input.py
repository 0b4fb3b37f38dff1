"""Loading the PLAN argument the same way in every subcommand: a valid plan, or every located problem
on stderr and exit code 2 (no traceback ever reaches the operator for bad input).

Every ``tui/cmd_*.py`` imports this module to declare its flags, so it imports the plan model
(pydantic) only when a plan is loaded: ``turnout --help`` stays cheap."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from rollout.i18n import _
from rollout.phrasebook import say

if TYPE_CHECKING:
    from rollout.plan import Plan


def load_or_report(path: str) -> Plan | None:
    """The plan at ``path``, or None after printing each problem as ``FILE:LINE: key: message``."""
    from rollout.errors import PlanError
    from rollout.plan import load_plan

    try:
        return load_plan(path)
    except PlanError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return None


def add_env_file_flag(parser) -> None:
    parser.add_argument("--env-file", metavar="FILE",
                        help="NAME=value lines (mode 0600) that fill the environment; wins over the plan's env_file")


def fill_env_or_report(plan: Plan, plan_path: str, flag: str | None) -> bool:
    """Fill the environment from ``--env-file`` and the plan's ``env_file`` (never overriding what is
    set); False after printing the one-line refusal of an unusable file."""
    from adapters.env_file import EnvFileError, env_file_paths, fill_environ

    try:
        fill_environ(env_file_paths(plan_path, plan.env_file, flag))
    except EnvFileError as exc:
        print(_("turnout: {exc}").format(exc=say(str(exc))), file=sys.stderr)
        return False
    return True
