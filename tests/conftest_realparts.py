"""Fixtures for the real parts (HAProxy, nginx, Prometheus, backends); see tests/realparts.py.

Registered from tests/conftest.py. Each fixture starts its processes on free loopback ports in
tmp_path and stops them by PID in its finalizer.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from adapters.haproxy_config import Server

from .realparts import HAProxyRun, backends, start_haproxy
from .realparts_backend import Backends

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
