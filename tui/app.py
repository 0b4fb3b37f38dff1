"""The operator's cockpit: a Textual view over a Conductor (a rehearsal or a live run).

The app knows nothing of adapters or SimPy. It reads ``conductor.snapshot()``, submits
operator intents as engine events (``conductor.submit``) and, in a rehearsal, moves the
simulated clock through ``RehearsalControls``. Entry points return the exit code the CLI
uses: 0 the rollout completed, 1 it rolled back, halted, or was left unfinished.

The first frame comes before the heavy imports: given ``opening`` (a function that builds the
conductor) instead of a conductor, the app paints tui.screens.opening at once and builds the
conductor in a thread worker; the engine, the gates' statistics and the simulator are imported
there, never at the top of this module.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Callable

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from rollout.i18n import _
from rollout.phases import Phase

if TYPE_CHECKING:
    from rollout.conductor import Conductor

    from .screens.main import Intent

REHEARSAL_START_SPEED = 10.0  # fast enough to see a gate judge within seconds, slow enough to follow


class TurnoutApp(App[int]):
    """The factory tests and the CLI share: ``TurnoutApp(conductor, autoplay=...)``."""

    CSS_PATH = "turnout.tcss"
    # Textual's own ctrl+q would quit without asking, and its ctrl+c only says how to quit:
    # both go through the screen's quit (which asks while a rollout runs, then prints the summary).
    BINDINGS = [Binding("ctrl+q,ctrl+c", "ask_quit", "quit", show=False, priority=True)]
    TITLE = "turnout"
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, conductor: Conductor | None = None, autoplay: bool = True,
                 opening: tuple[str, str, Callable[[], Conductor]] | None = None) -> None:
        """``opening``: (world, title, build) when the conductor is to be built after the first frame."""
        super().__init__()
        assert (conductor is None) != (opening is None), "a conductor, or how to open one"
        self.conductor = conductor
        self.autoplay = autoplay
        self.opening = opening

    def get_default_screen(self) -> Screen:
        if self.conductor is None:
            from .screens.opening import OpeningScreen

            return OpeningScreen(*self.opening)
        from .screens.main import MainScreen

        return MainScreen(self.conductor, autoplay=self.autoplay)

    def on_mount(self) -> None:
        if self.conductor is not None:
            self._start_loop()

    def opened(self, conductor: Conductor) -> None:
        """The conductor is ready (built by the opening screen's worker): show the cockpit."""
        from .screens.main import MainScreen

        self.conductor = conductor
        # pushed over the opening screen (the default screen cannot be switched away), which stays inert below
        self.push_screen(MainScreen(conductor, autoplay=self.autoplay))
        self._start_loop()

    def _start_loop(self) -> None:
        """A conductor with a loop of its own (live, remote) runs beside the UI, in a named worker on the same event loop.
        A live run that waits for the operator's start opens on its plan summary (tui/screens/start.py)."""
        from .screens.start import StartScreen

        loop = self.conductor.loop
        if loop is not None:
            self.run_worker(loop.run(), name="conductor", group="conductor", exclusive=True, exit_on_error=False)
        gate = self.conductor.start_gate
        if gate is not None and gate.waiting:
            self.push_screen(StartScreen(gate))

    def _main_screen(self):
        from .screens.main import MainScreen

        return self.screen if isinstance(self.screen, MainScreen) else None

    def action_ask_quit(self) -> None:
        from .screens.start import StartScreen

        if self.conductor is None:
            self.exit(1)  # still opening: nothing has run
        elif (screen := self._main_screen()) is not None:
            screen.action_quit()
        elif isinstance(self.screen, StartScreen):
            self.screen.action_quit()

    def on_intent(self, message: Intent) -> None:
        self.conductor.submit(message.event)
        if (screen := self._main_screen()) is not None:
            screen.refresh_snapshot()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a failed background job surfaces: a notification naming it."""
        worker = event.worker
        if event.state == WorkerState.ERROR:
            self.notify(_("{worker} stopped: {error}").format(worker=worker.name, error=worker.error), title=_("error"),
                        severity="error", timeout=30)
        elif event.state == WorkerState.SUCCESS and worker.name == "conductor":
            self.notify(_("the conductor stopped; the screen shows where the rollout was left"), timeout=10)

    def outcome(self) -> int:
        if self.conductor is None:
            return 1
        return 0 if self.conductor.snapshot().phase == Phase.DONE else 1

    def leave(self) -> None:
        """Quit now. A live run is left as it is (held); its journal makes it resumable."""
        if self.conductor is not None and self.conductor.loop is not None:
            self.conductor.loop.stop()
        self.exit(self.outcome())


def run_rehearsal(session: Conductor, speed: float = REHEARSAL_START_SPEED) -> int:
    """``turnout rehearse`` on a terminal: the operator conducts the rehearsal (presses ``a`` to approve)."""
    assert session.controls is not None, "a rehearsal's clock is the cockpit's"
    session.controls.speed = speed
    result = TurnoutApp(session).run()
    return 1 if result is None else result


def run_rehearsal_opening(title: str, build: Callable[[], Conductor], speed: float = REHEARSAL_START_SPEED) -> int:
    """``run_rehearsal``, with the rehearsal built (and the simulator imported) after the first frame."""
    def opened() -> Conductor:
        session = build()
        assert session.controls is not None, "a rehearsal's clock is the cockpit's"
        session.controls.speed = speed
        return session

    result = TurnoutApp(opening=("rehearsal", title, opened)).run()
    return 1 if result is None else result


async def run_live_async(conductor: Conductor) -> int:
    """``turnout run`` on a terminal, inside the caller's event loop (the conductor's loop runs in a worker)."""
    app = TurnoutApp(conductor)
    result = await app.run_async()
    return app.outcome() if result is None else result


def run_live(conductor: Conductor) -> int:
    """Synchronous twin of ``run_live_async`` for callers without an event loop."""
    return asyncio.run(run_live_async(conductor))
