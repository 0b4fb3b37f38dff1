"""Pure metrics parsing: HAProxy counters from show-stat rows, Prometheus API answers, windows."""

import math

import pytest

from adapters import metrics_codec as mc


def test_haproxy_counters_add_connection_errors_to_5xx():
    rows = [
        {"svname": "y1", "stot": "21", "req_tot": "21", "hrsp_5xx": "4", "econ": "1", "eresp": "2", "rtime": "3"},
        {"svname": "y2", "stot": "9", "req_tot": "", "hrsp_5xx": "", "econ": "", "eresp": "", "rtime": ""},
        {"svname": "BACKEND", "stot": "30", "req_tot": "30", "hrsp_5xx": "4"},
    ]
    c = mc.haproxy_counters(rows)
    assert set(c) == {"y1", "y2"}
    assert c["y1"] == mc.Counters(21, 7, 3.0)
    assert c["y2"].requests == 9  # stot when req_tot is empty


def test_pool_window_weights_rtime_by_requests():
    w = mc.pool_window([("y1", mc.Counters(30, 1, 2.0)), ("y2", mc.Counters(10, 0, 10.0))])
    assert (w.requests, w.errors) == (40, 1)
    assert w.stats["p50_ms"] == w.stats["p99_ms"] == pytest.approx(4.0) and w.latency_kind == "average"
    assert [n.node for n in w.nodes] == ["y1", "y2"] and w.nodes[1].stats["p99_ms"] == 10.0


def test_prometheus_answers():
    vector = {"status": "success", "data": {"resultType": "vector", "result": [
        {"metric": {"server": "y1"}, "value": [1.0, "3"]}, {"metric": {"server": "y2"}, "value": [1.0, "NaN"]}]}}
    assert mc.prometheus_value(vector) == 3.0
    assert mc.prometheus_value({"status": "success", "data": {"resultType": "vector", "result": []}}) == 0.0
    assert mc.prometheus_value({"status": "success", "data": {"resultType": "scalar", "result": [1.0, "0.5"]}}) == 0.5
    with pytest.raises(ValueError, match="bad_data: parse error"):
        mc.prometheus_value({"status": "error", "errorType": "bad_data", "error": "parse error"})
    assert not math.isnan(mc.prometheus_value(vector))
