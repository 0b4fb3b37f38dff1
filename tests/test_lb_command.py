"""The command load balancer: shell templates run for real (sh), success, failure and timeout."""

import time

import pytest

from adapters.command import parse_split
from adapters.lb import build_load_balancer
from rollout.errors import PlanError, Rejected, Timeout

from .realparts import make_plan

ALL = frozenset(["x1", "x2", "x3", "y1", "y2", "y3"])


def command_lb(**keys):
    return build_load_balancer(make_plan({"type": "command"} | keys))


async def test_set_then_read_back(tmp_path):
    state = tmp_path / "weights"
    lb = command_lb(set_weights=f"echo {{x}} {{y}} > {state}; echo {{x_weight}} {{y_weight}} {{y_nodes}} > {state}.nodes",
                    get_weights=f"cat {state}")
    assert await lb.set_weights(90, 10, ALL - {"y3"}) == (90, 10)
    assert await lb.get_weights() == (90, 10)
    assert (tmp_path / "weights.nodes").read_text().split() == ["30", "5", "y1", "y2"]
    assert lb.warnings == []


async def test_without_get_weights_the_split_is_the_one_sent():
    lb = command_lb(set_weights="true")
    assert lb.warnings and "cannot be read back" in lb.warnings[0]
    assert await lb.set_weights(25, 75, ALL) == (25, 75)
    assert await lb.get_weights() == (25, 75)


async def test_non_zero_exit_reports_code_and_stderr():
    lb = command_lb(set_weights="echo 'progress' >&2; echo 'error: route kong not found' >&2; exit 3")
    with pytest.raises(Rejected) as err:
        await lb.set_weights(50, 50, ALL)
    assert str(err.value) == "command load balancer: set_weights: rejected: exit 3: error: route kong not found"


async def test_garbage_from_get_weights_is_rejected():
    lb = command_lb(set_weights="true", get_weights="echo fifty-fifty")
    with pytest.raises(Rejected, match="expected 'X Y'"):
        await lb.get_weights()


async def test_timeout_kills_the_command():
    lb = command_lb(set_weights="sleep 30", timeout="0.3s")
    started = time.monotonic()
    with pytest.raises(Timeout, match=r"set_weights: timed out: still running after 0.3s \(killed\)"):
        await lb.set_weights(50, 50, ALL)
    assert time.monotonic() - started < 5


def test_unknown_placeholder_is_bad_input():
    with pytest.raises(PlanError, match=r"load_balancer.set_weights: unknown placeholder \{weight\}"):
        command_lb(set_weights="lbctl set {weight}")


def test_parse_split():
    assert parse_split("90 10\n") == (90, 10)
    assert parse_split("90,10") == (90, 10)
    with pytest.raises(ValueError):
        parse_split("")


def test_sim_plans_are_refused_live():
    with pytest.raises(PlanError, match="sim plans run only in rehearsal"):
        build_load_balancer(make_plan({"type": "sim"}))
