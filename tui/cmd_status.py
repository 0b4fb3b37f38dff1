"""``turnout status [PLAN|RUN_DIR] [--json]``: where a run stands, in one line, from its journal.

For scripts and chat: the phase, the weights the journal last recorded, the last window's
verdict, since when. It reads the journal without taking the run's lock and writes nothing
(tui/run_status.py), so it is safe beside a running conductor. With no argument, one line per
run directory under ``.turnout/``. Exit 0, or 2 for bad input: no such plan or run directory, a
journal that cannot be read (one line naming the file).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from rollout.i18n import N_, _
from rollout.phrasebook import say


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("status", help="where a run stands, in one line (read only, from its journal)")
    p.add_argument("target", metavar="PLAN|RUN_DIR", nargs="?",
                   help="a plan file (its run directory is .turnout/<plan name>) or a run directory; default: every run in .turnout/")
    p.add_argument("--run-dir", help="with PLAN: the run's directory when it is not .turnout/<plan name>")
    p.add_argument("--json", action="store_true", help="one JSON object (a list without an argument)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import time

    from rollout.errors import JournalError, PlanError

    from .run_status import read_run, run_dirs, status_json, status_line

    try:
        targets = _targets(args)
        records = [read_run(journal, plan) for journal, plan in targets]
    except (JournalError, LookupError) as exc:
        print(_("turnout status: {exc}").format(exc=say(str(exc))), file=sys.stderr)
        return 2
    except PlanError as exc:
        print(_("turnout status: {problems}").format(problems=exc.problems[0]), file=sys.stderr)
        return 2
    if args.json:
        found = [status_json(r) for r in records]
        print(json.dumps(found[0] if args.target else found, indent=2))
    else:
        now = time.time()
        for record in records:
            print(status_line(record, now))
    return 0


def _targets(args: argparse.Namespace) -> list[tuple[str, str | None]]:
    """(journal path, plan path or None) for each run asked about; LookupError: one line naming what is missing."""
    from .run_status import run_dirs

    if args.target is None:
        dirs = run_dirs(".turnout")
        if not dirs:
            raise LookupError(N_(".turnout: no run directory with a journal here"))
        return [(os.path.join(d, "journal.jsonl"), None) for d in dirs]
    if os.path.isdir(args.target):
        return [(os.path.join(args.target, "journal.jsonl"), None)]
    if not os.path.isfile(args.target):
        raise LookupError(N_("{target}: no such plan file or run directory").format(target=args.target))
    from adapters.rundir import slug
    from rollout.plan import load_plan

    plan = load_plan(args.target)
    run_dir = args.run_dir or os.path.join(".turnout", slug(plan.name))
    if not os.path.isdir(run_dir):
        raise LookupError(N_("{run_dir}: no such run directory (no run of {plan} here; --run-dir names another)").format(
            run_dir=run_dir, plan=args.target))
    return [(os.path.join(run_dir, "journal.jsonl"), args.target)]
