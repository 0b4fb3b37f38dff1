"""Checks on the data planes Kong Konnect lists for the plan's control plane. Pure.

Konnect keeps a node record per DP (``GET /v2/control-planes/{id}/nodes``): its version,
hostname, ``last_ping`` and ``config_hash``, and a ``compatibility_status`` in place of the
hybrid CP's ``sync_status``. Records outlive their DPs (a DP restarted under a new id leaves its
old record behind), so these checks look only at the plan's own DPs, each by hostname through
its most recent record, and never fail a plan for strangers in the list.

- before any traffic moves: every X DP is listed, pinged recently and on one config hash;
- once Y is deployed (smoke): every Y DP is listed, runs the planned version, pinged recently
  and holds X's config hash, so Y serves what X serves. Each failure names the DP.

A DP pings its control plane every 30 s (kong@3.9.3 kong/clustering/data_plane.lua, PING_INTERVAL);
``konnect.ping_max_age`` (default 90 s, three pings) is how old the last one may be.
"""

from __future__ import annotations

from collections import Counter

from ..i18n import N_
from ..errors import AdapterError
from ..observations import CheckResult, DataPlaneRow
from ..plan import Node, Plan
from .checks import result
from .version import matches

NAME = "data planes in sync"  # the checklist's line for the control plane's view of the DPs
SRC_KONNECT = ("Konnect Control Planes Config v2, list-dataplane-nodes "
               "(github.com/Kong/developer.konghq.com api-specs/konnect/control-planes-config/v2/openapi.yaml); "
               "kong@3.9.3 kong/clustering/data_plane.lua (ping every 30 s)")


def latest_by_host(rows: list[DataPlaneRow]) -> dict[str, DataPlaneRow]:
    """Each hostname's most recent record (the one with the latest ping)."""
    out: dict[str, DataPlaneRow] = {}
    for row in rows:
        if row.hostname not in out or row.last_seen > out[row.hostname].last_seen:
            out[row.hostname] = row
    return out


def host(node: Node) -> str:
    return node.hostname or node.name


def x_hash(plan: Plan, rows: list[DataPlaneRow]) -> str:
    """The config hash most of X's DPs report to Konnect ("" when none is listed)."""
    listed = latest_by_host(rows)
    hashes = [listed[host(n)].config_hash for n in plan.pools.x.nodes if host(n) in listed]
    return Counter(hashes).most_common(1)[0][0] if hashes else ""


def _unusable(rows: list[DataPlaneRow] | AdapterError | None) -> list[CheckResult] | None:
    if rows is None:
        return [result(NAME, "warn", "Konnect was not asked: its node list not checked", SRC_KONNECT)]
    if isinstance(rows, AdapterError):
        return [result(NAME, "fail", str(rows), SRC_KONNECT, node="konnect")]
    return None


def _connected(plan: Plan, node: Node, row: DataPlaneRow | None, now: float) -> list[CheckResult]:
    """Listed, pinged recently, not found incompatible: what every one of the plan's DPs must be."""
    if row is None:
        return [result(NAME, "fail", N_("{name}: not listed by Konnect as {value}").format(
            name=node.name, value=repr(host(node))), SRC_KONNECT, node.name,
                       "absent", "listed")]
    out = []
    limit = plan.konnect.ping_max_age if plan.konnect else 90.0
    if now and now - row.last_seen > limit:
        out.append(result(NAME, "fail", N_("{name}: last ping {age:.0f} s ago (more than {limit:g} s: not connected)").format(
            name=node.name, age=now - row.last_seen, limit=limit), SRC_KONNECT, node.name, f"{now - row.last_seen:.0f} s", f"<= {limit:g} s"))
    if "INCOMPATIBLE" in row.sync_status.upper():
        out.append(result(NAME, "fail", N_("{name}: Konnect reports compatibility {sync_status}").format(
            name=node.name, sync_status=row.sync_status), SRC_KONNECT,
                          node.name, row.sync_status, "compatible"))
    return out


def konnect_x_checks(plan: Plan, rows: list[DataPlaneRow] | AdapterError | None, now: float) -> list[CheckResult]:
    """Before the rollout: X's DPs connected to Konnect and consistent (one config hash)."""
    unusable = _unusable(rows)
    if unusable is not None:
        return unusable
    assert isinstance(rows, list)
    listed = latest_by_host(rows)
    majority = x_hash(plan, rows)
    results: list[CheckResult] = []
    for node in plan.pools.x.nodes:
        row = listed.get(host(node))
        results += _connected(plan, node, row, now)
        if row is not None and row.config_hash != majority:
            results.append(result(NAME, "fail", N_("{name}: config_hash {value} differs from {majority} on the other X DPs: it has not applied the control plane's latest config").format(
                name=node.name, value=row.config_hash or 'none', majority=majority),
                                  SRC_KONNECT, node.name, row.config_hash, majority))
    n = len(plan.pools.x.nodes)
    return results or [result(NAME, "pass", N_("Konnect lists {n} X DPs, connected, on config_hash {majority}").format(
        n=n, majority=majority), SRC_KONNECT)]


def konnect_y_checks(plan: Plan, rows: list[DataPlaneRow] | AdapterError | None, now: float) -> list[CheckResult]:
    """Once Y is deployed: each Y DP listed with the planned version, a recent ping and X's config hash."""
    unusable = _unusable(rows)
    if unusable is not None:
        return unusable
    assert isinstance(rows, list)
    listed = latest_by_host(rows)
    want = x_hash(plan, rows)
    planned = plan.pools.y.version
    results: list[CheckResult] = []
    for node in plan.pools.y.nodes:
        row = listed.get(host(node))
        results += _connected(plan, node, row, now)
        if row is None:
            continue
        if not matches(planned, row.version):
            results.append(result(NAME, "fail", N_("{name}: Konnect reports version {value}, the plan says {planned}").format(
                name=node.name, value=row.version or '?', planned=planned),
                                  SRC_KONNECT, node.name, row.version, planned))
        if want and row.config_hash != want:
            results.append(result(NAME, "fail", N_("{name}: config_hash {value} is not X's {want}").format(
                name=node.name, value=row.config_hash or 'none', want=want),
                                  SRC_KONNECT, node.name, row.config_hash, want))
    n = len(plan.pools.y.nodes)
    return results or [result(NAME, "pass", N_("Konnect lists {n} Y DPs on {planned}, connected, on X's config_hash {want}").format(
        n=n, planned=planned, want=want), SRC_KONNECT)]
