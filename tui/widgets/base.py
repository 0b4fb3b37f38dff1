"""What every view shares: a bound ``snapshot`` reactive, the clock/number formats and the phases' words.

Views never reach into the engine or the conductor; the screen binds its one Snapshot to
theirs (``data_bind``) and they re-render when it changes. Words are translated as they are
drawn (rollout/i18n.py), so the snapshot itself stays language-free.
"""

from __future__ import annotations

import time

from rich.console import RenderableType
from textual.reactive import reactive
from textual.widget import Widget

from rollout.i18n import N_, _
from rollout.snapshot import Snapshot

MARKS = {"done": ("✓", "green"), "running": ("▶", "bold yellow"), "paused": ("‖", "bold yellow"), "waiting": ("·", "dim"),
         "failed": ("✗", "bold red"), "skipped": ("–", "dim")}
VERDICT_STYLE = {"pass": "green", "fail": "bold red", "hold": "bold yellow", "inconclusive": "yellow", "no_data": "yellow"}


# The phases in the operator's words (the glossary's terms in Japanese, docs/glossary.md).
PHASE_WORDS = {"new": N_("new"), "preflight": N_("preflight"), "freeze": N_("freeze"), "backup": N_("backup"),
               "deploy_y": N_("deploy y"), "smoke_y": N_("smoke y"), "shift": N_("shift"),
               "decommission_x": N_("decommission x"), "unfreeze": N_("unfreeze"), "watch": N_("watch"),
               "done": N_("done"), "paused": N_("paused"), "rolling_back": N_("rolling back"),
               "rolled_back": N_("rolled back"), "halted": N_("halted")}


def phase_words(phase: object) -> str:
    """A phase in words (``rolling back``), in the current language."""
    name = str(phase)
    return _(PHASE_WORDS[name]) if name in PHASE_WORDS else name.replace("_", " ")


def clock(at: float, world: str) -> str:
    """Rehearsal time is simulated seconds since the start; live time is the wall clock (local)."""
    if world == "live":
        return time.strftime("%H:%M:%S", time.localtime(at))
    seconds = int(at)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def duration(seconds: float) -> str:
    """A short remaining time: 45s, 2m05s, 1h02m."""
    s = int(round(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s // 60 % 60:02d}m"


def age(seconds: float) -> str:
    """How old a number is, in words: ``12s ago``, ``2m05s ago``."""
    return _("{duration} ago").format(duration=duration(max(0.0, seconds)))


class SnapshotView(Widget):
    """A widget that renders the bound snapshot; subclasses implement ``render_snapshot``."""

    snapshot: reactive[Snapshot | None] = reactive(None, layout=True)
    world: reactive[str] = reactive("rehearsal")

    def render(self) -> RenderableType:
        return "" if self.snapshot is None else self.render_snapshot(self.snapshot)

    def refresh(self, *regions, **kwargs) -> "SnapshotView":
        """A new snapshot (or a layout reactive) changes what is drawn, so the cached content size
        is dropped with it: widgets sized to their content (width/height auto) must be measured again."""
        if kwargs.get("layout"):
            self.clear_cached_dimensions()
        return super().refresh(*regions, **kwargs)

    def render_snapshot(self, snap: Snapshot) -> RenderableType:
        raise NotImplementedError
