"""A live run's lifecycle: open it (start, or resume from its journal), conduct it, close it.

The twin of sim/session.py for the real world, so that ``turnout run`` only parses its
arguments, calls this and prints. ``LiveRun.open`` decides, in this order:

1. the run directory's lock and the target's lock (one operator per run, one per load
   balancer); the kernel drops both if the process dies, so a crash never blocks a restart;
2. start or resume: an unfinished journal is replayed into a fresh engine; a journal whose
   run started from another version of the plan file is refused (its steps and gates may no
   longer mean what the journal recorded); a finished run is refused in one line (what
   happened, when) unless the operator asked for ``--new-run``: then its journal is archived
   and a new run starts, but only from a load balancer at 100% X (adapters/new_run.py);
3. a resumed run is reconciled with the weights the load balancer really has (``Resumed``:
   someone may have moved it while Turnout was down), then the operator's intent from the
   command line follows (resume a hold, or roll back).

Each refusal is a ``Refused`` whose text is the one line the operator sees; the locks are
released again. Headless output and the cockpit are the caller's: they receive the engine's
progress through the conductor (adapters/live.py).
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shlex
from dataclasses import dataclass, field
from typing import Any, Callable

from rollout import events as ev
from rollout.engine import Engine
from rollout.i18n import N_
from rollout.errors import AdapterError, JournalError, JournalIOError, PlanError, TurnoutError
from rollout.journal import Journal
from rollout.phases import Phase
from rollout.plan import Plan
from rollout.ports import World
from rollout.replay import replay

from .live import LiveConductor, adapter_notes
from .new_run import changed_plan, finished_refusal, lb_not_at_x, unfinished_refusal
from .rundir import Locked, RunDir, plan_sha256, slug
from .target_lock import TargetLock

READBACK_S = 5.0  # how long the exit summary waits for the load balancer's weights


class Refused(TurnoutError):
    """The run cannot be opened; the message is the whole line the operator sees."""


class JournalUnusable(Refused):
    """The run's journal cannot be read or opened (``error``: corrupt, unreadable, or no journal
    for a ``--rollback``). Refused, except for a rollback, which goes on without it (``Rescued``)."""

    def __init__(self, error: JournalError):
        self.error = error
        super().__init__(f"turnout: {error}")


class Rescued(TurnoutError):
    """The run could not be opened from its journal, so ``--rollback`` went on without it
    (adapters/emergency.py): ``lines`` say what happened, ``rolled_back`` whether Y is at 0."""

    def __init__(self, lines: list[str], rolled_back: bool):
        self.lines = lines
        self.rolled_back = rolled_back
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class Intent:
    """What the operator asked for on the command line: for a run that resumes (``--resume``,
    ``--rollback``), or a new run over a finished one (``--new-run``)."""

    resume: bool = False
    rollback: bool = False
    new_run: bool = False
    backup_taken: str = ""  # Konnect without a backup command: how the operator confirmed a manual backup


def default_run_dir(plan: Plan) -> str:
    return os.path.join(".turnout", slug(plan.name))


def check_live(plan: Plan, plan_path: str) -> None:
    """A plan for the simulated world cannot touch a real one."""
    if plan.load_balancer.rehearsal_only:
        raise Refused(N_("{plan}: load_balancer.type: sim plans run only in rehearsal (turnout rehearse)").format(plan=plan_path))


@dataclass
class LiveRun:
    """One opened live run: its locks, world, engine, journal and the events that open it."""

    plan: Plan
    plan_path: str
    rundir: RunDir
    target: TargetLock
    world: World
    engine: Engine
    first: list[Any] = field(default_factory=list)  # fed before anything else: RunStarted, or Resumed (+ intent)
    note: str = ""  # "resuming the run in ... at ..." (empty for a fresh run)
    warnings: list[str] = field(default_factory=list)  # lines for stderr (the LB's weights could not be read)
    journal: Journal | None = None
    driver: LiveConductor | None = None  # the conductor, once asked for

    @classmethod
    async def open(cls, plan: Plan, plan_path: str, run_dir: str, intent: Intent = Intent()) -> LiveRun:
        """Lock, build the world, start or resume, reconcile; raise ``Refused`` (locks released) otherwise."""
        check_live(plan, plan_path)
        rundir, target = RunDir(run_dir), TargetLock(plan, plan_path)
        try:
            rundir.lock()
            await target.identify(rollback=intent.rollback)  # asks the LB which one it is (adapters/lock_identity.py)
            target.acquire()
        except Locked as exc:
            rundir.unlock()
            raise Refused(N_("turnout: {why}").format(why=exc)) from None
        try:
            try:
                return await cls._open_locked(plan, plan_path, rundir, target, intent)
            except JournalUnusable as exc:
                if not intent.rollback:  # the way out does not need the journal: say so on the same line
                    raise Refused(N_("{why}; traffic goes back to X without it: {command}").format(
                        why=exc, command=f"turnout run {shlex.quote(plan_path)} --rollback")) from None
                from .world import build_world
                raise await _rescue(build_world(plan, rundir.path), plan_path, rundir, exc.error) from None
        except BaseException:
            target.release()
            rundir.unlock()
            raise

    @classmethod
    async def _open_locked(cls, plan: Plan, plan_path: str, rundir: RunDir, target: TargetLock, intent: Intent) -> LiveRun:
        from .world import build_world, plan_secrets  # the real adapters: httpx and the LB's client

        try:
            confirmed = {"backup_taken": intent.backup_taken} if intent.backup_taken else {}  # Konnect's manual backup only
            world = build_world(plan, rundir.path, **confirmed)
        except PlanError as exc:  # wiring found what validation did not: one located line per problem
            raise Refused("\n".join(str(dataclasses.replace(p, file=plan_path)) for p in exc.problems)) from None
        if intent.rollback and not os.path.exists(rundir.journal_path):  # the emergency path's (adapters/emergency.py)
            raise JournalUnusable(JournalIOError(rundir.journal_path, N_("no journal (nothing says where this run was)")))
        engine, first, note = await _resume_or_start(plan, plan_path, rundir, world, intent)
        run = cls(plan, plan_path, rundir, target, world, engine, first, note)
        run.first += await run._reconcile(intent)
        run.warnings += target.warnings  # the lock's fallbacks: a key from the plan's words, a lock dir in /tmp
        run.first += adapter_notes(world, world.runtime.now())
        try:
            run.journal = Journal(rundir.journal_path, secrets=plan_secrets(plan))  # verifies, cuts a torn tail
        except JournalError as exc:
            raise JournalUnusable(exc) from None
        if run.journal.recovered:
            run.first.append(ev.Noted(world.runtime.now(), "warn", run.journal.recovered))
        return run

    async def _reconcile(self, intent: Intent) -> list:
        """After a restart: ask the load balancer what it really has, then apply the operator's intent."""
        if self.engine.phase == Phase.NEW:
            return []
        now = self.world.runtime.now()
        try:
            x, y = await self.world.lb.get_weights()
            first: list = [ev.Resumed(now, x, y)]
        except AdapterError as exc:
            self.warnings.append(N_("turnout: cannot read the load balancer's weights: {why}").format(why=exc))
            first = [ev.Resumed(now)]
        if intent.rollback:
            first.append(ev.RollbackRequested(now, "operator (--rollback)"))
        elif intent.resume:
            first.append(ev.ResumeRequested(now))
        return first

    def conductor(self, observer: Callable[[Engine, list], None] | None = None,
                  on_idle: Callable[[], None] | None = None, wait_for_start: bool = False) -> LiveConductor:
        """The driver for this run, fed the opening events first. ``wait_for_start`` (the cockpit, a
        fresh run, no ``--auto-approve``) holds them until the operator's start; a resumed run has
        traffic on Y already and its gates must keep judging, so it never waits."""
        assert self.journal is not None, "open() first"
        wait = wait_for_start and self.engine.phase == Phase.NEW
        self.driver = LiveConductor(self.engine, self.world, self.journal, first=self.first, observer=observer,
                                    on_idle=on_idle, wait_for_start=wait)
        return self.driver

    async def serve(self, conductor: LiveConductor, say: Callable[[str], None]) -> None:
        """Conduct and let cockpits attach (``turnout attach``); the run decides when this ends, not a terminal."""
        from .control import ControlServer, socket_path

        server = ControlServer(conductor, socket_path(self.rundir.path))
        await server.start()
        say(N_("serving {path}: attach with `turnout attach` on the same plan").format(path=server.path))
        try:
            await conductor.run()
        finally:
            await server.close()

    @property
    def completed(self) -> bool:
        return self.engine.phase == Phase.DONE

    def held(self) -> str | None:
        """How to go on with a run left held or waiting for an approval, else None."""
        if stopped := self._stopped_by_itself():
            return stopped
        engine = self.engine
        if engine.phase != Phase.PAUSED and engine.pending_approval is None:
            return None
        why = engine.reason if engine.phase == Phase.PAUSED else N_("step {step} waits for approval").format(
            step=engine.pending_approval + 1)
        return N_("held: {why}. Go on with: {command} --resume (or --rollback)").format(
            why=why, command=f"turnout run {self.plan_path}")

    def _stopped_by_itself(self) -> str | None:
        """The conductor stopped the run unfinished: an event it could not journal, or a signal."""
        driver, go_on = self.driver, f"turnout run {self.plan_path} --resume (or --rollback)"
        if driver is None or self.engine.finished:
            return None
        if driver.journal_failure is not None:
            return N_("held: {why}: the event was not journaled, so it was not acted upon; "
                      "the load balancer is left as it is. Once the journal can be written: {go_on}; "
                      "`{command} --rollback` works even if it cannot").format(
                why=driver.journal_failure, go_on=go_on, command=f"turnout run {self.plan_path}")
        if driver.stopped_by:
            return N_("held: {why}; the load balancer is left as it is. Go on with: {go_on}").format(
                why=driver.stopped_by, go_on=go_on)
        return None

    async def lb_weights(self) -> tuple[tuple[int, int] | None, str]:
        """The load balancer's split as it stands, for the exit summary, and where it was read:
        from the load balancer itself, or (when it does not answer) the journal's last applied weights."""
        try:
            return tuple(await asyncio.wait_for(self.world.lb.get_weights(), READBACK_S)), N_("read back from the load balancer")
        except (AdapterError, asyncio.TimeoutError) as exc:
            why = str(exc) or N_("no answer within {seconds}s").format(seconds=f"{READBACK_S:g}")
            if self.engine.applied is None:
                return None, N_("the load balancer did not answer ({why}) and the journal records no change").format(why=why)
            return self.engine.applied, N_("the journal's last applied weights; the load balancer did not answer: {why}").format(why=why)

    async def rescue(self) -> Rescued:
        """``--rollback`` whose first events could not be journaled: roll back without the journal."""
        assert self.driver is not None and self.driver.journal_failure is not None, "a journal failure first"
        return await _rescue(self.world, self.plan_path, self.rundir, self.driver.journal_failure)

    def close(self) -> None:
        """Close the journal and give the locks back (the journal keeps an unfinished run resumable)."""
        if self.journal is not None:
            self.journal.close()
        self.target.release()
        self.rundir.unlock()


async def _resume_or_start(plan: Plan, plan_path: str, rundir: RunDir, world: World,
                           intent: Intent) -> tuple[Engine, list, str]:
    """Replay an unfinished journal; refuse a finished one unless ``--new-run`` (then archive it and
    start fresh); refuse to start fresh while the load balancer gives Y weight."""
    sha = plan_sha256(plan_path)
    try:
        events = rundir.previous_events()
    except JournalError as exc:
        raise JournalUnusable(exc) from None
    if events:
        if changed_plan(events[0], sha):
            raise Refused(N_("{plan}: the plan changed since the run in {run_dir} started; "
                             "finish or roll back that run first (or use another --run-dir)").format(plan=plan_path, run_dir=rundir.path))
        engine = replay(plan, events)
        if not engine.finished:
            if intent.new_run:
                raise Refused(unfinished_refusal(engine, plan_path, rundir))
            return engine, [], N_("resuming the run in {run_dir} at {phase} ({events} events replayed)").format(
                run_dir=rundir.path, phase=engine.phase, events=len(events))
        if not intent.new_run:
            raise Refused(finished_refusal(engine, plan_path, rundir))
    if (intent.new_run or not intent.rollback) and (line := await lb_not_at_x(world, plan_path, rundir.path)):
        raise Refused(line)  # --rollback without a journal is the emergency path's, not a new run's
    now = world.runtime.now()
    first: list = [ev.RunStarted(now, plan.name, sha, "live")]
    if events:
        first.append(ev.Noted(now, "info", N_("a new run: the finished run's journal is archived as {path}").format(path=rundir.archive())))
    return Engine(plan), first, ""


async def _rescue(world: World, plan_path: str, rundir: RunDir, problem: JournalError) -> Rescued:
    """``--rollback`` when the journal cannot be used: from the load balancer and Kong alone, under the run's locks."""
    from .emergency import rollback_without_journal
    from .world import plan_secrets

    lines: list[str] = []
    ok = await rollback_without_journal(world, plan_path, rundir.journal_path, problem, plan_secrets(world.plan), lines.append)
    return Rescued(lines, ok)
