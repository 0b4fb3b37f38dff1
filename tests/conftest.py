"""Shared pytest fixtures. Keep each area's fixtures in its own module and register it here."""

# ---- real parts: HAProxy, nginx, Prometheus, counting backends (tests/conftest_realparts.py) ----
from .conftest_realparts import haproxy_lab, nginx_lua_lab, nginx_reload_lab, node_backends  # noqa: F401

# ---- third-party data beside the clone: Kong's samples, Kong's and decK's sources (tests/shared_files.py) ----
from .shared_files import external_dir, kong_samples_dir  # noqa: F401, E402
