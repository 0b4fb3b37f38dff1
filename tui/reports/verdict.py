"""The verdict in one sentence, at the top of every report: what a change board reads first."""

from __future__ import annotations

from rollout.durations import format_duration

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
        ci = f" (95% CI {_ci(fr['ci'])})" if fr.get("ci") else ""
        return f"A healthy Y ({mc.scenario_name}) is rolled back in {_pct(fr['rate'])} of {runs} runs{ci}: {fr['count']} false rollbacks."
    ci = f" (95% CI {_ci(card['p_detect_ci'])})" if card.get("p_detect_ci") else ""
    text = f"{mc.scenario_name}: caught in {_pct(card['p_detect'])} of {runs} runs{ci}"
    p50 = card["time_to_detect_s"]["p50"]
    if p50 is not None:
        text += f", after a median {format_duration(p50)}"
        failed = (card.get("blast_radius") or {}).get("failed") or {}
        if failed.get("p50") is not None:
            text += f" and {failed['p50']:.0f} failed requests"
        elif card["bad_requests"]["mean"] is not None:
            text += f" and a mean of {card['bad_requests']['mean']:.0f} failed requests"
    return text + "."


def run_verdict(story: RunStory, what: str) -> str:
    """One run: how it ended and what stopped it. ``what`` names it ("the rehearsal in ...", "the live run")."""
    if story.outcome == "completed":
        return f"{what.capitalize()} completed in {format_duration(story.duration_s)}: every step passed its gates."
    if story.detection is not None:
        gate, at_s, y = story.detection
        end = "rolled back" if story.outcome == "rolled_back" else story.outcome
        return (f"{what.capitalize()} {end}: {gate} stopped it at {y}% on Y after {format_duration(at_s)}; "
                f"{story.totals.get('failed_on_y', 0)} requests failed on Y.")
    if story.rollbacks:
        r = story.rollbacks[0]
        return f"{what.capitalize()} was rolled back at {format_duration(r.at_s)} ({r.reason})."
    return f"{what.capitalize()} {story.outcome} at {story.phase}" + (f": {story.reason}." if story.reason else ".")
