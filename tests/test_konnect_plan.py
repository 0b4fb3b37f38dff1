"""``mode: konnect`` plans: validate's located refusals, the pure Konnect checks and codec, the rehearsal.

No network: the checks and the codec take values; the rehearsal plays plans/konnect-example.yml
in the simulated world (sim/ maps Konnect's node list onto its control plane).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from adapters import konnect_codec as codec
from rollout.errors import Rejected
from rollout.kong.preflight_konnect import konnect_x_checks, konnect_y_checks
from rollout.observations import DataPlaneRow
from rollout.plan import load_plan
from sim.runner import run_one
from sim.scenario import load_scenario

EXAMPLE = "plans/konnect-example.yml"
TOKEN = "kpat_Q7w8e9R0t1Y2u3I4o5P6a7S8d9F0g1H2j3K4l5Z6x7C8v9B0n1"
NOW = 1_800_000_000.0


def validate(tmp_path, text: str) -> tuple[int, list[str]]:
    path = tmp_path / "plan.yml"
    path.write_text(text)
    done = subprocess.run([sys.executable, "-m", "tui.cli", "validate", str(path)], capture_output=True, text=True)
    return done.returncode, done.stdout.splitlines()


def example() -> str:
    with open(EXAMPLE, encoding="utf-8") as fh:
        return fh.read()


def test_the_example_konnect_plan_validates(tmp_path):
    code, lines = validate(tmp_path, example())
    assert code == 0 and lines[0].endswith("ok: konnect dps 3.4 to 3.9: konnect, X 3.4.3.12 (3 nodes) -> Y 3.9.1.1 (3 nodes), "
                                           "LB haproxy, steps 5/25/50/100% on Y, 1 smoke check")


@pytest.mark.parametrize("old, new, line, said", [
    ("  token_env: KONNECT_TOKEN", f"  token_env: KONNECT_TOKEN\n  token: {TOKEN}", 14,
     "konnect.token: a token written in clear; put it in an environment variable and name it with konnect.token_env"),
    ("  token_env: KONNECT_TOKEN", f"  token_env: {TOKEN}", 13, "konnect.token_env: token_env must name an environment variable"),
    ("  control_plane_name: prod-gateways ", f"  control_plane_name: {TOKEN} ", 12,
     "konnect.control_plane_name: a Konnect access token (kpat_/spat_) written in clear"),
    ("  control_plane_name: prod-gateways ", "  # no id or name ", 10, "konnect.control_plane_id: control_plane_id or control_plane_name: missing"),
    ("  control_plane_name: prod-gateways ", "  control_plane_id: 9524ec7d\n  control_plane_name: p ", 10,
     "konnect.control_plane_id: control_plane_id or control_plane_name: both given: name one"),
    ("  region: eu ", "  # no region ", 10, "konnect.region: region (us, eu, au, me, in, sg) or base_url: missing"),
    ("  region: eu ", "  region: mars ", 11, "konnect.region: "),
    ("  token_env: KONNECT_TOKEN", "", 10, "konnect.token_env: missing"),
    ("mode: konnect", "mode: hybrid", 10, "konnect: a konnect block needs mode: konnect (this plan is mode: hybrid)"),
])
def test_a_bad_konnect_block_is_refused_in_one_located_line(tmp_path, old, new, line, said):
    text = example()
    assert old in text
    code, lines = validate(tmp_path, text.replace(old, new, 1))
    path = str(tmp_path / "plan.yml")
    assert code == 2
    assert any(l.startswith(f"{path}:{line}: {said}") for l in lines), lines
    assert all(TOKEN not in l for l in lines)


def test_a_konnect_plan_without_its_block_points_at_mode(tmp_path):
    text = example()
    block = text[text.index("konnect:\n"):text.index("pools:")]
    code, lines = validate(tmp_path, text.replace(block, ""))
    assert code == 2 and lines == [f"{tmp_path / 'plan.yml'}:9: konnect: a konnect plan needs a konnect block "
                                   "(region or base_url, control_plane_id or control_plane_name, token_env)"]


def row(host: str, version: str = "3.9.1.1", config_hash: str = "a" * 32, ping: float = NOW - 5,
        state: str = "COMPATIBILITY_STATE_FULLY_COMPATIBLE") -> DataPlaneRow:
    return DataPlaneRow(host, host, "", version, state, config_hash, ping)


def healthy() -> list[DataPlaneRow]:
    return [row(f"dp-x{i}.internal", "3.4.3.12") for i in (1, 2, 3)] + [row(f"dp-y{i}.internal") for i in (1, 2, 3)]


def test_x_dps_connected_and_consistent_pass_and_strangers_are_ignored():
    plan = load_plan(EXAMPLE)
    stale_stranger = row("old-dp.internal", "3.0.0", "b" * 32, NOW - 86400)
    [check] = konnect_x_checks(plan, healthy() + [stale_stranger], NOW)
    assert check.status == "pass" and "3 X DPs" in check.evidence


def test_x_checks_name_a_missing_a_silent_and_a_drifted_dp():
    plan = load_plan(EXAMPLE)
    rows = healthy()
    rows[0] = row("dp-x1.internal", "3.4.3.12", ping=NOW - 300)
    rows[1] = row("dp-x2.internal", "3.4.3.12", config_hash="c" * 32)
    del rows[2]
    failed = {(r.node, r.seen) for r in konnect_x_checks(plan, rows, NOW) if r.status == "fail"}
    assert failed == {("x1", "300 s"), ("x2", "c" * 32), ("x3", "absent")}


def test_the_latest_record_of_a_restarted_dp_counts():
    plan = load_plan(EXAMPLE)
    rows = healthy() + [row("dp-x1.internal", "3.4.3.12", config_hash="d" * 32, ping=NOW - 9000)]
    assert [r.status for r in konnect_x_checks(plan, rows, NOW)] == ["pass"]


def test_y_checks_want_the_planned_version_a_recent_ping_and_xs_hash():
    plan = load_plan(EXAMPLE)
    rows = healthy()
    rows[3] = row("dp-y1.internal", "3.8.0")
    rows[4] = row("dp-y2.internal", config_hash="e" * 32)
    rows[5] = row("dp-y3.internal", state="COMPATIBILITY_STATE_INCOMPATIBLE")
    failed = {(r.node, r.expected) for r in konnect_y_checks(plan, rows, NOW) if r.status == "fail"}
    assert failed == {("y1", "3.9.1.1"), ("y2", "a" * 32), ("y3", "compatible")}
    assert [r.status for r in konnect_y_checks(plan, healthy(), NOW)] == ["pass"]


def test_a_konnect_error_fails_the_check_in_its_own_words():
    plan = load_plan(EXAMPLE)
    error = Rejected("konnect", "GET /v2/control-planes", "Unauthorized", status=401)
    [check] = konnect_y_checks(plan, error, NOW)
    assert check.status == "fail" and check.evidence == "konnect: GET /v2/control-planes: rejected: HTTP 401 Unauthorized"


def test_the_codec_reads_a_nodes_page_and_its_cursor():
    body = {"items": [{"id": "n1", "version": "3.9.1", "hostname": "h1", "last_ping": 1700000000, "type": "kong-proxy",
                       "config_hash": "f" * 32, "compatibility_status": {"state": "COMPATIBILITY_STATE_FULLY_COMPATIBLE"}}],
            "page": {"total": 3, "next": "/v2/control-planes/cp/nodes?page%5Bsize%5D=1&page%5Bafter%5D=b2Zmc2V0OjE"}}
    page = codec.parse_nodes_page(body)
    assert page.rows == [DataPlaneRow("n1", "h1", "", "3.9.1", "COMPATIBILITY_STATE_FULLY_COMPATIBLE", "f" * 32, 1700000000.0)]
    assert page.after == "b2Zmc2V0OjE" and page.total == 3
    assert codec.next_cursor("b2Zmc2V0OjE") == "b2Zmc2V0OjE" and codec.next_cursor(None) is None
    with pytest.raises(ValueError, match="no items list"):
        codec.parse_nodes_page({"data": []})


def test_the_codec_reads_retry_after_and_problem_details():
    assert codec.retry_after("7", NOW) == 7.0
    assert codec.retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412480.0 - 30) == 30.0
    assert codec.retry_after("soon", NOW) is None and codec.retry_after(None, NOW) is None
    assert codec.problem_detail('{"status": 401, "title": "Unauthorized", "detail": "Invalid credentials"}') == \
        "Unauthorized: Invalid credentials"


def test_the_control_plane_name_resolves_to_exactly_one_id():
    body = {"data": [{"id": "1", "name": "prod"}, {"id": "2", "name": "stage"}], "meta": {"page": {"number": 1, "size": 10, "total": 2}}}
    assert codec.control_plane_id(body, "prod") == "1"
    with pytest.raises(ValueError, match="no control plane named 'dev'"):
        codec.control_plane_id(body, "dev")
    with pytest.raises(ValueError, match="2 control planes are named 'prod'"):
        codec.control_plane_id({"data": [{"id": "1", "name": "prod"}, {"id": "3", "name": "prod"}]}, "prod")


def test_a_konnect_plan_is_rehearsed_like_a_hybrid_one(tmp_path):
    plan = load_plan(EXAMPLE)
    scenario = tmp_path / "s.yml"
    scenario.write_text("name: healthy\ntraffic: {rps: 200}\n")
    assert run_one(plan, load_scenario(str(scenario), plan), seed=1).outcome == "completed"
    record = run_one(plan, load_scenario("plans/scenarios/cp_sync.yml", plan), seed=1)
    assert record.outcome == "halted" and record.final_weights == (100, 0)


def without_backup_command() -> str:
    text = example()
    return text[:text.index("  backup:\n")] + text[text.index("pools:"):]


def test_a_headless_konnect_run_without_a_backup_command_needs_the_flag(tmp_path):
    plan = tmp_path / "plan.yml"
    plan.write_text(without_backup_command())
    done = subprocess.run([sys.executable, "-m", "tui.cli", "run", str(plan), "--headless", "--run-dir", str(tmp_path / "run")],
                          capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", **_pythonpath()})
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"turnout: {plan}: konnect.backup.command is not set: take a backup of the control "
                                        "plane's config by hand (deck gateway dump) and confirm it with --konnect-backup-taken, "
                                        "or set the command (docs/konnect.md)"]


def test_the_flag_or_a_yes_at_the_prompt_is_the_confirmation():
    from adapters.konnect_backup import NotConfirmed, confirm_by_hand

    manual = load_plan("manual.yml", text=without_backup_command())
    assert confirm_by_hand(manual, True, None) == "confirmed with --konnect-backup-taken"
    assert confirm_by_hand(manual, False, lambda question: "yes") == "confirmed by the operator at the prompt"
    with pytest.raises(NotConfirmed):
        confirm_by_hand(manual, False, lambda question: "no")
    assert confirm_by_hand(load_plan(EXAMPLE), False, None) == ""


def _pythonpath() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k in ("PYTHONPATH", "HOME", "TURNOUT_SHARED")}


class KonnectRows:
    """The ControlPlane port as Konnect answers it: X's DPs at ``hash``, or an error."""

    def __init__(self, plan, config_hash: str):
        self.plan, self.hash, self.error = plan, config_hash, None

    async def data_planes(self):
        if self.error:
            raise self.error
        return [row(n.hostname, config_hash=self.hash, ping=0.0) for n in self.plan.pools.x.nodes]


async def test_the_freeze_and_the_probes_watch_the_hash_konnect_reports(tmp_path):
    from adapters.live import AsyncioRuntime
    from rollout import commands as cmd
    from rollout.execute import execute
    from rollout.ports import World
    from tests.fake_world import HASH, FakeKong, FakeLB, FakeMetrics

    plan = load_plan(EXAMPLE)
    konnect = KonnectRows(plan, "k" * 32)
    lb = FakeLB()
    world = World(plan, AsyncioRuntime(), FakeKong(), lb, FakeMetrics(lb), None, konnect, str(tmp_path))
    frozen = await execute(cmd.FreezeConfig(), world)
    assert dict(frozen.hashes) == {"x1": "k" * 32, "x2": "k" * 32, "x3": "k" * 32}
    konnect.hash = "w" * 32  # someone wrote config through Konnect
    probed = await execute(cmd.ProbeNodes(("x1", "y1")), world)
    assert [(p.node, p.config_hash) for p in probed.probes] == [("x1", "w" * 32), ("y1", HASH)]  # y1 is not listed here
    konnect.error = Rejected("konnect", "GET /v2/control-planes", "Unauthorized", status=401)
    probed = await execute(cmd.ProbeNodes(("x1",)), world)
    assert [p.config_hash for p in probed.probes] == [HASH]  # Konnect unreadable: the node's own hash
    failed = await execute(cmd.FreezeConfig(), world)
    assert failed.error == "konnect: GET /v2/control-planes: rejected: HTTP 401 Unauthorized"
