"""Preflight checks on the nodes: what X, Y and the control plane report against what the plan says. Pure.

Kong's rolling procedure (https://docs.konghq.com/gateway/latest/upgrade/rolling-upgrade/) fails
mostly in its first steps: X nodes that do not hold the same config, a Y node missing a plugin or
unreachable on its Status API, a data plane the control plane refuses. The facts each check rests
on are Kong's own: ``kong@TAG path`` below is https://github.com/Kong/kong/blob/TAG/path and
``CHANGELOG x.y.z #N`` that entry of Kong's CHANGELOG.md.
"""

from __future__ import annotations

from collections import Counter

from ..i18n import N_
from ..errors import AdapterError
from ..observations import CheckResult, CheckStatus, DataPlaneRow, NodeInfo
from ..plan import Plan
from .checks import Outcome, per_node, result, without_node
from .config import LintError, load_config
from .version import READY_SINCE, STATUS_ON_LOOPBACK_SINCE, KongVersion, VersionError, matches

ZERO_HASH = "0" * 32
DP_SILENCE_S = 45.0  # the CP drops a DP after 45 s without a ping (kong@3.9.3 control_plane.lua)
SRC_STATUS = "kong@3.9.3 kong/api/routes/health.lua configuration_hash; kong/constants.lua DECLARATIVE_EMPTY_CONFIG_HASH"
SRC_HASH_BYTES = "kong@3.9.3 kong/db/declarative/init.lua (DB-less hash = md5 of the submitted text)"
SRC_READY = "Kong CHANGELOG 3.3.0 #10610 (/status/ready); https://docs.konghq.com/gateway/latest/production/monitoring/healthcheck-probes/"
SRC_MODE = ("Admin API GET / configuration.database 'off' on DB-less nodes and DPs, role data_plane on DPs "
            "(kong@3.9.3 kong/api/routes/kong.lua; kong/templates/kong_defaults.lua)")
SRC_PLUGINS = ("kong@3.9.3 kong/api/routes/kong.lua plugins.available_on_server; "
               "check_configuration_compatibility in kong@3.9.3 kong/clustering/compat/init.lua")
SRC_STATUS_LISTEN = "Kong CHANGELOG 3.6.0 #12304 (status_listen 127.0.0.1:8007 by default); kong@3.4.2 kong_defaults.lua (off before 3.6)"
SRC_DP_ROWS = "kong@3.9.3 kong/clustering/control_plane.lua (ping 30 s, drop after 45 s); kong/constants.lua CLUSTERING_SYNC_STATUS"
SYNC_MEANING = {
    "unknown": N_("the CP has not checked this DP yet"),
    "kong_version_incompatible": N_("the CP refuses this DP's Kong version"),
    "plugin_set_incompatible": N_("a configured plugin is missing on the DP; the CP stops pushing config to it"),
    "plugin_version_incompatible": N_("a plugin's version on the DP is newer or another major; the CP stops pushing config"),
    "filter_set_incompatible": N_("a configured wasm filter is missing on the DP"),
}
SRC_REACHABLE = "Kong docs https://docs.konghq.com/gateway/latest/upgrade/rolling-upgrade/"
SRC_VERSION = "Admin API GET / version (kong@3.9.3 kong/api/routes/kong.lua)"


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
            why = N_("no configuration loaded (configuration_hash all zeros)") if i.config_hash \
                else N_("reports no configuration_hash (not DB-less, not a DP?)")
            outcomes.append((i, "fail", why, i.config_hash, "a non-zero hash"))
        elif i.config_hash != majority:
            differs = N_("configuration_hash {config_hash} differs from {majority} on the others").format(
                config_hash=i.config_hash, majority=majority)
            why = (N_("{differs}: DB-less hashes are the md5 of the submitted bytes, so these nodes were fed different text "
                      "(maybe equal entities written differently); make the files byte-identical") if plan.mode == "dbless"
                   else N_("{differs}: this DP has not applied the CP's latest config")).format(differs=differs)
            outcomes.append((i, "fail", why, i.config_hash, majority))
        else:
            outcomes.append((i, "pass", "", i.config_hash, majority))
    source = SRC_HASH_BYTES if plan.mode == "dbless" else SRC_STATUS
    return per_node(name, outcomes, source, N_("{count} nodes hold configuration_hash {majority}").format(
        count=len(x), majority=majority))  # type: ignore[arg-type]


def data_plane_checks(rows: list[DataPlaneRow] | AdapterError | None, now: float) -> list[CheckResult]:
    """The CP's view: every DP in sync, on one config, heard from within 45 s."""
    name = "data planes in sync"
    if rows is None:
        return [result(name, "warn", "no control plane was asked: GET /clustering/data-planes not checked", SRC_DP_ROWS)]
    if isinstance(rows, AdapterError):
        return [result(name, "fail", str(rows), SRC_DP_ROWS, node="control plane")]
    if not rows:
        return [result(name, "fail", "the control plane lists no data planes", SRC_DP_ROWS, node="control plane")]
    majority, _ = Counter(r.config_hash for r in rows).most_common(1)[0]
    results = []
    for r in rows:
        dp = f"{r.hostname or r.ip} ({r.id})"
        if r.sync_status != "normal":
            why = SYNC_MEANING.get(r.sync_status, N_("not in sync"))
            results.append(result(name, "fail", N_("{dp}: sync_status {sync_status}: {why}").format(
                dp=dp, sync_status=r.sync_status, why=why), SRC_DP_ROWS, r.hostname, r.sync_status, "normal"))
        if r.config_hash != majority:
            results.append(result(name, "fail", N_("{dp}: config_hash {config_hash} differs from {majority} on the others").format(
                dp=dp, config_hash=r.config_hash, majority=majority),
                                  SRC_DP_ROWS, r.hostname, r.config_hash, majority))
        if now and now - r.last_seen > DP_SILENCE_S:
            results.append(result(name, "fail", N_("{dp}: last seen {age:.0f} s ago; the CP drops a DP after {limit:.0f} s").format(
                dp=dp, age=now - r.last_seen, limit=DP_SILENCE_S),
                                  SRC_DP_ROWS, r.hostname, f"{now - r.last_seen:.0f} s", f"<= {DP_SILENCE_S:.0f} s"))
    if results:
        return results
    summary = N_("{count} data planes normal on config_hash {majority}").format(count=len(rows), majority=majority)
    if now:
        summary = N_("{summary}, last seen at most {age:.0f} s ago").format(
            summary=summary, age=max(now - r.last_seen for r in rows))
    return [result(name, "pass", summary, SRC_DP_ROWS)]


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
    why_down = (N_("{why}; provision.start_y starts it in deploy Y, where only readiness is checked") if later
                else N_("{why}; Y must be deployed before the rollout (no provision.start_y)"))
    up = [i for i in y if i.reachable]
    return (_reachable("Y reachable", y, "warn" if later else "fail", why_down)
            + _versions("Y version as planned", y, plan.pools.y.version)
            + per_node("Y ready", [_ready(i, plan.pools.y.version) for i in up], SRC_READY, N_("{nodes} ready").format(
                nodes=", ".join(i.node for i in up)))
            + _mode("Y", plan, y)
            + per_node("Y has every plugin in use", [_plugins(i, used) for i in up], SRC_PLUGINS,
                       N_("{plugins}: available on {nodes}").format(
                           plugins=", ".join(sorted(used)) or N_("no plugins in use"), nodes=", ".join(i.node for i in up)))
            + per_node("Y Status API reachable", [_status_api(i) for i in up], SRC_STATUS_LISTEN,
                       N_("Status API answered on {nodes}").format(
                           nodes=", ".join(i.node for i in up))))  # type: ignore[arg-type]


def listed_data_plane_checks(plan: Plan, rows: list[DataPlaneRow] | AdapterError | None, now: float = 0.0) -> list[CheckResult]:
    """Once Y is deployed: every Y DP is listed by the CP (a DP reaches its CP) and those rows are in sync."""
    listed = {r.hostname: r for r in rows} if isinstance(rows, list) else {}
    results = []
    for node in plan.pools.y.nodes:
        host = node.hostname or node.name
        if isinstance(rows, list) and host not in listed:
            results.append(result("data planes in sync", "fail", N_("{name}: not listed by the control plane as {host}").format(
                name=node.name, host=repr(host)),
                                  SRC_DP_ROWS, node.name, "absent", "listed, sync_status normal"))
    ours = [listed[h] for h in (n.hostname or n.name for n in plan.pools.y.nodes) if h in listed]
    return results + data_plane_checks(ours if isinstance(rows, list) else rows, now)


def _reachable(name: str, nodes: list[NodeInfo], status_when_down: CheckStatus, why_down: str) -> list[CheckResult]:
    """``why_down``: a template around ``{why}`` (the adapter's error), or "" for the error alone."""
    outcomes = [(i, "pass" if i.reachable else status_when_down, _down(without_node(i) or N_("no answer"), why_down),
                 "unreachable", "reachable") for i in nodes]
    return per_node(name, outcomes, SRC_REACHABLE, N_("{nodes} answered").format(nodes=", ".join(i.node for i in nodes)))


def _down(why: str, template: str) -> str:
    return template.format(why=why) if template else why  # type: ignore[arg-type]


def _versions(name: str, nodes: list[NodeInfo], planned: str) -> list[CheckResult]:
    up = [i for i in nodes if i.reachable]
    outcomes = [(i, "pass" if matches(planned, i.version) else "fail", N_("runs {version}, the plan says {planned}").format(
        version=i.version or "?", planned=planned), i.version, planned)
                for i in up]
    results = per_node(name, outcomes, SRC_VERSION, N_("{nodes} run {planned}").format(
        nodes=", ".join(i.node for i in up), planned=planned))  # type: ignore[arg-type]
    seen = Counter(i.version for i in up)
    if len(seen) > 1 and all(r.status == "pass" for r in results):
        mixed = ", ".join(f"{v} ({', '.join(i.node for i in up if i.version == v)})" for v in seen)
        results = [result(name, "warn", N_("mixed versions: {mixed}").format(
            mixed=mixed), SRC_VERSION, seen=mixed, expected=planned)]
    return results


def _mode(name: str, plan: Plan, nodes: list[NodeInfo]) -> list[CheckResult]:
    key, want = ("database", "off") if plan.mode == "dbless" else ("role", "data_plane")
    up = [i for i in nodes if i.reachable]
    outcomes = [(i, "pass" if getattr(i, key) == want else "fail", N_("{key}={seen}, a {mode} plan needs {key}={want}").format(
        key=key, seen=getattr(i, key) or "?", mode=plan.mode, want=want),
                 getattr(i, key), want) for i in up]
    return per_node(f"{name} {key} {want}", outcomes, SRC_MODE, N_("{key}={want} on {nodes}").format(
        key=key, want=want, nodes=", ".join(i.node for i in up)))  # type: ignore[arg-type]


def _version_of(info: NodeInfo, planned: str) -> KongVersion | None:
    """What the node reports (read leniently, as nodes print it), else what the plan says."""
    for parse, text in ((KongVersion.lenient, info.version), (KongVersion.parse, planned)):
        try:
            return parse(text)
        except VersionError:
            continue
    return None


def _ready(i: NodeInfo, planned: str) -> Outcome:
    v = _version_of(i, planned)
    if v is not None and not v.at_least(*READY_SINCE):
        loaded = bool(i.config_hash) and i.config_hash != ZERO_HASH
        why = N_("no /status/ready before 3.3; /status configuration_hash {config_hash}").format(
            config_hash=i.config_hash or N_("missing"))
        return (i, "pass" if loaded else "fail", why, i.config_hash, "a non-zero hash")
    if i.ready:
        return (i, "pass", "/status/ready 200", "200", "200")
    return (i, "fail", N_("/status/ready: {message}").format(
        message=i.ready_message or "not 200"), i.ready_message or "not ready", "200 ready")


def _plugins(i: NodeInfo, used: dict[str, str]) -> Outcome:
    missing = sorted(p for p in used if p not in i.plugins_available)
    listed = ", ".join(N_("{plugin} (used on {where})").format(plugin=p, where=used[p]) for p in missing)
    why = N_("lacks {plugins} in plugins.available_on_server").format(plugins=listed)
    return (i, "fail" if missing else "pass", why, ", ".join(missing), "every plugin in use")


def _status_api(i: NodeInfo) -> Outcome:
    if i.status_reachable:
        return (i, "pass", "", i.status_listen, "reachable")
    v = _version_of(i, "")
    listen = i.status_listen or "?"
    if v is not None and v.at_least(*STATUS_ON_LOOPBACK_SINCE):
        why = N_("Status API not reachable from here (status_listen {listen}); 3.6+ binds it to 127.0.0.1:8007 by default: rebind it, e.g. status_listen = 0.0.0.0:8100").format(
            listen=listen)
    else:
        why = N_("Status API not reachable from here (status_listen {listen}); it is off by default before 3.6: set status_listen, e.g. 0.0.0.0:8100").format(
            listen=listen)
    return (i, "fail", why, listen, "reachable from Turnout")
