"""One node up close (Enter on its row): its last probe, its share of each judged window, and the
errors the run logged about it. A view over the run's snapshot, re-read on a short timer."""

from __future__ import annotations

from typing import Callable

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from rollout.i18n import N_, _, pgettext
from rollout.phrasebook import say
from rollout.snapshot import Snapshot

from ..widgets.base import VERDICT_STYLE, clock
from ..widgets.gates import verdict_words
from .bindings import TranslatedBindings

REFRESH_S = 0.5


def probe_lines(snap: Snapshot, node: str) -> Text:
    probe = next((p for p in snap.x_nodes + snap.y_nodes if p.node == node), None)
    if probe is None:
        return Text(_("{node}: not in this plan").format(node=node), "bold red")
    pool = "X" if probe in snap.x_nodes else "Y"
    state = Text(_("ready"), "green") if probe.ready else Text(_("DOWN") if probe.reachable else _("unreachable"), "bold red")
    where = _("pool {pool}  version {version}").format(pool=pool, version=probe.version or "?")
    text = Text.assemble((f"{node}", "bold"), f"  {where}  ", state)
    text.append("  " + _("config {hash}").format(hash=probe.config_hash or "-"))
    if probe.sync_status:
        text.append("  " + _("sync {status}").format(status=probe.sync_status))
    if probe.message:
        text.append("\n" + _("last probe: {message}").format(message=say(probe.message)), "" if probe.ready else "red")
    return text


def window_table(snap: Snapshot, node: str, world: str) -> Table:
    """The node's share of every judged window the snapshot keeps, newest first."""
    table = Table(box=None, padding=(0, 2, 0, 0), header_style="bold", title_justify="left")
    columns = ((N_("window end"), "left"), (N_("req"), "right"), (N_("5xx"), "right"),
               (pgettext("unit column header", "5xx%"), "right"),
               (N_("latency ms"), "right"), (N_("window verdict"), "left"), (N_("gates naming it"), "left"))
    for name, justify in columns:
        table.add_column(_(name), justify=justify, no_wrap=name != "gates naming it")
    for verdict in reversed(snap.verdicts):
        window = next((n for pool in (verdict.x, verdict.y) for n in pool.nodes if n.node == node), None)
        if window is None:
            continue
        kind = "avg" if verdict.y.latency_kind == "average" else "p99"
        latency = window.stat("p99_ms")
        blamed = ", ".join(_(r.label) if r.label else r.gate for r in verdict.results if node in r.nodes and r.verdict == "fail")
        rate = f"{100.0 * window.errors / window.requests:.2f}" if window.requests else "-"
        table.add_row(clock(verdict.end, world), str(window.requests), str(window.errors), rate,
                      "-" if latency is None else f"{kind} {latency:.0f}",
                      Text(verdict_words(verdict.verdict), VERDICT_STYLE.get(verdict.verdict, "")), Text(blamed, "bold red"))
    return table


def error_lines(snap: Snapshot, node: str, world: str) -> Text:
    """Log lines that name the node at warn or error level."""
    text = Text()
    for entry in snap.log:
        if entry.level in ("warn", "error") and node in entry.message:
            text.append(f"{clock(entry.at, world)} {say(entry.message)}\n", "bold red" if entry.level == "error" else "yellow")
    return text or Text(_("no warnings or errors name this node"), "dim")


class NodeScreen(TranslatedBindings, ModalScreen[None]):
    DEFAULT_CSS = """
    NodeScreen { align: center middle; }
    NodeScreen > VerticalScroll { width: 100%; height: 100%; border: thick $primary; background: $panel; padding: 0 1; }
    """
    BINDINGS = [Binding("escape,q", "close", N_("close"))]

    def __init__(self, snapshot: Callable[[], Snapshot], node: str, world: str) -> None:
        super().__init__()
        self.read, self.node, self.world = snapshot, node, world

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = _("node {node}").format(node=self.node)
            yield Static(id="node-view")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.show()
        self.set_interval(REFRESH_S, self.show)

    def show(self) -> None:
        snap = self.read()
        self.query_one("#node-view", Static).update(Group(
            probe_lines(snap, self.node), Text("\n" + _("windows"), "bold"), window_table(snap, self.node, self.world),
            Text("\n" + _("warnings and errors"), "bold"), error_lines(snap, self.node, self.world)))

    def action_close(self) -> None:
        self.dismiss(None)
