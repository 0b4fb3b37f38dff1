"""What every view shares: a bound ``snapshot`` reactive and the clock/number formats.

Views never reach into the engine or the conductor; the screen binds its one Snapshot to
theirs (``data_bind``) and they re-render when it changes.
"""

from __future__ import annotations

import time

from rich.console import RenderableType
from textual.reactive import reactive
from textual.widget import Widget

from rollout.snapshot import Snapshot

MARKS = {"done": ("✓", "green"), "running": ("▶", "bold yellow"), "paused": ("‖", "bold yellow"), "waiting": ("·", "dim"),
         "failed": ("✗", "bold red"), "skipped": ("–", "dim")}
VERDICT_STYLE = {"pass": "green", "fail": "bold red", "hold": "bold yellow", "inconclusive": "yellow", "no_data": "yellow"}


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
    return f"{duration(max(0.0, seconds))} ago"


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
