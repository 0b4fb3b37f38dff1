"""The lab's texts (plan, emulator spec, env) and its load generator, without HAProxy.

The load-generator tests talk to the Kong node emulator started in-process (lab.emulator).
"""

from __future__ import annotations

import json

import pytest

from lab import layout as lp
from lab.emulator import NodeSpec, start_nodes
from lab.loadgen import LoadGenerator
from lab.procs import free_port
from lab.state import lab_env
from rollout.plan import load_plan

pytestmark = pytest.mark.timeout(30)


def layout(mode: str = "dbless") -> lp.LabLayout:
    x, y = lp.node_names(3, "x"), lp.node_names(2, "y")
    names = x + y + ((lp.CP_NAME,) if mode == "hybrid" else ())
    urls = {n: {k: f"http://127.0.0.1:{9000 + i * 3 + j}" for j, k in enumerate(("admin", "status", "proxy"))}
            for i, n in enumerate(names)}
    return lp.LabLayout("abc123", mode, "3.4.3", "3.9.1", x, y, urls, "/tmp/lab/admin.sock", "/tmp/lab/haproxy.cfg", "/tmp/lab/b")


@pytest.mark.parametrize("mode", ["dbless", "hybrid"])
def test_the_lab_plan_is_valid_and_sized_for_a_short_rollout(mode):
    plan = load_plan("lab/plan.yml", text=lp.plan_text(layout(mode)))
    assert plan.mode == mode and [s.y for s in plan.steps] == [5, 25, 50, 100]
    assert sum(s.bake for s in plan.steps) + plan.finish.watch < 60
    assert plan.load_balancer.type == "haproxy" and plan.load_balancer.backend == lp.BACKEND
    assert plan.smoke[0].request.headers == {"apikey": "${env:TURNOUT_LAB_KEY}"}
    # 500 rps, 5% on Y, one window: enough requests for the gates to judge the first step
    assert 500 * 0.05 * plan.gates.window >= 2 * plan.gates.min_requests
    assert (plan.control_plane is not None) == (mode == "hybrid")
    assert plan.pools.y.nodes[0].hostname == ("y1.lab" if mode == "hybrid" else None)


@pytest.mark.parametrize("share", [0.0, 0.05])
def test_the_lab_scenarios_load_against_the_lab_plan(share):
    from sim.scenario import load_scenario

    plan = load_plan("lab/plan.yml", text=lp.plan_text(layout()))
    scenario = load_scenario("s.yml", plan, text=lp.scenario_text(600, share))
    assert scenario.traffic.rps == 600 and len(scenario.faults) == (1 if share else 0)


def test_haproxy_starts_at_100_percent_x_and_the_spec_plays_each_pool_version():
    lay = layout("hybrid")
    weights = {s.name: s.weight for s in lp.haproxy_servers(lay)}
    assert weights == {"x1": 100, "x2": 100, "x3": 100, "y1": 0, "y2": 0}
    spec = {n["name"]: n for n in lp.emulator_spec(lay, "k")["nodes"]}
    assert spec["cp"]["role"] == "control_plane" and spec["y1"]["control_plane"] == "cp"
    assert spec["x1"]["version"] == "3.4.3" and spec["y2"]["version"] == "3.9.1"


def test_a_stated_answer_time_reaches_every_node_and_the_written_scenario():
    """``LabOptions.answer_ms``: each node answers after a log-normal time with the stated p50 and p99,
    and the lab's scenario for ``turnout rehearse`` says the same numbers."""
    import random
    import statistics

    from lab.emulator.node import AnswerTime

    answer = {"p50": 1.0, "p99": 3.0}
    spec = lp.emulator_spec(lp.LabLayout("a", "dbless", "3.4.3", "3.9.1", ("x1",), ("y1",), answer_ms=answer), "k")
    assert [NodeSpec.from_dict(n).answer_ms for n in spec["nodes"]] == [answer, answer]
    rng, time = random.Random(1), AnswerTime(**answer)
    draws = sorted(time.draw(rng) * 1000 for _ in range(20000))
    assert statistics.median(draws) == pytest.approx(1.0, rel=0.05) and draws[19800] == pytest.approx(3.0, rel=0.1)
    assert lp.scenario_text(600, 0.0, answer).count("p50: 1.0") == 1
    with pytest.raises(ValueError, match="answer_ms"):
        NodeSpec.from_dict({"name": "n", "version": "3.4.3", "answer_ms": {"p50": 2.0, "p99": 1.0}})


def test_lab_env_is_given_only_to_the_plan_the_lab_wrote(tmp_path):
    (tmp_path / "env").write_text(lp.env_text("the-key"))
    (tmp_path / "lab.json").write_text(json.dumps({"plan": str(tmp_path / "plan.yml"), "env": str(tmp_path / "env")}))
    assert lab_env(str(tmp_path / "plan.yml")) == {"TURNOUT_LAB_KEY": "the-key"}
    assert lab_env(str(tmp_path / "other.yml")) == {}
    assert lab_env(str(tmp_path / "nowhere" / "plan.yml")) == {}
    assert lp.parse_env("# c\nexport A='1'\nB=2\n\n") == {"A": "1", "B": "2"}


async def test_the_load_generator_counts_http_and_socket_failures_and_who_failed():
    """In-process emulator: x1 answers 500 to every request; a closed port gives socket errors."""
    cluster = await start_nodes([NodeSpec("x1", "3.4.3", api_key="k")])
    try:
        cluster["x1"].faults.update({"error_share": 1.0})
        proxy = cluster["x1"].urls()["proxy"]
        seconds = []
        report = await LoadGenerator(proxy + "/echo", 400, duration=1.0, headers={"apikey": "k"},
                                     on_second=seconds.append).run()
        assert report.sent == 400 and report.failed == 400 and report.http_errors == {"500": 400}
        assert report.failed_by_node == {"x1": 400} and sum(s.sent for s in seconds) == 400
        assert cluster["x1"].counters.requests == 400
    finally:
        await cluster.stop()
    closed = await LoadGenerator(f"http://127.0.0.1:{free_port()}/echo", 100, count=20, timeout=1.0).run()
    assert closed.sent == 20 and closed.failed == 20 and sum(closed.socket_errors.values()) == 20


def test_a_load_run_must_be_bounded():
    with pytest.raises(ValueError):
        LoadGenerator("http://127.0.0.1:1/", 100)
