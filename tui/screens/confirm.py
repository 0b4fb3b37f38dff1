"""Confirm modals: every action that moves traffic or rolls back is asked first.

``ConfirmScreen`` answers ``True`` (``y``, or Enter on the focused confirm button) or ``False``
(``n``, Esc, Cancel). One key and one confirmation in every world: a rollback is the safe action
and must be the fastest thing on the screen (a LIVE rollback once needed the word typed out);
moving traffic forward is what deserves the second look, and gets it here too.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from rollout.i18n import N_, _

from .bindings import TranslatedBindings


class ConfirmScreen(TranslatedBindings, ModalScreen[bool]):
    """Callers pass the title, body and confirm label already translated (they format them)."""

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical { width: 64; max-width: 100%; height: auto; border: thick $warning; background: $panel; padding: 0 1; }
    ConfirmScreen.-danger > Vertical { border: thick $error; }
    ConfirmScreen .title { text-style: bold; padding: 0 0 1 0; }
    ConfirmScreen .body { padding: 0 0 1 0; }
    ConfirmScreen Horizontal { height: auto; align-horizontal: right; }
    ConfirmScreen Button { margin: 0 0 0 2; min-width: 12; }
    """
    BINDINGS = [Binding("escape", "answer(False)", N_("cancel")), Binding("n", "answer(False)", N_("no"), show=False),
                Binding("y", "answer(True)", N_("yes"), show=False)]

    def __init__(self, title: str, body: str, confirm: str | None = None, danger: bool = False):
        super().__init__(classes="-danger" if danger else "")
        self.title_text, self.body, self.confirm = title, body, confirm or _("Yes")

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, classes="title")
            yield Static(self.body, classes="body")
            with Horizontal():
                yield Button(_("Cancel (Esc)"), id="cancel")
                yield Button(self.confirm, id="confirm", variant="error" if self.has_class("-danger") else "warning")

    def on_mount(self) -> None:
        self.query_one("#confirm").focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
