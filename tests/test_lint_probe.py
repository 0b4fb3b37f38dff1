"""The probe: one entity per kong.yml-relevant change of Kong's breaking-changes pages for 3.0-3.14,
each found by the lint with the severity Kong's behaviour calls for (refused: error; loaded with a
changed meaning or a deprecation: warning), on its entity and its own line. Pure; no server.

Two files, because a change shows only on the hops that cross it: a 2.x file for 2.8 -> 3.4 (the
3.0 break and 3.2-3.4), and a 3.0 file for 3.0 -> 3.14 (3.3's router, 3.5-3.14).
"""

from __future__ import annotations

import pytest

from rollout.kong.lint import lint

from .test_lint_rules import doc, line_of

PROBE_2X = doc(r"""
    _format_version: "2.1"
    vaults_beta:
    - {name: env, prefix: env}
    services:
    - name: probe
      url: http://probe:8080
      routes:
      - name: regex-path
        paths: ['/v1/\d+']
      - name: regex-decoded
        paths: ['/foo%2Dbar/\d+']
      - name: regex-invalid
        paths: ['/v1/(\d+']
      - name: regex-lookaround
        paths: ['/v1/(?!admin)\w+']
      - name: path-handling
        path_handling: v1
        paths: [/legacy]
    plugins:
    - {name: acl, instance_name: acl-whitelist, config: {whitelist: [a]}}
    - {name: ip-restriction, instance_name: ip-blacklist, config: {blacklist: [10.0.0.1]}}
    - {name: post-function, instance_name: functions, config: {functions: ["kong.log('x')"]}}
    - {name: aws-lambda, instance_name: lambda, config: {function_name: f, proxy_scheme: https}}
    - {name: http-log, instance_name: header-list, config: {http_endpoint: 'http://l', headers: {X-A: [a, b]}}}
    - {name: prometheus, instance_name: metrics}
    - {name: statsd-advanced, instance_name: statsd-advanced}
    - {name: acme, instance_name: acme-vault, config: {account_email: a@b.c, storage: vault, storage_config: {vault: {host: v}}}}
    - {name: session, instance_name: session-renames, config: {cookie_lifetime: 60, cookie_samesite: "off"}}
    - {name: openid-connect, instance_name: oidc-renames, config: {issuer: 'https://idp/', session_cookie_lifetime: 60}}
    - {name: saml, instance_name: saml-renames, config: {session_memcache_host: mc}}
    - {name: jwt, instance_name: jwt}
    - {name: http-log, instance_name: queue-3.3, config: {http_endpoint: 'http://l', queue_size: 50}}
    - {name: zipkin, instance_name: zipkin-delay, config: {http_endpoint: 'http://z', queue: {initial_retry_delay: 0.0001}}}
    - {name: datadog, instance_name: queue-float, config: {queue: {max_batch_size: 1.5}}}
    - {name: datadog, instance_name: queue-whole, config: {queue: {max_batch_size: 10.0}}}
    """)

EXPECTED_2X = {  # (entity, rule, severity); every documented change the 2.x probe holds
    ("file", "rollback-file", "warning"),
    ("file", "removed-field", "error"),  # vaults_beta
    ("route regex-path of service probe", "regex-path", "warning"),
    ("route regex-decoded of service probe", "regex-path", "warning"),
    ("route regex-invalid of service probe", "regex-path", "warning"),
    ("route regex-invalid of service probe", "regex-invalid", "error"),
    ("route regex-lookaround of service probe", "regex-path", "warning"),
    ("route regex-lookaround of service probe", "regex-lookaround", "error"),
    ("route path-handling of service probe", "regex-lookaround", "error"),
    ("plugin acl (acl-whitelist) (global)", "removed-field", "error"),
    ("plugin ip-restriction (ip-blacklist) (global)", "removed-field", "error"),
    ("plugin post-function (functions) (global)", "removed-field", "error"),
    ("plugin aws-lambda (lambda) (global)", "removed-field", "error"),
    ("plugin aws-lambda (lambda) (global)", "aws-region", "warning"),
    ("plugin http-log (header-list) (global)", "removed-field", "error"),
    ("plugin prometheus (metrics) (global)", "prometheus-metrics", "warning"),
    ("plugin statsd-advanced (statsd-advanced) (global)", "ee-plugin-changes", "warning"),
    ("plugin acme (acme-vault) (global)", "ee-plugin-changes", "warning"),
    ("plugin session (session-renames) (global)", "session-renames", "warning"),
    ("plugin session (session-renames) (global)", "session-mixed", "warning"),
    ("plugin openid-connect (oidc-renames) (global)", "session-renames", "warning"),
    ("plugin openid-connect (oidc-renames) (global)", "session-mixed", "warning"),
    ("plugin saml (saml-renames) (global)", "session-renames", "warning"),
    ("plugin saml (saml-renames) (global)", "session-mixed", "warning"),
    ("plugin jwt (jwt) (global)", "jwt-tokens", "warning"),
    ("plugin http-log (queue-3.3) (global)", "queue-params", "warning"),
    ("plugin zipkin (zipkin-delay) (global)", "queue-params", "error"),
    ("plugin datadog (queue-float) (global)", "queue-params", "error"),
}

PROBE_3X = doc(r"""
    _format_version: "3.0"
    services:
    - name: probe
      url: http://probe:8080
      protocol: https
      routes:
      - name: mixed-priority
        protocols: [http, https]
        paths: [/orders, '~/orders/\d+$']
      - name: pcre2-class
        protocols: [http, https]
        paths: ['~/v1/[\w-.]+$']
      - name: literal-regex
        protocols: [http, https]
        paths: ['/v1/\d+']
      - name: no-protocols
        paths: [/plain]
    - name: kafka
      url: http://kafka:8080
      plugins:
      - {name: kafka-consume, instance_name: kafka-on-service, config: {topics: [{name: t}]}}
    plugins:
    - {name: session, instance_name: session-35, config: {cookie_persistent: true}}
    - {name: rate-limiting, instance_name: rl-redis, config: {minute: 5, policy: redis, redis_host: r}}
    - {name: azure-functions, instance_name: azure, config: {functionname: f, appname: a}}
    - {name: rate-limiting-advanced, instance_name: rla-redis, config: {redis: {cluster_addresses: [r], sentinel_addresses: [s], timeout: 2000}}}
    - {name: ai-proxy, instance_name: ai-proxy, config: {route_type: preserve, model: {options: {upstream_path: /x}}}}
    - {name: ai-rate-limiting-advanced, instance_name: ai-rla, config: {llm_providers: [{name: openai, window_size: 60, limit: 10}]}}
    - {name: ai-semantic-prompt-guard, instance_name: guard, config: {rules: {max_request_body_size: 1024}}}
    - {name: key-auth, instance_name: key-auth}
    - {name: http-log, instance_name: http-log-tls, config: {http_endpoint: 'https://l', queue: {max_batch_size: 10.0}}}
    """)

EXPECTED_3X = {
    ("service probe", "secure-defaults", "warning"),
    ("route mixed-priority of service probe", "route-priority", "warning"),
    ("route pcre2-class of service probe", "regex-pcre2", "error"),
    ("route literal-regex of service probe", "regex-path", "error"),
    ("route no-protocols of service probe", "secure-defaults", "warning"),
    ("plugin kafka-consume (kafka-on-service) on service kafka", "kafka-consume-service", "warning"),
    ("plugin session (session-35) (global)", "session-renames", "warning"),
    ("plugin session (session-35) (global)", "session-mixed", "warning"),
    ("plugin session (session-35) (global)", "session-logout", "warning"),
    ("plugin rate-limiting (rl-redis) (global)", "redis-config", "warning"),
    ("plugin azure-functions (azure) (global)", "azure-routeprefix", "warning"),
    ("plugin rate-limiting-advanced (rla-redis) (global)", "redis-config", "warning"),
    ("plugin rate-limiting-advanced (rla-redis) (global)", "secure-defaults", "warning"),
    ("plugin ai-proxy (ai-proxy) (global)", "ai-plugins", "warning"),
    ("plugin ai-rate-limiting-advanced (ai-rla) (global)", "ai-plugins", "error"),
    ("plugin ai-semantic-prompt-guard (guard) (global)", "ai-plugins", "warning"),
    ("plugin key-auth (key-auth) (global)", "secure-defaults", "warning"),
    ("plugin http-log (http-log-tls) (global)", "secure-defaults", "warning"),
    ("plugin azure-functions (azure) (global)", "secure-defaults", "warning"),
}


@pytest.mark.parametrize("probe, source, target, expected", [
    (PROBE_2X, "2.8", "3.4", EXPECTED_2X), (PROBE_3X, "3.0", "3.14", EXPECTED_3X)], ids=["2.8-3.4", "3.0-3.14"])
def test_every_documented_change_in_the_probe_is_found(probe, source, target, expected):
    findings = lint(probe, source, target)
    assert {(f.entity, f.rule, f.severity) for f in findings} == expected
    assert all(f.source and f.line > 1 or f.entity == "file" for f in findings)


def test_each_probe_finding_sits_on_its_entitys_lines():
    findings = lint(PROBE_2X, "2.8", "3.4")
    by_rule = {(f.entity, f.rule): f.line for f in findings}
    assert by_rule[("route regex-invalid of service probe", "regex-invalid")] == line_of(PROBE_2X, r"/v1/(\d+")
    assert by_rule[("plugin zipkin (zipkin-delay) (global)", "queue-params")] == line_of(PROBE_2X, "zipkin-delay")
    decoded = next(f for f in findings if f.entity.startswith("route regex-decoded"))
    assert r"'~/foo\-bar/\d+'" in decoded.message
    samesite = [f.message for f in findings if "cookie_samesite" in f.message]
    assert samesite and "becomes Lax" in samesite[0]

