"""A trainee's record: every drill taken on this machine, one JSON line each, readable by its owner only.

``turnout drill`` appends a line when a drill's card is shown; ``turnout drill --history`` lists
them, so a team sees which drills were taken, by date, with what score and call. The file is
``$XDG_STATE_HOME/turnout/drills.jsonl`` (default ``~/.local/state/turnout/drills.jsonl``, the
XDG Base Directory place for state that outlives a run), created 0600 in a 0700 directory:
it holds no secret, but it is a person's training record. A line never names the hidden fault,
so the record can be shared without spoiling the drill for the next trainee. The record keeps the
call in English words (a fact, like the journal's); ``history_text`` says it again in the reader's
language (rollout.phrasebook) and lines the columns up by cells.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from rich.cells import cell_len

from rollout.durations import format_duration
from rollout.i18n import N_, _, pgettext
from rollout.phrasebook import say


def history_path() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "turnout" / "drills.jsonl"


def the_call(card: dict) -> str:
    """The trainee's call in a few words (the card's own wording is longer)."""
    if card["rollback_at_s"] is not None:
        return N_("rolled back at {time}").format(time=format_duration(card["rollback_at_s"]))
    return N_("let it finish") if card["outcome"] == "completed" else N_("left it {outcome}").format(outcome=card["outcome"])


def entry(card: dict, name: str, now: dt.datetime | None = None) -> dict:
    when = (now or dt.datetime.now(dt.timezone.utc)).replace(microsecond=0)
    return {"drill": name, "date": when.isoformat(), "score": card["points"]["total"], "decision": card["decision"],
            "call": the_call(card), "seed": card["seed"]}


def append(line: dict, path: Path | None = None) -> None:
    """Append one line; the file and its directory are created private."""
    path = path or history_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, (json.dumps(line, sort_keys=True) + "\n").encode())
    finally:
        os.close(fd)


def read(path: Path | None = None) -> list[dict]:
    """Every line that parses (a torn last line from a crash is skipped, not fatal)."""
    path = path or history_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    lines = []
    for raw in text.splitlines():
        try:
            lines.append(json.loads(raw))
        except json.JSONDecodeError:
            continue
    return [line for line in lines if isinstance(line, dict)]


def _pad(text: str, cells: int, right: bool = False) -> str:
    """``text`` padded to ``cells`` terminal cells (a Japanese header takes two a character)."""
    space = " " * max(0, cells - cell_len(text))
    return space + text if right else text + space


def history_text(lines: list[dict]) -> str:
    if not lines:
        return _("no drills taken on this machine yet ({path})").format(path=history_path())
    head = (_pad(pgettext("drill history: a column", "date"), 25), _pad(_("drill"), 30),
            _pad(pgettext("drill history: a column", "score"), 5, right=True) + " ", pgettext("drill history: a column", "call"))
    rows = [" ".join(head)]
    rows += [f"{_pad(str(line.get('date', '?')), 25)} {_pad(str(line.get('drill', '?')), 30)} {_pad(str(line.get('score', '?')), 5, True)}  "
             f"{say(str(line.get('call', '?')))} ({_decision(str(line.get('decision', '?')))})" for line in lines]
    return "\n".join(rows)


def _decision(key: str) -> str:
    """The card's decision key (stored English, docs/drills.md) in the reader's words."""
    words = {"correct": pgettext("drill history: a decision", "correct"),
             "missed": pgettext("drill history: a decision", "missed"),
             "late": pgettext("drill history: a decision", "late"),
             "false_alarm": pgettext("drill history: a decision", "false_alarm"),
             "undecided": pgettext("drill history: a decision", "undecided"),
             "pushed": pgettext("drill history: a decision", "pushed")}
    return words.get(key, key)
