"""The ``turnout`` command: the composition root that wires plans, engine, worlds and screens.

Each subcommand lives in its own ``tui/cmd_*.py`` module with ``add_parser`` and ``run``.
All of them are imported here to declare their flags, so a command module imports argparse and
little else at the top; what it runs (the plan model, asyncio, the worlds, the cockpit) it
imports inside ``run``. ``turnout --help`` then loads none of them (tests/test_startup.py).
Exit codes: 0 success, 1 the rollout (or check) did not succeed, 2 bad input.
"""

from __future__ import annotations

import argparse
import os
import sys

from . import (cmd_attach, cmd_backup, cmd_drill, cmd_lab, cmd_lint, cmd_preflight, cmd_rehearse, cmd_report, cmd_run, cmd_runs,
               cmd_scenario, cmd_status, cmd_tune, cmd_validate)

COMMANDS = [cmd_validate, cmd_run, cmd_attach, cmd_status, cmd_runs, cmd_preflight, cmd_lint, cmd_backup, cmd_rehearse,
            cmd_report, cmd_drill, cmd_lab, cmd_scenario, cmd_tune]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="turnout", description="Rehearsed, resumable rolling upgrades for Kong Gateway.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("turnout: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (``turnout ... | head``): not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
