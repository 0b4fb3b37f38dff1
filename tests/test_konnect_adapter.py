"""The Konnect adapter (adapters/konnect.py, konnect_backup.py) against the emulated Konnect API.

The emulator (lab/emulator/konnect.py) serves Konnect's node list over a 3.9 control plane's
DPs on a free 127.0.0.1 port; a timeout is met with httpx's MockTransport.
"""

from __future__ import annotations

import os
import stat
import sys

import httpx
import pytest
import yaml

from adapters.konnect import KonnectControlPlane
from adapters.konnect_backup import KonnectConfigBackup
from lab.emulator import start_nodes
from rollout.errors import Rejected, Timeout
from rollout.plan import Plan

TOKEN = "kpat_" + "Q7w8e9R0t1Y2u3I4o5P6a7S8d9F0g1H2j3K4l5Z6x7C8v9B0n1"
CP_ID = "9524ec7d-36d9-465d-a8c5-83a3c9390458"
ENV = {"KONNECT_TOKEN": TOKEN}


@pytest.fixture
async def cluster():
    """A 3.9 CP with five DPs (x1, x2 on 3.4; y1..y3 on 3.9) and Konnect's API over them."""
    nodes = [{"name": "cp", "version": "3.9.1", "role": "control_plane", "proxy": False, "status": False}]
    nodes += [{"name": n, "version": v, "role": "data_plane", "control_plane": "cp"}
              for n, v in (("x1", "3.9.1"), ("x2", "3.9.1"), ("y1", "3.9.1"), ("y2", "3.9.1"), ("y3", "3.9.1"))]
    c = await start_nodes({"nodes": nodes, "konnect": {"control_plane": "cp", "token": TOKEN, "control_plane_id": CP_ID,
                                                       "control_plane_name": "lab"}})
    yield c
    await c.stop()


def plan_for(base_url: str, **konnect) -> Plan:
    block = {"base_url": base_url, "control_plane_id": CP_ID, "token_env": "KONNECT_TOKEN", "page_size": 2, **konnect}
    return Plan.model_validate({
        "turnout": 1, "name": "k", "mode": "konnect", "konnect": block,
        "pools": {"x": {"version": "3.9.1", "nodes": [{"name": "x1", "hostname": "x1.lab"}, {"name": "x2", "hostname": "x2.lab"}]},
                  "y": {"version": "3.9.1", "nodes": [{"name": "y1", "hostname": "y1.lab"}]}},
        "load_balancer": {"type": "sim"}, "steps": [{"y": 100}],
    })


async def no_sleep(seconds: float) -> None:
    """Retry-After waits pass at once (test_429_is_waited_out_as_retry_after_says records them)."""


def konnect_of(cluster, env=ENV, **konnect) -> KonnectControlPlane:
    return KonnectControlPlane(plan_for(cluster.urls()["konnect"], **konnect), env=env, sleep=no_sleep)


async def test_every_page_of_nodes_with_version_hostname_ping_and_hash(cluster):
    konnect = konnect_of(cluster)
    rows = await konnect.data_planes()
    assert sorted(r.hostname for r in rows) == ["x1.lab", "x2.lab", "y1.lab", "y2.lab", "y3.lab"]  # 3 pages of 2
    assert {r.version for r in rows} == {"3.9.1"}
    assert len({r.config_hash for r in rows}) == 1 and rows[0].config_hash
    assert all(r.last_seen > 0 and r.sync_status == "COMPATIBILITY_STATE_FULLY_COMPATIBLE" for r in rows)
    assert cluster.konnect.calls == 3
    await konnect.aclose()


async def test_a_control_plane_name_is_resolved_once(cluster):
    konnect = konnect_of(cluster, control_plane_id=None, control_plane_name="lab")
    await konnect.data_planes()
    await konnect.data_planes()
    assert await konnect.control_plane_id() == CP_ID
    assert cluster.konnect.calls == 1 + 3 + 3
    missing = konnect_of(cluster, control_plane_id=None, control_plane_name="prod")
    with pytest.raises(Rejected, match="no control plane named 'prod'"):
        await missing.data_planes()


@pytest.mark.parametrize("env, status, why", [
    ({"KONNECT_TOKEN": "kpat_wrongwrongwrongwrong0123456789"}, "HTTP 401", "refused the token from $KONNECT_TOKEN"),
    ({}, "", "environment variable KONNECT_TOKEN is not set"),
])
async def test_a_wrong_or_missing_token_is_one_line_without_the_token(cluster, env, status, why):
    konnect = konnect_of(cluster, env=env)
    with pytest.raises(Rejected) as err:
        await konnect.data_planes()
    message = str(err.value)
    assert message.startswith(f"konnect: GET /v2/control-planes/{CP_ID}/nodes: rejected") and status in message and why in message
    assert "\n" not in message and TOKEN not in message and "wrongwrong" not in message


async def test_an_unknown_control_plane_is_a_404_naming_the_api(cluster):
    konnect = konnect_of(cluster, control_plane_id="00000000-0000-0000-0000-000000000000")
    with pytest.raises(Rejected, match=r"HTTP 404 .*no such control plane at http://127\.0\.0\.1"):
        await konnect.data_planes()


async def test_429_is_waited_out_as_retry_after_says(cluster):
    cluster.konnect.faults.update({"throttle": 2, "retry_after": 3})
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    konnect = KonnectControlPlane(plan_for(cluster.urls()["konnect"]), env=ENV, sleep=sleep)
    assert len(await konnect.data_planes()) == 5
    assert waits == [3.0, 3.0]


async def test_a_retry_after_beyond_the_bound_fails_in_one_line(cluster):
    cluster.konnect.faults.update({"throttle": 1, "retry_after": 600})
    konnect = konnect_of(cluster, retry_after_max="10s")
    with pytest.raises(Rejected, match=r"HTTP 429 rate limited: Retry-After 600s is more than konnect.retry_after_max \(10s\)"):
        await konnect.data_planes()


async def test_endless_429s_stop_after_a_bounded_number_of_waits(cluster):
    cluster.konnect.faults.update({"throttle": 100, "retry_after": 1})
    konnect = konnect_of(cluster)
    with pytest.raises(Rejected, match="still rate limited after 5 waits"):
        await konnect.data_planes()
    assert cluster.konnect.calls == 6


async def test_a_timeout_names_the_call():
    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    konnect = KonnectControlPlane(plan_for("https://eu.api.konghq.com"), env=ENV, transport=httpx.MockTransport(hang))
    with pytest.raises(Timeout) as err:
        await konnect.data_planes()
    assert str(err.value).startswith(f"konnect: GET /v2/control-planes/{CP_ID}/nodes: timed out") and TOKEN not in str(err.value)


async def test_the_bearer_token_goes_only_in_the_header():
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"items": [], "page": {"total": 0}})

    konnect = KonnectControlPlane(plan_for("https://eu.api.konghq.com"), env=ENV, transport=httpx.MockTransport(answer))
    assert await konnect.data_planes() == []
    assert seen[0].headers["authorization"] == f"Bearer {TOKEN}" and TOKEN not in str(seen[0].url)
    assert seen[0].url.path == f"/v2/control-planes/{CP_ID}/nodes" and seen[0].url.params["page[size]"] == "2"


DUMP = f"""{sys.executable} -c "import sys, shutil; assert open(sys.argv[1]).read() == '{TOKEN[:5]}' + '{TOKEN[5:]}'; \
open(sys.argv[2], 'w').write('_format_version: \\"3.0\\"\\nservices:\\n- name: echo\\n  routes:\\n  - name: r\\n')" \
{{token_file}} {{file}}"""


async def test_the_backup_command_is_verified_and_kept_0600(cluster, tmp_path):
    konnect = konnect_of(cluster, backup={"command": DUMP})
    record = await KonnectConfigBackup(konnect.plan, konnect).backup(str(tmp_path / "backups"))
    assert record.node == "konnect" and record.entities == 2 and len(record.sha256) == 64
    assert stat.S_IMODE(os.stat(record.path).st_mode) == 0o600
    assert yaml.safe_load(open(record.path))["services"][0]["name"] == "echo"
    assert record.config_hash == (await konnect.data_planes())[0].config_hash


async def test_a_failing_backup_command_never_shows_the_token(cluster, tmp_path):
    konnect = konnect_of(cluster, backup={"command": "cat {token_file} >&2; echo {file} >/dev/null; exit 3"})
    with pytest.raises(Rejected) as err:
        await KonnectConfigBackup(konnect.plan, konnect).backup(str(tmp_path))
    assert "exit 3" in str(err.value) and TOKEN not in str(err.value)


async def test_without_a_command_only_a_confirmed_manual_backup_passes(cluster, tmp_path):
    konnect = konnect_of(cluster)
    with pytest.raises(Rejected, match="--konnect-backup-taken"):
        await KonnectConfigBackup(konnect.plan, konnect).backup(str(tmp_path))
    record = await KonnectConfigBackup(konnect.plan, konnect, "confirmed with --konnect-backup-taken").backup(str(tmp_path))
    assert record.path == "taken by hand (confirmed with --konnect-backup-taken)" and record.sha256 == ""
