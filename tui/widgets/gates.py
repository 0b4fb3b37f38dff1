"""The gates: the latest judged window per gate with X and Y side by side, and a short history.

Every verdict shows the numbers it was made from (requests, error rate, p99, the rule), so
the operator sees why traffic moved on or came back. The history lines hold each pool's 5xx
rate over the recent windows (p99 too on tall screens) on one shared scale, unlike
textual's Sparkline which scales each series to itself and would make X's noise look
like Y's failure.
"""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.reactive import reactive

from rollout.gates import GateResult, WindowVerdict
from rollout.snapshot import Snapshot

from .base import VERDICT_STYLE, SnapshotView, clock

BARS = "▁▂▃▄▅▆▇█"
FLOOR = {"5xx": 1.0}  # percent: below 1% errors the bars stay low, noise does not look like a fault


def _verdict(result: GateResult | None) -> Text:
    if result is None:
        return Text("-", "dim")
    return Text(result.verdict, VERDICT_STYLE.get(result.verdict, ""))


def gate_table(verdict: WindowVerdict) -> Table:
    results = {r.gate: r for r in verdict.results}
    table = Table(box=None, padding=(0, 1, 0, 0), expand=True, header_style="bold", show_edge=False)
    for name, justify in (("gate", "left"), ("X", "right"), ("Y", "right"), ("verdict", "left"), ("limit", "left")):
        table.add_column(name, justify=justify, no_wrap=True, overflow="ellipsis", ratio=1 if name == "limit" else None)
    x, y = verdict.x, verdict.y
    minimum = results.get("min_requests")
    table.add_row("req", str(x.requests), str(y.requests), _verdict(minimum), minimum.threshold if minimum else "")
    for gate, label, fmt in (("error_rate", "5xx", "{:.2%}"), ("latency_p99_ms", "p99", "{:.0f}ms")):
        result = results.get(gate)
        xs = fmt.format(x.error_rate if gate == "error_rate" else x.p99_ms) if x.requests else "-"
        ys = fmt.format(y.error_rate if gate == "error_rate" else y.p99_ms) if y.requests else "-"
        table.add_row(label, xs, ys, _verdict(result), result.threshold if result else "")
    return table


def spark(values: list[float], top: float, verdicts: list[str]) -> Text:
    """A one-line history on a shared scale (``top``), failed windows in red."""
    text = Text(no_wrap=True, overflow="crop")
    for value, verdict in zip(values, verdicts):
        level = 0 if top <= 0 else min(len(BARS) - 1, int(round(value / top * (len(BARS) - 1))))
        text.append(BARS[level], "red" if verdict == "fail" else "green" if verdict == "pass" else "yellow")
    return text


def history(verdicts: tuple[WindowVerdict, ...], metric: str, width: int) -> Text:
    """X and Y side by side on the same scale, so a Y that is worse than X looks worse."""
    recent = verdicts[-max(1, width):]
    def values(pool: str) -> list[float]:
        windows = [getattr(v, pool) for v in recent]
        return [100.0 * w.error_rate if metric == "5xx" else w.p99_ms for w in windows]
    xs, ys = values("x"), values("y")
    top = max(xs + ys + [FLOOR.get(metric, 0.0)])
    marks = [v.verdict for v in recent]
    return Text.assemble((f"{metric} X ", "cyan"), spark(xs, top, marks), ("  Y ", "magenta"), spark(ys, top, marks))


class GatesView(SnapshotView):
    """The latest window's gate table and each pool's recent history (5xx; p99 too when tall)."""

    DEFAULT_CSS = """
    GatesView { height: auto; }
    """
    tall: reactive[bool] = reactive(False, layout=True)

    def render_snapshot(self, snap: Snapshot) -> Group | Text:
        verdict = snap.last_verdict
        if verdict is None:
            return Text("no window judged yet: gates start when Y takes traffic", "dim")
        head = Text(no_wrap=True, overflow="ellipsis")
        head.append(f"window {clock(verdict.start, self.world)}–{clock(verdict.end, self.world)} ")
        head.append(f" {verdict.verdict.upper()} ", f"reverse {VERDICT_STYLE[verdict.verdict]}")
        head.append(f"  fails {snap.failures}/{snap.failures_to_rollback}", "bold red" if snap.failures else "dim")
        width = max(1, (self.content_size.width - 12) // 2)
        lines = [head, gate_table(verdict), history(snap.verdicts, "5xx", width)]
        if self.tall:
            lines.append(history(snap.verdicts, "p99", width))
        return Group(*lines)
