"""One pool's nodes: name, version, ready, short config hash, req/s, 5xx %, p99 ms.

The numbers come from the last judged window's per-node breakdown; the rest from the last
probe. A node that fails its probe is painted red with DOWN, so it stands out at a glance.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.reactive import reactive

from rollout.observations import NodeProbe, NodeWindow
from rollout.snapshot import Snapshot

from .base import SnapshotView
from .split import observed_is_current

HASH_CHARS = 6
NAME_MAX, VERSION_MAX = 14, 8
UNPROBED = "not probed yet"  # rollout.snapshot's placeholder for a node the engine has not seen


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
    PoolTable { height: auto; }
    """
    wide: reactive[bool] = reactive(False, layout=True)

    def __init__(self, pool: str, **kwargs):
        super().__init__(**kwargs)
        self.pool = pool

    def render_snapshot(self, snap: Snapshot) -> Table:
        colour = "cyan" if self.pool == "x" else "magenta"
        table = Table(box=None, padding=(0, 1, 0, 0), header_style="bold", show_edge=False)
        names = [p.node for p in snap.x_nodes + snap.y_nodes]
        table.add_column(Text(f"{self.pool.upper()} pool", f"bold {colour}"), no_wrap=True, overflow="ellipsis",
                         width=min(NAME_MAX, max(len("X pool"), *map(len, names))))
        versions = [p.version for p in snap.x_nodes + snap.y_nodes] + [snap.x_version, snap.y_version]
        table.add_column("ver", no_wrap=True, overflow="ellipsis", width=min(VERSION_MAX, max(map(len, versions))))
        # an average-only source (HAProxy rtime) is named for what it gives: avg, never p99
        average = snap.last_verdict is not None and snap.last_verdict.y.latency_kind == "average"
        for header, width, justify in (("rdy", 4, "left"), ("hash", HASH_CHARS, "left"), ("req/s", 6, "right"),
                                       ("5xx%", 5, "right"), ("avgms" if average else "p99ms", 5, "right")):
            table.add_column(header, justify=justify, no_wrap=True, width=width)
        if self.wide:
            table.add_column("probe", no_wrap=True, overflow="ellipsis", ratio=1)
        stale = not observed_is_current(snap)  # numbers from an earlier step's window are dimmed
        for probe, window, length in node_rows(snap, self.pool):
            self._add_row(table, probe, window, length, stale)
        return table

    def _add_row(self, table: Table, probe: NodeProbe, window: NodeWindow | None, length: float, stale: bool) -> None:
        colour = "cyan" if self.pool == "x" else "magenta"
        if probe.ready:
            ready = Text("ok", "green")
        elif probe.message == UNPROBED:
            ready = Text("?", "dim")
        else:
            ready = Text("DOWN", "bold white on red")
        cells = [Text(probe.node, colour), probe.version or "?", ready, (probe.config_hash or "-")[:HASH_CHARS], *(Text(n, "dim" if stale else "") for n in _numbers(window, length))]
        if self.wide:
            cells.append(probe.message or ("sync " + probe.sync_status if probe.sync_status else ""))
        table.add_row(*cells, style=None if probe.ready or probe.message == UNPROBED else "red")
