"""When a new run may start: never over a finished one by accident, never while Y has traffic.

Re-typing ``turnout run PLAN`` after a run rolled back used to archive its journal without a
word and start a new rollout onto the same faulty Y. A finished journal is now the end of
that run: the command is refused in one line saying what happened and when, and a new run
starts only when the operator says so (``--new-run``). That line is built here, for
``turnout run`` and for ``turnout attach`` alike.

A run that starts fresh (no journal, or ``--new-run``) must find the load balancer sending
everything to X. If Y has weight, a run was in progress and its journal is gone (deleted, or
another ``--run-dir``): starting over would reset Y's share without a word and lose the
only record of why it had traffic. The operator is pointed at ``--rollback`` instead.

Everything here returns the operator's line (or None); adapters/run.py raises it as
``Refused``.
"""

from __future__ import annotations

import os
import shlex
import time

from rollout import events as ev
from rollout.engine import Engine
from rollout.errors import AdapterError, TurnoutError
from rollout.i18n import N_
from rollout.journal import Journal
from rollout.phases import Phase
from rollout.plan import Plan
from rollout.ports import World
from rollout.replay import replay

from .rundir import RunDir, plan_sha256, slug

OUTCOMES = {Phase.DONE: N_("completed at {stamp}"), Phase.ROLLED_BACK: N_("rolled back at {stamp}"),
            Phase.HALTED: N_("halted at {stamp}")}


def command(plan: Plan, plan_path: str, run_dir: str, flag: str) -> str:
    """The command line an operator types next, quoted for a shell; ``--run-dir`` only when the run is
    not in the default one."""
    default = os.path.join(".turnout", slug(plan.name))
    where = "" if os.path.normpath(run_dir) == os.path.normpath(default) else f" --run-dir {shlex.quote(run_dir)}"
    return f"turnout run {shlex.quote(plan_path)}{where} {flag}"


def finished_at(engine: Engine) -> float:
    """When the run reached its end: the timeline marks every phase change; the last event otherwise."""
    ends = [t.at for t in engine.timeline if t.phase == engine.phase.value]
    return ends[0] if ends else engine.now


def what_happened(engine: Engine) -> str:
    """``rolled back at 2026-11-29 07:12:03 UTC (gate error_rate ...)``: outcome, time, and why it stopped."""
    stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(finished_at(engine)))
    reason = " ".join(engine.reason.split())
    said = OUTCOMES[engine.phase].format(stamp=stamp)
    return f"{said} ({reason})" if reason and engine.phase != Phase.DONE else said


def finished_refusal(engine: Engine, plan_path: str, rundir: RunDir) -> str:
    """The one line ``turnout run`` answers when the run in its directory has finished."""
    return N_("turnout: the run in {run_dir} {what}; its journal stays at {journal}. "
              "Start a new run with: {command} (the journal is then archived)").format(
        run_dir=rundir.path, what=what_happened(engine), journal=rundir.journal_path,
        command=command(engine.plan, plan_path, rundir.path, "--new-run"))


def unfinished_refusal(engine: Engine, plan_path: str, rundir: RunDir) -> str:
    """``--new-run`` over a run that has not finished: a new run would abandon it (Y's share, a config
    freeze, a decommissioned X), so the operator finishes or rolls it back first."""
    return N_("turnout: the run in {run_dir} has not finished (at {phase}); --new-run starts a new run "
              "only after one finished. Resume it with: {command}, or roll it back with --rollback").format(
        run_dir=rundir.path, phase=engine.phase, command=command(engine.plan, plan_path, rundir.path, "--resume"))


def finished_run(plan: Plan, plan_path: str, run_dir: str) -> str | None:
    """For ``turnout attach`` when no conductor answers: the line for a finished run in ``run_dir``,
    or None (no journal, an unfinished or unreadable one, or one from another version of the plan)."""
    journal_path = os.path.join(run_dir, "journal.jsonl")
    if not os.path.exists(journal_path):
        return None
    try:
        events = Journal.read(journal_path)
        if not events or changed_plan(events[0], plan_sha256(plan_path)):
            return None
        engine = replay(plan, events)
    except (TurnoutError, OSError):
        return None
    if not engine.finished:
        return None
    return N_("the run in {run_dir} {what}; its journal is {journal}. Start a new run with: {command}").format(
        run_dir=run_dir, what=what_happened(engine), journal=journal_path, command=command(plan, plan_path, run_dir, "--new-run"))


def changed_plan(first: object, sha: str) -> bool:
    """The journal's run started from another version of the plan file (its steps may mean other things now)."""
    return isinstance(first, ev.RunStarted) and bool(first.plan_sha256) and first.plan_sha256 != sha


async def lb_not_at_x(world: World, plan_path: str, run_dir: str) -> str | None:
    """The refusal when a run would start while the load balancer gives Y weight, else None.

    Weights that cannot be read are not a refusal: the run's first commands meet the same
    load balancer and hold the run when it does not answer."""
    try:
        x, y = await world.lb.get_weights()
    except AdapterError:
        return None
    if y <= 0:
        return None
    return N_("turnout: the load balancer has X {x}% / Y {y}%, not 100% on X: a run may have been in progress "
              "and its journal lost; nothing was changed. Bring traffic back to X with: {command}").format(
        x=x, y=y, command=command(world.plan, plan_path, run_dir, "--rollback"))
