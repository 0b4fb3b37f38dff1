"""Bad days at the Kong end, through the real Kong adapter and the engine: a wrong token, an HTTP 500,
a timeout, a node nobody listens on. Each halts the run at preflight, before any traffic moves,
with one line naming the node and the call, and never the token.

Talks to the Kong node emulator (lab/emulator) on loopback; the closed-port case talks to a
port nobody listens on.
"""


import pytest
import yaml

from adapters.kong import KongAdmin
from adapters.live import AsyncioRuntime
from lab.emulator import NodeSpec, start_nodes
from lab.procs import free_port
from rollout import commands as cmd
from rollout import events as ev
from rollout.engine import Engine
from rollout.execute import execute
from rollout.phases import Phase
from rollout.plan import load_plan
from rollout.ports import World

from .preflight_samples import Unused

TOKEN = "right-token-7c6b5a"


def plan_for(urls: dict) -> object:
    def node(name):
        return {"name": name, **{k: v for k, v in urls[name].items() if k in ("admin", "status", "proxy")}}
    text = yaml.safe_dump({
        "turnout": 1, "name": "bad day", "mode": "dbless",
        "pools": {"x": {"version": "3.4.2", "nodes": [node("x1")]}, "y": {"version": "3.4.3", "nodes": [node("y1")]}},
        "admin_auth": {"token_env": "TURNOUT_TEST_TOKEN"}, "timeouts": {"request": "500ms", "retries": 0},
        "load_balancer": {"type": "sim"}, "steps": [{"y": 100}]})
    return load_plan("bad-day.yml", text)


CASES = [
    ("wrong token", {}, "wrong-token-000", "x1: GET /: rejected: HTTP 401"),
    ("HTTP 500", {"admin_status": 500}, TOKEN, "x1: GET /: rejected: HTTP 500"),
    ("timeout", {"latency_ms": 1500}, TOKEN, "x1: GET /: timed out"),
    ("unreachable", None, TOKEN, "x1: GET /: unreachable"),
]


@pytest.mark.parametrize("what,fault,token,expected", CASES, ids=[c[0] for c in CASES])
async def test_a_bad_x_node_halts_the_run_at_preflight_with_one_clear_line(monkeypatch, what, fault, token, expected):
    monkeypatch.setenv("TURNOUT_TEST_TOKEN", token)
    cluster = await start_nodes([NodeSpec("x1", "3.4.2", admin_token=TOKEN), NodeSpec("y1", "3.4.3", admin_token=TOKEN)])
    try:
        urls = {n: cluster[n].urls() for n in ("x1", "y1")}
        if fault is None:
            urls["x1"] = {k: f"http://127.0.0.1:{free_port()}" for k in ("admin", "status", "proxy")}
        else:
            cluster["x1"].faults.update(fault)
        plan = plan_for(urls)
        world = World(plan=plan, runtime=AsyncioRuntime(), kong=KongAdmin(plan), lb=Unused(), metrics=Unused(), fleet=Unused())
        engine = Engine(plan)
        commands = engine.handle(ev.RunStarted(world.runtime.now(), plan.name))
        answer = await execute(commands[0], world)
        out = engine.handle(answer)
    finally:
        await cluster.stop()
    assert isinstance(commands[0], cmd.RunPreflight)
    assert engine.phase == Phase.HALTED and engine.applied is None  # nothing moved
    assert engine.detection.gate == "preflight"
    failed = [r for r in answer.results if r.status == "fail" and r.node == "x1"]
    assert failed and failed[0].evidence.startswith(expected), failed
    assert all("\n" not in r.evidence and token not in r.evidence for r in answer.results)
    assert expected in engine.reason and token not in engine.reason
    assert any(isinstance(c, cmd.Notify) and c.level == "error" for c in out)
