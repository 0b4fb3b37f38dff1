"""The Kong adapter (adapters/kong.py) against the Kong node emulator (2.8, 3.4, 3.9 nodes).

Every test talks to the emulator (lab/emulator) on free 127.0.0.1 ports, started and
stopped by the fixture, except the closed-port test, which talks to a port nobody listens on.
"""

from __future__ import annotations

import hashlib
import os
import stat

import pytest
import yaml

from adapters.kong import KongAdmin, KongControlPlane
from lab.emulator import NodeSpec, start_nodes
from lab.procs import free_port
from rollout.observations import NodeInfo, NodeProbe
from rollout.plan import Plan, SmokeCheck

TOKEN = "adm-tok-9f8e7d6c"
KEY = "smoke-key-5a4b3c"
ENV = {"KONG_ADMIN_TOKEN": TOKEN, "SMOKE_KEY": KEY}


@pytest.fixture
async def cluster():
    """The emulator: x28 (2.8.5), x34 (3.4.2), y39 (3.9.1) wanting TOKEN, a 3.9 CP with 3.9 DPs."""
    c = await start_nodes([
        NodeSpec("x28", "2.8.5", api_key=KEY, admin_token=TOKEN),
        NodeSpec("x34", "3.4.2", api_key=KEY, admin_token=TOKEN),
        NodeSpec("y39", "3.9.1", api_key=KEY, admin_token=TOKEN),
        NodeSpec("cp", "3.9.1", role="control_plane", proxy=False, admin_token=TOKEN, page_size=1),
        NodeSpec("dp1", "3.9.1", role="data_plane", control_plane="cp"),
        NodeSpec("dp2", "3.9.0", role="data_plane", control_plane="cp"),
    ])
    yield c
    await c.stop()


def make_plan(c, names=("x28", "x34", "y39"), *, timeout=2.0, retries=0, **extra) -> Plan:
    def node(name):
        u = c[name].urls()
        return {"name": name, "admin": u["admin"], "status": u.get("status"), "proxy": u.get("proxy")}

    data = {"turnout": 1, "name": "t", "mode": "dbless",
            "pools": {"x": {"version": "3.4.2", "nodes": [node(n) for n in names[:-1]]},
                      "y": {"version": "3.9.1", "nodes": [node(names[-1])]}},
            "admin_auth": {"header": "Kong-Admin-Token", "token_env": "KONG_ADMIN_TOKEN"},
            "load_balancer": {"type": "sim"}, "steps": [{"y": 100}],
            "timeouts": {"request": timeout, "retries": retries}, **extra}
    return Plan.model_validate(data)


@pytest.fixture
async def kong(cluster):
    admin = KongAdmin(make_plan(cluster), env=ENV)
    yield admin
    await admin.aclose()


def assert_one_line(message: str, node: str, call: str):
    assert "\n" not in message and message.startswith(f"{node}: ") and call in message, message
    assert TOKEN not in message and KEY not in message


@pytest.mark.parametrize("name,version,plugins_shape", [("x28", "2.8.5", "true"), ("x34", "3.4.2", "obj"), ("y39", "3.9.1", "obj")])
async def test_info_reads_version_database_plugins_and_ready(kong, cluster, name, version, plugins_shape):
    """info() on each version (emulator): version, database off, plugin names, hash, ready."""
    info = await kong.info(kong.plan.node(name))
    assert isinstance(info, NodeInfo) and info.reachable and info.error == ""
    assert (info.version, info.database, info.role) == (version, "off", "traditional")
    assert "key-auth" in info.plugins_available and info.plugins_enabled == ("key-auth", "prometheus")
    assert info.config_hash == cluster[name].loaded.config_hash and info.ready and info.status_reachable


async def test_probe_uses_ready_on_33_plus_and_hash_before(kong, cluster):
    """probe() (emulator): 3.9 asks /status/ready (503 message shown); 2.8 reads the zero hash as not ready."""
    cluster["y39"].faults.update({"not_ready": "router builds not yet complete, router ready in 1 of 2 workers"})
    cluster["x28"].faults.update({"not_ready": True})
    y, x = await kong.probe(kong.plan.node("y39")), await kong.probe(kong.plan.node("x28"))
    assert isinstance(y, NodeProbe) and y.reachable and not y.ready and "router ready in 1 of 2" in y.message
    assert y.config_hash == cluster["y39"].loaded.config_hash and y.version == "3.9.1"
    assert x.reachable and not x.ready and "all zeros" in x.message and x.version == "2.8.5"
    cluster["y39"].faults.update({"not_ready": False})
    assert (await kong.probe(kong.plan.node("y39"))).ready


async def test_probe_reports_a_changed_configuration_hash(kong, cluster):
    """A node whose hash changes (someone wrote config; emulator fault) reports the new hash to the engine."""
    before = await kong.probe(kong.plan.node("x34"))
    cluster["x34"].faults.update({"config_hash": "e" * 32})
    after = await kong.probe(kong.plan.node("x34"))
    assert before.config_hash != after.config_hash == "e" * 32


@pytest.mark.parametrize("name,fmt", [("x28", "2.1"), ("x34", "3.0"), ("y39", "3.0")])
async def test_backup_writes_0600_sha256_and_parses(kong, cluster, tmp_path, name, fmt):
    """backup() (emulator GET /config): file mode 0600, sha256 of the bytes, YAML parses, entities counted."""
    record = await kong.backup(kong.plan.node(name), str(tmp_path / "b"))
    data = open(record.path, "rb").read()
    assert stat.S_IMODE(os.stat(record.path).st_mode) == 0o600
    assert hashlib.sha256(data).hexdigest() == record.sha256
    assert yaml.safe_load(data)["_format_version"] == fmt
    assert record.config_hash == cluster[name].loaded.config_hash and record.entities == 6
    assert os.path.basename(record.path).startswith(f"{name}-") and record.path.endswith(f"-{record.config_hash[:8]}.yml")


async def test_backup_falls_back_to_kong_yml_without_get_config(cluster, tmp_path):
    """A DP without GET /config (emulator CP answers 400 'only available...'): the plan's backup.kong_yml is copied."""
    kong_yml = tmp_path / "kong.yml"
    kong_yml.write_text("_format_version: '3.0'\nservices:\n- {name: a, host: h}\n")
    plan = make_plan(cluster, ("x34", "cp"), backup={"dir": str(tmp_path / "b"), "kong_yml": str(kong_yml)})
    async with KongAdmin(plan, env=ENV) as kong:
        record = await kong.backup(plan.node("cp"), str(tmp_path / "b"))
    assert open(record.path).read() == kong_yml.read_text() and record.entities == 1 and record.config_hash == ""


async def test_backup_refuses_an_alias_bomb_at_its_line(cluster, tmp_path):
    """A kong.yml whose aliases stand for billions of values is refused before its entities are
    counted (counting would walk every one of them): one line naming the node, the file and the line."""
    from rollout.errors import Rejected

    kong_yml = tmp_path / "kong.yml"
    kong_yml.write_text("_format_version: '3.0'\na: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{c}: &{c} [{','.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi")))
    plan = make_plan(cluster, ("x34", "cp"), backup={"dir": str(tmp_path / "b"), "kong_yml": str(kong_yml)})
    async with KongAdmin(plan, env=ENV) as kong:
        with pytest.raises(Rejected) as err:
            await kong.backup(plan.node("cp"), str(tmp_path / "b"))
    assert_one_line(str(err.value), "cp", "backup")
    assert "line 8: more than 2,000,000 YAML values" in str(err.value)


async def test_backup_refuses_a_fifo_as_kong_yml_without_waiting(cluster, tmp_path):
    """backup.kong_yml pointing at a FIFO would block open() forever: refused in one line instead."""
    from rollout.errors import Rejected

    os.mkfifo(tmp_path / "kong.yml")
    plan = make_plan(cluster, ("x34", "cp"), backup={"dir": str(tmp_path / "b"), "kong_yml": str(tmp_path / "kong.yml")})
    async with KongAdmin(plan, env=ENV) as kong:
        with pytest.raises(Rejected) as err:
            await kong.backup(plan.node("cp"), str(tmp_path / "b"))
    assert_one_line(str(err.value), "cp", "read backup.kong_yml")
    assert "a FIFO (named pipe), not a regular file" in str(err.value)


async def test_backup_refuses_a_drifting_hash(kong, cluster, tmp_path):
    """Hash changing during the backup (emulator drift fault): Rejected naming node and 'changed'."""
    from rollout.errors import Rejected

    cluster["x34"].faults.update({"config_hash_drift": True})
    with pytest.raises(Rejected) as err:
        await kong.backup(kong.plan.node("x34"), str(tmp_path))
    assert_one_line(str(err.value), "x34", "backup")
    assert "changed during the backup" in str(err.value) and not list(tmp_path.iterdir())


def smoke_check(headers=None, status=200, contains=None) -> SmokeCheck:
    return SmokeCheck.model_validate({"name": "key-auth", "request": {"path": "/echo", "headers": headers or {}},
                                      "expect": {"status": status, "body_contains": contains}})


@pytest.mark.parametrize("name", ["x28", "x34", "y39"])
async def test_smoke_ok_and_key_auth_failure(kong, name):
    """smoke() against the emulator's proxy: the key from ${env:SMOKE_KEY} passes; a missing key is a named failure."""
    ok = await kong.smoke(kong.plan.node(name), smoke_check({"apikey": "${env:SMOKE_KEY}"}, contains=name))
    assert ok.ok and (ok.check, ok.node, ok.got) == ("key-auth", name, "HTTP 200")
    bad = await kong.smoke(kong.plan.node(name), smoke_check())
    assert not bad.ok and bad.got == "HTTP 401 No API key found in request" and bad.expected == "HTTP 200"


async def test_smoke_wrong_key_and_missing_env_never_show_values(kong):
    """Emulator 3.9: a wrong key reads 'Unauthorized'; an unset ${env:NAME} names the variable, not a value."""
    wrong = await kong.smoke(kong.plan.node("y39"), smoke_check({"apikey": "${env:KONG_ADMIN_TOKEN}"}))
    assert wrong.got == "HTTP 401 Unauthorized" and TOKEN not in wrong.describe()
    missing = await kong.smoke(kong.plan.node("y39"), smoke_check({"apikey": "${env:NOT_SET_KEY}"}))
    assert not missing.ok and "environment variable NOT_SET_KEY is not set" in missing.got


async def test_wrong_token_reads_clearly(cluster):
    """Emulator 3.4 with a token: a wrong token gives one line with HTTP 401 and the env var's name, never the token."""
    async with KongAdmin(make_plan(cluster), env={"KONG_ADMIN_TOKEN": "not-the-token-xyz"}) as kong:
        info = await kong.info(kong.plan.node("x34"))
    assert not info.reachable
    assert_one_line(info.error, "x34", "GET /")
    assert "HTTP 401 Invalid RBAC credentials" in info.error and "KONG_ADMIN_TOKEN" in info.error
    assert "not-the-token-xyz" not in info.error


async def test_missing_token_env_is_named(cluster):
    """No KONG_ADMIN_TOKEN in the environment: a one-line error naming the variable (emulator never asked)."""
    async with KongAdmin(make_plan(cluster), env={}) as kong:
        info = await kong.info(kong.plan.node("x34"))
    assert "environment variable KONG_ADMIN_TOKEN is not set" in info.error
    assert_one_line(info.error, "x34", "GET /")


async def test_timeout_is_one_line(cluster):
    """Emulator latency (600 ms) above the plan's timeout (0.2 s, 1 retry): Timeout naming node and call."""
    from rollout.errors import Timeout

    cluster["x34"].faults.update({"latency_ms": 600})
    async with KongAdmin(make_plan(cluster, timeout=0.2, retries=1), env=ENV) as kong:
        probe = await kong.probe(kong.plan.node("x34"))
        with pytest.raises(Timeout) as err:
            await kong.backup(kong.plan.node("x34"), "/nonexistent-never-written")
    assert not probe.reachable and "timed out" in probe.message
    assert_one_line(probe.message, "x34", "GET /status")
    assert_one_line(str(err.value), "x34", "GET /status")
    assert "2 attempts" in str(err.value)


async def test_http_500_is_rejected_with_status(cluster, tmp_path):
    """Emulator fault admin_status=500 (Admin and Status API answer 500): one line with HTTP 500 and Kong's text."""
    from rollout.errors import Rejected

    cluster["x34"].faults.update({"admin_status": 500})
    async with KongAdmin(make_plan(cluster), env=ENV) as kong:
        probe = await kong.probe(kong.plan.node("x34"))
        info = await kong.info(kong.plan.node("x34"))
        with pytest.raises(Rejected) as err:
            await kong.backup(kong.plan.node("x34"), str(tmp_path))
    assert probe.reachable and not probe.ready
    assert probe.message == "x34: GET /status: rejected: HTTP 500 An unexpected error occurred"
    assert info.error == "x34: GET /: rejected: HTTP 500 An unexpected error occurred"
    assert err.value.status == 500
    assert_one_line(str(err.value), "x34", "GET /status")


async def test_closed_port_is_unreachable(cluster):
    """A closed port (nothing listens): Unreachable naming node and call, for info and probe."""
    port = free_port()
    plan = make_plan(cluster)
    node = plan.node("x34").model_copy(update={"admin": f"http://127.0.0.1:{port}", "status": f"http://127.0.0.1:{port}"})
    async with KongAdmin(plan, env=ENV) as kong:
        info, probe = await kong.info(node), await kong.probe(node)
    assert not info.reachable and "unreachable" in info.error
    assert_one_line(info.error, "x34", "GET /")
    assert not probe.reachable and "unreachable" in probe.message
    assert_one_line(probe.message, "x34", "GET /status")


async def test_control_plane_rows_all_pages(cluster):
    """KongControlPlane (emulator CP 3.9, page size 1): both DP rows, following 'next'."""
    plan = make_plan(cluster, mode="hybrid", control_plane={"admin": cluster["cp"].urls()["admin"]})
    cp = KongControlPlane(plan, env=ENV)
    try:
        rows = await cp.data_planes()
    finally:
        await cp.aclose()
    assert sorted(r.hostname for r in rows) == ["dp1.lab", "dp2.lab"]
    assert {r.sync_status for r in rows} == {"normal"} and len({r.config_hash for r in rows}) == 1
    assert rows[0].config_hash == cluster["cp"].loaded.config_hash and rows[0].last_seen > 0


async def test_control_plane_wrong_token(cluster):
    """KongControlPlane with a wrong token (emulator CP): Rejected, one line, names the call, no token."""
    from rollout.errors import Rejected

    plan = make_plan(cluster, mode="hybrid", control_plane={"admin": cluster["cp"].urls()["admin"]})
    cp = KongControlPlane(plan, env={"KONG_ADMIN_TOKEN": "bad-token-000"})
    try:
        with pytest.raises(Rejected) as err:
            await cp.data_planes()
    finally:
        await cp.aclose()
    assert_one_line(str(err.value), "control-plane", "GET /clustering/data-planes")
    assert err.value.status == 401 and "bad-token-000" not in str(err.value)


@pytest.fixture
def tls_files(tmp_path):
    """A self-signed certificate for localhost, made with the openssl CLI (skipped without it)."""
    import shutil
    import subprocess

    if not shutil.which("openssl"):
        pytest.skip("openssl CLI not installed")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                   check=True, capture_output=True, timeout=30)
    return str(key), str(cert)


async def test_tls_verify_on_by_default_and_ca_file(cluster, tls_files):
    """An HTTPS Status API (sample-built stub: the emulator's server with a self-signed cert): verification fails
    with one line pointing at tls.ca_file; with tls.ca_file set to that cert the probe succeeds."""
    import ssl

    from lab.emulator.httpserver import HttpServer, json_response

    key, cert = tls_files
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    body = {"server": {"total_requests": 1}, "configuration_hash": "a" * 32}
    server = HttpServer(lambda req: json_response(200, body, [("Server", "kong/3.2.1")]))
    port = await server.start("127.0.0.1", 0, ssl_context=ctx)
    try:
        results = []
        for tls in ({}, {"ca_file": cert}):
            plan = make_plan(cluster, tls=tls)
            node = plan.node("x34").model_copy(update={"status": f"https://localhost:{port}"})
            async with KongAdmin(plan, env=ENV) as kong:
                results.append(await kong.probe(node))
    finally:
        await server.stop()
    refused, accepted = results
    assert not refused.reachable and "TLS verification failed" in refused.message and "tls.ca_file" in refused.message
    assert_one_line(refused.message, "x34", "GET /status")
    assert accepted.ready and accepted.version == "3.2.1" and accepted.config_hash == "a" * 32


async def test_missing_ca_file_is_one_line(cluster, tmp_path):
    """tls.ca_file pointing nowhere (emulator never reached): Rejected naming the key and the file."""
    plan = make_plan(cluster, tls={"ca_file": str(tmp_path / "nope.pem")})
    async with KongAdmin(plan, env=ENV) as kong:
        probe = await kong.probe(plan.node("x34"))
    assert_one_line(probe.message, "x34", "GET /status")
    assert "tls.ca_file" in probe.message and "nope.pem" in probe.message


async def test_info_with_unreachable_status_api_keeps_the_hash(cluster):
    """A Status API that cannot be reached (3.6+ binds it to loopback; emulator node with a dead status URL):
    info says status_reachable=False with the error, and still reads the hash from the Admin API."""
    port = free_port()
    plan = make_plan(cluster)
    node = plan.node("y39").model_copy(update={"status": f"http://127.0.0.1:{port}"})
    async with KongAdmin(plan, env=ENV) as kong:
        info = await kong.info(node)
    assert info.reachable and not info.status_reachable and not info.ready
    assert "unreachable" in info.ready_message and info.config_hash == cluster["y39"].loaded.config_hash
