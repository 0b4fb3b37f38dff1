"""The plan summary a live run opens on: nothing touches production until ``s`` then ``y``.

Typing ``turnout run PLAN`` used to freeze config writes, take the backup and shift 5% within
seconds, before the operator had seen the plan. Now the cockpit shows what the run will do
(tui/plan_brief.py) and waits: the conductor feeds no event, so nothing is journaled, frozen,
backed up or weighted, until the operator presses ``s`` and confirms with ``y``. ``q`` leaves
without starting (nothing was changed, the next ``turnout run`` starts afresh).
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from rollout.conductor import StartGate
from rollout.i18n import N_, _

from ..plan_brief import brief, first_actions
from .bindings import TranslatedBindings
from .confirm import ConfirmScreen


def brief_table(gate: StartGate) -> Table:
    """Label and text in two columns; long texts wrap at word boundaries inside their column."""
    table = Table.grid(padding=(0, 1))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for label, text in brief(gate.plan):
        table.add_row(_(label) if label else label, text)
    return table


class StartScreen(TranslatedBindings, Screen):
    """Shown over the main screen while the run's ``StartGate`` waits."""

    DEFAULT_CSS = """
    StartScreen { layout: vertical; }
    StartScreen #start-banner { height: 1; background: $error; color: $text; text-style: bold; padding: 0 1; }
    StartScreen VerticalScroll { height: 1fr; padding: 0 1; }
    StartScreen #start-wait { padding: 1 0 0 0; color: $warning; }
    """
    BINDINGS = [
        Binding("s", "start", N_("start")),
        Binding("q", "quit", N_("quit")),
    ]

    def __init__(self, gate: StartGate) -> None:
        super().__init__()
        self.gate = gate

    def compose(self) -> ComposeResult:
        yield Static(_("LIVE  {plan}: not started").format(plan=self.gate.plan.name), id="start-banner")
        with VerticalScroll():
            yield Static(brief_table(self.gate), id="start-brief")
            yield Static(Text(_("Nothing has been changed yet. Press s to start (it asks first), q to leave.")),
                         id="start-wait")
        yield Footer(compact=True)

    def action_start(self) -> None:
        body = _("This is LIVE. Turnout will run the {actions}. From then on, r then y rolls back to X.").format(
            actions=first_actions(self.gate.plan))
        self.app.push_screen(ConfirmScreen(_("Start the rollout?"), body, _("Start (y)")), self._answer)

    def _answer(self, yes: bool | None) -> None:
        if yes and self.gate.waiting:
            self.gate.start()
            self.dismiss()

    def action_quit(self) -> None:
        """Nothing has happened: leave at once (the conductor, still at its gate, is stopped)."""
        self.app.leave()
