"""nginx reload mode against a real nginx on loopback: weights, `down`, and a failing `nginx -t`."""

import asyncio

import pytest

from adapters.lb import build_load_balancer
from adapters.nginx_config import read_upstream
from rollout.errors import Rejected

from .realparts import burst, make_plan, pool_split

pytestmark = pytest.mark.nginx
ALL = frozenset(["x1", "x2", "x3", "y1", "y2", "y3"])
SETTLE_S = 0.5  # old workers finish their keep-alive connections after the reload signal


@pytest.mark.parametrize("x,y", [(90, 10), (50, 50)])
async def test_weights_written_reloaded_and_observed(nginx_reload_lab, x, y):
    lab = nginx_reload_lab
    lb = build_load_balancer(lab.plan)
    assert await lb.set_weights(x, y, ALL) == (x, y)
    assert await lb.get_weights() == (x, y)
    await asyncio.sleep(SETTLE_S)
    before = lab.backends.counts()
    outcome = await burst(lab.nginx.url, 400)
    assert outcome == {"200": 400}
    assert abs(pool_split(before, lab.backends.counts())[1] - y) <= 3


async def test_zero_percent_is_written_down(nginx_reload_lab):
    lab = nginx_reload_lab
    lb = build_load_balancer(lab.plan)
    assert await lb.set_weights(0, 100, ALL - {"y3"}) == (0, 100)
    servers = {s.node: s.weight for s in read_upstream(open(lab.upstream_file).read())}
    assert servers["x1"] == servers["x2"] == servers["x3"] == servers["y3"] == 0
    assert " down;" in open(lab.upstream_file).read() and "weight=0" not in open(lab.upstream_file).read()
    await asyncio.sleep(SETTLE_S)
    before = lab.backends.counts()
    await burst(lab.nginx.url, 200)
    after = lab.backends.counts()
    assert all(after[n] == before[n] for n in ("x1", "x2", "x3", "y3"))


async def test_failing_nginx_t_restores_the_previous_file(nginx_reload_lab):
    lab = nginx_reload_lab
    previous = open(lab.upstream_file).read()
    nodes = {p: [{"name": n.name, "server": n.server} for n in getattr(lab.plan.pools, p).nodes] for p in "xy"}
    nodes["y"][0]["server"] = "no-such-host.invalid:8000"
    spec = lab.plan.load_balancer.model_dump()
    lb = build_load_balancer(make_plan(spec, nodes=nodes))
    with pytest.raises(Rejected) as err:
        await lb.set_weights(50, 50, ALL)
    message = str(err.value)
    assert message.startswith(f"nginx {lab.upstream_file}: nginx -t: rejected: exit 1:")
    assert "host not found in upstream" in message and "previous file restored" in message and "\n" not in message
    assert open(lab.upstream_file).read() == previous
    assert await burst(lab.nginx.url, 50) == {"200": 50}  # still serving the old config


async def test_pool_without_healthy_node_is_rejected(nginx_reload_lab):
    lb = build_load_balancer(nginx_reload_lab.plan)
    previous = open(nginx_reload_lab.upstream_file).read()
    with pytest.raises(Rejected, match="pool Y has no healthy node for its 10% share"):
        await lb.set_weights(90, 10, frozenset(["x1"]))
    assert open(nginx_reload_lab.upstream_file).read() == previous
