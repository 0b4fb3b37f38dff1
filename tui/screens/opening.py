"""The first frame: which world, which plan, and that the world is being prepared.

The simulated world and the gates' statistics (SimPy, NumPy, SciPy) take seconds to import on
a busy machine; an operator who pressed Enter should see the cockpit answer at once, not a
blank terminal. This screen is drawn from what is already known (the world, the plan's name),
then a thread worker opens the conductor (the imports and the set-up happen there) and the
app swaps in the main screen. Nothing here imports the engine, the simulator or the gates.
"""

from __future__ import annotations

from typing import Any, Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from rollout.i18n import _


class OpeningScreen(Screen):
    DEFAULT_CSS = """
    OpeningScreen #opening-banner { height: 1; background: $panel; }
    OpeningScreen #opening-note { padding: 1 2; color: $text-muted; }
    """

    def __init__(self, world: str, title: str, open_conductor: Callable[[], Any]) -> None:
        super().__init__()
        self.world, self.title, self.open_conductor = world, title, open_conductor

    def compose(self) -> ComposeResult:
        badge = ((" " + _("LIVE") + " ", "bold white on red") if self.world == "live"
                 else (" " + _("REHEARSAL") + " ", "bold black on bright_cyan"))
        yield Static(Text.assemble(badge, ("│ ", "dim"), (f"{self.title} ", "bold"), ("│ ", "dim"), (_("OPENING"), "bold")),
                     id="opening-banner")
        note = (_("preparing the run and the gates' statistics…") if self.world == "live"
                else _("preparing the simulated world and the gates' statistics…"))
        yield Static(note, id="opening-note")

    def on_mount(self) -> None:
        # after the first paint, so the frame above reaches the terminal before the heavy imports start
        self.call_after_refresh(lambda: self.run_worker(self.open_conductor, name="open", thread=True, exclusive=True,
                                                        exit_on_error=False))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.name != "open":
            return
        if event.state == WorkerState.SUCCESS:
            self.app.opened(event.worker.result)
        elif event.state == WorkerState.ERROR:
            self.app.exit(2, message=_("turnout: could not open {title}: {error}").format(title=self.title, error=event.worker.error))
