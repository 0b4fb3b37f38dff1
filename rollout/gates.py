"""Health gates: judge one window of Y's traffic, absolutely and against X, rule by rule.

A verdict is ``pass``, ``fail``, ``hold`` or ``inconclusive`` and always carries the results it
was made from (each: the gate, its verdict, the statistic it read, the test and threshold and
the evidence in words), so the operator (and the journal's replay) can see why traffic moved
or came back.

- ``RULES`` is the list of rules (rollout.gate_rules, rollout.gate_latency); a rule whose plan
  setting is null is off, and the per-node rule is on with ``gates.per_node``.
- A window where Y served fewer than ``min_requests`` is inconclusive: never judged, never
  counted, and it adds nothing to the step's evidence.
- Comparisons against X are made only when X also served ``min_requests``; at 100% on Y
  there is no X traffic and only the absolute thresholds apply (and nodes meet their peers).
- A rule whose statistic the source does not measure says ``no_data``: it neither passes
  nor fails the window.
- A gate with ``dry_run: true`` is judged and shown like the others, and its verdict never
  counts: it cannot fail, hold or roll back anything.
- Connection failures count as errors (a dying node's requests never show up as 5xx).

``judge`` is pure: the step's evidence before the window goes in, the evidence after it comes
out on the verdict, so a journal replayed into a fresh engine judges every window the same.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Literal, Mapping

from .evidence import Budget, Evidence
from .gate_latency import Latency
from .gate_rules import ErrorRate, GateResult, Judging, NodeErrorRate, Rule
from .i18n import N_
from .observations import PoolWindow
from .plan import Gates

Verdict = Literal["pass", "fail", "hold", "inconclusive"]  # a window's; a rule's may also be no_data

RULES: tuple[Rule, ...] = (ErrorRate(), NodeErrorRate(), Latency("latency_p99_ms", "p99_ms", "p99"))


@dataclass(frozen=True)
class WindowVerdict:
    start: float
    end: float
    verdict: Verdict
    x: PoolWindow
    y: PoolWindow
    results: tuple[GateResult, ...]  # min_requests first, then one per rule, in RULES order
    evidence: Mapping[str, Evidence] = field(default_factory=dict)  # the step's, after this window

    @property
    def judged(self) -> tuple[GateResult, ...]:
        """The rules' results, without the min_requests precondition."""
        return self.results[1:]

    @property
    def failed_gates(self) -> tuple[str, ...]:
        return tuple(r.gate for r in self.counted if r.verdict == "fail")

    @property
    def held_gates(self) -> tuple[str, ...]:
        return tuple(r.gate for r in self.counted if r.verdict == "hold")

    @property
    def decisive(self) -> bool:
        """A gate failed on the step's accumulated evidence: roll back now."""
        return any(r.verdict == "fail" and r.decisive for r in self.counted)

    @property
    def counted(self) -> tuple[GateResult, ...]:
        """The results that decide (dry-run gates are shown, never counted)."""
        return tuple(r for r in self.results if not r.dry_run)

    @property
    def dry_run_failures(self) -> tuple[GateResult, ...]:
        return tuple(r for r in self.results if r.dry_run and r.verdict in ("fail", "hold"))

    def describe(self) -> str:
        parts = [(N_("{gate} (dry run) {verdict} ({detail})") if r.dry_run else N_("{gate} {verdict} ({detail})")).format(
            gate=r.gate, verdict=r.verdict, detail=r.detail) for r in self.judged]
        return N_("window {verdict}: Y {y} req, X {x} req; {gates}").format(
            verdict=self.verdict, y=self.y.requests, x=self.x.requests, gates="; ".join(parts))


def judge(gates: Gates, start: float, end: float, x: PoolWindow, y: PoolWindow,
          budget: Budget | None = None, evidence: Mapping[str, Evidence] | None = None,
          history: tuple[int, int] = (0, 0), step: int = 0) -> WindowVerdict:
    """Judge one window by every rule the plan turns on; pure. ``evidence`` is the step's so far,
    ``history`` X's (requests, errors) over the run before the step, ``step`` the step's index."""
    before = dict(evidence or {})
    ctx = Judging(x.requests >= gates.min_requests, budget or Budget.of_gates(gates), before, history, step)
    volume = _volume(gates, x, y)
    judged = [(rule.judge(config, x, y, ctx), config) for rule, config in active(gates)]
    results = [dataclasses.replace(r, dry_run=True, threshold=N_("dry run: {limit}").format(limit=r.threshold)) if config.dry_run else r
               for (r, _), config in judged]
    if volume.verdict != "pass":
        unjudged = [_unjudged(r) for r in results]
        return WindowVerdict(start, end, "inconclusive", x, y, (volume, *unjudged), before)
    after = before | {k: v for (_, updates), _ in judged for k, v in updates.items()}
    verdicts = {r.verdict for r in results if not r.dry_run}
    verdict: Verdict = next((v for v in ("fail", "hold", "pass") if v in verdicts), "inconclusive")
    return WindowVerdict(start, end, verdict, x, y, (volume, *results), after)


def active(gates: Gates) -> list[tuple[Rule, object]]:
    """Each rule with its plan settings (found under its setting), skipping the ones set to null."""
    pairs = [(rule, getattr(gates, rule.setting)) for rule in RULES if not rule.switch or getattr(gates, rule.switch)]
    return [(rule, config) for rule, config in pairs if config is not None]


def _volume(gates: Gates, x: PoolWindow, y: PoolWindow) -> GateResult:
    """Enough requests on Y for a window to say anything: below it, nothing is judged."""
    enough = y.requests >= gates.min_requests
    served = N_("Y served {requests} >= {least}") if enough else N_("Y served {requests} < {least}")
    evidence = served.format(requests=y.requests, least=gates.min_requests)
    return GateResult("min_requests", "pass" if enough else "inconclusive", y.requests, x.requests,
                      N_(">= {count} requests on Y").format(count=gates.min_requests), evidence, statistic="requests", label="req",
                      x_shown=str(x.requests), y_shown=str(y.requests))


def _unjudged(result: GateResult) -> GateResult:
    """A rule's row on a window too small to judge: its numbers, no verdict."""
    return dataclasses.replace(result, verdict="inconclusive", detail=N_("not judged: too few requests on Y"), decisive=False)


__all__ = ["GateResult", "RULES", "WindowVerdict", "active", "judge"]
