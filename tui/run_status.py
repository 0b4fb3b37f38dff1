"""Where a run stands, read from its journal alone: for ``turnout status`` and ``turnout runs``.

Read only, and without the run's lock: a conductor may be appending while we read, and the
journal reader leaves a torn last line out (rollout/journal.py), so reading never disturbs a
run and never writes (no directory is created, nothing is cut). The journal is replayed into a
fresh engine with the plan the run started from: the plan file given, when its sha256 is the
one the journal's RunStarted recorded, else the file near the run that has it (the way
``turnout report`` finds it). Without that plan the weights are still read from the journal's
events, and the phase is said to be unknown rather than guessed.
"""

from __future__ import annotations

import glob
import os
import time
from dataclasses import dataclass

from rollout import events as ev
from rollout.engine import Engine
from rollout.errors import TurnoutError
from rollout.i18n import N_, _, pgettext
from rollout.journal import load
from rollout.phases import Phase
from rollout.phrasebook import say, say_phase
from rollout.plan import Plan, load_plan
from rollout.replay import replay

from .reports.live import file_sha256, find_plan

OUTCOMES = {Phase.DONE: N_("completed"), Phase.ROLLED_BACK: N_("rolled back"), Phase.HALTED: N_("halted")}
PHASES_WITHOUT_ENGINE = (N_("not started"), N_("unknown"), N_("unreadable"))  # RunRecord.phase when nothing replayed


@dataclass(frozen=True)
class RunRecord:
    """One run as its journal tells it."""

    journal: str
    plan_name: str = ""
    phase: str = "not started"  # a Phase value, "not started", or "unknown" (no plan to replay with)
    outcome: str = ""  # completed | rolled back | halted | "" (unfinished)
    started_at: float | None = None
    last_at: float | None = None  # the last journaled event
    since: float | None = None  # when the run came to where it is now
    weights: tuple[int, int] | None = None  # the journal's last applied (or read back) weights
    step: int | None = None  # 1-based, in shift
    last_verdict: str = ""
    last_verdict_at: float | None = None
    note: str = ""  # why the phase is unknown

    @property
    def run_dir(self) -> str:
        return os.path.dirname(self.journal)

    @property
    def duration(self) -> float | None:
        return None if self.started_at is None or self.last_at is None else self.last_at - self.started_at


def read_run(journal: str, plan_path: str | None = None) -> RunRecord:
    """The run in ``journal``; rollout.errors.JournalError (one line naming the file) when it cannot be read."""
    if not os.path.exists(journal):
        return RunRecord(journal)
    events = load(journal).events
    if not events:
        return RunRecord(journal)
    first = events[0]
    name = first.plan_name if isinstance(first, ev.RunStarted) else ""
    plan = _plan_for(journal, first, plan_path)
    if plan is None:
        return _from_events(journal, name, events, N_("no plan file with the sha256 the run started from was found"))
    try:
        engine = replay(plan, events)
    except (TurnoutError, ValueError, AssertionError) as exc:  # another plan's journal: say so, do not guess
        return _from_events(journal, name, events, N_("the journal does not replay with {plan}: {why}").format(
            plan=repr(plan.name), why=exc))
    return _from_engine(journal, engine, events)


def _plan_for(journal: str, first: object, plan_path: str | None) -> Plan | None:
    sha = first.plan_sha256 if isinstance(first, ev.RunStarted) else ""
    if plan_path is not None and (not sha or file_sha256(plan_path) == sha):
        return load_plan(plan_path)
    found = find_plan(os.path.dirname(journal), sha) if sha else None
    return load_plan(found) if found else None


def _from_engine(journal: str, engine: Engine, events: list) -> RunRecord:
    snap = engine.snapshot()
    verdict = snap.last_verdict
    return RunRecord(
        journal, engine.plan.name, engine.phase.value, OUTCOMES.get(engine.phase, ""), engine.started_at,
        events[-1].at, _since(engine), engine.applied, snap.step + 1 if engine.phase == Phase.SHIFT else None,
        verdict.verdict if verdict else "", verdict.end if verdict else None)


def _since(engine: Engine) -> float | None:
    """When the run reached its present phase and split: the start of the timeline's last stretch of both."""
    since = None
    for entry in reversed(engine.timeline):
        if entry.phase != engine.phase.value or (engine.applied and entry.y_percent != engine.applied[1]):
            break
        since = entry.at
    return since if since is not None else engine.now


def _from_events(journal: str, name: str, events: list, note: str) -> RunRecord:
    weights = None
    for event in events:
        if isinstance(event, ev.WeightsApplied) or (isinstance(event, ev.Resumed) and event.x is not None):
            weights = (event.x, event.y)
    return RunRecord(journal, name, "unknown", "", events[0].at, events[-1].at, None, weights, note=note)


def journals_in(run_dir: str) -> list[str]:
    """The run directory's journals, oldest first: archived runs (journal-<UTC>.jsonl), then the current one."""
    archived = sorted(glob.glob(os.path.join(run_dir, "journal-*.jsonl")))
    current = os.path.join(run_dir, "journal.jsonl")
    return archived + ([current] if os.path.exists(current) else [])


def run_dirs(root: str) -> list[str]:
    """The run directories under ``root`` (``.turnout``): those holding a journal."""
    return sorted(d for d in glob.glob(os.path.join(root, "*")) if os.path.isdir(d) and journals_in(d))


def clock(at: float | None) -> str:
    return "-" if at is None else time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(at))


def span(seconds: float | None) -> str:
    """``45s``, ``12m05s``, ``3h02m``; ``-`` when not known."""
    if seconds is None:
        return "-"
    s = int(round(seconds))
    return f"{s}s" if s < 60 else f"{s // 60}m{s % 60:02d}s" if s < 3600 else f"{s // 3600}h{s // 60 % 60:02d}m"


def status_line(record: RunRecord, now: float) -> str:
    """One line for chat and the terminal: the run, its phase, the weights, the last verdict, since when.
    Said in the reader's language (``--json`` keeps the record's English words)."""
    where = say_phase(record.phase)
    where = _("{phase} step {step}").format(phase=where, step=record.step) if record.step else where
    weights = f"X {record.weights[0]}% / Y {record.weights[1]}%" if record.weights else _("weights unchanged (100% X)")
    verdict = _("last window {verdict} at {clock}").format(verdict=say(record.last_verdict), clock=clock(record.last_verdict_at)) \
        if record.last_verdict else _("no window judged")
    since = _("since {clock} ({span} ago)").format(clock=clock(record.since), span=span(now - record.since)) \
        if record.since is not None else ""
    where = f"{where} ({say(record.note)})" if record.note else where
    parts = [f"{record.plan_name or os.path.basename(record.run_dir)}: {where}", weights, verdict, since]
    return pgettext("status line: between its parts", ", ").join(p for p in parts if p)


def status_json(record: RunRecord) -> dict:
    return {"run_dir": record.run_dir, "journal": record.journal, "plan": record.plan_name, "phase": record.phase,
            "outcome": record.outcome or None, "step": record.step,
            "weights": None if record.weights is None else {"x": record.weights[0], "y": record.weights[1]},
            "weights_source": "journal", "last_verdict": record.last_verdict or None,
            "last_verdict_at": record.last_verdict_at, "since": record.since, "started_at": record.started_at,
            "last_event_at": record.last_at, "duration_s": record.duration, "note": record.note or None}
