"""The drill's score card on the terminal, drawn with Rich so every line wraps at word boundaries.

One layout for both kinds of card: a library drill's (sim/drill_run.py: per-call scores, the
evidence, the expert's way) and a ``--fault`` drill's (sim/drill_score.py), whose single
decision is read as one call. Rich's grid wraps the right column by words at the terminal's
width, so a long reason never breaks inside a word (tests render it at 60 columns); a Japanese value
breaks where Unicode allows (tui/line_breaks.py). Worded in the
current language as it is drawn; the card's JSON (what scripts read) keeps its English keys and values,
and the drill's own texts (the fault's description, the expert's way, the why of a call) are translated
as drawn when the catalog has them (a shipped drill's, sim/drill_texts.py), else shown as written.
"""

from __future__ import annotations

import textwrap

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from rollout.durations import format_duration
from rollout.i18n import N_, _
from rollout.phrasebook import say
from sim.drill_score import VERDICTS
from sim.drill_texts import drill_text

from .line_breaks import breakable
from .widgets.base import phase_words

EVIDENCE_CHARS = 200
EVIDENCE = N_("the evidence")  # what a reaction is timed from, unless the call names it
PANELS = {"gates": N_("the gates panel"), "nodes": N_("the nodes panel"), "log": N_("the event log")}
VERDICT_WORDS = VERDICTS | {"pushed": N_("pushed on too soon: you approved or resumed before the hold was over")}
CALL_WORDS = {"roll_back": N_("roll back"), "stop": N_("stop (refuse to go on)"), "hold": N_("hold"), "continue": N_("continue")}


def _word(table: dict[str, str], key: str) -> str:
    """``key`` in words, translated; a key the table lacks shows as it is."""
    return _(table[key]) if key in table else key


def _at(seconds: float | None) -> str:
    return "-" if seconds is None else format_duration(seconds)


def _evidence(card: dict) -> str:
    e = card.get("evidence")
    if not e:
        return (_("none showed: nothing was wrong") if card["fault"]["onset_s"] is None
                else _("none showed: the fault never surfaced on screen"))
    what = textwrap.shorten(e["what"], EVIDENCE_CHARS, placeholder=" ...")  # the JSON keeps it whole
    return _("{at} in {panel}: {what}").format(at=_at(e["at_s"]), panel=_word(PANELS, e["panel"]), what=what)


def _calls(card: dict) -> list[dict]:
    """A ``--fault`` card's one decision, shaped as a library card's call."""
    if "calls" in card:
        return card["calls"]
    fault = card["fault"]["onset_s"] is not None
    why = _("roll back within one gate window of the gates failing") if fault else _("let the healthy Y finish")
    reasons = [_("{move} at {time} while the gates were failing").format(move=m["move"], time=_at(m["at_s"]))
               for m in card["wrong_moves"]]
    return [{"call": "roll_back" if fault else "continue", "phase": "shift", "decision": card["decision"], "why": why,
             "deadline_s": None, "reaction_s": card["reaction_s"], "after": N_("the gates failed"),
             "points": card["points"] | {"max": 100}, "reasons": reasons}]


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
            deadline = (_(" for at least {time}") if call["call"] == "hold" else _(" within {time} of the evidence")).format(
                time=_at(call["deadline_s"]))
        right = _("right call: {call}{deadline}. {why}").format(call=_word(CALL_WORDS, call["call"]), deadline=deadline,
                                                                 why=drill_text(call["why"]))
        grid.add_row(phase_words(call["phase"]), breakable(right))
        verdict = _word(VERDICT_WORDS, call["decision"])
        after = _(call.get("after", EVIDENCE))  # a library drill's own words show as written
        reaction = (_("; reaction {time} after {after}").format(time=_at(call["reaction_s"]), after=after)
                    if call.get("reaction_s") is not None else "")
        grid.add_row("", breakable(_("your call: {verdict}{reaction}. Points {total}/{max} (call {call}, reaction {reaction_points}, "
                                "discipline {discipline})").format(verdict=verdict, reaction=reaction, total=p["total"], max=p["max"],
                                                                   call=p["decision"], reaction_points=p["reaction"],
                                                                   discipline=p["discipline"])))
        for reason in call["reasons"]:
            grid.add_row("", breakable("- " + say(reason)))  # the card keeps English; the screen says it


def card_renderable(card: dict, title: str, replay: str, review: str | None = None) -> Group:
    fault, points = card["fault"], card["points"]
    name = _("drill {name}").format(name=card["drill"]) if card.get("drill") else _("drill")
    head = Text(_("{drill} on {title}: {points}/100").format(drill=name, title=title, points=points["total"]), style="bold")
    grid = _grid()
    onset = _(", from {time}").format(time=_at(fault["onset_s"])) if fault["onset_s"] is not None else ""
    grid.add_row(_("hidden fault"), breakable(f"{drill_text(fault['description'])} ({fault['kind']}){onset}"))
    grid.add_row(_("first evidence"), breakable(_evidence(card)))
    pulled = (_("; you rolled back at {time}").format(time=_at(card["rollback_at_s"])) if card["rollback_at_s"] is not None
              else _("; you never rolled back"))
    grid.add_row(_("outcome"), breakable(f"{phase_words(card['outcome'])}{pulled}"))
    slo = " " + _("(over {ms:g} ms)").format(ms=card["slo_ms"]) if card.get("slo_ms") else ""
    grid.add_row(_("requests"), breakable(_("failed {failed} because of the fault; slow {slow}{slo}").format(
        failed=card["bad_requests"], slow=card.get("slow_requests", 0), slo=slo)))
    _call_rows(grid, card)
    if card.get("expert"):
        grid.add_row(_("an expert"), breakable(drill_text(card["expert"])))
    grid.add_row(_("replay"), Text(replay))
    if review:
        grid.add_row(_("review"), Text(review))
    return Group(head, Text(""), grid)


def print_card(card: dict, title: str, replay: str, review: str | None = None, console: Console | None = None) -> None:
    (console or Console()).print(card_renderable(card, title, replay, review))
