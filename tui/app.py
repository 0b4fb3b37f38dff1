"""The operator's cockpit: a Textual view over a Conductor (a rehearsal or a live run).

The app knows nothing of adapters or SimPy. It reads ``conductor.snapshot()``, submits
operator intents as engine events (``conductor.submit``) and, in a rehearsal, moves the
simulated clock through ``RehearsalControls``. Entry points return the exit code the CLI
uses: 0 the rollout completed, 1 it rolled back, halted, or was left unfinished.
"""

from __future__ import annotations

import asyncio
from textual.app import App
from textual.binding import Binding
from textual.worker import Worker, WorkerState

from rollout.conductor import Conductor
from rollout.phases import Phase

from .screens.main import Intent, MainScreen
from .screens.start import StartScreen

REHEARSAL_START_SPEED = 10.0  # fast enough to see a gate judge within seconds, slow enough to follow


class TurnoutApp(App[int]):
    """The factory tests and the CLI share: ``TurnoutApp(conductor, autoplay=...)``."""

    CSS_PATH = "turnout.tcss"
    # Textual's own ctrl+q would quit without asking, and its ctrl+c only says how to quit:
    # both go through the screen's quit (which asks while a rollout runs, then prints the summary).
    BINDINGS = [Binding("ctrl+q,ctrl+c", "ask_quit", "quit", show=False, priority=True)]
    TITLE = "turnout"
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, conductor: Conductor, autoplay: bool = True) -> None:
        super().__init__()
        self.conductor = conductor
        self.autoplay = autoplay

    def get_default_screen(self) -> MainScreen:
        return MainScreen(self.conductor, autoplay=self.autoplay)

    def on_mount(self) -> None:
        """A conductor with a loop of its own (live, remote) runs beside the UI, in a named worker on the same event loop.
        A live run that waits for the operator's start opens on its plan summary (tui/screens/start.py)."""
        loop = self.conductor.loop
        if loop is not None:
            self.run_worker(loop.run(), name="conductor", group="conductor", exclusive=True, exit_on_error=False)
        gate = self.conductor.start_gate
        if gate is not None and gate.waiting:
            self.push_screen(StartScreen(gate))

    def action_ask_quit(self) -> None:
        if isinstance(self.screen, MainScreen | StartScreen):
            self.screen.action_quit()

    def on_intent(self, message: Intent) -> None:
        self.conductor.submit(message.event)
        if isinstance(self.screen, MainScreen):
            self.screen.refresh_snapshot()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a failed background job surfaces: a notification naming it."""
        worker = event.worker
        if event.state == WorkerState.ERROR:
            self.notify(f"{worker.name} stopped: {worker.error}", title="error", severity="error", timeout=30)
        elif event.state == WorkerState.SUCCESS and worker.name == "conductor":
            self.notify("the conductor stopped; the screen shows where the rollout was left", timeout=10)

    def outcome(self) -> int:
        return 0 if self.conductor.snapshot().phase == Phase.DONE else 1

    def leave(self) -> None:
        """Quit now. A live run is left as it is (held); its journal makes it resumable."""
        if self.conductor.loop is not None:
            self.conductor.loop.stop()
        self.exit(self.outcome())


def run_rehearsal(session: Conductor, speed: float = REHEARSAL_START_SPEED) -> int:
    """``turnout rehearse`` on a terminal: the operator conducts the rehearsal (presses ``a`` to approve)."""
    assert session.controls is not None, "a rehearsal's clock is the cockpit's"
    session.controls.speed = speed
    result = TurnoutApp(session).run()
    return 1 if result is None else result


async def run_live_async(conductor: Conductor) -> int:
    """``turnout run`` on a terminal, inside the caller's event loop (the conductor's loop runs in a worker)."""
    app = TurnoutApp(conductor)
    result = await app.run_async()
    return app.outcome() if result is None else result


def run_live(conductor: Conductor) -> int:
    """Synchronous twin of ``run_live_async`` for callers without an event loop."""
    return asyncio.run(run_live_async(conductor))
