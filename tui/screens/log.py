"""The event log on the whole screen, with a search (``/`` on the main screen opens it searching).

The main screen's log is a few lines tall; an incident needs the whole history, a page at a
time (PgUp/PgDn move by this screen's height), and the lines that mention one node or gate.
The search filters the lines as you type (case-insensitive) and highlights the matches. A view
over the run's snapshot, re-read on a short timer; scrolling back is never disturbed by new lines.
"""

from __future__ import annotations

from typing import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Input, RichLog, Static

from rollout.i18n import N_, _, ngettext
from rollout.phrasebook import say
from rollout.snapshot import LogEntry, Snapshot

from ..widgets.eventlog import entry_line, fresh_entries
from .bindings import TranslatedBindings

REFRESH_S = 0.5


def matching(entries: tuple[LogEntry, ...], query: str) -> list[LogEntry]:
    needle = query.strip().lower()
    # the line as shown (translated where the catalog has it) or as journaled: either matches
    return [e for e in entries if needle in e.message.lower() or needle in say(e.message).lower()] if needle else list(entries)


class LogScreen(TranslatedBindings, Screen[None]):
    DEFAULT_CSS = """
    LogScreen #search { dock: top; height: 1; border: none; padding: 0 1; display: none; }
    LogScreen.-searching #search { display: block; }
    LogScreen #count { dock: top; height: 1; padding: 0 1; background: $panel; }
    LogScreen RichLog { height: 1fr; padding: 0 0 0 1; }
    """
    BINDINGS = [Binding("escape", "close", N_("close")), Binding("q", "close", N_("close"), show=False),
                Binding("slash", "search", N_("search"), key_display="/"),
                Binding("pageup", "page(-1)", N_("page up"), key_display="PgUp"),
                Binding("pagedown", "page(1)", N_("page down"), key_display="PgDn")]

    def __init__(self, snapshot: Callable[[], Snapshot], world: str, search: bool = False) -> None:
        super().__init__()
        self.read, self.world, self.searching = snapshot, world, search
        self._last: LogEntry | None = None
        self._newest: LogEntry | None = None  # the newest entry the screen has seen, shown or filtered out

    def compose(self) -> ComposeResult:
        yield Input(placeholder=_("search the log (Enter keeps it, Esc closes)"), id="search")
        yield Static(id="count")
        yield RichLog(wrap=True, markup=False, highlight=False, max_lines=5000, id="full-log")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.set_class(self.searching, "-searching")
        self.call_after_refresh(self.redraw)
        self.set_interval(REFRESH_S, self.append_new)
        if self.searching:
            self.query_one(Input).focus()
        else:
            self.query_one(RichLog).focus()

    @property
    def needle(self) -> str:
        return self.query_one(Input).value if self.searching else ""

    def _write(self, entries) -> None:
        log = self.query_one(RichLog)
        for entry in entries:
            line = entry_line(entry, self.world)
            if self.needle.strip():
                line.highlight_words([self.needle.strip()], "reverse", case_sensitive=False)
            log.write(line, width=log.scrollable_content_region.width or None)
            self._last = entry

    def redraw(self) -> None:
        snap = self.read()
        self._newest = snap.log[-1] if snap.log else None
        log = self.query_one(RichLog)
        log.clear()
        self._last = None
        shown = matching(snap.log, self.needle)
        self._write(shown)
        total = len(snap.log)
        what = (ngettext("{shown} of {total} line matches {needle}", "{shown} of {total} lines match {needle}", total).format(
                    shown=len(shown), total=total, needle=repr(self.needle.strip()))
                if self.needle.strip() else ngettext("{total} line", "{total} lines", total).format(total=total))
        self.query_one("#count", Static).update(Text(_("event log: {what}").format(what=what), "bold"))

    def append_new(self) -> None:
        snap = self.read()
        if not snap.log or snap.log[-1] == self._newest:
            return  # nothing new: leave the view (and where it is scrolled) alone
        self._newest = snap.log[-1]
        if self.needle.strip():
            self.redraw()  # the count and the filter move together
            return
        self._write(fresh_entries(snap.log, self._last))
        lines = ngettext("{total} line", "{total} lines", len(snap.log)).format(total=len(snap.log))
        self.query_one("#count", Static).update(Text(_("event log: {what}").format(what=lines), "bold"))

    def on_input_changed(self, event: Input.Changed) -> None:
        self.redraw()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(RichLog).focus()

    def action_search(self) -> None:
        self.searching = True
        self.set_class(True, "-searching")
        self.query_one(Input).focus()

    def action_page(self, direction: int) -> None:
        log = self.query_one(RichLog)
        log.scroll_relative(y=direction * max(1, log.scrollable_content_region.height - 1), animate=False)

    def action_close(self) -> None:
        self.dismiss(None)
