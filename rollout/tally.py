"""The engine's count of judged windows. Pure.

One window decides nothing. The rollout reacts to runs of windows:

- ``failures_to_rollback`` consecutive failed windows roll back;
- two windows in a row whose observed split is far from the configured one hold the run,
  because the load balancer is not doing what it was told;
- reports give the run's request totals.

The consecutive counts start again with every step. The totals and the verdicts last the whole run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import events as ev
from .gates import WindowVerdict, judge
from .plan import Gates

KEEP = 500  # verdicts kept; the TUI shows the last 60


@dataclass
class Tally:
    gates: Gates
    verdicts: list[WindowVerdict] = field(default_factory=list)
    failures: int = 0  # consecutive failed windows in this step; an inconclusive window leaves it as it is
    split_misses: int = 0  # consecutive windows whose observed split is off
    totals: dict[str, int] = field(default_factory=lambda: {"total": 0, "failed": 0, "failed_on_y": 0})

    def new_step(self) -> None:
        self.failures = 0
        self.split_misses = 0

    def record(self, e: ev.WindowJudged) -> WindowVerdict:
        """Judge the window against the gates and count it."""
        verdict = judge(self.gates, e.start, e.at, e.x, e.y)
        self.totals["total"] += e.x.requests + e.y.requests
        self.totals["failed"] += e.x.errors + e.y.errors
        self.totals["failed_on_y"] += e.y.errors
        self.verdicts.append(verdict)
        del self.verdicts[:-KEEP]
        if verdict.verdict == "fail":
            self.failures += 1
        elif verdict.verdict == "pass":
            self.failures = 0
        return verdict

    @property
    def tripped(self) -> bool:
        """Enough consecutive failed windows to roll back."""
        return self.failures >= self.gates.failures_to_rollback

    def split_off(self, e: ev.WindowJudged, desired_y: int) -> str:
        """Why the load balancer is not obeying, once two windows in a row show it; else ''."""
        total = e.x.requests + e.y.requests
        if total < self.gates.min_requests:
            return ""
        observed = 100.0 * e.y.requests / total
        if abs(observed - desired_y) <= self.gates.max_split_error:
            self.split_misses = 0
            return ""
        self.split_misses += 1
        if self.split_misses < 2:
            return ""
        return (f"the load balancer sends {observed:.1f}% to Y, configured {desired_y}% "
                f"(off by more than {self.gates.max_split_error:g} points in 2 windows)")
