"""The 3.14 "secure by default" changes, and decK's fixers that write the old defaults out. Pure.

3.14 changed defaults: routes default to ``protocols: [https]``, auth plugins to
``hide_credentials: true``, and ``tls_certificate_verify`` is on, so services on a TLS protocol and
plugins that call out over TLS verify certificates (https://developer.konghq.com/gateway/breaking-changes/,
https://github.com/Kong/deck/tree/main/convert/rulesets/310-to-314). Kong loads the file either
way: a field left out silently takes the new default, so these are warnings. decK's
``file convert --from 3.10 --to 3.14`` writes the old default where the file is silent
(https://github.com/Kong/deck/blob/main/convert/route_updates_314.go, service_updates_314.go and
plugin_updates_314.go); the tables below are decK's.
"""

from __future__ import annotations

from typing import Any, Iterator

from ..i18n import N_
from .config import ConfigDoc, Entity, walk
from .findings import Finding, Hop, config_of, finding
from .lint_yaml import set_default

HIDE_CREDENTIALS = ("key-auth", "key-auth-enc", "basic-auth", "hmac-auth", "ldap-auth", "oauth2",
                    "oauth2-introspection", "vault-auth", "ldap-auth-advanced")
SECURE_PROTOCOLS = ("https", "tls", "grpcs", "wss")
_VECTORDB = ("vectordb.pgvector.ssl_verify", "vectordb.redis.ssl_verify")
_KAFKA = ("security.ssl_verify", "schema_registry.confluent.authentication.oauth2_client.ssl_verify")
SSL_VERIFY: dict[str, tuple[str, ...]] = {  # plugin -> config paths whose TLS verification default changed
    "ace": ("rate_limiting.redis.ssl_verify",), "acme": ("storage_config.redis.ssl_verify",),
    "ai-aws-guardrail": ("ssl_verify",), "ai-azure-content-safety": ("ssl_verify",),
    "ai-proxy-advanced": _VECTORDB, "ai-rag-injector": _VECTORDB, "ai-semantic-cache": _VECTORDB,
    "ai-semantic-prompt-guard": _VECTORDB, "ai-semantic-response-guard": _VECTORDB,
    "ai-rate-limiting-advanced": ("redis.ssl_verify",), "aws-lambda": ("ssl_verify",),
    "azure-functions": ("https_verify",), "basic-auth": ("brute_force_protection.redis.ssl_verify",),
    "confluent": _KAFKA, "confluent-consume": _KAFKA, "kafka-log": _KAFKA, "kafka-upstream": _KAFKA,
    "kafka-consume": _KAFKA + ("topics.schema_registry.confluent.authentication.oauth2_client.ssl_verify",),
    "datakit": ("resources.cache.redis.ssl_verify",), "forward-proxy": ("https_verify",),
    "graphql-proxy-cache-advanced": ("redis.ssl_verify",), "graphql-rate-limiting-advanced": ("redis.ssl_verify",),
    "header-cert-auth": ("ssl_verify",), "http-log": ("ssl_verify",),
    "jwt-signer": ("access_token_endpoints_ssl_verify", "channel_token_endpoints_ssl_verify"),
    "ldap-auth": ("verify_ldap_host",), "ldap-auth-advanced": ("verify_ldap_host",), "mtls-auth": ("ssl_verify",),
    "openid-connect": ("ssl_verify", "cluster_cache_redis.ssl_verify", "redis.ssl_verify", "session_memcached_ssl_verify"),
    "proxy-cache-advanced": ("redis.ssl_verify",), "rate-limiting": ("redis.ssl_verify",),
    "rate-limiting-advanced": ("redis.ssl_verify",), "redis-partials": ("ssl_verify",),
    "request-callout": ("cache.redis.ssl_verify", "callouts.request.http_opts.ssl_verify"),
    "response-ratelimiting": ("redis.ssl_verify",), "saml": ("redis.ssl_verify",),
    "service-protection": ("redis.ssl_verify",), "solace-consume": ("session.ssl_validate_certificate",),
    "solace-log": ("session.ssl_validate_certificate",), "solace-upstream": ("session.ssl_validate_certificate",),
    "tcp-log": ("ssl_verify",), "upstream-oauth": ("client.ssl_verify", "cache.redis.ssl_verify"),
}
SRC_314 = ("https://developer.konghq.com/gateway/breaking-changes/ (3.14 secure by default); "
           "https://github.com/Kong/deck/tree/main/convert/rulesets/310-to-314")


def _parent(cfg: dict, dotted: str) -> tuple[Any, str]:
    """The mapping that holds the last key of ``dotted``, when every parent exists (decK's rule)."""
    *parents, leaf = dotted.split(".")
    node: Any = cfg
    for key in parents:
        node = node.get(key) if isinstance(node, dict) else None
    return (node if isinstance(node, dict) else None), leaf


def _call_nodes(e: Entity) -> list[dict]:
    """datakit's ``call`` nodes, which make HTTP calls of their own (decK's ``nodes[].ssl_verify``)."""
    nodes = config_of(e).get("nodes") if e.data.get("name") == "datakit" else None
    return [n for n in (nodes if isinstance(nodes, list) else []) if isinstance(n, dict) and n.get("type") == "call"]


def _unset_verifies(e: Entity) -> list[str]:
    """The TLS-verify fields decK would write for this plugin: their parents exist, they do not."""
    unset = ["nodes[].ssl_verify"] if any("ssl_verify" not in n for n in _call_nodes(e)) else []
    for path in SSL_VERIFY.get(str(e.data.get("name")), ()):
        holder, leaf = _parent(config_of(e), path)
        if holder is not None and leaf not in holder:
            unset.append(path)
    return unset


def _route_defaults(doc: ConfigDoc) -> Iterator[Finding]:
    for e in doc.entities("route"):
        if not e.data.get("protocols"):
            yield finding(doc, "secure-defaults", "warning", e, e.path,
                          N_("no protocols: 3.14 defaults new routes to [https], so plain-HTTP requests stop matching; set protocols: [http, https] to keep today's behaviour"),
                          SRC_314, fixable=True)
    for e in doc.entities("service"):
        if e.data.get("protocol") in SECURE_PROTOCOLS and "tls_verify" not in e.data:
            yield finding(doc, "secure-defaults", "warning", e, e.path + ("protocol",),
                          N_("protocol {data} without tls_verify: 3.14 verifies the upstream's certificate by default; set tls_verify: false to keep today's behaviour").format(
                              data=e.data['protocol']),
                          SRC_314, fixable=True)


def secure_defaults(doc: ConfigDoc, hop: Hop, flavor: str) -> Iterator[Finding]:
    """3.14 defaults: routes https-only, auth plugins hide credentials, TLS verified. DB-less loads create
    entities afresh (inferred, untested), so a field left out takes the new default."""
    if not hop.crosses(3, 14):
        return
    yield from _route_defaults(doc)
    for e in doc.entities("plugin"):
        where = e.path + ("config",) if "config" in e.data else e.path
        if e.data.get("name") in HIDE_CREDENTIALS and "hide_credentials" not in config_of(e):
            yield finding(doc, "secure-defaults", "warning", e, where,
                          N_("no config.hide_credentials: 3.14 defaults it to true, so the upstream stops seeing the credential; set it to false to keep today's behaviour"),
                          SRC_314, fixable=True)
        unset = _unset_verifies(e)
        if unset:
            yield finding(doc, "secure-defaults", "warning", e, where,
                          N_("3.14 verifies TLS certificates by default: set {join} to false to keep today's behaviour").format(
                              join=', '.join('config.' + p for p in unset)),
                          SRC_314, fixable=True)


RULES = (secure_defaults,)


def fix_secure_defaults(data: dict, hop: Hop) -> bool:
    """decK 3.10 -> 3.14: write the pre-3.14 defaults where the file is silent."""
    if not hop.crosses(3, 14):
        return False
    changed = False
    for e in walk(data):
        if e.kind == "route" and not e.data.get("protocols"):
            e.data["protocols"], changed = ["http", "https"], True
        elif e.kind == "service" and e.data.get("protocol") in SECURE_PROTOCOLS:
            changed = set_default(e.data, "tls_verify", False) or changed
        elif e.kind == "plugin" and e.data.get("name") in (*HIDE_CREDENTIALS, *SSL_VERIFY):
            changed = _plugin_defaults(e) or changed
    return changed


def _plugin_defaults(e: Entity) -> bool:
    if not isinstance(e.data.get("config"), dict):
        e.data["config"] = {}
    cfg, changed = e.data["config"], False
    if e.data.get("name") in HIDE_CREDENTIALS:
        changed = set_default(cfg, "hide_credentials", False)
    for path in SSL_VERIFY.get(str(e.data.get("name")), ()):
        holder, leaf = _parent(cfg, path)
        if holder is not None:
            changed = set_default(holder, leaf, False) or changed
    for node in _call_nodes(e):
        changed = set_default(node, "ssl_verify", False) or changed
    return changed


FIXERS = (fix_secure_defaults,)
