"""Shared pytest fixtures. Keep each area's fixtures in its own module and register it here."""

import pytest

# ---- real parts: HAProxy, nginx, Prometheus, counting backends (tests/conftest_realparts.py) ----
from .conftest_realparts import haproxy_lab, nginx_lua_lab, nginx_reload_lab, node_backends  # noqa: F401

# ---- third-party data beside the clone: Kong's samples, Kong's and decK's sources (tests/shared_files.py) ----
from .shared_files import external_dir, kong_samples_dir  # noqa: F401, E402


REAL_PARTS = {"lab", "haproxy", "nginx", "prometheus", "tmux"}  # the markers of tests that start real processes


def pytest_collection_modifyitems(config, items):
    """Tests that start real processes or drive tmux (their markers say so) go to one xdist worker,
    one at a time (``--dist loadgroup``): they wait on wall-clock windows and judge latencies, which
    a second lab or a tmux server racing them would disturb."""
    for item in items:
        if {mark.name for mark in item.iter_markers()} & REAL_PARTS:
            item.add_marker(pytest.mark.xdist_group("real-parts"))
