"""Kong versions and the upgrade paths Kong guarantees between them. Pure.

Kong guarantees three kinds of hop (docs ``upgrade/index.md``; devdocs ``upgrade/reference.md``):
patch to patch, adjacent minors, and adjacent LTS lines (2.8 -> 3.4 -> 3.10 -> 3.14). Any other
jump is a chain of those; ``upgrade_path`` finds the shortest chain so preflight can say which
intermediate versions an operator needs. Hybrid clusters add the control plane's rule
(``check_kong_version_compatibility``): same major, and a DP minor never above the CP's.

Versions are OSS ``3.9.1`` or Enterprise ``3.4.3.19`` (4 parts); a ``-suffix`` is ignored.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from typing import NamedTuple

# The release lines these facts cover (kong-facts.md §0): 2.x up to the 2.8 LTS, 3.x up to EE 3.15.
KNOWN_LINES: tuple[tuple[int, int], ...] = tuple((2, m) for m in range(0, 9)) + tuple((3, m) for m in range(0, 16))
LTS_HOPS: tuple[tuple[tuple[int, int], tuple[int, int]], ...] = (((2, 8), (3, 4)), ((3, 4), (3, 10)), ((3, 10), (3, 14)))
EE_ONLY_FROM = (3, 10)  # 3.10 and later have no OSS release (docs app/_data/kong_versions.yml)

SRC_PATHS = "Kong docs upgrade/index.md 'Guaranteed upgrade paths'; devdocs gateway/upgrade/reference.md"
SRC_LTS = "Kong docs upgrade/lts-upgrade.md (2.8 -> 3.4); devdocs gateway/upgrade/reference.md (3.4 -> 3.10, 3.10 -> 3.14)"
SRC_HYBRID = "kong@3.9.3 kong/clustering/compat/init.lua check_kong_version_compatibility; docs hybrid-mode/index.md"
SRC_HYBRID_ORDER = "Kong docs _includes/md/gateway/hybrid-upgrade.md (control planes first, then data planes)"

_VERSION = re.compile(r"^\s*v?(\d+)\.(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-[0-9A-Za-z.-]+)?\s*$")


class VersionError(ValueError):
    """A version string that is not a Kong version this tool knows."""


@dataclass(frozen=True, order=True)
class KongVersion:
    major: int
    minor: int
    patch: int = 0
    build: int = 0  # the Enterprise 4th part (3.4.3.19)
    text: str = ""

    @property
    def line(self) -> tuple[int, int]:
        return (self.major, self.minor)

    def at_least(self, major: int, minor: int) -> bool:
        return self.line >= (major, minor)

    def __str__(self) -> str:
        return self.text or line_name(self.line)


def line_name(line: tuple[int, int]) -> str:
    return f"{line[0]}.{line[1]}"


def parse_version(text: str) -> KongVersion:
    """Parse ``2.8``, ``3.9.1``, ``3.4.3.19`` or ``3.10.0.2-enterprise``; raise VersionError otherwise."""
    m = _VERSION.match(str(text))
    if not m:
        raise VersionError(f"not a Kong version: {text!r} (expected like 3.4, 3.9.1 or 3.4.3.19)")
    major, minor, patch, build = (int(g) if g else 0 for g in m.groups())
    v = KongVersion(major, minor, patch, build, str(text).strip())
    if v.line not in KNOWN_LINES:
        raise VersionError(f"unknown Kong version {text!r}: known lines are 2.0-2.8 and 3.0-3.15")
    return v


def matches(planned: str, seen: str) -> bool:
    """A node's version matches the plan when it starts with every part the plan gives (3.4 matches 3.4.3.19)."""
    want = [p for p in re.split(r"[.-]", planned.strip()) if p]
    got = [p for p in re.split(r"[.-]", seen.strip()) if p]
    return bool(want) and got[: len(want)] == want


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
        out.append((line[0] + 1, 0))  # 2.8 -> 3.0 (rolling 2.8 -> 3.1.0.0 was unsupported: docs 31x.md)
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
    vx, vy = parse_version(x), parse_version(y)
    if vy < vx:
        return UpgradePath(False, [], f"{vx} -> {vy} is a downgrade: Kong supports no downgrades; roll back by sending traffic to X", SRC_PATHS)
    if vx.line == vy.line:
        what = "same version (a node replacement)" if vx == vy else "a patch upgrade"
        return UpgradePath(True, [str(vy)], f"{vx} -> {vy} is {what} within {line_name(vx.line)}", SRC_PATHS)
    if (vx.line, vy.line) in LTS_HOPS:
        return UpgradePath(True, [str(vy)], f"{vx} -> {vy} is an LTS-to-LTS upgrade", SRC_LTS)
    if vy.line in _edges(vx.line):
        what = "the adjacent minor" if vy.major == vx.major else "the next major's first release line"
        return UpgradePath(True, [str(vy)], f"{vx} -> {vy} is an upgrade to {what}", SRC_PATHS)
    chain = _chain(vx.line, vy.line)
    hops = [line_name(line) for line in chain[:-1]] + [str(vy)]
    via = " -> ".join([str(vx)] + hops)
    note = ""
    if any(line >= EE_ONLY_FROM for line in chain[:-1]) and not vx.build:
        note = f" ({line_name(EE_ONLY_FROM)} and later are Enterprise-only)"
    return UpgradePath(False, hops, f"{vx} -> {vy} is not a guaranteed hop; go through {', '.join(hops[:-1])}: {via}{note}", SRC_PATHS)


def dp_compatible(cp: str, dp: str) -> tuple[bool, str]:
    """Will a control plane on ``cp`` push config to a data plane on ``dp``? (patch levels are ignored)."""
    vc, vd = parse_version(cp), parse_version(dp)
    if vc.major != vd.major:
        return False, f"DP {vd} and CP {vc} differ in major version: the CP rejects it (kong_version_incompatible)"
    if vd.minor > vc.minor:
        return False, f"DP {vd} has a newer minor than CP {vc}: upgrade the control plane first (kong_version_incompatible)"
    return True, f"DP {vd} may attach to CP {vc} (same major, DP minor not above the CP's)"
