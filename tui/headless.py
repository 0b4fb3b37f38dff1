"""Headless runs: the operator's stand-in, and one printed line per engine log entry.

With ``--auto-approve`` an approval request is answered at once (journaled as approved by
``auto-approve``); without it a headless run that needs an approval, or that is held,
stops and says how to go on, because nobody is there to press a key. A served run
(``--serve``, ``--detach``) does not stop: an operator can attach and decide.

The stand-in operates the conductor exactly as the cockpit does, through
rollout.conductor's interface: it reads snapshots, submits operator events and, when it
gives up, stops the conductor's loop. It decides that a hold is final only when the
conductor says it is idle (everything queued has been fed: an intent given on the command
line, such as ``--rollback`` after the ``Resumed`` event, has had its say).
"""

from __future__ import annotations

import sys
import time

from rollout import commands as cmd
from rollout import events as ev
from rollout.conductor import Conductor
from rollout.i18n import _
from rollout.phases import Phase
from rollout.phrasebook import say, say_phase


class HeadlessOperator:
    """Stands in for the operator where nobody watches a screen; also prints when asked to."""

    def __init__(self, quiet: bool = False, auto_approve: bool = False, stream=None, silent: bool = False,
                 attachable: bool = False):
        self.silent = silent  # a TUI is showing the run: no printing, no stopping
        self.attachable = attachable  # served: an operator may attach (turnout attach), so never stop
        self.auto_approve = auto_approve
        self.stream = stream or (sys.stderr if quiet else sys.stdout)
        self.seen = 0
        self.conductor: Conductor | None = None

    @property
    def stands_in(self) -> bool:
        """Nobody else can decide: no cockpit on this terminal, none that may attach."""
        return not (self.silent or self.attachable)

    def operate(self, conductor: Conductor) -> None:
        self.conductor = conductor

    def say(self, message: str) -> None:
        try:
            print(message, file=self.stream, flush=True)
        except OSError:
            pass  # the terminal hung up (SIGHUP): nobody reads it now, and the journal keeps the run

    def observe(self, engine, commands: list) -> None:
        """After each event: print the engine's new log entries, answer approval requests.

        The entries are English facts (the snapshot and the journal's timeline keep them); the
        line says them in the reader's language, the phase column padded by display width."""
        fresh = 0 if self.silent else engine.log_total - self.seen
        for entry in engine.log[-fresh:] if fresh > 0 else []:
            stamp = time.strftime("%H:%M:%S", time.localtime(entry.at))
            mark = {"warn": "!", "error": "!!"}.get(entry.level, " ")
            self.say(f"{stamp} {mark:2} {_padded(say_phase(entry.phase), phase_width())} {say(entry.message)}")
        self.seen = engine.log_total
        for command in commands:
            if isinstance(command, cmd.AskApproval):
                self._approval(command.step)

    def _approval(self, step: int) -> None:
        assert self.conductor is not None, "operate(conductor) first"
        if self.auto_approve:
            self.conductor.submit(ev.StepApproved(0.0, step, by="auto-approve"))
        elif self.attachable:
            self.say(_("step {step} needs approval: approve it from `turnout attach`").format(step=step + 1))
        elif not self.silent:
            self.say(_("step {step} needs approval: run with --auto-approve, or use the TUI").format(step=step + 1))
            self.conductor.loop.stop()

    def idle(self) -> None:
        """The conductor waits with nothing queued: a hold now is one nobody here can resume, so stop."""
        if self.conductor is not None and self.stands_in and self.conductor.snapshot().phase == Phase.PAUSED:
            self.conductor.loop.stop()


def phase_width() -> int:
    """The phase column's width in cells: 14, or the widest phase in the reader's language."""
    from rich.cells import cell_len

    return max([14] + [cell_len(say_phase(p.value)) for p in Phase])


def _padded(text: str, cells: int) -> str:
    """``text`` left-aligned in ``cells`` terminal cells (a Japanese character takes two)."""
    from rich.cells import cell_len

    return text + " " * max(0, cells - cell_len(text))
