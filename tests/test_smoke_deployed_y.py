"""The smoke phase re-checks Y once deployed (Y started by provision was not there at preflight).

Talks to no server: NodeInfos and DP rows are built from Kong's response samples (tests/preflight_samples.py).
"""

import dataclasses

from rollout import commands as cmd
from rollout import events as ev
from rollout.engine import Engine
from rollout.execute import execute
from rollout.phases import Phase

from .preflight_samples import dp_rows, infos_for, make_plan, sample_world


def at_smoke(plan) -> Engine:
    """An engine brought to SMOKE_Y by the events that lead there (engine state is never assigned)."""
    engine = Engine(plan)
    for event in (ev.RunStarted(0.0), ev.PreflightChecked(1.0), ev.ConfigFrozen(2.0), ev.ConfigBackedUp(3.0),
                  ev.NodesStarted(4.0, "y", plan.pools.y.names)):
        engine.handle(event)
    assert engine.phase == Phase.SMOKE_Y
    return engine


async def test_a_deployed_y_node_missing_a_plugin_fails_the_smoke_phase():
    plan = make_plan("3.4.2", "3.9.3", extra="provision: {start_y: 'deploy {name}'}\n")
    infos = infos_for(plan, "3.4", "3.9")  # the samples' nodes have only "acl" available
    infos = [dataclasses.replace(i, plugins_available=i.plugins_available + ("key-auth",)) if i.node == "y1" else i for i in infos]
    infos = [dataclasses.replace(i, plugins_enabled=("key-auth",)) if i.node.startswith("x") else i for i in infos]
    answer = await execute(cmd.RunSmoke(("y1", "y2")), sample_world(plan, infos))
    failed = [r for r in answer.results if not r.ok]
    assert [(r.check, r.node) for r in failed] == [("Y has every plugin in use", "y2")]
    engine = at_smoke(plan)
    engine.handle(answer)
    assert engine.phase == Phase.PAUSED and engine.detection.gate == "smoke" and "key-auth" in engine.reason


async def test_healthy_deployed_y_passes_with_only_the_smoke_requests():
    plan = make_plan("3.4.2", "3.9.3", extra="smoke:\n  - {name: echo, request: {path: /echo}}\n")
    answer = await execute(cmd.RunSmoke(("y1", "y2")), sample_world(plan, infos_for(plan, "3.4", "3.9")))
    assert isinstance(answer, ev.SmokeChecked)
    assert [(r.check, r.node, r.ok) for r in answer.results] == [("echo", "y1", True), ("echo", "y2", True)]


async def test_hybrid_y_dp_not_listed_by_the_control_plane_fails():
    """A DP reaches its CP: each Y DP must be in GET /clustering/data-planes, in sync."""
    plan = make_plan("3.4.2", "3.4.2", mode="hybrid",
                     extra="control_plane: {admin: 'http://cp:8001', version: '3.4.2'}\n")
    rows = dp_rows()
    rows = [dataclasses.replace(rows[0], hostname="y1", sync_status="plugin_set_incompatible")]
    infos = [dataclasses.replace(i, role="data_plane") for i in infos_for(plan, "3.4", "3.4")]
    answer = await execute(cmd.RunSmoke(("y1", "y2")), sample_world(plan, infos, rows=rows))
    failed = {(r.check, r.node, r.got) for r in answer.results if not r.ok}
    assert ("data planes in sync", "y2", "absent") in failed
    assert ("data planes in sync", "y1", "plugin_set_incompatible") in failed


async def test_a_y_node_provision_should_have_started_but_that_is_down_fails():
    """At preflight such a node only warns (provision starts it later); once deployed it must answer."""
    plan = make_plan("3.4.2", "3.9.3", extra="provision: {start_y: 'deploy {name}'}\n")
    infos = [dataclasses.replace(i, reachable=False, error="y2: GET /: unreachable: connection refused") if i.node == "y2" else i
             for i in infos_for(plan, "3.4", "3.9")]
    answer = await execute(cmd.RunSmoke(("y1", "y2")), sample_world(plan, infos))
    assert [(r.check, r.node) for r in answer.results if not r.ok] == [("Y reachable", "y2")]
