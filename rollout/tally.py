"""The engine's count of judged windows. Pure.

One window decides nothing. The rollout reacts to runs of windows:

- ``failures_to_rollback`` consecutive failed (or held) windows roll back (or hold, when every
  gate that failed says X breaks the limit too);
- a gate that fails on the step's accumulated evidence (a sequential test, rollout.evidence)
  rolls back at once: its error rate is already accounted for;
- two windows in a row whose observed split is far from the configured one hold the run,
  because the load balancer is not doing what it was told;
- reports give the run's request totals.

The consecutive counts and the evidence start again with every step. The totals, the
verdicts and X's history (its requests and errors in every judged window, from which each step
bounds X's rate) last the whole run. The evidence lives here, in the engine's state, and each window's
verdict is a pure function of the window and the evidence before it: a journal replays into the
same verdicts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import events as ev
from .evidence import Budget, Evidence
from .gates import WindowVerdict, judge
from .plan import Gates

KEEP = 500  # verdicts kept; the TUI shows the last 60


@dataclass
class Tally:
    gates: Gates
    budget: Budget | None = None  # the tests' levels (rollout.evidence.Budget.of(plan))
    verdicts: list[WindowVerdict] = field(default_factory=list)
    failures: int = 0  # consecutive failed or held windows in this step; an inconclusive window leaves it as it is
    decided: bool = False  # the last window failed on the step's evidence
    evidence: dict[str, Evidence] = field(default_factory=dict)  # this step's, per comparison
    split_misses: int = 0  # consecutive windows whose observed split is off
    totals: dict[str, int] = field(default_factory=lambda: {"total": 0, "failed": 0, "failed_on_y": 0})
    step: int = 0  # the step's index: its sequential tests' level (Budget.level)
    x_run: tuple[int, int] = (0, 0)  # X's requests and errors over every judged window of the run
    x_before: tuple[int, int] = (0, 0)  # ... before this step: the history the step's tests start from

    def new_step(self, index: int = 0) -> None:
        """A new step: its evidence starts from X's history so far (X's rate does not change when Y
        takes traffic; rollout.evidence.Evidence.drifted checks that it did not)."""
        self.step = index
        self.x_before = self.x_run
        self.failures = 0
        self.split_misses = 0
        self.decided = False
        self.evidence = {}

    def record(self, e: ev.WindowJudged) -> WindowVerdict:
        """Judge the window against the gates and count it."""
        verdict = judge(self.gates, e.start, e.at, e.x, e.y, self.budget, self.evidence, self.x_before, self.step)
        self.evidence = dict(verdict.evidence)
        if verdict.verdict != "inconclusive" and e.x.requests >= self.gates.min_requests:
            self.x_run = (self.x_run[0] + e.x.requests, self.x_run[1] + e.x.errors)
        self.decided = verdict.decisive
        self.totals["total"] += e.x.requests + e.y.requests
        self.totals["failed"] += e.x.errors + e.y.errors
        self.totals["failed_on_y"] += e.y.errors
        self.verdicts.append(verdict)
        del self.verdicts[:-KEEP]
        if verdict.verdict in ("fail", "hold"):
            self.failures += 1
        elif verdict.verdict == "pass":
            self.failures = 0
        return verdict

    @property
    def tripped(self) -> bool:
        """Enough consecutive failed windows, or the step's evidence, to roll back (or hold)."""
        return self.decided or self.failures >= self.gates.failures_to_rollback

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
