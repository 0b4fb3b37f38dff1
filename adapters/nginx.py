"""nginx as Turnout's load balancer, in two modes.

- ``reload``: write the upstream block to ``upstream_file``, ``nginx -t``, ``nginx -s reload``.
  The previous file is kept and put back when the test (or the reload signal) fails, and the
  error names the file and nginx's own stderr line. A reload drops a few keep-alive requests
  at saturation (the old workers close their idle connections,
  https://nginx.org/en/docs/control.html; measured on loopback: about 23 per reload with
  wrk -c50); the lua mode does not.
- ``lua``: the shipped snippet (adapters/snippets/nginx-lua-balancer.conf) keeps the pool
  weights in a shared dict (https://github.com/openresty/lua-nginx-module#ngxshareddict); this
  adapter sets them over HTTP on the loopback admin location.
  It also counts requests, 5xx and upstream time per pool, which ``lb_stats.LuaPoolStats`` turns
  into windows (metrics source ``lb``).
"""

from __future__ import annotations

import asyncio
import os
import shlex
from typing import Sequence
from urllib.parse import urlsplit

import httpx

from rollout.errors import Rejected, Timeout, Unreachable
from rollout.i18n import N_
from rollout.plan import NginxLB, Node, Pools
from rollout.ports import Advises, ReportsPoolCounters

from . import nginx_config as nc
from .plan_problem import plan_problem


def node_address(node: Node) -> str:
    """The upstream address: ``server:`` (HOST:PORT) when set, else the proxy URL's host:port."""
    if node.server:
        return node.server
    if node.proxy:
        parts = urlsplit(node.proxy)
        if parts.hostname:
            return f"{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"
    raise plan_problem(f"node {node.name}", N_("nginx needs the node's address: set server: HOST:PORT or proxy: URL"))


def build_nginx(spec: NginxLB, pools: Pools, timeout: float):
    if spec.mode == "lua":
        if not spec.admin:
            raise plan_problem("load_balancer.admin",
                               N_("mode lua needs admin: the snippet's admin URL, e.g. http://127.0.0.1:8083/weights"))
        return NginxLua(spec, pools, timeout)
    if not spec.upstream_file:
        raise plan_problem("load_balancer.upstream_file", N_("mode reload needs upstream_file: the file Turnout writes"))
    return NginxReload(spec, pools, timeout)


def _refuse_empty_pools(target: str, x: int, y: int, pools: Pools, healthy: frozenset[str]) -> None:
    for pool, share, nodes in (("X", x, pools.x.nodes), ("Y", y, pools.y.nodes)):
        if share > 0 and not any(n.name in healthy for n in nodes):
            raise Rejected(target, "set weights", N_("pool {pool} has no healthy node for its {share} share").format(
                pool=pool, share=f"{share}%"))


class NginxReload(Advises):
    """Reload mode: the upstream file is the source of truth and is read back after each change."""

    def __init__(self, spec: NginxLB, pools: Pools, timeout: float = 5.0):
        self.spec = spec
        self.pools = pools
        self.path = spec.upstream_file or ""
        self.target = f"nginx {self.path}"
        self.timeout = max(timeout, 10.0)
        self.x_nodes = [(n.name, node_address(n)) for n in pools.x.nodes]
        self.y_nodes = [(n.name, node_address(n)) for n in pools.y.nodes]
        self.warnings = [N_("nginx reload mode: each step reloads nginx, which drops a few keep-alive requests "
                            "under heavy load; mode lua changes weights without a reload")]

    def _nginx(self, *args: str) -> str:
        conf = ["-c", self.spec.conf] if self.spec.conf else []
        return " ".join(shlex.quote(a) for a in [self.spec.binary, *conf, *args])

    async def set_weights(self, x: int, y: int, healthy: frozenset[str]) -> tuple[int, int]:
        _refuse_empty_pools(self.target, x, y, self.pools, healthy)
        text = nc.render_upstream(self.spec.upstream, nc.upstream_servers(x, y, self.x_nodes, self.y_nodes, healthy))
        previous = self._read()
        self._write(text)
        for call, args in (("nginx -t", ("-t",)), ("nginx -s reload", ("-s", "reload"))):
            try:
                await self._run(call, args)
            except (Rejected, Timeout, Unreachable):
                self._restore(previous)
                raise
        return await self.get_weights()

    async def _run(self, call: str, args: tuple[str, ...]) -> None:
        proc = await asyncio.create_subprocess_shell(self._nginx(*args), stdout=asyncio.subprocess.PIPE,
                                                     stderr=asyncio.subprocess.PIPE)
        try:
            _, err = await asyncio.wait_for(proc.communicate(), self.timeout)
        except asyncio.TimeoutError:
            proc.kill()
            await proc.wait()
            raise Timeout(self.target, call, N_("still running after {seconds}s; previous file restored").format(
                seconds=f"{self.timeout:g}")) from None
        if proc.returncode:
            line = nc.first_error_line(err.decode(errors="replace"))
            raise Rejected(self.target, call, N_("exit {code}: {why}; previous file restored").format(code=proc.returncode, why=line))

    async def get_weights(self) -> tuple[int, int]:
        text = self._read()
        if text is None:
            raise Unreachable(self.target, "read upstream file", N_("no such file"))
        try:
            return nc.split_of_servers(nc.read_upstream(text))
        except ValueError as exc:
            raise Rejected(self.target, "read upstream file", str(exc)) from None

    async def retire(self, nodes: Sequence[Node]) -> None:
        """Nothing to do per node: the last step wrote X down; the fleet stops the nodes."""
        return None

    def _read(self) -> str | None:
        try:
            with open(self.path, encoding="utf-8") as f:
                return f.read()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise Unreachable(self.target, "read upstream file", exc.strerror or str(exc)) from None

    def _write(self, text: str | None) -> None:
        """Replace the file atomically; through a symlink, the file it points to (the symlink stays,
        so nginx's include and the target lock's key, adapters/lock_identity.py, still mean one file)."""
        path = os.path.realpath(self.path)
        try:
            if text is None:
                os.remove(path)
                return
            tmp = path + ".turnout-tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, path)
        except OSError as exc:
            raise Rejected(self.target, "write upstream file", exc.strerror or str(exc)) from None

    def _restore(self, previous: str | None) -> None:
        self._write(previous)


class NginxLua(ReportsPoolCounters, Advises):
    """Lua mode: pool weights over HTTP on the snippet's loopback admin location."""

    def __init__(self, spec: NginxLB, pools: Pools, timeout: float = 5.0, client: httpx.AsyncClient | None = None):
        self.spec = spec
        self.pools = pools
        self.url = spec.admin or ""
        self.target = f"nginx lua {self.url}"
        self.client = client or httpx.AsyncClient(timeout=timeout)
        self.warnings: list[str] = []

    async def _call(self, method: str, params: dict | None = None) -> nc.LuaState:
        call = f"{method} {self.url}"
        try:
            resp = await self.client.request(method, self.url, params=params)
        except httpx.TimeoutException:
            raise Timeout(self.target, call, N_("no answer in time")) from None
        except httpx.HTTPError as exc:
            raise Unreachable(self.target, call, type(exc).__name__) from None
        if resp.status_code != 200:
            raise Rejected(self.target, call, status=resp.status_code, body=resp.text[:200],
                           detail=resp.text.strip()[:200])
        try:
            return nc.parse_lua_state(resp.text)
        except ValueError as exc:
            raise Rejected(self.target, call, str(exc)) from None

    async def set_weights(self, x: int, y: int, healthy: frozenset[str]) -> tuple[int, int]:
        """Pool-level weights only: nginx's passive checks (max_fails) keep a dead node out of its pool."""
        _refuse_empty_pools(self.target, x, y, self.pools, healthy)
        state = await self._call("POST", {"x": x, "y": y})
        if (state.x, state.y) != (x, y):
            raise Rejected(self.target, "POST weights", N_("read back {x_got}/{y_got}, wanted {x}/{y}").format(
                x_got=state.x, y_got=state.y, x=x, y=y))
        return state.x, state.y

    async def get_weights(self) -> tuple[int, int]:
        state = await self._call("GET")
        return state.x, state.y

    async def retire(self, nodes: Sequence[Node]) -> None:
        return None

    async def pool_counters(self) -> nc.LuaState:
        return await self._call("GET")
