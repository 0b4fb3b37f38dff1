"""Headless output: one line per engine log entry, and the operator's stand-in for pipelines.

With ``--auto-approve`` an approval request is answered at once (journaled as approved by
``auto-approve``); without it a headless run that needs an approval, or that is held,
stops and says how to go on, because nobody is there to press a key. A served run
(``--serve``, ``--detach``) does not stop: an operator can attach and decide.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from rollout import commands as cmd
from rollout import events as ev
from rollout.phases import Phase


class HeadlessPrinter:
    def __init__(self, quiet: bool = False, auto_approve: bool = False, stream=None, silent: bool = False,
                 attachable: bool = False):
        self.silent = silent  # a TUI is showing the run: no printing, no stopping
        self.attachable = attachable  # served: an operator may attach (turnout attach), so never stop
        self.auto_approve = auto_approve
        self.stream = stream or (sys.stderr if quiet else sys.stdout)
        self.seen = 0
        self.conductor: Any = None

    def say(self, message: str) -> None:
        print(message, file=self.stream, flush=True)

    def observe(self, engine, commands: list) -> None:
        fresh = 0 if self.silent else engine.log_total - self.seen
        for entry in engine.log[-fresh:] if fresh > 0 else []:
            stamp = time.strftime("%H:%M:%S", time.localtime(entry.at))
            mark = {"warn": "!", "error": "!!"}.get(entry.level, " ")
            self.say(f"{stamp} {mark:2} {entry.phase:14} {entry.message}")
        self.seen = engine.log_total
        for command in commands:
            if isinstance(command, cmd.AskApproval):
                if self.auto_approve:
                    self.conductor.submit(ev.StepApproved(0.0, command.step, by="auto-approve"))
                elif self.attachable:
                    self.say(f"step {command.step + 1} needs approval: approve it from `turnout attach`")
                elif not self.silent:
                    self.say(f"step {command.step + 1} needs approval: run with --auto-approve, or use the TUI")
                    self.conductor.stop()
        # Held, with nothing queued (an operator intent given on the command line, such as
        # --rollback after the Resumed event, must still be read): nobody can resume, so stop.
        stand_in = not (self.silent or self.attachable)
        if engine.phase == Phase.PAUSED and self.conductor is not None and stand_in and self.conductor.inbox.empty():
            self.conductor.stop()
