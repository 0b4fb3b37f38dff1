"""The help screen: every key, what it does, and what the panels mean (one catalog entry, so a
translation can lay out its own columns; the Japanese one is measured in cells, two per character)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from rollout.i18n import N_, _

from .bindings import TranslatedBindings

HELP = N_("""\
[b]Keys[/b]
  [b]a[/b]        approve the pending step (asks first: it moves traffic)
  [b]p[/b]        pause / resume the rollout (traffic stays where it is;
           the gates keep judging and can still roll back)
  [b]s[/b]        LIVE, on the plan summary: start the run (then y)
  [b]r[/b]        roll back: 100% to X (r then y, in every world)
  [b]n[/b] space  rehearsal: jump to the next thing that happens
  [b]+[/b] [b]-[/b]      rehearsal speed: 1x, 10x, 60x, max
  [b]l[/b]        focus the event log (arrows scroll it)
  [b]PgUp[/b] [b]PgDn[/b] move the event log by a page
  [b]/[/b]        search the event log (full screen, matches highlighted)
  [b]f[/b]        the event log on the full screen
  [b]Tab[/b]      focus a node table; arrows pick a node, [b]Enter[/b] opens
           its windows, probes and errors
  [b]q[/b]        quit (asks first while a rollout is running)
  [b]?[/b]        this help; Esc closes it

[b]Panels[/b]
  banner     REHEARSAL (sim clock, speed) or LIVE; plan, X→Y, phase
  split      X vs Y as the LB has it; observed = Y's share of the
             requests in the last window (⚠ when > 2 points off)
  X / Y      per node: version, ready (DOWN = probe failed), config
             hash, req/s, 5xx %, p99 ms in the last window (avg ms
             when the source gives only averages, as HAProxy does);
             ✗ in red = a per-node gate blames this node; wide
             terminals add each node's 5xx history
  procedure  ✓ done  ▶ running  ‖ paused  · waiting  ✗ failed;
             * = needs approval
  gates      last window: X and Y numbers, limit, verdict; history bars
             (green pass, red fail, yellow inconclusive or hold: X
             breaks it too); "5xx node" is the worst Y node, named;
             the window's age shows, flagged stale past two windows
The footer shows only the keys that work now (n and +/- only in
a rehearsal). Below 60x15 the cockpit asks for a larger window.
""")


class HelpScreen(TranslatedBindings, ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 76; max-width: 100%; height: auto; max-height: 100%; border: thick $primary; background: $panel; padding: 0 1; }
    """
    BINDINGS = [Binding("escape,q,question_mark", "close", N_("close"))]

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(_(HELP).rstrip())

    def action_close(self) -> None:
        self.dismiss(None)
