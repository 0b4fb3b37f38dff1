"""Fixtures for the real parts (HAProxy, nginx, Prometheus, backends); see tests/realparts.py and lab/.

Registered from tests/conftest.py. Each fixture starts its processes on free loopback ports in
tmp_path and stops them by PID in its finalizer.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from lab.backends import Backends
from lab.haproxy_config import Server
from lab.procs import free_port, wait_port
from adapters.nginx_config import UpstreamServer, lua_snippet, render_upstream

from .realparts import HAProxyRun, NginxRun, backends, make_plan, nginx_main_conf, require, start_haproxy, start_nginx

NODES = ["x1", "x2", "x3", "y1", "y2", "y3"]


@dataclass
class HAProxyLab:
    """HAProxy (backend ``be``) in front of x1..x3 (weight 100) and y1..y3 (weight 0)."""

    haproxy: HAProxyRun
    backends: Backends


@pytest.fixture
def node_backends():
    with backends(NODES) as b:
        yield b


@pytest.fixture
def haproxy_lab(tmp_path, node_backends):
    servers = [Server(n, f"127.0.0.1:{node_backends.nodes[n].port}", 100 if n.startswith("x") else 0) for n in NODES]
    with start_haproxy(tmp_path / "haproxy", servers) as run:
        yield HAProxyLab(run, node_backends)


@dataclass
class NginxLab:
    """nginx in front of x1..x3 / y1..y3; ``plan`` is a Plan wired to it (reload or lua mode)."""

    nginx: NginxRun
    backends: Backends
    plan: object
    upstream_file: str = ""
    admin: str = ""


def _proxy_location(pass_to: str, lua: bool = False) -> str:
    pick = ("        set $turnout_pool turnout_x;\n        access_by_lua_block { turnout_balancer.choose() }\n"
            "        log_by_lua_block { turnout_balancer.count() }\n") if lua else ""
    return (f"    location / {{\n{pick}        proxy_pass http://{pass_to};\n        proxy_http_version 1.1;\n"
            '        proxy_set_header Connection "";\n        proxy_next_upstream error timeout http_502 http_503;\n    }\n')


def _nodes(b: Backends) -> dict[str, list[dict]]:
    return {p: [{"name": n, "server": f"127.0.0.1:{b.nodes[n].port}"} for n in NODES if n[0] == p] for p in "xy"}


@pytest.fixture
def nginx_reload_lab(tmp_path, node_backends):
    tmp = tmp_path / "nginx"
    tmp.mkdir()
    upstream, port = tmp / "upstream.conf", free_port()
    plan = make_plan({"type": "nginx", "mode": "reload", "upstream_file": str(upstream), "upstream": "kong",
                      "conf": str(tmp / "nginx.conf"), "binary": require("nginx")}, nodes=_nodes(node_backends))
    upstream.write_text(render_upstream("kong", [
        UpstreamServer(n.name, p, n.server, 100 if p == "x" else 0)
        for p, pool in (("x", plan.pools.x), ("y", plan.pools.y)) for n in pool.nodes]))
    body = f"    include {upstream};\n    server {{\n    listen 127.0.0.1:{port};\n{_proxy_location('kong')}    }}"
    with start_nginx(tmp, nginx_main_conf(tmp, body), port) as run:
        yield NginxLab(run, node_backends, plan, upstream_file=str(upstream))


@pytest.fixture
def nginx_lua_lab(tmp_path, node_backends):
    tmp = tmp_path / "nginx-lua"
    tmp.mkdir()
    port, admin_port = free_port(), free_port()
    snippet = tmp / "nginx-lua-balancer.conf"
    snippet.write_text(lua_snippet(f"127.0.0.1:{admin_port}"))
    pools = "".join(
        f"    upstream turnout_{p} {{\n" + "".join(f"        server 127.0.0.1:{node_backends.nodes[n].port};\n"
                                                  for n in NODES if n[0] == p) + "        keepalive 16;\n    }\n"
        for p in "xy")
    body = (f"    include {snippet};\n{pools}    server {{\n    listen 127.0.0.1:{port};\n"
            f"{_proxy_location('$turnout_pool', lua=True)}    }}")
    admin = f"http://127.0.0.1:{admin_port}/weights"
    plan = make_plan({"type": "nginx", "mode": "lua", "admin": admin}, nodes=_nodes(node_backends))
    with start_nginx(tmp, nginx_main_conf(tmp, body, lua=True), port, lua=True) as run:
        wait_port(admin_port)
        yield NginxLab(run, node_backends, plan, admin=admin)
