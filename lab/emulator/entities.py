"""The declarative entities the emulator checks, per played Kong version, with Kong's texts.

Read from Kong's entity schemas (https://github.com/Kong/kong/tree/3.4.2/kong/db/schema/entities:
services.lua, routes.lua + routes_subschemas.lua, consumers.lua, plugins.lua, upstreams.lua,
targets.lua, certificates.lua, snis.lua; kong/db/schema/typedefs.lua; 2.8.5 for the 2.8 path
rule and protocols) and the bundled plugins' schema.lua for the plugin configs listed in
``plugin_configs``. Enough for Kong's off_spec cases and the lab's own configs.

Not checked (said so, so nobody trusts it further): certificate and key PEM contents, hostname
and name character rules, header maps, vault/key/key_set/ca_certificate/workspace entities
(accepted as given), configs of plugins not in ``plugin_configs`` (any record passes), the
expressions router flavour. Regexes are compiled with Python's ``re``, not PCRE.
"""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import urlparse

from rollout.kong.version import KongVersion

from .schema import EXPECTED, REQUIRED, EntitySchema, F, at_least_one_of, check_record, conditional_null

PROTOCOLS = ("grpc", "grpcs", "http", "https", "tcp", "tls", "tls_passthrough", "udp")
INT_MAX = 2147483648
TOP_LEVEL_28 = ("consumers", "certificates", "ca_certificates", "services", "routes", "snis", "upstreams",
                "targets", "plugins", "parameters", "workspaces", "clustering_data_planes", "vaults_beta")
TOP_LEVEL_3X = ("consumers", "certificates", "ca_certificates", "services", "routes", "snis", "upstreams",
                "targets", "plugins", "parameters", "workspaces", "clustering_data_planes", "vaults")
PLUGIN_DAOS = {"keyauth_credentials": "key-auth", "basicauth_credentials": "basic-auth", "hmacauth_credentials": "hmac-auth",
               "jwt_secrets": "jwt", "acls": "acl", "oauth2_credentials": "oauth2", "oauth2_authorization_codes": "oauth2",
               "oauth2_tokens": "oauth2", "acme_storage": "acme", "sessions": "session"}
CREDENTIALS = ("keyauth_credentials", "basicauth_credentials", "acls", "jwt_secrets", "hmacauth_credentials",
               "oauth2_credentials")


def _uuid(value: Any) -> str | None:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return "expected a valid UUID"
    return None


ID = F("string", check=_uuid)
TS = F("integer")
TAGS = F("set", elements=F("string"))
PORT = F("integer", between=(0, 65535))
TIMEOUT = F("integer", between=(1, 2147483646))
STRINGS = F("array", elements=F("string"))
BOOL = F("boolean")


def regex_error(rx: str) -> str | None:
    """Kong dry-runs a regex path with PCRE; Python's ``re`` stands in (PCRE's own texts differ)."""
    try:
        re.compile(rx)
    except re.error as exc:
        reason = "missing )" if "missing )" in str(exc) else str(exc).split(" at position")[0]
        return f"invalid regex: '{rx}' (PCRE returned: pcre_compile() failed: {reason} in \"{rx}\")"
    return None


def route_path(v: KongVersion):
    """typedefs.path for routes: 2.8 wants a leading ``/``; 3.x a ``/`` or ``~/`` (regex) path."""

    def check(path: str) -> str | None:
        if v.at_least(3, 0):
            if not (path.startswith("/") or path.startswith("~/")):
                return "should start with: / (fixed path) or ~/ (regex path)"
        elif not path.startswith("/"):
            return "should start with: /"
        if "//" in path:
            return "must not have empty segments"
        return regex_error(path[1:]) if v.at_least(3, 0) and path.startswith("~") else None

    return check


def _route_protocols(v: KongVersion):
    """3.x picks the route subschema by the first protocol ("unknown type: x"); 2.8 checks each."""

    def check(protocols: list[Any]) -> Any:
        if v.at_least(3, 0) and protocols and protocols[0] not in PROTOCOLS:
            return f"unknown type: {protocols[0]}"
        errs = {i: "expected one of: " + ", ".join(PROTOCOLS) for i, p in enumerate(protocols, 1) if p not in PROTOCOLS}
        return errs or None

    return check


def _route_needs(item: dict[str, Any], errs: dict[str, Any]) -> dict[str, Any]:
    """routes_subschemas.lua: what each protocol family must set."""
    protocols = item.get("protocols") or ["http", "https"]
    if "protocols" in errs or not isinstance(protocols, list):
        return {}
    first = protocols[0]
    if first in ("tcp", "tls", "udp"):
        return at_least_one_of(("sources", "destinations", "snis"),
                               "must set one of 'sources', 'destinations', 'snis' when 'protocols' is 'tcp', 'tls' or 'udp'")(item, errs)
    if first == "tls_passthrough":
        return at_least_one_of(("snis",), "must set snis when 'protocols' is 'tls_passthrough'")(item, errs)
    if first in ("grpc", "grpcs"):
        return at_least_one_of(("hosts", "headers", "paths"),
                               f"must set one of 'hosts', 'headers', 'paths' when 'protocols' is '{first}'")(item, errs)
    if "https" in protocols:
        return at_least_one_of(("methods", "hosts", "headers", "paths", "snis"),
                               "must set one of 'methods', 'hosts', 'headers', 'paths', 'snis' when 'protocols' is 'https'")(item, errs)
    return at_least_one_of(("methods", "hosts", "headers", "paths"),
                           "must set one of 'methods', 'hosts', 'headers', 'paths' when 'protocols' is 'http'")(item, errs)


def _service_host(item: dict[str, Any], errs: dict[str, Any]) -> dict[str, Any]:
    """``host`` is required unless the ``url`` shorthand gives it."""
    return {} if item.get("host") is not None or item.get("url") is not None else {"host": REQUIRED}


def _target(value: str) -> str | None:
    """targets.lua: ``host[:port]`` with a valid hostname or IP and a numeric port."""
    host, _, port = value.rpartition(":") if value.count(":") == 1 else (value, "", "")
    host = host or value
    bad_port = port != "" and not (port.isdigit() and 0 <= int(port) <= 65535)
    if bad_port or not re.fullmatch(r"[A-Za-z0-9_.\-]+|\[[0-9A-Fa-f:.]+\]", host):
        return f"Invalid target ('{value}'); not a valid hostname or ip address"
    return None


def _url(value: str) -> str | None:
    return None if urlparse(value).hostname else "missing host in url"


def healthchecks() -> F:
    statuses = F("array", elements=F("integer", between=(100, 999)))
    counter = F("integer", between=(0, 255))
    interval = F("number", between=(0, 65535))
    active = {"type": F("string", one_of=("tcp", "http", "https", "grpc", "grpcs")), "timeout": F("number", between=(0, 65535)),
              "concurrency": F("integer", between=(1, INT_MAX)), "http_path": F("string"), "https_sni": F("string"),
              "https_verify_certificate": BOOL, "headers": F("map"),
              "healthy": F("record", fields={"interval": interval, "successes": counter, "http_statuses": statuses}),
              "unhealthy": F("record", fields={"interval": interval, "http_failures": counter, "tcp_failures": counter,
                                               "timeouts": counter, "http_statuses": statuses})}
    passive = {"type": F("string", one_of=("tcp", "http", "https", "grpc", "grpcs")),
               "healthy": F("record", fields={"successes": counter, "http_statuses": statuses}),
               "unhealthy": F("record", fields={"http_failures": counter, "tcp_failures": counter, "timeouts": counter,
                                                "http_statuses": statuses})}
    return F("record", fields={"active": F("record", fields=active), "passive": F("record", fields=passive),
                               "threshold": F("number", between=(0, 100))})


def plugin_configs(v: KongVersion) -> dict[str, dict[str, F]]:
    """Config records of the plugins the lab and Kong's off_spec cases use (schema.lua per plugin)."""
    auth = {"anonymous": F("string"), "hide_credentials": BOOL}
    if v.at_least(3, 7):
        auth["realm"] = F("string")
    prometheus = {"per_consumer": BOOL}
    if v.at_least(3, 0):
        prometheus.update({k: BOOL for k in ("status_code_metrics", "latency_metrics", "bandwidth_metrics",
                                             "upstream_health_metrics")})
    if v.at_least(3, 8):
        prometheus["ai_metrics"] = BOOL
    http_log = {"http_endpoint": F("string", required=True, check=_url), "method": F("string", one_of=("POST", "PUT", "PATCH")),
                "content_type": F("string"), "timeout": F("number"), "keepalive": F("number"), "retry_count": F("integer"),
                "queue_size": F("integer"), "flush_timeout": F("number"), "headers": F("map"),
                "custom_fields_by_lua": F("map"), "queue": F("record")}
    return {
        "key-auth": {**auth, "key_names": STRINGS, "key_in_header": BOOL, "key_in_query": BOOL, "key_in_body": BOOL,
                     "run_on_preflight": BOOL},
        "basic-auth": auth,
        "http-log": http_log,
        "tcp-log": {"host": F("string", required=True), "port": F("integer", required=True, between=(0, 65535)),
                    "timeout": F("number"), "keepalive": F("number"), "tls": BOOL, "tls_sni": F("string"),
                    "custom_fields_by_lua": F("map")},
        "cors": {"origins": STRINGS, "headers": STRINGS, "exposed_headers": STRINGS, "methods": STRINGS,
                 "max_age": F("number"), "credentials": BOOL, "preflight_continue": BOOL, "private_network": BOOL},
        "prometheus": prometheus,
    }


def _plugin_check(v: KongVersion, installed: frozenset[str]):
    configs = plugin_configs(v)

    def check(item: dict[str, Any], errs: dict[str, Any]) -> dict[str, Any]:
        name = item.get("name")
        if "name" in errs or not isinstance(name, str):
            return {}
        if name not in installed:
            return {"name": f"plugin '{name}' not enabled; add it to the 'plugins' configuration property"}
        config = item.get("config")
        if name not in configs or "config" in errs:
            return {}
        if config is not None and not isinstance(config, dict):
            return {"config": EXPECTED["record"]}
        found = check_record(configs[name], config or {})
        return {"config": found} if found else {}

    return check


def _service(stamped: dict[str, F]) -> dict[str, F]:
    return {**stamped, "name": F("string"), "retries": F("integer", between=(0, 32767)),
            "protocol": F("string", one_of=PROTOCOLS), "host": F("string"), "port": PORT, "path": F("string"),
            "connect_timeout": TIMEOUT, "write_timeout": TIMEOUT, "read_timeout": TIMEOUT, "url": F("string"),
            "client_certificate": F("foreign", reference="certificates"), "tls_verify": BOOL,
            "tls_verify_depth": F("integer", between=(0, 64)), "ca_certificates": F("array", elements=ID), "enabled": BOOL}


def _route(v: KongVersion, stamped: dict[str, F]) -> dict[str, F]:
    return {**stamped, "name": F("string"), "protocols": F("set", check=_route_protocols(v)), "methods": STRINGS,
            "hosts": STRINGS, "paths": F("array", elements=F("string", check=route_path(v))), "headers": F("map"),
            "https_redirect_status_code": F("integer", one_of=(426, 301, 302, 307, 308)), "regex_priority": F("integer"),
            "strip_path": BOOL, "path_handling": F("string", one_of=("v0", "v1")), "preserve_host": BOOL,
            "request_buffering": BOOL, "response_buffering": BOOL, "snis": STRINGS, "sources": F("array"),
            "destinations": F("array"), "service": F("foreign", reference="services")}


def _plugin(stamped: dict[str, F]) -> dict[str, F]:
    return {**stamped, "name": F("string", required=True), "instance_name": F("string"), "config": F("record"),
            "protocols": F("set", elements=F("string", one_of=PROTOCOLS)), "enabled": BOOL, "ordering": F("record"),
            "service": F("foreign", reference="services"), "route": F("foreign", reference="routes"),
            "consumer": F("foreign", reference="consumers")}


def _upstream(stamped: dict[str, F]) -> dict[str, F]:
    hashing = F("string", one_of=("none", "consumer", "ip", "header", "cookie", "path", "query_arg", "uri_capture"))
    names = ("hash_on_header", "hash_fallback_header", "hash_on_cookie", "hash_on_cookie_path", "hash_on_query_arg",
             "hash_fallback_query_arg", "hash_on_uri_capture", "hash_fallback_uri_capture")
    return {**stamped, "name": F("string", required=True),
            "algorithm": F("string", one_of=("consistent-hashing", "least-connections", "round-robin", "latency")),
            "hash_on": hashing, "hash_fallback": hashing, **{n: F("string") for n in names},
            "slots": F("integer", between=(10, 65536)), "healthchecks": healthchecks(), "host_header": F("string"),
            "client_certificate": F("foreign", reference="certificates"), "use_srv_name": BOOL}


def schemas(v: KongVersion, installed: frozenset[str]) -> dict[str, EntitySchema]:
    """Every checked entity of the played version, keyed by its declarative key."""
    common = {"id": ID, "created_at": TS, "tags": TAGS}
    stamped = {**common, "updated_at": TS} if v.at_least(3, 0) else common
    service, route, plugin, upstream = _service(stamped), _route(v, stamped), _plugin(stamped), _upstream(stamped)
    on_consumer = {**common, "consumer": F("foreign", reference="consumers")}
    return {
        "services": EntitySchema("services", service, ("routes", "plugins"), "name", ("name",),
                                 checks=(_service_host, conditional_null("protocol", ("tcp", "tls", "tls_passthrough", "udp"), "path"))),
        "routes": EntitySchema("routes", route, ("plugins",), "name", ("name",), checks=(_route_needs,)),
        "consumers": EntitySchema("consumers", {**stamped, "username": F("string"), "custom_id": F("string")},
                                  ("plugins", *CREDENTIALS), "username", ("username", "custom_id"),
                                  checks=(at_least_one_of(("custom_id", "username")),)),
        "plugins": EntitySchema("plugins", plugin, (), None, (), ("name", "route", "service", "consumer"),
                                checks=(_plugin_check(v, installed),)),
        "upstreams": EntitySchema("upstreams", upstream, ("targets",), "name", ("name",)),
        "targets": EntitySchema("targets", {**stamped, "target": F("string", required=True, check=_target),
                                            "weight": F("integer", between=(0, 65535)),
                                            "upstream": F("foreign", reference="upstreams")}, (), "target"),
        "certificates": EntitySchema("certificates", {**stamped, "cert": F("string", required=True, len_min=1),
                                                      "key": F("string", required=True, len_min=1),
                                                      "cert_alt": F("string"), "key_alt": F("string")}, ("snis",)),
        "snis": EntitySchema("snis", {**stamped, "name": F("string", required=True),
                                      "certificate": F("foreign", reference="certificates")}, (), "name", ("name",)),
        "keyauth_credentials": EntitySchema("keyauth_credentials", {**on_consumer, "key": F("string"), "ttl": F("integer")},
                                            (), "key", ("key",), ("key",)),
        "basicauth_credentials": EntitySchema("basicauth_credentials", {**on_consumer, "username": F("string", required=True),
                                                                        "password": F("string", required=True)},
                                              (), "username", ("username",)),
        "acls": EntitySchema("acls", {**on_consumer, "group": F("string", required=True)}, (), None, (), ("consumer", "group")),
    }


def children_of(v: KongVersion, installed: frozenset[str]) -> dict[str, tuple[str, ...]]:
    """Which entities nest under which (what flattening promotes to their own entries)."""
    return {name: schema.children for name, schema in schemas(v, installed).items()}


def top_level_keys(v: KongVersion, installed: frozenset[str]) -> tuple[str, ...]:
    """Core entities per version (``keys``/``key_sets`` 3.1, ``filter_chains`` 3.4) and the DAO
    entities of installed plugins (kong/db/schema/others/declarative_config.lua ``load``)."""
    later = (("keys", "key_sets") if v.at_least(3, 1) else ()) + (("filter_chains",) if v.at_least(3, 4) else ())
    daos = tuple(dao for dao, plugin in PLUGIN_DAOS.items() if plugin in installed)
    return (TOP_LEVEL_3X if v.at_least(3, 0) else TOP_LEVEL_28) + later + daos


# Kong's relationships (errors.lua builds them from the DAOs' foreign fields): for each entity,
# its own one-to-one foreign fields and the children that name it.
OWN_FOREIGN = {"services": {"client_certificate": "certificates"}, "upstreams": {"client_certificate": "certificates"},
               "routes": {"service": "services"}, "targets": {"upstream": "upstreams"}, "snis": {"certificate": "certificates"},
               "plugins": {"service": "services", "route": "routes", "consumer": "consumers"},
               **{c: {"consumer": "consumers"} for c in CREDENTIALS}}
CHILD_FK = {"routes": "service", "targets": "upstream", "snis": "certificate", **{c: "consumer" for c in CREDENTIALS}}


def child_fk(parent: str, child: str) -> str:
    """The foreign-key field a nested child gets (``plugins`` under ``routes`` -> ``route``)."""
    if child == "plugins":
        return {"services": "service", "routes": "route", "consumers": "consumer"}.get(parent, parent.rstrip("s"))
    return CHILD_FK.get(child, parent.rstrip("s"))
