"""The gate rules: each one reads one statistic of a window and says pass, fail, hold or no data.

A rule is a small class with its ``name`` (the gate's name in verdicts, detections and the
journal's log), the ``setting`` it finds its plan model under (``gates.<setting>``), the
``statistic`` of the window it reads (rollout.observations: ``error_rate``, ``p99_ms``, ...),
the ``label`` of its row on screen, and a ``judge`` that returns its result and the evidence
it carries to the next window of the step (rollout.evidence). ``rollout.gates.RULES`` lists
the rules a window is judged by.

Adding a rule is one class (or one more instance of an existing one, as a p95 gate is
``Latency("latency_p95_ms", "p95_ms", "p95")`` in rollout.gate_latency), its plan model in
``rollout.plan.Gates`` and its line in ``RULES``. The widget and the journal need nothing new:
they render results.

Verdicts: ``fail`` charges Y (a ``decisive`` fail stands on the step's accumulated evidence and
rolls back at once; any other fail counts toward ``failures_to_rollback``); ``hold``: Y breaks a
limit but X breaks it just as much, so rolling back would not help and the operator decides;
``inconclusive``: not enough evidence either way; ``no_data``: the source does not measure it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal, Mapping, Protocol

from .evidence import PLANNED_SHARE, Budget, Evidence, over_limit, planned_looks, thresholds, worse_than_x
from .i18n import N_
from .observations import NodeWindow, PoolWindow

GateVerdict = Literal["pass", "fail", "hold", "no_data", "inconclusive"]


@dataclass(frozen=True)
class GateResult:
    """One gate's judgement of one window, with everything the operator needs to see why."""

    gate: str  # the rule's name: min_requests | error_rate | error_rate_node | latency_p99_ms | ...
    verdict: GateVerdict
    y: float | None  # the statistic on Y (None: no data)
    x: float | None  # the statistic on X when X was compared (enough X traffic), else None
    threshold: str  # the limit that was applied, in words
    detail: str = ""  # the evidence, in words (names the node when a node is at fault)
    statistic: str = ""  # which statistic of the window the gate read
    label: str = ""  # the row's label on screen
    x_shown: str = "-"  # X's and Y's values as the gate words them, for the table
    y_shown: str = "-"
    test: str = ""  # the tests applied and their thresholds (binomial, Fisher, SPRT, ...)
    decisive: bool = False  # a fail on the step's accumulated evidence: rolls back without waiting
    dry_run: bool = False  # measured and shown, never moves traffic
    nodes: tuple[str, ...] = ()  # the nodes at fault, by name (a per-node gate's failing nodes), for the cockpit to mark


@dataclass(frozen=True)
class Judging:
    """What a rule knows besides the window: may it compare X, its error budget, the step's evidence."""

    compare: bool  # X served min_requests in this window
    budget: Budget
    evidence: Mapping[str, Evidence] = field(default_factory=dict)  # this step's, before this window
    history: tuple[int, int] = (0, 0)  # X's requests and errors over the run before this step
    step: int = 0  # the step's index (its sequential tests' level: rollout.evidence.Budget.level)

    @property
    def level(self) -> float:
        return self.budget.level(self.step)

    def so_far(self, key: str, with_history: bool = True) -> Evidence:
        """The step's evidence for one comparison; a new one starts from X's history."""
        return self.evidence.get(key) or Evidence.begin(self.history if with_history else (0, 0), self.level, self.budget.tests)


class Rule(Protocol):
    """What ``rollout.gates.judge`` needs of a rule; ``config`` is its plan model."""

    name: str
    setting: str
    switch: str  # a boolean under ``gates`` that turns the rule on ('' : always on when its setting is set)
    statistic: str
    label: str

    def judge(self, config: Any, x: PoolWindow, y: PoolWindow, ctx: Judging) -> tuple[GateResult, dict[str, Evidence]]: ...


def pct(value: float) -> str:
    return f"{value:.2%}"


def outcome(problems: list[str], held: list[str], notes: list[str]) -> GateVerdict:
    """A rule's verdict from what it found: Y charged, X breaks it too, not enough evidence, or fine."""
    return "fail" if problems else "hold" if held else "inconclusive" if notes else "pass"


def absolute(limit: float, y: PoolWindow | NodeWindow, x: PoolWindow | None, alpha: float) -> tuple[list[str], list[str], list[str]]:
    """The error-rate ceiling on one window: breached only when the test says Y's true rate is over it,
    charged to Y only when Y is also worse than X (when X is compared), held when X is over it too."""
    over, p = over_limit(y.errors, y.requests, limit, alpha)
    if not over:
        return [], [], []
    said = N_("Y {rate} > max {limit} (binomial p={p})").format(rate=pct(y.error_rate), limit=pct(limit), p=f"{p:.1g}")
    if x is None:
        return [said], [], []
    worse, pw = worse_than_x(y.errors, y.requests, x.errors, x.requests, alpha)
    if worse:
        return [N_("{said}, worse than X {x} (Fisher p={p})").format(said=said, x=pct(x.error_rate), p=f"{pw:.1g}")], [], []
    if x.error_rate > limit:
        return [], [N_("X breaks it too: {said}, X {x}").format(said=said, x=pct(x.error_rate))], []
    return [], [], [N_("{said} but not worse than X {x}: not charged to Y").format(said=said, x=pct(x.error_rate))]


def sequential(evidence: Evidence, alpha: float, delta: float, who: str, peers: bool = False) -> tuple[bool, str]:
    """The step's SPRT against X (or, ``peers``, the node's Y peers): has it crossed, and its evidence in words.

    The words are built from marked templates, one per comparison and direction, so that the
    phrasebook reads them back (a placeholder beside ``its Y peers`` could not be told apart)."""
    crossed = evidence.regression(alpha, delta)
    split, history = evidence.thresholds(alpha)
    template = STEP_WORDS[(not peers, evidence.mixture >= split)]
    words = template.format(who=who, y=pct(evidence.y_rate), x=pct(evidence.x_rate), requests=evidence.y_requests,
                            lr=f"{evidence.mixture:.1f}", threshold=f"{split:.1f}")
    if evidence.p0 > 0:
        over = evidence.h_mixture >= history
        words = HISTORY_WORDS[over].format(split=words, bound=f"{evidence.p0:.3%}", lr=f"{evidence.h_mixture:.1f}",
                                           threshold=f"{history:.1f}")
        if over and evidence.drifted():
            words = N_("{history}, X drifted: not used").format(history=words)
    return crossed, words


# (against X, crossed): the step's SPRT in words; against its Y peers when X is not compared
STEP_WORDS = {
    (True, True): N_("{who} step {y} vs X {x} over {requests} req, ln LR {lr} >= {threshold}"),
    (True, False): N_("{who} step {y} vs X {x} over {requests} req, ln LR {lr} < {threshold}"),
    (False, True): N_("{who} step {y} vs its Y peers {x} over {requests} req, ln LR {lr} >= {threshold}"),
    (False, False): N_("{who} step {y} vs its Y peers {x} over {requests} req, ln LR {lr} < {threshold}"),
}
HISTORY_WORDS = {  # crossed: Y alone against X's history
    True: N_("{split}; vs X's history (rate <= {bound}): ln LR {lr} >= {threshold}"),
    False: N_("{split}; vs X's history (rate <= {bound}): ln LR {lr} < {threshold}"),
}


@dataclass(frozen=True)
class ErrorRate:
    """5xx and connection failures over requests: a ceiling per window, and Y against X over the step."""

    name: str = "error_rate"
    setting: str = "error_rate"
    switch: str = ""
    statistic: str = "error_rate"
    label: str = "5xx"

    def judge(self, config: Any, x: PoolWindow, y: PoolWindow, ctx: Judging) -> tuple[GateResult, dict[str, Evidence]]:
        xw = x if ctx.compare else None
        problems, held, notes = absolute(config.max, y, xw, ctx.budget.window)
        updates: dict[str, Evidence] = {}
        said = [f"Y {pct(y.error_rate)}" + (f" vs X {pct(x.error_rate)}" if xw else "")]
        decisive = False
        if xw is not None and config.max_delta_vs_x is not None:
            updates["pool"] = ctx.so_far("pool").add(y.requests, y.errors, x.requests, x.errors)
            decisive, words = sequential(updates["pool"], ctx.level, config.max_delta_vs_x, "Y")
            (problems if decisive else said).append(words)
        result = GateResult(self.name, outcome(problems, held, notes), y.error_rate, x.error_rate if xw else None,
                            self.limit(config), "; ".join(problems or held or notes or said), self.statistic, self.label,
                            pct(x.error_rate) if x.requests else "-", pct(y.error_rate) if y.requests else "-",
                            test=self.test(config, ctx), decisive=decisive)
        return result, updates

    def limit(self, config: Any) -> str:
        delta = config.max_delta_vs_x
        if delta is None:
            return N_("max {limit}").format(limit=pct(config.max))
        return N_("max {limit}, Y-X <= {delta}").format(limit=pct(config.max), delta=pct(delta))

    def test(self, config: Any, ctx: Judging) -> str:
        words = N_("binomial vs max, p < {level} per window").format(level=f"{ctx.budget.window:.2g}")
        if config.max_delta_vs_x is None:
            return words
        return N_("{binomial}; {sprt} and Y-X > {delta}").format(binomial=words, sprt=sprt_words(ctx),
                                                               delta=pct(config.max_delta_vs_x / 2))


@dataclass(frozen=True)
class NodeErrorRate:
    """Each Y node against X (against its Y peers when X is not compared): one bad node of many
    is caught at the speed of a bad pool, and named. Its settings are ``error_rate``'s; on with
    ``gates.per_node``."""

    name: str = "error_rate_node"
    setting: str = "error_rate"
    switch: str = "per_node"
    statistic: str = "error_rate"
    label: str = "5xx node"

    def judge(self, config: Any, x: PoolWindow, y: PoolWindow, ctx: Judging) -> tuple[GateResult, dict[str, Evidence]]:
        if not y.nodes:
            return GateResult(self.name, "no_data", None, None, self.limit(config), N_("the metrics source gives no per-node rows"),
                              self.statistic, self.label, test=self.test(ctx)), {}
        updates: dict[str, Evidence] = {}
        failed, said, at_fault = [], [], []
        for node in y.nodes:
            key, reference = self._reference(node, x, y, ctx.compare)
            updates[key] = ctx.so_far(key, ctx.compare).add(node.requests, node.errors, reference.requests, reference.errors)
            crossed, words = self._tests(updates[key], ctx, config.max_delta_vs_x or 0.0,
                                         N_("node {node}").format(node=node.node), peers=not ctx.compare)
            (failed if crossed else said).append(words)
            if crossed:
                at_fault.append(node.node)
        worst = max(y.nodes, key=lambda n: n.error_rate)
        result = GateResult(self.name, "fail" if failed else "pass", worst.error_rate, x.error_rate if ctx.compare else None,
                            self.limit(config), "; ".join(failed) or N_("worst node {node} {rate}").format(
                                node=worst.node, rate=pct(worst.error_rate)),
                            self.statistic, self.label, pct(x.error_rate) if ctx.compare else "-",
                            f"{worst.node} {pct(worst.error_rate)}", test=self.test(ctx), decisive=bool(failed),
                            nodes=tuple(at_fault))
        return result, updates

    @staticmethod
    def _tests(evidence: Evidence, ctx: Judging, delta: float, who: str, peers: bool) -> tuple[bool, str]:
        """The node's SPRT, and where X has no history to bound its rate (the first step, or a node
        against its peers) Fisher's exact test at each of the step's planned windows, which takes
        ``PLANNED_SHARE`` of the node's level (rollout.evidence.planned_looks says why)."""
        planned = ctx.budget.planned(ctx.step) if evidence.p0 == 0 else 0
        if not planned:
            return sequential(evidence, ctx.level, delta, who, peers)
        crossed, words = sequential(evidence, ctx.level * (1 - PLANNED_SHARE), delta, who, peers)
        hit, p, level = planned_looks(evidence, ctx.level * PLANNED_SHARE, planned)
        hit = hit and evidence.y_rate - evidence.x_rate > delta / 2
        if level:
            fisher = N_("{sprt}; Fisher p={p} < {level} (window {look} of {planned})") if hit else \
                N_("{sprt}; Fisher p={p} >= {level} (window {look} of {planned})")
            words = fisher.format(sprt=words, p=f"{p:.2g}", level=f"{level:.2g}", look=evidence.looks, planned=planned)
        return crossed or hit, words

    @staticmethod
    def _reference(node: NodeWindow, x: PoolWindow, y: PoolWindow, compare: bool) -> tuple[str, PoolWindow | NodeWindow]:
        if compare:
            return f"node:{node.node}:x", x
        peers = [n for n in y.nodes if n.node != node.node]
        return f"node:{node.node}:peers", NodeWindow("peers", sum(n.requests for n in peers), sum(n.errors for n in peers))

    def limit(self, config: Any) -> str:
        delta = config.max_delta_vs_x or 0.0
        return N_("each Y node: node-X <= {delta}").format(delta=pct(delta))

    def test(self, ctx: Judging) -> str:
        planned = ctx.budget.planned(ctx.step) if ctx.history[0] == 0 or not ctx.compare else 0
        if not planned:
            return N_("per node: {sprt}").format(sprt=sprt_words(ctx))
        fisher = ctx.level * PLANNED_SHARE / planned
        return N_("per node: {sprt}; Fisher's exact test on the step's counts, p < {level} at each of its {planned} planned "
                  "windows").format(sprt=sprt_words(ctx, ctx.level * (1 - PLANNED_SHARE)), level=f"{fisher:.2g}", planned=planned)


def sprt_words(ctx: Judging, level: float | None = None) -> str:
    """The sequential tests and their thresholds, as the step's level (or ``level``) and X's history make them."""
    split, history = thresholds(ctx.level if level is None else level, ctx.history[0] > 0)
    words = N_("SPRT vs X over the step (errors' split, k 2-256): ln LR >= {threshold}").format(threshold=f"{split:.1f}")
    if history == math.inf:
        return words
    return N_("{split}; SPRT vs X's history (Y alone against its bound, k 2-256): ln LR >= {threshold}, unless X drifted").format(
        split=words, threshold=f"{history:.1f}")
