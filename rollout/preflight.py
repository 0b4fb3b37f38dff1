"""Preflight: the checklist that must pass before any traffic moves. Pure functions over node facts.

(Foundation version: reachability, versions and mode. The Kong-specific checks of upgrade
paths, plugins, hash consistency and the config lint build on this same entry point.)
"""

from __future__ import annotations

from .errors import AdapterError
from .observations import CheckResult, DataPlaneRow, NodeInfo
from .plan import Plan


def run_checks(plan: Plan, infos: list[NodeInfo], rows: list[DataPlaneRow] | AdapterError | None, now: float = 0.0) -> list[CheckResult]:
    results: list[CheckResult] = []
    for pool_name in ("x", "y"):
        pool = getattr(plan.pools, pool_name)
        for info in (i for i in infos if i.node in pool.names):
            if not info.reachable:
                results.append(CheckResult("node reachable", "fail", f"{info.node}: {info.error}", node=info.node))
                continue
            status = "pass" if info.version == pool.version else "fail"
            results.append(CheckResult("version as planned", status, f"{info.node} runs {info.version}, plan says {pool.version}",
                                       node=info.node, seen=info.version, expected=pool.version))
            want = ("database", "off") if plan.mode == "dbless" else ("role", "data_plane")
            seen = getattr(info, want[0])
            results.append(CheckResult(f"{want[0]} {want[1]}", "pass" if seen == want[1] else "fail",
                                       f"{info.node}: {want[0]}={seen or '?'}", node=info.node, seen=seen, expected=want[1]))
    return results
