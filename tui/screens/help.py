"""The help screen: every key, what it does, and what the panels mean."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

HELP = """\
[b]Keys[/b]
  [b]a[/b]        approve the pending step (asks first: it moves traffic)
  [b]p[/b]        pause / resume the rollout (traffic stays where it is)
  [b]s[/b]        LIVE, on the plan summary: start the run (then y)
  [b]r[/b]        roll back: 100% to X (r then y, in every world)
  [b]n[/b] space  rehearsal: jump to the next thing that happens
  [b]+[/b] [b]-[/b]      rehearsal speed: 1x, 10x, 60x, max
  [b]l[/b]        focus the event log (arrows / PgUp / PgDn scroll it)
  [b]q[/b]        quit (asks first while a rollout is running)
  [b]?[/b]        this help; Esc closes it

[b]Panels[/b]
  banner     REHEARSAL (sim clock, speed) or LIVE; plan, X→Y, phase
  split      X vs Y as the LB has it; observed = Y's share of the
             requests in the last window (⚠ when > 2 points off)
  X / Y      per node: version, ready (DOWN = probe failed), config
             hash, req/s, 5xx %, p99 ms in the last window (avg ms
             when the source gives only averages, as HAProxy does)
  procedure  ✓ done  ▶ running  · waiting  ✗ failed; * = needs approval
  gates      last window: X and Y numbers, limit, verdict; history bars
             (green pass, red fail, yellow inconclusive or hold: X
             breaks it too); "5xx node" is the worst Y node, named
"""


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 76; max-width: 100%; height: auto; max-height: 100%; border: thick $primary; background: $panel; padding: 0 1; }
    """
    BINDINGS = [Binding("escape,q,question_mark", "close", "close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(HELP.rstrip())

    def action_close(self) -> None:
        self.dismiss(None)
