"""What the lint says and about which hop: ``Finding``, ``Hop`` and the helpers every rule shares. Pure.

A rule is ``rule(doc, hop, router_flavor) -> iterable of Finding`` and decides for itself whether
the hop concerns it; a fixer is ``fixer(data, hop) -> bool`` (changed anything; ``data`` is round-trip YAML
from ``lint_yaml``, edited in place with its helpers so comments and order stay). Both live in the
rule modules and are registered in ``rollout.kong.lint_registry``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

from ..i18n import N_
from .config import ConfigDoc, Entity
from .version import KongVersion

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    entity: str  # "route r1 of service svc1", "plugin acl on service svc1", "file"
    line: int
    message: str
    fixable: bool = False
    source: str = ""

    def __str__(self) -> str:
        return f"line {self.line}: {self.severity}: {self.entity}: {self.message}"

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Hop:
    """The upgrade a file is linted for: X's version to Y's."""

    source: KongVersion
    target: KongVersion

    def crosses(self, major: int, minor: int) -> bool:
        """True when the hop starts before ``major.minor`` and ends on or after it."""
        return self.source.line < (major, minor) <= self.target.line

    def reaches(self, major: int, minor: int) -> bool:
        return self.target.line >= (major, minor)


def make_hop(source: str, target: str) -> Hop:
    """Parse both versions (VersionError on an unknown one)."""
    return Hop(KongVersion.parse(source), KongVersion.parse(target))


def config_of(e: Entity) -> dict:
    return e.data["config"] if isinstance(e.data.get("config"), dict) else {}


def finding(doc: ConfigDoc, rule: str, severity: str, e: Entity | None, path: tuple, message: str,
            source: str, fixable: bool = False) -> Finding:
    """A finding on ``e`` (None: the whole file) at the line of ``path``."""
    return Finding(rule, severity, e.label if e else N_("file"), doc.line(path), message, fixable, source)  # type: ignore[arg-type]
