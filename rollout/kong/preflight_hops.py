"""Preflight checks on the hop itself: the upgrade path, the control plane's version, the config lint. Pure.

These need only the plan (and X's kong.yml): an unsupported hop, a control plane that would
refuse the Y data planes, or a config that Y rejects fail before any node is asked anything.
"""

from __future__ import annotations

from ..i18n import N_
from ..observations import CheckResult, CheckStatus
from ..plan import Plan
from .checks import result
from .config import LintError
from .findings import Finding
from .lint import lint
from .upgrade import SRC_HYBRID, SRC_HYBRID_ORDER, dp_compatible, upgrade_path
from .version import KongVersion, VersionError

SRC_VERSIONS = ("Kong release lines: https://github.com/Kong/docs.konghq.com/blob/fb0334b0c3/app/_data/kong_versions.yml; "
                "https://developer.konghq.com/gateway/breaking-changes/")
SRC_LINT = ("Kong breaking changes https://docs.konghq.com/gateway/latest/breaking-changes/30x/ (and 31x-34x); "
            "https://developer.konghq.com/gateway/breaking-changes/")


def upgrade_checks(plan: Plan) -> list[CheckResult]:
    """A guaranteed hop passes; a longer jump inside one major warns (DB-less nodes and DPs run no
    migrations, but every skipped minor's breaking changes apply); a downgrade or a major jump fails."""
    x, y = plan.pools.x.version, plan.pools.y.version
    try:
        path = upgrade_path(x, y)
        vx, vy = KongVersion.parse(x), KongVersion.parse(y)
    except VersionError as exc:
        return [result("upgrade path", "fail", str(exc), SRC_VERSIONS, seen=f"{x} -> {y}")]
    if path.supported:
        status: CheckStatus = "pass"
    elif path.hops and vx.major == vy.major:
        status = "warn"
    else:
        status = "fail"
    if status == "warn":
        evidence = N_("{reason}. DB-less nodes and DPs run no migrations, so the jump can work, but lint the config for every "
                      "skipped minor.").format(reason=path.reason)
    else:
        evidence = N_("{reason}.").format(reason=path.reason)
    return [result("upgrade path", status, evidence, path.source, seen=f"{x} -> {y}",
                   expected=" -> ".join([x] + path.hops) if path.hops else "")]


def control_plane_checks(plan: Plan) -> list[CheckResult]:
    """CPs are upgraded first: Y DPs must be acceptable to the CP (same major, minor not above)."""
    cp = plan.control_plane.version if plan.control_plane else None
    if not cp:
        return [result("control plane first", "warn", N_("control_plane.version is not in the plan: cannot check that the CP was upgraded first"),
                       SRC_HYBRID_ORDER, expected=f">= {plan.pools.y.version}")]
    try:
        y_ok, y_why = dp_compatible(cp, plan.pools.y.version)
        x_ok, x_why = dp_compatible(cp, plan.pools.x.version)
    except VersionError as exc:
        return [result("control plane first", "fail", str(exc), SRC_HYBRID)]
    results = [result("control plane first", "pass" if y_ok else "fail", y_why, SRC_HYBRID, node="control plane",
                      seen=cp, expected=f"same major as {plan.pools.y.version}, minor not below it")]
    if not x_ok:
        results.append(result("control plane first", "warn", N_("X: {x_why}; X DPs keep serving their cached config until retired").format(
            x_why=x_why),
                              SRC_HYBRID, node="control plane", seen=cp, expected=plan.pools.x.version))
    return results


def lint_checks(plan: Plan, text: str, label: str = N_("X's kong.yml")) -> list[CheckResult]:
    """The config lint for the hop: a fixable error means Y needs the converted file (warn), anything
    that no conversion fixes fails."""
    try:
        findings = lint(text, plan.pools.x.version, plan.pools.y.version)
    except (LintError, VersionError) as exc:
        return [result("config lint", "fail", f"{label}: {exc}", SRC_LINT)]
    if not findings:
        return [result("config lint", "pass", N_("{label}: no findings for {x} -> {y}").format(
            label=label, x=plan.pools.x.version, y=plan.pools.y.version), SRC_LINT)]
    out = []
    for f in findings:
        status: CheckStatus = "fail" if f.severity == "error" and not f.fixable else "warn"
        out.append(result("config lint", status, _lint_evidence(label, f), f.source, seen=f.rule))
    return out


def _lint_evidence(label: str, f: Finding) -> str:
    said = N_("{label} line {line}: {entity}: {message}").format(label=label, line=f.line, entity=f.entity, message=f.message)
    return N_("{evidence} (turnout lint --fix converts it)").format(evidence=said) if f.fixable else said
