"""Kong's procedure as a checklist: done / running / waiting / failed, the bake, the next approval.

On a small terminal the shift steps sit on one line (``✓5 ✓25 ▶50* ·100``, ``*`` = needs
approval) and the phases already done fold into one line; on a wide and tall one each step gets
its own line with its bake time. A held phase shows ``‖ paused`` (never ✗: a pause can be resumed).
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.console import Group
from rich.text import Text
from textual.reactive import reactive

from rollout.i18n import N_, _
from rollout.phases import Phase
from rollout.phrasebook import say
from rollout.snapshot import ProcedureItem, Snapshot, StepView

from ..next_steps import freeze_state, next_steps
from .base import MARKS, SnapshotView, duration, phase_words

# Kong's procedure, step by step (in Japanese, the guide's own words: docs/glossary.md).
LABELS = {"preflight": N_("preflight checks"), "freeze": N_("freeze config writes"), "backup": N_("back up config"),
          "deploy_y": N_("deploy Y"), "smoke_y": N_("smoke-test Y"), "shift": N_("shift"),
          "decommission_x": N_("decommission X"), "unfreeze": N_("unfreeze config"), "watch": N_("watch")}


# The headlines of rollout.engine's gate reasons (the reason up to its first ": "), so the phrasebook
# reads the headline the panel shows as it reads the whole reason in the event log.
HEADLINES = (N_("{how} ({join}) at {y}% on Y"), N_("{failures} windows over a limit that X breaks too ({gates}) at {y}% on Y; "
                                                   "the operator decides"))


def label(phase: str) -> str:
    """A procedure step's name, in the current language."""
    return _(LABELS[phase]) if phase in LABELS else phase


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
        gate = "*" if s.approve else " "
        words = _("step {n} {share:>3}%{gate} bake {bake}").format(n=s.index + 1, share=s.y, gate=gate, bake=duration(s.bake))
        lines.append(Text(f"  {symbol} {words}", style))
    return lines


def next_line(snap: Snapshot) -> Text:
    """What the operator should know next: an approval to give, a bake to wait out, the outcome."""
    if snap.pending_approval is not None:
        y = snap.steps[snap.pending_approval].y
        words = _("approve step {n}: {share}% to Y").format(n=snap.pending_approval + 1, share=y)
        return Text(f" ⚑ {words}  [a] ", "bold black on yellow")
    if snap.finished or snap.phase in (Phase.ROLLING_BACK, Phase.PAUSED):
        words = phase_words(snap.phase)
        cause = say(snap.reason.split(": ", 1)[0])  # the headline, said (HEADLINES); the full reason is in the event log
        return Text(f"{words}: {cause}" if cause else words, "bold red" if snap.phase != Phase.DONE else "bold green")
    text = Text()
    if snap.bake_remaining is not None:
        what = _("{share}% on Y").format(share=snap.desired[1]) if snap.phase == Phase.SHIFT else phase_words("watch")
        text.append(_("bake {left} left ({what})").format(left=duration(snap.bake_remaining), what=what))
    upcoming = [s for s in snap.steps if s.approve and s.mark == "waiting"]
    if upcoming:
        nxt = _("next approval: step {n} ({share}%)").format(n=upcoming[0].index + 1, share=upcoming[0].y)
        text.append(("\n" if text else "") + nxt, "dim")
    return text


def folded_done(items: tuple[ProcedureItem, ...], width: int = 0) -> tuple[list[Text], tuple[ProcedureItem, ...]]:
    """The leading run of done phases as one line (first … last), and the items after it.

    When that line is wider than ``width`` cells (Japanese labels take two cells a character),
    the last phase alone is named, so the line never wraps into the panel's few rows."""
    count = 0
    while count < len(items) and items[count].mark in ("done", "skipped"):
        count += 1
    if count < 2:
        return [], items
    first, last = (label(items[i].phase) for i in (0, count - 1))
    symbol, style = _mark("done")
    folded = f"{symbol} " + _("done: {first} … {last}").format(first=first.split()[0], last=last)
    if width and cell_len(folded) > width:
        folded = f"{symbol} " + _("done: … {last}").format(last=last)
    return [Text(folded, style)], items[count:]


class ProcedureView(SnapshotView):
    DEFAULT_CSS = """
    ProcedureView { height: auto; }
    """
    wide: reactive[bool] = reactive(False, layout=True)
    tall: reactive[bool] = reactive(False, layout=True)

    def render_snapshot(self, snap: Snapshot) -> Group:
        lines: list[Text] = []
        items = snap.procedure
        if not self.tall:
            lines, items = folded_done(items, self.content_size.width)
        for item in items:
            symbol, style = _mark(item.mark)
            line = Text(f"{symbol} {label(item.phase)}", style)
            if item.mark == "paused":
                line.append(": " + phase_words("paused"), "bold yellow")
            if item.phase == "unfreeze" and item.mark != "done" and (snap.finished or snap.phase == Phase.ROLLING_BACK):
                line.append(f" ({freeze_state(snap, short=True)})", "bold" if snap.frozen else "")
            if item.phase == "shift":
                if self.wide and self.tall:
                    lines.append(line)
                    lines.extend(step_lines(snap.steps))
                    continue
                line.append_text(inline_steps(snap.steps))
            lines.append(line)
        lines.append(next_line(snap))
        lines += [Text(f"→ {step}", "yellow") for step in next_steps(snap)]  # after a rollback: what is left to do
        return Group(*lines)
