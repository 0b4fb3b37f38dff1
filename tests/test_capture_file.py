"""The capture's pure halves: the scenario text from a measurement (it validates, and says how each
value was made), the daily fit of Prometheus history, and the range answer's parsing."""

from __future__ import annotations

import math

import yaml

from adapters.capture import Capture, Shape
from adapters.capture_range import fit_daily, range_values
from rollout.observations import NodeWindow, PoolWindow
from sim.scenario import load_scenario
from tests.sim_support import small_plan
from tui.capture_file import scenario_text


def capture(kind: str = "average", stats=None, shape=None) -> Capture:
    stats = {"p50_ms": 0.2, "p99_ms": 0.2} if stats is None else stats
    nodes = (NodeWindow("x1", 3600, 2, stats), NodeWindow("x2", 2400, 1, stats))
    return Capture("small rehearsal", "lb", "the load balancer's own counters", 1_800_000_000.0, 1_800_000_015.0,
                   PoolWindow(6000, 3, stats, nodes, kind), 2, shape, ("metrics: an average",))


def test_an_average_only_capture_says_so_and_validates_as_a_scenario(tmp_path):
    text = scenario_text(capture(), "turnout scenario capture plan.yml --for 15s")
    scenario = load_scenario("captured.yml", small_plan(tmp_path), text=text)
    assert scenario.traffic.rps == 400.0 and scenario.traffic.shape == "flat"
    assert scenario.nodes.capacity_rps == 480  # 2x the busiest node's 240 rps
    assert scenario.nodes.latency_ms.p50 == scenario.nodes.latency_ms.p99 == 0.5  # under HAProxy's whole ms
    assert math.isclose(scenario.nodes.error_rate, 0.0005)
    for words in ("AVERAGE response time", "ESTIMATED", "2027-01-15T08:00:00Z", "x1 p50 0.2 ms", "read only"):
        assert words in text, words


def test_quantiles_and_a_diurnal_shape_are_written_as_measured(tmp_path):
    shape = Shape(0.3, 21600.0, 86400.0, 168)
    text = scenario_text(capture("quantile", {"p50_ms": 12.0, "p99_ms": 80.0}, shape), "capture")
    data = yaml.safe_load(text)
    assert data["traffic"]["shape"] == "diurnal" and data["traffic"]["amplitude"] == 0.3
    assert data["nodes"]["latency_ms"] == {"p50": 12.0, "p99": 80.0} and "AVERAGE" not in text
    assert load_scenario("c.yml", small_plan(tmp_path), text=text).traffic.offset == 21600.0


def test_fit_daily_recovers_a_sinusoid_and_declines_under_two_days():
    day = 86400.0
    points = [(t, 500 * (1 + 0.4 * math.sin(2 * math.pi * (t + 3 * 3600) / day))) for t in range(0, 7 * 86400, 3600)]
    shape = fit_daily(points)
    assert abs(shape.amplitude - 0.4) < 0.01 and abs(shape.offset_s - 3 * 3600) < 60 and shape.points == 168
    assert fit_daily(points[:40]) is None


def test_a_range_answer_sums_its_series_per_instant():
    answer = {"status": "success", "data": {"resultType": "matrix", "result": [
        {"metric": {"server": "x1"}, "values": [[10, "1"], [20, "2"]]},
        {"metric": {"server": "x2"}, "values": [[10, "3"], [20, "NaN"]]}]}}
    assert range_values(answer) == [(10.0, 4.0), (20.0, 2.0)]
