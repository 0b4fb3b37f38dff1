"""Preflight end to end through the real Kong adapter (adapters/kong.py) against the lab's Kong node
emulator (lab/emulator) on loopback: 2.8-, 3.4- and 3.9-shaped nodes, DB-less and hybrid."""

from __future__ import annotations

import pytest

from adapters.kong import KongAdmin, KongControlPlane
from adapters.live import AsyncioRuntime
from lab.emulator import NodeSpec, start_nodes
from rollout.plan import load_plan
from rollout.ports import World
from tui.cmd_preflight import gather_and_check

pytestmark = pytest.mark.timeout(30)


def _node(name: str, urls: dict) -> str:
    keys = ", ".join(f'{k}: "{urls[k]}"' for k in ("admin", "status", "proxy") if k in urls)
    return f"{{name: {name}, {keys}}}"


def _plan(cluster, x: str, y: str, mode: str = "dbless", cp: str | None = None):
    xs = ", ".join(_node(n, cluster[n].urls()) for n in ("x1", "x2"))
    ys = ", ".join(_node(n, cluster[n].urls()) for n in ("y1", "y2"))
    extra = f'control_plane: {{admin: "{cluster["cp"].urls()["admin"]}", version: "{cp}"}}\n' if cp else ""
    text = (f'turnout: 1\nname: emulated\nmode: {mode}\npools:\n  x: {{version: "{x}", nodes: [{xs}]}}\n'
            f'  y: {{version: "{y}", nodes: [{ys}]}}\nload_balancer: {{type: command, set_weights: "true"}}\nmetrics: {{source: kong}}\n'
            f'steps: [{{y: 10}}, {{y: 100}}]\n{extra}')
    return load_plan("emulated.yml", text)


async def _check(cluster, plan, tmp_path):
    kong = KongAdmin(plan)
    cp = KongControlPlane(plan) if plan.control_plane else None
    world = World(plan=plan, runtime=AsyncioRuntime(), kong=kong, lb=None, metrics=None, fleet=None,  # type: ignore[arg-type]
                  control_plane=cp, run_dir=str(tmp_path))
    try:
        return await gather_and_check(plan, world)
    finally:
        await kong.aclose()
        if cp:
            await cp.aclose()


def failures(results):
    return {(r.name, r.node) for r in results if r.status == "fail"}


async def test_lts_hop_from_28_to_34_passes_and_lints_the_28_config(tmp_path):
    cluster = await start_nodes([NodeSpec("x1", "2.8.5"), NodeSpec("x2", "2.8.5"), NodeSpec("y1", "3.4.2"), NodeSpec("y2", "3.4.2")])
    try:
        results = await _check(cluster, _plan(cluster, "2.8.5", "3.4.2"), tmp_path)
    finally:
        await cluster.stop()
    assert failures(results) == set()
    lint = [r for r in results if r.name == "config lint"]
    assert lint and all(r.status == "warn" and r.evidence.startswith("x1's config line") for r in lint)


async def test_missing_plugin_drifting_hash_and_unreachable_status_api_fail_with_their_nodes(tmp_path):
    specs = [NodeSpec("x1", "3.4.2"), NodeSpec("x2", "3.4.2"), NodeSpec("y1", "3.9.1", status=False),
             NodeSpec("y2", "3.9.1", plugins=["prometheus"])]
    cluster = await start_nodes(specs)
    try:
        cluster["x2"].faults.update({"config_hash": "f" * 32})
        results = await _check(cluster, _plan(cluster, "3.4.2", "3.9.1"), tmp_path)
    finally:
        await cluster.stop()
    fails = failures(results)
    assert ("X config hash consistent", "x2") in fails
    assert ("Y has every plugin in use", "y2") in fails
    assert ("Y Status API reachable", "y1") in fails
    [status_api] = [r for r in results if r.name == "Y Status API reachable"]
    assert "3.6+" in status_api.evidence
    [plugins] = [r for r in results if r.name == "Y has every plugin in use"]
    assert "key-auth" in plugins.evidence


async def test_hybrid_dp_with_plugin_set_incompatible_fails(tmp_path):
    specs = [NodeSpec("cp", "3.4.2", role="control_plane", proxy=False)] + [
        NodeSpec(n, v, role="data_plane", control_plane="cp") for n, v in
        (("x1", "3.3.0"), ("x2", "3.3.0"), ("y1", "3.4.2"), ("y2", "3.4.2"))]
    cluster = await start_nodes(specs)
    try:
        cluster["x2"].faults.update({"sync_status": "plugin_set_incompatible"})
        results = await _check(cluster, _plan(cluster, "3.3.0", "3.4.2", mode="hybrid", cp="3.4.2"), tmp_path)
    finally:
        await cluster.stop()
    sync = [r for r in results if r.name == "data planes in sync" and r.status == "fail"]
    assert sync and all("plugin_set_incompatible" in r.evidence for r in sync)
    assert [r.status for r in results if r.name == "control plane first"] == ["pass"]
    assert {r.status for r in results if r.name == "X role data_plane"} == {"pass"}
