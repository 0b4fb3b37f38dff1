"""The drill's score card on the terminal, drawn with Rich so every line wraps at word boundaries.

One layout for both kinds of card: a library drill's (sim/drill_run.py: per-call scores, the
evidence, the expert's way) and a ``--fault`` drill's (sim/drill_score.py), whose single
decision is read as one call. Rich's grid wraps the right column by words at the terminal's
width, so a long reason never breaks inside a word (tests render it at 60 columns).
"""

from __future__ import annotations

import textwrap

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from rollout.durations import format_duration
from sim.drill_score import VERDICTS

EVIDENCE_CHARS = 200
PANELS = {"gates": "the gates panel", "nodes": "the nodes panel", "log": "the event log"}
VERDICT_WORDS = VERDICTS | {"pushed": "pushed on too soon: you approved or resumed before the hold was over"}
CALL_WORDS = {"roll_back": "roll back", "stop": "stop (refuse to go on)", "hold": "hold", "continue": "continue"}


def _at(seconds: float | None) -> str:
    return "-" if seconds is None else format_duration(seconds)


def _evidence(card: dict) -> str:
    e = card.get("evidence")
    if not e:
        return "none showed: " + ("nothing was wrong" if card["fault"]["onset_s"] is None else "the fault never surfaced on screen")
    what = textwrap.shorten(e["what"], EVIDENCE_CHARS, placeholder=" ...")  # the JSON keeps it whole
    return f"{_at(e['at_s'])} in {PANELS.get(e['panel'], e['panel'])}: {what}"


def _calls(card: dict) -> list[dict]:
    """A ``--fault`` card's one decision, shaped as a library card's call."""
    if "calls" in card:
        return card["calls"]
    fault = card["fault"]["onset_s"] is not None
    return [{"call": "roll_back" if fault else "continue", "phase": "shift", "decision": card["decision"],
             "why": "roll back within one gate window of the gates failing" if fault else "let the healthy Y finish",
             "deadline_s": None, "reaction_s": card["reaction_s"], "after": "the gates failed", "points": card["points"] | {"max": 100},
             "reasons": [f"{m['move']} at {_at(m['at_s'])} while the gates were failing" for m in card["wrong_moves"]]}]


def _grid() -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True, style="bold")
    grid.add_column(overflow="fold")
    return grid


def _call_rows(grid: Table, card: dict) -> None:
    for call in _calls(card):
        p = call["points"]
        deadline = ""
        if call.get("deadline_s"):
            deadline = (f" for at least {_at(call['deadline_s'])}" if call["call"] == "hold"
                        else f" within {_at(call['deadline_s'])} of the evidence")
        grid.add_row(f"{call['phase']}", Text(f"right call: {CALL_WORDS.get(call['call'], call['call'])}{deadline}. {call['why']}"))
        verdict = VERDICT_WORDS.get(call["decision"], call["decision"])
        after = call.get("after", "the evidence")
        reaction = f"; reaction {_at(call['reaction_s'])} after {after}" if call.get("reaction_s") is not None else ""
        grid.add_row("", Text(f"your call: {verdict}{reaction}. Points {p['total']}/{p['max']} "
                              f"(call {p['decision']}, reaction {p['reaction']}, discipline {p['discipline']})"))
        for reason in call["reasons"]:
            grid.add_row("", Text(f"- {reason}"))


def card_renderable(card: dict, title: str, replay: str, review: str | None = None) -> Group:
    fault, points = card["fault"], card["points"]
    name = f"drill {card['drill']}" if card.get("drill") else "drill"
    head = Text(f"{name} on {title}: {points['total']}/100", style="bold")
    grid = _grid()
    onset = f", from {_at(fault['onset_s'])}" if fault["onset_s"] is not None else ""
    grid.add_row("hidden fault", Text(f"{fault['description']} ({fault['kind']}){onset}"))
    grid.add_row("first evidence", Text(_evidence(card)))
    pulled = f"; you rolled back at {_at(card['rollback_at_s'])}" if card["rollback_at_s"] is not None else "; you never rolled back"
    grid.add_row("outcome", Text(f"{card['outcome']}{pulled}"))
    slo = f" (over {card['slo_ms']:g} ms)" if card.get("slo_ms") else ""
    grid.add_row("requests", Text(f"failed {card['bad_requests']} because of the fault; slow {card.get('slow_requests', 0)}{slo}"))
    _call_rows(grid, card)
    if card.get("expert"):
        grid.add_row("an expert", Text(card["expert"]))
    grid.add_row("replay", Text(replay))
    if review:
        grid.add_row("review", Text(review))
    return Group(head, Text(""), grid)


def print_card(card: dict, title: str, replay: str, review: str | None = None, console: Console | None = None) -> None:
    (console or Console()).print(card_renderable(card, title, replay, review))
