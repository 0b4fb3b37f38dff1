"""Kong's response bodies per version, as plain dicts: what the emulator answers.

Every shape follows Kong's own response samples and branches where Kong's code does
(https://github.com/Kong/kong/blob/3.9.3/kong/api/routes/health.lua, kong.lua,
kong/status/ready.lua, at 2.8.5, 3.4.2 and 3.9.3; the Admin and Status API reference pages,
docs.konghq.com/gateway/<version>/admin-api/): 2.8 / 3.0-3.3 / 3.4+ for ``/status``,
2.8 / 3.x for ``available_on_server`` and metric names, 3.3+ for ``/status/ready``,
3.6+ for ``edition`` and the key-auth "Unauthorized" text, 3.7+ for ``WWW-Authenticate: Key``.
Pure functions of (version, node facts), so tests compare them with the samples key by key.
"""

from __future__ import annotations

from typing import Any

from adapters.kong_codec import EMPTY_HASH
from rollout.kong.version import KongVersion

# Bundled plugins the emulated nodes report, with their 3.x priorities (kong/plugins/*/handler.lua).
BUNDLED_PLUGINS = {
    "acl": 950, "basic-auth": 1100, "bot-detection": 2500, "correlation-id": 100001, "cors": 2000,
    "file-log": 9, "hmac-auth": 1030, "http-log": 12, "ip-restriction": 990, "jwt": 1450, "key-auth": 1250,
    "post-function": -1000, "pre-function": 1000000, "prometheus": 13, "proxy-cache": 100,
    "rate-limiting": 910, "request-size-limiting": 951, "request-termination": 2, "request-transformer": 801,
    "response-transformer": 800, "session": 1900, "statsd": 11, "tcp-log": 7, "udp-log": 8, "syslog": 4,
    "loggly": 6, "datadog": 10, "zipkin": 100000, "opentelemetry": 14, "aws-lambda": 750, "azure-functions": 749,
    "acme": 1705, "grpc-gateway": 998, "grpc-web": 3, "ldap-auth": 1200, "oauth2": 1400, "response-ratelimiting": 900,
}
NO_DB = "this endpoint is only available when Kong is configured to not use a database"
NOT_CP = "this endpoint is only available when Kong is configured to run as Control Plane for the cluster"
NOT_READY_NO_CONFIG = "no configuration available (configuration hash is not initialized)"
NOT_READY_EMPTY = "no configuration available (empty configuration present)"
SYNC_STATUSES = ("unknown", "normal", "kong_version_incompatible", "plugin_set_incompatible",
                 "plugin_version_incompatible", "filter_set_incompatible")


def plugin_version(v: KongVersion) -> str:
    """Since 3.0 every bundled plugin's version is the Kong version (3 parts)."""
    return ".".join(str(p) for p in v.parts[:3])


def available_on_server(v: KongVersion, plugins: list[str]) -> dict[str, Any]:
    if not v.at_least(3, 0):
        return {name: True for name in plugins}
    return {name: {"version": plugin_version(v), "priority": BUNDLED_PLUGINS.get(name, 1000)} for name in plugins}


def configuration(v: KongVersion, role: str, listens: dict[str, str]) -> dict[str, Any]:
    """The slice of kong.conf that Turnout reads (real nodes return every key, secrets as ******)."""
    conf = {
        "database": "postgres" if role == "control_plane" else "off",
        "role": "traditional" if role == "dbless" else role,
        "declarative_config": "/etc/kong/kong.yml" if role == "dbless" else None,
        "admin_listen": [listens.get("admin", "off")],
        "status_listen": [listens.get("status", "off")],
        "proxy_listen": [listens.get("proxy", "off")],
        "prefix": "/usr/local/kong",
        "cluster_control_plane": listens.get("cluster", "127.0.0.1:8005"),
        "pg_password": "******",
        "declarative_config_string": "******",
    }
    if v.at_least(3, 1):
        conf["log_level"] = "notice"
    return conf


def admin_root(v: KongVersion, node: dict[str, Any]) -> dict[str, Any]:
    """Admin API ``GET /`` (keys as the example in Kong's OpenAPI spec,
    https://github.com/Kong/docs.konghq.com/blob/fb0334b0c3/api-specs/Gateway-OSS/latest/kong-oss.yaml;
    ``edition`` from 3.6)."""
    body = {
        "tagline": "Welcome to kong",
        "version": v.text,
        "hostname": node["hostname"],
        "node_id": node["node_id"],
        "timers": {"running": 145, "pending": 1},
        "plugins": {"available_on_server": available_on_server(v, node["plugins"]),
                    "enabled_in_cluster": sorted(node["enabled"])},
        "lua_version": "LuaJIT 2.1.0-20230410" if v.at_least(3, 0) else "LuaJIT 2.1.0-beta3",
        "configuration": configuration(v, node["role"], node["listens"]),
        "pids": {"master": 1, "workers": [1278, 1279]},
    }
    if v.at_least(3, 6):
        body["edition"] = "community"
    return body


def node_status(v: KongVersion, role: str, config_hash: str, server: dict[str, int]) -> dict[str, Any]:
    """``GET /status``: ``database`` until 3.3 (and on traditional/CP nodes after), hash on DB-less/DP."""
    body: dict[str, Any] = {
        "memory": {
            "workers_lua_vms": [{"http_allocated_gc": "0.02 MiB", "pid": 1278}, {"http_allocated_gc": "0.02 MiB", "pid": 1279}],
            "lua_shared_dicts": {"kong": {"allocated_slabs": "0.04 MiB", "capacity": "5.00 MiB"},
                                 "kong_db_cache": {"allocated_slabs": "0.80 MiB", "capacity": "128.00 MiB"}},
        },
        "server": server,
    }
    if role == "control_plane" or not v.at_least(3, 4):
        body["database"] = {"reachable": True}
    if role != "control_plane":
        body["configuration_hash"] = config_hash or EMPTY_HASH
    return body


def ready(v: KongVersion, role: str, config_hash: str, not_ready: str, draining: bool,
          empty: bool = False) -> tuple[int, dict[str, str]]:
    """``GET /status/ready`` (3.3+; the caller answers 404 before): the messages of
    https://github.com/Kong/kong/blob/3.4.2/kong/status/ready.lua (and 3.9.3).

    ``empty``: the loaded config has no entities, so its hash is the 32 zeros and Kong says
    "empty configuration present" (kong@3.4.2 kong/status/ready.lua)."""
    if draining:
        return 503, {"message": "draining"}
    if not_ready:
        return 503, {"message": not_ready}
    if role != "control_plane" and (not config_hash or config_hash == EMPTY_HASH):
        return 503, {"message": NOT_READY_EMPTY if empty else NOT_READY_NO_CONFIG}
    return 200, {"message": "ready"}


def key_auth_reject(v: KongVersion, reason: str) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """key-auth's 401 body and headers (https://github.com/Kong/kong/blob/3.4.2/kong/plugins/key-auth/handler.lua, and the
    same file at the other tags); reason: missing|invalid|duplicate."""
    if reason == "missing":
        message = "No API key found in request"
    elif reason == "duplicate":
        message = "Duplicate API key found"
    else:
        message = "Unauthorized" if v.at_least(3, 6) else "Invalid authentication credentials"
    if v.at_least(3, 7):
        headers = [("WWW-Authenticate", "Key")]
    else:
        headers = [("WWW-Authenticate", 'Key realm="kong"')] if reason == "missing" else []
    return {"message": message}, headers


def dbless_write_405(method: str, entity: str) -> dict[str, Any]:
    """An entity write on a DB-less node (as asserted in
    https://github.com/Kong/kong/blob/3.4.2/spec/02-integration/04-admin_api/15-off_spec.lua)."""
    verb = {"POST": "create", "PUT": "create or update", "PATCH": "update", "DELETE": "delete"}.get(method, "create")
    return {"code": 12, "name": "operation unsupported", "message": f"cannot {verb} '{entity}' entities when not using a database"}


def data_plane_row(cp: KongVersion, dp: dict[str, Any]) -> dict[str, Any]:
    """One clustering_data_planes row in the shape of the CP's version (the entity's schema,
    https://github.com/Kong/kong/blob/3.9.3/kong/db/schema/entities/clustering_data_planes.lua, at each tag)."""
    row: dict[str, Any] = {"id": dp["id"], "last_seen": int(dp["last_seen"]), "ip": dp["ip"], "config_hash": dp["config_hash"],
                           "hostname": dp["hostname"], "version": dp["version"], "sync_status": dp["sync_status"],
                           "ttl": 1209600 - max(0, int(dp["now"] - dp["last_seen"]))}
    if cp.at_least(3, 3):
        row["updated_at"] = int(dp["last_seen"])
    if cp.at_least(3, 5):
        row["labels"] = dp.get("labels", {})
    if cp.at_least(3, 6):
        row["cert_details"] = {"expiry_timestamp": 1897136778}
    if cp.at_least(3, 7):
        row["rpc_capabilities"] = []
    return row


def compat_sync_status(cp: KongVersion, dp: KongVersion) -> str:
    """The CP's version rule: same major, DP minor not above the CP's (patch ignored)."""
    if cp.major != dp.major or dp.minor > cp.minor:
        return "kong_version_incompatible"
    return "normal"
