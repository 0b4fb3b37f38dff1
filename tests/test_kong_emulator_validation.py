"""The emulator validates like Kong: Kong 3.4.2's off_spec cases replayed against a running node.

The cases are read from ``../shared/external/kong`` (transcribed from Kong's own
spec/02-integration/04-admin_api/15-off_spec.lua and the declarative specs; never copied here)
and compared as data, the way Kong's spec compares them: whole bodies where the spec asserts
whole bodies; flattened entries correlated by their first tag, ``errors`` in any order, where
the spec's ``validate`` helper does so; only the parts a case's note names elsewhere.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import yaml

from adapters.kong import KongAdmin
from lab.emulator import NodeSpec, start_nodes
from rollout.errors import Rejected

from .shared_files import shared_dir
from .test_kong_adapter import ENV, make_plan
from .test_kong_codec import sample

KONG = shared_dir("external", module_level=True) / "kong"
OFF_SPEC = sorted((KONG / "off_spec").glob("*.json"))
VALIDATE = sorted((KONG / "validate_spec").glob("*.json"))
MIGRATION = sorted((KONG / "on-the-fly-migration").glob("*.yml"))
ZEROS = "0" * 32


@pytest.fixture
async def nodes():
    """One DB-less node per version the cases name (2.8.5 and 3.4.2), stopped afterwards."""
    c = await start_nodes([NodeSpec("n28", "2.8.5"), NodeSpec("n34", "3.4.2")])
    yield {"2.8": c["n28"].urls(), "3.4": c["n34"].urls()}
    await c.stop()


def _kwargs(case: dict) -> dict:
    if case["body"] is None:
        return {}
    if case["content_type"] == "application/json":
        return {"json": case["body"]}
    return {"content": case["body"], "headers": {"content-type": case["content_type"]}}


async def post_case(admin: str, case: dict) -> httpx.Response:
    query = f"?{case['query']}" if case.get("query") else ""
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.post(f"{admin}/config{query}", **_kwargs(case))


def _errors(entries: list[dict]) -> list[tuple]:
    return sorted((e["type"], e.get("field", ""), e["message"]) for e in entries)


def entry_diffs(exp: dict, got: dict) -> list[str]:
    """The spec's compare(): every key on either side, ids only when expected, errors unordered,
    ``entity`` only when the case transcribed it (nested foreign keys ``{id}`` are ignored)."""
    diffs = []
    for key in set(exp) | set(got):
        if key == "entity_id" and key not in exp:
            continue
        if key == "entity":
            if key in exp and {k: v for k, v in got[key].items() if not (isinstance(v, dict) and set(v) == {"id"})} != exp[key]:
                diffs.append(key)
        elif key == "errors":
            if _errors(exp[key]) != _errors(got.get(key, [])):
                diffs.append(key)
        elif exp.get(key) != got.get(key):
            diffs.append(key)
    return diffs


def match_flattened(expected: list[dict], got: list[dict]) -> None:
    """The spec's validate(): correlate by the first entity tag, compare, nothing left over."""
    left = list(got)
    for exp in expected:
        tag = exp["entity_tags"][0]
        found = next((g for g in left if (g.get("entity", {}).get("tags") or [None])[0] == tag), None)
        assert found is not None, f"missing flattened entry for {tag}: {exp}"
        assert entry_diffs(exp, found) == [], (tag, entry_diffs(exp, found), found)
        left.remove(found)
    assert left == [], f"unexpected flattened entries: {left}"


def check_off_spec_body(case: dict, body: dict) -> None:
    name, want = case["name"], case["expect_body"]
    if name.startswith("flattened-"):
        match_flattened(want["flattened_errors"], body["flattened_errors"])
    elif name == "drain-top-level-fields-unflattened":
        assert body["fields"] == want["fields"] and "flattened_errors" not in body
    elif name == "drain-top-level-fields-flattened":
        assert body["fields"] == want["fields"] and len(body["flattened_errors"]) == 4
    elif want is not None:
        assert body == want


@pytest.mark.parametrize("path", OFF_SPEC, ids=[p.stem for p in OFF_SPEC])
async def test_off_spec_case_answers_as_kong_342(nodes, path: Path):
    """POST /config on a 3.4.2 node: Kong's status and body for each off_spec case."""
    case = json.loads(path.read_text())
    response = await post_case(nodes["3.4"]["admin"], case)
    assert response.status_code == case["expect_status"], response.text
    if response.status_code >= 400:
        check_off_spec_body(case, response.json())
    if case["name"] == "get-config-after-post":
        async with httpx.AsyncClient(timeout=5) as client:
            doc = yaml.safe_load((await client.get(nodes["3.4"]["admin"] + "/config")).json()["config"])
        want = sample("config-get-decoded-3.4.yaml")
        assert isinstance(doc["consumers"][0].pop("updated_at"), int)
        want["consumers"][0].pop("updated_at")
        assert doc == want


@pytest.mark.parametrize("path", VALIDATE, ids=[p.stem for p in VALIDATE])
async def test_validate_spec_case_per_version(nodes, path: Path):
    """2.8's own error shapes (paths, top-level ~ routes, format 3.0), 3.4's flattened body and empty config."""
    case = json.loads(path.read_text())
    urls = nodes[case["target"]]
    response = await post_case(urls["admin"], case)
    assert response.status_code == case["expect_status"], response.text
    body = response.json()
    if "expect_fields" in case:
        assert body["fields"] == case["expect_fields"] and "flattened_errors" not in body
    if "expect_body" in case:
        assert {k: v for k, v in body.items() if k != "flattened_errors"} == \
               {k: v for k, v in case["expect_body"].items() if k != "flattened_errors"}
        match_flattened(case["expect_body"]["flattened_errors"], body["flattened_errors"])
    if case["name"] == "3.4.2-empty-config-ready":
        async with httpx.AsyncClient(timeout=5) as client:
            status = (await client.get(urls["status"] + "/status")).json()
            ready = await client.get(urls["status"] + "/status/ready")
        assert status["configuration_hash"] == ZEROS
        assert (ready.status_code, ready.json()) == (503, {"message": "no configuration available (empty configuration present)"})


@pytest.mark.parametrize("path", MIGRATION, ids=[p.stem for p in MIGRATION])
async def test_on_the_fly_migration_of_route_paths(nodes, path: Path):
    """3.4 migrates 1.1/2.1 regex paths to ``~`` (top level and nested), trusts 3.0, refuses a bad regex."""
    text = path.read_text()
    response = await post_case(nodes["3.4"]["admin"], {"content_type": "application/json", "body": {"config": text}})
    if path.stem.startswith("invalid-regex"):
        assert response.status_code == 400
        assert "invalid regex: '/regex.+('" in response.json()["message"] and "missing )" in response.json()["message"]
        return
    assert response.status_code == 201, response.text
    async with httpx.AsyncClient(timeout=5) as client:
        doc = yaml.safe_load((await client.get(nodes["3.4"]["admin"] + "/config")).json()["config"])
    routes = doc.get("routes") or [r for s in doc["services"] for r in s.get("routes", [])]
    regex = "/regex.+" if path.stem.endswith("3.0") else "~/regex.+"
    assert routes[0]["paths"] == [regex, "/prefix"]


async def test_a_top_level_21_route_with_a_tilde_path_is_refused_on_3x(nodes):
    """A ``~/`` path in a 2.1 file is a regex to 3.x's migration, becomes ``~~/...`` and is refused."""
    config = "_format_version: '2.1'\nservices:\n- {name: foo, host: example.com}\nroutes:\n- {name: r, service: foo, paths: ['~/v1/\\d+']}\n"
    response = await post_case(nodes["3.4"]["admin"], {"content_type": "application/json", "body": {"config": config}})
    assert response.status_code == 400
    assert response.json()["fields"] == {"routes": [{"paths": ["should start with: / (fixed path) or ~/ (regex path)"]}]}


async def test_burst_fixture_loads(nodes):
    """Kong's large declarative fixture (burst.yml, 15-off_spec.lua) loads: 201."""
    text = (KONG / "fixtures" / "burst.yml").read_text()
    response = await post_case(nodes["3.4"]["admin"], {"content_type": "application/json", "body": {"config": text}})
    assert response.status_code == 201, response.text[:500]


async def test_turnout_names_the_entity_from_kongs_flattened_error():
    """Turnout's Kong client shows Kong's entity_name: "service svc-a", not "service ?"."""
    c = await start_nodes([NodeSpec("x28", "2.8.5"), NodeSpec("x34", "3.4.2"), NodeSpec("y39", "3.9.1")])
    admin = KongAdmin(make_plan(c), env=ENV)
    bad = {"_format_version": "3.0", "services": [{"name": "svc-a", "tags": ["t1"], "port": 8080}],
           "consumers": [{"username": "bobby", "not_allowed": True}]}
    try:
        with pytest.raises(Rejected) as caught:
            await admin.http.request("x34", "POST", c["x34"].urls()["admin"], "/config?flatten_errors=1", admin=False, json=bad)
    finally:
        await admin.aclose()
        await c.stop()
    assert caught.value.status == 400
    assert "(2 entities; first: service svc-a: host: required field missing)" in str(caught.value)


async def test_a_consumer_is_named_by_its_username_and_28_ignores_flatten_errors(nodes):
    """Kong gives a consumer no entity_name: Turnout's line names it by username. 2.8 has no
    flatten_errors (3.2+): the query argument is one more unknown field of the document."""
    from adapters.kong_codec import error_detail

    bad = {"_format_version": "1.1", "consumers": [{"username": "bobby", "not_allowed": True}]}
    r34 = await post_case(nodes["3.4"]["admin"], {"content_type": "application/json", "body": bad, "query": "flatten_errors=1"})
    assert "first: consumer bobby: not_allowed: unknown field" in error_detail(r34.text)
    r28 = await post_case(nodes["2.8"]["admin"], {"content_type": "application/json", "body": bad, "query": "flatten_errors=1"})
    assert r28.status_code == 400 and "flattened_errors" not in r28.json()
    assert r28.json()["fields"] == {"flatten_errors": "unknown field", "consumers": [{"not_allowed": "unknown field"}]}


async def test_top_level_keys_follow_the_version_and_the_installed_plugins():
    """2.8 knows ``vaults_beta``, not ``vaults``; ``keyauth_credentials`` exist only with key-auth installed."""
    c = await start_nodes([NodeSpec("n28", "2.8.5"), NodeSpec("bare", "3.4.2", plugins=["prometheus"])])
    try:
        r28 = await post_case(c["n28"].urls()["admin"], {"content_type": "application/json",
                                                         "body": {"_format_version": "2.1", "vaults": []}})
        bare = await post_case(c["bare"].urls()["admin"], {"content_type": "application/json",
                                                          "body": {"_format_version": "3.0", "keyauth_credentials": []}})
    finally:
        await c.stop()
    assert (r28.status_code, r28.json()["fields"]) == (400, {"vaults": "unknown field"})
    assert (bare.status_code, bare.json()["fields"]) == (400, {"keyauth_credentials": "unknown field"})
