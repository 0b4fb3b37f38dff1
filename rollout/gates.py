"""Health gates: judge one window of Y's traffic, absolutely and against X, rule by rule.

A verdict is ``pass``, ``fail`` or ``inconclusive`` and always carries the results it was
made from (each: the gate, its verdict, the statistic it read, the threshold and the evidence
in words), so the operator (and the journal's replay) can see why traffic moved or came back.

- ``RULES`` is the list of rules (rollout.gate_rules); a rule whose plan setting is null is off.
- A window where Y served fewer than ``min_requests`` is inconclusive: never judged, never counted.
- Comparisons against X are made only when X also served ``min_requests``; at 100% on Y
  there is no X traffic and only the absolute thresholds apply.
- A rule whose statistic the source does not measure says ``no_data``: it neither passes
  nor fails the window.
- Connection failures count as errors (a dying node's requests never show up as 5xx).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .gate_rules import ErrorRate, GateResult, Latency, Rule
from .observations import PoolWindow
from .plan import Gates

Verdict = Literal["pass", "fail", "inconclusive"]  # a window's; a rule's may also be no_data

RULES: tuple[Rule, ...] = (ErrorRate(), Latency("latency_p99_ms", "p99_ms", "p99"))


@dataclass(frozen=True)
class WindowVerdict:
    start: float
    end: float
    verdict: Verdict
    x: PoolWindow
    y: PoolWindow
    results: tuple[GateResult, ...]  # min_requests first, then one per rule, in RULES order

    @property
    def judged(self) -> tuple[GateResult, ...]:
        """The rules' results, without the min_requests precondition."""
        return self.results[1:]

    @property
    def failed_gates(self) -> tuple[str, ...]:
        return tuple(r.gate for r in self.results if r.verdict == "fail")

    def describe(self) -> str:
        parts = [f"{r.gate} {r.verdict} ({r.detail})" for r in self.judged]
        return f"window {self.verdict}: Y {self.y.requests} req, X {self.x.requests} req; " + "; ".join(parts)


def judge(gates: Gates, start: float, end: float, x: PoolWindow, y: PoolWindow) -> WindowVerdict:
    """Judge one window by every rule the plan turns on; pure."""
    volume = _volume(gates, x, y)
    compare = x.requests >= gates.min_requests
    results = [rule.judge(config, x, y, compare) for rule, config in active(gates)]
    if volume.verdict != "pass":
        unjudged = [_unjudged(r) for r in results]
        return WindowVerdict(start, end, "inconclusive", x, y, (volume, *unjudged))
    verdicts = {r.verdict for r in results}
    verdict: Verdict = "fail" if "fail" in verdicts else "pass" if "pass" in verdicts else "inconclusive"
    return WindowVerdict(start, end, verdict, x, y, (volume, *results))


def active(gates: Gates) -> list[tuple[Rule, object]]:
    """Each rule with its plan settings (found under its name), skipping the ones set to null."""
    pairs = [(rule, getattr(gates, rule.name)) for rule in RULES]
    return [(rule, config) for rule, config in pairs if config is not None]


def _volume(gates: Gates, x: PoolWindow, y: PoolWindow) -> GateResult:
    """Enough requests on Y for a window to say anything: below it, nothing is judged."""
    enough = y.requests >= gates.min_requests
    evidence = f"Y served {y.requests} {'>=' if enough else '<'} {gates.min_requests}"
    return GateResult("min_requests", "pass" if enough else "inconclusive", y.requests, x.requests,
                      f">= {gates.min_requests} requests on Y", evidence, statistic="requests", label="req",
                      x_shown=str(x.requests), y_shown=str(y.requests))


def _unjudged(result: GateResult) -> GateResult:
    """A rule's row on a window too small to judge: its numbers, no verdict."""
    return GateResult(result.gate, "inconclusive", result.y, result.x, result.threshold, "not judged: too few requests on Y",
                      result.statistic, result.label, result.x_shown, result.y_shown)


__all__ = ["GateResult", "RULES", "WindowVerdict", "active", "judge"]
