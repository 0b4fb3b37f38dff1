"""The rehearsal measures like the real world (sim/measure*.py, issue 10 item 6).

Each measurement is checked against what its source does: HAProxy's whole-millisecond
``rtime`` (rounded up on a new server, pinned at the whole ms on a warm one), Kong's bucket
edges by version and the shared ``histogram_quantile``, Prometheus' extrapolated
``increase`` over scraped samples. The simulated world only; no server is started.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from rollout.histograms import histogram_quantile
from rollout.plan import load_plan
from sim.measure import measurement_name
from sim.tick_reads import ticks
from sim.measure_haproxy import SAMPLES, _settle
from sim.measure_kong import KONG_2_REQUEST_BUCKETS, KONG_3_REQUEST_BUCKETS, request_buckets
from sim.measure_prometheus import extrapolated_increase, query_range
from sim.session import Rehearsal

from .sim_support import SMALL_PLAN, scenario, small_plan

HAPROXY_PLAN = SMALL_PLAN.replace("load_balancer: {type: sim, propagation: 1s}",
                                  "load_balancer: {type: haproxy, socket: /run/haproxy.sock, backend: kong}")
# Kong's /metrics is read from each node's Status API, so a live-capable plan names one per node.
KONG_PLAN = HAPROXY_PLAN.replace("steps:", "metrics: {source: kong}\nsteps:").replace(
    "nodes: [{name: x1}, {name: x2}]", 'nodes: [{name: x1, status: "http://x1:8100"}, {name: x2, status: "http://x2:8100"}]').replace(
    "nodes: [{name: y1}, {name: y2}]", 'nodes: [{name: y1, status: "http://y1:8100"}, {name: y2, status: "http://y2:8100"}]')
PROMETHEUS_PLAN = HAPROXY_PLAN.replace("steps:", """metrics:
  source: prometheus
  url: http://prometheus:9090
  queries:
    requests: 'sum(increase(kong_http_requests_total{app="kong-{pool}"}[30s]))'
    errors: 'sum(increase(kong_http_requests_total{app="kong-{pool}",code=~"5.."}[30s]))'
    p99_ms: 'histogram_quantile(0.99, sum by (le) (rate(kong_request_latency_ms_bucket{app="kong-{pool}"}[30s])))'
steps:""")
SUB_MS = "traffic: {rps: 400}\nnodes: {capacity_rps: 4000, latency_ms: {p50: 0.2, p99: 0.6}, error_rate: 0.0, start_s: 0s}\n"
TENS_OF_MS = "traffic: {rps: 400}\nnodes: {capacity_rps: 1000, latency_ms: {p50: 20, p99: 120}, error_rate: 0.001}\n"


def _windows(plan, world, seed=1, exact=False):
    session = Rehearsal(plan, world, seed=seed, exact=exact)
    record = session.run_to_end()
    return record, [v for v in session.engine.verdicts if v.x.requests and v.y.requests]


@pytest.mark.parametrize("path, name", [
    ("plans/demo.yml", "haproxy"), ("plans/haproxy-example.yml", "haproxy"), ("plans/nginx-lua-example.yml", "nginx_lua"),
    ("plans/nginx-example.yml", "kong"), ("plans/weighted-dns.yml", "kong"), ("plans/k8s-gateway-api.yml", "prometheus"),
    ("plans/rehearsal-only.yml", "ideal"),
])
def test_the_measurement_follows_the_plans_metrics_source(path, name):
    assert measurement_name(load_plan(path)) == name


# ---- HAProxy ----------------------------------------------------------------------------------

def test_haproxy_reads_a_sub_millisecond_world_in_whole_milliseconds(tmp_path):
    """X (warm) reads 0 or 1 per server, its pool a request-weighted mix of those; Y (new, under
    1024 requests) reads ceil(mean) = 1. Every window says it is an average."""
    plan = small_plan(tmp_path, HAPROXY_PLAN)
    _, windows = _windows(plan, scenario(tmp_path, SUB_MS, plan))
    assert windows and all(v.x.latency_kind == "average" == v.y.latency_kind for v in windows)
    for v in windows:
        assert all(row.stats["p99_ms"] in (0.0, 1.0) for row in v.x.nodes + v.y.nodes)
        assert v.x.stats["p99_ms"] == v.x.stats["p50_ms"]
    assert {v.y.stats["p99_ms"] for v in windows[:3]} == {1.0}  # new servers: rounded up
    x_readings = [row.stats["p99_ms"] for v in windows for row in v.x.nodes]
    assert 0.1 < np.mean(x_readings) < 0.9  # warm servers: 1 a share of the time near the true mean (~0.5 ms)


def test_haproxy_reads_tens_of_milliseconds_near_the_mean(tmp_path):
    plan = small_plan(tmp_path, HAPROXY_PLAN)
    _, windows = _windows(plan, scenario(tmp_path, TENS_OF_MS, plan))
    mean = 20 * math.exp(((math.log(120) - math.log(20)) / 2.3263) ** 2 / 2)  # the log-normal's mean, ~27 ms
    for v in windows:
        assert all(float(row.stats["p99_ms"]).is_integer() for row in v.x.nodes + v.y.nodes)
        assert mean - 2 < v.x.stats["p99_ms"] < mean + 8  # plus queueing at 20% utilisation
    assert windows[-1].y.stats["p99_ms"] == pytest.approx(windows[-1].x.stats["p99_ms"], abs=3)


def test_the_sliding_level_settles_on_the_whole_millisecond_below_the_mean():
    """HAProxy's integer recursion S - ceil(S/1024) + Tr pins S/1024 at floor(mean), band by band."""
    assert _settle(0.4, 0.4, 10 * SAMPLES) == 0.0  # a new server past 1024 requests decays to 0...
    assert _settle(0.4, 0.4, 100) == pytest.approx(0.4 - 100 * 0.6 / SAMPLES)  # ...at (1 - 0.4) / 1024 per response
    assert _settle(3.0, 7.5, 100 * SAMPLES) == 7.0  # climbs to the whole ms below a slower mean
    assert _settle(12.0, 7.5, 100 * SAMPLES) == 7.0


def test_fast_and_exact_read_haproxy_alike(tmp_path):
    """The fast mode's folded moments agree with the exact mode's integer recursion over every response."""
    plan = small_plan(tmp_path, HAPROXY_PLAN)
    world = scenario(tmp_path, SUB_MS, plan)
    figures = {}
    for exact in (False, True):
        runs = [_windows(plan, world, seed, exact)[1] for seed in (1, 2, 3)]
        figures[exact] = (np.mean([row.stats["p99_ms"] for w in runs for v in w for row in v.x.nodes]),
                          np.mean([v.y.stats["p99_ms"] for w in runs for v in w]))
    assert figures[False][0] == pytest.approx(figures[True][0], abs=0.2)  # share of warm X readings at 1 ms
    assert figures[False][1] == pytest.approx(figures[True][1], abs=0.1)  # new Y servers: 1 ms


# ---- Kong -------------------------------------------------------------------------------------

def test_kong_bucket_edges_follow_the_node_version():
    assert request_buckets("3.4.3") == KONG_3_REQUEST_BUCKETS and request_buckets("3.9.1") == KONG_3_REQUEST_BUCKETS
    assert request_buckets("2.8.5") == KONG_2_REQUEST_BUCKETS
    assert KONG_3_REQUEST_BUCKETS[0] == 25 and KONG_2_REQUEST_BUCKETS[0] == 1


def test_kong_histograms_cannot_tell_sub_millisecond_from_24ms(tmp_path):
    """Every request under 25 ms lands in Kong 3.x's first bucket: the estimate interpolates inside
    it, so X and Y both read p99 24.75 ms, whatever their true latency."""
    plan = small_plan(tmp_path, KONG_PLAN)
    _, windows = _windows(plan, scenario(tmp_path, SUB_MS, plan))
    assert windows and all(v.y.latency_kind == "quantile" for v in windows)
    for v in windows:
        assert v.x.stats["p99_ms"] == pytest.approx(24.75) == v.y.stats["p99_ms"]
        assert v.y.stats["p50_ms"] == pytest.approx(12.5)


def test_kong_quantiles_are_the_shared_estimate_of_the_buckets(tmp_path):
    plan = small_plan(tmp_path, KONG_PLAN)
    _, windows = _windows(plan, scenario(tmp_path, TENS_OF_MS, plan))
    for v in windows:
        assert 0.0 < v.x.stats["p50_ms"] <= 25.0  # a true median near 21 ms: somewhere inside the 0-25 bucket
        assert 100.0 < v.x.stats["p99_ms"] <= 250.0  # a true p99 near 125 ms: inside the 100-250 bucket
    assert histogram_quantile(0.5, {25.0: 0.0, 50.0: 10.0, float("inf"): 10.0}) == 37.5


def test_kong_counts_only_what_the_nodes_served(tmp_path):
    """A node that is down answers nothing, so Kong's own counters miss the requests the LB sent
    it: the windows count what Y served, and none of the connection failures the LB saw."""
    plan = small_plan(tmp_path, KONG_PLAN)
    world = scenario(tmp_path, TENS_OF_MS + "faults:\n  - {kind: crash, node: y1, at: 15s}\n", plan)
    session = Rehearsal(plan, world, seed=1)
    record = session.run_to_end()
    log, y = session.sim.log, session.sim.table.is_y
    lb_errors = kong_errors = 0
    for v in session.engine.verdicts:
        a, b = ticks(v.start, v.end)
        assert v.y.requests == int(log.served[a:b, y].sum())
        lb_errors, kong_errors = lb_errors + int(log.errors[a:b, y].sum()), kong_errors + v.y.errors
    assert record.failed_on_y > 0 and lb_errors > kong_errors


# ---- Prometheus -------------------------------------------------------------------------------

def test_increase_extrapolates_like_prometheus():
    # samples every 15 s inside a 60 s range: stretched from 45 s of samples by up to half an interval each side
    assert extrapolated_increase([5.0, 20.0, 35.0, 50.0], [100.0, 250.0, 400.0, 550.0], 0.0, 60.0) == pytest.approx(450 * 60 / 45)
    # a series that starts near zero is not extrapolated below zero
    assert extrapolated_increase([5.0, 20.0], [1.0, 31.0], 0.0, 30.0) == pytest.approx(30 * (15 + 0.5 + 10) / 15)
    # a last sample further from the end than 1.1 intervals: stretched by half an interval only
    assert extrapolated_increase([5.0, 20.0], [100.0, 130.0], 0.0, 40.0) == pytest.approx(30 * (15 + 5 + 7.5) / 15)
    assert extrapolated_increase([5.0], [10.0], 0.0, 30.0) is None  # one sample: no rate


def test_the_query_range_comes_from_the_plan(tmp_path):
    assert query_range(small_plan(tmp_path, PROMETHEUS_PLAN)) == 30.0
    assert query_range(load_plan("plans/k8s-gateway-api.yml")) is None  # {window}: the gate window


def test_prometheus_windows_lag_and_smooth_the_counts(tmp_path):
    """A 30 s range read every 10 s window counts about 30 s of traffic, and lags a step change:
    right after Y goes from 10% to 50%, its observed share is still far below 50%, so the
    engine's split check holds the run, as it would with the same queries live."""
    plan = small_plan(tmp_path, PROMETHEUS_PLAN)
    world = scenario(tmp_path, TENS_OF_MS + "metrics: {scrape_interval: 5s}\n", plan)
    session = Rehearsal(plan, world, seed=2)
    record = session.run_to_end()
    by_start = {v.start: v for v in session.engine.verdicts}
    assert by_start[0].x.requests + by_start[0].y.requests < 400 * 10 * 1.1  # young series: less than a range to rate
    steady = by_start[20.0]  # still at 10% on Y, with a full range of samples behind it
    assert abs(steady.x.requests + steady.y.requests - 400 * 30) < 0.15 * 400 * 30
    after_step = by_start[30.0]  # the first window at 50% on Y
    assert after_step.y.requests / (after_step.x.requests + after_step.y.requests) < 0.3
    assert record.outcome == "halted" and record.detection.gate == "split"
    assert all(set(v.y.stats) == {"p99_ms"} and v.y.latency_kind == "quantile" for v in session.engine.verdicts)


# ---- benign differences -----------------------------------------------------------------------

def test_a_pool_can_be_benignly_slower_without_a_fault(tmp_path):
    plan = small_plan(tmp_path)
    base = "traffic: {rps: 2000}\nnodes:\n  capacity_rps: 3000\n  latency_ms: {p50: 20, p99: 90}\n"
    for extra, ratio in (("  y: {latency_factor: 1.1}\n", 1.1), ("  y: {latency_ms_extra: 5}\n", 25 / 20),
                         ("  y: {latency_ms: {p50: 30, p99: 60}}\n", 1.5)):
        world = scenario(tmp_path, base + extra, plan)
        assert world.onset() is None  # not a fault: still an A/A world for the report
        _, windows = _windows(plan, world)
        observed = np.mean([v.y.stats["p50_ms"] / v.x.stats["p50_ms"] for v in windows])
        assert observed == pytest.approx(ratio, rel=0.05), extra


def test_a_cold_y_warms_up_after_its_first_request(tmp_path):
    plan = small_plan(tmp_path)
    world = scenario(tmp_path, "traffic: {rps: 2000}\nnodes:\n  capacity_rps: 3000\n  warmup: {for: 30s, factor: 3}\n", plan)
    _, windows = _windows(plan, world)
    assert windows[0].y.stats["p50_ms"] > 2 * windows[0].x.stats["p50_ms"]  # cold: about 2.5x in its first 10 s
    healthy = scenario(tmp_path, "traffic: {rps: 2000}\nnodes:\n  capacity_rps: 3000\n", plan, name="healthy.yml")
    assert _windows(plan, healthy)[1][0].y.stats["p50_ms"] < 1.2 * windows[0].x.stats["p50_ms"]


def test_unknown_pool_keys_are_refused(tmp_path):
    from rollout.errors import PlanError

    with pytest.raises(PlanError, match="nodes.y.latency_fctor"):
        scenario(tmp_path, "nodes:\n  y: {latency_fctor: 1.1}\n")


def test_the_timeline_says_how_the_gates_numbers_were_measured(tmp_path):
    for text, says in ((HAPROXY_PLAN, "whole ms"), (KONG_PLAN, "Kong's buckets"), (PROMETHEUS_PLAN, "increase/rate over 30s"),
                       (SMALL_PLAN, None)):
        plan = small_plan(tmp_path, text)
        record = Rehearsal(plan, scenario(tmp_path, TENS_OF_MS, plan), seed=1).run_to_end()
        notes = [e.event for e in record.timeline if e.event.startswith("measured as")]
        assert (notes and says in notes[0]) if says else notes == [], (text, notes)


def test_fast_and_exact_read_kong_buckets_alike(tmp_path):
    plan = small_plan(tmp_path, KONG_PLAN)
    world = scenario(tmp_path, TENS_OF_MS, plan)
    p99 = {exact: np.mean([v.y.stats["p99_ms"] for seed in (1, 2) for v in _windows(plan, world, seed, exact)[1]])
           for exact in (False, True)}
    assert p99[False] == pytest.approx(p99[True], rel=0.1)
