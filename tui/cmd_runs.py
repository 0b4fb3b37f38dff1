"""``turnout runs [DIR] [--json]``: the runs under ``.turnout/`` (or DIR), past and present.

One row per journal: the current run of each run directory and the finished runs archived
beside it by ``--new-run`` (``journal-<UTC>.jsonl``), with when it started, how long it took,
and how it ended. Read only, without any lock (tui/run_status.py). Exit 0, or 2 for bad input:
no such directory, a journal that cannot be read (its row says so, and one line names the file).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from rollout.i18n import N_, _
from rollout.phrasebook import say, say_phase

COLUMNS = (N_("run"), N_("journal"), N_("started (UTC)"), N_("duration"))


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("runs", help="past and present runs with their outcome and duration (read only)")
    p.add_argument("root", metavar="DIR", nargs="?", default=".turnout", help="where the run directories are (default .turnout)")
    p.add_argument("--json", action="store_true", help="a JSON list, one object per run")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rollout.errors import JournalError, PlanError

    from .run_status import RunRecord, journals_in, read_run, run_dirs

    if not os.path.isdir(args.root):
        print(_("turnout runs: {root}: no such directory").format(root=args.root), file=sys.stderr)
        return 2
    records, bad = [], 0
    for run_dir in run_dirs(args.root):
        for journal in journals_in(run_dir):
            try:
                records.append(read_run(journal))
            except (JournalError, PlanError) as exc:
                print(_("turnout runs: {exc}").format(exc=say(str(exc))), file=sys.stderr)
                records.append(RunRecord(journal, phase="unreadable"))
                bad += 1
    _print(records, args.json)
    return 2 if bad else 0


def _print(records: list, as_json: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    from .run_status import span, status_json

    if as_json:
        print(json.dumps([status_json(r) for r in records], indent=2))
        return
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in COLUMNS:
        table.add_column(_(column), no_wrap=True)
    table.add_column(_("outcome"), overflow="fold")
    for r in records:
        table.add_row(os.path.basename(r.run_dir), _("current") if os.path.basename(r.journal) == "journal.jsonl" else _("archived"),
                      "-" if r.started_at is None else time.strftime("%Y-%m-%d %H:%M", time.gmtime(r.started_at)),
                      span(r.duration), _outcome(r))
    Console(soft_wrap=False).print(table if records else _("no runs"))


def _outcome(r) -> str:
    """How the run ended, in the reader's words (the record keeps the English for --json)."""
    if r.outcome:
        return _(r.outcome)
    if r.phase in ("not started", "unreadable", "unknown"):
        return _(r.phase)
    return _("unfinished ({phase})").format(phase=say_phase(r.phase))
