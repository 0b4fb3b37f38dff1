"""One pool's nodes: name, version, ready, short config hash, req/s, 5xx %, p99 ms.

The numbers come from the last judged window's per-node breakdown; the rest from the last
probe. A node that fails its probe is painted red with DOWN, and a node a per-node gate
blames (``GateResult.nodes``) is painted red with ✗ beside its name, so either stands out at a
glance. Columns take the width of their content; a wide terminal adds each node's probe
message and, wider still, its 5xx history over the recent windows.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.table import Table
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive

from rollout.i18n import N_, _, pgettext
from rollout.observations import NodeProbe, NodeWindow
from rollout.phrasebook import say  # a probe's message is an adapter's English line
from rollout.snapshot import Snapshot

from .base import SnapshotView, age, clock
from .split import observed_is_current

HASH_CHARS = 6
NAME_MAX, VERSION_MAX = 14, 8
HISTORY_WINDOWS = 16  # windows in a node's history sparkline
UNPROBED = N_("not probed yet")  # rollout.snapshot's placeholder for a node the engine has not seen


def node_rows(snap: Snapshot, pool: str) -> list[tuple[NodeProbe, NodeWindow | None, float]]:
    """Each node's probe, its share of the last window (if any) and that window's length."""
    probes = snap.x_nodes if pool == "x" else snap.y_nodes
    verdict = snap.last_verdict
    windows: dict[str, NodeWindow] = {}
    length = 0.0
    if verdict is not None:
        window = verdict.x if pool == "x" else verdict.y
        windows = {n.node: n for n in window.nodes}
        length = max(verdict.end - verdict.start, 0.0)
    return [(p, windows.get(p.node), length) for p in probes]


def blamed_nodes(snap: Snapshot) -> frozenset[str]:
    """The nodes the last window's failing gates name."""
    verdict = snap.last_verdict
    if verdict is None:
        return frozenset()
    return frozenset(n for r in verdict.results if r.verdict == "fail" for n in r.nodes)


def node_history(snap: Snapshot, pool: str, node: str) -> Text:
    """The node's 5xx rate over the recent windows, on a scale shared by every node (floor 1%)."""
    from .gates import FLOOR, spark  # the gates' sparkline: one drawing rule for every history

    recent = snap.verdicts[-HISTORY_WINDOWS:]
    def rate(v, name: str) -> float:
        window = next((n for n in (v.x if pool == "x" else v.y).nodes if n.node == name), None)
        return window.error_rate if window is not None and window.requests else 0.0
    names = [p.node for p in (snap.x_nodes if pool == "x" else snap.y_nodes)]
    top = max([rate(v, n) for v in recent for n in names] + [FLOOR["error_rate"]])
    return spark([rate(v, node) for v in recent], top, [v.verdict for v in recent])


def _numbers(window: NodeWindow | None, length: float) -> tuple[str, str, str]:
    if window is None or length <= 0:
        return "-", "-", "-"
    rate = f"{window.requests / length:.1f}"
    errors = f"{100.0 * window.errors / window.requests:.2f}" if window.requests else "-"
    value = window.stat("p99_ms")
    p99 = f"{value:.0f}" if window.requests and value is not None else "-"
    return rate, errors, p99


class PoolTable(SnapshotView):
    """The rows of pool ``x`` or ``y``; ``wide`` adds the probe's message column."""

    DEFAULT_CSS = """
    PoolTable { height: auto; width: auto; }
    """
    BINDINGS = [Binding("up", "move(-1)", "up", show=False), Binding("down", "move(1)", "down", show=False),
                Binding("enter", "choose", "node details")]
    can_focus = True
    wide: reactive[bool] = reactive(False, layout=True)
    spark: reactive[bool] = reactive(False, layout=True)
    cursor: reactive[int] = reactive(0)

    class NodeChosen(Message):
        """The operator asked for one node's windows, probes and errors (Enter on its row)."""

        def __init__(self, node: str) -> None:
            super().__init__()
            self.node = node

    def __init__(self, pool: str, **kwargs):
        super().__init__(**kwargs)
        self.pool = pool

    def get_content_width(self, container: Size, viewport: Size) -> int:
        """Sized to content: measured against the screen, since an auto-width parent offers no width of its own."""
        return super().get_content_width(Size(max(container.width, viewport.width), container.height), viewport)

    def _names(self) -> list[str]:
        snap = self.snapshot
        return [] if snap is None else [p.node for p in (snap.x_nodes if self.pool == "x" else snap.y_nodes)]

    def action_move(self, step: int) -> None:
        names = self._names()
        if names:
            self.cursor = (self.cursor + step) % len(names)

    def action_choose(self) -> None:
        names = self._names()
        if names:
            self.post_message(self.NodeChosen(names[min(self.cursor, len(names) - 1)]))

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def render_snapshot(self, snap: Snapshot) -> Table:
        colour = "cyan" if self.pool == "x" else "magenta"
        table = Table(box=None, padding=(0, 1, 0, 0), header_style="bold", show_edge=False)
        names = [p.node for p in snap.x_nodes + snap.y_nodes]
        # every pool's name column is as wide as the longest name of both, so X's and Y's columns line up
        title = _("{pool} pool").format(pool=self.pool.upper())
        table.add_column(Text(title, f"bold {colour}"), no_wrap=True, overflow="ellipsis",
                         min_width=min(NAME_MAX, max(cell_len(title), *(cell_len(n) + 2 for n in names))), max_width=NAME_MAX + 2)
        versions = [p.version for p in snap.x_nodes + snap.y_nodes] + [snap.x_version, snap.y_version]
        table.add_column("ver", no_wrap=True, overflow="ellipsis", min_width=min(VERSION_MAX, max(map(len, versions))),
                         max_width=VERSION_MAX)
        # an average-only source (HAProxy rtime) is named for what it gives: avg, never p99
        average = snap.last_verdict is not None and snap.last_verdict.y.latency_kind == "average"
        # units as column headers: pgettext, for the same English elsewhere may be a word, and a
        # unit's translation must fit its few cells
        latency = pgettext("unit column header", "avgms") if average else pgettext("unit column header", "p99ms")
        for header, width, justify in ((_("rdy"), 4, "left"), (_("hash"), HASH_CHARS, "left"),
                                       (pgettext("unit column header", "req/s"), 6, "right"),
                                       (pgettext("unit column header", "5xx%"), 5, "right"), (latency, 5, "right")):
            table.add_column(header, justify=justify, no_wrap=True, min_width=width)
        if self.spark:
            table.add_column(_("5xx history"), no_wrap=True, min_width=HISTORY_WINDOWS)
        if self.wide:
            table.add_column(_("probe"), no_wrap=True, overflow="ellipsis", max_width=24)
        stale = not observed_is_current(snap)  # numbers from an earlier step's window are dimmed
        if stale and self.pool == "y" and snap.last_verdict is not None and not snap.finished:
            # dimmed numbers say how old they are (once, under both pools)
            table.caption = Text(_("numbers: window ending {at}, {age}").format(
                at=clock(snap.last_verdict.end, self.world), age=age(snap.now - snap.last_verdict.end)), "dim")
            table.caption_justify = "left"
        blamed = blamed_nodes(snap)
        for row, (probe, window, length) in enumerate(node_rows(snap, self.pool)):
            cells = self._cells(probe, window, length, stale, probe.node in blamed)
            if self.has_focus and row == self.cursor:
                cells[0].stylize("reverse")  # the row Enter opens
            if self.spark:
                cells.append(node_history(snap, self.pool, probe.node))
            if self.wide:
                cells.append(say(probe.message) if probe.message else (_("sync {status}").format(status=probe.sync_status)
                                                                     if probe.sync_status else ""))
            failing = probe.node in blamed or not (probe.ready or probe.message == UNPROBED)
            table.add_row(*cells, style="red" if failing else None)
        return table

    def _cells(self, probe: NodeProbe, window: NodeWindow | None, length: float, stale: bool, blamed: bool) -> list:
        colour = "cyan" if self.pool == "x" else "magenta"
        if probe.ready:
            ready = Text(_("ok"), "green")
        elif probe.message == UNPROBED:
            ready = Text("?", "dim")
        else:
            ready = Text(_("DOWN"), "bold white on red")
        name = Text(f"{probe.node} ✗", "bold white on red") if blamed else Text(probe.node, colour)
        numbers = [Text(n, "dim" if stale else "") for n in _numbers(window, length)]
        if blamed:
            numbers[1].stylize("bold red")  # the 5xx rate the per-node gate blames it for
        return [name, probe.version or "?", ready, (probe.config_hash or "-")[:HASH_CHARS], *numbers]
