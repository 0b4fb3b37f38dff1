"""``turnout run PLAN``: conduct a live rollout (TUI on a terminal; ``--headless`` prints a line per event).

Resumable: the journal under the run directory is replayed on start, and the run carries on
from where it was after reconciling with the weights the load balancer really has.
A run whose journal says it finished (completed, rolled back, halted) is not started again:
the command is refused in one line unless ``--new-run`` asks for a new run; a run that would
start fresh while the load balancer gives Y weight is refused, pointing at ``--rollback``.
Exit 0 completed, 1 rolled back or halted (or held and left), 2 bad input or a refusal
(the operator must say what they mean: ``--new-run``, ``--resume``, ``--rollback``).
``--rollback`` on a journal that cannot be used (corrupt, unreadable, missing, unwritable) rolls
back without it (adapters/emergency.py): 0 when Y ends at 0, else 1. SIGTERM and SIGHUP hold the
run (journaled, the load balancer left as it is): 1; so does Ctrl-C (SIGINT) on a headless run: 130.
Every exit prints the exit summary (tui/exit_summary.py): the outcome, the load balancer's weights
read back from it (or the journal's last applied ones, said so), the journal, and the commands
to go on. On a terminal, a fresh run opens on its plan summary and waits for ``s``, ``y``.

This module only parses and prints: opening the run (locks, start or resume, reconciling with
the load balancer) is adapters/run.py's ``LiveRun``; the operator is the cockpit, or on a
headless run tui/headless.py's stand-in.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from typing import TYPE_CHECKING

from rollout.i18n import _
from rollout.phrasebook import say
from rollout.i18n import N_

from .plan_input import add_env_file_flag, fill_env_or_report, load_or_report

if TYPE_CHECKING:
    from .headless import HeadlessOperator

TERMINAL_GONE_S = 5.0  # the cockpit restores a live terminal well within this


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="conduct a live rolling upgrade (resumes from its journal)")
    p.add_argument("plan", metavar="PLAN")
    p.add_argument("--headless", action="store_true", help="no TUI: one line per event")
    p.add_argument("--auto-approve", action="store_true", help="approve manual steps (pipelines)")
    p.add_argument("--json", action="store_true", help="print the summary object at the end (implies --headless)")
    p.add_argument("--run-dir", help="where the journal and lock live (default .turnout/<plan name>)")
    p.add_argument("--resume", action="store_true", help="a held run: resume it (headless operator intent)")
    p.add_argument("--rollback", action="store_true", help="roll the run back now (headless operator intent)")
    p.add_argument("--new-run", action="store_true",
                   help="the run in RUN_DIR finished: archive its journal and start a new run (from 100%% on X)")
    p.add_argument("--serve", action="store_true",
                   help="headless, serving RUN_DIR/control.sock for `turnout attach`; holds and approvals wait for an operator")
    p.add_argument("--detach", action="store_true",
                   help="start a --serve conductor in the background (log in RUN_DIR/conductor.log) and return")
    p.add_argument("--konnect-backup-taken", action="store_true",
                   help="mode konnect without konnect.backup.command: you took the control plane's backup by hand "
                        "(headless runs refuse to start without it)")
    add_env_file_flag(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from adapters.konnect_backup import NotConfirmed
    from adapters.run import Refused, Rescued, check_live, default_run_dir
    from adapters.rundir import RunDir, Unsafe

    plan = load_or_report(args.plan)
    if plan is None or not fill_env_or_report(plan, args.plan, args.env_file):
        return 2
    if args.new_run and (args.resume or args.rollback):
        print(_("turnout: --new-run starts a new run; it does not go with --resume or --rollback (they act on the run in RUN_DIR)"), file=sys.stderr)
        return 2
    try:
        check_live(plan, args.plan)
        run_dir = RunDir(args.run_dir or default_run_dir(plan))
        run_dir.check_private()
    except (Refused, Unsafe) as exc:
        _print_said(str(exc))
        return 2
    try:
        args.backup_taken = _backup_taken(args, plan)
    except NotConfirmed as exc:
        print(_("turnout: {plan}: {exc}").format(plan=args.plan, exc=say(str(exc))), file=sys.stderr)
        return 2
    if args.detach:
        from .detach import detach

        return detach(args, run_dir.path)
    try:
        return asyncio.run(_conduct(args, plan, run_dir.path))
    except Rescued as rescued:  # --rollback without a usable journal: each line says what happened
        _print_said(str(rescued))
        return 0 if rescued.rolled_back else 1
    except Refused as exc:
        _print_said(str(exc))
        return 2


def _print_said(text: str) -> None:
    """An adapter's English lines (a refusal, a rescue's story) on stderr, each said in the reader's language."""
    for line in text.splitlines():
        print(say(line), file=sys.stderr)


def _backup_taken(args: argparse.Namespace, plan) -> str:
    """Konnect without a backup command: the flag, or (at a terminal, in the cockpit) the operator's yes."""
    from adapters.konnect_backup import confirm_by_hand

    interactive = not (args.headless or args.json or args.serve or args.detach) and sys.stdin.isatty() and sys.stdout.isatty()
    return "" if args.rollback else confirm_by_hand(plan, args.konnect_backup_taken, input if interactive else None)


async def _conduct(args: argparse.Namespace, plan, run_dir: str) -> int:
    from adapters.live import signals_deferred, signals_hold
    from adapters.run import Intent, LiveRun
    from rollout.summary import summarize

    from .headless import HeadlessOperator

    with signals_deferred() as early:  # an emergency rollback in open() is never cut in half
        live = await LiveRun.open(plan, args.plan, run_dir, Intent(resume=args.resume, rollback=args.rollback,
                                                                   new_run=args.new_run, backup_taken=args.backup_taken))
    if early:
        live.close()
        print(_("turnout: {early} arrived while the run was opening; nothing was conducted. The run is held where it was: resume with turnout run {plan} --resume, or roll back with --rollback").format(
            early=early[0], plan=args.plan), file=sys.stderr)
        return 130 if early[0] == "SIGINT" else 1
    for line in live.warnings:
        print(say(line), file=sys.stderr)
    headless = args.headless or args.json or args.serve or not sys.stdout.isatty()
    # Headless, the stand-in operates the run (prints, auto-approves, stops on a hold); in the
    # TUI the operator is there, and the stand-in only auto-approves when asked to.
    operator = HeadlessOperator(quiet=args.json, auto_approve=args.auto_approve, silent=not headless, attachable=args.serve)
    # In the cockpit a fresh run waits on its plan summary for the operator's start (s, y).
    conductor = live.conductor(observer=operator.observe, on_idle=operator.idle,
                               wait_for_start=not headless and not args.auto_approve)
    operator.operate(conductor)
    if live.note and headless:
        operator.say(say(live.note))
    try:
        with signals_hold(conductor):  # SIGTERM/SIGHUP/SIGINT: journaled, held, and everything below still runs
            await _drive(args, live, conductor, operator, headless)
        if args.rollback and conductor.journal_failure is not None:
            with signals_deferred():  # finish the rollback whatever arrives
                rescued = await live.rescue()
            _print_said(str(rescued))
            return 0 if rescued.rolled_back else 1
        weights = await live.lb_weights()
    finally:
        live.close()
    _say_goodbye(live, conductor, operator, weights)
    if args.json:
        print(json.dumps(summarize(live.engine), indent=2))
    if conductor.stopped_by == "stopped by SIGINT":
        return 130  # Ctrl-C, as before; the run is held and the summary says how to go on
    return 0 if live.completed else 1


def _say_goodbye(live, conductor, operator: HeadlessOperator, weights) -> None:
    """The exit summary (tui/exit_summary.py), then the held line when the run was left unfinished
    (last, where scripts and the operator look for it)."""
    from adapters.new_run import command
    from rollout.phases import Phase

    from .exit_summary import ExitSummary, Weights, live_commands, terminal_columns

    snap, started = live.engine.snapshot(conductor.now), live.engine.phase != Phase.NEW

    def go_on(flag: str) -> str:
        return command(live.plan, live.plan_path, live.rundir.path, flag).rstrip()
    summary = ExitSummary(snap, Weights(*weights), live.rundir.journal_path, live_commands(snap, go_on, started), started)
    for line in summary.lines(terminal_columns(operator.stream)):
        operator.say(line)
    if started and (held := live.held()):
        operator.say(say(held))


async def _drive(args: argparse.Namespace, live, conductor, operator: HeadlessOperator, headless: bool) -> None:
    """Conduct served, headless, or in the cockpit (which leaves when the conductor stops by itself)."""
    if args.serve:
        await live.serve(conductor, lambda line: operator.say(say(line)))
    elif headless:
        await conductor.run()
    else:
        from .app import TurnoutApp

        app = TurnoutApp(conductor)
        # A terminal that hung up (SIGHUP: the SSH session is gone) never lets the app restore it;
        # the note is journaled by then, so leave anyway (the kernel gives the locks back).
        watchdog = threading.Timer(TERMINAL_GONE_S, os._exit, (1,))
        watchdog.daemon = True

        def leave() -> None:
            watchdog.start()
            app.leave()
        conductor.on_stopped = leave
        try:
            await app.run_async()
        finally:
            watchdog.cancel()
