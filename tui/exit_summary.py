"""What stays on the terminal after the cockpit closes (or a headless run ends): the exit summary.

Quitting used to leave nothing: no outcome, no weights, no journal path, and a run held at 5%
on Y gave no hint of ``--resume`` or ``--rollback``. Every exit of ``turnout rehearse``,
``turnout run`` and ``turnout attach`` (q, Ctrl-C, a signal, detaching, the end of the run) now
prints a few lines: the outcome, the load balancer's weights and where they were read from,
the journal, the exact commands to go on, and after a rollback what is left to do by hand.

Pure: the callers read the weights (a live run asks its load balancer, tui/cmd_run.py) and
choose the commands; this module only words them, in the current language, when the lines are
asked for. The callers' own words (the weights' source, a command's label, what an unfinished
run is) are translated here too when the catalog has them (the callers mark them with ``N_``).
Labels are padded by display width (Rich's cell_len): a Japanese label takes two cells a character.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.cells import cell_len, set_cell_size

from rollout.i18n import N_, _, pgettext
from rollout.phases import Phase
from rollout.phrasebook import say  # the journal's reason is an English fact
from rollout.snapshot import Snapshot

from .next_steps import next_steps
from .widgets.base import phase_words

LABEL_WIDTH = 14
# the first clauses of the engine's reasons (rollout/engine.py), as _headline cuts them: words of their own
HEADLINES = (N_("preflight failed"), N_("smoke test failed"))
# a CommandFailed reason's first clause (``SetWeights failed``), one fixed sentence per command that
# can fail (rollout.commands.ANSWERED): no "{command} failed" template, which the phrasebook would
# also read over free text ending in "failed" (``All connection attempts failed``)
FAILED_HEADLINES = {
    "RunPreflight": N_("RunPreflight failed"), "FreezeConfig": N_("FreezeConfig failed"),
    "BackupConfig": N_("BackupConfig failed"), "StartNodes": N_("StartNodes failed"), "RunSmoke": N_("RunSmoke failed"),
    "SetWeights": N_("SetWeights failed"), "ProbeNodes": N_("ProbeNodes failed"), "JudgeWindow": N_("JudgeWindow failed"),
    "StopNodes": N_("StopNodes failed"), "UnfreezeConfig": N_("UnfreezeConfig failed"),
}


@dataclass(frozen=True)
class Weights:
    """The load balancer's split and where it was read: the LB itself, the journal, the simulation."""

    split: tuple[int, int] | None
    source: str

    def line(self) -> str:
        if self.split is None:
            return _("not known ({source})").format(source=say(self.source))
        return f"X {self.split[0]}% / Y {self.split[1]}% ({say(self.source)})"


@dataclass(frozen=True)
class ExitSummary:
    snapshot: Snapshot
    weights: Weights
    journal: str = ""  # the journal (or run directory) path; empty for a rehearsal without one
    commands: list[tuple[str, str]] = field(default_factory=list)  # (what, exact command line)
    started: bool = True  # False: a live run left on its plan summary, nothing done
    going_on: bool = False  # True: an attached cockpit left, the run goes on in its conductor
    unfinished: str = N_("held")  # what a run left unfinished is: held (live, resumable), discarded (rehearsal)

    def lines(self, columns: int | None = None) -> list[str]:
        """The summary's lines; with ``columns`` (a terminal's width) prose wraps between words under
        its label, where the terminal would cut mid-word. Paths and commands never wrap: they are
        copied and pasted whole."""
        rows = [(_("load balancer"), self.weights.line(), True)]
        if self.journal:
            rows.append((_("journal"), self.journal, False))
        rows += [(_(what), command, False) for what, command in self.commands]
        rows += [(pgettext("exit summary: a to-do line", "next"), step, True) for step in next_steps(self.snapshot)]
        width = max([LABEL_WIDTH] + [cell_len(label) + 1 for label, _text, _prose in rows])  # a longer (translated) label widens the column
        out = _wrapped(f"turnout: {self.outcome()}", columns, "  ")
        for label, text, prose in rows:
            body = _wrapped(text, columns and columns - width - 3, "") if prose else [text]
            out += [f"  {pad(label + ':', width)} {body[0]}"] + [f"  {' ' * width} {more}" for more in body[1:]]
        return out

    def outcome(self) -> str:
        snap = self.snapshot
        versions = f"{snap.plan_name}, X {snap.x_version} → Y {snap.y_version}"
        if not self.started or snap.phase == Phase.NEW:
            return _("not started, nothing was changed ({versions})").format(versions=versions)
        where = _where(snap)
        if self.going_on and not snap.finished:
            return _("detached; the run goes on in its conductor, {where} ({versions})").format(where=where, versions=versions)
        if snap.phase == Phase.DONE:
            return _("completed ({versions})").format(versions=versions)
        if snap.phase == Phase.ROLLED_BACK:
            return _("rolled back: {reason} ({versions})").format(reason=say(_headline(snap.reason)), versions=versions)
        if snap.phase == Phase.HALTED:
            return _("halted: {reason} ({versions})").format(reason=say(_headline(snap.reason)), versions=versions)
        return _("{unfinished} {where} ({versions})").format(unfinished=_(self.unfinished), where=where, versions=versions)


def pad(text: str, width: int) -> str:
    """``text`` left-aligned in ``width`` terminal cells (str.ljust counts characters, not cells)."""
    return text + " " * max(0, width - cell_len(text))


def terminal_columns(stream) -> int | None:
    """The width to wrap the summary at: the terminal's, or None when the output is a file or a pipe
    (a script reads whole lines)."""
    import shutil

    try:
        return shutil.get_terminal_size().columns if stream.isatty() else None
    except (AttributeError, ValueError, OSError):
        return None


def _wrapped(text: str, columns: int | None, indent: str) -> list[str]:
    """``text`` in lines of at most ``columns`` cells, broken between words (Rich wraps Japanese, which
    has no spaces, between characters); the lines after the first start with ``indent``."""
    if not columns or columns < 20 or cell_len(text) <= columns:
        return [text]
    from rich.console import Console
    from rich.text import Text

    lines = Text(text).wrap(Console(width=columns), columns - len(indent))
    first, *rest = [line.plain.rstrip() for line in lines]
    return [first] + [indent + line for line in rest]


def _where(snap: Snapshot) -> str:
    """``paused in shift at 25% on Y``: where an unfinished run stands."""
    phase = snap.paused_from if snap.phase == Phase.PAUSED else snap.phase
    approval = (_(", step {n} waits for approval").format(n=snap.pending_approval + 1)
                if snap.pending_approval is not None else "")
    where = _("paused in {phase} with {share}% on Y{approval}") if snap.phase == Phase.PAUSED else _(
        "at {phase} with {share}% on Y{approval}")
    return where.format(phase=phase_words(phase), share=snap.desired[1], approval=approval)


def _headline(reason: str) -> str:
    """The first clause of a reason (as the procedure panel shows it); the whole is in the journal."""
    head = " ".join(reason.split()).split(": ", 1)[0]
    words = _(head)  # a fixed sentence of the catalog translates; any other shows as journaled
    return words if cell_len(words) <= 90 else set_cell_size(words, 87) + "..."


def live_commands(snap: Snapshot, command, started: bool = True) -> list[tuple[str, str]]:
    """The commands that go on from here; ``command(flag)`` is the run's command line with a flag."""
    if not started or snap.phase == Phase.NEW:
        return [(N_("start it"), command(""))]
    if snap.finished:
        return [(N_("a new run"), command("--new-run"))]
    return [(N_("resume"), command("--resume")), (N_("roll back"), command("--rollback"))]
