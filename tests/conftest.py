"""Shared pytest fixtures. Keep each area's fixtures in its own module and register it here."""

# ---- real parts: HAProxy, nginx, Prometheus, counting backends (tests/conftest_realparts.py) ----
from .conftest_realparts import haproxy_lab, nginx_lua_lab, nginx_reload_lab, node_backends  # noqa: F401
