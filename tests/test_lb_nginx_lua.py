"""nginx + the shipped Lua balancer snippet (Debian libnginx-mod-http-lua) on loopback."""

import asyncio

import httpx
import pytest

from adapters.lb import build_load_balancer
from adapters.metrics import build_metrics
from adapters.lb_stats import LuaPoolStats
from rollout.errors import Rejected

from .realparts import burst, pool_split

pytestmark = pytest.mark.nginx
ALL = frozenset(["x1", "x2", "x3", "y1", "y2", "y3"])


@pytest.mark.parametrize("x,y", [(90, 10), (0, 100)])
async def test_split_without_a_reload(nginx_lua_lab, x, y):
    lab = nginx_lua_lab
    lb = build_load_balancer(lab.plan)
    assert await lb.get_weights() == (100, 0)  # init_by_lua's defaults
    assert await lb.set_weights(x, y, ALL) == (x, y)
    before = lab.backends.counts()
    outcome = await burst(lab.nginx.url, 400)  # right away: no settling, no reload
    assert outcome == {"200": 400}
    assert abs(pool_split(before, lab.backends.counts())[1] - y) <= 6  # weighted random, not exact
    log = (lab.nginx.dir / "error.log").read_text()
    assert "SIGHUP" not in log and "reconfiguring" not in log


async def test_pool_counters_feed_the_lb_metrics_source(nginx_lua_lab):
    lab = nginx_lua_lab
    lb = build_load_balancer(lab.plan)
    metrics = build_metrics(lab.plan, lb)
    assert isinstance(metrics, LuaPoolStats)
    await lb.set_weights(50, 50, ALL)
    await metrics.window(0.0, 1.0)  # baseline
    lab.backends.set_mode("y2", fail=1.0)
    outcome = await burst(lab.nginx.url, 300)
    # The snippet counts in nginx's log phase, which runs after the response has been sent:
    # give the last requests' log phase a moment before reading the window.
    await asyncio.sleep(0.3)
    x, y = await metrics.window(1.0, 2.0)
    assert x.requests + y.requests == 300
    assert x.errors == 0 and y.errors == outcome.get("500", 0) > 0


async def test_admin_refuses_a_bad_split(nginx_lua_lab):
    async with httpx.AsyncClient() as client:
        resp = await client.post(nginx_lua_lab.admin, params={"x": 50, "y": 60})
    assert resp.status_code == 400 and "x + y = 100" in resp.text
    lb = build_load_balancer(nginx_lua_lab.plan)
    assert await lb.get_weights() == (100, 0)
    with pytest.raises(Rejected, match="pool X has no healthy node"):
        await lb.set_weights(50, 50, frozenset(["y1"]))
