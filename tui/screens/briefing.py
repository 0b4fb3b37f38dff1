"""The drill's briefing: what the trainee faces, before the simulated clock starts.

Shown over the cockpit as a modal, so the main screen's clock (which only runs while the main
screen is active) stands still until the trainee dismisses it with Enter. It says the
situation (the drill file's briefing), that automatic rollback is off and failing gates only
warn, what to watch and decide, and the keys. It never names the fault. The fixed texts are
translated as shown; so is the situation, when it is a shipped drill's (sim/drill_texts.py):
an operator's own drill file shows as written. A Japanese paragraph breaks where Unicode allows
(tui/line_breaks.py), since Textual wraps only at spaces.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from rollout.i18n import N_, _
from sim.drill_texts import drill_text

from ..line_breaks import Breakable, has_wide
from .bindings import TranslatedBindings

RULES = N_("Automatic rollback is OFF. Failing gates only warn (and hold the step); "
         "rolling back is your call.")
WATCH = N_("Watch the gates (each window: Y against X and the limits), the nodes (ready, version, "
         "config hash) and the log (preflight, freeze, backup, smoke, holds). Decide: approve the "
         "next step, hold, or roll back. The score card at the end reveals the fault, when its first "
         "sign showed, and how fast you called it.")
KEYS = N_("a approve the pending step · p pause / resume · r roll back (asks first) · "
        "+/- speed · n jump to the next event · ? help · q quit (the drill is scored as it stands)")


def paragraph(text: str) -> str | Breakable:
    """What a Static shows: English as Textual wraps it, Japanese broken at UAX #14's opportunities."""
    return Breakable(text) if has_wide(text) else text


class BriefingScreen(TranslatedBindings, ModalScreen[None]):
    DEFAULT_CSS = """
    BriefingScreen { align: center middle; }
    BriefingScreen > Vertical { width: 90; max-width: 100%; height: auto; max-height: 100%;
                                border: thick $warning; background: $panel; padding: 0 1; }
    BriefingScreen VerticalScroll { height: auto; max-height: 100%; }
    BriefingScreen .title { text-style: bold; }
    BriefingScreen .rules { text-style: bold; color: $warning; }
    BriefingScreen Static { padding: 0 0 1 0; }
    BriefingScreen .start { text-style: bold reverse; padding: 0; dock: bottom; }
    """
    BINDINGS = [Binding("enter,space", "start", N_("start the drill"))]

    def __init__(self, title: str, situation: str) -> None:
        super().__init__()
        self.title_text, self.situation = title, situation

    def compose(self) -> ComposeResult:
        with Vertical():
            with VerticalScroll():
                yield Static(_("DRILL BRIEFING: {title}").format(title=self.title_text), classes="title", markup=False)
                yield Static(paragraph(drill_text(self.situation).strip()), classes="situation", markup=False)
                yield Static(paragraph(_(RULES)), classes="rules", markup=False)
                yield Static(paragraph(_(WATCH)), classes="watch", markup=False)
                yield Static(paragraph(_(KEYS)), classes="keys", markup=False)
            yield Static(" " + _("Press Enter to start the clock") + " ", classes="start", markup=False)

    def action_start(self) -> None:
        self.dismiss(None)

    def text(self) -> str:
        """Everything the briefing says, as plain text (tests and the tmux check read it)."""
        return "\n".join((self.title_text, drill_text(self.situation), _(RULES), _(WATCH), _(KEYS)))
