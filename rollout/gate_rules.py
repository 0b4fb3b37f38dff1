"""The gate rules: each one reads one statistic of a window and says pass, fail or no data.

A rule is a small class with its ``name`` (its key under ``gates:`` in the plan, and the
gate's name in verdicts, detections and the journal's log), the ``statistic`` of the window
it reads (rollout.observations: ``error_rate``, ``p99_ms``, ...), the ``label`` of its row on
screen, and how it words its limit and its evidence. ``rollout.gates.RULES`` lists the rules
a window is judged by; each rule finds its settings in the plan by its name.

Adding a rule is one class here with a ``judge`` (or one more instance of an existing one,
as a p95 gate is ``Latency("latency_p95_ms", "p95_ms", "p95")``), its plan model in
``rollout.plan.Gates`` and its line in ``RULES``. The widget and the journal need nothing
new: they render results.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

from .observations import PoolWindow

# pass | fail; no_data: the source does not measure the statistic; inconclusive: the window
# was too small to judge (see rollout.gates.judge).
GateVerdict = Literal["pass", "fail", "no_data", "inconclusive"]


@dataclass(frozen=True)
class GateResult:
    """One gate's judgement of one window, with everything the operator needs to see why."""

    gate: str  # the rule's name: min_requests | error_rate | latency_p99_ms | ...
    verdict: GateVerdict
    y: float | None  # the statistic on Y (None: no data)
    x: float | None  # the statistic on X when X was compared (enough X traffic), else None
    threshold: str  # the limit that was applied, in words
    detail: str = ""  # the evidence, in words
    statistic: str = ""  # which statistic of the window the gate read
    label: str = ""  # the row's label on screen
    x_shown: str = "-"  # X's and Y's values as the gate words them, for the table
    y_shown: str = "-"


class Rule(Protocol):
    """What ``rollout.gates.judge`` needs of a rule; ``config`` is its plan model.

    ``judge`` sees both pools' whole windows (counts, named statistics, per-node rows), so a
    rule that tests proportions or looks for an outlier node fits the same shape; the rules
    that compare one statistic against limits share ``against_limits``.
    """

    name: str
    statistic: str
    label: str

    def judge(self, config: Any, x: PoolWindow, y: PoolWindow, compare: bool) -> GateResult: ...


class Limits(Protocol):
    """A rule that compares one statistic with limits: how it words them and finds them broken."""

    name: str
    statistic: str
    label: str

    def limit(self, config: Any) -> str: ...

    def problems(self, config: Any, y: float, x: float | None, kind: str) -> list[str]: ...

    def show(self, value: float) -> str: ...

    def term(self, kind: str) -> str: ...


def against_limits(rule: Limits, config: Any, x: PoolWindow, y: PoolWindow, compare: bool) -> GateResult:
    """One statistic on one window. X is compared only when it served enough requests (``compare``)."""
    yv = y.stat(rule.statistic)
    xv = x.stat(rule.statistic) if compare else None
    shown = _shown(rule, x), _shown(rule, y)
    common = dict(statistic=rule.statistic, label=rule.label, x_shown=shown[0], y_shown=shown[1])
    if yv is None:
        evidence = f"the metrics source does not measure {rule.statistic}"
        return GateResult(rule.name, "no_data", None, xv, rule.limit(config), evidence, **common)
    problems = rule.problems(config, yv, xv, y.latency_kind)
    term = rule.term(y.latency_kind)
    evidence = "; ".join(problems) or (f"Y {term}{rule.show(yv)}" + (f" vs X {rule.show(xv)}" if xv is not None else ""))
    return GateResult(rule.name, "fail" if problems else "pass", yv, xv, rule.limit(config), evidence, **common)


def _shown(rule: Limits, window: PoolWindow) -> str:
    value = window.stat(rule.statistic)
    return rule.show(value) if window.requests and value is not None else "-"


@dataclass(frozen=True)
class ErrorRate:
    """5xx and connection failures over requests: an absolute ceiling and a margin over X."""

    name: str = "error_rate"
    statistic: str = "error_rate"
    label: str = "5xx"

    def judge(self, config: Any, x: PoolWindow, y: PoolWindow, compare: bool) -> GateResult:
        return against_limits(self, config, x, y, compare)

    def limit(self, config: Any) -> str:
        delta = config.max_delta_vs_x
        return f"max {config.max:.2%}" + (f", Y-X <= {delta:.2%}" if delta is not None else "")

    def problems(self, config: Any, y: float, x: float | None, kind: str) -> list[str]:
        out = []
        if y > config.max:
            out.append(f"Y {y:.2%} > max {config.max:.2%}")
        if x is not None and config.max_delta_vs_x is not None and y - x > config.max_delta_vs_x:
            out.append(f"Y {y:.2%} - X {x:.2%} > {config.max_delta_vs_x:.2%}")
        return out

    def show(self, value: float) -> str:
        return f"{value:.2%}"

    def term(self, kind: str) -> str:
        return ""


@dataclass(frozen=True)
class Latency:
    """One latency statistic of Y (a quantile, in ms): an absolute ceiling and a ratio to X's.

    When the source only gives an average (``latency_kind`` average), the statistic holds that
    average and the evidence says so: the gate then compares averages, never quantiles.
    """

    name: str = "latency_p99_ms"
    statistic: str = "p99_ms"
    label: str = "p99"

    def judge(self, config: Any, x: PoolWindow, y: PoolWindow, compare: bool) -> GateResult:
        return against_limits(self, config, x, y, compare)

    def limit(self, config: Any) -> str:
        ratio = config.max_ratio_vs_x
        return f"max {config.max:.0f}ms" + (f", <= {ratio}x X" if ratio is not None else "")

    def problems(self, config: Any, y: float, x: float | None, kind: str) -> list[str]:
        out, term = [], self.term(kind)
        if y > config.max:
            out.append(f"Y {term}{y:.0f}ms > max {config.max:.0f}ms")
        if x and config.max_ratio_vs_x is not None and y > x * config.max_ratio_vs_x:
            out.append(f"Y {term}{y:.0f}ms > {config.max_ratio_vs_x}x X {x:.0f}ms")
        return out

    def show(self, value: float) -> str:
        return f"{value:.0f}ms"

    def term(self, kind: str) -> str:
        return f"{self.label} " if kind == "quantile" else f"{self.label} (an average) "
