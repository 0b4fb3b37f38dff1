"""`turnout lab up/status/fault/load/down` as a user types them, and the README's three-command flow.

These tests talk to the Kong node emulator (python -m lab.emulator) behind a real HAProxy,
all started by `turnout lab up` on loopback; every test runs `turnout lab down` in a finalizer.
"""

from __future__ import annotations

import json
import re
import os
import subprocess

import pytest
import yaml

from lab.procs import alive
from lab.state import load_state
from tests.lab_drill import turnout_argv
from tests.realparts import require

pytestmark = [pytest.mark.lab, pytest.mark.timeout(90)]


def turnout(cwd, *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess:
    return subprocess.run(turnout_argv(*args), cwd=cwd, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def workdir(tmp_path):
    """A user's directory; whatever lab was started in it is stopped at the end."""
    require("haproxy")
    yield tmp_path
    if os.path.exists(tmp_path / "lab" / "lab.json"):
        turnout(tmp_path, "lab", "down")


def test_up_json_status_fault_load_down(workdir):
    """Emulator behind real HAProxy, through the CLI: up --json names the frontend, plan, key and
    every node's URLs; status, fault and load report; down stops every process it started."""
    up = turnout(workdir, "lab", "up", "--traffic", "0", "--json")
    assert up.returncode == 0, up.stderr
    info = json.loads(up.stdout)
    assert info["frontend"].startswith("http://127.0.0.1:") and info["api_key"]
    assert set(info["nodes"]) == {"x1", "x2", "x3", "y1", "y2", "y3"}
    assert all(n["proxy"].startswith("http://127.0.0.1:") and n["admin"] for n in info["nodes"].values())
    assert turnout(workdir, "validate", info["plan"]).returncode == 0
    assert oct(os.stat(workdir / "lab" / "env").st_mode & 0o777) == "0o600"

    status = turnout(workdir, "lab", "status")
    assert status.returncode == 0 and "running" in status.stdout, status.stdout
    assert re.search(r"^\s+y3\s+y\s", status.stdout, re.MULTILINE), status.stdout  # a row of the nodes table
    assert info["api_key"] not in status.stdout
    japanese = turnout(workdir, "lab", "status", "--lang", "ja")  # issue 14: the lab's words in Japanese, the numbers alike
    assert japanese.returncode == 0 and japanese.stdout.splitlines()[0].endswith(": 稼働中"), japanese.stdout
    assert "  ノード  プール  重み  リクエスト  5xx  障害" in japanese.stdout and "障害なし" in japanese.stdout
    assert re.search(r"^\s+y3\s+y\s", japanese.stdout, re.MULTILINE) and info["api_key"] not in japanese.stdout

    fault = turnout(workdir, "lab", "fault", "x1", "--error-share", "1")
    assert fault.returncode == 0 and "x1: error_share=1.0" in fault.stdout, fault.stdout + fault.stderr
    load = turnout(workdir, "lab", "load", "--rps", "300", "--duration", "2", "--json")
    data = json.loads(load.stdout)
    assert load.returncode == 1 and data["sent"] == 600
    assert data["failed"] == data["http_errors"]["500"] == data["failed_by_node"]["x1"] > 0
    assert data["split"]["y"] == 0.0 and data["split"]["errors_x"] == data["failed"]
    clear = turnout(workdir, "lab", "fault", "all", "--clear")
    assert clear.returncode == 0 and "x1: no fault" in clear.stdout, clear.stdout

    procs = load_state(str(workdir / "lab")).procs
    down = turnout(workdir, "lab", "down")
    assert down.returncode == 0 and down.stdout.count("stopped") >= 2, down.stdout
    assert not any(alive(p) for p in procs)
    gone = turnout(workdir, "lab", "status")
    assert gone.returncode == 1 and "no lab" in gone.stderr
    gone = turnout(workdir, "lab", "status", "--lang", "ja")
    assert gone.returncode == 1 and "にラボがありません" in gone.stderr, gone.stderr


def test_a_second_up_is_refused_and_up_after_down_starts_clean(workdir):
    """Emulator behind real HAProxy: one lab per directory; a new lab after `down` does not inherit
    the old one's HAProxy server state (ports, maintenance)."""
    assert turnout(workdir, "lab", "up", "--traffic", "0").returncode == 0
    again = turnout(workdir, "lab", "up", "--traffic", "0")
    assert again.returncode == 1 and "already runs" in again.stderr
    (workdir / "lab" / "haproxy" / "server-state").write_text("stale\n")
    assert turnout(workdir, "lab", "down").returncode == 0
    bad = turnout(workdir, "lab", "up", "--answer-ms", "2.4,0.8")
    assert bad.returncode == 2 and "--answer-ms: '2.4,0.8': needs 0 < P50 <= P99" in bad.stderr, bad.stderr
    second = turnout(workdir, "lab", "up", "--traffic", "0", "--x", "2", "--y", "1", "--answer-ms", "0.8,2.4")
    assert second.returncode == 0, second.stderr
    assert "node x2" in second.stdout and "node x3" not in second.stdout
    scenario = yaml.safe_load((workdir / "lab" / "scenarios" / "healthy.yml").read_text())
    assert scenario["nodes"]["latency_ms"] == {"p50": 0.8, "p99": 2.4}  # the world the nodes now play
    nodes = json.loads((workdir / "lab" / "nodes.json").read_text())["nodes"]
    assert {n["name"]: n["answer_ms"] for n in nodes} == {n: {"p50": 0.8, "p99": 2.4} for n in ("x1", "x2", "y1")}


def test_the_readme_flow_up_run_down(workdir):
    """Emulator behind real HAProxy with the lab's own background traffic: exactly the three commands
    of the README, as typed; the run completes and `down` leaves nothing running."""
    up = turnout(workdir, "lab", "up")
    assert up.returncode == 0, up.stderr
    assert "turnout run lab/plan.yml --headless --auto-approve" in up.stdout
    run = turnout(workdir, "run", "lab/plan.yml", "--headless", "--auto-approve", timeout=75)
    assert run.returncode == 0, run.stdout[-1500:] + run.stderr[-800:]
    assert "done: 100% on Y 3.9.1" in run.stdout
    status = turnout(workdir, "lab", "status")
    assert "failed 0" in status.stdout and "100.0% of requests to Y" in status.stdout, status.stdout
    procs = load_state(str(workdir / "lab")).procs
    assert turnout(workdir, "lab", "down").returncode == 0
    assert not any(alive(p) for p in procs)
