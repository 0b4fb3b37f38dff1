"""``turnout scenario capture`` against the lab: real HAProxy stats under 400 rps of background
traffic (issue 12's "done when"), and a real Prometheus scraping the lab's HAProxy exporter.

The captured file must say the rate within 10% of the offered 400 rps, say how it measured
latency (HAProxy gives an average) and capacity (an estimate), and rehearse."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from lab.state import LabOptions
from lab.up import down, up
from tests.realparts import require

pytestmark = [pytest.mark.lab, pytest.mark.haproxy]
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def lab_400(tmp_path):
    require("haproxy")
    state = up(LabOptions(dir=str(tmp_path / "lab"), traffic=400.0))
    try:
        yield state
    finally:
        down(state.dir)


def cli(*argv: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui.cli", *argv], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def test_capture_on_a_400_rps_lab_writes_that_rate_and_the_scenario_rehearses(lab_400, tmp_path):
    out = tmp_path / "captured.yml"
    done = cli("scenario", "capture", lab_400.plan, "--for", "15s", "--out", str(out))
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    scenario = yaml.safe_load(text)
    assert abs(scenario["traffic"]["rps"] - 400) <= 40, text
    assert "AVERAGE response time" in text and "capacity_rps: ESTIMATED" in text and "read only" in text
    assert 0 <= scenario["nodes"]["error_rate"] < 0.01
    rehearsed = cli("rehearse", lab_400.plan, "--scenario", str(out), "--runs", "3", "--json")
    assert rehearsed.returncode in (0, 1), rehearsed.stderr
    assert '"runs": 3' in rehearsed.stdout


def test_a_source_that_cannot_be_read_is_one_line_naming_it(lab_400, tmp_path):
    plan = Path(lab_400.plan).read_text()
    broken = Path(lab_400.dir) / "broken.yml"  # beside the lab's env file
    broken.write_text(plan.replace(lab_400.haproxy["socket"], str(tmp_path / "no.sock")))
    done = cli("scenario", "capture", str(broken), "--for", "1s")
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and "metrics.source lb" in done.stderr


@pytest.mark.prometheus
def test_capture_through_a_real_prometheus_scraping_the_lab_reads_history_with_range(lab_400, tmp_path):
    import time

    from tests.realparts import start_prometheus

    h = lab_400.haproxy
    server = f'proxy="{h["backend"]}",server=~"{{pool}}.*"'
    metrics = {"source": "prometheus", "queries": {
        "requests": f"sum(increase(haproxy_server_http_responses_total{{{server}}}[{{window}}]))",
        "errors": f'sum(increase(haproxy_server_http_responses_total{{{server},code="5xx"}}[{{window}}]))',
        "p50_ms": f"1000 * max(haproxy_server_response_time_average_seconds{{{server}}})"}}
    with start_prometheus(tmp_path / "prom", [f"127.0.0.1:{h['stats_port']}"]) as prom:
        plan = yaml.safe_load(Path(lab_400.plan).read_text())
        plan["metrics"] = {**metrics, "url": prom.url}
        path = Path(lab_400.dir) / "prom-plan.yml"  # beside the lab's env file
        path.write_text(yaml.safe_dump(plan, sort_keys=False))
        time.sleep(26)  # the first sample comes about 5.5 s after start; then 20 s of history
        done = cli("scenario", "capture", str(path), "--range", "20s")
    assert done.returncode == 0, done.stderr
    scenario = yaml.safe_load(done.stdout)
    assert abs(scenario["traffic"]["rps"] - 400) <= 60, done.stdout  # increase() extrapolates at the edges
    assert "the plan's PromQL on Prometheus" in done.stdout and "shape: flat" in done.stdout
