"""One Kong version type, parsed strictly from what people write and leniently from what nodes say. Pure.

Two sources give Turnout a version, and they need different tolerance:

- a plan (or ``turnout lint --from/--to``) names a release an operator means: ``3.4``, ``3.9.1``
  or Enterprise ``3.4.3.19``, optionally with a ``-suffix``. A typo there must stop the run, so
  ``KongVersion.parse`` raises on anything outside the known release lines;
- a node reports what it runs (Admin API ``GET /`` ``version``, the ``Server: kong/...`` header,
  a control plane's data-plane row): ``3.4.3.2-enterprise-edition`` or a release newer than this
  tool knows. A probe must not fail on that, so ``KongVersion.lenient`` keeps the numeric prefix.

Both give the same value: the numbers as written (OSS 3 parts, Enterprise 4), compared as numbers.
Release lines: https://github.com/Kong/docs.konghq.com/blob/fb0334b0c3/app/_data/kong_versions.yml
(2.x up to the 2.8 LTS) and https://developer.konghq.com/gateway/breaking-changes/ (3.x up to
Enterprise 3.15).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..i18n import N_

KNOWN_LINES: tuple[tuple[int, int], ...] = tuple((2, m) for m in range(0, 9)) + tuple((3, m) for m in range(0, 16))
# /status/ready exists from 3.3 (Kong CHANGELOG 3.3.0 #10610,
# https://docs.konghq.com/gateway/latest/production/monitoring/healthcheck-probes/)
READY_SINCE = (3, 3)
# status_listen defaults to 127.0.0.1:8007 from 3.6 (Kong CHANGELOG 3.6.0 #12304), off before
STATUS_ON_LOOPBACK_SINCE = (3, 6)

_STRICT = re.compile(r"^\s*v?(\d+)\.(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-[0-9A-Za-z.-]+)?\s*$")
_LENIENT = re.compile(r"^\s*v?(\d+)\.(\d+)((?:\.\d+)*)")


class VersionError(ValueError):
    """A version string that is not a Kong version this tool knows."""


@dataclass(frozen=True, order=True)
class KongVersion:
    """A Kong version: its numbers as written, ordered as numbers (2.8 < 2.8.5 < 3.4.3.19 < 3.10)."""

    parts: tuple[int, ...]  # (3, 4) for "3.4", (3, 9, 1) for OSS, (3, 4, 3, 19) for Enterprise
    text: str = field(default="", compare=False)

    @classmethod
    def parse(cls, text: str) -> KongVersion:
        """Strict: ``2.8``, ``3.9.1``, ``3.4.3.19`` or ``3.10.0.2-enterprise`` on a known release
        line; raise VersionError on anything else."""
        m = _STRICT.match(str(text))
        if not m:
            raise VersionError(N_("not a Kong version: {text} (expected like 3.4, 3.9.1 or 3.4.3.19)").format(text=repr(text)))
        v = cls(tuple(int(g) for g in m.groups() if g), str(text).strip())
        if v.line not in KNOWN_LINES:
            raise VersionError(N_("unknown Kong version {text}: known lines are 2.0-2.8 and 3.0-3.15").format(text=repr(text)))
        return v

    @classmethod
    def lenient(cls, text: str) -> KongVersion:
        """What a node reports: the leading ``major.minor[.n...]``, whatever follows
        (``3.4.3.2-enterprise-edition``), any release line. VersionError without a ``major.minor``."""
        m = _LENIENT.match(str(text))
        if not m:
            raise VersionError(N_("not a Kong version: {text}").format(text=repr(text)))
        rest = tuple(int(p) for p in m.group(3).split(".") if p)
        return cls((int(m.group(1)), int(m.group(2))) + rest, str(text).strip())

    @property
    def major(self) -> int:
        return self.parts[0]

    @property
    def minor(self) -> int:
        return self.parts[1]

    @property
    def patch(self) -> int:
        return self.parts[2] if len(self.parts) > 2 else 0

    @property
    def build(self) -> int:
        """The Enterprise 4th part (3.4.3.19); 0 on OSS."""
        return self.parts[3] if len(self.parts) > 3 else 0

    @property
    def line(self) -> tuple[int, int]:
        """The release line, ``(major, minor)``: what upgrade paths and compatibility rules talk about."""
        return (self.parts[0], self.parts[1])

    def at_least(self, major: int, minor: int = 0) -> bool:
        return self.line >= (major, minor)

    def __str__(self) -> str:
        return self.text or ".".join(str(p) for p in self.parts)


def line_name(line: tuple[int, int]) -> str:
    return f"{line[0]}.{line[1]}"


def matches(planned: str, seen: str) -> bool:
    """A node's version matches the plan when it starts with every part the plan gives (3.4 matches 3.4.3.19)."""
    want = [p for p in re.split(r"[.-]", planned.strip()) if p]
    got = [p for p in re.split(r"[.-]", seen.strip()) if p]
    return bool(want) and got[: len(want)] == want
