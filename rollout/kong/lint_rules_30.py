"""The kong.yml rules for the 2.x -> 3.0 break (besides route paths), and their decK fixers. Pure.

A rule is ``rule(doc, hop, router_flavor) -> iterable of Finding`` and decides for itself
whether the hop concerns it. A fixer is ``fixer(data, hop) -> bool`` (changed anything) and
edits round-trip data the way decK's ``file convert --from 2.8 --to 3.4`` does
(https://github.com/Kong/deck/blob/main/convert/plugin_updates.go). Every rule names its public
source: ``kong@TAG path`` is https://github.com/Kong/kong/blob/TAG/path; ``CHANGELOG x.y.z #N``
is that entry of Kong's CHANGELOG.md and pull request N. Route paths are in ``lint_rules_router``.
"""

from __future__ import annotations

from typing import Any, Iterator

from ..i18n import N_
from .config import ConfigDoc, Entity, walk
from .findings import Finding, Hop, config_of, finding
from .lint_yaml import put_first, quoted, rename_key

RENAMES = {  # plugin -> {removed field: its 3.x name}
    "acl": {"whitelist": "allow", "blacklist": "deny"},
    "ip-restriction": {"whitelist": "allow", "blacklist": "deny"},
    "bot-detection": {"whitelist": "allow", "blacklist": "deny"},
    "pre-function": {"functions": "access"},
    "post-function": {"functions": "access"},
}
PROMETHEUS_FLAGS = ("status_code_metrics", "latency_metrics", "bandwidth_metrics", "upstream_health_metrics")

SRC_28_FORMAT = "kong@2.8.5 kong/db/schema/others/declarative_config.lua (_format_version one_of 1.1/2.1) and kong/db/schema/typedefs.lua (paths start with /)"
SRC_RENAMES = ("kong@2.8.5 vs kong@3.4.2 kong/plugins/*/schema.lua; CHANGELOG 3.0.0 #8559; "
               "https://github.com/Kong/deck/blob/main/convert/plugin_updates.go (updateLegacyFieldToNewField)")
SRC_AWS = ("https://docs.konghq.com/gateway/latest/breaking-changes/30x/ (aws-lambda: proxy_scheme removed, aws_region required); "
           "kong@3.4.2 kong/plugins/aws-lambda/handler.lua (no region: the request fails)")
SRC_HTTP_LOG = "kong@3.4.2 kong/plugins/http-log/schema.lua (one string per header)"
SRC_VAULTS = "kong@3.0.0 declarative config: vaults_beta renamed vaults (https://github.com/Kong/kong/commit/29d0e3c39b)"
SRC_PROMETHEUS = "kong@3.4.2 kong/plugins/prometheus/schema.lua and handler.lua (per-request metric flags default false)"
SRC_DECK_280 = "https://github.com/Kong/deck/blob/main/convert/rulesets/280-to-340/plugins.yaml"


def rollback_file(doc: ConfigDoc, hop: Hop, flavor: str) -> Iterator[Finding]:
    """2.8 rejects a 3.0 file and ``~`` paths, so a 2.x -> 3.x hop needs two files: X keeps the 2.x one."""
    if not (hop.source.major == 2 and hop.target.major >= 3):
        return
    x, y = hop.source, hop.target
    if doc.is_3x_format:
        yield finding(doc, "rollback-file", "error", None, ("_format_version",),
                      N_('_format_version "{format_version}" is rejected by {x} (1.1/2.1 only): give this file to the Y nodes ({y}) only and keep the 2.x file for X and for a rollback').format(
                          format_version=doc.format_version, x=x, y=y),
                      SRC_28_FORMAT)
    else:
        yield finding(doc, "rollback-file", "warning", None, ("_format_version",),
                      N_('keep this {format_version} file for the X nodes ({x}) and a rollback; the Y nodes ({y}) get a converted copy with _format_version "3.0" (--fix)').format(
                          format_version=doc.format_version or "2.x", x=x, y=y),
                      SRC_28_FORMAT, fixable=True)
    for e in doc.entities("route"):
        paths = e.data.get("paths")
        for i, p in enumerate(paths if isinstance(paths, list) else []):
            if isinstance(p, str) and p.startswith("~"):
                yield finding(doc, "rollback-file", "error", e, e.path + ("paths", i),
                              N_("{x} rejects path '{p}' (paths must start with /): this route cannot be served by X").format(
                                  x=x, p=p), SRC_28_FORMAT)


def is_empty(value: Any) -> bool:
    """decK's ``isEmpty``: null, an empty string, list or mapping."""
    return value is None or (isinstance(value, (str, list, dict)) and len(value) == 0)


def _renamed_message(old: str, new: str, clash: bool) -> str:
    message = N_("config.{old} was removed in 3.0: use config.{new}").format(old=old, new=new)
    return N_("{message}; both have values, merge them by hand (decK refuses the file too)").format(
        message=message) if clash else message


def _renamed(doc: ConfigDoc, e: Entity) -> Iterator[Finding]:
    cfg = config_of(e)
    for old, new in RENAMES.get(str(e.data.get("name")), {}).items():
        if old in cfg:
            clash = new in cfg and not is_empty(cfg[old]) and not is_empty(cfg[new])
            yield finding(doc, "removed-field", "error", e, e.path + ("config", old),
                          _renamed_message(old, new, clash), SRC_RENAMES, fixable=not clash)


def removed_fields(doc: ConfigDoc, hop: Hop, flavor: str) -> Iterator[Finding]:
    """Fields 3.x no longer knows fail validation: the whole file is refused, not just the plugin."""
    if not hop.reaches(3, 0):
        return
    for e in doc.entities("plugin"):
        yield from _renamed(doc, e)
        cfg, name = config_of(e), e.data.get("name")
        if name == "aws-lambda" and "proxy_scheme" in cfg:
            yield finding(doc, "removed-field", "error", e, e.path + ("config", "proxy_scheme"),
                          N_("config.proxy_scheme was removed in 3.0"), SRC_AWS, fixable=True)
        if name == "http-log" and isinstance(cfg.get("headers"), dict):
            for header, value in cfg["headers"].items():
                if isinstance(value, list):
                    yield finding(doc, "removed-field", "error", e, e.path + ("config", "headers", header),
                                  N_("config.headers.{header} is a list; 3.x takes one string per header").format(
                                      header=header), SRC_HTTP_LOG)
    if "vaults_beta" in doc.data:
        yield finding(doc, "removed-field", "error", None, ("vaults_beta",),
                      N_("top-level vaults_beta was renamed vaults in 3.0"), SRC_VAULTS, fixable=True)


def aws_region(doc: ConfigDoc, hop: Hop, flavor: str) -> Iterator[Finding]:
    """3.x aws-lambda needs a region: Kong loads the file, but without AWS_REGION on Y every call fails."""
    if not hop.crosses(3, 0):
        return
    for e in doc.entities("plugin"):
        cfg = config_of(e)
        if e.data.get("name") == "aws-lambda" and not cfg.get("aws_region") and not cfg.get("host"):
            yield finding(doc, "aws-region", "warning", e, e.path + ("config",) if "config" in e.data else e.path,
                          N_("no config.aws_region: 3.x calls fail unless the Y nodes have AWS_REGION (or AWS_DEFAULT_REGION) set"),
                          SRC_AWS)


def prometheus_metrics(doc: ConfigDoc, hop: Hop, flavor: str) -> Iterator[Finding]:
    """3.x exports per-request metrics only when asked; dashboards and Turnout's gates lose them silently."""
    if not hop.crosses(3, 0):
        return
    for e in doc.entities("plugin"):
        if e.data.get("name") != "prometheus":
            continue
        unset = [f for f in PROMETHEUS_FLAGS if config_of(e).get(f) is not True]
        if unset:
            yield finding(doc, "prometheus-metrics", "warning", e, e.path + ("config",) if "config" in e.data else e.path,
                          N_("3.x exports no per-request metrics (requests, latency, bandwidth, upstream health) unless set: {join}").format(
                              join=', '.join(unset)),
                          SRC_PROMETHEUS)


def ee_plugin_changes(doc: ConfigDoc, hop: Hop, flavor: str) -> Iterator[Finding]:
    """decK's 280-to-340 reminders: statsd-advanced is deprecated, acme's Vault auth_method default changed."""
    if not hop.reaches(3, 0):
        return
    for e in doc.entities("plugin"):
        if e.data.get("name") == "statsd-advanced":
            yield finding(doc, "ee-plugin-changes", "warning", e, e.path,
                          N_("statsd-advanced is deprecated since 3.0 (removed in 4.0); the statsd plugin has all its capabilities"),
                          SRC_DECK_280)
        storage = config_of(e).get("storage_config") if e.data.get("name") == "acme" else None
        vault = storage.get("vault") if isinstance(storage, dict) else None
        if hop.crosses(3, 0) and isinstance(vault, dict) and "auth_method" not in vault:
            yield finding(doc, "ee-plugin-changes", "warning", e, e.path + ("config", "storage_config", "vault"),
                          N_("config.storage_config.vault.auth_method now defaults to token: set it to keep the way this node logs in to Vault"),
                          SRC_DECK_280)


RULES = (rollback_file, removed_fields, aws_region, prometheus_metrics, ee_plugin_changes)


# ---------------------------------------------------------------------------------- fixers
def fix_format_version(data: dict, hop: Hop) -> bool:
    """decK: ``_format_version: "3.0"``, kept first in the file."""
    if not hop.reaches(3, 0) or str(data.get("_format_version", "")).startswith("3"):
        return False
    put_first(data, "_format_version", quoted("3.0"))
    return True


def _move_legacy(cfg: dict, old: str, new: str) -> bool:
    """decK's ``updateLegacyFieldToNewField``: an empty side gives way; two values are left (and refused)."""
    if new in cfg:
        if is_empty(cfg[old]):
            del cfg[old]
            return True
        if not is_empty(cfg[new]):
            return False
        del cfg[new]
    rename_key(cfg, old, new)
    return True


def fix_renamed_fields(data: dict, hop: Hop) -> bool:
    """decK 2.8 -> 3.4: whitelist/blacklist -> allow/deny, functions -> access, drop aws-lambda proxy_scheme."""
    if not hop.reaches(3, 0):
        return False
    changed = False
    for e in walk(data):
        cfg: Any = e.data.get("config") if e.kind == "plugin" else None
        if not isinstance(cfg, dict):
            continue
        for old, new in RENAMES.get(str(e.data.get("name")), {}).items():
            if old in cfg:
                changed = _move_legacy(cfg, old, new) or changed
        if e.data.get("name") == "aws-lambda" and "proxy_scheme" in cfg:
            del cfg["proxy_scheme"]
            changed = True
    if "vaults_beta" in data and "vaults" not in data:
        rename_key(data, "vaults_beta", "vaults")
        changed = True
    return changed


FIXERS = (fix_format_version, fix_renamed_fields)
