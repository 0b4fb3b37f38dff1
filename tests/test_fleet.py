"""Node fleet: the plan's provision templates start Y and stop X, and StartNodes waits for readiness.

Runs real shell commands (sh) in tmp_path; the Kong side is an in-memory stub whose nodes become
ready after a given number of probes (no server).
"""

import pytest

from adapters.fleet import CommandFleet, run_template
from adapters.live import AsyncioRuntime
from rollout import commands as cmd
from rollout import events as ev
from rollout.errors import Rejected, Timeout
from rollout.execute import execute
from rollout.observations import NodeProbe
from rollout.plan import load_plan
from rollout.ports import World

from .fake_world import FakeLB, FakeMetrics


def plan_with(tmp_path, start_y: str, stop_x: str, ready: str = "5m"):
    return load_plan("fleet.yml", f"""
turnout: 1
name: fleet
mode: dbless
pools:
  x: {{version: "3.4.3", nodes: [{{name: x1}}, {{name: x2}}]}}
  y: {{version: "3.9.1", nodes: [{{name: y1}}, {{name: y2}}]}}
load_balancer: {{type: haproxy, socket: /nonexistent.sock, backend: kong}}
provision: {{start_y: "{start_y}", stop_x: "{stop_x}"}}
timeouts: {{ready: {ready}}}
steps: [{{y: 100}}]
""")


class SlowToReady:
    """Each node answers not ready to its first ``polls`` probes."""

    def __init__(self, polls: int):
        self.polls = polls
        self.seen: dict[str, int] = {}

    async def probe(self, node):
        self.seen[node.name] = self.seen.get(node.name, 0) + 1
        ready = self.seen[node.name] > self.polls
        return NodeProbe(node.name, True, ready, message="" if ready else "router builds not yet complete")


def world(plan, kong):
    lb = FakeLB()
    return World(plan=plan, runtime=AsyncioRuntime(), kong=kong, lb=lb, metrics=FakeMetrics(lb), fleet=CommandFleet(plan))


async def test_start_runs_the_template_per_node_then_waits_until_ready(tmp_path):
    log = tmp_path / "fleet.log"
    plan = plan_with(tmp_path, f"echo start {{name}} >> {log}", f"echo stop {{name}} >> {log}")
    kong = SlowToReady(polls=1)
    answer = await execute(cmd.StartNodes("y", ("y1", "y2")), world(plan, kong))
    assert answer == ev.NodesStarted(answer.at, "y", ("y1", "y2"))
    assert kong.seen == {"y1": 2, "y2": 2}  # probed until ready
    await execute(cmd.StopNodes("x", ("x1", "x2")), world(plan, kong))
    assert log.read_text().split("\n")[:-1] == ["start y1", "start y2", "stop x1", "stop x2"]


async def test_a_node_that_never_gets_ready_times_out_naming_it(tmp_path):
    plan = plan_with(tmp_path, "true", "true", ready="1500ms")
    answer = await execute(cmd.StartNodes("y", ("y1",)), world(plan, SlowToReady(polls=99)))
    assert isinstance(answer, ev.CommandFailed) and answer.command == "StartNodes"
    assert answer.error.startswith("y1: wait for ready: timed out") and "router builds" in answer.error


async def test_a_failing_template_reports_node_exit_code_and_stderr(tmp_path):
    plan = plan_with(tmp_path, "echo no capacity left >&2; exit 3", "true")
    with pytest.raises(Rejected) as info:
        await CommandFleet(plan).start(plan.node("y1"))
    assert str(info.value) == "y1: provision start: rejected: exit 3: no capacity left"


async def test_a_hanging_template_is_killed(tmp_path):
    plan = plan_with(tmp_path, "sleep 30", "true")
    with pytest.raises(Timeout, match="y1: provision start: timed out"):
        await run_template("sleep 30", plan.node("y1"), "start", timeout=0.3)
