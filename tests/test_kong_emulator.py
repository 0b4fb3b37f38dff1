"""The Kong node emulator (lab/emulator) against Kong's response shapes (samples from Kong's docs,
specs and source, read through tests/shared_files.py).

Every test here talks to the emulator, started on free 127.0.0.1 ports and stopped in the
fixture's finalizer (one test also runs it as ``python -m lab.emulator`` and stops it by PID).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from lab.emulator import NodeSpec, start_nodes

from .shared_files import kong_samples
from .test_kong_codec import sample

VERSIONS = ("2.8.5", "3.4.2", "3.9.1")
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
async def cluster():
    """The emulator: one DB-less node per version, a 3.4 CP with two DPs (3.4 and 3.9)."""
    specs = [NodeSpec(f"n{v[0]}{v[2]}", v, api_key="k-123456") for v in VERSIONS]
    specs += [NodeSpec("cp", "3.4.2", role="control_plane", proxy=False, page_size=1),
              NodeSpec("dp34", "3.4.2", role="data_plane", control_plane="cp", labels={"region": "a"}),
              NodeSpec("dp39", "3.9.1", role="data_plane", control_plane="cp")]
    c = await start_nodes(specs, control_port=0)
    yield c
    await c.stop()


def url(c, node: str, port: str) -> str:
    return c[node].urls()[port]


async def get(u: str, path: str, **kw) -> httpx.Response:
    async with httpx.AsyncClient(timeout=5) as client:
        return await client.get(u + path, **kw)


async def post(u: str, path: str, **kw) -> httpx.Response:
    async with httpx.AsyncClient(timeout=5) as client:
        return await client.post(u + path, **kw)


async def test_admin_root_keys_match_the_sample_per_version(cluster):
    """GET / (emulator): the sample's key set; 'edition' only from 3.6; available_on_server per version."""
    want = set(sample("admin-root-3.6-oss.json"))
    for node, v in (("n28", "2.8.5"), ("n34", "3.4.2"), ("n39", "3.9.1")):
        body = (await get(url(cluster, node, "admin"), "/")).json()
        assert set(body) == (want if v >= "3.6" else want - {"edition"}), node
        plugins = body["plugins"]["available_on_server"]
        assert plugins["key-auth"] is True if v.startswith("2.") else plugins["key-auth"] == {"version": v, "priority": 1250}
        assert body["configuration"]["database"] == "off" and body["plugins"]["enabled_in_cluster"] == ["key-auth", "prometheus"]


async def test_status_keys_per_version(cluster):
    """GET /status (emulator): 'database' until 3.3, gone on 3.4+ DB-less; hash always on DB-less; CP has no hash."""
    dbless = set(sample("status-dbless-docs.json"))
    for node, has_db in (("n28", True), ("n34", False), ("n39", False)):
        body = (await get(url(cluster, node, "status"), "/status")).json()
        assert set(body) == (dbless if has_db else dbless - {"database"}), node
        assert set(body["server"]) == set(sample("status-dbless-docs.json")["server"])
    cp = (await get(url(cluster, "cp", "admin"), "/status")).json()
    assert set(cp) == set(sample("status-traditional-openapi.json"))


async def test_status_ready_only_from_33_and_drain_on_39(cluster):
    """/status/ready (emulator): 404 on 2.8, 200 ready on 3.4; 3.9 drains (204, then 503 draining)."""
    assert (await get(url(cluster, "n28", "status"), "/status/ready")).status_code == 404
    r = await get(url(cluster, "n34", "status"), "/status/ready")
    assert (r.status_code, r.json()) == (200, sample("status-ready-docs.json")["200"])
    s39 = url(cluster, "n39", "status")
    assert (await post(s39, "/status/ready", json={"status": "draining"})).status_code == 204
    r = await get(s39, "/status/ready")
    assert (r.status_code, r.json()) == (503, {"message": "draining"})


@pytest.mark.parametrize("node,invalid,www", [("n28", "Invalid authentication credentials", None),
                                              ("n34", "Invalid authentication credentials", None),
                                              ("n39", "Unauthorized", "Key")])
async def test_key_auth_messages_per_version(cluster, node, invalid, www):
    """Proxy key-auth (emulator) as key-auth-errors-by-version.yaml: missing, invalid, valid key."""
    proxy = url(cluster, node, "proxy")
    missing = await get(proxy, "/echo")
    assert (missing.status_code, missing.json()["message"]) == (401, "No API key found in request")
    bad = await get(proxy, "/echo", headers={"apikey": "wrong"})
    assert (bad.status_code, bad.json()["message"], bad.headers.get("www-authenticate")) == (401, invalid, www)
    ok = await get(proxy, "/echo", headers={"apikey": "k-123456"})
    assert ok.status_code == 200 and ok.headers["x-kong-node"] == node and ok.json()["node"] == node


async def test_counters_and_error_share_fault(cluster):
    """Fault error_share=1 makes every proxied request a 500; counters count requests and errors, not /health."""
    admin, proxy = url(cluster, "n34", "admin"), url(cluster, "n34", "proxy")
    assert (await post(admin, "/__turnout/fault", json={"error_share": 1.0})).json()["error_share"] == 1.0
    async with httpx.AsyncClient(timeout=5) as client:
        codes = [(await client.get(proxy + "/echo", headers={"apikey": "k-123456"})).status_code for _ in range(5)]
        await client.get(proxy + "/health")
    counters = (await get(admin, "/__turnout/counters")).json()
    assert codes == [500] * 5 and (counters["requests"], counters["errors"], counters["by_code"]) == (5, 5, {"500": 5})
    bad = await post(admin, "/__turnout/fault", json={"latncy_ms": 5})
    assert bad.status_code == 400 and "latncy_ms" in bad.json()["message"]


async def test_latency_not_ready_and_hash_faults(cluster):
    """latency_ms delays answers; not_ready gives 503 with Kong's text; config_hash replaces the hash."""
    admin, status = url(cluster, "n39", "admin"), url(cluster, "n39", "status")
    await post(admin, "/__turnout/fault", json={"latency_ms": 150, "not_ready": True})
    t0 = asyncio.get_running_loop().time()
    r = await get(status, "/status/ready")
    assert asyncio.get_running_loop().time() - t0 >= 0.14
    assert (r.status_code, r.json()["message"]) == (503, "no configuration available (configuration hash is not initialized)")
    await post(admin, "/__turnout/fault", json={"latency_ms": 0, "not_ready": False, "config_hash": "f" * 32})
    assert (await get(status, "/status")).json()["configuration_hash"] == "f" * 32


async def test_route_latency_delays_only_the_slow_routes_requests(cluster):
    """route_latency_ms with route_prefix (the route_latency fault): /echo/orders answers late, /echo does not;
    both still answer 200, and switching it off ends the delay."""
    admin, proxy = url(cluster, "n39", "admin"), url(cluster, "n39", "proxy")
    r = await post(admin, "/__turnout/fault", json={"route_latency_ms": 150, "route_prefix": "/echo/orders"})
    assert r.status_code == 200 and r.json()["route_prefix"] == "/echo/orders"
    loop = asyncio.get_running_loop()

    async def timed(path: str) -> tuple[int, float]:
        t0 = loop.time()
        resp = await get(proxy, path, headers={"apikey": "k-123456"})
        return resp.status_code, loop.time() - t0

    slow, fast = await timed("/echo/orders/42"), await timed("/echo/users")
    assert slow[0] == fast[0] == 200
    assert slow[1] >= 0.14 and fast[1] < 0.1, (slow, fast)
    await post(admin, "/__turnout/fault", json={"route_latency_ms": 0, "route_prefix": None})
    assert (await timed("/echo/orders/42"))[1] < 0.1


async def test_crash_closes_ports_and_control_port_restarts(cluster):
    """crash closes every port of the node; the cluster control port starts it again on the same ports."""
    admin = url(cluster, "n28", "admin")
    await post(admin, "/__turnout/fault", json={"crash": True})
    await asyncio.sleep(0.1)
    with pytest.raises(httpx.ConnectError):
        await get(admin, "/status")
    control = cluster.urls()["control"]
    assert (await post(control, "/__turnout/nodes/n28/start")).status_code == 202
    await asyncio.sleep(0.1)
    assert (await get(admin, "/status")).status_code == 200


async def test_post_config_updates_hash_check_hash_and_400s(cluster):
    """POST /config (emulator): 201 and hash = md5(text); check_hash=1 -> 304; 2.8 refuses a 3.0 file; empty -> 400."""
    admin34, admin28 = url(cluster, "n34", "admin"), url(cluster, "n28", "admin")
    text = (kong_samples() / "deck-convert-expected-3.4.yaml").read_text()
    r = await post(admin34, "/config", json={"config": text})
    assert r.status_code == 201 and "services" in r.json()
    assert (await get(admin34, "/status")).json()["configuration_hash"] == hashlib.md5(text.encode()).hexdigest()
    assert (await post(admin34, "/config?check_hash=1", json={"config": text})).status_code == 304
    r28 = await post(admin28, "/config", json={"config": text})
    body = r28.json()
    assert r28.status_code == 400 and set(body) == set(sample("config-post-400-errors-3.4.json")["schema_validation"])
    assert "_format_version" in body["fields"]
    assert (await post(admin34, "/config", content=b"")).json() == sample("config-post-400-errors-3.4.json")["no_input"]


async def test_get_config_envelope_and_405_write(cluster):
    """GET /config (emulator): the {"config": yaml} envelope with the version's _format_version; writes -> 405."""
    for node, fmt in (("n28", "2.1"), ("n39", "3.0")):
        body = (await get(url(cluster, node, "admin"), "/config")).json()
        assert set(body) == set(sample("config-get-envelope-3.4.json"))
        doc = yaml.safe_load(body["config"])
        assert (doc["_format_version"], doc["_transform"]) == (fmt, False)
    r = await post(url(cluster, "n34", "admin"), "/routes", json={"paths": ["/x"]})
    assert (r.status_code, r.json()) == (405, sample("dbless-write-405.json"))


async def test_data_planes_rows_pages_and_sync_status(cluster):
    """CP (3.4) rows have the 3.3-3.4 sample's keys, page by 'next'; a 3.9 DP is incompatible with a 3.4 CP."""
    cp = url(cluster, "cp", "admin")
    first = (await get(cp, "/clustering/data-planes")).json()
    assert len(first["data"]) == 1 and first["next"]
    second = (await get(cp, first["next"])).json()
    rows = {r["hostname"]: r for r in first["data"] + second["data"]}
    assert set(rows["dp34.lab"]) == set(sample("clustering-data-planes-3.3-3.4-docs.json")["data"][0])
    assert rows["dp34.lab"]["sync_status"] == "normal" and rows["dp39.lab"]["sync_status"] == "kong_version_incompatible"
    await post(url(cluster, "dp34", "admin"), "/__turnout/fault", json={"sync_status": "plugin_set_incompatible"})
    again = (await get(cp, "/clustering/data-planes?size=10")).json()
    assert {r["hostname"]: r["sync_status"] for r in again["data"]}["dp34.lab"] == "plugin_set_incompatible"
    assert (await get(url(cluster, "n34", "admin"), "/clustering/data-planes")).status_code == 400


async def test_metrics_names_per_version_parse_with_prometheus_client(cluster):
    """/metrics (emulator): 2.8 kong_http_status/kong_latency, 3.x kong_http_requests_total/kong_node_info."""
    for node in ("n28", "n39"):
        await get(url(cluster, node, "proxy"), "/echo", headers={"apikey": "k-123456"})
    names28 = {f.name for f in text_string_to_metric_families((await get(url(cluster, "n28", "status"), "/metrics")).text)}
    names39 = {f.name for f in text_string_to_metric_families((await get(url(cluster, "n39", "status"), "/metrics")).text)}
    assert {"kong_http_status", "kong_latency", "kong_datastore_reachable"} <= names28
    assert "kong_node_info" not in names28
    assert {"kong_http_requests", "kong_request_latency_ms", "kong_node_info"} <= names39  # parser drops _total


async def test_admin_token_missing_and_wrong():
    """An emulator node with admin_token: 401 with EE's texts for a missing and a wrong token; control stays open."""
    c = await start_nodes([NodeSpec("t1", "3.4.2", admin_token="tok-abcdef")])
    try:
        admin = c["t1"].urls()["admin"]
        assert (await get(admin, "/")).json()["message"] == "Invalid credentials. Token or User credentials required"
        assert (await get(admin, "/", headers={"Kong-Admin-Token": "nope"})).json()["message"] == "Invalid RBAC credentials"
        assert (await get(admin, "/", headers={"Kong-Admin-Token": "tok-abcdef"})).status_code == 200
        assert (await get(admin, "/__turnout/counters")).status_code == 200
    finally:
        await c.stop()


def test_spec_errors_are_one_line():
    """Bad specs name the node and the key."""
    from lab.emulator import parse_specs

    with pytest.raises(ValueError, match="unknown key"):
        parse_specs({"nodes": [{"name": "a", "version": "3.4.2", "colour": "red"}]})
    with pytest.raises(ValueError, match="duplicate"):
        parse_specs([{"name": "a", "version": "3.4.2"}, {"name": "a", "version": "3.4.2"}])
    with pytest.raises(ValueError, match="not a Kong version"):
        parse_specs([{"name": "a", "version": "latest"}])


def test_cli_prints_ready_line_and_stops_on_sigterm(tmp_path):
    """python -m lab.emulator (emulator subprocess): ready JSON line on stdout and in --ports-file; SIGTERM exits 0."""
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"nodes": [{"name": "x1", "version": "3.4.2"}]}))
    ports = tmp_path / "ports.json"
    proc = subprocess.Popen([sys.executable, "-m", "lab.emulator", "--spec", str(spec), "--ports-file", str(ports)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = json.loads(proc.stdout.readline())
        assert line["event"] == "ready" and json.loads(ports.read_text()) == line
        assert httpx.get(line["nodes"]["x1"]["status"] + "/status", timeout=5).status_code == 200
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


def test_cli_bad_spec_exits_2(tmp_path):
    """A bad spec file: one line on stderr naming the file, exit 2 (no traceback)."""
    spec = tmp_path / "bad.json"
    spec.write_text('{"nodes": [{"name": "x1"}]}')
    proc = subprocess.run([sys.executable, "-m", "lab.emulator", "--spec", str(spec)], cwd=ROOT,
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2 and "bad.json" in proc.stderr and "Traceback" not in proc.stderr


def _with_prometheus(config: dict | None, fmt: str) -> str:
    """The lab's kong.yml with the prometheus plugin's config replaced (None: the plugin removed)."""
    from lab.emulator.declarative import lab_config

    doc = yaml.safe_load(lab_config("k-123456", fmt))
    doc["plugins"] = [] if config is None else [{"name": "prometheus", "config": config}]
    doc["upstreams"] = [{"name": "up", "targets": [{"target": "127.0.0.1:9"}]}]
    return yaml.safe_dump(doc)


async def _families(cluster, node: str, config: dict | None, fmt: str) -> set[str]:
    assert (await post(url(cluster, node, "admin"), "/config", json={"config": _with_prometheus(config, fmt)})).status_code == 201
    await get(url(cluster, node, "proxy"), "/echo", headers={"apikey": "k-123456"})
    text = (await get(url(cluster, node, "status"), "/metrics")).text
    return {f.name for f in text_string_to_metric_families(text)}


async def test_prometheus_flags_decide_the_per_request_families(cluster):
    """3.x exports a per-request family only with its flag on; 2.8 exports them whenever the plugin is on."""
    per_request = {"kong_http_requests", "kong_request_latency_ms", "kong_bandwidth_bytes", "kong_upstream_target_health"}
    assert not per_request & await _families(cluster, "n34", {}, "3.0")
    assert per_request & await _families(cluster, "n34", {"latency_metrics": True}, "3.0") == {"kong_request_latency_ms"}
    assert per_request & await _families(cluster, "n39", {"bandwidth_metrics": True, "upstream_health_metrics": True},
                                         "3.0") == {"kong_bandwidth_bytes", "kong_upstream_target_health"}
    old = {"kong_http_status", "kong_latency", "kong_bandwidth", "kong_upstream_target_health"}
    assert old <= await _families(cluster, "n28", {}, "2.1")
    assert not old & await _families(cluster, "n28", None, "2.1")


async def test_drain_takes_a_form_body_too(cluster):
    """POST /status/ready (3.9) reads Kong's request params: a urlencoded ``status=draining`` drains."""
    s39 = url(cluster, "n39", "status")
    assert (await post(s39, "/status/ready", data={"status": "nope"})).status_code == 400
    assert (await post(s39, "/status/ready", data={"status": "draining"})).status_code == 204
    assert (await get(s39, "/status/ready")).json() == {"message": "draining"}


async def test_clustering_status_on_a_control_plane(cluster):
    """The deprecated GET /clustering/status: the CP's DPs by id, with ``Deprecation: true``; 400 elsewhere."""
    r = await get(url(cluster, "cp", "admin"), "/clustering/status")
    assert r.status_code == 200 and r.headers["deprecation"] == "true"
    rows = (await get(url(cluster, "cp", "admin"), "/clustering/data-planes?size=10")).json()["data"]
    assert r.json().keys() == {row["id"] for row in rows} and len(rows) == 2
    for row in rows:
        got = r.json()[row["id"]]
        assert set(got) == {"config_hash", "hostname", "ip", "last_seen"} and abs(got["last_seen"] - row["last_seen"]) <= 2
        assert (got["hostname"], got["config_hash"]) == (row["hostname"], row["config_hash"])
    assert (await get(url(cluster, "n34", "admin"), "/clustering/status")).status_code == 400


async def test_form_encoded_config_post(cluster):
    """POST /config takes ``config=<yaml>`` as a urlencoded form, as Kong's Admin API does."""
    r = await post(url(cluster, "n34", "admin"), "/config", data={"config": _with_prometheus({}, "3.0")})
    assert r.status_code == 201 and "consumers" in r.json()


def test_cli_refuses_a_node_config_kong_would_refuse(tmp_path):
    """A node spec whose kong.yml Kong would refuse: one line with Kong's message, exit 2."""
    spec = tmp_path / "bad-config.json"
    spec.write_text(json.dumps({"nodes": [{"name": "x1", "version": "3.4.2", "config": "_format_version: '3.0'\nservices:\n- port: 1\n"}]}))
    proc = subprocess.run([sys.executable, "-m", "lab.emulator", "--spec", str(spec)], cwd=ROOT,
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert 'declarative config is invalid: {services={{host="required field missing"}}}' in proc.stderr
