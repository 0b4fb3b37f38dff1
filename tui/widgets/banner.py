"""The banner: which world this is, unmistakably, and where the rollout stands.

REHEARSAL (simulated world, simulated clock and its speed) and LIVE (real adapters, wall
clock) differ in word, colour and clock, so a screenshot alone tells them apart. A drill is a
rehearsal with a DRILL badge beside the word (``turnout drill``). In Japanese the words are
リハーサル, ライブ and ドリル (docs/glossary.md); the colours stay, so a screenshot still tells.
"""

from __future__ import annotations

import math

from rich.text import Text
from textual.reactive import reactive

from rollout.i18n import N_, _
from rollout.phases import Phase
from rollout.snapshot import Snapshot

from .base import SnapshotView, clock, phase_words

# The badges the conductors declare (sim/drill.py: DRILL, tui/drill_replay.py: REVIEW), marked for
# extraction here, where they are translated as the banner draws them.
BADGES = (N_("DRILL"), N_("REVIEW"))
PHASE_STYLE = {Phase.DONE: "bold green", Phase.PAUSED: "bold yellow", Phase.ROLLING_BACK: "bold red",
               Phase.ROLLED_BACK: "bold red", Phase.HALTED: "bold red"}


def speed_label(speed: float) -> str:
    return _("max") if math.isinf(speed) else f"{speed:g}x"


def phase_label(snap: Snapshot) -> str:
    """The phase in words, with the step when traffic is shifting."""
    phase = snap.paused_from if snap.phase == Phase.PAUSED and snap.paused_from else snap.phase
    words = phase_words(phase)
    if phase == Phase.SHIFT and snap.steps:
        words += f" {snap.step + 1}/{len(snap.steps)}"
    if snap.phase == Phase.PAUSED:
        words = _("paused in {phase}").format(phase=words)
    return words.upper()


class Banner(SnapshotView):
    DEFAULT_CSS = """
    Banner { height: 1; background: $panel; color: $text; }
    Banner.-live { background: darkred; color: white; }
    """
    speed: reactive[float] = reactive(1.0)

    def __init__(self, badge: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self.badge = badge  # e.g. DRILL: a rehearsal with a hidden fault (translated as drawn)

    def watch_world(self, world: str) -> None:
        self.set_class(world == "live", "-live")

    def render_snapshot(self, snap: Snapshot) -> Text:
        live = self.world == "live"
        text = Text(no_wrap=True, overflow="ellipsis")
        if live:
            text.append(" " + _("LIVE") + " ", "bold white on red")
            text.append(f" {clock(snap.now, 'live')} ")
        else:
            text.append(" " + _("REHEARSAL") + " ", "bold black on bright_cyan")
            if self.badge:
                text.append(f" {_(self.badge)} ", "bold black on yellow")
            text.append(" " + _("sim {clock}").format(clock=clock(snap.now, "rehearsal")) + " ")
            text.append(f"{speed_label(self.speed)} ", "bold")
        phase = Text.assemble(("│ ", "dim"), (phase_label(snap), PHASE_STYLE.get(snap.phase, "bold")))
        plan = Text.assemble(("│ ", "dim"), (f"{snap.plan_name} ", "bold"), (snap.x_version, "cyan"), ("→", "dim"),
                             (f"{snap.y_version} ", "magenta"))
        room = self.content_size.width - text.cell_len - phase.cell_len
        if plan.cell_len > room:  # the world and the phase always show; the plan's name gives way first
            plan = Text.assemble(("│ ", "dim"), (snap.x_version, "cyan"), ("→", "dim"), (f"{snap.y_version} ", "magenta"))
        if plan.cell_len <= room:
            text.append_text(plan)
        text.append_text(phase)
        return text
