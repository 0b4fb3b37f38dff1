"""Kong /metrics parsing and the Kong scrape source, on exposition text built from
the per-version table of the prometheus plugin's families (2.8 and 3.x names, labels, buckets), read
off kong/plugins/prometheus/exporter.lua at Kong's tags (for example
https://github.com/Kong/kong/blob/3.4.2/kong/plugins/prometheus/exporter.lua; tests/shared_files.py).

The "Kong-shaped server" here is a sample-built stub: an httpx.MockTransport that serves the
text built below per node; no Kong and no emulator.
"""

from functools import cache

import httpx
import pytest
import yaml

from adapters import metrics_codec as mc
from adapters.metrics import KongScrape, build_metrics
from rollout.errors import Rejected

from .realparts import make_plan
from .shared_files import kong_samples


@cache
def metric_spec() -> dict:
    return yaml.safe_load((kong_samples() / "prometheus-metrics-by-version.yaml").read_text())


def _labels(names: list[str], values: dict[str, str]) -> str:
    return ",".join(f'{n}="{values.get(n, "")}"' for n in names)


def kong_text(version: str, codes: dict[str, int], latencies_ms: list[float]) -> str:
    """Exposition text as a Kong node of that version writes it: status counter + request-latency histogram."""
    per_request = metric_spec()["2.8" if version == "2.8" else "3.0-3.6"]["per_request"]
    base = {"service": "echo", "route": "echo-route", "source": "service", "workspace": "default"}
    if version == "2.8":
        status, status_labels = "kong_http_status", per_request["kong_http_status"]["labels"]
        hist, hist_spec, extra = "kong_latency", per_request["kong_latency"], {"type": "request"}
        hist_labels = hist_spec["labels"]
    else:
        status, status_labels = "kong_http_requests_total", list(per_request["kong_http_requests_total"]["labels"])
        hist, hist_spec, extra = "kong_request_latency_ms", per_request["kong_upstream_latency_ms"], {}
        hist_labels = list(per_request["kong_request_latency_ms"]["labels"])
        if version >= "3.7":  # the workspace label arrived in 3.7
            status_labels.insert(-1, "workspace")
            hist_labels.append("workspace")
    lines = [f"# HELP {status} HTTP status codes", f"# TYPE {status} counter"]
    lines += [f"{status}{{{_labels(status_labels, base | {'code': c})}}} {n}" for c, n in codes.items()]
    lines += [f"# HELP {hist} latency", f"# TYPE {hist} histogram"]
    labels = _labels(hist_labels, base | extra)
    for le in [*hist_spec["buckets"], "+Inf"]:
        count = sum(1 for v in latencies_ms if le == "+Inf" or v <= le)
        bound = le if le == "+Inf" else f"{float(le):05.1f}"
        lines.append(f'{hist}_bucket{{{labels},le="{bound}"}} {count}')
    lines += [f"{hist}_count{{{labels}}} {len(latencies_ms)}", f"{hist}_sum{{{labels}}} {sum(latencies_ms)}"]
    lines += ["# TYPE kong_nginx_timers gauge", 'kong_nginx_timers{state="running"} 4']
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("version", ["2.8", "3.4", "3.9"])
def test_kong_counters_per_version(version):
    text = kong_text(version, {"200": 90, "404": 5, "502": 3, "500": 2}, [3.0] * 50 + [40.0] * 49 + [900.0])
    c = mc.kong_counters(text)
    assert c.requests == 100 and c.errors == 5
    assert c.buckets[float("inf")] == 100
    p50 = mc.histogram_quantile(0.5, c.buckets)
    p99 = mc.histogram_quantile(0.99, c.buckets)
    assert 0 < p50 <= 50 and 25 <= p99 <= 1000 and p50 < p99


def test_histogram_quantile_interpolates_like_prometheus():
    buckets = {10.0: 50.0, 20.0: 100.0, float("inf"): 100.0}
    assert mc.histogram_quantile(0.5, buckets) == 10.0
    assert mc.histogram_quantile(0.75, buckets) == 15.0
    assert mc.histogram_quantile(0.99, {10.0: 0.0, float("inf"): 5.0}) == 10.0  # +Inf: the top finite bound
    assert mc.histogram_quantile(0.5, {}) == 0.0


def test_counter_reset_counts_from_zero():
    before, after = mc.Counters(100, 4), mc.Counters(7, 1)
    assert mc.difference(before, after) == after
    assert mc.difference(mc.Counters(10, 1), mc.Counters(30, 2)).requests == 20


def stub_client(texts: dict[str, str]) -> httpx.AsyncClient:
    def handler(request: httpx.Request) -> httpx.Response:
        text = texts.get(request.url.host)
        return httpx.Response(200, text=text) if text else httpx.Response(500, text="boom")
    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


def kong_plan():
    nodes = {p: [{"name": f"{p}{i}", "status": f"http://{p}{i}:8100"} for i in (1, 2)] for p in ("x", "y")}
    return make_plan({"type": "command", "set_weights": "true"}, metrics={"source": "kong"}, nodes=nodes)


async def test_kong_scrape_differences_each_node():
    """Sample-built stub: X nodes on 3.4 (no workspace label), Y nodes on 3.9 (workspace label)."""
    plan = kong_plan()
    texts = {f"x{i}": kong_text("3.4", {"200": 10}, [5.0] * 10) for i in (1, 2)}
    texts |= {f"y{i}": kong_text("3.9", {"200": 10}, [5.0] * 10) for i in (1, 2)}
    clock = iter([100.0, 160.0])
    source = KongScrape(plan, stub_client(texts), clock=lambda: next(clock))
    await source.window(40.0, 100.0)  # baseline
    texts["y1"] = kong_text("3.9", {"200": 40, "500": 10}, [5.0] * 10 + [300.0] * 40)
    texts["x1"] = kong_text("3.4", {"200": 30}, [5.0] * 30)
    x, y = await source.window(100.0, 160.0)
    assert (x.requests, x.errors) == (20, 0)
    assert (y.requests, y.errors) == (40, 10)
    assert y.stats["p99_ms"] > x.stats["p99_ms"] and x.stats["p50_ms"] <= 25.0 and y.latency_kind == "quantile"  # 3.x request-latency buckets start at 25 ms


async def test_kong_scrape_failure_names_the_node():
    """Sample-built stub answering 500 for y2."""
    plan = kong_plan()
    texts = {n: kong_text("3.4", {"200": 1}, [1.0]) for n in ("x1", "x2", "y1")}
    source = KongScrape(plan, stub_client(texts))
    with pytest.raises(Rejected, match=r"y2: GET http://y2:8100/metrics: rejected: HTTP 500"):
        await source.window(0.0, 60.0)


def test_build_metrics_refuses_lb_source_without_stats():
    plan = make_plan({"type": "command", "set_weights": "true"})
    with pytest.raises(Exception, match="metrics.source: source lb reads HAProxy stats"):
        build_metrics(plan, object())
