"""The kong.yml lint rules for the 2.x -> 3.x break, and their mechanical fixers, one small function each. Pure.

A rule is ``rule(doc, hop, router_flavor) -> iterable of Finding`` and decides for itself
whether the hop concerns it. A fixer is ``fixer(data, hop) -> bool`` (changed anything) and
mutates parsed data the way decK's ``file convert`` does. Every rule names its public source:
a Kong source file at a tag, a changelog entry or a docs page (``SRC_*`` below). ``kong@TAG path``
is https://github.com/Kong/kong/blob/TAG/path; ``CHANGELOG x.y.z #N`` is that entry of Kong's
CHANGELOG.md and pull request N.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from .config import ConfigDoc, Entity, walk
from .findings import Finding, Hop, config_of, finding

PLAIN_PATH = re.compile(r"^[a-zA-Z0-9._~/%-]*$")  # Kong's migrate_path_280_300 and decK's IsPathRegexLike
LOOKAROUND = re.compile(r"\(\?<?[=!]|\\[1-9]|\\k<")
RENAMES = {  # plugin -> {removed field: its 3.x name}
    "acl": {"whitelist": "allow", "blacklist": "deny"},
    "ip-restriction": {"whitelist": "allow", "blacklist": "deny"},
    "bot-detection": {"whitelist": "allow", "blacklist": "deny"},
    "pre-function": {"functions": "access"},
    "post-function": {"functions": "access"},
}
PROMETHEUS_FLAGS = ("status_code_metrics", "latency_metrics", "bandwidth_metrics", "upstream_health_metrics")
AUTH_PLUGINS = ("key-auth", "key-auth-enc", "basic-auth", "hmac-auth", "ldap-auth", "ldap-auth-advanced", "oauth2")

SRC_ROUTER = ("Kong docs 'New router' https://docs.konghq.com/gateway/latest/breaking-changes/30x/; "
              "kong@3.4.2 kong/db/migrations/migrate_path_280_300.lua; https://github.com/Kong/deck/blob/main/convert/route_updates.go")
SRC_28_FORMAT = "kong@2.8.5 kong/db/schema/others/declarative_config.lua (_format_version one_of 1.1/2.1) and kong/db/schema/typedefs.lua (paths start with /)"
SRC_RENAMES = ("kong@2.8.5 vs kong@3.4.2 kong/plugins/*/schema.lua; CHANGELOG 3.0.0 #8559; "
               "https://github.com/Kong/deck/tree/main/convert/rulesets/280-to-340")
SRC_HTTP_LOG = "kong@3.4.2 kong/plugins/http-log/schema.lua (one string per header)"
SRC_VAULTS = "kong@3.0.0 declarative config: vaults_beta renamed vaults (https://github.com/Kong/kong/commit/29d0e3c39b)"
SRC_FLAVOR = ("kong@3.4.2 kong/templates/kong_defaults.lua (router_flavor = traditional_compatible); "
              "https://github.com/Kong/docs.konghq.com/blob/fb0334b0c3/app/_data/tables/breaking_changes_lts.yml")
SRC_PROMETHEUS = "kong@3.4.2 kong/plugins/prometheus/schema.lua and handler.lua (per-request metric flags default false)"
SRC_314 = ("https://developer.konghq.com/gateway/breaking-changes/ (3.14 secure by default); "
           "https://github.com/Kong/deck/tree/main/convert/rulesets/310-to-314")


def is_regex_like(path: str) -> bool:
    return not path.startswith("~") and not PLAIN_PATH.match(path)


def _paths(e: Entity) -> Iterator[tuple[int, str]]:
    paths = e.data.get("paths")
    for i, p in enumerate(paths if isinstance(paths, list) else []):
        if isinstance(p, str):
            yield i, p


def regex_paths(doc: ConfigDoc, hop: Hop, flavor: str) -> Iterator[Finding]:
    """3.x matches a path as a regex only with a leading ``~``; 1.1/2.1 files are migrated, 3.0 files are trusted."""
    if not hop.reaches(3, 0):
        return
    for e in doc.entities("route"):
        for i, p in _paths(e):
            if not is_regex_like(p):
                continue
            where = e.path + ("paths", i)
            if doc.is_3x_format:
                yield finding(doc, "regex-path", "error", e, where,
                               f"path '{p}' looks like a regex but a 3.0 file makes it a literal prefix; write '~{p}' if a regex is meant",
                               SRC_ROUTER)
            else:
                yield finding(doc, "regex-path", "warning", e, where,
                               f"path '{p}' is a regex: 3.x needs '~{p}' (Kong migrates 1.1/2.1 files on load; the converted file must say it)",
                               SRC_ROUTER, fixable=True)


def rollback_file(doc: ConfigDoc, hop: Hop, flavor: str) -> Iterator[Finding]:
    """2.8 rejects a 3.0 file and ``~`` paths, so a 2.x -> 3.x hop needs two files: X keeps the 2.x one."""
    if not (hop.source.major == 2 and hop.target.major >= 3):
        return
    x, y = hop.source, hop.target
    if doc.is_3x_format:
        yield finding(doc, "rollback-file", "error", None, ("_format_version",),
                       f'_format_version "{doc.format_version}" is rejected by {x} (1.1/2.1 only): give this file to the Y nodes ({y}) only and keep the 2.x file for X and for a rollback',
                       SRC_28_FORMAT)
    else:
        yield finding(doc, "rollback-file", "warning", None, ("_format_version",),
                       f'keep this {doc.format_version or "2.x"} file for the X nodes ({x}) and a rollback; the Y nodes ({y}) get a converted copy with _format_version "3.0" (--fix)',
                       SRC_28_FORMAT, fixable=True)
    for e in doc.entities("route"):
        for i, p in _paths(e):
            if p.startswith("~"):
                yield finding(doc, "rollback-file", "error", e, e.path + ("paths", i),
                               f"{x} rejects path '{p}' (paths must start with /): this route cannot be served by X", SRC_28_FORMAT)


def _renamed(doc: ConfigDoc, e: Entity) -> Iterator[Finding]:
    cfg = config_of(e)
    for old, new in RENAMES.get(str(e.data.get("name")), {}).items():
        if old in cfg:
            clash = new in cfg
            tail = "; both are set, merge them by hand" if clash else ""
            yield finding(doc, "removed-field", "error", e, e.path + ("config", old),
                           f"config.{old} was removed in 3.0: use config.{new}{tail}", SRC_RENAMES, fixable=not clash)


def removed_fields(doc: ConfigDoc, hop: Hop, flavor: str) -> Iterator[Finding]:
    """Fields 3.x no longer knows fail validation: the whole file is refused, not just the plugin."""
    if not hop.reaches(3, 0):
        return
    for e in doc.entities("plugin"):
        yield from _renamed(doc, e)
        cfg, name = config_of(e), e.data.get("name")
        if name == "aws-lambda" and "proxy_scheme" in cfg:
            yield finding(doc, "removed-field", "error", e, e.path + ("config", "proxy_scheme"),
                           "config.proxy_scheme was removed in 3.0 (and aws_region must be set, in config or AWS_REGION)",
                           SRC_RENAMES, fixable=True)
        if name == "http-log" and isinstance(cfg.get("headers"), dict):
            for header, value in cfg["headers"].items():
                if isinstance(value, list):
                    yield finding(doc, "removed-field", "error", e, e.path + ("config", "headers", header),
                                   f"config.headers.{header} is a list; 3.x takes one string per header", SRC_HTTP_LOG)
    if "vaults_beta" in doc.data:
        yield finding(doc, "removed-field", "error", None, ("vaults_beta",),
                       "top-level vaults_beta was renamed vaults in 3.0", SRC_VAULTS, fixable=True)


def regex_lookaround(doc: ConfigDoc, hop: Hop, flavor: str) -> Iterator[Finding]:
    """The 3.x default router (traditional_compatible) has no look-around, back-references or path_handling v1."""
    if not hop.reaches(3, 0) or flavor == "traditional":
        return
    for e in doc.entities("route"):
        for i, p in _paths(e):
            regex = p.startswith("~") or (not doc.is_3x_format and is_regex_like(p))
            if regex and LOOKAROUND.search(p):
                yield finding(doc, "regex-lookaround", "error", e, e.path + ("paths", i),
                               f"path '{p}' uses look-around or a back-reference, which router_flavor {flavor} rejects; rewrite it or run Y with router_flavor = traditional",
                               SRC_FLAVOR)
        if e.data.get("path_handling") == "v1":
            yield finding(doc, "regex-lookaround", "error", e, e.path + ("path_handling",),
                           f"path_handling v1 works only with router_flavor traditional, not {flavor}", SRC_FLAVOR)


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
                           f"3.x exports no per-request metrics (requests, latency, bandwidth, upstream health) unless set: {', '.join(unset)}",
                           SRC_PROMETHEUS)


def secure_defaults(doc: ConfigDoc, hop: Hop, flavor: str) -> Iterator[Finding]:
    """3.14 defaults: routes https-only, auth plugins hide credentials. DB-less loads create entities afresh
    (inferred, untested), so a field left out takes the new default."""
    if not hop.crosses(3, 14):
        return
    for e in doc.entities("route"):
        if "protocols" not in e.data:
            yield finding(doc, "secure-defaults", "warning", e, e.path,
                           "no protocols: 3.14 defaults new routes to [https], so plain-HTTP requests stop matching; set protocols: [http, https] to keep today's behaviour",
                           SRC_314)
    for e in doc.entities("plugin"):
        if e.data.get("name") in AUTH_PLUGINS and "hide_credentials" not in config_of(e):
            yield finding(doc, "secure-defaults", "warning", e, e.path,
                           "no config.hide_credentials: 3.14 defaults it to true, so the upstream stops seeing the credential; set it to false to keep today's behaviour",
                           SRC_314)


RULES = (rollback_file, regex_paths, removed_fields, regex_lookaround, prometheus_metrics, secure_defaults)


# ---------------------------------------------------------------------------------- fixers
def _routes(data: dict) -> Iterator[dict]:
    return (e.data for e in walk(data) if e.kind == "route")


def _plugins(data: dict) -> Iterator[dict]:
    return (e.data for e in walk(data) if e.kind == "plugin")


def fix_regex_paths(data: dict, hop: Hop) -> bool:
    """decK: prefix ``~`` on regex-like paths (decK walks only nested routes; Kong migrates all, so do we)."""
    if not hop.reaches(3, 0) or str(data.get("_format_version", "")).startswith("3"):
        return False
    changed = False
    for route in _routes(data):
        paths = route.get("paths")
        for i, p in enumerate(paths if isinstance(paths, list) else []):
            if isinstance(p, str) and is_regex_like(p):
                paths[i], changed = "~" + p, True
    return changed


def fix_format_version(data: dict, hop: Hop) -> bool:
    """decK: ``_format_version: "3.0"``, kept first in the file."""
    if not hop.reaches(3, 0) or str(data.get("_format_version", "")).startswith("3"):
        return False
    rest = {k: v for k, v in data.items() if k != "_format_version"}
    data.clear()
    data.update({"_format_version": "3.0", **rest})
    return True


def fix_renamed_fields(data: dict, hop: Hop) -> bool:
    """decK 2.8 -> 3.4: whitelist/blacklist -> allow/deny, functions -> access, drop aws-lambda proxy_scheme."""
    if not hop.reaches(3, 0):
        return False
    changed = False
    for plugin in _plugins(data):
        cfg: Any = plugin.get("config")
        if not isinstance(cfg, dict):
            continue
        for old, new in RENAMES.get(str(plugin.get("name")), {}).items():
            if old in cfg and new not in cfg:
                cfg[new], changed = cfg.pop(old), True
        if plugin.get("name") == "aws-lambda" and "proxy_scheme" in cfg:
            del cfg["proxy_scheme"]
            changed = True
    if "vaults_beta" in data and "vaults" not in data:
        data["vaults"] = data.pop("vaults_beta")
        changed = True
    return changed


FIXERS = (fix_regex_paths, fix_format_version, fix_renamed_fields)
