"""The kong.yml lint: decK's 2.8 -> 3.4 conversion fixture (Kong/deck
tests/integration/testdata/file-convert/002-kong-gateway-28x-to-34x-migration, read through
tests/shared_files.py), plus one small file per rule.
Every finding must name its entity and the YAML line. Pure; no server."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from rollout.kong.config import LintError
from rollout.kong.lint import fix, lint

from .preflight_samples import sample


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """The 1-based line of the nth line containing ``needle``."""
    hits = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[nth - 1]


def doc(body: str) -> str:
    return textwrap.dedent(body).lstrip()


def found(findings, rule):
    return [(f.entity, f.line) for f in findings if f.rule == rule]


# ------------------------------------------------------------------ decK's fixture
def test_deck_fixture_findings_name_the_route_and_its_path_lines():
    text = sample("deck-convert-input-2.8.yaml")
    findings = lint(text, "2.8", "3.4")
    assert found(findings, "regex-path") == [("route r1 of service svc1", line_of(text, r"/status/\d+")),
                                             ("route r1 of service svc1", line_of(text, r"/code/\d+"))]
    assert found(findings, "rollback-file") == [("file", line_of(text, "_format_version"))]
    assert all(f.fixable and f.severity == "warning" and f.source for f in findings)


def test_deck_fixture_converts_to_decks_expected_output():
    converted, left = fix(sample("deck-convert-input-2.8.yaml"), "2.8", "3.4")
    assert yaml.safe_load(converted) == yaml.safe_load(sample("deck-convert-expected-3.4.yaml"))
    assert left == []


def test_the_converted_fixture_is_for_y_only():
    converted, _ = fix(sample("deck-convert-input-2.8.yaml"), "2.8", "3.4")
    findings = found(lint(converted, "2.8", "3.4"), "rollback-file")
    assert findings[0] == ("file", 1)
    assert {e for e, _ in findings[1:]} == {"route r1 of service svc1"} and len(findings) == 3


# ------------------------------------------------------------------ one file per rule
REGEX_30 = doc("""
    _format_version: "3.0"
    services:
    - name: orders
      url: http://orders:8080
    routes:
    - name: by-id
      service: orders
      paths:
      - /orders/\\d+
      - ~/orders/[a-z]+$
      - /plain/path
    """)


def test_regex_looking_path_in_a_3_0_file_is_an_error_naming_the_top_level_route():
    findings = lint(REGEX_30, "3.4", "3.9")
    assert found(findings, "regex-path") == [("route by-id of service orders", line_of(REGEX_30, "/orders/\\d+"))]
    assert findings[0].severity == "error" and not findings[0].fixable


def test_fix_leaves_a_3_0_file_alone_and_reports_the_path():
    converted, left = fix(REGEX_30, "3.4", "3.9")
    assert converted == REGEX_30
    assert [f.rule for f in left] == ["regex-path"]


REMOVED = doc("""
    _format_version: "2.1"
    vaults_beta:
    - prefix: env
      name: env
    services:
    - name: billing
      url: http://billing:8080
      plugins:
      - name: ip-restriction
        config:
          blacklist: [10.0.0.1]
      routes:
      - name: invoices
        paths: [/invoices]
        plugins:
        - name: acl
          config:
            whitelist: [admins]
    consumers:
    - username: batch
      plugins:
      - name: pre-function
        config:
          functions: ["kong.log('x')"]
    plugins:
    - name: aws-lambda
      service: billing
      config:
        function_name: f
        proxy_scheme: https
    - name: http-log
      config:
        http_endpoint: http://logs:9000
        headers:
          X-Team: [a, b]
    """)


def test_removed_fields_name_each_plugin_and_line():
    findings = lint(REMOVED, "2.8", "3.4")
    assert found(findings, "removed-field") == [
        ("file", line_of(REMOVED, "vaults_beta")),
        ("plugin ip-restriction on service billing", line_of(REMOVED, "blacklist")),
        ("plugin acl on route invoices", line_of(REMOVED, "whitelist")),
        ("plugin pre-function on consumer batch", line_of(REMOVED, "functions")),
        ("plugin aws-lambda on service billing", line_of(REMOVED, "proxy_scheme")),
        ("plugin http-log (global)", line_of(REMOVED, "X-Team")),
    ]
    assert all(f.severity == "error" for f in findings if f.rule == "removed-field")


def test_fix_renames_removed_fields_and_reports_the_http_log_header_it_cannot_convert():
    converted, left = fix(REMOVED, "2.8", "3.4")
    data = yaml.safe_load(converted)
    assert data["_format_version"] == "3.0" and "vaults" in data and "vaults_beta" not in data
    svc = data["services"][0]
    assert svc["plugins"][0]["config"] == {"deny": ["10.0.0.1"]}
    assert svc["routes"][0]["plugins"][0]["config"] == {"allow": ["admins"]}
    assert data["consumers"][0]["plugins"][0]["config"] == {"access": ["kong.log('x')"]}
    assert "proxy_scheme" not in data["plugins"][0]["config"]
    assert [(f.rule, f.entity, f.line) for f in left if f.severity == "error"] == [
        ("removed-field", "plugin http-log (global)", line_of(converted, "X-Team"))]
    assert [(f.rule, f.entity) for f in left if f.severity == "warning"] == [("aws-region", "plugin aws-lambda on service billing")]


def test_a_rename_onto_a_field_already_set_is_left_for_a_human():
    text = doc("""
        _format_version: "3.0"
        plugins:
        - name: acl
          config: {whitelist: [a], allow: [b]}
        """)
    [finding] = lint(text, "3.4", "3.9")
    assert not finding.fixable and "both have values" in finding.message
    assert fix(text, "3.4", "3.9")[0] == text


LOOKAROUND = doc("""
    _format_version: "3.0"
    services:
    - name: api
      url: http://api
      routes:
      - name: not-admin
        paths: ["~/v1/(?!admin)\\\\w+"]
      - name: twice
        paths: ["~/(a+)/\\\\1"]
      - name: legacy
        path_handling: v1
        paths: [/legacy]
    """)


def test_lookaround_backreference_and_path_handling_v1_fail_under_the_default_router():
    findings = lint(LOOKAROUND, "2.8", "3.4")
    assert found(findings, "regex-lookaround") == [
        ("route not-admin of service api", line_of(LOOKAROUND, "(?!admin)")),
        ("route twice of service api", line_of(LOOKAROUND, "(a+)")),
        ("route legacy of service api", line_of(LOOKAROUND, "path_handling")),
    ]
    assert found(lint(LOOKAROUND, "2.8", "3.4", router_flavor="traditional"), "regex-lookaround") == []


PROMETHEUS = doc("""
    _format_version: "2.1"
    plugins:
    - name: prometheus
      config:
        per_consumer: true
        latency_metrics: true
    - name: prometheus
      service: api
      config: {status_code_metrics: true, latency_metrics: true, bandwidth_metrics: true, upstream_health_metrics: true}
    """)


def test_prometheus_without_the_per_request_flags_warns_only_when_crossing_into_3x():
    findings = [f for f in lint(PROMETHEUS, "2.8", "3.4") if f.rule == "prometheus-metrics"]
    assert [(f.entity, f.line) for f in findings] == [("plugin prometheus (global)", line_of(PROMETHEUS, "config:"))]
    assert "status_code_metrics" in findings[0].message and "latency_metrics" not in findings[0].message
    assert found(lint(PROMETHEUS, "3.4", "3.9"), "prometheus-metrics") == []


SECURE = doc("""
    _format_version: "3.0"
    services:
    - name: shop
      url: http://shop
      routes:
      - name: web
        paths: [/]
      - name: pinned
        protocols: [http, https]
        paths: [/pinned]
      plugins:
      - name: key-auth
      - name: basic-auth
        config: {hide_credentials: false}
    """)


def test_secure_by_default_changes_warn_for_the_3_10_to_3_14_hop_only():
    findings = lint(SECURE, "3.10", "3.14")
    assert found(findings, "secure-defaults") == [("route web of service shop", line_of(SECURE, "name: web")),
                                                  ("plugin key-auth on service shop", line_of(SECURE, "key-auth"))]
    assert all(f.severity == "warning" for f in findings)
    assert found(lint(SECURE, "3.4", "3.10"), "secure-defaults") == []


def test_a_hop_within_2x_has_no_3x_findings():
    assert lint(REMOVED, "2.7", "2.8") == []
    assert fix(REMOVED, "2.7", "2.8") == (REMOVED, [])


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("text, where", [("services: [\n  - {name: a\n", "line "), ("- just\n- a list\n", "line 1")])
def test_bad_input_is_one_located_line(text, where):
    with pytest.raises(LintError) as exc:
        lint(text, "2.8", "3.4")
    assert str(exc.value).startswith(where) and "\n" not in str(exc.value)
