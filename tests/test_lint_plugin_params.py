"""The kong.yml lint rules for plugin parameters after 3.0 (rollout/kong/lint_rules_3x_plugins.py): the 3.2
session renames and mixed-version sessions, the 3.3/3.4 queue parameters, statsd-advanced and
acme's Vault auth_method. Every finding names its entity and YAML line. Pure; no server."""

from __future__ import annotations

import yaml

from rollout.kong.lint import fix, lint

from .test_lint_rules import doc, found, line_of

SESSION = doc("""
    _format_version: "3.0"
    plugins:
    - name: session
      config:
        cookie_lifetime: 3600
        cookie_samesite: Lax
        cookie_renew: 600
        cookie_httponly: true
        cookie_http_only: false
    """)


def test_session_renames_are_warnings_from_3_2_naming_each_field():
    """Kong 3.2+ maps the old names (shorthand_fields): the file loads, so a warning, not an error."""
    findings = [f for f in lint(SESSION, "3.1", "3.4") if f.rule == "session-renames"]
    assert [(f.line, f.fixable) for f in findings] == [
        (line_of(SESSION, "cookie_lifetime"), True), (line_of(SESSION, "cookie_samesite"), True),
        (line_of(SESSION, "cookie_renew"), False), (line_of(SESSION, "cookie_httponly"), False)]
    assert all(f.severity == "warning" and f.entity == "plugin session (global)" for f in findings)
    assert "rolling_timeout" in findings[0].message and "merge them by hand" in findings[3].message
    assert found(lint(SESSION, "3.0", "3.1"), "session-renames") == []


def test_fix_renames_session_fields_and_leaves_the_removed_and_clashing_ones():
    converted, left = fix(SESSION, "3.1", "3.4")
    cfg = yaml.safe_load(converted)["plugins"][0]["config"]
    assert cfg == {"rolling_timeout": 3600, "cookie_same_site": "Lax", "cookie_renew": 600,
                   "cookie_httponly": True, "cookie_http_only": False}
    assert [(f.rule, f.line) for f in left if f.rule == "session-renames"] == [
        ("session-renames", line_of(converted, "cookie_renew")), ("session-renames", line_of(converted, "cookie_httponly"))]


MIXED = doc("""
    _format_version: "3.0"
    services:
    - name: portal
      url: http://portal
      plugins:
      - name: openid-connect
        config: {issuer: https://idp.example/}
      - name: key-auth
    """)


def test_session_plugins_warn_that_a_split_across_3_2_logs_users_out():
    findings = lint(MIXED, "3.1", "3.4")
    assert found(findings, "session-mixed") == [("plugin openid-connect on service portal", line_of(MIXED, "openid-connect"))]
    assert findings[0].severity == "warning" and "log in again" in findings[0].message
    assert found(lint(MIXED, "3.2", "3.4"), "session-mixed") == []


QUEUE = doc("""
    _format_version: "3.0"
    plugins:
    - name: http-log
      config:
        http_endpoint: http://logs.internal/
        retry_count: 10
        queue_size: 50
        flush_timeout: 2
    - name: opentelemetry
      config:
        endpoint: http://otel.internal/
        batch_span_count: 500
        queue: {max_entries: 10000.0, max_bytes: 1.5}
    """)


def test_deprecated_queue_parameters_warn_from_3_3_and_fractional_sizes_fail_from_3_4():
    """Kong's integer check takes a whole float (10000.0); 1.5 is refused."""
    findings = [f for f in lint(QUEUE, "3.2", "3.4") if f.rule == "queue-params"]
    assert [(f.entity, f.line, f.severity, f.fixable) for f in findings] == [
        ("plugin http-log (global)", line_of(QUEUE, "retry_count"), "warning", False),
        ("plugin http-log (global)", line_of(QUEUE, "queue_size"), "warning", True),
        ("plugin http-log (global)", line_of(QUEUE, "flush_timeout"), "warning", True),
        ("plugin opentelemetry (global)", line_of(QUEUE, "batch_span_count"), "warning", True),
        ("plugin opentelemetry (global)", line_of(QUEUE, "queue:"), "error", False)]
    assert "max_retry_time" in findings[0].message
    assert [f.severity for f in lint(QUEUE, "3.2", "3.3") if f.rule == "queue-params"] == ["warning"] * 4
    assert found(lint(QUEUE, "3.1", "3.2"), "queue-params") == []


def test_fix_moves_queue_parameters_the_way_kong_maps_them_on_load():
    converted, left = fix(QUEUE, "3.2", "3.4")
    http_log, otel = (p["config"] for p in yaml.safe_load(converted)["plugins"])
    # queue_size 50 moves; flush_timeout 2 is the old default Kong ignores, so it is dropped
    assert http_log == {"http_endpoint": "http://logs.internal/", "retry_count": 10, "queue": {"max_batch_size": 50}}
    assert otel["queue"] == {"max_entries": 10000.0, "max_bytes": 1.5, "max_batch_size": 500}
    assert [(f.rule, f.severity) for f in left] == [("queue-params", "warning"), ("queue-params", "error")]


EE = doc("""
    _format_version: "1.1"
    plugins:
    - name: statsd-advanced
      config: {host: statsd.internal}
    - name: acme
      config:
        account_email: ops@example.com
        storage: vault
        storage_config:
          vault: {host: vault.internal}
    """)


def test_statsd_advanced_and_acme_vault_auth_method_warn_into_3x():
    findings = lint(EE, "2.8", "3.4")
    assert found(findings, "ee-plugin-changes") == [("plugin statsd-advanced (global)", line_of(EE, "statsd-advanced")),
                                                     ("plugin acme (global)", line_of(EE, "vault: {"))]
    assert {f.severity for f in findings if f.rule == "ee-plugin-changes"} == {"warning"}
    assert found(lint(EE, "3.4", "3.9"), "ee-plugin-changes") == [("plugin statsd-advanced (global)", line_of(EE, "statsd-advanced"))]
    assert found(lint(EE, "2.7", "2.8"), "ee-plugin-changes") == []


OIDC = doc("""
    _format_version: "3.0"
    plugins:
    - name: openid-connect
      config:
        issuer: https://idp.example/
        session_cookie_samesite: "off"
        session_memcache_host: mc
        session_strategy: regenerate
    - name: saml
      config: {session_redis_cluster_maxredirections: 3}
    """)


def test_openid_connect_and_saml_session_renames_warn_and_convert():
    findings = [f for f in lint(OIDC, "3.1", "3.4") if f.rule == "session-renames"]
    assert [(f.line, f.fixable) for f in findings] == [
        (line_of(OIDC, "session_cookie_samesite"), True), (line_of(OIDC, "session_memcache_host"), True),
        (line_of(OIDC, "session_strategy"), False), (line_of(OIDC, "maxredirections"), True)]
    assert {f.severity for f in findings} == {"warning"}
    oidc, saml = (p["config"] for p in yaml.safe_load(fix(OIDC, "3.1", "3.4")[0])["plugins"])
    assert oidc == {"issuer": "https://idp.example/", "session_cookie_same_site": "Lax",
                    "session_memcached_host": "mc", "session_strategy": "regenerate"}
    assert saml == {"session_redis_cluster_max_redirections": 3}
