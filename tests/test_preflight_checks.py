"""Each preflight check against NodeInfo / DataPlaneRow values built from Kong's response samples
(2.8-, 3.4- and 3.9-shaped nodes). No server: the values are what the Kong adapter reports."""

from __future__ import annotations

import dataclasses

import pytest

from rollout.errors import Unreachable
from rollout.kong.preflight_nodes import DP_SILENCE_S
from rollout.preflight import CHECKLIST, run_checks
from rollout.kong.upgrade import upgrade_path

from .preflight_samples import DEFAULT_STATUS_LISTEN, dp_rows, infos_for, make_plan, node_info, sample


def by_name(results, name):
    return [r for r in results if r.name == name]


def statuses(results, name):
    return {r.status for r in by_name(results, name)}


@pytest.mark.parametrize("x, y, xs, ys", [("2.8.5", "3.4.2", "2.8", "3.4"), ("3.4.2", "3.5.0", "3.4", "3.4")])
def test_a_guaranteed_hop_on_healthy_sample_nodes_passes_everything(x, y, xs, ys):
    plan = make_plan(x, y)
    results = run_checks(plan, infos_for(plan, xs, ys), None)
    assert [r for r in results if r.status != "pass"] == []
    assert [CHECKLIST.index(r.name) for r in results] == sorted(CHECKLIST.index(r.name) for r in results)
    assert all(r.source for r in results)


def test_a_wrong_hop_fails_and_names_the_intermediate_versions():
    plan = make_plan("2.8.5", "3.9.3")
    [check] = by_name(run_checks(plan, infos_for(plan, "2.8", "3.9"), None), "upgrade path")
    assert check.status == "fail"
    assert "3.4" in check.evidence and check.expected.startswith("2.8.5 -> 3.4")
    assert check.source == upgrade_path("2.8.5", "3.9.3").source


def test_a_downgrade_fails():
    plan = make_plan("3.9.3", "3.4.2")
    [check] = by_name(run_checks(plan, infos_for(plan, "3.9", "3.4"), None), "upgrade path")
    assert check.status == "fail" and "downgrade" in check.evidence


def test_a_multi_minor_jump_in_one_major_warns_with_the_guaranteed_chain():
    plan = make_plan("3.4.2", "3.9.3")
    [check] = by_name(run_checks(plan, infos_for(plan, "3.4", "3.9"), None), "upgrade path")
    assert check.status == "warn"
    assert all(f"3.{m}" in check.evidence for m in range(5, 9))


def test_a_plugin_missing_on_y_fails_on_every_y_node_naming_plugin_and_source():
    plan = make_plan("3.4.2", "3.5.0")
    available = tuple(sample("admin-root-3.6-oss.json")["plugins"]["available_on_server"])
    infos = [dataclasses.replace(i, plugins_enabled=available + ("key-auth",)) if i.node.startswith("x") else i
             for i in infos_for(plan, "3.4", "3.4")]
    failed = by_name(run_checks(plan, infos, None), "Y has every plugin in use")
    assert {r.node for r in failed} == {"y1", "y2"}
    assert all(r.status == "fail" and "key-auth (used on x1)" in r.evidence and r.seen == "key-auth" for r in failed)


def test_plugins_named_in_the_backup_count_as_in_use():
    plan = make_plan("3.4.2", "3.5.0")
    kong_yml = "_format_version: '3.0'\nplugins:\n- name: rate-limiting\n  config: {minute: 5}\n"
    failed = by_name(run_checks(plan, infos_for(plan, "3.4", "3.4"), None, backup_text=kong_yml), "Y has every plugin in use")
    assert failed and all("rate-limiting (used on kong.yml)" in r.evidence for r in failed)


def test_a_drifting_hash_on_dbless_fails_and_says_equal_hashes_need_identical_bytes():
    plan = make_plan("3.4.2", "3.5.0", nx=3)
    infos = infos_for(plan, "3.4", "3.4")
    infos[1] = dataclasses.replace(infos[1], config_hash="f" * 32)
    [check] = by_name(run_checks(plan, infos, None), "X config hash consistent")
    assert check.status == "fail" and check.node == "x2"
    assert check.seen == "f" * 32 and check.expected == infos[0].config_hash
    assert "md5 of the submitted bytes" in check.evidence and "byte-identical" in check.evidence


def test_an_all_zero_hash_means_no_config_loaded():
    plan = make_plan("3.4.2", "3.5.0")
    infos = infos_for(plan, "3.4", "3.4")
    infos = [dataclasses.replace(infos[0], config_hash="0" * 32)] + infos[1:]
    failed = [r for r in by_name(run_checks(plan, infos, None), "X config hash consistent") if r.node == "x1"]
    assert failed[0].status == "fail" and "no configuration loaded" in failed[0].evidence


@pytest.mark.parametrize("shape, hint", [("3.9", "127.0.0.1:8007"), ("3.4", "off by default before 3.6")])
def test_an_unreachable_status_api_fails_and_explains_the_default_listener(shape, hint):
    plan = make_plan("3.4.2", "3.9.3" if shape == "3.9" else "3.4.3")
    infos = infos_for(plan, "3.4", shape, status_reachable=False, status_listen=DEFAULT_STATUS_LISTEN[shape])
    failed = by_name(run_checks(plan, infos, None), "Y Status API reachable")
    assert {r.node for r in failed} == {"y1", "y2"}
    assert all(r.status == "fail" and hint in r.evidence for r in failed)


def test_y_not_ready_fails_with_the_nodes_message():
    message = sample("status-ready-docs.json")["503_examples"][1]["message"]
    plan = make_plan("3.4.2", "3.5.0")
    failed = by_name(run_checks(plan, infos_for(plan, "3.4", "3.4", ready=False, ready_message=message), None), "Y ready")
    assert failed and all(r.status == "fail" and message in r.evidence for r in failed)


def test_before_3_3_ready_means_a_non_zero_hash_on_status():
    plan = make_plan("2.7.2", "2.8.5")
    ok = by_name(run_checks(plan, infos_for(plan, "2.8", "2.8"), None), "Y ready")
    assert [r.status for r in ok] == ["pass"]
    bad = by_name(run_checks(plan, infos_for(plan, "2.8", "2.8", config_hash="0" * 32), None), "Y ready")
    assert bad and all(r.status == "fail" and "/status/ready" in r.evidence for r in bad)


def test_wrong_version_and_wrong_mode_fail_per_node():
    plan = make_plan("3.4.2", "3.5.0")
    infos = infos_for(plan, "3.4", "3.4")
    infos[2] = dataclasses.replace(infos[2], database="postgres")
    infos[3] = dataclasses.replace(infos[3], version="3.4.2")
    results = run_checks(plan, infos, None)
    [version] = by_name(results, "Y version as planned")
    assert version.status == "fail" and version.node == "y2" and version.seen == "3.4.2" and version.expected == "3.5.0"
    [mode] = by_name(results, "Y database off")
    assert mode.node == "y1" and mode.status == "fail" and mode.seen == "postgres"


def test_unreachable_nodes_fail_for_x_and_warn_for_y_that_provision_will_start():
    down = dict(reachable=False, error="y1: GET /: unreachable: connection refused")
    plan = make_plan("3.4.2", "3.5.0", extra="provision: {start_y: 'start {name}'}\n")
    infos = infos_for(plan, "3.4", "3.4")
    infos[0] = dataclasses.replace(infos[0], **down)
    infos[2] = dataclasses.replace(infos[2], **down)
    results = run_checks(plan, infos, None)
    assert statuses(results, "X reachable") == {"fail"}
    [y] = by_name(results, "Y reachable")
    assert y.status == "warn" and "provision.start_y" in y.evidence
    unprovisioned = make_plan("3.4.2", "3.5.0")
    assert statuses(run_checks(unprovisioned, infos, None), "Y reachable") == {"fail"}


def hybrid_plan(x="3.3.0", y="3.4.2", cp="3.4.2"):
    return make_plan(x, y, mode="hybrid", extra=f'control_plane: {{admin: "http://cp:8001", version: "{cp}"}}\n')


def newest(rows):
    return max(r.last_seen for r in rows)


def test_hybrid_rows_from_the_sample_are_in_sync():
    plan, rows = hybrid_plan(), dp_rows()
    results = run_checks(plan, infos_for(plan, "3.4", "3.4"), rows, now=newest(rows) + 5)
    assert statuses(results, "data planes in sync") == {"pass"}
    assert statuses(results, "X role data_plane") == {"pass"}


def test_a_dp_with_plugin_set_incompatible_fails_with_its_meaning():
    plan, rows = hybrid_plan(), dp_rows(sync_status="plugin_set_incompatible")
    [check] = by_name(run_checks(plan, infos_for(plan, "3.4", "3.4"), rows, now=newest(rows)), "data planes in sync")
    assert check.status == "fail" and check.node == rows[0].hostname
    assert "plugin_set_incompatible" in check.evidence and "plugin is missing" in check.evidence


def test_a_silent_dp_and_a_dp_on_another_hash_fail():
    plan = hybrid_plan()
    rows = dp_rows("clustering-data-planes-3.6plus-docs.json", config_hash="e" * 32)
    results = by_name(run_checks(plan, infos_for(plan, "3.4", "3.4"), rows, now=newest(rows) + DP_SILENCE_S + 30), "data planes in sync")
    assert any("e" * 32 in r.evidence for r in results)
    assert any("last seen" in r.evidence and r.expected == f"<= {DP_SILENCE_S:.0f} s" for r in results)
    assert all(r.status == "fail" for r in results)


def test_an_unreachable_control_plane_fails_and_a_missing_one_warns():
    plan = hybrid_plan()
    error = Unreachable("control plane http://cp:8001", "GET /clustering/data-planes", "connection refused")
    [check] = by_name(run_checks(plan, infos_for(plan, "3.4", "3.4"), error), "data planes in sync")
    assert check.status == "fail" and str(error) == check.evidence
    assert statuses(run_checks(plan, infos_for(plan, "3.4", "3.4"), None), "data planes in sync") == {"warn"}


def test_the_control_plane_must_be_upgraded_first():
    plan = hybrid_plan(x="3.4.2", y="3.9.3", cp="3.4.2")
    [check] = by_name(run_checks(plan, infos_for(plan, "3.4", "3.9"), dp_rows()), "control plane first")
    assert check.status == "fail" and "upgrade the control plane first" in check.evidence


def test_x_dps_on_another_major_than_the_cp_warn():
    plan = hybrid_plan(x="2.8.5", y="3.4.2", cp="3.4.2")
    checks = by_name(run_checks(plan, infos_for(plan, "2.8", "3.4"), dp_rows()), "control plane first")
    assert [c.status for c in checks] == ["pass", "warn"] and "cached config" in checks[1].evidence


def test_capacity_fails_with_fewer_y_nodes_and_warns_when_x_cannot_carry_the_peak():
    plan = make_plan("3.4.2", "3.5.0", nx=3, ny=2)
    [count] = by_name(run_checks(plan, infos_for(plan, "3.4", "3.4"), None), "capacity")
    assert count.status == "fail" and count.seen == "2" and count.expected == ">= 3"
    same = make_plan("3.4.2", "3.5.0")
    checks = by_name(run_checks(same, infos_for(same, "3.4", "3.4"), None, capacity={"peak_rps": 5000, "node_rps": 2000}), "capacity")
    assert [c.status for c in checks] == ["pass", "warn"] and "overload" in checks[1].evidence


def test_haproxy_cannot_express_one_percent_on_ten_y_nodes_against_one_x():
    plan = make_plan("3.4.2", "3.5.0", nx=1, ny=10)
    plan = plan.model_copy(update={"steps": [plan.steps[0].model_copy(update={"y": 1})] + plan.steps[1:]})
    first = by_name(run_checks(plan, infos_for(plan, "3.4", "3.4"), None), "load balancer split")[0]
    assert first.status == "warn" and first.expected == "1%" and float(first.seen.rstrip("%")) > 1.5


@pytest.mark.parametrize("lb", ["{type: nginx, upstream_file: /tmp/up.conf}", "{type: command, set_weights: 'lb {x} {y}'}"])
def test_nginx_and_command_lbs_express_every_step(lb):
    plan = make_plan("3.4.2", "3.5.0", nx=3, ny=2, lb=lb)
    checks = by_name(run_checks(plan, infos_for(plan, "3.4", "3.4"), None), "load balancer split")
    assert [c.status for c in checks] == ["pass"] * len(plan.steps)
    assert [c.seen for c in checks] == [f"{s.y:.2f}%" for s in plan.steps]


def test_the_deck_fixture_as_backup_warns_and_a_lookaround_route_fails():
    plan = make_plan("2.8.5", "3.4.2")
    infos = infos_for(plan, "2.8", "3.4")
    fixture = sample("deck-convert-input-2.8.yaml")
    assert statuses(run_checks(plan, infos, None, backup_text=fixture), "config lint") == {"warn"}
    lookaround = fixture.replace(r"/code/\d+", r"/code/(?!admin)\w+")
    checks = by_name(run_checks(plan, infos, None, backup_text=lookaround), "config lint")
    assert any(c.status == "fail" and "look-around" in c.evidence and "route r1" in c.evidence for c in checks)


def test_node_info_shapes_follow_the_samples():
    """Guards the test material itself: the 2.8 shape has no /status/ready, 3.9 binds status to loopback."""
    assert node_info("a", "2.8").ready is False and node_info("a", "3.9").ready is True
    assert DEFAULT_STATUS_LISTEN["3.9"].startswith("127.0.0.1:8007")
