"""Kong's procedure as a checklist: done / running / waiting / failed, the bake, the next approval.

On a small terminal the shift steps sit on one line (``✓5 ✓25 ▶50* ·100``, ``*`` = needs
approval); on a wide one each step gets its own line with its bake time.
"""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.reactive import reactive

from rollout.phases import Phase
from rollout.snapshot import Snapshot, StepView

from ..next_steps import freeze_state, next_steps
from .base import MARKS, SnapshotView, duration

LABELS = {"preflight": "preflight checks", "freeze": "freeze config writes", "backup": "back up config",
          "deploy_y": "deploy Y", "smoke_y": "smoke-test Y", "shift": "shift",
          "decommission_x": "decommission X", "unfreeze": "unfreeze config", "watch": "watch"}


def _mark(mark: str) -> tuple[str, str]:
    return MARKS.get(mark, ("?", ""))


def inline_steps(steps: tuple[StepView, ...]) -> Text:
    text = Text()
    for s in steps:
        symbol, style = _mark(s.mark)
        text.append(f" {symbol}{s.y}{'*' if s.approve else ''}", style)
    return text


def step_lines(steps: tuple[StepView, ...]) -> list[Text]:
    lines = []
    for s in steps:
        symbol, style = _mark(s.mark)
        gate = "  approve" if s.approve else ""
        lines.append(Text(f"  {symbol} step {s.index + 1} {s.y:>3}% bake {duration(s.bake)}{gate}", style))
    return lines


def next_line(snap: Snapshot) -> Text:
    """What the operator should know next: an approval to give, a bake to wait out, the outcome."""
    if snap.pending_approval is not None:
        y = snap.steps[snap.pending_approval].y
        return Text(f" ⚑ approve step {snap.pending_approval + 1}: {y}% to Y  [a] ", "bold black on yellow")
    if snap.finished or snap.phase in (Phase.ROLLING_BACK, Phase.PAUSED):
        words = str(snap.phase).replace("_", " ")
        cause = snap.reason.split(": ", 1)[0]  # the headline; the full reason is in the event log
        return Text(f"{words}: {cause}" if cause else words, "bold red" if snap.phase != Phase.DONE else "bold green")
    text = Text()
    if snap.bake_remaining is not None:
        what = f"{snap.desired[1]}% on Y" if snap.phase == Phase.SHIFT else "watch"
        text.append(f"bake {duration(snap.bake_remaining)} left ({what})")
    upcoming = [s for s in snap.steps if s.approve and s.mark == "waiting"]
    if upcoming:
        text.append(("\n" if text else "") + f"next approval: step {upcoming[0].index + 1} ({upcoming[0].y}%)", "dim")
    return text


class ProcedureView(SnapshotView):
    DEFAULT_CSS = """
    ProcedureView { height: auto; }
    """
    wide: reactive[bool] = reactive(False, layout=True)

    def render_snapshot(self, snap: Snapshot) -> Group:
        lines: list[Text] = []
        for item in snap.procedure:
            symbol, style = _mark(item.mark)
            line = Text(f"{symbol} {LABELS.get(item.phase, item.phase)}", style)
            if item.phase == "unfreeze" and item.mark != "done" and (snap.finished or snap.phase == Phase.ROLLING_BACK):
                line.append(f" ({freeze_state(snap).removeprefix('config ')})", "bold" if snap.frozen else "")
            if item.phase == "shift":
                if self.wide:
                    lines.append(line)
                    lines.extend(step_lines(snap.steps))
                    continue
                line.append_text(inline_steps(snap.steps))
            lines.append(line)
        lines.append(next_line(snap))
        lines += [Text(f"→ {step}", "yellow") for step in next_steps(snap)]  # after a rollback: what is left to do
        return Group(*lines)
