"""The gates' statistics: tests on counts, the evidence a step accumulates, and the error budget.

Why these tests (see docs/plan-format.md, "How the gates decide"):

- **Y against X, across the windows of a step**: a sequential probability ratio test (Wald)
  on the error counts, conditioned on where the errors fell. Given the errors of both pools in
  a window, under "Y is as good as X" each error is Y's with probability ``pi0 = n_y / (n_x +
  n_y)``, whatever the base rate is (requests as Poisson draws), so the test needs no estimate
  of X's rate and no luck in it. The alternative "Y's rate is k times X's" is a mixture over a
  fixed grid of k (2 to 256), so a +5 point regression is caught on the evidence a +5 point
  regression leaves and a +0.5 point one on its own; the price of not knowing k is ln(8) nats
  on the threshold. The mixture's likelihood ratio is a non-negative martingale under the null,
  so by Ville's inequality it ever reaches ``1/alpha`` with probability at most ``alpha``:
  however many windows a step has, however long it bakes. A rollout also needs Y to be worse
  by what the plan calls a regression: the step's error rate on Y must exceed X's by half of
  ``max_delta_vs_x`` (half-way between "as good" and "worse by max_delta_vs_x", SPRT's point of
  indifference), so a Y worse by a hair is not rolled back on a long bake.
- **Y alone against X's history** (from the second step on): X is the old version, its error
  rate does not change when Y takes traffic, and by the second step X has served far more than
  Y will (at 25% on Y the step's own X traffic is only 3x Y's, which caps what each of Y's
  errors can tell the split test at ln(1/0.25) nats). So each step also bounds X's rate from
  X's windows before the step (the exact Poisson upper limit, scipy's ``chi2.ppf``, at
  ``alpha * BOUND_SHARE``) and runs a mixture SPRT of Y's own counts against ``k`` times that
  bound: a Poisson likelihood ratio, a supermartingale whenever Y's rate is at most the bound,
  so it crosses ``1/(alpha * HISTORY_SHARE)`` with probability at most that. The step's level
  is spent three ways (split, bound, history), so the two tests together stay within ``alpha``.
  A check guards the assumption: when X's errors in the step are too many for the bound
  (Poisson p < ``DRIFT_P``), X's rate has moved and the history test abstains; the split
  test, which needs no estimate of X's rate, still judges.
- **A node where X has no history (the first step; against its peers): Fisher's exact test at
  the step's planned windows.** The step's number of windows is known (its bake over the gate
  window), so a share (``PLANNED_SHARE``) of the node test's level is spent Bonferroni-style
  over those windows on a one-sided Fisher test of the step's counts (scipy's ``hypergeom``),
  the rest on the SPRT (``planned_looks`` says why: over two looks it acts on about one error
  fewer than the SPRT can).
- **Absolute limits, per window**: a one-sided exact binomial test that Y's true rate is over
  the limit (not its estimate): the binomial tail at the limit, scipy's ``binom.sf``.
- **Is Y worse than X in this window**: Fisher's exact test, one-sided (scipy's ``fisher_exact``),
  to tell "Y breaks the limit" from "X breaks it too".

``Budget`` splits the plan's ``false_rollback_rate`` (the chance that a healthy Y is rolled back
over the whole rollout) Bonferroni-style: half over the sequential tests (per step: one for the
pool, one per Y node when ``per_node``; a step at 100% has no X, its nodes meet their peers), half
over the absolute tests of every window the plan's bakes and watch hold. Of the sequential half,
the first step gets one half and the other steps share the other: a bad Y is cheapest to catch
at the first step, which also has no X history to lean on.

scipy is imported where it is used: importing the engine to validate a plan stays fast.
The SPRT's per-window ratio is two binomial likelihoods at the same count, whose coefficients
cancel: it is a line of numpy (``window_log_lr``), checked against scipy in the tests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .plan import Plan

K_GRID = tuple(2.0 ** j for j in range(1, 9))  # Y's error rate as a multiple of X's: 2x .. 256x
LOG_K_WEIGHT = math.log(len(K_GRID))  # the mixture weighs each k equally
K = np.array(K_GRID)
LOG_K = np.log(K)
ZERO = np.zeros(len(K_GRID))


@dataclass(frozen=True)
class Budget:
    """The false-rollback rate, split into the level each test is held to."""

    sequential: float  # per sequential test (one pool or one node) per step after the first
    window: float  # per absolute test per judged window
    first_step: float | None = None  # per sequential test in the first step (None: ``sequential``)
    tests: int = 1  # sequential tests per step: they share one bound on X's rate from its history
    looks: tuple[int, ...] = ()  # each step's planned windows (its bake over the gate window); () : unknown

    @classmethod
    def of_gates(cls, gates) -> "Budget":
        """Without the plan's steps (a window judged on its own): the whole rate to each half."""
        return cls(sequential=gates.false_rollback_rate / 2, window=gates.false_rollback_rate / 2)

    @classmethod
    def of(cls, plan: Plan) -> "Budget":
        """Half the sequential half goes to the first step, where a bad Y costs least to catch."""
        gates = plan.gates
        tests = 1 + (len(plan.pools.y.nodes) if gates.per_node and len(plan.pools.y.nodes) > 1 else 0)
        looks = tuple(max(1, math.ceil(s.bake / gates.window)) for s in plan.steps)
        windows = sum(looks) + math.ceil(plan.finish.watch / gates.window)
        half, steps = gates.false_rollback_rate / 2, len(plan.steps)
        if steps == 1:
            return cls(sequential=half / tests, window=half / max(1, windows), tests=tests, looks=looks)
        return cls(sequential=half / 2 / ((steps - 1) * tests), window=half / max(1, windows), first_step=half / 2 / tests,
                   tests=tests, looks=looks)

    def level(self, step: int) -> float:
        """The level of each sequential test in step ``step`` (0-based)."""
        return self.first_step if step == 0 and self.first_step is not None else self.sequential

    def planned(self, step: int) -> int:
        """The windows step ``step`` is planned to judge (0: unknown, no planned-looks test)."""
        return self.looks[step] if 0 <= step < len(self.looks) else 0


# With X's history before the step, each sequential test's level is spent three ways: the split
# test, the bound on X's rate from its history, and Y alone against that bound.
SPLIT_SHARE, BOUND_SHARE, HISTORY_SHARE = 0.05, 0.2, 0.75
# A node's test in a step without X's history (the first): this share of its level goes to Fisher's
# exact test at each of the step's planned windows (rollout.evidence.planned_looks), the rest to the SPRT.
PLANNED_SHARE = 0.75
DRIFT_P = 0.01  # X's errors in the step over its history's bound at this p-value: the history test abstains


@dataclass(frozen=True)
class Evidence:
    """What one comparison (a pool, or one Y node, against X) has seen so far in this step."""

    log_lr: tuple[float, ...] = (0.0,) * len(K_GRID)  # log likelihood ratio per k of K_GRID
    y_requests: int = 0
    y_errors: int = 0
    x_requests: int = 0
    x_errors: int = 0
    mixture: float = 0.0  # ln of the mixture likelihood ratio: the statistic compared with ln(1/alpha)
    p0: float = 0.0  # the upper bound on X's rate from X's history before the step (0: no history test)
    h_log_lr: tuple[float, ...] = (0.0,) * len(K_GRID)  # Y alone against k * p0, per k
    h_mixture: float = 0.0
    looks: int = 0  # windows added (the planned-looks test's look number)

    @classmethod
    def begin(cls, history: tuple[int, int], alpha: float, tests: int = 1) -> "Evidence":
        """A step's evidence, with X's rate bounded from its history (requests, errors) when there is one.

        X is the old version: its rate does not change when Y takes traffic, so X's windows before
        the step tell its rate better than the step's own X traffic (at 25% on Y only 3x Y's).
        The bound is the exact Poisson (Garwood) upper limit at ``alpha * BOUND_SHARE * tests``:
        one event (X's rate is over it) shared by the step's ``tests`` tests, each paying its share."""
        requests, errors = history
        if requests <= 0:
            return cls()
        from scipy.stats import chi2

        level = min(0.5, alpha * BOUND_SHARE * tests)
        return cls(p0=float(chi2.ppf(1 - level, 2 * (errors + 1))) / (2 * requests))

    def add(self, y_requests: int, y_errors: int, x_requests: int, x_errors: int) -> "Evidence":
        """The evidence after one more window (pure: a new value)."""
        log_lr = np.asarray(self.log_lr) + window_log_lr(y_requests, y_errors, x_requests, x_errors)
        h_log_lr = np.asarray(self.h_log_lr)
        if self.p0 > 0:
            h_log_lr = h_log_lr + y_errors * LOG_K - y_requests * self.p0 * (K - 1)
        return Evidence(tuple(float(v) for v in log_lr), self.y_requests + y_requests, self.y_errors + y_errors,
                        self.x_requests + x_requests, self.x_errors + x_errors, _mix(log_lr), self.p0,
                        tuple(float(v) for v in h_log_lr), _mix(h_log_lr) if self.p0 > 0 else 0.0, self.looks + 1)

    @property
    def y_rate(self) -> float:
        return self.y_errors / self.y_requests if self.y_requests else 0.0

    @property
    def x_rate(self) -> float:
        return self.x_errors / self.x_requests if self.x_requests else 0.0

    def thresholds(self, alpha: float) -> tuple[float, float]:
        """ln(1/level) of the split test and of the history test (inf: no history test)."""
        return thresholds(alpha, self.p0 > 0)

    def drifted(self) -> bool:
        """X's errors in this step are too many for its history's bound: X's rate moved, the history
        test abstains (the split test, which needs no estimate of X's rate, still judges)."""
        if self.p0 <= 0 or self.x_errors <= self.p0 * self.x_requests:
            return False
        from scipy.stats import poisson

        return float(poisson.sf(self.x_errors - 1, self.x_requests * self.p0)) < DRIFT_P

    def crossed(self, alpha: float) -> str:
        """Which test crossed its threshold: 'split', 'history' or ''."""
        split, history = self.thresholds(alpha)
        if self.mixture >= split:
            return "split"
        if self.h_mixture >= history and not self.drifted():
            return "history"
        return ""

    def regression(self, alpha: float, delta: float) -> bool:
        """Y is worse than X: a test crossed and Y's rate is over X's by delta/2."""
        return bool(self.crossed(alpha)) and self.y_rate - self.x_rate > delta / 2


def planned_looks(evidence: Evidence, alpha: float, planned: int) -> tuple[bool, float, float]:
    """Fisher's exact test (one-sided) on the step's counts so far, at ``alpha / planned`` per window:
    is Y (a node) worse than its reference? Returns (crossed, p, the look's level).

    Why beside the SPRT: a step's number of windows is known in advance (its bake over the gate
    window; the demo's first step has two), and Bonferroni over so few looks is far sharper than
    Ville's bound, which holds for any number of looks: one bad node of three at 1.5% shows about
    4 errors in its 580 requests of the first step's two windows (0.3 expected): a Fisher p of
    1e-4 to 4e-4 against a look's level of 2.3e-4 in plans/demo.yml, where the mixture SPRT's ln LR
    of about 5.3 is still short of ln(1/alpha) = 7.4. A window past the
    plan (an approval wait, an extended bake) gets no level here: the SPRT, valid for any number
    of windows, still judges it, so the step's false-rollback rate stays within ``alpha``."""
    if planned <= 0 or evidence.looks > planned:
        return False, 1.0, 0.0
    level = alpha / planned
    if evidence.y_errors == 0:
        return False, 1.0, level
    from scipy.stats import hypergeom

    total = evidence.y_requests + evidence.x_requests
    p = float(hypergeom.sf(evidence.y_errors - 1, total, evidence.y_requests, evidence.y_errors + evidence.x_errors))
    return p < level, p, level


def thresholds(alpha: float, with_history: bool) -> tuple[float, float]:
    """ln(1/level) of the split test and of the history test (inf: no history test)."""
    if not with_history:
        return math.log(1 / alpha), math.inf
    return math.log(1 / (alpha * SPLIT_SHARE)), math.log(1 / (alpha * HISTORY_SHARE))


def _mix(log_lr: np.ndarray) -> float:
    return float(np.logaddexp.reduce(log_lr)) - LOG_K_WEIGHT


def window_log_lr(y_requests: int, y_errors: int, x_requests: int, x_errors: int) -> np.ndarray:
    """Each k's log likelihood ratio for one window: where did this window's errors fall?

    Given ``e`` errors in the window, Y's count is Binomial(e, pi) with pi0 = n_y / n under the
    null and pi_k = k n_y / (k n_y + n_x) under "k times X's rate"; the binomial coefficient is
    the same in both, so the ratio is ``e_y ln(pi_k/pi0) + e_x ln((1-pi_k)/(1-pi0))``.
    """
    if y_errors + x_errors == 0 or y_requests == 0 or x_requests == 0:
        return ZERO
    pi0 = y_requests / (y_requests + x_requests)
    pi1 = K * y_requests / (K * y_requests + x_requests)
    return y_errors * np.log(pi1 / pi0) + x_errors * np.log((1 - pi1) / (1 - pi0))


def over_limit(errors: int, requests: int, limit: float, alpha: float) -> tuple[bool, float]:
    """Is the true error rate over ``limit``? (the one-sided binomial test's verdict and p-value)."""
    if requests == 0 or errors <= limit * requests:
        return False, 1.0
    if limit <= 0:
        return True, 0.0
    from scipy.stats import binom

    p = float(binom.sf(errors - 1, requests, limit))  # P(at least this many errors at the limit)
    return p < alpha, p


def worse_than_x(y_errors: int, y_requests: int, x_errors: int, x_requests: int, alpha: float) -> tuple[bool, float]:
    """Is Y's error rate higher than X's in this window? (Fisher's exact test, one-sided)."""
    if y_requests == 0 or x_requests == 0 or y_errors * x_requests <= x_errors * y_requests:
        return False, 1.0
    from scipy.stats import fisher_exact

    table = [[y_errors, y_requests - y_errors], [x_errors, x_requests - x_errors]]
    p = fisher_exact(table, alternative="greater").pvalue
    return p < alpha, float(p)
