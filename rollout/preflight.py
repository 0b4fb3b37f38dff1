"""Preflight: the checklist that must pass before any traffic moves. Pure functions over node facts.

This module is the checklist's order and wiring; the Kong knowledge behind each check lives in
``rollout.kong`` (``preflight_hops``: upgrade path, control plane, config lint; ``preflight_nodes``:
what X, Y and the data planes report), the load balancer's in ``rollout.preflight_lb``. Each check
returns ``CheckResult``s carrying the node, the value seen and expected, and the public source it
rests on, so an operator can argue with the evidence, not with the tool. The order is the
checklist's: upgrade path, control plane, X, data planes, Y, config lint, capacity, load balancer.
With Konnect (``mode: konnect``) the data planes' line reads Konnect's node list (``preflight_konnect``).
"""

from __future__ import annotations

from .i18n import N_
from .errors import AdapterError
from .kong.checks import result
from .kong.preflight_hops import control_plane_checks, lint_checks, upgrade_checks
from .kong.preflight_konnect import konnect_x_checks, konnect_y_checks
from .kong.preflight_nodes import data_plane_checks, listed_data_plane_checks, plugins_in_use, x_checks, y_checks
from .observations import CheckResult, DataPlaneRow, NodeInfo
from .plan import Plan
from .preflight_lb import lb_checks

SRC_CAPACITY = ("Kong docs https://docs.konghq.com/gateway/latest/upgrade/rolling-upgrade/ step 4 (deploy Y with X's capacity), "
                "step 7 (roll back by sending all to X)")


def run_checks(plan: Plan, infos: list[NodeInfo], rows: list[DataPlaneRow] | AdapterError | None, now: float = 0.0,
               *, backup_text: str | None = None, capacity: dict | None = None,
               backup_label: str = "X's kong.yml") -> list[CheckResult]:
    """Every check, in checklist order. ``backup_text`` is X's kong.yml (linted for the hop);
    ``capacity`` is an optional hint ``{"peak_rps": ..., "node_rps": ...}`` (per X node)."""
    by_node = {i.node: i for i in infos}
    x = [by_node.get(n) or NodeInfo(n, False, error="not asked") for n in plan.pools.x.names]
    y = [by_node.get(n) or NodeInfo(n, False, error="not asked") for n in plan.pools.y.names]
    results = upgrade_checks(plan)
    if plan.mode == "hybrid":
        results += control_plane_checks(plan)
    results += x_checks(plan, x)
    if plan.mode == "hybrid":
        results += data_plane_checks(rows, now)
    elif plan.mode == "konnect":
        results += konnect_x_checks(plan, rows, now)
    results += y_checks(plan, y, plugins_in_use(x, backup_text))
    if backup_text is not None:
        results += lint_checks(plan, backup_text, backup_label)
    return results + capacity_checks(plan, capacity) + lb_checks(plan)


CHECKLIST = (  # the check names are facts (--json, the journal), marked so the checklist is shown translated
    N_("upgrade path"),
    N_("control plane first"),
    N_("X reachable"),
    N_("X version as planned"),
    N_("X database off"),
    N_("X role data_plane"),
    N_("X config hash consistent"),
    N_("data planes in sync"),
    N_("Y reachable"),
    N_("Y version as planned"),
    N_("Y ready"),
    N_("Y database off"),
    N_("Y role data_plane"),
    N_("Y has every plugin in use"),
    N_("Y Status API reachable"),
    N_("config lint"),
    N_("capacity"),
    N_("load balancer split"),
)


def in_checklist_order(results: list[CheckResult]) -> list[CheckResult]:
    """Results merged from several sources, back in checklist order (stable within one check)."""
    return sorted(results, key=lambda r: CHECKLIST.index(r.name) if r.name in CHECKLIST else len(CHECKLIST))


def deployed_y_checks(plan: Plan, x: list[NodeInfo], y: list[NodeInfo], rows: list[DataPlaneRow] | AdapterError | None,
                      now: float = 0.0) -> list[CheckResult]:
    """The Y checks again once Y is deployed (smoke phase): Y nodes that provision started were not
    there at preflight. Hybrid: every Y DP is listed by the CP and in sync (a DP reaches its CP);
    Konnect: every Y DP is listed with the planned version, a recent ping and X's config hash."""
    results = y_checks(plan, y, plugins_in_use(x, None), deployed=True)
    if plan.mode == "hybrid":
        results += listed_data_plane_checks(plan, rows, now)
    elif plan.mode == "konnect":
        results += konnect_y_checks(plan, rows, now)
    return results


def capacity_checks(plan: Plan, capacity: dict | None = None) -> list[CheckResult]:
    """Y as big as X; and X alone able to carry the peak, because an instant rollback needs it."""
    nx, ny = len(plan.pools.x.nodes), len(plan.pools.y.nodes)
    peak, per_node = (capacity or {}).get("peak_rps"), (capacity or {}).get("node_rps")
    sizes = N_("Y has {ny} nodes, X has {nx}").format(ny=ny, nx=nx)
    if ny < nx:
        sizes = N_("{sizes}: deploy Y with X's capacity").format(sizes=sizes)
    if not (peak and per_node):
        sizes = N_("{sizes}; peak not checked (no capacity hint)").format(sizes=sizes)
    results = [result("capacity", "pass" if ny >= nx else "fail", sizes, SRC_CAPACITY, seen=str(ny), expected=f">= {nx}")]
    if peak and per_node:
        carry = nx * float(per_node)
        ok = carry >= float(peak)
        carries = N_("X alone carries about {carry:.0f} rps ({nx} x {per_node:.0f}); the peak is {peak:.0f} rps").format(
            carry=carry, nx=nx, per_node=float(per_node), peak=float(peak))
        if not ok:
            carries = N_("{carries}: an instant rollback to X would overload it").format(carries=carries)
        results.append(result("capacity", "pass" if ok else "warn", carries, SRC_CAPACITY, seen=f"{carry:.0f} rps",
                              expected=f">= {float(peak):.0f} rps"))
    return results
