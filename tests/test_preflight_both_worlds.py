"""A preflight failure reads the same in a rehearsal (simulated world) and against Kong-shaped nodes
(the Kong node emulator, through the real Kong adapter): one engine, one checklist."""

import yaml

from adapters.kong import KongAdmin
from adapters.live import AsyncioRuntime
from lab.emulator import NodeSpec, start_nodes
from rollout import commands as cmd
from rollout.execute import execute
from rollout.plan import load_plan
from rollout.ports import World
from sim.runner import run_one

from .preflight_samples import Unused


def plan_text(urls: dict | None = None) -> str:
    def node(name):
        u = (urls or {}).get(name, {})
        return {"name": name, **{k: u[k] for k in ("admin", "status", "proxy") if u.get(k)}}
    return yaml.safe_dump({
        "turnout": 1, "name": "wrong hop", "mode": "dbless",
        "pools": {"x": {"version": "2.8.5", "nodes": [node("x1")]}, "y": {"version": "3.9.1", "nodes": [node("y1")]}},
        "load_balancer": {"type": "sim"}, "steps": [{"y": 50, "bake": "1m"}, {"y": 100, "bake": "1m"}],
        "finish": {"watch": "1m"}})


async def test_an_unsupported_hop_halts_both_worlds_with_the_same_evidence():
    rehearsal = run_one(load_plan("wrong-hop.yml", plan_text()), seed=3)
    assert rehearsal.outcome == "halted" and rehearsal.detection.gate == "preflight"
    assert rehearsal.final_weights == (100, 0)

    cluster = await start_nodes([NodeSpec("x1", "2.8.5"), NodeSpec("y1", "3.9.1")])
    try:
        plan = load_plan("wrong-hop.yml", plan_text({n: cluster[n].urls() for n in ("x1", "y1")}))
        world = World(plan=plan, runtime=AsyncioRuntime(), kong=KongAdmin(plan), lb=Unused(), metrics=Unused(), fleet=Unused())
        answer = await execute(cmd.RunPreflight(), world)
    finally:
        await cluster.stop()
    live_fail = [r for r in answer.results if r.name == "upgrade path"]
    sim_fail = [e.event for e in rehearsal.timeline if "preflight failed" in e.event]
    assert live_fail and live_fail[0].status == "fail"
    assert sim_fail and live_fail[0].evidence in sim_fail[0]
