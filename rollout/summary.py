"""The run summary: one JSON-ready object, the same for ``turnout run --json`` and ``turnout rehearse --json``.

Keys (users' scripts rely on them; extend, never rename): ``outcome`` (completed | rolled_back
| halted), ``sim_duration_s`` (for a live run: the run's wall duration), ``requests``
{total, failed, failed_on_y} (as the gate windows counted them), ``detection`` (null or
{gate, at_s, y_percent}), ``final_weights`` {x, y}, ``timeline`` [{at_s, phase, y_percent, event}].
"""

from __future__ import annotations

from .engine import Engine
from .phases import Phase

OUTCOMES = {Phase.DONE: "completed", Phase.ROLLED_BACK: "rolled_back"}


def outcome(engine: Engine) -> str:
    """A run that has not reached done or rolled back was halted (or held and left)."""
    return OUTCOMES.get(engine.phase, "halted")


def summarize(engine: Engine) -> dict:
    """The keys sim/report.run_json gives a rehearsal, so scripts read both the same way."""
    start = engine.started_at or 0.0
    d = engine.detection
    detection = None if d is None else {"gate": d.gate, "at_s": round(d.at - start, 3), "y_percent": d.y_percent}
    applied = engine.applied or (100, 0)
    return {
        "outcome": outcome(engine),
        "sim_duration_s": round(engine.now - start, 3),
        "requests": engine.totals,
        "detection": detection,
        "final_weights": {"x": applied[0], "y": applied[1]},
        "timeline": [
            {"at_s": round(t.at - start, 3), "phase": t.phase, "y_percent": t.y_percent, "event": t.event}
            for t in engine.timeline
        ],
    }
