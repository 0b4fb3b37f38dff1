"""The gates on noisy windows, as tables: windows in, verdicts and the engine's move out.

The noise cases of issue 10: HAProxy's whole-ms averages of 1 ms against 0.x ms pass; a Y
150 ms slower fails; one bad node of three is caught in the first step and named; X breaking a
limit as much as Y holds instead of rolling back; a dry-run gate never moves traffic; and a
journal written now replays into the same verdicts.
"""

import math

import pytest

from rollout import events as ev
from rollout.evidence import Budget, Evidence
from rollout.journal import decode, encode
from rollout.observations import NodeWindow, PoolWindow
from rollout.phases import Phase
from rollout.replay import replay

from rollout.engine import Engine

from .engine_support import PLAN_TEXT, engine_at, plan, run_world

P = Phase
# The demo plan's shape: three Y nodes, steps 5/25/50/100, default gates (min_requests 100 here).
THREE_Y = PLAN_TEXT.replace("nodes: [{name: y1}, {name: y2}]}", "nodes: [{name: y1}, {name: y2}, {name: y3}]}")


def avg(requests: int, errors: int, ms: float, nodes: tuple[NodeWindow, ...] = ()) -> PoolWindow:
    """A window from an average-only source (HAProxy rtime): p50 == p99 == the average."""
    return PoolWindow(requests, errors, {"p50_ms": ms, "p99_ms": ms}, nodes, latency_kind="average")


def q(requests: int, errors: int, p99: float, nodes: tuple[NodeWindow, ...] = ()) -> PoolWindow:
    return PoolWindow(requests, errors, {"p50_ms": p99 / 5, "p99_ms": p99}, nodes)


def y_nodes(*rows: tuple[int, int]) -> tuple[NodeWindow, ...]:
    return tuple(NodeWindow(f"y{i + 1}", r, e) for i, (r, e) in enumerate(rows))


def y3(counts, ms=1.0, kind=avg):
    rows = y_nodes(*counts)
    return kind(sum(r for r, _ in counts), sum(e for _, e in counts), ms, rows)


# (plan text, windows (x, y) at 90/10 from t=5, expected phase, expected verdicts per window, words the reason holds)
NOISE_TABLE = [
    # HAProxy averages: Y 1 ms against X 0.6 ms is a ratio of noise, below min_delta_ms (5 ms): passes
    ("haproxy 1ms vs 0.6ms", PLAN_TEXT, [(avg(1800, 1, 0.6), avg(200, 0, 1.0))] * 2, P.SHIFT, ["pass", "pass"], ""),
    # a Y 1 ms slower passes too
    ("Y 1ms slower", PLAN_TEXT, [(avg(1800, 1, 1.0), avg(200, 0, 2.0))] * 2, P.SHIFT, ["pass", "pass"], ""),
    # min_delta_ms 0 keeps the bare ratio: 1 ms > 1.3x 0.6 ms fails, twice rolls back (the lab's flapping)
    ("min_delta_ms 0", PLAN_TEXT.replace("failures_to_rollback: 2}", "failures_to_rollback: 2, latency_p99_ms: {min_delta_ms: 0}}"),
     [(avg(1800, 1, 0.6), avg(200, 0, 1.0))] * 2, P.ROLLING_BACK, ["fail", "fail"], "latency_p99_ms"),
    # a Y 150 ms slower fails every window; failures_to_rollback (2) in a row roll back
    ("Y 150ms slower", PLAN_TEXT, [(avg(1800, 1, 1.0), avg(200, 0, 151.0))] * 2, P.ROLLING_BACK, ["fail", "fail"],
     "Y avg 151ms > 1.3x X 1ms and +150ms > 5ms"),
    # p99 near the ceiling on both pools (an A/A at 900 ms): Y over by noise, not worse than X: not charged
    ("A/A near the ceiling", PLAN_TEXT, [(q(1800, 1, 960.0), q(200, 0, 1010.0))] * 2, P.SHIFT, ["pass", "pass"], ""),
    # X breaks the ceiling just as much: hold with a warning, the operator decides
    ("X breaks it too", PLAN_TEXT, [(q(1800, 1, 1200.0), q(200, 0, 1250.0))] * 2, P.PAUSED, ["hold", "hold"], "X breaks it too"),
    # both pools fail 3% against a ceiling of 1%: Y's true rate is over it, and so is X's: hold
    ("X breaks the error ceiling too", PLAN_TEXT, [(q(18000, 540, 50.0), q(2000, 60, 50.0))] * 2, P.PAUSED, ["hold", "hold"],
     "X breaks it too: Y 3.00% > max 1.00%"),
    # a dry-run gate measures and shows, never moves traffic: 8% errors on Y, nothing happens
    ("dry run", PLAN_TEXT.replace("failures_to_rollback: 2}", "failures_to_rollback: 2, error_rate: {dry_run: true}}"),
     [(q(1800, 1, 50.0), q(200, 16, 50.0))] * 3, P.SHIFT, ["pass", "pass", "pass"], ""),
    # one node of three fails 1.3% (about 30x the base 0.05%; 0.44% on the pool): at 300 rps and 5% on
    # Y (60 s windows) Fisher's exact test at the first step's two planned windows (alpha 0.000625,
    # three quarters of it over two looks) fails it in the first window, where the node's SPRT (ln LR
    # 7.1) is not yet decisive, and the verdict names it
    ("one bad node", THREE_Y, [(avg(17100, 9, 1.0), y3([(300, 0), (300, 4), (300, 0)]))] * 2, P.ROLLING_BACK,
     ["fail"], "node y2 step 1.33% vs X 0.05% over 300 req, ln LR 7.1 < 8.8; Fisher p=5.5e-05 < 0.00023 (window 1 of 2)"),
    # 3 errors a window: not yet in the first (p 1e-3), decisive on the step's counts in the second
    ("one bad node, 1% of its requests", THREE_Y, [(avg(17100, 9, 1.0), y3([(300, 0), (300, 3), (300, 0)]))] * 2,
     P.ROLLING_BACK, ["pass", "fail"], "Fisher p=2.6e-06 < 0.00023 (window 2 of 2)"),
    # 2 errors a window: 4 in 600 by the second window is p 5e-4, not enough; a third window is past
    # the step's plan, so Fisher has no level left there and the SPRT alone judges it (not yet)
    ("a node at 0.67%, past the planned windows", THREE_Y, [(avg(17100, 9, 1.0), y3([(300, 0), (300, 2), (300, 0)]))] * 3,
     P.SHIFT, ["pass", "pass", "pass"], ""),
]


@pytest.mark.parametrize("name,text,windows,phase,verdicts,words", NOISE_TABLE, ids=[row[0] for row in NOISE_TABLE])
def test_noise_table(name, text, windows, phase, verdicts, words):
    engine = engine_at(P.SHIFT, text)
    engine.handle(ev.WeightsApplied(5, 90, 10))
    for i, (x, y) in enumerate(windows):
        engine.handle(ev.WindowJudged(65 + 60 * i, 5 + 60 * i, x, y))
    got = [v.verdict for v in engine.verdicts]
    assert got[: len(verdicts)] == verdicts and engine.phase == phase, (got, engine.phase, engine.reason)
    assert words in engine.reason


def test_the_bad_node_is_caught_by_the_node_gate_while_the_pool_gate_passes():
    engine = engine_at(P.SHIFT, THREE_Y)
    engine.handle(ev.WeightsApplied(5, 90, 10))
    for i in range(2):
        engine.handle(ev.WindowJudged(65 + 60 * i, 5 + 60 * i, avg(17100, 9, 1.0), y3([(300, 0), (300, 4), (300, 0)])))
    pool, node = (next(r for r in engine.verdicts[-1].results if r.gate == g) for g in ("error_rate", "error_rate_node"))
    assert pool.verdict == "pass" and node.verdict == "fail" and node.decisive
    assert node.y_shown == "y2 1.33%" and engine.detection.gate == "error_rate_node"


def test_dry_run_results_are_shown_and_logged():
    engine = engine_at(P.SHIFT, PLAN_TEXT.replace("failures_to_rollback: 2}", "failures_to_rollback: 2, error_rate: {dry_run: true}}"))
    engine.handle(ev.WeightsApplied(5, 90, 10))
    got = engine.handle(ev.WindowJudged(65, 5, q(1800, 1, 50.0), q(200, 16, 50.0)))
    result = next(r for r in engine.verdicts[-1].results if r.gate == "error_rate")
    assert result.dry_run and result.verdict == "fail" and result.threshold.startswith("dry run: ")
    assert any("dry-run gate error_rate would fail" in c.message for c in got)


def test_every_result_names_its_test_and_threshold():
    engine = engine_at(P.SHIFT, THREE_Y)
    engine.handle(ev.WeightsApplied(5, 90, 10))
    engine.handle(ev.WindowJudged(65, 5, avg(16200, 8, 1.0), y3([(600, 0), (600, 0), (600, 0)])))
    for result in engine.verdicts[-1].judged:
        assert result.test and result.threshold and result.statistic, result


def test_evidence_restarts_with_every_step():
    engine = engine_at(P.SHIFT)
    engine.handle(ev.WeightsApplied(5, 90, 10))
    engine.handle(ev.WindowJudged(65, 5, q(1800, 1, 50.0), q(200, 1, 50.0)))
    assert engine.tally.evidence["pool"].y_requests == 200
    engine.handle(ev.WindowJudged(125, 65, q(1800, 1, 50.0), q(200, 0, 50.0)))  # bake done: step 2 waits for approval
    assert engine.pending_approval == 1 and engine.tally.evidence == {}


def test_budget_splits_the_false_rollback_rate_over_steps_tests_and_windows():
    """PLAN_TEXT: 3 steps, 2 Y nodes (pool + 2 nodes = 3 tests a step), 2 min bakes and a 2 min watch in 60 s windows.
    The first step gets half of the sequential half; the other two steps share the rest."""
    budget = Budget.of(plan())
    assert budget.first_step == budget.level(0) == pytest.approx(0.0025 / 3)
    assert budget.sequential == budget.level(1) == budget.level(2) == pytest.approx(0.0025 / (2 * 3))
    assert budget.first_step + 2 * budget.sequential == pytest.approx(0.005 / 3)
    assert budget.window == pytest.approx(0.005 / (2 + 2 + 2 + 2))
    assert budget.looks == (2, 2, 2) and budget.planned(0) == 2 and budget.planned(3) == 0  # the watch: no plan


def test_the_planned_looks_test_is_fishers_exact_test_within_its_share_of_the_level():
    """planned_looks is scipy's one-sided Fisher test on the step's counts, at alpha / planned windows,
    and has no level left for a window past the plan."""
    from scipy.stats import fisher_exact

    from rollout.evidence import planned_looks

    evidence = Evidence().add(300, 2, 17100, 9).add(300, 2, 17100, 9)
    crossed, p, level = planned_looks(evidence, 0.0005, 2)
    expected = fisher_exact([[4, 596], [18, 34182]], alternative="greater").pvalue
    assert p == pytest.approx(expected) and level == pytest.approx(0.00025) and crossed == (expected < 0.00025)
    assert planned_looks(evidence.add(300, 9, 17100, 9), 0.0005, 2) == (False, 1.0, 0.0)


# The second step (25% on Y) of THREE_Y after a first step whose X served 57,000 requests with 28 errors
# (0.05%): (name, X's history, windows (x, y), verdicts, words in the last window's description)
HISTORY = (57000, 28)
BAD_POOL = (avg(3000, 2, 1.0), y3([(333, 3), (333, 4), (334, 3)]))  # Y 1%, X 0.07%
HISTORY_TABLE = [
    # X's history bounds its rate (<= 0.090%): Y's 10 errors in 1,000 are decisive in the first window,
    # where the split against the step's X alone (3x Y's traffic, ln LR 8.0) is not yet
    ("Y 1% vs X's history", HISTORY, [BAD_POOL], ["fail"], "vs X's history (rate <= 0.090%): ln LR 13.0 >= 8.4"),
    # the same window without a history (a first step): the split test alone, not yet
    ("no history", (0, 0), [BAD_POOL], ["pass"], "ln LR 8.0 < 8.1"),
    # X's own errors in the step are far over its history's bound: X drifted, the history test abstains
    ("X drifted", HISTORY, [(avg(3000, 12, 1.0), BAD_POOL[1])] * 2, ["pass", "pass"], "X drifted: not used"),
    # a healthy Y against the history: nothing
    ("A/A with history", HISTORY, [(avg(3000, 2, 1.0), y3([(333, 0), (333, 1), (334, 0)]))] * 3, ["pass"] * 3, ""),
    # one node of three at 1.5% (0.5% on the pool): its own test against X's history names it in the
    # second window
    ("one bad node vs X's history", HISTORY, [(avg(3000, 2, 1.0), y3([(333, 0), (333, 5), (334, 0)]))] * 2,
     ["pass", "fail"], "node y2 step 1.50% vs X 0.07% over 666 req"),
]


@pytest.mark.parametrize("name,history,windows,verdicts,words", HISTORY_TABLE, ids=[row[0] for row in HISTORY_TABLE])
def test_history_table(name, history, windows, verdicts, words):
    from rollout.tally import Tally

    tally = Tally(plan(THREE_Y).gates, Budget.of(plan(THREE_Y)), x_run=history)
    tally.new_step(1)
    got = [tally.record(ev.WindowJudged(60 * (i + 1), 60 * i, x, y)).verdict for i, (x, y) in enumerate(windows)]
    assert got == verdicts and tally.tripped == (verdicts[-1] == "fail"), (got, tally.verdicts[-1].describe())
    assert words in tally.verdicts[-1].describe()


def test_x_history_is_counted_across_steps_and_replays():
    """X's windows of the first step become the second step's history; a journal replays into the same
    verdicts (the history lives in the tally, rebuilt from the windows)."""
    engine = Engine(plan(THREE_Y))
    fed = run_world(engine, [ev.RunStarted(0.0, "test plan")], until=lambda e: e.step == 1 and e.bake_start is not None)
    assert engine.tally.x_before[0] > 0 and engine.tally.step == 1
    start = engine.bake_start
    window = ev.WindowJudged(start + 60, start, avg(1000, 5, 1.0), y3([(333, 8), (333, 9), (334, 8)]))
    fed.append(window)
    engine.handle(window)
    again = replay(engine.plan, [decode(encode(e)) for e in fed])
    assert again.verdicts == engine.verdicts and again.phase == engine.phase == P.ROLLING_BACK
    assert again.tally.x_before == engine.tally.x_before and "vs X's history" in again.reason, again.reason


def test_sequential_evidence_is_a_likelihood_ratio_on_where_errors_fell():
    """No errors: no evidence. Errors split as the traffic is: evidence against a regression."""
    assert Evidence().add(200, 0, 1800, 0).mixture == 0.0
    assert Evidence().add(200, 1, 1800, 9).mixture < -1.5
    assert Evidence().add(200, 16, 1800, 1).mixture > math.log(1 / 0.001)


def test_a_journal_written_now_replays_into_the_same_verdicts():
    """Every event through the journal's codec into a fresh engine: the same verdicts, evidence and move."""
    engine = Engine(plan(THREE_Y))
    fed = run_world(engine, [ev.RunStarted(0.0, "test plan")], until=lambda e: e.phase == P.SHIFT and e.bake_start is not None)
    start = engine.bake_start
    for i, bad in enumerate((0, 3, 9)):
        window = ev.WindowJudged(start + 60 * (i + 1), start + 60 * i, avg(16200, 8, 1.0), y3([(600, 0), (600, bad), (600, 1)]))
        fed.append(window)
        engine.handle(window)
    again = replay(engine.plan, [decode(encode(e)) for e in fed])
    assert again.verdicts == engine.verdicts and again.phase == engine.phase == P.ROLLING_BACK
    assert again.reason == engine.reason and "node y2" in again.reason


def test_the_window_ratio_is_scipy_binomial_likelihoods():
    """window_log_lr's line of numpy is the ratio of scipy's binomial pmfs (the coefficients cancel)."""
    from scipy.stats import binom

    from rollout.evidence import K_GRID, window_log_lr

    got = window_log_lr(200, 5, 1800, 3)
    pi0 = 200 / 2000
    for k, value in zip(K_GRID, got):
        pik = k * 200 / (k * 200 + 1800)
        assert value == pytest.approx(binom.logpmf(5, 8, pik) - binom.logpmf(5, 8, pi0))


def test_at_100_percent_on_y_a_node_meets_its_peers():
    """No X traffic to compare: the bad node is judged against the other Y nodes, and named."""
    from rollout.gates import judge

    gates = plan(THREE_Y).gates
    y = y3([(3000, 1), (3000, 45), (3000, 2)])
    verdict = judge(gates, 0, 60, PoolWindow(0, 0), y, Budget.of(plan(THREE_Y)))
    node = next(r for r in verdict.results if r.gate == "error_rate_node")
    assert node.verdict == "fail" and "node y2 step 1.50% vs its Y peers 0.05%" in node.detail
    assert set(verdict.evidence) == {"node:y1:peers", "node:y2:peers", "node:y3:peers"}
