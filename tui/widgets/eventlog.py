"""The event log: the engine's log entries (the journal's events in words), timestamped.

The journal keeps the engine's English; a line that is one of the catalog's fixed sentences is
shown translated, any other as written (docs/i18n.md).

Append-only: each new snapshot carries the engine's recent entries; the ones after the
last entry shown are written, so scrolling back is never disturbed by a refresh.
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import RichLog

from rollout.i18n import _
from rollout.phrasebook import say
from rollout.snapshot import LogEntry, Snapshot

from .base import clock

LEVEL_STYLE = {"event": "", "info": "cyan", "warn": "bold yellow", "error": "bold red"}


def fresh_entries(log: tuple[LogEntry, ...], last: LogEntry | None) -> tuple[LogEntry, ...]:
    """The entries after ``last`` (the same object, else an equal one, searched from the end)."""
    if last is None:
        return log
    for same in (lambda e: e is last, lambda e: e == last):
        for i in range(len(log) - 1, -1, -1):
            if same(log[i]):
                return log[i + 1:]
    return log


def entry_line(entry: LogEntry, world: str) -> Text:
    text = Text(no_wrap=False)
    text.append(clock(entry.at, world), "dim")
    text.append(" ")
    text.append(say(entry.message), LEVEL_STYLE.get(entry.level, ""))  # a fixed sentence translates; the rest shows as journaled
    return text


class EventLog(RichLog):
    DEFAULT_CSS = """
    EventLog { height: 1fr; min-height: 3; background: $surface; scrollbar-size-vertical: 1; }
    """
    snapshot: reactive[Snapshot | None] = reactive(None)
    world: reactive[str] = reactive("rehearsal")

    def __init__(self, **kwargs):
        super().__init__(wrap=True, markup=False, highlight=False, max_lines=1000, min_width=20, **kwargs)
        self._last: LogEntry | None = None

    def on_resize(self) -> None:
        """The first writes wait for the real width (RichLog would wrap them at its minimum)."""
        self.call_after_refresh(self.watch_snapshot, self.snapshot)

    def watch_snapshot(self, snap: Snapshot | None) -> None:
        if snap is None or not self._size_known:
            return
        width = self.scrollable_content_region.width
        for entry in fresh_entries(snap.log, self._last):
            self.write(entry_line(entry, self.world), width=width)
            self._last = entry
