"""The SimPy driver: the engine in simulated time with the simulated world. The twin of adapters/live.py.

Loop: take the next event (a command's answer, an operator's intent, or the engine's timer),
journal it, feed it to the engine, start the commands it returns as SimPy processes.
Commands that touch the load balancer run one at a time in the order issued, so a slow step
change never lands after the rollback that followed it. ``rollout.execute`` coroutines run
unchanged: ``SimRuntime.sleep`` hands a SimPy timeout up through the coroutine, and
``step`` (a process generator) yields it to SimPy and sends the result back in.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Sequence

import simpy

from rollout import commands as cmd
from rollout import events as ev
from rollout.engine import Engine
from rollout.errors import JournalError
from rollout.execute import execute
from rollout.intents import admit, is_intent
from rollout.ports import World

LB_COMMANDS = (cmd.SetWeights, cmd.StopNodes)


class _Wait:
    """An awaitable that suspends the coroutine on one SimPy event."""

    def __init__(self, event: simpy.Event):
        self.event = event

    def __await__(self):
        return (yield self.event)


class SimRuntime:
    """Simulated time for rollout.execute; sim ports are instantaneous, so gather runs in turn."""

    def __init__(self, env: simpy.Environment):
        self.env = env

    def now(self) -> float:
        return self.env.now

    async def sleep(self, seconds: float) -> None:
        await _Wait(self.env.timeout(max(0.0, seconds)))

    async def gather(self, awaitables: Sequence[Awaitable[Any]]) -> list[Any]:
        results: list[Any] = []
        for awaitable in awaitables:
            try:
                results.append(await awaitable)
            except Exception as exc:  # exceptions as values, as asyncio.gather(return_exceptions=True)
                results.append(exc)
        return results


def step(coro):
    """SimPy process generator that runs one coroutine to its end and returns its value."""
    value = None
    while True:
        try:
            event = coro.send(value)
        except StopIteration as stop:
            return stop.value
        value = yield event


class SimDriver:
    def __init__(self, env: simpy.Environment, engine: Engine, world: World, first: Sequence[Any] = (),
                 observer: Callable[[Engine, Any, list], None] | None = None, journal=None):
        self.env = env
        self.engine = engine
        self.world_ports = world
        self.journal = journal
        self.journal_failure: JournalError | None = None  # an event could not be journaled: the driver stopped
        self.observer = observer or (lambda engine, event, commands: None)
        self.inbox = simpy.Store(env)
        self.lb_lock = simpy.Resource(env, capacity=1)
        for event in first:
            self.inbox.put(event)

    def run(self):
        """SimPy process: conduct until the engine reaches a terminal phase."""
        while not self.engine.finished and self.journal_failure is None:
            deadline = self.engine.next_deadline()
            get = self.inbox.get()
            if deadline is None:
                event = yield get
            else:
                yield get | self.env.timeout(max(0.0, deadline - self.env.now))
                if get.triggered:
                    event = get.value
                else:
                    get.cancel()
                    event = ev.TimerFired(self.env.now)
            self.feed(event)

    def feed(self, event: Any) -> None:
        if is_intent(event):  # checked at its turn: the run may have moved since the intent arrived
            event = admit(self.engine.snapshot(event.at), event)
        if self.journal is not None:
            try:
                self.journal.append(event)
            except JournalError as exc:  # not journaled, so not acted upon: the run holds where it is
                self.journal_failure = exc
                return
        commands = self.engine.handle(event)
        self.observer(self.engine, event, commands)
        for command in commands:
            if isinstance(command, cmd.AskApproval | cmd.Notify):
                continue
            self.env.process(self._execute(command))

    def _execute(self, command: Any):
        if isinstance(command, LB_COMMANDS):
            with self.lb_lock.request() as turn:
                yield turn
                answer = yield from step(execute(command, self.world_ports))
        else:
            answer = yield from step(execute(command, self.world_ports))
        if answer is not None:
            self.inbox.put(answer)
