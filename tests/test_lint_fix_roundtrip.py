"""``fix`` edits only what it converts: comments, key order, quoting and indentation stay (ruamel.yaml
round-trip), and the conversions follow Kong where decK is silent (migrate_path's percent-decoding,
the session plugin's ``off`` -> ``Lax``). Pure; no server."""

from __future__ import annotations

import pytest
import yaml

from rollout.kong.config import LintError
from rollout.kong.lint import blocking, fix, lint

from .test_lint_rules import doc

COMMENTED = doc(r"""
    _format_version: "2.1"   # X keeps this file
    # the shop
    services:
      - name: shop   # front door
        url: http://shop
        routes:
          - name: by-id
            paths:
              - "/status/\\d+"
              - '/foo%2Dbar/\d+'
              - /plain
            plugins:
              - name: acl
                config:
                  whitelist: ['x']   # who may pass
                  hide_groups_header: true
    """)

CONVERTED = doc(r"""
    _format_version: "3.0"   # X keeps this file
    # the shop
    services:
      - name: shop   # front door
        url: http://shop
        routes:
          - name: by-id
            paths:
              - "~/status/\\d+"
              - '~/foo\-bar/\d+'
              - /plain
            plugins:
              - name: acl
                config:
                  allow: ['x']       # who may pass
                  hide_groups_header: true
    """)


def test_fix_keeps_comments_key_order_quoting_and_indentation():
    converted, left = fix(COMMENTED, "2.8", "3.4")
    assert converted == CONVERTED
    assert left == []


def test_regex_paths_are_percent_decoded_like_kongs_migrate_path():
    """Reserved characters stay encoded (upper-cased), regex metacharacters come back escaped."""
    text = doc(r"""
        _format_version: "1.1"
        routes:
        - name: r
          paths: ['/a%2fb/%2e\d+', '/x%41y/(\d+)']
        """)
    converted, _ = fix(text, "2.8", "3.4")
    assert yaml.safe_load(converted)["routes"][0]["paths"] == [r"~/a%2Fb/\.\d+", r"~/xAy/(\d+)"]


def test_an_invalid_regex_is_an_error_and_blocks_the_copy():
    text = doc(r"""
        _format_version: "3.0"
        routes:
        - name: broken
          paths: ['~/v1/(\d+']
        """)
    [finding] = lint(text, "3.4", "3.9")
    assert (finding.rule, finding.severity, finding.entity) == ("regex-invalid", "error", "route broken")
    assert blocking(fix(text, "3.4", "3.9")[1]) == [fix(text, "3.4", "3.9")[1][0]]


def test_pcre2_only_refusals_wait_for_3_7():
    text = doc(r"""
        _format_version: "3.0"
        routes:
        - name: dashed
          paths: ['~/v1/[\w-.]+$']
        """)
    assert lint(text, "3.4", "3.6") == []
    assert [(f.rule, f.severity) for f in lint(text, "3.4", "3.10")] == [("regex-pcre2", "error")]


def test_session_fix_maps_off_to_lax_and_persistent_to_remember():
    text = doc("""
        _format_version: "3.0"
        plugins:
        - name: session
          config:
            cookie_samesite: "off"   # was allowed before 3.2
            cookie_persistent: true
            read_body_for_logout: false
        """)
    converted, left = fix(text, "3.1", "3.4")
    assert yaml.safe_load(converted)["plugins"][0]["config"] == {
        "cookie_same_site": "Lax", "remember": True, "read_body_for_logout": False}
    assert 'cookie_same_site: "Lax"  # was allowed before 3.2' in converted
    assert [f.rule for f in left] == ["session-mixed"]


def test_a_whole_float_queue_size_is_accepted_and_left_as_written():
    text = doc("""
        _format_version: "3.0"
        plugins:
        - name: http-log
          config: {http_endpoint: 'http://l', queue: {max_batch_size: 10.0}}
        """)
    assert lint(text, "3.3", "3.4") == []
    assert fix(text, "3.3", "3.4") == (text, [])


def test_a_document_start_is_kept_and_a_duplicate_key_is_refused_without_its_values():
    converted, _ = fix('---\n_format_version: "1.1"\nroutes:\n- name: r\n  paths: [/a/\\d+]\n', "2.8", "3.4")
    assert converted.startswith('---\n_format_version: "3.0"\n')
    text = '_format_version: "1.1"\nkeyauth_credentials:\n- key: s3cret\n  key: 0ther\n'
    with pytest.raises(LintError) as exc:
        fix(text, "2.8", "3.4")
    assert str(exc.value).startswith("line 4: ") and "s3cret" not in str(exc.value) and "0ther" not in str(exc.value)


def test_3_14_defaults_reach_datakit_call_nodes_and_nested_redis_only_when_present():
    text = doc("""
        _format_version: "3.0"
        plugins:
        - name: datakit
          config:
            nodes: [{name: a, type: call, url: 'https://x'}, {name: b, type: jq}]
        - name: rate-limiting
          config: {minute: 1}
        - name: rate-limiting
          config: {minute: 1, redis: {host: r}}
        """)
    datakit, plain, with_redis = (p["config"] for p in yaml.safe_load(fix(text, "3.10", "3.14")[0])["plugins"])
    assert datakit["nodes"] == [{"name": "a", "type": "call", "url": "https://x", "ssl_verify": False}, {"name": "b", "type": "jq"}]
    assert plain == {"minute": 1} and with_redis["redis"] == {"host": "r", "ssl_verify": False}
    assert [f.rule for f in lint(text, "3.10", "3.14")] == ["secure-defaults", "secure-defaults"]
