"""The gates: the latest judged window per gate with X and Y side by side, and a short history.

Every verdict shows the results it was made from, one row per gate as the gate words its
numbers and its limit (rollout.gate_rules), so the operator sees why traffic moved on or came
back; nothing here knows which gates exist. The history lines hold each pool's statistic per
gate over the recent windows (the first gate's only, unless tall) on one shared scale, unlike
textual's Sparkline which scales each series to itself and would make X's noise look
like Y's failure.
"""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.reactive import reactive

from rollout.gates import GateResult, WindowVerdict
from rollout.i18n import N_, _
from rollout.phrasebook import say
from rollout.snapshot import Snapshot

from .base import VERDICT_STYLE, SnapshotView, age, clock, duration, phase_words

BARS = "▁▂▃▄▅▆▇█"
# Below these the bars stay low, so noise does not look like a fault (error_rate: 1%).
FLOOR = {"error_rate": 0.01}
# The verdicts in words (the gates' own values stay as they are in the journal and JSON).
VERDICT_WORDS = {"pass": N_("pass"), "fail": N_("fail"), "hold": N_("hold"), "inconclusive": N_("inconclusive"),
                 "no_data": N_("no_data")}

# The gates' row labels (rollout.gates, rollout.gate_rules), marked for extraction here, where they are drawn.
GATE_LABELS = (N_("5xx"), N_("5xx node"), N_("p99"), N_("avg"), N_("req"))


def verdict_words(verdict: str) -> str:
    return _(VERDICT_WORDS[verdict]) if verdict in VERDICT_WORDS else verdict


def _verdict(result: GateResult) -> Text:
    return Text(verdict_words(result.verdict), VERDICT_STYLE.get(result.verdict, ""))


def gate_table(verdict: WindowVerdict) -> Table:
    """One row per result, as each gate worded it: X, Y, its verdict and its limit.

    The limit is the rule the gate judges by, so it is never cut: on a narrow panel it wraps
    (at word boundaries) instead. A failing gate's row is drawn in red, whole."""
    table = Table(box=None, padding=(0, 1, 0, 0), expand=True, header_style="bold", show_edge=False)
    for name, justify in ((_("gate"), "left"), ("X", "right"), ("Y", "right"), (_("verdict"), "left")):
        table.add_column(name, justify=justify, no_wrap=True)
    table.add_column(_("limit"), justify="left", no_wrap=False, overflow="fold", ratio=1)
    for result in verdict.results:
        failing = result.verdict == "fail"
        label = _(result.label) if result.label else result.gate
        table.add_row(Text(label, "reverse bold red" if failing else ""), result.x_shown, result.y_shown,
                      _verdict(result), say(result.threshold), style="bold red" if failing else None)
    return table


def waiting_line(snap: Snapshot, world: str) -> Text:
    """Before the first window: what the gates wait for, honestly (Y may already take traffic)."""
    y = snap.applied[1] if snap.applied else 0
    if y > 0 and snap.next_deadline is not None:
        return Text(_("Y takes {share}%: the first window is judged at {at} (in {left})").format(
            share=y, at=clock(snap.next_deadline, world), left=duration(max(0.0, snap.next_deadline - snap.now))), "dim")
    if y > 0:
        return Text(_("Y takes {share}%: windows start once the load balancer confirms the split").format(share=y), "dim")
    first = next((s for s in snap.steps if s.y > 0), None)
    share = " " + _("(step {n}: {share}%)").format(n=first.index + 1, share=first.y) if first else ""
    return Text(_("no window judged yet: the gates judge once Y takes traffic{first_step}; now {phase}").format(
        first_step=share, phase=phase_words(snap.phase)), "dim")


def freshness(verdict: WindowVerdict, snap: Snapshot) -> Text:
    """The window's age; while the run goes on, older than two windows (nothing judged since) is flagged stale."""
    old = snap.now - verdict.end
    length = max(verdict.end - verdict.start, 1.0)
    if old > 2 * length and not snap.finished:
        return Text("  " + _("stale: {age}").format(age=age(old)), "bold black on yellow")
    return Text(f"  {age(old)}", "dim")


def spark(values: list[float], top: float, verdicts: list[str]) -> Text:
    """A one-line history on a shared scale (``top``), failed windows in red."""
    text = Text(no_wrap=True, overflow="crop")
    for value, verdict in zip(values, verdicts):
        level = 0 if top <= 0 else min(len(BARS) - 1, int(round(value / top * (len(BARS) - 1))))
        text.append(BARS[level], "red" if verdict == "fail" else "green" if verdict == "pass" else "yellow")
    return text


def history(verdicts: tuple[WindowVerdict, ...], statistic: str, label: str, width: int) -> Text:
    """X and Y side by side on the same scale, so a Y that is worse than X looks worse."""
    recent = verdicts[-max(1, width):]
    def values(pool: str) -> list[float]:
        return [getattr(v, pool).stat(statistic) or 0.0 for v in recent]
    xs, ys = values("x"), values("y")
    top = max(xs + ys + [FLOOR.get(statistic, 0.0)])
    marks = [v.verdict for v in recent]
    return Text.assemble((f"{_(label)} X ", "cyan"), spark(xs, top, marks), ("  Y ", "magenta"), spark(ys, top, marks))


class GatesView(SnapshotView):
    """The latest window's gate table and each pool's recent history (the first gate's statistic;
    every gate's when tall)."""

    DEFAULT_CSS = """
    GatesView { height: auto; }
    """
    tall: reactive[bool] = reactive(False, layout=True)

    def render_snapshot(self, snap: Snapshot) -> Group | Text:
        verdict = snap.last_verdict
        if verdict is None:
            return waiting_line(snap, self.world)
        head = Text(no_wrap=True, overflow="ellipsis")
        span = _("window {start}–{end}").format(start=clock(verdict.start, self.world), end=clock(verdict.end, self.world))
        head.append(span + " ")
        head.append(f" {verdict_words(verdict.verdict).upper()} ", f"reverse {VERDICT_STYLE[verdict.verdict]}")
        if snap.decided:
            head.append("  " + _("step evidence"), "bold red")  # failed on the step's accumulated evidence
        else:
            fails = _("fails {count}/{limit}").format(count=snap.failures, limit=snap.failures_to_rollback)
            head.append(f"  {fails}", "bold red" if snap.failures else "dim")
        head.append_text(freshness(verdict, snap))
        width = max(1, (self.content_size.width - 12) // 2)
        drawn = list({r.statistic: (r.statistic, r.label) for r in reversed(verdict.judged)}.values())[::-1]  # one line per statistic
        lines = [head, gate_table(verdict)]
        lines += [history(snap.verdicts, stat, label, width) for stat, label in drawn[: None if self.tall else 1]]
        return Group(*lines)
