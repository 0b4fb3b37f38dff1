"""The upgrade paths Kong guarantees between release lines, and the hybrid version rule. Pure.

Kong guarantees three kinds of hop (https://docs.konghq.com/gateway/latest/upgrade/ "Guaranteed
upgrade paths"; https://developer.konghq.com/gateway/upgrade/reference/): patch to patch, adjacent
minors, and adjacent LTS lines (2.8 -> 3.4 -> 3.10 -> 3.14). Any other jump is a chain of those;
``upgrade_path`` finds the shortest chain so preflight can say which intermediate versions an
operator needs. Hybrid clusters add the control plane's rule (``check_kong_version_compatibility``
in https://github.com/Kong/kong/blob/3.9.3/kong/clustering/compat/init.lua): same major, and a DP
minor never above the CP's.
"""

from __future__ import annotations

from collections import deque
from typing import NamedTuple

from ..i18n import N_
from .version import KNOWN_LINES, KongVersion, line_name

LTS_HOPS: tuple[tuple[tuple[int, int], tuple[int, int]], ...] = (((2, 8), (3, 4)), ((3, 4), (3, 10)), ((3, 10), (3, 14)))
# 3.10 and later have no OSS release: https://github.com/Kong/docs.konghq.com/blob/fb0334b0c3/app/_data/kong_versions.yml
EE_ONLY_FROM = (3, 10)

SRC_PATHS = ("Kong docs 'Guaranteed upgrade paths' https://docs.konghq.com/gateway/latest/upgrade/; "
             "https://developer.konghq.com/gateway/upgrade/reference/")
SRC_LTS = ("Kong docs https://docs.konghq.com/gateway/latest/upgrade/lts-upgrade/ (2.8 -> 3.4); "
           "https://developer.konghq.com/gateway/upgrade/reference/ (3.4 -> 3.10, 3.10 -> 3.14)")
SRC_HYBRID = ("check_kong_version_compatibility in https://github.com/Kong/kong/blob/3.9.3/kong/clustering/compat/init.lua; "
              "https://docs.konghq.com/gateway/latest/production/deployment-topologies/hybrid-mode/")
SRC_HYBRID_ORDER = ("Kong docs: control planes first, then data planes "
                    "(https://github.com/Kong/docs.konghq.com/blob/fb0334b0c3/app/_includes/md/gateway/hybrid-upgrade.md)")


class UpgradePath(NamedTuple):
    supported: bool
    hops: list[str]  # the stops after X, in order; the last one is Y. One stop: a direct hop
    reason: str
    source: str


def _edges(line: tuple[int, int]) -> list[tuple[int, int]]:
    """Guaranteed single hops out of a release line: the next minor (or the next major's .0) and LTS."""
    out = [b for a, b in LTS_HOPS if a == line]
    nxt = (line[0], line[1] + 1)
    if nxt in KNOWN_LINES:
        out.append(nxt)
    elif (line[0] + 1, 0) in KNOWN_LINES:
        out.append((line[0] + 1, 0))  # 2.8 -> 3.0 (rolling 2.8 -> 3.1.0.0 was unsupported: https://docs.konghq.com/gateway/latest/breaking-changes/31x/)
    return out


def _chain(start: tuple[int, int], goal: tuple[int, int]) -> list[tuple[int, int]]:
    """Shortest chain of guaranteed hops from start to goal (breadth first), without start."""
    prev: dict[tuple[int, int], tuple[int, int] | None] = {start: None}
    queue = deque([start])
    while queue:
        line = queue.popleft()
        if line == goal:
            break
        for nxt in _edges(line):
            if nxt not in prev:
                prev[nxt] = line
                queue.append(nxt)
    if goal not in prev:
        return []
    chain = [goal]
    while prev[chain[-1]] not in (None, start):
        chain.append(prev[chain[-1]])  # type: ignore[arg-type]
    return chain[::-1]


def upgrade_path(x: str, y: str) -> UpgradePath:
    """Is X -> Y a hop Kong guarantees? If not, the shortest chain of guaranteed hops."""
    vx, vy = KongVersion.parse(x), KongVersion.parse(y)
    if vy < vx:
        return UpgradePath(False, [], N_("{vx} -> {vy} is a downgrade: Kong supports no downgrades; roll back by sending traffic to X").format(
            
            vx=vx, vy=vy), SRC_PATHS)
    if vx.line == vy.line:
        what = N_("same version (a node replacement)") if vx == vy else N_("a patch upgrade")
        return UpgradePath(True, [str(vy)], N_("{vx} -> {vy} is {what} within {line}").format(
            vx=vx, vy=vy, what=what, line=line_name(vx.line)),
                           SRC_PATHS)
    if (vx.line, vy.line) in LTS_HOPS:
        return UpgradePath(True, [str(vy)], N_("{vx} -> {vy} is an LTS-to-LTS upgrade").format(vx=vx, vy=vy), SRC_LTS)
    if vy.line in _edges(vx.line):
        what = N_("the adjacent minor") if vy.major == vx.major else N_("the next major's first release line")
        return UpgradePath(True, [str(vy)], N_("{vx} -> {vy} is an upgrade to {what}").format(vx=vx, vy=vy, what=what), SRC_PATHS)
    chain = _chain(vx.line, vy.line)
    hops = [line_name(line) for line in chain[:-1]] + [str(vy)]
    via = " -> ".join([str(vx)] + hops)
    through = ", ".join(hops[:-1])
    if any(line >= EE_ONLY_FROM for line in chain[:-1]) and not vx.build:
        reason = N_("{vx} -> {vy} is not a guaranteed hop; go through {through}: {via} ({line} and later are Enterprise-only)").format(
            
            vx=vx, vy=vy, through=through, via=via, line=line_name(EE_ONLY_FROM))
    else:
        reason = N_("{vx} -> {vy} is not a guaranteed hop; go through {through}: {via}").format(
            vx=vx, vy=vy, through=through, via=via)
    return UpgradePath(False, hops, reason, SRC_PATHS)


def dp_compatible(cp: str, dp: str) -> tuple[bool, str]:
    """Will a control plane on ``cp`` push config to a data plane on ``dp``? (patch levels are ignored)."""
    vc, vd = KongVersion.parse(cp), KongVersion.parse(dp)
    if vc.major != vd.major:
        return False, N_("DP {vd} and CP {vc} differ in major version: the CP rejects it (kong_version_incompatible)").format(
            vd=vd, vc=vc)
    if vd.minor > vc.minor:
        return False, N_("DP {vd} has a newer minor than CP {vc}: upgrade the control plane first (kong_version_incompatible)").format(
            vd=vd, vc=vc)
    return True, N_("DP {vd} may attach to CP {vc} (same major, DP minor not above the CP's)").format(vd=vd, vc=vc)
