"""The live driver: the engine on asyncio with the real adapters. The twin of sim/driver.py.

Loop: take the next event (a command's answer, an operator's intent, or the engine's timer),
journal it (fsynced), feed it to the engine, start the commands it returns. Commands that
touch the load balancer run one at a time in the order issued, so a slow step change can
never land after the rollback that followed it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import signal
import time
from typing import Any, Awaitable, Callable, Iterator, Sequence

from rollout import commands as cmd
from rollout import events as ev
from rollout.engine import Engine
from rollout.execute import execute
from rollout.errors import JournalError
from rollout.intents import admit, is_intent
from rollout.journal import Journal
from rollout.plan import Plan
from rollout.ports import World
from rollout.snapshot import Snapshot
from rollout.i18n import N_

LB_COMMANDS = (cmd.SetWeights, cmd.StopNodes)
LB_TASK = "lb:"  # the name prefix of a task changing the load balancer
LB_FINISH_S = 30.0  # how long a stopping run waits for a load balancer change under way (adapters time out sooner)
HOLD_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)  # SIGINT: Ctrl-C on a headless run


class AsyncioRuntime:
    """Wall-clock time and asyncio concurrency for rollout.execute."""

    def now(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    async def gather(self, awaitables: Sequence[Awaitable[Any]]) -> list[Any]:
        return list(await asyncio.gather(*awaitables, return_exceptions=True))


class LiveConductor:
    """Conducts one live run; a rollout.conductor.Conductor with its own loop (``ConductorLoop``).

    Whoever operates it (the cockpit, attached cockpits, the headless stand-in in tui/headless.py)
    reads snapshots and submits operator events. ``observer(engine, commands)`` is called after
    each event; ``on_idle()`` when everything queued has been fed and the loop is about to wait,
    so an operator can tell a hold that nobody will lift from one an intent is about to lift.

    With ``wait_for_start`` (a fresh run in the cockpit) it feeds nothing, and so journals and
    touches nothing, until the operator's ``start()``: the run's opening events are stamped then.
    It is its own ``StartGate`` while it waits; ``start_gate`` is None otherwise.

    It also stops by itself, the run unfinished and the load balancer left as it is, when an
    event cannot be journaled (``journal_failure``: a full disk, a read-only file; an event that
    is not journaled is never acted upon, or a replay would not know it) or on SIGTERM/SIGHUP
    (``stopped_by``, journaled as a note). ``on_stopped()`` is then called, so a cockpit leaves.
    """

    world = "live"
    badge = ""
    quit_note = ""  # the cockpit's own text: the run is held, resumable with `turnout run`
    controls = None  # the wall clock is nobody's to move

    def __init__(self, engine: Engine, world: World, journal: Journal, first: Sequence[Any] = (),
                 observer: Callable[[Engine, list], None] | None = None, on_idle: Callable[[], None] | None = None,
                 wait_for_start: bool = False):
        self.engine = engine
        self.world_ports = world
        self.journal = journal
        self.first = list(first)
        self.observer = observer or (lambda engine, commands: None)
        self.on_idle = on_idle or (lambda: None)
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.lb_lock = asyncio.Lock()
        self.tasks: set[asyncio.Task] = set()
        self.stopped = False
        self.journal_failure: JournalError | None = None
        self.stopped_by = ""  # "stopped by SIGTERM"
        self.fed = 0  # events journaled and fed by this conductor
        self.on_stopped: Callable[[], None] = lambda: None
        self.waiting = wait_for_start
        self._go = asyncio.Event()  # set by start() or stop(): the run may leave its start gate

    @property
    def start_gate(self) -> LiveConductor | None:
        """Itself while the run waits for the operator's start (rollout.conductor.StartGate)."""
        return self if self.waiting else None

    @property
    def plan(self) -> Plan:
        return self.engine.plan

    def start(self) -> None:
        """The operator's go: the opening events (RunStarted first) are stamped now and fed."""
        if self.waiting and not self.stopped:
            self.waiting = False
            self.first = [dataclasses.replace(event, at=self.now) for event in self.first]
            self._go.set()

    def stop(self) -> None:
        """Leave the loop at the next event (headless hold, TUI quit); the journal keeps the run resumable."""
        self.stopped = True
        self._go.set()
        self.inbox.put_nowait(ev.TimerFired(self.now))

    @property
    def loop(self) -> LiveConductor:
        """Its loop runs beside the cockpit (``run``) and stops when the operator leaves (``stop``)."""
        return self

    @property
    def now(self) -> float:
        return time.time()

    def snapshot(self) -> Snapshot:
        return self.engine.snapshot(self.now)

    def submit(self, event: Any) -> None:
        """Operator intents are stamped on arrival; the loop journals them in order."""
        self.inbox.put_nowait(dataclasses.replace(event, at=self.now))

    async def run(self) -> Engine:
        if self.waiting:
            await self._go.wait()
            if self.stopped:
                return self.engine
        for event in self.first:
            self.inbox.put_nowait(event)
        while not self.engine.finished and not self.stopped:
            deadline = self.engine.next_deadline()
            timeout = None if deadline is None else max(0.0, deadline - self.now)
            if self.inbox.empty():
                self.on_idle()
                if self.stopped:
                    break
            try:
                event = await asyncio.wait_for(self.inbox.get(), timeout)
            except asyncio.TimeoutError:
                event = ev.TimerFired(self.now)
            if not self.stopped:
                self.feed(event)
        await self._let_the_lb_finish()
        for task in list(self.tasks):
            task.cancel()
        return self.engine

    async def _let_the_lb_finish(self) -> None:
        """A load balancer change already under way is finished, not cancelled, when the run stops
        (a hold, a signal, a journal that cannot be written): HAProxy takes one ``set weight`` per
        server, and cancelling between two of them would leave a split no step planned (one Y
        server at the new weight, the others at the old). Its answer is not journaled (the run has
        stopped); the next ``--resume`` or ``--rollback`` reads the weights back from the LB."""
        changing = [task for task in self.tasks if task.get_name().startswith(LB_TASK)]
        if changing:
            await asyncio.wait(changing, timeout=LB_FINISH_S)

    def interrupt(self, signal_name: str) -> None:
        """SIGTERM or SIGHUP: journal a note, leave the load balancer as it is, stop (resumable)."""
        if self.stopped:
            return
        self.stopped_by = N_("stopped by {signal}").format(signal=signal_name)
        if self.fed >= len(self.first):  # a note before the opening events would start the journal wrong
            self.feed(ev.Noted(self.now, "warn", self.stopped_by))
        self._stop_by_itself()

    def _stop_by_itself(self) -> None:
        if not self.stopped:
            self.stop()
            self.on_stopped()

    def feed(self, event: Any) -> None:
        if is_intent(event):  # checked at its turn: the run may have moved since the intent arrived
            event = admit(self.engine.snapshot(event.at), event)
        try:
            self.journal.append(event)
        except JournalError as exc:  # not journaled, so not acted upon: hold where the run is
            self.journal_failure = exc
            self._stop_by_itself()
            return
        self.fed += 1
        commands = self.engine.handle(event)
        self.observer(self.engine, commands)
        for command in commands:
            if isinstance(command, cmd.AskApproval | cmd.Notify):
                continue
            name = LB_TASK + type(command).__name__ if isinstance(command, LB_COMMANDS) else None
            task = asyncio.create_task(self._execute(command), name=name)
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _execute(self, command: Any) -> None:
        if isinstance(command, LB_COMMANDS):
            async with self.lb_lock:
                answer = await execute(command, self.world_ports)
        else:
            answer = await execute(command, self.world_ports)
        if answer is not None:
            self.inbox.put_nowait(answer)
        for note in adapter_notes(self.world_ports, self.now):
            self.inbox.put_nowait(note)


def adapter_notes(world: World, now: float) -> list[ev.Noted]:
    """The warnings of the ports that declare them (``world.advisers``) as journaled events, each said once."""
    notes = []
    for port in world.advisers:
        notes += [ev.Noted(now, "warn", text) for text in port.warnings]
        port.warnings.clear()
    return notes


@contextlib.contextmanager
def signals_hold(conductor: LiveConductor) -> Iterator[None]:
    """While a live run is conducted, SIGTERM and SIGHUP hold it (``LiveConductor.interrupt``)
    instead of killing the process: the note is journaled, the cockpit and the control socket
    close on the way out, and the caller says how to go on."""
    loop = asyncio.get_running_loop()
    for number in HOLD_SIGNALS:
        loop.add_signal_handler(number, conductor.interrupt, signal.Signals(number).name)
    try:
        yield
    finally:
        for number in HOLD_SIGNALS:
            loop.remove_signal_handler(number)


@contextlib.contextmanager
def signals_deferred() -> Iterator[list[str]]:
    """While a run opens (lock, journal, reconcile) or rolls back without its journal, SIGTERM and
    SIGHUP are remembered instead of killing the process: a hang-up in the middle of an emergency
    rollback would leave traffic split between the pools with nobody there. The caller gets the
    names of the signals that arrived and acts on them once the step is done (hold the run)."""
    loop = asyncio.get_running_loop()
    received: list[str] = []
    for number in HOLD_SIGNALS:
        loop.add_signal_handler(number, received.append, signal.Signals(number).name)
    try:
        yield received
    finally:
        for number in HOLD_SIGNALS:
            loop.remove_signal_handler(number)
