"""When the trainee could first have seen the fault, and where: the gates, the nodes or the log.

The score card measures the reaction from this moment, so it must be what the cockpit showed,
not what the world knew: a judged window that failed or held (the gates panel), a probe that
found a node not ready (the nodes panel), a warning or error line (the log). Lines every run of
the plan shows are not evidence (``KNOWN``: the demo plan's upgrade-path hop warning, a Y that
provision starts later); the briefing says they are known and accepted.
"""

from __future__ import annotations

from typing import Any

from rollout import events as ev

from .drill_calls import Evidence

KNOWN = ("preflight warning: upgrade path", "provision.start_y starts it")
OWN_ACTS = ("requested by", "paused by", "halted by", "resuming", "nothing to ", "rolling back", "rolled back",
            "cannot pause")


def telling(level: str, message: str) -> bool:
    """A log line that says something is wrong (not a known warning, not the trainee's own act)."""
    return level in ("warn", "error") and not any(k in message for k in KNOWN + OWN_ACTS)


class EvidenceWatcher:
    """Fed every event the engine handled; keeps the first sign at or after the fault's onset."""

    def __init__(self) -> None:
        self.first: Evidence | None = None

    def observe(self, engine: Any, event: Any, now: float, onset: float | None) -> None:
        found = self._look(engine, event, now, onset) if onset is not None and self.first is None else None
        if found is not None:
            self.first = found

    def _look(self, engine: Any, event: Any, now: float, onset: float) -> Evidence | None:
        if now < onset:
            return None
        if isinstance(event, ev.WindowJudged) and engine.verdicts and engine.verdicts[-1].verdict in ("fail", "hold"):
            verdict = engine.verdicts[-1]
            gates = "; ".join(f"{r.gate} {r.verdict} ({r.detail})" for r in verdict.results if r.verdict == verdict.verdict)
            return Evidence(now, "gates", f"window {verdict.verdict}: {gates or verdict.describe()}")
        if isinstance(event, ev.NodesProbed):
            down = [p for p in event.probes if not p.ready]
            if down:
                return Evidence(now, "nodes", f"{down[0].node} not ready: {down[0].message or 'no answer'}")
        for entry in engine.snapshot(now).log:
            if entry.at >= onset and telling(entry.level, entry.message):
                return Evidence(float(entry.at), "log", entry.message)
        return None

    def as_json(self) -> dict | None:
        e = self.first
        return None if e is None else {"at_s": round(e.at_s, 3), "panel": e.panel, "what": e.what}
