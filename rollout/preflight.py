"""Preflight: the checklist that must pass before any traffic moves. Pure functions over node facts.

Kong's rolling procedure fails mostly in its first steps: an unsupported hop, X nodes that do
not hold the same config, a Y node missing a plugin or unreachable on its Status API, a data
plane the control plane refuses. Each check returns ``CheckResult``s carrying the node, the
value seen and expected, and the Kong doc or changelog entry it rests on (kong-facts.md), so
an operator can argue with the evidence, not with the tool. The order is the checklist's:
upgrade path, control plane, X, data planes, Y, config lint, capacity, load balancer.
"""

from __future__ import annotations

from collections import Counter

from .errors import AdapterError
from .lint import LintError, lint, load_config
from .observations import CheckResult, CheckStatus, DataPlaneRow, NodeInfo
from .plan import Plan
from .preflight_lb import lb_checks
from .versions import SRC_HYBRID, SRC_HYBRID_ORDER, VersionError, dp_compatible, matches, parse_version, upgrade_path

ZERO_HASH = "0" * 32
DP_SILENCE_S = 45.0  # the CP drops a DP after 45 s without a ping (kong@3.9.3 control_plane.lua)
SRC_STATUS = "kong@3.9.3 kong/api/routes/health.lua configuration_hash; kong/constants.lua DECLARATIVE_EMPTY_CONFIG_HASH"
SRC_HASH_BYTES = "kong@3.9.3 kong/db/declarative/init.lua (DB-less hash = md5 of the submitted text)"
SRC_READY = "Kong CHANGELOG 3.3.0 #10610 (/status/ready); docs production/monitoring/healthcheck-probes.md"
SRC_MODE = "kong-facts §1: GET / configuration.database 'off' on DB-less nodes and DPs, role data_plane on DPs"
SRC_PLUGINS = "kong@3.9.3 kong/api/routes/kong.lua plugins.available_on_server; clustering compat check_configuration_compatibility"
SRC_STATUS_LISTEN = "Kong CHANGELOG 3.6.0 #12304 (status_listen 127.0.0.1:8007 by default); kong@3.4.2 kong_defaults.lua (off before 3.6)"
SRC_DP_ROWS = "kong@3.9.3 kong/clustering/control_plane.lua (ping 30 s, drop after 45 s); kong/constants.lua CLUSTERING_SYNC_STATUS"
SRC_CAPACITY = "Kong docs upgrade/rolling-upgrade.md step 4 (deploy Y with X's capacity), step 7 (roll back by sending all to X)"
SYNC_MEANING = {
    "unknown": "the CP has not checked this DP yet",
    "kong_version_incompatible": "the CP refuses this DP's Kong version",
    "plugin_set_incompatible": "a configured plugin is missing on the DP; the CP stops pushing config to it",
    "plugin_version_incompatible": "a plugin's version on the DP is newer or another major; the CP stops pushing config",
    "filter_set_incompatible": "a configured wasm filter is missing on the DP",
}


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
    results += y_checks(plan, y, plugins_in_use(x, backup_text))
    if backup_text is not None:
        results += lint_checks(plan, backup_text, backup_label)
    return results + capacity_checks(plan, capacity) + lb_checks(plan)


CHECKLIST = ("upgrade path", "control plane first", "X reachable", "X version as planned", "X database off", "X role data_plane",
             "X config hash consistent", "data planes in sync", "Y reachable", "Y version as planned", "Y ready",
             "Y database off", "Y role data_plane", "Y has every plugin in use", "Y Status API reachable", "config lint",
             "capacity", "load balancer split")


def in_checklist_order(results: list[CheckResult]) -> list[CheckResult]:
    """Results merged from several sources, back in checklist order (stable within one check)."""
    return sorted(results, key=lambda r: CHECKLIST.index(r.name) if r.name in CHECKLIST else len(CHECKLIST))


def _result(name: str, status: CheckStatus, evidence: str, source: str, node: str = "", seen: str = "", expected: str = "") -> CheckResult:
    return CheckResult(name, status, evidence, node=node, seen=seen, expected=expected, source=source)


def upgrade_checks(plan: Plan) -> list[CheckResult]:
    """A guaranteed hop passes; a longer jump inside one major warns (DB-less nodes and DPs run no
    migrations, but every skipped minor's breaking changes apply); a downgrade or a major jump fails."""
    x, y = plan.pools.x.version, plan.pools.y.version
    try:
        path = upgrade_path(x, y)
        vx, vy = parse_version(x), parse_version(y)
    except VersionError as exc:
        return [_result("upgrade path", "fail", str(exc), "kong-facts §0 versions in play", seen=f"{x} -> {y}")]
    if path.supported:
        status: CheckStatus = "pass"
    elif path.hops and vx.major == vy.major:
        status = "warn"
    else:
        status = "fail"
    extra = " DB-less nodes and DPs run no migrations, so the jump can work, but lint the config for every skipped minor." if status == "warn" else ""
    return [_result("upgrade path", status, path.reason + "." + extra, path.source, seen=f"{x} -> {y}",
                    expected=" -> ".join([x] + path.hops) if path.hops else "")]


def control_plane_checks(plan: Plan) -> list[CheckResult]:
    """CPs are upgraded first: Y DPs must be acceptable to the CP (same major, minor not above)."""
    cp = plan.control_plane.version if plan.control_plane else None
    if not cp:
        return [_result("control plane first", "warn", "control_plane.version is not in the plan: cannot check that the CP was upgraded first",
                        SRC_HYBRID_ORDER, expected=f">= {plan.pools.y.version}")]
    try:
        y_ok, y_why = dp_compatible(cp, plan.pools.y.version)
        x_ok, x_why = dp_compatible(cp, plan.pools.x.version)
    except VersionError as exc:
        return [_result("control plane first", "fail", str(exc), SRC_HYBRID)]
    results = [_result("control plane first", "pass" if y_ok else "fail", y_why, SRC_HYBRID, node="control plane",
                       seen=cp, expected=f"same major as {plan.pools.y.version}, minor not below it")]
    if not x_ok:
        results.append(_result("control plane first", "warn", f"X: {x_why}; X DPs keep serving their cached config until retired",
                               SRC_HYBRID, node="control plane", seen=cp, expected=plan.pools.x.version))
    return results


def _per_node(name: str, outcomes: list[tuple[NodeInfo, CheckStatus, str, str, str]], source: str, summary: str) -> list[CheckResult]:
    """Failures and warnings one line per node; all good is one line for the pool."""
    bad = [_result(name, status, f"{info.node}: {why}", source, info.node, seen, expected)
           for info, status, why, seen, expected in outcomes if status != "pass"]
    return bad or [_result(name, "pass", summary, source)]


def _without_node(info: NodeInfo) -> str:
    """Adapter errors already start with the node's name; _per_node puts it in front once."""
    return info.error.removeprefix(f"{info.node}: ")


def _reachable(name: str, nodes: list[NodeInfo], status_when_down: CheckStatus, why_down: str) -> list[CheckResult]:
    outcomes = [(i, "pass" if i.reachable else status_when_down, f"{_without_node(i) or 'no answer'}{why_down}", "unreachable", "reachable")
                for i in nodes]
    return _per_node(name, outcomes, "Kong docs upgrade/rolling-upgrade.md", f"{', '.join(i.node for i in nodes)} answered")  # type: ignore[arg-type]


def _versions(name: str, nodes: list[NodeInfo], planned: str) -> list[CheckResult]:
    up = [i for i in nodes if i.reachable]
    outcomes = [(i, "pass" if matches(planned, i.version) else "fail", f"runs {i.version or '?'}, the plan says {planned}", i.version, planned)
                for i in up]
    results = _per_node(name, outcomes, "Admin API GET / version", f"{', '.join(i.node for i in up)} run {planned}")  # type: ignore[arg-type]
    seen = Counter(i.version for i in up)
    if len(seen) > 1 and all(r.status == "pass" for r in results):
        mixed = ", ".join(f"{v} ({', '.join(i.node for i in up if i.version == v)})" for v in seen)
        results = [_result(name, "warn", f"mixed versions: {mixed}", "Admin API GET / version", seen=mixed, expected=planned)]
    return results


def _mode(name: str, plan: Plan, nodes: list[NodeInfo]) -> list[CheckResult]:
    key, want = ("database", "off") if plan.mode == "dbless" else ("role", "data_plane")
    up = [i for i in nodes if i.reachable]
    outcomes = [(i, "pass" if getattr(i, key) == want else "fail", f"{key}={getattr(i, key) or '?'}, a {plan.mode} plan needs {key}={want}",
                 getattr(i, key), want) for i in up]
    return _per_node(f"{name} {key} {want}", outcomes, SRC_MODE, f"{key}={want} on {', '.join(i.node for i in up)}")  # type: ignore[arg-type]


def x_checks(plan: Plan, x: list[NodeInfo]) -> list[CheckResult]:
    return (_reachable("X reachable", x, "fail", "")
            + _versions("X version as planned", x, plan.pools.x.version)
            + _mode("X", plan, x)
            + hash_checks(plan, [i for i in x if i.reachable]))


def hash_checks(plan: Plan, x: list[NodeInfo]) -> list[CheckResult]:
    """Every X node holds the same loaded config; for DB-less that means byte-identical input."""
    name = "X config hash consistent"
    if not x:
        return []
    majority, _ = Counter(i.config_hash for i in x).most_common(1)[0]
    outcomes = []
    for i in x:
        if not i.config_hash or i.config_hash == ZERO_HASH:
            why = "no configuration loaded (configuration_hash all zeros)" if i.config_hash else "reports no configuration_hash (not DB-less, not a DP?)"
            outcomes.append((i, "fail", why, i.config_hash, "a non-zero hash"))
        elif i.config_hash != majority:
            why = f"configuration_hash {i.config_hash} differs from {majority} on the others"
            why += (": DB-less hashes are the md5 of the submitted bytes, so these nodes were fed different text "
                    "(maybe equal entities written differently); make the files byte-identical") if plan.mode == "dbless" else ": this DP has not applied the CP's latest config"
            outcomes.append((i, "fail", why, i.config_hash, majority))
        else:
            outcomes.append((i, "pass", "", i.config_hash, majority))
    source = SRC_HASH_BYTES if plan.mode == "dbless" else SRC_STATUS
    return _per_node(name, outcomes, source, f"{len(x)} nodes hold configuration_hash {majority}")  # type: ignore[arg-type]


def data_plane_checks(rows: list[DataPlaneRow] | AdapterError | None, now: float) -> list[CheckResult]:
    """The CP's view: every DP in sync, on one config, heard from within 45 s."""
    name = "data planes in sync"
    if rows is None:
        return [_result(name, "warn", "no control plane was asked: GET /clustering/data-planes not checked", SRC_DP_ROWS)]
    if isinstance(rows, AdapterError):
        return [_result(name, "fail", str(rows), SRC_DP_ROWS, node="control plane")]
    if not rows:
        return [_result(name, "fail", "the control plane lists no data planes", SRC_DP_ROWS, node="control plane")]
    majority, _ = Counter(r.config_hash for r in rows).most_common(1)[0]
    results = []
    for r in rows:
        dp = f"{r.hostname or r.ip} ({r.id})"
        if r.sync_status != "normal":
            why = SYNC_MEANING.get(r.sync_status, "not in sync")
            results.append(_result(name, "fail", f"{dp}: sync_status {r.sync_status}: {why}", SRC_DP_ROWS, r.hostname, r.sync_status, "normal"))
        if r.config_hash != majority:
            results.append(_result(name, "fail", f"{dp}: config_hash {r.config_hash} differs from {majority} on the others",
                                   SRC_DP_ROWS, r.hostname, r.config_hash, majority))
        if now and now - r.last_seen > DP_SILENCE_S:
            results.append(_result(name, "fail", f"{dp}: last seen {now - r.last_seen:.0f} s ago; the CP drops a DP after {DP_SILENCE_S:.0f} s",
                                   SRC_DP_ROWS, r.hostname, f"{now - r.last_seen:.0f} s", f"<= {DP_SILENCE_S:.0f} s"))
    age = f", last seen at most {max(now - r.last_seen for r in rows):.0f} s ago" if now else ""
    return results or [_result(name, "pass", f"{len(rows)} data planes normal on config_hash {majority}{age}", SRC_DP_ROWS)]


def plugins_in_use(x: list[NodeInfo], backup_text: str | None) -> dict[str, str]:
    """Plugin name -> where it is used: X's plugins.enabled_in_cluster, plus the plugins named in X's kong.yml."""
    used: dict[str, str] = {}
    for i in (i for i in x if i.reachable):
        for p in i.plugins_enabled:
            used.setdefault(p, i.node)
    if backup_text is not None:
        try:
            used.update({p: "kong.yml" for p in load_config(backup_text).plugin_names() if p not in used})
        except LintError:
            pass  # the lint check reports it
    return used


def y_checks(plan: Plan, y: list[NodeInfo], used: dict[str, str], deployed: bool = False) -> list[CheckResult]:
    """``deployed``: Y should be up now (the smoke phase), so an unreachable Y node fails even when
    provision.start_y started it; at preflight such a node only warns."""
    later = not deployed and plan.provision.start_y is not None
    why_down = "; provision.start_y starts it in deploy Y, where only readiness is checked" if later else "; Y must be deployed before the rollout (no provision.start_y)"
    up = [i for i in y if i.reachable]
    return (_reachable("Y reachable", y, "warn" if later else "fail", why_down)
            + _versions("Y version as planned", y, plan.pools.y.version)
            + _per_node("Y ready", [_ready(i, plan.pools.y.version) for i in up], SRC_READY, f"{', '.join(i.node for i in up)} ready")
            + _mode("Y", plan, y)
            + _per_node("Y has every plugin in use", [_plugins(i, used) for i in up], SRC_PLUGINS,
                        f"{', '.join(sorted(used)) or 'no plugins in use'}: available on {', '.join(i.node for i in up)}")
            + _per_node("Y Status API reachable", [_status_api(i) for i in up], SRC_STATUS_LISTEN,
                        f"Status API answered on {', '.join(i.node for i in up)}"))  # type: ignore[arg-type]


def deployed_y_checks(plan: Plan, x: list[NodeInfo], y: list[NodeInfo], rows: list[DataPlaneRow] | AdapterError | None,
                      now: float = 0.0) -> list[CheckResult]:
    """The Y checks again once Y is deployed (smoke phase): Y nodes that provision started were not
    there at preflight. Hybrid: every Y DP is listed by the CP and in sync (a DP reaches its CP)."""
    results = y_checks(plan, y, plugins_in_use(x, None), deployed=True)
    if plan.mode == "hybrid":
        listed = {r.hostname: r for r in rows} if isinstance(rows, list) else {}
        for node in plan.pools.y.nodes:
            host = node.hostname or node.name
            if isinstance(rows, list) and host not in listed:
                results.append(_result("data planes in sync", "fail", f"{node.name}: not listed by the control plane as {host!r}",
                                       SRC_DP_ROWS, node.name, "absent", "listed, sync_status normal"))
        ours = [listed[h] for h in (n.hostname or n.name for n in plan.pools.y.nodes) if h in listed]
        results += data_plane_checks(ours if isinstance(rows, list) else rows, now)
    return results


def _version_of(info: NodeInfo, planned: str):
    for text in (info.version, planned):
        try:
            return parse_version(text)
        except VersionError:
            continue
    return None


def _ready(i: NodeInfo, planned: str) -> tuple[NodeInfo, CheckStatus, str, str, str]:
    v = _version_of(i, planned)
    if v is not None and not v.at_least(3, 3):
        loaded = bool(i.config_hash) and i.config_hash != ZERO_HASH
        why = f"no /status/ready before 3.3; /status configuration_hash {i.config_hash or 'missing'}"
        return (i, "pass" if loaded else "fail", why, i.config_hash, "a non-zero hash")
    if i.ready:
        return (i, "pass", "/status/ready 200", "200", "200")
    return (i, "fail", f"/status/ready: {i.ready_message or 'not 200'}", i.ready_message or "not ready", "200 ready")


def _plugins(i: NodeInfo, used: dict[str, str]) -> tuple[NodeInfo, CheckStatus, str, str, str]:
    missing = sorted(p for p in used if p not in i.plugins_available)
    why = "lacks " + ", ".join(f"{p} (used on {used[p]})" for p in missing) + " in plugins.available_on_server"
    return (i, "fail" if missing else "pass", why, ", ".join(missing), "every plugin in use")


def _status_api(i: NodeInfo) -> tuple[NodeInfo, CheckStatus, str, str, str]:
    if i.status_reachable:
        return (i, "pass", "", i.status_listen, "reachable")
    v = _version_of(i, "")
    listen = i.status_listen or "?"
    if v is not None and v.at_least(3, 6):
        why = f"Status API not reachable from here (status_listen {listen}); 3.6+ binds it to 127.0.0.1:8007 by default: rebind it, e.g. status_listen = 0.0.0.0:8100"
    else:
        why = f"Status API not reachable from here (status_listen {listen}); it is off by default before 3.6: set status_listen, e.g. 0.0.0.0:8100"
    return (i, "fail", why, listen, "reachable from Turnout")


def lint_checks(plan: Plan, text: str, label: str = "X's kong.yml") -> list[CheckResult]:
    """The config lint for the hop: a fixable error means Y needs the converted file (warn), anything
    that no conversion fixes fails."""
    try:
        findings = lint(text, plan.pools.x.version, plan.pools.y.version)
    except (LintError, VersionError) as exc:
        return [_result("config lint", "fail", f"{label}: {exc}", "kong-facts §6")]
    if not findings:
        return [_result("config lint", "pass", f"{label}: no findings for {plan.pools.x.version} -> {plan.pools.y.version}", "kong-facts §6")]
    out = []
    for f in findings:
        status: CheckStatus = "fail" if f.severity == "error" and not f.fixable else "warn"
        fixed = " (turnout lint --fix converts it)" if f.fixable else ""
        out.append(_result("config lint", status, f"{label} line {f.line}: {f.entity}: {f.message}{fixed}", f.source, seen=f.rule))
    return out


def capacity_checks(plan: Plan, capacity: dict | None = None) -> list[CheckResult]:
    """Y as big as X; and X alone able to carry the peak, because an instant rollback needs it."""
    nx, ny = len(plan.pools.x.nodes), len(plan.pools.y.nodes)
    peak, per_node = (capacity or {}).get("peak_rps"), (capacity or {}).get("node_rps")
    note = "" if peak and per_node else "; peak not checked (no capacity hint)"
    results = [_result("capacity", "pass" if ny >= nx else "fail",
                       f"Y has {ny} nodes, X has {nx}" + ("" if ny >= nx else ": deploy Y with X's capacity") + note,
                       SRC_CAPACITY, seen=str(ny), expected=f">= {nx}")]
    if peak and per_node:
        carry = nx * float(per_node)
        ok = carry >= float(peak)
        results.append(_result("capacity", "pass" if ok else "warn",
                               f"X alone carries about {carry:.0f} rps ({nx} x {float(per_node):.0f}); the peak is {float(peak):.0f} rps"
                               + ("" if ok else ": an instant rollback to X would overload it"),
                               SRC_CAPACITY, seen=f"{carry:.0f} rps", expected=f">= {float(peak):.0f} rps"))
    return results
