"""What a rehearsal tells the operator: a readable timeline and summary, and the JSON objects.

One run's JSON has exactly the keys ``outcome``, ``sim_duration_s``, ``requests`` {total,
failed, failed_on_y}, ``detection`` (null or {gate, at_s, y_percent}), ``final_weights``
{x, y} and ``timeline`` [{at_s, phase, y_percent, event}]. A Monte Carlo report card has
exactly ``runs``, ``outcomes`` {completed, rolled_back, halted}, ``p_detect``,
``time_to_detect_s`` {p50, p95}, ``bad_requests`` {mean, p95} and ``duration_s`` {p50, p95},
extended (issue 11) with ``p_detect_ci`` [low, high], ``false_rollback`` (null, or {count,
rate, ci} for a scenario without faults), ``blast_radius`` {failed, slow: {mean, p50, p95,
max}}, ``detection_step`` {"5": runs, ...}, ``drawn`` [{run, seed, faults}] and, when the
caller says what the card is of (sim/card.py ``provenance``), ``plan`` {name, sha256},
``scenario`` {name, sha256}, ``seed`` and ``versions`` {turnout, python}. One run's JSON keeps
exactly the live summary's keys (rollout/summary.py, tests/test_summary.py); its text says the
seed, what was drawn and the slow requests.
Pure functions over records: no simulation happens here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rollout.durations import format_duration
from rollout.i18n import N_, _
from rollout.phases import Phase
from rollout.phrasebook import say, say_phase

from . import card as evidence

OUTCOMES = ("completed", "rolled_back", "halted")


@dataclass(frozen=True)
class TimelineEntry:
    at_s: float
    phase: str
    y_percent: int
    event: str
    level: str = "event"  # event | info | warn | error | world (not in the JSON)


@dataclass(frozen=True)
class Detection:
    gate: str  # the gates that failed, or what else stopped the plan (smoke, config_hash, node_health, ...)
    at_s: float
    y_percent: int


@dataclass(frozen=True)
class RunRecord:
    outcome: str
    sim_duration_s: float
    total: int
    failed: int
    failed_on_y: int
    bad: int  # failed beyond the nodes' base error rate: because of a fault (or of the plan's own overload)
    detection: Detection | None
    final_weights: tuple[int, int]
    onset_s: float | None  # when the scenario's first fault began (None: A/A)
    timeline: tuple[TimelineEntry, ...] = field(default=())
    slow: int = 0  # served slower than the scenario's SLO, on X and Y
    slow_on_y: int = 0
    slo_ms: float | None = None
    seed: int | None = None  # the run's own seed: ``turnout rehearse --seed SEED`` replays it
    drawn: tuple[dict, ...] = ()  # a ranged fault's values for this run (sim/ranges.py)

    @property
    def time_to_detect_s(self) -> float | None:
        if self.detection is None:
            return None
        return max(0.0, self.detection.at_s - (self.onset_s or 0.0))


def run_json(rec: RunRecord) -> dict:
    return {
        "outcome": rec.outcome,
        "sim_duration_s": round(rec.sim_duration_s, 3),
        "requests": {"total": rec.total, "failed": rec.failed, "failed_on_y": rec.failed_on_y},
        "detection": None if rec.detection is None else {
            "gate": rec.detection.gate, "at_s": round(rec.detection.at_s, 3), "y_percent": rec.detection.y_percent},
        "final_weights": {"x": rec.final_weights[0], "y": rec.final_weights[1]},
        "timeline": [{"at_s": round(e.at_s, 3), "phase": e.phase, "y_percent": e.y_percent, "event": e.event}
                     for e in rec.timeline],
    }


def _pair(values: list[float], a: str, b: str, qa: float, qb: float) -> dict:
    if not values:
        return {a: None, b: None}
    arr = np.asarray(values, dtype=float)
    return {a: round(float(np.quantile(arr, qa)), 3), b: round(float(np.quantile(arr, qb)), 3)}


def monte_carlo_json(records: list[RunRecord], about: dict | None = None, steps: tuple[int, ...] = ()) -> dict:
    """The plan's report card over independent runs; ``about``: sim/card.py ``provenance``,
    ``steps``: the plan's shares of Y (each gets a ``detection_step`` entry, 0 if none caught)."""
    detected = [r.time_to_detect_s for r in records if r.detection is not None]
    bad = np.asarray([r.bad for r in records], dtype=float)
    return {**(about or {}), **_base(records, detected, bad),
            "p_detect_ci": evidence.wilson(len(detected), len(records)),
            "false_rollback": evidence.false_rollback(records),
            "blast_radius": evidence.blast_radius(records),
            "detection_step": evidence.detection_steps(records, steps),
            "drawn": evidence.drawn(records)}


def _base(records: list[RunRecord], detected: list[float], bad: np.ndarray) -> dict:
    return {
        "runs": len(records),
        "outcomes": {o: sum(1 for r in records if r.outcome == o) for o in OUTCOMES},
        "p_detect": round(len(detected) / len(records), 4) if records else 0.0,
        "time_to_detect_s": _pair(detected, "p50", "p95", 0.5, 0.95),
        "bad_requests": {"mean": round(float(bad.mean()), 2), "p95": round(float(np.quantile(bad, 0.95)), 2)} if len(bad) else {"mean": None, "p95": None},
        "duration_s": _pair([r.sim_duration_s for r in records], "p50", "p95", 0.5, 0.95),
    }


# ---------------------------------------------------------------------- text
MARKS = {"warn": "!", "error": "!!", "world": "~"}
OUTCOME_WORDS = (N_("completed"), N_("rolled back"), N_("halted"))  # said by say_phase (rolled_back -> rolled back)


def timeline_lines(entries) -> list[str]:
    """The rehearsal's log: its entries are English facts (the record's JSON keeps them), said here
    in the reader's language, the phase column padded by display width (Japanese takes two cells)."""
    width = phase_width()
    return [f"{format_duration(e.at_s):>7} {MARKS.get(e.level, ' '):2} {_cells(say_phase(e.phase), width)} Y{e.y_percent:>3}%  "
            f"{say(e.event)}" for e in entries]


def phase_width() -> int:
    """The phase column's width in cells: 14, or the widest phase in the reader's language."""
    from rich.cells import cell_len

    return max([14] + [cell_len(say_phase(p.value)) for p in Phase])


def _cells(text: str, width: int) -> str:
    from rich.cells import cell_len

    return text + " " * max(0, width - cell_len(text))


def run_text(rec: RunRecord, title: str) -> str:
    lines = [_("rehearsal of {title}").format(title=title), ""] + timeline_lines(rec.timeline) + [""]
    lines.append(_("outcome: {outcome} after {duration} of simulated time").format(
        outcome=say_phase(rec.outcome), duration=format_duration(rec.sim_duration_s)))
    share = rec.failed / rec.total if rec.total else 0.0
    lines.append(_("requests: {total} total, {failed} failed ({share:.3%}), {failed_on_y} failed on Y, "
                   "{bad} beyond the base error rate").format(total=rec.total, failed=rec.failed, share=share,
                                                              failed_on_y=rec.failed_on_y, bad=rec.bad))
    if rec.detection is None:
        lines.append(_("detection: none (nothing stopped the plan)"))
    else:
        d = rec.detection
        lines.append(_("detection: {gate} at {at} with {y}% on Y").format(gate=d.gate, at=format_duration(d.at_s), y=d.y_percent))
    lines.append(_("final weights: X {x}% / Y {y}%").format(x=rec.final_weights[0], y=rec.final_weights[1]))
    if rec.slo_ms is not None:
        lines.append(_("slow requests (over {slo:g} ms): {slow} ({slow_on_y} on Y)").format(
            slo=rec.slo_ms, slow=rec.slow, slow_on_y=rec.slow_on_y))
    lines += [_("drawn: fault {fault} {kind}: {values}").format(
        fault=d["fault"], kind=d["kind"], values=", ".join(_drawn_value(k, v) for k, v in d.items() if k not in ("fault", "kind")))
        for d in rec.drawn]
    if rec.seed is not None:
        lines.append(_("seed: {seed} (run i of a Monte Carlo with --seed S is seed S+i)").format(seed=rec.seed))
    return "\n".join(lines)


def _drawn_value(key: str, value) -> str:
    if key in ("from", "at"):
        return f"{key} {format_duration(value)}"
    return f"{key} {value:g}" if isinstance(value, float) else f"{key} {value}"


def monte_carlo_text(card: dict, title: str) -> str:
    o = card["outcomes"]
    head = _("report card of {title} over {runs} runs (seed {seed})") if "seed" in card else _("report card of {title} over {runs} runs")
    lines = [head.format(title=title, runs=card["runs"], seed=card.get("seed")),
             _("  outcomes: {completed} completed, {rolled_back} rolled back, {halted} halted").format(**o)]
    lines += _detection_lines(card)
    bad = card["bad_requests"]
    if bad["mean"] is not None:
        lines.append(_("  bad requests (failed beyond the base error rate): mean {mean:.0f}, p95 {p95:.0f}").format(
            mean=bad["mean"], p95=bad["p95"]))
    lines += _blast_lines(card)
    dur = card["duration_s"]
    if dur["p50"] is not None:
        lines.append(_("  duration: p50 {p50}, p95 {p95}").format(
            p50=format_duration(dur["p50"]), p95=format_duration(dur["p95"])))
    if "seed" in card:
        lines.append(_("  replay run i alone: turnout rehearse ... --seed {seed}+i").format(seed=card["seed"]))
    return "\n".join(lines)


def _detection_lines(card: dict) -> list[str]:
    """A healthy world's stops are false rollbacks; a faulty world's are detections."""
    false = card.get("false_rollback")
    if false is not None:
        return [_("  false rollbacks (a healthy Y rolled back or held): {count} of {runs}, {rate:.1%}{ci}").format(
            count=false["count"], runs=card["runs"], rate=false["rate"], ci=evidence.percent_ci(false["ci"]))]
    lines = [_("  p_detect: {rate}{ci}").format(rate=f"{card['p_detect']:.1%}", ci=evidence.percent_ci(card.get("p_detect_ci")))]
    ttd = card["time_to_detect_s"]
    lines.append(_("  time to detect: p50 {p50}, p95 {p95}").format(
        p50=format_duration(ttd["p50"]), p95=format_duration(ttd["p95"]))
                 if ttd["p50"] is not None else _("  time to detect: never detected"))
    steps = card.get("detection_step") or {}
    if any(steps.values()):
        lines.append(_("  caught at Y: {steps}").format(steps=", ".join(f"{y}% {n}" for y, n in steps.items())))
    return lines


def _blast_lines(card: dict) -> list[str]:
    lines = []
    for name, what in (("failed", N_("failed beyond the base rate")), ("slow", N_("slower than the SLO"))):
        part = (card.get("blast_radius") or {}).get(name) or {}
        if part.get("mean") is not None:
            lines.append(_("  blast radius, {what}: mean {mean:.0f}, p50 {p50:.0f}, p95 {p95:.0f}, max {max:.0f}").format(
                what=_(what), **{k: part[k] for k in ("mean", "p50", "p95", "max")}))
    return lines
