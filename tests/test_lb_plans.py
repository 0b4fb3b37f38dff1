"""The example plans in plans/ wire to their real adapters (no I/O: nothing is contacted)."""

import json
import shlex
from pathlib import Path

import pytest

from adapters.command import CommandBalancer
from adapters.lb import build_load_balancer
from adapters.metrics import build_metrics
from rollout.plan import load_plan

PLANS = Path(__file__).resolve().parent.parent / "plans"
EXAMPLES = ["haproxy-example.yml", "nginx-example.yml", "nginx-lua-example.yml", "k8s-gateway-api.yml", "weighted-dns.yml"]


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_plan_builds_its_adapters(name):
    plan = load_plan(str(PLANS / name))
    lb = build_load_balancer(plan)
    assert isinstance(lb.warnings, list)
    assert build_metrics(plan, lb) is not None


def test_gateway_api_patch_is_json():
    plan = load_plan(str(PLANS / "k8s-gateway-api.yml"))
    lb = build_load_balancer(plan)
    assert isinstance(lb, CommandBalancer)
    argv = shlex.split(lb.render(10, 90, frozenset(["kong-34", "kong-39"])))
    patch = json.loads(argv[argv.index("-p") + 1])
    assert [op["value"] for op in patch] == [10, 90]
    assert "{.spec.rules[0].backendRefs[0].weight}" in lb.spec.get_weights.format()
