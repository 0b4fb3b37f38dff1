"""Plugin changes of the 3.2-3.7 releases, and their fixers. Pure.

Kong's breaking-changes pages (https://docs.konghq.com/gateway/latest/breaking-changes/32x/ to
.../37x/, and https://developer.konghq.com/gateway/breaking-changes/):

- 3.2: the session library rewrite renamed parameters of the session, openid-connect and saml
  plugins. Kong keeps the old names as aliases (``shorthand_fields`` in
  https://github.com/Kong/kong/blob/3.4.2/kong/plugins/session/schema.lua), so the file still loads:
  a warning. ``cookie_samesite: "off"`` becomes ``Lax`` there, since 3.2 has no ``off``. Sessions made
  by nodes on either side of 3.2 are not valid on the other; jwt refuses differing tokens.
- 3.3: plugin queues (``config.queue``); 3.4: queue sizes are integers (a whole float such as
  ``10.0`` still passes Kong's integer check) and retry delays at least 0.001 s.
- 3.5: the session plugin reads a logout body only with ``read_body_for_logout``.
- 3.6: rate-limiting, response-ratelimiting and acme take a shared ``redis`` record (old fields
  still mapped, Kong CHANGELOG 3.6.0 #12300 #12301); azure-functions builds the path from
  ``routeprefix`` only.

Rules and fixers have the shapes ``rollout.kong.findings`` describes.
"""

from __future__ import annotations

from typing import Any, Iterator

from ..i18n import N_
from .config import ConfigDoc, Entity, walk
from .findings import Finding, Hop, config_of, finding
from .lint_yaml import rename_key, styled

_SESSION_STORE = {
    "session_cookie_lifetime": "session_rolling_timeout", "session_cookie_idletime": "session_idling_timeout",
    "session_cookie_samesite": "session_cookie_same_site", "session_cookie_httponly": "session_cookie_http_only",
    "session_memcache_prefix": "session_memcached_prefix", "session_memcache_socket": "session_memcached_socket",
    "session_memcache_host": "session_memcached_host", "session_memcache_port": "session_memcached_port",
    "session_redis_cluster_maxredirections": "session_redis_cluster_max_redirections",
    "session_cookie_renew": None, "session_cookie_maxsize": None, "session_strategy": None, "session_compressor": None,
}
SESSION_RENAMES: dict[str, dict[str, str | None]] = {  # plugin -> {3.2 old name: new name, or None: no effect}
    "session": {"cookie_lifetime": "rolling_timeout", "cookie_idletime": "idling_timeout",
                "cookie_samesite": "cookie_same_site", "cookie_httponly": "cookie_http_only",
                "cookie_discard": "stale_ttl", "cookie_persistent": "remember", "cookie_renew": None},
    "saml": _SESSION_STORE,
    "openid-connect": {"authorization_cookie_lifetime": "authorization_rolling_timeout",
                       "authorization_cookie_samesite": "authorization_cookie_same_site",
                       "authorization_cookie_httponly": "authorization_cookie_http_only", **_SESSION_STORE},
}
# plugin -> {deprecated 3.3 parameter: (its queue.* replacement or None, the old default Kong ignores)}
QUEUE_PARAMS: dict[str, dict[str, tuple[str | None, float]]] = {
    **{name: {"retry_count": (None, 10), "queue_size": ("max_batch_size", 1), "flush_timeout": ("max_coalescing_delay", 2)}
       for name in ("http-log", "statsd", "datadog")},
    "opentelemetry": {"batch_span_count": ("max_batch_size", 200), "batch_flush_delay": ("max_coalescing_delay", 3)},
}
QUEUE_PLUGINS = ("http-log", "statsd", "datadog", "opentelemetry", "zipkin")
QUEUE_INTEGERS = ("max_batch_size", "max_entries", "max_bytes")
QUEUE_DELAYS = ("initial_retry_delay", "max_retry_delay")
REDIS_36 = ("host", "port", "password", "username", "ssl", "ssl_verify", "server_name", "timeout", "database")

SRC_SESSION = ("https://docs.konghq.com/gateway/latest/breaking-changes/32x/ (session, SAML and OpenID Connect renames; "
               "old names still work); kong@3.4.2 kong/plugins/session/schema.lua (shorthand_fields, samesite off -> Lax)")
SRC_MIXED = "https://docs.konghq.com/gateway/latest/breaking-changes/32x/ (sessions from 3.2+ and older nodes are not compatible)"
SRC_JWT = "https://docs.konghq.com/gateway/latest/breaking-changes/32x/ (JWT plugin denies different tokens in its search locations)"
SRC_QUEUE = ("https://docs.konghq.com/gateway/latest/breaking-changes/33x/ and .../34x/; "
             "kong@3.4.2 kong/tools/queue.lua and kong/tools/queue_schema.lua")
SRC_LOGOUT = "https://docs.konghq.com/gateway/latest/breaking-changes/35x/ (session read_body_for_logout, default false)"
SRC_REDIS_36 = ("https://docs.konghq.com/gateway/latest/breaking-changes/36x/ (standardized Redis configuration, #12300 #12301); "
                "kong@3.6.0 kong/plugins/rate-limiting/schema.lua (shorthand_fields)")
SRC_AZURE = "https://docs.konghq.com/gateway/latest/breaking-changes/36x/ (azure-functions builds the path from routeprefix only)"


def _plugins(doc: ConfigDoc, names: tuple[str, ...] | dict) -> Iterator[Entity]:
    return (e for e in doc.entities("plugin") if e.data.get("name") in names)


def _rename_finding(doc: ConfigDoc, e: Entity, old: str, new: str | None) -> Finding:
    cfg = config_of(e)
    if new is None:
        return finding(doc, "session-renames", "warning", e, e.path + ("config", old),
                       N_("config.{old} has no effect from 3.2 (removed, nothing replaces it): delete it").format(
                           old=old), SRC_SESSION)
    clash = new in cfg
    message = N_("config.{old} is config.{new} from 3.2 (the old name is a deprecated alias)").format(old=old, new=new)
    if old.endswith("samesite") and cfg[old] == "off":
        message = N_("{message} ('off' becomes Lax: 3.2 has no off)").format(message=message)
    if clash:
        message = N_("{message}; both are set, merge them by hand").format(message=message)
    return finding(doc, "session-renames", "warning", e, e.path + ("config", old), message, SRC_SESSION, fixable=not clash)


def session_renames(doc: ConfigDoc, hop: Hop, flavor: str) -> Iterator[Finding]:
    """3.2 renamed session parameters; Kong maps the old names, so the file loads with deprecations."""
    if not hop.reaches(3, 2):
        return
    for e in _plugins(doc, SESSION_RENAMES):
        for old, new in SESSION_RENAMES[str(e.data["name"])].items():
            if old in config_of(e):
                yield _rename_finding(doc, e, old, new)


def session_changes(doc: ConfigDoc, hop: Hop, flavor: str) -> Iterator[Finding]:
    """While traffic is split across 3.2 a user's session does not survive a move between X and Y; jwt
    turns stricter; from 3.5 the session plugin ignores a logout POST body unless told to read it."""
    for e in doc.entities("plugin"):
        name = e.data.get("name")
        if hop.crosses(3, 2) and name in SESSION_RENAMES:
            yield finding(doc, "session-mixed", "warning", e, e.path,
                          N_("sessions made by {source} nodes are invalid on {target} nodes and back: while traffic is split, users bounced between X and Y must log in again; keep the steps between first and last short").format(
                              source=hop.source, target=hop.target),
                          SRC_MIXED)
        if hop.crosses(3, 2) and name == "jwt":
            yield finding(doc, "jwt-tokens", "warning", e, e.path,
                          N_("from 3.2 a request carrying different tokens in the header, query and cookie is denied"), SRC_JWT)
        if hop.crosses(3, 5) and name == "session" and "read_body_for_logout" not in config_of(e):
            yield finding(doc, "session-logout", "warning", e, e.path,
                          N_("from 3.5 logout_post_arg in a request body is ignored unless config.read_body_for_logout is true"),
                          SRC_LOGOUT)


def _deprecated_queue(doc: ConfigDoc, e: Entity) -> Iterator[Finding]:
    cfg = config_of(e)
    for old, (new, _) in QUEUE_PARAMS.get(str(e.data["name"]), {}).items():
        if old in cfg:
            hint = N_("use config.queue.{new}").format(
                new=new) if new else N_("it no longer works; use config.queue.max_retry_time (seconds)")
            yield finding(doc, "queue-params", "warning", e, e.path + ("config", old),
                          N_("config.{old} is deprecated since 3.3 (removed in 4.0): {hint}").format(
                              old=old, hint=hint), SRC_QUEUE, fixable=new is not None)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def queue_params(doc: ConfigDoc, hop: Hop, flavor: str) -> Iterator[Finding]:
    """3.3 moved batching and retries into ``config.queue``; 3.4 refuses fractional sizes and tiny delays."""
    for e in _plugins(doc, QUEUE_PLUGINS):
        if hop.reaches(3, 3):
            yield from _deprecated_queue(doc, e)
        queue = config_of(e).get("queue")
        if not hop.reaches(3, 4) or not isinstance(queue, dict):
            continue
        for key in QUEUE_INTEGERS:
            if isinstance(queue.get(key), float) and not queue[key].is_integer():
                yield finding(doc, "queue-params", "error", e, e.path + ("config", "queue", key),
                              N_("config.queue.{key} is {queue}: 3.4 takes an integer").format(
                                  key=key, queue=queue[key]), SRC_QUEUE)
        for key in QUEUE_DELAYS:
            if _number(queue.get(key)) and queue[key] < 0.001:
                yield finding(doc, "queue-params", "error", e, e.path + ("config", "queue", key),
                              N_("config.queue.{key} is {queue}: 3.4 takes 0.001 s or more").format(
                                  key=key, queue=queue[key]), SRC_QUEUE)


def redis_36(doc: ConfigDoc, hop: Hop, flavor: str) -> Iterator[Finding]:
    """3.6 moved rate-limiting's ``redis_*`` fields into ``config.redis``; azure-functions changed its path."""
    if not hop.reaches(3, 6):
        return
    for e in _plugins(doc, ("rate-limiting", "response-ratelimiting")):
        for key in (k for k in REDIS_36 if f"redis_{k}" in config_of(e)):
            yield finding(doc, "redis-config", "warning", e, e.path + ("config", f"redis_{key}"),
                          N_("config.redis_{key} is deprecated since 3.6 (still mapped): use config.redis.{key}").format(
                              key=key), SRC_REDIS_36)
    for e in _plugins(doc, ("azure-functions",)):
        if hop.crosses(3, 6):
            has = "routeprefix" in config_of(e)
            yield finding(doc, "azure-routeprefix", "warning", e, e.path,
                          "from 3.6 the Azure request path is built from config.routeprefix only, not the request URI"
                          + ("" if has else " (routeprefix is unset, so its default 'api' applies)"), SRC_AZURE)


RULES = (session_renames, session_changes, queue_params, redis_36)


# ---------------------------------------------------------------------------------- fixers
def _plugin_configs(data: dict, names: tuple[str, ...] | dict) -> Iterator[tuple[str, dict]]:
    for e in walk(data):
        cfg: Any = e.data.get("config")
        if e.kind == "plugin" and e.data.get("name") in names and isinstance(cfg, dict):
            yield str(e.data["name"]), cfg


def fix_session_renames(data: dict, hop: Hop) -> bool:
    """The 3.2 renames Kong does on load, when the new name is not already set; ``off`` becomes ``Lax``.
    Parameters with no effect are left for a human."""
    if not hop.reaches(3, 2):
        return False
    changed = False
    for name, cfg in _plugin_configs(data, SESSION_RENAMES):
        for old, new in SESSION_RENAMES[name].items():
            if new and old in cfg and new not in cfg:
                rename_key(cfg, old, new)
                if old.endswith("samesite") and cfg[new] == "off":
                    cfg[new] = styled(cfg[new], "Lax")
                changed = True
    return changed


def fix_queue_params(data: dict, hop: Hop) -> bool:
    """Do what Kong does on load: a deprecated parameter still at its old default is ignored (dropped), any
    other value moves into ``config.queue``."""
    if not hop.reaches(3, 3):
        return False
    changed = False
    for name, cfg in _plugin_configs(data, QUEUE_PARAMS):
        queue = cfg.get("queue") if isinstance(cfg.get("queue"), dict) else {}
        for old, (new, old_default) in QUEUE_PARAMS[name].items():
            if new is None or old not in cfg or new in queue:
                continue
            value = cfg.pop(old)
            if value is not None and value != old_default:
                queue[new] = value
            changed = True
        if queue and "queue" not in cfg:
            cfg["queue"] = queue
    return changed


FIXERS = (fix_session_renames, fix_queue_params)
