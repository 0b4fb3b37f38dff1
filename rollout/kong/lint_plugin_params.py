"""Lint rules for plugin parameters that changed after the 3.0 router change. Pure.

``rollout.kong.lint_rules`` covers the 2.x -> 3.0 break. These rules cover the smaller changes that
still break a DB-less reload, or change behaviour, on a later hop (Kong's breaking changes,
https://docs.konghq.com/gateway/latest/breaking-changes/32x/, .../33x/ and .../34x/, and decK's
280-to-340 ruleset, https://github.com/Kong/deck/tree/main/convert/rulesets/280-to-340):

- the 3.2 session plugin renames;
- the 3.2 change that makes sessions from mixed versions invalid;
- the 3.3 plugin queues, and the 3.4 rule that queue sizes are integers;
- the 3.0 deprecation of statsd-advanced, and the new acme Vault ``auth_method`` default.

Rules and fixers have the shapes ``rollout.kong.findings`` describes.
"""

from __future__ import annotations

from typing import Any, Iterator

from .config import ConfigDoc, walk
from .findings import Finding, Hop, config_of, finding

SESSION_RENAMES = {  # removed in 3.2 -> its replacement (None: removed, nothing replaces it)
    "cookie_lifetime": "rolling_timeout",
    "cookie_idletime": "idling_timeout",
    "cookie_samesite": "cookie_same_site",
    "cookie_httponly": "cookie_http_only",
    "cookie_discard": "stale_ttl",
    "cookie_renew": None,
}
SESSION_PLUGINS = ("session", "openid-connect", "saml")
# plugin -> {deprecated 3.3 parameter: (its queue.* replacement or None, the old default Kong ignores)}
QUEUE_PARAMS: dict[str, dict[str, tuple[str | None, float]]] = {
    **{name: {"retry_count": (None, 10), "queue_size": ("max_batch_size", 1), "flush_timeout": ("max_coalescing_delay", 2)}
       for name in ("http-log", "statsd", "datadog")},
    "opentelemetry": {"batch_span_count": ("max_batch_size", 200), "batch_flush_delay": ("max_coalescing_delay", 3)},
}
QUEUE_INTEGERS = ("max_batch_size", "max_entries", "max_bytes")

SRC_SESSION = ("https://docs.konghq.com/gateway/latest/breaking-changes/32x/ (session plugin parameter renames); "
               "kong@3.4.2 kong/clustering/compat/checkers.lua")
SRC_MIXED = "https://docs.konghq.com/gateway/latest/breaking-changes/32x/ (sessions from 3.2+ and older nodes are not compatible)"
SRC_QUEUE = ("https://docs.konghq.com/gateway/latest/breaking-changes/33x/ and .../34x/; "
             "kong@3.4.2 kong/tools/queue.lua (deprecated parameters mapped when not at their old default)")
SRC_DECK_280 = "https://github.com/Kong/deck/blob/main/convert/rulesets/280-to-340/plugins.yaml"


def _plugins(doc: ConfigDoc, names: tuple[str, ...] | dict) -> Iterator:
    return (e for e in doc.entities("plugin") if e.data.get("name") in names)


def session_renames(doc: ConfigDoc, hop: Hop, flavor: str) -> Iterator[Finding]:
    """3.2 renamed the session plugin's cookie parameters; the old names fail validation on Y."""
    if not hop.reaches(3, 2):
        return
    for e in _plugins(doc, ("session",)):
        cfg = config_of(e)
        for old, new in SESSION_RENAMES.items():
            if old not in cfg:
                continue
            if new is None:
                yield finding(doc, "session-renames", "error", e, e.path + ("config", old),
                               f"config.{old} was removed in 3.2 with nothing to replace it: delete it", SRC_SESSION)
            else:
                clash = new in cfg
                tail = "; both are set, merge them by hand" if clash else ""
                yield finding(doc, "session-renames", "error", e, e.path + ("config", old),
                               f"config.{old} was renamed config.{new} in 3.2{tail}", SRC_SESSION, fixable=not clash)


def session_mixed(doc: ConfigDoc, hop: Hop, flavor: str) -> Iterator[Finding]:
    """During the shift a user moves between X and Y. Across 3.2 their session cookie does not
    survive the move, so they have to log in again. Keep the mixed window short."""
    if not hop.crosses(3, 2):
        return
    for e in _plugins(doc, SESSION_PLUGINS):
        yield finding(doc, "session-mixed", "warning", e, e.path,
                       f"sessions made by {hop.source} nodes are invalid on {hop.target} nodes and back: while traffic is split, "
                       "users bounced between X and Y must log in again; keep the steps between first and last short",
                       SRC_MIXED)


def queue_params(doc: ConfigDoc, hop: Hop, flavor: str) -> Iterator[Finding]:
    """3.3 moved batching and retries into ``config.queue``; 3.4 made queue sizes integers."""
    for e in _plugins(doc, QUEUE_PARAMS):
        cfg = config_of(e)
        if hop.reaches(3, 3):
            for old, (new, _) in QUEUE_PARAMS[str(e.data["name"])].items():
                if old not in cfg:
                    continue
                hint = f"use config.queue.{new}" if new else "it no longer works; use config.queue.max_retry_time (seconds)"
                yield finding(doc, "queue-params", "warning", e, e.path + ("config", old),
                               f"config.{old} is deprecated since 3.3 (removed in 4.0): {hint}", SRC_QUEUE, fixable=new is not None)
        queue = cfg.get("queue") if isinstance(cfg.get("queue"), dict) else {}
        if hop.reaches(3, 4):
            for key in QUEUE_INTEGERS:
                value = queue.get(key)
                if isinstance(value, float):
                    yield finding(doc, "queue-params", "error", e, e.path + ("config", "queue", key),
                                   f"config.queue.{key} is {value}: 3.4 takes an integer", SRC_QUEUE, fixable=value.is_integer())


def ee_plugin_changes(doc: ConfigDoc, hop: Hop, flavor: str) -> Iterator[Finding]:
    """decK's 280-to-340 reminders: statsd-advanced is deprecated, acme's Vault auth_method default changed."""
    if not hop.reaches(3, 0):
        return
    for e in _plugins(doc, ("statsd-advanced",)):
        yield finding(doc, "ee-plugin-changes", "warning", e, e.path,
                       "statsd-advanced is deprecated since 3.0 (removed in 4.0); the statsd plugin has all its capabilities",
                       SRC_DECK_280)
    if not hop.crosses(3, 0):
        return
    for e in _plugins(doc, ("acme",)):
        storage = config_of(e).get("storage_config")
        vault = storage.get("vault") if isinstance(storage, dict) else None
        if isinstance(vault, dict) and "auth_method" not in vault:
            yield finding(doc, "ee-plugin-changes", "warning", e, e.path + ("config", "storage_config", "vault"),
                           "config.storage_config.vault.auth_method now defaults to token: set it to keep the way this node logs in to Vault",
                           SRC_DECK_280)


RULES = (session_renames, session_mixed, queue_params, ee_plugin_changes)


# ---------------------------------------------------------------------------------- fixers
def _plugin_configs(data: dict, names: tuple[str, ...] | dict) -> Iterator[tuple[str, dict]]:
    for e in walk(data):
        cfg: Any = e.data.get("config")
        if e.kind == "plugin" and e.data.get("name") in names and isinstance(cfg, dict):
            yield str(e.data["name"]), cfg


def fix_session_renames(data: dict, hop: Hop) -> bool:
    """The 3.2 renames, when the new name is not already set. ``cookie_renew`` is left for a human."""
    if not hop.reaches(3, 2):
        return False
    changed = False
    for _, cfg in _plugin_configs(data, ("session",)):
        for old, new in SESSION_RENAMES.items():
            if new and old in cfg and new not in cfg:
                cfg[new], changed = cfg.pop(old), True
    return changed


def fix_queue_params(data: dict, hop: Hop) -> bool:
    """Do what Kong does on load: a deprecated parameter still at its old default is ignored (dropped), any
    other value moves into ``config.queue``. Integral float queue sizes become integers for 3.4."""
    changed = False
    for name, cfg in _plugin_configs(data, QUEUE_PARAMS):
        queue = cfg.get("queue") if isinstance(cfg.get("queue"), dict) else {}
        if hop.reaches(3, 3):
            for old, (new, old_default) in QUEUE_PARAMS[name].items():
                if new is None or old not in cfg or new in queue:
                    continue
                value = cfg.pop(old)
                if value is not None and value != old_default:
                    queue[new] = value
                changed = True
            if queue and "queue" not in cfg:
                cfg["queue"] = queue
        if hop.reaches(3, 4):
            for key in QUEUE_INTEGERS:
                value = queue.get(key)
                if isinstance(value, float) and value.is_integer():
                    queue[key], changed = int(value), True
    return changed


FIXERS = (fix_session_renames, fix_queue_params)
