"""``turnout report RUN_DIR``: a live run's journal told as a report (HTML with charts, or Markdown).

The journal is verified first (a corrupt one is one line on stderr, exit 2); the plan comes
from ``--plan`` or is found by the sha256 the journal's RunStarted recorded (tui/reports/live.py).
With neither ``--html`` nor ``--md`` the Markdown goes to stdout. Exit 0 written, 2 bad input.
"""

from __future__ import annotations

import argparse
import sys

from rollout.i18n import _


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="a run's journal as a report: timeline, windows, approvals, backups, rollback")
    p.add_argument("run_dir", metavar="RUN_DIR", help="the run's directory (.turnout/<plan>/ or the run's --run-dir)")
    p.add_argument("--plan", metavar="PLAN", help="the plan the run ran (default: the plan file whose sha256 the journal names)")
    p.add_argument("--html", metavar="FILE", help="write a self-contained HTML page with charts")
    p.add_argument("--md", metavar="FILE", help="write Markdown tables (for a change ticket)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rollout.errors import JournalError, PlanError
    from rollout.phrasebook import say
    from tui.reports.build import run_report
    from tui.reports.live import ReportRefused, live_story
    from tui.reports.write import render, write_text

    try:
        story = live_story(args.run_dir, args.plan, lambda line: print(say(line), file=sys.stderr))
    except (JournalError, ReportRefused) as exc:
        print(say(str(exc)), file=sys.stderr)
        return 2
    except PlanError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    what = _("the live run") if story.world == "live" else _("the {world} run").format(world=say(story.world))
    if args.html:
        write_text(render(run_report(story, what), "html"), args.html)
        print(_("report: {html}").format(html=args.html), file=sys.stderr)
    if args.md:
        write_text(render(run_report(story, what, with_charts=False), "md"), args.md)
        print(_("report: {md}").format(md=args.md), file=sys.stderr)
    if not (args.html or args.md):
        print(render(run_report(story, what, with_charts=False), "md"))
    return 0
