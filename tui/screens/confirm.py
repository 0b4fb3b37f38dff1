"""Confirm modals: every action that moves traffic or rolls back is asked first.

``ConfirmScreen`` answers ``True`` or ``False``. With ``word`` set (a live rollback), the
operator must type that word: a stray key over a laggy SSH session cannot move production.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static


class ConfirmScreen(ModalScreen[bool]):
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical { width: 64; max-width: 100%; height: auto; border: thick $warning; background: $panel; padding: 0 1; }
    ConfirmScreen.-danger > Vertical { border: thick $error; }
    ConfirmScreen .title { text-style: bold; padding: 0 0 1 0; }
    ConfirmScreen .body { padding: 0 0 1 0; }
    ConfirmScreen Horizontal { height: auto; align-horizontal: right; }
    ConfirmScreen Button { margin: 0 0 0 2; min-width: 12; }
    ConfirmScreen Input { margin: 0 0 1 0; }
    """
    BINDINGS = [Binding("escape", "answer(False)", "cancel"), Binding("n", "answer(False)", "no", show=False)]

    def __init__(self, title: str, body: str, confirm: str = "Yes", word: str | None = None, danger: bool = False):
        super().__init__(classes="-danger" if danger else "")
        self.title_text, self.body, self.confirm, self.word = title, body, confirm, word

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, classes="title")
            yield Static(self.body, classes="body")
            if self.word:
                yield Input(placeholder=f"type {self.word} and press Enter", id="word")
            with Horizontal():
                yield Button("Cancel (Esc)", id="cancel")
                yield Button(self.confirm, id="confirm", variant="error" if self.word else "warning", disabled=bool(self.word))

    def on_mount(self) -> None:
        self.query_one("#word" if self.word else "#confirm").focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#confirm", Button).disabled = event.value.strip() != self.word

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip() == self.word:
            self.dismiss(True)
        else:
            self.notify(f"type {self.word} exactly to confirm", severity="warning")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm")

    def key_y(self) -> None:
        """``y`` confirms a plain dialog; a typed-word dialog only accepts the word."""
        if not self.word:
            self.dismiss(True)

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
