"""Small plans and scenarios for the rehearsal tests (the simulated world; no server is started)."""

from __future__ import annotations

from rollout.plan import load_plan
from sim.scenario import load_scenario

SMALL_PLAN = """
turnout: 1
name: small rehearsal
mode: dbless
pools:
  x: {version: "3.4.3", nodes: [{name: x1}, {name: x2}]}
  y: {version: "3.9.1", nodes: [{name: y1}, {name: y2}]}
load_balancer: {type: sim, propagation: 1s}
smoke:
  - {name: key-auth accepts a valid key, request: {path: /echo, headers: {apikey: "${env:SMOKE_KEY}"}}, expect: {status: 200}}
steps:
  - {y: 10, bake: 30s}
  - {y: 50, bake: 30s}
  - {y: 100, bake: 30s}
gates: {window: 10s, min_requests: 50, failures_to_rollback: 2}
finish: {decommission_x: true, watch: 30s}
"""


def small_plan(tmp_path, text: str = SMALL_PLAN):
    path = tmp_path / "small.yml"
    path.write_text(text)
    return load_plan(str(path))


def scenario(tmp_path, text: str, plan=None, name: str = "scenario.yml"):
    path = tmp_path / name
    path.write_text(text)
    return load_scenario(str(path), plan)
