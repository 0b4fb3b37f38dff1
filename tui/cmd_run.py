"""``turnout run PLAN``: conduct a live rollout (TUI on a terminal; ``--headless`` prints a line per event).

Resumable: the journal under the run directory is replayed on start, and the run carries on
from where it was after reconciling with the weights the load balancer really has.
Exit 0 completed, 1 rolled back or halted (or held and left), 2 bad input.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys

from adapters.rundir import Locked, RunDir, plan_sha256, slug
from adapters.target_lock import TargetLock
from rollout import events as ev
from rollout.errors import AdapterError
from rollout.journal import Journal
from rollout.phases import Phase
from rollout.replay import replay
from rollout.summary import summarize

from .headless import HeadlessPrinter
from .plan_input import load_or_report


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="conduct a live rolling upgrade (resumes from its journal)")
    p.add_argument("plan", metavar="PLAN")
    p.add_argument("--headless", action="store_true", help="no TUI: one line per event")
    p.add_argument("--auto-approve", action="store_true", help="approve manual steps (pipelines)")
    p.add_argument("--json", action="store_true", help="print the summary object at the end (implies --headless)")
    p.add_argument("--run-dir", help="where the journal and lock live (default .turnout/<plan name>)")
    p.add_argument("--resume", action="store_true", help="a held run: resume it (headless operator intent)")
    p.add_argument("--rollback", action="store_true", help="roll the run back now (headless operator intent)")
    p.add_argument("--serve", action="store_true",
                   help="headless, serving RUN_DIR/control.sock for `turnout attach`; holds and approvals wait for an operator")
    p.add_argument("--detach", action="store_true",
                   help="start a --serve conductor in the background (log in RUN_DIR/conductor.log) and return")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    plan = load_or_report(args.plan)
    if plan is None:
        return 2
    from lab.state import lab_env  # a lab plan's key comes from the lab's env file (docs/lab.md)

    for name, value in lab_env(args.plan).items():
        os.environ.setdefault(name, value)
    if plan.load_balancer.type == "sim":
        print(f"{args.plan}: load_balancer.type: sim plans run only in rehearsal (turnout rehearse)", file=sys.stderr)
        return 2
    rundir = RunDir(args.run_dir or os.path.join(".turnout", slug(plan.name)))
    if args.detach:
        from .detach import detach

        return detach(args, rundir.path)
    target = TargetLock(plan, args.plan)
    try:
        rundir.lock()
        target.acquire()
    except Locked as exc:
        rundir.unlock()
        print(f"turnout: {exc}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(_conduct(args, plan, rundir))
    finally:
        target.release()
        rundir.unlock()


async def _conduct(args: argparse.Namespace, plan, rundir: RunDir) -> int:
    from adapters.live import LiveConductor, adapter_notes
    from adapters.world import build_world, plan_secrets

    world = build_world(plan, rundir.path)
    sha = plan_sha256(args.plan)
    engine, first, note = _resume_or_start(plan, rundir, sha, world, args)
    if engine is None:
        print(note, file=sys.stderr)
        return 2
    first += await _reconcile(engine, world, args)
    first += adapter_notes(world, world.runtime.now())
    journal = Journal(rundir.journal_path, secrets=plan_secrets(plan))
    headless = args.headless or args.json or args.serve or not sys.stdout.isatty()
    # Headless, the printer is the operator's stand-in (prints, auto-approves, stops on a hold);
    # in the TUI the operator is there, and the printer only auto-approves when asked to.
    printer = HeadlessPrinter(quiet=args.json, auto_approve=args.auto_approve, silent=not headless, attachable=args.serve)
    conductor = LiveConductor(engine, world, journal, first=first, observer=printer.observe)
    printer.conductor = conductor
    if note and headless:
        printer.say(note)
    try:
        if args.serve:
            await _serve(conductor, rundir, printer)
        elif headless:
            await conductor.run()
        else:
            from .app import run_live_async
            await run_live_async(conductor)
    finally:
        journal.close()
    if engine.phase == Phase.PAUSED or engine.pending_approval is not None:
        why = engine.reason if engine.phase == Phase.PAUSED else f"step {engine.pending_approval + 1} waits for approval"
        printer.say(f"held: {why}. Go on with: turnout run {args.plan} --resume (or --rollback)")
    if args.json:
        print(json.dumps(summarize(engine), indent=2))
    return 0 if engine.phase == Phase.DONE else 1


async def _serve(conductor, rundir: RunDir, printer: HeadlessPrinter) -> None:
    """Conduct headless and let cockpits attach; the run decides when this ends, not a terminal."""
    from adapters.control import ControlServer, socket_path

    server = ControlServer(conductor, socket_path(rundir.path))
    await server.start()
    printer.say(f"serving {server.path}: attach with `turnout attach` on the same plan")
    try:
        await conductor.run()
    finally:
        await server.close()


def _resume_or_start(plan, rundir: RunDir, sha: str, world, args):
    """Replay an unfinished journal, or archive a finished one and start fresh."""
    try:
        events = rundir.previous_events()
    except (ValueError, OSError) as exc:
        return None, [], f"{rundir.journal_path}: cannot read the journal: {exc}"
    if events:
        started = events[0]
        if isinstance(started, ev.RunStarted) and started.plan_sha256 and started.plan_sha256 != sha:
            return None, [], (f"{args.plan}: the plan changed since the run in {rundir.path} started; "
                              "finish or roll back that run first (or use another --run-dir)")
        engine = replay(plan, events)
        if not engine.finished:
            return engine, [], f"resuming the run in {rundir.path} at {engine.phase} ({len(events)} events replayed)"
        rundir.archive()
    from rollout.engine import Engine
    return Engine(plan), [ev.RunStarted(world.runtime.now(), plan.name, sha, "live")], ""


async def _reconcile(engine, world, args) -> list:
    """After a restart: ask the load balancer what it really has, then apply the operator's intent."""
    if engine.phase == Phase.NEW:
        return []
    now = world.runtime.now()
    try:
        x, y = await world.lb.get_weights()
        first: list = [ev.Resumed(now, x, y)]
    except AdapterError as exc:
        print(f"turnout: cannot read the load balancer's weights: {exc}", file=sys.stderr)
        first = [ev.Resumed(now)]
    if args.rollback:
        first.append(ev.RollbackRequested(now, "operator (--rollback)"))
    elif args.resume:
        first.append(ev.ResumeRequested(now))
    return first
