"""A drill's run kept for the instructor, and told again with the fault revealed.

``turnout drill`` journals the drill (rollout/journal.py: every event the engine took in, the
trainee's own among them, hash-chained) into its run directory and writes the score card beside
it (``card.json``, 0600). ``turnout drill --review RUN_DIR`` reads both back and tells the run
as a timeline: the moments the fault began and its evidence first showed are inserted where
they fell, and each of the trainee's acts (approve, pause, resume, roll back, halt) is marked,
so an instructor sees what the trainee saw and did, and when. The text is for a script or a
chat; on a terminal the run is also replayed in the cockpit (tui/drill_replay.py). The two revealing
lines are worded as the replay words them, in the current language, the fault in the drill's own words
(translated when the catalog has them, sim/drill_texts.py); the events and the log stay as journaled.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from rollout import events as ev
from rollout.describe import describe
from rollout.durations import format_duration
from rollout.i18n import _
from rollout.phrasebook import say
from sim.drill_texts import drill_text

TRAINEE = (ev.StepApproved, ev.PauseRequested, ev.ResumeRequested, ev.RollbackRequested, ev.HaltRequested)
QUIET = (ev.TimerFired, ev.NodesProbed)
JOURNAL, CARD, PLAN = "journal.jsonl", "card.json", "plan.json"


def new_run_dir(base: Path, name: str, seed: int) -> Path:
    """A fresh private directory for one drill: ``BASE/NAME-YYYYmmddTHHMMSSZ-seedN``."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in name)[:60]
    path = base / f"{safe}-{stamp}-seed{seed}"
    path.mkdir(mode=0o700, parents=True, exist_ok=False)
    return path


def save_card(run_dir: Path, card: dict, plan=None) -> None:
    """The card, and the plan as the trainee conducted it (automatic rollback off), so a review can
    replay the journal into an engine and show the holds and warnings the trainee read."""
    from adapters.private_file import write_private

    write_private(str(run_dir / CARD), json.dumps(card, indent=2) + "\n")
    if plan is not None:
        # The very bytes the drill's RunStarted hashed (sim.session), so `turnout report RUN_DIR
        # --plan RUN_DIR/plan.json` finds it is the plan the run started with.
        write_private(str(run_dir / PLAN), plan.model_dump_json())


def engine_notes(plan, events: list) -> list[tuple[float, str]]:
    """The warnings and errors the engine said while taking the journal's events in (the log panel)."""
    from rollout import commands as cmd
    from rollout.engine import Engine

    engine, notes = Engine(plan), []
    for event in events:
        notes += [(float(event.at), f"   log {c.level}: {say(c.message)}") for c in engine.handle(event)
                  if isinstance(c, cmd.Notify) and c.level in ("warn", "error")]
    return notes


def _marks(card: dict) -> list[tuple[float, str]]:
    marks = []
    if card["fault"]["onset_s"] is not None:
        marks.append((card["fault"]["onset_s"], _("!! FAULT BEGINS (hidden from the trainee): {fault}").format(
            fault=drill_text(card["fault"]["description"]))))
    evidence = card.get("evidence")
    if evidence:
        marks.append((evidence["at_s"], _("!! FIRST EVIDENCE in the {panel} panel: {what}").format(
            panel=evidence["panel"], what=evidence["what"])))
    return marks


def review_lines(events: list, card: dict, notes: list[tuple[float, str]] = ()) -> list[str]:
    """The timeline: every telling event and log warning, the fault and its evidence inserted, the trainee's acts marked."""
    rows: list[tuple[float, int, str]] = [(at, 0, text) for at, text in _marks(card)]
    rows += [(at, 2, text) for at, text in notes]
    for event in events:
        if isinstance(event, QUIET):
            continue
        who = ">> TRAINEE" if isinstance(event, TRAINEE) else "  "
        rows.append((float(event.at), 1, f"{who} {say(describe(event))}"))
    rows.sort(key=lambda r: (r[0], r[1]))
    head = [f"review of drill {card.get('drill') or ''} (seed {card['seed']}): {card['points']['total']}/100, "
            f"{card['decision']}, outcome {card['outcome']}".replace("drill  (", "drill ("), ""]
    return head + [f"{format_duration(at):>8s}  {text}" for at, _, text in rows]


def read_run(run_dir: str) -> tuple[dict, list, object | None]:
    """(the card, the journal's events, the plan as conducted or None); raises OSError / ValueError /
    JournalError with the reason when the directory cannot be read."""
    from rollout.journal import load
    from rollout.plan import Plan

    card = json.loads((Path(run_dir) / CARD).read_text(encoding="utf-8"))
    events = list(load(os.path.join(run_dir, JOURNAL)).events)
    plan_file = Path(run_dir) / PLAN
    plan = Plan.model_validate_json(plan_file.read_text(encoding="utf-8")) if plan_file.exists() else None
    return card, events, plan


def review(run_dir: str) -> list[str]:
    """The review of a run directory as text."""
    card, events, plan = read_run(run_dir)
    return review_lines(events, card, engine_notes(plan, events) if plan is not None else [])
