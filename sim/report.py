"""What a rehearsal tells the operator: a readable timeline and summary, and the JSON objects.

One run's JSON has exactly the keys ``outcome``, ``sim_duration_s``, ``requests`` {total,
failed, failed_on_y}, ``detection`` (null or {gate, at_s, y_percent}), ``final_weights``
{x, y} and ``timeline`` [{at_s, phase, y_percent, event}]. A Monte Carlo report card has
exactly ``runs``, ``outcomes`` {completed, rolled_back, halted}, ``p_detect``,
``time_to_detect_s`` {p50, p95}, ``bad_requests`` {mean, p95} and ``duration_s`` {p50, p95}.
Pure functions over records: no simulation happens here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rollout.durations import format_duration

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


def monte_carlo_json(records: list[RunRecord]) -> dict:
    """The plan's report card over independent runs."""
    detected = [r.time_to_detect_s for r in records if r.detection is not None]
    bad = np.asarray([r.bad for r in records], dtype=float)
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


def timeline_lines(entries) -> list[str]:
    return [f"{format_duration(e.at_s):>7} {MARKS.get(e.level, ' '):2} {e.phase:14} Y{e.y_percent:>3}%  {e.event}" for e in entries]


def run_text(rec: RunRecord, title: str) -> str:
    lines = [f"rehearsal of {title}", ""] + timeline_lines(rec.timeline) + [""]
    lines.append(f"outcome: {rec.outcome} after {format_duration(rec.sim_duration_s)} of simulated time")
    share = rec.failed / rec.total if rec.total else 0.0
    lines.append(f"requests: {rec.total} total, {rec.failed} failed ({share:.3%}), {rec.failed_on_y} failed on Y, "
                 f"{rec.bad} beyond the base error rate")
    if rec.detection is None:
        lines.append("detection: none (nothing stopped the plan)")
    else:
        d = rec.detection
        lines.append(f"detection: {d.gate} at {format_duration(d.at_s)} with {d.y_percent}% on Y")
    lines.append(f"final weights: X {rec.final_weights[0]}% / Y {rec.final_weights[1]}%")
    return "\n".join(lines)


def monte_carlo_text(card: dict, title: str) -> str:
    o = card["outcomes"]
    lines = [f"report card of {title} over {card['runs']} runs",
             f"  outcomes: {o['completed']} completed, {o['rolled_back']} rolled back, {o['halted']} halted",
             f"  p_detect: {card['p_detect']:.1%}"]
    ttd = card["time_to_detect_s"]
    lines.append("  time to detect: " + (f"p50 {format_duration(ttd['p50'])}, p95 {format_duration(ttd['p95'])}" if ttd["p50"] is not None else "never detected"))
    bad = card["bad_requests"]
    if bad["mean"] is not None:
        lines.append(f"  bad requests (failed beyond the base error rate): mean {bad['mean']:.0f}, p95 {bad['p95']:.0f}")
    dur = card["duration_s"]
    if dur["p50"] is not None:
        lines.append(f"  duration: p50 {format_duration(dur['p50'])}, p95 {format_duration(dur['p95'])}")
    return "\n".join(lines)
