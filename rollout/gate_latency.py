"""The latency gate: one latency statistic of Y (in ms) against a ceiling and against X.

A latency statistic comes without its sample (a quantile from a histogram, or an average from
HAProxy's ``rtime``), so there is no test on counts to run. What the gate can do honestly:

- **Never compare finer than the source measures.** HAProxy gives whole-millisecond averages;
  a ratio of 1 ms to 0.6 ms is noise. Y is "worse than X" only when it is over the ratio *and*
  more than ``min_delta_ms`` slower (and at least the source's resolution, 1 ms for averages).
  ``min_delta_ms: 0`` keeps the bare ratio of earlier versions.
- **A ceiling is charged to Y only when Y is worse than X**: when X is compared and over the
  ceiling too, the verdict is "X breaks it too" (hold: rolling back to X would not help); when
  Y is over it but not worse than X, the window is not charged to Y (inconclusive). Without X
  to compare (100% on Y), the ceiling alone judges, as before.
- **Honest names**: where the source gives averages (``latency_kind`` average) the row and the
  evidence say ``avg``, never ``p99``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .evidence import Evidence
from .gate_rules import GateResult, Judging, outcome
from .i18n import N_
from .observations import PoolWindow

RESOLUTION_MS = {"average": 1.0, "quantile": 0.0}  # HAProxy rtime: whole ms


@dataclass(frozen=True)
class Latency:
    """One latency statistic of Y: an absolute ceiling and a ratio to X's, above a floor in ms."""

    name: str = "latency_p99_ms"
    statistic: str = "p99_ms"
    label: str = "p99"
    switch: str = ""

    @property
    def setting(self) -> str:
        return self.name

    def judge(self, config: Any, x: PoolWindow, y: PoolWindow, ctx: Judging) -> tuple[GateResult, dict[str, Evidence]]:
        yv, xv = y.stat(self.statistic), x.stat(self.statistic) if ctx.compare else None
        label = self.term(y.latency_kind)
        common = dict(statistic=self.statistic, label=label, x_shown=self._shown(x), y_shown=self._shown(y),
                      test=self.test(config, y.latency_kind))
        if yv is None:
            return GateResult(self.name, "no_data", None, xv, self.limit(config), N_("the metrics source does not measure {statistic}").format(
                statistic=self.statistic), **common), {}
        floor = self.floor(config, y.latency_kind)
        problems, held, notes = [], [], []
        worse = xv is not None and self.worse(config, yv, xv, floor)
        if worse and config.max_ratio_vs_x is not None:
            slower = N_("Y {label} {y}ms > {ratio}x X {x}ms").format(label=label, y=f"{yv:.0f}", ratio=config.max_ratio_vs_x,
                                                                      x=f"{xv:.0f}")
            problems.append(N_("{slower} and +{delta}ms > {floor}ms").format(slower=slower, delta=f"{yv - xv:.0f}", floor=f"{floor:g}")
                            if floor else slower)
        if yv > config.max:
            said = N_("Y {label} {y}ms > max {max}ms").format(label=label, y=f"{yv:.0f}", max=f"{config.max:.0f}")
            if xv is None or worse:
                problems.insert(0, said)
            elif xv > config.max:
                held.append(N_("X breaks it too: {said}, X {x}").format(said=said, x=f"{xv:.0f}ms"))
            else:
                notes.append(N_("{said} but not worse than X {x}: not charged to Y").format(said=said, x=f"{xv:.0f}ms"))
        said = N_("Y {label} {y}ms").format(label=label, y=f"{yv:.0f}") if xv is None else \
            N_("Y {label} {y}ms vs X {x}ms").format(label=label, y=f"{yv:.0f}", x=f"{xv:.0f}")
        return GateResult(self.name, outcome(problems, held, notes), yv, xv, self.limit(config),
                          "; ".join(problems or held or notes) or said, **common), {}

    @staticmethod
    def floor(config: Any, kind: str) -> float:
        """How much slower Y must be before a ratio counts: min_delta_ms, at least the source's resolution."""
        return max(config.min_delta_ms, RESOLUTION_MS.get(kind, 0.0)) if config.min_delta_ms > 0 else 0.0

    @staticmethod
    def worse(config: Any, y: float, x: float, floor: float) -> bool:
        """Y slower than X beyond the ratio (when set) and beyond the floor; a bare ratio when the floor is 0."""
        if floor == 0 and config.max_ratio_vs_x is not None:
            return bool(x) and y > x * config.max_ratio_vs_x
        over_ratio = config.max_ratio_vs_x is None or y > x * config.max_ratio_vs_x
        return over_ratio and y - x > floor

    def limit(self, config: Any) -> str:
        ratio = config.max_ratio_vs_x
        if ratio is None:
            return N_("max {max}ms").format(max=f"{config.max:.0f}")
        if config.min_delta_ms > 0:
            return N_("max {max}ms, <= {ratio}x X and +{floor}ms").format(max=f"{config.max:.0f}", ratio=ratio,
                                                                       floor=f"{config.min_delta_ms:g}")
        return N_("max {max}ms, <= {ratio}x X").format(max=f"{config.max:.0f}", ratio=ratio)

    def test(self, config: Any, kind: str) -> str:
        template = N_("averages (whole ms) compared, ratio counted above +{floor}ms; ceiling charged to Y only when worse than X") \
            if kind == "average" else \
            N_("quantiles compared, ratio counted above +{floor}ms; ceiling charged to Y only when worse than X")
        return template.format(floor=f"{self.floor(config, kind):g}")

    def _shown(self, window: PoolWindow) -> str:
        value = window.stat(self.statistic)
        return f"{value:.0f}ms" if window.requests and value is not None else "-"

    def term(self, kind: str) -> str:
        return self.label if kind == "quantile" else "avg"
