"""A latency regression on one route only (``route_latency``, sim/route_mix.py): the pool's latency
becomes a mixture, and each measurement sees that mixture as its real source would.

The mixture's own figures are checked against a direct numpy sample; the measurements against
the mixture; the gates against a share large enough to see and one small enough to hide.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from rollout.plan import load_plan
from sim import route_mix
from sim.nodes import fit_lognormal
from sim.runner import run_one
from sim.scenario import load_scenario
from sim.session import Rehearsal

from .sim_support import SMALL_PLAN, scenario, small_plan
from .test_sim_measure import HAPROXY_PLAN, KONG_PLAN, PROMETHEUS_PLAN

FACTOR = 3.0


def _sample(p50: float, p99: float, share: float, factor: float, n: int = 2_000_000) -> np.ndarray:
    """Latencies drawn directly: log-normal, a share of them multiplied by the factor."""
    mu, sigma = fit_lognormal(p50, p99)
    rng = np.random.default_rng(18)
    values = np.exp(rng.normal(mu, sigma, n))
    return np.where(rng.random(n) < share, values * factor, values)


def _mixture(p50: float, p99: float, share: float, factor: float, wait: float = 0.0):
    mu, sigma = fit_lognormal(p50, p99)
    parts = route_mix.split(np.array([1000.0]), np.array([wait]), np.array([mu]), np.array([share]),
                            np.array([math.log(factor)]))
    return parts, sigma


@pytest.mark.parametrize(("p50", "p99", "share", "factor"), [(15, 90, 0.05, 3.0), (20, 40, 0.005, 3.0),
                                                             (20, 40, 0.3, 4.0), (15, 90, 0.9, 1.5)])
def test_the_mixtures_quantiles_and_mean_match_a_direct_sample(p50, p99, share, factor):
    sample = _sample(p50, p99, share, factor)
    parts, sigma = _mixture(p50, p99, share, factor)
    for q in (0.5, 0.9, 0.99):
        assert route_mix.quantile(q, *parts, sigma) == pytest.approx(np.quantile(sample, q), rel=0.01), q
    mu, _ = fit_lognormal(p50, p99)
    first, second = route_mix.moment_factors(np.array([share]), np.array([math.log(factor)]))
    healthy_mean = math.exp(mu + sigma * sigma / 2)
    assert healthy_mean * first[0] == pytest.approx(sample.mean(), rel=0.01)
    assert healthy_mean ** 2 * math.exp(sigma * sigma) * second[0] == pytest.approx((sample ** 2).mean(), rel=0.03)


def test_without_a_slow_route_the_moments_are_the_plain_log_normals():
    first, second = route_mix.moment_factors(np.zeros(3), np.full(3, math.log(4.0)))
    assert (first == 1.0).all() and (second == 1.0).all()


def test_half_a_percent_hides_in_the_pool_p99_five_percent_shows_on_a_narrow_tail():
    """Factor 3. On a narrow healthy tail (p50 20 ms, p99 40 ms) 0.5% of requests moves the pool's
    p99 by about 6% (invisible to a 1.3x ratio gate), 5% nearly doubles it. On the default wide
    tail (p50 15, p99 90) even 5% moves it by only about 25%: the healthy tail hides it."""
    ratio = {}
    for p50, p99 in ((20, 40), (15, 90)):
        for share in (0.005, 0.05):
            parts, sigma = _mixture(p50, p99, share, FACTOR)
            ratio[p99, share] = route_mix.quantile(0.99, *parts, sigma) / p99
    assert ratio[40, 0.005] < 1.1 and ratio[40, 0.05] > 1.8
    assert ratio[90, 0.005] < 1.05 and 1.15 < ratio[90, 0.05] < 1.3


NARROW = "traffic: {rps: 2000}\nnodes: {capacity_rps: 3000, latency_ms: {p50: 20, p99: 40}, error_rate: 0.0}\n"


def _y_over_x(plan, world, stat: str = "p99_ms", seeds=(1, 2), exact: bool = False) -> float:
    ratios = []
    for seed in seeds:
        session = Rehearsal(plan, world, seed=seed, exact=exact)
        session.run_to_end()
        ratios += [v.y.stats[stat] / v.x.stats[stat] for v in session.engine.verdicts
                   if v.x.requests and v.y.requests >= 200]
    assert ratios
    return float(np.mean(ratios))


def _route(share: float, factor: float = FACTOR) -> str:
    return f"faults:\n  - {{kind: route_latency, pool: y, route: /orders, share: {share}, factor: {factor}}}\n"


def test_the_ideal_p99_sees_five_percent_and_not_half_a_percent(tmp_path):
    plan = small_plan(tmp_path, SMALL_PLAN)
    hidden = _y_over_x(plan, scenario(tmp_path, NARROW + _route(0.005), plan))
    shown = _y_over_x(plan, scenario(tmp_path, NARROW + _route(0.05), plan, name="shown.yml"))
    assert hidden < 1.15 and shown > 1.6, (hidden, shown)


@pytest.mark.parametrize("text", [KONG_PLAN, PROMETHEUS_PLAN], ids=["kong", "prometheus"])
def test_kong_and_prometheus_histograms_carry_the_mixtures_bucket_counts(tmp_path, text):
    """Kong 3.x's edges 25, 50, 80: a healthy p99 near 40 ms reads inside 25-50; with 5% of requests
    three times slower the p99 falls in 50-80, so the estimate moves past the 1.3x gate; at 0.5% it
    stays. Prometheus reads the same buckets through scraped rates."""
    plan = small_plan(tmp_path, text)
    hidden = _y_over_x(plan, scenario(tmp_path, NARROW + _route(0.005), plan))
    shown = _y_over_x(plan, scenario(tmp_path, NARROW + _route(0.05), plan, name="shown.yml"))
    assert hidden < 1.15 and shown > 1.3, (hidden, shown)


def test_haproxy_averages_move_by_the_mixtures_mean(tmp_path):
    """HAProxy's whole-ms average: 1 + share x (factor - 1), here 1 + 0.3 x 2 = 1.6."""
    plan = small_plan(tmp_path, HAPROXY_PLAN)
    observed = _y_over_x(plan, scenario(tmp_path, NARROW + _route(0.3), plan))
    assert observed == pytest.approx(1.6, rel=0.08)


def test_fast_and_exact_modes_see_the_same_mixture(tmp_path):
    plan = small_plan(tmp_path, SMALL_PLAN)
    slow = "traffic: {rps: 400}\nnodes: {capacity_rps: 3000, latency_ms: {p50: 20, p99: 40}, error_rate: 0.0}\n"
    world = scenario(tmp_path, slow + _route(0.2), plan)
    fast, exact = (_y_over_x(plan, world, "p50_ms", exact=e) for e in (False, True))
    assert fast == pytest.approx(exact, rel=0.08) and fast > 1.05, (fast, exact)


def test_the_latency_gate_rolls_back_a_large_one_and_misses_a_small_one():
    plan = load_plan("plans/demo.yml")
    large = run_one(plan, load_scenario("plans/scenarios/route_latency.yml", plan), seed=1)
    assert large.outcome == "rolled_back" and "latency_p99_ms" in large.detection.gate
    assert large.detection.at_s > 240  # the route slows at 4m
    assert large.slow > 0
    small = load_scenario("plans/scenarios/route_latency.yml", plan)
    small = small.model_copy(update={"faults": [small.faults[0].model_copy(update={"share": 0.005, "factor": 3.0})]})
    assert run_one(plan, small, seed=1).outcome == "completed", "0.5% of requests 3x slower: the pool's average barely moves"


def test_the_scenario_refuses_a_share_out_of_bounds(tmp_path):
    from rollout.errors import PlanError

    for share in (0, 1.5):
        with pytest.raises(PlanError, match="share"):
            scenario(tmp_path, _route(share))
