"""``turnout rehearse PLAN``: play the plan (rollout and rollback) in the simulated world.

Works on any plan whatever its load balancer: the simulated world stands in for the nodes,
the load balancer and the metrics. On a terminal (and without --json, --headless or --runs)
the operator conducts the rehearsal in the TUI; otherwise one run prints its timeline and
summary (or the JSON object), and ``--runs N`` prints the plan's Monte Carlo report card.
``--report FILE.html|FILE.md`` also writes a report for a change board (tui/reports/): a single
run's is told from its journal (kept in a temporary file), exactly as ``turnout report`` tells a
live run's.
Exit 0 completed (every run, with --runs), 1 rolled back or halted, 2 bad plan or scenario.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

from rollout.i18n import N_, _


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("rehearse", help="rehearse a plan in the simulated world (timeline, or Monte Carlo report card)")
    p.add_argument("plan", metavar="PLAN")
    p.add_argument("--scenario", metavar="FILE", help="traffic, node behaviour and faults (default: a healthy world sized from the plan)")
    p.add_argument("--seed", type=int, default=0,
                   help="same seed, same rehearsal (default 0); run i of a Monte Carlo is the rehearsal of seed SEED+i")
    p.add_argument("--exact", action="store_true", help="one SimPy process per request (slow; the fast mode's reference)")
    p.add_argument("--runs", type=int, metavar="N", help="Monte Carlo: N independent runs on every core, then the report card")
    p.add_argument("--json", action="store_true", help="print one JSON object (implies --headless)")
    p.add_argument("--headless", action="store_true", help="no TUI: approvals are given automatically, a hold ends the run")
    p.add_argument("--report", metavar="FILE", help="also write a report: FILE.html (charts, self-contained) or FILE.md (tables)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rollout.errors import PlanError
    from rollout.plan import load_plan
    from sim.scenario import default_scenario, load_scenario

    if args.report and not _report_format_ok(args.report):
        return 2
    try:
        plan = load_plan(args.plan)
        scenario = load_scenario(args.scenario, plan) if args.scenario else default_scenario(plan)
    except PlanError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    if args.runs is not None:
        if args.runs < 1:
            print(_("{plan}: --runs must be at least 1, got {runs}").format(plan=args.plan, runs=args.runs), file=sys.stderr)
            return 2
        from sim.report import monte_carlo_text  # here, not above: the TUI's first frame does not wait for SciPy

        card, records = _monte_carlo(plan, scenario, args)
        print(json.dumps(card, indent=2) if args.json else monte_carlo_text(card, _title(plan, scenario)))
        if args.report:
            from tui.reports.write import write_monte_carlo

            write_monte_carlo(card, records, plan, scenario, args.report)
            print(_("report: {report}").format(report=args.report), file=sys.stderr)
        return 0 if card["outcomes"]["completed"] == card["runs"] else 1
    with tempfile.TemporaryDirectory(prefix="turnout-rehearsal-") as tmp:
        journal = os.path.join(tmp, "journal.jsonl") if args.report else None
        code = _one_run(plan, scenario, args, journal)
        if args.report:
            _write_run_report(plan, scenario, journal, args.report)
    return code


def _one_run(plan, scenario, args, journal: str | None) -> int:
    """One rehearsal, in the TUI on a terminal or headless; journaled to ``journal`` when a report is wanted."""
    if not (args.json or args.headless) and sys.stdout.isatty():
        code = _interactive(plan, scenario, args, journal)
        if code is not None:
            return code
    from sim.report import run_json, run_text
    record = _headless_run(plan, scenario, args, journal)
    print(json.dumps(run_json(record), indent=2) if args.json else run_text(record, _title(plan, scenario)))
    return 0 if record.outcome == "completed" else 1


def _title(plan, scenario) -> str:
    """What a rehearsal's log and card are of: the plan in the scenario's world."""
    return _("{plan} in {scenario}").format(plan=plan.name, scenario=scenario.name)


def _headless_run(plan, scenario, args: argparse.Namespace, journal: str | None):
    """One headless rehearsal; the exact mode (minutes of wall time) shows a progress bar."""
    from sim.session import Rehearsal, planned_duration
    from tui.progress import sim_progress, wanted

    with sim_progress(planned_duration(plan), _("rehearsing {plan} (exact)").format(
        plan=plan.name), args.exact and wanted(args.json)) as on_advance:
        return Rehearsal(plan, scenario, seed=args.seed, exact=args.exact, journal_path=journal).run_to_end(on_advance)


def _monte_carlo(plan, scenario, args: argparse.Namespace) -> tuple[dict, list]:
    """Run the Monte Carlo (a progress bar on a terminal's stderr); its report card and its records."""
    from sim.card import provenance
    from sim.report import monte_carlo_json
    from sim.runner import monte_carlo
    from tui.progress import run_progress, wanted

    with run_progress(args.runs, _("rehearsing {plan}").format(plan=plan.name), wanted(args.json)) as advance:
        records = monte_carlo(plan, scenario, args.runs, seed=args.seed, exact=args.exact, on_run=advance)
    about = provenance(plan.name, args.plan, scenario.name, args.scenario, args.seed)
    return monte_carlo_json(records, about, tuple(s.y for s in plan.steps)), records


def _report_format_ok(path: str) -> bool:
    from tui.reports.write import report_format

    if report_format(path) is None:
        print(_("{path}: --report writes FILE.html or FILE.md").format(path=path), file=sys.stderr)
        return False
    return True


def _write_run_report(plan, scenario, journal: str, path: str) -> None:
    """The rehearsal's journal tells its story, exactly as a live run's does (tui/reports/story.py)."""
    from rollout.journal import load
    from tui.reports.story import story_of
    from tui.reports.write import write_run

    write_run(story_of(plan, load(journal).events), _("the rehearsal in {scenario}").format(scenario=scenario.name), path)
    print(_("report: {path}").format(path=path), file=sys.stderr)


def _interactive(plan, scenario, args, journal: str | None = None) -> int | None:
    """The TUI, when it is installed; None means: fall back to headless output.

    The first frame is drawn before the simulator is imported (tui.app.run_rehearsal_opening):
    SimPy, NumPy and SciPy load behind it, in a worker."""
    try:
        from tui.app import run_rehearsal_opening
    except ImportError as exc:
        print(_("turnout: the interactive screen is unavailable ({exc}); printing the headless rehearsal").format(
            exc=exc), file=sys.stderr)
        return None
    built = []  # the rehearsal, once the opening screen's worker has built it

    def build():
        from sim.session import Rehearsal

        built.append(Rehearsal(plan, scenario, seed=args.seed, exact=args.exact, auto_approve=False, journal_path=journal))
        return built[0]

    code = run_rehearsal_opening(plan.name, build)
    if built:
        _exit_summary(built[0].snapshot(), args)
    return code


def _exit_summary(snap, args: argparse.Namespace) -> None:
    """What stays on the terminal once the cockpit closes (tui/exit_summary.py): nothing real moved."""
    import shlex

    from .exit_summary import ExitSummary, Weights, terminal_columns

    weights = Weights(snap.applied or (100, 0), N_("the simulated load balancer; nothing real was touched"))
    again = shlex.join(["turnout", "rehearse", args.plan] + (["--scenario", args.scenario] if args.scenario else [])
                       + ["--seed", str(args.seed)])
    summary = ExitSummary(snap, weights, commands=[(N_("rehearse again"), again)], unfinished=N_("stopped and discarded"))
    for line in summary.lines(terminal_columns(sys.stdout)):
        print(line)
