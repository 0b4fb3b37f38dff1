"""The HAProxy adapter against a real HAProxy on loopback (tests/realparts.py), backends x1..x3, y1..y3.

The observed split comes from the backends' own counters, not from HAProxy's.
"""

import asyncio
import os

import pytest

from adapters.haproxy import HAProxyBalancer
from adapters.lb import build_load_balancer
from lab.procs import stop
from rollout.errors import Rejected, Timeout, Unreachable
from rollout.plan import HAProxyLB

from .realparts import burst, make_plan, pool_split

pytestmark = pytest.mark.haproxy
ALL = frozenset(["x1", "x2", "x3", "y1", "y2", "y3"])


def balancer(lab, **keys) -> HAProxyBalancer:
    spec = {"type": "haproxy", "socket": lab.haproxy.socket, "backend": "be", "state_file": lab.haproxy.state_file} | keys
    return build_load_balancer(make_plan(spec))


@pytest.mark.parametrize("x,y", [(90, 10), (50, 50), (0, 100)])
async def test_split_seen_by_the_backends(haproxy_lab, x, y):
    lb = balancer(haproxy_lab)
    assert await lb.set_weights(x, y, ALL) == (x, y)
    assert await lb.get_weights() == (x, y)
    before = haproxy_lab.backends.counts()
    outcome = await burst(haproxy_lab.haproxy.url, 400)
    seen_x, seen_y = pool_split(before, haproxy_lab.backends.counts())
    assert outcome == {"200": 400}
    assert abs(seen_y - y) <= 2, (seen_x, seen_y)


async def test_tcp_runtime_api_and_unhealthy_nodes_get_zero(haproxy_lab):
    lb = balancer(haproxy_lab, socket=haproxy_lab.haproxy.tcp)
    assert await lb.set_weights(50, 50, ALL - {"y1"}) == (50, 50)
    states = await lb.server_states()
    assert states["y1"].weight == 0 and states["y2"].weight > 0 and states["x1"].weight > 0
    before = haproxy_lab.backends.counts()
    await burst(haproxy_lab.haproxy.url, 200)
    assert haproxy_lab.backends.counts()["y1"] == before["y1"]


async def test_pool_without_healthy_server_is_rejected(haproxy_lab):
    lb = balancer(haproxy_lab)
    with pytest.raises(Rejected, match="pool Y has no healthy server for its 10% share"):
        await lb.set_weights(90, 10, frozenset(["x1", "x2", "x3"]))
    assert await lb.get_weights() == (100, 0)  # nothing was sent


async def test_retire_drains_then_maint(haproxy_lab):
    lb = balancer(haproxy_lab)
    await lb.set_weights(0, 100, ALL)
    await lb.retire([lb.x_nodes[0], lb.x_nodes[1]])
    states = await lb.server_states()
    assert states["x1"].admin_state & 1 and states["x2"].admin_state & 1 and not states["x3"].admin_state & 1
    assert states["x1"].weight == 0
    rows = {r["svname"]: r["status"] for r in await lb.stat_rows()}
    assert rows["x1"] == "MAINT" and rows["x2"] == "MAINT"


async def test_no_such_server_is_rejected_with_the_reply(haproxy_lab):
    plan = make_plan(
        {"type": "haproxy", "socket": haproxy_lab.haproxy.socket, "backend": "be"},
        nodes={"x": [{"name": "x1"}], "y": [{"name": "y1", "server": "nosuch"}]},
    )
    lb = build_load_balancer(plan)
    with pytest.raises(Rejected) as err:
        await lb.set_weights(50, 50, frozenset(["x1", "y1"]))
    assert "set weight be/nosuch" in str(err.value) and "No such server." in str(err.value)
    assert "\n" not in str(err.value)


async def test_out_of_range_weight_is_rejected(haproxy_lab):
    """A limit above HAProxy's 256 (the plan refuses it; built here past validation) must not pass silently."""
    spec = HAProxyLB.model_construct(type="haproxy", socket=haproxy_lab.haproxy.socket, backend="be",
                                     config=None, state_file=None, max_weight=300, drain_timeout=1.0)
    lb = HAProxyBalancer(spec, make_plan({"type": "haproxy", "socket": "s", "backend": "be"}).pools)
    with pytest.raises(Rejected, match="Absolute weight can only be between 0 and 256 inclusive"):
        await lb.set_weights(100, 0, ALL)


async def _until_refused(path: str, within: float = 5.0) -> None:
    """The master is gone once ``stop`` returns, but a soft-stopping worker may still hold the
    runtime socket for a moment on a loaded machine: wait (bounded) until nobody answers on it."""
    deadline = asyncio.get_running_loop().time() + within
    while asyncio.get_running_loop().time() < deadline:
        try:
            _, writer = await asyncio.open_unix_connection(path)
        except OSError:
            return
        writer.close()
        await asyncio.sleep(0.05)
    pytest.fail(f"{path} still answers {within:g}s after HAProxy was stopped")


async def test_socket_gone_is_unreachable(haproxy_lab):
    lb = balancer(haproxy_lab)
    stop(haproxy_lab.haproxy.proc)
    await _until_refused(haproxy_lab.haproxy.socket)
    with pytest.raises(Unreachable, match=f"haproxy {haproxy_lab.haproxy.socket}: set weight: unreachable"):
        await lb.set_weights(50, 50, ALL)
    tcp = balancer(haproxy_lab, socket=haproxy_lab.haproxy.tcp)
    with pytest.raises(Unreachable, match="Connection refused"):
        await tcp.get_weights()


async def test_silent_socket_times_out(tmp_path):
    """A socket that accepts and never answers (no HAProxy at all)."""
    path = str(tmp_path / "silent.sock")
    server = await asyncio.start_unix_server(lambda r, w: asyncio.sleep(5), path)
    try:
        plan = make_plan({"type": "haproxy", "socket": path, "backend": "be"})
        lb = HAProxyBalancer(plan.load_balancer, plan.pools, timeout=0.3)
        with pytest.raises(Timeout, match="no reply within 0.3s"):
            await lb.get_weights()
    finally:
        server.close()


async def test_state_file_saved_and_weights_survive_a_reload(haproxy_lab):
    lb = balancer(haproxy_lab, state_file=None, config=str(haproxy_lab.haproxy.cfg))
    assert lb.state_file == haproxy_lab.haproxy.state_file and lb.warnings == []
    await lb.set_weights(70, 30, ALL)
    saved = open(lb.state_file).read()
    assert saved.startswith("1\n# be_id") and " y1 " in saved
    haproxy_lab.haproxy.reload()
    assert await lb.get_weights() == (70, 30)


async def test_weights_lost_on_reload_without_state_file_and_warned(haproxy_lab, tmp_path):
    cfg = tmp_path / "plain.cfg"
    cfg.write_text("global\n    log stderr local0\ndefaults\n    mode http\n")
    lb = balancer(haproxy_lab, state_file=None, config=str(cfg))
    assert lb.warnings and "has no server-state-file" in lb.warnings[0]
    os.remove(haproxy_lab.haproxy.state_file) if os.path.exists(haproxy_lab.haproxy.state_file) else None
    await lb.set_weights(70, 30, ALL)
    haproxy_lab.haproxy.reload()
    assert await lb.get_weights() == (100, 0)  # the config weights again: what the warning is about


def test_rendered_config_passes_haproxy_c(tmp_path):
    """The reusable config (lab and docs) is what `haproxy -c` accepts, with the measured settings."""
    import subprocess

    from lab.haproxy_config import Server, render_haproxy_cfg

    from .realparts import require

    cfg = tmp_path / "haproxy.cfg"
    text = render_haproxy_cfg(18080, "kong", [Server("x1", "127.0.0.1:9101"), Server("y1", "127.0.0.1:9201", 0)],
                              str(tmp_path / "admin.sock"), str(tmp_path / "state"), tcp_api_port=19999, stats_port=18404)
    cfg.write_text(text)
    for setting in ("option idle-close-on-response", "option http-ignore-probes", "option redispatch",
                    "retries 2", "load-server-state-from-file global", "server-state-file", "option httpchk"):
        assert setting in text
    check = subprocess.run([require("haproxy"), "-c", "-f", str(cfg)], capture_output=True, text=True, timeout=10)
    assert check.returncode == 0, check.stderr
