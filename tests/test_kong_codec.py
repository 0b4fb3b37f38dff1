"""The pure Kong codec (adapters/kong_codec.py) on every Kong response sample (tests/shared_files.py).

No server is involved: each test feeds a sample file (Kong's docs/specs, as found or
derived from Kong's source at a tag) or a value built from one to the parser.
"""

from __future__ import annotations

import json

import pytest
import yaml

from adapters import kong_codec as codec
from rollout.env_refs import MissingEnv, substitute_env
from rollout.kong.version import KongVersion

from . import shared_files


def sample(name: str):
    """One Kong response sample: JSON decoded, YAML parsed."""
    value = shared_files.sample(name)
    return yaml.safe_load(value) if isinstance(value, str) else value


def test_admin_root_3x_shape_gives_plugin_names_and_edition():
    """Sample admin-root-3.6-oss.json: available_on_server is {name: {version, priority}}."""
    info = codec.parse_root(sample("admin-root-3.6-oss.json"))
    assert (info.version, info.edition, info.plugins_available, info.plugins_enabled) == ("3.6.0", "community", ("acl",), ())
    assert info.node_id == "39bfa49d-3394-4f8e-b9db-94b786bc4e5f"


def test_admin_root_28_shape_true_values_and_docs_array_shape():
    """2.8's {name: true} (from the 3.6 sample with 2.8 values) and the docs' array form give the same names."""
    body = sample("admin-root-3.6-oss.json")
    body["plugins"]["available_on_server"] = {"acl": True, "key-auth": True, "off-plugin": False}
    body["configuration"].update({"database": "off", "role": "traditional", "status_listen": ["0.0.0.0:8100"]})
    info = codec.parse_root(body)
    assert info.plugins_available == ("acl", "key-auth")
    assert (info.database, info.role, info.status_listen) == ("off", "traditional", "0.0.0.0:8100")
    assert codec.plugin_names(["key-auth", "acl"]) == ("acl", "key-auth")


def test_admin_root_rejects_non_kong_body():
    """A body without 'version' (not Kong) is a ValueError, not a half-filled result."""
    with pytest.raises(ValueError, match="version"):
        codec.parse_root({"hello": "world"})


def test_status_dbless_sample_has_hash_and_database():
    """Sample status-dbless-docs.json (pre-3.4 shape: database present, hash present)."""
    status = codec.parse_status(sample("status-dbless-docs.json"))
    assert status.config_hash == "779742c3d7afee2e38f977044d2ed96b"
    assert status.database_reachable is True and status.has_config
    assert status.total_requests == 3


def test_status_34_dbless_shape_without_database_key():
    """3.4+ DB-less nodes omit 'database' (PR 10995): database_reachable is None, hash still read."""
    body = sample("status-dbless-docs.json")
    del body["database"]
    status = codec.parse_status(body)
    assert status.database_reachable is None and status.config_hash == "779742c3d7afee2e38f977044d2ed96b"


def test_status_traditional_sample_has_no_hash():
    """Sample status-traditional-openapi.json: no configuration_hash; pre-3.3 readiness says up."""
    status = codec.parse_status(sample("status-traditional-openapi.json"))
    assert status.config_hash == "" and not status.has_config
    assert codec.ready_from_status(status)[0] is True


def test_ready_samples_200_and_503_messages():
    """Sample status-ready-docs.json and readiness-messages-by-version.yaml: 200 ready, 503 with reason."""
    ready = sample("status-ready-docs.json")
    assert codec.parse_ready(200, ready["200"]) == (True, "ready")
    for body in ready["503_examples"]:
        assert codec.parse_ready(503, body) == (False, body["message"])
    messages = sample("readiness-messages-by-version.yaml")["not_ready_503_messages"]["dbless_or_data_plane"]
    for message in messages:
        assert codec.parse_ready(503, {"message": message}) == (False, message)


def test_ready_from_status_zero_hash_is_not_ready():
    """Before 3.3: /status with the all-zero hash (nothing loaded) means not ready."""
    body = sample("status-dbless-docs.json")
    body["configuration_hash"] = codec.EMPTY_HASH
    ready, message = codec.ready_from_status(codec.parse_status(body))
    assert not ready and "zeros" in message


@pytest.mark.parametrize("name", ["clustering-data-planes-3.3-3.4-docs.json", "clustering-data-planes-3.5-docs.json",
                                  "clustering-data-planes-3.6plus-docs.json"])
def test_data_plane_samples_every_version_shape(name):
    """Each clustering-data-planes sample: two rows, normal, same hash, next null."""
    body = sample(name)
    rows, nxt = codec.parse_data_planes(body)
    assert nxt is None
    assert [r.hostname for r in rows] == ["kongDP1", "kongDP2"]
    assert {r.sync_status for r in rows} == {"normal"} and {r.config_hash for r in rows} == {"595214af5fb356cc569313184c64d9b7"}
    assert rows[0].last_seen == body["data"][0]["last_seen"] and rows[0].version == "3.3.0.0"


def test_data_plane_28_row_and_next_page():
    """A 2.8 row (no updated_at) and a page with a 'next' path."""
    row = {k: v for k, v in sample("clustering-data-planes-3.3-3.4-docs.json")["data"][0].items() if k != "updated_at"}
    rows, nxt = codec.parse_data_planes({"data": [row], "next": "/clustering/data-planes?offset=abc"})
    assert rows[0].id == row["id"] and nxt == "/clustering/data-planes?offset=abc"


def test_config_envelope_sample_decodes_to_the_34_yaml():
    """config-get-envelope-3.4.json's YAML equals config-get-decoded-3.4.yaml (comments aside)."""
    text = codec.parse_config_envelope(sample("config-get-envelope-3.4.json"))
    assert yaml.safe_load(text) == sample("config-get-decoded-3.4.yaml")
    with pytest.raises(ValueError):
        codec.parse_config_envelope({"message": "nope"})


@pytest.mark.parametrize("name,expected", [("config-get-decoded-2.8.yaml", {"consumers": 1}),
                                           ("config-get-decoded-3.4.yaml", {"consumers": 1}),
                                           ("deck-convert-input-2.8.yaml", {"services": 1, "routes": 1}),
                                           ("deck-convert-expected-3.4.yaml", {"services": 1, "routes": 1})])
def test_entity_counts_on_sample_configs(name, expected):
    """Entities are counted nested too (routes under services); _format_version etc. are not entities."""
    assert codec.entity_counts(sample(name)) == expected


def test_error_detail_for_each_400_sample():
    """config-post-400-errors-3.4.json: each body becomes one readable line with Kong's message."""
    for key, body in sample("config-post-400-errors-3.4.json").items():
        detail = codec.error_detail(json.dumps(body))
        assert "\n" not in detail and detail
        assert detail.startswith(body["message"][:40]), key


def test_error_detail_flattened_names_first_entity():
    """With flattened_errors, the line counts the entities and names the first one's field and message."""
    flat = sample("config-post-400-flattened-entries-3.4.json")["flattened_errors"]
    body = {"code": 14, "name": "invalid declarative configuration", "message": "declarative config is invalid: {}",
            "flattened_errors": flat}
    detail = codec.error_detail(json.dumps(body))
    assert "4 entities" in detail and "plugin http-log: config.http_endpoint: missing host in url" in detail


def test_error_detail_405_html_and_empty():
    """dbless-write-405.json; HTML from some proxy is cut to one line; empty stays empty."""
    assert codec.error_detail(json.dumps(sample("dbless-write-405.json"))) == \
        "cannot create 'routes' entities when not using a database"
    html = "<html>\n<body>\n" + "x" * 500 + "</body></html>"
    out = codec.error_detail(html)
    assert "\n" not in out and len(out) <= codec.MAX_DETAIL


@pytest.mark.parametrize("text,parts,ready", [("2.8.5", (2, 8, 5), False), ("3.3.0", (3, 3, 0), True),
                                              ("3.4.3.19", (3, 4, 3, 19), True), ("3.2.2", (3, 2, 2), False),
                                              ("3.10.0.2-enterprise", (3, 10, 0, 2), True)])
def test_versions_and_ready_endpoint(text, parts, ready):
    """Versions (OSS 3 parts, EE 4 parts) and /status/ready's arrival in 3.3."""
    assert KongVersion.lenient(text).parts == parts
    assert codec.has_ready_endpoint(text) is ready


def test_server_header_and_bad_version():
    assert codec.version_from_server_header("kong/3.9.1") == "3.9.1"
    assert codec.version_from_server_header("nginx/1.22") == ""
    with pytest.raises(ValueError, match="not a Kong version"):
        KongVersion.lenient("latest")


def test_env_substitution_names_missing_variable_and_redacts():
    """${env:NAME} substitution returns the values to redact; a missing one names the variable only."""
    text, secrets = substitute_env("k=${env:KEY}&x=${env:OTHER}", {"KEY": "abc123", "OTHER": "zz9"})
    assert text == "k=abc123&x=zz9" and secrets == ["abc123", "zz9"]
    assert codec.redact("got abc123", secrets) == "got ***"
    with pytest.raises(MissingEnv) as err:
        substitute_env("${env:NOPE}", {})
    assert str(err.value) == "environment variable NOPE is not set"
