"""nginx, pure half: render and read back the upstream block (reload mode), render the Lua
balancer snippet with another admin address, and parse the Lua admin location's JSON.

nginx OSS has no runtime weight API, so reload mode writes the whole upstream block. nginx
refuses ``weight=0`` (weights are >= 1): a node at 0 % is written ``down``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Mapping, Sequence

from rollout.i18n import N_
from .haproxy_codec import pool_weights, split_of

NGINX_MAX_WEIGHT = 100
SNIPPET = "nginx-lua-balancer.conf"
SNIPPET_LISTEN = "listen 127.0.0.1:8083;"
SERVER_LINE = re.compile(r"^\s*server\s+(\S+)\s*(.*?);\s*#\s*turnout:\s*(\S+)\s+(\S+)\s*$")


@dataclass(frozen=True)
class UpstreamServer:
    """One ``server`` line: the node, its pool (x|y), its address, and its weight (0 = down)."""

    node: str
    pool: str
    address: str
    weight: int


def upstream_servers(x: int, y: int, x_nodes: Sequence[tuple[str, str]], y_nodes: Sequence[tuple[str, str]],
                     healthy: frozenset[str]) -> list[UpstreamServer]:
    """(name, address) per node -> weighted servers; unhealthy nodes and 0 % pools are down."""
    hx = [n for n in x_nodes if n[0] in healthy]
    hy = [n for n in y_nodes if n[0] in healthy]
    wx, wy = pool_weights(x, y, len(hx), len(hy), NGINX_MAX_WEIGHT)
    weights = dict(zip([n[0] for n in hx + hy], wx + wy))
    return [UpstreamServer(name, pool, addr, weights.get(name, 0))
            for pool, nodes in (("x", x_nodes), ("y", y_nodes)) for name, addr in nodes]


def render_upstream(name: str, servers: Sequence[UpstreamServer], keepalive: int = 32) -> str:
    """The upstream block; the trailing ``# turnout: NODE POOL`` comments let it be read back."""
    split = split_of([s.weight for s in servers if s.pool == "x"], [s.weight for s in servers if s.pool == "y"])
    lines = [f"# written by turnout: X {split[0]}% / Y {split[1]}%; edits are overwritten at the next step",
             f"upstream {name} {{"]
    for s in servers:
        how = f"weight={s.weight}" if s.weight > 0 else "down"
        lines.append(f"    server {s.address} {how};  # turnout: {s.node} {s.pool}")
    lines += [f"    keepalive {keepalive};", "}"]
    return "\n".join(lines) + "\n"


def read_upstream(text: str) -> list[UpstreamServer]:
    """The servers of a block written by ``render_upstream`` (weight 0 for ``down``)."""
    out = []
    for line in text.splitlines():
        m = SERVER_LINE.match(line)
        if not m:
            continue
        params = m.group(2).split()
        weight = 0 if "down" in params else next((int(p[7:]) for p in params if p.startswith("weight=")), 1)
        out.append(UpstreamServer(m.group(3), m.group(4), m.group(1), weight))
    if not out:
        raise ValueError(N_("no server line written by turnout in the upstream file"))
    return out


def split_of_servers(servers: Sequence[UpstreamServer]) -> tuple[int, int]:
    return split_of([s.weight for s in servers if s.pool == "x"], [s.weight for s in servers if s.pool == "y"])


def first_error_line(stderr: str) -> str:
    """nginx's most useful stderr line: the first ``[emerg]``/``[alert]``, else the last line."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    for line in lines:
        if "[emerg]" in line or "[alert]" in line or "[error]" in line:
            return line
    return lines[-1] if lines else "(no output)"


def lua_snippet(admin_listen: str | None = None) -> str:
    """The shipped snippet; ``admin_listen`` (HOST:PORT) replaces its loopback admin address."""
    text = resources.files("adapters").joinpath("snippets", SNIPPET).read_text(encoding="utf-8")
    if admin_listen:
        if SNIPPET_LISTEN not in text:
            raise ValueError(N_("{snippet}: admin listen line not found").format(snippet=SNIPPET))
        text = text.replace(SNIPPET_LISTEN, f"listen {admin_listen};")
    return text


@dataclass(frozen=True)
class LuaState:
    """The admin location's answer: pool weights and per-pool counters since nginx started."""

    x: int
    y: int
    requests: Mapping[str, int]
    errors: Mapping[str, int]
    rt_ms: Mapping[str, float]


def parse_lua_state(body: str) -> LuaState:
    try:
        doc = json.loads(body)
        return LuaState(int(doc["x"]), int(doc["y"]), {k: int(v) for k, v in doc["requests"].items()},
                        {k: int(v) for k, v in doc["errors"].items()},
                        {k: float(v) for k, v in doc["rt_ms"].items()})
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(N_("unexpected admin answer ({error}): {body}").format(
            error=type(exc).__name__, body=repr(body.strip()[:120]))) from None
