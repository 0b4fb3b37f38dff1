"""Render a haproxy.cfg for one backend of Kong nodes, with the settings measured on HAProxy 2.6.

Used by the lab (real HAProxy in front of the Kong node emulator, ``lab.haproxy``), by the tests
through the lab, and as the reference config in docs/adapters.md. Why each setting is there
(HAProxy Configuration Manual: sections 3.1 "Process management" for the state file, 4.2
"Proxies keywords reference" for the options):

- ``server-state-file`` + ``load-server-state-from-file global``: runtime weights survive a
  reload only when Turnout dumps ``show servers state`` into that file (HAProxy never writes it).
- ``option http-ignore-probes``: a client's probe connection (wrk) would count as a 4xx.
- ``option idle-close-on-response``: without it a reload under load drops keep-alive requests.
- ``option redispatch`` + ``retries 2``: a refused connection is retried on another server.
- ``option httpchk``: a dead node leaves rotation on its own (``fall``), whatever its weight.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Server:
    """One ``server`` line: the LB's name for a node, its address and its config weight."""

    name: str
    address: str  # host:port
    weight: int = 100


def render_haproxy_cfg(
    frontend_port: int,
    backend_name: str,
    servers: list[Server],
    stats_socket: str,
    state_file: str | None = None,
    *,
    tcp_api_port: int | None = None,
    stats_port: int | None = None,
    pidfile: str | None = None,
    health_path: str = "/health",
    check_inter: str = "1s",
    bind_host: str = "127.0.0.1",
) -> str:
    """The whole haproxy.cfg text; ``stats_port`` adds the /stats page and the built-in /metrics."""
    lines = _global(stats_socket, state_file, tcp_api_port, pidfile, bind_host) + _defaults(state_file)
    lines += ["frontend fe", f"    bind {bind_host}:{frontend_port}", f"    default_backend {backend_name}"]
    if stats_port:
        lines += [
            "frontend stats",
            f"    bind {bind_host}:{stats_port}",
            "    http-request use-service prometheus-exporter if { path /metrics }",
            "    stats enable",
            "    stats uri /stats",
        ]
    lines += [
        f"backend {backend_name}",
        "    balance roundrobin",
        f"    option httpchk GET {health_path}",
        f"    default-server check inter {check_inter} fall 2 rise 2",
    ]
    lines += [f"    server {s.name} {s.address} weight {s.weight}" for s in servers]
    return "\n".join(lines) + "\n"


def _global(stats_socket: str, state_file: str | None, tcp_api_port: int | None, pidfile: str | None,
            bind_host: str) -> list[str]:
    lines = [
        "global",
        "    log stderr format short local0 notice",
        f"    stats socket {stats_socket} mode 600 level admin expose-fd listeners",
    ]
    if tcp_api_port:
        lines.append(f"    stats socket ipv4@{bind_host}:{tcp_api_port} level admin")
    if state_file:
        lines.append(f"    server-state-file {state_file}")
    if pidfile:
        lines.append(f"    pidfile {pidfile}")
    return lines


def _defaults(state_file: str | None) -> list[str]:
    lines = [
        "defaults",
        "    mode http",
        "    option http-ignore-probes",
        "    option idle-close-on-response",
        "    option redispatch",
        "    retries 2",
        "    timeout connect 2s",
        "    timeout client 30s",
        "    timeout server 30s",
        "    timeout http-keep-alive 10s",
    ]
    if state_file:
        lines.append("    load-server-state-from-file global")
    return lines
