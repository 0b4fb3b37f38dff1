"""The verdict in one sentence, at the top of every report: what a change board reads first."""

from __future__ import annotations

from rollout.durations import format_duration
from rollout.i18n import _, current_language
from rollout.phrasebook import say, say_phase

from .card import MonteCarlo
from .story import RunStory


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _ci(ci) -> str:
    return f"{100 * ci[0]:.1f}-{100 * ci[1]:.1f}%" if ci else ""


def monte_carlo_verdict(mc: MonteCarlo) -> str:
    """Caught in how many runs, how soon and at what cost; or, for a healthy Y, how often it is wrongly rolled back."""
    card = mc.card
    runs = card["runs"]
    if not mc.has_faults:
        fr = card.get("false_rollback") or {"count": card["outcomes"]["rolled_back"],
                                            "rate": card["outcomes"]["rolled_back"] / runs if runs else 0.0}
        ci = _(" (95% CI {ci})").format(ci=_ci(fr["ci"])) if fr.get("ci") else ""
        return _("A healthy Y ({scenario}) is rolled back in {rate} of {runs} runs{ci}: {count} false rollbacks.").format(
            scenario=mc.scenario_name, rate=_pct(fr["rate"]), runs=runs, ci=ci, count=fr["count"])
    ci = _(" (95% CI {ci})").format(ci=_ci(card["p_detect_ci"])) if card.get("p_detect_ci") else ""
    caught = dict(scenario=mc.scenario_name, rate=_pct(card["p_detect"]), runs=runs, ci=ci)
    p50 = card["time_to_detect_s"]["p50"]
    if p50 is None:
        return _("{scenario}: caught in {rate} of {runs} runs{ci}.").format(**caught)
    failed = (card.get("blast_radius") or {}).get("failed") or {}
    if failed.get("p50") is not None:
        return _("{scenario}: caught in {rate} of {runs} runs{ci}, after a median {median} and {failed} failed requests.").format(
            **caught, median=format_duration(p50), failed=f"{failed['p50']:.0f}")
    if card["bad_requests"]["mean"] is not None:
        return _("{scenario}: caught in {rate} of {runs} runs{ci}, after a median {median} and a mean of {failed} failed "
                 "requests.").format(**caught, median=format_duration(p50), failed=f"{card['bad_requests']['mean']:.0f}")
    return _("{scenario}: caught in {rate} of {runs} runs{ci}, after a median {median}.").format(
        **caught, median=format_duration(p50))


def sentence_start(words: str) -> str:
    """``words`` opening a sentence: an English one starts with a capital (the rest kept as written:
    a scenario's name is a name); Japanese has no capitals, and its sentence may open with a name."""
    return words[:1].upper() + words[1:] if current_language() == "en" else words


def run_verdict(story: RunStory, what: str) -> str:
    """One run: how it ended and what stopped it. ``what`` names it ("the rehearsal in ...", "the live run")."""
    what = sentence_start(what)
    if story.outcome == "completed":
        return _("{what} completed in {duration}: every step passed its gates.").format(
            what=what, duration=format_duration(story.duration_s))
    if story.detection is not None:
        gate, at_s, y = story.detection
        said = _("{what} rolled back: {gate} stopped it at {y}% on Y after {after}; {failed} requests failed on Y.") \
            if story.outcome == "rolled_back" else \
            _("{what} {outcome}: {gate} stopped it at {y}% on Y after {after}; {failed} requests failed on Y.")
        return said.format(what=what, outcome=say_phase(story.outcome), gate=gate, y=y, after=format_duration(at_s),
                           failed=story.totals.get("failed_on_y", 0))
    if story.rollbacks:
        r = story.rollbacks[0]
        return _("{what} was rolled back at {at} ({reason}).").format(what=what, at=format_duration(r.at_s), reason=say(r.reason))
    if story.reason:
        return _("{what} {outcome} at {phase}: {reason}.").format(what=what, outcome=say_phase(story.outcome),
                                                                  phase=say_phase(story.phase), reason=say(story.reason))
    return _("{what} {outcome} at {phase}.").format(what=what, outcome=say_phase(story.outcome), phase=say_phase(story.phase))
