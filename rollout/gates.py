"""Health gates: judge one window of Y's traffic, absolutely and against X.

A verdict is ``pass``, ``fail`` or ``inconclusive`` and always carries the numbers it was
made from, so the operator (and the journal's replay) can see why traffic moved or came back.

- A window where Y served fewer than ``min_requests`` is inconclusive: never judged, never counted.
- Comparisons against X are made only when X also served ``min_requests``; at 100% on Y
  there is no X traffic and only the absolute thresholds apply.
- Connection failures count as errors (a dying node's requests never show up as 5xx).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .observations import PoolWindow
from .plan import Gates

Verdict = Literal["pass", "fail", "inconclusive"]


@dataclass(frozen=True)
class GateResult:
    gate: str  # error_rate | latency_p99_ms
    verdict: Verdict
    y: float
    x: float | None
    threshold: str  # the rule that was applied, in words
    detail: str = ""


@dataclass(frozen=True)
class WindowVerdict:
    start: float
    end: float
    verdict: Verdict
    x: PoolWindow
    y: PoolWindow
    results: tuple[GateResult, ...]

    @property
    def failed_gates(self) -> tuple[str, ...]:
        return tuple(r.gate for r in self.results if r.verdict == "fail")

    def describe(self) -> str:
        parts = [f"{r.gate} {r.verdict} ({r.detail})" for r in self.results]
        return f"window {self.verdict}: Y {self.y.requests} req, X {self.x.requests} req; " + "; ".join(parts)


def judge(gates: Gates, start: float, end: float, x: PoolWindow, y: PoolWindow) -> WindowVerdict:
    """Judge one window; pure."""
    if y.requests < gates.min_requests:
        result = GateResult(
            "min_requests", "inconclusive", y.requests, x.requests, f">= {gates.min_requests} requests on Y",
            f"Y served {y.requests} < {gates.min_requests}",
        )
        return WindowVerdict(start, end, "inconclusive", x, y, (result,))
    compare = x.requests >= gates.min_requests
    results = (_error_rate(gates, x, y, compare), _latency(gates, x, y, compare))
    verdict: Verdict = "fail" if any(r.verdict == "fail" for r in results) else "pass"
    return WindowVerdict(start, end, verdict, x, y, results)


def _error_rate(gates: Gates, x: PoolWindow, y: PoolWindow, compare: bool) -> GateResult:
    rule = gates.error_rate
    yr, xr = y.error_rate, (x.error_rate if compare else None)
    problems = []
    if yr > rule.max:
        problems.append(f"Y {yr:.2%} > max {rule.max:.2%}")
    if xr is not None and rule.max_delta_vs_x is not None and yr - xr > rule.max_delta_vs_x:
        problems.append(f"Y {yr:.2%} - X {xr:.2%} > {rule.max_delta_vs_x:.2%}")
    threshold = f"max {rule.max:.2%}" + (f", Y-X <= {rule.max_delta_vs_x:.2%}" if rule.max_delta_vs_x is not None else "")
    detail = "; ".join(problems) or (f"Y {yr:.2%}" + (f" vs X {xr:.2%}" if xr is not None else ""))
    return GateResult("error_rate", "fail" if problems else "pass", yr, xr, threshold, detail)


def _latency(gates: Gates, x: PoolWindow, y: PoolWindow, compare: bool) -> GateResult:
    rule = gates.latency_p99_ms
    yp, xp = y.p99_ms, (x.p99_ms if compare else None)
    problems = []
    if yp > rule.max:
        problems.append(f"Y p99 {yp:.0f}ms > max {rule.max:.0f}ms")
    if xp and rule.max_ratio_vs_x is not None and yp > xp * rule.max_ratio_vs_x:
        problems.append(f"Y p99 {yp:.0f}ms > {rule.max_ratio_vs_x}x X {xp:.0f}ms")
    threshold = f"max {rule.max:.0f}ms" + (f", <= {rule.max_ratio_vs_x}x X" if rule.max_ratio_vs_x is not None else "")
    detail = "; ".join(problems) or (f"Y p99 {yp:.0f}ms" + (f" vs X {xp:.0f}ms" if xp is not None else ""))
    return GateResult("latency_p99_ms", "fail" if problems else "pass", yp, xp, threshold, detail)
